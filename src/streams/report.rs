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
use super::list::list_facts;
use super::metric_groups::{self, MetricGroup};
use super::metrics;
use super::paging::{self, PageSummary};
use super::record::{push_json_str, push_metric, scalar, BadValue, Lines, Scalar};
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

    /// The `dimensions` parameter: level ID, time, breakdowns.
    pub fn dimensions(&self) -> Vec<String> {
        let mut dims = vec![self.level.id_dimension().to_string()];
        dims.extend(self.time_dimension().map(String::from));
        dims.extend(self.breakdowns.iter().cloned());
        dims
    }

    /// The same key as the official connector's streams, so its users keep their dedup keys;
    /// TikTok's entity IDs are unique across accounts.
    pub fn primary_key(&self) -> Vec<String> {
        self.dimensions()
    }

    pub fn schema(&self) -> Value {
        let mut props = Map::new();
        props.insert("advertiser_id".into(), json!({"type": "string"}));
        props.insert(self.level.id_dimension().into(), json!({"type": "string"}));
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
            ("dimensions", json_param(&json!(self.dimensions()))),
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
            filters.push(json!({"field_name": "ad_ids", "filter_type": "IN", "filter_value": json!(ids).to_string()}));
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
        let ads = ad_ids(job, account).await?;
        job.log(
            LogLevel::Info,
            &format!(
                "TikTok reports at most 20,000 ads per request: stream {} for account {account} is read by ad IDs, 100 at a time ({} ads).",
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

impl Reader for ReportSpec {
    fn partitioning(&self) -> Partitioning {
        Partitioning::PerAccount
    }

    fn plan(&self, input: &PlanInput<'_>) -> Result<Vec<SlicePlan>, Error> {
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
        let today = input.now.with_timezone(&tz).date_naive();
        let config = input.config;
        if self.granularity == Granularity::Lifetime {
            if self.uses_query_lifetime() {
                return Ok(vec![SlicePlan {
                    window: None,
                    cursor: None,
                }]);
            }
            let end = config.end_date.map_or(today, |e| e.min(today));
            let start = config.start_date.max(end - Duration::days(364));
            return Ok(if start > end {
                Vec::new()
            } else {
                vec![SlicePlan {
                    window: Some(Window { start, end }),
                    cursor: None,
                }]
            });
        }
        let cursor = match input.cursor {
            Some(Cursor::Day(d)) => Some(*d),
            _ => None,
        };
        let inputs = plan::Inputs {
            start_date: config.start_date,
            end_date: config.end_date,
            cursor,
            attribution_window: config.attribution_window,
            step_days: config.daily_window_days,
            today,
        };
        Ok(plan::windows(self.granularity, &inputs)
            .into_iter()
            .map(|w| SlicePlan {
                window: Some(w),
                cursor: Some(Cursor::Day(w.end)),
            })
            .collect())
    }

    fn read<'a>(&'a self, job: &'a Job<'a>) -> BoxFuture<'a, Result<Option<Cursor>, Error>> {
        Box::pin(async move {
            let account = job
                .account
                .ok_or_else(|| Error::Internal("reports are read per account".into()))?;
            let mut pending = vec![job.window];
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

/// The account's ad IDs (deleted ones too with `include_deleted`), listed once per run.
async fn ad_ids(job: &Job<'_>, account: &str) -> Result<std::sync::Arc<Vec<String>>, Error> {
    let cell = job.run.ad_ids_cell(account);
    cell.get_or_try_init(|| async {
        let mut ids = Vec::new();
        // Ads of every buying type: a capped report below the advertiser level covers TopView too.
        for pass in super::buying::ENTITY_PASSES {
            let mut filtering = serde_json::Map::new();
            if let Some((key, values)) = pass.filter {
                filtering.insert(key.into(), json!(values));
            }
            if job.config().include_deleted {
                filtering.insert("secondary_status".into(), json!("AD_STATUS_ALL"));
            }
            let query: Query = vec![
                ("advertiser_id", account.to_string()),
                ("fields", json_param(&json!(["ad_id"]))),
                ("filtering", json_param(&Value::Object(filtering))),
            ];
            let facts = list_facts(job, "ad/get/", "list", "ad_id", 1000, &query).await?;
            ids.extend(facts.into_iter().filter_map(|f| f.id));
        }
        ids.sort();
        ids.dedup();
        Ok::<_, Error>(std::sync::Arc::new(ids))
    })
    .await
    .cloned()
}

async fn report_problems(job: &Job<'_>, page: &ReportPage) {
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
    advertiser_id: String,
    id_dim: &'static str,
    time: Option<TimeDim>,
    breakdowns: Vec<String>,
    /// Every declared metric (refused ones stay as null columns), with `"name":` ready.
    columns: Vec<Column>,
    index: HashMap<String, usize>,
    /// First and last day of the window, as `YYYY-MM-DD`.
    days: Option<(String, String)>,
}

struct Column {
    name: String,
    kind: MetricKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TimeDim {
    Day,
    Hour,
}

impl RowShape {
    pub fn new(spec: &ReportSpec, advertiser_id: &str, window: Option<Window>) -> RowShape {
        let columns: Vec<Column> = spec
            .metrics
            .iter()
            .map(|m| Column {
                name: m.clone(),
                kind: metrics::metric_kind(m).unwrap_or(MetricKind::Text),
            })
            .collect();
        let index = columns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        RowShape {
            advertiser_id: advertiser_id.to_string(),
            id_dim: spec.level.id_dimension(),
            time: match spec.granularity {
                Granularity::Day => Some(TimeDim::Day),
                Granularity::Hour => Some(TimeDim::Hour),
                Granularity::Lifetime => None,
            },
            // Companion columns (`interest_category_v2`) are written like breakdowns.
            breakdowns: spec
                .breakdowns
                .iter()
                .cloned()
                .chain(
                    dimensions::companions(&spec.breakdowns)
                        .into_iter()
                        .map(String::from),
                )
                .collect(),
            columns,
            index,
            days: window.map(|w| {
                (
                    w.start.format("%Y-%m-%d").to_string(),
                    w.end.format("%Y-%m-%d").to_string(),
                )
            }),
        }
    }

    fn column(&self, name: &str, hint: usize) -> Option<usize> {
        match self.columns.get(hint) {
            Some(c) if c.name == name => Some(hint),
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
        PATH,
        PageSeed {
            shape,
            page: &mut page,
            saw_list: &mut saw_list,
        },
    )?;
    if ok.data.is_none() {
        return Err(ApiError::bad_answer(PATH, "a success without data".into()));
    }
    let empty = page
        .info
        .is_some_and(|i| i.total_number == Some(0) || i.total_page == Some(0));
    if !saw_list && !empty {
        return Err(ApiError::bad_answer(
            PATH,
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
    breakdowns_seen: Vec<bool>,
    has_id: bool,
    time: TimeCheck,
    first_key: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TimeCheck {
    Missing,
    Good,
    Bad,
    Outside,
}

impl RowState {
    fn new(shape: &RowShape) -> RowState {
        RowState {
            metrics_seen: vec![false; shape.columns.len()],
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
                lines.key(&c.name).extend_from_slice(b"null");
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
                if key != "advertiser_id" {
                    push_json_str(self.lines.key(key), &text);
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
fn day_of(text: &str) -> Option<&str> {
    let day = text.trim().get(..10)?;
    NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    Some(day)
}

/// `YYYY-MM-DDTHH:MM:SS` of TikTok's `YYYY-MM-DD HH:MM:SS` (a local time without zone).
fn hour_of(text: &str) -> Option<String> {
    let t = text.trim();
    chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok()?;
    Some(t.replacen(' ', "T", 1))
}

fn check_day(day: Option<&str>, days: &Option<(String, String)>) -> TimeCheck {
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
        let mut hint = 0;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let raw: &'de RawValue = map.next_value()?;
            // TikTok sends metrics in the same order on every row: the next column is a good guess.
            let Some(i) = shape.column(&key, hint) else {
                continue;
            };
            hint = i + 1;
            if self.state.metrics_seen[i] {
                continue;
            }
            self.state.metrics_seen[i] = true;
            let column = &shape.columns[i];
            if let Err(text) = push_metric(self.lines.key(&column.name), raw, column.kind) {
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
            &["spend", "impressions", "ctr"],
        );
        let w = Window {
            start: d("2025-01-02"),
            end: d("2025-01-02"),
        };
        let shape = RowShape::new(&s, "77", Some(w));
        let b = body(
            r#"[{"dimensions":{"ad_id":"9","stat_time_hour":"2025-01-02 09:00:00","country_code":"US"},
                 "metrics":{"spend":"1.50","impressions":"-","ignored":"x"}}]"#,
        );
        let page = decode_rows(&b, &shape, "ads_reports_by_country_hourly").unwrap();
        assert_eq!(page.rows, 1);
        let r = records(page);
        assert_eq!(
            r,
            vec![
                json!({"advertiser_id": "77", "ad_id": "9", "stat_time_hour": "2025-01-02T09:00:00",
                "country_code": "US", "spend": serde_json::from_str::<Value>("1.50").unwrap(), "impressions": null, "ctr": null})
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
            r#"[{"dimensions":{"ad_id":"1","stat_time_day":"2025-01-02 00:00:00"},"metrics":{"spend":"x"}},
                {"dimensions":{"stat_time_day":"2025-01-02 00:00:00"},"metrics":{"spend":"1"}},
                {"dimensions":{"ad_id":"2","stat_time_day":"garbage"},"metrics":{"spend":"1"}},
                {"dimensions":{"ad_id":"3","stat_time_day":"2025-02-02 00:00:00"},"metrics":{"spend":"1"}},
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
                json!({"advertiser_id": "77", "ad_id": "1", "stat_time_day": "2025-01-02", "spend": null})
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
            r#"[{"dimensions":{"ad_id":"9","interest_category":"10","interest_category_v2":"14100000000"},"metrics":{"spend":"1.00"}},
                {"dimensions":{"ad_id":"9","interest_category":"13"},"metrics":{"spend":"2.00"}}]"#,
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
