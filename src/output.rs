//! The one writer: owns stdout, writes whole lines, counts records per stream, and keeps the
//! state. A STATE is built here, after the records written before it, so it can never run ahead
//! of them; its `recordCount` is what this writer wrote for the stream since its last STATE.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

use crate::config::redact;
use crate::protocol::{LineWriter, LogLevel, Message, StreamStatus};
use crate::state::{stream_document, Cursor};

pub struct Output {
    inner: Mutex<Inner>,
}

struct Inner {
    w: LineWriter<Box<dyn Write + Send>>,
    since_state: HashMap<String, u64>,
    cursors: HashMap<String, BTreeMap<String, Cursor>>,
    /// Streams without a cursor get the CDK's marker state.
    cursorless: HashSet<String>,
    last_state: HashMap<String, Value>,
    running: HashSet<String>,
    estimates: HashMap<String, u64>,
    warned: HashSet<String>,
    broken: bool,
}

impl Output {
    pub fn new(out: Box<dyn Write + Send>) -> Arc<Output> {
        Arc::new(Output {
            inner: Mutex::new(Inner {
                w: LineWriter::new(out),
                since_state: HashMap::new(),
                cursors: HashMap::new(),
                cursorless: HashSet::new(),
                last_state: HashMap::new(),
                running: HashSet::new(),
                estimates: HashMap::new(),
                warned: HashSet::new(),
                broken: false,
            }),
        })
    }

    pub fn stdout() -> Arc<Output> {
        Output::new(Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout(),
        )))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Logs, traces, specs, catalogs: every secret masked. Flushed at once.
    pub fn emit(&self, m: Message) {
        let mut inner = self.lock();
        let kind = m.0.get("type").and_then(Value::as_str).unwrap_or("");
        let m = if kind == "RECORD" || kind == "CONTROL" {
            m
        } else {
            let text = redact(&m.0.to_string());
            Message(serde_json::from_str(&text).unwrap_or(m.0))
        };
        inner.write(&m);
        inner.flush();
    }

    pub fn log(&self, level: LogLevel, message: &str) {
        self.emit(Message::log(level, message));
    }

    /// Logs a warning once per key (e.g. one per stream and metric).
    pub fn warn_once(&self, key: &str, message: &str) {
        let first = self.lock().warned.insert(key.to_string());
        if first {
            self.log(LogLevel::Warn, message);
        }
    }

    pub fn is_broken(&self) -> bool {
        self.lock().broken
    }

    pub fn status(&self, stream: &str, status: StreamStatus) {
        self.emit(Message::status(stream, status));
    }

    /// RUNNING, once per stream, when its first slice starts.
    pub fn running(&self, stream: &str) {
        let first = self.lock().running.insert(stream.to_string());
        if first {
            self.status(stream, StreamStatus::Running);
        }
    }

    pub fn add_estimate(&self, stream: &str, rows: u64) {
        let total = {
            let mut inner = self.lock();
            let e = inner.estimates.entry(stream.to_string()).or_default();
            *e += rows;
            *e
        };
        self.emit(Message::estimate(stream, total));
    }

    /// Declares a stream's starting cursors (those of the input state, accounts not synced now included).
    pub fn init_stream(&self, stream: &str, carried: BTreeMap<String, Cursor>, has_cursor: bool) {
        let mut inner = self.lock();
        inner.cursors.insert(stream.to_string(), carried);
        if !has_cursor {
            inner.cursorless.insert(stream.to_string());
        }
    }

    pub fn records(&self, stream: &str, records: Vec<Map<String, Value>>) {
        if records.is_empty() {
            return;
        }
        let stream_json = Value::String(stream.to_string()).to_string();
        let emitted_at = crate::protocol::now_ms();
        let mut inner = self.lock();
        *inner.since_state.entry(stream.to_string()).or_default() += records.len() as u64;
        for data in &records {
            if inner.broken {
                return;
            }
            if inner
                .w
                .write_record(&stream_json, data, emitted_at)
                .is_err()
            {
                inner.broken = true;
            }
        }
    }

    /// Moves an account's cursor (if given) and writes the stream's whole state after the records
    /// already written. An identical state with no records in between is not repeated.
    pub fn checkpoint(&self, stream: &str, moved: Option<(&str, Cursor)>) {
        let mut inner = self.lock();
        if let Some((account, cursor)) = moved {
            let cursors = inner.cursors.entry(stream.to_string()).or_default();
            let keep_old = cursors
                .get(account)
                .is_some_and(|old| old.is_after(&cursor));
            if !keep_old {
                cursors.insert(account.to_string(), cursor);
            }
        }
        let doc = if inner.cursorless.contains(stream) {
            json!({"__ab_no_cursor_state_message": true})
        } else {
            stream_document(inner.cursors.get(stream).unwrap_or(&BTreeMap::new()))
        };
        let count = inner.since_state.get(stream).copied().unwrap_or(0);
        if count == 0 && inner.last_state.get(stream) == Some(&doc) {
            return;
        }
        inner.since_state.insert(stream.to_string(), 0);
        inner.last_state.insert(stream.to_string(), doc.clone());
        inner.write(&Message::stream_state(stream, doc, count));
        inner.flush();
    }

    /// Every configured stream gets at least one STATE.
    pub fn ensure_state(&self, stream: &str) {
        let has = self.lock().last_state.contains_key(stream);
        if !has {
            self.checkpoint(stream, None);
        }
    }

    pub fn flush(&self) {
        self.lock().flush();
    }
}

