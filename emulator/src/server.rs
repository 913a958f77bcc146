//! HTTP front: routing, parameter decoding, the TikTok envelope, auth, limits, faults, latency and
//! the request log. Endpoint logic lives in `entities`, `assets`, `auth` and `report`.

use std::borrow::Cow;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, Response, StatusCode};
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::assets;
use crate::auth::{self, no_permission, Token};
use crate::buying;
use crate::control;
use crate::entities;
use crate::extended_api;
use crate::faults::{self, Fault};
use crate::log::{mask_params, LoggedRequest};
use crate::model::{ApiError, Params, World};
use crate::net::KillSwitch;
use crate::params::{self, FieldSelection};
use crate::pixels;
use crate::report;
use crate::rng::hash;
use crate::state::Shared;
use crate::sync::{lock, read};

pub const API_PREFIX: &str = "/open_api/v1.3/";
const MAX_BODY: usize = 16 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ep {
    AccessToken,
    RevokeToken,
    AdvertiserGet,
    UserInfo,
    AdvertiserInfo,
    CampaignGet,
    AdgroupGet,
    AdGet,
    Report,
    ImageSearch,
    ImageInfo,
    VideoSearch,
    VideoInfo,
    MusicGet,
    PortfolioList,
    AudienceList,
    PixelList,
    PixelEventStats,
    PixelInstantPageEvent,
    TtVideoList,
    /// Smart+, GMV Max, Business Center and report tasks (`extended_api`).
    Extended(extended_api::Endpoint),
}

fn route(endpoint: &str) -> Option<(Method, Ep)> {
    let get = |e| Some((Method::GET, e));
    match endpoint {
        "oauth2/access_token/" => Some((Method::POST, Ep::AccessToken)),
        "oauth2/revoke_token/" => Some((Method::POST, Ep::RevokeToken)),
        "oauth2/advertiser/get/" => get(Ep::AdvertiserGet),
        "user/info/" => get(Ep::UserInfo),
        "advertiser/info/" => get(Ep::AdvertiserInfo),
        "campaign/get/" => get(Ep::CampaignGet),
        "adgroup/get/" => get(Ep::AdgroupGet),
        "ad/get/" => get(Ep::AdGet),
        "report/integrated/get/" => get(Ep::Report),
        "file/image/ad/search/" => get(Ep::ImageSearch),
        "file/image/ad/info/" => get(Ep::ImageInfo),
        "file/video/ad/search/" => get(Ep::VideoSearch),
        "file/video/ad/info/" => get(Ep::VideoInfo),
        "file/music/get/" => get(Ep::MusicGet),
        "creative/portfolio/list/" => get(Ep::PortfolioList),
        "dmp/custom_audience/list/" => get(Ep::AudienceList),
        "pixel/list/" => get(Ep::PixelList),
        "pixel/event/stats/" => get(Ep::PixelEventStats),
        "pixel/instant_page/event/" => get(Ep::PixelInstantPageEvent),
        "tt_video/list/" => get(Ep::TtVideoList),
        other => extended_api::route(other).map(|(m, e)| (m, Ep::Extended(e))),
    }
}

/// TikTok's gateway answers a GET without the trailing slash as the endpoint with it (a widely
/// used client checks its token with `GET /open_api/v1.3/user/info`). The endpoint keeps its
/// canonical name, so faults, limits and the handler see one endpoint; unknown paths stay 404.
fn with_gateway_slash<'a>(endpoint: &'a str, method: &Method) -> Cow<'a, str> {
    if method == Method::GET && !endpoint.ends_with('/') && route(endpoint).is_none() {
        let slashed = format!("{endpoint}/");
        if route(&slashed).is_some() {
            return Cow::Owned(slashed);
        }
    }
    Cow::Borrowed(endpoint)
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(dispatch).with_state(shared)
}

/// `YYYYMMDDHHMMSS` of the emulator clock + 20 uppercase hex digits from the seeded counter.
pub fn request_id(seed: u64, n: u64, now: DateTime<Utc>) -> String {
    let hi = hash(&[seed, n, 0x1D]) & 0xFFFF;
    let lo = hash(&[seed, n, 0x1E]);
    format!("{}{hi:04X}{lo:016X}", now.format("%Y%m%d%H%M%S"))
}

