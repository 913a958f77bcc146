//! Report streams (`report/integrated/get/`): the declaration shared by built-in and custom
//! reports, its schema (exactly the requested columns), and its reader. A slice is one window of
//! days of one account; its pages are read concurrently and each row becomes a record as it is
//! parsed. A window TikTok finds too large (40067) is read in halves, down to one day; an
//! ad-level answer capped at TikTok's 20,000 ads is read again by ad IDs, 100 at a time; metrics
//! TikTok refuses (40002) are left out for the rest of the run with one warning.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Duration, NaiveDate};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use super::buying::{self, ReportBuying};
use super::decl::{Granularity, Level, MetricKind, ReportDecl, ReportType};
use super::dimensions;
use super::metric_groups::{self, MetricGroup};
use super::metrics;
use super::paging::{self, PageSummary};
use super::record::{
    encode_key, push_json_str, push_metric_value, scalar, BadValue, Lines, MetricValue, NotOfKind,
    Scalar,
};
use super::report_tasks;
use super::smart_plus_keys;
use crate::config::CustomReport;
use crate::error::Error;
use crate::plan::{self, Window};
use crate::protocol::{now_ms, LogLevel};
use crate::read::{Job, Partitioning, PlanInput, Reader, SlicePlan};
use crate::state::Cursor;
use crate::tiktok::client::{BoxFuture, Query};
use crate::tiktok::envelope::{self, PageInfo, Text};
use crate::tiktok::{json_param, ApiError, ErrorKind};

const PATH: &str = "report/integrated/get/";
/// TikTok's largest report page.
const PAGE_SIZE: u64 = 1000;
/// Ad ID filters TikTok takes in one report request.
const ADS_PER_FILTER: usize = 100;
/// Ad-ID requests of one capped window started at once.
const FILTERS_AT_ONCE: usize = 8;
/// The run's switch, once TikTok refused TopView combined with other buying types in a report
/// filter: reports below the advertiser level then make two requests per window.
const SPLIT_BUYING_TYPES: &str = "report-buying-types-split";

/// A report stream, built-in or custom.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportSpec {
    pub report_type: ReportType,
    pub level: Level,
    pub granularity: Granularity,
    pub breakdowns: Vec<String>,
    pub metrics: Vec<String>,
}

impl ReportSpec {
    /// A built-in report, with the conversion metric groups the config asks for.
    pub fn from_decl(d: &ReportDecl, groups: &[MetricGroup]) -> ReportSpec {
        ReportSpec {
            report_type: d.report_type,
            level: d.level,
            granularity: d.granularity,
            breakdowns: d.breakdowns.iter().map(|s| s.to_string()).collect(),
            metrics: metric_groups::metrics_with(d, groups),
        }
    }

    pub fn from_custom(c: &CustomReport) -> ReportSpec {
        ReportSpec {
            report_type: c.report_type,
            level: c.level,
            granularity: c.granularity,
            breakdowns: c.breakdowns.clone(),
            metrics: c.metrics.clone(),
        }
    }

    /// TikTok has no lifetime AUDIENCE report: such a stream asks for the last 365 days
    /// without a time dimension instead.
    pub fn uses_query_lifetime(&self) -> bool {
        self.granularity == Granularity::Lifetime && self.report_type == ReportType::Basic
    }

