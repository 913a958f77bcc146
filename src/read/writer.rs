//! The one writer of stdout. It runs on its own thread behind a bounded channel: producers hand
//! it whole lines (a page of records, a message) and wait when it is behind, so a slow reader of
//! stdout slows the sync down instead of growing memory. Every write to stdout is a run of whole
//! lines, so a process killed between two writes leaves no half line behind; and each write is
//! at most what the pipe takes without waiting (`pipe.rs`; `ATOMIC_WRITE` bytes when it cannot
//! tell, unless one line is longer), so a process killed *during* a write leaves no half line
//! either.
//!
//! It also counts records per stream, which makes `sourceStats.recordCount` of a STATE exactly
//! the records written for that stream since its previous STATE, whoever sent them.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::protocol::{LogLevel, Message, StreamStatus};

/// Items waiting for the writer; with pages cut into chunks of `CHUNK` bytes this bounds what
/// the channel holds to a few MB.
const CAPACITY: usize = 8;
/// Record chunks larger than this are split (at line ends) before they are queued.
pub const CHUNK: usize = 128 * 1024;
/// Small messages are gathered up to this before a write.
const GATHER: usize = 64 * 1024;
pub use super::pipe::{Sink, ATOMIC_WRITE};

enum Item {
    Records {
        stream: Arc<str>,
        count: u64,
        lines: Vec<u8>,
    },
    State {
        stream: Arc<str>,
        doc: Value,
    },
    Message(Box<Message>),
    Close(oneshot::Sender<()>),
}

/// A handle on the writer; cheap to clone.
#[derive(Clone)]
pub struct Output {
    tx: mpsc::Sender<Item>,
    broken: Arc<AtomicBool>,
    warned: Arc<Mutex<std::collections::HashSet<String>>>,
}

/// The writer's thread, to wait for at the end.
pub struct WriterThread {
    handle: std::thread::JoinHandle<()>,
}

impl Output {
    /// Starts the writer on `sink` (stdout, or a buffer in tests).
    pub fn start(sink: Box<dyn Sink>) -> (Output, WriterThread) {
        let (tx, rx) = mpsc::channel(CAPACITY);
        let broken = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&broken);
        let handle = std::thread::spawn(move || write_loop(rx, sink, flag));
        (
            Output {
                tx,
                broken,
                warned: Arc::default(),
            },
            WriterThread { handle },
        )
    }

    pub fn stdout() -> (Output, WriterThread) {
        use std::os::fd::AsFd;
        let sink: Box<dyn Sink> = match std::io::stdout().as_fd().try_clone_to_owned() {
            Ok(fd) => Box::new(super::pipe::Stdout::new(fd)),
            Err(_) => Box::new(StdStdout(std::io::stdout())),
        };
        Output::start(sink)
    }

    async fn send(&self, item: Item) {
        // A closed writer means stdout is gone; what is sent after that is lost either way.
        let _ = self.tx.send(item).await;
    }

    pub async fn emit(&self, m: Message) {
        self.send(Item::Message(Box::new(m))).await;
    }

    pub async fn log(&self, level: LogLevel, message: &str) {
        self.emit(Message::log(level, message)).await;
    }

    /// Logs a warning once per key (e.g. one per stream and metric).
    pub async fn warn_once(&self, key: &str, message: &str) {
        let first = self
            .warned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string());
        if first {
            self.log(LogLevel::Warn, message).await;
        }
    }

    pub async fn status(&self, stream: &str, status: StreamStatus) {
        self.emit(Message::status(stream, status)).await;
    }

    /// `count` RECORD lines of `stream`, in one buffer of whole lines.
    pub async fn records(&self, stream: &Arc<str>, count: u64, lines: Vec<u8>) {
        if count == 0 {
            return;
        }
        self.send(Item::Records {
            stream: Arc::clone(stream),
            count,
            lines,
        })
        .await;
    }

    /// A STATE of `stream` after everything sent before it; the writer adds its record count and
    /// leaves out a state equal to the previous one with no records in between.
    pub async fn state(&self, stream: &Arc<str>, doc: Value) {
        self.send(Item::State {
            stream: Arc::clone(stream),
            doc,
        })
        .await;
    }

    /// Writes what is queued, flushes and stops the writer; later sends are dropped.
    pub async fn close(&self) {
        let (tx, rx) = oneshot::channel();
        self.send(Item::Close(tx)).await;
        let _ = rx.await;
    }

    /// Whether stdout went away (its reader closed it).
    pub fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Relaxed)
    }
}

