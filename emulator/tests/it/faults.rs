//! Injected faults: each kind, the path filter, the bound, and reproducibility from the seed.

use std::time::{Duration, Instant};

use tiktok_emulator::client::Client;
use tiktok_emulator::{EmulatorConfig, Faults, Latency};

use crate::common::{Api, TOKEN};

fn with_faults(f: Faults) -> Api {
    Api::new(EmulatorConfig {
        faults: f,
        ..EmulatorConfig::default()
    })
}

fn target(api: &Api, endpoint: &str) -> String {
    Api::target(endpoint, &[("advertiser_id", &api.adv(0))])
}

#[test]
fn api_error_and_rate_limit_faults_are_http_200_envelopes() {
    let api = with_faults(Faults {
        api_error_rate: 1.0,
        api_error_codes: vec![50002],
        ..Faults::default()
    });
    let v = api.call("campaign/get/", &[("advertiser_id", &api.adv(0))]);
    assert_eq!(v["code"], 50002);
    assert_eq!(v["data"], serde_json::json!({}));
    let log = api.emu.requests();
    assert_eq!(
        (log[0].code, log[0].fault.as_deref()),
        (Some(50002), Some("api_error"))
    );

    let api = with_faults(Faults {
        api_error_rate: 1.0,
        ..Faults::default()
    });
    let codes: std::collections::BTreeSet<i64> = (0..40)
        .map(|_| {
            api.call("ad/get/", &[("advertiser_id", &api.adv(0))])["code"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        codes,
        [40200, 40700, 50000, 50002].into_iter().collect(),
        "default codes"
    );

    let api = with_faults(Faults {
        rate_limit_rate: 1.0,
        ..Faults::default()
    });
    let v = api.call("ad/get/", &[("advertiser_id", &api.adv(0))]);
    assert_eq!(v["code"], 40100);
    assert!(v["message"]
        .as_str()
        .unwrap()
        .starts_with("App 7100000000000000001 reaches the QPS limit"));
}

#[test]
fn http_5xx_fault_sends_an_html_gateway_page() {
    let api = with_faults(Faults {
        http_5xx_rate: 1.0,
        ..Faults::default()
    });
    let r = api.raw(&target(&api, "campaign/get/"), Some(TOKEN));
    assert!([500, 502, 503].contains(&r.status), "{}", r.status);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text().starts_with("<html>"));
    assert!(r.json().is_err());
    assert_eq!(api.emu.requests()[0].http_status, r.status);
}

#[test]
fn reset_fault_closes_without_a_response() {
    let api = with_faults(Faults {
        reset_rate: 1.0,
        max_faults: Some(1),
        ..Faults::default()
    });
    let mut c = api.fresh_client();
    assert!(c.get(&target(&api, "campaign/get/"), Some(TOKEN)).is_err());
    let log = api.emu.requests();
    assert_eq!(
        (log[0].http_status, log[0].fault.as_deref(), log[0].code),
        (0, Some("reset"), None)
    );
    // The server carries on.
    let mut c = api.fresh_client();
    assert_eq!(
        c.get(&target(&api, "campaign/get/"), Some(TOKEN))
            .unwrap()
            .status,
        200
    );
}

#[test]
fn truncated_fault_cuts_the_json_body() {
    let api = with_faults(Faults {
        truncated_rate: 1.0,
        ..Faults::default()
    });
    let r = api.raw(&target(&api, "campaign/get/"), Some(TOKEN));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-length")
            .and_then(|v| v.parse::<usize>().ok()),
        Some(r.body.len())
    );
    assert!(
        r.text().starts_with("{\"code\":0,\"message\":\"OK\""),
        "{}",
        r.text()
    );
    assert!(r.json().is_err(), "body is cut");
    assert_eq!(api.emu.requests()[0].fault.as_deref(), Some("truncated"));
}

#[test]
fn slow_fault_exceeds_a_client_timeout() {
    let api = with_faults(Faults {
        slow_rate: 1.0,
        slow_ms: 400,
        max_faults: Some(2),
        ..Faults::default()
    });
    let mut impatient = Client::new(&api.emu.base_url())
        .unwrap()
        .with_timeout(Duration::from_millis(100));
    assert!(impatient
        .get(&target(&api, "ad/get/"), Some(TOKEN))
        .is_err());
    let mut patient = api.fresh_client();
    let started = Instant::now();
    assert_eq!(
        patient
            .get(&target(&api, "ad/get/"), Some(TOKEN))
            .unwrap()
            .json()
            .unwrap()["code"],
        0
    );
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[test]
fn faults_respect_paths_and_the_bound() {
    let api = with_faults(Faults {
        api_error_rate: 1.0,
        only_paths: vec!["ad/get/".into()],
        max_faults: Some(2),
        ..Faults::default()
    });
    let adv = api.adv(0);
    assert_eq!(
        api.call("campaign/get/", &[("advertiser_id", &adv)])["code"],
        0
    );
    assert_ne!(api.call("ad/get/", &[("advertiser_id", &adv)])["code"], 0);
    assert_ne!(api.call("ad/get/", &[("advertiser_id", &adv)])["code"], 0);
    assert_eq!(
        api.call("ad/get/", &[("advertiser_id", &adv)])["code"],
        0,
        "bound reached"
    );
    api.emu.set_faults(Faults {
        api_error_rate: 1.0,
        max_faults: Some(1),
        ..Faults::default()
    });
    assert_ne!(
        api.call("campaign/get/", &[("advertiser_id", &adv)])["code"],
        0,
        "set_faults restarts the count"
    );
    assert_eq!(
        api.call("campaign/get/", &[("advertiser_id", &adv)])["code"],
        0
    );
}

fn outcomes(seed: u64) -> Vec<(u16, Option<i64>, Option<String>)> {
    let api = with_faults(Faults {
        seed,
        api_error_rate: 0.2,
        rate_limit_rate: 0.1,
        http_5xx_rate: 0.1,
        truncated_rate: 0.1,
        reset_rate: 0.05,
        ..Faults::default()
    });
    for _ in 0..40 {
        let mut c = api.fresh_client();
        let _ = c.get(&target(&api, "ad/get/"), Some(TOKEN));
    }
    api.emu
        .requests()
        .into_iter()
        .map(|l| (l.http_status, l.code, l.fault))
        .collect()
}

#[test]
fn faults_are_reproducible_from_the_seed() {
    let a = outcomes(5);
    assert_eq!(a.len(), 40);
    assert_eq!(a, outcomes(5));
    assert_ne!(a, outcomes(6));
    let faulted = a.iter().filter(|o| o.2.is_some()).count();
    assert!((8..=32).contains(&faulted), "about 55% faulted: {faulted}");
    let kinds: std::collections::BTreeSet<&str> = a.iter().filter_map(|o| o.2.as_deref()).collect();
    assert!(kinds.len() >= 4, "{kinds:?}");
}

#[test]
fn latency_is_added_within_bounds() {
    let api = Api::new(EmulatorConfig {
        latency: Latency {
            min_ms: 30,
            max_ms: 40,
        },
        ..EmulatorConfig::default()
    });
    let started = Instant::now();
    for _ in 0..3 {
        api.call("campaign/get/", &[("advertiser_id", &api.adv(0))]);
    }
    assert!(started.elapsed() >= Duration::from_millis(90));
    assert!(api.emu.requests().iter().all(|l| l.latency_ms >= 30));
}
