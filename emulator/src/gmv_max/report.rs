//! `gmv_max/report/get/`: validation (reference §4) and rows that add up — campaign rows to the
//! store's advertiser row, hours to days, days to ranges — in the account's time zone.
//!
//! Modelled groupings: account (`["advertiser_id"]`) and campaign (`["campaign_id"]`), each
//! with at most one of `stat_time_day` / `stat_time_hour`. The campaign grouping needs exactly one
//! `gmv_max_promotion_types` value: the reference requires `PRODUCT`; Airbyte's LIVE stream sends
//! `LIVE` with the same dimensions, so both are accepted (UNCERTAIN). Product, creative and LIVE
//! room groupings (`item_group_id`, `item_id`, `room_id`, `duration`) answer 40002.
//!
//! Rows are only those with delivery; without `sort_field` they are ordered by ID, then time.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use super::metrics::{self, add, Attr, CampaignModel, Kind, Metric, Quantities, NG};
use super::{GmvMaxCampaign, Promotion, Store};
use crate::model::{Advertiser, ApiError, Params, World};
use crate::params;
use crate::report::query::{Range, TimeDim};
use crate::report::timeline::{self, SECS_PER_HOUR};
use crate::report::ReportRow;

/// Knobs from the emulator's configuration.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub seed: u64,
    pub settle_hours: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Grouping {
    Account,
    Campaign,
}

struct Query<'w> {
    advertiser: &'w Advertiser,
    store: &'w Store,
    grouping: Grouping,
    time: TimeDim,
    range: Range,
    metrics: Vec<&'static Metric>,
    promotions: Option<Vec<Promotion>>,
    campaign_ids: Option<BTreeSet<String>>,
    campaign_name: Option<String>,
    statuses: Option<Vec<String>>,
    sort: Option<(&'static Metric, bool)>,
    page: u64,
    page_size: u64,
    total_metrics: bool,
}

const STATUSES: &[&str] = &[
    "STATUS_DELIVERY_OK",
    "STATUS_DISABLE",
    "STATUS_DELETE",
    "STATUS_NOT_DELIVERY",
    "STATUS_ALL",
];
const MODELLED_DIMENSIONS: &[&str] = &["advertiser_id", "campaign_id"];
const KNOWN_DIMENSIONS: &[&str] = &[
    "advertiser_id",
    "campaign_id",
    "stat_time_day",
    "stat_time_hour",
    "item_group_id",
    "item_id",
    "room_id",
    "duration",
];

fn list_param(params: &Params, name: &str) -> Result<Option<Vec<String>>, ApiError> {
    match params::json(params, name)? {
        None => Ok(None),
        Some(v) => params::string_list(&v, name).map(Some),
    }
}

fn date(params: &Params, name: &str) -> Result<NaiveDate, ApiError> {
    let text = params::required(params, name)?;
    let well_formed = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| well_formed)
        .ok_or_else(|| ApiError::param(format!("{name}: Not a valid date, expected YYYY-MM-DD.")))
}