impl WriterThread {
    pub fn join(self) {
        let _ = self.handle.join();
    }
}

struct Counts {
    since_state: HashMap<Arc<str>, u64>,
    last_state: HashMap<Arc<str>, Value>,
}

fn write_loop(mut rx: mpsc::Receiver<Item>, mut sink: Box<dyn Sink>, broken: Arc<AtomicBool>) {
    let mut pending: Vec<u8> = Vec::with_capacity(GATHER);
    let mut counts = Counts {
        since_state: HashMap::new(),
        last_state: HashMap::new(),
    };
    let mut ok = true;
    let put = |sink: &mut Box<dyn Sink>, bytes: &[u8], ok: &mut bool| {
        if *ok && write_whole_lines(sink.as_mut(), bytes).is_err() {
            *ok = false;
            broken.store(true, Ordering::Relaxed);
        }
    };
    while let Some(item) = rx.blocking_recv() {
        match item {
            Item::Records {
                stream,
                count,
                lines,
            } => {
                *counts.since_state.entry(stream).or_default() += count;
                if pending.len() + lines.len() <= GATHER {
                    pending.extend_from_slice(&lines);
                } else {
                    put(&mut sink, &pending, &mut ok);
                    pending.clear();
                    put(&mut sink, &lines, &mut ok);
                }
            }
            Item::State { stream, doc } => {
                let count = counts.since_state.get(&stream).copied().unwrap_or(0);
                if count > 0 || counts.last_state.get(&stream) != Some(&doc) {
                    Message::stream_state(&stream, doc.clone(), count).to_line(&mut pending);
                    counts.since_state.insert(Arc::clone(&stream), 0);
                    counts.last_state.insert(stream, doc);
                }
            }
            Item::Message(m) => m.to_line(&mut pending),
            Item::Close(done) => {
                put(&mut sink, &pending, &mut ok);
                pending.clear();
                if ok && sink.flush().is_err() {
                    broken.store(true, Ordering::Relaxed);
                }
                let _ = done.send(());
                return;
            }
        }
        // Write when the queue is empty (nothing waits long) or enough has gathered.
        if pending.len() >= GATHER || (rx.is_empty() && !pending.is_empty()) {
            put(&mut sink, &pending, &mut ok);
            pending.clear();
            if ok && rx.is_empty() && sink.flush().is_err() {
                ok = false;
                broken.store(true, Ordering::Relaxed);
            }
        }
    }
    put(&mut sink, &pending, &mut ok);
    let _ = sink.flush();
}

/// Writes `bytes` (whole lines) in pieces of whole lines no larger than the sink's room (at
/// least `ATOMIC_WRITE` bytes); a line longer than that is a piece of its own.
pub fn write_whole_lines(sink: &mut dyn Sink, bytes: &[u8]) -> std::io::Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        // The room is asked only when the atomic size is not enough (one system call).
        let room = if rest.len() > ATOMIC_WRITE {
            sink.room().max(ATOMIC_WRITE)
        } else {
            ATOMIC_WRITE
        };
        let window = &rest[..rest.len().min(room)];
        let end = match window.iter().rposition(|b| *b == b'\n') {
            Some(i) => i + 1,
            // One line longer than the window: up to its end.
            None => rest
                .iter()
                .position(|b| *b == b'\n')
                .map_or(rest.len(), |i| i + 1),
        };
        let (piece, tail) = rest.split_at(end);
        sink.write_all(piece)?;
        rest = tail;
    }
    Ok(())
}

/// std's stdout, where its descriptor cannot be had.
struct StdStdout(std::io::Stdout);

impl Write for StdStdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

impl Sink for StdStdout {}

