//! Buying types over HTTP: Reach & Frequency, Pulse and TopView campaigns with their ad groups
//! and ads, the `filtering.buying_types` default and its rules (more-endpoints reference §2).

use std::collections::BTreeSet;

use serde_json::Value;
use tiktok_emulator::buying::Buying;
use tiktok_emulator::{EmulatorConfig, World};

use crate::common::{ids, Api};

fn list(api: &Api, endpoint: &str, adv: &str, filtering: &str, page_size: &str) -> Vec<Value> {
    api.ok(
        endpoint,
        &[
            ("advertiser_id", adv),
            ("page_size", page_size),
            ("filtering", filtering),
        ],
    )["list"]
        .as_array()
        .expect("list")
        .clone()
}

fn id_set(items: &[Value], key: &str) -> BTreeSet<String> {
    ids(&Value::Array(items.to_vec()), key)
        .into_iter()
        .collect()
}

/// Live campaign ids of the advertiser whose buying is one of `kinds`.
fn campaigns_of(world: &World, adv: &str, kinds: &[Buying]) -> BTreeSet<String> {
    world
        .campaigns
        .iter()
        .filter(|c| c.advertiser_id == adv && c.deleted_at.is_none() && kinds.contains(&c.buying))
        .map(|c| c.campaign_id.clone())
        .collect()
}

const TOP_VIEW: &str = r#"{"buying_types": ["RESERVATION_TOP_VIEW"]}"#;

