//! The scheduler only schedules: it plans each stream's partitions into slices as it goes, keeps
//! a bounded number of slices under way, and turns each finished slice into a checkpoint and,
//! at a stream's end, its final STATE and status. It knows nothing of TikTok's fields.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::checkpoint::{Checkpointer, SliceId};
use super::job::{Job, Run, StreamRun};
use super::{Partitioning, PlanInput, SlicePlan};
use crate::catalog::{Configured, SyncMode};
use crate::error::Error;
use crate::protocol::{FailureType, LogLevel, Message, StreamStatus};
use crate::state::{Cursor, State};
use crate::tiktok::ErrorKind;

/// Slices under way at once. Requests are paced by the client; this only needs to be enough
/// to keep the client's in-flight gate full, and bounds what waiting slices hold.
const ACTIVE_SLICES: usize = 128;

/// How a run ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Complete,
    /// Some parts failed; an ERROR trace said which.
    Failed,
    /// Stopped from outside (SIGTERM) before the end.
    Interrupted,
}

struct Failure {
    stream: String,
    /// "account X" or "Business Center X": the partition that failed.
    place: Option<String>,
    error: Error,
}

/// Per stream: what is left and how it went.
#[derive(Default)]
struct Progress {
    running: bool,
    planned_all: bool,
    remaining: usize,
    failed: bool,
    finished: bool,
}

/// A slice that ended: its id, its planned cursor, and what reading it gave.
type Finished = (SliceId, Option<Cursor>, Result<Option<Cursor>, Error>);

/// A slice ready to start.
struct Ready {
    stream: usize,
    id: SliceId,
    plan: SlicePlan,
    part: Part,
    cursor: Option<Cursor>,
}

/// A partition of a stream: the whole run, an account or a Business Center (by index).
#[derive(Clone, Copy, Debug)]
enum Part {
    Whole,
    Account(usize),
    BusinessCenter(usize),
}

/// How a partition is named in messages.
fn place_of(partitioning: Partitioning, key: &str) -> Option<String> {
    match partitioning {
        _ if key.is_empty() => None,
        Partitioning::PerBusinessCenter => Some(format!("Business Center {key}")),
        _ => Some(format!("account {key}")),
    }
}

