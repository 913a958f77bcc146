//! Records, written as output lines while TikTok's answer is parsed: an entity item or a report
//! row goes from the response bytes to one RECORD line without a tree of the page or a map per
//! row. Values keep TikTok's text: IDs become strings, instants RFC 3339, metrics JSON numbers
//! with TikTok's own digits.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

use super::decl::MetricKind;
use crate::read::writer::CHUNK;

/// TikTok's instants: `"YYYY-MM-DD HH:MM:SS"` (UTC), ISO with `Z`, or epoch seconds.
pub fn parse_instant(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => parse_instant_text(s),
        Value::Number(n) => n
            .as_i64()
            .and_then(|secs| DateTime::from_timestamp(secs, 0)),
        _ => None,
    }
}

pub fn parse_instant_text(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let plain = s.trim_end_matches('Z').replace('T', " ");
    NaiveDateTime::parse_from_str(&plain, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|n| n.and_utc())
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `"key":`, for `Lines::encoded_key`.
pub fn encode_key(key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(key.len() + 3);
    push_json_str(&mut out, key);
    out.push(b':');
    out
}

/// A JSON string of `s`, quotes included.
pub fn push_json_str(out: &mut Vec<u8>, s: &str) {
    let clean = s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    if clean {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else if serde_json::to_writer(&mut *out, s).is_err() {
        out.extend_from_slice(b"null");
    }
}

/// A raw JSON value copied onto the line. Line breaks can only be whitespace between tokens in
/// JSON (inside strings they are escaped), so they become spaces: one record, one line.
pub fn push_raw(out: &mut Vec<u8>, raw: &RawValue) {
    let text = raw.get().as_bytes();
    if text.iter().any(|b| *b == b'\n' || *b == b'\r') {
        out.extend(
            text.iter()
                .map(|b| if *b == b'\n' || *b == b'\r' { b' ' } else { *b }),
        );
    } else {
        out.extend_from_slice(text);
    }
}

/// What a raw value holds, for the cases records care about.
pub enum Scalar<'a> {
    Null,
    /// A string's content, unescaped when needed.
    Text(std::borrow::Cow<'a, str>),
    /// A number's text, as TikTok wrote it.
    Number(&'a str),
    Other,
}

pub fn scalar(raw: &RawValue) -> Scalar<'_> {
    let text = raw.get().trim();
    match text.as_bytes().first() {
        Some(b'"') => {
            let inner = &text[1..text.len().saturating_sub(1)];
            if inner.contains('\\') {
                match serde_json::from_str::<String>(text) {
                    Ok(s) => Scalar::Text(std::borrow::Cow::Owned(s)),
                    Err(_) => Scalar::Other,
                }
            } else {
                Scalar::Text(std::borrow::Cow::Borrowed(inner))
            }
        }
        Some(b'-' | b'0'..=b'9') => Scalar::Number(text),
        Some(b'n') => Scalar::Null,
        _ => Scalar::Other,
    }
}

/// RECORD lines of one stream for one page, written one after the other, and cut into chunks
/// of whole lines of about `CHUNK` bytes for the writer.
pub struct Lines {
    pub buf: Vec<u8>,
    prefix: Vec<u8>,
    suffix: Vec<u8>,
    /// Records written in all.
    pub count: u64,
    /// Records in `buf`.
    in_buf: u64,
    full: Vec<(u64, Vec<u8>)>,
    /// Where the record being written starts, to take it back.
    start: usize,
    first_field: bool,
}

impl Lines {
    pub fn new(stream: &str, emitted_at: i64) -> Lines {
        let mut prefix = b"{\"type\":\"RECORD\",\"record\":{\"stream\":".to_vec();
        push_json_str(&mut prefix, stream);
        prefix.extend_from_slice(b",\"data\":{");
        Lines {
            buf: Vec::new(),
            prefix,
            suffix: format!("}},\"emitted_at\":{emitted_at}}}}}\n").into_bytes(),
            count: 0,
            in_buf: 0,
            full: Vec::new(),
            start: 0,
            first_field: true,
        }
    }

    pub fn begin(&mut self) {
        self.start = self.buf.len();
        self.buf.extend_from_slice(&self.prefix);
        self.first_field = true;
    }

    /// `"key":`, with the comma before it when needed; the value follows.
    pub fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !self.first_field {
            self.buf.push(b',');
        }
        self.first_field = false;
        push_json_str(&mut self.buf, key);
        self.buf.push(b':');
        &mut self.buf
    }

    /// A key already encoded as `"key":` (columns encode theirs once per request).
    pub fn encoded_key(&mut self, encoded: &[u8]) -> &mut Vec<u8> {
        if !self.first_field {
            self.buf.push(b',');
        }
        self.first_field = false;
        self.buf.extend_from_slice(encoded);
        &mut self.buf
    }

    pub fn end(&mut self) {
        self.buf.extend_from_slice(&self.suffix);
        self.count += 1;
        self.in_buf += 1;
        if self.buf.len() >= CHUNK {
            let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + CHUNK / 4));
            self.full.push((self.in_buf, chunk));
            self.in_buf = 0;
        }
    }

    /// The records as chunks of whole lines, each with its count.
    pub fn into_chunks(mut self) -> Vec<(u64, Vec<u8>)> {
        if self.in_buf > 0 {
            self.full.push((self.in_buf, self.buf));
        }
        self.full
    }

    /// Takes back the record begun last.
    pub fn discard(&mut self) {
        self.buf.truncate(self.start);
    }

    /// The records' `data`, parsed back: for tests of what a page writes.
    #[cfg(test)]
    pub fn data(self) -> Vec<Value> {
        self.into_chunks()
            .into_iter()
            .flat_map(|(_, b)| {
                String::from_utf8_lossy(&b)
                    .lines()
                    .map(|l| {
                        serde_json::from_str::<Value>(l).unwrap_or(Value::Null)["record"]["data"]
                            .clone()
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Why a metric value could not be typed; the record carries null and the sync warns.
#[derive(Debug, PartialEq, Eq, Clone)]
pub struct BadValue {
    pub metric: String,
    pub text: String,
}

/// A metric's value as the parser met it: read in one pass, borrowed from the response when it
/// can be (the hot path of a report: most of a record is metrics).
#[derive(Debug, Clone, PartialEq)]
pub enum MetricValue<'a> {
    Null,
    /// A string's content; `clean` when it was borrowed without escapes, so it can be copied
    /// between quotes as it is.
    Text {
        text: Cow<'a, str>,
        clean: bool,
    },
    /// A number's digits as TikTok wrote them.
    Number(Cow<'a, str>),
    /// An object, array or boolean: never a metric.
    Other,
}

/// The key serde_json gives a number when it keeps numbers' exact text (`arbitrary_precision`).
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

impl<'de> Deserialize<'de> for MetricValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MetricValue<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a metric value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(MetricValue::Text {
                    text: Cow::Borrowed(v),
                    clean: true,
                })
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MetricValue::Text {
                    text: Cow::Owned(v.to_string()),
                    clean: false,
                })
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(MetricValue::Text {
                    text: Cow::Owned(v),
                    clean: false,
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(MetricValue::Number(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(MetricValue::Number(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                // Only without `arbitrary_precision`, which this crate always enables.
                Ok(MetricValue::Other)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(MetricValue::Other)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(MetricValue::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(MetricValue::Null)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(MetricValue::Other)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut number = None;
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    if key == NUMBER_TOKEN {
                        number = Some(Cow::Owned(map.next_value::<String>()?));
                    } else {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
                Ok(number.map_or(MetricValue::Other, MetricValue::Number))
            }
        }
        d.deserialize_any(V)
    }
}

/// A metric's value whose text is not of the metric's kind (a count that is not an integer, a
/// rate that is not a decimal, an object): null was written in its place.
#[derive(Debug, PartialEq, Eq, Clone, thiserror::Error)]
#[error("{text} is not of the metric's type")]
pub struct NotOfKind {
    /// The value as TikTok sent it.
    pub text: String,
}

/// A metric's text as a JSON value of its kind, written without passing decimals through a
/// float, or null and `NotOfKind` when the text is not of that kind.
pub fn push_metric(out: &mut Vec<u8>, raw: &RawValue, kind: MetricKind) -> Result<(), NotOfKind> {
    match serde_json::from_str::<MetricValue>(raw.get()) {
        Ok(v) => push_metric_value(out, v, kind),
        Err(_) => {
            out.extend_from_slice(b"null");
            Err(NotOfKind {
                text: raw.get().to_string(),
            })
        }
    }
}

/// `push_metric` for a value already read by the parser.
pub fn push_metric_value(
    out: &mut Vec<u8>,
    value: MetricValue<'_>,
    kind: MetricKind,
) -> Result<(), NotOfKind> {
    let (text, clean) = match value {
        MetricValue::Null => {
            out.extend_from_slice(b"null");
            return Ok(());
        }
        MetricValue::Text { text, clean } => (text, clean),
        MetricValue::Number(n) => (n, true),
        MetricValue::Other => {
            out.extend_from_slice(b"null");
            return Err(NotOfKind {
                text: "an object, array or boolean".into(),
            });
        }
    };
    push_text(out, &text, kind, clean)
}

/// `push_metric` for a value's text (trimmed), e.g. a CSV cell.
pub fn push_metric_text(out: &mut Vec<u8>, text: &str, kind: MetricKind) -> Result<(), NotOfKind> {
    push_text(out, text, kind, false)
}

/// `clean`: the text came from the response without escapes, so it can be copied between
/// quotes as it is.
fn push_text(
    out: &mut Vec<u8>,
    text: &str,
    kind: MetricKind,
    clean: bool,
) -> Result<(), NotOfKind> {
    // TikTok does not pad values; trimming only when there is something to trim keeps the
    // common case cheap.
    let text = if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
        text.trim()
    } else {
        text
    };
    if text.is_empty() || text == "-" {
        out.extend_from_slice(b"null");
        return Ok(());
    }
    let ok = match kind {
        MetricKind::Text => {
            if clean {
                out.push(b'"');
                out.extend_from_slice(text.as_bytes());
                out.push(b'"');
            } else {
                push_json_str(out, text);
            }
            return Ok(());
        }
        MetricKind::Integer => integer_text(text),
        MetricKind::Number => is_decimal(text).then_some(text),
    };
    match ok {
        Some(digits) => {
            out.extend_from_slice(digits.as_bytes());
            Ok(())
        }
        None => {
            out.extend_from_slice(b"null");
            Err(NotOfKind {
                text: text.to_string(),
            })
        }
    }
}

/// "5830" → "5830"; "12.00" is still a count: "12".
fn integer_text(s: &str) -> Option<&str> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = int.strip_prefix('-').unwrap_or(int);
    let valid = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && digits.len() <= 18
        && frac.bytes().all(|b| b == b'0')
        && !(s.contains('.') && frac.is_empty());
    valid.then_some(int)
}

fn is_decimal(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    !int.is_empty()
        && int.bytes().all(|c| c.is_ascii_digit())
        && (int == "0" || !int.starts_with('0'))
        && frac.bytes().all(|c| c.is_ascii_digit())
        && !(body.contains('.') && frac.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_string()).unwrap()
    }

    fn metric(s: &str, kind: MetricKind) -> (String, Result<(), NotOfKind>) {
        let mut out = Vec::new();
        let r = push_metric(&mut out, &raw(s), kind);
        (String::from_utf8(out).unwrap(), r)
    }

    #[test]
    fn metric_text_keeps_its_digits() {
        assert_eq!(
            metric("\"20.00\"", MetricKind::Number),
            ("20.00".into(), Ok(()))
        );
        assert_eq!(
            metric("\"0.1\"", MetricKind::Number),
            ("0.1".into(), Ok(()))
        );
        assert_eq!(
            metric("\"5830\"", MetricKind::Integer),
            ("5830".into(), Ok(()))
        );
        assert_eq!(
            metric("\"12.00\"", MetricKind::Integer),
            ("12".into(), Ok(()))
        );
        assert_eq!(metric("7", MetricKind::Integer), ("7".into(), Ok(())));
        assert_eq!(metric("\"-\"", MetricKind::Number), ("null".into(), Ok(())));
        assert_eq!(metric("null", MetricKind::Number), ("null".into(), Ok(())));
        assert_eq!(
            metric("\"<5\"", MetricKind::Integer),
            (
                "null".into(),
                Err(NotOfKind {
                    text: "<5".to_string()
                })
            )
        );
        assert!(metric("\"1e5\"", MetricKind::Number).1.is_err());
        assert!(metric("\"01.5\"", MetricKind::Number).1.is_err());
        assert!(metric("\"12.5\"", MetricKind::Integer).1.is_err());
        assert!(metric("\"99999999999999999999\"", MetricKind::Integer)
            .1
            .is_err());
        assert!(metric("{\"a\":1}", MetricKind::Number).1.is_err());
        assert!(metric("true", MetricKind::Number).1.is_err());
        assert_eq!(
            metric("12.50", MetricKind::Number),
            ("12.50".into(), Ok(()))
        );
        assert_eq!(metric("\" 7 \"", MetricKind::Integer), ("7".into(), Ok(())));
        assert_eq!(
            metric("\"Campaign \\\"A\\\"\"", MetricKind::Text),
            ("\"Campaign \\\"A\\\"\"".into(), Ok(()))
        );
    }

    #[test]
    fn lines_are_whole_records_and_can_be_taken_back() {
        let mut l = Lines::new("s\"1", 42);
        l.begin();
        push_json_str(l.key("a"), "x\"y");
        l.key("n").extend_from_slice(b"1.50");
        l.end();
        l.begin();
        push_json_str(l.key("a"), "gone");
        l.discard();
        assert_eq!(l.count, 1);
        let chunks = l.into_chunks();
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].0, 1);
        let text = String::from_utf8(chunks[0].1.clone()).unwrap();
        assert_eq!(text.matches('\n').count(), 1);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"type": "RECORD", "record": {"stream": "s\"1",
                "data": {"a": "x\"y", "n": serde_json::from_str::<Value>("1.50").unwrap()}, "emitted_at": 42}})
        );
        assert!(text.contains("\"n\":1.50"));
    }

    #[test]
    fn big_pages_are_cut_into_chunks_of_whole_lines() {
        let mut l = Lines::new("s", 1);
        let value = "x".repeat(1000);
        for _ in 0..1000 {
            l.begin();
            push_json_str(l.key("v"), &value);
            l.end();
        }
        let chunks = l.into_chunks();
        assert!(chunks.len() >= 3, "{}", chunks.len());
        assert_eq!(chunks.iter().map(|c| c.0).sum::<u64>(), 1000);
        for (count, bytes) in &chunks {
            assert_eq!(bytes.last(), Some(&b'\n'));
            assert_eq!(bytes.iter().filter(|b| **b == b'\n').count() as u64, *count);
            assert!(bytes.len() < CHUNK + 2000);
        }
    }

    #[test]
    fn raw_values_stay_on_one_line() {
        let mut out = Vec::new();
        push_raw(&mut out, &raw("{\n  \"a\": \"x\\ny\"\n}"));
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains('\n'));
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            serde_json::json!({"a": "x\ny"})
        );
    }

    #[test]
    fn instants() {
        assert_eq!(
            rfc3339(parse_instant_text("2024-03-28 12:09:05").unwrap()),
            "2024-03-28T12:09:05Z"
        );
        assert_eq!(
            rfc3339(parse_instant(&serde_json::json!(1510740064)).unwrap()),
            "2017-11-15T10:01:04Z"
        );
        assert!(parse_instant_text("soon").is_none());
    }
}
