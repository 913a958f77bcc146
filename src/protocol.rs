//! Airbyte protocol messages, typed: the subset a source emits. Each message serialises to one
//! line of JSON with the shapes of `airbyte_protocol.yaml` (airbyte-protocol.md §1). Text that a
//! person reads (log lines, error messages) is masked for secrets when the message is built, on
//! the value itself, before any JSON escaping.

use serde::Serialize;
use serde_json::Value;

use crate::secrets::redact;

static STARTED_MS: std::sync::OnceLock<i64> = std::sync::OnceLock::new();

/// Notes when the process started (the binary calls it first thing).
pub fn mark_start() {
    let _ = STARTED_MS.set(chrono::Utc::now().timestamp_millis());
}

/// Epoch milliseconds; `emitted_at` of records and traces. Never earlier than one millisecond
/// after the process started: a read that follows another starts after the other's last
/// record was stamped, so its own records are stamped strictly later (what Airbyte's
/// sequential-read check asks), however fast the two runs are.
pub fn now_ms() -> i64 {
    let wall = chrono::Utc::now().timestamp_millis();
    match STARTED_MS.get() {
        Some(started) => wall.max(started.saturating_add(1)),
        None => wall,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureType {
    ConfigError,
    TransientError,
    SystemError,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StreamStatus {
    Started,
    Running,
    Complete,
    Incomplete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamDescriptor {
    pub name: String,
}

impl StreamDescriptor {
    pub fn new(name: &str) -> StreamDescriptor {
        StreamDescriptor {
            name: name.to_string(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionStatusKind {
    Succeeded,
    Failed,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConnectionStatus {
    pub status: ConnectionStatusKind,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Catalog {
    pub streams: Vec<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Record {
    pub stream: String,
    pub data: serde_json::Map<String, Value>,
    pub emitted_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateStats {
    /// Records of this stream since its previous STATE; the protocol wants a number with a
    /// decimal point.
    #[serde(rename = "recordCount")]
    pub record_count: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamState {
    pub stream_descriptor: StreamDescriptor,
    pub stream_state: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Stream {
        stream: StreamState,
        #[serde(rename = "sourceStats")]
        source_stats: StateStats,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Log {
    pub level: LogLevel,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ErrorTrace {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_message: Option<String>,
    pub failure_type: FailureType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stream_descriptor: Option<StreamDescriptor>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StatusReason {
    RateLimited { rate_limited: RateLimited },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RateLimited {
    /// Epoch milliseconds when the quota is expected to allow requests again.
    pub quota_reset: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamStatusTrace {
    pub stream_descriptor: StreamDescriptor,
    pub status: StreamStatus,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<StatusReason>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub row_estimate: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Trace {
    Error {
        emitted_at: f64,
        error: ErrorTrace,
    },
    StreamStatus {
        emitted_at: f64,
        stream_status: StreamStatusTrace,
    },
    Estimate {
        emitted_at: f64,
        estimate: Estimate,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConnectorConfig {
    pub config: Value,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Control {
    ConnectorConfig {
        emitted_at: f64,
        #[serde(rename = "connectorConfig")]
        connector_config: ConnectorConfig,
    },
}

/// One line of output.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Message {
    Spec {
        spec: Value,
    },
    ConnectionStatus {
        #[serde(rename = "connectionStatus")]
        connection_status: ConnectionStatus,
    },
    Catalog {
        catalog: Catalog,
    },
    Record {
        record: Record,
    },
    State {
        state: State,
    },
    Log {
        log: Log,
    },
    Trace {
        trace: Trace,
    },
    Control {
        control: Control,
    },
}

fn trace_time() -> f64 {
    now_ms() as f64
}

impl Message {
    pub fn spec(spec: Value) -> Message {
        Message::Spec { spec }
    }

    pub fn connection_status(succeeded: bool, message: &str) -> Message {
        let status = if succeeded {
            ConnectionStatusKind::Succeeded
        } else {
            ConnectionStatusKind::Failed
        };
        Message::ConnectionStatus {
            connection_status: ConnectionStatus {
                status,
                message: redact(message),
            },
        }
    }

    pub fn catalog(streams: Vec<Value>) -> Message {
        Message::Catalog {
            catalog: Catalog { streams },
        }
    }

    pub fn record(stream: &str, data: serde_json::Map<String, Value>) -> Message {
        Message::Record {
            record: Record {
                stream: stream.to_string(),
                data,
                emitted_at: now_ms(),
            },
        }
    }

    pub fn stream_state(stream: &str, stream_state: Value, record_count: u64) -> Message {
        Message::State {
            state: State::Stream {
                stream: StreamState {
                    stream_descriptor: StreamDescriptor::new(stream),
                    stream_state,
                },
                source_stats: StateStats {
                    record_count: record_count as f64,
                },
            },
        }
    }

    pub fn log(level: LogLevel, message: &str) -> Message {
        Message::Log {
            log: Log {
                level,
                message: redact(message),
            },
        }
    }

    pub fn error(
        failure_type: FailureType,
        message: &str,
        internal: Option<&str>,
        stream: Option<&str>,
    ) -> Message {
        Message::Trace {
            trace: Trace::Error {
                emitted_at: trace_time(),
                error: ErrorTrace {
                    message: redact(message),
                    internal_message: internal.map(redact),
                    failure_type,
                    stream_descriptor: stream.map(StreamDescriptor::new),
                },
            },
        }
    }

    pub fn status(stream: &str, status: StreamStatus) -> Message {
        Message::Trace {
            trace: Trace::StreamStatus {
                emitted_at: trace_time(),
                stream_status: StreamStatusTrace {
                    stream_descriptor: StreamDescriptor::new(stream),
                    status,
                    reasons: Vec::new(),
                },
            },
        }
    }

    /// RUNNING with the reason RATE_LIMITED: the platform then shows that the stream waits for
    /// TikTok's quota instead of looking stuck.
    pub fn rate_limited(stream: &str, quota_reset_ms: i64) -> Message {
        Message::Trace {
            trace: Trace::StreamStatus {
                emitted_at: trace_time(),
                stream_status: StreamStatusTrace {
                    stream_descriptor: StreamDescriptor::new(stream),
                    status: StreamStatus::Running,
                    reasons: vec![StatusReason::RateLimited {
                        rate_limited: RateLimited {
                            quota_reset: quota_reset_ms,
                        },
                    }],
                },
            },
        }
    }

    pub fn estimate(stream: &str, rows: u64) -> Message {
        Message::Trace {
            trace: Trace::Estimate {
                emitted_at: trace_time(),
                estimate: Estimate {
                    name: stream.to_string(),
                    kind: "STREAM",
                    row_estimate: rows,
                },
            },
        }
    }

    /// The whole config to store, with secrets in clear: the platform needs them. Never logged.
    pub fn control_config(config: Value) -> Message {
        Message::Control {
            control: Control::ConnectorConfig {
                emitted_at: trace_time(),
                connector_config: ConnectorConfig { config },
            },
        }
    }

    /// The message as one line of JSON, newline included.
    pub fn to_line(&self, out: &mut Vec<u8>) {
        // Serialising plain structs of strings, numbers and JSON values cannot fail.
        if serde_json::to_writer(&mut *out, self).is_ok() {
            out.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn line(m: &Message) -> Value {
        let mut out = Vec::new();
        m.to_line(&mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with('\n') && text.matches('\n').count() == 1,
            "{text}"
        );
        serde_json::from_str(&text).unwrap()
    }

    #[test]
    fn shapes_follow_the_protocol() {
        let mut data = serde_json::Map::new();
        data.insert("note".into(), json!("line one\nline two"));
        let r = line(&Message::record("s", data));
        assert_eq!(r["type"], "RECORD");
        assert_eq!(r["record"]["data"]["note"], "line one\nline two");
        assert!(r["record"]["emitted_at"].is_i64());

        let s = line(&Message::stream_state("s", json!({"a": 1}), 3));
        assert_eq!(s["state"]["type"], "STREAM");
        assert_eq!(s["state"]["stream"]["stream_descriptor"]["name"], "s");
        assert_eq!(s["state"]["sourceStats"]["recordCount"].as_f64(), Some(3.0));
        assert!(s["state"]["sourceStats"]["recordCount"].is_f64());

        let e = line(&Message::error(
            FailureType::ConfigError,
            "fix it",
            None,
            Some("s"),
        ));
        assert_eq!(e["trace"]["type"], "ERROR");
        assert_eq!(e["trace"]["error"]["failure_type"], "config_error");
        assert_eq!(e["trace"]["error"]["stream_descriptor"]["name"], "s");
        assert!(e["trace"]["error"].get("internal_message").is_none());
        assert!(e["trace"]["emitted_at"].is_f64());

        let c = line(&Message::connection_status(false, "no"));
        assert_eq!(c["connectionStatus"]["status"], "FAILED");

        let st = line(&Message::status("s", StreamStatus::Complete));
        assert_eq!(st["trace"]["stream_status"]["status"], "COMPLETE");
        assert!(st["trace"]["stream_status"].get("reasons").is_none());

        let rl = line(&Message::rate_limited("s", 1_700_000_000_000));
        assert_eq!(rl["trace"]["stream_status"]["status"], "RUNNING");
        assert_eq!(
            rl["trace"]["stream_status"]["reasons"],
            json!([{"type": "RATE_LIMITED", "rate_limited": {"quota_reset": 1_700_000_000_000i64}}])
        );

        let est = line(&Message::estimate("s", 7));
        assert_eq!(
            est["trace"]["estimate"],
            json!({"name": "s", "type": "STREAM", "row_estimate": 7})
        );

        let ctl = line(&Message::control_config(json!({"k": "v"})));
        assert_eq!(ctl["control"]["type"], "CONNECTOR_CONFIG");
        assert_eq!(ctl["control"]["connectorConfig"]["config"]["k"], "v");

        let l = line(&Message::log(LogLevel::Warn, "careful"));
        assert_eq!(l["log"], json!({"level": "WARN", "message": "careful"}));
    }
}
