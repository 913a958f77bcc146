//! The AUDIENCE dimensions of more-endpoints reference §7: language, placement, ac,
//! interest_category (with interest_category_v2), device_brand_id, dma_id, contextual_tag and
//! ad_type. Their rows add up to the totals, and TikTok's combination, time, level and metric
//! rules answer 40002.

mod report_support;

use std::collections::{BTreeMap, BTreeSet};

use report_support::*;
use tiktok_emulator::model::{Params, World};
use tiktok_emulator::report::{ReportRow, ReportSettings};

fn audience(extra: &[(&str, &str)]) -> Params {
    let mut p = basic(&[
        ("report_type", "AUDIENCE"),
        ("start_date", "2026-11-10"),
        ("end_date", "2026-11-20"),
    ]);
    for (k, v) in extra {
        p.insert(k.to_string(), v.to_string());
    }
    p
}

fn ad_day(r: &ReportRow) -> (String, String) {
    (dim(r, "ad_id"), dim(r, "stat_time_day"))
}

fn ad_only(r: &ReportRow) -> String {
    dim(r, "ad_id")
}

#[test]
fn every_new_breakdown_adds_up_to_the_totals() {
    let w = small_world("Europe/Berlin");
    let s = settings(21);
    let m = json_list(ADDITIVE);
    let daily = sums_by(
        &rows(
            &w,
            &basic(&[
                ("metrics", &m),
                ("start_date", "2026-11-10"),
                ("end_date", "2026-11-20"),
            ]),
            now(),
            &s,
        ),
        ADDITIVE,
        ad_day,
    );
    assert!(!daily.is_empty());
    let ad_type_metrics: Vec<&str> = ADDITIVE
        .iter()
        .copied()
        .filter(|m| !["reach", "result", "real_time_result"].contains(m))
        .collect();
    let ad_type_daily: BTreeMap<(String, String), Vec<i64>> = {
        let keep: Vec<usize> = ADDITIVE
            .iter()
            .enumerate()
            .filter(|(_, m)| ad_type_metrics.contains(m))
            .map(|(i, _)| i)
            .collect();
        daily
            .iter()
            .map(|(k, v)| (k.clone(), keep.iter().map(|&i| v[i]).collect()))
            .collect()
    };
    for name in [
        "language",
        "placement",
        "ac",
        "dma_id",
        "contextual_tag",
        "ad_type",
    ] {
        let dims = format!(r#"["ad_id", "stat_time_day", "{name}"]"#);
        // ad_type has its own metric list: no reach or result metrics.
        let (metrics, daily) = if name == "ad_type" {
            (&ad_type_metrics[..], &ad_type_daily)
        } else {
            (ADDITIVE, &daily)
        };
        let m = json_list(metrics);
        let cells = rows(
            &w,
            &audience(&[("dimensions", &dims), ("metrics", &m)]),
            now(),
            &s,
        );
        assert!(
            cells.iter().all(|r| units(&r.metrics["impressions"]) > 0),
            "{name}: only rows with delivery"
        );
        let values: BTreeSet<String> = cells.iter().map(|r| dim(r, name)).collect();
        if name == "ad_type" {
            // One type per ad: exactly the totals' rows.
            assert_eq!(cells.len(), daily.len(), "{name}");
        } else {
            assert!(values.len() > 1, "{name} has several values: {values:?}");
            assert!(
                cells.len() > daily.len(),
                "{name}: more rows than the totals"
            );
        }
        assert_eq!(sums_by(&cells, metrics, ad_day), *daily, "{name}");
    }
    // No time series: interest categories and device brands over the whole range.
    let whole = sums_by(
        &rows(
            &w,
            &basic(&[
                ("metrics", &m),
                ("dimensions", r#"["ad_id"]"#),
                ("start_date", "2026-11-10"),
                ("end_date", "2026-11-20"),
            ]),
            now(),
            &s,
        ),
        ADDITIVE,
        ad_only,
    );
    for name in ["interest_category", "device_brand_id"] {
        let dims = format!(r#"["ad_id", "{name}"]"#);
        let cells = rows(
            &w,
            &audience(&[("dimensions", &dims), ("metrics", &m)]),
            now(),
            &s,
        );
        assert!(cells.len() > whole.len(), "{name}");
        assert_eq!(sums_by(&cells, ADDITIVE, ad_only), whole, "{name}");
    }
}

#[test]
fn interest_category_rows_also_carry_interest_category_v2() {
    let w = small_world("America/Los_Angeles");
    let cells = rows(
        &w,
        &audience(&[
            ("dimensions", r#"["campaign_id", "interest_category"]"#),
            ("data_level", "AUCTION_CAMPAIGN"),
        ]),
        now(),
        &settings(4),
    );
    assert!(!cells.is_empty());
    let mut pairs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &cells {
        let keys: Vec<&String> = r.dimensions.keys().collect();
        assert_eq!(
            keys,
            ["campaign_id", "interest_category", "interest_category_v2"],
            "{r:?}"
        );
        let (old, new) = (dim(r, "interest_category"), dim(r, "interest_category_v2"));
        assert!(old.chars().all(|c| c.is_ascii_digit()) && !old.is_empty());
        assert!(new.chars().all(|c| c.is_ascii_digit()) && new != old);
        pairs.entry(old).or_default().insert(new);
    }
    assert!(pairs.len() > 1);
    assert!(
        pairs.values().all(|v2| v2.len() == 1),
        "each old category maps to one new id: {pairs:?}"
    );
}

#[test]
fn each_ad_has_one_ad_type() {
    let w = small_world("UTC");
    let cells = rows(
        &w,
        &audience(&[("dimensions", r#"["ad_id", "stat_time_day", "ad_type"]"#)]),
        now(),
        &settings(2),
    );
    let mut types: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in &cells {
        types
            .entry(dim(r, "ad_id"))
            .or_default()
            .insert(dim(r, "ad_type"));
    }
    assert_eq!(types.len(), 8);
    assert!(types.values().all(|t| t.len() == 1), "{types:?}");
}

#[test]
fn combination_time_and_level_rules() {
    let w = small_world("UTC");
    let bad = [
        (r#"["ad_id", "age", "platform"]"#, "AUCTION_AD"),
        (r#"["ad_id", "language", "gender"]"#, "AUCTION_AD"),
        (r#"["ad_id", "placement", "ac"]"#, "AUCTION_AD"),
        (
            r#"["ad_id", "stat_time_day", "interest_category"]"#,
            "AUCTION_AD",
        ),
        (
            r#"["ad_id", "stat_time_hour", "device_brand_id"]"#,
            "AUCTION_AD",
        ),
        (
            r#"["ad_id", "stat_time_hour", "country_code"]"#,
            "AUCTION_AD",
        ),
        (
            r#"["advertiser_id", "stat_time_day", "ad_type"]"#,
            "AUCTION_ADVERTISER",
        ),
        (r#"["advertiser_id", "ad_type"]"#, "AUCTION_ADVERTISER"),
    ];
    for (dims, level) in bad {
        let p = audience(&[
            ("dimensions", dims),
            ("data_level", level),
            ("start_date", "2026-11-20"),
            ("end_date", "2026-11-20"),
        ]);
        let e = error(&w, &p);
        assert_eq!(e.code, 40002, "{dims}: {}", e.message);
    }
    let ok = [
        (r#"["ad_id", "age", "gender"]"#, "AUCTION_AD"),
        (r#"["ad_id", "stat_time_hour", "language"]"#, "AUCTION_AD"),
        (r#"["ad_id", "stat_time_hour", "placement"]"#, "AUCTION_AD"),
        (
            r#"["ad_id", "stat_time_day", "country_code"]"#,
            "AUCTION_AD",
        ),
        (r#"["ad_id", "interest_category"]"#, "AUCTION_AD"),
        (
            r#"["campaign_id", "stat_time_day", "ad_type"]"#,
            "AUCTION_CAMPAIGN",
        ),
        (
            r#"["advertiser_id", "stat_time_day", "dma_id"]"#,
            "AUCTION_ADVERTISER",
        ),
        (r#"["adgroup_id", "contextual_tag"]"#, "AUCTION_ADGROUP"),
    ];
    for (dims, level) in ok {
        let p = audience(&[
            ("dimensions", dims),
            ("data_level", level),
            ("start_date", "2026-11-20"),
            ("end_date", "2026-11-20"),
        ]);
        assert!(
            tiktok_emulator::report::rows(&w, &p, now(), &settings(1)).is_ok(),
            "{dims}"
        );
    }
    // BASIC keeps country_code with hours, and has no other breakdown.
    let p = basic(&[
        (
            "dimensions",
            r#"["ad_id", "stat_time_hour", "country_code"]"#,
        ),
        ("start_date", "2026-11-20"),
        ("end_date", "2026-11-20"),
    ]);
    assert!(tiktok_emulator::report::rows(&w, &p, now(), &settings(1)).is_ok());
    for d in ["language", "placement", "interest_category", "ad_type"] {
        let dims = format!(r#"["ad_id", "{d}"]"#);
        assert_eq!(
            error(&w, &basic(&[("dimensions", &dims)])).code,
            40002,
            "{d}"
        );
    }
    // No lifetime in AUDIENCE reports.
    let p = audience(&[
        ("dimensions", r#"["ad_id", "language"]"#),
        ("query_lifetime", "true"),
    ]);
    assert_eq!(error(&w, &p).code, 40002);
}

fn metric_error(w: &World, dims: &str, metrics: &[&str]) -> Option<String> {
    let m = json_list(metrics);
    let p = audience(&[("dimensions", dims), ("metrics", &m)]);
    match tiktok_emulator::report::rows(w, &p, now(), &settings(1)) {
        Ok(_) => None,
        Err(e) => {
            assert_eq!(e.code, 40002, "{}", e.message);
            Some(e.message)
        }
    }
}

#[test]
fn metric_lists_per_dimension() {
    let w = small_world("UTC");
    let ad_type = r#"["campaign_id", "stat_time_day", "ad_type"]"#;
    let ad_type_params = |metrics: &[&str]| {
        let m = json_list(metrics);
        let p = audience(&[
            ("dimensions", ad_type),
            ("data_level", "AUCTION_CAMPAIGN"),
            ("metrics", &m),
        ]);
        tiktok_emulator::report::rows(&w, &p, now(), &settings(1)).map_err(|e| e.message)
    };
    // ad_type: the reference's list, without result metrics, with engaged views.
    assert!(ad_type_params(&[
        "spend",
        "conversion_rate_v2",
        "engaged_view",
        "engaged_view_15s",
        "total_landing_page_view",
        "campaign_name",
    ])
    .is_ok());
    let e = ad_type_params(&["spend", "result", "reach"]).unwrap_err();
    assert!(
        e.ends_with("Invalid metric fields: ['result', 'reach']. "),
        "{e}"
    );
    // The other new dimensions take the audience metrics Airbyte sends, not BASIC-only ones.
    for dims in [
        r#"["ad_id", "stat_time_day", "language"]"#,
        r#"["ad_id", "interest_category"]"#,
    ] {
        assert_eq!(
            metric_error(
                &w,
                dims,
                &["spend", "reach", "conversion", "result", "ad_name"]
            ),
            None,
            "{dims}"
        );
        let e = metric_error(
            &w,
            dims,
            &["spend", "web_event_add_to_cart", "engaged_view"],
        )
        .expect("BASIC-only metrics");
        assert!(
            e.ends_with("Invalid metric fields: ['web_event_add_to_cart', 'engaged_view']. "),
            "{e}"
        );
    }
    // country_code also has the landing page metrics; age does not.
    let landing = [
        "total_landing_page_view",
        "cost_per_landing_page_view",
        "landing_page_view_rate",
    ];
    assert_eq!(
        metric_error(
            &w,
            r#"["ad_id", "stat_time_day", "country_code"]"#,
            &landing
        ),
        None
    );
    assert!(metric_error(&w, r#"["ad_id", "stat_time_day", "age"]"#, &landing).is_some());
}

/// The newest hour label of an hourly report of 2026-11-20 (UTC advertiser).
fn newest_hour(w: &World, dims: &str, latency: bool) -> String {
    let s = ReportSettings {
        audience_latency: latency,
        ..settings(6)
    };
    let p = audience(&[
        ("dimensions", dims),
        ("start_date", "2026-11-20"),
        ("end_date", "2026-11-20"),
        ("data_level", "AUCTION_ADVERTISER"),
    ]);
    rows(w, &p, now(), &s)
        .iter()
        .map(|r| dim(r, "stat_time_hour"))
        .max()
        .expect("rows today")
}

#[test]
fn with_latency_on_breakdown_data_arrives_after_the_dimension_latency() {
    // The clock is 2026-11-20 12:00 UTC: hours up to 11:00 are complete.
    let w = small_world("UTC");
    let placement = r#"["advertiser_id", "stat_time_hour", "placement"]"#;
    let gender = r#"["advertiser_id", "stat_time_hour", "gender"]"#;
    assert_eq!(newest_hour(&w, placement, false), "2026-11-20 11:00:00");
    assert_eq!(newest_hour(&w, gender, false), "2026-11-20 11:00:00");
    // Placement is real time (30 minutes): the 11:00 hour is not in yet.
    assert_eq!(newest_hour(&w, placement, true), "2026-11-20 10:00:00");
    // Gender takes 16 hours: nothing of today.
    let s = ReportSettings {
        audience_latency: true,
        ..settings(6)
    };
    let p = audience(&[
        ("dimensions", gender),
        ("start_date", "2026-11-20"),
        ("end_date", "2026-11-20"),
        ("data_level", "AUCTION_ADVERTISER"),
    ]);
    assert!(rows(&w, &p, now(), &s).is_empty());
    let mut yesterday = p.clone();
    yesterday.insert("start_date".into(), "2026-11-19".into());
    yesterday.insert("end_date".into(), "2026-11-19".into());
    let newest = rows(&w, &yesterday, now(), &s)
        .iter()
        .map(|r| dim(r, "stat_time_hour"))
        .max();
    assert_eq!(newest.as_deref(), Some("2026-11-19 19:00:00"));
}