/// A writer into a shared buffer, for tests.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Sink for Captured {}

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
    use crate::streams::record::Lines;
    use serde_json::json;

    fn lines_of(stream: &str, n: u64) -> (u64, Vec<u8>) {
        let mut l = Lines::new(stream, 1);
        for i in 0..n {
            l.begin();
            l.key("i").extend_from_slice(i.to_string().as_bytes());
            l.end();
        }
        (l.count, l.buf)
    }

    #[tokio::test]
    async fn state_follows_records_and_counts_them() {
        let cap = Captured::default();
        let (out, thread) = Output::start(Box::new(cap.clone()));
        let s: Arc<str> = Arc::from("s");
        let (n, buf) = lines_of("s", 2);
        out.records(&s, n, buf).await;
        out.state(&s, json!({"c": 1})).await;
        // Same state, no records: left out.
        out.state(&s, json!({"c": 1})).await;
        let (n, buf) = lines_of("s", 1);
        out.records(&s, n, buf).await;
        out.state(&s, json!({"c": 1})).await;
        out.close().await;
        thread.join();
        let lines = cap.lines();
        let kinds: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["RECORD", "RECORD", "STATE", "RECORD", "STATE"]);
        assert_eq!(
            lines[2]["state"]["sourceStats"]["recordCount"].as_f64(),
            Some(2.0)
        );
        assert_eq!(
            lines[4]["state"]["sourceStats"]["recordCount"].as_f64(),
            Some(1.0)
        );
    }

    #[tokio::test]
    async fn every_write_is_whole_lines() {
        /// Fails the test if a write ends inside a line.
        struct WholeLines(Arc<Mutex<Vec<usize>>>);
        impl Write for WholeLines {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                assert_eq!(buf.last(), Some(&b'\n'));
                self.0.lock().unwrap().push(buf.len());
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        impl Sink for WholeLines {}
        let sizes = Arc::new(Mutex::new(Vec::new()));
        let (out, thread) = Output::start(Box::new(WholeLines(Arc::clone(&sizes))));
        let long = "x".repeat(3 * ATOMIC_WRITE);
        out.log(LogLevel::Info, &long).await;
        let s: Arc<str> = Arc::from("s");
        for _ in 0..50 {
            let (n, buf) = lines_of("s", 500);
            out.records(&s, n, buf).await;
            out.log(LogLevel::Info, "between").await;
        }
        out.close().await;
        thread.join();
        let sizes = sizes.lock().unwrap();
        assert!(!sizes.is_empty());
        // Only the one long line took a write larger than a pipe's atomic write.
        assert_eq!(sizes.iter().filter(|s| **s > ATOMIC_WRITE).count(), 1);
    }

    #[test]
    fn writes_fill_the_room_with_whole_lines() {
        /// A sink that says it has room for 10,000 bytes and records each write.
        struct Roomy(Vec<Vec<u8>>);
        impl Write for Roomy {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.push(buf.to_vec());
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        impl Sink for Roomy {
            fn room(&mut self) -> usize {
                10_000
            }
        }
        let line = [b"y".repeat(2299), b"\n".to_vec()].concat();
        let bytes = line.repeat(10);
        let mut sink = Roomy(Vec::new());
        write_whole_lines(&mut sink, &bytes).unwrap();
        // Four lines (9,200 bytes) fit in 10,000: 4 + 4 + 2.
        let sizes: Vec<usize> = sink.0.iter().map(Vec::len).collect();
        assert_eq!(sizes, [9200, 9200, 4600]);
        assert!(sink.0.iter().all(|w| w.last() == Some(&b'\n')));
        assert_eq!(sink.0.concat(), bytes);
    }

    #[tokio::test]
    async fn warnings_are_said_once_per_key() {
        let cap = Captured::default();
        let (out, thread) = Output::start(Box::new(cap.clone()));
        out.warn_once("k", "first").await;
        out.warn_once("k", "again").await;
        out.warn_once("other", "second").await;
        out.close().await;
        thread.join();
        let messages: Vec<Value> = cap
            .lines()
            .iter()
            .map(|l| l["log"]["message"].clone())
            .collect();
        assert_eq!(messages, [json!("first"), json!("second")]);
    }
}
