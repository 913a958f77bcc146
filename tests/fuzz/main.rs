//! Fuzzing of everything that parses input (issue 10): the config, the configured catalog, the
//! state, the clock, and TikTok's answers (the envelope, list pages, report pages), plus the
//! date planning and paging they feed. Random shapes, huge pages, invalid UTF-8, deep nesting,
//! absurd numbers and dates. Each property asserts no panic and no hang (a watchdog bounds
//! every property), and for user input an error that says which field to fix.
//!
//! Case counts: each property has a default sized for `cargo test`; `PROPTEST_CASES=N` runs N
//! cases of every property (CI may raise it to fuzz for minutes). `FUZZ_SEED=N` fixes the
//! generator's seed to replay a run. Each property prints its executions.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{json, Map, Value};

use source_tiktok_ads::catalog::parse_catalog;
use source_tiktok_ads::commands::clock;
use source_tiktok_ads::config::Config as ConnectorConfig;
use source_tiktok_ads::error::Error;
use source_tiktok_ads::plan::{self, Inputs, Window};
use source_tiktok_ads::secrets::{redact, register_secret};
use source_tiktok_ads::state::{Cursor, State};
use source_tiktok_ads::streams::decl::{Granularity, Level, ReportType};
use source_tiktok_ads::streams::list::{decode_page, ItemShape};
use source_tiktok_ads::streams::paging::{self, PageSummary, MAX_PAGES};
use source_tiktok_ads::streams::report::{decode_rows, ReportSpec, RowShape};
use source_tiktok_ads::streams::{self, LISTS};
use source_tiktok_ads::tiktok::envelope::{self, AsValue, PageInfo};

/// No property may take longer than this in all (a hang fails the test instead of stalling CI).
const WATCHDOG: Duration = Duration::from_secs(600);

/// Runs `cases` cases of `test` on `strategy` (or `PROPTEST_CASES` of them), on a thread
/// watched for hangs; a failure is shrunk and reported with its input.
fn fuzz<S>(
    name: &str,
    cases: u32,
    strategy: fn() -> S,
    test: fn(S::Value) -> Result<(), TestCaseError>,
) where
    S: Strategy + 'static,
    S::Value: std::fmt::Debug,
{
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(cases);
    let mut config = Config::with_cases(cases);
    config.failure_persistence = None;
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    let (tx, rx) = mpsc::channel();
    let label = name.to_string();
    std::thread::Builder::new()
        .name(label.clone())
        // Deep nesting is parsed recursively (serde_json stops at 128 levels).
        .stack_size(64 * 1024 * 1024)
        .spawn(move || {
            let mut runner = match seed {
                Some(s) => {
                    let mut bytes = [0u8; 32];
                    bytes[..8].copy_from_slice(&s.to_le_bytes());
                    TestRunner::new_with_rng(
                        config,
                        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
                    )
                }
                None => TestRunner::new(config),
            };
            let started = Instant::now();
            let result = runner.run(&strategy(), test).map_err(|e| e.to_string());
            let _ = tx.send((result, started.elapsed()));
        })
        .expect("start the fuzzing thread");
    match rx.recv_timeout(WATCHDOG) {
        Ok((Ok(()), took)) => eprintln!("fuzz {label}: {cases} cases in {took:.1?}, no finding"),
        Ok((Err(e), _)) => panic!("fuzz {label}: {e}"),
        Err(_) => panic!("fuzz {label}: no end after {WATCHDOG:?} (a hang)"),
    }
}

// ---------------------------------------------------------------------------------------------
// Generators.

