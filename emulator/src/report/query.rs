//! Parsing and validation of a `report/integrated/get/` request into a [`Query`].

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde_json::Value;

use super::audience::Breakdown;
use super::catalog::{self, Level, Metric};
use super::dimensions;
use super::filter::{self, Mode, StatusFilter};
use crate::buying::{self, BuyingSet};
use crate::model::{ApiError, Params, World};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeDim {
    None,
    Day,
    Hour,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// Local dates of the advertiser, both included.
    Dates(NaiveDate, NaiveDate),
    Lifetime,
}

/// A validated BASIC or AUDIENCE request.
#[derive(Clone, Debug)]
pub struct Query {
    pub advertisers: Vec<String>,
    /// `advertiser_ids` was used: rows then carry advertiser_id, currency and timezone metrics.
    pub multi: bool,
    /// `multi_adv_report_in_utc_time=true`: days and hours in UTC instead of each account's zone.
    pub utc: bool,
    pub level: Level,
    /// The ID dimension as requested (`ad_id` or `ad_id_v2` at ad level).
    pub id_dim: Option<&'static str>,
    pub time: TimeDim,
    /// Canonical order.
    pub breakdowns: Vec<Breakdown>,
    /// AUDIENCE reports: minutes after an hour ends before its breakdown data exists (applied
    /// when `ReportSettings::audience_latency` is on); 0 for BASIC.
    pub latency_minutes: i64,
    pub range: Range,
    /// Distinct, in request order.
    pub metrics: Vec<&'static Metric>,
    pub status: StatusFilter,
    pub campaign_ids: Option<BTreeSet<String>>,
    pub adgroup_ids: Option<BTreeSet<String>>,
    pub ad_ids: Option<BTreeSet<String>>,
    /// The buying types whose campaigns the report covers, default applied.
    pub buying: BuyingSet,
    /// Smart+ ad ids or manual ad ids (`ad_ids_v2`, only with the `ad_id_v2` dimension).
    pub ad_ids_v2: Option<BTreeSet<String>>,
    /// `campaign_automation_type` filter.
    pub automation: Option<BTreeSet<String>>,
    /// `country_code` filter of report tasks: only rows of these countries.
    pub countries: Option<BTreeSet<String>>,
    pub page: u64,
    pub page_size: u64,
    pub total_metrics: bool,
}

impl Query {
    /// Days the request covers, for the query weight: the date span, or 365 for lifetime.
    pub fn days(&self) -> u64 {
        match self.range {
            Range::Dates(start, end) => (end - start).num_days() as u64 + 1,
            Range::Lifetime => 365,
        }
    }
}

pub enum Parsed {
    Data(Box<Query>),
    /// A valid request for a report type or service the emulator has no data for.
    Empty {
        page: u64,
        page_size: u64,
    },
}

const REPORT_TYPES: &[&str] = &[
    "BASIC",
    "AUDIENCE",
    "PLAYABLE_MATERIAL",
    "CATALOG",
    "BC",
    "TT_SHOP",
];
const MAX_ADVERTISER_IDS: usize = 5;
const MAX_PAGE_SIZE: u64 = 1000;
const DEFAULT_PAGE_SIZE: u64 = 10;

fn missing(name: &str) -> ApiError {
    ApiError::param(format!("{name}: Missing data for required field."))
}

/// A parameter's value; empty or blank values count as absent.
fn get<'p>(params: &'p Params, name: &str) -> Option<&'p str> {
    params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

pub(super) fn json(params: &Params, name: &str) -> Result<Option<Value>, ApiError> {
    match get(params, name) {
        None => Ok(None),
        Some(text) => serde_json::from_str(text)
            .map(Some)
            .map_err(|_| ApiError::param(format!("{name}: Invalid JSON format."))),
    }
}

