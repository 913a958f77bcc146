//! Upgraded Smart+ (issue 12): the three Smart+ streams against the emulator's objects, their
//! incremental reads, and ad-level reports that count a Smart+ ad once (`ad_id_v2`).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde_json::json;
use tiktok_emulator::extended_control::Change;
use tiktok_emulator::{EmulatorConfig, Level, World};

use crate::reports::every_buying_type;
use crate::reports::local_today;
use crate::support::*;

const STREAMS: &[&str] = &[
    "smart_plus_campaigns",
    "smart_plus_ad_groups",
    "smart_plus_ads",
];

fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The emulator's Smart+ objects changed after `since` (all with None), live unless
/// `include_deleted`: stream → (account, id) → modify_time.
fn truth(
    world: &World,
    include_deleted: bool,
    since: Option<DateTime<Utc>>,
) -> BTreeMap<&'static str, BTreeMap<(String, String), String>> {
    let sp = &world.smart_plus;
    let after = |t: DateTime<Utc>| since.is_none_or(|s| t > s);
    let mut out: BTreeMap<&'static str, BTreeMap<(String, String), String>> = BTreeMap::new();
    for s in &sp.campaigns {
        let c = world.campaign(&s.campaign_id).unwrap();
        if (include_deleted || c.deleted_at.is_none()) && after(c.modify_time) {
            out.entry("smart_plus_campaigns").or_default().insert(
                (c.advertiser_id.clone(), c.campaign_id.clone()),
                rfc3339(c.modify_time),
            );
        }
    }
    for s in &sp.adgroups {
        let g = world.adgroup(&s.adgroup_id).unwrap();
        if (include_deleted || world.adgroup_effective_deleted_at(g).is_none())
            && after(g.modify_time)
        {
            out.entry("smart_plus_ad_groups").or_default().insert(
                (g.advertiser_id.clone(), g.adgroup_id.clone()),
                rfc3339(g.modify_time),
            );
        }
    }
    for a in &sp.ads {
        let live = tiktok_emulator::smart_plus::effective_deleted_at(world, a).is_none();
        if (include_deleted || live) && after(a.modify_time) {
            out.entry("smart_plus_ads").or_default().insert(
                (a.advertiser_id.clone(), a.smart_plus_ad_id.clone()),
                rfc3339(a.modify_time),
            );
        }
    }
    out
}

fn got(run: &Run) -> BTreeMap<&'static str, BTreeMap<(String, String), String>> {
    let keys = [
        ("smart_plus_campaigns", "campaign_id"),
        ("smart_plus_ad_groups", "adgroup_id"),
        ("smart_plus_ads", "smart_plus_ad_id"),
    ];
    let mut out: BTreeMap<&'static str, BTreeMap<(String, String), String>> = BTreeMap::new();
    for (stream, key) in keys {
        for r in run.records(stream) {
            let k = (
                r["advertiser_id"].as_str().unwrap().to_string(),
                r[key].as_str().unwrap().to_string(),
            );
            let previous = out
                .entry(stream)
                .or_default()
                .insert(k, r["modify_time"].as_str().unwrap().to_string());
            assert!(previous.is_none(), "{stream}: {r} read twice");
        }
    }
    out
}

