//! The endpoints of issue 12 — Upgraded Smart+, GMV Max, Business Center and asynchronous report
//! tasks — routed and authorized here, so the server's route table only forwards to them. Also
//! their state (task store, per-token finance roles) and control endpoints.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Response, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::auth::{no_permission, Token};
use crate::business_center::{self, access::Access, access::Caller};
use crate::config::{ExtendedConfig, Level};
use crate::control::{bad, reply};
use crate::generate::IdSpace;
use crate::gmv_max;
use crate::model::{ApiError, Params, World};
use crate::params;
use crate::report_tasks::{self, endpoints as tasks, TaskStore};
use crate::rng::{hash, Rng};
use crate::smart_plus;
pub use crate::smart_plus::mutate::Change;
use crate::state::Shared;
use crate::sync::{lock, read};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    SmartPlusCampaignGet,
    SmartPlusAdgroupGet,
    SmartPlusAdGet,
    GmvMaxStoreList,
    GmvMaxCampaignGet,
    GmvMaxCampaignInfo,
    GmvMaxReport,
    BcGet,
    BcAssetGet,
    BcMemberGet,
    AdvertiserBalanceGet,
    BcTransactionGet,
    ReportTaskCreate,
    ReportTaskCheck,
    ReportTaskDownload,
    ReportTaskCancel,
}

impl Endpoint {
    /// Requests that may compute for a while (reports over many rows).
    pub fn heavy(self) -> bool {
        matches!(self, Endpoint::GmvMaxReport | Endpoint::ReportTaskDownload)
    }

    fn is_report_task(self) -> bool {
        matches!(
            self,
            Endpoint::ReportTaskCreate
                | Endpoint::ReportTaskCheck
                | Endpoint::ReportTaskDownload
                | Endpoint::ReportTaskCancel
        )
    }
}

/// Method and endpoint of a path under `/open_api/v1.3/`.
pub fn route(path: &str) -> Option<(Method, Endpoint)> {
    use Endpoint::*;
    let get = |e| Some((Method::GET, e));
    match path {
        "smart_plus/campaign/get/" => get(SmartPlusCampaignGet),
        "smart_plus/adgroup/get/" => get(SmartPlusAdgroupGet),
        "smart_plus/ad/get/" => get(SmartPlusAdGet),
        "gmv_max/store/list/" => get(GmvMaxStoreList),
        "gmv_max/campaign/get/" => get(GmvMaxCampaignGet),
        "campaign/gmv_max/info/" => get(GmvMaxCampaignInfo),
        "gmv_max/report/get/" => get(GmvMaxReport),
        "bc/get/" => get(BcGet),
        "bc/asset/get/" => get(BcAssetGet),
        "bc/member/get/" => get(BcMemberGet),
        "advertiser/balance/get/" => get(AdvertiserBalanceGet),
        "bc/account/transaction/get/" => get(BcTransactionGet),
        "report/task/create/" => Some((Method::POST, ReportTaskCreate)),
        "report/task/check/" => get(ReportTaskCheck),
        "report/task/download/" => get(ReportTaskDownload),
        "report/task/cancel/" => Some((Method::POST, ReportTaskCancel)),
        _ => None,
    }
}

/// Key of a handler's answer that is not a JSON envelope but a raw body (the CSV of
/// `report/task/download/`); the server sends `RAW_BODY` with `RAW_CONTENT_TYPE`.
pub const RAW_BODY: &str = "__raw_body";
pub const RAW_CONTENT_TYPE: &str = "__raw_content_type";

pub fn raw_body(content_type: &str, body: String) -> Value {
    json!({ RAW_BODY: body, RAW_CONTENT_TYPE: content_type })
}

/// The state of these endpoints inside one emulator.
pub struct ExtendedState {
    pub config: ExtendedConfig,
    pub access: Mutex<Access>,
    pub tasks: Mutex<TaskStore>,
    /// "http://127.0.0.1:PORT", set when the server binds; the base of `download_url`s.
    pub base_url: OnceLock<String>,
    mutations: AtomicU64,
}

impl ExtendedState {
    pub fn new(config: &ExtendedConfig) -> ExtendedState {
        ExtendedState {
            config: config.clone(),
            access: Mutex::new(Access::new(config.finance_role.clone())),
            tasks: Mutex::new(TaskStore::default()),
            base_url: OnceLock::new(),
            mutations: AtomicU64::new(0),
        }
    }

    fn mutation_rng(&self, seed: u64) -> Rng {
        let n = self.mutations.fetch_add(1, Ordering::SeqCst);
        Rng::new(hash(&[seed, 0x5A_3117, n]))
    }
}

/// Smart+ objects, GMV Max stores and campaigns of one advertiser, after its classic tree.
pub fn grow_advertiser(
    world: &mut World,
    ids: &mut IdSpace,
    seed: u64,
    cfg: &ExtendedConfig,
    adv_id: &str,
    now: DateTime<Utc>,
    history_days: u32,
) {
    smart_plus::generate::grow(world, ids, seed, cfg, adv_id, now, history_days);
    gmv_max::generate::grow(world, ids, seed, cfg, adv_id, now, history_days);
}

