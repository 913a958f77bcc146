//! App-level (40100) and advertiser-level (40133) rate limits.
//! The windows are one second / one minute of real time; each test sends its burst back to back,
//! far inside the window.

use tiktok_emulator::EmulatorConfig;

use crate::common::Api;

#[test]
fn app_qps_limit_answers_40100_with_tiktoks_message() {
    let api = Api::new(EmulatorConfig {
        qps: 2,
        ..EmulatorConfig::default()
    });
    let adv = api.adv(0);
    let codes: Vec<(i64, String)> = (0..3)
        .map(|_| {
            let v = api.call("campaign/get/", &[("advertiser_id", &adv)]);
            (
                v["code"].as_i64().unwrap(),
                v["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(codes[0].0, 0);
    assert_eq!(codes[1].0, 0);
    assert_eq!(
        codes[2],
        (
            40100,
            "App 7100000000000000001 reaches the QPS limit 2, current QPS is 3.".to_string()
        )
    );
    let logged = api.emu.requests();
    assert_eq!(logged[2].code, Some(40100));
    assert_eq!(logged[2].http_status, 200);
}

#[test]
fn app_qpm_limit() {
    let api = Api::new(EmulatorConfig {
        qpm: 3,
        ..EmulatorConfig::default()
    });
    let adv = api.adv(0);
    for _ in 0..3 {
        assert_eq!(api.call("ad/get/", &[("advertiser_id", &adv)])["code"], 0);
    }
    let v = api.call("adgroup/get/", &[("advertiser_id", &adv)]);
    assert_eq!(v["code"], 40100);
    assert_eq!(
        v["message"],
        "App 7100000000000000001 reaches the QPM limit 3, current QPM is 4."
    );
}

#[test]
fn advertiser_limit_is_per_advertiser_and_path() {
    let api = Api::new(EmulatorConfig {
        advertiser_qps: 1,
        ..EmulatorConfig::default()
    });
    let (a0, a1) = (api.adv(0), api.adv(1));
    assert_eq!(api.call("ad/get/", &[("advertiser_id", &a0)])["code"], 0);
    let v = api.call("ad/get/", &[("advertiser_id", &a0)]);
    assert_eq!(v["code"], 40133);
    assert_eq!(
        v["message"],
        format!("Advertiser ({a0})'s QPS (2) reaches QPS limit 1 for current path, request is temporarily restricted.")
    );
    assert_eq!(
        api.call("ad/get/", &[("advertiser_id", &a1)])["code"],
        0,
        "another advertiser"
    );
    assert_eq!(
        api.call("campaign/get/", &[("advertiser_id", &a0)])["code"],
        0,
        "another path"
    );
}

#[test]
fn sandbox_limits_apply_per_endpoint() {
    let api = Api::new(EmulatorConfig::sandbox());
    let adv = api.adv(0);
    assert_eq!(
        api.call("campaign/get/", &[("advertiser_id", &adv)])["code"],
        0
    );
    assert_eq!(
        api.call("adgroup/get/", &[("advertiser_id", &adv)])["code"],
        0
    );
    let v = api.call("campaign/get/", &[("advertiser_id", &adv)]);
    assert_eq!(
        v["message"],
        "App 7100000000000000001 reaches the QPS limit 1, current QPS is 2."
    );
}

#[test]
fn sandbox_campaigns_have_no_secondary_status() {
    let api = Api::new(EmulatorConfig {
        sandbox: true,
        ..EmulatorConfig::default()
    });
    let data = api.ok("campaign/get/", &[("advertiser_id", &api.adv(0))]);
    let list = data["list"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list.iter().all(|c| c.get("secondary_status").is_none()));
}
