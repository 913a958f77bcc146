//! The exact report requests Airbyte (4.7.0 and upstream) and Singer send are accepted and
//! answered with the requested metrics. Metric lists are copied from the clients' sources
//! (peer-connectors.md §4.6.2 and §4.10, Singer's streams.py, Airbyte's
//! test_reports_daily_window_splitting.py).

mod report_support;

use report_support::*;
use tiktok_emulator::model::{Params, World};

const AIRBYTE_COMMON: &[&str] = &[
    "spend",
    "cpc",
    "cpm",
    "impressions",
    "clicks",
    "ctr",
    "reach",
    "cost_per_1000_reached",
    "frequency",
    "video_play_actions",
    "video_watched_2s",
    "video_watched_6s",
    "average_video_play",
    "average_video_play_per_user",
    "video_views_p25",
    "video_views_p50",
    "video_views_p75",
    "video_views_p100",
    "profile_visits",
    "likes",
    "comments",
    "shares",
    "follows",
    "clicks_on_music_disc",
    "real_time_app_install",
    "real_time_app_install_cost",
    "app_install",
];

const AIRBYTE_AUDIENCE_COMMON: &[&str] = &["spend", "cpc", "cpm", "impressions", "clicks", "ctr"];

const AIRBYTE_AD_METRICS: &[&str] = &[
    "campaign_name",
    "campaign_id",
    "adgroup_name",
    "placement_type",
    "tt_app_id",
    "tt_app_name",
    "mobile_app_id",
    "promotion_type",
    "dpa_target_audience_type",
    "conversion",
    "cost_per_conversion",
    "conversion_rate",
    "real_time_conversion",
    "real_time_cost_per_conversion",
    "real_time_conversion_rate",
    "result",
    "cost_per_result",
    "result_rate",
    "real_time_result",
    "real_time_cost_per_result",
    "real_time_result_rate",
    "secondary_goal_result",
    "cost_per_secondary_goal_result",
    "secondary_goal_result_rate",
    "adgroup_id",
    "ad_name",
    "ad_text",
    "total_purchase_value",
    "total_onsite_shopping_value",
    "onsite_shopping",
    "vta_purchase",
    "vta_conversion",
    "cta_purchase",
    "cta_conversion",
    "total_pageview",
    "complete_payment",
    "value_per_complete_payment",
    "total_complete_payment_rate",
    "profile_visits_rate",
    "purchase",
    "purchase_rate",
    "registration",
    "registration_rate",
    "sales_lead",
    "sales_lead_rate",
    "cost_per_app_install",
    "cost_per_purchase",
    "cost_per_registration",
    "cost_per_sales_lead",
    "cost_per_total_sales_lead",
    "cost_per_total_app_event_add_to_cart",
    "total_app_event_add_to_cart",
];

const ENGAGED_VIEW: &[&str] = &[
    "engaged_view",
    "engagements",
    "paid_engaged_view",
    "engaged_view_through_conversions",
    "paid_engagement_engaged_view",
    "engaged_view_15s",
    "paid_engaged_view_15s",
    "paid_engagement_engaged_view_15s",
];

/// Upstream Airbyte's audience list: the advertiser metrics without cash/voucher spend and app
/// installs.
const AIRBYTE_UPSTREAM_AUDIENCE: &[&str] = &[
    "spend",
    "cpc",
    "cpm",
    "impressions",
    "clicks",
    "ctr",
    "reach",
    "cost_per_1000_reached",
    "frequency",
    "video_play_actions",
    "video_watched_2s",
    "video_watched_6s",
    "average_video_play",
    "average_video_play_per_user",
    "video_views_p25",
    "video_views_p50",
    "video_views_p75",
    "video_views_p100",
    "profile_visits",
    "likes",
    "comments",
    "shares",
    "follows",
    "clicks_on_music_disc",
];