/// Business Centers over all advertisers (new advertisers join one).
pub fn grow_business(world: &mut World, seed: u64, cfg: &ExtendedConfig, now: DateTime<Utc>) {
    business_center::generate::grow(world, seed, cfg.business_centers, now);
}

fn authorize(world: &World, token: &Token, id: &str) -> Result<(), ApiError> {
    if token.advertisers.contains(id) && world.advertiser(id).is_some() {
        Ok(())
    } else {
        Err(no_permission(id))
    }
}

/// `advertiser_ids` (up to 5) or `advertiser_id` of a report task creation.
fn task_advertisers(params: &Params) -> Result<Vec<String>, ApiError> {
    if let Some(v) = params::json(params, "advertiser_ids")? {
        let ids = params::id_list(&v, "advertiser_ids", 5)?;
        if !ids.is_empty() {
            let mut seen = BTreeSet::new();
            return Ok(ids.into_iter().filter(|i| seen.insert(i.clone())).collect());
        }
    }
    Ok(vec![params::required(params, "advertiser_id")?.to_string()])
}

/// Handles an endpoint after the token check and the app limit; authorizes the advertiser or
/// the Business Center and applies the endpoint's own limits.
#[allow(clippy::too_many_arguments)]
pub fn handle(
    shared: &Shared,
    world: &World,
    token_text: &str,
    token: &Token,
    ep: Endpoint,
    params: &Params,
    now: DateTime<Utc>,
    instant: Instant,
    path: &str,
) -> Result<Value, ApiError> {
    let cfg = &shared.extended.config;
    if ep.is_report_task() {
        // One bucket for the four task endpoints (TikTok: 1 QPS per app).
        lock(&shared.limiter).app(
            "report/task/*",
            &token.app_id,
            cfg.report_task_qps,
            0,
            instant,
        )?;
    }
    use Endpoint::*;
    match ep {
        BcGet | BcAssetGet | BcMemberGet | AdvertiserBalanceGet | BcTransactionGet => {
            let caller = Caller {
                advertisers: &token.advertisers,
                finance_role: lock(&shared.extended.access).finance_role(token_text),
            };
            let r = business_center::endpoints::Request {
                world,
                params,
                caller,
                now,
                seed: shared.seed,
            };
            return match ep {
                BcGet => business_center::endpoints::bc_get(&r),
                BcAssetGet => business_center::endpoints::asset_get(&r),
                BcMemberGet => business_center::endpoints::member_get(&r),
                AdvertiserBalanceGet => business_center::endpoints::balance_get(&r),
                _ => business_center::endpoints::transaction_get(&r),
            };
        }
        ReportTaskCreate => {
            let advertisers = task_advertisers(params)?;
            for id in &advertisers {
                authorize(world, token, id)?;
            }
            if let Some(first) = advertisers.first() {
                lock(&shared.limiter).advertiser(first, path, shared.advertiser_qps, instant)?;
            }
            let ctx = task_ctx(shared, world, params, now);
            return tasks::create(&ctx, &mut lock(&shared.extended.tasks), advertisers);
        }
        _ => {}
    }
    let adv = params::required(params, "advertiser_id")?;
    authorize(world, token, adv)?;
    lock(&shared.limiter).advertiser(adv, path, shared.advertiser_qps, instant)?;
    match ep {
        SmartPlusCampaignGet | SmartPlusAdgroupGet | SmartPlusAdGet => {
            let r = smart_plus::endpoints::Request {
                world,
                params,
                advertiser_id: adv,
            };
            match ep {
                SmartPlusCampaignGet => smart_plus::endpoints::campaign_get(&r),
                SmartPlusAdgroupGet => smart_plus::endpoints::adgroup_get(&r),
                _ => smart_plus::endpoints::ad_get(&r),
            }
        }
        GmvMaxStoreList | GmvMaxCampaignGet | GmvMaxCampaignInfo => {
            let r = gmv_max::endpoints::Request {
                world,
                params,
                advertiser_id: adv,
            };
            match ep {
                GmvMaxStoreList => gmv_max::endpoints::store_list(&r),
                GmvMaxCampaignGet => gmv_max::endpoints::campaign_get(&r),
                _ => gmv_max::endpoints::campaign_info(&r),
            }
        }
        GmvMaxReport => {
            // Its own bucket besides the app's (TikTok basic tier: 8 QPS, 240 QPM).
            lock(&shared.limiter).app(
                "gmv_max/report/get/",
                &token.app_id,
                cfg.gmv_max_report_qps,
                cfg.gmv_max_report_qpm,
                instant,
            )?;
            gmv_max::report::report_get(world, params, now, gmv_settings(shared))
        }
        ReportTaskCheck => {
            let ctx = task_ctx(shared, world, params, now);
            tasks::check(&ctx, &mut lock(&shared.extended.tasks))
        }
        ReportTaskDownload => {
            let ctx = task_ctx(shared, world, params, now);
            tasks::download(&ctx, &mut lock(&shared.extended.tasks))
        }
        ReportTaskCancel => {
            let ctx = task_ctx(shared, world, params, now);
            tasks::cancel(&ctx, &mut lock(&shared.extended.tasks))
        }
        _ => Err(ApiError::new(40400, "Route not found.")),
    }
}

