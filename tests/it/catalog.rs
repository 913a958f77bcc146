//! The configured catalog as real clients send it (issue 8): one test per rule of `src/catalog.rs`,
//! the binary against the emulator.

use std::collections::BTreeSet;

use serde_json::{json, Value};
use tiktok_emulator::Level;

use crate::support::*;

/// A catalog entry for a discovered stream, in the given mode, with the stream's own cursor.
fn entry(stream: &Value, mode: &str) -> Value {
    json!({
        "stream": stream,
        "sync_mode": mode,
        "destination_sync_mode": "overwrite",
        "cursor_field": stream.get("default_cursor_field").cloned().unwrap_or(Value::Null),
        "primary_key": stream["source_defined_primary_key"],
    })
}

fn discovered(env: &Env, config: &Value, name: &str) -> Value {
    env.discover(config)
        .into_iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no stream {name}"))
}

/// The LOG lines of a run at a level, as (level, message).
fn logs(run: &Run, level: &str) -> Vec<String> {
    run.of_type("LOG")
        .into_iter()
        .filter(|l| l["log"]["level"] == level)
        .map(|l| l["log"]["message"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Records as a sorted list of their JSON texts: a multiset, so duplicates count.
fn record_texts(run: &Run, stream: &str) -> Vec<String> {
    let mut v: Vec<String> = run.records(stream).iter().map(|r| r.to_string()).collect();
    v.sort();
    v
}

fn ids(run: &Run, stream: &str, key: &str) -> BTreeSet<String> {
    run.records(stream)
        .iter()
        .map(|r| r[key].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_catalog_pyairbyte_sends_reads_every_stream() {
    // PyAirbyte configures every stream incremental, overwrite, with the default cursor (null when
    // there is none) and the refresh fields set (airbyte/sources/base.py, 0.71.3).
    let env = Env::new();
    let config = env.config(json!({}));
    let streams = env.discover(&config);
    let catalog = json!({"streams": streams.iter().map(|s| {
        let mut e = entry(s, "incremental");
        e["generation_id"] = Value::Null;
        e["minimum_generation_id"] = Value::Null;
        e["sync_id"] = Value::Null;
        e
    }).collect::<Vec<_>>()});
    let run = env.read(&config, &catalog, Some(&json!([])));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.errors().is_empty(), "{:?}", run.errors());
    let cursorless: BTreeSet<String> = streams
        .iter()
        .filter(|s| {
            !s["supported_sync_modes"]
                .as_array()
                .unwrap()
                .contains(&json!("incremental"))
        })
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    assert!(cursorless.contains("advertiser_ids") && cursorless.contains("audiences"));
    // One INFO line for each stream without a cursor, and none for the others.
    let infos: Vec<String> = logs(&run, "INFO")
        .into_iter()
        .filter(|m| m.contains("full refresh"))
        .collect();
    assert_eq!(infos.len(), cursorless.len(), "{infos:#?}");
    for name in &cursorless {
        assert_eq!(
            infos
                .iter()
                .filter(|m| m.contains(&format!("'{name}'")))
                .count(),
            1,
            "{name}: {infos:#?}"
        );
    }
    assert!(logs(&run, "WARN").is_empty(), "{:?}", logs(&run, "WARN"));
    for s in &streams {
        let name = s["name"].as_str().unwrap();
        assert_eq!(
            run.statuses(name).last().map(String::as_str),
            Some("COMPLETE"),
            "{name}"
        );
    }
    let advertisers = env.emu.world().advertisers.len();
    assert_eq!(run.records("advertiser_ids").len(), advertisers);
    validate_records(&catalog, &run);
}

#[test]
fn incremental_on_a_stream_without_a_cursor_is_a_full_refresh_with_one_info_line() {
    let env = Env::new();
    let config = env.config(json!({}));
    let audiences = discovered(&env, &config, "audiences");
    let advertiser_ids = discovered(&env, &config, "advertiser_ids");
    let asked = json!({"streams": [entry(&advertiser_ids, "incremental"), entry(&audiences, "incremental")]});
    let full = json!({"streams": [entry(&advertiser_ids, "full_refresh"), entry(&audiences, "full_refresh")]});

    let reference = env.read(&config, &full, None);
    assert_eq!(reference.code, 0, "{}", reference.stdout);
    let first = env.read(&config, &asked, None);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    // Even with the state of a run before, everything is read again: nothing is incremental.
    let second = env.read(&config, &asked, Some(&first.final_state()));
    assert_eq!(second.code, 0, "{}", second.stdout);
    let world = env.emu.world();
    for run in [&first, &second] {
        assert_eq!(run.records("audiences").len(), world.audiences.len());
        assert_eq!(run.records("advertiser_ids").len(), world.advertisers.len());
        for stream in ["audiences", "advertiser_ids"] {
            assert_eq!(
                record_texts(run, stream),
                record_texts(&reference, stream),
                "{stream}"
            );
            let lines: Vec<String> = logs(run, "INFO")
                .into_iter()
                .filter(|m| m.contains(&format!("'{stream}'")))
                .collect();
            assert_eq!(lines.len(), 1, "{stream}: {lines:?}");
            assert!(lines[0].contains("full refresh"), "{}", lines[0]);
        }
    }
    assert!(logs(&reference, "INFO")
        .iter()
        .all(|m| !m.contains("full refresh")));
}

#[test]
fn a_stream_named_twice_is_a_config_error_naming_it() {
    let env = Env::new();
    let config = env.config(json!({}));
    let campaigns = discovered(&env, &config, "campaigns");
    let ads = discovered(&env, &config, "ads");
    let catalog = json!({"streams": [
        entry(&campaigns, "incremental"),
        entry(&ads, "incremental"),
        entry(&campaigns, "full_refresh"),
    ]});
    env.emu.clear_requests();
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let errors = run.errors();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert_eq!(errors[0]["failure_type"], "config_error");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.contains("'campaigns'") && message.contains("more than once"),
        "{message}"
    );
    assert!(run.of_type("RECORD").is_empty());
    // Refused before any request: nothing is half-read.
    assert!(env.emu.requests().is_empty());
}

#[test]
fn a_cursor_field_other_than_the_streams_own_is_ignored_with_one_warning() {
    let env = Env::new();
    let config = env.config(json!({}));
    let campaigns = discovered(&env, &config, "campaigns");
    let mut foreign = entry(&campaigns, "incremental");
    foreign["cursor_field"] = json!(["create_time"]);
    let catalog = json!({ "streams": [foreign] });
    let own = json!({ "streams": [entry(&campaigns, "incremental")] });

    let first = env.read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    let warnings = logs(&first, "WARN");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("'campaigns'")
            && warnings[0].contains("create_time")
            && warnings[0].contains("modify_time"),
        "{}",
        warnings[0]
    );
    let reference = env.read(&config, &own, None);
    assert!(logs(&reference, "WARN").is_empty());
    assert_eq!(
        record_texts(&first, "campaigns"),
        record_texts(&reference, "campaigns")
    );

    // The read went on modify_time: a modified campaign comes back, nothing else does.
    env.emu.advance(chrono::Duration::hours(1));
    let advertisers = env.emu.world().advertisers;
    let modified: Vec<String> = advertisers[..2]
        .iter()
        .flat_map(|a| {
            env.emu
                .modify_entities(&a.advertiser_id, Level::Campaign, 1)
        })
        .collect();
    assert_eq!(modified.len(), 2);
    let second = env.read(&config, &catalog, Some(&first.final_state()));
    assert_eq!(second.code, 0, "{}", second.stdout);
    assert_eq!(
        ids(&second, "campaigns", "campaign_id"),
        modified.into_iter().collect::<BTreeSet<_>>()
    );
    assert_eq!(second.records("campaigns").len(), 2);
    assert_eq!(logs(&second, "WARN").len(), 1);
}

#[test]
fn fields_of_newer_protocol_versions_are_accepted() {
    let env = Env::new();
    let config = env.config(json!({}));
    let campaigns = discovered(&env, &config, "campaigns");
    let mut e = entry(&campaigns, "full_refresh");
    for (k, v) in [
        ("generation_id", json!(7)),
        ("minimum_generation_id", json!(7)),
        ("sync_id", json!(123_456)),
        ("destination_object_name", json!("tiktok_campaigns")),
        ("include_files", json!(false)),
        ("a_field_from_the_future", json!({"x": [1, 2, 3]})),
    ] {
        e[k] = v;
    }
    e["stream"]["namespace"] = Value::Null;
    e["stream"]["is_file_based"] = json!(false);
    let catalog = json!({"streams": [e], "also_unknown": "here"});
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let live = env
        .emu
        .world()
        .campaigns
        .iter()
        .filter(|c| c.deleted_at.is_none())
        .count();
    assert_eq!(run.records("campaigns").len(), live);
    assert!(logs(&run, "WARN").is_empty(), "{:?}", logs(&run, "WARN"));
}

#[test]
fn an_unknown_stream_or_sync_mode_stays_a_config_error() {
    let env = Env::new();
    let config = env.config(json!({}));
    let campaigns = discovered(&env, &config, "campaigns");
    let mut unknown = entry(&campaigns, "full_refresh");
    unknown["stream"]["name"] = json!("campaigns_v2");
    let bad_mode = entry(&campaigns, "append");
    for (catalog, words) in [
        (
            json!({ "streams": [unknown] }),
            ["'campaigns_v2'", "does not have"],
        ),
        (
            json!({ "streams": [bad_mode] }),
            ["'campaigns'", "'append'"],
        ),
    ] {
        let run = env.read(&config, &catalog, None);
        assert_eq!(run.code, 1, "{}", run.stdout);
        let errors = run.errors();
        assert_eq!(errors.len(), 1, "{}", run.stdout);
        assert_eq!(errors[0]["failure_type"], "config_error");
        let message = errors[0]["message"].as_str().unwrap();
        for w in words {
            assert!(message.contains(w), "{message}");
        }
        assert!(run.of_type("RECORD").is_empty());
    }
}
