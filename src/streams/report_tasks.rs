//! Async backfill: report windows read through TikTok's asynchronous report tasks
//! (`report/task/create|check|download/`) instead of paging `report/integrated/get/`. A task has
//! no span limit, no paging and no 20,000-ad cap, so a long first sync or a capped ad-level
//! window costs a handful of requests (create, a few checks, one download) instead of one per
//! 30 days and page, or one per 100 ads.
//!
//! When: the first sync of a report stream (no cursor for the account) over more than
//! `BACKFILL_AFTER_DAYS`, planned as task windows; and an ad-level window TikTok capped. Not in
//! the sandbox (no tasks there), not with `async_backfill` off, not for reports tasks cannot
//! serve (UV metrics with an audience breakdown, TikTok's rule; lifetime streams are one request
//! anyway). TikTok refusing tasks (not allowlisted, 40118; the sandbox's codes) pages the rest of
//! the run with one warning; a task that fails, is cancelled or takes longer than
//! `MAX_TASK_WAIT` pages its window with a warning. Records are written only once every task of
//! the window has succeeded, so a fallback never doubles them; the window's cursor moves when
//! they are written (one checkpoint per task window).
//!
//! Same records as the paged path: the task asks for the same dimensions (`ad_id_v2` at ad
//! level) and metrics, with title translation off (field names and the synchronous strings), and
//! each CSV cell is typed like the JSON value (the metric table, `-` → null). Tasks take no
//! status filter and report deleted entities; without `include_deleted` the task is restricted to
//! the live campaigns, ad groups or ads (`campaign_ids`, `adgroup_ids`, `ad_ids_v2`, at most
//! 20,000 IDs a task), which gives the rows the paged path gets without its status filter.

use std::sync::atomic::Ordering;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;

use super::decl::{Granularity, Level};
use super::record::{push_json_str, push_metric_text, BadValue, Lines, NotOfKind};
use super::report::{
    check_day, day_of, hour_of, report_problems, ReportPage, ReportSpec, RowShape, TimeCheck,
    TimeDim,
};
use super::smart_plus_keys;
use crate::config::{Config, Environment};
use crate::error::Error;
use crate::plan::{self, Window};
use crate::protocol::{now_ms, LogLevel};
use crate::read::Job;
use crate::tiktok::envelope::{self, AsValue};
use crate::tiktok::limits::{HourlyQuota, TASK_CREATIONS_PER_HOUR};
use crate::tiktok::{json_param, ApiError, ErrorKind, Query};

/// A first sync over more than this many days goes through tasks: three of TikTok's 30-day
/// windows cost at least 3 paged requests, a task about 5 (create, ~3 checks, download), so
/// only longer spans (or hourly reports, one request per day) are worth a task.
pub const BACKFILL_AFTER_DAYS: i64 = 90;
/// Days one task covers: a year of daily rows, a month of hourly ones. The file is held in
/// memory while it is parsed, so a task covers about what twelve 30-day paged windows would.
const TASK_DAYS_DAILY: i64 = 365;
const TASK_DAYS_HOURLY: i64 = 31;
/// IDs one task's filter takes (reference §6).
const IDS_PER_TASK: usize = 20_000;
/// A task not done after this long is cancelled and its window paged.
const MAX_TASK_WAIT: Duration = Duration::from_secs(3600);
/// The longest pause between two checks of a task.
const MAX_CHECK_DELAY: Duration = Duration::from_secs(30);
/// Records handed to the writer at a time while a file is parsed.
const ROWS_PER_BATCH: usize = 1000;
/// UV metrics, which tasks refuse with an audience dimension (reference §6).
const UV_METRICS: &[&str] = &[
    "reach",
    "frequency",
    "cost_per_1000_reached",
    "average_video_play_per_user",
    "live_play_count",
];
const AUDIENCE_DIMENSIONS: &[&str] = &[
    "gender",
    "age",
    "country_code",
    "ac",
    "language",
    "platform",
    "interest_category",
    "placement",
    "contextual_tag",
];

/// TikTok's codes for "this app or environment cannot use report tasks": not on the allowlist,
/// or the sandbox's "not supported".
const REFUSED_CODES: &[i64] = &[40118, 40008, 40009, 40013, 40014];

