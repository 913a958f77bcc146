//! The request log: what every API request asked for and what it got, for tests to assert on and
//! for the binary to write as JSON lines. Secrets never reach it.

use std::fs::File;
use std::io::Write;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::model::Params;
use crate::sync::lock;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LoggedRequest {
    pub method: String,
    /// Path without the query, e.g. "/open_api/v1.3/campaign/get/".
    pub path: String,
    /// Decoded query, plus JSON-body fields for POST (and for GET bodies); secrets masked.
    pub params: Params,
    /// TikTok `code` if a JSON envelope was sent in full.
    pub code: Option<i64>,
    /// HTTP status; 0 when the connection was reset without a response.
    pub http_status: u16,
    pub latency_ms: u64,
    /// When the request arrived, in microseconds since the emulator started: what its rate
    /// limiter counts, so tests can check any window of the log against a limit.
    #[serde(default)]
    pub arrived_us: u64,
    /// Which injected fault hit this request, if any: "api_error", "rate_limit", "http_5xx",
    /// "reset", "truncated", "slow".
    pub fault: Option<String>,
    /// `page_info.total_page` of a successful paged answer, so a log shows pages asked past the end.
    #[serde(default)]
    pub total_page: Option<u64>,
}

/// Parameter names whose values are credentials.
const SECRET_KEYS: &[&str] = &[
    "secret",
    "auth_code",
    "access_token",
    "code",
    "client_secret",
    "refresh_token",
];

pub const MASK: &str = "***";

pub fn mask_params(params: &Params) -> Params {
    params
        .iter()
        .map(|(k, v)| {
            let secret = SECRET_KEYS.iter().any(|s| k.eq_ignore_ascii_case(s));
            (k.clone(), if secret { MASK.to_string() } else { v.clone() })
        })
        .collect()
}

#[derive(Default)]
pub struct RequestLog {
    entries: Mutex<Vec<LoggedRequest>>,
    sink: Mutex<Option<File>>,
}

impl RequestLog {
    pub fn push(&self, entry: LoggedRequest) {
        {
            let mut sink = lock(&self.sink);
            if let Some(file) = sink.as_mut() {
                if let Ok(line) = serde_json::to_string(&entry) {
                    // A full disk must not take the server down; the in-memory log still has it.
                    let _ = writeln!(file, "{line}");
                }
            }
        }
        lock(&self.entries).push(entry);
    }
    pub fn all(&self) -> Vec<LoggedRequest> {
        lock(&self.entries).clone()
    }
    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
    /// Also append every entry to `file` as one JSON line.
    pub fn set_sink(&self, file: File) {
        *lock(&self.sink) = Some(file);
    }
}
