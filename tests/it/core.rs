//! spec, check, discover and read of accounts and entities (issue 3).

use std::collections::BTreeSet;

use serde_json::{json, Value};
use tiktok_emulator::{EmulatorConfig, Faults, Level};

use crate::support::*;

const ENTITY_STREAMS: &[&str] = &[
    "advertiser_ids",
    "advertisers",
    "campaigns",
    "ad_groups",
    "ads",
];

fn golden(name: &str, actual: &Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var("UPDATE_GOLDEN").is_ok() {
        std::fs::write(&path, serde_json::to_string_pretty(actual).unwrap() + "\n").unwrap();
    }
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).expect("golden file (UPDATE_GOLDEN=1 writes it)"),
    )
    .unwrap();
    assert!(
        actual == &expected,
        "{name} differs from the golden file; run with UPDATE_GOLDEN=1 if the change is intended"
    );
}

/// Name, JSON type, required, secret, (minimum, maximum, default).
type ConfigField = (
    &'static str,
    &'static str,
    bool,
    bool,
    Option<(i64, i64, i64)>,
);

/// What the config parser accepts, written down by hand from its contract (src/config.rs and
/// the README): name, JSON type, required, secret, and for numbers (minimum, maximum, default).
/// The spec the binary prints must say the same, so a field renamed, retyped or rebounded on one
/// side only fails here.
const CONFIG_FIELDS: &[ConfigField] = &[
    ("app_id", "string", true, false, None),
    ("secret", "string", true, true, None),
    ("auth_code", "string", false, true, None),
    ("access_token", "string", false, true, None),
    ("start_date", "string", true, false, None),
    ("end_date", "string", false, false, None),
    ("include_deleted", "boolean", false, false, None),
    ("accounts", "string", false, false, None),
    ("environment", "string", false, false, None),
    (
        "attribution_window",
        "integer",
        false,
        false,
        Some((0, 364, 7)),
    ),
    ("rate_limit_tier", "string", false, false, None),
    (
        "report_window_days",
        "integer",
        false,
        false,
        Some((1, 30, 30)),
    ),
    ("concurrency", "integer", false, false, Some((1, 64, 32))),
    ("custom_reports", "array", false, false, None),
    ("metric_groups", "array", false, false, None),
    ("async_backfill", "boolean", false, false, None),
    ("api_base_url", "string", false, false, None),
];