/// Runs the sync of `catalog`; stops early when `stop` resolves.
pub async fn run(
    run: Arc<Run>,
    catalog: Vec<Configured>,
    state: &State,
    stop: impl Future<Output = ()>,
) -> Outcome {
    let streams: Vec<Arc<StreamRun>> = catalog
        .into_iter()
        .enumerate()
        .map(|(index, c)| {
            Arc::new(StreamRun {
                index,
                name: Arc::from(c.stream.name.as_str()),
                incremental: c.mode == SyncMode::Incremental,
                stream: c.stream,
            })
        })
        .collect();
    let mut checkpoints = Checkpointer::default();
    let mut progress: Vec<Progress> = Vec::new();
    for s in &streams {
        run.out.status(&s.name, StreamStatus::Started).await;
        checkpoints.add_stream(state.carried(&s.name), s.stream.cursor_field().is_some());
        progress.push(Progress::default());
    }
    let mut planner = Planner::new(&streams, &run, state);
    let mut failures: Vec<Failure> = Vec::new();
    let mut failed_partitions: HashSet<(usize, String)> = HashSet::new();
    let active = Arc::new(Semaphore::new(ACTIVE_SLICES));
    let mut tasks: JoinSet<Finished> = JoinSet::new();
    tokio::pin!(stop);
    let mut interrupted = false;

    loop {
        // Plan and start as many slices as may run.
        loop {
            let Ok(permit) = Arc::clone(&active).try_acquire_owned() else {
                break;
            };
            let Some(step) = planner.next(&mut checkpoints, &mut progress) else {
                break;
            };
            match step {
                Step::Notice(message) => run.out.log(LogLevel::Warn, &message).await,
                Step::PlanFailed {
                    stream,
                    place,
                    error,
                } => {
                    progress[stream].failed = true;
                    report_failure(&run, &streams[stream], place, error, &mut failures).await;
                }
                Step::Slice(ready) => {
                    if failed_partitions.contains(&(ready.stream, ready.id.partition.clone())) {
                        checkpoints.fail(&ready.id);
                        progress[ready.stream].remaining -= 1;
                        continue;
                    }
                    if !progress[ready.stream].running {
                        progress[ready.stream].running = true;
                        run.out
                            .status(&streams[ready.stream].name, StreamStatus::Running)
                            .await;
                    }
                    let (run, stream) = (Arc::clone(&run), Arc::clone(&streams[ready.stream]));
                    tasks.spawn(async move {
                        let _permit = permit;
                        let planned = ready.plan.cursor.clone();
                        let job = Job {
                            run: &run,
                            stream: &stream,
                            account: match ready.part {
                                Part::Account(i) => Some(&run.accounts[i]),
                                _ => None,
                            },
                            business_center: match (ready.part, &run.business_centers) {
                                (Part::BusinessCenter(i), Ok(bcs)) => bcs.get(i),
                                _ => None,
                            },
                            window: ready.plan.window,
                            cursor: ready.cursor.as_ref(),
                        };
                        // A panic in a reader fails its slice, loudly, and nothing else.
                        let result =
                            std::panic::AssertUnwindSafe(stream.stream.reader().read(&job))
                                .catch_unwind()
                                .await
                                .unwrap_or_else(|panic| Err(Error::Internal(panic_text(&panic))));
                        (ready.id, planned, result)
                    });
                }
            }
        }
        // Streams that have nothing left to run end here.
        for (i, s) in streams.iter().enumerate() {
            finish_if_done(&run, s, &mut progress[i], &checkpoints).await;
        }
        if tasks.is_empty() && planner.is_done() {
            break;
        }
        let joined = tokio::select! {
            joined = tasks.join_next() => joined,
            () = &mut stop => {
                interrupted = true;
                break;
            }
        };
        let Some(joined) = joined else {
            continue;
        };
        let (id, planned, result) = match joined {
            Ok(done) => done,
            // Tasks are neither aborted nor panicking (panics are caught above).
            Err(e) => {
                failures.push(Failure {
                    stream: "(unknown)".into(),
                    place: None,
                    error: Error::Internal(e.to_string()),
                });
                continue;
            }
        };
        let s = &streams[id.stream];
        progress[id.stream].remaining -= 1;
        match result {
            Ok(reached) => {
                if checkpoints.finish(&id, reached.or(planned)) {
                    run.out
                        .state(&s.name, checkpoints.document(id.stream))
                        .await;
                }
            }
            Err(error) => {
                checkpoints.fail(&id);
                progress[id.stream].failed = true;
                failed_partitions.insert((id.stream, id.partition.clone()));
                let place = place_of(s.stream.reader().partitioning(), &id.partition);
                report_failure(&run, s, place, error, &mut failures).await;
            }
        }
    }

    if interrupted {
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        // What finished is checkpointed already; say where every stream stands.
        for (i, s) in streams.iter().enumerate() {
            if !progress[i].finished {
                run.out.state(&s.name, checkpoints.document(i)).await;
                run.out.status(&s.name, StreamStatus::Incomplete).await;
            }
        }
        run.out
            .emit(Message::error(
                FailureType::TransientError,
                crate::commands::INTERRUPTED_MESSAGE,
                None,
                None,
            ))
            .await;
        return Outcome::Interrupted;
    }
    if failures.is_empty() && progress.iter().any(|p| p.failed) {
        failures.push(Failure {
            stream: "(unknown)".into(),
            place: None,
            error: Error::Internal("a stream stopped without reporting why".into()),
        });
    }
    if failures.is_empty() {
        return Outcome::Complete;
    }
    summarize(&run, &failures).await;
    Outcome::Failed
}

async fn finish_if_done(run: &Run, s: &StreamRun, p: &mut Progress, checkpoints: &Checkpointer) {
    if p.finished || !p.planned_all || p.remaining > 0 {
        return;
    }
    p.finished = true;
    if !p.running {
        // The platform expects STARTED, RUNNING, then the end, even for an empty stream.
        run.out.status(&s.name, StreamStatus::Running).await;
    }
    // Every stream gets at least one STATE; the writer drops it if it repeats the last one.
    run.out.state(&s.name, checkpoints.document(s.index)).await;
    let status = if p.failed {
        StreamStatus::Incomplete
    } else {
        StreamStatus::Complete
    };
    run.out.status(&s.name, status).await;
}