#[test]
fn every_advertiser_has_each_reservation_kind_and_top_view_needs_asking() {
    let api = Api::default();
    let world = api.emu.world();
    for adv in world.advertisers.iter().map(|a| a.advertiser_id.as_str()) {
        for kind in [Buying::ReachFrequency, Buying::Pulse, Buying::TopView] {
            assert_eq!(
                campaigns_of(&world, adv, &[kind]).len(),
                1,
                "{adv} {kind:?}"
            );
        }
        let default = list(&api, "campaign/get/", adv, "{}", "1000");
        let want = campaigns_of(
            &world,
            adv,
            &[Buying::Auction, Buying::ReachFrequency, Buying::Pulse],
        );
        assert_eq!(
            id_set(&default, "campaign_id"),
            want,
            "default: AUCTION + RF"
        );
        let both = r#"{"buying_types": ["AUCTION", "RESERVATION_RF"]}"#;
        assert_eq!(
            id_set(
                &list(&api, "campaign/get/", adv, both, "1000"),
                "campaign_id"
            ),
            want
        );
        let rf = list(
            &api,
            "campaign/get/",
            adv,
            r#"{"buying_types": ["RESERVATION_RF"]}"#,
            "1000",
        );
        assert_eq!(
            id_set(&rf, "campaign_id"),
            campaigns_of(&world, adv, &[Buying::ReachFrequency, Buying::Pulse])
        );
        let kinds: BTreeSet<&str> = rf
            .iter()
            .map(|c| c["rf_campaign_type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, BTreeSet::from(["PULSE", "STANDARD"]));
        assert!(rf.iter().all(|c| c["objective_type"] == "RF_REACH"));
        let top = list(&api, "campaign/get/", adv, TOP_VIEW, "1000");
        assert_eq!(
            id_set(&top, "campaign_id"),
            campaigns_of(&world, adv, &[Buying::TopView])
        );
        assert_eq!(top[0]["rf_campaign_type"], "TOPVIEW");
        assert_eq!(top[0]["objective_type"], "RF_REACH");
        let auction = list(
            &api,
            "campaign/get/",
            adv,
            r#"{"buying_types": ["AUCTION"]}"#,
            "1000",
        );
        assert!(auction
            .iter()
            .all(|c| c["objective_type"] != "RF_REACH" && c["rf_campaign_type"] == "STANDARD"));
    }
}

#[test]
fn ad_groups_and_ads_inherit_the_buying_type_and_show_reservation_settings() {
    let api = Api::default();
    let world = api.emu.world();
    let adv = api.adv(0);
    let top_campaigns = campaigns_of(&world, &adv, &[Buying::TopView]);
    let rf_campaigns = campaigns_of(&world, &adv, &[Buying::ReachFrequency, Buying::Pulse]);
    let in_campaigns = |items: &[Value], set: &BTreeSet<String>| {
        items
            .iter()
            .all(|x| set.contains(x["campaign_id"].as_str().unwrap()))
    };
    const RF_FIELDS: [&str; 5] = [
        "rf_purchased_type",
        "purchased_impression",
        "purchased_reach",
        "rf_estimated_cpr",
        "rf_estimated_frequency",
    ];

    let top_groups = list(&api, "adgroup/get/", &adv, TOP_VIEW, "100");
    assert!(!top_groups.is_empty());
    assert!(in_campaigns(&top_groups, &top_campaigns));
    for g in &top_groups {
        let range = g["topview_reach_range"].as_array().expect("reach range");
        assert_eq!(range.len(), 2, "{g}");
        let (low, high) = (range[0].as_u64().unwrap(), range[1].as_u64().unwrap());
        assert!(0 < low && low <= high, "{g}");
        assert!(RF_FIELDS.iter().all(|f| g[*f].is_null()), "{g}");
    }
    let top_ads = list(&api, "ad/get/", &adv, TOP_VIEW, "1000");
    assert!(!top_ads.is_empty() && in_campaigns(&top_ads, &top_campaigns));

    let default_groups = list(&api, "adgroup/get/", &adv, "{}", "1000");
    assert!(default_groups
        .iter()
        .all(|g| !top_campaigns.contains(g["campaign_id"].as_str().unwrap())));
    let mut rf_seen = 0;
    for g in &default_groups {
        assert!(g["topview_reach_range"].is_null(), "{g}");
        let keys = g.as_object().unwrap();
        assert!(RF_FIELDS.iter().all(|f| keys.contains_key(*f)), "{g}");
        if rf_campaigns.contains(g["campaign_id"].as_str().unwrap()) {
            rf_seen += 1;
            let kind = g["rf_purchased_type"].as_str().unwrap();
            assert!(
                ["FIXED_SHOW", "FIXED_REACH", "FIXED_BUDGET"].contains(&kind),
                "{g}"
            );
            assert!(g["purchased_impression"].as_u64().unwrap() > 0, "{g}");
            assert!(g["purchased_reach"].as_u64().unwrap() > 0, "{g}");
            assert!(g["rf_estimated_cpr"].as_f64().unwrap() > 0.0, "{g}");
            assert!(g["rf_estimated_frequency"].as_f64().unwrap() >= 1.0, "{g}");
        } else {
            assert!(RF_FIELDS.iter().all(|f| g[*f].is_null()), "{g}");
        }
    }
    assert!(
        rf_seen > 0,
        "the default includes Reach & Frequency ad groups"
    );
    let default_ads = list(&api, "ad/get/", &adv, "{}", "1000");
    assert!(default_ads
        .iter()
        .all(|a| !top_campaigns.contains(a["campaign_id"].as_str().unwrap())));
    assert!(default_ads
        .iter()
        .any(|a| rf_campaigns.contains(a["campaign_id"].as_str().unwrap())));
}

#[test]
fn deleted_top_view_entities_show_only_when_asked_for() {
    let api = Api::default();
    let world = api.emu.world();
    let adv = api.adv(0);
    let top = campaigns_of(&world, &adv, &[Buying::TopView]);
    let deleted: BTreeSet<String> = world
        .ads
        .iter()
        .filter(|a| top.contains(&a.campaign_id) && world.ad_effective_deleted_at(a).is_some())
        .map(|a| a.ad_id.clone())
        .collect();
    assert!(!deleted.is_empty(), "the TopView campaign has a deleted ad");
    let live = id_set(&list(&api, "ad/get/", &adv, TOP_VIEW, "1000"), "ad_id");
    assert!(live.is_disjoint(&deleted));
    let all = r#"{"buying_types": ["RESERVATION_TOP_VIEW"], "primary_status": "STATUS_ALL"}"#;
    let everything = id_set(&list(&api, "ad/get/", &adv, all, "1000"), "ad_id");
    assert!(deleted.is_subset(&everything));
    assert_eq!(everything.len(), live.len() + deleted.len());
}

#[test]
fn buying_type_rules_answer_40002() {
    let api = Api::default();
    let adv = api.adv(0);
    let err = |endpoint: &str, extra: &[(&str, &str)]| {
        let mut p = vec![("advertiser_id", adv.as_str())];
        p.extend_from_slice(extra);
        api.err(endpoint, &p)
    };
    for endpoint in ["campaign/get/", "adgroup/get/", "ad/get/"] {
        for f in [
            r#"{"buying_types": ["RESERVATION_TOP_VIEW", "AUCTION"]}"#,
            r#"{"buying_types": ["RESERVATION_RF", "RESERVATION_TOP_VIEW"]}"#,
            r#"{"buying_types": ["RESERVATION"]}"#,
            r#"{"buying_types": []}"#,
            r#"{"buying_types": "AUCTION"}"#,
            r#"{"objective_type": "TOPVIEW_REACH"}"#,
        ] {
            let (code, msg) = err(endpoint, &[("filtering", f)]);
            assert_eq!(code, 40002, "{endpoint} {f}: {msg}");
        }
    }
    let (code, msg) = err(
        "campaign/get/",
        &[(
            "filtering",
            r#"{"buying_types": ["RESERVATION_TOP_VIEW", "AUCTION"]}"#,
        )],
    );
    assert_eq!(code, 40002);
    assert!(msg.contains("RESERVATION_TOP_VIEW"), "{msg}");
    // adgroup/get takes at most 100 per page with TopView, 1000 otherwise.
    let (code, msg) = err(
        "adgroup/get/",
        &[("filtering", TOP_VIEW), ("page_size", "101")],
    );
    assert_eq!(code, 40002, "{msg}");
    assert!(msg.contains("100"), "{msg}");
    list(&api, "adgroup/get/", &adv, TOP_VIEW, "100");
    list(&api, "adgroup/get/", &adv, "{}", "1000");
    // The other endpoints keep 1000 with TopView.
    list(&api, "campaign/get/", &adv, TOP_VIEW, "1000");
    list(&api, "ad/get/", &adv, TOP_VIEW, "1000");
}

#[test]
fn no_reservations_when_the_knob_is_zero() {
    let api = Api::new(EmulatorConfig {
        reservation_campaigns_per_advertiser: 0,
        ..EmulatorConfig::default()
    });
    let world = api.emu.world();
    assert!(world.campaigns.iter().all(|c| c.buying == Buying::Auction));
    assert!(list(&api, "campaign/get/", &api.adv(0), TOP_VIEW, "1000").is_empty());
}

#[test]
fn the_report_knob_refuses_top_view_combined_with_other_buying_types() {
    let report = |api: &Api, types: &str| {
        let filter = format!(
            r#"[{{"field_name": "buying_type", "filter_type": "IN", "filter_value": "{}"}}]"#,
            types.replace('"', "\\\"")
        );
        api.call(
            "report/integrated/get/",
            &[
                ("advertiser_id", api.adv(0).as_str()),
                ("report_type", "BASIC"),
                ("data_level", "AUCTION_CAMPAIGN"),
                ("dimensions", r#"["campaign_id"]"#),
                ("metrics", r#"["spend"]"#),
                ("query_lifetime", "true"),
                ("filtering", &filter),
            ],
        )
    };
    let all = r#"["AUCTION", "RESERVATION_RF", "RESERVATION_TOP_VIEW"]"#;
    let alone = r#"["RESERVATION_TOP_VIEW"]"#;
    // Off (the default): any set is accepted.
    let api = Api::default();
    assert_eq!(report(&api, all)["code"], 0, "{}", report(&api, all));
    // On: TopView only alone, with TikTok's parameter error naming the filter otherwise.
    let api = Api::new(EmulatorConfig {
        report_top_view_alone: true,
        ..EmulatorConfig::default()
    });
    let refused = report(&api, all);
    assert_eq!(refused["code"], 40002, "{refused}");
    assert!(
        refused["message"].as_str().unwrap().contains("buying_type"),
        "{refused}"
    );
    assert_eq!(report(&api, alone)["code"], 0);
    assert_eq!(report(&api, r#"["AUCTION", "RESERVATION_RF"]"#)["code"], 0);
}