#[test]
fn spec_says_what_the_config_parser_accepts() {
    use source_tiktok_ads::config::Config;
    let env = Env::new();
    let run = env.run(&["spec"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.lines.len(), 1, "only the SPEC on stdout");
    let spec = &run.lines[0]["spec"];
    let conn = &spec["connectionSpecification"];
    let props = conn["properties"].as_object().unwrap();
    let names: BTreeSet<&str> = props.keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = CONFIG_FIELDS.iter().map(|f| f.0).collect();
    assert_eq!(names, expected, "the spec's fields are the parser's");
    let mut required: Vec<&str> = conn["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    required.sort();
    let mut want_required: Vec<&str> = CONFIG_FIELDS.iter().filter(|f| f.2).map(|f| f.0).collect();
    want_required.sort();
    assert_eq!(required, want_required);
    // A config with only the required fields (and a credential) is what the parser needs.
    let minimal = json!({"app_id": "7100000000000000001", "secret": "secret-value-1",
        "access_token": "token-value-1", "start_date": "2024-01-01"});
    assert!(Config::parse(&minimal).is_ok());
    for (name, kind, required, secret, bounds) in CONFIG_FIELDS {
        let p = &props[*name];
        assert_eq!(p["type"], *kind, "{name}");
        assert_eq!(
            p.get("airbyte_secret") == Some(&json!(true)),
            *secret,
            "{name}"
        );
        if *required {
            let mut without = minimal.clone();
            without.as_object_mut().unwrap().remove(*name);
            let e = Config::parse(&without).unwrap_err().0;
            assert!(e.contains(&format!("'{name}'")), "{name}: {e}");
        }
        if let Some((min, max, default)) = bounds {
            assert_eq!(
                (&p["minimum"], &p["maximum"], &p["default"]),
                (&json!(min), &json!(max), &json!(default)),
                "{name}"
            );
            // The parser takes the bounds and refuses one step beyond.
            for (value, ok) in [
                (*min, true),
                (*max, true),
                (min - 1, false),
                (max + 1, false),
            ] {
                let mut c = minimal.clone();
                c[*name] = json!(value);
                assert_eq!(Config::parse(&c).is_ok(), ok, "{name} = {value}");
            }
        }
        // Every value the form may offer is accepted.
        for v in p["enum"].as_array().into_iter().flatten() {
            let mut c = minimal.clone();
            c[*name] = v.clone();
            assert!(Config::parse(&c).is_ok(), "{name} = {v}");
        }
    }
    for (name, refused) in [("environment", "staging"), ("rate_limit_tier", "gold")] {
        let mut c = minimal.clone();
        c[name] = json!(refused);
        assert!(Config::parse(&c).is_err(), "{name} = {refused}");
    }
    // Dates as the form validates them; the parser agrees on what it accepts.
    for field in ["start_date", "end_date"] {
        let pattern = props[field]["pattern"].as_str().unwrap();
        assert!(
            pattern.contains("[0-9]{4}-[0-9]{2}-[0-9]{2}"),
            "{field}: {pattern}"
        );
        assert_eq!(props[field]["format"], "date");
    }
    // The OAuth flow posts to TikTok's token endpoint (reference §2.1, §2.2) and stores the token.
    let oauth = &spec["advanced_auth"]["oauth_config_specification"];
    let input = &oauth["oauth_connector_input_specification"];
    assert!(input["consent_url"]
        .as_str()
        .unwrap()
        .starts_with("https://business-api.tiktok.com/portal/auth?app_id="));
    assert_eq!(
        input["access_token_url"],
        "https://business-api.tiktok.com/open_api/v1.3/oauth2/access_token/"
    );
    assert_eq!(input["extract_output"], json!(["data.access_token"]));
    assert_eq!(
        oauth["complete_oauth_output_specification"]["properties"]["access_token"]
            ["path_in_connector_config"],
        json!(["access_token"])
    );
    assert_eq!(spec["protocol_version"], "0.2.0");
}

#[test]
fn discover_matches_golden_file_and_is_well_formed() {
    let env = Env::new();
    let streams = env.discover(&env.config(json!({})));
    let names: BTreeSet<&str> = streams
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), streams.len(), "unique names");
    for s in &streams {
        let schema = &s["json_schema"];
        assert!(
            jsonschema::draft7::meta::is_valid(schema),
            "{}: not a draft-07 schema",
            s["name"]
        );
        let text = schema.to_string();
        assert!(
            !text.contains("$ref") && !text.contains("\"allOf\"") && !text.contains("\"not\""),
            "{}",
            s["name"]
        );
        assert_eq!(schema["additionalProperties"], true);
        // Every record of an ad account's stream says which; Business Center streams say bc_id.
        let owner = if schema["properties"]["bc_id"].is_object() {
            "bc_id"
        } else {
            "advertiser_id"
        };
        assert!(
            schema["properties"][owner].is_object(),
            "{} lacks advertiser_id",
            s["name"]
        );
    }
    let campaigns = streams.iter().find(|s| s["name"] == "campaigns").unwrap();
    assert_eq!(campaigns["default_cursor_field"], json!(["modify_time"]));
    assert_eq!(
        campaigns["source_defined_primary_key"],
        json!([["campaign_id"]])
    );
    assert_eq!(
        campaigns["json_schema"]["properties"]["campaign_id"]["type"],
        "string"
    );
    assert_eq!(
        campaigns["json_schema"]["properties"]["modify_time"]["airbyte_type"],
        "timestamp_with_timezone"
    );
    let catalog = Value::Array(streams);
    golden("catalog.json", &catalog);
}

#[test]
fn check_succeeds_and_names_the_accounts() {
    let env = Env::new();
    let run = env.check(&env.config(json!({})));
    assert_eq!(run.code, 0);
    let (status, message) = run.connection_status();
    assert_eq!(status, "SUCCEEDED", "{message}");
    for a in env.emu.world().advertisers {
        assert!(message.contains(&a.advertiser_id), "{message}");
    }
    assert_no_secrets(
        &run,
        &[&env.emu_config.secret, &env.emu_config.access_token],
    );
}

