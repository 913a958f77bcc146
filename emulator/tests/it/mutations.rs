//! The clock and the mutations between syncs, through the library and the control endpoint.

use chrono::{Duration, TimeZone, Utc};
use serde_json::Value;
use tiktok_emulator::{ClockMode, EmulatorConfig, Level};

use crate::common::{ids, Api};

fn all_ids(api: &Api, endpoint: &str, adv: &str, key: &str, filtering: &str) -> Vec<String> {
    ids(
        &api.ok(
            endpoint,
            &[
                ("advertiser_id", adv),
                ("page_size", "1000"),
                ("filtering", filtering),
            ],
        )["list"],
        key,
    )
}

#[test]
fn modified_entities_carry_the_new_time_and_a_changed_field() {
    let api = Api::default();
    let adv = api.adv(1);
    api.emu.advance(Duration::hours(5));
    let now = api.emu.now();
    let stamp = now.format("%Y-%m-%d %H:%M:%S").to_string();
    for (level, endpoint, key, name) in [
        (
            Level::Campaign,
            "campaign/get/",
            "campaign_id",
            "campaign_name",
        ),
        (Level::AdGroup, "adgroup/get/", "adgroup_id", "adgroup_name"),
        (Level::Ad, "ad/get/", "ad_id", "ad_name"),
    ] {
        let before =
            api.ok(endpoint, &[("advertiser_id", &adv), ("page_size", "1000")])["list"].clone();
        let changed = api.emu.modify_entities(&adv, level, 1);
        assert_eq!(changed.len(), 1);
        let after =
            api.ok(endpoint, &[("advertiser_id", &adv), ("page_size", "1000")])["list"].clone();
        let find = |list: &Value, id: &str| {
            list.as_array()
                .unwrap()
                .iter()
                .find(|x| x[key] == id)
                .cloned()
                .unwrap()
        };
        let (b, a) = (find(&before, &changed[0]), find(&after, &changed[0]));
        assert_eq!(a["modify_time"], stamp.as_str(), "{endpoint}");
        assert_ne!(a[name], b[name], "{endpoint}: a field changed");
        // Nothing else moved.
        let moved = after
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["modify_time"] == stamp.as_str())
            .count();
        assert_eq!(moved, 1, "{endpoint}");
    }
    // ad/get's modified_after finds exactly the modified ad.
    let f = format!("{{\"modified_after\": \"{stamp}\"}}");
    assert_eq!(all_ids(&api, "ad/get/", &adv, "ad_id", &f).len(), 1);
}

#[test]
fn added_entities_appear_under_live_parents() {
    let api = Api::default();
    let adv = api.adv(0);
    api.emu.advance(Duration::minutes(30));
    let stamp = api.emu.now().format("%Y-%m-%d %H:%M:%S").to_string();
    let before = all_ids(&api, "ad/get/", &adv, "ad_id", "{}").len();
    let new_ads = api.emu.add_entities(&adv, Level::Ad, 3);
    let new_groups = api.emu.add_entities(&adv, Level::AdGroup, 2);
    let new_camps = api.emu.add_entities(&adv, Level::Campaign, 1);
    assert_eq!(
        (new_ads.len(), new_groups.len(), new_camps.len()),
        (3, 2, 1)
    );
    let ads = api.ok("ad/get/", &[("advertiser_id", &adv), ("page_size", "1000")])["list"].clone();
    assert_eq!(ads.as_array().unwrap().len(), before + 3);
    let world = api.emu.world();
    for id in &new_ads {
        let a = ads
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["ad_id"] == id.as_str())
            .expect("new ad listed");
        assert_eq!(a["create_time"], stamp.as_str());
        let w = world.ads.iter().find(|x| &x.ad_id == id).unwrap();
        assert!(world.ad_effective_deleted_at(w).is_none(), "parent is live");
    }
    let groups = all_ids(&api, "adgroup/get/", &adv, "adgroup_id", "{}");
    assert!(new_groups.iter().all(|g| groups.contains(g)));
    // The newest ids come first.
    assert_eq!(
        all_ids(&api, "campaign/get/", &adv, "campaign_id", "{}")[0],
        new_camps[0]
    );
}

