//! The official connector's last two streams (issue 11): `pixel_events_statistics` against the
//! emulator's per-day counters, incremental with the attribution lookback, each pixel asked
//! only with its own advertiser; `pixel_instant_page_events` against TikTok's catalogue; both
//! left out of the sandbox with a LOG line.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};
use tiktok_emulator::pixels::ForeignPixels;
use tiktok_emulator::{Asset, EmulatorConfig};

use crate::support::*;

const STATS: &str = "pixel_events_statistics";
const INSTANT: &str = "pixel_instant_page_events";

/// The counts of a statistic, as records carry them.
const COUNTS: &[&str] = &[
    "attributed_count",
    "preview_count",
    "total_count",
    "browser_event_total_count",
    "server_event_total_count",
];

/// (pixel, event, date) → the five counts, as records carry them.
type Counts = BTreeMap<(String, String, String), Vec<u64>>;

/// The pixel's creation day (UTC), from `pixel/list/`'s `create_time`.
fn created(p: &Asset) -> NaiveDate {
    p.data["create_time"].as_str().unwrap()[..10]
        .parse()
        .unwrap()
}

/// The emulator's counters of every pixel of `account` for the days [start, end].
fn truth(env: &Env, account: &str, start: NaiveDate, end: NaiveDate) -> Counts {
    let mut out = Counts::new();
    for p in env
        .emu
        .world()
        .pixels
        .iter()
        .filter(|p| p.advertiser_id == account)
    {
        for row in env.emu.pixel_stats_truth(&p.id, start, end) {
            let row = serde_json::to_value(&row).unwrap();
            let event = row["pixel_event_type"]
                .as_str()
                .or(row["custom_event_type"].as_str())
                .unwrap()
                .to_string();
            let counts = COUNTS.iter().map(|k| row[k].as_u64().unwrap()).collect();
            let key = (
                p.id.clone(),
                event,
                row["date"].as_str().unwrap().to_string(),
            );
            out.insert(key, counts);
        }
    }
    out
}

/// The records of `account`, keyed like the truth; a key read twice fails.
fn records(run: &Run, account: &str) -> Counts {
    let mut out = Counts::new();
    for r in run
        .records(STATS)
        .iter()
        .filter(|r| r["advertiser_id"] == account)
    {
        let event = r["event_type"].as_str().unwrap().to_string();
        let standard = r["pixel_event_type"].as_str();
        let custom = r["custom_event_type"].as_str();
        assert_eq!(standard.or(custom), Some(event.as_str()), "{r}");
        assert!(standard.is_none() || custom.is_none(), "{r}");
        let counts = COUNTS
            .iter()
            .map(|k| r[k].as_u64().unwrap_or_else(|| panic!("{k} in {r}")))
            .collect();
        let key = (
            r["pixel_id"].as_str().unwrap().to_string(),
            event,
            r["date"].as_str().unwrap().to_string(),
        );
        assert!(out.insert(key, counts).is_none(), "read twice: {r}");
    }
    out
}

/// The truth the connector must emit: days before a pixel existed have only zeros, so they
/// are not asked for; every other day is.
fn expected(env: &Env, account: &str, start: NaiveDate, end: NaiveDate) -> Counts {
    let pixels: BTreeMap<String, NaiveDate> = env
        .emu
        .world()
        .pixels
        .iter()
        .filter(|p| p.advertiser_id == account)
        .map(|p| (p.id.clone(), created(p)))
        .collect();
    let mut out = Counts::new();
    for (key, counts) in truth(env, account, start, end) {
        let day: NaiveDate = key.2.parse().unwrap();
        if day < pixels[&key.0] {
            assert!(
                counts.iter().all(|c| *c == 0),
                "{key:?} before the pixel: {counts:?}"
            );
        } else {
            out.insert(key, counts);
        }
    }
    out
}

/// Every stats request: its pixels belong to its advertiser, at most 10, as a JSON array; the
/// range is one well-formed UTC day. Returns (advertiser, day) per request.
fn check_stats_requests(env: &Env) -> Vec<(String, NaiveDate)> {
    let world = env.emu.world();
    let mut out = Vec::new();
    for r in env
        .emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/pixel/event/stats/"))
    {
        assert_eq!(r.code, Some(0), "{:?}", r.params);
        let adv = r.params["advertiser_id"].clone();
        let ids: Vec<String> = serde_json::from_str(&r.params["pixel_ids"]).expect("a JSON array");
        assert!((1..=10).contains(&ids.len()), "{ids:?}");
        for id in &ids {
            let owner = &world
                .pixels
                .iter()
                .find(|p| &p.id == id)
                .unwrap()
                .advertiser_id;
            assert_eq!(owner, &adv, "pixel {id} asked with another advertiser");
        }
        let range: Value = serde_json::from_str(&r.params["date_range"]).expect("a JSON object");
        assert_eq!(
            range["start_date"], range["end_date"],
            "one day per request"
        );
        let day: NaiveDate = range["start_date"].as_str().unwrap().parse().unwrap();
        out.push((adv, day));
    }
    out
}