/// Creations per ad account per hour, across the process (one app).
fn creations() -> &'static HourlyQuota {
    static QUOTA: OnceLock<HourlyQuota> = OnceLock::new();
    QUOTA.get_or_init(|| HourlyQuota::new(TASK_CREATIONS_PER_HOUR))
}

/// Longest span of one synchronous request at this granularity.
fn sync_span_days(g: Granularity) -> i64 {
    match g {
        Granularity::Hour => 1,
        Granularity::Day => 30,
        Granularity::Lifetime => 365,
    }
}

/// Whether tasks can give this report's rows.
pub fn eligible(spec: &ReportSpec) -> bool {
    let uv = spec.metrics.iter().any(|m| {
        UV_METRICS.contains(&m.as_str())
            || m.starts_with("result")
            || m.starts_with("real_time_result")
    });
    let audience = spec
        .breakdowns
        .iter()
        .any(|b| AUDIENCE_DIMENSIONS.contains(&b.as_str()));
    !(uv && audience)
}

fn planned_for_tasks(config: &Config) -> bool {
    config.async_backfill && config.environment == Environment::Production
}

/// The task windows of a first sync longer than `BACKFILL_AFTER_DAYS`, oldest first; None when
/// the range is read by pages.
pub fn backfill_windows(
    spec: &ReportSpec,
    config: &Config,
    inputs: &plan::Inputs,
) -> Option<Vec<Window>> {
    let step = match spec.granularity {
        Granularity::Day => TASK_DAYS_DAILY,
        Granularity::Hour => TASK_DAYS_HOURLY,
        Granularity::Lifetime => return None,
    };
    if !planned_for_tasks(config) || inputs.cursor.is_some() || !eligible(spec) {
        return None;
    }
    let all = plan::range(inputs)?;
    if all.days() <= BACKFILL_AFTER_DAYS {
        return None;
    }
    let mut out = Vec::new();
    let mut start = all.start;
    while start <= all.end {
        let end = (start + chrono::Duration::days(step - 1)).min(all.end);
        out.push(Window { start, end });
        start = end + chrono::Duration::days(1);
    }
    Some(out)
}

/// A window longer than one synchronous request may span: planned for a task.
pub fn is_task_window(spec: &ReportSpec, w: Window) -> bool {
    spec.granularity != Granularity::Lifetime && w.days() > sync_span_days(spec.granularity)
}

/// The synchronous windows of a task window, for when it is paged after all.
pub fn paged_windows(spec: &ReportSpec, config: &Config, w: Window) -> Vec<Window> {
    plan::windows(
        spec.granularity,
        &plan::Inputs {
            start_date: w.start,
            end_date: Some(w.end),
            cursor: None,
            attribution_window: 0,
            step_days: config.daily_window_days,
            today: w.end,
        },
    )
}

/// Whether this run may try a task now.
pub fn usable(job: &Job<'_>) -> bool {
    planned_for_tasks(job.config()) && !job.run.tasks_refused.load(Ordering::Relaxed)
}

/// Why a window is paged after all (said once per stream as a warning).
struct Fallback(String);

/// Reads `window` (None: lifetime) of `spec` for `account` through report tasks. False, having
/// written nothing, when it must be paged instead.
pub async fn read(
    spec: &ReportSpec,
    job: &Job<'_>,
    account: &str,
    window: Option<Window>,
) -> Result<bool, Error> {
    if !eligible(spec) {
        return Ok(false);
    }
    announce(job, account, window).await;
    let outcome = async {
        let restriction = restriction(spec, job, account).await?;
        let chunks: Vec<Option<(&'static str, &[String])>> = match &restriction {
            None => vec![None],
            Some((field, ids)) => ids
                .chunks(IDS_PER_TASK)
                .map(|c| Some((*field, c)))
                .collect(),
        };
        // Every task of the window first, so a fallback never follows written records.
        let mut tasks = Vec::new();
        for filter in chunks {
            tasks.push(create(spec, job, account, window, filter).await?);
        }
        for task_id in &tasks {
            wait(job, account, task_id).await?;
        }
        Ok::<_, Outcome>(tasks)
    }
    .await;
    let tasks = match outcome {
        Ok(tasks) => tasks,
        Err(Outcome::Error(e)) => return Err(e),
        Err(Outcome::Fallback(Fallback(why))) => {
            job.warn_once(
                &format!("tasks:{}:{why}", job.name()),
                &format!(
                    "Stream {}: {why}; reading by pages of report/integrated/get/ instead.",
                    job.name()
                ),
            )
            .await;
            return Ok(false);
        }
    };
    for task_id in &tasks {
        let csv = download(job, account, task_id).await?;
        let shape = RowShape::new(spec, account, window);
        write_csv(job, &shape, &csv).await?;
    }
    Ok(true)
}

