//! GMV Max (TikTok Shop) streams. GMV Max campaigns are not in `campaign/get/` and their spend is
//! not in `report/integrated/get/`: they have their own endpoints (reference §4).
//!
//! - `gmv_max_campaigns`: `gmv_max/campaign/get/` requires exactly one promotion type, so it is
//!   read in one pass per type (`PRODUCT_GMV_MAX`, `LIVE_GMV_MAX`), page size 100, each record
//!   tagged with its pass (TikTok's items do not say). Deleted campaigns are hidden unless
//!   `primary_status` asks for them, and the filter has no "all" value: with `include_deleted`
//!   each type gets a second pass with `STATUS_DELETE`. Incremental on `modify_time`, compared on
//!   our side (the endpoint has no such filter), across the passes.
//! - `gmv_max_reports_daily`: `gmv_max/report/get/` per account and window of days, for each
//!   store `gmv_max/store/list/` marks `is_gmv_max_available`, and each promotion type
//!   (`PRODUCT`, `LIVE`), grouped by `campaign_id` and `stat_time_day`; the store and the type are
//!   added to each record. Incremental on the day with the attribution-window lookback, like the
//!   other reports (`net_cost`, `orders` and `gross_revenue` keep changing for hours). The
//!   endpoint's own rate limit is the client's business (`tiktok::limits`).

use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

use super::decl::{Granularity, MetricKind};
use super::declared::Declared;
use super::list::{decode_page, is_new, next_cursor, previous_instant, ItemShape, Newest};
use super::paging::{self, PageSummary};
use super::report::{self, decode_rows_at, report_problems, RowShape};
use crate::error::Error;
use crate::plan::{self, Window};
use crate::read::{Job, Partitioning, PlanInput, Reader, SlicePlan};
use crate::state::Cursor;
use crate::tiktok::accounts::id_text;
use crate::tiktok::client::BoxFuture;
use crate::tiktok::envelope::{self, AsValue};
use crate::tiktok::{json_param, ApiError, Query};

const CAMPAIGNS_PATH: &str = "gmv_max/campaign/get/";
const REPORT_PATH: &str = "gmv_max/report/get/";
const STORES_PATH: &str = "gmv_max/store/list/";
/// `gmv_max/campaign/get/` pages hold at most 100 campaigns.
const CAMPAIGN_PAGE: u64 = 100;
const REPORT_PAGE: u64 = 1000;
/// The campaign endpoint's promotion types, one pass each.
const CAMPAIGN_TYPES: &[&str] = &["PRODUCT_GMV_MAX", "LIVE_GMV_MAX"];

/// The metrics every GMV Max campaign row has, then what product and LIVE campaigns add, as
/// Airbyte's two GMV Max report streams ask for them (reference §4).
const ALL_LEVELS: &[(&str, MetricKind)] = &[
    ("cost", MetricKind::Number),
    ("net_cost", MetricKind::Number),
    ("orders", MetricKind::Integer),
    ("cost_per_order", MetricKind::Number),
    ("gross_revenue", MetricKind::Number),
    ("roi", MetricKind::Number),
    ("product_impressions", MetricKind::Integer),
    ("product_clicks", MetricKind::Integer),
    ("product_click_rate", MetricKind::Number),
    ("ad_click_rate", MetricKind::Number),
    ("ad_conversion_rate", MetricKind::Number),
];
const LIVE_ONLY: &[(&str, MetricKind)] = &[
    ("live_views", MetricKind::Integer),
    ("cost_per_live_view", MetricKind::Number),
    ("10_second_live_views", MetricKind::Integer),
    ("cost_per_10_second_live_view", MetricKind::Number),
    ("live_follows", MetricKind::Integer),
];
/// The report's promotion types (`PRODUCT`, not the campaign endpoint's `PRODUCT_GMV_MAX`), each
/// with whether it asks for the LIVE metrics.
const REPORT_TYPES: &[(&str, bool)] = &[("PRODUCT", false), ("LIVE", true)];

pub static CAMPAIGNS: Declared = Declared {
    name: "gmv_max_campaigns",
    source: "`gmv_max/campaign/get/` (one pass per promotion type)",
    primary_key: &["campaign_id"],
    cursor: Some("modify_time"),
    schema: campaigns_schema,
    reader: &Campaigns,
    production_only: true,
    business_centers: false,
};

pub static REPORTS_DAILY: Declared = Declared {
    name: "gmv_max_reports_daily",
    source: "`gmv_max/report/get/` · per available store and promotion type · campaign · day",
    primary_key: &["advertiser_id", "store_id", "campaign_id", "stat_time_day"],
    cursor: Some("stat_time_day"),
    schema: reports_schema,
    reader: &ReportsDaily,
    production_only: true,
    business_centers: false,
};

