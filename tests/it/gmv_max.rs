//! GMV Max (issue 12): campaigns per promotion type and daily campaign reports per store,
//! against the emulator's objects and `gmv_max_report_truth`, first and incremental runs.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tiktok_emulator::gmv_max::Promotion;
use tiktok_emulator::EmulatorConfig;

use crate::reports::local_today;
use crate::support::*;

const METRICS: &[&str] = &[
    "cost",
    "net_cost",
    "orders",
    "cost_per_order",
    "gross_revenue",
    "roi",
    "product_impressions",
    "product_clicks",
    "product_click_rate",
    "ad_click_rate",
    "ad_conversion_rate",
];
const LIVE_METRICS: &[&str] = &[
    "live_views",
    "cost_per_live_view",
    "10_second_live_views",
    "cost_per_10_second_live_view",
    "live_follows",
];

/// (account, store, campaign, day) → (promotion type, metric texts).
type Rows = BTreeMap<(String, String, String, String), (String, BTreeMap<String, String>)>;

/// The metric text as the record's JSON number must show it (integers may drop ".00").
fn same(record: &Value, text: &str) -> bool {
    match record {
        Value::Null => text == "-",
        Value::Number(n) => {
            let got = n.to_string();
            got == text || text.strip_suffix(".00") == Some(got.as_str())
        }
        _ => false,
    }
}

