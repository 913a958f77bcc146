//! Validation of `report/integrated/get/`: every rule answers 40002 (or 40001 / 40067) with
//! TikTok's message, and the request shapes real clients send are accepted.

mod report_support;

use report_support::*;
use tiktok_emulator::model::World;
use tiktok_emulator::report::{self, ReportSettings};

fn world() -> World {
    small_world("America/Los_Angeles")
}

fn assert_param_error(p: &[(&str, &str)], needle: &str) {
    let e = error(&world(), &basic(p));
    assert_eq!(e.code, 40002, "{p:?}: {}", e.message);
    assert!(
        e.message.contains(needle),
        "{p:?}: message {:?} lacks {needle:?}",
        e.message
    );
}

fn assert_ok(p: &[(&str, &str)]) {
    let w = world();
    if let Err(e) = report::integrated_get(&w, &basic(p), now(), &settings(1)) {
        panic!("{p:?} rejected: {} {}", e.code, e.message);
    }
}

fn without(p: &mut tiktok_emulator::model::Params, key: &str) {
    p.remove(key);
}

#[test]
fn report_type_is_required_and_checked() {
    let mut p = basic(&[]);
    without(&mut p, "report_type");
    let e = error(&world(), &p);
    assert_eq!(
        (e.code, e.message.as_str()),
        (40002, "report_type: Missing data for required field.")
    );
    assert_param_error(&[("report_type", "BASIC_X")], "report_type");
}

#[test]
fn report_types_without_emulated_data_answer_an_empty_page() {
    for kind in ["PLAYABLE_MATERIAL", "CATALOG", "BC", "TT_SHOP"] {
        let v = get(
            &world(),
            &basic(&[("report_type", kind)]),
            now(),
            &settings(1),
        );
        assert_eq!(v["list"], serde_json::json!([]), "{kind}");
        assert_eq!(v["page_info"]["total_number"], 0);
        assert_eq!(v["page_info"]["total_page"], 0);
    }
}

