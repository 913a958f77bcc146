//! Input state: ours, the official Airbyte connector's per-partition state, and the shapes
//! older tools pass. Everything becomes one cursor per stream and account.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::config::EARLIEST_DATE;
use crate::streams::record::parse_instant;

/// A position in a stream for one account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// Entities: the latest `modify_time` seen, and the IDs already read at exactly that second,
    /// so a change later in the same second is read next time and nothing is read twice.
    Instant { at: DateTime<Utc>, ids: Vec<String> },
    /// Reports: the last day read, in the account's time zone.
    Day(NaiveDate),
}

impl Cursor {
    pub fn instant(at: DateTime<Utc>) -> Cursor {
        Cursor::Instant {
            at,
            ids: Vec::new(),
        }
    }

    /// Whether this cursor is further along than `other`; a checkpoint never moves a cursor back.
    pub fn is_after(&self, other: &Cursor) -> bool {
        match (self, other) {
            (Cursor::Instant { at: a, .. }, Cursor::Instant { at: b, .. }) => a > b,
            (Cursor::Day(a), Cursor::Day(b)) => a > b,
            _ => false,
        }
    }

    /// The cursor as a person reads it, e.g. `2099-01-01` or `2099-01-01T00:00:00Z`.
    pub fn describe(&self) -> String {
        match self {
            Cursor::Instant { at, .. } => crate::streams::record::rfc3339(*at),
            Cursor::Day(d) => d.format("%Y-%m-%d").to_string(),
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Cursor::Instant { at, ids } if ids.is_empty() => {
                json!({"modify_time": crate::streams::record::rfc3339(*at)})
            }
            Cursor::Instant { at, ids } => {
                json!({"modify_time": crate::streams::record::rfc3339(*at), "ids_at_cursor": ids})
            }
            Cursor::Day(d) => json!({"last_day": d.format("%Y-%m-%d").to_string()}),
        }
    }

    /// A cursor from a state file. One before `EARLIEST_DATE` means "from the start" as much as
    /// the earliest day does (no config may start earlier), so it becomes that day: far-away
    /// years then never reach date arithmetic. Cursors in the future are dealt with when the
    /// partition is planned, where the account's today is known.
    fn from_value(v: &Value) -> Option<Cursor> {
        Cursor::read_value(v).map(|c| match c {
            Cursor::Day(d) if d < EARLIEST_DATE => Cursor::Day(EARLIEST_DATE),
            Cursor::Instant { at, .. } if at.date_naive() < EARLIEST_DATE => {
                Cursor::instant(EARLIEST_DATE.and_time(chrono::NaiveTime::MIN).and_utc())
            }
            c => c,
        })
    }

    fn read_value(v: &Value) -> Option<Cursor> {
        if let Some(day) = v.get("last_day").and_then(Value::as_str) {
            return NaiveDate::parse_from_str(day, "%Y-%m-%d")
                .ok()
                .map(Cursor::Day);
        }
        // Airbyte's cursors: modify_time "2024-01-03 10:00:00Z", stat_time_day "2024-01-31",
        // stat_time_hour "2024-02-05 01:00:00".
        if let Some(t) = v.get("modify_time") {
            let ids = v
                .get("ids_at_cursor")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            return parse_instant(t).map(|at| Cursor::Instant { at, ids });
        }
        for key in ["stat_time_day", "stat_time_hour"] {
            if let Some(s) = v.get(key).and_then(Value::as_str) {
                return NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                    .ok()
                    .map(Cursor::Day);
            }
        }
        None
    }
}

/// Cursors by stream, then by account ID.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct State {
    pub streams: HashMap<String, BTreeMap<String, Cursor>>,
}