fn string_list(params: &Params, name: &str) -> Result<Option<Vec<String>>, ApiError> {
    let Some(value) = json(params, name)? else {
        return Ok(None);
    };
    let invalid = || ApiError::param(format!("{name}: Not a valid list of strings."));
    let items = value.as_array().ok_or_else(invalid)?;
    items
        .iter()
        .map(|v| v.as_str().map(str::to_string).ok_or_else(invalid))
        .collect::<Result<_, _>>()
        .map(Some)
}

fn boolean(params: &Params, name: &str) -> Result<bool, ApiError> {
    match get(params, name) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(ApiError::param(format!("{name}: Not a valid boolean."))),
    }
}

fn paging(params: &Params) -> Result<(u64, u64), ApiError> {
    let number = |name: &str, default: u64| -> Result<i64, ApiError> {
        match get(params, name) {
            None => Ok(default as i64),
            Some(v) => v
                .parse::<i64>()
                .map_err(|_| ApiError::param(format!("{name}: Not a valid integer."))),
        }
    };
    let page = number("page", 1)?;
    if page < 1 {
        return Err(ApiError::param("page: Must be greater than or equal to 1."));
    }
    let page_size = number("page_size", DEFAULT_PAGE_SIZE)?;
    if !(1..=MAX_PAGE_SIZE as i64).contains(&page_size) {
        return Err(ApiError::param(format!(
            "page_size: Must be between 1 and {MAX_PAGE_SIZE}."
        )));
    }
    Ok((page as u64, page_size as u64))
}

/// Validates `params` in a fixed order; the first problem found is the error.
pub fn parse(world: &World, params: &Params) -> Result<Parsed, ApiError> {
    parse_for(world, params, Mode::Sync)
}

/// Report types of asynchronous report tasks: no BC or TT_SHOP reports.
const TASK_REPORT_TYPES: &[&str] = &["BASIC", "AUDIENCE", "PLAYABLE_MATERIAL", "CATALOG"];

/// Metrics counted per unique user: report tasks cannot combine them with audience dimensions.
const UV_METRICS: &[&str] = &[
    "reach",
    "frequency",
    "cost_per_1000_reached",
    "average_video_play_per_user",
    "result",
    "cost_per_result",
    "result_rate",
    "real_time_result",
    "real_time_cost_per_result",
    "real_time_result_rate",
    "live_play_count",
];
const UV_AUDIENCE_DIMENSIONS: &[&str] = &[
    "gender",
    "age",
    "country_code",
    "ac",
    "language",
    "platform",
    "interest_category",
    "placement",
    "contextual_tag",
];

