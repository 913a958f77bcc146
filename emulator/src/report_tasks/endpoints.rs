//! `POST report/task/create/`, `GET report/task/check/`, `GET report/task/download/`,
//! `POST report/task/cancel/`, and the files behind `download_url`.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::{csv, status, xlsx, OutputFormat, Pace, Status, Task, TaskStore};
use crate::config::ExtendedConfig;
use crate::model::{ApiError, Params, World};
use crate::params;
use crate::report::{self, ReportSettings};
use crate::rng::{hash, unit};

/// What the task endpoints need from the emulator.
pub struct Ctx<'a> {
    pub world: &'a World,
    pub params: &'a Params,
    pub now: DateTime<Utc>,
    pub seed: u64,
    pub config: &'a ExtendedConfig,
    pub report: &'a ReportSettings,
    pub sandbox: bool,
    /// "http://127.0.0.1:PORT", for `download_url`.
    pub base_url: &'a str,
}

impl Ctx<'_> {
    fn pace(&self) -> Pace {
        Pace {
            checks_per_stage: self.config.report_task_checks_per_stage,
            stage_seconds: self.config.report_task_stage_seconds,
        }
    }
}

/// Path prefix of the files `download_url` points to.
pub const FILES_PREFIX: &str = "/report_task_files/";

const FORBIDDEN_FILE_NAME_CHARS: &[char] = &[
    '/', '\\', '\t', '\u{8}', '@', '#', '$', '%', '^', '&', '*', '(', ')', '[', ']',
];

fn file_name(params: &Params, task_id: &str, format: OutputFormat) -> Result<String, ApiError> {
    match params
        .get("file_name")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => Ok(format!("{task_id}.{}", format.extension())),
        Some(name) if name.chars().count() > 255 => Err(ApiError::param(
            "file_name: Length must be at most 255 characters.",
        )),
        Some(name) if name.contains(FORBIDDEN_FILE_NAME_CHARS) => Err(ApiError::param(
            "file_name: Must not contain / \\ \\t \\b @ # $ % ^ & * ( ) [ ].",
        )),
        Some(name) => Ok(format!("{name}.{}", format.extension())),
    }
}

/// `POST report/task/create/`; `advertisers` are the request's advertisers, already authorized.
pub fn create(
    ctx: &Ctx,
    store: &mut TaskStore,
    advertisers: Vec<String>,
) -> Result<Value, ApiError> {
    if ctx.sandbox {
        return Err(ApiError::new(
            40008,
            "This API is not supported in the sandbox environment.",
        ));
    }
    if !ctx.config.report_tasks_allowlisted {
        return Err(ApiError::new(
            40118,
            "The advertiser is not on the allowlist of asynchronous report tasks.",
        ));
    }
    report::validate_task(ctx.world, ctx.params)?;
    let format = OutputFormat::parse(ctx.params.get("output_format").map(String::as_str))?;
    let translate = params::boolean(ctx.params, "enable_report_title_translation")?.unwrap_or(true);
    let task_id = store.next_id(ctx.seed);
    let name = file_name(ctx.params, &task_id, format)?;
    for adv in &advertisers {
        store.admit_creation(adv, ctx.config.report_task_creations_per_hour, ctx.now)?;
    }
    let fails = unit(hash(&[ctx.seed, 0xFA11, crate::rng::hash_str(&task_id)]))
        < ctx.config.report_task_failure_rate;
    store.insert(Task {
        task_id: task_id.clone(),
        advertisers,
        params: ctx.params.clone(),
        created: ctx.now,
        checks: 0,
        canceled: false,
        fails,
        output_format: format,
        file_name: name,
        translate,
    });
    Ok(json!({ "task_id": task_id }))
}

fn ids(params: &Params) -> Result<(&str, &str), ApiError> {
    Ok((
        params::required(params, "advertiser_id")?,
        params::required(params, "task_id")?,
    ))
}

