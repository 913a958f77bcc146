//! Hostile input and a hostile network (issue 10): one test per numbered item of the issue, each
//! driving the real binary against the emulator, whose overrides play the broken or hostile
//! server. Each fails on the connector as it was before the issue (see the report in the
//! commit history) and passes now.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use serde_json::{json, Value};
use tiktok_emulator::{EmulatorConfig, Latency, Level, Override};

use crate::reports::{local_today, stream_of, truth};
use crate::support::*;

/// A run that must end on its own well within this.
const QUICK: Duration = Duration::from_secs(60);

fn accounts(env: &Env) -> Vec<String> {
    env.emu
        .world()
        .advertisers
        .iter()
        .map(|a| a.advertiser_id.clone())
        .collect()
}

fn answer(path: &str, account: Option<&str>, body: Value) -> Override {
    Override {
        path: path.into(),
        when: account
            .map(|a| [("advertiser_id".to_string(), a.to_string())].into())
            .unwrap_or_default(),
        body: Some(body),
        ..Override::default()
    }
}

fn ok(data: Value) -> Value {
    json!({"code": 0, "message": "OK", "request_id": "2026112012000000000000000000000000", "data": data})
}

fn requests_to(env: &Env, path: &str, account: &str) -> usize {
    env.emu
        .requests()
        .iter()
        .filter(|r| {
            r.path.ends_with(path)
                && r.params.get("advertiser_id").map(String::as_str) == Some(account)
        })
        .count()
}

/// The cursor of `account` in the last STATE of `stream`.
fn cursor_of(run: &Run, stream: &str, account: &str) -> Option<Value> {
    run.of_type("STATE")
        .into_iter()
        .rfind(|l| l["state"]["stream"]["stream_descriptor"]["name"] == stream)
        .and_then(|l| {
            l["state"]["stream"]["stream_state"]["accounts"]
                .get(account)
                .cloned()
        })
}

/// Every stream's state document in the last STATE of each stream (without its counts).
fn cursors(states: &Value) -> BTreeMap<String, Value> {
    states
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stream"]["stream_descriptor"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                s["stream"]["stream_state"].clone(),
            )
        })
        .collect()
}

fn first_error(run: &Run) -> (String, String) {
    let e = run
        .errors()
        .first()
        .copied()
        .unwrap_or_else(|| panic!("an ERROR trace:\n{}", run.stdout));
    let message = format!(
        "{} {}",
        e["message"].as_str().unwrap_or(""),
        e["internal_message"].as_str().unwrap_or("")
    );
    (
        e["failure_type"].as_str().unwrap_or("").to_string(),
        message,
    )
}

// ---------------------------------------------------------------------------------------------
// Item 1: credentials can be sent to any host.

#[test]
fn item1_credentials_never_reach_a_host_outside_the_allow_list() {
    let env = Env::new();
    let trap = Trap::start();
    let t = trap.addr.to_string();
    let good = env.config(json!({}));
    let catalog = env.catalog(&good, &["campaigns"], false);
    env.emu.clear_requests();
    for url in [
        format!("http://127.0.0.1:1@{t}"),
        format!("http://localhost:1@{t}"),
        format!("https://business-api.tiktok.com:443@{t}"),
        format!("http://[::1]:1@{t}"),
        format!("http://127.0.0.1:1\t@{t}"),
    ] {
        let config = env.config(json!({"api_base_url": url}));
        let check = env.check(&config);
        let (status, message) = check.connection_status();
        assert_eq!(status, "FAILED", "{url:?}: {message}");
        assert!(message.contains("'api_base_url'"), "{url:?}: {message}");

        let read = env.read_within(&config, &catalog, None, QUICK);
        assert_eq!(read.code, 1, "{url:?}: {}", read.stdout);
        let (failure, message) = first_error(&read);
        assert_eq!(failure, "config_error", "{url:?}");
        assert!(message.contains("'api_base_url'"), "{message}");
        assert!(read.of_type("RECORD").is_empty());

        let mut with_code = config.clone();
        with_code["access_token"] = Value::Null;
        with_code["auth_code"] = json!("code-0123456789abcdef");
        let path = env.write("exchange.json", &with_code);
        let exchange = env.run_plain(&["exchange-code", "--config", path.to_str().unwrap()]);
        assert_ne!(exchange.code, 0, "{url:?}");
        assert!(
            exchange.stderr.contains("'api_base_url'"),
            "{}",
            exchange.stderr
        );

        let page = env.run_plain(&[
            "auth-url",
            "--app-id",
            "7100000000000000001",
            "--redirect-uri",
            "https://example.com/cb",
            "--api-base-url",
            &url,
        ]);
        assert_ne!(page.code, 0, "{url:?}: {}", page.stdout);
        assert!(page.stdout.is_empty(), "{}", page.stdout);
    }
    assert_eq!(
        trap.requests(),
        Vec::<String>::new(),
        "the other host was contacted"
    );
    assert!(env.emu.requests().is_empty(), "refused before any request");
}

// ---------------------------------------------------------------------------------------------
// Item 2: redirects carry the token.

