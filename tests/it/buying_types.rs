//! Every buying type (issue 11): campaigns, ad groups and ads of auction, Reach & Frequency,
//! Pulse and TopView campaigns, each tagged with its `buying_type`; report rows of TopView
//! campaigns below the advertiser level; and the fallback when TikTok refuses the combined
//! report filter.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde_json::{json, Value};
use tiktok_emulator::buying::{adgroup_fields, Buying};
use tiktok_emulator::EmulatorConfig;

use crate::reports::{assert_every_account_matches_truth, stream_of};
use crate::support::*;

const ENTITIES: &[&str] = &["campaigns", "ad_groups", "ads"];

fn buying_name(b: Buying) -> &'static str {
    b.buying_type().name()
}

/// The (id, buying type) of every entity the emulator returns, deleted ones when asked.
fn truth_entities(
    env: &Env,
    include_deleted: bool,
) -> BTreeMap<&'static str, Vec<(String, String)>> {
    let w = env.emu.world();
    let buying_of = |campaign_id: &str| {
        buying_name(
            w.campaign(campaign_id)
                .map_or(Buying::Auction, |c| c.buying),
        )
        .to_string()
    };
    let sorted = |mut v: Vec<(String, String)>| {
        v.sort();
        v
    };
    BTreeMap::from([
        (
            "campaigns",
            sorted(
                w.campaigns
                    .iter()
                    .filter(|c| include_deleted || c.deleted_at.is_none())
                    .map(|c| (c.campaign_id.clone(), buying_name(c.buying).to_string()))
                    .collect(),
            ),
        ),
        (
            "ad_groups",
            sorted(
                w.adgroups
                    .iter()
                    .filter(|g| include_deleted || w.adgroup_effective_deleted_at(g).is_none())
                    .map(|g| (g.adgroup_id.clone(), buying_of(&g.campaign_id)))
                    .collect(),
            ),
        ),
        (
            "ads",
            sorted(
                w.ads
                    .iter()
                    .filter(|a| include_deleted || w.ad_effective_deleted_at(a).is_none())
                    .map(|a| (a.ad_id.clone(), buying_of(&a.campaign_id)))
                    .collect(),
            ),
        ),
    ])
}

