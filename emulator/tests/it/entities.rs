//! campaign/get, adgroup/get, ad/get: fields, statuses, filters and validation.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;
use tiktok_emulator::buying::Buying;
use tiktok_emulator::{EmulatorConfig, World};

use crate::common::{ids, Api};

fn parse_time(s: &str) -> DateTime<Utc> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
        .unwrap_or_else(|_| panic!("bad time {s}"))
        .and_utc()
}

fn all_of(api: &Api, endpoint: &str, adv: &str, filtering: &str) -> Vec<Value> {
    let data = api.ok(
        endpoint,
        &[
            ("advertiser_id", adv),
            ("page_size", "1000"),
            ("filtering", filtering),
        ],
    );
    data["list"].as_array().unwrap().clone()
}

/// Whether the entity's campaign is a TopView one: entity endpoints leave those out unless
/// `buying_types` asks for RESERVATION_TOP_VIEW alone.
fn top_view(world: &World, campaign_id: &str) -> bool {
    world
        .campaign(campaign_id)
        .is_some_and(|c| c.buying == Buying::TopView)
}

fn bigger() -> Api {
    Api::new(EmulatorConfig {
        campaigns_per_advertiser: 6,
        adgroups_per_campaign: 3,
        ads_per_adgroup: 3,
        ..EmulatorConfig::default()
    })
}

/// Expected secondary statuses, derived from the spec's rules over the world snapshot.
fn expected_status(world: &World) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let camp: HashMap<&str, _> = world
        .campaigns
        .iter()
        .map(|c| (c.campaign_id.as_str(), c))
        .collect();
    let grp: HashMap<&str, _> = world
        .adgroups
        .iter()
        .map(|g| (g.adgroup_id.as_str(), g))
        .collect();
    for c in &world.campaigns {
        let s = match (c.deleted_at.is_some(), c.operation_status.as_str()) {
            (true, _) => "CAMPAIGN_STATUS_DELETE",
            (false, "ENABLE") => "CAMPAIGN_STATUS_ENABLE",
            _ => "CAMPAIGN_STATUS_DISABLE",
        };
        out.insert(c.campaign_id.clone(), s.to_string());
    }
    for g in &world.adgroups {
        let c = camp[g.campaign_id.as_str()];
        let s = if g.deleted_at.is_some() {
            "ADGROUP_STATUS_DELETE"
        } else if c.deleted_at.is_some() {
            "ADGROUP_STATUS_CAMPAIGN_DELETE"
        } else if c.operation_status != "ENABLE" {
            "ADGROUP_STATUS_CAMPAIGN_DISABLE"
        } else if g.operation_status != "ENABLE" {
            "ADGROUP_STATUS_DISABLE"
        } else {
            "ADGROUP_STATUS_DELIVERY_OK"
        };
        out.insert(g.adgroup_id.clone(), s.to_string());
    }
    for a in &world.ads {
        let (g, c) = (grp[a.adgroup_id.as_str()], camp[a.campaign_id.as_str()]);
        let s = if a.deleted_at.is_some() {
            "AD_STATUS_DELETE"
        } else if g.deleted_at.is_some() {
            "AD_STATUS_ADGROUP_DELETE"
        } else if c.deleted_at.is_some() {
            "AD_STATUS_CAMPAIGN_DELETE"
        } else if c.operation_status != "ENABLE" {
            "AD_STATUS_CAMPAIGN_DISABLE"
        } else if g.operation_status != "ENABLE" {
            "AD_STATUS_ADGROUP_DISABLE"
        } else if a.operation_status != "ENABLE" {
            "AD_STATUS_DISABLE"
        } else {
            "AD_STATUS_DELIVERY_OK"
        };
        out.insert(a.ad_id.clone(), s.to_string());
    }
    out
}

