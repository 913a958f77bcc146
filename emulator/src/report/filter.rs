//! The `filtering` parameter of a report request: the level's status filter and ID filters.

use std::collections::BTreeSet;

use serde_json::Value;

use super::catalog::Level;
use super::query::json;
use crate::buying::{self, BuyingSet};
use crate::model::{ApiError, Params};

const MAX_FILTER_IDS: usize = 100;

/// Which entities the level's `*_status` filter lets through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    NotDeleted,
    All,
    DeletedOnly,
}

impl StatusFilter {
    pub fn admits(self, deleted: bool) -> bool {
        match self {
            StatusFilter::NotDeleted => !deleted,
            StatusFilter::All => true,
            StatusFilter::DeletedOnly => deleted,
        }
    }
}

pub struct Filters {
    pub status: StatusFilter,
    pub campaign_ids: Option<BTreeSet<String>>,
    pub adgroup_ids: Option<BTreeSet<String>>,
    pub ad_ids: Option<BTreeSet<String>>,
    /// The `buying_type` filter, if sent (see `buying::report_default` for its absence).
    pub buying_types: Option<BuyingSet>,
}

/// `filtering`: a JSON array of `{field_name, filter_type, filter_value}` where `filter_value` is
/// a string holding a JSON array. Supported: the level's `*_status`, `campaign_ids` /
/// `adgroup_ids` / `ad_ids` and `buying_type`, all with `IN`. Other fields are rejected rather than ignored, so a
/// client never mistakes unfiltered rows for filtered ones.
pub fn filtering(params: &Params, level: Level) -> Result<Filters, ApiError> {
    let mut filters = Filters {
        status: StatusFilter::NotDeleted,
        campaign_ids: None,
        adgroup_ids: None,
        ad_ids: None,
        buying_types: None,
    };
    let Some(value) = json(params, "filtering")? else {
        return Ok(filters);
    };
    let malformed = || {
        ApiError::param(
            "filtering: Must be a list of objects with string field_name, filter_type and filter_value.",
        )
    };
    let items = value.as_array().ok_or_else(malformed)?;
    let mut seen = BTreeSet::new();
    for item in items {
        let field = |k: &str| item.get(k).and_then(Value::as_str).ok_or_else(malformed);
        let (name, kind, raw) = (
            field("field_name")?,
            field("filter_type")?,
            field("filter_value")?,
        );
        if !seen.insert(name.to_string()) {
            return Err(ApiError::param(format!(
                "filtering: {name} is given more than once."
            )));
        }
        let values: Vec<String> = serde_json::from_str::<Value>(raw)
            .ok()
            .and_then(|v| v.as_array().cloned())
            .and_then(|a| a.iter().map(id_text).collect::<Option<Vec<_>>>())
            .ok_or_else(|| {
                ApiError::param(format!(
                    "filtering: filter_value of {name} must be a JSON array string."
                ))
            })?;
        if kind != "IN" {
            return Err(ApiError::param(format!(
                "filtering: {name} only supports filter_type IN."
            )));
        }
        if name == "buying_type" {
            filters.buying_types = Some(buying::report_filter(&values)?);
            continue;
        }
        let entity_level = match name {
            "campaign_status" | "campaign_ids" => Level::Campaign,
            "adgroup_status" | "adgroup_ids" => Level::AdGroup,
            "ad_status" | "ad_ids" => Level::Ad,
            _ => {
                return Err(ApiError::param(format!(
                    "filtering: field_name {name} is not supported."
                )))
            }
        };
        if name.ends_with("_status") {
            if level.status_field() != Some(name) {
                return Err(ApiError::param(format!(
                    "filtering: {name} does not match data_level {}.",
                    level.name()
                )));
            }
            filters.status = status_filter(name, &values)?;
            continue;
        }
        if level < entity_level {
            return Err(ApiError::param(format!(
                "filtering: {name} is not supported at data_level {}.",
                level.name()
            )));
        }
        if values.is_empty() || values.len() > MAX_FILTER_IDS {
            return Err(ApiError::param(format!(
                "filtering: {name} must hold between 1 and {MAX_FILTER_IDS} ids."
            )));
        }
        let set = Some(values.into_iter().collect());
        match entity_level {
            Level::Campaign => filters.campaign_ids = set,
            Level::AdGroup => filters.adgroup_ids = set,
            _ => filters.ad_ids = set,
        }
    }
    Ok(filters)
}

/// IDs may come as strings or, from older clients, as numbers.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

fn status_filter(name: &str, values: &[String]) -> Result<StatusFilter, ApiError> {
    let has = |s: &str| values.iter().any(|v| v == s);
    let known = ["STATUS_ALL", "STATUS_NOT_DELETE", "STATUS_DELETE"];
    if values.is_empty() || values.iter().any(|v| !known.contains(&v.as_str())) {
        return Err(ApiError::param(format!(
            "filtering: {name} values must be among STATUS_ALL, STATUS_NOT_DELETE, STATUS_DELETE."
        )));
    }
    Ok(
        if has("STATUS_ALL") || (has("STATUS_NOT_DELETE") && has("STATUS_DELETE")) {
            StatusFilter::All
        } else if has("STATUS_DELETE") {
            StatusFilter::DeletedOnly
        } else {
            StatusFilter::NotDeleted
        },
    )
}