/// Strings people paste and servers send: dates at and past every bound, instants, numbers as
/// text, URLs with user info, control characters, odd Unicode.
fn tricky_text() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "",
        " ",
        "-",
        "0",
        "2024-01-01",
        "2012-01-01",
        "2011-12-31",
        "2099-12-31",
        "9999-12-31",
        "-262143-01-01",
        "+262142-12-31",
        "-0001-01-01",
        "0000-00-00",
        "2024-02-30",
        "2024-01-01T00:00:00Z",
        "2024-01-01 00:00:00",
        "2099-01-01T00:00:00Z",
        "-262143-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "2024-13-01",
        "1e999",
        "-1e999",
        "18446744073709551616",
        "-9223372036854775809",
        "NaN",
        "null",
        "true",
        "garbage",
        "http://127.0.0.1:1@evil.example.com",
        "https://business-api.tiktok.com",
        "http://127.0.0.1:8080",
        "http://[::1]:1@x",
        "ftp://x",
        "tok\r\nen",
        "a\u{0}b",
        "\u{7f}",
        "\u{202e}rtl",
        "😀",
        "\\",
        "\"",
        "STATUS_ALL",
        "AUCTION_AD",
        "day",
        "hour",
        "lifetime",
        "BASIC",
        "AUDIENCE",
        "sandbox",
        "production",
        "basic",
        "ultimate",
        "7000204168915000451",
    ])
    .prop_map(str::to_string);
    prop_oneof![4 => fixed, 1 => any::<String>(), 1 => "[0-9+-]{1,8}-[0-9]{1,3}-[0-9]{1,3}"]
}

/// Numbers of every size, as JSON text (the connector's JSON keeps numbers' text exactly).
fn absurd_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "1e999",
            "-1e999",
            "1e-999",
            "123456789012345678901234567890",
            "-0",
            "0.0000",
            "18446744073709551616",
            "-9223372036854775809",
            "3.999999999999999999999",
        ])
        .prop_map(|t| serde_json::from_str::<Value>(t).unwrap_or(Value::Null)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        absurd_number(),
        tricky_text().prop_map(Value::String),
    ]
}

/// Keys a parser looks for, and others.
fn key(known: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(known).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

/// Any JSON, up to 6 levels deep, with objects keyed by `known` names mostly.
fn json_value(known: &'static [&'static str]) -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(key(known), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

const CONFIG_KEYS: &[&str] = &[
    "app_id",
    "secret",
    "access_token",
    "auth_code",
    "start_date",
    "end_date",
    "include_deleted",
    "accounts",
    "environment",
    "attribution_window",
    "rate_limit_tier",
    "report_window_days",
    "concurrency",
    "custom_reports",
    "api_base_url",
    "requests_per_second",
    "requests_per_minute",
    "request_timeout_seconds",
    "max_retry_seconds",
    "backoff_base_ms",
    "name",
    "report_type",
    "data_level",
    "dimensions",
    "metrics",
    "granularity",
];

fn valid_config() -> Value {
    json!({"app_id": "7100000000000000001", "secret": "fuzz-secret-value",
        "access_token": "fuzz-token-value", "start_date": "2024-01-01", "end_date": "2024-03-01",
        "accounts": "Acme, 7000204168915000451", "attribution_window": 3,
        "custom_reports": [{"name": "by_country", "data_level": "AUCTION_AD",
            "dimensions": ["country_code"], "metrics": ["spend", "impressions"], "granularity": "day"}]})
}

/// A valid config with one field replaced by anything (or removed), and that field's name.
fn mutated_config() -> impl Strategy<Value = (String, Value)> {
    (
        prop::sample::select(CONFIG_KEYS),
        prop_oneof![3 => json_value(CONFIG_KEYS), 1 => Just(Value::Null)],
    )
        .prop_map(|(k, v)| {
            let mut c = valid_config();
            if v.is_null() {
                c.as_object_mut().map(|o| o.remove(k));
            } else {
                c[k] = v;
            }
            (k.to_string(), c)
        })
}

const STATE_KEYS: &[&str] = &[
    "type",
    "stream",
    "stream_descriptor",
    "name",
    "stream_state",
    "accounts",
    "last_day",
    "modify_time",
    "ids_at_cursor",
    "stat_time_day",
    "stat_time_hour",
    "states",
    "partition",
    "advertiser_id",
    "cursor",
    "global",
    "stream_states",
    "data",
    "state",
    "use_global_cursor",
];

/// State documents shaped like real ones, with cursors of any value.
fn state_like() -> impl Strategy<Value = Value> {
    let cursor = prop_oneof![
        leaf().prop_map(|v| json!({"last_day": v})),
        leaf().prop_map(|v| json!({"modify_time": v})),
        (leaf(), json_value(STATE_KEYS))
            .prop_map(|(v, ids)| json!({"modify_time": v, "ids_at_cursor": ids})),
        leaf().prop_map(|v| json!({"stat_time_day": v})),
        json_value(STATE_KEYS),
    ];
    let accounts = prop::collection::btree_map(tricky_text(), cursor, 0..4)
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>()));
    (tricky_text(), accounts, json_value(STATE_KEYS)).prop_map(|(name, accounts, other)| {
        json!([
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": {"accounts": accounts}}},
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "ads"}, "stream_state": {"states": [
                {"partition": {"advertiser_id": "1"}, "cursor": other}]}}},
        ])
    })
}

