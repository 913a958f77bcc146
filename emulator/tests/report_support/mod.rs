//! Shared helpers for the report tests: small worlds built from struct literals, request
//! parameters, and sums over rows.
#![allow(dead_code)]

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde_json::Value;
use tiktok_emulator::buying::Buying;
use tiktok_emulator::model::{Ad, AdGroup, Advertiser, ApiError, Campaign, Params, World};
use tiktok_emulator::report::{self, ReportRow, ReportSettings};

pub fn t(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .expect("test time")
        .and_utc()
}

/// The clock of most tests: 2026-11-20 12:00 UTC.
pub fn now() -> DateTime<Utc> {
    t("2026-11-20 12:00:00")
}

pub fn settings(seed: u64) -> ReportSettings {
    ReportSettings {
        seed,
        late_conversion_days: 7,
        query_too_large_threshold: None,
        ads_cap: None,
        audience_latency: false,
    }
}

pub fn advertiser(id: &str, timezone: &str) -> Advertiser {
    Advertiser {
        advertiser_id: id.to_string(),
        name: format!("Advertiser {id}"),
        timezone: timezone.to_string(),
        display_timezone: timezone.to_string(),
        currency: "USD".to_string(),
        country: "US".to_string(),
        company: "Test Co".to_string(),
        industry: "290000".to_string(),
        status: "STATUS_ENABLE".to_string(),
        role: "ROLE_ADVERTISER".to_string(),
        balance: 100.0,
        create_time: t("2025-01-01 00:00:00"),
    }
}

pub fn campaign(adv: &str, id: &str, created: DateTime<Utc>) -> Campaign {
    Campaign {
        advertiser_id: adv.to_string(),
        campaign_id: id.to_string(),
        campaign_name: format!("Campaign {id}"),
        objective_type: "TRAFFIC".to_string(),
        budget: 100.0,
        budget_mode: "BUDGET_MODE_DAY".to_string(),
        operation_status: "ENABLE".to_string(),
        create_time: created,
        modify_time: created,
        deleted_at: None,
        buying: Buying::Auction,
    }
}

pub fn adgroup(adv: &str, campaign: &str, id: &str, created: DateTime<Utc>) -> AdGroup {
    AdGroup {
        advertiser_id: adv.to_string(),
        campaign_id: campaign.to_string(),
        adgroup_id: id.to_string(),
        adgroup_name: format!("Ad group {id}"),
        placement_type: "PLACEMENT_TYPE_AUTOMATIC".to_string(),
        budget: 50.0,
        budget_mode: "BUDGET_MODE_DAY".to_string(),
        bid_price: 0.0,
        optimization_goal: "CLICK".to_string(),
        operation_status: "ENABLE".to_string(),
        create_time: created,
        modify_time: created,
        deleted_at: None,
    }
}

pub fn ad(adv: &str, campaign: &str, group: &str, id: &str, created: DateTime<Utc>) -> Ad {
    Ad {
        advertiser_id: adv.to_string(),
        campaign_id: campaign.to_string(),
        adgroup_id: group.to_string(),
        ad_id: id.to_string(),
        ad_name: format!("Ad {id}"),
        ad_text: format!("Text of ad {id}"),
        ad_format: "SINGLE_VIDEO".to_string(),
        call_to_action: "LEARN_MORE".to_string(),
        landing_page_url: "https://example.com".to_string(),
        video_id: None,
        image_ids: Vec::new(),
        operation_status: "ENABLE".to_string(),
        create_time: created,
        modify_time: Some(created),
        deleted_at: None,
    }
}

/// Adds `campaigns × groups × ads` entities under `adv`, created `days_ago` days before `now()`.
/// Ids are `<adv>` + `1cc`, `2ccgg`, `3ccggaa` style suffixes, all of the same length per level.
pub fn populate(
    world: &mut World,
    adv: &str,
    campaigns: usize,
    groups: usize,
    ads: usize,
    days_ago: i64,
) {
    let created = now() - Duration::days(days_ago);
    for c in 0..campaigns {
        let cid = format!("{adv}1{c:02}");
        world.campaigns.push(campaign(adv, &cid, created));
        for g in 0..groups {
            let gid = format!("{adv}2{c:02}{g:02}");
            world.adgroups.push(adgroup(adv, &cid, &gid, created));
            for a in 0..ads {
                let aid = format!("{adv}3{c:02}{g:02}{a:02}");
                world.ads.push(ad(adv, &cid, &gid, &aid, created));
            }
        }
    }
}