#[test]
fn statuses_follow_deletion_and_deleted_entities_are_hidden_by_default() {
    let api = bigger();
    let world = api.emu.world();
    let expected = expected_status(&world);
    let mut seen_deleted = BTreeSet::new();
    for (endpoint, id_key, level) in [
        ("campaign/get/", "campaign_id", "CAMPAIGN"),
        ("adgroup/get/", "adgroup_id", "ADGROUP"),
        ("ad/get/", "ad_id", "AD"),
    ] {
        for adv in world.advertisers.iter().map(|a| a.advertiser_id.as_str()) {
            let everything = all_of(&api, endpoint, adv, "{\"primary_status\": \"STATUS_ALL\"}");
            let visible = |a: &str, c: &str| a == adv && !top_view(&world, c);
            let count = match endpoint {
                "campaign/get/" => world
                    .campaigns
                    .iter()
                    .filter(|c| visible(&c.advertiser_id, &c.campaign_id))
                    .count(),
                "adgroup/get/" => world
                    .adgroups
                    .iter()
                    .filter(|g| visible(&g.advertiser_id, &g.campaign_id))
                    .count(),
                _ => world
                    .ads
                    .iter()
                    .filter(|x| visible(&x.advertiser_id, &x.campaign_id))
                    .count(),
            };
            assert_eq!(
                everything.len(),
                count,
                "{endpoint} STATUS_ALL returns everything"
            );
            for item in &everything {
                let id = item[id_key].as_str().unwrap();
                let status = item["secondary_status"].as_str().unwrap();
                assert_eq!(status, expected[id], "{endpoint} {id}");
                if status.ends_with("_DELETE") {
                    seen_deleted.insert(status.to_string());
                }
            }
            let deleted: BTreeSet<String> = everything
                .iter()
                .filter(|i| i["secondary_status"].as_str().unwrap().ends_with("_DELETE"))
                .map(|i| i[id_key].as_str().unwrap().to_string())
                .collect();
            let default: BTreeSet<String> =
                ids(&Value::Array(all_of(&api, endpoint, adv, "{}")), id_key)
                    .into_iter()
                    .collect();
            assert!(
                default.is_disjoint(&deleted),
                "{endpoint}: deleted hidden by default"
            );
            assert_eq!(default.len() + deleted.len(), everything.len());
            for f in [
                format!("{{\"secondary_status\": \"{level}_STATUS_ALL\"}}"),
                "{\"primary_status\":\"STATUS_ALL\",\"secondary_status\":\"".to_string()
                    + level
                    + "_STATUS_ALL\"}",
            ] {
                assert_eq!(
                    all_of(&api, endpoint, adv, &f).len(),
                    everything.len(),
                    "{endpoint} {f}"
                );
            }
            for f in [
                "{\"primary_status\": \"STATUS_DELETE\"}".to_string(),
                format!("{{\"secondary_status\": \"{level}_STATUS_DELETE\"}}"),
            ] {
                let got: BTreeSet<String> =
                    ids(&Value::Array(all_of(&api, endpoint, adv, &f)), id_key)
                        .into_iter()
                        .collect();
                assert_eq!(got, deleted, "{endpoint} {f}");
            }
            let not_deleted = all_of(
                &api,
                endpoint,
                adv,
                "{\"primary_status\": \"STATUS_NOT_DELETE\"}",
            );
            assert_eq!(not_deleted.len(), default.len());
        }
    }
    for s in [
        "CAMPAIGN_STATUS_DELETE",
        "ADGROUP_STATUS_DELETE",
        "ADGROUP_STATUS_CAMPAIGN_DELETE",
        "AD_STATUS_DELETE",
        "AD_STATUS_ADGROUP_DELETE",
        "AD_STATUS_CAMPAIGN_DELETE",
    ] {
        assert!(
            seen_deleted.contains(s),
            "the generated world has {s}: {seen_deleted:?}"
        );
    }
}

