//! Business Center (issue 12): its streams against the emulator's graph and transaction
//! ledger, incremental transactions per Business Center, and a token without the finance role.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveTime, TimeZone, Utc};
use serde_json::{json, Value};
use tiktok_emulator::business_center::transactions::{self, TxLevel};

use crate::support::*;

const STREAMS: &[&str] = &[
    "business_centers",
    "business_center_ad_accounts",
    "advertiser_balances",
    "business_center_transactions",
];

/// The emulator's transactions of every Business Center from the start date (in each one's zone)
/// to now: transaction_id → (bc_id, amount text, create_time in UTC).
fn ledger(env: &Env, start: chrono::NaiveDate) -> BTreeMap<String, (String, String, String)> {
    let world = env.emu.world();
    let now = env.emu.now();
    let mut out = BTreeMap::new();
    for bc in &world.business.centers {
        let tz = transactions::zone(bc);
        let from = tz
            .from_local_datetime(&start.and_time(NaiveTime::MIN))
            .earliest()
            .unwrap()
            .with_timezone(&Utc);
        for level in [TxLevel::Advertiser, TxLevel::Bc] {
            for t in transactions::list(&world, env.emu_config.seed, bc, level, from, now, now) {
                let rendered = transactions::render(bc, &t);
                out.insert(
                    t.transaction_id.clone(),
                    (
                        bc.bc_id.clone(),
                        rendered["amount"].to_string(),
                        t.at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
                    ),
                );
            }
        }
    }
    out
}

fn read_ledger(run: &Run) -> BTreeMap<String, (String, String, String)> {
    let mut out = BTreeMap::new();
    for r in run.records("business_center_transactions") {
        let id = r["transaction_id"].as_str().unwrap().to_string();
        let v = (
            r["bc_id"].as_str().unwrap().to_string(),
            r["amount"].to_string(),
            r["create_time"].as_str().unwrap().to_string(),
        );
        assert!(out.insert(id, v).is_none(), "{r} read twice");
    }
    out
}