#[test]
fn item2_a_redirect_is_an_error_and_the_token_never_follows_it() {
    let env = Env::new();
    let trap = Trap::start();
    let to = |path: &str| format!("{}/open_api/v1.3/{path}", trap.url());
    let redirect = |path: &str, account: Option<&str>, location: String| Override {
        path: path.into(),
        when: account
            .map(|a| [("advertiser_id".to_string(), a.to_string())].into())
            .unwrap_or_default(),
        status: Some(302),
        headers: [("Location".to_string(), location)].into(),
        body_text: Some(String::new()),
        ..Override::default()
    };
    env.emu
        .add_override(redirect(
            "oauth2/advertiser/get/",
            None,
            to("oauth2/advertiser/get/?app_id=7100000000000000001&secret=emulator-secret"),
        ))
        .unwrap();
    let config = env.config(json!({}));
    let check = env.check(&config);
    let (status, message) = check.connection_status();
    assert_eq!(status, "FAILED", "{message}");
    assert!(message.contains("302"), "{message}");
    assert!(
        !message.contains("Trap"),
        "the redirected body was not read: {message}"
    );
    env.emu.clear_overrides();

    let catalog = env.catalog(&config, &["campaigns"], false);
    let ids = accounts(&env);
    env.emu
        .add_override(redirect(
            "campaign/get/",
            Some(&ids[0]),
            to(&format!("campaign/get/?advertiser_id={}", ids[0])),
        ))
        .unwrap();
    let read = env.read_within(&config, &catalog, None, QUICK);
    assert_eq!(read.code, 1, "{}", read.stdout);
    let (failure, message) = first_error(&read);
    assert_eq!(failure, "system_error");
    assert!(
        message.contains("campaign/get/") && message.contains("302"),
        "{message}"
    );
    let records = read.records("campaigns");
    assert!(records.iter().all(|r| r["advertiser_id"] != ids[0].as_str()
        && r["advertiser_id"] != TRAP_ADVERTISER
        && r["campaign_id"] != "6666"));
    assert!(records
        .iter()
        .any(|r| r["advertiser_id"] == ids[1].as_str()));
    let reached = trap.requests();
    assert!(reached.is_empty(), "the redirect was followed: {reached:?}");
}

// ---------------------------------------------------------------------------------------------
// Item 3: paging can loop forever.

#[test]
fn item3_paging_that_never_ends_is_stopped_with_an_error_naming_the_endpoint() {
    let env = Env::new();
    let ids = accounts(&env);
    let a = &ids[0];
    let config = env.config(json!({}));

    // campaign/get/ gives the same items with total_page 10^9.
    let catalog = env.catalog(&config, &["campaigns"], false);
    let items: Vec<Value> = (1..=3)
        .map(|i| json!({"campaign_id": format!("90{i}"), "advertiser_id": a, "campaign_name": "same"}))
        .collect();
    env.emu
        .add_override(answer(
            "campaign/get/",
            Some(a),
            ok(json!({"list": items, "page_info": {"page": 1, "page_size": 1000, "total_number": 3, "total_page": 1_000_000_000u64}})),
        ))
        .unwrap();
    let run = env.read_within(&config, &catalog, None, QUICK);
    assert!(!run.timed_out, "the read never ended");
    assert_eq!(run.code, 1);
    let (_, message) = first_error(&run);
    assert!(
        message.contains("campaign/get/") && message.contains("paging"),
        "{message}"
    );
    assert!(requests_to(&env, "campaign/get/", a) <= 2);
    let mine = run
        .records("campaigns")
        .into_iter()
        .filter(|r| r["advertiser_id"] == a.as_str())
        .count();
    assert!(mine <= 3, "{mine} records from one repeated page");
    env.emu.clear_overrides();
    env.emu.clear_requests();

    // pixel/list/ gives full pages and no page_info.
    let catalog = env.catalog(&config, &["pixels"], false);
    let pixels: Vec<Value> = (1..=20)
        .map(|i| json!({"pixel_id": format!("7{i:03}"), "pixel_name": "same"}))
        .collect();
    env.emu
        .add_override(answer(
            "pixel/list/",
            Some(a),
            ok(json!({"pixels": pixels})),
        ))
        .unwrap();
    let run = env.read_within(&config, &catalog, None, QUICK);
    assert!(!run.timed_out, "the read never ended");
    assert_eq!(run.code, 1);
    let (_, message) = first_error(&run);
    assert!(message.contains("pixel/list/"), "{message}");
    assert!(requests_to(&env, "pixel/list/", a) <= 3);
    env.emu.clear_overrides();
    env.emu.clear_requests();

    // A report page repeated forever (full pages, no page_info); the account's cursor stays.
    let catalog = env.catalog(&config, &["ads_reports_daily"], true);
    let day = config["start_date"].as_str().unwrap().to_string();
    let rows: Vec<Value> = (1..=1000)
        .map(|i| json!({"dimensions": {"ad_id_v2": format!("8{i:04}"), "stat_time_day": format!("{day} 00:00:00")},
            "metrics": {"spend": "1.00"}}))
        .collect();
    env.emu
        .add_override(answer(
            "report/integrated/get/",
            Some(a),
            ok(json!({"list": rows})),
        ))
        .unwrap();
    let run = env.read_within(&config, &catalog, None, QUICK);
    assert!(!run.timed_out, "the read never ended");
    assert_eq!(run.code, 1);
    let (_, message) = first_error(&run);
    assert!(message.contains("report/integrated/get/"), "{message}");
    assert!(requests_to(&env, "report/integrated/get/", a) <= 3);
    assert_eq!(
        cursor_of(&run, "ads_reports_daily", a),
        None,
        "the cursor did not move"
    );
    assert!(cursor_of(&run, "ads_reports_daily", &ids[1]).is_some());
}

// ---------------------------------------------------------------------------------------------
// Item 4: malformed success answers pass silently.