const ANSWER_KEYS: &[&str] = &[
    "code",
    "message",
    "request_id",
    "data",
    "list",
    "page_info",
    "page",
    "page_size",
    "total_number",
    "total_page",
    "campaign_id",
    "ad_id",
    "advertiser_id",
    "modify_time",
    "create_time",
    "pixels",
    "pixel_id",
    "dimensions",
    "metrics",
    "stat_time_day",
    "stat_time_hour",
    "spend",
    "impressions",
    "ctr",
    "country_code",
    "item_info",
    "item_id",
];

/// Items of a list or rows of a report: mostly object-shaped, with the fields that matter.
fn item() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prop::collection::btree_map(key(ANSWER_KEYS), leaf(), 0..8)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        3 => (leaf(), leaf(), leaf(), leaf(), leaf()).prop_map(|(id, day, hour, spend, country)| {
            json!({"dimensions": {"ad_id": id, "stat_time_day": day, "stat_time_hour": hour,
                "country_code": country}, "metrics": {"spend": spend, "impressions": "10", "ctr": "-"}})
        }),
        1 => json_value(ANSWER_KEYS),
    ]
}

fn page_info() -> impl Strategy<Value = Value> {
    prop_oneof![
        json_value(ANSWER_KEYS),
        (leaf(), leaf(), leaf(), leaf()).prop_map(|(p, s, n, t)| {
            json!({"page": p, "page_size": s, "total_number": n, "total_page": t})
        }),
    ]
}

/// An envelope of any shape, as JSON bytes.
fn envelope_bytes() -> impl Strategy<Value = Vec<u8>> {
    let data = prop_oneof![
        Just(Value::Null),
        json_value(ANSWER_KEYS),
        (
            prop::collection::vec(item(), 0..40),
            page_info(),
            prop::sample::select(vec!["list", "pixels", "musics"])
        )
            .prop_map(|(items, info, k)| json!({k: items, "page_info": info})),
    ];
    let code = prop_oneof![
        4 => Just(json!(0)),
        1 => prop::sample::select(vec![20001, 40100, 40105, 50000, 40002, -1, i64::MAX])
            .prop_map(|c| json!(c)),
        1 => leaf(),
    ];
    (code, leaf(), leaf(), data).prop_map(|(code, message, rid, data)| {
        json!({"code": code, "message": message, "request_id": rid, "data": data})
            .to_string()
            .into_bytes()
    })
}