#[test]
fn business_center_streams_equal_the_emulators_graph_and_new_transactions_come_incrementally() {
    let env = Env::new();
    let config = env.config(json!({}));
    let start: chrono::NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    let catalog = env.catalog(&config, STREAMS, true);
    let first = env.read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{}", first.stdout);
    validate_records(&catalog, &first);
    let world = env.emu.world();
    let business = &world.business;

    let centers: BTreeSet<&str> = first
        .records("business_centers")
        .iter()
        .map(|r| r["bc_id"].as_str().unwrap())
        .collect();
    let want: BTreeSet<&str> = business.centers.iter().map(|c| c.bc_id.as_str()).collect();
    assert_eq!(centers, want);
    for r in first.records("business_centers") {
        let c = business.center(r["bc_id"].as_str().unwrap()).unwrap();
        assert_eq!(
            (
                r["name"].as_str(),
                r["timezone"].as_str(),
                r["user_role"].as_str()
            ),
            (
                Some(c.name.as_str()),
                Some(c.timezone.as_str()),
                Some(c.token_user_role.as_str())
            )
        );
        assert_eq!(r["ext_user_role"]["finance_role"], "MANAGER");
    }

    // Ad accounts: each Business Center's accounts; one account is in two of them.
    let accounts: BTreeSet<(String, String)> = first
        .records("business_center_ad_accounts")
        .iter()
        .map(|r| {
            (
                r["bc_id"].as_str().unwrap().into(),
                r["asset_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String)> = business
        .accounts
        .iter()
        .map(|a| (a.bc_id.clone(), a.advertiser_id.clone()))
        .collect();
    assert_eq!(accounts, want);
    assert_eq!(
        accounts.len(),
        first.records("business_center_ad_accounts").len()
    );

    // Balances: only the accounts a Business Center administers, with advertiser/info's balance.
    let mut balances = BTreeMap::new();
    for r in first.records("advertiser_balances") {
        let key = (
            r["bc_id"].as_str().unwrap().to_string(),
            r["advertiser_id"].as_str().unwrap().to_string(),
        );
        assert!(balances.insert(key, r["account_balance"].clone()).is_none());
        assert_eq!(
            r["snapshot_time"],
            env.emu.now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
        );
    }
    let want: BTreeMap<(String, String), Value> = business
        .accounts
        .iter()
        .filter(|a| a.administered)
        .map(|a| {
            let adv = world.advertiser(&a.advertiser_id).unwrap();
            let cents = (adv.balance * 100.0).round() as i64;
            (
                (a.bc_id.clone(), a.advertiser_id.clone()),
                serde_json::from_str(&format!("{}", cents as f64 / 100.0)).unwrap(),
            )
        })
        .collect();
    assert_eq!(balances, want);

    // Transactions: the whole ledger since the start date, at both levels, amounts exact.
    let want = ledger(&env, start);
    assert!(want.len() > 10, "{}", want.len());
    assert_eq!(read_ledger(&first), want);

    // Three days on, only the new transactions; the others are not read again.
    let before = env.emu.now();
    env.emu.advance(chrono::Duration::days(3));
    let second = env.read(&config, &catalog, Some(&first.final_state()));
    assert_eq!(second.code, 0, "{}", second.stdout);
    let new: BTreeMap<_, _> = ledger(&env, start)
        .into_iter()
        .filter(|(id, _)| !want.contains_key(id))
        .collect();
    assert!(!new.is_empty());
    assert!(new
        .values()
        .all(|(_, _, at)| at.as_str() > before.format("%Y-%m-%dT%H:%M:%SZ").to_string().as_str()));
    assert_eq!(read_ledger(&second), new);
    // The state is per Business Center.
    let state = second.final_state();
    let tx = state
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stream"]["stream_descriptor"]["name"] == "business_center_transactions")
        .unwrap();
    let keys: BTreeSet<&str> = tx["stream"]["stream_state"]["accounts"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        business.centers.iter().map(|c| c.bc_id.as_str()).collect()
    );
    // Every transaction request spans at most 365 days.
    for r in env.emu.requests() {
        if r.path.ends_with("bc/account/transaction/get/") {
            let f: Value = serde_json::from_str(&r.params["filtering"]).unwrap();
            let t = |k: &str| {
                chrono::NaiveDateTime::parse_from_str(f[k].as_str().unwrap(), "%Y-%m-%d %H:%M:%S")
                    .unwrap()
            };
            assert!(
                t("end_time") - t("start_time") <= chrono::Duration::days(365),
                "{f}"
            );
        }
    }
}

#[test]
fn without_the_finance_role_the_finance_streams_end_with_a_config_error_and_the_rest_completes() {
    let env = Env::new();
    let token = env.emu.issue_bc_token(&[], None).unwrap();
    let config = env.config(json!({"access_token": token}));
    let mut names = STREAMS.to_vec();
    names.push("campaigns");
    let catalog = env.catalog(&config, &names, false);
    let run = env.read(&config, &catalog, None);
    assert_ne!(run.code, 0);
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert_eq!(errors[0]["failure_type"], "config_error");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("Finance Manager or Finance Analyst")
            && message.contains("advertiser_balances"),
        "{message}"
    );
    for s in ["advertiser_balances", "business_center_transactions"] {
        assert_eq!(
            run.statuses(s).last().map(String::as_str),
            Some("INCOMPLETE"),
            "{s}"
        );
        assert!(run.records(s).is_empty());
    }
    for s in [
        "business_centers",
        "business_center_ad_accounts",
        "campaigns",
    ] {
        assert_eq!(
            run.statuses(s).last().map(String::as_str),
            Some("COMPLETE"),
            "{s}"
        );
        assert!(!run.records(s).is_empty(), "{s}");
    }
    // The user's missing role is visible in its record too.
    assert!(run
        .records("business_centers")
        .iter()
        .all(|r| r["ext_user_role"]["finance_role"].is_null()));
    assert_no_secrets(&run, &[&token, &env.emu_config.secret]);
}
