//! Control endpoints (`/_emulator/...`) and library operations of the Smart+, GMV Max and
//! Business Center features: Smart+ mutations, the GMV Max report truth, tokens with a chosen
//! finance role.

use axum::body::Body;
use axum::http::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::business_center;
use crate::config::Level;
use crate::control::{bad, reply};
use crate::extended_api::gmv_settings;
use crate::gmv_max;
use crate::model::{ApiError, Params};
use crate::params;
use crate::smart_plus;
pub use crate::smart_plus::mutate::Change;
use crate::state::Shared;
use crate::sync::{lock, read};

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