pub fn envelope(code: i64, message: &str, request_id: &str, data: &Value) -> String {
    let message = serde_json::to_string(message).unwrap_or_else(|_| "\"\"".to_string());
    let data = serde_json::to_string(data).unwrap_or_else(|_| "{}".to_string());
    format!(
        "{{\"code\":{code},\"message\":{message},\"request_id\":\"{request_id}\",\"data\":{data}}}"
    )
}

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn not_found() -> Response<Body> {
    text(
        StatusCode::NOT_FOUND,
        "text/plain; charset=utf-8",
        "404 page not found".to_string(),
    )
}

/// `page_info.total_page` of a paged answer, carried from the endpoint to the request log.
#[derive(Clone, Copy)]
struct TotalPage(u64);

/// What one API request produced, before it becomes bytes.
struct Outcome {
    response: Response<Body>,
    code: Option<i64>,
    status: u16,
    fault: Option<String>,
}

async fn dispatch(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(kill): ConnectInfo<KillSwitch>,
    req: Request,
) -> Response<Body> {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    if let Some(rest) = path.strip_prefix("/_emulator/") {
        let body = axum::body::to_bytes(body, MAX_BODY)
            .await
            .unwrap_or_default();
        return control::handle(
            &shared,
            &parts.method,
            rest,
            parts.uri.query().unwrap_or(""),
            &body,
        );
    }
    let mut params = params::decode_query(parts.uri.query().unwrap_or(""));
    let body = axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default();
    // A GET body is optional (Airbyte sends `{}`); only a POST body must be valid JSON.
    let body_error = params::merge_json_body(&mut params, &body).err();
    let token = parts
        .headers
        .get("access-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);

    let outcome = if path == "/portal/auth" || path == "/marketing_api/auth" {
        portal(&shared, &parts.method, &params)
    } else if let Some(rest) = path
        .strip_prefix(extended_api::FILES_PREFIX)
        .filter(|_| parts.method == Method::GET)
    {
        let response = extended_api::task_file(&shared, rest);
        let status = response.status().as_u16();
        Outcome {
            response,
            code: None,
            status,
            fault: None,
        }
    } else {
        match path
            .strip_prefix(API_PREFIX)
            .map(|e| with_gateway_slash(e, &parts.method))
            .and_then(|e| route(&e).map(|r| (e, r)))
        {
            Some((endpoint, (method, ep))) if method == parts.method => {
                let overridden_answer = lock(&shared.overrides).answer(&endpoint, &params);
                match overridden_answer {
                    Some(answer) => overridden(answer),
                    None => {
                        let body_error = if method == Method::POST {
                            body_error
                        } else {
                            None
                        };
                        api(
                            &shared,
                            &endpoint,
                            ep,
                            &params,
                            token.as_deref(),
                            body_error,
                            &kill,
                        )
                        .await
                    }
                }
            }
            _ => Outcome {
                response: not_found(),
                code: None,
                status: 404,
                fault: None,
            },
        }
    };
    shared.log.push(LoggedRequest {
        method: parts.method.to_string(),
        path,
        params: mask_params(&params),
        code: outcome.code,
        http_status: outcome.status,
        latency_ms: started.elapsed().as_millis() as u64,
        arrived_us: started.duration_since(shared.started).as_micros() as u64,
        fault: outcome.fault,
        total_page: outcome
            .response
            .extensions()
            .get::<TotalPage>()
            .map(|t| t.0),
    });
    outcome.response
}

/// A test's answer in place of the endpoint's (see `overrides`).
fn overridden(answer: crate::overrides::Answer) -> Outcome {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let code = serde_json::from_str::<Value>(&answer.body)
        .ok()
        .and_then(|v| v.get("code").and_then(Value::as_i64));
    let mut response = text(status, "application/json", answer.body);
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    Outcome {
        response,
        code,
        status: status.as_u16(),
        fault: Some("override".into()),
    }
}

fn portal(shared: &Shared, method: &Method, params: &Params) -> Outcome {
    if method != Method::GET {
        return Outcome {
            response: not_found(),
            code: None,
            status: 404,
            fault: None,
        };
    }
    let page = auth::portal_page(params, &shared.app_id, || shared.new_auth_code());
    let (status, body) = match page {
        Ok(b) => (StatusCode::OK, b),
        Err(b) => (StatusCode::BAD_REQUEST, b),
    };
    Outcome {
        response: text(status, "text/html; charset=utf-8", body),
        code: None,
        status: status.as_u16(),
        fault: None,
    }
}

async fn api(
    shared: &Shared,
    endpoint: &str,
    ep: Ep,
    params: &Params,
    token: Option<&str>,
    body_error: Option<ApiError>,
    kill: &KillSwitch,
) -> Outcome {
    // TikTok's gateway counts a request against the app's QPS/QPM when it arrives; the response
    // time (the latency knob) is spent after admission. Deciding before the delay keeps jittered
    // latency from reordering what the limiter sees, as with the real API.
    let limit_key = if shared.sandbox { endpoint } else { "" };
    let admission = Admission {
        body_error,
        rate_limit: lock(&shared.limiter).app(
            limit_key,
            &shared.app_id,
            shared.qps,
            shared.qpm,
            Instant::now(),
        ),
    };
    let n = shared.counter.fetch_add(1, Ordering::SeqCst);
    let delay = faults::latency_ms(&shared.latency, shared.seed, n);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    let fault = lock(&shared.faults).decide(n, endpoint);
    let fault_name = fault.as_ref().map(|f| f.name().to_string());
    let now = shared.now();
    let rid = request_id(shared.seed, n, now);
    let result = match &fault {
        Some(Fault::Reset) => {
            kill.kill();
            return Outcome {
                response: text(StatusCode::OK, "application/json", String::new()),
                code: None,
                status: 0,
                fault: fault_name,
            };
        }
        Some(Fault::Http5xx(status)) => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY);
            return Outcome {
                response: text(status, "text/html", faults::gateway_html(status.as_u16())),
                code: None,
                status: status.as_u16(),
                fault: fault_name,
            };
        }
        Some(Fault::ApiError { code, message }) => Err(ApiError::new(*code, message.clone())),
        Some(Fault::RateLimit) => {
            let limit = if shared.qps > 0 { shared.qps } else { 10 };
            Err(ApiError::new(
                40100,
                format!(
                    "App {} reaches the QPS limit {limit}, current QPS is {}.",
                    shared.app_id,
                    limit + 1
                ),
            ))
        }
        Some(Fault::Slow(ms)) => {
            tokio::time::sleep(std::time::Duration::from_millis(*ms)).await;
            run(shared, endpoint, ep, params, token, admission, now)
        }
        Some(Fault::Truncated) | None => run(shared, endpoint, ep, params, token, admission, now),
    };
    let mut result = result;
    if let Ok(Value::Object(m)) = &mut result {
        if let Some(Value::String(body)) = m.remove(extended_api::RAW_BODY) {
            let content_type = m
                .get(extended_api::RAW_CONTENT_TYPE)
                .and_then(Value::as_str)
                .and_then(|c| HeaderValue::from_str(c).ok())
                .unwrap_or(HeaderValue::from_static("text/plain"));
            let mut response = Response::new(Body::from(body));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, content_type);
            if let Ok(v) = HeaderValue::from_str(&rid) {
                response.headers_mut().insert("x-tt-logid", v);
            }
            return Outcome {
                response,
                code: Some(0),
                status: 200,
                fault: fault_name,
            };
        }
    }
    let throttled = match &mut result {
        Ok(serde_json::Value::Object(m)) => m.remove(report::ADS_THROTTLED).is_some(),
        _ => false,
    };
    let total_page = result
        .as_ref()
        .ok()
        .and_then(|d| d.pointer("/page_info/total_page"))
        .and_then(Value::as_u64);
    let (code, message, data) = match &result {
        Ok(data) => (0, "OK", data),
        Err(e) => (e.code, e.message.as_str(), &json!({})),
    };
    let mut body = envelope(code, message, &rid, data);
    let mut logged_code = Some(code);
    if fault == Some(Fault::Truncated) {
        // Cut inside the JSON (never at a char boundary problem: the envelope is mostly ASCII).
        let mut cut = body.len() / 2;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
        logged_code = None;
    }
    let mut response = text(StatusCode::OK, "application/json", body);
    if let Ok(v) = HeaderValue::from_str(&rid) {
        response.headers_mut().insert("x-tt-logid", v);
    }
    if let Some(n) = total_page {
        response.extensions_mut().insert(TotalPage(n));
    }
    if throttled {
        response.headers_mut().insert(
            "x-tt-ads-throttle",
            HeaderValue::from_static(report::ADS_THROTTLE_HEADER),
        );
    }
    Outcome {
        response,
        code: logged_code,
        status: 200,
        fault: fault_name,
    }
}

