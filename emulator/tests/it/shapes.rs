//! The request shapes real clients send (reference §7.7), byte for byte, and the report endpoint's
//! pass-through to the report engine.

use serde_json::Value;
use tiktok_emulator::client::encode_plus;

use crate::common::{Api, TOKEN};

fn get(api: &Api, path_and_query: &str) -> Value {
    let r = api.raw(&format!("/open_api/v1.3/{path_and_query}"), Some(TOKEN));
    assert_eq!(r.status, 200, "{path_and_query}");
    r.json().unwrap()
}

#[test]
fn airbyte_shapes_are_accepted() {
    let api = Api::default();
    let (a0, a1) = (api.adv(0), api.adv(1));
    // Python json.dumps separators (", ") percent-encoded by requests.
    let ids = format!("%5B%22{a0}%22%2C%20%22{a1}%22%5D");
    let v = get(
        &api,
        &format!("advertiser/info/?advertiser_ids={ids}&page_size=100&page=1"),
    );
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["data"]["list"].as_array().unwrap().len(), 2);
    let v = get(
        &api,
        "oauth2/advertiser/get/?secret=emulator-secret&app_id=7100000000000000001",
    );
    assert_eq!(v["data"]["list"].as_array().unwrap().len(), 4);
    let v = get(&api, &format!("campaign/get/?advertiser_id={a0}&page_size=1000&filtering=%7B%22buying_types%22%3A%20%5B%22AUCTION%22%5D%7D"));
    assert_eq!(v["code"], 0, "{v}");
    let live = v["data"]["page_info"]["total_number"].as_u64().unwrap();
    let v = get(&api, &format!("campaign/get/?advertiser_id={a0}&page_size=1000&page=1&filtering=%7B%22secondary_status%22%3A%20%22CAMPAIGN_STATUS_ALL%22%7D"));
    let all = v["data"]["page_info"]["total_number"].as_u64().unwrap();
    assert!(
        all > live,
        "include_deleted shows deleted campaigns ({all} vs {live})"
    );
    let v = get(
        &api,
        &format!("file/image/ad/search/?advertiser_id={a0}&page_size=100"),
    );
    assert_eq!(v["code"], 0);
    let v = get(
        &api,
        &format!("tt_video/list/?page_size=50&advertiser_id={a0}"),
    );
    assert_eq!(v["code"], 0);
}

#[test]
fn singer_shapes_with_plus_encoded_multiline_json_are_accepted() {
    let api = Api::default();
    let a0 = api.adv(0);
    // urllib.parse.urlencode of json.dumps(..., indent=2): newlines as %0A, spaces as +.
    let filtering = encode_plus("{\n  \"primary_status\": \"STATUS_DELETE\"\n}");
    assert!(filtering.contains('+') && filtering.contains("%0A"));
    let v = get(
        &api,
        &format!("campaign/get/?advertiser_id={a0}&page_size=1000&page=1&filtering={filtering}"),
    );
    assert_eq!(v["message"], "OK");
    let list = v["data"]["list"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list
        .iter()
        .all(|c| c["secondary_status"] == "CAMPAIGN_STATUS_DELETE"));
    assert_eq!(
        v["data"]["page_info"]["total_number"].as_u64(),
        Some(list.len() as u64)
    );
    let fields = encode_plus("[\n  \"ad_id\",\n  \"modify_time\"\n]");
    let v = get(
        &api,
        &format!("ad/get/?advertiser_id={a0}&page_size=1000&page=1&fields={fields}"),
    );
    assert!(v["data"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a.get("ad_id").is_some() && a.get("ad_name").is_none()));
    let ids = encode_plus(&format!("[\n  \"{a0}\"\n]"));
    assert_eq!(
        get(&api, &format!("advertiser/info/?advertiser_ids={ids}"))["code"],
        0
    );
}

/// The server answers exactly what the report engine answers for the same parameters.
fn assert_report_matches_engine(api: &Api, params: &[(&str, &str)]) {
    let v = api.call("report/integrated/get/", params);
    match api.emu.report_truth(params) {
        Ok(rows) => {
            assert_eq!(v["code"], 0, "{params:?}: {v}");
            let list = v["data"]["list"].as_array().unwrap();
            let total = v["data"]["page_info"]["total_number"].as_u64().unwrap();
            assert_eq!(total, rows.len() as u64, "{params:?}");
            assert!(list.len() <= rows.len());
        }
        Err(e) => {
            assert_eq!(
                (v["code"].as_i64(), v["message"].as_str()),
                (Some(e.code), Some(e.message.as_str())),
                "{params:?}"
            );
        }
    }
}