fn parse<'w>(world: &'w World, params: &Params) -> Result<Query<'w>, ApiError> {
    let adv_id = params::required(params, "advertiser_id")?;
    let advertiser = world
        .advertiser(adv_id)
        .ok_or_else(|| crate::auth::no_permission(adv_id))?;
    let stores = list_param(params, "store_ids")?.ok_or_else(|| params::missing("store_ids"))?;
    if stores.len() != 1 {
        return Err(ApiError::param(
            "store_ids: Exactly one store ID is required.",
        ));
    }
    let store = world
        .gmv_max
        .store(&stores[0])
        .filter(|s| s.advertiser_id == adv_id)
        .ok_or_else(|| {
            ApiError::new(
                40001,
                format!("No permission to operate store {}.", stores[0]),
            )
        })?;
    let dims = list_param(params, "dimensions")?.ok_or_else(|| params::missing("dimensions"))?;
    if dims.is_empty() || dims.len() > 3 {
        return Err(ApiError::param(
            "dimensions: Length must be between 1 and 3.",
        ));
    }
    if let Some(bad) = dims
        .iter()
        .find(|d| !KNOWN_DIMENSIONS.contains(&d.as_str()))
    {
        return Err(ApiError::param(format!("Invalid dimensions: ['{bad}'].")));
    }
    let time_dims: Vec<&String> = dims
        .iter()
        .filter(|d| d.starts_with("stat_time_"))
        .collect();
    if time_dims.len() > 1 {
        return Err(ApiError::param(
            "dimensions: stat_time_day and stat_time_hour cannot be used together.",
        ));
    }
    let time = match time_dims.first().map(|s| s.as_str()) {
        Some("stat_time_day") => TimeDim::Day,
        Some(_) => TimeDim::Hour,
        None => TimeDim::None,
    };
    let ids: Vec<&String> = dims
        .iter()
        .filter(|d| !d.starts_with("stat_time_"))
        .collect();
    let grouping = match ids.as_slice() {
        [one] if MODELLED_DIMENSIONS.contains(&one.as_str()) => {
            if one.as_str() == "advertiser_id" {
                Grouping::Account
            } else {
                Grouping::Campaign
            }
        }
        _ => {
            return Err(ApiError::param(format!(
                "dimensions: Unsupported combination {}. Supported: [\"advertiser_id\"] or [\"campaign_id\"], with at most one of stat_time_day, stat_time_hour.",
                serde_json::to_string(&dims).unwrap_or_default()
            )))
        }
    };
    let start = date(params, "start_date")?;
    let end = date(params, "end_date")?;
    if end < start {
        return Err(ApiError::param(
            "end_date: Must not be earlier than start_date.",
        ));
    }
    let (max, text) = match time {
        TimeDim::Day => (30, "30 days"),
        TimeDim::Hour => (1, "1 day"),
        TimeDim::None => (365, "365 days"),
    };
    if (end - start).num_days() + 1 > max {
        return Err(ApiError::param(format!(
            "The time span must be no more than {text}."
        )));
    }
    let metrics = parse_metrics(params)?;
    let f = params::filtering(params)?;
    let promotions = parse_promotions(&f)?;
    if grouping == Grouping::Campaign && promotions.as_ref().is_none_or(|p| p.len() != 1) {
        return Err(ApiError::param(
            "filtering.gmv_max_promotion_types: Exactly one of PRODUCT, LIVE is required with the campaign_id dimension.",
        ));
    }
    let campaign_ids =
        params::filter_ids(&f, "campaign_ids", 100)?.map(|v| v.into_iter().collect());
    let statuses = match f.get("campaign_statuses").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => {
            let list = params::string_list(v, "filtering.campaign_statuses")?;
            if let Some(bad) = list.iter().find(|s| !STATUSES.contains(&s.as_str())) {
                return Err(ApiError::param(format!(
                    "filtering.campaign_statuses: Invalid value {bad}; must be among {}.",
                    STATUSES.join(", ")
                )));
            }
            Some(list)
        }
    };
    for key in [
        "item_group_ids",
        "item_ids",
        "room_ids",
        "creative_delivery_statuses",
    ] {
        if f.get(key).is_some_and(|v| !v.is_null()) {
            return Err(ApiError::param(format!(
                "filtering.{key}: Only supported with product, creative or LIVE room dimensions."
            )));
        }
    }
    let sort = match params
        .get("sort_field")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(field) => {
            let metric = metrics
                .iter()
                .find(|m| m.name == field && !matches!(m.kind, Kind::Attr(_) | Kind::Currency))
                .copied()
                .ok_or_else(|| {
                    ApiError::param(format!(
                        "sort_field: {field} must be one of the requested numeric metrics."
                    ))
                })?;
            let asc = match params.get("sort_type").map(|s| s.trim()) {
                None | Some("") | Some("DESC") => false,
                Some("ASC") => true,
                Some(_) => return Err(ApiError::param("sort_type: Must be one of: ASC, DESC.")),
            };
            Some((metric, asc))
        }
    };
    let page = params::page(params, 10, 1000)?;
    Ok(Query {
        advertiser,
        store,
        grouping,
        time,
        range: Range::Dates(start, end),
        metrics,
        promotions,
        campaign_ids,
        campaign_name: params::filter_str(&f, "campaign_name")?.map(str::to_lowercase),
        statuses,
        sort,
        page: page.page,
        page_size: page.page_size,
        total_metrics: params::boolean(params, "enable_total_metrics")?.unwrap_or(false),
    })
}

fn parse_metrics(params: &Params) -> Result<Vec<&'static Metric>, ApiError> {
    let names = list_param(params, "metrics")?.ok_or_else(|| params::missing("metrics"))?;
    if names.is_empty() || names.len() > 100 {
        return Err(ApiError::param(
            "metrics: Length must be between 1 and 100.",
        ));
    }
    let mut out: Vec<&'static Metric> = Vec::new();
    let mut invalid: Vec<String> = Vec::new();
    for name in &names {
        match metrics::lookup(name) {
            Some(m) if !out.contains(&m) => out.push(m),
            Some(_) => {}
            None => invalid.push(format!("'{name}'")),
        }
    }
    if !invalid.is_empty() {
        return Err(ApiError::param(format!(
            "Please correct the information in invalid metric fields and try again. Invalid metric fields: [{}]. ",
            invalid.join(", ")
        )));
    }
    Ok(out)
}