#[test]
fn smart_plus_streams_equal_the_emulators_objects_and_read_only_changes_incrementally() {
    let env = Env::new();
    let config = env.config(json!({"include_deleted": true}));
    let catalog = env.catalog(&config, STREAMS, true);
    let first = env.read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{}", first.stdout);
    validate_records(&catalog, &first);
    let world = env.emu.world();
    assert_eq!(got(&first), truth(&world, true, None));
    assert!(
        world.smart_plus.ads.iter().any(|a| a.deleted_at.is_some()),
        "the emulator has a deleted Smart+ ad"
    );
    // The ads carry their creatives, as the emulator's Smart+ ads have them.
    for a in &world.smart_plus.ads {
        let r = first
            .records("smart_plus_ads")
            .into_iter()
            .find(|r| r["smart_plus_ad_id"] == a.smart_plus_ad_id.as_str())
            .unwrap();
        let materials: Vec<&str> = r["creative_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["ad_material_id"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = a
            .creatives
            .iter()
            .map(|c| c.ad_material_id.as_str())
            .collect();
        assert_eq!(materials, want);
        assert_eq!(r["ad_name"], a.ad_name.as_str());
    }

    // An hour later: one campaign changed, one ad added, one ad deleted, in three accounts.
    let before = env.emu.now();
    env.emu.advance(chrono::Duration::hours(1));
    let ids: Vec<String> = world
        .advertisers
        .iter()
        .map(|a| a.advertiser_id.clone())
        .collect();
    let modified = env
        .emu
        .mutate_smart_plus(Change::Modify, &ids[0], Level::Campaign, 1);
    let added = env
        .emu
        .mutate_smart_plus(Change::Add, &ids[1], Level::Ad, 1);
    let deleted = env
        .emu
        .mutate_smart_plus(Change::Delete, &ids[2], Level::Ad, 1);
    assert_eq!((modified.len(), added.len(), deleted.len()), (1, 1, 1));
    env.emu.clear_requests();
    let second = env.read(&config, &catalog, Some(&first.final_state()));
    assert_eq!(second.code, 0, "{}", second.stdout);
    let changed = truth(&env.emu.world(), true, Some(before));
    assert_eq!(got(&second), changed);
    let ads: BTreeSet<String> = changed["smart_plus_ads"]
        .keys()
        .map(|(_, id)| id.clone())
        .collect();
    assert!(
        ads.contains(&added[0]) && ads.contains(&deleted[0]),
        "{ads:?}"
    );
    assert!(changed["smart_plus_campaigns"].contains_key(&(ids[0].clone(), modified[0].clone())));
    // Smart+ ads are filtered by TikTok (modified_after); the others on our side.
    for r in env.emu.requests() {
        let filtering = r.params.get("filtering").cloned().unwrap_or_default();
        if r.path.ends_with("smart_plus/ad/get/") {
            assert!(filtering.contains("modified_after"), "{:?}", r.params);
            assert_eq!(r.params.get("page_size").map(String::as_str), Some("100"));
        }
        if r.path.contains("smart_plus/") {
            assert!(filtering.contains("STATUS_ALL"), "{:?}", r.params);
        }
    }
    let third = env.read(&config, &catalog, Some(&second.final_state()));
    assert_eq!(third.code, 0);
    assert!(third.all_records().is_empty(), "{}", third.stdout);

    // Without include_deleted, deleted Smart+ objects stay out.
    let live = env.config(json!({}));
    let run = env.read(&live, &env.catalog(&live, STREAMS, false), None);
    assert_eq!(run.code, 0);
    assert_eq!(got(&run), truth(&env.emu.world(), false, None));
}

/// Spend in cents of a TikTok money text.
fn cents(text: &str) -> i64 {
    if text == "null" {
        return 0;
    }
    let (whole, frac) = text.split_once('.').unwrap_or((text, "0"));
    let frac = format!("{frac:0<2}");
    whole.parse::<i64>().unwrap() * 100 + frac[..2].parse::<i64>().unwrap()
}

#[test]
fn ad_level_reports_count_each_smart_plus_ad_once_with_classic_ads_beside_them() {
    let env = Env::with(EmulatorConfig {
        extended: tiktok_emulator::ExtendedConfig {
            smart_plus_campaigns_per_advertiser: 2,
            ..Default::default()
        },
        ..EmulatorConfig::default()
    });
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["ads_reports_daily"], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    validate_records(&catalog, &run);
    let world = env.emu.world();
    let smart_plus_of: BTreeMap<&str, &str> = world
        .smart_plus
        .ads
        .iter()
        .flat_map(|a| {
            a.creatives
                .iter()
                .map(move |c| (c.ad_material_id.as_str(), a.smart_plus_ad_id.as_str()))
        })
        .collect();
    let start = config["start_date"].as_str().unwrap().to_string();
    let (mut smart_rows, mut manual_rows) = (0, 0);
    for adv in &world.advertisers {
        let id = adv.advertiser_id.as_str();
        // The truth per creative (dimension ad_id), added up here by the ad each belongs to.
        let end = local_today(&env, id).to_string();
        let rows = env
            .emu
            .report_truth(&[
                ("advertiser_id", id),
                ("report_type", "BASIC"),
                ("data_level", "AUCTION_AD"),
                ("dimensions", r#"["ad_id","stat_time_day"]"#),
                ("metrics", r#"["spend"]"#),
                ("start_date", &start),
                ("end_date", &end),
                // Every buying type, as the connector asks (TopView needs the filter).
                ("filtering", &json!([every_buying_type()]).to_string()),
            ])
            .unwrap();
        let mut want: BTreeMap<(String, String), i64> = BTreeMap::new();
        for r in &rows {
            let ad = r.dimensions["ad_id"].as_str();
            let owner = smart_plus_of.get(ad).copied().unwrap_or(ad);
            *want
                .entry((
                    owner.to_string(),
                    r.dimensions["stat_time_day"][..10].to_string(),
                ))
                .or_default() += cents(&r.metrics["spend"]);
        }
        let mut have: BTreeMap<(String, String), i64> = BTreeMap::new();
        for r in run
            .records("ads_reports_daily")
            .into_iter()
            .filter(|r| r["advertiser_id"] == id)
        {
            assert_eq!(r["ad_id"], r["ad_id_v2"], "{r}");
            let key = (
                r["ad_id"].as_str().unwrap().to_string(),
                r["stat_time_day"].as_str().unwrap().to_string(),
            );
            let spend = r["spend"].to_string();
            assert!(
                have.insert(key.clone(), cents(&spend)).is_none(),
                "{key:?} twice"
            );
            if world.smart_plus.ad(&key.0).is_some() {
                smart_rows += 1;
            } else {
                manual_rows += 1;
            }
        }
        // Rows without spend are the emulator's rows with delivery but no cost: compare spend.
        have.retain(|_, v| *v != 0);
        want.retain(|_, v| *v != 0);
        assert_eq!(have, want, "account {id}: spend per ad and day");
    }
    assert!(
        smart_rows > 0 && manual_rows > 0,
        "{smart_rows} Smart+ and {manual_rows} manual rows"
    );
    // Requests asked TikTok for ad_id_v2, never for creatives.
    for r in env.emu.requests() {
        if r.path.ends_with("report/integrated/get/") {
            let dims = &r.params["dimensions"];
            assert!(dims.contains("ad_id_v2"), "{dims}");
        }
    }
}
