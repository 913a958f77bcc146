//! GMV Max: stores, campaigns, the report's rules, sums and settling, and its own rate limit.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use serde_json::Value;
use tiktok_emulator::gmv_max::Promotion;
use tiktok_emulator::{EmulatorConfig, ExtendedConfig, ReportRow};

use crate::common::Api;

fn available_store(api: &Api, adv: &str) -> String {
    let stores = api.ok("gmv_max/store/list/", &[("advertiser_id", adv)])["store_list"].clone();
    stores
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["is_gmv_max_available"] == true)
        .expect("an available store")["store_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn stores_and_campaigns_by_promotion_type() {
    let api = Api::default();
    let world = api.emu.world();
    for adv in world.advertisers.iter().map(|a| a.advertiser_id.as_str()) {
        let stores = api.ok("gmv_max/store/list/", &[("advertiser_id", adv)])["store_list"].clone();
        let flags: Vec<bool> = stores
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["is_gmv_max_available"].as_bool().unwrap())
            .collect();
        assert!(flags.contains(&true) && flags.contains(&false), "{stores}");
        for (promotion, name) in [
            (Promotion::Product, "PRODUCT_GMV_MAX"),
            (Promotion::Live, "LIVE_GMV_MAX"),
        ] {
            let f = format!("{{\"gmv_max_promotion_types\": [\"{name}\"]}}");
            let (items, _) = api.walk(
                "gmv_max/campaign/get/",
                &[("advertiser_id", adv), ("filtering", &f)],
                "list",
                100,
            );
            let got: BTreeSet<&str> = items
                .iter()
                .map(|c| c["campaign_id"].as_str().unwrap())
                .collect();
            let expected: BTreeSet<&str> = world
                .gmv_max
                .campaigns
                .iter()
                .filter(|c| {
                    c.advertiser_id == adv && c.promotion == promotion && c.deleted_at.is_none()
                })
                .map(|c| c.campaign_id.as_str())
                .collect();
            assert_eq!(got, expected, "{adv} {name}");
            for c in &items {
                assert_eq!(c["objective_type"], "PRODUCT_SALES");
                let id = c["campaign_id"].as_str().unwrap();
                let info = api.ok(
                    "campaign/gmv_max/info/",
                    &[("advertiser_id", adv), ("campaign_id", id)],
                );
                assert_eq!(info["campaign_id"], id);
                assert_eq!(info["shopping_ads_type"], promotion.report_filter_name());
                assert!(stores
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["store_id"] == info["store_id"]));
            }
        }
        // GMV Max campaigns are not classic campaigns.
        let classic = api.ok(
            "campaign/get/",
            &[
                ("advertiser_id", adv),
                ("page_size", "1000"),
                ("filtering", r#"{"primary_status": "STATUS_ALL"}"#),
            ],
        );
        let classic_ids: BTreeSet<&str> = classic["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["campaign_id"].as_str().unwrap())
            .collect();
        assert!(world
            .gmv_max
            .campaigns
            .iter()
            .all(|c| !classic_ids.contains(c.campaign_id.as_str())));
    }
    let adv = api.adv(0);
    let deleted = api.ok(
        "gmv_max/campaign/get/",
        &[("advertiser_id", &adv), ("filtering", r#"{"gmv_max_promotion_types": ["PRODUCT_GMV_MAX"], "primary_status": "STATUS_DELETE"}"#)],
    );
    assert!(
        !deleted["list"].as_array().unwrap().is_empty(),
        "the first store has a deleted campaign"
    );
    assert!(deleted["list"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["secondary_status"] == "CAMPAIGN_STATUS_DELETE"));
    for (params, why) in [
        (
            vec![("advertiser_id", adv.as_str())],
            "filtering is required",
        ),
        (
            vec![
                ("advertiser_id", adv.as_str()),
                ("filtering", r#"{"store_ids": []}"#),
            ],
            "promotion types are required",
        ),
        (
            vec![
                ("advertiser_id", adv.as_str()),
                ("filtering", r#"{"gmv_max_promotion_types": ["PRODUCT"]}"#),
            ],
            "campaign/get takes PRODUCT_GMV_MAX",
        ),
        (
            vec![
                ("advertiser_id", adv.as_str()),
                ("page_size", "101"),
                (
                    "filtering",
                    r#"{"gmv_max_promotion_types": ["LIVE_GMV_MAX"]}"#,
                ),
            ],
            "page_size ≤ 100",
        ),
    ] {
        assert_eq!(api.err("gmv_max/campaign/get/", &params).0, 40002, "{why}");
    }
}

struct Report {
    adv: String,
    store: String,
}

impl Report {
    fn params(&self, extra: &[(&'static str, &str)]) -> Vec<(String, String)> {
        let mut p: Vec<(String, String)> = vec![
            ("advertiser_id".into(), self.adv.clone()),
            ("store_ids".into(), format!("[\"{}\"]", self.store)),
            ("start_date".into(), "2026-10-25".into()),
            ("end_date".into(), "2026-11-20".into()),
            ("metrics".into(), r#"["cost", "net_cost", "orders", "cost_per_order", "gross_revenue", "roi", "product_impressions", "product_clicks", "live_views"]"#.into()),
        ];
        for (k, v) in extra {
            p.retain(|(key, _)| key != k);
            p.push((k.to_string(), v.to_string()));
        }
        p
    }

    fn truth(&self, api: &Api, extra: &[(&'static str, &str)]) -> Vec<ReportRow> {
        let p = self.params(extra);
        let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        api.emu.gmv_max_report_truth(&pairs).expect("gmv report")
    }

    fn err(&self, api: &Api, extra: &[(&'static str, &str)]) -> i64 {
        let p = self.params(extra);
        let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        api.err("gmv_max/report/get/", &pairs).0
    }
}

const ADDITIVE: &[&str] = &[
    "cost",
    "net_cost",
    "orders",
    "gross_revenue",
    "product_impressions",
    "product_clicks",
    "live_views",
];

fn units(v: &str) -> i64 {
    match v.split_once('.') {
        Some((a, b)) => a.parse::<i64>().unwrap() * 100 + b.parse::<i64>().unwrap(),
        None => v.parse().unwrap(),
    }
}

fn sums<K: Ord>(rows: &[ReportRow], key: impl Fn(&ReportRow) -> K) -> BTreeMap<K, Vec<i64>> {
    let mut out: BTreeMap<K, Vec<i64>> = BTreeMap::new();
    for r in rows {
        let acc = out.entry(key(r)).or_insert_with(|| vec![0; ADDITIVE.len()]);
        for (a, m) in acc.iter_mut().zip(ADDITIVE) {
            *a += units(&r.metrics[*m]);
        }
    }
    out
}

fn day(r: &ReportRow) -> String {
    r.dimensions["stat_time_day"][..10].to_string()
}

#[test]
fn report_rows_add_up_across_campaigns_days_and_hours() {
    let api = Api::default();
    let adv = api.adv(2);
    let rep = Report {
        store: available_store(&api, &adv),
        adv,
    };
    let all_types = r#"{"gmv_max_promotion_types": ["PRODUCT", "LIVE"]}"#;
    let account_days = rep.truth(
        &api,
        &[
            ("dimensions", r#"["advertiser_id", "stat_time_day"]"#),
            ("filtering", all_types),
        ],
    );
    assert!(account_days.len() >= 20, "the store delivers on most days");
    let mut campaign_days = rep.truth(
        &api,
        &[
            ("dimensions", r#"["campaign_id", "stat_time_day"]"#),
            ("filtering", r#"{"gmv_max_promotion_types": ["PRODUCT"]}"#),
        ],
    );
    let live_days = rep.truth(
        &api,
        &[
            ("dimensions", r#"["campaign_id", "stat_time_day"]"#),
            ("filtering", r#"{"gmv_max_promotion_types": ["LIVE"]}"#),
        ],
    );
    assert!(!live_days.is_empty() && !campaign_days.is_empty());
    assert!(live_days
        .iter()
        .any(|r| units(&r.metrics["live_views"]) > 0));
    assert!(
        campaign_days.iter().all(|r| r.metrics["live_views"] == "0"),
        "product campaigns have no LIVE views"
    );
    campaign_days.extend(live_days);
    // Campaign rows add up to the advertiser row of the store, day by day.
    assert_eq!(sums(&campaign_days, day), sums(&account_days, day));
    // Days add up to the range.
    let mut campaign_range = Vec::new();
    for f in [
        r#"{"gmv_max_promotion_types": ["PRODUCT"]}"#,
        r#"{"gmv_max_promotion_types": ["LIVE"]}"#,
    ] {
        campaign_range.extend(rep.truth(
            &api,
            &[("dimensions", r#"["campaign_id"]"#), ("filtering", f)],
        ));
    }
    assert_eq!(
        campaign_range.iter().map(|r| r.dimensions.len()).max(),
        Some(1)
    );
    assert_eq!(
        sums(&campaign_days, |r| r.dimensions["campaign_id"].clone()),
        sums(&campaign_range, |r| r.dimensions["campaign_id"].clone()),
    );
    // Hours add up to their day.
    let hours = rep.truth(
        &api,
        &[
            ("dimensions", r#"["advertiser_id", "stat_time_hour"]"#),
            ("start_date", "2026-11-12"),
            ("end_date", "2026-11-12"),
            ("filtering", all_types),
        ],
    );
    let one_day: Vec<ReportRow> = account_days
        .iter()
        .filter(|r| day(r) == "2026-11-12")
        .cloned()
        .collect();
    assert_eq!(sums(&hours, |_| ()), sums(&one_day, |_| ()));
    // The endpoint pages out exactly the truth, and ratios are computed from the sums.
    let p = rep.params(&[
        ("dimensions", r#"["campaign_id", "stat_time_day"]"#),
        ("filtering", r#"{"gmv_max_promotion_types": ["PRODUCT"]}"#),
    ]);
    let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (paged, infos) = api.walk("gmv_max/report/get/", &pairs, "list", 7);
    assert!(infos.len() > 2, "several pages");
    let product = rep.truth(
        &api,
        &[
            ("dimensions", r#"["campaign_id", "stat_time_day"]"#),
            ("filtering", r#"{"gmv_max_promotion_types": ["PRODUCT"]}"#),
        ],
    );
    assert_eq!(serde_json::to_value(&product).unwrap(), Value::Array(paged));
    for r in &product {
        let (cost, orders, revenue) = (
            units(&r.metrics["cost"]),
            units(&r.metrics["orders"]),
            units(&r.metrics["gross_revenue"]),
        );
        if orders > 0 {
            let expected = (2 * cost + orders) / (2 * orders);
            assert_eq!(units(&r.metrics["cost_per_order"]), expected, "{r:?}");
        }
        if cost > 0 {
            assert_eq!(
                units(&r.metrics["roi"]),
                (2 * revenue * 100 + cost) / (2 * cost),
                "{r:?}"
            );
        }
        assert!(
            r.metrics.values().all(|v| v.parse::<f64>().is_ok()),
            "string numbers: {r:?}"
        );
    }
}

#[test]
fn deleted_campaigns_are_excluded_unless_asked_for() {
    let api = Api::default();
    let world = api.emu.world();
    let adv = api.adv(0);
    let deleted = world
        .gmv_max
        .campaigns
        .iter()
        .find(|c| c.advertiser_id == adv && c.deleted_at.is_some())
        .expect("a deleted GMV Max campaign");
    let rep = Report {
        store: deleted.store_id.clone(),
        adv,
    };
    let f_default = r#"{"gmv_max_promotion_types": ["PRODUCT"]}"#;
    let f_all = r#"{"gmv_max_promotion_types": ["PRODUCT"], "campaign_statuses": ["STATUS_ALL"]}"#;
    let window = [("start_date", "2026-09-22"), ("end_date", "2026-11-20")];
    let ids = |rows: &[ReportRow]| -> BTreeSet<String> {
        rows.iter()
            .map(|r| r.dimensions["campaign_id"].clone())
            .collect()
    };
    let default = rep.truth(
        &api,
        &[
            ("dimensions", r#"["campaign_id"]"#),
            ("filtering", f_default),
            window[0],
            window[1],
        ],
    );
    let everything = rep.truth(
        &api,
        &[
            ("dimensions", r#"["campaign_id"]"#),
            ("filtering", f_all),
            window[0],
            window[1],
        ],
    );
    assert!(!ids(&default).contains(&deleted.campaign_id));
    assert!(
        ids(&everything).contains(&deleted.campaign_id),
        "a deleted campaign still has its delivery"
    );
    let account = rep.truth(
        &api,
        &[
            ("dimensions", r#"["advertiser_id"]"#),
            ("filtering", f_default),
            window[0],
            window[1],
        ],
    );
    assert_eq!(
        sums(&default, |_| ()),
        sums(&account, |_| ()),
        "both groupings leave deleted campaigns out"
    );
}

#[test]
fn report_validation_follows_the_reference() {
    let api = Api::default();
    let adv = api.adv(1);
    let store = available_store(&api, &adv);
    let rep = Report {
        store: store.clone(),
        adv: adv.clone(),
    };
    let other_store = available_store(&api, &api.adv(0));
    let campaign_day = ("dimensions", r#"["campaign_id", "stat_time_day"]"#);
    let product = ("filtering", r#"{"gmv_max_promotion_types": ["PRODUCT"]}"#);
    let two_stores = format!("[\"{store}\", \"{other_store}\"]");
    let foreign = format!("[\"{other_store}\"]");
    assert_eq!(
        rep.err(&api, &[campaign_day, product, ("store_ids", &two_stores)]),
        40002,
        "exactly one store"
    );
    assert_eq!(
        rep.err(&api, &[campaign_day, product, ("store_ids", "[]")]),
        40002
    );
    assert_eq!(
        rep.err(&api, &[campaign_day, product, ("store_ids", &foreign)]),
        40001,
        "another advertiser's store"
    );
    assert_eq!(
        rep.err(&api, &[campaign_day]),
        40002,
        "campaign grouping needs a promotion type"
    );
    assert_eq!(
        rep.err(
            &api,
            &[
                campaign_day,
                (
                    "filtering",
                    r#"{"gmv_max_promotion_types": ["PRODUCT_GMV_MAX"]}"#
                )
            ]
        ),
        40002
    );
    assert_eq!(
        rep.err(
            &api,
            &[
                (
                    "dimensions",
                    r#"["advertiser_id", "campaign_id", "stat_time_day", "stat_time_hour"]"#
                ),
                product
            ]
        ),
        40002,
        "at most 3 dimensions"
    );
    assert_eq!(
        rep.err(
            &api,
            &[("dimensions", r#"["campaign_id", "item_id"]"#), product]
        ),
        40002,
        "grouping not modelled"
    );
    assert_eq!(
        rep.err(&api, &[campaign_day, product, ("start_date", "2026-10-20")]),
        40002,
        "31 days with stat_time_day"
    );
    assert_eq!(
        rep.err(
            &api,
            &[
                ("dimensions", r#"["advertiser_id", "stat_time_hour"]"#),
                ("start_date", "2026-11-19")
            ]
        ),
        40002,
        "2 days hourly"
    );
    assert_eq!(
        rep.err(
            &api,
            &[
                ("dimensions", r#"["advertiser_id"]"#),
                ("start_date", "2025-11-20")
            ]
        ),
        40002,
        "366 days"
    );
    assert!(
        !rep.truth(
            &api,
            &[
                ("dimensions", r#"["advertiser_id"]"#),
                ("start_date", "2025-11-21")
            ]
        )
        .is_empty(),
        "365 days"
    );
    assert_eq!(
        rep.err(
            &api,
            &[campaign_day, product, ("metrics", r#"["cost", "spend"]"#)]
        ),
        40002
    );
    assert_eq!(
        rep.err(&api, &[campaign_day, product, ("metrics", "[]")]),
        40002
    );
    assert_eq!(
        rep.err(&api, &[campaign_day, product, ("page_size", "1001")]),
        40002
    );
    assert_eq!(
        rep.err(
            &api,
            &[
                campaign_day,
                (
                    "filtering",
                    r#"{"gmv_max_promotion_types": ["PRODUCT"], "campaign_statuses": ["GONE"]}"#
                )
            ]
        ),
        40002
    );
    // Attribute metrics only where a row is one campaign.
    let rows = rep.truth(
        &api,
        &[
            ("dimensions", r#"["advertiser_id"]"#),
            ("metrics", r#"["cost", "campaign_name", "currency"]"#),
        ],
    );
    assert_eq!(rows[0].metrics["campaign_name"], "-");
    assert_eq!(
        rows[0].metrics["currency"],
        api.emu.world().advertiser(&adv).unwrap().currency
    );
    let rows = rep.truth(
        &api,
        &[
            campaign_day,
            product,
            ("metrics", r#"["cost", "campaign_name", "bid_type"]"#),
        ],
    );
    assert!(rows
        .iter()
        .all(|r| r.metrics["campaign_name"].starts_with("Product GMV Max")));
    // sort_field orders by a metric.
    let sorted = rep.truth(
        &api,
        &[
            campaign_day,
            product,
            ("sort_field", "cost"),
            ("sort_type", "ASC"),
        ],
    );
    let costs: Vec<i64> = sorted.iter().map(|r| units(&r.metrics["cost"])).collect();
    assert!(costs.windows(2).all(|w| w[0] <= w[1]) && costs.len() > 3);
}

#[test]
fn recent_net_cost_and_orders_grow_with_the_clock_then_settle() {
    let api = Api::default();
    let adv = api.adv(0);
    let rep = Report {
        store: available_store(&api, &adv),
        adv,
    };
    let q = [
        ("dimensions", r#"["campaign_id", "stat_time_day"]"#),
        ("filtering", r#"{"gmv_max_promotion_types": ["PRODUCT"]}"#),
        ("start_date", "2026-11-15"),
        ("end_date", "2026-11-19"),
    ];
    let key = |r: &ReportRow| (r.dimensions["campaign_id"].clone(), day(r));
    let read = |api: &Api| -> BTreeMap<(String, String), ReportRow> {
        rep.truth(api, &q)
            .into_iter()
            .map(|r| (key(&r), r))
            .collect()
    };
    let before = read(&api);
    api.emu.advance(Duration::hours(24));
    let after = read(&api);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let mut grew = 0;
    for (k, b) in &before {
        let a = &after[k];
        assert_eq!(
            a.metrics["cost"], b.metrics["cost"],
            "cost is final at once"
        );
        for m in ["net_cost", "orders", "gross_revenue"] {
            assert!(
                units(&a.metrics[m]) >= units(&b.metrics[m]),
                "{m} never shrinks"
            );
            if units(&a.metrics[m]) > units(&b.metrics[m]) {
                grew += 1;
            }
        }
    }
    assert!(grew > 0, "recent days changed");
    // Past the settle window (48 h by default) nothing moves any more.
    api.emu.advance(Duration::hours(48));
    let settled = read(&api);
    api.emu.advance(Duration::hours(24));
    assert_eq!(read(&api), settled);
    let first_day: Vec<&ReportRow> = settled
        .values()
        .filter(|r| day(r) == "2026-11-15")
        .collect();
    assert!(first_day
        .iter()
        .all(|r| units(&r.metrics["net_cost"]) <= units(&r.metrics["cost"])));
}

#[test]
fn the_report_has_its_own_rate_limit() {
    let api = Api::new(EmulatorConfig {
        extended: ExtendedConfig {
            gmv_max_report_qpm: 2,
            ..ExtendedConfig::default()
        },
        ..EmulatorConfig::default()
    });
    let adv = api.adv(0);
    let store = format!("[\"{}\"]", available_store(&api, &adv));
    let p = [
        ("advertiser_id", adv.as_str()),
        ("store_ids", store.as_str()),
        ("dimensions", r#"["advertiser_id"]"#),
        ("metrics", r#"["cost"]"#),
        ("start_date", "2026-11-01"),
        ("end_date", "2026-11-10"),
    ];
    api.ok("gmv_max/report/get/", &p);
    api.ok("gmv_max/report/get/", &p);
    let (code, msg) = api.err("gmv_max/report/get/", &p);
    assert_eq!(code, 40100);
    assert!(msg.contains("QPM limit 2"), "{msg}");
    // The app's other endpoints are not held back.
    api.ok("gmv_max/store/list/", &[("advertiser_id", &adv)]);
}