#[test]
fn item4_malformed_answers_fail_their_part_or_are_skipped_and_never_move_a_cursor() {
    let env = Env::new();
    let ids = accounts(&env);
    let (a, b) = (&ids[0], &ids[1]);
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["campaigns", "ads_reports_daily"], true);
    let first = env.read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{}", first.stdout);
    let state = first.final_state();
    let before_a = cursor_of(&first, "ads_reports_daily", a).expect("a's report cursor");
    let campaigns_a = cursor_of(&first, "campaigns", a).expect("a's campaign cursor");
    env.emu.advance(chrono::Duration::days(2));
    let now = env.emu.now().format("%Y-%m-%d %H:%M:%S").to_string();
    let today_a = local_today(&env, a).to_string();
    let today_b = local_today(&env, b).to_string();

    let unusable = |path: &str, stream: &str, body: Value, what: &str| {
        env.emu.clear_overrides();
        env.emu.add_override(answer(path, Some(a), body)).unwrap();
        let run = env.read_within(&config, &catalog, Some(&state), QUICK);
        assert!(!run.timed_out, "{what}");
        assert_eq!(run.code, 1, "{what}: {}", run.stdout);
        let (failure, message) = first_error(&run);
        assert_eq!(failure, "system_error", "{what}: {message}");
        assert!(message.contains(path), "{what}: {message}");
        assert!(
            run.records(stream)
                .iter()
                .all(|r| r["advertiser_id"] != a.as_str()),
            "{what}: records from an unusable answer"
        );
        let expected = if stream == "campaigns" {
            &campaigns_a
        } else {
            &before_a
        };
        assert_eq!(
            cursor_of(&run, stream, a).as_ref(),
            Some(expected),
            "{what}: the cursor moved over an unusable answer"
        );
        if stream == "ads_reports_daily" {
            assert_eq!(
                cursor_of(&run, stream, b),
                Some(json!({"last_day": today_b})),
                "{what}: other accounts go on"
            );
        }
    };
    let info = json!({"page": 1, "page_size": 1000, "total_number": 2, "total_page": 1});
    for (body, what) in [
        (
            json!({"code": 0, "message": "OK", "data": null}),
            "data null",
        ),
        (ok(json!({"page_info": info})), "data without list"),
        (ok(json!([1, 2])), "data as an array"),
        (
            ok(json!({"list": [1, {"campaign_id": "901", "modify_time": now}], "page_info": info})),
            "items that are not objects",
        ),
        (
            ok(
                json!({"list": [{"campaign_name": "x", "modify_time": now}, {"campaign_name": "y"}], "page_info": info}),
            ),
            "no item with its key",
        ),
    ] {
        unusable("campaign/get/", "campaigns", body, what);
    }
    let row = |dims: Value| json!({"dimensions": dims, "metrics": {"spend": "1.00", "impressions": "10"}});
    for (rows, what) in [
        (
            json!([{"metrics": {"spend": "1.00"}}, {"metrics": {"spend": "2.00"}}]),
            "rows without dimensions",
        ),
        (
            json!([
                row(json!({"ad_id_v2": "1", "stat_time_day": "garbage"})),
                row(json!({"ad_id_v2": "2", "stat_time_day": "garbage"}))
            ]),
            "garbage dates",
        ),
        (
            json!([
                row(json!({"ad_id_v2": "1", "stat_time_day": "2001-01-01 00:00:00"})),
                row(json!({"ad_id_v2": "2", "stat_time_day": "2001-01-02 00:00:00"}))
            ]),
            "rows outside the window",
        ),
    ] {
        unusable(
            "report/integrated/get/",
            "ads_reports_daily",
            ok(json!({"list": rows, "page_info": info})),
            what,
        );
    }
    for (body, what) in [
        (
            json!({"code": 0, "message": "OK", "data": null}),
            "report data null",
        ),
        (ok(json!({"page_info": info})), "report data without list"),
        (ok(json!([])), "report data as an array"),
    ] {
        unusable("report/integrated/get/", "ads_reports_daily", body, what);
    }

    // Where the rest of the page is sound: a WARN, the bad item or row left out, the run goes on.
    env.emu.clear_overrides();
    env.emu
        .add_override(answer(
            "campaign/get/",
            Some(a),
            ok(json!({"list": [{"campaign_id": "901", "advertiser_id": a, "modify_time": now}, {"campaign_name": "no id", "modify_time": now}], "page_info": info})),
        ))
        .unwrap();
    env.emu
        .add_override(answer(
            "report/integrated/get/",
            Some(a),
            // Ad-level reports ask TikTok for `ad_id_v2` (see streams/smart_plus_keys.rs).
            ok(json!({"list": [row(json!({"ad_id_v2": "1", "stat_time_day": format!("{today_a} 00:00:00")})),
                row(json!({"ad_id_v2": "2", "stat_time_day": "garbage"})), row(json!({"stat_time_day": format!("{today_a} 00:00:00")}))],
                "page_info": {"page": 1, "page_size": 1000, "total_number": 3, "total_page": 1}})),
        ))
        .unwrap();
    let run = env.read_within(&config, &catalog, Some(&state), QUICK);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let ids_of = |stream: &str, key: &str| -> Vec<String> {
        run.records(stream)
            .iter()
            .filter(|r| r["advertiser_id"] == a.as_str())
            .map(|r| r[key].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(ids_of("campaigns", "campaign_id"), ["901"]);
    assert_eq!(ids_of("ads_reports_daily", "ad_id"), ["1"]);
    let warnings: Vec<String> = run
        .of_type("LOG")
        .iter()
        .filter(|l| l["log"]["level"] == "WARN")
        .map(|l| l["log"]["message"].as_str().unwrap().to_string())
        .collect();
    for needle in ["without campaign_id", "not a date", "without their ID"] {
        assert!(
            warnings.iter().any(|w| w.contains(needle)),
            "{needle}: {warnings:?}"
        );
    }
    assert_eq!(
        cursor_of(&run, "ads_reports_daily", a),
        Some(json!({"last_day": today_a}))
    );

    // The account listing without its list is not "no accounts" (which would blame the token).
    env.emu.clear_overrides();
    env.emu
        .add_override(answer(
            "oauth2/advertiser/get/",
            None,
            json!({"code": 0, "message": "OK", "data": null}),
        ))
        .unwrap();
    let check = env.check(&config);
    let (status, message) = check.connection_status();
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("not usable") && message.contains("oauth2/advertiser/get/"),
        "{message}"
    );
}

