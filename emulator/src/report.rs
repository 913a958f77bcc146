//! Report engine for `report/integrated/get/` (synchronous BASIC and AUDIENCE reports).
//!
//! The data is lazy: nothing is stored. Every ad has additive base quantities per UTC hour
//! (impressions, clicks, spend in cents, reach, video, engagement, conversions, ...) that
//! derive from the seed, the ad id and the hour (plus the account's zone, which shapes the day)
//! only, so every request sees the same hours. An ad delivers in a complete hour (one
//! that ended at or before `now`) that overlaps its life (creation to the effective deletion of
//! the ad, its ad group or its campaign), except in hash-chosen quiet hours, more of them at
//! local night. A row adds up its ads over its hours (and its breakdown cell), so:
//! - hourly rows of a local day add up to the daily row, and levels add up (ad → ad group →
//!   campaign → advertiser);
//! - breakdowns (age, gender, country_code, platform, province_id, language, placement, ac,
//!   interest_category, device_brand_id, dma_id, contextual_tag, ad_type) add up to the totals:
//!   each hour's quantities are split across cells with a largest-remainder split; which
//!   breakdowns combine with which time dimension, level and metrics is the registry in
//!   `dimensions`;
//! - event quantities (web, shop and in-app conversions, attribution splits, SKAN, LIVE,
//!   interactive add-ons, instant experience; `events`) are drawn per (ad, hour) only when a
//!   requested metric reads them, and add up like the core ones;
//! - campaigns have a buying type: below AUCTION_ADVERTISER a report leaves TopView out unless
//!   the `buying_type` filter asks for it (`buying::report_default`);
//! - ratios (ctr, cpc, cpm, frequency, cost_per_*, *_rate) are computed from the row's summed
//!   numerator and denominator, `"0.00"` when the denominator is 0; money has 2 decimals;
//!   counts are integer strings; unavailable metrics (secondary goals) are `"-"`;
//! - conversion-family quantities arrive late: an hour shows a growing share of its final
//!   value until `late_conversion_days` after it (see `quantity::Lateness`).
//!
//! Only rows with impressions are sent, and only the requested page computes metrics; counting
//! rows costs a delivery test per ad and hour.
//!
//! Where TikTok's behaviour is uncertain the engine chooses, and clients must not rely on more:
//! rows are sorted (advertiser, ID, time, breakdown cell); without a time dimension the span may
//! reach 366 calendar days (a year back from `end_date`, as Airbyte's lifetime audience stream
//! asks); `filtering` fields other than the level's status, the ID lists and `buying_type` are
//! rejected;
//! PLAYABLE_MATERIAL, CATALOG, BC, TT_SHOP and `service_type=RESERVATION` answer an empty page.

mod audience;
mod catalog;
mod dimensions;
mod engine;
mod events;
mod filter;
mod quantity;
pub(crate) mod query;
mod select;
pub(crate) mod timeline;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::model::{ApiError, Params, World};

/// Knobs of the report engine, taken from the emulator's configuration.
#[derive(Clone, Debug)]
pub struct ReportSettings {
    /// Seed that every metric value derives from.
    pub seed: u64,
    /// Conversion metrics of an hour keep growing for this many days after it.
    pub late_conversion_days: u32,
    /// A request heavier than this (metrics × days × entities, see `query_weight`) gets 40067.
    pub query_too_large_threshold: Option<u64>,
    /// TikTok's synchronous reports cover at most this many ads (20,000): past it, only the most
    /// recently created ones are reported and the response carries `X-Tt-Ads-Throttle`.
    pub ads_cap: Option<usize>,
    /// AUDIENCE data arrives late: with this on, an hour's breakdown rows appear only after the
    /// dimension's latency (16 h for most, 30 min for country_code and placement).
    pub audience_latency: bool,
}

/// Key `integrated_get` adds to `data` when the ad cap cut the report; the server turns it into
/// the `X-Tt-Ads-Throttle` header.
pub const ADS_THROTTLED: &str = "__ads_throttled";

/// TikTok's header text for a capped report.
pub const ADS_THROTTLE_HEADER: &str = "Number of ad ids is equal or more than 20k, only return the top 20k id's results, sorting by create time desc order.";

/// One report row as TikTok sends it: every value a string.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportRow {
    pub dimensions: BTreeMap<String, String>,
    pub metrics: BTreeMap<String, String>,
}

const QUERY_TOO_LARGE: &str =
    "Your query is too large, please reduce the query size (e.g. fewer metrics or time range) and retry after a while.";

/// How heavy a request is, for the 40067 "query too large" check:
/// `metrics × days × entities`, where `metrics` counts the distinct requested metrics, `days` is
/// the date span (365 for `query_lifetime`, 1 for an hourly day) and `entities` the entities at
/// the data level that pass the status and ID filters (at advertiser level, the advertisers).
/// Narrowing the dates, the metrics or the IDs makes a rejected request pass, as with TikTok.
pub fn query_weight(metrics: u64, days: u64, entities: u64) -> u64 {
    metrics.saturating_mul(days).saturating_mul(entities.max(1))
}