fn parse_promotions(f: &Map<String, Value>) -> Result<Option<Vec<Promotion>>, ApiError> {
    let Some(v) = f.get("gmv_max_promotion_types").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let names = params::string_list(v, "filtering.gmv_max_promotion_types")?;
    let mut out = Vec::new();
    for n in names {
        let p = match n.as_str() {
            "PRODUCT" => Promotion::Product,
            "LIVE" => Promotion::Live,
            _ => {
                return Err(ApiError::param(format!(
                    "filtering.gmv_max_promotion_types: Invalid value {n}; must be among PRODUCT, LIVE."
                )))
            }
        };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(Some(out))
}

fn admitted(q: &Query, c: &GmvMaxCampaign, now: DateTime<Utc>) -> bool {
    let deleted = c.deleted_at.is_some_and(|t| t <= now);
    let status_ok = match &q.statuses {
        None => !deleted,
        Some(list) => list.iter().any(|s| match s.as_str() {
            "STATUS_ALL" => true,
            "STATUS_DELETE" => deleted,
            "STATUS_DELIVERY_OK" => !deleted && c.operation_status == "ENABLE",
            "STATUS_DISABLE" => !deleted && c.operation_status != "ENABLE",
            // Not delivering: switched off; the emulator has no budget or review holds.
            _ => !deleted && c.operation_status != "ENABLE",
        }),
    };
    c.store_id == q.store.store_id
        && q.store.is_gmv_max_available
        && status_ok
        && q.promotions
            .as_ref()
            .is_none_or(|p| p.contains(&c.promotion))
        && q.campaign_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&c.campaign_id))
        && q.campaign_name
            .as_ref()
            .is_none_or(|n| c.campaign_name.to_lowercase().contains(n.as_str()))
}

/// The UTC hours a campaign could deliver in: from its creation hour through its deletion hour.
fn live_hours(c: &GmvMaxCampaign) -> std::ops::Range<i64> {
    let first = c.create_time.timestamp().div_euclid(SECS_PER_HOUR);
    let end = c.deleted_at.map_or(i64::MAX, |t| {
        let secs = t.timestamp();
        secs.div_euclid(SECS_PER_HOUR) + i64::from(secs.rem_euclid(SECS_PER_HOUR) > 0)
    });
    first..end.max(first)
}

struct Group<'w> {
    campaign: Option<&'w GmvMaxCampaign>,
    members: Vec<usize>,
}

struct Computed {
    rows: Vec<ReportRow>,
    totals: Quantities,
}