fn campaigns_schema() -> Value {
    super::parse_schema(include_str!("schemas/gmv_max_campaigns.json"))
}

fn reports_schema() -> Value {
    let mut props = Map::new();
    let text = |d: &str| json!({"type": "string", "description": d});
    props.insert(
        "advertiser_id".into(),
        text("The ad account the store is linked to."),
    );
    props.insert(
        "store_id".into(),
        text("The TikTok Shop store (one request per store)."),
    );
    props.insert("campaign_id".into(), text("GMV Max campaign ID."));
    props.insert(
        "stat_time_day".into(),
        json!({"type": "string", "format": "date", "description": "Day, in the account's time zone."}),
    );
    props.insert(
        "gmv_max_promotion_type".into(),
        text("PRODUCT or LIVE: the request that read the row."),
    );
    for (name, kind) in ALL_LEVELS.iter().chain(LIVE_ONLY) {
        let t = match kind {
            MetricKind::Integer => "integer",
            MetricKind::Number => "number",
            MetricKind::Text => "string",
        };
        props.insert((*name).into(), json!({"type": ["null", t]}));
    }
    super::object_schema(props)
}

struct Campaigns;

impl Reader for Campaigns {
    fn partitioning(&self) -> Partitioning {
        Partitioning::PerAccount
    }

    fn read<'a>(&'a self, job: &'a Job<'a>) -> BoxFuture<'a, Result<Option<Cursor>, Error>> {
        Box::pin(async move {
            let account = job
                .account
                .ok_or_else(|| Error::Internal("GMV Max is read per account".into()))?;
            let previous = previous_instant(job.cursor);
            let newest = Mutex::new(Newest::default());
            let schema = campaigns_schema();
            let statuses: &[Option<&str>] = if job.config().include_deleted {
                &[None, Some("STATUS_DELETE")]
            } else {
                &[None]
            };
            for promotion in CAMPAIGN_TYPES {
                for status in statuses {
                    let shape = ItemShape::plain("campaign_id", &schema, &account.id)
                        .tagged("gmv_max_promotion_type", promotion);
                    let mut filtering = json!({"gmv_max_promotion_types": [promotion]});
                    if let Some(s) = status {
                        filtering["primary_status"] = json!(s);
                    }
                    let query: Query = vec![
                        ("advertiser_id", account.id.clone()),
                        ("filtering", json_param(&filtering)),
                    ];
                    read_campaign_pages(job, &query, &shape, &previous, &newest).await?;
                }
            }
            let newest = newest.into_inner().unwrap_or_else(|e| e.into_inner());
            Ok(next_cursor(newest, previous))
        })
    }
}

async fn read_campaign_pages(
    job: &Job<'_>,
    query: &Query,
    shape: &ItemShape,
    previous: &Option<(
        chrono::DateTime<chrono::Utc>,
        std::collections::HashSet<String>,
    )>,
    newest: &Mutex<Newest>,
) -> Result<(), Error> {
    paging::walk(CAMPAIGNS_PATH, CAMPAIGN_PAGE, |page_no| async move {
        let mut q = query.clone();
        q.push(("page", page_no.to_string()));
        q.push(("page_size", CAMPAIGN_PAGE.to_string()));
        let fetched = job
            .get(CAMPAIGNS_PATH, &q, |body, _| {
                decode_page(body, CAMPAIGNS_PATH, "list", shape, job.name(), |item| {
                    let Some(id) = &item.id else {
                        return false;
                    };
                    if let Some(at) = item.changed {
                        newest
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .see(at, id, job.run.now);
                    }
                    is_new(previous, item.changed, id)
                })
            })
            .await?;
        let (page, held) = fetched.into_parts();
        if page.not_objects > 0 || page.without_key > 0 {
            return Err(Error::Api(ApiError::bad_answer(
                CAMPAIGNS_PATH,
                "campaigns that are not objects or have no campaign_id".into(),
            )));
        }
        if page_no == 1 {
            job.estimate(page.info.and_then(|i| i.total_number).unwrap_or(page.items))
                .await;
        }
        let summary = PageSummary {
            info: page.info,
            items: page.items,
            first_key: page.first_key.clone(),
        };
        job.records(page.lines).await;
        drop(held);
        Ok(summary)
    })
    .await
}

struct ReportsDaily;

impl Reader for ReportsDaily {
    fn partitioning(&self) -> Partitioning {
        Partitioning::PerAccount
    }