/// Every campaign row of the account's available stores over its report days, by (store,
/// campaign, day), with the promotion type and metrics the stream should carry.
fn truth(env: &Env, start: &str) -> Rows {
    let world = env.emu.world();
    let mut out = BTreeMap::new();
    for store in world
        .gmv_max
        .stores
        .iter()
        .filter(|s| s.is_gmv_max_available)
    {
        let end = local_today(env, &store.advertiser_id).to_string();
        for (promotion, live) in [("PRODUCT", false), ("LIVE", true)] {
            let mut metrics: Vec<&str> = METRICS.to_vec();
            if live {
                metrics.extend(LIVE_METRICS);
            }
            let stores = json!([store.store_id]).to_string();
            let filtering = json!({"gmv_max_promotion_types": [promotion]}).to_string();
            let metrics = json!(metrics).to_string();
            let rows = env
                .emu
                .gmv_max_report_truth(&[
                    ("advertiser_id", &store.advertiser_id),
                    ("store_ids", &stores),
                    ("dimensions", r#"["campaign_id","stat_time_day"]"#),
                    ("metrics", &metrics),
                    ("start_date", start),
                    ("end_date", &end),
                    ("filtering", &filtering),
                ])
                .unwrap();
            for r in rows {
                out.insert(
                    (
                        store.advertiser_id.clone(),
                        store.store_id.clone(),
                        r.dimensions["campaign_id"].clone(),
                        r.dimensions["stat_time_day"][..10].to_string(),
                    ),
                    (promotion.to_string(), r.metrics),
                );
            }
        }
    }
    out
}

fn assert_reports_match(run: &Run, want: &Rows) {
    let mut got = BTreeMap::new();
    for r in run.records("gmv_max_reports_daily") {
        let key = (
            r["advertiser_id"].as_str().unwrap().to_string(),
            r["store_id"].as_str().unwrap().to_string(),
            r["campaign_id"].as_str().unwrap().to_string(),
            r["stat_time_day"].as_str().unwrap().to_string(),
        );
        assert!(got.insert(key.clone(), r).is_none(), "{key:?} twice");
    }
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (key, (promotion, metrics)) in want {
        let r = got[key];
        assert_eq!(r["gmv_max_promotion_type"], promotion.as_str(), "{key:?}");
        for m in METRICS.iter().chain(LIVE_METRICS) {
            match metrics.get(*m) {
                Some(text) => assert!(same(&r[*m], text), "{key:?} {m}: {} vs {text}", r[*m]),
                // Product rows do not ask for the LIVE metrics.
                None => assert!(r[*m].is_null(), "{key:?} {m}"),
            }
        }
    }
}

#[test]
fn gmv_max_campaigns_and_daily_reports_equal_the_truth_first_and_incrementally() {
    let env = Env::new();
    let config = env.config(json!({}));
    let start = config["start_date"].as_str().unwrap().to_string();
    let catalog = env.catalog(
        &config,
        &["gmv_max_campaigns", "gmv_max_reports_daily"],
        true,
    );
    let first = env.read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{}", first.stdout);
    validate_records(&catalog, &first);

    // Campaigns: the live ones, each tagged with its promotion type.
    let world = env.emu.world();
    let want: BTreeMap<String, &str> = world
        .gmv_max
        .campaigns
        .iter()
        .filter(|c| c.deleted_at.is_none())
        .map(|c| {
            let kind = match c.promotion {
                Promotion::Product => "PRODUCT_GMV_MAX",
                Promotion::Live => "LIVE_GMV_MAX",
            };
            (c.campaign_id.clone(), kind)
        })
        .collect();
    let got: BTreeMap<String, &str> = first
        .records("gmv_max_campaigns")
        .iter()
        .map(|r| {
            (
                r["campaign_id"].as_str().unwrap().to_string(),
                r["gmv_max_promotion_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got.len(),
        first.records("gmv_max_campaigns").len(),
        "no campaign twice"
    );
    assert_eq!(got, want);
    assert!(world
        .gmv_max
        .campaigns
        .iter()
        .any(|c| c.deleted_at.is_some()));

    // Reports: every row of every available store, and only those stores were asked.
    let rows = truth(&env, &start);
    assert!(rows.values().any(|(p, _)| p == "LIVE") && rows.values().any(|(p, _)| p == "PRODUCT"));
    assert_reports_match(&first, &rows);
    for r in env.emu.requests() {
        if r.path.ends_with("gmv_max/report/get/") {
            let store: Vec<String> = serde_json::from_str(&r.params["store_ids"]).unwrap();
            assert_eq!(store.len(), 1);
            assert!(world.gmv_max.store(&store[0]).unwrap().is_gmv_max_available);
        }
    }

    // Two days later: the newest days settle and new days appear; the lookback reads them again.
    env.emu.advance(chrono::Duration::days(2));
    let second = env.read(&config, &catalog, Some(&first.final_state()));
    assert_eq!(second.code, 0, "{}", second.stdout);
    assert!(
        second.records("gmv_max_campaigns").is_empty(),
        "no campaign changed"
    );
    let lookback_start = first
        .final_state()
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stream"]["stream_descriptor"]["name"] == "gmv_max_reports_daily")
        .map(|s| s["stream"]["stream_state"]["accounts"].clone())
        .unwrap();
    let rows = truth(&env, &start);
    // Exactly the rows from each account's cursor minus the 7-day attribution window.
    let since: BTreeMap<String, String> = lookback_start
        .as_object()
        .unwrap()
        .iter()
        .map(|(acct, c)| {
            let day: chrono::NaiveDate = c["last_day"].as_str().unwrap().parse().unwrap();
            (acct.clone(), (day - chrono::Duration::days(7)).to_string())
        })
        .collect();
    let want: BTreeMap<_, _> = rows
        .into_iter()
        .filter(|((acct, _, _, day), _)| day >= &since[acct])
        .collect();
    assert!(!want.is_empty());
    assert_reports_match(&second, &want);
}

#[test]
fn gmv_max_with_deleted_campaigns_reads_them_in_a_pass_of_their_own() {
    let env = Env::with(EmulatorConfig::default());
    let config = env.config(json!({"include_deleted": true}));
    let catalog = env.catalog(&config, &["gmv_max_campaigns"], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let mut got: Vec<String> = run
        .records("gmv_max_campaigns")
        .iter()
        .map(|r| r["campaign_id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want: Vec<String> = env
        .emu
        .world()
        .gmv_max
        .campaigns
        .iter()
        .map(|c| c.campaign_id.clone())
        .collect();
    want.sort();
    assert_eq!(got, want);
    let deleted = run
        .records("gmv_max_campaigns")
        .into_iter()
        .filter(|r| r["secondary_status"] == "CAMPAIGN_STATUS_DELETE")
        .count();
    assert!(deleted > 0);
}