/// Singer's AUCTION_FIELDS (tap-tiktok-ads ≥ 1.0.0, 68 metrics).
const SINGER_AUCTION: &[&str] = &[
    "ad_name",
    "ad_text",
    "adgroup_id",
    "adgroup_name",
    "campaign_id",
    "campaign_name",
    "placement_type",
    "spend",
    "cpc",
    "cpm",
    "impressions",
    "clicks",
    "ctr",
    "reach",
    "cost_per_1000_reached",
    "conversion",
    "cost_per_conversion",
    "conversion_rate",
    "real_time_conversion",
    "real_time_cost_per_conversion",
    "real_time_conversion_rate",
    "result",
    "cost_per_result",
    "result_rate",
    "real_time_result",
    "real_time_cost_per_result",
    "real_time_result_rate",
    "secondary_goal_result",
    "cost_per_secondary_goal_result",
    "secondary_goal_result_rate",
    "frequency",
    "video_play_actions",
    "video_watched_2s",
    "video_watched_6s",
    "average_video_play",
    "average_video_play_per_user",
    "video_views_p25",
    "video_views_p50",
    "video_views_p75",
    "video_views_p100",
    "profile_visits",
    "profile_visits_rate",
    "likes",
    "comments",
    "shares",
    "follows",
    "clicks_on_music_disc",
    "tt_app_id",
    "tt_app_name",
    "mobile_app_id",
    "promotion_type",
    "dpa_target_audience_type",
    "gross_impressions",
    "is_smart_creative",
    "conversion_rate_v2",
    "real_time_conversion_rate_v2",
    "app_promotion_type",
    "split_test",
    "campaign_budget",
    "campaign_dedicate_type",
    "opt_status",
    "budget",
    "smart_target",
    "bid_strategy",
    "bid",
    "call_to_action",
    "image_mode",
    "billing_event",
];

const SINGER_AUDIENCE: &[&str] = &[
    "campaign_name",
    "spend",
    "cpc",
    "cpm",
    "impressions",
    "clicks",
    "ctr",
    "conversion",
    "cost_per_conversion",
    "conversion_rate",
    "real_time_conversion",
    "real_time_cost_per_conversion",
    "real_time_conversion_rate",
    "result",
    "cost_per_result",
    "result_rate",
    "real_time_result",
    "real_time_cost_per_result",
    "real_time_result_rate",
    "gross_impressions",
    "conversion_rate_v2",
    "real_time_conversion_rate_v2",
    "rf_campaign_type",
    "objective_type",
    "split_test",
    "campaign_budget",
    "campaign_dedicate_type",
];

/// Singer's AD_AUDIENCE_FIELDS; `promotion_type` really is listed twice.
const SINGER_AD_AUDIENCE: &[&str] = &[
    "ad_name",
    "ad_text",
    "adgroup_id",
    "adgroup_name",
    "campaign_id",
    "billing_event",
    "dpa_target_audience_type",
    "is_smart_creative",
    "mobile_app_id",
    "promotion_type",
    "tt_app_id",
    "tt_app_name",
    "opt_status",
    "budget",
    "smart_target",
    "bid_strategy",
    "bid",
    "call_to_action",
    "promotion_type",
];

fn world() -> World {
    small_world("Etc/GMT+8")
}

/// Python's `json.dumps` of a list: `", "` separators, as Airbyte sends.
fn py_dumps(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Singer's hand-written multi-line JSON literal, as the query carries it.
fn singer_multiline(items: &[&str]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| format!("            \"{s}\""))
        .collect();
    format!("[\n{}\n        ]", quoted.join(",\n"))
}

