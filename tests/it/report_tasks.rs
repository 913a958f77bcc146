//! Async backfill (issue 12): a long first sync and a capped ad-level window read through
//! report tasks give exactly the paged path's records, with fewer requests; TikTok refusing
//! tasks falls back to pages.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tiktok_emulator::{EmulatorConfig, ExtendedConfig};

use crate::reports::{assert_every_account_matches_truth, stream_of};
use crate::support::*;

const STREAMS: &[&str] = &[
    "ads_reports_daily",
    "ad_groups_reports_daily",
    "campaigns_reports_daily",
];
/// An hourly stream pages one request per day: where tasks save the most.
const HOURLY: &str = "ad_groups_reports_hourly";

/// A record as sorted JSON text, so multisets of records compare whatever the key order.
fn canonical(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let sorted: BTreeMap<&String, Value> =
                    m.iter().map(|(k, v)| (k, sort(v))).collect();
                json!(sorted)
            }
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

/// stream → record text → how many times.
fn multiset(run: &Run) -> BTreeMap<String, BTreeMap<String, usize>> {
    let mut out: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (stream, data) in run.all_records() {
        *out.entry(stream.to_string())
            .or_default()
            .entry(canonical(data))
            .or_default() += 1;
    }
    out
}

fn backfill_env(report_task_failure_rate: f64, allowlisted: bool) -> Env {
    Env::with(EmulatorConfig {
        advertisers: 2,
        ads_per_adgroup: 4,
        history_days: 200,
        // Reach & Frequency but no TopView: a task gives every row (see
        // `accounts_with_top_view_are_backfilled_by_pages_below_the_advertiser_level`).
        reservation_campaigns_per_advertiser: 1,
        extended: ExtendedConfig {
            // TikTok's own limit on the task endpoints: the connector's pacer must keep under it.
            report_task_qps: 1,
            report_task_failure_rate,
            report_tasks_allowlisted: allowlisted,
            ..ExtendedConfig::default()
        },
        ..EmulatorConfig::default()
    })
}

fn start_date(env: &Env) -> String {
    (env.emu.now() - chrono::Duration::days(120))
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn a_long_first_sync_through_report_tasks_gives_the_paged_records_with_fewer_requests() {
    let env = backfill_env(0.0, true);
    for include_deleted in [false, true] {
        // Every stream without deleted entities (tasks are then held to the live ones); one with
        // them, to keep the test short at TikTok's one task request a second.
        let mut streams = STREAMS.to_vec();
        if include_deleted {
            streams = vec!["ads_reports_daily"];
        } else {
            streams.push(HOURLY);
        }
        let paged_config = env.config(json!({"start_date": start_date(&env),
            "include_deleted": include_deleted, "async_backfill": false}));
        let task_config = env.config(json!({"start_date": start_date(&env),
            "include_deleted": include_deleted}));
        let catalog = env.catalog(&task_config, &streams, true);

        env.emu.clear_requests();
        let paged = env.read(&paged_config, &catalog, None);
        assert_eq!(paged.code, 0, "{}", paged.stdout);
        let paged_requests = env.emu.requests();
        env.emu.clear_requests();
        let tasks = env.read(&task_config, &catalog, None);
        assert_eq!(tasks.code, 0, "{}", tasks.stdout);
        let task_requests = env.emu.requests();

        assert!(paged_requests
            .iter()
            .all(|r| !r.path.contains("report/task/")));
        let created: Vec<_> = task_requests
            .iter()
            .filter(|r| r.path.ends_with("report/task/create/"))
            .collect();
        // One task per daily stream and account (121 days fit in one task window), and four
        // of 31 days at most for the hourly one.
        let hourly_tasks = if include_deleted { 0 } else { 4 };
        let daily = streams.iter().filter(|s| s.ends_with("_daily")).count();
        assert_eq!(created.len(), (daily + hourly_tasks) * 2);
        for c in &created {
            assert_eq!(c.params["enable_report_title_translation"], "false");
            assert_eq!(c.params["output_format"], "CSV_STRING");
            // Without include_deleted the task is held to the live entities.
            assert_eq!(
                c.params.contains_key("filtering"),
                !include_deleted,
                "{:?}",
                c.params
            );
        }
        assert!(
            task_requests
                .iter()
                .all(|r| !r.path.ends_with("report/integrated/get/")),
            "no paged report request"
        );
        let throttled: Vec<String> = task_requests
            .iter()
            .enumerate()
            .filter(|(_, r)| r.code == Some(40100))
            .map(|(i, _)| {
                let around: Vec<String> = task_requests[i.saturating_sub(3)..=i]
                    .iter()
                    .filter(|x| x.path.contains("report/task/"))
                    .map(|x| format!("{}@{}", x.path, x.arrived_us))
                    .collect();
                format!("{around:?}")
            })
            .collect();
        // The pacer spaces task requests 1.25 s apart when they leave; the emulator counts them
        // when its handler starts, which its CSV work on a loaded machine can delay by more than
        // the margin. The odd throttle is retried; many would mean no pacing at all.
        let task_calls = task_requests
            .iter()
            .filter(|r| r.path.contains("report/task/"))
            .count();
        assert!(
            throttled.len() * 10 <= task_calls,
            "the task endpoints' pacer kept under TikTok's 1 request per second: {throttled:?}"
        );

        // The same records, each as many times.
        let want = multiset(&paged);
        assert!(want.values().map(|m| m.len()).sum::<usize>() > 500);
        assert_eq!(multiset(&tasks), want, "include_deleted={include_deleted}");
        // The same cursors (the record counts in sourceStats differ: fewer STATEs with tasks).
        let cursors = |run: &Run| -> Vec<Value> {
            run.final_state()
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["stream"].clone())
                .collect()
        };
        assert_eq!(cursors(&tasks), cursors(&paged));
        validate_records(&catalog, &tasks);
        let count = |log: &[tiktok_emulator::LoggedRequest]| {
            let mut by_path: BTreeMap<String, usize> = BTreeMap::new();
            for r in log {
                *by_path
                    .entry(r.path.trim_start_matches("/open_api/v1.3/").to_string())
                    .or_default() += 1;
            }
            by_path
        };
        println!(
            "backfill of {streams:?} x 2 accounts x 121 days (include_deleted={include_deleted}): paged {} requests {:?}; report tasks {} requests {:?}",
            paged_requests.len(),
            count(&paged_requests),
            task_requests.len(),
            count(&task_requests)
        );
        if !include_deleted {
            assert!(task_requests.len() * 3 < paged_requests.len());
        }

        // The next sync has a cursor: it pages its few days again.
        env.emu.clear_requests();
        let next = env.read(&task_config, &catalog, Some(&tasks.final_state()));
        assert_eq!(next.code, 0);
        assert!(env
            .emu
            .requests()
            .iter()
            .all(|r| !r.path.contains("report/task/")));
    }
}