enum Outcome {
    Error(Error),
    Fallback(Fallback),
}

impl From<Error> for Outcome {
    fn from(e: Error) -> Outcome {
        Outcome::Error(e)
    }
}

/// The IDs a task must be limited to so it gives what the paged path gives without
/// `include_deleted` (tasks report deleted entities): None when no limit is needed.
async fn restriction(
    spec: &ReportSpec,
    job: &Job<'_>,
    account: &str,
) -> Result<Option<(&'static str, std::sync::Arc<Vec<String>>)>, Error> {
    if job.config().include_deleted {
        return Ok(None);
    }
    let (field, path, key) = match spec.level {
        Level::Advertiser => return Ok(None),
        Level::Ad => {
            let ids = smart_plus_keys::ad_ids_v2(job, account).await?;
            return Ok(Some((smart_plus_keys::AD_ID_FILTER, ids)));
        }
        Level::Campaign => ("campaign_ids", "campaign/get/", "campaign_id"),
        Level::AdGroup => ("adgroup_ids", "adgroup/get/", "adgroup_id"),
    };
    let cell = job.run.id_list_cell(&format!("{path}{account}"));
    let ids = cell
        .get_or_try_init(|| async {
            let query: Query = vec![
                ("advertiser_id", account.to_string()),
                ("fields", json_param(&json!([key]))),
            ];
            let found = Mutex::new(std::collections::BTreeSet::new());
            smart_plus_keys::list_ids(job, path, 1000, &query, &[key], &found).await?;
            let found = found.into_inner().unwrap_or_else(|e| e.into_inner());
            Ok::<_, Error>(std::sync::Arc::new(found.into_iter().collect::<Vec<_>>()))
        })
        .await?
        .clone();
    Ok(Some((field, ids)))
}

/// Creates a task (asking only for metrics TikTok accepts); returns its ID.
async fn create(
    spec: &ReportSpec,
    job: &Job<'_>,
    account: &str,
    window: Option<Window>,
    filter: Option<(&str, &[String])>,
) -> Result<String, Outcome> {
    const PATH: &str = "report/task/create/";
    loop {
        let metrics = job.run.metrics_for(job.name(), &spec.metrics);
        let mut body = json!({
            "advertiser_id": account,
            "service_type": "AUCTION",
            "report_type": spec.report_type.as_str(),
            "data_level": spec.level.data_level(),
            "dimensions": spec.request_dimensions(),
            "metrics": metrics,
            "output_format": "CSV_STRING",
            // Field names and the synchronous values, not display titles (TikTok's advice).
            "enable_report_title_translation": false,
        });
        match window {
            Some(w) => {
                body["start_date"] = json!(w.start.format("%Y-%m-%d").to_string());
                body["end_date"] = json!(w.end.format("%Y-%m-%d").to_string());
            }
            None => body["query_lifetime"] = json!(true),
        }
        if let Some((field, ids)) = filter {
            body["filtering"] = json!([{"field_name": field, "filter_type": "IN",
                "filter_value": json!(ids).to_string()}]);
        }
        creations().take(account).await;
        let answer = job
            .post_json(PATH, &body, |bytes, _| {
                Ok(envelope::decode(bytes, PATH, AsValue)?.data)
            })
            .await;
        let e = match answer {
            Ok(data) => {
                let id = data
                    .as_ref()
                    .and_then(|d| d.get("task_id"))
                    .and_then(crate::tiktok::accounts::id_text)
                    .ok_or_else(|| {
                        Error::Api(ApiError::bad_answer(PATH, "a task without task_id".into()))
                    })?;
                return Ok(id);
            }
            Err(Error::Api(e)) => e,
            Err(e) => return Err(e.into()),
        };
        if let Some(invalid) = e.invalid_metrics() {
            if job.run.drop_metrics(job.name(), &metrics, &invalid) {
                job.warn_once(
                    &format!("dropped:{}:{}", job.name(), invalid.join(",")),
                    &format!(
                        "TikTok does not accept the metrics {} for stream {}; their columns are null for the rest of this sync.",
                        invalid.join(", "),
                        job.name()
                    ),
                )
                .await;
                continue;
            }
        }
        if e.code.is_some_and(|c| REFUSED_CODES.contains(&c)) {
            job.run.tasks_refused.store(true, Ordering::Relaxed);
            return Err(Outcome::Fallback(Fallback(format!(
                "TikTok does not run report tasks for this app or account ({})",
                e.message.trim()
            ))));
        }
        if e.kind == ErrorKind::Config {
            return Err(Error::Api(e).into());
        }
        return Err(Outcome::Fallback(Fallback(format!(
            "TikTok did not create a report task ({e})"
        ))));
    }
}