#[test]
fn pixel_statistics_equal_the_truth_per_pixel_event_and_utc_day() {
    // A foreign pixel would fail the sync here rather than be left out quietly.
    let env = Env::with(EmulatorConfig {
        foreign_pixels: ForeignPixels::NoPermission,
        history_days: 20,
        ..EmulatorConfig::default()
    });
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &[STATS], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    validate_records(&catalog, &run);
    let start: NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    let today = env.emu.now().date_naive();
    let world = env.emu.world();
    let mut non_zero = 0;
    let mut before_creation = false;
    for adv in &world.advertisers {
        let want = expected(&env, &adv.advertiser_id, start, today);
        let got = records(&run, &adv.advertiser_id);
        assert_eq!(got, want, "account {}", adv.advertiser_id);
        non_zero += got.values().filter(|c| c.iter().any(|v| *v > 0)).count();
        before_creation |= world
            .pixels
            .iter()
            .any(|p| p.advertiser_id == adv.advertiser_id && created(p) > start);
    }
    assert!(non_zero > 20, "the emulator had events: {non_zero}");
    assert!(before_creation, "some pixel was created after start_date");
    // Custom events are keyed by their name.
    assert!(run
        .records(STATS)
        .iter()
        .any(|r| r["custom_event_type"] == "NewsletterSignup"
            && r["event_type"] == "NewsletterSignup"));
    // One request per account and day on which it had pixels, none for days before them.
    let requests = check_stats_requests(&env);
    let unique: BTreeSet<&(String, NaiveDate)> = requests.iter().collect();
    assert_eq!(unique.len(), requests.len(), "a day asked twice");
    for (adv, day) in &requests {
        assert!(*day >= start && *day <= today);
        assert!(
            world
                .pixels
                .iter()
                .any(|p| &p.advertiser_id == adv && created(p) <= *day),
            "{adv} {day}: no pixel existed"
        );
    }
}

#[test]
fn incremental_rereads_the_attribution_window_as_counts_grow() {
    let env = Env::new();
    let config = env.config(json!({"attribution_window": 3}));
    let catalog = env.catalog(&config, &[STATS], true);
    let first = env.read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{}", first.stdout);
    let first_today = env.emu.now().date_naive();
    let state = first.final_state();
    let accounts = &state[0]["stream"]["stream_state"]["accounts"];
    for adv in env.emu.world().advertisers {
        assert_eq!(
            accounts[&adv.advertiser_id]["last_day"],
            first_today.to_string(),
            "the cursor reached today (UTC)"
        );
    }
    env.emu.advance(Duration::days(2));
    env.emu.clear_requests();
    let second = env.read(&config, &catalog, Some(&state));
    assert_eq!(second.code, 0, "{}", second.stdout);
    let from = first_today - Duration::days(3);
    let today = env.emu.now().date_naive();
    let mut grew = 0;
    for adv in env.emu.world().advertisers {
        let got = records(&second, &adv.advertiser_id);
        assert_eq!(got, expected(&env, &adv.advertiser_id, from, today));
        // Attribution arrived for days read before.
        let before = records(&first, &adv.advertiser_id);
        grew += got
            .iter()
            .filter(|(k, v)| before.get(*k).is_some_and(|b| b[0] < v[0]))
            .count();
    }
    assert!(grew > 0, "attributed counts grew between the runs");
    let days: BTreeSet<NaiveDate> = check_stats_requests(&env)
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    assert_eq!(days.first(), Some(&from), "the lookback starts the re-read");
    assert_eq!(days.last(), Some(&today));
}