impl Inner {
    fn write(&mut self, m: &Message) {
        if self.broken {
            return;
        }
        if self.w.write(m).is_err() {
            // The reader went away; nothing more can be delivered.
            self.broken = true;
        }
    }

    fn flush(&mut self) {
        if !self.broken && self.w.flush().is_err() {
            self.broken = true;
        }
    }
}

/// A writer into a shared buffer, for tests.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    pub fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(s: &str) -> Cursor {
        Cursor::Day(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn state_follows_records_and_counts_them() {
        let cap = Captured::default();
        let out = Output::new(Box::new(cap.clone()));
        out.init_stream("s", BTreeMap::new(), true);
        let rec = |i: i64| {
            let mut m = Map::new();
            m.insert("i".into(), json!(i));
            m
        };
        out.records("s", vec![rec(1), rec(2)]);
        out.checkpoint("s", Some(("a", day("2024-01-02"))));
        // Same state, no records: not repeated.
        out.checkpoint("s", None);
        // A cursor never moves back.
        out.records("s", vec![rec(3)]);
        out.checkpoint("s", Some(("a", day("2024-01-01"))));
        let lines = cap.lines();
        let kinds: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["RECORD", "RECORD", "STATE", "RECORD", "STATE"]);
        assert_eq!(
            lines[2]["state"]["sourceStats"]["recordCount"].as_f64(),
            Some(2.0)
        );
        assert_eq!(
            lines[2]["state"]["stream"]["stream_state"]["accounts"]["a"]["last_day"],
            "2024-01-02"
        );
        assert_eq!(
            lines[4]["state"]["sourceStats"]["recordCount"].as_f64(),
            Some(1.0)
        );
        assert_eq!(
            lines[4]["state"]["stream"]["stream_state"]["accounts"]["a"]["last_day"],
            "2024-01-02"
        );
    }

    #[test]
    fn secrets_are_masked_in_logs_but_not_in_records() {
        crate::config::register_secret("super-secret-value");
        let cap = Captured::default();
        let out = Output::new(Box::new(cap.clone()));
        out.log(LogLevel::Info, "token super-secret-value here");
        let lines = cap.lines();
        assert_eq!(lines[0]["log"]["message"], "token **** here");
    }
}