/// The stream state document we emit for one stream.
pub fn stream_document(cursors: &BTreeMap<String, Cursor>) -> Value {
    let accounts: serde_json::Map<String, Value> = cursors
        .iter()
        .map(|(id, c)| (id.clone(), c.to_value()))
        .collect();
    json!({"accounts": accounts})
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct StateError(pub String);

impl State {
    /// Reads a state file's JSON. Accepts: nothing, `[]`, an array of AirbyteStateMessages (STREAM,
    /// GLOBAL or legacy), a single message, or a legacy `{stream: state}` object.
    pub fn parse(input: &Value) -> Result<State, StateError> {
        let mut state = State::default();
        match input {
            Value::Null => {}
            Value::Array(messages) => {
                for m in messages {
                    state.read_message(m)?;
                }
            }
            Value::Object(obj)
                if obj.contains_key("type")
                    || obj.contains_key("stream")
                    || obj.contains_key("data") =>
            {
                state.read_message(input)?
            }
            Value::Object(obj) => {
                for (name, doc) in obj {
                    state.read_stream(name, doc)?;
                }
            }
            _ => {
                return Err(StateError(
                    "The state must be a JSON array of state messages.".into(),
                ))
            }
        }
        Ok(state)
    }

    fn read_message(&mut self, m: &Value) -> Result<(), StateError> {
        if !m.is_object() {
            return Err(StateError(format!(
                "A state entry must be an object; got {}.",
                short(m)
            )));
        }
        // PyAirbyte and the platform may wrap the message: {"type": "STATE", "state": {...}}.
        if let Some(inner) = m.get("state").filter(|s| s.is_object()) {
            return self.read_message(inner);
        }
        let kind = m.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "GLOBAL" => {
                let states = m
                    .pointer("/global/stream_states")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                for s in &states {
                    self.read_descriptor_state(s)?;
                }
            }
            "LEGACY" | "" if m.get("data").map(Value::is_object).unwrap_or(false) => {
                if let Some(obj) = m.get("data").and_then(Value::as_object) {
                    for (name, doc) in obj {
                        self.read_stream(name, doc)?;
                    }
                }
            }
            _ => {
                if let Some(stream) = m.get("stream").filter(|s| !s.is_null()) {
                    self.read_descriptor_state(stream)?;
                }
            }
        }
        Ok(())
    }

    fn read_descriptor_state(&mut self, s: &Value) -> Result<(), StateError> {
        let Some(name) = s.pointer("/stream_descriptor/name").and_then(Value::as_str) else {
            return Err(StateError(format!(
                "A stream state has no stream_descriptor.name: {}.",
                short(s)
            )));
        };
        match s.get("stream_state") {
            None | Some(Value::Null) => Ok(()),
            Some(doc) => self.read_stream(name, doc),
        }
    }

    fn read_stream(&mut self, name: &str, doc: &Value) -> Result<(), StateError> {
        let cursors = self.streams.entry(name.to_string()).or_default();
        if !doc.is_object() {
            return Err(StateError(format!(
                "The state of stream '{name}' must be an object; got {}.",
                short(doc)
            )));
        }
        // Ours.
        if let Some(accounts) = doc.get("accounts").and_then(Value::as_object) {
            for (id, c) in accounts {
                let cursor = Cursor::from_value(c).ok_or_else(|| {
                    StateError(format!("The state of stream '{name}' has an unreadable cursor for account {id}: {}.", short(c)))
                })?;
                cursors.insert(id.clone(), cursor);
            }
            return Ok(());
        }
        // The official connector's per-partition state.
        if let Some(states) = doc.get("states").and_then(Value::as_array) {
            for p in states {
                let id = p.pointer("/partition/advertiser_id").and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                });
                let cursor = p.get("cursor").and_then(Cursor::from_value);
                if let (Some(id), Some(cursor)) = (id, cursor) {
                    cursors.insert(id, cursor);
                }
            }
            if doc.get("use_global_cursor").and_then(Value::as_bool) == Some(true) {
                if let Some(global) = doc.get("state").and_then(Cursor::from_value) {
                    cursors.insert(ALL_ACCOUNTS.into(), global);
                }
            }
            return Ok(());
        }
        // A single cursor for every account (older connectors).
        if let Some(c) = Cursor::from_value(doc) {
            cursors.insert(ALL_ACCOUNTS.into(), c);
        }
        Ok(())
    }

    /// The cursor of `stream` for `account`, if the state has one.
    pub fn cursor(&self, stream: &str, account: &str) -> Option<Cursor> {
        let cursors = self.streams.get(stream)?;
        cursors
            .get(account)
            .or_else(|| cursors.get(ALL_ACCOUNTS))
            .cloned()
    }

    /// The cursors to carry over for a stream (accounts not synced this time are kept).
    pub fn carried(&self, stream: &str) -> BTreeMap<String, Cursor> {
        let mut out = self.streams.get(stream).cloned().unwrap_or_default();
        out.remove(ALL_ACCOUNTS);
        out
    }
}