    fn plan(&self, input: &PlanInput<'_>) -> Result<Vec<SlicePlan>, Error> {
        let today = report::account_today(input)?;
        let inputs = report::day_inputs(input, today);
        Ok(report::day_slices(plan::windows(Granularity::Day, &inputs)))
    }

    fn read<'a>(&'a self, job: &'a Job<'a>) -> BoxFuture<'a, Result<Option<Cursor>, Error>> {
        Box::pin(async move {
            let account = job
                .account
                .ok_or_else(|| Error::Internal("GMV Max is read per account".into()))?;
            let window = job
                .window
                .ok_or_else(|| Error::Internal("GMV Max reports are read by days".into()))?;
            for store in available_stores(job, &account.id).await?.iter() {
                for (promotion, live) in REPORT_TYPES {
                    read_report(job, &account.id, store, promotion, *live, window).await?;
                }
            }
            Ok(None)
        })
    }
}

/// The account's stores that GMV Max may report on, listed once per run.
async fn available_stores(job: &Job<'_>, account: &str) -> Result<Arc<Vec<String>>, Error> {
    let cell = job.run.id_list_cell(&format!("{STORES_PATH}{account}"));
    cell.get_or_try_init(|| async {
        let query: Query = vec![("advertiser_id", account.to_string())];
        let data = job
            .get(STORES_PATH, &query, |body, _| {
                Ok(envelope::decode(body, STORES_PATH, AsValue)?.data)
            })
            .await?
            .value
            .unwrap_or(Value::Null);
        let stores = data
            .get("store_list")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                Error::Api(ApiError::bad_answer(
                    STORES_PATH,
                    "a success without data.store_list".into(),
                ))
            })?;
        let ids: Vec<String> = stores
            .iter()
            .filter(|s| s.get("is_gmv_max_available") == Some(&Value::Bool(true)))
            .filter_map(|s| s.get("store_id").and_then(id_text))
            .collect();
        Ok::<_, Error>(Arc::new(ids))
    })
    .await
    .cloned()
}

async fn read_report(
    job: &Job<'_>,
    account: &str,
    store: &str,
    promotion: &str,
    live: bool,
    window: Window,
) -> Result<(), Error> {
    let metrics: Vec<(&str, MetricKind)> = ALL_LEVELS
        .iter()
        .chain(if live { LIVE_ONLY } else { &[] })
        .copied()
        .collect();
    let mut filtering = json!({"gmv_max_promotion_types": [promotion]});
    if job.config().include_deleted {
        // Deleted campaigns are left out unless asked for.
        filtering["campaign_statuses"] = json!(["STATUS_ALL"]);
    }
    let query: Query = vec![
        ("advertiser_id", account.to_string()),
        ("store_ids", json_param(&json!([store]))),
        (
            "dimensions",
            json_param(&json!(["campaign_id", "stat_time_day"])),
        ),
        (
            "metrics",
            json_param(&json!(metrics.iter().map(|m| m.0).collect::<Vec<_>>())),
        ),
        ("start_date", window.start.format("%Y-%m-%d").to_string()),
        ("end_date", window.end.format("%Y-%m-%d").to_string()),
        ("filtering", json_param(&filtering)),
    ];
    // Every column of the stream: the LIVE ones stay null on product rows.
    let columns = ALL_LEVELS
        .iter()
        .chain(LIVE_ONLY)
        .map(|(n, k)| (n.to_string(), *k))
        .collect();
    let shape = RowShape::of_rows(
        account,
        ("campaign_id", &["campaign_id"]),
        Granularity::Day,
        Vec::new(),
        columns,
        Some(window),
    )
    .with_constant("store_id", store)
    .with_constant("gmv_max_promotion_type", promotion);
    paging::walk(REPORT_PATH, REPORT_PAGE, |page_no| {
        let (query, shape) = (&query, &shape);
        async move {
            let mut q = query.clone();
            q.push(("page", page_no.to_string()));
            q.push(("page_size", REPORT_PAGE.to_string()));
            let fetched = job
                .get(REPORT_PATH, &q, |body, _| {
                    decode_rows_at(body, REPORT_PATH, shape, job.name())
                })
                .await?;
            let (page, held) = fetched.into_parts();
            report_problems(job, &page).await;
            if page_no == 1 {
                job.estimate(page.info.and_then(|i| i.total_number).unwrap_or(page.rows))
                    .await;
            }
            let summary = PageSummary {
                info: page.info,
                items: page.rows,
                first_key: page.first_key,
            };
            job.records(page.lines).await;
            drop(held);
            Ok(summary)
        }
    })
    .await
}
