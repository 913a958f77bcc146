//! The read engine against the emulator: the pace of requests seen from TikTok's side (its
//! request log), requests never repeated, and the platform told when the rate limit holds a
//! stream back.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tiktok_emulator::{EmulatorConfig, Faults, Latency, LoggedRequest};

use crate::support::*;

/// The most requests that arrived within any `window_us` microseconds (a sliding window, as
/// TikTok counts).
fn busiest_window(log: &[LoggedRequest], window_us: u64) -> usize {
    let mut times: Vec<u64> = log.iter().map(|r| r.arrived_us).collect();
    times.sort_unstable();
    let mut best = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= window_us {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

/// Requests sent more than once: (method, path, params) → count, for counts above one.
fn repeated(log: &[LoggedRequest]) -> BTreeMap<String, usize> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for r in log {
        let key = format!("{} {} {:?}", r.method, r.path, r.params);
        *seen.entry(key).or_default() += 1;
    }
    seen.retain(|_, n| *n > 1);
    seen
}

#[test]
fn requests_stay_under_the_limit_in_every_window_and_none_is_sent_twice() {
    // TikTok's "ultimate" tier, with a real answer time that varies from request to request.
    let env = Env::with(EmulatorConfig {
        qps: 50,
        qpm: 3000,
        latency: Latency {
            min_ms: 20,
            max_ms: 120,
        },
        ..EmulatorConfig::default()
    });
    // A generous timeout: on a loaded machine a slow answer must not turn into a retry.
    let config = env.config(json!({
        "rate_limit_tier": "ultimate", "requests_per_second": null, "requests_per_minute": null,
        "request_timeout_seconds": 120,
    }));
    let catalog = env.catalog(
        &config,
        &[
            "campaigns",
            "ad_groups",
            "ads",
            "ads_reports_hourly",
            "ad_groups_reports_hourly",
            "campaigns_reports_hourly",
            "advertisers_reports_hourly",
            "ads_audience_reports_daily",
            "ads_reports_by_country_hourly",
        ],
        true,
    );
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let log = env.emu.requests();
    assert!(
        log.len() >= 200,
        "a sync long enough to matter: {} requests",
        log.len()
    );
    let throttled: Vec<&LoggedRequest> = log.iter().filter(|r| r.code == Some(40100)).collect();
    assert!(throttled.is_empty(), "throttled: {throttled:?}");
    assert!(busiest_window(&log, 1_000_000) <= 50);
    assert!(busiest_window(&log, 60_000_000) <= 3000);
    assert_eq!(repeated(&log), BTreeMap::new(), "requests sent twice");
}

#[test]
fn a_long_wait_for_the_rate_limit_shows_the_stream_as_rate_limited() {
    // The first three campaign requests are refused for the rate limit.
    let env = Env::with(EmulatorConfig {
        faults: Faults {
            rate_limit_rate: 1.0,
            max_faults: Some(3),
            only_paths: vec!["campaign/get/".into()],
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    });
    let config = env.config(json!({
        "requests_per_second": 5, "requests_per_minute": 300, "rate_limited_status_after_ms": 300,
    }));
    let catalog = env.catalog(&config, &["campaigns"], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let statuses: Vec<&Value> = run
        .lines
        .iter()
        .filter(|l| l["trace"]["type"] == "STREAM_STATUS")
        .map(|l| &l["trace"])
        .collect();
    let limited: Vec<&&Value> = statuses
        .iter()
        .filter(|t| t["stream_status"]["reasons"][0]["type"] == "RATE_LIMITED")
        .collect();
    assert!(!limited.is_empty(), "no RATE_LIMITED status: {statuses:?}");
    for t in &limited {
        assert_eq!(t["stream_status"]["stream_descriptor"]["name"], "campaigns");
        assert_eq!(t["stream_status"]["status"], "RUNNING");
        let reset = t["stream_status"]["reasons"][0]["rate_limited"]["quota_reset"]
            .as_i64()
            .expect("quota_reset in ms");
        let at = t["emitted_at"].as_f64().unwrap() as i64;
        assert!(
            reset > at,
            "the quota resets after the status: {reset} vs {at}"
        );
    }
    // Then running again without a reason, and complete, with every campaign read.
    let names: Vec<String> = statuses
        .iter()
        .map(|t| {
            let s = &t["stream_status"];
            match s["reasons"][0]["type"].as_str() {
                Some(r) => format!("{}({r})", s["status"].as_str().unwrap()),
                None => s["status"].as_str().unwrap().to_string(),
            }
        })
        .collect();
    let first_limited = names
        .iter()
        .position(|n| n == "RUNNING(RATE_LIMITED)")
        .unwrap();
    assert_eq!(names.first().map(String::as_str), Some("STARTED"));
    assert_eq!(names.last().map(String::as_str), Some("COMPLETE"));
    assert!(
        names[first_limited..].iter().any(|n| n == "RUNNING"),
        "{names:?}"
    );
    let campaigns = env
        .emu
        .world()
        .campaigns
        .iter()
        .filter(|c| c.deleted_at.is_none())
        .count();
    assert_eq!(run.records("campaigns").len(), campaigns);
}

#[test]
fn a_short_wait_says_nothing() {
    let env = Env::new();
    let config = env.config(json!({"requests_per_second": 5, "requests_per_minute": 300}));
    let catalog = env.catalog(&config, &["campaigns", "ad_groups"], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!run.stdout.contains("RATE_LIMITED"));
}