/// `GET report/task/check/`: the status, then one step of progress.
pub fn check(ctx: &Ctx, store: &mut TaskStore) -> Result<Value, ApiError> {
    let (adv, task_id) = ids(ctx.params)?;
    let pace = ctx.pace();
    let task = store.get_mut(adv, task_id, ctx.now)?;
    let s = status(task, pace, ctx.now);
    if !s.finished() {
        task.checks += 1;
    }
    let message = if s == Status::Failed {
        "Report generation failed, please create the task again."
    } else {
        ""
    };
    Ok(json!({ "status": s.name(), "message": message }))
}

/// `POST report/task/cancel/`: only a QUEUING or PROCESSING task.
pub fn cancel(ctx: &Ctx, store: &mut TaskStore) -> Result<Value, ApiError> {
    let (adv, task_id) = ids(ctx.params)?;
    let pace = ctx.pace();
    let task = store.get_mut(adv, task_id, ctx.now)?;
    let s = status(task, pace, ctx.now);
    if s.finished() {
        return Err(ApiError::param(format!(
            "The task can only be canceled while it is QUEUING or PROCESSING; its status is {}.",
            s.name()
        )));
    }
    task.canceled = true;
    Ok(json!({ "status": Status::Canceled.name() }))
}

/// The task's CSV as TikTok would have written it when the task ran (its creation time).
fn csv_text(world: &World, task: &Task, report: &ReportSettings) -> Result<String, ApiError> {
    let q = report::task_query(world, &task.params)?;
    let mut w = csv::Writer::new(q.columns(), task.translate);
    q.each_row(world, task.created, report, |r| w.row(&r));
    Ok(w.finish())
}

/// `GET report/task/download/`: the CSV itself (`CSV_STRING`), or a `download_url` valid for
/// an hour. The answer for `CSV_STRING` is a raw body the server sends as `text/csv`.
pub fn download(ctx: &Ctx, store: &mut TaskStore) -> Result<Value, ApiError> {
    let (adv, task_id) = ids(ctx.params)?;
    let pace = ctx.pace();
    let task = store.get_mut(adv, task_id, ctx.now)?.clone();
    match status(&task, pace, ctx.now) {
        Status::Success => {}
        s @ (Status::Queuing | Status::Processing) => {
            return Err(ApiError::new(
                40201,
                format!(
                    "Task is not ready, please try again later. Current status: {}.",
                    s.name()
                ),
            ))
        }
        s => {
            return Err(ApiError::new(
                40200,
                format!("Task error: the task is {} and has no file.", s.name()),
            ))
        }
    }
    if task.output_format == OutputFormat::CsvString {
        return Ok(crate::extended_api::raw_body(
            "text/csv; charset=utf-8",
            csv_text(ctx.world, &task, ctx.report)?,
        ));
    }
    let key = store.grant(ctx.seed, &task.task_id, ctx.now);
    Ok(json!({
        "download_url": format!("{}{FILES_PREFIX}{key}/{}", ctx.base_url, task.file_name),
        "file_name": task.file_name,
        "output_format": task.output_format.name(),
    }))
}

/// A file behind a `download_url`: (HTTP status, content type, body).
pub fn file(
    world: &World,
    store: &TaskStore,
    report: &ReportSettings,
    path: &str,
    now: DateTime<Utc>,
) -> (u16, &'static str, Vec<u8>) {
    let key = path.split('/').next().unwrap_or_default();
    let not_found = (
        404,
        "text/plain; charset=utf-8",
        b"404 page not found".to_vec(),
    );
    let Some(grant) = store.grant_of(key) else {
        return not_found;
    };
    if now - grant.issued > Duration::seconds(super::DOWNLOAD_URL_LIFETIME_SECS) {
        return (
            403,
            "application/xml",
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>\n".to_vec(),
        );
    }
    let Some(task) = store.task(&grant.task_id) else {
        return not_found;
    };
    let Ok(text) = csv_text(world, task, report) else {
        return not_found;
    };
    match task.output_format {
        OutputFormat::XlsxDownload => (
            200,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            xlsx::workbook(&csv::parse(&text)),
        ),
        _ => (200, "text/csv; charset=utf-8", text.into_bytes()),
    }
}