fn concat(lists: &[&[&'static str]]) -> Vec<&'static str> {
    lists.concat()
}

/// Runs the request; every requested metric must be in every row, and rows must exist.
fn check(p: Params, metrics: &[&str]) {
    let w = world();
    let r = rows(&w, &p, now(), &settings(3));
    assert!(!r.is_empty(), "no rows for {p:?}");
    for row in &r {
        for m in metrics {
            assert!(row.metrics.contains_key(*m), "metric {m} missing for {p:?}");
        }
    }
}

fn airbyte(level: &str, dims: &[&str], metrics: &[&str], extra: &[(&str, &str)]) -> Params {
    let mut p = params(&[
        ("service_type", "AUCTION"),
        ("report_type", "BASIC"),
        ("data_level", level),
        ("dimensions", &py_dumps(dims)),
        ("metrics", &py_dumps(metrics)),
        ("start_date", "2026-10-22"),
        ("end_date", "2026-11-20"),
        ("page_size", "1000"),
        ("advertiser_id", "7001"),
    ]);
    for (k, v) in extra {
        p.insert(k.to_string(), v.to_string());
    }
    p
}

#[test]
fn airbyte_basic_report_streams() {
    let ads = concat(&[AIRBYTE_AD_METRICS, AIRBYTE_COMMON]);
    assert_eq!(ads.len(), 79);
    let include_deleted = [("filtering", ALL_STATUS_AD)];
    check(
        airbyte(
            "AUCTION_AD",
            &["ad_id", "stat_time_day"],
            &ads,
            &include_deleted,
        ),
        &ads,
    );
    let hourly = [("start_date", "2026-11-19"), ("end_date", "2026-11-19")];
    check(
        airbyte("AUCTION_AD", &["ad_id", "stat_time_hour"], &ads, &hourly),
        &ads,
    );
    let lifetime = [("query_lifetime", "true")];
    let mut p = airbyte("AUCTION_AD", &["ad_id"], &ads, &lifetime);
    p.remove("start_date");
    p.remove("end_date");
    // Airbyte's lifetime requests carry the old `filters` name, which TikTok ignores.
    p.insert(
        "filters".into(),
        r#"[{"filter_value": ["STATUS_ALL"], "field_name": "ad_status", "filter_type": "IN"}]"#
            .into(),
    );
    check(p, &ads);

    let by_country: Vec<&str> = ads
        .iter()
        .copied()
        .filter(|m| !["purchase", "purchase_rate", "cost_per_purchase"].contains(m))
        .collect();
    assert_eq!(by_country.len(), 76);
    check(
        airbyte(
            "AUCTION_AD",
            &["ad_id", "stat_time_day", "country_code"],
            &by_country,
            &[],
        ),
        &by_country,
    );

    let groups = concat(&[&AIRBYTE_AD_METRICS[..24], AIRBYTE_COMMON]);
    let group_status = [(
        "filtering",
        r#"[{"field_name": "adgroup_status", "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}]"#,
    )];
    check(
        airbyte(
            "AUCTION_ADGROUP",
            &["adgroup_id", "stat_time_day"],
            &groups,
            &group_status,
        ),
        &groups,
    );
    check(
        airbyte(
            "AUCTION_ADGROUP",
            &["adgroup_id", "stat_time_hour", "country_code"],
            &groups,
            &hourly,
        ),
        &groups,
    );

    let campaigns = concat(&[&["campaign_name"], AIRBYTE_COMMON]);
    check(
        airbyte(
            "AUCTION_CAMPAIGN",
            &["campaign_id", "stat_time_day"],
            &campaigns,
            &[],
        ),
        &campaigns,
    );

    let advertisers = concat(&[&["cash_spend", "voucher_spend"], AIRBYTE_COMMON]);
    check(
        airbyte(
            "AUCTION_ADVERTISER",
            &["advertiser_id", "stat_time_day"],
            &advertisers,
            &[],
        ),
        &advertisers,
    );
    check(
        airbyte(
            "AUCTION_ADVERTISER",
            &["advertiser_id", "stat_time_hour"],
            AIRBYTE_COMMON,
            &hourly,
        ),
        AIRBYTE_COMMON,
    );

    let upstream = concat(&[&ads, ENGAGED_VIEW]);
    check(
        airbyte("AUCTION_AD", &["ad_id", "stat_time_day"], &upstream, &[]),
        &upstream,
    );
}

#[test]
fn airbyte_audience_report_streams() {
    let audience = |level, dims: &[&str], metrics: &[&str]| {
        airbyte(level, dims, metrics, &[("report_type", "AUDIENCE")])
    };
    let ad_metrics = concat(&[
        &AIRBYTE_AD_METRICS[..21],
        &["adgroup_id", "ad_name", "ad_text"],
        AIRBYTE_AUDIENCE_COMMON,
    ]);
    for extra in [
        &["gender", "age"][..],
        &["country_code"],
        &["platform"],
        &["province_id"],
    ] {
        let dims = concat(&[&["ad_id", "stat_time_day"], extra]);
        check(audience("AUCTION_AD", &dims, &ad_metrics), &ad_metrics);
    }
    let group_metrics = concat(&[&AIRBYTE_AD_METRICS[..21], AIRBYTE_AUDIENCE_COMMON]);
    let campaign_metrics = concat(&[&["campaign_name"], AIRBYTE_AUDIENCE_COMMON]);
    for extra in [&["gender", "age"][..], &["country_code"], &["platform"]] {
        let dims = concat(&[&["adgroup_id", "stat_time_day"], extra]);
        check(
            audience("AUCTION_ADGROUP", &dims, &group_metrics),
            &group_metrics,
        );
        let dims = concat(&[&["campaign_id", "stat_time_day"], extra]);
        check(
            audience("AUCTION_CAMPAIGN", &dims, &campaign_metrics),
            &campaign_metrics,
        );
        let dims = concat(&[&["advertiser_id", "stat_time_day"], extra]);
        check(
            audience("AUCTION_ADVERTISER", &dims, AIRBYTE_AUDIENCE_COMMON),
            AIRBYTE_AUDIENCE_COMMON,
        );
        check(
            audience("AUCTION_ADVERTISER", &dims, AIRBYTE_UPSTREAM_AUDIENCE),
            AIRBYTE_UPSTREAM_AUDIENCE,
        );
    }
    // advertisers_audience_reports_lifetime: `lifetime=true` (ignored) over today−365 … today.
    let mut p = audience(
        "AUCTION_ADVERTISER",
        &["advertiser_id", "gender", "age"],
        AIRBYTE_AUDIENCE_COMMON,
    );
    p.insert("lifetime".into(), "true".into());
    p.insert("start_date".into(), "2025-11-20".into());
    p.insert("end_date".into(), "2026-11-20".into());
    check(p, AIRBYTE_AUDIENCE_COMMON);
}

fn singer(report_type: &str, level: &str, dims: &[&str], metrics: &[&str]) -> Params {
    params(&[
        ("service_type", "AUCTION"),
        ("report_type", report_type),
        ("data_level", level),
        ("dimensions", &singer_multiline(dims)),
        ("metrics", &serde_json::to_string(metrics).expect("json")),
        ("query_lifetime", "false"),
        ("page_size", "1000"),
        ("page", "1"),
        ("advertiser_id", "7001"),
        ("start_date", "2026-10-22"),
        ("end_date", "2026-11-20"),
    ])
}

#[test]
fn singer_report_streams() {
    assert_eq!(SINGER_AUCTION.len(), 68);
    check(
        singer(
            "BASIC",
            "AUCTION_AD",
            &["ad_id", "stat_time_day"],
            SINGER_AUCTION,
        ),
        SINGER_AUCTION,
    );
    let ad_audience = concat(&[SINGER_AUDIENCE, SINGER_AD_AUDIENCE]);
    for dims in [
        &["ad_id", "age", "gender", "stat_time_day"][..],
        &["ad_id", "country_code", "stat_time_day"],
        &["ad_id", "platform", "stat_time_day"],
    ] {
        check(
            singer("AUDIENCE", "AUCTION_AD", dims, &ad_audience),
            &ad_audience,
        );
    }
    // campaign_insights_by_province sends `lifetime` instead of `query_lifetime`.
    let mut p = singer(
        "AUDIENCE",
        "AUCTION_CAMPAIGN",
        &["campaign_id", "province_id", "stat_time_day"],
        SINGER_AUDIENCE,
    );
    p.remove("query_lifetime");
    p.insert("lifetime".into(), "false".into());
    check(p, SINGER_AUDIENCE);
}

#[test]
fn multi_line_json_with_any_whitespace_is_parsed() {
    let p = basic(&[
        ("dimensions", "[\n  \"ad_id\",\n  \"stat_time_day\"\n]"),
        ("metrics", "[\r\n\t\"spend\" ,\n\"clicks\"  ]"),
        ("filtering", "[\n {\n  \"field_name\": \"ad_status\",\n  \"filter_type\": \"IN\",\n  \"filter_value\": \"[\\\"STATUS_ALL\\\"]\"\n }\n]"),
    ]);
    let compact = basic(&[
        ("dimensions", r#"["ad_id","stat_time_day"]"#),
        ("metrics", r#"["spend","clicks"]"#),
        (
            "filtering",
            r#"[{"field_name":"ad_status","filter_type":"IN","filter_value":"[\"STATUS_ALL\"]"}]"#,
        ),
    ]);
    let w = world();
    let spaced = rows(&w, &p, now(), &settings(3));
    assert!(!spaced.is_empty());
    assert_eq!(spaced, rows(&w, &compact, now(), &settings(3)));
}
