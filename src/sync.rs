//! The read scheduler: one job per (stream, account), run concurrently within a bound, every
//! request through the client's one pacer, every line through the one writer. A job that fails
//! leaves the others going and its own cursor where it was.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::output::Output;
use crate::plan::{self, Window};
use crate::protocol::{FailureType, LogLevel, Message, StreamStatus};
use crate::session::explain;
use crate::state::{Cursor, State};
use crate::streams::decl::{Granularity, Level};
use crate::streams::record::{
    datetime_fields, entity_record, parse_instant, report_record, Columns,
};
use crate::streams::{EntityDecl, ReportSpec, Source, Stream};
use crate::tiktok::accounts::Account;
use crate::tiktok::{json_param, ApiError, Client, ErrorKind, Query};

// The configured catalog's types live with its rules; re-exported for the code that reads them here.
pub use crate::catalog::{Configured, SyncMode};

struct Ctx {
    config: Arc<Config>,
    client: Client,
    out: Arc<Output>,
    state: State,
    now: DateTime<Utc>,
    /// Metrics TikTok rejected, per stream, for the rest of this run.
    dropped: Mutex<HashMap<String, HashSet<String>>>,
    /// Each account's ad IDs, listed once if a report needs them.
    ads: tokio::sync::Mutex<HashMap<String, Arc<Vec<String>>>>,
}

struct Failure {
    stream: String,
    account: Option<String>,
    kind: ErrorKind,
    message: String,
}

