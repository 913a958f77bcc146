//! The control endpoint (`/_emulator/...`): what the library handle does, over HTTP, for the
//! binary. Plain JSON in and out; these requests are not API traffic and are not logged.

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Response, StatusCode};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::{json, Value};

use crate::config::{Faults, Level};
use crate::overrides::Override;
use crate::params;
use crate::state::Shared;
use crate::sync::lock;

pub(crate) fn reply(status: StatusCode, v: Value) -> Response<Body> {
    let mut r = Response::new(Body::from(v.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub(crate) fn bad(msg: impl Into<String>) -> Response<Body> {
    reply(StatusCode::BAD_REQUEST, json!({ "error": msg.into() }))
}

fn str_field<'a>(body: &'a Value, key: &str) -> Result<&'a str, Box<Response<Body>>> {
    body.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| Box::new(bad(format!("'{key}' (string) is required"))))
}

pub fn handle(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> Response<Body> {
    let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => return bad(format!("body is not JSON: {e}")),
        }
    };
    let path = path.trim_end_matches('/');
    match (method.as_str(), path) {
        ("GET", "clock") => reply(StatusCode::OK, json!({ "now": shared.now().to_rfc3339() })),
        ("POST", "clock") => clock(shared, &body),
        ("POST", "entities/modify") | ("POST", "entities/add") | ("POST", "entities/delete") => {
            entities(shared, path, &body)
        }
        ("GET", "inventory") => reply(
            StatusCode::OK,
            crate::inventory::inventory(&shared.world(), shared.now()),
        ),
        ("GET", "advertisers") => {
            let world = shared.world();
            let list: Vec<Value> = world
                .advertisers
                .iter()
                .map(|a| json!({ "advertiser_id": a.advertiser_id, "name": a.name, "timezone": a.timezone, "currency": a.currency }))
                .collect();
            reply(StatusCode::OK, json!({ "advertisers": list }))
        }
        ("POST", "advertisers") => {
            let (name, tz) = match (str_field(&body, "name"), str_field(&body, "timezone")) {
                (Ok(n), Ok(t)) => (n, t),
                (Err(e), _) | (_, Err(e)) => return *e,
            };
            if tz.parse::<chrono_tz::Tz>().is_err() {
                return bad(format!("unknown time zone '{tz}'"));
            }
            reply(
                StatusCode::OK,
                json!({ "advertiser_id": shared.add_advertiser(name, tz) }),
            )
        }
        ("POST", "tokens/revoke") => match str_field(&body, "token") {
            Ok(t) => {
                shared.revoke_token(t);
                reply(StatusCode::OK, json!({ "revoked": true }))
            }
            Err(e) => *e,
        },
        ("POST", "tokens/issue") => {
            let ids: Vec<String> = body
                .get("advertiser_ids")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            reply(
                StatusCode::OK,
                json!({ "access_token": shared.issue_token(&refs) }),
            )
        }
        ("POST", "auth_code") => reply(
            StatusCode::OK,
            json!({ "auth_code": shared.new_auth_code() }),
        ),
        ("POST", "faults") => match serde_json::from_value::<Faults>(body) {
            Ok(f) => {
                shared.set_faults(f);
                reply(StatusCode::OK, json!({ "ok": true }))
            }
            Err(e) => bad(format!("invalid faults: {e}")),
        },
        ("POST", "overrides") => match serde_json::from_value::<Override>(body) {
            Ok(o) => match lock(&shared.overrides).add(o) {
                Ok(n) => reply(StatusCode::OK, json!({ "count": n })),
                Err(e) => bad(e),
            },
            Err(e) => bad(format!("invalid override: {e}")),
        },
        ("GET", "overrides") => {
            let all = lock(&shared.overrides).all();
            reply(StatusCode::OK, json!({ "overrides": all }))
        }
        ("POST", "overrides/clear") => {
            lock(&shared.overrides).clear();
            reply(StatusCode::OK, json!({ "ok": true }))
        }
        ("GET", "requests") => {
            let all = shared.log.all();
            reply(
                StatusCode::OK,
                json!({ "count": all.len(), "requests": all }),
            )
        }
        ("POST", "requests/clear") => {
            shared.log.clear();
            reply(StatusCode::OK, json!({ "ok": true }))
        }
        ("GET", "pixel_stats") => pixel_stats(shared, query),
        ("GET", "report_truth") => {
            let p = params::decode_query(query);
            let pairs: Vec<(&str, &str)> =
                p.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            match shared.report_truth(&pairs) {
                Ok(rows) => reply(StatusCode::OK, json!({ "count": rows.len(), "rows": rows })),
                Err(e) => reply(
                    StatusCode::OK,
                    json!({ "code": e.code, "message": e.message }),
                ),
            }
        }
        _ => crate::extended_control::control(shared, method, path, query, &body).unwrap_or_else(
            || {
                reply(
                    StatusCode::NOT_FOUND,
                    json!({ "error": format!("no control endpoint {method} /_emulator/{path}") }),
                )
            },
        ),
    }
}

fn clock(shared: &Shared, body: &Value) -> Response<Body> {
    if let Some(now) = body.get("now") {
        let Some(t) = now
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        else {
            return bad("'now' must be an RFC 3339 time, e.g. 2026-11-21T00:00:00Z");
        };
        shared.set_now(t.with_timezone(&Utc));
    }
    if let Some(secs) = body.get("advance_seconds") {
        let Some(secs) = secs.as_i64() else {
            return bad("'advance_seconds' must be an integer");
        };
        shared.advance(Duration::seconds(secs));
    }
    reply(StatusCode::OK, json!({ "now": shared.now().to_rfc3339() }))
}

fn entities(shared: &Shared, path: &str, body: &Value) -> Response<Body> {
    let adv = match str_field(body, "advertiser_id") {
        Ok(a) => a,
        Err(e) => return *e,
    };
    let Some(level) = body
        .get("level")
        .and_then(Value::as_str)
        .and_then(Level::parse)
    else {
        return bad("'level' must be one of campaign, adgroup, ad");
    };
    let n = body.get("n").and_then(Value::as_u64).unwrap_or(1) as usize;
    if shared.world().advertiser(adv).is_none() {
        return bad(format!("unknown advertiser {adv}"));
    }
    let ids = match path {
        "entities/modify" => shared.modify_entities(adv, level, n),
        "entities/add" => shared.add_entities(adv, level, n),
        _ => shared.delete_entities(adv, level, n),
    };
    reply(StatusCode::OK, json!({ "ids": ids }))
}

/// `GET /_emulator/pixel_stats?pixel_id=&start_date=&end_date=`: the generator's counters per
/// UTC day and event.
fn pixel_stats(shared: &Shared, query: &str) -> Response<Body> {
    let p = params::decode_query(query);
    let Some(pixel_id) = p.get("pixel_id").filter(|s| !s.is_empty()) else {
        return bad("'pixel_id' is required");
    };
    let date = |k: &str| {
        p.get(k)
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    };
    let (Some(start), Some(end)) = (date("start_date"), date("end_date")) else {
        return bad("'start_date' and 'end_date' (YYYY-MM-DD) are required");
    };
    if (end - start).num_days() > 366 {
        return bad("at most 367 days at a time");
    }
    let rows = shared.pixel_stats_truth(pixel_id, start, end);
    reply(StatusCode::OK, json!({ "count": rows.len(), "rows": rows }))
}
