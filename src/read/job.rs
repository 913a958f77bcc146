//! What a slice's reader works with: the run's shared context (config, client, accounts, the
//! writer) and its own place (stream, account, window, cursor). Requests go through the client
//! with an observer that reports retries and rate-limit waits for the slice's stream.

use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use tokio::sync::OnceCell;

use super::writer::Output;
use crate::config::Config;
use crate::error::Error;
use crate::plan::Window;
use crate::protocol::{LogLevel, Message, StreamStatus};
use crate::state::Cursor;
use crate::streams::record::Lines;
use crate::streams::Stream;
use crate::tiktok::accounts::Account;
use crate::tiktok::business_centers::BusinessCenter;
use crate::tiktok::client::{BoxFuture, Fetched, Meta, Observer, Query};
use crate::tiktok::{ApiError, Client};

/// An account's ad IDs, listed by the first report that needs them.
pub type AdIds = Arc<OnceCell<Arc<Vec<String>>>>;

/// A value shared by a run's slices, of a type its kind fixes.
type Memo = Arc<dyn Any + Send + Sync>;

/// The context shared by every slice of a run.
pub struct Run {
    pub config: Arc<Config>,
    pub client: Client,
    pub accounts: Vec<Account>,
    /// The Business Centers, listed when a stream partitioned by them is read (an error fails
    /// those streams only).
    pub business_centers: Result<Vec<BusinessCenter>, Error>,
    /// TikTok refused report tasks (not allowlisted, sandbox): the rest of the run pages.
    pub tasks_refused: std::sync::atomic::AtomicBool,
    pub out: Output,
    pub now: DateTime<Utc>,
    /// Metrics TikTok rejected, per stream, for the rest of this run.
    dropped: Mutex<HashMap<String, HashSet<String>>>,
    /// Each account's ad IDs, listed once if a report needs them.
    ad_ids: Mutex<HashMap<String, AdIds>>,
    estimates: Mutex<HashMap<Arc<str>, u64>>,
    /// Streams shown as waiting for the rate limit.
    rate_limited: Mutex<HashSet<Arc<str>>>,
    /// Ways of asking TikTok changed for the rest of the run because TikTok refused the usual
    /// one (e.g. reports asking for TopView rows separately).
    switches: Mutex<HashSet<&'static str>>,
    /// Lists read once per run per account and shared by the slices that need them (an
    /// account's pixels), by kind and account.
    memos: Mutex<HashMap<(&'static str, String), Memo>>,
}

impl Run {
    pub fn new(
        config: Arc<Config>,
        client: Client,
        accounts: Vec<Account>,
        out: Output,
        now: DateTime<Utc>,
    ) -> Run {
        Run {
            config,
            client,
            accounts,
            business_centers: Ok(Vec::new()),
            tasks_refused: std::sync::atomic::AtomicBool::new(false),
            out,
            now,
            dropped: Mutex::default(),
            ad_ids: Mutex::default(),
            estimates: Mutex::default(),
            rate_limited: Mutex::default(),
            switches: Mutex::default(),
            memos: Mutex::default(),
        }
    }

    /// The run's cell for a value of `kind` for `account`, filled by the first slice that needs
    /// it. A kind always holds the same type; were it asked with another, the caller gets a
    /// cell of its own rather than a wrong value.
    pub fn memo<T: Send + Sync + 'static>(
        &self,
        kind: &'static str,
        account: &str,
    ) -> Arc<OnceCell<T>> {
        let mut memos = self.memos.lock().unwrap_or_else(|e| e.into_inner());
        let cell = memos
            .entry((kind, account.to_string()))
            .or_insert_with(|| Arc::new(OnceCell::<T>::new()));
        Arc::clone(cell)
            .downcast::<OnceCell<T>>()
            .unwrap_or_else(|_| Arc::new(OnceCell::new()))
    }

    /// Turns a switch on for the rest of the run; true the first time.
    pub fn switch_on(&self, switch: &'static str) -> bool {
        self.switches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(switch)
    }

    pub fn switched(&self, switch: &'static str) -> bool {
        self.switches
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(switch)
    }

    /// Metrics of `stream` TikTok did not refuse so far in this run.
    pub fn metrics_for(&self, stream: &str, metrics: &[String]) -> Vec<String> {
        let dropped = self.dropped.lock().unwrap_or_else(|e| e.into_inner());
        let gone = dropped.get(stream);
        metrics
            .iter()
            .filter(|m| gone.is_none_or(|g| !g.contains(*m)))
            .cloned()
            .collect()
    }

    /// TikTok refused some metrics: leave them out of `stream` for the rest of the run. False
    /// when the refusal names nothing that can be left out.
    pub fn drop_metrics(&self, stream: &str, requested: &[String], invalid: &[String]) -> bool {
        if invalid.is_empty()
            || !invalid.iter().all(|m| requested.contains(m))
            || invalid.len() >= requested.len()
        {
            return false;
        }
        self.dropped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(stream.to_string())
            .or_default()
            .extend(invalid.iter().cloned());
        true
    }