#[test]
fn deleted_entities_disappear_by_default_and_show_as_deleted() {
    let api = Api::new(EmulatorConfig {
        campaigns_per_advertiser: 4,
        ..EmulatorConfig::default()
    });
    let adv = api.adv(2);
    let stamp = api.emu.now().format("%Y-%m-%d %H:%M:%S").to_string();
    for (level, endpoint, key, status) in [
        (Level::Ad, "ad/get/", "ad_id", "AD_STATUS_DELETE"),
        (
            Level::AdGroup,
            "adgroup/get/",
            "adgroup_id",
            "ADGROUP_STATUS_DELETE",
        ),
        (
            Level::Campaign,
            "campaign/get/",
            "campaign_id",
            "CAMPAIGN_STATUS_DELETE",
        ),
    ] {
        let gone = api.emu.delete_entities(&adv, level, 1);
        assert_eq!(gone.len(), 1);
        assert!(!all_ids(&api, endpoint, &adv, key, "{}").contains(&gone[0]));
        let all = api.ok(
            endpoint,
            &[
                ("advertiser_id", &adv),
                ("page_size", "1000"),
                ("filtering", "{\"primary_status\": \"STATUS_ALL\"}"),
            ],
        );
        let item = all["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x[key] == gone[0].as_str())
            .cloned()
            .unwrap();
        assert_eq!(item["secondary_status"], status);
        assert_eq!(item["modify_time"], stamp.as_str());
    }
    // Asking for more than exist deletes what there is (random mutations touch auction
    // entities only).
    let auction = "{\"buying_types\": [\"AUCTION\"]}";
    let live = all_ids(&api, "campaign/get/", &adv, "campaign_id", auction).len();
    assert_eq!(
        api.emu.delete_entities(&adv, Level::Campaign, 100).len(),
        live
    );
    assert!(
        all_ids(&api, "ad/get/", &adv, "ad_id", auction).is_empty(),
        "ads of deleted campaigns are hidden"
    );
}

#[test]
fn mutations_are_reproducible() {
    let run = || {
        let api = Api::default();
        let adv = api.adv(0);
        let mut out = api.emu.modify_entities(&adv, Level::Ad, 2);
        out.extend(api.emu.delete_entities(&adv, Level::AdGroup, 1));
        out.extend(api.emu.add_entities(&adv, Level::Ad, 2));
        out
    };
    assert_eq!(run(), run());
}

#[test]
fn added_advertiser_is_reachable_with_its_own_tree() {
    let api = Api::default();
    let id = api.emu.add_advertiser("Zed Zebra Co", "Pacific/Auckland");
    let list = api.ok(
        "oauth2/advertiser/get/",
        &[
            ("app_id", "7100000000000000001"),
            ("secret", "emulator-secret"),
        ],
    )["list"]
        .clone();
    assert!(list
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["advertiser_id"] == id.as_str() && a["advertiser_name"] == "Zed Zebra Co"));
    let info = api.ok(
        "advertiser/info/",
        &[("advertiser_ids", &format!("[\"{id}\"]"))],
    );
    assert_eq!(info["list"][0]["timezone"], "Pacific/Auckland");
    assert_eq!(
        all_ids(
            &api,
            "campaign/get/",
            &id,
            "campaign_id",
            "{\"primary_status\": \"STATUS_ALL\", \"buying_types\": [\"AUCTION\"], \"campaign_automation_type\": \"MANUAL\"}"
        )
        .len(),
        3,
        "the configured manual campaigns (the Smart+ one is counted apart)"
    );
    assert!(
        !api.ok("file/image/ad/search/", &[("advertiser_id", &id)])["list"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A token issued earlier for a subset does not reach it.
    let a0 = api.adv(0);
    let t = api.emu.issue_token(&[&a0]);
    assert_eq!(
        api.call_with("campaign/get/", &[("advertiser_id", &id)], Some(&t))["code"],
        40001
    );
}

#[test]
fn clock_is_fixed_settable_and_advancing() {
    let api = Api::default();
    let start = api.emu.now();
    assert_eq!(start, Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap());
    assert_eq!(api.emu.now(), start, "a fixed clock stands still");
    api.emu.advance(Duration::days(2));
    assert_eq!(api.emu.now(), start + Duration::days(2));
    let t = Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap();
    api.emu.set_now(t);
    assert_eq!(api.emu.now(), t);
    let seen = api.emu.mutate(|w, now| (w.advertisers.len(), now));
    assert_eq!(seen, (4, t));

    let fast = Api::new(EmulatorConfig {
        clock: ClockMode::Advancing { speed: 1_000_000.0 },
        ..EmulatorConfig::default()
    });
    let t0 = fast.emu.now();
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert!(
        fast.emu.now() >= t0 + Duration::seconds(1),
        "advancing clock moved"
    );
}

#[test]
fn control_endpoint_drives_the_same_operations() {
    let api = Api::default();
    let mut c = api.fresh_client();
    let post = |c: &mut tiktok_emulator::client::Client, path: &str, body: &str| -> Value {
        let r = c
            .post_json(&format!("/_emulator/{path}"), body, None)
            .unwrap();
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        r.json().unwrap()
    };
    let v = post(&mut c, "clock", "{\"now\": \"2026-12-01T00:00:00Z\"}");
    assert_eq!(v["now"], "2026-12-01T00:00:00+00:00");
    let v = post(&mut c, "clock", "{\"advance_seconds\": 3600}");
    assert_eq!(v["now"], "2026-12-01T01:00:00+00:00");
    assert_eq!(
        api.emu.now(),
        Utc.with_ymd_and_hms(2026, 12, 1, 1, 0, 0).unwrap()
    );
    let adv = api.adv(0);
    let v = post(
        &mut c,
        "entities/modify",
        &format!("{{\"advertiser_id\": \"{adv}\", \"level\": \"ad\", \"n\": 2}}"),
    );
    assert_eq!(v["ids"].as_array().unwrap().len(), 2);
    let v = post(
        &mut c,
        "entities/add",
        &format!("{{\"advertiser_id\": \"{adv}\", \"level\": \"campaign\", \"n\": 1}}"),
    );
    let new_id = v["ids"][0].as_str().unwrap().to_string();
    assert!(api.emu.world().campaign(&new_id).is_some());
    let v = post(
        &mut c,
        "entities/delete",
        &format!("{{\"advertiser_id\": \"{adv}\", \"level\": \"campaign\", \"n\": 1}}"),
    );
    assert_eq!(v["ids"].as_array().unwrap().len(), 1);
    let v = post(
        &mut c,
        "advertisers",
        "{\"name\": \"Ctl Co\", \"timezone\": \"Asia/Tokyo\"}",
    );
    let new_adv = v["advertiser_id"].as_str().unwrap().to_string();
    assert!(api.emu.world().advertiser(&new_adv).is_some());
    let code = post(&mut c, "auth_code", "")["auth_code"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(code.len(), 40);
    let token = post(
        &mut c,
        "tokens/issue",
        &format!("{{\"advertiser_ids\": [\"{adv}\"]}}"),
    )["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        api.call_with("ad/get/", &[("advertiser_id", &adv)], Some(&token))["code"],
        0
    );
    post(
        &mut c,
        "tokens/revoke",
        &format!("{{\"token\": \"{token}\"}}"),
    );
    assert_eq!(
        api.call_with("ad/get/", &[("advertiser_id", &adv)], Some(&token))["code"],
        40105
    );
    post(
        &mut c,
        "faults",
        "{\"api_error_rate\": 1.0, \"api_error_codes\": [50002], \"max_faults\": 1}",
    );
    assert_eq!(
        api.call("ad/get/", &[("advertiser_id", &adv)])["code"],
        50002
    );
    assert_eq!(api.call("ad/get/", &[("advertiser_id", &adv)])["code"], 0);
    let log = c.get("/_emulator/requests", None).unwrap().json().unwrap();
    assert_eq!(log["count"].as_u64(), Some(api.emu.requests().len() as u64));
    assert_eq!(log["requests"][0]["path"], "/open_api/v1.3/ad/get/");
    post(&mut c, "requests/clear", "");
    assert!(api.emu.requests().is_empty());
    // Bad input is a 400 with a reason, not a crash.
    for (path, body) in [
        ("clock", "{\"now\": \"tomorrow\"}"),
        ("faults", "{\"api_error_rate\": \"x\"}"),
        (
            "entities/add",
            "{\"advertiser_id\": \"1\", \"level\": \"ad\"}",
        ),
        (
            "advertisers",
            "{\"name\": \"x\", \"timezone\": \"Mars/Base\"}",
        ),
        ("clock", "not json"),
    ] {
        let r = c
            .post_json(&format!("/_emulator/{path}"), body, None)
            .unwrap();
        assert_eq!(r.status, 400, "{path} {body}");
    }
    assert_eq!(c.get("/_emulator/nothing", None).unwrap().status, 404);
}

/// `GET /_emulator/inventory` lists the world as the API serves it with deleted items included:
/// every item once, its modify_time, and whether it (or its parent) is deleted.
#[test]
fn the_inventory_lists_every_item_with_its_changes() {
    let api = Api::default();
    let mut c = api.fresh_client();
    let get = |c: &mut tiktok_emulator::client::Client| -> Value {
        let r = c.get("/_emulator/inventory", None).unwrap();
        assert_eq!(r.status, 200);
        r.json().unwrap()
    };
    let before = get(&mut c);
    let world = api.emu.world();
    let count = |v: &Value, kind: &str| v[kind].as_array().map_or(0, Vec::len);
    assert_eq!(count(&before, "advertisers"), world.advertisers.len());
    assert_eq!(count(&before, "campaigns"), world.campaigns.len());
    assert_eq!(count(&before, "adgroups"), world.adgroups.len());
    assert_eq!(count(&before, "ads"), world.ads.len());
    for (kind, n) in [
        ("images", world.images.len()),
        ("videos", world.videos.len()),
        ("music", world.music.len()),
        ("portfolios", world.portfolios.len()),
        ("audiences", world.audiences.len()),
        ("pixels", world.pixels.len()),
        ("spark_ads", world.spark_ads.len()),
    ] {
        assert!(n > 0, "{kind}");
        assert_eq!(count(&before, kind), n, "{kind}");
    }
    // The API's own view, deleted ads included, lists the same ads.
    let adv = api.adv(0);
    // TikTok lists TopView ads only when they are asked for alone.
    let mut from_api: Vec<String> = Vec::new();
    for filtering in [
        "{\"secondary_status\": \"AD_STATUS_ALL\"}",
        "{\"secondary_status\": \"AD_STATUS_ALL\", \"buying_types\": [\"RESERVATION_TOP_VIEW\"]}",
    ] {
        let (listed, _) = api.walk(
            "ad/get/",
            &[("advertiser_id", &adv), ("filtering", filtering)],
            "list",
            1000,
        );
        from_api.extend(
            listed
                .iter()
                .map(|a| a["ad_id"].as_str().unwrap().to_string()),
        );
    }
    let mut from_inventory: Vec<String> = before["ads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["advertiser_id"] == adv.as_str())
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    from_api.sort();
    from_inventory.sort();
    assert_eq!(from_api, from_inventory);
    let deleted = |v: &Value, kind: &str| {
        v[kind]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["deleted"] == true)
            .count()
    };
    assert_eq!(
        deleted(&before, "ads"),
        world
            .ads
            .iter()
            .filter(|a| world.ad_effective_deleted_at(a).is_some())
            .count()
    );
    // Changes after a clock move are the items whose modify_time is past the old clock.
    let t0 = before["now"].as_str().unwrap().to_string();
    api.emu.advance(chrono::Duration::hours(3));
    let modified = api.emu.modify_entities(&adv, Level::Campaign, 1);
    let removed = api.emu.delete_entities(&adv, Level::Ad, 1);
    let after = get(&mut c);
    let t0 = chrono::DateTime::parse_from_rfc3339(&t0).unwrap();
    let changed = |kind: &str| -> Vec<String> {
        after[kind]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| {
                a["modify_time"]
                    .as_str()
                    .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).unwrap() > t0)
            })
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(changed("campaigns"), modified);
    assert_eq!(changed("ads"), removed);
    assert_eq!(deleted(&after, "ads"), deleted(&before, "ads") + 1);
    assert!(changed("images").is_empty() && changed("adgroups").is_empty());
}