#[test]
fn status_filters_are_validated() {
    let api = Api::default();
    let adv = api.adv(0);
    for (endpoint, f) in [
        ("campaign/get/", "{\"secondary_status\": \"AD_STATUS_ALL\"}"),
        (
            "adgroup/get/",
            "{\"secondary_status\": \"CAMPAIGN_STATUS_ALL\"}",
        ),
        ("ad/get/", "{\"secondary_status\": \"ADGROUP_STATUS_ALL\"}"),
        ("ad/get/", "{\"primary_status\": \"STATUS_EVERYTHING\"}"),
        ("campaign/get/", "{\"primary_status\": [\"STATUS_ALL\"]}"),
        (
            "campaign/get/",
            "{\"buying_types\": [\"RESERVATION_TOP_VIEW\", \"AUCTION\"]}",
        ),
        ("campaign/get/", "{\"buying_types\": \"AUCTION\"}"),
        ("ad/get/", "{\"modified_after\": \"2026-11-01T00:00:00Z\"}"),
        (
            "campaign/get/",
            "{\"creation_filter_start_time\": \"yesterday\"}",
        ),
    ] {
        let (code, msg) = api.err(endpoint, &[("advertiser_id", &adv), ("filtering", f)]);
        assert_eq!(code, 40002, "{endpoint} {f}: {msg}");
    }
}