/// As [`parse`], for `report/task/create/` with `Mode::Task`: no span limit, no paging (page
/// and page_size are ignored), other filters, no playable reports, and no UV metric together
/// with an audience dimension.
pub fn parse_for(world: &World, params: &Params, mode: Mode) -> Result<Parsed, ApiError> {
    let task = mode == Mode::Task;
    let report_type = get(params, "report_type").ok_or_else(|| missing("report_type"))?;
    if task && !TASK_REPORT_TYPES.contains(&report_type) {
        return Err(ApiError::param(format!(
            "report_type: Must be one of: {}.",
            TASK_REPORT_TYPES.join(", ")
        )));
    }
    if task && report_type == "PLAYABLE_MATERIAL" {
        return Err(ApiError::param(
            "report_type: PLAYABLE_MATERIAL reports are not supported in report tasks.",
        ));
    }
    if !REPORT_TYPES.contains(&report_type) {
        return Err(ApiError::param(format!(
            "report_type: Must be one of: {}.",
            REPORT_TYPES.join(", ")
        )));
    }
    let service_type = get(params, "service_type").unwrap_or("AUCTION");
    if !matches!(service_type, "AUCTION" | "RESERVATION") {
        return Err(ApiError::param(
            "service_type: Must be one of: AUCTION, RESERVATION.",
        ));
    }
    if !matches!(report_type, "BASIC" | "AUDIENCE") || service_type != "AUCTION" {
        let (page, page_size) = if task { (1, 1) } else { paging(params)? };
        return Ok(Parsed::Empty { page, page_size });
    }
    let audience = report_type == "AUDIENCE";
    let (advertisers, multi) = advertisers(world, params)?;
    let level_text = get(params, "data_level").ok_or_else(|| missing("data_level"))?;
    let level = Level::parse(level_text).ok_or_else(|| {
        ApiError::param(
            "data_level: Must be one of: AUCTION_ADVERTISER, AUCTION_CAMPAIGN, AUCTION_ADGROUP, AUCTION_AD.",
        )
    })?;
    let dims = dimensions(params, audience, level)?;
    let lifetime = boolean(params, "query_lifetime")?;
    if lifetime {
        if audience {
            return Err(ApiError::param(
                "query_lifetime: Only supported for BASIC reports.",
            ));
        }
        if dims.time != TimeDim::None || !dims.breakdowns.is_empty() {
            return Err(ApiError::param(
                "query_lifetime: Time, audience and country_code dimensions are not supported for lifetime queries.",
            ));
        }
    }
    let range = if lifetime {
        Range::Lifetime
    } else {
        dates(params, if task { None } else { Some(dims.time) })?
    };
    let metrics = metrics(params, audience, &dims.breakdowns, level, lifetime)?;
    if task {
        uv_rule(params, &metrics)?;
    }
    let filters = filter::filtering_for(params, level, mode)?;
    smart_plus_rules(&dims, &filters)?;
    if filters.countries.is_some() && !dims.breakdowns.contains(&Breakdown::Country) {
        return Err(ApiError::param(
            "filtering: country_code can only be used together with the country_code dimension.",
        ));
    }
    let (page, page_size) = if task { (1, 1) } else { paging(params)? };
    Ok(Parsed::Data(Box::new(Query {
        advertisers,
        multi,
        utc: multi && boolean(params, "multi_adv_report_in_utc_time")?,
        level,
        id_dim: dims.id,
        time: dims.time,
        latency_minutes: if audience {
            dimensions::latency_minutes(&dims.breakdowns)
        } else {
            0
        },
        breakdowns: dims.breakdowns,
        range,
        metrics,
        status: filters.status,
        campaign_ids: filters.campaign_ids,
        adgroup_ids: filters.adgroup_ids,
        ad_ids: filters.ad_ids,
        buying: filters
            .buying_types
            .unwrap_or_else(|| buying::report_default(level == Level::Advertiser)),
        ad_ids_v2: filters.ad_ids_v2,
        automation: filters.automation,
        countries: filters.countries,
        page,
        page_size,
        total_metrics: boolean(params, "enable_total_metrics")?,
    })))
}

/// `advertiser_ids` (up to 5) wins over `advertiser_id`, as TikTok documents.
fn advertisers(world: &World, params: &Params) -> Result<(Vec<String>, bool), ApiError> {
    let (ids, multi) = match string_list(params, "advertiser_ids")? {
        Some(ids) => {
            if ids.is_empty() || ids.len() > MAX_ADVERTISER_IDS {
                return Err(ApiError::param(format!(
                    "advertiser_ids: Length must be between 1 and {MAX_ADVERTISER_IDS}."
                )));
            }
            (ids, true)
        }
        None => {
            let id = get(params, "advertiser_id").ok_or_else(|| missing("advertiser_id"))?;
            (vec![id.to_string()], false)
        }
    };
    let mut seen = BTreeSet::new();
    let mut unique = Vec::new();
    for id in ids {
        if world.advertiser(&id).is_none() {
            return Err(ApiError::new(
                40001,
                format!("No permission to operate advertiser {id}."),
            ));
        }
        if seen.insert(id.clone()) {
            unique.push(id);
        }
    }
    Ok((unique, multi))
}

struct Dims {
    id: Option<&'static str>,
    time: TimeDim,
    breakdowns: Vec<Breakdown>,
}

