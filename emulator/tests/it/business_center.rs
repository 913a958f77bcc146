//! Business Centers: membership, assets, members, balances, transactions and the finance role.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDateTime};
use serde_json::Value;
use tiktok_emulator::{EmulatorConfig, ExtendedConfig};

use crate::common::{Api, TOKEN};

fn bcs(api: &Api, token: &str) -> Vec<Value> {
    let v = api.call_with("bc/get/", &[("page_size", "50")], Some(token));
    assert_eq!(v["code"], 0, "{v}");
    v["data"]["list"].as_array().unwrap().clone()
}

fn bc_ids(api: &Api) -> Vec<String> {
    bcs(api, TOKEN)
        .iter()
        .map(|b| b["bc_info"]["bc_id"].as_str().unwrap().to_string())
        .collect()
}

/// Every item of a BC list endpoint, page by page.
fn walk(
    api: &Api,
    endpoint: &str,
    params: &[(&str, &str)],
    key: &str,
    size: u64,
    token: &str,
) -> Vec<Value> {
    let mut out = Vec::new();
    for page in 1..1000 {
        let (page_s, size_s) = (page.to_string(), size.to_string());
        let mut p = params.to_vec();
        p.extend([("page", page_s.as_str()), ("page_size", size_s.as_str())]);
        let v = api.call_with(endpoint, &p, Some(token));
        assert_eq!(v["code"], 0, "{endpoint}: {v}");
        let list = v["data"][key].as_array().unwrap().clone();
        if list.is_empty() {
            return out;
        }
        out.extend(list);
    }
    out
}

#[test]
fn business_centers_hold_the_advertisers_and_one_is_shared() {
    let api = Api::default();
    let list = bcs(&api, TOKEN);
    assert_eq!(list.len(), 2);
    for b in &list {
        assert!(b["bc_info"]["bc_id"].is_string() && b["bc_info"]["currency"].is_string());
        assert!(["ADMIN", "STANDARD"].contains(&b["user_role"].as_str().unwrap()));
        assert_eq!(b["ext_user_role"]["finance_role"], "MANAGER");
    }
    assert_eq!(api.err("bc/get/", &[("page_size", "51")]).0, 40002);
    let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for bc in bc_ids(&api) {
        let assets = walk(
            &api,
            "bc/asset/get/",
            &[("bc_id", &bc), ("asset_type", "ADVERTISER")],
            "list",
            1,
            TOKEN,
        );
        for a in &assets {
            assert_eq!(a["asset_type"], "ADVERTISER");
            holders
                .entry(a["asset_id"].as_str().unwrap().to_string())
                .or_default()
                .push(bc.clone());
        }
        let one = api.ok("bc/get/", &[("bc_id", &bc)]);
        assert_eq!(one["list"].as_array().unwrap().len(), 1);
    }
    let all: BTreeSet<String> = (0..4).map(|i| api.adv(i)).collect();
    assert_eq!(
        holders.keys().cloned().collect::<BTreeSet<_>>(),
        all,
        "every account is in a BC"
    );
    assert_eq!(
        holders.values().filter(|v| v.len() == 2).count(),
        1,
        "one account is in two BCs"
    );
    // advertiser/info names the BC that administers the account.
    let world = api.emu.world();
    for adv in &all {
        let info = api.ok(
            "advertiser/info/",
            &[("advertiser_ids", &format!("[\"{adv}\"]"))],
        );
        let owner = world.business.owner_of(adv).unwrap();
        assert_eq!(info["list"][0]["owner_bc_id"], owner.bc_id.as_str());
    }
    let bc = &bc_ids(&api)[0];
    assert_eq!(
        api.err("bc/asset/get/", &[("bc_id", bc)]).0,
        40002,
        "asset_type is required"
    );
    assert_eq!(
        api.err("bc/asset/get/", &[("bc_id", bc), ("asset_type", "SHOES")])
            .0,
        40002
    );
    assert_eq!(
        api.err(
            "bc/asset/get/",
            &[
                ("bc_id", "7000000000000000001"),
                ("asset_type", "ADVERTISER")
            ]
        )
        .0,
        40001
    );
    let shops = api.ok(
        "bc/asset/get/",
        &[
            ("bc_id", bc),
            ("asset_type", "TIKTOK_SHOP"),
            ("page_size", "50"),
        ],
    );
    assert!(
        !shops["list"].as_array().unwrap().is_empty(),
        "stores of the administered accounts"
    );
    let members = walk(&api, "bc/member/get/", &[("bc_id", bc)], "list", 2, TOKEN);
    assert!(members
        .iter()
        .any(|m| m["user_id"] == "6990000000000000001"));
    assert!(members
        .iter()
        .all(|m| m["user_email"].as_str().unwrap().contains("***")));
    assert_eq!(
        api.err("bc/member/get/", &[("bc_id", bc), ("page_size", "21")])
            .0,
        40002
    );
}