/// A TikTok answer as bytes: envelopes of every shape, huge pages, deep nesting, cut or
/// corrupted bytes, invalid UTF-8.
fn answer_bytes() -> impl Strategy<Value = Vec<u8>> {
    let envelope = envelope_bytes;
    let huge = (1000usize..3000, item()).prop_map(|(n, it)| {
        let items: Vec<Value> = (0..n)
            .map(|i| {
                let mut x = it.clone();
                if let Some(o) = x.as_object_mut() {
                    o.insert("campaign_id".into(), json!(i.to_string()));
                }
                x
            })
            .collect();
        json!({"code": 0, "message": "OK", "data": {"list": items,
            "page_info": {"page": 1, "page_size": 1000, "total_number": n, "total_page": 1}}})
        .to_string()
        .into_bytes()
    });
    let deep =
        (1usize..4000, prop::sample::select(vec!["[", "{\"a\":"])).prop_map(|(depth, open)| {
            let mut s = String::from("{\"code\":0,\"data\":{\"list\":[");
            s.push_str(&open.repeat(depth));
            s.push('1');
            s.push_str(&(if open == "[" { "]" } else { "}" }).repeat(depth));
            s.push_str("]}}");
            s.into_bytes()
        });
    let corrupted =
        (envelope(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(mut bytes, at, b)| {
            if !bytes.is_empty() {
                let i = at.index(bytes.len());
                if b % 2 == 0 {
                    bytes[i] = 0xFF;
                } else {
                    bytes.truncate(i);
                }
            }
            bytes
        });
    prop_oneof![
        6 => envelope(),
        1 => huge,
        1 => deep,
        2 => corrupted,
        1 => any::<Vec<u8>>(),
    ]
}

fn day() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        (-300_000i32..300_000, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)),
        Just(NaiveDate::MIN),
        Just(NaiveDate::MAX),
        (2012i32..2100, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)),
    ]
}

// ---------------------------------------------------------------------------------------------
// Properties.

/// Every line a decoder wrote is one whole RECORD message of JSON.
fn assert_records(chunks: Vec<(u64, Vec<u8>)>) -> Result<(), TestCaseError> {
    for (count, bytes) in chunks {
        let text = std::str::from_utf8(&bytes)
            .map_err(|e| TestCaseError::fail(format!("a record is not UTF-8: {e}")))?;
        let lines: Vec<&str> = text.lines().collect();
        prop_assert_eq!(lines.len() as u64, count);
        for l in lines {
            let v: Value = serde_json::from_str(l)
                .map_err(|e| TestCaseError::fail(format!("a record is not JSON ({e}): {l}")))?;
            prop_assert_eq!(&v["type"], "RECORD");
            prop_assert!(v["record"]["data"].is_object());
        }
    }
    Ok(())
}

#[test]
fn config_of_any_shape_is_parsed_or_refused_naming_the_field() {
    fuzz(
        "config (mutated field)",
        3000,
        mutated_config,
        |(field, raw)| {
            let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or(NaiveDate::MIN);
            match ConnectorConfig::parse_at(&raw, today) {
                Ok(config) => {
                    let _ = streams::check_custom_reports(&config);
                    let _ = streams::all(&config);
                }
                Err(e) => {
                    let named = e.0.contains(&field)
                        || (field == "access_token" && e.0.contains("auth_code"))
                        || (field == "auth_code" && e.0.contains("access_token"));
                    prop_assert!(named, "{} refused without naming it: {}", field, e.0);
                }
            }
            Ok(())
        },
    );
    fuzz(
        "config (any JSON)",
        2000,
        || json_value(CONFIG_KEYS),
        |raw| {
            let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or(NaiveDate::MIN);
            if let Err(e) = ConnectorConfig::parse_at(&raw, today) {
                let named = e.0.contains('\'') || (!raw.is_object() && e.0.contains("JSON object"));
                prop_assert!(named, "the error names a field: {}", e.0);
            }
            Ok(())
        },
    );
}

#[test]
fn catalog_of_any_shape_is_parsed_or_refused_as_a_config_error() {
    fuzz(
        "catalog",
        2000,
        || {
            prop_oneof![
                json_value(&["streams", "stream", "name", "sync_mode", "json_schema"]),
                (
                    tricky_text(),
                    leaf(),
                    prop::sample::select(vec!["campaigns", "ads_reports_daily", "pixels"])
                )
                    .prop_map(|(name, mode, known)| json!({"streams": [
                    {"stream": {"name": name}, "sync_mode": mode},
                    {"stream": {"name": known}, "sync_mode": "incremental"}]})),
            ]
        },
        |raw| {
            let config =
                ConnectorConfig::parse(&valid_config()).map_err(|e| TestCaseError::fail(e.0))?;
            if let Err(e) = parse_catalog(&raw, &streams::all(&config)) {
                prop_assert!(matches!(e, Error::Config(_)), "{:?}", e);
                prop_assert!(!e.to_string().is_empty());
            }
            Ok(())
        },
    );
}