async fn report_failure(
    run: &Run,
    s: &StreamRun,
    place: Option<String>,
    error: Error,
    failures: &mut Vec<Failure>,
) {
    let at = match &place {
        Some(p) => format!("Stream {}, {p}", s.name),
        None => format!("Stream {}", s.name),
    };
    run.out
        .log(LogLevel::Error, &format!("{at}: {error}"))
        .await;
    failures.push(Failure {
        stream: s.name.to_string(),
        place,
        error,
    });
}

/// One ERROR trace for the whole run, naming every failed part; the failure type is the most
/// telling one: config (the user must act) over system over transient.
async fn summarize(run: &Run, failures: &[Failure]) {
    let kinds: Vec<ErrorKind> = failures.iter().map(|f| f.error.kind()).collect();
    let failure_type = if kinds.contains(&ErrorKind::Config) {
        FailureType::ConfigError
    } else if kinds
        .iter()
        .all(|k| matches!(k, ErrorKind::Transient | ErrorKind::RateLimited))
    {
        FailureType::TransientError
    } else {
        FailureType::SystemError
    };
    let mut streams: Vec<&str> = failures.iter().map(|f| f.stream.as_str()).collect();
    streams.sort_unstable();
    streams.dedup();
    let details: Vec<String> = failures
        .iter()
        .map(|f| {
            format!(
                "{}{}: {}",
                f.stream,
                f.place
                    .as_ref()
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default(),
                f.error
            )
        })
        .collect();
    let message = format!(
        "{} of the sync's parts failed, in streams {}. Everything else was read and its state saved. First problem: {}",
        failures.len(),
        streams.join(", "),
        details[0]
    );
    run.out
        .emit(Message::error(
            failure_type,
            &message,
            Some(&details.join(" | ")),
            None,
        ))
        .await;
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into());
    format!("the reader stopped: {what}")
}

enum Step {
    Slice(Ready),
    /// Something the user should know about the plan (a state cursor in the future).
    Notice(String),
    PlanFailed {
        stream: usize,
        place: Option<String>,
        error: Error,
    },
}

/// A state cursor beyond the present: what it claimed, and the present to use instead.
struct FutureCursor {
    claimed: String,
    now: Cursor,
}

/// Whether `cursor` lies in the future: after `now` for an instant; after the account's today
/// for a day (in its time zone, as report days are). Such a cursor would hold its partition
/// forever: nothing newer than it ever comes.
fn future_cursor(
    cursor: &Cursor,
    account: Option<&crate::tiktok::accounts::Account>,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<FutureCursor> {
    match cursor {
        Cursor::Instant { at, .. } if *at > now => Some(FutureCursor {
            claimed: cursor.describe(),
            now: Cursor::instant(now),
        }),
        Cursor::Day(day) => {
            let today = match account.map(|a| &a.tz) {
                Some(Ok(tz)) => now.with_timezone(tz).date_naive(),
                // Without a zone the account's reports fail anyway; UTC is a fair guess here.
                _ => now.date_naive(),
            };
            (*day > today).then(|| FutureCursor {
                claimed: cursor.describe(),
                now: Cursor::Day(today),
            })
        }
        Cursor::Instant { .. } => None,
    }
}

/// Walks streams in catalog order, their partitions in account order, and each partition's
/// slices oldest first, planning a partition only when its turn comes.
struct Planner<'a> {
    streams: &'a [Arc<StreamRun>],
    run: &'a Run,
    state: &'a State,
    stream: usize,
    partition: usize,
    queue: std::collections::VecDeque<Ready>,
    /// Partitions of the stream being planned.
    partitions: Vec<Part>,
    /// Why the stream being planned has no partitions (its Business Centers are unknown).
    unplannable: Option<Error>,
    /// Log lines to emit before the next slice (future cursors set back).
    notices: Vec<String>,
}