/// One advertiser in `timezone` with 2 campaigns × 2 ad groups × 2 ads, created 40 days ago.
pub fn small_world(timezone: &str) -> World {
    let mut w = World::default();
    w.advertisers.push(advertiser("7001", timezone));
    populate(&mut w, "7001", 2, 2, 2, 40);
    w
}

pub fn params(pairs: &[(&str, &str)]) -> Params {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A BASIC report request for advertiser 7001 with `extra` overriding or adding parameters.
pub fn basic(extra: &[(&str, &str)]) -> Params {
    let mut p = params(&[
        ("advertiser_id", "7001"),
        ("service_type", "AUCTION"),
        ("report_type", "BASIC"),
        ("data_level", "AUCTION_AD"),
        ("dimensions", r#"["ad_id", "stat_time_day"]"#),
        ("start_date", "2026-11-01"),
        ("end_date", "2026-11-20"),
    ]);
    for (k, v) in extra {
        p.insert(k.to_string(), v.to_string());
    }
    p
}

pub const ALL_STATUS_AD: &str =
    r#"[{"field_name": "ad_status", "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}]"#;

pub fn get(world: &World, p: &Params, now: DateTime<Utc>, s: &ReportSettings) -> Value {
    match report::integrated_get(world, p, now, s) {
        Ok(v) => v,
        Err(e) => panic!("request failed: {} {}\nparams: {p:?}", e.code, e.message),
    }
}

pub fn rows(world: &World, p: &Params, now: DateTime<Utc>, s: &ReportSettings) -> Vec<ReportRow> {
    match report::rows(world, p, now, s) {
        Ok(v) => v,
        Err(e) => panic!("request failed: {} {}\nparams: {p:?}", e.code, e.message),
    }
}

pub fn error(world: &World, p: &Params) -> ApiError {
    match report::integrated_get(world, p, now(), &settings(1)) {
        Ok(v) => panic!("expected an error, got {v}\nparams: {p:?}"),
        Err(e) => e,
    }
}

/// A metric value as an exact integer: counts as they are, money in cents.
pub fn units(v: &str) -> i64 {
    match v.split_once('.') {
        Some((whole, frac)) => {
            assert_eq!(frac.len(), 2, "money must have 2 decimals: {v}");
            whole.parse::<i64>().expect("number") * 100 + frac.parse::<i64>().expect("number")
        }
        None => v.parse().unwrap_or_else(|_| panic!("not a number: {v}")),
    }
}

/// Additive metrics: counts and money (sums are exact on these).
pub const ADDITIVE: &[&str] = &[
    "spend",
    "impressions",
    "clicks",
    "reach",
    "conversion",
    "real_time_conversion",
    "result",
    "real_time_result",
    "video_play_actions",
    "video_watched_2s",
    "video_watched_6s",
    "video_views_p25",
    "video_views_p50",
    "video_views_p75",
    "video_views_p100",
    "likes",
    "comments",
    "shares",
    "follows",
    "profile_visits",
    "clicks_on_music_disc",
    "gross_impressions",
];

/// Sums `metrics` of `rows` grouped by the dimensions `key` returns.
pub fn sums_by<K: Ord>(
    rows: &[ReportRow],
    metrics: &[&str],
    key: impl Fn(&ReportRow) -> K,
) -> BTreeMap<K, Vec<i64>> {
    let mut out: BTreeMap<K, Vec<i64>> = BTreeMap::new();
    for r in rows {
        let acc = out.entry(key(r)).or_insert_with(|| vec![0; metrics.len()]);
        for (a, m) in acc.iter_mut().zip(metrics) {
            *a += units(
                r.metrics
                    .get(*m)
                    .unwrap_or_else(|| panic!("metric {m} missing")),
            );
        }
    }
    out
}

pub fn dim(r: &ReportRow, name: &str) -> String {
    r.dimensions
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("dimension {name} missing in {r:?}"))
}

pub fn json_list(items: &[&str]) -> String {
    serde_json::to_string(items).expect("json")
}
