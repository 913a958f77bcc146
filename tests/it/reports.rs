//! Report streams (issue 4): time zones, lookback, hourly completeness, window splitting,
//! rejected metrics, deleted entities, custom reports, and agreement with the emulator's truth.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};
use tiktok_emulator::{EmulatorConfig, ReportRow};

use crate::support::*;

const BREAKDOWNS: &[&str] = &[
    "country_code",
    "age",
    "gender",
    "platform",
    "province_id",
    "language",
    "placement",
    "ac",
    "interest_category",
    "device_brand_id",
    "dma_id",
    "contextual_tag",
    "ad_type",
];
/// Columns TikTok's rows carry besides the requested dimensions.
const COMPANIONS: &[&str] = &["interest_category_v2"];
const IDS: &[(&str, &str)] = &[
    ("ad_id", "AUCTION_AD"),
    ("adgroup_id", "AUCTION_ADGROUP"),
    ("campaign_id", "AUCTION_CAMPAIGN"),
    ("advertiser_id", "AUCTION_ADVERTISER"),
];

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn emulator_at(now: &str) -> Env {
    Env::with(EmulatorConfig {
        now: at(now),
        ..EmulatorConfig::default()
    })
}

pub(crate) fn local_today(env: &Env, advertiser_id: &str) -> NaiveDate {
    let w = env.emu.world();
    let tz: chrono_tz::Tz = w
        .advertiser(advertiser_id)
        .unwrap()
        .timezone
        .parse()
        .unwrap();
    env.emu.now().with_timezone(&tz).date_naive()
}

/// How a catalog stream asks TikTok: rebuilt from its schema and key, independently of the connector.
pub(crate) struct Shape {
    pub report_type: &'static str,
    pub data_level: &'static str,
    /// The record's key columns.
    pub dimensions: Vec<String>,
    /// What TikTok is asked for: ad level asks for `ad_id_v2` (one row per Smart+ ad), which the
    /// record carries as `ad_id`.
    pub request_dimensions: Vec<String>,
    pub metrics: Vec<String>,
    pub lifetime: bool,
}

pub(crate) fn shape(stream: &Value) -> Shape {
    let name = stream["name"].as_str().unwrap();
    let props = stream["json_schema"]["properties"].as_object().unwrap();
    let pk: Vec<String> = stream["source_defined_primary_key"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_str().unwrap().to_string())
        .collect();
    let (id, level) = IDS
        .iter()
        .find(|(id, _)| {
            pk.iter().any(|k| k == id)
                && (*id != "advertiser_id"
                    || !pk
                        .iter()
                        .any(|k| k != "advertiser_id" && IDS.iter().any(|(i, _)| i == k)))
        })
        .unwrap();
    let mut dims = vec![id.to_string()];
    for t in ["stat_time_day", "stat_time_hour"] {
        if props.contains_key(t) {
            dims.push(t.into());
        }
    }
    dims.extend(
        pk.iter()
            .filter(|k| BREAKDOWNS.contains(&k.as_str()))
            .cloned(),
    );
    let metrics: Vec<String> = props
        .keys()
        .filter(|k| !dims.contains(k) && *k != "advertiser_id" && !COMPANIONS.contains(&k.as_str()))
        .cloned()
        .collect();
    let audience = name.contains("audience")
        || dims
            .iter()
            .any(|d| BREAKDOWNS.contains(&d.as_str()) && d != "country_code");
    let lifetime = name.ends_with("_lifetime") && !audience;
    let request_dimensions = dims
        .iter()
        .map(|d| {
            if d == "ad_id" {
                "ad_id_v2".to_string()
            } else {
                d.clone()
            }
        })
        .collect();
    Shape {
        report_type: if audience { "AUDIENCE" } else { "BASIC" },
        data_level: level,
        dimensions: dims,
        request_dimensions,
        metrics,
        lifetime,
    }
}