#[test]
fn entity_records_have_tiktok_shapes() {
    let api = bigger();
    let world = api.emu.world();
    let adv = api.adv(0);
    let campaigns = all_of(
        &api,
        "campaign/get/",
        &adv,
        "{\"primary_status\": \"STATUS_ALL\"}",
    );
    for c in &campaigns {
        let wc = world.campaign(c["campaign_id"].as_str().unwrap()).unwrap();
        assert!(c["advertiser_id"].is_string() && c["campaign_id"].is_string());
        assert!(c["budget"].is_number());
        assert_eq!(
            parse_time(c["create_time"].as_str().unwrap()),
            wc.create_time.with_nanosecond0()
        );
        assert_eq!(
            parse_time(c["modify_time"].as_str().unwrap()),
            wc.modify_time.with_nanosecond0()
        );
        assert_eq!(c["campaign_name"], wc.campaign_name.as_str());
    }
    // Sorted by id, newest first.
    let idn: Vec<u128> = campaigns
        .iter()
        .map(|c| c["campaign_id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(idn.windows(2).all(|w| w[0] > w[1]), "{idn:?}");
    let groups = all_of(
        &api,
        "adgroup/get/",
        &adv,
        "{\"primary_status\": \"STATUS_ALL\"}",
    );
    for g in &groups {
        assert!(
            g["adgroup_id"].is_string() && g["campaign_id"].is_string() && g["budget"].is_number()
        );
        assert!(g["location_ids"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_string));
    }
    // Some ad groups leave optional settings null; TikTok sends the keys with null.
    let all_groups: Vec<Value> = world
        .advertisers
        .iter()
        .flat_map(|a| {
            all_of(
                &api,
                "adgroup/get/",
                &a.advertiser_id,
                "{\"primary_status\": \"STATUS_ALL\"}",
            )
        })
        .collect();
    assert!(all_groups
        .iter()
        .any(|g| g["dayparting"].is_null() && g.as_object().unwrap().contains_key("dayparting")));
    assert!(all_groups.iter().any(|g| g["dayparting"].is_string()));
    // Smart+ ads come without modify_time.
    let smart: Vec<&str> = world
        .ads
        .iter()
        .filter(|a| a.modify_time.is_none())
        .map(|a| a.ad_id.as_str())
        .collect();
    assert!(!smart.is_empty(), "the world has Smart+ ads");
    let all_ads: Vec<Value> = world
        .advertisers
        .iter()
        .flat_map(|a| {
            all_of(
                &api,
                "ad/get/",
                &a.advertiser_id,
                "{\"primary_status\": \"STATUS_ALL\"}",
            )
        })
        .collect();
    let visible_ads = world
        .ads
        .iter()
        .filter(|a| !top_view(&world, &a.campaign_id))
        .count();
    assert_eq!(all_ads.len(), visible_ads);
    for ad in &all_ads {
        let id = ad["ad_id"].as_str().unwrap();
        assert_eq!(
            ad.as_object().unwrap().contains_key("modify_time"),
            !smart.contains(&id),
            "{id}"
        );
        assert!(ad["image_ids"].is_array());
    }
}

trait Trunc {
    fn with_nanosecond0(self) -> DateTime<Utc>;
}
impl Trunc for DateTime<Utc> {
    fn with_nanosecond0(self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.timestamp(), 0).unwrap()
    }
}

#[test]
fn id_name_and_creation_filters() {
    let api = bigger();
    let world = api.emu.world();
    let adv = api.adv(1);
    let live: Vec<_> = world
        .campaigns
        .iter()
        .filter(|c| c.advertiser_id == adv && c.deleted_at.is_none())
        .filter(|c| c.buying == Buying::Auction)
        .collect();
    assert!(live.len() >= 2);
    let want = BTreeSet::from([live[0].campaign_id.clone(), live[1].campaign_id.clone()]);
    let f = format!(
        "{{\"campaign_ids\": [\"{}\", \"{}\"]}}",
        live[0].campaign_id, live[1].campaign_id
    );
    let got: BTreeSet<String> = ids(
        &Value::Array(all_of(&api, "campaign/get/", &adv, &f)),
        "campaign_id",
    )
    .into_iter()
    .collect();
    assert_eq!(got, want);
    // Ad groups and ads by parent ids.
    let f = format!("{{\"campaign_ids\": [\"{}\"]}}", live[0].campaign_id);
    let groups = all_of(&api, "adgroup/get/", &adv, &f);
    assert!(groups
        .iter()
        .all(|g| g["campaign_id"] == live[0].campaign_id.as_str()));
    let expect = world
        .adgroups
        .iter()
        .filter(|g| g.campaign_id == live[0].campaign_id && g.deleted_at.is_none())
        .count();
    assert_eq!(groups.len(), expect);
    let ads = all_of(&api, "ad/get/", &adv, &f);
    assert!(ads
        .iter()
        .all(|a| a["campaign_id"] == live[0].campaign_id.as_str()));
    // More than 100 ids is a parameter error.
    let many: Vec<String> = (0..101).map(|i| format!("\"{}\"", 1000 + i)).collect();
    for (ep, key) in [
        ("campaign/get/", "campaign_ids"),
        ("adgroup/get/", "adgroup_ids"),
        ("ad/get/", "ad_ids"),
        ("ad/get/", "campaign_ids"),
    ] {
        let f = format!("{{\"{key}\": [{}]}}", many.join(","));
        assert_eq!(
            api.err(ep, &[("advertiser_id", &adv), ("filtering", &f)]).0,
            40002,
            "{ep} {key}"
        );
        let f = format!("{{\"{key}\": [{}]}}", many[..100].join(","));
        assert_eq!(
            api.call(ep, &[("advertiser_id", &adv), ("filtering", &f)])["code"],
            0,
            "{ep} {key} 100 ok"
        );
    }
    // Creation window (UTC).
    let mut times: Vec<_> = world
        .campaigns
        .iter()
        .filter(|c| c.advertiser_id == adv && c.deleted_at.is_none())
        .filter(|c| !top_view(&world, &c.campaign_id))
        .map(|c| c.create_time)
        .collect();
    times.sort();
    let cut = times[times.len() / 2];
    let f = format!(
        "{{\"creation_filter_start_time\": \"{}\"}}",
        cut.format("%Y-%m-%d %H:%M:%S")
    );
    let got = all_of(&api, "campaign/get/", &adv, &f);
    assert_eq!(got.len(), times.iter().filter(|t| **t >= cut).count());
    // Buying types: AUCTION alone gives the auction campaigns.
    assert_eq!(
        all_of(
            &api,
            "campaign/get/",
            &adv,
            "{\"buying_types\": [\"AUCTION\"]}"
        )
        .len(),
        live.len()
    );
    assert_eq!(
        api.err(
            "adgroup/get/",
            &[
                ("advertiser_id", &adv),
                ("page_size", "101"),
                (
                    "filtering",
                    "{\"buying_types\": [\"RESERVATION_TOP_VIEW\"]}"
                )
            ]
        )
        .0,
        40002
    );
}

#[test]
fn modified_after_keeps_ads_modified_at_or_after_it() {
    let api = bigger();
    let world = api.emu.world();
    let adv = api.adv(0);
    let mut mods: Vec<_> = world
        .ads
        .iter()
        .filter(|a| a.advertiser_id == adv && world.ad_effective_deleted_at(a).is_none())
        .filter(|a| !top_view(&world, &a.campaign_id))
        .filter_map(|a| a.modify_time)
        .collect();
    mods.sort();
    let cut = mods[mods.len() / 2];
    let f = format!(
        "{{\"modified_after\": \"{}\"}}",
        cut.format("%Y-%m-%d %H:%M:%S")
    );
    let got = all_of(&api, "ad/get/", &adv, &f);
    assert_eq!(got.len(), mods.iter().filter(|t| **t >= cut).count());
    assert!(got
        .iter()
        .all(|a| parse_time(a["modify_time"].as_str().unwrap()) >= cut));
}

#[test]
fn fields_and_null_exclusion_are_honoured() {
    let api = Api::default();
    let adv = api.adv(0);
    let data = api.ok(
        "campaign/get/",
        &[
            ("advertiser_id", &adv),
            ("fields", "[\"campaign_id\", \"modify_time\"]"),
        ],
    );
    for c in data["list"].as_array().unwrap() {
        let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["campaign_id", "modify_time"]);
    }
    let data = api.ok(
        "adgroup/get/",
        &[
            ("advertiser_id", &adv),
            ("exclude_field_types_in_response", "[\"NULL_FIELD\"]"),
        ],
    );
    for g in data["list"].as_array().unwrap() {
        assert!(g.as_object().unwrap().values().all(|v| !v.is_null()), "{g}");
    }
    let data = api.ok("ad/get/", &[("advertiser_id", &adv)]);
    assert!(data["list"].as_array().unwrap().iter().any(|a| a
        .as_object()
        .unwrap()
        .values()
        .any(Value::is_null)));
    assert_eq!(
        api.err(
            "ad/get/",
            &[
                ("advertiser_id", &adv),
                ("exclude_field_types_in_response", "[\"EMPTY\"]")
            ]
        )
        .0,
        40002
    );
}