impl<'a> Planner<'a> {
    fn new(streams: &'a [Arc<StreamRun>], run: &'a Run, state: &'a State) -> Planner<'a> {
        let mut p = Planner {
            streams,
            run,
            state,
            stream: 0,
            partition: 0,
            queue: Default::default(),
            partitions: Vec::new(),
            unplannable: None,
            notices: Vec::new(),
        };
        p.enter_stream();
        p
    }

    fn enter_stream(&mut self) {
        self.partition = 0;
        self.unplannable = None;
        self.partitions = match self.streams.get(self.stream) {
            Some(s) => match s.stream.reader().partitioning() {
                Partitioning::Once => vec![Part::Whole],
                Partitioning::PerAccount => {
                    (0..self.run.accounts.len()).map(Part::Account).collect()
                }
                Partitioning::PerBusinessCenter => match &self.run.business_centers {
                    Ok(bcs) => (0..bcs.len()).map(Part::BusinessCenter).collect(),
                    Err(e) => {
                        self.unplannable = Some(e.clone());
                        Vec::new()
                    }
                },
            },
            None => Vec::new(),
        };
    }

    fn is_done(&self) -> bool {
        self.queue.is_empty() && self.stream >= self.streams.len()
    }

    fn next(&mut self, checkpoints: &mut Checkpointer, progress: &mut [Progress]) -> Option<Step> {
        loop {
            if let Some(notice) = self.notices.pop() {
                return Some(Step::Notice(notice));
            }
            if let Some(ready) = self.queue.pop_front() {
                return Some(Step::Slice(ready));
            }
            let s = self.streams.get(self.stream)?;
            if let Some(error) = self.unplannable.take() {
                return Some(Step::PlanFailed {
                    stream: self.stream,
                    place: None,
                    error,
                });
            }
            let Some(&part) = self.partitions.get(self.partition) else {
                progress[self.stream].planned_all = true;
                self.stream += 1;
                self.enter_stream();
                continue;
            };
            self.partition += 1;
            let acct = match part {
                Part::Account(i) => Some(&self.run.accounts[i]),
                _ => None,
            };
            let bc = match (part, &self.run.business_centers) {
                (Part::BusinessCenter(i), Ok(bcs)) => bcs.get(i),
                _ => None,
            };
            let key = match (acct, bc) {
                (Some(a), _) => a.id.clone(),
                (None, Some(b)) => b.id.clone(),
                (None, None) => String::new(),
            };
            let mut cursor = if s.incremental {
                self.state.cursor(&s.name, &key)
            } else {
                None
            };
            if let Some(future) = cursor
                .as_ref()
                .and_then(|c| future_cursor(c, acct, self.run.now))
            {
                self.notices.push(format!(
                    "Stream {}{}: the input state's cursor ({}) is in the future; it is set back to {} so that \
                     later changes are not skipped forever. Nothing it claims to have read is read again now.",
                    s.name,
                    acct.map(|a| format!(", account {}", a.id)).unwrap_or_default(),
                    future.claimed,
                    future.now.describe(),
                ));
                checkpoints.restate(self.stream, &key, future.now.clone());
                if let Cursor::Day(_) = future.now {
                    // Every day up to today counts as read: no window this run; the next run
                    // continues from today as usual.
                    checkpoints.plan(self.stream, &key, 0);
                    continue;
                }
                cursor = Some(future.now);
            }
            let input = PlanInput {
                config: &self.run.config,
                account: acct,
                business_center: bc,
                cursor: cursor.as_ref(),
                now: self.run.now,
            };
            match s.stream.reader().plan(&input) {
                Err(error) => {
                    return Some(Step::PlanFailed {
                        stream: self.stream,
                        place: place_of(s.stream.reader().partitioning(), &key),
                        error,
                    })
                }
                Ok(plans) => {
                    let ids = checkpoints.plan(self.stream, &key, plans.len());
                    progress[self.stream].remaining += plans.len();
                    for (id, plan) in ids.into_iter().zip(plans) {
                        self.queue.push_back(Ready {
                            stream: self.stream,
                            id,
                            plan,
                            part,
                            cursor: cursor.clone(),
                        });
                    }
                }
            }
        }
    }
}
