//! Reads the connector's stdout as it streams: counts RECORD lines per stream without keeping
//! them, keeps the latest STATE of each stream (the input state of the next sync), and collects
//! the messages of ERROR traces.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};

use serde::Deserialize;
use serde_json::Value;

/// How many error messages a tally keeps, to show why a run failed.
const KEPT_ERRORS: usize = 5;

#[derive(Debug, Default)]
pub struct Tally {
    pub records: u64,
    pub records_per_stream: BTreeMap<String, u64>,
    pub lines: u64,
    pub bytes: u64,
    /// Latest STATE message per stream ("namespace.name"), and the latest GLOBAL/LEGACY one.
    states: BTreeMap<String, Value>,
    pub error_traces: u64,
    pub error_messages: Vec<String>,
    /// Lines that are not JSON objects with a `type`.
    pub unreadable_lines: u64,
}

/// The head of a line: its type and, for records, the stream. Serde skips the record's data
/// without building it.
#[derive(Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: String,
    record: Option<RecordHead>,
}

#[derive(Deserialize)]
struct RecordHead {
    stream: String,
}

/// Today's connector writes records with this prefix; other layouts take the slower parse.
const RECORD_PREFIX: &[u8] = br#"{"type":"RECORD","record":{"stream":""#;

/// The stream of a record line in the common layout, without parsing the line.
fn record_stream_fast(line: &[u8]) -> Option<&str> {
    let rest = line.strip_prefix(RECORD_PREFIX)?;
    let end = rest.iter().position(|b| *b == b'"' || *b == b'\\')?;
    if rest[end] != b'"' {
        return None;
    }
    std::str::from_utf8(&rest[..end]).ok()
}

impl Tally {
    pub fn read(input: impl Read) -> Tally {
        let mut tally = Tally::default();
        let mut reader = BufReader::with_capacity(1 << 20, input);
        let mut line = Vec::with_capacity(1 << 16);
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(n) => tally.bytes += n as u64,
            }
            let trimmed = line.trim_ascii();
            if trimmed.is_empty() {
                continue;
            }
            tally.line(trimmed);
        }
        tally
    }

    fn count_record(&mut self, stream: &str) {
        self.records += 1;
        match self.records_per_stream.get_mut(stream) {
            Some(n) => *n += 1,
            None => {
                self.records_per_stream.insert(stream.to_string(), 1);
            }
        }
    }

    pub fn line(&mut self, line: &[u8]) {
        self.lines += 1;
        if let Some(stream) = record_stream_fast(line) {
            self.count_record(stream);
            return;
        }
        let Ok(head) = serde_json::from_slice::<Head>(line) else {
            self.unreadable_lines += 1;
            return;
        };
        if head.kind == "RECORD" {
            let stream = head.record.map(|r| r.stream).unwrap_or_default();
            self.count_record(&stream);
            return;
        }
        // Everything else is small and rare: read it whole.
        let Ok(msg) = serde_json::from_slice::<Value>(line) else {
            self.unreadable_lines += 1;
            return;
        };
        match head.kind.as_str() {
            "STATE" => self.state(&msg["state"]),
            "TRACE" if msg["trace"]["type"] == "ERROR" => {
                self.error_traces += 1;
                if self.error_messages.len() < KEPT_ERRORS {
                    let m = &msg["trace"]["error"];
                    let text = m["internal_message"]
                        .as_str()
                        .or(m["message"].as_str())
                        .unwrap_or("(no message)");
                    self.error_messages.push(text.to_string());
                }
            }
            _ => {}
        }
    }

    fn state(&mut self, state: &Value) {
        let key = match state["type"].as_str() {
            Some("STREAM") => {
                let d = &state["stream"]["stream_descriptor"];
                format!(
                    "{}.{}",
                    d["namespace"].as_str().unwrap_or(""),
                    d["name"].as_str().unwrap_or("")
                )
            }
            // GLOBAL and LEGACY states replace each other whole.
            _ => String::new(),
        };
        self.states.insert(key, state.clone());
    }

    /// The state to pass to the next sync: the latest STATE of each stream, as Airbyte keeps it.
    pub fn final_state(&self) -> Value {
        Value::Array(self.states.values().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUT: &str = r#"{"type":"LOG","log":{"level":"INFO","message":"start"}}
{"type":"RECORD","record":{"stream":"ads","data":{"ad_id":"1","type":"RECORD"},"emitted_at":1}}
{"type":"RECORD","record":{"stream":"ads","data":{"ad_id":"1"},"emitted_at":1}}
{"record":{"data":{"x":[1,{"y":2}]},"stream":"campaigns"},"type":"RECORD"}
{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"ads"},"stream_state":{"n":1}}}}
{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"ads"},"stream_state":{"n":2}}}}
{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"campaigns"},"stream_state":{"n":3}}}}
{"type":"TRACE","trace":{"type":"ERROR","error":{"message":"boom","internal_message":"boom inside"}}}
not json

"#;

    #[test]
    fn counts_records_per_stream_in_any_field_order_and_keeps_the_latest_state() {
        let t = Tally::read(OUT.as_bytes());
        // Duplicate records count twice: the tally is a multiset of lines.
        assert_eq!(t.records, 3);
        assert_eq!(t.records_per_stream.get("ads"), Some(&2));
        assert_eq!(t.records_per_stream.get("campaigns"), Some(&1));
        assert_eq!(t.lines, 9);
        assert_eq!(t.unreadable_lines, 1);
        assert_eq!(t.error_traces, 1);
        assert_eq!(t.error_messages, ["boom inside"]);
        let state = t.final_state();
        let states = state.as_array().unwrap();
        assert_eq!(states.len(), 2);
        assert_eq!(
            states[0]["stream"]["stream_state"]["n"], 2,
            "latest ads state"
        );
        assert_eq!(states[1]["stream"]["stream_state"]["n"], 3);
        assert_eq!(t.bytes, OUT.len() as u64);
    }

    #[test]
    fn an_escaped_stream_name_takes_the_full_parse() {
        assert_eq!(
            record_stream_fast(br#"{"type":"RECORD","record":{"stream":"a\"b","data":{}}}"#),
            None
        );
        let mut t = Tally::default();
        t.line(br#"{"type":"RECORD","record":{"stream":"a\"b","data":{}}}"#);
        assert_eq!(t.records_per_stream.get("a\"b"), Some(&1));
    }
}