/// The records' (id, buying type), as a sorted multiset: a record read twice shows twice.
fn read_entities(run: &Run, stream: &str) -> Vec<(String, String)> {
    let key = match stream {
        "campaigns" => "campaign_id",
        "ad_groups" => "adgroup_id",
        _ => "ad_id",
    };
    let mut v: Vec<(String, String)> = run
        .records(stream)
        .iter()
        .map(|r| {
            (
                r[key].as_str().unwrap().to_string(),
                r["buying_type"].as_str().unwrap_or("(none)").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn entities_of_every_buying_type_are_read_once_with_their_buying_type() {
    let env = Env::new();
    let world = env.emu.world();
    let top_view: Vec<&str> = world
        .campaigns
        .iter()
        .filter(|c| c.buying == Buying::TopView)
        .map(|c| c.campaign_id.as_str())
        .collect();
    assert!(!top_view.is_empty(), "the emulator has TopView campaigns");
    for include_deleted in [false, true] {
        env.emu.clear_requests();
        let config = env.config(json!({"include_deleted": include_deleted}));
        let catalog = env.catalog(&config, ENTITIES, false);
        let run = env.read(&config, &catalog, None);
        assert_eq!(run.code, 0, "{}", run.stdout);
        validate_records(&catalog, &run);
        let want = truth_entities(&env, include_deleted);
        for stream in ENTITIES {
            assert_eq!(
                read_entities(&run, stream),
                want[stream],
                "{stream}, include_deleted={include_deleted}"
            );
        }
        for kind in ["AUCTION", "RESERVATION_RF", "RESERVATION_TOP_VIEW"] {
            assert!(
                want["ads"].iter().any(|(_, b)| b == kind),
                "the truth has {kind} ads"
            );
        }
        // Reservation settings come through as TikTok sends them.
        for r in run.records("ad_groups") {
            let id = r["adgroup_id"].as_str().unwrap();
            let g = world.adgroups.iter().find(|g| g.adgroup_id == id).unwrap();
            let fields = adgroup_fields(g, world.campaign(&g.campaign_id));
            for (k, v) in &fields {
                assert_eq!(&r[k], v, "ad group {id}: {k}");
            }
        }
        // The request log: each account's lists were asked once per buying type, each alone.
        let requests = env.emu.requests();
        for adv in &world.advertisers {
            for path in ["campaign/get/", "adgroup/get/", "ad/get/"] {
                let mut asked = BTreeSet::new();
                for r in requests.iter().filter(|r| {
                    r.path.ends_with(&format!("/{path}"))
                        && r.params.get("advertiser_id") == Some(&adv.advertiser_id)
                }) {
                    let filtering: Value =
                        serde_json::from_str(&r.params["filtering"]).expect("a filtering");
                    let types = filtering["buying_types"].as_array().expect("buying_types");
                    assert_eq!(types.len(), 1, "{path}: {filtering}");
                    assert_eq!(
                        filtering.get("secondary_status").is_some(),
                        include_deleted,
                        "{path}: {filtering}"
                    );
                    let t = types[0].as_str().unwrap().to_string();
                    let page_size: u32 = r.params["page_size"].parse().unwrap();
                    if path == "adgroup/get/" && t == "RESERVATION_TOP_VIEW" {
                        assert!(page_size <= 100, "TopView ad groups: {page_size} a page");
                    }
                    asked.insert(t);
                }
                assert_eq!(
                    asked,
                    BTreeSet::from([
                        "AUCTION".to_string(),
                        "RESERVATION_RF".to_string(),
                        "RESERVATION_TOP_VIEW".to_string()
                    ]),
                    "{path} for {}",
                    adv.advertiser_id
                );
            }
        }
    }
    // A deleted TopView ad shows only with include_deleted.
    let deleted_top_view_ad = world
        .ads
        .iter()
        .find(|a| {
            top_view.contains(&a.campaign_id.as_str()) && world.ad_effective_deleted_at(a).is_some()
        })
        .expect("the emulator deletes an ad of each TopView campaign");
    assert!(truth_entities(&env, true)["ads"]
        .iter()
        .any(|(id, _)| *id == deleted_top_view_ad.ad_id));
    assert!(!truth_entities(&env, false)["ads"]
        .iter()
        .any(|(id, _)| *id == deleted_top_view_ad.ad_id));
}

#[test]
fn incremental_reads_changed_reservation_entities_once_across_passes() {
    let env = Env::new();
    let config = env.config(json!({"include_deleted": true}));
    let catalog = env.catalog(&config, ENTITIES, true);
    let first = env.read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{}", first.stdout);
    env.emu.advance(chrono::Duration::hours(1));
    // TikTok's TopView is read-only in its API: the change comes from TikTok's side.
    let (top_view_campaign, rf_ad) = env.emu.mutate(|w, now| {
        let c = w
            .campaigns
            .iter_mut()
            .find(|c| c.buying == Buying::TopView && c.deleted_at.is_none())
            .expect("a live TopView campaign");
        c.campaign_name.push_str(" (extended)");
        c.modify_time = now;
        let campaign = c.campaign_id.clone();
        let rf: Vec<String> = w
            .campaigns
            .iter()
            .filter(|c| c.buying == Buying::ReachFrequency)
            .map(|c| c.campaign_id.clone())
            .collect();
        let ad = w
            .ads
            .iter_mut()
            .find(|a| rf.contains(&a.campaign_id) && a.deleted_at.is_none())
            .expect("a live Reach & Frequency ad");
        ad.deleted_at = Some(now);
        ad.modify_time = Some(now);
        (campaign, ad.ad_id.clone())
    });
    let second = env.read(&config, &catalog, Some(&first.final_state()));
    assert_eq!(second.code, 0, "{}", second.stdout);
    assert_eq!(
        read_entities(&second, "campaigns"),
        [(top_view_campaign, "RESERVATION_TOP_VIEW".to_string())]
    );
    assert_eq!(
        read_entities(&second, "ads"),
        [(rf_ad, "RESERVATION_RF".to_string())]
    );
    assert!(second.records("ad_groups").is_empty());
    // The cursor spans the passes: nothing is read again.
    let third = env.read(&config, &catalog, Some(&second.final_state()));
    assert_eq!(third.code, 0);
    assert!(third.all_records().is_empty(), "{}", third.stdout);
}

const REPORT_STREAMS: &[&str] = &[
    "campaigns_reports_daily",
    "ad_groups_reports_lifetime",
    "ads_reports_hourly",
    "campaigns_audience_reports_by_country_daily",
    "advertisers_reports_daily",
];

/// Every report of `REPORT_STREAMS` equals the truth over every buying type, and TopView
/// campaigns have rows in it.
fn assert_reports_cover_every_buying_type(env: &Env, run: &Run, catalog: &Value, start: NaiveDate) {
    let world = env.emu.world();
    for name in REPORT_STREAMS {
        let stream = stream_of(catalog, name);
        assert_every_account_matches_truth(run, env, env, stream, start);
    }
    let top_view: BTreeSet<&str> = world
        .campaigns
        .iter()
        .filter(|c| c.buying == Buying::TopView)
        .map(|c| c.campaign_id.as_str())
        .collect();
    let reported: BTreeSet<&str> = run
        .records("campaigns_reports_daily")
        .iter()
        .map(|r| r["campaign_id"].as_str().unwrap())
        .collect();
    assert!(
        top_view.iter().any(|c| reported.contains(c)),
        "TopView campaigns have report rows"
    );
}

#[test]
fn reports_below_the_advertiser_level_include_top_view_rows() {
    let env = Env::new();
    let config = env.config(json!({"start_date": (env.emu.now() - chrono::Duration::days(5)).format("%Y-%m-%d").to_string()}));
    let catalog = env.catalog(&config, REPORT_STREAMS, false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let start: NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    assert_reports_cover_every_buying_type(&env, &run, &catalog, start);
    // One request per window, asking for every buying type below the advertiser level.
    for r in env
        .emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("report/integrated/get/"))
    {
        let filtering: Vec<Value> = r
            .params
            .get("filtering")
            .map(|f| serde_json::from_str(f).unwrap())
            .unwrap_or_default();
        let buying: Vec<&Value> = filtering
            .iter()
            .filter(|f| f["field_name"] == "buying_type")
            .collect();
        if r.params["data_level"] == "AUCTION_ADVERTISER" {
            assert!(buying.is_empty(), "{:?}", r.params);
        } else {
            assert_eq!(buying.len(), 1, "{:?}", r.params);
            assert_eq!(buying[0]["filter_type"], "IN");
            let values: Vec<String> =
                serde_json::from_str(buying[0]["filter_value"].as_str().unwrap()).unwrap();
            assert_eq!(
                values,
                ["AUCTION", "RESERVATION_RF", "RESERVATION_TOP_VIEW"]
            );
        }
    }
}

#[test]
fn a_refused_combined_filter_falls_back_to_two_requests_with_one_warning() {
    let env = Env::with(EmulatorConfig {
        report_top_view_alone: true,
        ..EmulatorConfig::default()
    });
    let config = env.config(json!({"start_date": (env.emu.now() - chrono::Duration::days(5)).format("%Y-%m-%d").to_string()}));
    let catalog = env.catalog(&config, REPORT_STREAMS, false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let start: NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    // The same records as when TikTok takes the combined filter.
    assert_reports_cover_every_buying_type(&env, &run, &catalog, start);
    let warnings: Vec<&str> = run
        .of_type("LOG")
        .iter()
        .filter(|l| l["log"]["level"] == "WARN")
        .map(|l| l["log"]["message"].as_str().unwrap())
        .filter(|m| m.contains("RESERVATION_TOP_VIEW"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    // Refused requests asked for everything at once; every other one for the default or TopView.
    let mut refused = 0;
    let mut shapes = BTreeSet::new();
    for r in env
        .emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("report/integrated/get/"))
        .filter(|r| r.params["data_level"] != "AUCTION_ADVERTISER")
    {
        let filter = r.params.get("filtering").cloned().unwrap_or_default();
        if r.code == Some(40002) {
            refused += 1;
            assert!(filter.contains("AUCTION"), "{filter}");
        } else {
            assert_eq!(r.code, Some(0));
            shapes.insert(if filter.contains("RESERVATION_TOP_VIEW") {
                assert!(!filter.contains("AUCTION"), "{filter}");
                "top view"
            } else {
                assert!(!filter.contains("buying_type"), "{filter}");
                "default"
            });
        }
    }
    assert!(refused >= 1);
    assert_eq!(shapes, BTreeSet::from(["default", "top view"]));
}
