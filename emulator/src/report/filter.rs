//! The `filtering` parameter of a report request: the level's status filter and ID filters.

use std::collections::BTreeSet;

use serde_json::Value;

use super::catalog::Level;
use super::query::json;
use crate::buying::{self, BuyingSet};
use crate::model::{ApiError, Params};

const MAX_FILTER_IDS: usize = 100;
/// Asynchronous report tasks take up to 20,000 IDs per filter (reference §6).
const MAX_TASK_FILTER_IDS: usize = 20_000;

/// Which endpoint the filter is for: the asynchronous report tasks accept other filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Sync,
    Task,
}

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
    /// `ad_ids_v2`: Smart+ ad ids (and manual ad ids); needs the `ad_id_v2` dimension.
    pub ad_ids_v2: Option<BTreeSet<String>>,
    /// `campaign_automation_type`: MANUAL, SMART_PLUS, UPGRADED_SMART_PLUS.
    pub automation: Option<BTreeSet<String>>,
    /// `country_code` (report tasks only).
    pub countries: Option<BTreeSet<String>>,
}

/// `filtering`: a JSON array of `{field_name, filter_type, filter_value}` where `filter_value` is
/// a string holding a JSON array. Supported: the level's `*_status`, `campaign_ids` /
/// `adgroup_ids` / `ad_ids` and `buying_type`, all with `IN`. Other fields are rejected rather than ignored, so a
/// client never mistakes unfiltered rows for filtered ones.
///
/// Also `campaign_automation_type` and `ad_ids_v2` (Upgraded Smart+). Report tasks
/// (`Mode::Task`) take only the ID filters (up to 20,000 IDs), `ad_ids_v2` and `country_code`,
/// and report deleted entities too (see `report_tasks::TASKS_INCLUDE_DELETED`).
pub fn filtering_for(params: &Params, level: Level, mode: Mode) -> Result<Filters, ApiError> {
    let mut filters = Filters {
        status: if mode == Mode::Task && crate::report_tasks::TASKS_INCLUDE_DELETED {
            StatusFilter::All
        } else {
            StatusFilter::NotDeleted
        },
        campaign_ids: None,
        adgroup_ids: None,
        ad_ids: None,
        buying_types: None,
        ad_ids_v2: None,
        automation: None,
        countries: None,
    };
    let max_ids = if mode == Mode::Task {
        MAX_TASK_FILTER_IDS
    } else {
        MAX_FILTER_IDS
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
        let task_field = matches!(
            name,
            "campaign_ids" | "adgroup_ids" | "ad_ids" | "ad_ids_v2" | "country_code"
        );
        if mode == Mode::Task && !task_field {
            return Err(ApiError::param(format!(
                "filtering: field_name {name} is not supported in report tasks. Supported: campaign_ids, adgroup_ids, ad_ids, ad_ids_v2, country_code."
            )));
        }
        match name {
            "buying_type" => {
                filters.buying_types = Some(buying::report_filter(&values)?);
                continue;
            }
            "campaign_automation_type" => {
                for v in &values {
                    crate::smart_plus::parse_automation_type(
                        v,
                        "filtering: campaign_automation_type",
                    )?;
                }
                filters.automation = Some(values.into_iter().collect());
                continue;
            }
            "country_code" if mode == Mode::Task => {
                filters.countries = Some(values.into_iter().collect());
                continue;
            }
            _ => {}
        }
        let entity_level = match name {
            "campaign_status" | "campaign_ids" => Level::Campaign,
            "adgroup_status" | "adgroup_ids" => Level::AdGroup,
            "ad_status" | "ad_ids" | "ad_ids_v2" => Level::Ad,
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
        if values.is_empty() || values.len() > max_ids {
            return Err(ApiError::param(format!(
                "filtering: {name} must hold between 1 and {max_ids} ids."
            )));
        }
        let set = Some(values.into_iter().collect());
        match (entity_level, name) {
            (Level::Campaign, _) => filters.campaign_ids = set,
            (Level::AdGroup, _) => filters.adgroup_ids = set,
            (_, "ad_ids_v2") => filters.ad_ids_v2 = set,
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