#[test]
fn check_fails_with_a_message_that_says_what_to_fix() {
    let env = Env::new();
    let world = env.emu.world();
    // Two advertisers whose names are equal ignoring case and surrounding spaces.
    let norm = |s: &str| s.trim().to_lowercase();
    let ambiguous = world
        .advertisers
        .iter()
        .find(|a| {
            world
                .advertisers
                .iter()
                .filter(|b| norm(&b.name) == norm(&a.name))
                .count()
                > 1
        })
        .expect("the emulator has colliding names")
        .name
        .clone();
    let cases = vec![
        (
            json!({"access_token": "not-a-real-token"}),
            "access token is invalid",
        ),
        (
            json!({"secret": "wrong-secret-value"}),
            "App ID or the Secret",
        ),
        (
            json!({"accounts": "No Such Shop"}),
            "'No Such Shop' is not among",
        ),
        (
            json!({"accounts": ambiguous.to_uppercase()}),
            "matches several accounts",
        ),
        (json!({"start_date": "yesterday"}), "'start_date'"),
    ];
    for (extra, expected) in cases {
        let run = env.check(&env.config(extra.clone()));
        assert_eq!(run.code, 0, "{extra}");
        let (status, message) = run.connection_status();
        assert_eq!(status, "FAILED", "{extra}");
        assert!(message.contains(expected), "{extra}: {message}");
        assert_no_secrets(
            &run,
            &[
                "wrong-secret-value",
                &env.emu_config.secret,
                &env.emu_config.access_token,
            ],
        );
    }
    // An unknown name lists what the token can reach.
    let run = env.check(&env.config(json!({"accounts": "No Such Shop"})));
    let (_, message) = run.connection_status();
    assert!(
        message.contains(&world.advertisers[0].advertiser_id),
        "{message}"
    );
}

#[test]
fn check_with_a_used_auth_code_says_to_authorize_again() {
    let env = Env::new();
    let code = env.emu.new_auth_code();
    let config = env.config(json!({"access_token": null, "auth_code": code}));
    let first = env.check(&config);
    assert_eq!(first.connection_status().0, "SUCCEEDED", "{}", first.stdout);
    let control = first.of_type("CONTROL");
    assert_eq!(control.len(), 1, "the new token goes back to Airbyte");
    let second = env.check(&config);
    let (status, message) = second.connection_status();
    assert_eq!(status, "FAILED");
    assert!(message.contains("already used"), "{message}");
    assert_no_secrets(&second, &[&code, &env.emu_config.secret]);
}

#[test]
fn sandbox_needs_account_ids() {
    let env = Env::with(EmulatorConfig {
        sandbox: true,
        ..EmulatorConfig::default()
    });
    let run = env.check(&env.config(json!({"environment": "sandbox"})));
    let (status, message) = run.connection_status();
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("sandbox") && message.contains("IDs"),
        "{message}"
    );
    let id = env.emu.world().advertisers[0].advertiser_id.clone();
    let run = env.check(&env.config(json!({"environment": "sandbox", "accounts": id})));
    assert_eq!(run.connection_status().0, "SUCCEEDED", "{}", run.stdout);
}

fn live_counts(env: &Env, include_deleted: bool) -> (usize, usize, usize) {
    let w = env.emu.world();
    let c = w
        .campaigns
        .iter()
        .filter(|c| include_deleted || c.deleted_at.is_none())
        .count();
    let g = w
        .adgroups
        .iter()
        .filter(|g| include_deleted || w.adgroup_effective_deleted_at(g).is_none())
        .count();
    let a = w
        .ads
        .iter()
        .filter(|a| include_deleted || w.ad_effective_deleted_at(a).is_none())
        .count();
    (c, g, a)
}

