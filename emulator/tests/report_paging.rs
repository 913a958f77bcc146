//! Paging of report rows: every page size walks every row exactly once, `page_info` agrees, and
//! a page past the end is empty with the same totals. Plus a scale probe (ignored by default).

mod report_support;

use std::collections::BTreeSet;
use std::time::Instant;

use report_support::*;
use serde_json::Value;
use tiktok_emulator::model::{Params, World};
use tiktok_emulator::report::ReportRow;

fn walk(w: &World, base: &Params, page_size: u64) -> (Vec<ReportRow>, Value) {
    let mut all = Vec::new();
    let mut page = 1u64;
    let mut first_info = Value::Null;
    loop {
        let mut p = base.clone();
        p.insert("page".into(), page.to_string());
        p.insert("page_size".into(), page_size.to_string());
        let v = get(w, &p, now(), &settings(7));
        let info = v["page_info"].clone();
        assert_eq!(info["page"], page);
        assert_eq!(info["page_size"], page_size);
        if page == 1 {
            first_info = info.clone();
        }
        assert_eq!(
            info["total_number"], first_info["total_number"],
            "totals are stable across pages"
        );
        let list: Vec<ReportRow> = v["list"]
            .as_array()
            .expect("list")
            .iter()
            .map(|r| ReportRow {
                dimensions: serde_json::from_value(r["dimensions"].clone()).expect("dimensions"),
                metrics: serde_json::from_value(r["metrics"].clone()).expect("metrics"),
            })
            .collect();
        assert!(list.len() as u64 <= page_size);
        if list.is_empty() {
            break;
        }
        all.extend(list);
        page += 1;
    }
    (all, first_info)
}

fn check_walks(w: &World, base: &Params) {
    let truth = rows(w, base, now(), &settings(7));
    assert!(truth.len() > 30, "a walk over several pages");
    let keys: BTreeSet<_> = truth
        .iter()
        .map(|r| format!("{:?}", r.dimensions))
        .collect();
    assert_eq!(keys.len(), truth.len(), "rows have distinct dimensions");
    for size in [1u64, 7, 10, 1000] {
        let (walked, info) = walk(w, base, size);
        assert_eq!(walked, truth, "page size {size}");
        let total = truth.len() as u64;
        assert_eq!(info["total_number"], total);
        assert_eq!(info["total_page"], total.div_ceil(size));
    }
    // A page past the end: empty, same totals.
    let mut p = base.clone();
    p.insert("page".into(), "1000000".into());
    p.insert("page_size".into(), "7".into());
    let v = get(w, &p, now(), &settings(7));
    assert_eq!(v["list"], serde_json::json!([]));
    assert_eq!(v["page_info"]["total_number"], truth.len());
    assert_eq!(
        v["page_info"]["total_page"],
        (truth.len() as u64).div_ceil(7)
    );
}

#[test]
fn basic_daily_rows_page_exactly_once() {
    check_walks(
        &small_world("Asia/Tokyo"),
        &basic(&[("metrics", r#"["spend", "clicks", "ctr"]"#)]),
    );
}

#[test]
fn audience_rows_page_exactly_once() {
    let p = basic(&[
        ("report_type", "AUDIENCE"),
        (
            "dimensions",
            r#"["campaign_id", "stat_time_day", "age", "gender"]"#,
        ),
        ("data_level", "AUCTION_CAMPAIGN"),
        ("start_date", "2026-11-15"),
    ]);
    check_walks(&small_world("America/Los_Angeles"), &p);
}

#[test]
fn hourly_rows_page_exactly_once() {
    let p = basic(&[
        (
            "dimensions",
            r#"["adgroup_id", "stat_time_hour", "country_code"]"#,
        ),
        ("data_level", "AUCTION_ADGROUP"),
        ("start_date", "2026-11-18"),
        ("end_date", "2026-11-18"),
    ]);
    check_walks(&small_world("Etc/GMT+8"), &p);
}

/// Scale probe: 1,000 ads × 30 days. Run with
/// `cargo test -p tiktok-emulator --test report_paging -- --ignored --nocapture`.
#[test]
#[ignore]
fn scale_probe() {
    let mut w = World::default();
    w.advertisers.push(advertiser("7001", "America/New_York"));
    populate(&mut w, "7001", 10, 10, 10, 60);
    let p = basic(&[
        (
            "metrics",
            r#"["spend", "impressions", "clicks", "ctr", "cpc", "conversion", "reach", "campaign_name"]"#,
        ),
        ("start_date", "2026-10-21"),
        ("end_date", "2026-11-19"),
        ("page_size", "1000"),
        ("page", "17"),
    ]);
    for page in ["1", "17"] {
        let mut p = p.clone();
        p.insert("page".into(), page.into());
        let started = Instant::now();
        let v = get(&w, &p, now(), &settings(1));
        println!(
            "warm-up page {page}: {} rows in {:?}",
            v["page_info"]["total_number"],
            started.elapsed()
        );
    }
    let started = Instant::now();
    let v = get(&w, &p, now(), &settings(1));
    println!(
        "1,000 ads × 30 days: {} rows, page of {} in {:?}",
        v["page_info"]["total_number"],
        v["list"].as_array().map_or(0, Vec::len),
        started.elapsed()
    );
    let audience = basic(&[
        ("report_type", "AUDIENCE"),
        (
            "dimensions",
            r#"["ad_id", "stat_time_day", "age", "gender"]"#,
        ),
        ("start_date", "2026-10-21"),
        ("end_date", "2026-11-19"),
        ("page_size", "1000"),
        ("page", "100"),
    ]);
    let started = Instant::now();
    let v = get(&w, &audience, now(), &settings(1));
    println!(
        "audience age×gender: {} rows, page of {} in {:?}",
        v["page_info"]["total_number"],
        v["list"].as_array().map_or(0, Vec::len),
        started.elapsed()
    );
}