fn id_dimension(name: &str) -> Option<(&'static str, Level)> {
    match name {
        "advertiser_id" => Some(("advertiser_id", Level::Advertiser)),
        "campaign_id" => Some(("campaign_id", Level::Campaign)),
        "adgroup_id" => Some(("adgroup_id", Level::AdGroup)),
        "ad_id" => Some(("ad_id", Level::Ad)),
        "ad_id_v2" => Some(("ad_id_v2", Level::Ad)),
        _ => None,
    }
}

fn dimensions(params: &Params, audience: bool, level: Level) -> Result<Dims, ApiError> {
    let names = string_list(params, "dimensions")?.ok_or_else(|| missing("dimensions"))?;
    if names.is_empty() {
        return Err(ApiError::param("dimensions: Length must be at least 1."));
    }
    let mut dims = Dims {
        id: None,
        time: TimeDim::None,
        breakdowns: Vec::new(),
    };
    let mut unknown = Vec::new();
    let mut seen = BTreeSet::new();
    for name in &names {
        if !seen.insert(name.as_str()) {
            return Err(ApiError::param(format!(
                "dimensions: Duplicate dimension '{name}'."
            )));
        }
        if let Some((id, id_level)) = id_dimension(name) {
            if dims.id.is_some_and(|other| {
                [other, id] == ["ad_id", "ad_id_v2"] || [other, id] == ["ad_id_v2", "ad_id"]
            }) {
                return Err(ApiError::param(
                    "dimensions: ad_id_v2 cannot be used together with ad_id.",
                ));
            }
            if dims.id.is_some() {
                return Err(ApiError::param(
                    "dimensions: At most one ID dimension is allowed.",
                ));
            }
            if id_level != level {
                return Err(ApiError::param(format!(
                    "dimensions: {id} does not match data_level {}.",
                    level.name()
                )));
            }
            dims.id = Some(id);
        } else if name == "stat_time_day" || name == "stat_time_hour" {
            if dims.time != TimeDim::None {
                return Err(ApiError::param(
                    "dimensions: stat_time_day and stat_time_hour cannot be used together.",
                ));
            }
            dims.time = if name == "stat_time_day" {
                TimeDim::Day
            } else {
                TimeDim::Hour
            };
        } else if let Some(b) = Breakdown::parse(name) {
            if !audience && b != Breakdown::Country {
                return Err(ApiError::param(format!(
                    "dimensions: {name} is only supported in AUDIENCE reports."
                )));
            }
            dims.breakdowns.push(b);
        } else {
            unknown.push(name.as_str());
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::param(format!(
            "Invalid dimensions: {}.",
            py_list(&unknown)
        )));
    }
    if audience && dims.breakdowns.is_empty() {
        return Err(ApiError::param(format!(
            "dimensions: AUDIENCE reports need an audience dimension ({}).",
            dimensions::names()
        )));
    }
    dims.breakdowns.sort();
    if audience {
        dimensions::validate_audience(&dims.breakdowns, dims.time, level)?;
    }
    Ok(dims)
}

fn date(params: &Params, name: &str) -> Result<NaiveDate, ApiError> {
    let text = get(params, name).ok_or_else(|| missing(name))?;
    // `%Y-%m-%d` alone would also take "2024-1-5"; TikTok wants the fixed-width form.
    let well_formed = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| well_formed)
        .ok_or_else(|| ApiError::param(format!("{name}: Not a valid date, expected YYYY-MM-DD.")))
}

/// `time` is None for report tasks, which have no span limit.
fn dates(params: &Params, time: Option<TimeDim>) -> Result<Range, ApiError> {
    let start = date(params, "start_date")?;
    let end = date(params, "end_date")?;
    if end < start {
        return Err(ApiError::param(
            "end_date: Must not be earlier than start_date.",
        ));
    }
    let span = (end - start).num_days() + 1;
    // Without a time dimension TikTok takes a year back from end_date: Airbyte's lifetime
    // audience stream sends today−365 … today, 366 calendar days, and is served.
    let (max, text) = match time {
        Some(TimeDim::Day) => (30, "30 days"),
        Some(TimeDim::Hour) => (1, "1 day"),
        Some(TimeDim::None) => (366, "365 days"),
        None => return Ok(Range::Dates(start, end)),
    };
    if span > max {
        return Err(ApiError::param(format!(
            "The time span must be no more than {text}."
        )));
    }
    Ok(Range::Dates(start, end))
}