/// What was decided about a request when it arrived, before its latency: whether its POST body
/// was readable, and whether the app's rate limit admitted it.
struct Admission {
    body_error: Option<ApiError>,
    rate_limit: Result<(), ApiError>,
}

/// A big report can compute for a while: let the runtime move other connections off this worker.
fn run(
    shared: &Shared,
    endpoint: &str,
    ep: Ep,
    params: &Params,
    token: Option<&str>,
    admission: Admission,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    let heavy = match ep {
        Ep::Report => true,
        Ep::Extended(e) => e.heavy(),
        _ => false,
    };
    if heavy {
        tokio::task::block_in_place(|| handle(shared, endpoint, ep, params, token, admission, now))
    } else {
        handle(shared, endpoint, ep, params, token, admission, now)
    }
}

/// Auth, limits, advertiser authorization, then the endpoint itself.
fn handle(
    shared: &Shared,
    endpoint: &str,
    ep: Ep,
    params: &Params,
    token: Option<&str>,
    admission: Admission,
    now: DateTime<Utc>,
) -> Result<Value, ApiError> {
    let instant = Instant::now();
    match ep {
        Ep::AccessToken | Ep::RevokeToken => {
            if let Some(e) = admission.body_error {
                return Err(e);
            }
            admission.rate_limit?;
            let advertisers: Vec<String> = read(&shared.world)
                .advertisers
                .iter()
                .map(|a| a.advertiser_id.clone())
                .collect();
            let mut auth = lock(&shared.auth);
            return if ep == Ep::AccessToken {
                auth.exchange(params, now, advertisers)
            } else {
                auth.revoke_endpoint(params)
            };
        }
        _ => {}
    }
    let token_text = token.map(str::trim).unwrap_or_default().to_string();
    let token: Token = lock(&shared.auth).check(token)?.clone();
    admission.rate_limit?;
    let world = read(&shared.world);
    let authorize = |id: &str| -> Result<(), ApiError> {
        if token.advertisers.contains(id) && world.advertiser(id).is_some() {
            Ok(())
        } else {
            Err(no_permission(id))
        }
    };
    let limit_advertiser =
        |id: &str| lock(&shared.limiter).advertiser(id, endpoint, shared.advertiser_qps, instant);
    match ep {
        Ep::AdvertiserGet => {
            if shared.sandbox {
                return Err(ApiError::new(
                    40008,
                    "This API is not supported in the sandbox environment.",
                ));
            }
            lock(&shared.auth).check_app_params(params, &token)?;
            let list: Vec<Value> = world
                .advertisers
                .iter()
                .filter(|a| token.advertisers.contains(&a.advertiser_id))
                .map(|a| json!({ "advertiser_id": a.advertiser_id, "advertiser_name": a.name }))
                .collect();
            Ok(json!({ "list": list }))
        }
        Ep::UserInfo => Ok(json!({
            "id": "6990000000000000001",
            "core_user_id": "6990000000000000001",
            "display_name": "Emulator User",
            "email": "e***r@example.com",
            "avatar_url": "https://p16-sign-va.tiktokcdn.com/avatar/emulator.jpeg",
            "create_time": 1_600_000_000,
        })),
        Ep::AdvertiserInfo => {
            let ids = params::json(params, "advertiser_ids")?
                .ok_or_else(|| params::missing("advertiser_ids"))?;
            let ids = params::id_list(&ids, "advertiser_ids", usize::MAX)?;
            if ids.is_empty() {
                return Err(ApiError::param(
                    "advertiser_ids: Length must be between 1 and 100.",
                ));
            }
            if ids.len() > 100 {
                return Err(ApiError::new(
                    40011,
                    "Too many IDs. advertiser_ids: at most 100 IDs per request.",
                ));
            }
            for id in &ids {
                authorize(id)?;
            }
            let sel = FieldSelection::parse(params)?;
            let list: Vec<Value> = ids
                .iter()
                .filter_map(|id| world.advertiser(id))
                .map(|a| sel.apply(advertiser_info(a, &world)))
                .collect();
            Ok(json!({ "list": list }))
        }
        Ep::Report => {
            let ids = match params::json(params, "advertiser_ids") {
                Ok(Some(v)) => {
                    params::id_list(&v, "advertiser_ids", usize::MAX).unwrap_or_default()
                }
                _ => Vec::new(),
            };
            let ids = if ids.is_empty() {
                params
                    .get("advertiser_id")
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty())
                    .map(|s| vec![s.to_string()])
                    .unwrap_or_default()
            } else {
                ids
            };
            for id in &ids {
                authorize(id)?;
            }
            if let Some(first) = ids.first() {
                limit_advertiser(first)?;
            }
            reject_metrics(params, &shared.rejected_metrics)?;
            if shared.report_top_view_alone {
                buying::refuse_combined_top_view_in_report(params)?;
            }
            report::integrated_get(&world, params, now, &shared.report)
        }
        Ep::Extended(e) => {
            if let Some(error) = admission.body_error {
                return Err(error);
            }
            extended_api::handle(
                shared,
                &world,
                &token_text,
                &token,
                e,
                params,
                now,
                instant,
                endpoint,
            )
        }
        _ => {
            let adv = params::required(params, "advertiser_id")?;
            authorize(adv)?;
            limit_advertiser(adv)?;
            if ep == Ep::PixelEventStats {
                return pixels::stats::event_stats(&world, params, adv, now, &shared.pixels);
            }
            per_advertiser(&world, ep, params, adv, shared.sandbox)
        }
    }
}