    /// The cell holding an account's ad IDs, filled by the first report that needs them.
    pub fn ad_ids_cell(&self, account: &str) -> AdIds {
        self.id_list_cell(account)
    }

    /// A list of IDs computed once per run under `key` (an account's ad IDs, its stores, ...).
    pub fn id_list_cell(&self, key: &str) -> AdIds {
        Arc::clone(
            self.ad_ids
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(key.to_string())
                .or_default(),
        )
    }

    /// The run with the Business Centers (or why they could not be listed).
    pub fn with_business_centers(mut self, bcs: Result<Vec<BusinessCenter>, Error>) -> Run {
        self.business_centers = bcs;
        self
    }
}

/// One configured stream in a run.
pub struct StreamRun {
    /// Its index in the checkpointer and the catalog.
    pub index: usize,
    pub name: Arc<str>,
    pub stream: Stream,
    pub incremental: bool,
}

/// One slice being read.
pub struct Job<'a> {
    pub run: &'a Run,
    pub stream: &'a StreamRun,
    pub account: Option<&'a Account>,
    pub business_center: Option<&'a BusinessCenter>,
    pub window: Option<Window>,
    /// The partition's cursor from the input state (incremental only).
    pub cursor: Option<&'a Cursor>,
}

impl Job<'_> {
    pub fn config(&self) -> &Config {
        &self.run.config
    }

    pub fn name(&self) -> &str {
        &self.stream.name
    }

    /// GET through the client; `decode` reads the answer from its bytes.
    pub async fn get<T>(
        &self,
        path: &str,
        query: &Query,
        decode: impl FnMut(&[u8], Meta) -> Result<T, ApiError>,
    ) -> Result<Fetched<T>, Error> {
        let observer = StreamObserver {
            run: self.run,
            stream: &self.stream.name,
        };
        Ok(self.run.client.get(path, query, &observer, decode).await?)
    }

    /// POST a JSON body through the client (report tasks); `decode` reads the answer.
    pub async fn post_json<T>(
        &self,
        path: &str,
        body: &serde_json::Value,
        decode: impl FnMut(&[u8], Meta) -> Result<T, ApiError>,
    ) -> Result<T, Error> {
        let observer = StreamObserver {
            run: self.run,
            stream: &self.stream.name,
        };
        Ok(self
            .run
            .client
            .post_json(path, body, &observer, decode)
            .await?
            .value)
    }

    /// Hands a page's records to the writer.
    pub async fn records(&self, lines: Lines) {
        for (count, chunk) in lines.into_chunks() {
            self.run.out.records(&self.stream.name, count, chunk).await;
        }
    }

    pub async fn log(&self, level: LogLevel, message: &str) {
        self.run.out.log(level, message).await;
    }

    pub async fn warn_once(&self, key: &str, message: &str) {
        self.run.out.warn_once(key, message).await;
    }

    /// Adds rows TikTok announced (`page_info.total_number`) to the stream's estimate.
    pub async fn estimate(&self, rows: u64) {
        if rows == 0 {
            return;
        }
        let total = {
            let mut e = self.run.estimates.lock().unwrap_or_else(|e| e.into_inner());
            let t = e.entry(Arc::clone(&self.stream.name)).or_default();
            *t += rows;
            *t
        };
        self.run
            .out
            .emit(Message::estimate(&self.stream.name, total))
            .await;
    }

    /// "stream X, account Y" for messages.
    pub fn place(&self) -> String {
        match (self.account, self.business_center) {
            (Some(a), _) => format!("stream {}, account {}", self.stream.name, a.id),
            (None, Some(bc)) => format!("stream {}, Business Center {}", self.stream.name, bc.id),
            (None, None) => format!("stream {}", self.stream.name),
        }
    }
}

/// Retries and rate-limit waits, told to the platform for one stream.
struct StreamObserver<'a> {
    run: &'a Run,
    stream: &'a Arc<str>,
}

impl Observer for StreamObserver<'_> {
    fn retrying<'b>(
        &'b self,
        error: &'b ApiError,
        delay: Duration,
        next_attempt: u32,
    ) -> BoxFuture<'b, ()> {
        Box::pin(async move {
            let message = format!(
                "Stream {}: {error}; retrying in {:.1}s (attempt {next_attempt})",
                self.stream,
                delay.as_secs_f64(),
            );
            self.run.out.log(LogLevel::Warn, &message).await;
        })
    }

    fn rate_limited(&self, until: SystemTime) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let first = self
                .run
                .rate_limited
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(Arc::clone(self.stream));
            if first {
                let reset = until
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_millis() as i64)
                    .unwrap_or(0);
                self.run
                    .out
                    .emit(Message::rate_limited(self.stream, reset))
                    .await;
            }
        })
    }

    fn answered(&self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let was_limited = self
                .run
                .rate_limited
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(self.stream);
            if was_limited {
                self.run
                    .out
                    .status(self.stream, StreamStatus::Running)
                    .await;
            }
        })
    }
}