#[test]
fn advertiser_info_returns_requested_accounts() {
    let api = Api::default();
    let world = api.emu.world();
    let (a0, a2) = (api.adv(0), api.adv(2));
    let ids_param = format!("[\"{a2}\", \"{a0}\"]");
    let data = api.ok(
        "advertiser/info/",
        &[
            ("advertiser_ids", &ids_param),
            ("page", "1"),
            ("page_size", "100"),
        ],
    );
    let list = data["list"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert!(data.get("page_info").is_none());
    for item in list {
        let a = world
            .advertiser(item["advertiser_id"].as_str().unwrap())
            .unwrap();
        assert_eq!(item["name"], a.name.as_str());
        assert_eq!(item["timezone"], a.timezone.as_str());
        assert_eq!(item["currency"], a.currency.as_str());
        assert_eq!(
            item["create_time"].as_i64(),
            Some(a.create_time.timestamp())
        );
        for key in [
            "display_timezone",
            "country",
            "status",
            "role",
            "company",
            "industry",
            "balance",
        ] {
            assert!(item.get(key).is_some(), "{key}");
        }
    }
    let data = api.ok(
        "advertiser/info/",
        &[
            ("advertiser_ids", &format!("[\"{a0}\"]")),
            ("fields", "[\"advertiser_id\",\"timezone\"]"),
        ],
    );
    assert_eq!(data["list"][0].as_object().unwrap().len(), 2);
    let many: Vec<String> = (0..101).map(|_| format!("\"{a0}\"")).collect();
    assert_eq!(
        api.err(
            "advertiser/info/",
            &[("advertiser_ids", &format!("[{}]", many.join(",")))]
        )
        .0,
        40011
    );
    assert_eq!(
        api.ok(
            "advertiser/info/",
            &[("advertiser_ids", &format!("[{}]", many[..100].join(",")))]
        )["list"]
            .as_array()
            .unwrap()
            .len(),
        100
    );
    assert_eq!(
        api.err("advertiser/info/", &[("advertiser_ids", "[]")]).0,
        40002
    );
    assert_eq!(
        api.err("advertiser/info/", &[("advertiser_ids", "[\"1\",")])
            .0,
        40002
    );
    assert_eq!(api.err("advertiser/info/", &[]).0, 40002);
    assert_eq!(
        api.err("advertiser/info/", &[("advertiser_ids", "[\"999\"]")])
            .0,
        40001
    );
}