/// Metrics configured as unavailable to the account, with TikTok's message (trailing space
/// included). Malformed `metrics` are left to the report engine to reject.
fn reject_metrics(params: &Params, rejected: &[String]) -> Result<(), ApiError> {
    if rejected.is_empty() {
        return Ok(());
    }
    let Ok(Some(v)) = params::json(params, "metrics") else {
        return Ok(());
    };
    let Ok(metrics) = params::string_list(&v, "metrics") else {
        return Ok(());
    };
    let bad: Vec<String> = metrics
        .iter()
        .filter(|m| rejected.contains(m))
        .map(|m| format!("'{m}'"))
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(ApiError::param(format!(
        "Please correct the information in invalid metric fields and try again. Invalid metric fields: [{}]. ",
        bad.join(", ")
    )))
}

fn per_advertiser(
    world: &World,
    ep: Ep,
    params: &Params,
    adv: &str,
    sandbox: bool,
) -> Result<Value, ApiError> {
    let e = entities::Request {
        world,
        params,
        advertiser_id: adv,
        sandbox,
    };
    let a = assets::Request {
        world,
        params,
        advertiser_id: adv,
    };
    match ep {
        Ep::CampaignGet => entities::campaign_get(&e),
        Ep::AdgroupGet => entities::adgroup_get(&e),
        Ep::AdGet => entities::ad_get(&e),
        Ep::ImageSearch => assets::image_search(&a),
        Ep::ImageInfo => assets::asset_info(&a, false),
        Ep::VideoSearch => assets::video_search(&a),
        Ep::VideoInfo => assets::asset_info(&a, true),
        Ep::MusicGet => assets::music_get(&a),
        Ep::PortfolioList => assets::portfolio_list(&a),
        Ep::AudienceList => assets::audience_list(&a),
        Ep::PixelList => assets::pixel_list(&a),
        Ep::PixelInstantPageEvent => pixels::instant_page::instant_page_events(params),
        Ep::TtVideoList => assets::spark_ads(&a),
        _ => Err(ApiError::new(40400, "Route not found.")),
    }
}

