//! The endpoints of issue 12 — Upgraded Smart+, GMV Max, Business Center and asynchronous report
//! tasks — routed and authorized here, so the server's route table only forwards to them; and
//! their state (task store, per-token finance roles). Their control endpoints are in
//! `extended_control`, their generation in `extended_world`.

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
use crate::config::ExtendedConfig;
use crate::gmv_max;
use crate::model::{ApiError, Params, World};
use crate::params;
use crate::report_tasks::{self, endpoints as tasks, TaskStore};
use crate::rng::{hash, Rng};
use crate::smart_plus;
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
    /// Number of Smart+ mutations so far: seeds which objects one picks.
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

    pub(crate) fn mutation_rng(&self, seed: u64) -> Rng {
        let n = self.mutations.fetch_add(1, Ordering::SeqCst);
        Rng::new(hash(&[seed, 0x5A_3117, n]))
    }
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

pub(crate) fn gmv_settings(shared: &Shared) -> gmv_max::report::Settings {
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

/// `report_tasks` re-exported for the server's file route.
pub use report_tasks::endpoints::FILES_PREFIX;