/// The emulator's rows for a stream over [start, end] for one account, asked in spans TikTok allows.
pub(crate) fn truth(
    env: &Env,
    stream: &Value,
    account: &str,
    start: NaiveDate,
    end: NaiveDate,
    include_deleted: bool,
) -> Vec<ReportRow> {
    let s = shape(stream);
    let step = if s.dimensions.iter().any(|d| d == "stat_time_hour") {
        1
    } else if s.dimensions.iter().any(|d| d == "stat_time_day") {
        30
    } else {
        365
    };
    if s.lifetime || (end - start).num_days() < step {
        return truth_span(env, stream, account, start, end, include_deleted);
    }
    let mut rows = Vec::new();
    let mut from = start;
    while from <= end {
        let to = (from + Duration::days(step - 1)).min(end);
        rows.extend(truth_span(env, stream, account, from, to, include_deleted));
        from = to + Duration::days(1);
    }
    rows
}

fn truth_span(
    env: &Env,
    stream: &Value,
    account: &str,
    start: NaiveDate,
    end: NaiveDate,
    include_deleted: bool,
) -> Vec<ReportRow> {
    let s = shape(stream);
    let dims = json!(s.request_dimensions).to_string();
    let metrics = json!(s.metrics).to_string();
    let (start, end) = (start.to_string(), end.to_string());
    let mut params: Vec<(&str, &str)> = vec![
        ("advertiser_id", account),
        ("report_type", s.report_type),
        ("data_level", s.data_level),
        ("dimensions", &dims),
        ("metrics", &metrics),
    ];
    if s.lifetime {
        params.push(("query_lifetime", "true"));
    } else {
        params.push(("start_date", &start));
        params.push(("end_date", &end));
    }
    let field = match s.data_level {
        "AUCTION_AD" => Some("ad_status"),
        "AUCTION_ADGROUP" => Some("adgroup_status"),
        "AUCTION_CAMPAIGN" => Some("campaign_status"),
        _ => None,
    };
    let mut filters = Vec::new();
    if let (true, Some(f)) = (include_deleted, field) {
        filters.push(
            json!({"field_name": f, "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}),
        );
    }
    // Every buying type: below the advertiser level TopView rows need the filter.
    if field.is_some() {
        filters.push(every_buying_type());
    }
    let filter = json!(filters).to_string();
    if !filters.is_empty() {
        params.push(("filtering", &filter));
    }
    env.emu
        .report_truth(&params)
        .unwrap_or_else(|e| panic!("truth for {}: {e:?}", stream["name"]))
}

/// The report filter that selects rows of every buying type.
pub fn every_buying_type() -> Value {
    json!({"field_name": "buying_type", "filter_type": "IN",
        "filter_value": "[\"AUCTION\",\"RESERVATION_RF\",\"RESERVATION_TOP_VIEW\"]"})
}

/// A truth row as the connector should emit it: the key (dimension values) and the metric texts.
pub(crate) fn row_key(dims: &BTreeMap<String, String>, s: &Shape) -> String {
    s.dimensions
        .iter()
        .zip(&s.request_dimensions)
        .map(|(d, asked)| {
            let v = dims.get(asked).cloned().unwrap_or_default();
            match d.as_str() {
                "stat_time_day" => v[..10].to_string(),
                "stat_time_hour" => v.replacen(' ', "T", 1),
                _ => v,
            }
        })
        .collect::<Vec<_>>()
        .join("|")
}

pub(crate) fn record_key(r: &Value, s: &Shape) -> String {
    s.dimensions
        .iter()
        .map(|d| r[d].as_str().unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join("|")
}

/// Metric equality without floats: the record's JSON number text must equal TikTok's text
/// (integers may drop a ".00"), "-" must be null.
pub(crate) fn same_metric(record: &Value, text: &str) -> bool {
    match record {
        Value::Null => text == "-" || text.is_empty(),
        Value::String(s) => s == text,
        Value::Number(n) => {
            let got = n.to_string();
            got == text
                || text.strip_suffix(".00").is_some_and(|t| t == got)
                || text.strip_suffix(".0").is_some_and(|t| t == got)
        }
        _ => false,
    }
}

/// Asserts every account's records of `stream` in `run` equal `truth_of`'s report rows from
/// `start` to the account's today on `env`'s clock (deleted entities left out). Returns how many
/// accounts had rows in the truth.
pub fn assert_every_account_matches_truth(
    run: &Run,
    env: &Env,
    truth_of: &Env,
    stream: &Value,
    start: NaiveDate,
) -> usize {
    let mut with_rows = 0;
    for adv in env.emu.world().advertisers {
        let today = local_today(env, &adv.advertiser_id);
        let rows = truth(truth_of, stream, &adv.advertiser_id, start, today, false);
        with_rows += usize::from(!rows.is_empty());
        assert_matches_truth(run, stream, &adv.advertiser_id, &rows);
    }
    with_rows
}

/// Asserts the stream's records for `account` are exactly the truth rows, metric for metric.
pub fn assert_matches_truth(run: &Run, stream: &Value, account: &str, rows: &[ReportRow]) {
    let name = stream["name"].as_str().unwrap();
    let s = shape(stream);
    let mut got: BTreeMap<String, &Value> = BTreeMap::new();
    for r in run
        .records(name)
        .into_iter()
        .filter(|r| r["advertiser_id"] == account)
    {
        assert!(
            got.insert(record_key(r, &s), r).is_none(),
            "{name}: duplicate record {r}"
        );
    }
    let want: BTreeMap<String, &ReportRow> = rows
        .iter()
        .map(|r| (row_key(&r.dimensions, &s), r))
        .collect();
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{name}, account {account}: rows differ"
    );
    for (k, row) in want {
        for c in COMPANIONS {
            if let Some(v) = row.dimensions.get(*c) {
                assert_eq!(got[&k][*c], v.as_str(), "{name} {k}: {c}");
            }
        }
        for (m, text) in &row.metrics {
            if s.metrics.contains(m) {
                assert!(
                    same_metric(&got[&k][m], text),
                    "{name} {k}: {m} is {} but TikTok said {text:?}",
                    got[&k][m]
                );
            }
        }
    }
}

pub fn requests_for(env: &Env, account: &str) -> Vec<BTreeMap<String, String>> {
    env.emu
        .requests()
        .into_iter()
        .filter(|r| {
            r.path.ends_with("report/integrated/get/")
                && r.params.get("advertiser_id").map(String::as_str) == Some(account)
        })
        .map(|r| r.params.into_iter().collect())
        .collect()
}

pub(crate) fn stream_of<'a>(catalog: &'a Value, name: &str) -> &'a Value {
    catalog["streams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["stream"]["name"] == name)
        .map(|s| &s["stream"])
        .unwrap()
}

#[test]
fn every_report_stream_equals_the_emulators_truth() {
    let env = Env::new();
    // Some fifty streams against one debug-built emulator on a shared machine: answers may be slow,
    // and this test is about values, not timing.
    let config = env.config(json!({"request_timeout_seconds": 60}));
    let all: Vec<String> = env
        .discover(&config)
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    let reports: Vec<&str> = all
        .iter()
        .map(String::as_str)
        // GMV Max reports are another endpoint, with their own test (gmv_max.rs).
        .filter(|n| n.contains("report") && !n.starts_with("gmv_max"))
        .collect();
    assert!(reports.len() >= 30, "{reports:?}");
    let catalog = env.catalog(&config, &reports, false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.of_type("LOG").iter().all(|l| !l["log"]["message"]
            .as_str()
            .unwrap()
            .contains("does not accept")),
        "a built-in stream asked for a metric TikTok rejects"
    );
    validate_records(&catalog, &run);
    let start: NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    let mut non_empty = 0;
    for name in &reports {
        let stream = stream_of(&catalog, name);
        non_empty += assert_every_account_matches_truth(&run, &env, &env, stream, start);
    }
    assert!(
        non_empty > reports.len(),
        "the emulator had data for most streams"
    );
}

#[test]
fn days_follow_each_accounts_time_zone_ahead_and_behind_utc() {
    // 20:00 UTC: Tokyo is already on the next day; 03:00 UTC: Los Angeles is still on the previous one.
    for now in ["2026-11-20T20:00:00Z", "2026-11-21T03:00:00Z"] {
        let env = emulator_at(now);
        let config = env.config(json!({}));
        let catalog = env.catalog(
            &config,
            &["advertisers_reports_daily", "ads_reports_hourly"],
            true,
        );
        let run = env.read(&config, &catalog, None);
        assert_eq!(run.code, 0, "{}", run.stdout);
        let world = env.emu.world();
        let utc_today = at(now).date_naive();
        let mut ahead = false;
        let mut behind = false;
        for adv in &world.advertisers {
            let today = local_today(&env, &adv.advertiser_id);
            ahead |= today > utc_today;
            behind |= today < utc_today;
            for req in requests_for(&env, &adv.advertiser_id) {
                let end: NaiveDate = req["end_date"].parse().unwrap();
                assert!(
                    end <= today,
                    "{}: requested {end}, but its today is {today}",
                    adv.advertiser_id
                );
            }
            let daily = stream_of(&catalog, "advertisers_reports_daily");
            let start: NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
            assert_matches_truth(
                &run,
                daily,
                &adv.advertiser_id,
                &truth(&env, daily, &adv.advertiser_id, start, today, false),
            );
            let days: BTreeSet<String> = run
                .records("advertisers_reports_daily")
                .iter()
                .filter(|r| r["advertiser_id"] == adv.advertiser_id.as_str())
                .map(|r| r["stat_time_day"].as_str().unwrap().to_string())
                .collect();
            assert!(
                days.contains(&today.to_string()),
                "{}: its today {today} is missing from {days:?}",
                adv.advertiser_id
            );
        }
        assert!(
            ahead || behind,
            "the emulator's zones put some account on another day at {now}"
        );
    }
}

#[test]
fn incremental_rereads_the_lookback_days_and_carries_late_conversions() {
    let env = Env::new();
    let config = env.config(json!({"attribution_window": 3}));
    let catalog = env.catalog(&config, &["campaigns_reports_daily"], true);
    let first = env.read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{}", first.stdout);
    env.emu.advance(Duration::days(2));
    env.emu.clear_requests();
    let second = env.read(&config, &catalog, Some(&first.final_state()));
    assert_eq!(second.code, 0, "{}", second.stdout);
    let stream = stream_of(&catalog, "campaigns_reports_daily");
    let mut changed = 0;
    for adv in env.emu.world().advertisers {
        let today = local_today(&env, &adv.advertiser_id);
        let first_cursor = today - Duration::days(2);
        let reqs = requests_for(&env, &adv.advertiser_id);
        let starts: Vec<NaiveDate> = reqs
            .iter()
            .map(|r| r["start_date"].parse().unwrap())
            .collect();
        assert_eq!(
            starts.iter().min(),
            Some(&(first_cursor - Duration::days(3))),
            "{}",
            adv.advertiser_id
        );
        let rows = truth(
            &env,
            stream,
            &adv.advertiser_id,
            first_cursor - Duration::days(3),
            today,
            false,
        );
        assert_matches_truth(&second, stream, &adv.advertiser_id, &rows);
        // The re-read days carry values different from the first run's (conversions arrived late).
        let before: BTreeMap<String, String> = first
            .records("campaigns_reports_daily")
            .iter()
            .filter(|r| r["advertiser_id"] == adv.advertiser_id.as_str())
            .map(|r| {
                (
                    format!("{}|{}", r["campaign_id"], r["stat_time_day"]),
                    r["conversion"].to_string(),
                )
            })
            .collect();
        for r in second
            .records("campaigns_reports_daily")
            .iter()
            .filter(|r| r["advertiser_id"] == adv.advertiser_id.as_str())
        {
            if let Some(old) = before.get(&format!("{}|{}", r["campaign_id"], r["stat_time_day"])) {
                changed += usize::from(old.as_str() != r["conversion"].to_string().as_str());
            }
        }
    }
    assert!(changed > 0, "late conversions changed some re-read rows");
}

#[test]
fn hourly_streams_are_complete_on_first_and_incremental_runs() {
    let env = Env::new();
    let config = env.config(json!({"attribution_window": 1}));
    let catalog = env.catalog(
        &config,
        &["ads_reports_hourly", "campaigns_reports_hourly"],
        true,
    );
    let first = env.read(&config, &catalog, None);
    assert_eq!(first.code, 0, "{}", first.stdout);
    let start: NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    for name in ["ads_reports_hourly", "campaigns_reports_hourly"] {
        let stream = stream_of(&catalog, name);
        assert_every_account_matches_truth(&first, &env, &env, stream, start);
    }
    env.emu.advance(Duration::hours(30));
    let second = env.read(&config, &catalog, Some(&first.final_state()));
    assert_eq!(second.code, 0);
    for name in ["ads_reports_hourly", "campaigns_reports_hourly"] {
        let stream = stream_of(&catalog, name);
        for adv in env.emu.world().advertisers {
            let today = local_today(&env, &adv.advertiser_id);
            let old_today = (env.emu.now() - Duration::hours(30))
                .with_timezone(&adv.timezone.parse::<chrono_tz::Tz>().unwrap())
                .date_naive();
            // Whole days from cursor − 1: every hour of each, none dropped.
            let rows = truth(
                &env,
                stream,
                &adv.advertiser_id,
                old_today - Duration::days(1),
                today,
                false,
            );
            assert_matches_truth(&second, stream, &adv.advertiser_id, &rows);
        }
    }
}

#[test]
fn a_query_too_large_is_split_down_to_days() {
    // Refuse anything heavier than 12 days of every metric over the biggest account's ads.
    let probe = Env::new();
    let world = probe.emu.world();
    let most_ads = world
        .advertisers
        .iter()
        .map(|a| {
            world
                .ads
                .iter()
                .filter(|x| x.advertiser_id == a.advertiser_id)
                .count()
        })
        .max()
        .unwrap() as u64;
    let metrics = shape(stream_of(
        &probe.catalog(&probe.config(json!({})), &["ads_reports_daily"], false),
        "ads_reports_daily",
    ))
    .metrics
    .len() as u64;
    let env = Env::with(EmulatorConfig {
        query_too_large_threshold: Some(metrics * 12 * most_ads),
        ..EmulatorConfig::default()
    });
    let config = env.config(
        json!({"start_date": (env.emu.now() - Duration::days(29)).format("%Y-%m-%d").to_string()}),
    );
    let catalog = env.catalog(&config, &["ads_reports_daily"], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let too_large = env
        .emu
        .requests()
        .iter()
        .filter(|r| r.code == Some(40067))
        .count();
    assert!(
        too_large > 0,
        "the threshold made TikTok refuse the 30-day request"
    );
    let stream = stream_of(&catalog, "ads_reports_daily");
    let start: NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    // The truth comes from an emulator with the same seed and clock but no size limit.
    assert_every_account_matches_truth(&run, &env, &probe, stream, start);
}

#[test]
fn a_metric_tiktok_rejects_is_dropped_with_one_warning() {
    let env = Env::with(EmulatorConfig {
        rejected_metrics: vec!["reach".into()],
        ..EmulatorConfig::default()
    });
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["campaigns_reports_daily"], false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let warnings: Vec<_> = run
        .of_type("LOG")
        .into_iter()
        .filter(|l| {
            l["log"]["level"] == "WARN" && l["log"]["message"].as_str().unwrap().contains("reach")
        })
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let records = run.records("campaigns_reports_daily");
    assert!(!records.is_empty());
    assert!(records
        .iter()
        .all(|r| r["reach"].is_null() && !r["spend"].is_null()));
    validate_records(&catalog, &run);
}

#[test]
fn deleted_entities_rows_appear_only_with_include_deleted() {
    let env = Env::new();
    let world = env.emu.world();
    let deleted: BTreeSet<String> = world
        .ads
        .iter()
        .filter(|a| world.ad_effective_deleted_at(a).is_some())
        .map(|a| a.ad_id.clone())
        .chain(
            world
                .adgroups
                .iter()
                .filter(|g| world.adgroup_effective_deleted_at(g).is_some())
                .map(|g| g.adgroup_id.clone()),
        )
        .chain(
            world
                .campaigns
                .iter()
                .filter(|c| c.deleted_at.is_some())
                .map(|c| c.campaign_id.clone()),
        )
        .collect();
    let streams = [
        "ads_reports_daily",
        "ad_groups_reports_lifetime",
        "campaigns_audience_reports_daily",
        "ads_audience_reports_by_platform_daily",
        "campaigns_reports_hourly",
        "ad_group_audience_reports_by_language_daily",
        "ads_audience_reports_by_interest_category_lifetime",
    ];
    let start: NaiveDate = (env.emu.now() - Duration::days(30)).date_naive();
    let mut seen_deleted = BTreeSet::new();
    for include in [false, true] {
        let config =
            env.config(json!({"include_deleted": include, "start_date": start.to_string()}));
        let catalog = env.catalog(&config, &streams, false);
        let run = env.read(&config, &catalog, None);
        assert_eq!(run.code, 0, "{}", run.stdout);
        for name in streams {
            let stream = stream_of(&catalog, name);
            let id = shape(stream).dimensions[0].clone();
            for adv in &world.advertisers {
                let today = local_today(&env, &adv.advertiser_id);
                let from = if name.ends_with("hourly") {
                    today - Duration::days(10)
                } else {
                    start
                };
                if !name.ends_with("hourly") {
                    assert_matches_truth(
                        &run,
                        stream,
                        &adv.advertiser_id,
                        &truth(&env, stream, &adv.advertiser_id, from, today, include),
                    );
                }
            }
            for r in run.records(name) {
                let v = r[&id].as_str().unwrap();
                if deleted.contains(v) {
                    assert!(include, "{name}: deleted {id} {v} without include_deleted");
                    seen_deleted.insert(name);
                }
            }
        }
    }
    assert!(
        seen_deleted.len() >= 3,
        "deleted rows appeared with include_deleted in {seen_deleted:?}"
    );
}

#[test]
fn a_custom_report_end_to_end() {
    let env = Env::new();
    let custom = json!([{"name": "ads_by_platform_daily", "report_type": "AUDIENCE", "data_level": "AUCTION_AD",
        "dimensions": ["platform"], "metrics": ["spend", "impressions", "clicks", "ctr"], "granularity": "day"}]);
    let config = env.config(json!({"custom_reports": custom}));
    let check = env.check(&config);
    assert_eq!(check.connection_status().0, "SUCCEEDED", "{}", check.stdout);
    let catalog = env.catalog(&config, &["ads_by_platform_daily"], true);
    let stream = stream_of(&catalog, "ads_by_platform_daily");
    assert_eq!(
        stream["source_defined_primary_key"],
        json!([["ad_id"], ["stat_time_day"], ["platform"]])
    );
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    validate_records(&catalog, &run);
    let start: NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    assert_every_account_matches_truth(&run, &env, &env, stream, start);
    // check rejects what TikTok would reject, before any data request.
    let bad = json!([{"name": "bad_one", "report_type": "BASIC", "data_level": "AUCTION_AD", "dimensions": ["age"], "metrics": ["no_such_metric"]}]);
    let run = env.check(&env.config(json!({"custom_reports": bad})));
    let (status, message) = run.connection_status();
    assert_eq!(status, "FAILED");
    assert!(
        message.contains("no_such_metric") && message.contains("age"),
        "{message}"
    );
}

#[test]
fn an_ad_report_capped_at_tiktoks_ad_limit_is_read_again_by_ad_ids() {
    // TikTok covers at most 20,000 ads per report; here the emulator's cap is 100 ads, and each
    // account has more (2 × 4 × 16 = 128), so the connector's batches of 100 IDs fit under it.
    let env = Env::with(EmulatorConfig {
        report_ads_cap: 100,
        advertisers: 2,
        campaigns_per_advertiser: 2,
        adgroups_per_campaign: 4,
        ads_per_adgroup: 16,
        ..EmulatorConfig::default()
    });
    // Report tasks would read a capped window whole; this is the paged way, without them.
    let config = env.config(json!({"include_deleted": true, "async_backfill": false}));
    let catalog = env.catalog(
        &config,
        &[
            "ads_reports_daily",
            "ads_reports_lifetime",
            "campaigns_reports_daily",
        ],
        false,
    );
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let notes = run
        .of_type("LOG")
        .iter()
        .filter(|l| {
            l["log"]["message"]
                .as_str()
                .unwrap()
                .contains("at most 20,000 ads")
        })
        .count();
    assert!(notes >= 2, "the cap was noticed");
    assert!(run.of_type("LOG").iter().all(|l| !l["log"]["message"]
        .as_str()
        .unwrap()
        .contains("may be incomplete")));
    let by_ids = env
        .emu
        .requests()
        .iter()
        .filter(|r| {
            r.params
                .get("filtering")
                .is_some_and(|f| f.contains("ad_ids"))
        })
        .count();
    assert!(by_ids > 0);
    let start: NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    // The truth is uncapped: every ad's rows.
    for name in [
        "ads_reports_daily",
        "ads_reports_lifetime",
        "campaigns_reports_daily",
    ] {
        let stream = stream_of(&catalog, name);
        for adv in env.emu.world().advertisers {
            let today = local_today(&env, &adv.advertiser_id);
            assert_matches_truth(
                &run,
                stream,
                &adv.advertiser_id,
                &truth(&env, stream, &adv.advertiser_id, start, today, true),
            );
        }
    }
}

#[test]
fn an_account_without_a_usable_time_zone_fails_only_its_reports() {
    let env = Env::new();
    let bad = env.emu.mutate(|w, _| {
        w.advertisers[0].timezone = "Nowhere/Unknown".into();
        w.advertisers[0].display_timezone = "Nowhere/Unknown".into();
        w.advertisers[0].advertiser_id.clone()
    });
    let config = env.config(json!({}));
    let catalog = env.catalog(&config, &["campaigns", "advertisers_reports_daily"], false);
    let run = env.read(&config, &catalog, None);
    assert_ne!(run.code, 0);
    let errors = run.errors();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]["message"].as_str().unwrap().contains("time zone"),
        "{}",
        errors[0]
    );
    let reported: BTreeSet<&str> = run
        .records("advertisers_reports_daily")
        .iter()
        .map(|r| r["advertiser_id"].as_str().unwrap())
        .collect();
    assert!(!reported.contains(bad.as_str()));
    assert_eq!(reported.len(), env.emu.world().advertisers.len() - 1);
    assert!(
        run.records("campaigns")
            .iter()
            .any(|r| r["advertiser_id"] == bad.as_str()),
        "its entities are still read"
    );
    assert_eq!(
        run.statuses("campaigns").last().map(String::as_str),
        Some("COMPLETE")
    );
}