#[test]
fn report_requests_pass_through_to_the_engine() {
    let api = Api::default();
    let a0 = api.adv(0);
    let airbyte = [
        ("service_type", "AUCTION"),
        ("report_type", "BASIC"),
        ("data_level", "AUCTION_AD"),
        ("dimensions", "[\"ad_id\", \"stat_time_day\"]"),
        ("metrics", "[\"spend\", \"impressions\", \"clicks\"]"),
        ("start_date", "2026-10-20"),
        ("end_date", "2026-11-18"),
        ("page_size", "1000"),
        ("advertiser_id", a0.as_str()),
        ("filtering", "[{\"field_name\": \"ad_status\", \"filter_type\": \"IN\", \"filter_value\": \"[\\\"STATUS_ALL\\\"]\"}]"),
    ];
    assert_report_matches_engine(&api, &airbyte);
    let singer = [
        ("service_type", "AUCTION"),
        ("report_type", "AUDIENCE"),
        ("data_level", "AUCTION_AD"),
        (
            "dimensions",
            "[\n  \"ad_id\",\n  \"age\",\n  \"gender\",\n  \"stat_time_day\"\n]",
        ),
        ("metrics", "[\n  \"spend\",\n  \"impressions\"\n]"),
        ("query_lifetime", "false"),
        ("page_size", "1000"),
        ("page", "1"),
        ("start_date", "2026-10-20"),
        ("end_date", "2026-11-17"),
        ("advertiser_id", a0.as_str()),
    ];
    assert_report_matches_engine(&api, &singer);
    let ids = format!("[\"{a0}\"]");
    let multi = [
        ("advertiser_ids", ids.as_str()),
        ("report_type", "BASIC"),
        ("data_level", "AUCTION_ADVERTISER"),
        ("dimensions", "[\"advertiser_id\"]"),
        ("query_lifetime", "true"),
    ];
    assert_report_matches_engine(&api, &multi);
    let bad = [
        ("advertiser_id", a0.as_str()),
        ("report_type", "NOPE"),
        ("dimensions", "[\"ad_id\"]"),
    ];
    assert_report_matches_engine(&api, &bad);
    // Singer's form encoding, byte for byte.
    let target = format!(
        "report/integrated/get/?service_type=AUCTION&report_type=BASIC&data_level=AUCTION_CAMPAIGN&dimensions={}&metrics={}&query_lifetime=false&page_size=1000&page=1&start_date=2026-11-01&end_date=2026-11-10&advertiser_id={a0}",
        encode_plus("[\n  \"campaign_id\",\n  \"stat_time_day\"\n]"),
        encode_plus("[\n  \"spend\"\n]")
    );
    let v = get(&api, &target);
    let params = [
        ("service_type", "AUCTION"),
        ("report_type", "BASIC"),
        ("data_level", "AUCTION_CAMPAIGN"),
        (
            "dimensions",
            "[\n  \"campaign_id\",\n  \"stat_time_day\"\n]",
        ),
        ("metrics", "[\n  \"spend\"\n]"),
        ("query_lifetime", "false"),
        ("page_size", "1000"),
        ("page", "1"),
        ("start_date", "2026-11-01"),
        ("end_date", "2026-11-10"),
        ("advertiser_id", a0.as_str()),
    ];
    match api.emu.report_truth(&params) {
        Ok(rows) => assert_eq!(
            v["data"]["page_info"]["total_number"].as_u64(),
            Some(rows.len() as u64),
            "{v}"
        ),
        Err(e) => assert_eq!(v["code"].as_i64(), Some(e.code)),
    }
}

