//! Asynchronous report tasks (more-endpoints reference §6): the task store and its life cycle.
//!
//! Choices where the reference is UNCERTAIN (README "Asynchronous report tasks"):
//! - Progress is testable on the fixed clock: a task moves one stage (QUEUING → PROCESSING →
//!   SUCCESS, or FAILED) every `report_task_checks_per_stage` `check` calls and every
//!   `report_task_stage_seconds` of emulator time, whichever comes first. A check answers the
//!   status before its own step, so by default the third check says SUCCESS.
//! - A task's rows are the synchronous engine's rows at the emulator time the task was created
//!   (computed at download), over every entity: tasks take no status filter, so deleted
//!   entities are included ([`TASKS_INCLUDE_DELETED`]).
//! - Codes: unknown or expired task → 40002; download before SUCCESS → 40201 (task not ready);
//!   download of a FAILED or CANCELED task → 40200 (task error); cancelling a finished task →
//!   40002; more than the hourly creations → 40100; not allowlisted → 40118; sandbox → 40008.

pub mod csv;
pub mod endpoints;
pub mod xlsx;

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::{DateTime, Duration, Utc};

use crate::model::{ApiError, Params};

/// Report tasks have no status filter; the emulator reports deleted entities in them.
pub const TASKS_INCLUDE_DELETED: bool = true;
/// Tasks can be checked and downloaded for 30 days.
pub const TASK_LIFETIME_DAYS: i64 = 30;
/// A `download_url` works for one hour of emulator time.
pub const DOWNLOAD_URL_LIFETIME_SECS: i64 = 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    CsvString,
    CsvDownload,
    XlsxDownload,
}

impl OutputFormat {
    pub fn parse(s: Option<&str>) -> Result<OutputFormat, ApiError> {
        match s.map(str::trim).filter(|s| !s.is_empty()) {
            None | Some("CSV_STRING") => Ok(OutputFormat::CsvString),
            Some("CSV_DOWNLOAD") => Ok(OutputFormat::CsvDownload),
            Some("XLSX_DOWNLOAD") => Ok(OutputFormat::XlsxDownload),
            Some(_) => Err(ApiError::param(
                "output_format: Must be one of: CSV_STRING, CSV_DOWNLOAD, XLSX_DOWNLOAD.",
            )),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::CsvString => "CSV_STRING",
            OutputFormat::CsvDownload => "CSV_DOWNLOAD",
            OutputFormat::XlsxDownload => "XLSX_DOWNLOAD",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::XlsxDownload => "xlsx",
            _ => "csv",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Queuing,
    Processing,
    Success,
    Failed,
    Canceled,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Queuing => "QUEUING",
            Status::Processing => "PROCESSING",
            Status::Success => "SUCCESS",
            Status::Failed => "FAILED",
            Status::Canceled => "CANCELED",
        }
    }

    pub fn finished(self) -> bool {
        matches!(self, Status::Success | Status::Failed | Status::Canceled)
    }
}

#[derive(Clone, Debug)]
pub struct Task {
    pub task_id: String,
    /// The advertiser(s) of the request; check/download/cancel name one of them.
    pub advertisers: Vec<String>,
    /// The request as the report engine reads it.
    pub params: Params,
    pub created: DateTime<Utc>,
    pub checks: u64,
    pub canceled: bool,
    /// Drawn at creation from `report_task_failure_rate`.
    pub fails: bool,
    pub output_format: OutputFormat,
    pub file_name: String,
    pub translate: bool,
}

/// A download URL handed out for a finished task.
#[derive(Clone, Debug)]
pub struct Grant {
    pub task_id: String,
    pub issued: DateTime<Utc>,
}

/// How tasks progress: see the module comment.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    pub checks_per_stage: u32,
    pub stage_seconds: u64,
}

#[derive(Default)]
pub struct TaskStore {
    tasks: BTreeMap<String, Task>,
    /// Creation times per advertiser within the last hour, for the hourly limit.
    creations: HashMap<String, VecDeque<DateTime<Utc>>>,
    grants: HashMap<String, Grant>,
    issued: u64,
}

impl TaskStore {
    /// Counts a creation for `advertiser_id` at `now`, or refuses it past `per_hour` (0 = none).
    pub fn admit_creation(
        &mut self,
        advertiser_id: &str,
        per_hour: u32,
        now: DateTime<Utc>,
    ) -> Result<(), ApiError> {
        if per_hour == 0 {
            return Ok(());
        }
        let q = self.creations.entry(advertiser_id.to_string()).or_default();
        while q.front().is_some_and(|&t| now - t >= Duration::hours(1)) {
            q.pop_front();
        }
        if q.len() >= per_hour as usize {
            return Err(ApiError::new(
                40100,
                format!(
                    "Advertiser {advertiser_id} reaches the limit of {per_hour} report task creations per hour, please try again later."
                ),
            ));
        }
        q.push_back(now);
        Ok(())
    }

    /// A fresh 19-digit task id from the seed and a counter.
    pub fn next_id(&mut self, seed: u64) -> String {
        self.issued += 1;
        format!(
            "7{:018}",
            crate::rng::hash(&[seed, 0x7A5C, self.issued]) % 10u64.pow(18)
        )
    }

    pub fn insert(&mut self, task: Task) {
        self.tasks.insert(task.task_id.clone(), task);
    }

    /// The live (not expired) task `task_id` of `advertiser_id`.
    pub fn get_mut(
        &mut self,
        advertiser_id: &str,
        task_id: &str,
        now: DateTime<Utc>,
    ) -> Result<&mut Task, ApiError> {
        self.tasks
            .get_mut(task_id)
            .filter(|t| t.advertisers.iter().any(|a| a == advertiser_id))
            .filter(|t| now - t.created <= Duration::days(TASK_LIFETIME_DAYS))
            .ok_or_else(|| {
                ApiError::param(format!(
                    "task_id: Task {task_id} does not exist or has expired."
                ))
            })
    }

    /// A new download URL key for a task.
    pub fn grant(&mut self, seed: u64, task_id: &str, now: DateTime<Utc>) -> String {
        self.issued += 1;
        let key = format!(
            "{:016x}{:016x}",
            crate::rng::hash(&[seed, 0xF11E, self.issued]),
            crate::rng::hash(&[seed, 0xF11F, self.issued])
        );
        self.grants.insert(
            key.clone(),
            Grant {
                task_id: task_id.to_string(),
                issued: now,
            },
        );
        key
    }

    pub fn grant_of(&self, key: &str) -> Option<&Grant> {
        self.grants.get(key)
    }

    pub fn task(&self, task_id: &str) -> Option<&Task> {
        self.tasks.get(task_id)
    }
}

/// The task's status at `now`, before the current check's step.
pub fn status(task: &Task, pace: Pace, now: DateTime<Utc>) -> Status {
    if task.canceled {
        return Status::Canceled;
    }
    let by_checks = match pace.checks_per_stage {
        0 => 0,
        k => task.checks / u64::from(k),
    };
    let elapsed = (now - task.created).num_seconds().max(0) as u64;
    let by_time = match pace.stage_seconds {
        0 => 0,
        s => elapsed / s,
    };
    match by_checks.max(by_time) {
        0 => Status::Queuing,
        1 => Status::Processing,
        _ if task.fails => Status::Failed,
        _ => Status::Success,
    }
}