/// Validates the request and returns the `data` object of the response: `page_info`, `list`
/// (the requested page of rows) and, with `enable_total_metrics=true`, `total_metrics`.
/// Authorization of the advertiser is checked by the caller.
pub fn integrated_get(
    world: &World,
    params: &Params,
    now: DateTime<Utc>,
    settings: &ReportSettings,
) -> Result<serde_json::Value, ApiError> {
    let q = match query::parse(world, params)? {
        query::Parsed::Data(q) => q,
        query::Parsed::Empty { page, page_size } => {
            return Ok(json!({ "page_info": page_info(page, page_size, 0), "list": [] }));
        }
    };
    let mut plan = checked_plan(world, &q, now, settings)?;
    let capped = settings.ads_cap.is_some_and(|cap| plan.cap_ads(cap));
    let skip = (q.page - 1).saturating_mul(q.page_size);
    let (total, rows) = plan.page(skip, q.page_size);
    let mut data = json!({ "page_info": page_info(q.page, q.page_size, total), "list": rows });
    if capped {
        data[ADS_THROTTLED] = json!(true);
    }
    if q.total_metrics {
        data["total_metrics"] = json!(plan.totals());
    }
    Ok(data)
}

/// Every row the request selects, ignoring `page` and `page_size`: the ground truth tests
/// compare a connector's output with.
pub fn rows(
    world: &World,
    params: &Params,
    now: DateTime<Utc>,
    settings: &ReportSettings,
) -> Result<Vec<ReportRow>, ApiError> {
    match query::parse(world, params)? {
        query::Parsed::Data(q) => Ok(checked_plan(world, &q, now, settings)?.page(0, u64::MAX).1),
        query::Parsed::Empty { .. } => Ok(Vec::new()),
    }
}

/// A validated report task request: its columns in file order, and its rows on demand.
pub struct TaskQuery {
    columns: Vec<String>,
    /// None for a report type the emulator has no data for (a header-only file).
    query: Option<Box<query::Query>>,
}

impl TaskQuery {
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Every row at `now` in row order, computed by the same engine as `report/integrated/get/`
    /// (so the values are the same strings), over the whole selection: no paging, no ad cap.
    pub fn each_row(
        &self,
        world: &World,
        now: DateTime<Utc>,
        settings: &ReportSettings,
        visit: impl FnMut(ReportRow),
    ) {
        if let Some(q) = &self.query {
            engine::Plan::new(world, q, now, settings).each_row(visit);
        }
    }
}

/// Validates a `report/task/create/` request: the synchronous rules without the span limit and
/// paging, with the task filters and the UV × audience rule (reference §6).
pub fn validate_task(world: &World, params: &Params) -> Result<(), ApiError> {
    query::parse_for(world, params, filter::Mode::Task).map(|_| ())
}

/// Parses a report task request. Columns: the dimensions as requested, then the metrics as
/// requested (`ad_text_list` / `call_to_action_list` under `ad_id_v2`), then `advertiser_id`,
/// `currency`, `timezone` for a multi-advertiser task.
pub fn task_query(world: &World, params: &Params) -> Result<TaskQuery, ApiError> {
    let parsed = query::parse_for(world, params, filter::Mode::Task)?;
    let requested = |name: &str| -> Vec<String> {
        query::json(params, name)
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_value::<Vec<String>>(v).ok())
            .unwrap_or_default()
    };
    let mut columns: Vec<String> = Vec::new();
    for d in requested("dimensions") {
        if !columns.contains(&d) {
            columns.push(d);
        }
    }
    match parsed {
        query::Parsed::Empty { .. } => {
            columns.extend(requested("metrics"));
            Ok(TaskQuery {
                columns,
                query: None,
            })
        }
        query::Parsed::Data(q) => {
            let v2 = q.id_dim == Some("ad_id_v2");
            for m in &q.metrics {
                let listed = v2 && matches!(m.name, "ad_text" | "call_to_action");
                columns.push(if listed {
                    format!("{}_list", m.name)
                } else {
                    m.name.to_string()
                });
            }
            if q.multi {
                columns.extend(["advertiser_id", "currency", "timezone"].map(String::from));
            }
            Ok(TaskQuery {
                columns,
                query: Some(q),
            })
        }
    }
}

fn checked_plan<'w, 'q>(
    world: &'w World,
    q: &'q query::Query,
    now: DateTime<Utc>,
    settings: &ReportSettings,
) -> Result<engine::Plan<'w, 'q>, ApiError> {
    let plan = engine::Plan::new(world, q, now, settings);
    let weight = query_weight(q.metrics.len() as u64, q.days(), plan.entity_count());
    match settings.query_too_large_threshold {
        Some(limit) if weight > limit => Err(ApiError::new(40067, QUERY_TOO_LARGE)),
        _ => Ok(plan),
    }
}

fn page_info(page: u64, page_size: u64, total: u64) -> serde_json::Value {
    json!({
        "page": page,
        "page_size": page_size,
        "total_number": total,
        "total_page": total.div_ceil(page_size),
    })
}
