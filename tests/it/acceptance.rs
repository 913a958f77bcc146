//! The connector acceptance checks for a source (airbyte-protocol.md §3.2), driven by the files in
//! integration_tests/, against the emulator. Each test names the CAT check it performs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::reports::{local_today, row_key, shape, stream_of, truth};
use crate::support::*;

fn file(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("integration_tests")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn json_file(name: &str) -> Value {
    serde_json::from_str(&file(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// sample_config.json pointed at this test's emulator.
fn sample_config(env: &Env) -> Value {
    let mut c = json_file("sample_config.json");
    c["api_base_url"] = json!(env.emu.base_url());
    c
}

fn catalog() -> Value {
    json_file("configured_catalog.json")
}

fn walk(v: &Value, f: &mut dyn FnMut(&serde_json::Map<String, Value>)) {
    match v {
        Value::Object(m) => {
            f(m);
            m.values().for_each(|x| walk(x, f));
        }
        Value::Array(a) => a.iter().for_each(|x| walk(x, f)),
        _ => {}
    }
}

#[test]
fn spec_lint_and_config_matches_spec() {
    let env = Env::new();
    let spec = env.run(&["spec"]).lines[0]["spec"].clone();
    let conn = &spec["connectionSpecification"];
    // test_config_match_spec
    let validator = jsonschema::draft7::new(conn).unwrap();
    for name in ["sample_config.json", "invalid_config.json"] {
        let c = json_file(name);
        let errors: Vec<String> = validator.iter_errors(&c).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
    }
    // test_secret_is_properly_marked, test_defined_refs_exist_in_json_spec_file, test_forbidden_complex_types,
    // test_additional_properties_is_true, test_enum_usage, test_duplicate_order, test_property_type_is_not_array
    let secret_words = [
        "secret",
        "token",
        "password",
        "auth_code",
        "credentials",
        "key",
    ];
    walk(conn, &mut |m| {
        for k in [
            "$ref",
            "not",
            "anyOf",
            "allOf",
            "patternProperties",
            "prefixItems",
            "if",
            "dependentSchemas",
            "dependentRequired",
        ] {
            assert!(!m.contains_key(k), "forbidden keyword {k} in the spec");
        }
        if let Some(a) = m.get("additionalProperties") {
            assert_eq!(a, &json!(true));
        }
        if let Some(e) = m.get("enum").and_then(Value::as_array) {
            assert_eq!(
                e.iter()
                    .map(|x| x.to_string())
                    .collect::<BTreeSet<_>>()
                    .len(),
                e.len(),
                "duplicate enum values"
            );
        }
        if let Some(props) = m.get("properties").and_then(Value::as_object) {
            let mut orders = BTreeSet::new();
            for (name, p) in props {
                if let Some(o) = p.get("order") {
                    assert!(
                        orders.insert(o.to_string()),
                        "duplicate order {o} at {name}"
                    );
                }
                if let Some(t) = p.get("type").and_then(Value::as_array) {
                    assert!(
                        t.len() == 2 && t.contains(&json!("null")),
                        "{name}: type arrays are [T, null] only"
                    );
                }
                let secretish =
                    secret_words.iter().any(|w| name.contains(w)) && name != "rate_limit_tier";
                if secretish && p.get("type") == Some(&json!("string")) && !name.ends_with("_url") {
                    assert_eq!(
                        p.get("airbyte_secret"),
                        Some(&json!(true)),
                        "{name} must be marked airbyte_secret"
                    );
                }
            }
        }
    });
    // Every top-level field is documented for the form.
    for (name, p) in conn["properties"].as_object().unwrap() {
        for k in ["title", "description", "order", "examples"] {
            assert!(p.get(k).is_some(), "{name} lacks {k}");
        }
    }
    // test_oauth_flow_parameters: every path_in_connector_config exists in the spec.
    walk(&spec["advanced_auth"], &mut |m| {
        if let Some(path) = m.get("path_in_connector_config").and_then(Value::as_array) {
            let key = path[0].as_str().unwrap();
            assert!(
                conn["properties"].get(key).is_some(),
                "oauth path {key} is not a spec field"
            );
        }
    });
}

#[test]
fn check_succeed_failed_and_exception() {
    let env = Env::new();
    let run = env.check(&sample_config(&env));
    assert_eq!(run.connection_status().0, "SUCCEEDED", "{}", run.stdout);
    let mut invalid = json_file("invalid_config.json");
    invalid["api_base_url"] = json!(env.emu.base_url());
    let run = env.check(&invalid);
    assert_eq!(run.code, 0);
    assert_eq!(run.connection_status().0, "FAILED");
    // exception: a config the connector cannot even read gives exactly one TRACE with a message.
    let p = env.dir.path().join("broken.json");
    std::fs::write(&p, "{not json").unwrap();
    let run = env.run(&["check", "--config", p.to_str().unwrap()]);
    assert_ne!(run.code, 0);
    let traces = run.of_type("TRACE");
    assert_eq!(traces.len(), 1);
    assert!(traces[0]["trace"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
}

#[test]
fn discovery_checks() {
    let env = Env::new();
    let streams = env.discover(&sample_config(&env));
    let names: BTreeSet<&str> = streams
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), streams.len(), "test_discover: unique names");
    for s in &streams {
        let name = s["name"].as_str().unwrap();
        let schema = &s["json_schema"];
        assert!(
            jsonschema::draft7::meta::is_valid(schema),
            "{name}: test_streams_have_valid_json_schemas"
        );
        assert!(
            !s["supported_sync_modes"].as_array().unwrap().is_empty(),
            "{name}: test_streams_has_sync_modes"
        );
        let props = schema["properties"].as_object().unwrap();
        for c in s
            .get("default_cursor_field")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            assert!(
                props.contains_key(c.as_str().unwrap()),
                "{name}: test_defined_cursors_exist_in_schema"
            );
        }
        for k in s["source_defined_primary_key"].as_array().unwrap() {
            let p = &props[k[0].as_str().unwrap()];
            assert!(p.is_object(), "{name}: test_primary_keys_exist_in_schema");
            let t = p["type"].to_string();
            assert!(
                !t.contains("object") && !t.contains("array"),
                "{name}: test_primary_keys_data_type"
            );
        }
        walk(schema, &mut |m| {
            assert!(
                !m.contains_key("$ref") && !m.contains_key("allOf") && !m.contains_key("not"),
                "{name}: refs/keywords"
            );
            if let Some(a) = m.get("additionalProperties") {
                assert_eq!(
                    a,
                    &json!(true),
                    "{name}: test_additional_properties_is_true"
                );
            }
        });
    }
    // The configured catalog covers every stream.
    let configured: BTreeSet<String> = catalog()["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stream"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        configured,
        names.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>(),
        "configured_catalog.json lists every stream"
    );
}

#[test]
fn basic_read() {
    let env = Env::new();
    let config = sample_config(&env);
    let mut full = catalog();
    for s in full["streams"].as_array_mut().unwrap() {
        s["sync_mode"] = json!("full_refresh");
        s["destination_sync_mode"] = json!("overwrite");
    }
    let run = env.read(&config, &full, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    validate_records(&full, &run);
    let empty_ok: BTreeSet<&str> = BTreeSet::new();
    let mut per_stream: BTreeMap<&str, usize> = BTreeMap::new();
    for (s, _) in run.all_records() {
        *per_stream.entry(s).or_default() += 1;
    }
    let names: Vec<String> = full["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stream"]["name"].as_str().unwrap().to_string())
        .collect();
    for name in &names {
        if !empty_ok.contains(name.as_str()) {
            assert!(
                per_stream.get(name.as_str()).copied().unwrap_or(0) > 0,
                "{name}: no records"
            );
        }
        let st = run.statuses(name);
        assert!(
            st.len() >= 3 && st[0] == "STARTED" && st.last().unwrap() == "COMPLETE",
            "{name}: {st:?}"
        );
        assert!(
            st[1..st.len() - 1].iter().all(|s| s == "RUNNING"),
            "{name}: {st:?}"
        );
    }
    let states = run.of_type("STATE");
    assert!(states.len() >= names.len());
    assert!(states
        .iter()
        .all(|s| s["state"]["type"] == "STREAM" && s["state"]["sourceStats"].is_object()));
    // expect_records: every expected record (made from the emulator's data, not from a read) is
    // read once, with the expected value in each of its fields.
    let mut expected = 0;
    for line in file("expected_records.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let e: Value = serde_json::from_str(line).unwrap();
        assert!(e["emitted_at"].is_i64());
        let stream = e["stream"].as_str().unwrap();
        let pk: Vec<&str> = stream_of(&full, stream)["source_defined_primary_key"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[0].as_str().unwrap())
            .collect();
        let found: Vec<&Value> = run
            .records(stream)
            .into_iter()
            .filter(|r| pk.iter().all(|k| r[*k] == e["data"][*k]))
            .collect();
        assert_eq!(found.len(), 1, "expected record read once: {line}");
        for (field, want) in e["data"].as_object().unwrap() {
            assert_eq!(&found[0][field], want, "{stream}.{field} of {line}");
        }
        expected += 1;
    }
    assert!(expected >= 20, "expected_records.jsonl holds a real sample");
}

/// The records a read of sample_config.json must give, from the emulator's own data: entities
/// from its world, report rows from its report engine (`report_truth`), written the way the
/// connector promises (IDs as strings, instants as RFC 3339 UTC, metrics as JSON numbers with
/// TikTok's digits, "-" as null). A few fields per record; the check finds the read's record by
/// primary key and compares these fields.
fn expected_from_truth(env: &Env, config: &Value, catalog: &Value) -> Vec<Value> {
    let world = env.emu.world();
    let rfc3339 = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut out: Vec<Value> = Vec::new();
    let mut push = |stream: &str, data: Value| {
        out.push(json!({"stream": stream, "data": data, "emitted_at": 1764000000000i64}));
    };
    for a in world.advertisers.iter().take(4) {
        push(
            "advertisers",
            json!({"advertiser_id": a.advertiser_id, "name": a.name, "timezone": a.timezone,
            "currency": a.currency, "country": a.country, "company": a.company, "status": a.status,
            "create_time": rfc3339(a.create_time)}),
        );
    }
    let mut campaigns: Vec<_> = world
        .campaigns
        .iter()
        .filter(|c| c.deleted_at.is_none())
        .collect();
    campaigns.sort_by(|x, y| x.campaign_id.cmp(&y.campaign_id));
    for c in campaigns.into_iter().take(4) {
        push(
            "campaigns",
            json!({"campaign_id": c.campaign_id, "advertiser_id": c.advertiser_id,
            "campaign_name": c.campaign_name, "objective_type": c.objective_type,
            "budget_mode": c.budget_mode, "operation_status": c.operation_status,
            "create_time": rfc3339(c.create_time), "modify_time": rfc3339(c.modify_time)}),
        );
    }
    let mut groups: Vec<_> = world
        .adgroups
        .iter()
        .filter(|g| world.adgroup_effective_deleted_at(g).is_none())
        .collect();
    groups.sort_by(|x, y| x.adgroup_id.cmp(&y.adgroup_id));
    for g in groups.into_iter().take(4) {
        push(
            "ad_groups",
            json!({"adgroup_id": g.adgroup_id, "campaign_id": g.campaign_id,
            "advertiser_id": g.advertiser_id, "adgroup_name": g.adgroup_name, "placement_type": g.placement_type,
            "optimization_goal": g.optimization_goal, "operation_status": g.operation_status,
            "create_time": rfc3339(g.create_time), "modify_time": rfc3339(g.modify_time)}),
        );
    }
    let mut ads: Vec<_> = world
        .ads
        .iter()
        .filter(|a| world.ad_effective_deleted_at(a).is_none())
        .collect();
    ads.sort_by(|x, y| x.ad_id.cmp(&y.ad_id));
    for a in ads.into_iter().take(4) {
        let mut data = json!({"ad_id": a.ad_id, "adgroup_id": a.adgroup_id, "campaign_id": a.campaign_id,
            "advertiser_id": a.advertiser_id, "ad_name": a.ad_name, "ad_text": a.ad_text,
            "call_to_action": a.call_to_action, "landing_page_url": a.landing_page_url,
            "create_time": rfc3339(a.create_time)});
        if let Some(t) = a.modify_time {
            data["modify_time"] = json!(rfc3339(t));
        }
        push("ads", data);
    }
    let start =
        NaiveDate::parse_from_str(config["start_date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let account = &world.advertisers[0].advertiser_id;
    for name in [
        "ads_reports_daily",
        "campaigns_audience_reports_daily",
        "advertisers_reports_lifetime",
    ] {
        let stream = stream_of(catalog, name);
        let s = shape(stream);
        let mut rows = truth(
            env,
            stream,
            account,
            start,
            local_today(env, account),
            false,
        );
        rows.sort_by_key(|r| row_key(&r.dimensions, &s));
        for row in rows.into_iter().take(4) {
            let mut data = json!({"advertiser_id": account});
            // The record's key columns, from what TikTok was asked (ad level: `ad_id` holds
            // TikTok's `ad_id_v2`).
            for (d, asked) in s.dimensions.iter().zip(&s.request_dimensions) {
                let v = &row.dimensions[asked];
                data[d] = json!(match d.as_str() {
                    "stat_time_day" => v[..10].to_string(),
                    _ => v.clone(),
                });
            }
            for m in ["spend", "impressions", "clicks"] {
                if let (true, Some(text)) = (s.metrics.iter().any(|x| x == m), row.metrics.get(m)) {
                    data[m] = match text.as_str() {
                        "-" | "" => Value::Null,
                        number => {
                            serde_json::from_str(number).expect("TikTok sends metrics as numbers")
                        }
                    };
                }
            }
            push(name, data);
        }
    }
    out
}

/// The checked-in expected records are what the emulator's data says (so they were not copied
/// from a read, and are regenerated when the emulator changes).
#[test]
fn expected_records_are_the_emulators_truth() {
    let env = Env::new();
    let config = sample_config(&env);
    let full = env.catalog(&config, &[], false);
    let want = expected_from_truth(&env, &config, &full);
    let got: Vec<Value> = file("expected_records.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        got, want,
        "integration_tests/expected_records.jsonl is stale: `cargo test --test it regenerate -- --ignored`"
    );
}

#[test]
fn airbyte_trace_message_on_failure() {
    let env = Env::new();
    let bad = json!({"streams": [{"stream": {"name": "__AIRBYTE__stream_that_does_not_exist", "json_schema": {"type": "object"},
        "supported_sync_modes": ["full_refresh"]}, "sync_mode": "INVALID", "destination_sync_mode": "overwrite"}]});
    let run = env.read(&sample_config(&env), &bad, None);
    assert_ne!(run.code, 0);
    assert!(!run.errors().is_empty());
}

#[test]
fn full_refresh_sequential_reads() {
    let env = Env::new();
    let config = sample_config(&env);
    let catalog = env.catalog(
        &config,
        &["campaigns", "advertisers", "campaigns_reports_lifetime"],
        false,
    );
    let first = env.read(&config, &catalog, None);
    // No sleep between the reads: the connector stamps a run's records after the run began
    // (protocol::now_ms), and the second run begins after the first one ended.
    let second = env.read(&config, &catalog, None);
    assert_eq!((first.code, second.code), (0, 0));
    let times = |r: &Run| -> Vec<i64> {
        r.of_type("RECORD")
            .iter()
            .map(|l| l["record"]["emitted_at"].as_i64().unwrap())
            .collect()
    };
    assert!(
        times(&first).iter().max() < times(&second).iter().min(),
        "emitted_at increases between reads"
    );
    assert_eq!(
        keys_of(&catalog, &first),
        keys_of(&catalog, &second),
        "identical data"
    );
}

#[test]
fn incremental_two_reads_sequential_slices_and_future_state() {
    let env = Env::new();
    let config = sample_config(&env);
    let incremental_names: Vec<String> = catalog()["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["sync_mode"] == "incremental")
        .map(|s| s["stream"]["name"].as_str().unwrap().to_string())
        .collect();
    let names = [
        "campaigns",
        "ads",
        "ads_reports_daily",
        "campaigns_reports_hourly",
    ];
    let cat = env.catalog(&config, &names, true);
    let first = env.read(&config, &cat, None);
    assert_eq!(first.code, 0);
    assert!(!first.of_type("RECORD").is_empty() && !first.of_type("STATE").is_empty());
    // test_two_sequential_reads
    let second = env.read(&config, &cat, Some(&first.final_state()));
    assert_eq!(second.code, 0);
    let recs = |r: &Run| -> Vec<String> {
        r.all_records()
            .iter()
            .map(|(s, d)| format!("{s}|{d}"))
            .collect()
    };
    assert_ne!(recs(&first), recs(&second));
    assert!(
        second.records("campaigns").is_empty() && second.records("ads").is_empty(),
        "no entity changed"
    );
    // test_read_sequential_slices: from each checkpoint with records, at least the records after it come back.
    for l in first
        .of_type("STATE")
        .iter()
        .filter(|l| l["state"]["sourceStats"]["recordCount"].as_f64() > Some(0.0))
        .take(6)
    {
        let name = l["state"]["stream"]["stream_descriptor"]["name"]
            .as_str()
            .unwrap();
        let pos = first
            .lines
            .iter()
            .position(|x| std::ptr::eq(x, *l))
            .unwrap();
        let after = first.lines[pos..]
            .iter()
            .filter(|x| x["type"] == "RECORD" && x["record"]["stream"] == name)
            .count();
        let one = env.catalog(&config, &[name], true);
        let again = env.read(&config, &one, Some(&json!([l["state"]])));
        assert!(
            again.records(name).len() >= after,
            "{name}: {} < {after}",
            again.records(name).len()
        );
    }
    // test_state_with_abnormally_large_values
    let mut inc = catalog();
    inc["streams"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["sync_mode"] == "incremental");
    let future = json_file("abnormal_state.json");
    let stated: BTreeSet<&str> = future
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stream"]["stream_descriptor"]["name"].as_str().unwrap())
        .collect();
    for n in &incremental_names {
        assert!(
            stated.contains(n.as_str()),
            "abnormal_state.json has a future state for {n}"
        );
    }
    let run = env.read(&config, &inc, Some(&future));
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.of_type("RECORD").is_empty(),
        "a future state reads nothing"
    );
    assert!(run.of_type("STATE").len() >= incremental_names.len());
    // sample_state.json is readable and gives a working incremental read.
    let run = env.read(&config, &inc, Some(&json_file("sample_state.json")));
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// Writes integration_tests/ from the emulator's seed: `cargo test --test it regenerate -- --ignored`.
#[test]
#[ignore]
fn regenerate_integration_files() {
    let env = Env::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("integration_tests");
    std::fs::create_dir_all(&dir).unwrap();
    let start = (env.emu.now() - chrono::Duration::days(10))
        .format("%Y-%m-%d")
        .to_string();
    let sample = json!({
        "app_id": env.emu_config.app_id, "secret": env.emu_config.secret, "access_token": env.emu_config.access_token,
        "start_date": start, "include_deleted": false, "attribution_window": 3,
        "api_base_url": "http://127.0.0.1:8080", "requests_per_second": 1000, "requests_per_minute": 60000,
    });
    let invalid = json!({
        "app_id": env.emu_config.app_id, "secret": "wrong-secret", "access_token": "invalid-token",
        "start_date": start, "api_base_url": "http://127.0.0.1:8080",
    });
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap() + "\n";
    std::fs::write(dir.join("sample_config.json"), pretty(&sample)).unwrap();
    std::fs::write(dir.join("invalid_config.json"), pretty(&invalid)).unwrap();
    let mut config = sample.clone();
    config["api_base_url"] = json!(env.emu.base_url());
    let catalog = env.catalog(&config, &[], true);
    std::fs::write(dir.join("configured_catalog.json"), pretty(&catalog)).unwrap();
    let future: Vec<Value> = catalog["streams"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["sync_mode"] == "incremental")
        .map(|s| {
            let name = s["stream"]["name"].as_str().unwrap();
            // Instants (modify_time, create_time) and days (stat_time_*, date) are the two cursor kinds.
            let instant = matches!(
                s["stream"]["default_cursor_field"][0].as_str(),
                Some("modify_time" | "create_time")
            );
            let cursor = if instant {
                json!({"modify_time": "2099-01-01T00:00:00Z"})
            } else {
                json!({"last_day": "2099-01-01"})
            };
            json!({"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": cursor}})
        })
        .collect();
    std::fs::write(
        dir.join("abnormal_state.json"),
        pretty(&Value::Array(future)),
    )
    .unwrap();
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0);
    let state: Vec<Value> = run
        .final_state()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| json!({"type": "STREAM", "stream": s["stream"]}))
        .collect();
    std::fs::write(dir.join("sample_state.json"), pretty(&Value::Array(state))).unwrap();
    let mut lines = String::new();
    let full = env.catalog(&config, &[], false);
    for e in expected_from_truth(&env, &config, &full) {
        lines.push_str(&e.to_string());
        lines.push('\n');
    }
    std::fs::write(dir.join("expected_records.jsonl"), lines).unwrap();
}