#[test]
fn state_of_any_shape_is_parsed_or_refused_and_its_cursors_plan_without_overflow() {
    fuzz(
        "state",
        3000,
        || prop_oneof![3 => state_like(), 1 => json_value(STATE_KEYS)],
        |raw| {
            match State::parse(&raw) {
                Ok(state) => {
                    for (stream, cursors) in &state.streams {
                        for (account, cursor) in cursors {
                            let _ = cursor.to_value();
                            let _ = state.cursor(stream, account);
                            if let Cursor::Day(d) = cursor {
                                let i = Inputs {
                                    start_date: NaiveDate::from_ymd_opt(2024, 1, 1)
                                        .unwrap_or(NaiveDate::MIN),
                                    end_date: None,
                                    cursor: Some(*d),
                                    attribution_window: 364,
                                    step_days: 30,
                                    today: NaiveDate::from_ymd_opt(2026, 11, 20)
                                        .unwrap_or(NaiveDate::MIN),
                                };
                                prop_assert!(plan::windows(Granularity::Day, &i).len() <= 40);
                            }
                        }
                    }
                }
                Err(e) => prop_assert!(!e.0.is_empty()),
            }
            Ok(())
        },
    );
}

#[test]
fn the_clock_is_bounded_and_a_bad_one_names_tiktok_ads_now() {
    fuzz("clock", 3000, tricky_text, |text| {
        let wall = chrono::DateTime::from_timestamp(1_796_000_000, 0).unwrap_or_default();
        match clock(Some(&text), wall) {
            Ok(t) => {
                let y = chrono::Datelike::year(&t);
                prop_assert!((2012..=2099).contains(&y), "{}", t);
            }
            Err(e) => {
                prop_assert!(matches!(e, Error::Config(_)));
                prop_assert!(e.to_string().contains("TIKTOK_ADS_NOW"));
            }
        }
        Ok(())
    });
}

#[test]
fn any_answer_is_decoded_or_refused_by_the_envelope_and_the_page_decoders() {
    fuzz("answers", 1000, answer_bytes, |body| {
        let _ = envelope::decode(&body, "x/get/", AsValue);
        for decl in LISTS
            .iter()
            .filter(|d| d.name == "campaigns" || d.name == "pixels")
        {
            let shape = ItemShape::new(decl, &decl.schema(), "7000204168915000451");
            if let Ok(page) = decode_page(
                &body,
                decl.path,
                decl.records_key,
                &shape,
                decl.name,
                |_| true,
            ) {
                prop_assert!(page.not_objects + page.without_key <= page.items);
                assert_records(page.lines.into_chunks())?;
            }
        }
        let window = Window {
            start: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or(NaiveDate::MIN),
            end: NaiveDate::from_ymd_opt(2024, 1, 30).unwrap_or(NaiveDate::MIN),
        };
        for (granularity, window, breakdowns) in [
            (Granularity::Day, Some(window), vec![]),
            (
                Granularity::Hour,
                Some(window),
                vec!["country_code".to_string()],
            ),
            (Granularity::Lifetime, None, vec![]),
        ] {
            let spec = ReportSpec {
                report_type: ReportType::Basic,
                level: Level::Ad,
                granularity,
                breakdowns,
                metrics: vec!["spend".into(), "impressions".into(), "ctr".into()],
            };
            let shape = RowShape::new(&spec, "7000204168915000451", window);
            if let Ok(page) = decode_rows(&body, &shape, "r") {
                prop_assert!(page.without_id + page.bad_time + page.outside <= page.rows);
                assert_records(page.lines.into_chunks())?;
            }
        }
        Ok(())
    });
}