#[test]
fn balances_cover_only_the_accounts_a_bc_administers() {
    let api = Api::default();
    let world = api.emu.world();
    for bc in bc_ids(&api) {
        let accounts = walk(
            &api,
            "advertiser/balance/get/",
            &[("bc_id", &bc)],
            "advertiser_account_list",
            1,
            TOKEN,
        );
        let got: BTreeSet<&str> = accounts
            .iter()
            .map(|a| a["advertiser_id"].as_str().unwrap())
            .collect();
        let administered: BTreeSet<&str> = world
            .business
            .accounts
            .iter()
            .filter(|a| a.bc_id == bc && a.administered)
            .map(|a| a.advertiser_id.as_str())
            .collect();
        assert_eq!(got, administered);
        let held = world
            .business
            .accounts
            .iter()
            .filter(|a| a.bc_id == bc)
            .count();
        assert!(got.len() <= held);
        for a in &accounts {
            let adv = world
                .advertiser(a["advertiser_id"].as_str().unwrap())
                .unwrap();
            let balance = &a["account_balance"];
            assert!(balance.is_number(), "money is a JSON number: {a}");
            assert!((balance.as_f64().unwrap() - adv.balance).abs() < 0.005);
            let cents = balance.as_f64().unwrap() * 100.0;
            assert!(
                (cents - cents.round()).abs() < 1e-6,
                "two decimals: {balance}"
            );
            let valid = a["valid_account_balance"].as_f64().unwrap()
                + a["frozen_balance"].as_f64().unwrap();
            assert!((valid - balance.as_f64().unwrap()).abs() < 0.005);
        }
    }
    let shared_bc = world
        .business
        .accounts
        .iter()
        .find(|a| !a.administered)
        .unwrap();
    let list = walk(
        &api,
        "advertiser/balance/get/",
        &[("bc_id", &shared_bc.bc_id)],
        "advertiser_account_list",
        50,
        TOKEN,
    );
    assert!(
        list.iter()
            .all(|a| a["advertiser_id"] != shared_bc.advertiser_id.as_str()),
        "a shared account is not in the sharer's balances"
    );
    let bc = &bc_ids(&api)[0];
    let (code, _) = api.err(
        "advertiser/balance/get/",
        &[
            ("bc_id", bc),
            ("fields", r#"["advertiser_id", "budget_remaining"]"#),
        ],
    );
    assert_eq!(code, 40002, "extra fields need page_size 1");
    let one = api.ok(
        "advertiser/balance/get/",
        &[
            ("bc_id", bc),
            ("page_size", "1"),
            ("fields", r#"["advertiser_id", "budget_remaining"]"#),
        ],
    );
    let item = one["advertiser_account_list"][0].as_object().unwrap();
    assert_eq!(
        item.keys().cloned().collect::<Vec<_>>(),
        vec!["advertiser_id", "budget_remaining"]
    );
}

fn parse(t: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").unwrap()
}

#[test]
fn transactions_page_by_window_and_new_ones_appear_with_the_clock() {
    let api = Api::default();
    let bc = bc_ids(&api)[0].clone();
    let all = walk(
        &api,
        "bc/account/transaction/get/",
        &[("bc_id", &bc)],
        "transaction_list",
        50,
        TOKEN,
    );
    assert!(all.len() > 50, "90 days of transactions: {}", all.len());
    let ids: Vec<&str> = all
        .iter()
        .map(|t| t["transaction_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        ids.len(),
        "unique ids"
    );
    let times: Vec<NaiveDateTime> = all
        .iter()
        .map(|t| parse(t["create_time"].as_str().unwrap()))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // BC time zone: Asia/Bangkok.
    let now_local = (api.emu.now() + Duration::hours(7)).naive_utc();
    assert!(times[0] <= now_local && *times.last().unwrap() >= now_local - Duration::days(90));
    for t in &all {
        assert_eq!(t["timezone"], "UTC+07:00");
        let (amount, subtotal, tax) = (
            t["amount"].as_f64().unwrap(),
            t["subtotal"].as_f64().unwrap(),
            t["tax_amount"].as_f64().unwrap(),
        );
        assert!((amount - subtotal - tax).abs() < 0.005, "{t}");
        assert!(t["account_id"].is_string());
    }
    let bc_level = walk(
        &api,
        "bc/account/transaction/get/",
        &[("bc_id", &bc), ("transaction_level", "BC")],
        "transaction_list",
        50,
        TOKEN,
    );
    assert!(!bc_level.is_empty() && bc_level.iter().all(|t| t["account_id"].is_null()));
    // A window is the matching slice of the full list.
    let start = "2026-10-01 00:00:00";
    let end = "2026-10-31 23:59:59";
    let f = format!("{{\"start_time\": \"{start}\", \"end_time\": \"{end}\"}}");
    let october = walk(
        &api,
        "bc/account/transaction/get/",
        &[("bc_id", &bc), ("filtering", &f)],
        "transaction_list",
        7,
        TOKEN,
    );
    let expected: Vec<&Value> = all
        .iter()
        .filter(|t| {
            let c = parse(t["create_time"].as_str().unwrap());
            c >= parse(start) && c <= parse(end)
        })
        .collect();
    assert_eq!(october.iter().collect::<Vec<_>>(), expected);
    let too_long = r#"{"start_time": "2025-01-01 00:00:00", "end_time": "2026-11-01 00:00:00"}"#;
    assert_eq!(
        api.err(
            "bc/account/transaction/get/",
            &[("bc_id", &bc), ("filtering", too_long)]
        )
        .0,
        40002
    );
    // Two days later: the newer transactions are new, the older ones unchanged.
    let cutoff = all[0]["create_time"].as_str().unwrap().to_string();
    api.emu.advance(Duration::days(2));
    let f = format!("{{\"start_time\": \"{cutoff}\"}}");
    let since = walk(
        &api,
        "bc/account/transaction/get/",
        &[("bc_id", &bc), ("filtering", &f)],
        "transaction_list",
        50,
        TOKEN,
    );
    assert!(since.len() > 1, "new transactions appeared");
    assert_eq!(
        since.last().unwrap(),
        &all[0],
        "the old newest one is unchanged"
    );
    let again = walk(
        &api,
        "bc/account/transaction/get/",
        &[("bc_id", &bc)],
        "transaction_list",
        50,
        TOKEN,
    );
    let before: BTreeSet<String> = ids.iter().map(|s| s.to_string()).collect();
    let kept: Vec<&Value> = again
        .iter()
        .filter(|t| before.contains(t["transaction_id"].as_str().unwrap()))
        .collect();
    assert!(kept.len() < all.len(), "the window moved on");
    assert!(kept.iter().all(|t| all.contains(t)));
}

#[test]
fn finance_endpoints_need_the_finance_role() {
    let api = Api::default();
    let bc = bc_ids(&api)[0].clone();
    let r = api.raw_post(
        "/_emulator/bc/tokens/issue",
        r#"{"finance_role": null}"#,
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let token = r.json().unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let list = bcs(&api, &token);
    assert_eq!(list.len(), 2, "still a member");
    assert!(list
        .iter()
        .all(|b| b["ext_user_role"]["finance_role"].is_null()));
    let v = api.call_with(
        "bc/asset/get/",
        &[("bc_id", &bc), ("asset_type", "ADVERTISER")],
        Some(&token),
    );
    assert_eq!(v["code"], 0, "assets need no finance role");
    for endpoint in ["advertiser/balance/get/", "bc/account/transaction/get/"] {
        let v = api.call_with(endpoint, &[("bc_id", &bc)], Some(&token));
        let (code, msg) = crate::common::err_of(&v);
        assert_eq!(code, 40001, "{endpoint}");
        assert!(msg.contains("Finance Manager or Finance Analyst"), "{msg}");
    }
    let analyst = api.emu.issue_bc_token(&[], Some("ANALYST")).unwrap();
    let v = api.call_with("advertiser/balance/get/", &[("bc_id", &bc)], Some(&analyst));
    assert_eq!(v["code"], 0, "{v}");
    assert!(api.emu.issue_bc_token(&[], Some("BOSS")).is_err());
    // The knob takes the role away from the pre-issued token.
    let api = Api::new(EmulatorConfig {
        extended: ExtendedConfig {
            finance_role: None,
            ..ExtendedConfig::default()
        },
        ..EmulatorConfig::default()
    });
    let bc = bc_ids(&api)[0].clone();
    assert_eq!(
        api.err("bc/account/transaction/get/", &[("bc_id", &bc)]).0,
        40001
    );
}

#[test]
fn a_token_belongs_to_the_bcs_of_its_advertisers() {
    let api = Api::default();
    let world = api.emu.world();
    let adv = api.adv(2);
    let owner = world.business.owner_of(&adv).unwrap().bc_id.clone();
    let token = api.emu.issue_bc_token(&[&adv], Some("MANAGER")).unwrap();
    let list = bcs(&api, &token);
    let ids: Vec<&str> = list
        .iter()
        .map(|b| b["bc_info"]["bc_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![owner.as_str()]);
    let other = world
        .business
        .centers
        .iter()
        .find(|c| c.bc_id != owner)
        .unwrap();
    let v = api.call_with("bc/get/", &[("bc_id", &other.bc_id)], Some(&token));
    assert_eq!(crate::common::err_of(&v).0, 40001);
    let assets = walk(
        &api,
        "bc/asset/get/",
        &[("bc_id", &owner), ("asset_type", "ADVERTISER")],
        "list",
        50,
        &token,
    );
    assert_eq!(
        assets
            .iter()
            .map(|a| a["asset_id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        vec![adv.as_str()]
    );
}