// ---------------------------------------------------------------------------------------------
// Item 5: panics on absurd dates and clocks.

#[test]
fn item5_absurd_dates_and_clocks_are_config_errors_not_panics() {
    let env = Env::new();
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["ads_reports_daily"], true);
    env.emu.clear_requests();
    for (key, value) in [
        ("start_date", "-262143-01-01"),
        ("start_date", "-0001-01-01"),
        ("start_date", "+262142-01-01"),
        ("end_date", "9999-12-31"),
    ] {
        let run = env.read_within(&env.config(json!({key: value})), &catalog, None, QUICK);
        assert!(!run.timed_out, "{key}={value}");
        assert!(
            !run.stderr.contains("panicked"),
            "{key}={value}: {}",
            run.stderr
        );
        assert_eq!(run.code, 1, "{key}={value}: {}", run.stdout);
        let (failure, message) = first_error(&run);
        assert_eq!(failure, "config_error", "{key}={value}");
        assert!(message.contains(&format!("'{key}'")), "{message}");
    }
    assert!(env.emu.requests().is_empty(), "nothing was sent to TikTok");

    // A state from the far past reads as from the start; no arithmetic overflows.
    let a = accounts(&env)[0].clone();
    let state = json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "ads_reports_daily"},
        "stream_state": {"accounts": {a.clone(): {"last_day": "-262143-01-03"}}}}}]);
    let run = env.read_within(&config, &catalog, Some(&state), QUICK);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run
        .records("ads_reports_daily")
        .iter()
        .any(|r| r["advertiser_id"] == a.as_str()));

    // A clock at the end of time is refused at once.
    let args = env.read_args(&config, &catalog, None);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = env.run_with(&args, &[("TIKTOK_ADS_NOW", "9999-12-31T23:59:59Z")], QUICK);
    assert!(!run.timed_out, "TIKTOK_ADS_NOW=9999-12-31 never finished");
    assert_eq!(run.code, 1);
    let (failure, message) = first_error(&run);
    assert_eq!(failure, "config_error");
    assert!(message.contains("TIKTOK_ADS_NOW"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// Item 6: redaction gaps.

/// Every string a person can read in a run's output (all but the CONTROL message, which must
/// carry the config) and its stderr.
fn readable_texts(run: &Run) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(m) => m.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut out = vec![run.stderr.clone()];
    for l in run.lines.iter().filter(|l| l["type"] != "CONTROL") {
        walk(l, &mut out);
    }
    out
}

/// Whether `text` shows `secret`: anywhere for a long one; as a token of its own (not glued to
/// letters or digits) for a short one, the connector's documented rule.
fn shows(text: &str, secret: &str) -> bool {
    if secret.chars().count() >= 8 {
        return text.contains(secret);
    }
    text.match_indices(secret).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + secret.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[test]
fn item6_secrets_of_any_length_and_characters_are_masked_everywhere() {
    let env = Env::new();
    let good = env.config(json!({}));
    let catalog = env.catalog(&good, &["campaigns"], false);
    for (token, secret) in [
        ("q7", r#"s"\k"#),
        (r#"tok"en\with-quotes-0123456789"#, "x1"),
    ] {
        env.emu.clear_overrides();
        env.emu
            .add_override(answer(
                "oauth2/advertiser/get/",
                None,
                json!({"code": 40105, "message": format!("Access token {token} is not valid for secret {secret}."),
                    "request_id": token, "data": {}}),
            ))
            .unwrap();
        let config = env.config(json!({"access_token": token, "secret": secret}));
        let check = env.check(&config);
        let (status, message) = check.connection_status();
        assert_eq!(status, "FAILED");
        assert!(message.contains("****"), "{message}");
        let read = env.read_within(&config, &catalog, None, QUICK);
        assert_eq!(read.code, 1);
        assert_eq!(first_error(&read).0, "config_error");
        for run in [&check, &read] {
            for text in readable_texts(run) {
                for s in [token, secret] {
                    assert!(!shows(&text, s), "{s:?} shown in {text:?}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Item 7: duplicates and dead ends.

#[test]
fn item7_an_account_listed_twice_is_read_once() {
    let env = Env::new();
    let world = env.emu.world();
    let (a, b) = (&world.advertisers[0], &world.advertisers[1]);
    let listed = |x: &tiktok_emulator::Advertiser| json!({"advertiser_id": x.advertiser_id, "advertiser_name": x.name});
    env.emu
        .add_override(answer(
            "oauth2/advertiser/get/",
            None,
            ok(json!({"list": [listed(a), listed(b), listed(a)]})),
        ))
        .unwrap();
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["campaigns", "advertiser_ids"], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let mut got: Vec<&str> = run
        .records("campaigns")
        .iter()
        .map(|r| r["campaign_id"].as_str().unwrap())
        .collect();
    got.sort();
    let mut want: Vec<&str> = world
        .campaigns
        .iter()
        .filter(|c| {
            (c.advertiser_id == a.advertiser_id || c.advertiser_id == b.advertiser_id)
                && c.deleted_at.is_none()
        })
        .map(|c| c.campaign_id.as_str())
        .collect();
    want.sort();
    assert_eq!(got, want, "each campaign once");
    assert_eq!(run.records("advertiser_ids").len(), 2);
}

#[test]
fn item7_future_cursors_are_clamped_with_a_warning_and_do_not_block_the_account() {
    let env = Env::new();
    let ids = accounts(&env);
    let a = &ids[0];
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["campaigns", "ads_reports_daily"], true);
    let state = json!([
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": "campaigns"},
            "stream_state": {"accounts": {a.clone(): {"modify_time": "2099-01-01T00:00:00Z"}}}}},
        {"type": "STREAM", "stream": {"stream_descriptor": {"name": "ads_reports_daily"},
            "stream_state": {"accounts": {a.clone(): {"last_day": "2099-01-01"}}}}}]);
    let first = env.read(&config, &catalog, Some(&state));
    assert_eq!(first.code, 0, "{}", first.stdout);
    assert!(
        first
            .records("campaigns")
            .iter()
            .chain(first.records("ads_reports_daily").iter())
            .all(|r| r["advertiser_id"] != a.as_str()),
        "what the state claims is not read again"
    );
    let now = env.emu.now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    assert_eq!(
        cursor_of(&first, "campaigns", a),
        Some(json!({"modify_time": now}))
    );
    let today = local_today(&env, a);
    assert_eq!(
        cursor_of(&first, "ads_reports_daily", a),
        Some(json!({"last_day": today.to_string()}))
    );
    let warned = first
        .of_type("LOG")
        .iter()
        .filter(|l| {
            l["log"]["level"] == "WARN"
                && l["log"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("in the future")
        })
        .count();
    assert_eq!(warned, 2, "{}", first.stdout);

    // The account is not blocked: a later change and a new (whole) day are read.
    env.emu.advance(chrono::Duration::days(2));
    let changed = env.emu.modify_entities(a, Level::Campaign, 1);
    let second = env.read(&config, &catalog, Some(&first.final_state()));
    assert_eq!(second.code, 0, "{}", second.stdout);
    let got: Vec<&str> = second
        .records("campaigns")
        .iter()
        .filter(|r| r["advertiser_id"] == a.as_str())
        .map(|r| r["campaign_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, changed);
    let new_day = (local_today(&env, a) - chrono::Duration::days(1)).to_string();
    assert!(second
        .records("ads_reports_daily")
        .iter()
        .any(|r| r["advertiser_id"] == a.as_str() && r["stat_time_day"] == new_day.as_str()));
}

#[test]
fn item7_an_entity_changed_in_the_future_does_not_block_the_account() {
    let env = Env::new();
    let ids = accounts(&env);
    let world = env.emu.world();
    let live = |id: &str| {
        world
            .campaigns
            .iter()
            .filter(|c| c.advertiser_id == id && c.deleted_at.is_none())
            .count()
    };
    let a = ids
        .iter()
        .find(|id| live(id) >= 2)
        .expect("an account with two live campaigns")
        .clone();
    let future: String = env.emu.mutate(|w, _| {
        let c = w
            .campaigns
            .iter_mut()
            .find(|c| c.advertiser_id == a && c.deleted_at.is_none())
            .unwrap();
        c.modify_time = "2099-01-01T00:00:00Z".parse().unwrap();
        c.campaign_id.clone()
    });
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["campaigns"], true);
    let first = env.read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{}", first.stdout);
    assert!(first
        .records("campaigns")
        .iter()
        .any(|r| r["campaign_id"] == future.as_str()));
    let cursor =
        cursor_of(&first, "campaigns", &a).unwrap_or_else(|| panic!("a cursor: {}", first.stdout));
    let at: chrono::DateTime<chrono::Utc> =
        cursor["modify_time"].as_str().unwrap().parse().unwrap();
    assert!(
        at <= env.emu.now(),
        "the stored cursor is not in the future: {cursor}"
    );
    assert!(first
        .of_type("LOG")
        .iter()
        .any(|l| l["log"]["level"] == "WARN"
            && l["log"]["message"]
                .as_str()
                .unwrap()
                .contains("changed after now")));

    env.emu.advance(chrono::Duration::hours(1));
    let changed = env.emu.modify_entities(&a, Level::Campaign, 1);
    let second = env.read(&config, &catalog, Some(&first.final_state()));
    let mut got: Vec<String> = second
        .records("campaigns")
        .iter()
        .map(|r| r["campaign_id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    let mut want = vec![changed[0].clone(), future.clone()];
    want.sort();
    want.dedup();
    // The change is read; the future-dated campaign comes again (bounded duplicates, no loss).
    assert_eq!(got, want);
}

#[test]
fn item7_a_token_with_a_line_break_is_a_config_error_at_once() {
    let env = Env::new();
    let good = env.config(json!({}));
    let catalog = env.catalog(&good, &["campaigns"], false);
    env.emu.clear_requests();
    let config = env
        .config(json!({"access_token": format!("{}\r\nX-Other: 1", env.emu_config.access_token)}));
    let check = env.check(&config);
    let (status, message) = check.connection_status();
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("'access_token'") && message.contains("line break"),
        "{message}"
    );
    let read = env.read_within(&config, &catalog, None, QUICK);
    assert_eq!(read.code, 1);
    let (failure, message) = first_error(&read);
    assert_eq!(failure, "config_error", "{message}");
    assert!(read
        .of_type("LOG")
        .iter()
        .all(|l| !l["log"]["message"].as_str().unwrap().contains("retrying")));
    assert!(env.emu.requests().is_empty(), "refused before any request");
}

// ---------------------------------------------------------------------------------------------
// Item 8: kill mid-write, and SIGTERM.

#[test]
fn item8_sigterm_stops_within_5s_with_state_for_finished_work_only() {
    let env = Env::with(EmulatorConfig {
        latency: Latency {
            min_ms: 300,
            max_ms: 500,
        },
        ..EmulatorConfig::default()
    });
    let config = env.config(json!({"concurrency": 2, "request_timeout_seconds": 30}));
    let catalog = env.catalog(&config, &["ads_reports_hourly"], true);
    let args = env.read_args(&config, &catalog, None);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let live = Live::start(env.command(&args));
    assert!(
        live.wait_for(QUICK, |l| l["type"] == "STATE"),
        "a first checkpoint"
    );
    live.signal(libc::SIGTERM);
    let asked = Instant::now();
    let ended = live.end(QUICK);
    let took = asked.elapsed();
    assert!(took < Duration::from_secs(5), "stopped after {took:?}");
    assert!(!ended.timed_out);
    assert_eq!(ended.code, Some(143), "{}", ended.stderr);
    let lines = ended.whole_lines();
    let errors: Vec<&Value> = lines
        .iter()
        .filter(|l| l["type"] == "TRACE" && l["trace"]["type"] == "ERROR")
        .collect();
    assert_eq!(errors.len(), 1, "one ERROR trace");
    assert_eq!(
        errors[0]["trace"]["error"]["failure_type"],
        "transient_error"
    );
    let states: Vec<&Value> = lines.iter().filter(|l| l["type"] == "STATE").collect();
    let last = states.last().expect("a STATE");
    // Not ahead of the records: every row of every day up to an account's cursor was emitted.
    let stream = stream_of(&catalog, "ads_reports_hourly");
    let start =
        NaiveDate::parse_from_str(config["start_date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let emitted: std::collections::BTreeSet<(String, String)> = lines
        .iter()
        .filter(|l| l["type"] == "RECORD")
        .map(|l| {
            let d = &l["record"]["data"];
            (
                d["ad_id"].as_str().unwrap().to_string(),
                d["stat_time_hour"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let cursors = last["state"]["stream"]["stream_state"]["accounts"]
        .as_object()
        .unwrap();
    assert!(!cursors.is_empty(), "finished work is checkpointed");
    let mut checked = 0;
    for (account, cursor) in cursors {
        let day =
            NaiveDate::parse_from_str(cursor["last_day"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        assert!(
            day < local_today(&env, account),
            "the run was stopped early enough"
        );
        for row in truth(&env, stream, account, start, day, false) {
            // The record's `ad_id` is TikTok's `ad_id_v2`.
            let key = (
                row.dimensions["ad_id_v2"].clone(),
                row.dimensions["stat_time_hour"].replacen(' ', "T", 1),
            );
            assert!(
                emitted.contains(&key),
                "STATE covers {key:?}, never emitted"
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}

/// A tiny seeded generator for kill points: the same points on every run of the test.
struct Draws(u64);

impl Draws {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// A record's identity: stream, account and primary key.
fn key_of(catalog: &Value, stream: &str, data: &Value) -> String {
    let pk = &stream_of(catalog, stream)["source_defined_primary_key"];
    let parts: Vec<String> = pk
        .as_array()
        .unwrap()
        .iter()
        .map(|p| data[p[0].as_str().unwrap()].to_string())
        .collect();
    format!("{stream}|{}|{}", data["advertiser_id"], parts.join("|"))
}

/// Whether `state` (stream → STATE) says `record` of `stream` was read: its day is at or
/// before the account's last day, or its change at or before the account's instant.
fn committed(state: &BTreeMap<String, Value>, stream: &str, data: &Value) -> bool {
    let Some(s) = state.get(stream) else {
        return false;
    };
    let account = data["advertiser_id"].as_str().unwrap();
    let Some(cursor) = s["stream"]["stream_state"]["accounts"].get(account) else {
        return false;
    };
    if let Some(day) = cursor["last_day"].as_str() {
        return data["stat_time_day"].as_str().is_some_and(|d| d <= day);
    }
    let at = cursor["modify_time"].as_str().unwrap();
    let changed = data["modify_time"]
        .as_str()
        .or(data["create_time"].as_str())
        .unwrap_or("");
    let pk = ["campaign_id", "adgroup_id", "ad_id"]
        .iter()
        .find_map(|k| data[k].as_str())
        .unwrap_or("");
    changed < at
        || (changed == at
            && cursor["ids_at_cursor"]
                .as_array()
                .is_some_and(|ids| ids.iter().any(|i| i == pk)))
}

#[test]
fn kill_and_resume_loses_nothing_and_duplicates_are_bounded() {
    let env = Env::with(EmulatorConfig {
        campaigns_per_advertiser: 4,
        latency: Latency {
            min_ms: 20,
            max_ms: 40,
        },
        ..EmulatorConfig::default()
    });
    let start = (env.emu.now() - chrono::Duration::days(70))
        .format("%Y-%m-%d")
        .to_string();
    let config =
        env.config(json!({"concurrency": 2, "attribution_window": 2, "start_date": start}));
    let catalog = env.catalog(
        &config,
        &["campaigns", "ad_groups", "ads", "ads_reports_daily"],
        true,
    );
    let clean = env.read(&config, &catalog, None);
    assert_eq!(clean.code, 0, "{}", clean.stdout);
    let reference: BTreeMap<String, Value> = clean
        .all_records()
        .into_iter()
        .map(|(s, d)| (key_of(&catalog, s, d), d.clone()))
        .collect();
    assert_eq!(
        reference.len(),
        clean.all_records().len(),
        "the clean run has no duplicates"
    );

    let mut draws = Draws(0x5EED_2026);
    let mut state: BTreeMap<String, Value> = BTreeMap::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let (mut kills, mut allowed, mut completed) = (0, 0usize, false);
    for round in 0..10 {
        let state_value = Value::Array(state.values().cloned().collect());
        // Records the next run re-reads on purpose: the lookback days up to each report cursor.
        if let Some(s) = state.get("ads_reports_daily") {
            for data in reference.values() {
                let (Some(day), Some(account)) = (
                    data["stat_time_day"].as_str(),
                    data["advertiser_id"].as_str(),
                ) else {
                    continue;
                };
                if let Some(last) =
                    s["stream"]["stream_state"]["accounts"][account]["last_day"].as_str()
                {
                    let last = NaiveDate::parse_from_str(last, "%Y-%m-%d").unwrap();
                    let from = (last - chrono::Duration::days(2)).to_string();
                    if day >= from.as_str() && day <= last.to_string().as_str() {
                        allowed += 1;
                    }
                }
            }
        }
        let args = env.read_args(
            &config,
            &catalog,
            (!state.is_empty()).then_some(&state_value),
        );
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let live = Live::start(env.command(&args));
        // Six kill attempts at seeded points, then runs to the end.
        if round < 6 {
            // A point within what is left to read, so that the kill lands before the end.
            let left = reference
                .iter()
                .filter(|(k, d)| !committed(&state, k.split('|').next().unwrap(), d))
                .count();
            let at = 1 + draws.below(left / 3);
            let mut read = 0;
            if live.wait_for(QUICK, |_| {
                read += 1;
                read >= at
            }) {
                live.signal(libc::SIGKILL);
            }
        }
        let ended = live.end(QUICK);
        assert!(!ended.timed_out);
        // Only whole lines, whatever the moment of the kill.
        let lines = ended.whole_lines();
        for l in lines.iter().filter(|l| l["type"] == "STATE") {
            let name = l["state"]["stream"]["stream_descriptor"]["name"]
                .as_str()
                .unwrap()
                .to_string();
            state.insert(name, l["state"].clone());
        }
        for l in lines.iter().filter(|l| l["type"] == "RECORD") {
            let (stream, data) = (
                l["record"]["stream"].as_str().unwrap(),
                &l["record"]["data"],
            );
            let key = key_of(&catalog, stream, data);
            assert_eq!(
                reference.get(&key),
                Some(data),
                "a record the clean run does not have"
            );
            *seen.entry(key).or_default() += 1;
            // Emitted but not covered by the state the next run starts from: read again.
            if !committed(&state, stream, data) {
                allowed += 1;
            }
        }
        // No STATE is ahead of its records: what the state covers was emitted by now.
        for (key, data) in &reference {
            let stream = key.split('|').next().unwrap();
            if committed(&state, stream, data) {
                assert!(
                    seen.contains_key(key),
                    "the state covers {key}, never emitted"
                );
            }
        }
        match ended.code {
            None => kills += 1,
            Some(0) => {
                completed = true;
                break;
            }
            Some(code) => panic!("exit {code}: {}", ended.stderr),
        }
    }
    assert!(completed, "the sync completed after its kills");
    assert!(
        kills >= 3,
        "only {kills} of the kills landed before the run's end"
    );
    let missing: Vec<&String> = reference
        .keys()
        .filter(|k| !seen.contains_key(*k))
        .collect();
    assert!(missing.is_empty(), "lost: {missing:?}");
    let duplicates: usize = seen.values().map(|n| n - 1).sum();
    eprintln!(
        "kill-and-resume: {kills} kills, {} records, {duplicates} duplicates (at most {allowed} allowed)",
        reference.len()
    );
    assert!(
        duplicates <= allowed,
        "{duplicates} duplicates, {allowed} allowed"
    );
    assert_eq!(
        cursors(&Value::Array(state.into_values().collect())),
        cursors(&clean.final_state()),
        "the same final state"
    );
}

#[test]
fn a_fault_storm_changes_nothing() {
    let base = EmulatorConfig {
        advertisers: 6,
        campaigns_per_advertiser: 4,
        ..EmulatorConfig::default()
    };
    let clean = Env::with(base.clone());
    let settings = |env: &Env| {
        let start = (env.emu.now() - chrono::Duration::days(90))
            .format("%Y-%m-%d")
            .to_string();
        env.config(json!({"attribution_window": 1, "report_window_days": 10, "start_date": start}))
    };
    let config = settings(&clean);
    let catalog = clean.catalog(
        &config,
        &[
            "advertisers",
            "campaigns",
            "ad_groups",
            "ads",
            "creative_assets_images",
            "ads_reports_daily",
        ],
        true,
    );
    let reference = clean.read(&config, &catalog, None);
    assert_eq!(reference.code, 0, "{}", reference.stdout);

    let storm = Env::with(EmulatorConfig {
        faults: tiktok_emulator::Faults {
            seed: 2026,
            api_error_rate: 0.06,
            api_error_codes: vec![50000, 50002, 40200, 40700, 40016],
            rate_limit_rate: 0.06,
            http_5xx_rate: 0.05,
            reset_rate: 0.04,
            truncated_rate: 0.04,
            ..tiktok_emulator::Faults::default()
        },
        ..base
    });
    let run = storm.read(&settings(&storm), &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let requests = storm.emu.requests();
    let injected = requests.iter().filter(|r| r.fault.is_some()).count();
    eprintln!(
        "fault storm: {injected} faults in {} requests",
        requests.len()
    );
    assert!(injected >= 20, "only {injected} faults");
    let multiset = |r: &Run| -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for (s, d) in r.all_records() {
            *m.entry(format!("{s}:{d}")).or_default() += 1;
        }
        m
    };
    let (got, want) = (multiset(&run), multiset(&reference));
    assert!(want.values().all(|n| *n == 1));
    assert_eq!(got, want, "the same records, each once");
    assert_eq!(
        cursors(&run.final_state()),
        cursors(&reference.final_state())
    );
}

// ---------------------------------------------------------------------------------------------
// Item 1, HTTPS: certificates are checked.

/// An HTTPS server on the loopback address whose certificate no public authority signed
/// (tests/it/fixtures: a throwaway self-signed certificate for localhost, made with `openssl req
/// -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500 -subj /CN=localhost
/// -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -addext basicConstraints=critical,CA:FALSE
/// -addext extendedKeyUsage=serverAuth -addext keyUsage=critical,digitalSignature`: a proper
/// server certificate, refused only because no trusted authority issued it). It records what it
/// could decrypt.
fn untrusted_https_server() -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::io::Read;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/fixtures");
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.join("self-signed-cert.pem"))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("self-signed-key.pem")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let config = std::sync::Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
            let Ok(tls) = rustls::ServerConnection::new(std::sync::Arc::clone(&config)) else {
                continue;
            };
            let mut stream = rustls::StreamOwned::new(tls, conn);
            let mut buf = [0u8; 4096];
            if let Ok(n) = stream.read(&mut buf) {
                record
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
    });
    (addr, seen)
}

#[test]
fn item1_https_certificates_are_verified() {
    let env = Env::new();
    let (addr, decrypted) = untrusted_https_server();
    let config = env.config(json!({"api_base_url": format!("https://localhost:{}", addr.port())}));
    let check = env.check(&config);
    let (status, message) = check.connection_status();
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("certificate") && message.contains("UnknownIssuer"),
        "{message}"
    );
    assert!(
        !message.contains("retry") && !message.contains("several tries"),
        "not retried: {message}"
    );
    assert_eq!(
        decrypted.lock().unwrap().clone(),
        Vec::<String>::new(),
        "no request went over a connection to an unverified server"
    );
}

/// Bytes waiting in a pipe (FIONREAD on its read end).
fn pipe_fill(fd: std::os::fd::RawFd) -> usize {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD on an open pipe descriptor this test owns, into a c_int.
    let rc = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut n) };
    if rc == 0 {
        usize::try_from(n).unwrap_or(0)
    } else {
        0
    }
}

#[test]
fn item8_a_kill_while_stdout_is_full_leaves_only_whole_lines() {
    // The platform reads stdout at its own pace: when it lags, the connector's write waits for
    // room in the pipe. A SIGKILL then must not leave part of a line behind.
    use std::io::{BufRead, Read};
    use std::os::fd::AsRawFd;
    let env = Env::with(EmulatorConfig {
        campaigns_per_advertiser: 4,
        ..EmulatorConfig::default()
    });
    let start = (env.emu.now() - chrono::Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    let config = env.config(json!({"start_date": start}));
    let catalog = env.catalog(&config, &["ads_reports_daily", "ads_reports_hourly"], false);
    let args = env.read_args(&config, &catalog, None);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut draws = Draws(0xC0FFEE);
    for _ in 0..4 {
        let mut child = env
            .command(&args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let fd = stdout.as_raw_fd();
        let mut reader = std::io::BufReader::new(stdout);
        let mut before = Vec::new();
        // Read a few lines, then stop reading, as a slow consumer would.
        for _ in 0..(1 + draws.below(50)) {
            let mut line = Vec::new();
            reader.read_until(b'\n', &mut line).unwrap();
            before.extend_from_slice(&line);
        }
        // Wait until the pipe is full and the connector's write is stuck (the fill stops
        // growing), or the connector is done.
        let (mut last, mut steady) = (0, 0);
        while steady < 20 && child.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_millis(10));
            let fill = pipe_fill(fd);
            steady = if fill == last && fill > 0 {
                steady + 1
            } else {
                0
            };
            last = fill;
        }
        assert!(last >= 16 * 1024, "the pipe filled up ({last} bytes)");
        let _ = child.kill();
        let _ = child.wait();
        let mut rest = Vec::new();
        reader.read_to_end(&mut rest).unwrap();
        before.extend_from_slice(&rest);
        let text = String::from_utf8(before).unwrap();
        assert!(
            text.ends_with('\n'),
            "a half line after the kill: {:?}",
            &text[text.len().saturating_sub(120)..]
        );
        parse_lines(&text);
    }
}