#[test]
fn tiktok_refusing_or_failing_tasks_means_pages_with_a_warning() {
    for (failure_rate, allowlisted, says) in [
        (0.0, false, "does not run report tasks"),
        (1.0, true, "ended FAILED"),
    ] {
        let env = backfill_env(failure_rate, allowlisted);
        let config = env.config(json!({"start_date": start_date(&env)}));
        let catalog = env.catalog(&config, &["ads_reports_daily"], true);
        let run = env.read(&config, &catalog, None);
        assert_eq!(run.code, 0, "{}", run.stdout);
        let warnings: Vec<&str> = run
            .of_type("LOG")
            .iter()
            .filter(|l| l["log"]["level"] == "WARN")
            .map(|l| l["log"]["message"].as_str().unwrap())
            .collect();
        assert!(
            !warnings.is_empty()
                && warnings
                    .iter()
                    .all(|w| w.contains(says) && w.contains("reading by pages")),
            "{warnings:?}"
        );
        if !allowlisted {
            assert_eq!(
                warnings.len(),
                1,
                "one warning for the whole run: {warnings:?}"
            );
        }
        let stream = stream_of(&catalog, "ads_reports_daily");
        let start: chrono::NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
        assert_every_account_matches_truth(&run, &env, &env, stream, start);
    }
}

#[test]
fn accounts_with_top_view_are_backfilled_by_pages_below_the_advertiser_level() {
    let env = Env::with(EmulatorConfig {
        advertisers: 2,
        history_days: 200,
        ..EmulatorConfig::default()
    });
    assert!(env
        .emu
        .world()
        .campaigns
        .iter()
        .any(|c| c.buying == tiktok_emulator::buying::Buying::TopView));
    let start = start_date(&env);
    let config = env.config(json!({"start_date": start}));
    let names = ["ads_reports_daily", "advertisers_reports_daily"];
    let catalog = env.catalog(&config, &names, false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let log = env.emu.requests();
    let created: Vec<&str> = log
        .iter()
        .filter(|r| r.path.ends_with("report/task/create/"))
        .map(|r| r.params["data_level"].as_str())
        .collect();
    // The advertiser level covers TopView without a filter: a task per account. The ad level
    // would need TopView pages besides the task: paged instead.
    assert_eq!(created, ["AUCTION_ADVERTISER", "AUCTION_ADVERTISER"]);
    let start: chrono::NaiveDate = start.parse().unwrap();
    for name in names {
        let stream = stream_of(&catalog, name);
        assert_every_account_matches_truth(&run, &env, &env, stream, start);
    }
}

#[test]
fn a_capped_ad_level_window_is_read_by_one_report_task() {
    let env = Env::with(EmulatorConfig {
        report_ads_cap: 100,
        advertisers: 2,
        campaigns_per_advertiser: 2,
        adgroups_per_campaign: 4,
        ads_per_adgroup: 16,
        ..EmulatorConfig::default()
    });
    let config = env.config(json!({}));
    let catalog = env.catalog(
        &config,
        &["ads_reports_daily", "ads_reports_lifetime"],
        false,
    );
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let log = env.emu.requests();
    assert!(
        log.iter().all(|r| !r
            .params
            .get("filtering")
            .is_some_and(|f| f.contains("ad_ids_v2\",\"filter_type")
                && r.path.ends_with("report/integrated/get/"))),
        "no re-read by ad IDs"
    );
    // One task per capped window (one window and the lifetime per account).
    let created = log
        .iter()
        .filter(|r| r.path.ends_with("report/task/create/"))
        .count();
    assert_eq!(created, 2 * 2);
    let start: chrono::NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    for name in ["ads_reports_daily", "ads_reports_lifetime"] {
        let stream = stream_of(&catalog, name);
        assert_every_account_matches_truth(&run, &env, &env, stream, start);
    }
}