/// Reference §6: report tasks reject UV metrics together with audience dimensions.
fn uv_rule(params: &Params, metrics: &[&'static Metric]) -> Result<(), ApiError> {
    let dims = string_list(params, "dimensions")?.unwrap_or_default();
    let audience: Vec<&str> = dims
        .iter()
        .map(String::as_str)
        .filter(|d| UV_AUDIENCE_DIMENSIONS.contains(d))
        .collect();
    let uv: Vec<&str> = metrics
        .iter()
        .map(|m| m.name)
        .filter(|m| UV_METRICS.contains(m))
        .collect();
    if audience.is_empty() || uv.is_empty() {
        return Ok(());
    }
    Err(ApiError::param(format!(
        "metrics: UV metrics {} cannot be used with audience dimensions {} in report tasks.",
        py_list(&uv),
        py_list(&audience)
    )))
}

/// Reference §3: `ad_id_v2` does not go with the `ad_ids` filter, and `ad_ids_v2` needs the
/// `ad_id_v2` dimension (hence AUCTION_AD).
fn smart_plus_rules(dims: &Dims, filters: &filter::Filters) -> Result<(), ApiError> {
    let v2 = dims.id == Some("ad_id_v2");
    if v2 && filters.ad_ids.is_some() {
        return Err(ApiError::param(
            "filtering: ad_ids cannot be used with the ad_id_v2 dimension; use ad_ids_v2.",
        ));
    }
    if !v2 && filters.ad_ids_v2.is_some() {
        return Err(ApiError::param(
            "filtering: ad_ids_v2 requires data_level AUCTION_AD and the ad_id_v2 dimension.",
        ));
    }
    Ok(())
}

fn metrics(
    params: &Params,
    audience: bool,
    breakdowns: &[Breakdown],
    level: Level,
    lifetime: bool,
) -> Result<Vec<&'static Metric>, ApiError> {
    let allowed = |m: &Metric| {
        if audience {
            dimensions::audience_metric_allowed(breakdowns, m, level, lifetime)
        } else {
            catalog::allowed(m, false, level, lifetime)
        }
    };
    let names = string_list(params, "metrics")?
        .unwrap_or_else(|| vec!["spend".to_string(), "impressions".to_string()]);
    if names.is_empty() {
        return Err(ApiError::param("metrics: Length must be at least 1."));
    }
    let mut valid: Vec<&'static Metric> = Vec::new();
    let mut invalid: Vec<&str> = Vec::new();
    for name in &names {
        match catalog::lookup(name).filter(|m| allowed(m)) {
            Some(m) if !valid.contains(&m) => valid.push(m),
            Some(_) => {}
            None if !invalid.contains(&name.as_str()) => invalid.push(name),
            None => {}
        }
    }
    if !invalid.is_empty() {
        return Err(ApiError::param(format!(
            "Please correct the information in invalid metric fields and try again. Invalid metric fields: {}. ",
            py_list(&invalid)
        )));
    }
    Ok(valid)
}

/// Python's `repr` of a list of strings, the form TikTok's messages use: `['a', 'b']`.
pub(super) fn py_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| py_str(s)).collect();
    format!("[{}]", quoted.join(", "))
}

fn py_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr_quotes_like_python() {
        assert_eq!(py_list(&["a", "b"]), "['a', 'b']");
        assert_eq!(py_str("it's"), "\"it's\"");
        assert_eq!(py_str("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(py_str("back\\slash"), "'back\\\\slash'");
    }
}