#[test]
fn more_than_ten_pixels_are_asked_ten_at_a_time() {
    let env = Env::new();
    let adv = env.emu.world().advertisers[0].advertiser_id.clone();
    // Twelve more pixels for the first account, created long ago.
    env.emu.mutate(|w, _| {
        let template = w
            .pixels
            .iter()
            .find(|p| p.advertiser_id == adv)
            .cloned()
            .expect("a pixel");
        for i in 0..12 {
            let mut p = template.clone();
            p.id = format!("7{:018}", 900 + i);
            p.data["pixel_id"] = json!(p.id);
            p.data["create_time"] = json!("2026-01-01 00:00:00");
            w.pixels.push(p);
        }
    });
    let config = env.config(json!({"accounts": adv, "start_date": (env.emu.now() - Duration::days(1)).format("%Y-%m-%d").to_string()}));
    let catalog = env.catalog(&config, &[STATS], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let start: NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    let today = env.emu.now().date_naive();
    assert_eq!(records(&run, &adv), expected(&env, &adv, start, today));
    let pixels = env
        .emu
        .world()
        .pixels
        .iter()
        .filter(|p| p.advertiser_id == adv)
        .count();
    assert!(pixels > 12);
    let per_day: BTreeMap<NaiveDate, Vec<usize>> = env
        .emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/pixel/event/stats/"))
        .fold(BTreeMap::new(), |mut m, r| {
            let ids: Vec<String> = serde_json::from_str(&r.params["pixel_ids"]).unwrap();
            let range: Value = serde_json::from_str(&r.params["date_range"]).unwrap();
            let day = range["start_date"].as_str().unwrap().parse().unwrap();
            m.entry(day).or_default().push(ids.len());
            m
        });
    assert_eq!(per_day.len(), 2);
    for sizes in per_day.values() {
        let mut sizes = sizes.clone();
        sizes.sort();
        assert_eq!(sizes, [pixels - 10, 10]);
    }
    check_stats_requests(&env);
}

#[test]
fn instant_page_events_are_tiktoks_catalogue_per_account() {
    let env = Env::new();
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &[INSTANT], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    validate_records(&catalog, &run);
    // The emulator's catalogue (emulator/README.md, pixel/instant_page/event/), written out.
    let pairs = [
        ("CONVERSIONS", "CONVERT"),
        ("CONVERSIONS", "VALUE"),
        ("APP_PROMOTION", "INSTALL"),
        ("APP_PROMOTION", "IN_APP_EVENT"),
        ("LEAD_GENERATION", "LEAD_GENERATION"),
    ];
    let world = env.emu.world();
    let mut want = Vec::new();
    for adv in &world.advertisers {
        for (objective, goal) in pairs {
            want.push(json!({"advertiser_id": adv.advertiser_id, "business_type": "TIKTOK_INSTANT_PAGE",
                "objective_type": objective, "optimization_goal": goal, "optimization_event": "BUTTON"}));
        }
    }
    let mut got: Vec<Value> = run.records(INSTANT).into_iter().cloned().collect();
    let key = |v: &Value| v.to_string();
    got.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(got, want);
    // Five requests per account, never the WEB_CONVERSIONS alias.
    let requests: Vec<_> = env
        .emu
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/pixel/instant_page/event/"))
        .collect();
    assert_eq!(requests.len(), 5 * world.advertisers.len());
    assert!(requests
        .iter()
        .all(|r| r.params["objective_type"] != "WEB_CONVERSIONS"));
}

#[test]
fn the_sandbox_leaves_the_pixel_streams_out_with_a_log_line() {
    let env = Env::with(EmulatorConfig {
        sandbox: true,
        ..EmulatorConfig::default()
    });
    let production = env.config(json!({}));
    let all: BTreeSet<String> = env
        .discover(&production)
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    let id = env.emu.world().advertisers[0].advertiser_id.clone();
    let sandbox = env.config(json!({"environment": "sandbox", "accounts": id}));
    let p = env.write("config.json", &sandbox);
    let discovered = env.run(&["discover", "--config", p.to_str().unwrap()]);
    assert_eq!(discovered.code, 0, "{}", discovered.stdout);
    let names: BTreeSet<String> = discovered.of_type("CATALOG")[0]["catalog"]["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    let missing: BTreeSet<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|n| !names.contains(*n))
        .collect();
    // TikTok's sandbox lacks account listing, pixels' statistics and instant pages, the Business
    // Center and GMV Max.
    assert_eq!(
        missing,
        BTreeSet::from([
            "advertiser_ids",
            INSTANT,
            STATS,
            "gmv_max_campaigns",
            "gmv_max_reports_daily",
            "business_centers",
            "business_center_ad_accounts",
            "advertiser_balances",
            "business_center_transactions",
        ])
    );
    let logs = |r: &Run| -> Vec<String> {
        r.of_type("LOG")
            .iter()
            .map(|l| l["log"]["message"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(
        logs(&discovered)
            .iter()
            .any(|m| m.contains(STATS) && m.contains("sandbox")),
        "{:?}",
        logs(&discovered)
    );
    // A catalog from production reads what the sandbox has and says what it left out.
    let catalog = env.catalog(&production, &["campaigns", STATS, INSTANT], false);
    let run = env.read(&sandbox, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!run.records("campaigns").is_empty());
    assert!(run.records(STATS).is_empty() && run.records(INSTANT).is_empty());
    assert!(
        logs(&run)
            .iter()
            .any(|m| m.contains("Not read") && m.contains(INSTANT)),
        "{:?}",
        logs(&run)
    );
    assert!(!env
        .emu
        .requests()
        .iter()
        .any(|r| r.path.contains("/pixel/")));
}
