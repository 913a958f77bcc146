//! The configured catalog of a `read`: which streams, in which sync mode.

use serde_json::Value;

use crate::error::Error;
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

/// The configured catalog: every stream named must exist and every sync mode be known.
pub fn parse_catalog(catalog: &Value, available: &[Stream]) -> Result<Vec<Configured>, Error> {
    let items = catalog
        .get("streams")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Error::config(
                "The catalog must be an object with a 'streams' list (a ConfiguredAirbyteCatalog).",
            )
        })?;
    let mut out: Vec<Configured> = Vec::new();
    for item in items {
        let name = item
            .pointer("/stream/name")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::config("Every catalog entry needs stream.name."))?;
        let stream = available.iter().find(|s| s.name == name).ok_or_else(|| {
            Error::config(format!("The catalog names stream '{name}', which this source does not have. Run discover again and pick from its streams."))
        })?;
        let mode = match item.get("sync_mode").and_then(Value::as_str) {
            Some("full_refresh") => SyncMode::FullRefresh,
            Some("incremental") if stream.cursor_field().is_some() => SyncMode::Incremental,
            Some("incremental") => {
                return Err(Error::config(format!("Stream '{name}' has no cursor and supports full_refresh only; change its sync mode.")))
            }
            other => return Err(Error::config(format!("Stream '{name}' has sync_mode {other:?}; it must be 'full_refresh' or 'incremental'."))),
        };
        if !out.iter().any(|c| c.stream.name == name) {
            out.push(Configured {
                stream: stream.clone(),
                mode,
            });
        }
    }
    if out.is_empty() {
        return Err(Error::config("The catalog selects no stream."));
    }
    Ok(out)
}
