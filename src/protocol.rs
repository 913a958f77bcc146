//! Airbyte protocol messages (the subset a source emits) and the line writer.

use std::io::Write;

use serde::Serialize;
use serde_json::{json, Map, Value};

/// Epoch milliseconds; `emitted_at` of records and traces.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
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

/// One line of output. Built as JSON values so every message shape stays next to its constructor.
#[derive(Clone, Debug, PartialEq)]
pub struct Message(pub Value);

impl Message {
    pub fn spec(spec: Value) -> Message {
        Message(json!({"type": "SPEC", "spec": spec}))
    }

    pub fn connection_status(succeeded: bool, message: &str) -> Message {
        let status = if succeeded { "SUCCEEDED" } else { "FAILED" };
        Message(
            json!({"type": "CONNECTION_STATUS", "connectionStatus": {"status": status, "message": message}}),
        )
    }

    pub fn catalog(streams: Vec<Value>) -> Message {
        Message(json!({"type": "CATALOG", "catalog": {"streams": streams}}))
    }

    pub fn record(stream: &str, data: Map<String, Value>) -> Message {
        Message(
            json!({"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": now_ms()}}),
        )
    }

    pub fn stream_state(stream: &str, stream_state: Value, record_count: u64) -> Message {
        Message(json!({"type": "STATE", "state": {
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": stream}, "stream_state": stream_state},
            "sourceStats": {"recordCount": record_count as f64},
        }}))
    }

    pub fn log(level: LogLevel, message: &str) -> Message {
        Message(json!({"type": "LOG", "log": {"level": level, "message": message}}))
    }

    pub fn error(
        failure_type: FailureType,
        message: &str,
        internal: Option<&str>,
        stream: Option<&str>,
    ) -> Message {
        let mut error = json!({"message": message, "failure_type": failure_type});
        if let Some(internal) = internal {
            error["internal_message"] = json!(internal);
        }
        if let Some(stream) = stream {
            error["stream_descriptor"] = json!({"name": stream});
        }
        Message(
            json!({"type": "TRACE", "trace": {"type": "ERROR", "emitted_at": now_ms() as f64, "error": error}}),
        )
    }

    pub fn status(stream: &str, status: StreamStatus) -> Message {
        Message(json!({"type": "TRACE", "trace": {
            "type": "STREAM_STATUS", "emitted_at": now_ms() as f64,
            "stream_status": {"stream_descriptor": {"name": stream}, "status": status},
        }}))
    }

    pub fn estimate(stream: &str, rows: u64) -> Message {
        Message(json!({"type": "TRACE", "trace": {
            "type": "ESTIMATE", "emitted_at": now_ms() as f64,
            "estimate": {"name": stream, "type": "STREAM", "row_estimate": rows},
        }}))
    }

    pub fn control_config(config: Value) -> Message {
        Message(json!({"type": "CONTROL", "control": {
            "type": "CONNECTOR_CONFIG", "emitted_at": now_ms() as f64,
            "connectorConfig": {"config": config},
        }}))
    }
}

/// Writes one message per line. Every command writes through one of these, so output is testable
/// and lines are never interleaved.
pub struct LineWriter<W: Write> {
    out: W,
}

impl<W: Write> LineWriter<W> {
    pub fn new(out: W) -> Self {
        LineWriter { out }
    }

    pub fn write(&mut self, message: &Message) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, &message.0)?;
        self.out.write_all(b"\n")
    }

    /// A RECORD line written straight from its data: the same JSON as `Message::record`, without
    /// first copying the data into a message value (records are most of a sync's output).
    pub fn write_record(
        &mut self,
        stream_json: &str,
        data: &Map<String, Value>,
        emitted_at: i64,
    ) -> std::io::Result<()> {
        self.out
            .write_all(b"{\"type\":\"RECORD\",\"record\":{\"stream\":")?;
        self.out.write_all(stream_json.as_bytes())?;
        self.out.write_all(b",\"data\":")?;
        serde_json::to_writer(&mut self.out, data)?;
        writeln!(self.out, ",\"emitted_at\":{emitted_at}}}}}")
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_single_lines_with_their_payload_key() {
        let mut w = LineWriter::new(Vec::new());
        let mut data = Map::new();
        data.insert("note".into(), json!("line one\nline two"));
        w.write(&Message::record("s", data)).unwrap();
        w.write(&Message::stream_state("s", json!({"a": 1}), 3))
            .unwrap();
        w.write(&Message::error(
            FailureType::ConfigError,
            "fix it",
            None,
            Some("s"),
        ))
        .unwrap();
        let text = String::from_utf8(w.into_inner()).unwrap();
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["record"]["data"]["note"], "line one\nline two");
        assert!(lines[0]["record"]["emitted_at"].is_i64());
        assert_eq!(
            lines[1]["state"]["sourceStats"]["recordCount"].as_f64(),
            Some(3.0)
        );
        assert_eq!(lines[2]["trace"]["error"]["failure_type"], "config_error");
        assert_eq!(lines[2]["trace"]["error"]["stream_descriptor"]["name"], "s");
    }

    #[test]
    fn a_record_written_directly_equals_the_message() {
        let mut data = Map::new();
        data.insert("a".into(), json!("x\"y"));
        data.insert("n".into(), serde_json::from_str::<Value>("1.50").unwrap());
        let mut w = LineWriter::new(Vec::new());
        w.write_record(&Value::String("s\"1".into()).to_string(), &data, 42)
            .unwrap();
        let text = String::from_utf8(w.into_inner()).unwrap();
        assert!(text.ends_with('\n') && text.matches('\n').count() == 1);
        let mut expected = Message::record("s\"1", data).0;
        expected["record"]["emitted_at"] = json!(42);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), expected);
        assert!(text.contains("\"n\":1.50"));
    }
}
