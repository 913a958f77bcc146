//! Self-benchmark (`tiktok-emulator --bench-self`): the emulator's own throughput over loopback,
//! so a connector benchmark can show it is bound by the connector, not by the emulator.
//! A measurement, not a test: it prints figures and asserts nothing.

use std::time::{Duration, Instant};

use crate::client::{query, Client};
use crate::config::EmulatorConfig;
use crate::emulator::Emulator;
use crate::report;

#[derive(Clone, Debug)]
pub struct BenchFigures {
    pub entity_requests: u64,
    pub entity_requests_per_sec: f64,
    pub report_rows_http: u64,
    pub report_rows_per_sec_http: f64,
    pub report_rows_in_process: u64,
    pub report_rows_per_sec_in_process: f64,
    pub ads: usize,
}

/// Runs for about `budget` (split between the phases) against a world of `ads_target` ads or so.
pub fn run(budget: Duration, ads_target: usize) -> Result<BenchFigures, String> {
    let campaigns = (ads_target / 50).max(1);
    let cfg = EmulatorConfig {
        advertisers: 1,
        campaigns_per_advertiser: campaigns,
        adgroups_per_campaign: 5,
        ads_per_adgroup: 10,
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(cfg.clone());
    let world = emu.world();
    let adv = world
        .advertisers
        .first()
        .map(|a| a.advertiser_id.clone())
        .ok_or("no advertiser")?;
    let token = cfg.access_token.clone();
    let phase = budget / 3;

    // Phase 1: small entity pages on two keep-alive connections.
    let url = emu.base_url();
    let started = Instant::now();
    let counts: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (url, adv, token) = (url.clone(), adv.clone(), token.clone());
                s.spawn(move || {
                    let Ok(mut c) = Client::new(&url) else {
                        return 0;
                    };
                    let target = format!(
                        "/open_api/v1.3/campaign/get/?{}",
                        query(&[("advertiser_id", &adv), ("page_size", "10")])
                    );
                    let mut n = 0;
                    while started.elapsed() < phase {
                        if c.get(&target, Some(&token)).is_ok_and(|r| r.status == 200) {
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    let entity_requests: u64 = counts.iter().sum();
    let entity_secs = started.elapsed().as_secs_f64();

    // Phase 2: a 30-day daily ad report, walked page by page over HTTP, repeated until the budget.
    let end = emu.now().date_naive() - chrono::Duration::days(1);
    let start = end - chrono::Duration::days(29);
    let (start_s, end_s) = (start.to_string(), end.to_string());
    let base_params = [
        ("advertiser_id", adv.as_str()),
        ("service_type", "AUCTION"),
        ("report_type", "BASIC"),
        ("data_level", "AUCTION_AD"),
        ("dimensions", "[\"ad_id\",\"stat_time_day\"]"),
        (
            "metrics",
            "[\"spend\",\"impressions\",\"clicks\",\"ctr\",\"conversion\"]",
        ),
        ("start_date", start_s.as_str()),
        ("end_date", end_s.as_str()),
        ("page_size", "1000"),
    ];
    let mut client = Client::new(&url).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut rows_http = 0u64;
    'outer: while started.elapsed() < phase {
        let mut page = 1u64;
        loop {
            let page_s = page.to_string();
            let mut p = base_params.to_vec();
            p.push(("page", page_s.as_str()));
            let target = format!("/open_api/v1.3/report/integrated/get/?{}", query(&p));
            let r = client
                .get(&target, Some(&token))
                .map_err(|e| e.to_string())?;
            let v = r.json().map_err(|e| e.to_string())?;
            if v["code"].as_i64() != Some(0) {
                return Err(format!("report request failed: {}", r.text()));
            }
            let n = v["data"]["list"].as_array().map_or(0, Vec::len) as u64;
            rows_http += n;
            let total_page = v["data"]["page_info"]["total_page"].as_u64().unwrap_or(0);
            if page >= total_page || n == 0 {
                break;
            }
            page += 1;
            if started.elapsed() >= phase {
                break 'outer;
            }
        }
    }
    let http_secs = started.elapsed().as_secs_f64();

    // Phase 3: the report engine alone.
    let settings = report::ReportSettings {
        seed: cfg.seed,
        late_conversion_days: cfg.late_conversion_days,
        query_too_large_threshold: None,
        ads_cap: None,
        audience_latency: false,
    };
    let params: crate::model::Params = base_params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let now = emu.now();
    let started = Instant::now();
    let mut rows_mem = 0u64;
    while started.elapsed() < phase {
        rows_mem += report::rows(&world, &params, now, &settings)
            .map_err(|e| e.message)?
            .len() as u64;
    }
    let mem_secs = started.elapsed().as_secs_f64();

    Ok(BenchFigures {
        entity_requests,
        entity_requests_per_sec: entity_requests as f64 / entity_secs.max(1e-9),
        report_rows_http: rows_http,
        report_rows_per_sec_http: rows_http as f64 / http_secs.max(1e-9),
        report_rows_in_process: rows_mem,
        report_rows_per_sec_in_process: rows_mem as f64 / mem_secs.max(1e-9),
        ads: world.ads.len(),
    })
}
