//! The configured catalog (`read --catalog`): which streams to read and how. Every client sends
//! its own dialect of it — PyAirbyte asks for `incremental` on every stream, newer platforms add
//! refresh fields (`generation_id`, `sync_id`, ...) — so the rules below are the ones Airbyte's
//! Python CDK applies, which is what those clients are built and tested against.

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::protocol::LogLevel;
use crate::streams::Stream;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SyncMode {
    FullRefresh,
    Incremental,
}

/// A configured stream.
#[derive(Clone, Debug)]
pub struct Configured {
    pub stream: Stream,
    pub mode: SyncMode,
}

/// A line for the user about how the catalog was read; the caller logs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub level: LogLevel,
    pub message: String,
}

/// The streams to read, in catalog order, and what to tell the user about them.
#[derive(Debug)]
pub struct Catalog {
    pub streams: Vec<Configured>,
    pub notices: Vec<Notice>,
}

// The protocol's own shapes, reduced to what a source uses. Unknown fields are ignored rather
// than refused: the protocol keeps adding fields ("for forwards compatibility all messages should
// allow for unknown properties").
#[derive(Deserialize)]
struct ConfiguredCatalog {
    streams: Vec<ConfiguredStream>,
}

#[derive(Deserialize)]
struct ConfiguredStream {
    stream: StreamRef,
    #[serde(default)]
    sync_mode: Option<String>,
    #[serde(default)]
    cursor_field: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct StreamRef {
    name: String,
}

/// Reads the configured catalog against the streams this config offers. Errors are for the user
/// to fix in the connection (config errors); notices say what was read differently from what
/// was asked.
pub fn parse_catalog(catalog: &Value, available: &[Stream]) -> Result<Catalog, Error> {
    let parsed = ConfiguredCatalog::deserialize(catalog).map_err(|e| {
        Error::config(format!("The catalog is not a ConfiguredAirbyteCatalog (an object with a 'streams' list of {{stream: {{name}}, sync_mode}}): {e}."))
    })?;
    let mut streams: Vec<Configured> = Vec::new();
    let mut notices = Vec::new();
    for item in parsed.streams {
        let name = item.stream.name;
        let stream = available.iter().find(|s| s.name == name).ok_or_else(|| {
            Error::config(format!("The catalog names stream '{name}', which this source does not have. Run discover again and pick from its streams."))
        })?;
        // The CDK would read such a stream twice; one read, or a silent choice between two
        // differing entries, would hide a broken catalog.
        if streams.iter().any(|c| c.stream.name == name) {
            return Err(Error::config(format!(
                "The catalog names stream '{name}' more than once; list each stream once."
            )));
        }
        let own_cursor = stream.cursor_field();
        let mode = match (item.sync_mode.as_deref(), own_cursor) {
            (Some("full_refresh"), _) => SyncMode::FullRefresh,
            (Some("incremental"), Some(_)) => SyncMode::Incremental,
            // PyAirbyte asks for every stream incrementally; the CDK reads a stream without a
            // cursor as a full refresh then, and so do we.
            (Some("incremental"), None) => {
                notices.push(Notice {
                    level: LogLevel::Info,
                    message: format!("Stream '{name}' has no cursor: reading it as a full refresh, although the catalog asks for incremental."),
                });
                SyncMode::FullRefresh
            }
            (other, _) => {
                return Err(Error::config(format!(
                    "Stream '{name}' has sync_mode {}; it must be 'full_refresh' or 'incremental'.",
                    other.map_or("missing".to_string(), |m| format!("'{m}'"))
                )))
            }
        };
        // Cursors here are defined by the source; the protocol says a user's choice is then
        // ignored. It only matters when a cursor is used, i.e. in an incremental read.
        if let (SyncMode::Incremental, Some(own), Some(asked)) =
            (mode, own_cursor, item.cursor_field.as_deref())
        {
            if !asked.is_empty() && asked != [own] {
                notices.push(Notice {
                    level: LogLevel::Warn,
                    message: format!(
                        "Stream '{name}': the catalog's cursor_field [{}] is ignored; this stream's cursor is defined by the source: {own}.",
                        asked.join(", ")
                    ),
                });
            }
        }
        streams.push(Configured {
            stream: stream.clone(),
            mode,
        });
    }
    if streams.is_empty() {
        return Err(Error::config("The catalog selects no stream."));
    }
    Ok(Catalog { streams, notices })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::Config;

    fn available() -> Vec<Stream> {
        let config = Config::parse(&json!({
            "app_id": "1", "secret": "s", "access_token": "t", "start_date": "2024-01-01"
        }))
        .expect("a valid config");
        crate::streams::all(&config)
    }

    fn entry(name: &str, mode: &str) -> Value {
        json!({"stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
               "sync_mode": mode, "destination_sync_mode": "overwrite"})
    }

    fn parse(entries: Vec<Value>) -> Result<Catalog, Error> {
        parse_catalog(&json!({ "streams": entries }), &available())
    }

    fn modes(c: &Catalog) -> Vec<(String, SyncMode)> {
        c.streams
            .iter()
            .map(|s| (s.stream.name.clone(), s.mode))
            .collect()
    }

    #[test]
    fn modes_are_kept_in_catalog_order_without_notices() {
        let c = parse(vec![
            entry("campaigns", "incremental"),
            entry("advertisers", "full_refresh"),
            entry("ads_reports_daily", "full_refresh"),
        ])
        .unwrap();
        assert_eq!(
            modes(&c),
            vec![
                ("campaigns".to_string(), SyncMode::Incremental),
                ("advertisers".to_string(), SyncMode::FullRefresh),
                ("ads_reports_daily".to_string(), SyncMode::FullRefresh),
            ]
        );
        assert_eq!(c.notices, vec![]);
    }

    #[test]
    fn incremental_without_a_cursor_is_a_full_refresh_with_one_info_line() {
        let c = parse(vec![
            entry("advertiser_ids", "incremental"),
            entry("campaigns", "incremental"),
        ])
        .unwrap();
        assert_eq!(
            modes(&c),
            vec![
                ("advertiser_ids".to_string(), SyncMode::FullRefresh),
                ("campaigns".to_string(), SyncMode::Incremental),
            ]
        );
        assert_eq!(c.notices.len(), 1, "{:?}", c.notices);
        assert_eq!(c.notices[0].level, LogLevel::Info);
        assert!(c.notices[0].message.contains("'advertiser_ids'"));
        assert!(c.notices[0].message.contains("full refresh"));
    }

    #[test]
    fn a_stream_named_twice_is_an_error_naming_it() {
        for second in ["full_refresh", "incremental"] {
            let e = parse(vec![
                entry("campaigns", "incremental"),
                entry("ads", "full_refresh"),
                entry("campaigns", second),
            ])
            .unwrap_err()
            .to_string();
            assert!(
                e.contains("'campaigns'") && e.contains("more than once"),
                "{e}"
            );
        }
    }

    #[test]
    fn a_foreign_cursor_field_is_ignored_with_one_warning_naming_it() {
        let mut foreign = entry("campaigns", "incremental");
        foreign["cursor_field"] = json!(["create_time"]);
        let mut own = entry("ads", "incremental");
        own["cursor_field"] = json!(["modify_time"]);
        let mut empty = entry("ad_groups", "incremental");
        empty["cursor_field"] = json!([]);
        // Full refresh uses no cursor: nothing to ignore, nothing to say.
        let mut unused = entry("ads_reports_daily", "full_refresh");
        unused["cursor_field"] = json!(["spend"]);
        let c = parse(vec![foreign, own, empty, unused]).unwrap();
        assert_eq!(
            modes(&c),
            vec![
                ("campaigns".to_string(), SyncMode::Incremental),
                ("ads".to_string(), SyncMode::Incremental),
                ("ad_groups".to_string(), SyncMode::Incremental),
                ("ads_reports_daily".to_string(), SyncMode::FullRefresh),
            ]
        );
        assert_eq!(c.notices.len(), 1, "{:?}", c.notices);
        assert_eq!(c.notices[0].level, LogLevel::Warn);
        let m = &c.notices[0].message;
        assert!(
            m.contains("'campaigns'") && m.contains("create_time") && m.contains("modify_time"),
            "{m}"
        );
    }

    #[test]
    fn fields_of_newer_protocol_versions_are_accepted() {
        let mut e = entry("campaigns", "incremental");
        for (k, v) in [
            ("generation_id", json!(3)),
            ("minimum_generation_id", json!(0)),
            ("sync_id", json!(42)),
            ("destination_object_name", json!("tiktok_campaigns")),
            ("include_files", json!(false)),
            ("primary_key", json!([["campaign_id"]])),
            ("some_field_of_2030", json!({"nested": [1, 2]})),
        ] {
            e[k] = v;
        }
        e["stream"]["namespace"] = Value::Null;
        e["stream"]["is_resumable"] = json!(true);
        let c = parse_catalog(
            &json!({"streams": [e], "catalog_level_field": true}),
            &available(),
        )
        .unwrap();
        assert_eq!(
            modes(&c),
            vec![("campaigns".to_string(), SyncMode::Incremental)]
        );
    }

    #[test]
    fn unknown_streams_and_sync_modes_are_errors() {
        let e = parse(vec![entry(
            "__AIRBYTE__stream_that_does_not_exist",
            "INVALID",
        )])
        .unwrap_err()
        .to_string();
        assert!(e.contains("'__AIRBYTE__stream_that_does_not_exist'"), "{e}");
        let e = parse(vec![entry("campaigns", "INVALID")])
            .unwrap_err()
            .to_string();
        assert!(e.contains("'campaigns'") && e.contains("'INVALID'"), "{e}");
        let mut missing = entry("campaigns", "x");
        missing.as_object_mut().unwrap().remove("sync_mode");
        let e = parse(vec![missing]).unwrap_err().to_string();
        assert!(e.contains("'campaigns'") && e.contains("missing"), "{e}");
    }

    #[test]
    fn malformed_and_empty_catalogs_are_errors() {
        let a = available();
        for bad in [
            json!([]),
            json!({}),
            json!({"streams": [{"sync_mode": "full_refresh"}]}),
        ] {
            let e = parse_catalog(&bad, &a).unwrap_err().to_string();
            assert!(e.contains("ConfiguredAirbyteCatalog"), "{bad}: {e}");
        }
        let e = parse(vec![]).unwrap_err().to_string();
        assert!(e.contains("no stream"), "{e}");
    }
}