#[test]
fn paging_always_ends_within_its_ceiling() {
    fuzz(
        "paging",
        500,
        || {
            let summary = (
                prop::option::of((
                    prop::option::of(0u64..5),
                    prop::option::of(any::<u64>()),
                    prop::option::of(prop_oneof![0u64..5, Just(u64::MAX), any::<u64>()]),
                )),
                0u64..40,
                prop::option::of(0u8..4),
            );
            (1u64..30, prop::collection::vec(summary, 1..8))
        },
        |(page_size, pages)| {
            let calls = std::sync::atomic::AtomicU64::new(0);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .build()
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let _ = runtime.block_on(paging::walk("x/", page_size, |n| {
                calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                // Page n answers the n-th drawn summary, the last one for ever after.
                let (info, items, key) = pages[((n - 1) as usize).min(pages.len() - 1)];
                let s = PageSummary {
                    info: info.map(|(page, total_number, total_page)| PageInfo {
                        page,
                        page_size: Some(page_size),
                        total_number,
                        total_page,
                    }),
                    items,
                    // Distinct keys per page unless the draw says otherwise.
                    first_key: key.map(|k| {
                        if k == 0 {
                            "same".into()
                        } else {
                            format!("{n}")
                        }
                    }),
                };
                async move { Ok(s) }
            }));
            prop_assert!(calls.into_inner() <= MAX_PAGES);
            Ok(())
        },
    );
}

/// Days the config and the clock may name (both are bounded when parsed).
fn bounded_day() -> impl Strategy<Value = NaiveDate> {
    (2012i32..2100, 1u32..13, 1u32..29)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN))
}

#[test]
fn date_planning_never_overflows_and_stays_in_range() {
    // Start, end and today within what parsing lets through; the state's cursor anything at
    // all (an old state file is not bounded by this run's config).
    fuzz(
        "plan",
        1000,
        || {
            (
                bounded_day(),
                prop::option::of(bounded_day()),
                prop::option::of(day()),
                bounded_day(),
                0u32..400,
                prop_oneof![3 => Just(30u32), 1 => 0u32..40],
            )
        },
        |(start, end, cursor, today, aw, step)| {
            let i = Inputs {
                start_date: start,
                end_date: end,
                cursor,
                attribution_window: aw,
                step_days: step,
                today,
            };
            for g in [Granularity::Day, Granularity::Lifetime] {
                let w = plan::windows(g, &i);
                if let (Some(first), Some(last)) = (w.first(), w.last()) {
                    prop_assert!(first.start >= start && last.end <= today);
                    if let Some(e) = end {
                        prop_assert!(last.end <= e);
                    }
                    prop_assert!(w.len() as i64 <= (last.end - first.start).num_days() + 1);
                }
                for pair in w.windows(2) {
                    prop_assert_eq!(pair[0].end.succ_opt(), Some(pair[1].start));
                }
                for x in &w {
                    if let Some((a, b)) = x.split() {
                        prop_assert!(a.start == x.start && b.end == x.end && a.end < b.start);
                    }
                }
            }
            Ok(())
        },
    );
}

#[test]
fn any_secret_is_masked_whatever_its_length_or_characters() {
    // No '*' (the mask), brackets or whitespace in secrets: then no earlier case's secret can
    // make or hide an occurrence of this one, whatever the registry holds.
    fuzz(
        "redact",
        2000,
        || ("[^*\\[\\]\\s]{1,40}", "[^*]{0,20}", "[^*]{0,20}"),
        |(secret, before, after)| {
            register_secret(&secret);
            if secret.chars().count() < 8 {
                // Short: masked where it stands as a token of its own.
                prop_assert_eq!(redact(&format!("[{secret}]")), "[****]");
            } else {
                let masked = redact(&format!("{before}{secret}{after}"));
                prop_assert!(!masked.contains(&secret), "{:?} in {:?}", secret, masked);
            }
            Ok(())
        },
    );
}