#[test]
fn metrics_rejected_for_the_account_are_40002_listing_them() {
    let api = Api::new(tiktok_emulator::EmulatorConfig {
        rejected_metrics: vec!["cash_spend".into(), "voucher_spend".into()],
        ..tiktok_emulator::EmulatorConfig::default()
    });
    let a0 = api.adv(0);
    let mut p = vec![
        ("advertiser_id", a0.as_str()),
        ("report_type", "BASIC"),
        ("data_level", "AUCTION_CAMPAIGN"),
        ("dimensions", "[\"campaign_id\", \"stat_time_day\"]"),
        (
            "metrics",
            "[\"spend\", \"voucher_spend\", \"impressions\", \"cash_spend\"]",
        ),
        ("start_date", "2026-11-01"),
        ("end_date", "2026-11-10"),
    ];
    let (code, msg) = api.err("report/integrated/get/", &p);
    assert_eq!(code, 40002);
    assert_eq!(msg, "Please correct the information in invalid metric fields and try again. Invalid metric fields: ['voucher_spend', 'cash_spend']. ");
    p[4] = ("metrics", "[\"spend\", \"impressions\"]");
    assert_report_matches_engine(&api, &p);
    assert_eq!(api.call("report/integrated/get/", &p)["code"], 0);
}

/// Past the ad cap an ad-level report covers only the most recently created ads and says so in
/// `X-Tt-Ads-Throttle`; other levels and ID-filtered requests under the cap are whole.
#[test]
fn ad_reports_past_the_ad_cap_are_cut_and_flagged() {
    let api = Api::new(tiktok_emulator::EmulatorConfig {
        report_ads_cap: 3,
        ..tiktok_emulator::EmulatorConfig::default()
    });
    let world = api.emu.world();
    let adv = &world.advertisers[0].advertiser_id;
    fn report<'a>(
        adv: &'a str,
        level: &'a str,
        dim: &'a str,
        filtering: Option<&'a str>,
    ) -> Vec<(&'a str, &'a str)> {
        let mut p = vec![
            ("advertiser_id", adv),
            ("report_type", "BASIC"),
            ("data_level", level),
            ("query_lifetime", "true"),
            ("page_size", "1000"),
            ("dimensions", dim),
        ];
        if let Some(f) = filtering {
            p.push(("filtering", f));
        }
        p
    }
    let params = |level: &'static str,
                  dim: &'static str,
                  filtering: Option<&str>|
     -> Vec<(String, String)> {
        report(adv, level, dim, filtering)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let target = |p: &[(String, String)]| {
        let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        Api::target("report/integrated/get/", &refs)
    };
    let r = api.raw(
        &target(&params("AUCTION_AD", "[\"ad_id\"]", None)),
        Some(TOKEN),
    );
    assert!(r
        .header("x-tt-ads-throttle")
        .is_some_and(|h| h.contains("20k")));
    let rows = r.json().unwrap()["data"]["list"]
        .as_array()
        .unwrap()
        .clone();
    assert!(rows.len() <= 3, "{} rows", rows.len());
    assert!(
        r.json().unwrap()["data"].get("__ads_throttled").is_none(),
        "the marker stays inside"
    );
    // The kept ads are the most recently created among those with rows.
    let mut mine: Vec<_> = world
        .ads
        .iter()
        .filter(|a| &a.advertiser_id == adv && world.ad_effective_deleted_at(a).is_none())
        .collect();
    mine.sort_by_key(|a| std::cmp::Reverse(a.create_time));
    let newest: Vec<&str> = mine.iter().take(3).map(|a| a.ad_id.as_str()).collect();
    for row in &rows {
        assert!(
            newest.contains(&row["dimensions"]["ad_id"].as_str().unwrap()),
            "{row}"
        );
    }
    // Two IDs at a time stay under the cap: no header.
    let two = serde_json::json!([{"field_name": "ad_ids", "filter_type": "IN", "filter_value": serde_json::json!([mine[0].ad_id, mine[1].ad_id]).to_string()}]).to_string();
    let r = api.raw(
        &target(&params("AUCTION_AD", "[\"ad_id\"]", Some(&two))),
        Some(TOKEN),
    );
    assert!(r.header("x-tt-ads-throttle").is_none());
    // Campaign level is not cut.
    let r = api.raw(
        &target(&params("AUCTION_CAMPAIGN", "[\"campaign_id\"]", None)),
        Some(TOKEN),
    );
    assert!(r.header("x-tt-ads-throttle").is_none());
}