/// Checks a task with growing pauses until it succeeded.
async fn wait(job: &Job<'_>, account: &str, task_id: &str) -> Result<(), Outcome> {
    const PATH: &str = "report/task/check/";
    let started = Instant::now();
    let mut delay = Duration::from_millis(job.config().backoff_base_ms).min(MAX_CHECK_DELAY);
    loop {
        let query: Query = vec![
            ("advertiser_id", account.to_string()),
            ("task_id", task_id.to_string()),
        ];
        let data = job
            .get(PATH, &query, |bytes, _| {
                Ok(envelope::decode(bytes, PATH, AsValue)?.data)
            })
            .await?
            .value
            .unwrap_or(Value::Null);
        let status = data.get("status").and_then(Value::as_str).unwrap_or("");
        match status {
            "SUCCESS" => return Ok(()),
            "FAILED" | "CANCELED" => {
                let said = data.get("message").and_then(Value::as_str).unwrap_or("");
                return Err(Outcome::Fallback(Fallback(format!(
                    "TikTok's report task {task_id} ended {status}{}",
                    if said.is_empty() {
                        String::new()
                    } else {
                        format!(" ({said})")
                    }
                ))));
            }
            "QUEUING" | "PROCESSING" => {}
            other => {
                return Err(Error::Api(ApiError::bad_answer(
                    PATH,
                    format!("unknown task status {other:?}"),
                ))
                .into())
            }
        }
        if started.elapsed() + delay > MAX_TASK_WAIT {
            let body = json!({"advertiser_id": account, "task_id": task_id});
            // Best effort: an expired or finished task needs no cancelling.
            let _ = job
                .post_json("report/task/cancel/", &body, |bytes, _| {
                    envelope::decode(bytes, "report/task/cancel/", AsValue).map(|_| ())
                })
                .await;
            return Err(Outcome::Fallback(Fallback(format!(
                "TikTok's report task {task_id} was not done after {} minutes",
                MAX_TASK_WAIT.as_secs() / 60
            ))));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_CHECK_DELAY);
    }
}

/// The task's file: the CSV body (`CSV_STRING`), or TikTok's error envelope.
async fn download(job: &Job<'_>, account: &str, task_id: &str) -> Result<Vec<u8>, Error> {
    const PATH: &str = "report/task/download/";
    let query: Query = vec![
        ("advertiser_id", account.to_string()),
        ("task_id", task_id.to_string()),
    ];
    let fetched = job
        .get(PATH, &query, |bytes, _| {
            let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
            if start.is_some_and(|i| bytes[i] == b'{') {
                // JSON is an error, or a download link the connector did not ask for.
                envelope::decode(bytes, PATH, AsValue)?;
                return Err(ApiError::bad_answer(
                    PATH,
                    "JSON where the CSV_STRING file was expected".into(),
                ));
            }
            Ok(bytes.to_vec())
        })
        .await?;
    Ok(fetched.value)
}

/// What a CSV column is.
enum Role {
    Id,
    Time,
    Breakdown(usize),
    Metric(usize),
    Listed(usize),
    Ignored,
}