/// Key for a cursor that applies to every account (state from connectors without per-account state).
const ALL_ACCOUNTS: &str = "*";

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 120 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(120).map(|(i, _)| i).unwrap_or(s.len())]
        )
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Cursor {
        Cursor::Day(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn empty_inputs() {
        assert_eq!(State::parse(&Value::Null).unwrap(), State::default());
        assert_eq!(State::parse(&json!([])).unwrap(), State::default());
    }

    #[test]
    fn our_format_round_trips_with_unknown_and_null_fields() {
        let mut cursors = BTreeMap::new();
        cursors.insert("1".to_string(), day("2024-01-31"));
        cursors.insert(
            "2".to_string(),
            Cursor::Instant {
                at: "2024-01-03T10:00:00Z".parse().unwrap(),
                ids: vec!["9".into()],
            },
        );
        let input = json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "s", "namespace": null},
            "stream_state": stream_document(&cursors)}, "sourceStats": {"recordCount": 3.0}, "global_": null, "data": null,
            "destinationStats": null}]);
        let state = State::parse(&input).unwrap();
        assert_eq!(state.cursor("s", "1"), Some(day("2024-01-31")));
        assert_eq!(state.carried("s"), cursors);
        assert_eq!(state.cursor("s", "3"), None);
        assert_eq!(state.cursor("other", "1"), None);
    }

    #[test]
    fn official_connector_partition_state() {
        let input = json!([
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "ads_reports_daily"}, "stream_state": {
                "use_global_cursor": false,
                "states": [
                    {"partition": {"advertiser_id": "7000000000000000001", "parent_slice": {}}, "cursor": {"stat_time_day": "2024-01-31"}},
                    {"partition": {"advertiser_id": "7000000000000000002", "parent_slice": {}}, "cursor": {"stat_time_day": "2024-01-20"}}],
                "state": {"stat_time_day": "2024-01-31"}, "lookback_window": 1}}},
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "ads_reports_hourly"}, "stream_state": {
                "states": [{"partition": {"advertiser_id": "7000000000000000001", "parent_slice": {}}, "cursor": {"stat_time_hour": "2024-02-05 01:00:00"}}]}}},
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": "ads"}, "stream_state": {
                "states": [{"partition": {"advertiser_id": "7000000000000000001", "parent_slice": {}}, "cursor": {"modify_time": "2024-01-03 10:00:00Z"}}]}}}
        ]);
        let s = State::parse(&input).unwrap();
        assert_eq!(
            s.cursor("ads_reports_daily", "7000000000000000002"),
            Some(day("2024-01-20"))
        );
        assert_eq!(
            s.cursor("ads_reports_hourly", "7000000000000000001"),
            Some(day("2024-02-05"))
        );
        assert_eq!(
            s.cursor("ads", "7000000000000000001"),
            Some(Cursor::instant("2024-01-03T10:00:00Z".parse().unwrap()))
        );
        // An account the old state does not know starts from the start date.
        assert_eq!(s.cursor("ads", "7000000000000000009"), None);
    }

    #[test]
    fn single_cursor_and_legacy_shapes_apply_to_all_accounts() {
        let s =
            State::parse(&json!({"campaigns": {"modify_time": "2024-01-03 10:00:00"}})).unwrap();
        assert!(s.cursor("campaigns", "anything").is_some());
        assert!(s.carried("campaigns").is_empty());
        let s = State::parse(
            &json!([{"data": {"ads_reports_daily": {"stat_time_day": "2024-01-31"}}}]),
        )
        .unwrap();
        assert_eq!(s.cursor("ads_reports_daily", "x"), Some(day("2024-01-31")));
    }

    #[test]
    fn garbage_is_an_error_that_says_what() {
        assert!(State::parse(&json!("nope")).is_err());
        let e =
            State::parse(&json!([{"type": "STREAM", "stream": {"stream_state": {}}}])).unwrap_err();
        assert!(e.0.contains("stream_descriptor"), "{e}");
        let e = State::parse(
            &json!([{"type": "STREAM", "stream": {"stream_descriptor": {"name": "s"},
            "stream_state": {"accounts": {"1": {"last_day": "soon"}}}}}]),
        )
        .unwrap_err();
        assert!(e.0.contains("account 1"), "{e}");
    }
}