fn gmv_settings(shared: &Shared) -> gmv_max::report::Settings {
    gmv_max::report::Settings {
        seed: shared.seed,
        settle_hours: shared.extended.config.gmv_max_settle_hours,
    }
}

fn task_ctx<'a>(
    shared: &'a Shared,
    world: &'a World,
    params: &'a Params,
    now: DateTime<Utc>,
) -> tasks::Ctx<'a> {
    tasks::Ctx {
        world,
        params,
        now,
        seed: shared.seed,
        config: &shared.extended.config,
        report: &shared.report,
        sandbox: shared.sandbox,
        base_url: shared
            .extended
            .base_url
            .get()
            .map_or("http://127.0.0.1", String::as_str),
    }
}

/// A file behind a report task's `download_url` (`GET /report_task_files/<key>/<name>`).
pub fn task_file(shared: &Shared, rest: &str) -> Response<Body> {
    let now = shared.now();
    let world = read(&shared.world);
    let (status, content_type, body) = tasks::file(
        &world,
        &lock(&shared.extended.tasks),
        &shared.report,
        rest,
        now,
    );
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND);
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// Every row a GMV Max report request selects at the current clock, ignoring paging.
pub fn gmv_max_truth(
    shared: &Shared,
    params: &Params,
) -> Result<Vec<crate::report::ReportRow>, ApiError> {
    gmv_max::report::rows(
        &read(&shared.world),
        params,
        shared.now(),
        gmv_settings(shared),
    )
}

/// Applies a Smart+ mutation and returns the changed ids.
pub fn mutate_smart_plus(
    shared: &Shared,
    change: Change,
    advertiser_id: &str,
    level: Level,
    n: usize,
) -> Vec<String> {
    let mut rng = shared.extended.mutation_rng(shared.seed);
    shared.mutate(|w, now| {
        smart_plus::mutate::apply(w, change, advertiser_id, level, n, now, &mut rng)
    })
}

/// A token reaching `advertiser_ids` (all when empty) whose user has `finance_role` (or none)
/// in its Business Centers.
pub fn issue_bc_token(
    shared: &Shared,
    advertiser_ids: &[&str],
    finance_role: Option<&str>,
) -> Result<String, String> {
    if let Some(r) = finance_role {
        if !business_center::access::FINANCE_ROLES.contains(&r) {
            return Err(format!(
                "finance_role must be MANAGER, ANALYST or null, not {r}"
            ));
        }
    }
    let all: Vec<String> = read(&shared.world)
        .advertisers
        .iter()
        .map(|a| a.advertiser_id.clone())
        .collect();
    let ids: Vec<&str> = if advertiser_ids.is_empty() {
        all.iter().map(String::as_str).collect()
    } else {
        advertiser_ids.to_vec()
    };
    let token = shared.issue_token(&ids);
    lock(&shared.extended.access).set(&token, finance_role.map(str::to_string));
    Ok(token)
}

/// Control endpoints of these features; `None` when `path` is not one of them.
pub fn control(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    body: &Value,
) -> Option<Response<Body>> {
    Some(match (method.as_str(), path) {
        ("POST", "smart_plus/modify" | "smart_plus/add" | "smart_plus/delete") => {
            let Some(adv) = body.get("advertiser_id").and_then(Value::as_str) else {
                return Some(bad("'advertiser_id' (string) is required"));
            };
            let Some(level) = body
                .get("level")
                .and_then(Value::as_str)
                .and_then(Level::parse)
            else {
                return Some(bad("'level' must be one of campaign, adgroup, ad"));
            };
            if read(&shared.world).advertiser(adv).is_none() {
                return Some(bad(format!("unknown advertiser {adv}")));
            }
            let n = body.get("n").and_then(Value::as_u64).unwrap_or(1) as usize;
            let Some(change) = Change::parse(path.trim_start_matches("smart_plus/")) else {
                return Some(bad("unknown Smart+ change"));
            };
            reply(
                StatusCode::OK,
                json!({ "ids": mutate_smart_plus(shared, change, adv, level, n) }),
            )
        }
        ("POST", "bc/tokens/issue") => {
            let ids: Vec<&str> = body
                .get("advertiser_ids")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let role = match body.get("finance_role") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.as_str()),
                Some(_) => return Some(bad("'finance_role' must be a string or null")),
            };
            match issue_bc_token(shared, &ids, role) {
                Ok(t) => reply(StatusCode::OK, json!({ "access_token": t })),
                Err(e) => bad(e),
            }
        }
        ("GET", "gmv_max_report_truth") => {
            let p = params::decode_query(query);
            match gmv_max_truth(shared, &p) {
                Ok(rows) => reply(StatusCode::OK, json!({ "count": rows.len(), "rows": rows })),
                Err(e) => reply(
                    StatusCode::OK,
                    json!({ "code": e.code, "message": e.message }),
                ),
            }
        }
        _ => return None,
    })
}

/// `report_tasks` re-exported for the server's file route.
pub use report_tasks::endpoints::FILES_PREFIX;