fn compute(world: &World, q: &Query, now: DateTime<Utc>, s: Settings) -> Computed {
    let tz = timeline::zone(&q.advertiser.timezone);
    let offset = timeline::reference_offset_hours(tz);
    let now_hour = timeline::now_hour(now);
    let mut campaigns: Vec<&GmvMaxCampaign> = world
        .gmv_max
        .campaigns
        .iter()
        .filter(|c| admitted(q, c, now))
        .collect();
    campaigns.sort_by(|a, b| a.campaign_id.cmp(&b.campaign_id));
    let models: Vec<CampaignModel> = campaigns
        .iter()
        .map(|c| {
            CampaignModel::new(
                s.seed,
                &c.campaign_id,
                c.promotion == Promotion::Live,
                live_hours(c),
                offset,
            )
        })
        .collect();
    let groups: Vec<Group> = match q.grouping {
        Grouping::Account => vec![Group {
            campaign: None,
            members: (0..campaigns.len()).collect(),
        }],
        Grouping::Campaign => campaigns
            .iter()
            .enumerate()
            .map(|(i, c)| Group {
                campaign: Some(c),
                members: vec![i],
            })
            .collect(),
    };
    let first = models
        .iter()
        .map(|m| m.live.start)
        .min()
        .unwrap_or(now_hour);
    let buckets = timeline::buckets(tz, q.range, q.time, now_hour, first);
    let mut rows = Vec::new();
    let mut totals = [0i64; NG];
    for g in &groups {
        for b in &buckets {
            if !g.members.iter().any(|&m| models[m].delivered_in(&b.hours)) {
                continue;
            }
            let mut sum = [0i64; NG];
            for &m in &g.members {
                let model = &models[m];
                for hour in b.hours.start.max(model.live.start)..b.hours.end.min(model.live.end) {
                    let mut hq = model.final_quantities(hour);
                    model.observe(hour, now_hour, s.settle_hours, &mut hq);
                    add(&mut sum, &hq);
                }
            }
            add(&mut totals, &sum);
            rows.push(row(q, g.campaign, b.label.as_deref(), &sum));
        }
    }
    if let Some((metric, asc)) = q.sort {
        let key = |r: &ReportRow| {
            r.metrics
                .get(metric.name)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        rows.sort_by(|a, b| {
            let o = key(a).total_cmp(&key(b));
            if asc {
                o
            } else {
                o.reverse()
            }
        });
    }
    Computed { rows, totals }
}

fn row(q: &Query, c: Option<&GmvMaxCampaign>, label: Option<&str>, sum: &Quantities) -> ReportRow {
    let mut dimensions = BTreeMap::new();
    match (q.grouping, c) {
        (Grouping::Campaign, Some(c)) => {
            dimensions.insert("campaign_id".to_string(), c.campaign_id.clone());
        }
        _ => {
            dimensions.insert(
                "advertiser_id".to_string(),
                q.advertiser.advertiser_id.clone(),
            );
        }
    }
    if let Some(label) = label {
        let name = if q.time == TimeDim::Hour {
            "stat_time_hour"
        } else {
            "stat_time_day"
        };
        dimensions.insert(name.to_string(), label.to_string());
    }
    let metrics = q
        .metrics
        .iter()
        .map(|m| (m.name.to_string(), value(q, m, c, sum)))
        .collect();
    ReportRow {
        dimensions,
        metrics,
    }
}

fn value(q: &Query, m: &Metric, c: Option<&GmvMaxCampaign>, sum: &Quantities) -> String {
    if let Some(v) = metrics::number(m.kind, sum) {
        return v;
    }
    let money = |x: f64| format!("{x:.2}");
    match (m.kind, c) {
        (Kind::Currency, _) => q.advertiser.currency.clone(),
        (Kind::Attr(a), Some(c)) => match a {
            Attr::CampaignName => c.campaign_name.clone(),
            Attr::OperationStatus => c.operation_status.clone(),
            Attr::ScheduleType => "Continuously".to_string(),
            Attr::TargetRoiBudget => money(c.budget),
            Attr::BidType => c.bid_type().to_string(),
            Attr::MaxDeliveryBudget if c.roas_bid == 0.0 => money(c.budget),
            Attr::RoasBid if c.roas_bid > 0.0 => money(c.roas_bid),
            Attr::MaxDeliveryBudget | Attr::RoasBid => "-".to_string(),
        },
        // Attributes of a row that spans several campaigns are not applicable.
        _ => "-".to_string(),
    }
}

fn page_info(page: u64, page_size: u64, total: u64) -> Value {
    json!({
        "page": page,
        "page_size": page_size,
        "total_number": total,
        "total_page": total.div_ceil(page_size),
    })
}

/// `data` of a `gmv_max/report/get/` answer. Authorization of the advertiser is the caller's.
pub fn report_get(
    world: &World,
    params: &Params,
    now: DateTime<Utc>,
    s: Settings,
) -> Result<Value, ApiError> {
    let q = parse(world, params)?;
    let computed = compute(world, &q, now, s);
    let total = computed.rows.len() as u64;
    let skip = usize::try_from((q.page - 1).saturating_mul(q.page_size)).unwrap_or(usize::MAX);
    let list: Vec<ReportRow> = computed
        .rows
        .into_iter()
        .skip(skip)
        .take(q.page_size as usize)
        .collect();
    let mut data = json!({ "page_info": page_info(q.page, q.page_size, total), "list": list });
    if q.total_metrics {
        let totals: BTreeMap<String, String> = q
            .metrics
            .iter()
            .map(|m| (m.name.to_string(), value(&q, m, None, &computed.totals)))
            .collect();
        data["total_metrics"] = json!(totals);
    }
    Ok(data)
}

/// Every row the request selects, ignoring paging: the truth tests compare a connector with.
pub fn rows(
    world: &World,
    params: &Params,
    now: DateTime<Utc>,
    s: Settings,
) -> Result<Vec<ReportRow>, ApiError> {
    let q = parse(world, params)?;
    Ok(compute(world, &q, now, s).rows)
}