    pub fn time_dimension(&self) -> Option<&'static str> {
        match self.granularity {
            Granularity::Day => Some("stat_time_day"),
            Granularity::Hour => Some("stat_time_hour"),
            Granularity::Lifetime => None,
        }
    }

    /// The record's key columns: level ID, time, breakdowns.
    pub fn dimensions(&self) -> Vec<String> {
        let mut dims = vec![self.level.id_dimension().to_string()];
        dims.extend(self.time_dimension().map(String::from));
        dims.extend(self.breakdowns.iter().cloned());
        dims
    }

    /// The `dimensions` parameter: as `dimensions()`, but ad level asks for `ad_id_v2` (see
    /// `smart_plus_keys`).
    pub fn request_dimensions(&self) -> Vec<String> {
        let mut dims = self.dimensions();
        if let Some(id) = dims.first_mut() {
            *id = smart_plus_keys::request_id_dimension(self.level).to_string();
        }
        dims
    }

    /// The same key as the official connector's streams, so its users keep their dedup keys;
    /// TikTok's entity IDs are unique across accounts. At ad level `ad_id` holds TikTok's
    /// `ad_id_v2` (see `smart_plus_keys`).
    pub fn primary_key(&self) -> Vec<String> {
        self.dimensions()
    }

    pub fn schema(&self) -> Value {
        let mut props = Map::new();
        props.insert("advertiser_id".into(), json!({"type": "string"}));
        props.insert(self.level.id_dimension().into(), json!({"type": "string"}));
        if let Some((column, description)) = smart_plus_keys::extra_id_column(self.level) {
            props.insert(
                column.into(),
                json!({"type": "string", "description": description}),
            );
        }
        match self.granularity {
            Granularity::Day => {
                props.insert(
                    "stat_time_day".into(),
                    json!({"type": "string", "format": "date"}),
                );
            }
            Granularity::Hour => {
                props.insert(
                    "stat_time_hour".into(),
                    json!({"type": "string", "format": "date-time", "airbyte_type": "timestamp_without_timezone"}),
                );
            }
            Granularity::Lifetime => {}
        }
        for b in &self.breakdowns {
            props.insert(b.clone(), json!({"type": "string"}));
        }
        for c in dimensions::companions(&self.breakdowns) {
            props.insert(c.into(), json!({"type": ["null", "string"]}));
        }
        for m in &self.metrics {
            let t = match metrics::metric_kind(m) {
                Some(MetricKind::Integer) => "integer",
                Some(MetricKind::Number) => "number",
                Some(MetricKind::Text) | None => "string",
            };
            props
                .entry(m.clone())
                .or_insert(json!({"type": ["null", t]}));
        }
        super::object_schema(props)
    }

    /// One report request (all its pages), retried without the metrics TikTok refuses. Returns
    /// true, having written nothing, when a whole-account ad-level answer was capped at TikTok's
    /// ad limit.
    async fn read_request(
        &self,
        job: &Job<'_>,
        account: &str,
        window: Option<Window>,
        ad_ids: Option<&[String]>,
        buying: Option<ReportBuying>,
    ) -> Result<bool, Error> {
        loop {
            let requested = job.run.metrics_for(job.name(), &self.metrics);
            let query = self.query(job, account, window, ad_ids, buying, &requested);
            // Only a whole-account ad-level request can be read again by ad IDs.
            let may_cap = ad_ids.is_none() && self.level == Level::Ad;
            let capped = AtomicBool::new(false);
            let shape = RowShape::new(self, account, window);
            let walked = paging::walk(PATH, PAGE_SIZE, |page_no| {
                let (query, shape, capped) = (&query, &shape, &capped);
                async move {
                    let mut q = query.clone();
                    q.push(("page", page_no.to_string()));
                    q.push(("page_size", PAGE_SIZE.to_string()));
                    let fetched = job
                        .get(PATH, &q, |body, meta| {
                            if meta.ads_throttled && may_cap {
                                return Ok(None);
                            }
                            decode_rows(body, shape, job.name()).map(|p| Some((p, meta.ads_throttled)))
                        })
                        .await?;
                    let (value, held) = fetched.into_parts();
                    let Some((page, throttled)) = value else {
                        capped.store(true, Ordering::Relaxed);
                        // One page: nothing more to read in this request.
                        return Ok(PageSummary {
                            info: Some(PageInfo {
                                total_page: Some(1),
                                ..PageInfo::default()
                            }),
                            ..PageSummary::default()
                        });
                    };
                    if throttled {
                        job.warn_once(
                            &format!("capped:{}", job.name()),
                            &format!("TikTok answered that stream {} covers only its 20,000 most recent ads; its rows may be incomplete.", job.name()),
                        )
                        .await;
                    }
                    // Rows that cannot be placed are left out with a warning when the rest of
                    // the page is sound; a page of nothing but such rows is not an answer to
                    // this request, and its window must not count as read.
                    let skipped = page.without_id + page.bad_time + page.outside;
                    if page.rows > 0 && skipped == page.rows {
                        return Err(Error::Api(ApiError::bad_answer(
                            PATH,
                            format!(
                                "none of the {} report rows of page {page_no} can be used ({} without the ID \
                                 dimension {}, {} with a time that is not a date, {} dated outside the days asked for)",
                                page.rows,
                                page.without_id,
                                self.level.id_dimension(),
                                page.bad_time,
                                page.outside
                            ),
                        )));
                    }
                    report_problems(job, &page).await;
                    if page_no == 1 {
                        job.estimate(page.info.and_then(|i| i.total_number).unwrap_or(page.rows)).await;
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
            .await;
            match walked {
                Err(Error::Api(e)) => match e.invalid_metrics() {
                    Some(invalid) if job.run.drop_metrics(job.name(), &requested, &invalid) => {
                        job.warn_once(
                            &format!("dropped:{}:{}", job.name(), invalid.join(",")),
                            &format!(
                                "TikTok does not accept the metrics {} for stream {}; their columns are null for the rest of this sync.",
                                invalid.join(", "),
                                job.name()
                            ),
                        )
                        .await;
                        continue;
                    }
                    _ => return Err(Error::Api(e)),
                },
                Err(e) => return Err(e),
                Ok(()) => return Ok(capped.load(Ordering::Relaxed)),
            }
        }
    }

    fn query(
        &self,
        job: &Job<'_>,
        account: &str,
        window: Option<Window>,
        ad_ids: Option<&[String]>,
        buying: Option<ReportBuying>,
        metrics: &[String],
    ) -> Query {
        let mut query: Query = vec![
            ("advertiser_id", account.to_string()),
            ("service_type", "AUCTION".into()),
            ("report_type", self.report_type.as_str().into()),
            ("data_level", self.level.data_level().into()),
            ("dimensions", json_param(&json!(self.request_dimensions()))),
            ("metrics", json_param(&json!(metrics))),
        ];
        match window {
            Some(w) => {
                query.push(("start_date", w.start.format("%Y-%m-%d").to_string()));
                query.push(("end_date", w.end.format("%Y-%m-%d").to_string()));
            }
            None => query.push(("query_lifetime", "true".into())),
        }
        let mut filters = Vec::new();
        if job.config().include_deleted {
            if let Some(field) = self.level.status_filter_field() {
                filters.push(json!({"field_name": field, "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}));
            }
        }
        if let Some(ids) = ad_ids {
            filters.push(json!({"field_name": smart_plus_keys::AD_ID_FILTER, "filter_type": "IN", "filter_value": json!(ids).to_string()}));
        }
        // Below the advertiser level TikTok leaves TopView rows out unless the filter asks.
        if let Some(filter) = buying.and_then(ReportBuying::filter) {
            filters.push(filter);
        }
        if !filters.is_empty() {
            query.push(("filtering", json_param(&Value::Array(filters))));
        }
        query
    }

    /// One window, complete, with every buying type: below the advertiser level one request
    /// asks for all three, or, once TikTok refused that in this run, TikTok's default and then
    /// TopView alone (UNCERTAIN in the reference; decided in `buying`).
    async fn read_window(
        &self,
        job: &Job<'_>,
        account: &str,
        window: Option<Window>,
    ) -> Result<(), Error> {
        if self.level == Level::Advertiser {
            // AUCTION_ADVERTISER covers every buying type without a filter.
            return self.read_capped(job, account, window, None).await;
        }
        let split = job.run.switched(SPLIT_BUYING_TYPES);
        for &buying in buying::report_requests(split) {
            match self.read_capped(job, account, window, Some(buying)).await {
                Err(Error::Api(e))
                    if buying == ReportBuying::AllInOne && buying::refused_combined_filter(&e) =>
                {
                    if job.run.switch_on(SPLIT_BUYING_TYPES) {
                        job.log(
                            LogLevel::Warn,
                            &format!(
                                "TikTok does not take RESERVATION_TOP_VIEW together with other buying types in a report filter ({}); \
                                 for the rest of this sync, reports below the advertiser level ask for TopView rows in a request of their own.",
                                e.message.trim()
                            ),
                        )
                        .await;
                    }
                    for &part in buying::report_requests(true) {
                        self.read_capped(job, account, window, Some(part)).await?;
                    }
                }
                other => other?,
            }
        }
        Ok(())
    }

    /// One request's rows, complete: read again by ad IDs when TikTok capped it at its ad limit.
    async fn read_capped(
        &self,
        job: &Job<'_>,
        account: &str,
        window: Option<Window>,
        buying: Option<ReportBuying>,
    ) -> Result<(), Error> {
        if !self
            .read_request(job, account, window, None, buying)
            .await?
        {
            return Ok(());
        }
        // A report task has no ad cap: one task instead of a request per 100 ads. Tasks take no
        // buying-type filter and give TikTok's default (auction and Reach & Frequency), so they
        // stand in for a default request, and for a request of every buying type followed by a
        // TopView-only one by pages.
        let task_covers = matches!(
            buying,
            None | Some(ReportBuying::Default | ReportBuying::AllInOne)
        );
        if task_covers
            && report_tasks::usable(job)
            && report_tasks::read(self, job, account, window).await?
        {
            if buying == Some(ReportBuying::AllInOne) && buying::has_top_view(job, account).await? {
                return Box::pin(self.read_capped(
                    job,
                    account,
                    window,
                    Some(ReportBuying::TopViewOnly),
                ))
                .await;
            }
            return Ok(());
        }
        let ads = smart_plus_keys::ad_ids_v2(job, account).await?;
        job.log(
            LogLevel::Info,
            &format!(
                "TikTok reports at most 20,000 ads per request: stream {} for account {account} is read by ad IDs (ad_id_v2), 100 at a time ({} ads).",
                job.name(),
                ads.len()
            ),
        )
        .await;
        let chunks: Vec<Vec<String>> = ads.chunks(ADS_PER_FILTER).map(<[String]>::to_vec).collect();
        stream::iter(chunks)
            .map(|chunk| async move {
                self.read_request(job, account, window, Some(&chunk), buying)
                    .await
            })
            .buffer_unordered(FILTERS_AT_ONCE)
            .try_collect::<Vec<bool>>()
            .await?;
        Ok(())
    }
}

/// Today in the partition's account's time zone.
pub(crate) fn account_today(input: &PlanInput<'_>) -> Result<NaiveDate, Error> {
    let account = input
        .account
        .ok_or_else(|| Error::Internal("reports are read per account".into()))?;
    let tz = account.tz.clone().map_err(|m| {
        Error::Api(ApiError::transport(
            ErrorKind::Rejected,
            m.0,
            None,
            "advertiser/info/",
        ))
    })?;
    Ok(input.now.with_timezone(&tz).date_naive())
}

/// What planning days needs: the config's dates, the partition's day cursor, the lookback.
pub(crate) fn day_inputs(input: &PlanInput<'_>, today: NaiveDate) -> plan::Inputs {
    let config = input.config;
    plan::Inputs {
        start_date: config.start_date,
        end_date: config.end_date,
        cursor: match input.cursor {
            Some(Cursor::Day(d)) => Some(*d),
            _ => None,
        },
        attribution_window: config.attribution_window,
        step_days: config.daily_window_days,
        today,
    }
}

/// One slice per window, each bringing the cursor to its last day.
pub(crate) fn day_slices(windows: Vec<Window>) -> Vec<SlicePlan> {
    windows
        .into_iter()
        .map(|w| SlicePlan {
            window: Some(w),
            cursor: Some(Cursor::Day(w.end)),
        })
        .collect()
}

impl Reader for ReportSpec {
    fn partitioning(&self) -> Partitioning {
        Partitioning::PerAccount
    }

    fn plan(&self, input: &PlanInput<'_>) -> Result<Vec<SlicePlan>, Error> {
        let today = account_today(input)?;
        let config = input.config;
        if self.granularity == Granularity::Lifetime {
            if self.uses_query_lifetime() {
                return Ok(vec![SlicePlan::WHOLE]);
            }
            let end = config.end_date.map_or(today, |e| e.min(today));
            let year_back = end
                .checked_sub_signed(Duration::days(364))
                .unwrap_or(NaiveDate::MIN);
            let start = config.start_date.max(year_back);
            return Ok(if start > end {
                Vec::new()
            } else {
                vec![SlicePlan {
                    window: Some(Window { start, end }),
                    cursor: None,
                }]
            });
        }
        let inputs = day_inputs(input, today);
        // A long first sync may be read through report tasks instead (see `report_tasks`).
        let windows = report_tasks::backfill_windows(self, input.config, &inputs)
            .unwrap_or_else(|| plan::windows(self.granularity, &inputs));
        Ok(day_slices(windows))
    }

    fn read<'a>(&'a self, job: &'a Job<'a>) -> BoxFuture<'a, Result<Option<Cursor>, Error>> {
        Box::pin(async move {
            let account = job
                .account
                .ok_or_else(|| Error::Internal("reports are read per account".into()))?;
            // A window longer than one request may span was planned for a report task; when
            // TikTok will not run it, it is read in ordinary windows after all.
            let mut pending = match job.window {
                Some(w) if report_tasks::is_task_window(self, w) => {
                    // Tasks give TikTok's default buying types. Below the advertiser level an
                    // account's TopView rows need the filter tasks do not take, and reading them
                    // by pages costs as many requests as the tasks save: such accounts are paged.
                    let top_view = self.level != Level::Advertiser
                        && buying::has_top_view(job, &account.id).await?;
                    if !top_view
                        && report_tasks::usable(job)
                        && report_tasks::read(self, job, &account.id, Some(w)).await?
                    {
                        return Ok(None);
                    }
                    let mut windows = report_tasks::paged_windows(self, job.config(), w);
                    windows.reverse();
                    windows.into_iter().map(Some).collect()
                }
                other => vec![other],
            };
            while let Some(window) = pending.pop() {
                match self.read_window(job, &account.id, window).await {
                    Ok(()) => {}
                    Err(Error::Api(e)) if e.is_query_too_large() => {
                        let Some((first, second)) = window.and_then(|w| w.split()) else {
                            return Err(Error::Api(e));
                        };
                        job.log(
                            LogLevel::Info,
                            &format!(
                                "TikTok found the {} request for account {} over {}..{} too large; reading it in two halves.",
                                job.name(), account.id, first.start, second.end
                            ),
                        )
                        .await;
                        pending.push(Some(second));
                        pending.push(Some(first));
                    }
                    Err(e) => return Err(e),
                }
            }
            Ok(None)
        })
    }
}

pub(crate) async fn report_problems(job: &Job<'_>, page: &ReportPage) {
    for b in &page.bad_values {
        job.warn_once(
            &format!("bad:{}:{}", job.name(), b.metric),
            &format!(
                "Stream {}: TikTok sent '{}' for metric {}, which is not a number; the value is null.",
                job.name(),
                b.text,
                b.metric
            ),
        )
        .await;
    }
    let skipped = [
        (page.without_id, "without their ID dimension"),
        (page.bad_time, "with a time that is not a date"),
        (page.outside, "dated outside the requested days"),
    ];
    for (n, what) in skipped {
        if n > 0 {
            job.warn_once(
                &format!("rows:{}:{what}", job.name()),
                &format!(
                    "Stream {}: TikTok sent {n} report row(s) {what}; they were left out.",
                    job.name()
                ),
            )
            .await;
        }
    }
}

/// How a row becomes a record: columns worked out once per request.
pub struct RowShape {
    pub(crate) advertiser_id: String,
    /// The ID dimension as TikTok sends it (`ad_id_v2` at ad level).
    pub(crate) id_dim: &'static str,
    /// The record columns that get the ID (none at advertiser level: the account's is there).
    pub(crate) id_columns: &'static [&'static str],
    pub(crate) time: Option<TimeDim>,
    pub(crate) breakdowns: Vec<String>,
    /// Every declared metric (refused ones stay as null columns), with `"name":` ready.
    pub(crate) columns: Vec<Column>,
    index: HashMap<String, usize>,
    /// First and last day of the window, as `YYYY-MM-DD`.
    pub(crate) days: Option<(String, String)>,
    /// Fields every record of the request gets (e.g. the GMV Max store it is about).
    pub(crate) constants: Vec<(&'static str, String)>,
}

pub(crate) struct Column {
    pub(crate) name: String,
    /// `"name":`, encoded once.
    pub(crate) key: Vec<u8>,
    pub(crate) kind: MetricKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeDim {
    Day,
    Hour,
}

impl RowShape {
    pub fn new(spec: &ReportSpec, advertiser_id: &str, window: Option<Window>) -> RowShape {
        let columns = spec
            .metrics
            .iter()
            .map(|m| {
                (
                    m.clone(),
                    metrics::metric_kind(m).unwrap_or(MetricKind::Text),
                )
            })
            .collect();
        RowShape::of_rows(
            advertiser_id,
            (
                smart_plus_keys::request_id_dimension(spec.level),
                smart_plus_keys::id_columns(spec.level),
            ),
            spec.granularity,
            // Companion columns (`interest_category_v2`) are written like breakdowns.
            spec.breakdowns
                .iter()
                .cloned()
                .chain(
                    dimensions::companions(&spec.breakdowns)
                        .into_iter()
                        .map(String::from),
                )
                .collect(),
            columns,
            window,
        )
    }

    /// Rows of another report endpoint with the same `{dimensions, metrics}` rows (GMV Max):
    /// the ID dimension and the columns it goes to, the time, breakdowns and typed metrics.
    pub fn of_rows(
        advertiser_id: &str,
        (id_dim, id_columns): (&'static str, &'static [&'static str]),
        granularity: Granularity,
        breakdowns: Vec<String>,
        columns: Vec<(String, MetricKind)>,
        window: Option<Window>,
    ) -> RowShape {
        let columns: Vec<Column> = columns
            .into_iter()
            .map(|(name, kind)| Column {
                key: encode_key(&name),
                name,
                kind,
            })
            .collect();
        let index = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        RowShape {
            advertiser_id: advertiser_id.to_string(),
            id_dim,
            id_columns,
            time: match granularity {
                Granularity::Day => Some(TimeDim::Day),
                Granularity::Hour => Some(TimeDim::Hour),
                Granularity::Lifetime => None,
            },
            breakdowns,
            columns,
            index,
            days: window.map(|w| {
                (
                    w.start.format("%Y-%m-%d").to_string(),
                    w.end.format("%Y-%m-%d").to_string(),
                )
            }),
            constants: Vec::new(),
        }
    }

    /// The same shape, adding `key: value` to every record.
    pub fn with_constant(mut self, key: &'static str, value: &str) -> RowShape {
        self.constants.push((key, value.to_string()));
        self
    }

    pub(crate) fn column(&self, name: &str, guess: usize) -> Option<usize> {
        match self.columns.get(guess) {
            Some(c) if c.name == name => Some(guess),
            _ => self.index.get(name).copied(),
        }
    }
}

/// A decoded page of a report.
pub struct ReportPage {
    pub lines: Lines,
    pub info: Option<PageInfo>,
    pub rows: u64,
    pub first_key: Option<String>,
    pub bad_values: Vec<BadValue>,
    pub without_id: u64,
    pub bad_time: u64,
    pub outside: u64,
}

/// Reads a report page from its bytes, writing a record per row.
pub fn decode_rows(body: &[u8], shape: &RowShape, stream: &str) -> Result<ReportPage, ApiError> {
    decode_rows_at(body, PATH, shape, stream)
}

/// `decode_rows` for a report endpoint at `path`.
pub fn decode_rows_at(
    body: &[u8],
    path: &str,
    shape: &RowShape,
    stream: &str,
) -> Result<ReportPage, ApiError> {
    let mut page = ReportPage {
        lines: Lines::new(stream, now_ms()),
        info: None,
        rows: 0,
        first_key: None,
        bad_values: Vec::new(),
        without_id: 0,
        bad_time: 0,
        outside: 0,
    };
    let mut saw_list = false;
    let ok = envelope::decode(
        body,
        path,
        PageSeed {
            shape,
            page: &mut page,
            saw_list: &mut saw_list,
        },
    )?;
    if ok.data.is_none() {
        return Err(ApiError::bad_answer(path, "a success without data".into()));
    }
    let empty = page
        .info
        .is_some_and(|i| i.total_number == Some(0) || i.total_page == Some(0));
    if !saw_list && !empty {
        return Err(ApiError::bad_answer(
            path,
            "a success without data.list".into(),
        ));
    }
    Ok(page)
}

struct PageSeed<'p> {
    shape: &'p RowShape,
    page: &'p mut ReportPage,
    saw_list: &'p mut bool,
}

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a report page")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match &*key {
                "list" => {
                    *self.saw_list = true;
                    map.next_value_seed(RowsSeed {
                        shape: self.shape,
                        page: &mut *self.page,
                    })?;
                }
                "page_info" => self.page.info = map.next_value::<Option<PageInfo>>()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct RowsSeed<'p> {
    shape: &'p RowShape,
    page: &'p mut ReportPage,
}

impl<'de> DeserializeSeed<'de> for RowsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of report rows")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut state = RowState::new(self.shape);
        while seq
            .next_element_seed(RowSeed {
                shape: self.shape,
                page: &mut *self.page,
                state: &mut state,
            })?
            .is_some()
        {}
        Ok(())
    }
}

/// What a row had, reused from row to row.
struct RowState {
    metrics_seen: Vec<bool>,
    /// The column met at each position of the previous rows' metrics: TikTok sends metrics in
    /// the same order on every row, so this is the first guess for the next row.
    positions: Vec<usize>,
    breakdowns_seen: Vec<bool>,
    has_id: bool,
    time: TimeCheck,
    first_key: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeCheck {
    Missing,
    Good,
    Bad,
    Outside,
}

impl RowState {
    fn new(shape: &RowShape) -> RowState {
        RowState {
            metrics_seen: vec![false; shape.columns.len()],
            positions: Vec::new(),
            breakdowns_seen: vec![false; shape.breakdowns.len()],
            has_id: false,
            time: TimeCheck::Missing,
            first_key: None,
        }
    }

    fn reset(&mut self) {
        self.metrics_seen.iter_mut().for_each(|s| *s = false);
        self.breakdowns_seen.iter_mut().for_each(|s| *s = false);
        self.has_id = false;
        self.time = TimeCheck::Missing;
    }
}

struct RowSeed<'p> {
    shape: &'p RowShape,
    page: &'p mut ReportPage,
    state: &'p mut RowState,
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a report row with dimensions and metrics")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let shape = self.shape;
        let page = self.page;
        let state = self.state;
        state.reset();
        page.rows += 1;
        let lines = &mut page.lines;
        lines.begin();
        push_json_str(lines.key("advertiser_id"), &shape.advertiser_id);
        for (key, value) in &shape.constants {
            push_json_str(lines.key(key), value);
        }
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match &*key {
                "dimensions" => map.next_value_seed(DimensionsSeed {
                    shape,
                    lines: &mut *lines,
                    state: &mut *state,
                })?,
                "metrics" => map.next_value_seed(MetricsSeed {
                    shape,
                    lines: &mut *lines,
                    state: &mut *state,
                    bad: &mut page.bad_values,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // Requested columns TikTok left out are null, as the schema allows.
        for (i, b) in shape.breakdowns.iter().enumerate() {
            if !state.breakdowns_seen[i] {
                lines.key(b).extend_from_slice(b"null");
            }
        }
        for (i, c) in shape.columns.iter().enumerate() {
            if !state.metrics_seen[i] {
                lines.encoded_key(&c.key).extend_from_slice(b"null");
            }
        }
        if page.first_key.is_none() {
            page.first_key = state.first_key.take();
        }
        if !state.has_id {
            page.without_id += 1;
            lines.discard();
            return Ok(());
        }
        match (shape.time, state.time) {
            (None, _) | (Some(_), TimeCheck::Good) => lines.end(),
            (Some(_), TimeCheck::Outside) => {
                page.outside += 1;
                lines.discard();
            }
            (Some(_), _) => {
                page.bad_time += 1;
                lines.discard();
            }
        }
        Ok(())
    }
}

struct DimensionsSeed<'p> {
    shape: &'p RowShape,
    lines: &'p mut Lines,
    state: &'p mut RowState,
}

impl<'de> DeserializeSeed<'de> for DimensionsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DimensionsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row's dimensions")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let shape = self.shape;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let raw: &'de RawValue = map.next_value()?;
            let key: &str = &key;
            let text = match scalar(raw) {
                Scalar::Text(t) => Some(t),
                Scalar::Number(n) => Some(std::borrow::Cow::Borrowed(n)),
                _ => None,
            };
            if key == shape.id_dim {
                let Some(text) = text.filter(|t| !t.is_empty()) else {
                    continue;
                };
                self.state.has_id = true;
                if self.state.first_key.is_none() {
                    self.state.first_key = Some(text.to_string());
                }
                // At advertiser level the ID is the account's, written first.
                for column in shape.id_columns {
                    push_json_str(self.lines.key(column), &text);
                }
            } else if key == "stat_time_day" && shape.time == Some(TimeDim::Day) {
                let day = text.as_deref().and_then(day_of);
                self.state.time = check_day(day, &shape.days);
                if let Some(day) = day {
                    push_json_str(self.lines.key(key), day);
                }
            } else if key == "stat_time_hour" && shape.time == Some(TimeDim::Hour) {
                let hour = text.as_deref().and_then(hour_of);
                self.state.time = check_day(hour.as_ref().map(|h| &h[..10]), &shape.days);
                if let Some(hour) = hour {
                    push_json_str(self.lines.key(key), &hour);
                }
            } else if let Some(i) = shape.breakdowns.iter().position(|b| b == key) {
                if !self.state.breakdowns_seen[i] {
                    self.state.breakdowns_seen[i] = true;
                    let out = self.lines.key(key);
                    match text {
                        Some(t) => push_json_str(out, &t),
                        None => out.extend_from_slice(b"null"),
                    }
                }
            }
        }
        Ok(())
    }
}

/// `YYYY-MM-DD` of `YYYY-MM-DD[ HH:MM:SS]`, when it is a real day.
pub(crate) fn day_of(text: &str) -> Option<&str> {
    let day = text.trim().get(..10)?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    Some(day)
}

/// `YYYY-MM-DDTHH:MM:SS` of TikTok's `YYYY-MM-DD HH:MM:SS` (a local time without zone).
pub(crate) fn hour_of(text: &str) -> Option<String> {
    let t = text.trim();
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok()?;
    Some(t.replacen(' ', "T", 1))
}

pub(crate) fn check_day(day: Option<&str>, days: &Option<(String, String)>) -> TimeCheck {
    match (day, days) {
        (None, _) => TimeCheck::Bad,
        (Some(d), Some((first, last))) if d < first.as_str() || d > last.as_str() => {
            TimeCheck::Outside
        }
        (Some(_), _) => TimeCheck::Good,
    }
}

struct MetricsSeed<'p> {
    shape: &'p RowShape,
    lines: &'p mut Lines,
    state: &'p mut RowState,
    bad: &'p mut Vec<BadValue>,
}