#[test]
fn data_level_is_required_for_basic_and_audience() {
    for kind in ["BASIC", "AUDIENCE"] {
        let mut p = basic(&[("report_type", kind), ("dimensions", r#"["ad_id","age"]"#)]);
        without(&mut p, "data_level");
        let e = error(&world(), &p);
        assert_eq!(
            (e.code, e.message.as_str()),
            (40002, "data_level: Missing data for required field.")
        );
    }
    assert_param_error(&[("data_level", "RESERVATION_AD")], "data_level");
}

#[test]
fn dimensions_are_required_json_arrays() {
    let mut p = basic(&[]);
    without(&mut p, "dimensions");
    assert_eq!(
        error(&world(), &p).message,
        "dimensions: Missing data for required field."
    );
    assert_param_error(
        &[("dimensions", r#"["ad_id", "stat_time_day""#)],
        "dimensions: Invalid JSON",
    );
    assert_param_error(&[("dimensions", r#"{"ad_id": 1}"#)], "dimensions");
    assert_param_error(&[("dimensions", "[]")], "dimensions");
    assert_param_error(
        &[(
            "dimensions",
            r#"["ad_id", "colour", "stat_time_day", "mood"]"#,
        )],
        "['colour', 'mood']",
    );
}

#[test]
fn id_dimension_must_match_the_level_and_be_unique() {
    let pairs = [
        ("advertiser_id", "AUCTION_ADVERTISER"),
        ("campaign_id", "AUCTION_CAMPAIGN"),
        ("adgroup_id", "AUCTION_ADGROUP"),
        ("ad_id", "AUCTION_AD"),
    ];
    for (dim, level) in pairs {
        assert_ok(&[
            ("data_level", level),
            ("dimensions", &format!(r#"["{dim}", "stat_time_day"]"#)),
        ]);
        for (_, other) in pairs.iter().filter(|(_, l)| *l != level) {
            let dims = format!(r#"["{dim}", "stat_time_day"]"#);
            assert_param_error(
                &[("data_level", other), ("dimensions", &dims)],
                "does not match data_level",
            );
        }
    }
    assert_param_error(
        &[("dimensions", r#"["ad_id", "adgroup_id"]"#)],
        "At most one ID dimension",
    );
    assert_param_error(&[("dimensions", r#"["ad_id", "ad_id"]"#)], "Duplicate");
}

#[test]
fn time_and_audience_dimension_rules() {
    assert_param_error(
        &[(
            "dimensions",
            r#"["ad_id", "stat_time_day", "stat_time_hour"]"#,
        )],
        "cannot be used together",
    );
    // BASIC allows country_code but no other audience dimension.
    assert_ok(&[(
        "dimensions",
        r#"["ad_id", "stat_time_day", "country_code"]"#,
    )]);
    for d in ["age", "gender", "platform", "province_id"] {
        let dims = format!(r#"["ad_id", "stat_time_day", "{d}"]"#);
        assert_param_error(&[("dimensions", &dims)], "only supported in AUDIENCE");
        assert_ok(&[("report_type", "AUDIENCE"), ("dimensions", &dims)]);
    }
    assert_param_error(
        &[("report_type", "AUDIENCE")],
        "AUDIENCE reports need an audience dimension",
    );
}

#[test]
fn dates_are_checked() {
    assert_param_error(
        &[("start_date", "2026-11-1")],
        "start_date: Not a valid date",
    );
    assert_param_error(&[("end_date", "2026/11/20")], "end_date: Not a valid date");
    assert_param_error(
        &[("start_date", "2026-02-30")],
        "start_date: Not a valid date",
    );
    assert_param_error(
        &[("start_date", "2026-11-05"), ("end_date", "2026-11-04")],
        "earlier than start_date",
    );
    let mut p = basic(&[]);
    without(&mut p, "end_date");
    assert_eq!(
        error(&world(), &p).message,
        "end_date: Missing data for required field."
    );
}

#[test]
fn date_span_limits_follow_the_time_dimension() {
    // Daily: 30 days inclusive pass, 31 fail.
    assert_ok(&[("start_date", "2026-10-01"), ("end_date", "2026-10-30")]);
    assert_param_error(
        &[("start_date", "2026-10-01"), ("end_date", "2026-10-31")],
        "no more than 30 days",
    );
    // Hourly: one day.
    let hourly = r#"["ad_id", "stat_time_hour"]"#;
    assert_ok(&[
        ("dimensions", hourly),
        ("start_date", "2026-11-10"),
        ("end_date", "2026-11-10"),
    ]);
    assert_param_error(
        &[
            ("dimensions", hourly),
            ("start_date", "2026-11-10"),
            ("end_date", "2026-11-11"),
        ],
        "no more than 1 day",
    );
    // No time dimension: a year back from end_date (Airbyte's lifetime audience window).
    let none = r#"["ad_id"]"#;
    assert_ok(&[
        ("dimensions", none),
        ("start_date", "2025-11-20"),
        ("end_date", "2026-11-20"),
    ]);
    assert_param_error(
        &[
            ("dimensions", none),
            ("start_date", "2025-11-19"),
            ("end_date", "2026-11-20"),
        ],
        "no more than 365 days",
    );
}

#[test]
fn lifetime_rules() {
    let mut p = basic(&[("query_lifetime", "true"), ("dimensions", r#"["ad_id"]"#)]);
    without(&mut p, "start_date");
    without(&mut p, "end_date");
    get(&world(), &p, now(), &settings(1));
    // Dates, even invalid ones, are ignored.
    assert_ok(&[
        ("query_lifetime", "TRUE"),
        ("dimensions", r#"["ad_id"]"#),
        ("start_date", "garbage"),
    ]);
    for dims in [
        r#"["ad_id", "stat_time_day"]"#,
        r#"["ad_id", "stat_time_hour"]"#,
        r#"["ad_id", "country_code"]"#,
    ] {
        assert_param_error(
            &[("query_lifetime", "true"), ("dimensions", dims)],
            "not supported for lifetime",
        );
    }
    assert_param_error(
        &[
            ("report_type", "AUDIENCE"),
            ("query_lifetime", "true"),
            ("dimensions", r#"["ad_id", "age"]"#),
        ],
        "Only supported for BASIC",
    );
    assert_param_error(
        &[("query_lifetime", "yes")],
        "query_lifetime: Not a valid boolean",
    );
}

#[test]
fn paging_parameters_are_checked() {
    assert_param_error(
        &[("page", "0")],
        "page: Must be greater than or equal to 1.",
    );
    assert_param_error(&[("page", "x")], "page: Not a valid integer");
    assert_param_error(
        &[("page_size", "0")],
        "page_size: Must be between 1 and 1000.",
    );
    assert_param_error(
        &[("page_size", "1001")],
        "page_size: Must be between 1 and 1000.",
    );
    assert_ok(&[("page_size", "1000")]);
    let v = get(&world(), &basic(&[]), now(), &settings(1));
    assert_eq!(v["page_info"]["page_size"], 10, "default page size");
    assert_eq!(v["page_info"]["page"], 1);
}

#[test]
fn filtering_must_be_a_list_of_string_triples() {
    let bad = [
        r#"{"field_name": "ad_status", "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}"#,
        r#"[{"field_name": "ad_status", "filter_type": "IN"}]"#,
        r#"[{"field_name": "ad_status", "filter_type": "IN", "filter_value": ["STATUS_ALL"]}]"#,
        r#"[{"field_name": "ad_status", "filter_type": "IN", "filter_value": "STATUS_ALL"}]"#,
        r#"[{"field_name": "ad_status", "filter_type": "NOT_IN", "filter_value": "[\"STATUS_ALL\"]"}]"#,
        r#"[{"field_name": "ad_status", "filter_type": "IN", "filter_value": "[\"STATUS_MAYBE\"]"}]"#,
        r#"[{"field_name": "campaign_name", "filter_type": "IN", "filter_value": "[\"x\"]"}]"#,
        r#"[{"field_name": "ad_status""#,
    ];
    for f in bad {
        assert_param_error(&[("filtering", f)], "filtering");
    }
    assert_ok(&[("filtering", ALL_STATUS_AD)]);
    assert_ok(&[("filtering", "[]")]);
}

#[test]
fn status_filter_must_match_the_level() {
    let status = |field: &str| {
        format!(
            r#"[{{"field_name": "{field}", "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}}]"#
        )
    };
    let levels = [
        ("AUCTION_CAMPAIGN", "campaign_id", "campaign_status"),
        ("AUCTION_ADGROUP", "adgroup_id", "adgroup_status"),
        ("AUCTION_AD", "ad_id", "ad_status"),
    ];
    for (level, dim, field) in levels {
        let dims = format!(r#"["{dim}", "stat_time_day"]"#);
        assert_ok(&[
            ("data_level", level),
            ("dimensions", &dims),
            ("filtering", &status(field)),
        ]);
        for (_, _, other) in levels.iter().filter(|l| l.2 != field) {
            assert_param_error(
                &[
                    ("data_level", level),
                    ("dimensions", &dims),
                    ("filtering", &status(other)),
                ],
                "does not match data_level",
            );
        }
    }
    assert_param_error(
        &[
            ("data_level", "AUCTION_ADVERTISER"),
            ("dimensions", r#"["advertiser_id", "stat_time_day"]"#),
            ("filtering", &status("campaign_status")),
        ],
        "does not match data_level",
    );
}

#[test]
fn id_filters_allow_at_most_100_ids() {
    let ids = |n: usize| {
        let list: Vec<String> = (0..n)
            .map(|i| format!("{}", 70013000000u64 + i as u64))
            .collect();
        let inner = serde_json::to_string(&list).expect("json");
        serde_json::to_string(&serde_json::json!([{"field_name": "ad_ids", "filter_type": "IN", "filter_value": inner}]))
            .expect("json")
    };
    assert_ok(&[("filtering", &ids(100))]);
    assert_param_error(&[("filtering", &ids(101))], "between 1 and 100");
    // Ad ids cannot filter an ad-group report.
    assert_param_error(
        &[
            ("data_level", "AUCTION_ADGROUP"),
            ("dimensions", r#"["adgroup_id"]"#),
            ("filtering", &ids(3)),
        ],
        "not supported at data_level",
    );
}

const INVALID_PREFIX: &str = "Please correct the information in invalid metric fields and try again. Invalid metric fields: ";

#[test]
fn unknown_metrics_are_listed_in_request_order() {
    let e = error(
        &world(),
        &basic(&[("metrics", r#"["spend", "foo", "clicks", "bar_baz"]"#)]),
    );
    assert_eq!(e.code, 40002);
    assert_eq!(e.message, format!("{INVALID_PREFIX}['foo', 'bar_baz']. "));
    assert_param_error(&[("metrics", r#"["spend", "#)], "metrics: Invalid JSON");
    assert_param_error(
        &[("metrics", r#"["spend", 5]"#)],
        "metrics: Not a valid list of strings",
    );
}

#[test]
fn cash_and_voucher_spend_are_invalid_for_lifetime_and_below_advertiser_level() {
    // The exact response of Airbyte issue #11375.
    let lifetime = [
        ("data_level", "AUCTION_ADVERTISER"),
        ("dimensions", r#"["advertiser_id"]"#),
        ("query_lifetime", "true"),
        ("metrics", r#"["spend", "voucher_spend", "cash_spend"]"#),
    ];
    let e = error(&world(), &basic(&lifetime));
    assert_eq!(
        e.message,
        format!("{INVALID_PREFIX}['voucher_spend', 'cash_spend']. ")
    );
    assert_param_error(&[("metrics", r#"["cash_spend"]"#)], "['cash_spend']");
    assert_ok(&[
        ("data_level", "AUCTION_ADVERTISER"),
        ("dimensions", r#"["advertiser_id", "stat_time_day"]"#),
        ("metrics", r#"["cash_spend", "voucher_spend", "spend"]"#),
    ]);
}

#[test]
fn attributes_are_invalid_above_their_entity_level() {
    let cases = [
        ("AUCTION_ADGROUP", "adgroup_id", "ad_name", "adgroup_name"),
        (
            "AUCTION_CAMPAIGN",
            "campaign_id",
            "adgroup_name",
            "campaign_name",
        ),
        (
            "AUCTION_ADVERTISER",
            "advertiser_id",
            "campaign_name",
            "spend",
        ),
    ];
    for (level, dim, invalid, valid) in cases {
        let dims = format!(r#"["{dim}", "stat_time_day"]"#);
        let metrics = format!(r#"["{valid}", "{invalid}"]"#);
        let e = error(
            &world(),
            &basic(&[
                ("data_level", level),
                ("dimensions", &dims),
                ("metrics", &metrics),
            ]),
        );
        assert_eq!(
            e.message,
            format!("{INVALID_PREFIX}['{invalid}']. "),
            "{level}"
        );
    }
}

#[test]
fn audience_reports_reject_metrics_they_do_not_support() {
    let audience = |metrics: &str| {
        basic(&[
            ("report_type", "AUDIENCE"),
            ("dimensions", r#"["ad_id", "stat_time_day", "gender"]"#),
            ("metrics", metrics),
        ])
    };
    let e = error(
        &world(),
        &audience(r#"["spend", "app_install", "secondary_goal_result", "purchase", "ctr"]"#),
    );
    assert_eq!(
        e.message,
        format!("{INVALID_PREFIX}['app_install', 'secondary_goal_result', 'purchase']. ")
    );
    // The same metrics are fine in BASIC.
    assert_ok(&[(
        "metrics",
        r#"["spend", "app_install", "secondary_goal_result", "purchase", "ctr"]"#,
    )]);
}

#[test]
fn default_metrics_are_spend_and_impressions() {
    let r = rows(&world(), &basic(&[]), now(), &settings(1));
    assert!(!r.is_empty());
    for row in r {
        assert_eq!(
            row.metrics.keys().collect::<Vec<_>>(),
            ["impressions", "spend"]
        );
    }
}

#[test]
fn advertiser_must_exist_and_advertiser_ids_hold_one_to_five() {
    let e = error(&world(), &basic(&[("advertiser_id", "999")]));
    assert_eq!(e.code, 40001);
    let mut p = basic(&[]);
    without(&mut p, "advertiser_id");
    assert_eq!(
        error(&world(), &p).message,
        "advertiser_id: Missing data for required field."
    );
    assert_param_error(
        &[(
            "advertiser_ids",
            r#"["7001","7001","7001","7001","7001","7001"]"#,
        )],
        "advertiser_ids",
    );
    assert_param_error(
        &[("advertiser_ids", r#"["7001""#)],
        "advertiser_ids: Invalid JSON",
    );
    // advertiser_ids wins over advertiser_id.
    assert_ok(&[("advertiser_ids", r#"["7001"]"#), ("advertiser_id", "999")]);
}

#[test]
fn query_too_large_follows_the_weight() {
    let w = world();
    // 2 metrics × 30 days × 8 ads.
    let p = basic(&[("start_date", "2026-10-01"), ("end_date", "2026-10-30")]);
    assert_eq!(report::query_weight(2, 30, 8), 480);
    let limit = |n: u64| ReportSettings {
        query_too_large_threshold: Some(n),
        ..settings(1)
    };
    assert!(report::integrated_get(&w, &p, now(), &limit(480)).is_ok());
    let e = report::integrated_get(&w, &p, now(), &limit(479)).expect_err("too large");
    assert_eq!(e.code, 40067);
    assert_eq!(
        e.message,
        "Your query is too large, please reduce the query size (e.g. fewer metrics or time range) and retry after a while."
    );
    // Halving the window (as Airbyte does on 40067) makes it pass.
    let half = basic(&[("start_date", "2026-10-01"), ("end_date", "2026-10-15")]);
    assert!(report::integrated_get(&w, &half, now(), &limit(479)).is_ok());
    // So does filtering the ads.
    let filtered = basic(&[
        ("start_date", "2026-10-01"),
        ("end_date", "2026-10-30"),
        (
            "filtering",
            r#"[{"field_name": "campaign_ids", "filter_type": "IN", "filter_value": "[\"7001100\"]"}]"#,
        ),
    ]);
    assert!(report::integrated_get(&w, &filtered, now(), &limit(479)).is_ok());
    // Lifetime counts as 365 days.
    let lifetime = basic(&[("query_lifetime", "true"), ("dimensions", r#"["ad_id"]"#)]);
    assert!(report::integrated_get(&w, &lifetime, now(), &limit(2 * 365 * 8)).is_ok());
    let e = report::integrated_get(&w, &lifetime, now(), &limit(2 * 365 * 8 - 1))
        .expect_err("too large");
    assert_eq!(e.code, 40067);
}