#[test]
fn full_refresh_reads_every_entity_with_valid_records_and_protocol() {
    let env = Env::new();
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, ENTITY_STREAMS, false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    validate_records(&catalog, &run);
    let (c, g, a) = live_counts(&env, false);
    assert_eq!(run.records("campaigns").len(), c);
    assert_eq!(run.records("ad_groups").len(), g);
    assert_eq!(run.records("ads").len(), a);
    let advertisers = env.emu.world().advertisers.len();
    assert_eq!(run.records("advertisers").len(), advertisers);
    assert_eq!(run.records("advertiser_ids").len(), advertisers);
    for s in ENTITY_STREAMS {
        let statuses = run.statuses(s);
        assert_eq!(statuses.first().map(String::as_str), Some("STARTED"), "{s}");
        assert_eq!(statuses.last().map(String::as_str), Some("COMPLETE"), "{s}");
        assert!(statuses.contains(&"RUNNING".to_string()), "{s}");
    }
    // A STATE per stream, each with sourceStats, never ahead of its records.
    let mut seen = BTreeSet::new();
    let mut counted = std::collections::BTreeMap::<String, u64>::new();
    for l in &run.lines {
        match l["type"].as_str().unwrap() {
            "RECORD" => {
                *counted
                    .entry(l["record"]["stream"].as_str().unwrap().into())
                    .or_default() += 1
            }
            "STATE" => {
                let s = l["state"]["stream"]["stream_descriptor"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let n = counted.insert(s.clone(), 0).unwrap_or(0);
                assert_eq!(
                    l["state"]["sourceStats"]["recordCount"].as_f64(),
                    Some(n as f64),
                    "{s}"
                );
                seen.insert(s);
            }
            _ => {}
        }
    }
    assert_eq!(seen.len(), ENTITY_STREAMS.len());
    // Every deleted thing stays hidden without include_deleted.
    for r in run.records("ads") {
        assert!(
            !r["secondary_status"]
                .as_str()
                .unwrap_or("")
                .contains("DELETE"),
            "{r}"
        );
    }
    assert_no_secrets(
        &run,
        &[&env.emu_config.secret, &env.emu_config.access_token],
    );
}

#[test]
fn incremental_second_run_emits_exactly_the_changed_entities_per_account() {
    let env = Env::new();
    let config = env.config(json!({"include_deleted": true}));
    let catalog = env.catalog(&config, &["campaigns", "ad_groups", "ads"], true);
    let first = env.read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{}", first.stdout);
    let state = first.final_state();

    env.emu.advance(chrono::Duration::hours(2));
    let ids: Vec<String> = env
        .emu
        .world()
        .advertisers
        .iter()
        .map(|a| a.advertiser_id.clone())
        .collect();
    let modified = env.emu.modify_entities(&ids[0], Level::Campaign, 1);
    let added = env.emu.add_entities(&ids[1], Level::AdGroup, 2);
    let deleted = env.emu.delete_entities(&ids[2], Level::Ad, 1);
    let untouched = &ids[3];

    env.emu.clear_requests();
    let second = env.read(&config, &catalog, Some(&state));
    assert_eq!(second.code, 0, "{}", second.stdout);
    // Sorted lists, not sets: an entity emitted twice must show.
    let got = |s: &str, key: &str| -> Vec<String> {
        let mut v: Vec<String> = second
            .records(s)
            .iter()
            .map(|r| r[key].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let sorted = |ids: &[String]| -> Vec<String> {
        let mut v = ids.to_vec();
        v.sort();
        v
    };
    assert_eq!(got("campaigns", "campaign_id"), sorted(&modified));
    assert_eq!(got("ad_groups", "adgroup_id"), sorted(&added));
    assert_eq!(got("ads", "ad_id"), sorted(&deleted));
    let deleted_ad = second.records("ads")[0];
    assert!(
        deleted_ad["secondary_status"]
            .as_str()
            .unwrap()
            .contains("DELETE"),
        "{deleted_ad}"
    );
    assert!(second
        .all_records()
        .iter()
        .all(|(_, r)| r["advertiser_id"] != json!(untouched)));
    // ads used TikTok's own modified_after filter.
    let ad_requests: Vec<_> = env
        .emu
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/ad/get/"))
        .collect();
    assert!(!ad_requests.is_empty());
    assert!(ad_requests.iter().all(|r| r
        .params
        .get("filtering")
        .is_some_and(|f| f.contains("modified_after"))));

    // A third run with nothing changed emits nothing.
    let third = env.read(&config, &catalog, Some(&second.final_state()));
    assert_eq!(third.code, 0);
    assert!(third.all_records().is_empty(), "{}", third.stdout);
}

#[test]
fn an_account_added_later_starts_from_the_start_date_and_removed_ones_keep_their_state() {
    let env = Env::new();
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["campaigns"], true);
    let first = env.read(&config, &catalog, None);
    let state = first.final_state();
    env.emu.advance(chrono::Duration::hours(1));
    let new_id = env.emu.add_advertiser("Zeta Late Shop", "Asia/Tokyo");
    let second = env.read(&config, &catalog, Some(&state));
    assert_eq!(second.code, 0, "{}", second.stdout);
    let world = env.emu.world();
    let mut expected: Vec<String> = world
        .campaigns
        .iter()
        .filter(|c| c.advertiser_id == new_id && c.deleted_at.is_none())
        .map(|c| c.campaign_id.clone())
        .collect();
    expected.sort();
    assert!(!expected.is_empty());
    let mut got: Vec<String> = second
        .records("campaigns")
        .iter()
        .map(|r| r["campaign_id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, expected, "each new campaign once");
    // Restricting to one account keeps the others' cursors in the state.
    let only = env.config(json!({"accounts": new_id}));
    let third = env.read(&only, &catalog, Some(&second.final_state()));
    let accounts = &third.final_state()[0]["stream"]["stream_state"]["accounts"];
    assert_eq!(accounts.as_object().unwrap().len(), world.advertisers.len());
}

#[test]
fn include_deleted_on_and_off_across_accounts() {
    let env = Env::new();
    let world = env.emu.world();
    for include in [false, true] {
        env.emu.clear_requests();
        let config = env.config(json!({"include_deleted": include}));
        let catalog = env.catalog(&config, &["campaigns", "ad_groups", "ads"], false);
        let run = env.read(&config, &catalog, None);
        assert_eq!(run.code, 0);
        let (c, g, a) = live_counts(&env, include);
        assert_eq!(
            (
                run.records("campaigns").len(),
                run.records("ad_groups").len(),
                run.records("ads").len()
            ),
            (c, g, a),
            "include_deleted={include}"
        );
        // Every account got its live entities, and (when on) its deleted ones, exactly once.
        for adv in &world.advertisers {
            let want: BTreeSet<&str> = world
                .ads
                .iter()
                .filter(|x| {
                    x.advertiser_id == adv.advertiser_id
                        && (include || world.ad_effective_deleted_at(x).is_none())
                })
                .map(|x| x.ad_id.as_str())
                .collect();
            let got: Vec<&str> = run
                .records("ads")
                .iter()
                .filter(|r| r["advertiser_id"] == adv.advertiser_id.as_str())
                .map(|r| r["ad_id"].as_str().unwrap())
                .collect();
            assert_eq!(
                got.len(),
                want.len(),
                "duplicates for {}",
                adv.advertiser_id
            );
            assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
        }
        // Each request carries its own filter: deleted filters exactly when asked for.
        for r in env
            .emu
            .requests()
            .iter()
            .filter(|r| r.path.ends_with("campaign/get/"))
        {
            let has = r
                .params
                .get("filtering")
                .is_some_and(|f| f.contains("STATUS_ALL"));
            assert_eq!(has, include, "{:?}", r.params);
        }
    }
    assert!(
        world.campaigns.iter().any(|c| c.deleted_at.is_some()),
        "the emulator has deleted campaigns"
    );
}

#[test]
fn auth_code_flow_ends_in_a_control_message_and_the_next_run_uses_the_token() {
    let env = Env::new();
    let code = env.emu.new_auth_code();
    let config = env.config(json!({"access_token": null, "auth_code": code}));
    let catalog = env.catalog(&config, &["campaigns"], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let control = run.of_type("CONTROL");
    assert_eq!(control.len(), 1);
    let stored = control[0]["control"]["connectorConfig"]["config"].clone();
    assert_eq!(control[0]["control"]["type"], "CONNECTOR_CONFIG");
    assert!(stored.get("auth_code").is_none());
    let token = stored["access_token"].as_str().unwrap().to_string();
    assert_eq!(stored["app_id"], config["app_id"]);
    assert!(!run.records("campaigns").is_empty());
    assert_no_secrets(&run, &[&code, &token, &env.emu_config.secret]);

    env.emu.clear_requests();
    let next = env.read(&stored, &catalog, None);
    assert_eq!(next.code, 0, "{}", next.stdout);
    assert!(next.of_type("CONTROL").is_empty());
    assert!(env
        .emu
        .requests()
        .iter()
        .all(|r| !r.path.contains("access_token")));
    assert_eq!(
        next.records("campaigns").len(),
        run.records("campaigns").len()
    );
}

#[test]
fn reads_the_official_connectors_state() {
    let env = Env::new();
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["campaigns"], true);
    let world = env.emu.world();
    let a = &world.advertisers[0].advertiser_id;
    // Cursor just before the newest campaign of account a: only that one (and ties after) come back.
    let mut mine: Vec<_> = world
        .campaigns
        .iter()
        .filter(|c| &c.advertiser_id == a && c.deleted_at.is_none())
        .collect();
    mine.sort_by_key(|c| c.modify_time);
    let newest = mine.last().unwrap();
    let cursor = (newest.modify_time - chrono::Duration::seconds(1))
        .format("%Y-%m-%d %H:%M:%SZ")
        .to_string();
    let state = json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "campaigns"}, "stream_state": {
        "use_global_cursor": false, "lookback_window": 3,
        "states": [{"partition": {"advertiser_id": a, "parent_slice": {}}, "cursor": {"modify_time": cursor}}]}}}]);
    let run = env.read(&config, &catalog, Some(&state));
    assert_eq!(run.code, 0, "{}", run.stdout);
    let for_a: Vec<&str> = run
        .records("campaigns")
        .iter()
        .filter(|r| r["advertiser_id"] == a.as_str())
        .map(|r| r["campaign_id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = mine
        .iter()
        .filter(|c| c.modify_time > newest.modify_time - chrono::Duration::seconds(1))
        .map(|c| c.campaign_id.as_str())
        .collect();
    assert_eq!(
        for_a.into_iter().collect::<BTreeSet<_>>(),
        expected.into_iter().collect::<BTreeSet<_>>()
    );
    // Accounts without a partition in the old state read everything.
    let others = run
        .records("campaigns")
        .iter()
        .filter(|r| r["advertiser_id"] != a.as_str())
        .count();
    assert_eq!(
        others,
        world
            .campaigns
            .iter()
            .filter(|c| &c.advertiser_id != a && c.deleted_at.is_none())
            .count()
    );
}

#[test]
fn faults_during_a_sync_do_not_change_the_records() {
    let clean = Env::new();
    let config = clean.config(json!({"include_deleted": true}));
    let catalog = clean.catalog(&config, ENTITY_STREAMS, false);
    let reference = clean.read(&config, &catalog, None);
    assert_eq!(reference.code, 0);

    let faulty = Env::with(EmulatorConfig {
        faults: Faults {
            seed: 7,
            api_error_rate: 0.1,
            api_error_codes: vec![50000, 50002, 40200, 40700],
            rate_limit_rate: 0.1,
            http_5xx_rate: 0.1,
            reset_rate: 0.05,
            truncated_rate: 0.05,
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    });
    let run = faulty.read(
        &faulty.config(json!({"include_deleted": true})),
        &catalog,
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    // Multisets: a retry that wrote a page twice shows as a count of 2.
    assert_eq!(records_multiset(&run), records_multiset(&reference));
    assert!(records_multiset(&reference).values().all(|n| *n == 1));
    assert!(
        faulty.emu.requests().iter().any(|r| r.fault.is_some()),
        "faults were injected"
    );
    assert!(run
        .of_type("LOG")
        .iter()
        .any(|l| l["log"]["message"].as_str().unwrap().contains("retrying")));
    assert_no_secrets(
        &run,
        &[&faulty.emu_config.secret, &faulty.emu_config.access_token],
    );
}

#[test]
fn bad_input_gives_a_config_error_trace_and_a_non_zero_exit() {
    let env = Env::new();
    let config = env.config(json!({}));
    let bad_catalog = json!({"streams": [{"stream": {"name": "__AIRBYTE__stream_that_does_not_exist", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
        "sync_mode": "INVALID", "destination_sync_mode": "overwrite"}]});
    let run = env.read(&config, &bad_catalog, None);
    assert_ne!(run.code, 0);
    assert_eq!(run.errors()[0]["failure_type"], "config_error");
    assert!(run.errors()[0]["message"]
        .as_str()
        .unwrap()
        .contains("__AIRBYTE__stream_that_does_not_exist"));

    let catalog = env.catalog(&config, &["campaigns"], true);
    let run = env.read(&config, &catalog, Some(&json!({"nonsense": 5})));
    assert_ne!(run.code, 0);
    assert_eq!(run.errors()[0]["failure_type"], "config_error");

    let run = env.read(
        &env.config(json!({"attribution_window": -1})),
        &catalog,
        None,
    );
    assert_ne!(run.code, 0);
    assert!(run.errors()[0]["message"]
        .as_str()
        .unwrap()
        .contains("attribution_window"));

    // A revoked token mid-life: config error, nothing secret printed.
    env.emu.revoke_token(&env.emu_config.access_token);
    let run = env.read(&config, &catalog, None);
    assert_ne!(run.code, 0);
    assert_eq!(run.errors()[0]["failure_type"], "config_error");
    assert_no_secrets(
        &run,
        &[&env.emu_config.secret, &env.emu_config.access_token],
    );
}

#[test]
fn a_change_in_the_same_second_as_the_cursor_is_read_once() {
    let env = Env::new();
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["campaigns"], true);
    let first = env.read(&config, &catalog, None);
    let world = env.emu.world();
    let live = |id: &str| {
        world
            .campaigns
            .iter()
            .filter(|c| c.advertiser_id == id && c.deleted_at.is_none())
            .count()
    };
    let a = world
        .advertisers
        .iter()
        .map(|x| x.advertiser_id.clone())
        .find(|id| live(id) >= 2)
        .expect("an account with two live campaigns");
    env.emu.advance(chrono::Duration::hours(1));
    let x = env.emu.modify_entities(&a, Level::Campaign, 1);
    let second = env.read(&config, &catalog, Some(&first.final_state()));
    let ids = |r: &Run| -> Vec<String> {
        r.records("campaigns")
            .iter()
            .map(|c| c["campaign_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&second), x);
    // Same clock second: another campaign changes after the sync read the first one.
    let y: Vec<String> = env.emu.mutate(|w, now| {
        let c = w
            .campaigns
            .iter_mut()
            .find(|c| c.advertiser_id == a && c.deleted_at.is_none() && !x.contains(&c.campaign_id))
            .expect("another live campaign");
        c.modify_time = now;
        vec![c.campaign_id.clone()]
    });
    let third = env.read(&config, &catalog, Some(&second.final_state()));
    let got = ids(&third);
    assert!(
        got.contains(&y[0]),
        "the change in the cursor's second was read: {got:?}"
    );
    assert_eq!(got, y, "and the one read before is not read again");
}

#[test]
fn docker_users_authorize_with_auth_url_and_exchange_code() {
    let env = Env::new();
    let app = env.emu_config.app_id.clone();
    let run = env.run_plain(&[
        "auth-url",
        "--app-id",
        &app,
        "--redirect-uri",
        "https://example.com/cb?x=1",
        "--api-base-url",
        &env.emu.base_url(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let url = run.stdout.trim().to_string();
    assert!(
        url.contains(&format!("app_id={app}"))
            && url.contains("redirect_uri=https%3A%2F%2Fexample.com%2Fcb%3Fx%3D1"),
        "{url}"
    );
    // The emulator's authorization page shows the code, as TikTok does after the user agrees.
    let target = url.trim_start_matches(&env.emu.base_url()).to_string();
    let page = tiktok_emulator::client::Client::new(&env.emu.base_url())
        .unwrap()
        .get(&target, None)
        .unwrap()
        .text();
    let code = page
        .split("id=\"auth_code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the page shows a code")
        .to_string();
    let mut config = env.config(json!({"access_token": null}));
    config["auth_code"] = json!(code);
    let path = env.write("with-code.json", &config);
    let run = env.run_plain(&["exchange-code", "--config", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stored: Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(stored.get("auth_code").is_none() && stored["access_token"].is_string());
    assert_eq!(env.check(&stored).connection_status().0, "SUCCEEDED");
    // The code is single use: a second exchange explains what to do and prints no secret.
    let again = env.run_plain(&["exchange-code", "--config", path.to_str().unwrap()]);
    assert_ne!(again.code, 0);
    assert!(again.stderr.contains("already used"), "{}", again.stderr);
    assert!(!again.stderr.contains(&code) && !again.stderr.contains(&env.emu_config.secret));
    // The page URL may only point at TikTok or loopback.
    let bad = env.run_plain(&[
        "auth-url",
        "--app-id",
        &app,
        "--redirect-uri",
        "x",
        "--api-base-url",
        "http://evil.example.com",
    ]);
    assert_ne!(bad.code, 0);
}

#[test]
fn a_failed_window_leaves_other_accounts_going_and_its_cursor_in_place() {
    let env = Env::with(EmulatorConfig {
        faults: Faults {
            seed: 3,
            api_error_rate: 1.0,
            api_error_codes: vec![40006],
            only_paths: vec!["report/integrated/get/".into()],
            max_faults: Some(1),
            ..Faults::default()
        },
        ..EmulatorConfig::default()
    });
    let config = env.config(json!({"start_date": (env.emu.now() - chrono::Duration::days(40)).format("%Y-%m-%d").to_string()}));
    let catalog = env.catalog(&config, &["advertisers_reports_daily"], true);
    let run = env.read(&config, &catalog, None);
    assert_ne!(run.code, 0, "a failed window fails the run");
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "one ERROR trace lists the failures");
    assert_eq!(errors[0]["failure_type"], "system_error");
    assert_eq!(
        run.statuses("advertisers_reports_daily")
            .last()
            .map(String::as_str),
        Some("INCOMPLETE")
    );
    let failed = env
        .emu
        .requests()
        .into_iter()
        .find(|r| r.fault.is_some())
        .expect("one fault");
    let failed_account = failed.params["advertiser_id"].clone();
    let failed_start = failed.params["start_date"].clone();
    let accounts = run.final_state()[0]["stream"]["stream_state"]["accounts"].clone();
    for adv in env.emu.world().advertisers {
        let tz: chrono_tz::Tz = adv.timezone.parse().unwrap();
        let today = env.emu.now().with_timezone(&tz).date_naive().to_string();
        if adv.advertiser_id == failed_account {
            // Windows run concurrently, so the failed one need not be the account's first: its
            // cursor may cover the windows before it, never the failed window itself.
            if let Some(last_day) = accounts.get(&adv.advertiser_id) {
                let last_day = last_day["last_day"].as_str().expect("last_day");
                assert!(
                    last_day < failed_start.as_str(),
                    "the failed account's cursor {last_day} moved over the failed window from {failed_start}"
                );
            }
        } else {
            assert_eq!(
                accounts[&adv.advertiser_id]["last_day"],
                json!(today),
                "{}",
                adv.advertiser_id
            );
        }
    }
    // The next run resumes the failed account from its start and completes.
    let next = env.read(&config, &catalog, Some(&run.final_state()));
    assert_eq!(next.code, 0, "{}", next.stdout);
    assert!(
        next.records("advertisers_reports_daily").iter().any(|r| {
            r["advertiser_id"] == failed_account.as_str()
                && r["stat_time_day"]
                    .as_str()
                    .is_some_and(|d| d[..10] == failed_start[..])
        }),
        "the next run reads the failed window's first day {failed_start}"
    );
}

#[test]
fn estimates_come_from_page_info() {
    let env = Env::new();
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["campaigns", "ads"], false);
    let run = env.read(&config, &catalog, None);
    let last_estimate = |s: &str| -> Option<u64> {
        run.of_type("TRACE")
            .into_iter()
            .filter(|l| l["trace"]["type"] == "ESTIMATE" && l["trace"]["estimate"]["name"] == s)
            .filter_map(|l| l["trace"]["estimate"]["row_estimate"].as_u64())
            .next_back()
    };
    let (c, _, a) = live_counts(&env, false);
    assert_eq!(last_estimate("campaigns"), Some(c as u64));
    assert_eq!(last_estimate("ads"), Some(a as u64));
}

#[test]
fn advertiser_details_are_asked_at_most_100_ids_a_call() {
    let env = Env::with(EmulatorConfig {
        advertisers: 130,
        campaigns_per_advertiser: 1,
        adgroups_per_campaign: 1,
        ads_per_adgroup: 1,
        ..EmulatorConfig::default()
    });
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["advertisers"], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.records("advertisers").len(), 130);
    let calls: Vec<usize> = env
        .emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("advertiser/info/"))
        .map(|r| {
            serde_json::from_str::<Vec<String>>(&r.params["advertiser_ids"])
                .unwrap()
                .len()
        })
        .collect();
    assert_eq!(calls.iter().sum::<usize>(), 130);
    assert!(calls.iter().all(|n| *n <= 100), "{calls:?}");
}

#[test]
fn tiktoks_rate_limit_slows_the_sync_down_without_losing_anything() {
    let clean = Env::new();
    let config = clean.config(json!({}));
    let catalog = clean.catalog(
        &config,
        &["campaigns", "ad_groups", "ads", "advertisers_reports_daily"],
        false,
    );
    let reference = clean.read(&config, &catalog, None);
    assert_eq!(reference.code, 0, "{}", reference.stdout);
    // TikTok allows 5 requests a second; the connector is told it may send 200.
    let limited = Env::with(EmulatorConfig {
        qps: 5,
        qpm: 300,
        ..EmulatorConfig::default()
    });
    let run = limited.read(
        &limited.config(json!({"requests_per_second": 200, "concurrency": 8})),
        &catalog,
        None,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let limited_answers = limited
        .emu
        .requests()
        .iter()
        .filter(|r| r.code == Some(40100))
        .count();
    assert!(limited_answers > 0, "the bucket answered 40100");
    assert_eq!(records_multiset(&run), records_multiset(&reference));
    assert!(records_multiset(&reference).values().all(|n| *n == 1));
}

/// Every record (stream and data) with how many times it was emitted.
fn records_multiset(r: &Run) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for (s, d) in r.all_records() {
        *m.entry(format!("{s}:{d}")).or_default() += 1;
    }
    m
}