/// Parses the task's CSV into records, as the paged path writes the JSON rows.
async fn write_csv(job: &Job<'_>, shape: &RowShape, csv: &[u8]) -> Result<(), Error> {
    let bad = |what: String| {
        Error::Api(ApiError::bad_answer(
            "report/task/download/",
            format!("its CSV {what}"),
        ))
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(csv);
    let headers = reader
        .headers()
        .map_err(|e| bad(format!("has no readable header ({e})")))?
        .clone();
    let time_name = match shape.time {
        Some(TimeDim::Day) => Some("stat_time_day"),
        Some(TimeDim::Hour) => Some("stat_time_hour"),
        None => None,
    };
    let roles: Vec<Role> = headers
        .iter()
        .map(|h| {
            if h == shape.id_dim {
                Role::Id
            } else if Some(h) == time_name {
                Role::Time
            } else if let Some(i) = shape.breakdowns.iter().position(|b| b == h) {
                Role::Breakdown(i)
            } else if let Some(i) =
                smart_plus_keys::listed_attribute(h).and_then(|m| shape.column(m, 0))
            {
                Role::Listed(i)
            } else if let Some(i) = shape.column(h, 0) {
                Role::Metric(i)
            } else {
                Role::Ignored
            }
        })
        .collect();
    if !roles.iter().any(|r| matches!(r, Role::Id)) {
        return Err(bad(format!("has no {} column", shape.id_dim)));
    }
    let mut page = fresh_page(job);
    let mut seen = vec![false; shape.columns.len()];
    for record in reader.records() {
        let record = record.map_err(|e| bad(format!("cannot be read ({e})")))?;
        page.rows += 1;
        let lines = &mut page.lines;
        lines.begin();
        push_json_str(lines.key("advertiser_id"), &shape.advertiser_id);
        for (key, value) in &shape.constants {
            push_json_str(lines.key(key), value);
        }
        seen.iter_mut().for_each(|s| *s = false);
        let mut has_id = false;
        let mut time = TimeCheck::Missing;
        for (role, cell) in roles.iter().zip(record.iter()) {
            match role {
                Role::Id => {
                    if cell.trim().is_empty() {
                        continue;
                    }
                    has_id = true;
                    for column in shape.id_columns {
                        push_json_str(lines.key(column), cell.trim());
                    }
                }
                Role::Time => match shape.time {
                    Some(TimeDim::Hour) => {
                        let hour = hour_of(cell);
                        time = check_day(hour.as_ref().map(|h| &h[..10]), &shape.days);
                        if let Some(h) = hour {
                            push_json_str(lines.key("stat_time_hour"), &h);
                        }
                    }
                    _ => {
                        let day = day_of(cell);
                        time = check_day(day, &shape.days);
                        if let Some(d) = day {
                            push_json_str(lines.key("stat_time_day"), d);
                        }
                    }
                },
                Role::Breakdown(i) => push_json_str(lines.key(&shape.breakdowns[*i]), cell),
                Role::Listed(i) => {
                    seen[*i] = true;
                    smart_plus_keys::push_listed_text(lines.key(&shape.columns[*i].name), cell);
                }
                Role::Metric(i) => {
                    seen[*i] = true;
                    let column = &shape.columns[*i];
                    if let Err(NotOfKind { text }) =
                        push_metric_text(lines.key(&column.name), cell, column.kind)
                    {
                        if !page.bad_values.iter().any(|b| b.metric == column.name) {
                            page.bad_values.push(BadValue {
                                metric: column.name.clone(),
                                text,
                            });
                        }
                    }
                }
                Role::Ignored => {}
            }
        }
        // Columns the file lacks are null, as the schema allows (metrics TikTok refused too).
        for (i, c) in shape.columns.iter().enumerate() {
            if !seen[i] {
                lines.key(&c.name).extend_from_slice(b"null");
            }
        }
        if !has_id {
            page.without_id += 1;
            lines.discard();
        } else {
            match (shape.time, time) {
                (None, _) | (Some(_), TimeCheck::Good) => lines.end(),
                (Some(_), TimeCheck::Outside) => {
                    page.outside += 1;
                    lines.discard();
                }
                (Some(_), _) => {
                    page.bad_time += 1;
                    lines.discard();
                }
            }
        }
        if page.lines.count as usize >= ROWS_PER_BATCH {
            flush(job, std::mem::replace(&mut page, fresh_page(job))).await;
        }
    }
    flush(job, page).await;
    Ok(())
}

fn fresh_page(job: &Job<'_>) -> ReportPage {
    ReportPage {
        lines: Lines::new(job.name(), now_ms()),
        info: None,
        rows: 0,
        first_key: None,
        bad_values: Vec::new(),
        without_id: 0,
        bad_time: 0,
        outside: 0,
    }
}

async fn flush(job: &Job<'_>, page: ReportPage) {
    report_problems(job, &page).await;
    job.records(page.lines).await;
}

/// Says which window goes through a task.
async fn announce(job: &Job<'_>, account: &str, window: Option<Window>) {
    let span = match window {
        Some(w) => format!("{}..{}", w.start, w.end),
        None => "its lifetime".into(),
    };
    job.log(
        LogLevel::Info,
        &format!(
            "Stream {}, account {account}: reading {span} through a report task.",
            job.name()
        ),
    )
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::streams::decl::ReportType;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn spec(granularity: Granularity, breakdowns: &[&str], metrics: &[&str]) -> ReportSpec {
        ReportSpec {
            report_type: ReportType::Basic,
            level: Level::Ad,
            granularity,
            breakdowns: breakdowns.iter().map(|s| s.to_string()).collect(),
            metrics: metrics.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn config(extra: Value) -> Config {
        let mut raw = json!({"app_id": "1", "secret": "secret-1", "access_token": "token-1",
            "start_date": "2024-01-01"});
        for (k, v) in extra.as_object().unwrap() {
            raw[k] = v.clone();
        }
        Config::parse(&raw).unwrap()
    }

    fn inputs(cursor: Option<&str>, today: &str) -> plan::Inputs {
        plan::Inputs {
            start_date: d("2024-01-01"),
            end_date: None,
            cursor: cursor.map(d),
            attribution_window: 3,
            step_days: 30,
            today: d(today),
        }
    }

    #[test]
    fn only_long_first_syncs_in_production_are_planned_for_tasks() {
        let s = spec(Granularity::Day, &[], &["spend"]);
        let c = config(json!({}));
        // 91 days: three windows would not be enough.
        let w = backfill_windows(&s, &c, &inputs(None, "2024-03-31")).unwrap();
        assert_eq!(
            w,
            vec![Window {
                start: d("2024-01-01"),
                end: d("2024-03-31")
            }]
        );
        assert!(is_task_window(&s, w[0]));
        // 90 days, a cursor, the option off, the sandbox: pages.
        assert!(backfill_windows(&s, &c, &inputs(None, "2024-03-30")).is_none());
        assert!(backfill_windows(&s, &c, &inputs(Some("2024-01-05"), "2025-01-01")).is_none());
        let off = config(json!({"async_backfill": false}));
        assert!(backfill_windows(&s, &off, &inputs(None, "2025-01-01")).is_none());
        let sandbox = config(json!({"environment": "sandbox"}));
        assert!(backfill_windows(&s, &sandbox, &inputs(None, "2025-01-01")).is_none());
    }

    #[test]
    fn task_windows_cover_the_range_a_year_or_a_month_at_a_time() {
        let c = config(json!({}));
        let daily = spec(Granularity::Day, &[], &["spend"]);
        let w = backfill_windows(&daily, &c, &inputs(None, "2025-03-01")).unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!((w[0].start, w[0].days()), (d("2024-01-01"), 365));
        assert_eq!((w[1].start, w[1].end), (d("2024-12-31"), d("2025-03-01")));
        let hourly = spec(Granularity::Hour, &[], &["spend"]);
        let w = backfill_windows(&hourly, &c, &inputs(None, "2024-04-15")).unwrap();
        assert!(w.iter().all(|w| w.days() <= 31));
        assert_eq!(w.iter().map(Window::days).sum::<i64>(), 106);
        // Paged after all: TikTok's windows inside the task window.
        let paged = paged_windows(
            &daily,
            &c,
            Window {
                start: d("2024-01-01"),
                end: d("2024-03-31"),
            },
        );
        assert_eq!(paged.len(), 4);
        assert!(paged.iter().all(|p| p.days() <= 30));
        assert!(!is_task_window(&daily, paged[0]));
    }

    #[test]
    fn uv_metrics_with_an_audience_breakdown_are_not_for_tasks() {
        assert!(eligible(&spec(Granularity::Day, &["age"], &["spend"])));
        assert!(eligible(&spec(Granularity::Day, &[], &["reach"])));
        assert!(!eligible(&spec(
            Granularity::Day,
            &["gender"],
            &["spend", "reach"]
        )));
        assert!(!eligible(&spec(
            Granularity::Day,
            &["country_code"],
            &["result"]
        )));
        let c = config(json!({}));
        let s = spec(Granularity::Day, &["age"], &["frequency"]);
        assert!(backfill_windows(&s, &c, &inputs(None, "2025-01-01")).is_none());
    }
}