impl<'de> DeserializeSeed<'de> for MetricsSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MetricsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row's metrics")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let shape = self.shape;
        let state = &mut *self.state;
        let mut position = 0;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            // With `ad_id_v2`, TikTok sends some attributes as lists (`ad_text_list`).
            let listed = smart_plus_keys::listed_attribute(&key);
            let guess = state.positions.get(position).copied().unwrap_or(usize::MAX);
            let found = shape.column(listed.unwrap_or(&key), guess);
            match state.positions.get_mut(position) {
                Some(p) => *p = found.unwrap_or(usize::MAX),
                None => state.positions.push(found.unwrap_or(usize::MAX)),
            }
            position += 1;
            let Some(i) = found.filter(|&i| !state.metrics_seen[i]) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            state.metrics_seen[i] = true;
            let column = &shape.columns[i];
            if listed.is_some() {
                let raw: &'de RawValue = map.next_value()?;
                smart_plus_keys::push_listed(self.lines.encoded_key(&column.key), raw);
                continue;
            }
            let value: MetricValue<'de> = map.next_value()?;
            if let Err(NotOfKind { text }) =
                push_metric_value(self.lines.encoded_key(&column.key), value, column.kind)
            {
                if !self.bad.iter().any(|b| b.metric == column.name) {
                    self.bad.push(BadValue {
                        metric: column.name.clone(),
                        text,
                    });
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(granularity: Granularity, breakdowns: &[&str], metrics: &[&str]) -> ReportSpec {
        ReportSpec {
            report_type: ReportType::Basic,
            level: Level::Ad,
            granularity,
            breakdowns: breakdowns.iter().map(|s| s.to_string()).collect(),
            metrics: metrics.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn records(page: ReportPage) -> Vec<Value> {
        page.lines
            .into_chunks()
            .into_iter()
            .flat_map(|(_, b)| {
                String::from_utf8(b)
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap()["record"]["data"].clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn body(rows: &str) -> Vec<u8> {
        format!(r#"{{"code":0,"message":"OK","request_id":"r","data":{{"page_info":{{"page":1,"page_size":1000,"total_number":2,"total_page":1}},"list":{rows}}}}}"#).into_bytes()
    }

    #[test]
    fn rows_are_flattened_with_exact_metric_text() {
        let s = spec(
            Granularity::Hour,
            &["country_code"],
            &["spend", "impressions", "ctr", "ad_text", "call_to_action"],
        );
        let w = Window {
            start: d("2025-01-02"),
            end: d("2025-01-02"),
        };
        let shape = RowShape::new(&s, "77", Some(w));
        let b = body(
            r#"[{"dimensions":{"ad_id_v2":"9","stat_time_hour":"2025-01-02 09:00:00","country_code":"US"},
                 "metrics":{"spend":"1.50","impressions":"-","ignored":"x","ad_text_list":"[\"Hi\"]",
                 "call_to_action_list":"[\"a\", \"b\"]"}}]"#,
        );
        let page = decode_rows(&b, &shape, "ads_reports_by_country_hourly").unwrap();
        assert_eq!(page.rows, 1);
        let r = records(page);
        assert_eq!(
            r,
            vec![
                json!({"advertiser_id": "77", "ad_id": "9", "ad_id_v2": "9", "stat_time_hour": "2025-01-02T09:00:00",
                "country_code": "US", "spend": serde_json::from_str::<Value>("1.50").unwrap(), "impressions": null, "ctr": null,
                "ad_text": "Hi", "call_to_action": "[\"a\", \"b\"]"})
            ]
        );
    }

    #[test]
    fn rows_that_cannot_be_placed_are_left_out_and_counted() {
        let s = spec(Granularity::Day, &[], &["spend"]);
        let w = Window {
            start: d("2025-01-01"),
            end: d("2025-01-30"),
        };
        let shape = RowShape::new(&s, "77", Some(w));
        let b = body(
            r#"[{"dimensions":{"ad_id_v2":"1","stat_time_day":"2025-01-02 00:00:00"},"metrics":{"spend":"x"}},
                {"dimensions":{"stat_time_day":"2025-01-02 00:00:00"},"metrics":{"spend":"1"}},
                {"dimensions":{"ad_id_v2":"2","stat_time_day":"garbage"},"metrics":{"spend":"1"}},
                {"dimensions":{"ad_id_v2":"3","stat_time_day":"2025-02-02 00:00:00"},"metrics":{"spend":"1"}},
                {"metrics":{"spend":"1"}}]"#,
        );
        let page = decode_rows(&b, &shape, "ads_reports_daily").unwrap();
        assert_eq!(
            (page.rows, page.without_id, page.bad_time, page.outside),
            (5, 2, 1, 1)
        );
        assert_eq!(
            page.bad_values,
            vec![BadValue {
                metric: "spend".into(),
                text: "x".into()
            }]
        );
        let r = records(page);
        assert_eq!(
            r,
            vec![
                json!({"advertiser_id": "77", "ad_id": "1", "ad_id_v2": "1", "stat_time_day": "2025-01-02", "spend": null})
            ]
        );
    }

    #[test]
    fn advertiser_level_rows_carry_the_account_once() {
        let s = ReportSpec {
            level: Level::Advertiser,
            ..spec(Granularity::Lifetime, &[], &["spend"])
        };
        let shape = RowShape::new(&s, "77", None);
        let b = body(r#"[{"dimensions":{"advertiser_id":"77"},"metrics":{"spend":"2.00"}}]"#);
        let page = decode_rows(&b, &shape, "advertisers_reports_lifetime").unwrap();
        let chunks = page.lines.into_chunks();
        let text = String::from_utf8(chunks[0].1.clone()).unwrap();
        assert_eq!(text.matches("advertiser_id").count(), 1, "{text}");
    }

    #[test]
    fn interest_category_rows_carry_the_new_tier_one_id() {
        let s = ReportSpec {
            report_type: ReportType::Audience,
            ..spec(Granularity::Lifetime, &["interest_category"], &["spend"])
        };
        let schema = s.schema();
        assert_eq!(
            schema["properties"]["interest_category_v2"]["type"],
            json!(["null", "string"])
        );
        assert_eq!(s.primary_key(), ["ad_id", "interest_category"]);
        assert!(!s.dimensions().contains(&"interest_category_v2".to_string()));
        let shape = RowShape::new(&s, "77", None);
        let b = body(
            r#"[{"dimensions":{"ad_id_v2":"9","interest_category":"10","interest_category_v2":"14100000000"},"metrics":{"spend":"1.00"}},
                {"dimensions":{"ad_id_v2":"9","interest_category":"13"},"metrics":{"spend":"2.00"}}]"#,
        );
        let r = records(decode_rows(&b, &shape, "x").unwrap());
        assert_eq!(r[0]["interest_category_v2"], "14100000000");
        assert_eq!(r[1]["interest_category_v2"], Value::Null);
    }

    #[test]
    fn schema_is_exactly_the_requested_columns() {
        let s = ReportSpec {
            report_type: ReportType::Audience,
            level: Level::Campaign,
            granularity: Granularity::Day,
            breakdowns: vec!["gender".into(), "age".into()],
            metrics: vec!["spend".into(), "impressions".into()],
        };
        let schema = s.schema();
        let mut keys: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "advertiser_id",
                "age",
                "campaign_id",
                "gender",
                "impressions",
                "spend",
                "stat_time_day"
            ]
        );
        assert_eq!(
            s.dimensions(),
            ["campaign_id", "stat_time_day", "gender", "age"]
        );
        assert_eq!(
            s.primary_key(),
            ["campaign_id", "stat_time_day", "gender", "age"]
        );
    }
}