fn advertiser_info(a: &crate::model::Advertiser, world: &World) -> serde_json::Map<String, Value> {
    let h = crate::rng::hash_str(&a.advertiser_id);
    // The Business Center that administers the account, as `bc/asset/get/` shows it.
    let owner_bc_id = world.business.owner_of(&a.advertiser_id).map_or_else(
        || format!("{}", 7_200_000_000_000_000_000u64 + h % 1_000_000_000_000),
        |bc| bc.bc_id.clone(),
    );
    let v = json!({
        "advertiser_id": a.advertiser_id,
        "name": a.name,
        "owner_bc_id": owner_bc_id,
        "status": a.status,
        "role": a.role,
        "rejection_reason": "",
        "timezone": a.timezone,
        "display_timezone": a.display_timezone,
        "company": a.company,
        "industry": a.industry,
        "address": format!("{} Main Street", 1 + h % 900),
        "country": a.country,
        "advertiser_account_type": "AUCTION",
        "currency": a.currency,
        "language": crate::generate::language_of_country(&a.country),
        "contacter": "J***n",
        "email": "m***g@example.com",
        "cellphone_number": "+1*****4321",
        "telephone_number": "",
        "license_no": "",
        "license_url": "",
        "description": format!("{} on TikTok", a.name.trim()),
        "balance": a.balance,
        "create_time": a.create_time.timestamp(),
    });
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}
