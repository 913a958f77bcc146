//! Buying types in reports: which campaigns a report covers with and without the `buying_type`
//! filter, and that levels still add up across every buying type.

mod report_support;

use std::collections::{BTreeMap, BTreeSet};

use report_support::*;
use tiktok_emulator::buying::Buying;
use tiktok_emulator::model::{Params, World};
use tiktok_emulator::report::ReportRow;

/// Advertiser 7001 with four campaigns: 7001100 TopView, 7001101 Reach & Frequency, 7001102
/// Pulse, 7001103 auction; 2 ad groups × 2 ads each.
fn mixed_world() -> World {
    let mut w = World::default();
    w.advertisers
        .push(advertiser("7001", "America/Los_Angeles"));
    populate(&mut w, "7001", 4, 2, 2, 40);
    for (id, buying) in [
        ("7001100", Buying::TopView),
        ("7001101", Buying::ReachFrequency),
        ("7001102", Buying::Pulse),
    ] {
        for c in w.campaigns.iter_mut().filter(|c| c.campaign_id == id) {
            c.buying = buying;
            c.objective_type = "RF_REACH".to_string();
        }
    }
    w
}

fn buying_filter(types: &[&str]) -> String {
    let inner = serde_json::to_string(&json_list(types)).expect("json");
    format!(r#"[{{"field_name": "buying_type", "filter_type": "IN", "filter_value": {inner}}}]"#)
}

fn request(level: &str, id_dim: &str, filter: Option<&str>) -> Params {
    let m = json_list(ADDITIVE);
    let dims = format!(r#"["{id_dim}", "stat_time_day"]"#);
    let mut p = basic(&[
        ("data_level", level),
        ("dimensions", &dims),
        ("metrics", &m),
        ("start_date", "2026-10-25"),
        ("end_date", "2026-11-20"),
    ]);
    if let Some(f) = filter {
        p.insert("filtering".into(), f.into());
    }
    p
}

fn ids_of(rows: &[ReportRow], d: &str) -> BTreeSet<String> {
    rows.iter().map(|r| dim(r, d)).collect()
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| s.to_string()).collect()
}

#[test]
fn top_view_needs_the_filter_except_at_advertiser_level() {
    let w = mixed_world();
    let s = settings(5);
    let campaigns = |filter: Option<&str>| {
        ids_of(
            &rows(
                &w,
                &request("AUCTION_CAMPAIGN", "campaign_id", filter),
                now(),
                &s,
            ),
            "campaign_id",
        )
    };
    assert_eq!(campaigns(None), set(&["7001101", "7001102", "7001103"]));
    let top = buying_filter(&["RESERVATION_TOP_VIEW"]);
    assert_eq!(campaigns(Some(&top)), set(&["7001100"]));
    assert_eq!(
        campaigns(Some(&buying_filter(&["RESERVATION_RF"]))),
        set(&["7001101", "7001102"])
    );
    assert_eq!(
        campaigns(Some(&buying_filter(&["AUCTION"]))),
        set(&["7001103"])
    );
    assert_eq!(
        campaigns(Some(&buying_filter(&[
            "AUCTION",
            "RESERVATION_RF",
            "RESERVATION_TOP_VIEW"
        ]))),
        set(&["7001100", "7001101", "7001102", "7001103"])
    );
    // Ad groups and ads follow their campaign.
    let top_ads = rows(&w, &request("AUCTION_AD", "ad_id", Some(&top)), now(), &s);
    assert!(!top_ads.is_empty());
    assert!(top_ads
        .iter()
        .all(|r| dim(r, "ad_id").starts_with("7001300")));
    let default_groups = rows(
        &w,
        &request("AUCTION_ADGROUP", "adgroup_id", None),
        now(),
        &s,
    );
    assert!(!default_groups.is_empty());
    assert!(default_groups
        .iter()
        .all(|r| !dim(r, "adgroup_id").starts_with("7001200")));
    // AUDIENCE reports apply the same rule.
    let mut audience = request("AUCTION_CAMPAIGN", "campaign_id", None);
    audience.insert("report_type".into(), "AUDIENCE".into());
    audience.insert(
        "dimensions".into(),
        r#"["campaign_id", "stat_time_day", "gender"]"#.into(),
    );
    assert_eq!(
        ids_of(&rows(&w, &audience, now(), &s), "campaign_id"),
        set(&["7001101", "7001102", "7001103"])
    );
    audience.insert("filtering".into(), top.clone());
    assert_eq!(
        ids_of(&rows(&w, &audience, now(), &s), "campaign_id"),
        set(&["7001100"])
    );
}

fn day_sums(rows: &[ReportRow]) -> BTreeMap<String, Vec<i64>> {
    sums_by(rows, ADDITIVE, |r| dim(r, "stat_time_day"))
}

fn add(
    a: &BTreeMap<String, Vec<i64>>,
    b: &BTreeMap<String, Vec<i64>>,
) -> BTreeMap<String, Vec<i64>> {
    let mut out = a.clone();
    for (k, v) in b {
        let acc = out.entry(k.clone()).or_insert_with(|| vec![0; v.len()]);
        for (x, y) in acc.iter_mut().zip(v) {
            *x += y;
        }
    }
    out
}

#[test]
fn advertiser_totals_are_the_sum_over_campaigns_of_every_buying_type() {
    let w = mixed_world();
    let s = settings(9);
    let campaign_rows = |filter: Option<&str>| {
        rows(
            &w,
            &request("AUCTION_CAMPAIGN", "campaign_id", filter),
            now(),
            &s,
        )
    };
    let default = campaign_rows(None);
    let top = campaign_rows(Some(&buying_filter(&["RESERVATION_TOP_VIEW"])));
    assert!(!top.is_empty());
    let advertiser = rows(
        &w,
        &request("AUCTION_ADVERTISER", "advertiser_id", None),
        now(),
        &s,
    );
    assert_eq!(
        day_sums(&advertiser),
        add(&day_sums(&default), &day_sums(&top))
    );
    // The advertiser level without TopView is the campaigns' default.
    let without_top = rows(
        &w,
        &request(
            "AUCTION_ADVERTISER",
            "advertiser_id",
            Some(&buying_filter(&["AUCTION", "RESERVATION_RF"])),
        ),
        now(),
        &s,
    );
    assert_eq!(day_sums(&without_top), day_sums(&default));
    // Ads of each buying type add up to their campaigns.
    for types in [
        &["AUCTION"][..],
        &["RESERVATION_RF"],
        &["RESERVATION_TOP_VIEW"],
    ] {
        let f = buying_filter(types);
        let ads = rows(&w, &request("AUCTION_AD", "ad_id", Some(&f)), now(), &s);
        assert_eq!(
            day_sums(&ads),
            day_sums(&campaign_rows(Some(&f))),
            "{types:?}"
        );
    }
}

#[test]
fn rf_campaign_type_is_reported_per_campaign() {
    let w = mixed_world();
    let mut p = request(
        "AUCTION_CAMPAIGN",
        "campaign_id",
        Some(&buying_filter(&[
            "AUCTION",
            "RESERVATION_RF",
            "RESERVATION_TOP_VIEW",
        ])),
    );
    p.insert(
        "metrics".into(),
        r#"["spend", "rf_campaign_type", "objective_type"]"#.into(),
    );
    let got: BTreeMap<String, (String, String)> = rows(&w, &p, now(), &settings(3))
        .iter()
        .map(|r| {
            (
                dim(r, "campaign_id"),
                (
                    r.metrics["rf_campaign_type"].clone(),
                    r.metrics["objective_type"].clone(),
                ),
            )
        })
        .collect();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(got["7001100"], pair("TOPVIEW", "RF_REACH"));
    assert_eq!(got["7001101"], pair("STANDARD", "RF_REACH"));
    assert_eq!(got["7001102"], pair("PULSE", "RF_REACH"));
    assert_eq!(got["7001103"], pair("STANDARD", "TRAFFIC"));
}

#[test]
fn a_malformed_buying_type_filter_is_a_parameter_error() {
    let w = mixed_world();
    for filter in [
        buying_filter(&["RESERVATION"]),
        buying_filter(&[]),
        r#"[{"field_name": "buying_type", "filter_type": "NOT_IN", "filter_value": "[\"AUCTION\"]"}]"#
            .to_string(),
        r#"[{"field_name": "buying_type", "filter_type": "IN", "filter_value": "AUCTION"}]"#
            .to_string(),
    ] {
        let e = error(&w, &request("AUCTION_CAMPAIGN", "campaign_id", Some(&filter)));
        assert_eq!(e.code, 40002, "{filter}: {}", e.message);
    }
}
