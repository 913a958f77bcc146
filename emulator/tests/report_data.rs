//! Report data: hours add up to days, breakdowns and levels add up to totals, rows follow the
//! advertiser's time zone, late conversions, deleted entities, determinism and value formats.

mod report_support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use report_support::*;
use tiktok_emulator::model::World;
use tiktok_emulator::report::ReportRow;

fn metrics_param(metrics: &[&str]) -> String {
    json_list(metrics)
}

fn ad_day(r: &ReportRow) -> (String, String) {
    (dim(r, "ad_id"), dim(r, "stat_time_day")[..10].to_string())
}

#[test]
fn hourly_rows_add_up_to_the_daily_row() {
    // 2026-11-01 is a 25-hour day in New York.
    let w = small_world("America/New_York");
    let s = settings(11);
    let m = metrics_param(ADDITIVE);
    let daily = rows(
        &w,
        &basic(&[
            ("metrics", &m),
            ("start_date", "2026-10-30"),
            ("end_date", "2026-11-03"),
            ("filtering", ALL_STATUS_AD),
        ]),
        now(),
        &s,
    );
    let mut hourly = Vec::new();
    for day in [
        "2026-10-30",
        "2026-10-31",
        "2026-11-01",
        "2026-11-02",
        "2026-11-03",
    ] {
        let p = basic(&[
            ("metrics", &m),
            ("dimensions", r#"["ad_id", "stat_time_hour"]"#),
            ("start_date", day),
            ("end_date", day),
            ("filtering", ALL_STATUS_AD),
        ]);
        let day_rows = rows(&w, &p, now(), &s);
        assert!(day_rows
            .iter()
            .all(|r| dim(r, "stat_time_hour").starts_with(day)));
        hourly.extend(day_rows);
    }
    let from_hours = sums_by(&hourly, ADDITIVE, |r| {
        (dim(r, "ad_id"), dim(r, "stat_time_hour")[..10].to_string())
    });
    let from_days = sums_by(&daily, ADDITIVE, ad_day);
    assert_eq!(
        from_days.len(),
        8 * 5,
        "every ad delivers on every day of this range"
    );
    assert_eq!(from_hours, from_days);
}

fn audience_rows(w: &World, dims: &str, metrics: &str) -> Vec<ReportRow> {
    let p = basic(&[
        ("report_type", "AUDIENCE"),
        ("dimensions", dims),
        ("metrics", metrics),
        ("start_date", "2026-11-10"),
        ("end_date", "2026-11-20"),
    ]);
    rows(w, &p, now(), &settings(5))
}

#[test]
fn every_audience_breakdown_adds_up_to_the_totals() {
    let w = small_world("Asia/Tokyo");
    let m = metrics_param(ADDITIVE);
    let totals = sums_by(
        &rows(
            &w,
            &basic(&[("metrics", &m), ("start_date", "2026-11-10")]),
            now(),
            &settings(5),
        ),
        ADDITIVE,
        ad_day,
    );
    assert!(!totals.is_empty());
    for extra in [
        r#""age", "gender""#,
        r#""country_code""#,
        r#""platform""#,
        r#""province_id""#,
    ] {
        let dims = format!(r#"["ad_id", "stat_time_day", {extra}]"#);
        let cells = audience_rows(&w, &dims, &m);
        assert!(
            cells.len() > totals.len(),
            "{extra}: a breakdown has more rows than the totals"
        );
        assert!(
            cells.iter().all(|r| units(&r.metrics["impressions"]) > 0),
            "{extra}: only rows with delivery"
        );
        assert_eq!(sums_by(&cells, ADDITIVE, ad_day), totals, "{extra}");
    }
    // BASIC with country_code too.
    let by_country = rows(
        &w,
        &basic(&[
            ("metrics", &m),
            ("start_date", "2026-11-10"),
            (
                "dimensions",
                r#"["ad_id", "stat_time_day", "country_code"]"#,
            ),
        ]),
        now(),
        &settings(5),
    );
    assert_eq!(sums_by(&by_country, ADDITIVE, ad_day), totals);
}

#[test]
fn hourly_breakdowns_add_up_to_daily_breakdowns() {
    let w = small_world("Europe/Berlin");
    let m = metrics_param(&["spend", "impressions", "clicks", "conversion"]);
    let key = |r: &ReportRow| (dim(r, "ad_id"), dim(r, "age"), dim(r, "gender"));
    let one_day = |dims: &str| {
        let p = basic(&[
            ("report_type", "AUDIENCE"),
            ("dimensions", dims),
            ("metrics", &m),
            ("start_date", "2026-11-12"),
            ("end_date", "2026-11-12"),
        ]);
        rows(&w, &p, now(), &settings(5))
    };
    let metrics = ["spend", "impressions", "clicks", "conversion"];
    let daily = sums_by(
        &one_day(r#"["ad_id", "stat_time_day", "age", "gender"]"#),
        &metrics,
        key,
    );
    let hourly = sums_by(
        &one_day(r#"["ad_id", "stat_time_hour", "age", "gender"]"#),
        &metrics,
        key,
    );
    assert!(!daily.is_empty());
    assert_eq!(hourly, daily);
}

/// A world where levels have deleted members: ad 70013000000 deleted 5 days ago, ad group
/// 7001200101 deleted 10 days ago, campaign 7001102 deleted 15 days ago.
fn world_with_deletions() -> World {
    let mut w = World::default();
    w.advertisers
        .push(advertiser("7001", "America/Los_Angeles"));
    populate(&mut w, "7001", 3, 2, 2, 40);
    let at = |days: i64| Some(now() - Duration::days(days) + Duration::minutes(17));
    for a in w.ads.iter_mut().filter(|a| a.ad_id == "70013000000") {
        a.deleted_at = at(5);
    }
    for g in w
        .adgroups
        .iter_mut()
        .filter(|g| g.adgroup_id == "700120101")
    {
        g.deleted_at = at(10);
    }
    for c in w
        .campaigns
        .iter_mut()
        .filter(|c| c.campaign_id == "7001102")
    {
        c.deleted_at = at(15);
    }
    w
}

fn status_filter(field: &str, value: &str) -> String {
    format!(
        r#"[{{"field_name": "{field}", "filter_type": "IN", "filter_value": "[\"{value}\"]"}}]"#
    )
}

fn level_request(level: &str, dim: &str, filter: Option<&str>) -> tiktok_emulator::model::Params {
    let m = metrics_param(ADDITIVE);
    let dims = format!(r#"["{dim}", "stat_time_day"]"#);
    let mut p = basic(&[
        ("data_level", level),
        ("dimensions", &dims),
        ("metrics", &m),
        ("start_date", "2026-10-25"),
    ]);
    if let Some(f) = filter {
        p.insert("filtering".into(), f.into());
    }
    p
}

#[test]
fn levels_add_up_ad_to_adgroup_to_campaign_to_advertiser() {
    let w = world_with_deletions();
    let s = settings(8);
    let parent: BTreeMap<String, (String, String)> = w
        .ads
        .iter()
        .map(|a| {
            (
                a.ad_id.clone(),
                (a.adgroup_id.clone(), a.campaign_id.clone()),
            )
        })
        .collect();
    let ads = rows(
        &w,
        &level_request("AUCTION_AD", "ad_id", Some(ALL_STATUS_AD)),
        now(),
        &s,
    );
    let day = |r: &ReportRow| dim(r, "stat_time_day");
    let by_group = sums_by(&ads, ADDITIVE, |r| {
        (parent[&dim(r, "ad_id")].0.clone(), day(r))
    });
    let by_campaign = sums_by(&ads, ADDITIVE, |r| {
        (parent[&dim(r, "ad_id")].1.clone(), day(r))
    });
    let by_advertiser = sums_by(&ads, ADDITIVE, |r| ("7001".to_string(), day(r)));

    let groups = rows(
        &w,
        &level_request(
            "AUCTION_ADGROUP",
            "adgroup_id",
            Some(&status_filter("adgroup_status", "STATUS_ALL")),
        ),
        now(),
        &s,
    );
    assert_eq!(
        sums_by(&groups, ADDITIVE, |r| (dim(r, "adgroup_id"), day(r))),
        by_group
    );
    let campaigns = rows(
        &w,
        &level_request(
            "AUCTION_CAMPAIGN",
            "campaign_id",
            Some(&status_filter("campaign_status", "STATUS_ALL")),
        ),
        now(),
        &s,
    );
    assert_eq!(
        sums_by(&campaigns, ADDITIVE, |r| (dim(r, "campaign_id"), day(r))),
        by_campaign
    );
    // The advertiser level counts everything, deleted entities included, without a filter.
    let advertiser = rows(
        &w,
        &level_request("AUCTION_ADVERTISER", "advertiser_id", None),
        now(),
        &s,
    );
    assert_eq!(
        sums_by(&advertiser, ADDITIVE, |r| (dim(r, "advertiser_id"), day(r))),
        by_advertiser
    );
}

#[test]
fn deleted_entities_appear_only_with_status_all() {
    let w = world_with_deletions();
    let s = settings(8);
    let ids = |rows: &[ReportRow], d: &str| rows.iter().map(|r| dim(r, d)).collect::<BTreeSet<_>>();
    let deleted_ads: BTreeSet<String> = w
        .ads
        .iter()
        .filter(|a| {
            a.ad_id == "70013000000" || a.adgroup_id == "700120101" || a.campaign_id == "7001102"
        })
        .map(|a| a.ad_id.clone())
        .collect();
    assert_eq!(deleted_ads.len(), 1 + 2 + 4);

    let default = rows(&w, &level_request("AUCTION_AD", "ad_id", None), now(), &s);
    let all = rows(
        &w,
        &level_request("AUCTION_AD", "ad_id", Some(ALL_STATUS_AD)),
        now(),
        &s,
    );
    let only_deleted = rows(
        &w,
        &level_request(
            "AUCTION_AD",
            "ad_id",
            Some(&status_filter("ad_status", "STATUS_DELETE")),
        ),
        now(),
        &s,
    );
    assert!(ids(&default, "ad_id").is_disjoint(&deleted_ads));
    assert_eq!(ids(&all, "ad_id").len(), 12);
    assert_eq!(ids(&only_deleted, "ad_id"), deleted_ads);
    // No delivery after deletion: the ad deleted 5 days ago (2026-11-15 12:17 UTC, 04:17 in
    // Los Angeles) has no row after that local day.
    let last_day = all
        .iter()
        .filter(|r| dim(r, "ad_id") == "70013000000")
        .map(|r| dim(r, "stat_time_day"))
        .max();
    let last_day = last_day.expect("the deleted ad delivered before its deletion");
    assert!(
        ("2026-11-10".."2026-11-16").contains(&&last_day[..10]),
        "{last_day}"
    );

    let groups = rows(
        &w,
        &level_request("AUCTION_ADGROUP", "adgroup_id", None),
        now(),
        &s,
    );
    let group_ids = ids(&groups, "adgroup_id");
    assert!(!group_ids.contains("700120101"));
    assert!(
        !group_ids.contains("700120200") && !group_ids.contains("700120201"),
        "groups of the deleted campaign"
    );
    assert_eq!(group_ids.len(), 6 - 3);

    let campaigns = rows(
        &w,
        &level_request("AUCTION_CAMPAIGN", "campaign_id", None),
        now(),
        &s,
    );
    assert_eq!(
        ids(&campaigns, "campaign_id"),
        BTreeSet::from(["7001100".to_string(), "7001101".to_string()])
    );
    // A live campaign still counts the delivery of its deleted ad.
    let campaign_100 = sums_by(&campaigns, ADDITIVE, |r| {
        (dim(r, "campaign_id"), dim(r, "stat_time_day"))
    });
    let ads_of_100 = sums_by(
        &all.iter()
            .filter(|r| dim(r, "ad_id").starts_with("7001300"))
            .cloned()
            .collect::<Vec<_>>(),
        ADDITIVE,
        |r| ("7001100".to_string(), dim(r, "stat_time_day")),
    );
    assert_eq!(
        campaign_100
            .into_iter()
            .filter(|(k, _)| k.0 == "7001100")
            .collect::<BTreeMap<_, _>>(),
        ads_of_100
    );
}

/// The UTC hour `utc` (a "YYYY-MM-DD HH:00:00" label) as the local hour label it starts in.
fn local_label(tz: Tz, utc: &str) -> String {
    let t = NaiveDateTime::parse_from_str(utc, "%Y-%m-%d %H:%M:%S")
        .expect("label")
        .and_utc();
    let local = t.with_timezone(&tz).naive_local();
    local
        .with_minute(0)
        .expect("minute")
        .format("%Y-%m-%d %H:00:00")
        .to_string()
}

#[test]
fn rows_follow_the_advertiser_time_zone() {
    let zones = [
        "Asia/Tokyo",
        "America/Los_Angeles",
        "Etc/GMT+8",
        "Asia/Kolkata",
        "Pacific/Kiritimati",
        "America/New_York",
    ];
    let m = metrics_param(ADDITIVE);
    for zone in zones {
        let tz: Tz = zone.parse().expect("zone");
        let w = small_world(zone);
        for day in ["2026-11-01", "2026-11-10"] {
            let local = rows(
                &w,
                &basic(&[
                    ("metrics", &m),
                    ("dimensions", r#"["ad_id", "stat_time_hour"]"#),
                    ("start_date", day),
                    ("end_date", day),
                ]),
                now(),
                &settings(2),
            );
            // The same data labelled in UTC, three UTC days around the local day.
            let d = NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("date");
            let mut utc = Vec::new();
            for u in [d.pred_opt().expect("day"), d, d.succ_opt().expect("day")] {
                let u = u.format("%Y-%m-%d").to_string();
                utc.extend(rows(
                    &w,
                    &basic(&[
                        ("advertiser_ids", r#"["7001"]"#),
                        ("multi_adv_report_in_utc_time", "true"),
                        ("metrics", &m),
                        ("dimensions", r#"["ad_id", "stat_time_hour"]"#),
                        ("start_date", &u),
                        ("end_date", &u),
                    ]),
                    now(),
                    &settings(2),
                ));
            }
            assert!(utc.iter().all(|r| r.metrics["timezone"] == "UTC"));
            let shifted = sums_by(&utc, ADDITIVE, |r| {
                (dim(r, "ad_id"), local_label(tz, &dim(r, "stat_time_hour")))
            });
            let expected: BTreeMap<_, _> = shifted
                .into_iter()
                .filter(|((_, label), _)| label.starts_with(day))
                .collect();
            let got = sums_by(&local, ADDITIVE, |r| {
                (dim(r, "ad_id"), dim(r, "stat_time_hour"))
            });
            assert!(!got.is_empty(), "{zone} {day}");
            assert_eq!(got, expected, "{zone} {day}");
        }
    }
}

#[test]
fn a_dst_day_spans_25_utc_hours() {
    let tz: Tz = "America/New_York".parse().expect("zone");
    let w = small_world("America/New_York");
    let m = metrics_param(&["impressions"]);
    // Local 2026-11-01 runs from 04:00 UTC to 05:00 UTC the next day.
    let start = tz
        .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .expect("midnight");
    let end = tz
        .with_ymd_and_hms(2026, 11, 2, 0, 0, 0)
        .single()
        .expect("midnight");
    assert_eq!((end - start).num_hours(), 25);
    let utc_rows: Vec<ReportRow> = ["2026-11-01", "2026-11-02"]
        .iter()
        .flat_map(|u| {
            rows(
                &w,
                &basic(&[
                    ("advertiser_ids", r#"["7001"]"#),
                    ("multi_adv_report_in_utc_time", "true"),
                    ("metrics", &m),
                    ("dimensions", r#"["ad_id", "stat_time_hour"]"#),
                    ("start_date", u),
                    ("end_date", u),
                ]),
                now(),
                &settings(2),
            )
        })
        .filter(|r| {
            let h = NaiveDateTime::parse_from_str(&dim(r, "stat_time_hour"), "%Y-%m-%d %H:%M:%S")
                .expect("label")
                .and_utc();
            h >= start && h < end
        })
        .collect();
    let daily = rows(
        &w,
        &basic(&[
            ("metrics", &m),
            ("start_date", "2026-11-01"),
            ("end_date", "2026-11-01"),
        ]),
        now(),
        &settings(2),
    );
    assert_eq!(
        sums_by(&utc_rows, &["impressions"], |r| dim(r, "ad_id")),
        sums_by(&daily, &["impressions"], |r| dim(r, "ad_id"))
    );
}

#[test]
fn no_rows_after_now_in_local_time() {
    // now() is 2026-11-20 12:00 UTC: 21:00 in Tokyo, 04:00 in Los Angeles, 02:00 on 11-21 in
    // Kiritimati (UTC+14).
    for (zone, today, hour_limit) in [
        ("Asia/Tokyo", "2026-11-20", 21),
        ("America/Los_Angeles", "2026-11-20", 4),
        ("Pacific/Kiritimati", "2026-11-21", 2),
    ] {
        let w = small_world(zone);
        let days = rows(
            &w,
            &basic(&[("start_date", "2026-11-15"), ("end_date", "2026-11-22")]),
            now(),
            &settings(4),
        );
        let last = days
            .iter()
            .map(|r| dim(r, "stat_time_day"))
            .max()
            .expect("rows");
        assert_eq!(
            last,
            format!("{today} 00:00:00"),
            "{zone}: today has data, tomorrow none"
        );
        let hours = rows(
            &w,
            &basic(&[
                ("dimensions", r#"["ad_id", "stat_time_hour"]"#),
                ("start_date", today),
                ("end_date", today),
            ]),
            now(),
            &settings(4),
        );
        let latest: u32 = hours
            .iter()
            .map(|r| dim(r, "stat_time_hour")[11..13].parse().expect("hour"))
            .max()
            .expect("rows");
        assert!(
            latest < hour_limit,
            "{zone}: hour {latest} is not complete yet"
        );
    }
}

#[test]
fn late_conversions_change_only_recent_days() {
    let w = small_world("America/Los_Angeles");
    let s = settings(21); // 7 late days
    let m = metrics_param(&[
        "conversion",
        "purchase",
        "impressions",
        "spend",
        "real_time_conversion",
    ]);
    let at = |t| {
        let p = basic(&[
            ("metrics", &m),
            ("start_date", "2026-10-25"),
            ("end_date", "2026-11-19"),
            ("filtering", ALL_STATUS_AD),
        ]);
        rows(&w, &p, t, &s)
            .into_iter()
            .map(|r| (ad_day(&r), r.metrics))
            .collect::<BTreeMap<_, _>>()
    };
    let first = at(now());
    let later = at(now() + Duration::days(2));
    let final_ = at(now() + Duration::days(40));
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        later.keys().collect::<Vec<_>>(),
        "complete days keep their rows"
    );
    let mut changed = 0;
    for (key, m1) in &first {
        let m2 = &later[key];
        let m3 = &final_[key];
        for k in ["impressions", "spend", "real_time_conversion"] {
            assert_eq!(m1[k], m2[k], "{key:?} {k} is not a late metric");
        }
        // Local day ends (LA, UTC-8) at 08:00 UTC the next day; 7 days before now() is 11-13 12:00 UTC.
        let old = key.1.as_str() <= "2026-11-11";
        for k in ["conversion", "purchase"] {
            let (v1, v2, v3) = (units(&m1[k]), units(&m2[k]), units(&m3[k]));
            if old {
                assert_eq!((v1, v2), (v3, v3), "{key:?} {k}: final after 7 days");
            } else {
                assert!(v1 <= v2 && v2 <= v3, "{key:?} {k}: {v1} {v2} {v3}");
                changed += usize::from(v1 < v2);
            }
        }
    }
    assert!(
        changed > 10,
        "recent days gain conversions as the clock advances ({changed})"
    );
}

#[test]
fn same_seed_gives_identical_bytes() {
    let w = world_with_deletions();
    let requests = [
        basic(&[
            ("metrics", &metrics_param(ADDITIVE)),
            ("page_size", "50"),
            ("page", "2"),
        ]),
        basic(&[
            ("report_type", "AUDIENCE"),
            (
                "dimensions",
                r#"["ad_id", "stat_time_day", "age", "gender"]"#,
            ),
            ("page_size", "1000"),
        ]),
        basic(&[
            ("data_level", "AUCTION_CAMPAIGN"),
            ("dimensions", r#"["campaign_id"]"#),
            ("query_lifetime", "true"),
            ("metrics", r#"["spend", "ctr", "campaign_name"]"#),
        ]),
    ];
    for p in &requests {
        let a = serde_json::to_string(&get(&w, p, now(), &settings(99))).expect("json");
        let b = serde_json::to_string(&get(&w.clone(), p, now(), &settings(99))).expect("json");
        let other = serde_json::to_string(&get(&w, p, now(), &settings(100))).expect("json");
        assert_eq!(a, b);
        assert_ne!(a, other, "the seed drives the numbers");
    }
}

#[test]
fn rows_start_when_the_ad_was_created() {
    let mut w = small_world("UTC");
    let created = t("2026-11-18 09:20:00");
    w.ads
        .push(ad("7001", "7001100", "700120000", "70019999999", created));
    let p = basic(&[
        ("dimensions", r#"["ad_id", "stat_time_hour"]"#),
        ("start_date", "2026-11-18"),
        ("end_date", "2026-11-18"),
    ]);
    let hours: Vec<String> = rows(&w, &p, now(), &settings(1))
        .iter()
        .filter(|r| dim(r, "ad_id") == "70019999999")
        .map(|r| dim(r, "stat_time_hour"))
        .collect();
    assert!(!hours.is_empty());
    assert!(
        hours.iter().all(|h| h.as_str() >= "2026-11-18 09:00:00"),
        "{hours:?}"
    );
    // A world whose ads start after the range has no rows, and empty paging.
    let v = get(
        &w,
        &basic(&[("start_date", "2026-09-01"), ("end_date", "2026-09-30")]),
        now(),
        &settings(1),
    );
    assert_eq!(v["list"], serde_json::json!([]));
    assert_eq!(
        (
            v["page_info"]["total_number"].as_u64(),
            v["page_info"]["total_page"].as_u64()
        ),
        (Some(0), Some(0))
    );
}

fn ratio(num: i64, den: i64, scale: f64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 * scale / den as f64
    }
}

#[test]
fn values_have_tiktok_formats_and_derive_from_the_row() {
    let w = small_world("UTC");
    let m = metrics_param(&[
        "spend",
        "impressions",
        "clicks",
        "reach",
        "ctr",
        "cpc",
        "cpm",
        "frequency",
        "conversion",
        "conversion_rate",
        "cost_per_conversion",
        "secondary_goal_result",
        "campaign_name",
        "adgroup_name",
        "ad_name",
        "tt_app_id",
        "budget",
    ]);
    let r = rows(&w, &basic(&[("metrics", &m)]), now(), &settings(6));
    assert!(r.len() > 50);
    let close = |got: &str, want: f64| {
        let g: f64 = got.parse().expect("number");
        assert!((g - want).abs() <= 0.0051, "{got} vs {want}");
        assert_eq!(
            got.split('.').nth(1).map(str::len),
            Some(2),
            "{got}: 2 decimals"
        );
    };
    for row in &r {
        let v = |k: &str| units(&row.metrics[k]);
        let (spend, imp, clicks, reach, conv) = (
            v("spend"),
            v("impressions"),
            v("clicks"),
            v("reach"),
            v("conversion"),
        );
        assert!(imp > 0 && clicks <= imp && reach <= imp && conv <= clicks);
        assert!(!row.metrics["impressions"].contains('.'));
        close(&row.metrics["ctr"], ratio(clicks, imp, 100.0));
        close(&row.metrics["cpc"], ratio(spend, clicks, 0.01));
        close(&row.metrics["cpm"], ratio(spend, imp, 10.0));
        close(&row.metrics["frequency"], ratio(imp, reach, 1.0));
        close(&row.metrics["conversion_rate"], ratio(conv, clicks, 100.0));
        close(
            &row.metrics["cost_per_conversion"],
            ratio(spend, conv, 0.01),
        );
        assert_eq!(row.metrics["secondary_goal_result"], "-");
        assert_eq!(row.metrics["tt_app_id"], "-", "not an app campaign");
        let ad = w
            .ads
            .iter()
            .find(|a| a.ad_id == dim(row, "ad_id"))
            .expect("ad");
        assert_eq!(row.metrics["ad_name"], ad.ad_name);
        assert_eq!(
            row.metrics["campaign_name"],
            format!("Campaign {}", ad.campaign_id)
        );
        assert_eq!(
            row.metrics["adgroup_name"],
            format!("Ad group {}", ad.adgroup_id)
        );
        assert_eq!(row.metrics["budget"], "50.00");
    }
}

#[test]
fn total_metrics_add_up_the_rows() {
    let w = small_world("Asia/Tokyo");
    let m = metrics_param(&["spend", "impressions", "clicks", "ctr", "campaign_name"]);
    let p = basic(&[
        ("metrics", &m),
        ("enable_total_metrics", "true"),
        ("page_size", "5"),
    ]);
    let v = get(&w, &p, now(), &settings(3));
    let all = rows(&w, &p, now(), &settings(3));
    let sums = sums_by(&all, &["spend", "impressions", "clicks"], |_| ());
    let totals = &v["total_metrics"];
    assert_eq!(
        units(totals["spend"].as_str().expect("spend")),
        sums[&()][0]
    );
    assert_eq!(
        units(totals["impressions"].as_str().expect("impressions")),
        sums[&()][1]
    );
    assert_eq!(
        units(totals["clicks"].as_str().expect("clicks")),
        sums[&()][2]
    );
    assert_eq!(totals["campaign_name"], "-");
}

#[test]
fn several_advertisers_in_one_request() {
    let mut w = small_world("Asia/Tokyo");
    w.advertisers.push(advertiser("7002", "America/Sao_Paulo"));
    w.advertisers[1].currency = "BRL".into();
    populate(&mut w, "7002", 1, 1, 2, 20);
    let p = basic(&[
        ("advertiser_ids", r#"["7001", "7002"]"#),
        ("metrics", r#"["spend"]"#),
    ]);
    let r = rows(&w, &p, now(), &settings(3));
    let by_adv = |id: &str| {
        r.iter()
            .filter(|row| row.metrics["advertiser_id"] == id)
            .collect::<Vec<_>>()
    };
    assert!(!by_adv("7001").is_empty() && !by_adv("7002").is_empty());
    assert!(by_adv("7002")
        .iter()
        .all(|row| row.metrics["currency"] == "BRL"
            && row.metrics["timezone"] == "America/Sao_Paulo"));
    // The same rows as asking each advertiser alone, apart from the account fields.
    let alone = rows(
        &w,
        &basic(&[("advertiser_id", "7002"), ("metrics", r#"["spend"]"#)]),
        now(),
        &settings(3),
    );
    let stripped: Vec<ReportRow> = by_adv("7002")
        .into_iter()
        .map(|row| {
            let mut row = row.clone();
            for k in ["advertiser_id", "currency", "timezone"] {
                row.metrics.remove(k);
            }
            row
        })
        .collect();
    assert_eq!(stripped, alone);
}

#[test]
fn id_filters_select_entities() {
    let w = small_world("UTC");
    let ids = |rows: &[ReportRow], d: &str| rows.iter().map(|r| dim(r, d)).collect::<BTreeSet<_>>();
    let filter = |field: &str, values: &[&str]| {
        let inner = serde_json::to_string(values).expect("json");
        serde_json::json!([{"field_name": field, "filter_type": "IN", "filter_value": inner}])
            .to_string()
    };
    let ads = rows(
        &w,
        &basic(&[(
            "filtering",
            &filter("ad_ids", &["70013000001", "70013010100"]),
        )]),
        now(),
        &settings(2),
    );
    assert_eq!(
        ids(&ads, "ad_id"),
        BTreeSet::from(["70013000001".to_string(), "70013010100".to_string()])
    );
    let groups = rows(
        &w,
        &basic(&[
            ("data_level", "AUCTION_ADGROUP"),
            ("dimensions", r#"["adgroup_id", "stat_time_day"]"#),
            ("filtering", &filter("campaign_ids", &["7001101"])),
        ]),
        now(),
        &settings(2),
    );
    assert_eq!(
        ids(&groups, "adgroup_id"),
        BTreeSet::from(["700120100".to_string(), "700120101".to_string()])
    );
}
