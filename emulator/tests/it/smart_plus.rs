//! Upgraded Smart+: the smart_plus/* endpoints, the classic endpoints' view of Smart+ objects,
//! and `ad_id_v2` / creative rows in reports.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use tiktok_emulator::extended_control::Change;
use tiktok_emulator::{EmulatorConfig, Level, ReportRow};

use crate::common::{ids, Api};

fn all(api: &Api, endpoint: &str, adv: &str, filtering: &str, page_size: u64) -> Vec<Value> {
    api.walk(
        endpoint,
        &[("advertiser_id", adv), ("filtering", filtering)],
        "list",
        page_size,
    )
    .0
}

fn id_set(items: &[Value], key: &str) -> BTreeSet<String> {
    items
        .iter()
        .map(|x| x[key].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn smart_plus_objects_are_seeded_deterministically_and_listed() {
    let api = Api::default();
    let world = api.emu.world();
    let again = tiktok_emulator::generate::generate(&EmulatorConfig::default());
    assert_eq!(
        serde_json::to_string(&world.smart_plus).unwrap(),
        serde_json::to_string(&again.smart_plus).unwrap(),
        "same seed, same Smart+ objects"
    );
    let by_creative = world.smart_plus.ads_by_creative();
    for adv in world.advertisers.iter().map(|a| a.advertiser_id.as_str()) {
        let campaigns = all(&api, "smart_plus/campaign/get/", adv, "{}", 1000);
        let expected: BTreeSet<String> = world
            .smart_plus
            .campaigns
            .iter()
            .filter_map(|s| world.campaign(&s.campaign_id))
            .filter(|c| c.advertiser_id == adv && c.deleted_at.is_none())
            .map(|c| c.campaign_id.clone())
            .collect();
        assert!(
            !expected.is_empty(),
            "every advertiser has a Smart+ campaign"
        );
        assert_eq!(id_set(&campaigns, "campaign_id"), expected);
        for c in &campaigns {
            assert_eq!(c["campaign_automation_type"], "UPGRADED_SMART_PLUS");
            for key in ["create_time", "modify_time"] {
                let t = c[key].as_str().unwrap();
                assert!(
                    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").is_ok(),
                    "{key} {t}"
                );
            }
            assert!(
                ["SINGLE", "MULTIPLE"].contains(&c["smart_plus_adgroup_mode"].as_str().unwrap())
            );
        }
        let groups = all(&api, "smart_plus/adgroup/get/", adv, "{}", 1000);
        assert!(!groups.is_empty());
        for g in &groups {
            assert!(expected.contains(g["campaign_id"].as_str().unwrap()));
        }
        let ads = all(&api, "smart_plus/ad/get/", adv, "{}", 100);
        assert!(!ads.is_empty());
        for ad in &ads {
            let id = ad["smart_plus_ad_id"].as_str().unwrap();
            let creatives = ad["creative_list"].as_array().unwrap();
            assert!((2..=3).contains(&creatives.len()), "{ad}");
            for c in creatives {
                let material = c["ad_material_id"].as_str().unwrap();
                // The creative is an entry of the classic ads with the same parents.
                let classic = world
                    .ads
                    .iter()
                    .find(|a| a.ad_id == material)
                    .expect("creative ad");
                assert_eq!(classic.adgroup_id, ad["adgroup_id"].as_str().unwrap());
                assert_eq!(by_creative[material].smart_plus_ad_id, id);
                assert!(c["creative_info"]["ad_format"].is_string());
            }
            assert!(!ad["ad_text_list"].as_array().unwrap().is_empty());
        }
    }
}

#[test]
fn smart_plus_ad_get_page_caps_filters_and_modified_after() {
    let api = Api::default();
    let adv = api.adv(0);
    let p = |size: &'static str| vec![("advertiser_id", adv.as_str()), ("page_size", size)];
    assert_eq!(api.err("smart_plus/ad/get/", &p("101")).0, 40002);
    assert_eq!(api.err("smart_plus/ad/get/", &p("0")).0, 40002);
    api.ok("smart_plus/ad/get/", &p("100"));
    assert_eq!(api.err("smart_plus/campaign/get/", &p("1001")).0, 40002);
    api.ok("smart_plus/campaign/get/", &p("1000"));
    let too_many: Vec<String> = (0..101).map(|i| format!("\"{}\"", 1000 + i)).collect();
    let f = format!("{{\"smart_plus_ad_ids\": [{}]}}", too_many.join(","));
    assert_eq!(
        api.err(
            "smart_plus/ad/get/",
            &[("advertiser_id", &adv), ("filtering", &f)]
        )
        .0,
        40002
    );

    // The first advertiser always has a deleted Smart+ ad: hidden unless asked for.
    let live = all(&api, "smart_plus/ad/get/", &adv, "{}", 100);
    let everything = all(
        &api,
        "smart_plus/ad/get/",
        &adv,
        r#"{"primary_status": "STATUS_ALL"}"#,
        100,
    );
    let deleted = all(
        &api,
        "smart_plus/ad/get/",
        &adv,
        r#"{"primary_status": "STATUS_DELETE"}"#,
        100,
    );
    assert!(!deleted.is_empty());
    assert_eq!(everything.len(), live.len() + deleted.len());
    assert!(deleted
        .iter()
        .all(|a| a["secondary_status"].as_str().unwrap().ends_with("_DELETE")));

    let one = live[0]["smart_plus_ad_id"].as_str().unwrap().to_string();
    let f = format!("{{\"smart_plus_ad_ids\": [\"{one}\"]}}");
    assert_eq!(
        ids(
            &api.ok(
                "smart_plus/ad/get/",
                &[("advertiser_id", &adv), ("filtering", &f)]
            )["list"],
            "smart_plus_ad_id"
        ),
        vec![one.clone()]
    );

    // A modification moves modify_time; modified_after then finds exactly the changed ad.
    api.emu.advance(chrono::Duration::hours(5));
    let cutoff = api.emu.now().format("%Y-%m-%d %H:%M:%S").to_string();
    let changed = api
        .emu
        .mutate_smart_plus(Change::Modify, &adv, Level::Ad, 1);
    assert_eq!(changed.len(), 1);
    let f = format!("{{\"modified_after\": \"{cutoff}\"}}");
    let recent = all(&api, "smart_plus/ad/get/", &adv, &f, 100);
    assert_eq!(
        id_set(&recent, "smart_plus_ad_id"),
        changed.iter().cloned().collect()
    );
    assert_eq!(recent[0]["modify_time"], cutoff.as_str());
    assert!(recent[0]["ad_name"].as_str().unwrap().contains("rev 2"));
}

#[test]
fn classic_endpoints_tell_smart_plus_apart() {
    let api = Api::default();
    let world = api.emu.world();
    let by_creative = world.smart_plus.ads_by_creative();
    for adv in world.advertisers.iter().map(|a| a.advertiser_id.as_str()) {
        let everything = all(
            &api,
            "campaign/get/",
            adv,
            r#"{"primary_status": "STATUS_ALL"}"#,
            1000,
        );
        let smart = all(
            &api,
            "campaign/get/",
            adv,
            r#"{"primary_status": "STATUS_ALL", "campaign_automation_type": "UPGRADED_SMART_PLUS"}"#,
            1000,
        );
        let manual = all(
            &api,
            "campaign/get/",
            adv,
            r#"{"primary_status": "STATUS_ALL", "campaign_automation_type": "MANUAL"}"#,
            1000,
        );
        assert!(!smart.is_empty() && !manual.is_empty());
        assert_eq!(smart.len() + manual.len(), everything.len());
        assert!(smart
            .iter()
            .all(|c| c["campaign_automation_type"] == "UPGRADED_SMART_PLUS"));
        assert!(manual
            .iter()
            .all(|c| c["campaign_automation_type"] == "MANUAL"));
        let smart_ids = id_set(&smart, "campaign_id");
        let groups = all(
            &api,
            "adgroup/get/",
            adv,
            r#"{"primary_status": "STATUS_ALL", "campaign_automation_type": "UPGRADED_SMART_PLUS"}"#,
            1000,
        );
        assert!(!groups.is_empty());
        assert!(groups
            .iter()
            .all(|g| smart_ids.contains(g["campaign_id"].as_str().unwrap())));

        // ad/get: one row per creative, carrying its Smart+ ad; manual rows have no such key.
        let ads = all(
            &api,
            "ad/get/",
            adv,
            r#"{"primary_status": "STATUS_ALL"}"#,
            1000,
        );
        let mut creatives = 0;
        for a in &ads {
            let id = a["ad_id"].as_str().unwrap();
            match by_creative.get(id) {
                Some(s) => {
                    creatives += 1;
                    assert_eq!(a["smart_plus_ad_id"], s.smart_plus_ad_id.as_str());
                }
                None => {
                    assert!(a.get("smart_plus_ad_id").is_none(), "{a}");
                    assert!(
                        a.get("modify_time").is_some(),
                        "manual ads always have modify_time"
                    );
                }
            }
        }
        assert_eq!(
            creatives,
            by_creative
                .values()
                .filter(|s| s.advertiser_id == adv)
                .count()
        );
        let smart_ads = all(
            &api,
            "ad/get/",
            adv,
            r#"{"primary_status": "STATUS_ALL", "campaign_automation_type": "UPGRADED_SMART_PLUS"}"#,
            1000,
        );
        assert_eq!(smart_ads.len(), creatives);
    }
    // Rows without modify_time are exactly Smart+ creatives (the quirk Airbyte met).
    let missing: Vec<&str> = world
        .ads
        .iter()
        .filter(|a| a.modify_time.is_none())
        .map(|a| a.ad_id.as_str())
        .collect();
    assert!(!missing.is_empty());
    assert!(missing.iter().all(|id| by_creative.contains_key(id)));
    let (code, msg) = api.err(
        "campaign/get/",
        &[
            ("advertiser_id", &api.adv(0)),
            ("filtering", r#"{"campaign_automation_type": "SMART"}"#),
        ],
    );
    assert_eq!(code, 40002, "{msg}");
}

fn report(extra: &[(&'static str, String)], adv: &str) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = vec![
        ("advertiser_id".into(), adv.to_string()),
        ("report_type".into(), "BASIC".into()),
        ("data_level".into(), "AUCTION_AD".into()),
        ("start_date".into(), "2026-10-22".into()),
        ("end_date".into(), "2026-11-20".into()),
        (
            "metrics".into(),
            r#"["spend", "impressions", "clicks", "campaign_automation_type", "ad_name"]"#.into(),
        ),
    ];
    for (k, v) in extra {
        p.retain(|(key, _)| key != k);
        p.push((k.to_string(), v.clone()));
    }
    p
}

fn truth(api: &Api, p: &[(String, String)]) -> Vec<ReportRow> {
    let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    api.emu.report_truth(&pairs).expect("report")
}

/// Every row over HTTP, page by page.
fn paged(api: &Api, p: &[(String, String)]) -> Vec<Value> {
    let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    api.walk("report/integrated/get/", &pairs, "list", 50).0
}

fn cents(v: &str) -> i64 {
    let (a, b) = v.split_once('.').unwrap_or((v, "00"));
    a.parse::<i64>().unwrap() * 100 + b.parse::<i64>().unwrap()
}

#[test]
fn ad_id_v2_rows_add_up_their_creatives_and_levels_count_smart_plus_once() {
    let api = Api::default();
    let world = api.emu.world();
    let by_creative = world.smart_plus.ads_by_creative();
    let adv = api.adv(0);
    let creative_rows = truth(
        &api,
        &report(
            &[("dimensions", r#"["ad_id", "stat_time_day"]"#.into())],
            &adv,
        ),
    );
    let v2_rows = truth(
        &api,
        &report(
            &[("dimensions", r#"["ad_id_v2", "stat_time_day"]"#.into())],
            &adv,
        ),
    );
    // The truth is what the endpoint pages out.
    let http: Vec<Value> = paged(
        &api,
        &report(
            &[("dimensions", r#"["ad_id_v2", "stat_time_day"]"#.into())],
            &adv,
        ),
    );
    assert_eq!(serde_json::to_value(&v2_rows).unwrap(), Value::Array(http));

    // Expected v2 rows, summed by the test from the creative rows and the world's Smart+ map.
    let mut expected: BTreeMap<(String, String), [i64; 3]> = BTreeMap::new();
    let mut smart_creatives = 0;
    for r in &creative_rows {
        let ad = &r.dimensions["ad_id"];
        let kind = &r.metrics["campaign_automation_type"];
        let v2 = match by_creative.get(ad.as_str()) {
            Some(s) => {
                smart_creatives += 1;
                assert_eq!(kind, "UPGRADED_SMART_PLUS_CREATIVE");
                s.smart_plus_ad_id.clone()
            }
            None => {
                assert_eq!(kind, "MANUAL");
                ad.clone()
            }
        };
        let e = expected
            .entry((v2, r.dimensions["stat_time_day"].clone()))
            .or_default();
        e[0] += cents(&r.metrics["spend"]);
        e[1] += r.metrics["impressions"].parse::<i64>().unwrap();
        e[2] += r.metrics["clicks"].parse::<i64>().unwrap();
    }
    assert!(
        smart_creatives > 0,
        "Smart+ creatives delivered in the range"
    );
    let mut got: BTreeMap<(String, String), [i64; 3]> = BTreeMap::new();
    let mut smart_rows = 0;
    for r in &v2_rows {
        let v2 = r.dimensions["ad_id_v2"].clone();
        let smart = world.smart_plus.ad(&v2);
        assert_eq!(
            r.metrics["campaign_automation_type"],
            if smart.is_some() {
                "UPGRADED_SMART_PLUS"
            } else {
                "MANUAL"
            }
        );
        if let Some(s) = smart {
            smart_rows += 1;
            assert_eq!(r.metrics["ad_name"], s.ad_name);
        }
        let key = (v2, r.dimensions["stat_time_day"].clone());
        assert!(
            got.insert(
                key,
                [
                    cents(&r.metrics["spend"]),
                    r.metrics["impressions"].parse().unwrap(),
                    r.metrics["clicks"].parse().unwrap()
                ]
            )
            .is_none(),
            "one row per ad_id_v2 and day"
        );
    }
    assert!(smart_rows > 0);
    assert!(
        smart_rows < smart_creatives,
        "Smart+ rows fold creatives together"
    );
    assert_eq!(got, expected);

    // Higher levels count a Smart+ ad's delivery once: campaign rows = v2 rows by campaign.
    let campaign_rows = truth(
        &api,
        &report(
            &[
                ("data_level", "AUCTION_CAMPAIGN".into()),
                ("dimensions", r#"["campaign_id", "stat_time_day"]"#.into()),
                (
                    "metrics",
                    r#"["spend", "impressions", "campaign_automation_type"]"#.into(),
                ),
            ],
            &adv,
        ),
    );
    let campaign_of_v2 = |v2: &str| -> String {
        match world.smart_plus.ad(v2) {
            Some(s) => s.campaign_id.clone(),
            None => world
                .ads
                .iter()
                .find(|a| a.ad_id == v2)
                .unwrap()
                .campaign_id
                .clone(),
        }
    };
    let mut by_campaign: BTreeMap<(String, String), [i64; 2]> = BTreeMap::new();
    for ((v2, day), s) in &got {
        let e = by_campaign
            .entry((campaign_of_v2(v2), day.clone()))
            .or_default();
        e[0] += s[0];
        e[1] += s[1];
    }
    let from_campaigns: BTreeMap<(String, String), [i64; 2]> = campaign_rows
        .iter()
        .map(|r| {
            (
                (
                    r.dimensions["campaign_id"].clone(),
                    r.dimensions["stat_time_day"].clone(),
                ),
                [
                    cents(&r.metrics["spend"]),
                    r.metrics["impressions"].parse().unwrap(),
                ],
            )
        })
        .collect();
    assert_eq!(from_campaigns, by_campaign);
    assert!(campaign_rows
        .iter()
        .any(|r| r.metrics["campaign_automation_type"] == "UPGRADED_SMART_PLUS"));
}

#[test]
fn ad_id_v2_rules_and_smart_plus_filters() {
    let api = Api::default();
    let world = api.emu.world();
    let adv = api.adv(0);
    let call = |extra: &[(&'static str, String)]| {
        let p = report(extra, &adv);
        let pairs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        api.call("report/integrated/get/", &pairs)
    };
    let code = |v: Value| v["code"].as_i64().unwrap();
    assert_eq!(
        code(call(&[(
            "dimensions",
            r#"["ad_id", "ad_id_v2", "stat_time_day"]"#.into()
        )])),
        40002
    );
    let smart = world
        .smart_plus
        .ads
        .iter()
        .find(|s| s.advertiser_id == adv && s.deleted_at.is_none())
        .unwrap();
    let v2_filter = format!(
        r#"[{{"field_name": "ad_ids_v2", "filter_type": "IN", "filter_value": "[\"{}\"]"}}]"#,
        smart.smart_plus_ad_id
    );
    assert_eq!(
        code(call(&[
            ("dimensions", r#"["ad_id", "stat_time_day"]"#.into()),
            ("filtering", v2_filter.clone())
        ])),
        40002,
        "ad_ids_v2 needs the ad_id_v2 dimension"
    );
    let ad_filter = format!(
        r#"[{{"field_name": "ad_ids", "filter_type": "IN", "filter_value": "[\"{}\"]"}}]"#,
        smart.creatives[0].ad_material_id
    );
    assert_eq!(
        code(call(&[
            ("dimensions", r#"["ad_id_v2", "stat_time_day"]"#.into()),
            ("filtering", ad_filter)
        ])),
        40002,
        "ad_ids does not go with ad_id_v2"
    );
    let rows = truth(
        &api,
        &report(
            &[
                ("dimensions", r#"["ad_id_v2", "stat_time_day"]"#.into()),
                ("filtering", v2_filter),
            ],
            &adv,
        ),
    );
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r.dimensions["ad_id_v2"] == smart.smart_plus_ad_id));

    let only_smart = r#"[{"field_name": "campaign_automation_type", "filter_type": "IN", "filter_value": "[\"UPGRADED_SMART_PLUS\"]"}]"#;
    let rows = truth(
        &api,
        &report(
            &[
                ("dimensions", r#"["ad_id", "stat_time_day"]"#.into()),
                ("filtering", only_smart.into()),
            ],
            &adv,
        ),
    );
    assert!(!rows.is_empty());
    assert!(rows
        .iter()
        .all(|r| r.metrics["campaign_automation_type"] == "UPGRADED_SMART_PLUS_CREATIVE"));
    let bad = r#"[{"field_name": "campaign_automation_type", "filter_type": "IN", "filter_value": "[\"AUTO\"]"}]"#;
    assert_eq!(
        code(call(&[
            ("dimensions", r#"["ad_id", "stat_time_day"]"#.into()),
            ("filtering", bad.into())
        ])),
        40002
    );

    // With ad_id_v2 the text attributes come back as lists.
    let rows = truth(
        &api,
        &report(
            &[
                ("dimensions", r#"["ad_id_v2"]"#.into()),
                ("metrics", r#"["spend", "ad_text"]"#.into()),
                ("filtering", only_smart.into()),
            ],
            &adv,
        ),
    );
    let row = rows
        .iter()
        .find(|r| r.dimensions["ad_id_v2"] == smart.smart_plus_ad_id)
        .expect("Smart+ row");
    let texts: Vec<String> = serde_json::from_str(&row.metrics["ad_text_list"]).unwrap();
    assert_eq!(texts, smart.ad_texts);
    assert!(!row.metrics.contains_key("ad_text"));
}

#[test]
fn smart_plus_control_api_adds_and_deletes() {
    let api = Api::default();
    let adv = api.adv(1);
    let post = |path: &str, level: &str| -> Vec<String> {
        let body = format!(r#"{{"advertiser_id": "{adv}", "level": "{level}", "n": 1}}"#);
        let r = api.raw_post(&format!("/_emulator/smart_plus/{path}"), &body, None);
        assert_eq!(r.status, 200, "{}", r.text());
        r.json().unwrap()["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let before = all(&api, "smart_plus/ad/get/", &adv, "{}", 100).len();
    let added = post("add", "ad");
    assert_eq!(added.len(), 1);
    let live = all(&api, "smart_plus/ad/get/", &adv, "{}", 100);
    assert_eq!(live.len(), before + 1);
    let new = live
        .iter()
        .find(|a| a["smart_plus_ad_id"] == added[0].as_str())
        .unwrap();
    let creatives: Vec<String> = new["creative_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ad_material_id"].as_str().unwrap().to_string())
        .collect();
    let f = format!(
        "{{\"ad_ids\": {}}}",
        serde_json::to_string(&creatives).unwrap()
    );
    assert_eq!(
        all(&api, "ad/get/", &adv, &f, 100).len(),
        creatives.len(),
        "creatives are listed by ad/get"
    );

    let deleted = post("delete", "ad");
    let f = format!(
        "{{\"smart_plus_ad_ids\": [\"{}\"], \"primary_status\": \"STATUS_ALL\"}}",
        deleted[0]
    );
    let gone = all(&api, "smart_plus/ad/get/", &adv, &f, 100);
    assert_eq!(gone[0]["secondary_status"], "AD_STATUS_DELETE");
    assert_eq!(
        all(&api, "smart_plus/ad/get/", &adv, "{}", 100).len(),
        before
    );
    let r = api.raw_post(
        "/_emulator/smart_plus/remove",
        &format!(r#"{{"advertiser_id": "{adv}", "level": "ad"}}"#),
        None,
    );
    assert_eq!(r.status, 404);
}