/// Runs the sync; returns true when every stream completed.
pub async fn run(
    config: Arc<Config>,
    client: Client,
    accounts: Vec<Account>,
    catalog: Vec<Configured>,
    state: State,
    now: DateTime<Utc>,
    out: Arc<Output>,
) -> bool {
    let ctx = Arc::new(Ctx {
        config: Arc::clone(&config),
        client,
        out: Arc::clone(&out),
        state,
        now,
        dropped: Mutex::new(HashMap::new()),
        ads: tokio::sync::Mutex::new(HashMap::new()),
    });
    let accounts = Arc::new(accounts);
    for c in &catalog {
        out.status(&c.stream.name, StreamStatus::Started);
        out.init_stream(
            &c.stream.name,
            ctx.state.carried(&c.stream.name),
            c.stream.cursor().is_some(),
        );
    }
    let limit = Arc::new(Semaphore::new(config.concurrency));
    let failures: Arc<Mutex<Vec<Failure>>> = Arc::default();
    let mut per_stream = Vec::new();
    for c in catalog {
        let c = Arc::new(c);
        let jobs: Vec<Option<usize>> = match c.stream.source {
            // One job for the whole stream: it lists accounts, not per-account data.
            Source::AdvertiserIds | Source::Advertisers => vec![None],
            _ => (0..accounts.len()).map(Some).collect(),
        };
        let mut handles = Vec::new();
        for job in jobs {
            let (ctx, c, accounts, limit, failures) = (
                Arc::clone(&ctx),
                Arc::clone(&c),
                Arc::clone(&accounts),
                Arc::clone(&limit),
                Arc::clone(&failures),
            );
            handles.push(tokio::spawn(async move {
                let Ok(_permit) = limit.acquire_owned().await else {
                    return false;
                };
                ctx.out.running(&c.stream.name);
                let account = job.map(|i| &accounts[i]);
                let result = run_job(&ctx, &c, account, &accounts).await;
                match result {
                    Ok(()) => true,
                    Err(e) => {
                        let failure = Failure {
                            stream: c.stream.name.clone(),
                            account: account.map(|a| a.id.clone()),
                            kind: e.kind,
                            message: explain(&e),
                        };
                        ctx.out.log(
                            LogLevel::Error,
                            &format!(
                                "Stream {}{}: {}",
                                failure.stream,
                                failure
                                    .account
                                    .as_ref()
                                    .map(|a| format!(", account {a}"))
                                    .unwrap_or_default(),
                                failure.message
                            ),
                        );
                        failures
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(failure);
                        false
                    }
                }
            }));
        }
        per_stream.push((c, handles));
    }
    // Streams finish in catalog order here, but their jobs ran concurrently above.
    let mut all_complete = true;
    for (c, handles) in per_stream {
        let mut complete = true;
        for h in handles {
            complete &= match h.await {
                Ok(done) => done,
                // A job that died without an error of its own must still fail the run, loudly.
                Err(e) => {
                    failures
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(Failure {
                            stream: c.stream.name.clone(),
                            account: None,
                            kind: ErrorKind::Rejected,
                            message: format!("internal error in the connector: {e}"),
                        });
                    false
                }
            };
        }
        out.ensure_state(&c.stream.name);
        all_complete &= complete;
        let status = if complete {
            StreamStatus::Complete
        } else {
            StreamStatus::Incomplete
        };
        out.status(&c.stream.name, status);
    }
    let mut failures = std::mem::take(&mut *failures.lock().unwrap_or_else(|e| e.into_inner()));
    if failures.is_empty() && !all_complete {
        failures.push(Failure {
            stream: "(unknown)".into(),
            account: None,
            kind: ErrorKind::Rejected,
            message: "a stream stopped without reporting why; this is a connector bug".into(),
        });
    }
    if failures.is_empty() {
        out.flush();
        return !out.is_broken();
    }
    let failure_type = if failures.iter().any(|f| f.kind == ErrorKind::Config) {
        FailureType::ConfigError
    } else if failures
        .iter()
        .all(|f| matches!(f.kind, ErrorKind::Transient | ErrorKind::RateLimited))
    {
        FailureType::TransientError
    } else {
        FailureType::SystemError
    };
    let streams: Vec<&str> = {
        let mut v: Vec<&str> = failures.iter().map(|f| f.stream.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let details: Vec<String> = failures
        .iter()
        .map(|f| {
            format!(
                "{}{}: {}",
                f.stream,
                f.account
                    .as_ref()
                    .map(|a| format!(" (account {a})"))
                    .unwrap_or_default(),
                f.message
            )
        })
        .collect();
    let message = format!(
        "{} of the sync's parts failed, in streams {}. Everything else was read and its state saved. First problem: {}",
        failures.len(),
        streams.join(", "),
        details[0]
    );
    out.emit(Message::error(
        failure_type,
        &message,
        Some(&details.join(" | ")),
        None,
    ));
    out.flush();
    false
}

async fn run_job(
    ctx: &Ctx,
    c: &Configured,
    account: Option<&Account>,
    all: &[Account],
) -> Result<(), ApiError> {
    let incremental = c.mode == SyncMode::Incremental;
    match (&c.stream.source, account) {
        (Source::AdvertiserIds, _) => {
            let records = all
                .iter()
                .map(|a| {
                    let mut m = Map::new();
                    m.insert("advertiser_id".into(), json!(a.id));
                    m.insert("advertiser_name".into(), json!(a.name));
                    m
                })
                .collect();
            ctx.out.records(&c.stream.name, records);
            ctx.out.checkpoint(&c.stream.name, None);
            Ok(())
        }
        (Source::Advertisers, _) => {
            let fields = datetime_fields(&c.stream.schema());
            let records = all
                .iter()
                .map(|a| entity_record(a.info.clone(), &a.id, &fields, None))
                .collect();
            ctx.out.records(&c.stream.name, records);
            ctx.out.checkpoint(&c.stream.name, None);
            Ok(())
        }
        (Source::Entity(decl), Some(account)) => {
            read_entities(ctx, &c.stream, decl, account, incremental).await
        }
        (Source::Report(spec), Some(account)) => {
            read_report(ctx, &c.stream, spec, account, incremental).await
        }
        _ => Ok(()),
    }
}

/// Walks every page of a list endpoint, calling `on_page` with each page's items, the total
/// (first page only) and whether TikTok capped the answer at its ad limit; `on_page` returns
/// false to stop.
async fn walk_pages(
    client: &Client,
    path: &str,
    base: &Query,
    page_size: u32,
    records_key: &str,
    mut on_page: impl FnMut(Vec<Value>, u64, bool) -> bool,
) -> Result<(), ApiError> {
    let mut page = 1u64;
    loop {
        let mut query = base.clone();
        query.push(("page", page.to_string()));
        query.push(("page_size", page_size.to_string()));
        let answer = client.get_page(path, &query).await?;
        let mut data = answer.data;
        let items = match data.get_mut(records_key).map(Value::take) {
            Some(Value::Array(items)) => items,
            None | Some(Value::Null) => Vec::new(),
            Some(_) => {
                return Err(ApiError::transport(
                    ErrorKind::Transient,
                    format!("'data.{records_key}' is not a list"),
                    Some(200),
                    path,
                ))
            }
        };
        let total_pages = data
            .pointer("/page_info/total_page")
            .and_then(Value::as_u64);
        let total = data
            .pointer("/page_info/total_number")
            .and_then(Value::as_u64)
            .unwrap_or(items.len() as u64);
        let count = items.len();
        let go_on = on_page(
            items,
            if page == 1 { total } else { 0 },
            answer.ads_throttled,
        );
        let last = match total_pages {
            Some(t) => page >= t,
            None => count < page_size as usize,
        };
        if last || count == 0 || !go_on {
            return Ok(());
        }
        page += 1;
    }
}

async fn read_entities(
    ctx: &Ctx,
    stream: &Stream,
    decl: &EntityDecl,
    account: &Account,
    incremental: bool,
) -> Result<(), ApiError> {
    let cursor = match (incremental, ctx.state.cursor(&stream.name, &account.id)) {
        (true, Some(Cursor::Instant { at, ids })) => {
            Some((at, ids.into_iter().collect::<HashSet<String>>()))
        }
        _ => None,
    };
    // Built from scratch for every account: no parameter can leak from one account to another.
    let mut query: Query = vec![("advertiser_id", account.id.clone())];
    let mut filtering = Map::new();
    if ctx.config.include_deleted {
        if let Some((key, value)) = decl.deleted_filter {
            filtering.insert(key.into(), json!(value));
        }
    }
    if let (true, Some((at, _))) = (decl.server_modified_after, &cursor) {
        // A second early: whether TikTok's filter is inclusive or not, the cursor's own second
        // comes back and is decided below.
        let since = *at - Duration::seconds(1);
        filtering.insert(
            "modified_after".into(),
            json!(since.format("%Y-%m-%d %H:%M:%S").to_string()),
        );
    }
    if !filtering.is_empty() {
        query.push(("filtering", json_param(&Value::Object(filtering))));
    }
    let fields = datetime_fields(&stream.schema());
    let derived = decl
        .derived_key
        .map(|(outer, inner)| (decl.primary_key, outer, inner));
    // The newest change seen and the IDs changed in that second.
    let mut newest: Option<(DateTime<Utc>, HashSet<String>)> = None;
    walk_pages(
        &ctx.client,
        decl.path,
        &query,
        decl.page_size,
        decl.records_key,
        |items, total, _| {
            if total > 0 {
                ctx.out.add_estimate(&stream.name, total);
            }
            let mut records = Vec::with_capacity(items.len());
            for item in items {
                // Smart+ ads can lack modify_time: their creation time is the best we have.
                let changed = item
                    .get("modify_time")
                    .and_then(parse_instant)
                    .or_else(|| item.get("create_time").and_then(parse_instant));
                let id = item
                    .get(decl.primary_key)
                    .and_then(crate::tiktok::accounts::id_text);
                if let (true, Some(t)) = (decl.incremental, changed) {
                    match &mut newest {
                        Some((at, ids)) if *at == t => ids.extend(id.clone()),
                        Some((at, _)) if *at > t => {}
                        _ => newest = Some((t, id.clone().into_iter().collect())),
                    }
                }
                if let (Some((at, seen)), Some(t)) = (&cursor, changed) {
                    let already =
                        t < *at || (t == *at && id.as_ref().is_some_and(|i| seen.contains(i)));
                    if already {
                        continue;
                    }
                }
                records.push(entity_record(item, &account.id, &fields, derived));
            }
            ctx.out.records(&stream.name, records);
            true
        },
    )
    .await?;
    let moved = match (decl.incremental, newest, cursor) {
        (false, _, _) => None,
        // Same second as before: the IDs read then still count.
        (true, Some((at, mut ids)), Some((old_at, old_ids))) if at == old_at => {
            ids.extend(old_ids);
            Some(Cursor::Instant {
                at,
                ids: sorted(ids),
            })
        }
        (true, Some((at, ids)), _) => Some(Cursor::Instant {
            at,
            ids: sorted(ids),
        }),
        (true, None, Some((at, ids))) => Some(Cursor::Instant {
            at,
            ids: sorted(ids),
        }),
        (true, None, None) => None,
    };
    ctx.out.checkpoint(
        &stream.name,
        moved.as_ref().map(|c| (account.id.as_str(), c.clone())),
    );
    Ok(())
}

fn sorted(ids: HashSet<String>) -> Vec<String> {
    let mut v: Vec<String> = ids.into_iter().collect();
    v.sort();
    v
}

impl Ctx {
    /// The account's ad IDs (deleted ones too with `include_deleted`), for reading a capped
    /// report by ad; listed once per run and account.
    async fn ad_ids(&self, account: &Account) -> Result<Arc<Vec<String>>, ApiError> {
        let mut cache = self.ads.lock().await;
        if let Some(ids) = cache.get(&account.id) {
            return Ok(Arc::clone(ids));
        }
        let mut query: Query = vec![
            ("advertiser_id", account.id.clone()),
            ("fields", json_param(&json!(["ad_id"]))),
        ];
        if self.config.include_deleted {
            query.push((
                "filtering",
                json_param(&json!({"secondary_status": "AD_STATUS_ALL"})),
            ));
        }
        let mut ids = Vec::new();
        walk_pages(
            &self.client,
            "ad/get/",
            &query,
            1000,
            "list",
            |items, _, _| {
                ids.extend(
                    items
                        .iter()
                        .filter_map(|i| i.get("ad_id").and_then(crate::tiktok::accounts::id_text)),
                );
                true
            },
        )
        .await?;
        let ids = Arc::new(ids);
        cache.insert(account.id.clone(), Arc::clone(&ids));
        Ok(ids)
    }

    fn metrics_for(&self, stream: &str, spec: &ReportSpec) -> Vec<String> {
        let dropped = self.dropped.lock().unwrap_or_else(|e| e.into_inner());
        let gone = dropped.get(stream);
        spec.metrics
            .iter()
            .filter(|m| gone.is_none_or(|g| !g.contains(*m)))
            .cloned()
            .collect()
    }

    /// TikTok refused some metrics: drop them for this stream and say so once. False when the
    /// refusal names nothing we can drop.
    fn drop_metrics(&self, stream: &str, requested: &[String], invalid: &[String]) -> bool {
        if invalid.is_empty()
            || !invalid.iter().all(|m| requested.contains(m))
            || invalid.len() >= requested.len()
        {
            return false;
        }
        self.dropped
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(stream.to_string())
            .or_default()
            .extend(invalid.iter().cloned());
        self.out.warn_once(
            &format!("dropped:{stream}:{}", invalid.join(",")),
            &format!(
                "TikTok does not accept the metrics {} for stream {stream}; their columns are null for the rest of this sync.",
                invalid.join(", ")
            ),
        );
        true
    }
}

async fn read_report(
    ctx: &Ctx,
    stream: &Stream,
    spec: &ReportSpec,
    account: &Account,
    incremental: bool,
) -> Result<(), ApiError> {
    let tz = account
        .tz
        .clone()
        .map_err(|m| ApiError::transport(ErrorKind::Rejected, m, None, "advertiser/info/"))?;
    let today = ctx.now.with_timezone(&tz).date_naive();
    let config = &ctx.config;
    if spec.granularity == Granularity::Lifetime {
        let window = if spec.uses_query_lifetime() {
            None
        } else {
            let end = config.end_date.map_or(today, |e| e.min(today));
            let start = config.start_date.max(end - Duration::days(364));
            if start > end {
                ctx.out.checkpoint(&stream.name, None);
                return Ok(());
            }
            Some(Window { start, end })
        };
        read_window(ctx, stream, spec, account, window).await?;
        ctx.out.checkpoint(&stream.name, None);
        return Ok(());
    }
    let cursor = match (incremental, ctx.state.cursor(&stream.name, &account.id)) {
        (true, Some(Cursor::Day(d))) => Some(d),
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
    let mut pending: Vec<Window> = plan::windows(spec.granularity, &inputs);
    pending.reverse();
    while let Some(window) = pending.pop() {
        match read_window(ctx, stream, spec, account, Some(window)).await {
            Ok(()) => ctx
                .out
                .checkpoint(&stream.name, Some((&account.id, Cursor::Day(window.end)))),
            Err(e) if e.is_query_too_large() => match window.split() {
                Some((first, second)) => {
                    ctx.out.log(LogLevel::Info, &format!(
                        "TikTok found the {} request for account {} over {}..{} too large; reading it in two halves.",
                        stream.name, account.id, window.start, window.end));
                    pending.push(second);
                    pending.push(first);
                }
                None => return Err(e),
            },
            Err(e) => return Err(e),
        }
    }
    ctx.out.ensure_state(&stream.name);
    Ok(())
}

/// One report request (all its pages), retried with fewer metrics if TikTok rejects some.
/// One report request, complete: when TikTok answers that it covered only its 20,000 most recent
/// ads, the window is read again by ad IDs, 100 at a time, so no ad's rows are lost.
async fn read_window(
    ctx: &Ctx,
    stream: &Stream,
    spec: &ReportSpec,
    account: &Account,
    window: Option<Window>,
) -> Result<(), ApiError> {
    if !read_request(ctx, stream, spec, account, window, None).await? {
        return Ok(());
    }
    let ads = ctx.ad_ids(account).await?;
    ctx.out.log(
        LogLevel::Info,
        &format!(
            "TikTok reports at most 20,000 ads per request: stream {} for account {} is read by ad IDs, 100 at a time ({} ads).",
            stream.name,
            account.id,
            ads.len()
        ),
    );
    for chunk in ads.chunks(100) {
        read_request(ctx, stream, spec, account, window, Some(chunk)).await?;
    }
    Ok(())
}

/// One report request (all its pages), retried with fewer metrics if TikTok rejects some.
/// Returns true, having emitted nothing, when an ad-level answer was capped at TikTok's ad limit.
async fn read_request(
    ctx: &Ctx,
    stream: &Stream,
    spec: &ReportSpec,
    account: &Account,
    window: Option<Window>,
    ad_ids: Option<&[String]>,
) -> Result<bool, ApiError> {
    loop {
        let metrics = ctx.metrics_for(&stream.name, spec);
        let mut query: Query = vec![
            ("advertiser_id", account.id.clone()),
            ("service_type", "AUCTION".into()),
            ("report_type", spec.report_type.as_str().into()),
            ("data_level", spec.level.data_level().into()),
            ("dimensions", json_param(&json!(spec.dimensions()))),
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
        if ctx.config.include_deleted {
            if let Some(field) = spec.level.status_filter_field() {
                filters.push(json!({"field_name": field, "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}));
            }
        }
        if let Some(ids) = ad_ids {
            filters.push(json!({"field_name": "ad_ids", "filter_type": "IN", "filter_value": json!(ids).to_string()}));
        }
        if !filters.is_empty() {
            query.push(("filtering", json_param(&Value::Array(filters))));
        }
        // Only a whole-account ad-level request can be re-read by ad IDs.
        let may_cap = ad_ids.is_none() && spec.level == Level::Ad;
        let mut capped = false;
        let mut bad = Vec::new();
        let columns = Columns::new(spec, &spec.metrics);
        let result = walk_pages(
            &ctx.client,
            "report/integrated/get/",
            &query,
            1000,
            "list",
            |rows, total, throttled| {
                if throttled && may_cap {
                    capped = true;
                    return false;
                }
                if throttled {
                    ctx.out.warn_once(
                        &format!("capped:{}", stream.name),
                        &format!("TikTok answered that stream {} covers only its 20,000 most recent ads; its rows may be incomplete.", stream.name),
                    );
                }
                if total > 0 {
                    ctx.out.add_estimate(&stream.name, total);
                }
                // Columns of dropped metrics stay in the record, as null.
                let records = rows
                    .iter()
                    .map(|row| report_record(row, &account.id, &columns, &mut bad))
                    .collect();
                ctx.out.records(&stream.name, records);
                true
            },
        )
        .await;
        for b in bad {
            ctx.out.warn_once(
                &format!("bad:{}:{}", stream.name, b.metric),
                &format!("Stream {}: TikTok sent '{}' for metric {}, which is not a number; the value is null.", stream.name, b.text, b.metric),
            );
        }
        match result {
            Err(e) => match e.invalid_metrics() {
                Some(invalid) if ctx.drop_metrics(&stream.name, &metrics, &invalid) => continue,
                _ => return Err(e),
            },
            Ok(()) => return Ok(capped),
        }
    }
}
