//! `bc/get/`, `bc/asset/get/`, `bc/member/get/`, `advertiser/balance/get/` and
//! `bc/account/transaction/get/` (reference §5). Money is JSON numbers rounded to cents.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use super::access::Caller;
use super::transactions::{self, TxLevel};
use super::{BusinessCenter, TOKEN_USER_EMAIL, TOKEN_USER_ID, TOKEN_USER_NAME};
use crate::entities::fmt_time;
use crate::model::{ApiError, Params, World};
use crate::params::{self, filter_ids, filter_str, FieldSelection, Page};

pub struct Request<'a> {
    pub world: &'a World,
    pub params: &'a Params,
    pub caller: Caller<'a>,
    pub now: DateTime<Utc>,
    pub seed: u64,
}

fn page_of(items: Vec<Value>, p: Page, key: &str) -> Value {
    let (list, page_info) = params::paginate(items, p);
    json!({ key: list, "page_info": page_info })
}

fn money(x: f64) -> Value {
    json!((x * 100.0).round() / 100.0)
}

fn bc_info(bc: &BusinessCenter) -> Value {
    json!({
        "bc_id": bc.bc_id,
        "name": bc.name,
        "company": bc.company,
        "currency": bc.currency,
        "registered_area": bc.registered_area,
        "status": bc.status,
        "timezone": bc.timezone,
        "type": bc.bc_type,
    })
}

/// `GET bc/get/`: the BCs the token user belongs to (`bc_id` narrows to one).
pub fn bc_get(r: &Request) -> Result<Value, ApiError> {
    let page = params::page(r.params, 10, 50)?;
    let only = r
        .params
        .get("bc_id")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    if let Some(id) = only {
        r.caller.member_of(r.world, id)?;
    }
    let items: Vec<Value> = r
        .world
        .business
        .centers
        .iter()
        .filter(|bc| only.is_none_or(|id| id == bc.bc_id))
        .filter(|bc| r.caller.is_member(r.world, &bc.bc_id))
        .map(|bc| {
            json!({
                "bc_info": bc_info(bc),
                "user_role": bc.token_user_role,
                "ext_user_role": {"finance_role": r.caller.finance_role},
            })
        })
        .collect();
    Ok(page_of(items, page, "list"))
}

const ASSET_TYPES: &[&str] = &[
    "ADVERTISER",
    "CATALOG",
    "TIKTOK_SHOP",
    "PIXEL",
    "LEAD",
    "TT_ACCOUNT",
];

/// `GET bc/asset/get/`: ad accounts (and TikTok Shop stores) of a BC the token user can use.
pub fn asset_get(r: &Request) -> Result<Value, ApiError> {
    let bc_id = params::required(r.params, "bc_id")?;
    let asset_type = params::required(r.params, "asset_type")?;
    if !ASSET_TYPES.contains(&asset_type) {
        return Err(ApiError::param(format!(
            "asset_type: Must be one of: {}.",
            ASSET_TYPES.join(", ")
        )));
    }
    let page = params::page(r.params, 10, 50)?;
    let bc = r.caller.member_of(r.world, bc_id)?;
    let f = params::filtering(r.params)?;
    let keyword = filter_str(&f, "keyword")?.map(str::to_lowercase);
    let matches = |id: &str, name: &str| {
        keyword
            .as_ref()
            .is_none_or(|k| id.contains(k.as_str()) || name.to_lowercase().contains(k.as_str()))
    };
    let w = r.world;
    let mut items: Vec<(String, Value)> = Vec::new();
    for account in w.business.accounts_of(&bc.bc_id) {
        if !r.caller.advertisers.contains(&account.advertiser_id) {
            continue;
        }
        let Some(adv) = w.advertiser(&account.advertiser_id) else {
            continue;
        };
        let owner = w.business.owner_of(&adv.advertiser_id);
        match asset_type {
            "ADVERTISER" if matches(&adv.advertiser_id, &adv.name) => items.push((
                adv.advertiser_id.clone(),
                json!({
                    "asset_id": adv.advertiser_id,
                    "asset_name": adv.name,
                    "asset_type": "ADVERTISER",
                    "advertiser_account_type": "AUCTION",
                    "advertiser_role": account.advertiser_role,
                    "owner_bc_name": owner.map(|o| o.name.clone()),
                }),
            )),
            "TIKTOK_SHOP" if account.administered => {
                for s in w
                    .gmv_max
                    .stores
                    .iter()
                    .filter(|s| s.advertiser_id == adv.advertiser_id)
                {
                    if matches(&s.store_id, &s.store_name) {
                        items.push((
                            s.store_id.clone(),
                            json!({
                                "asset_id": s.store_id,
                                "asset_name": s.store_name,
                                "asset_type": "TIKTOK_SHOP",
                                "store_role": "AD_PROMOTION",
                                "owner_bc_name": bc.name,
                            }),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    items.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(page_of(
        items.into_iter().map(|(_, v)| v).collect(),
        page,
        "list",
    ))
}

/// `GET bc/member/get/`: the token user and the other members.
pub fn member_get(r: &Request) -> Result<Value, ApiError> {
    let bc_id = params::required(r.params, "bc_id")?;
    let page = params::page(r.params, 10, 20)?;
    let bc = r.caller.member_of(r.world, bc_id)?;
    let f = params::filtering(r.params)?;
    let keyword = filter_str(&f, "keyword")?.map(str::to_lowercase);
    let role = filter_str(&f, "user_role")?;
    let relation = filter_str(&f, "relation_status")?;
    let me = json!({
        "user_id": TOKEN_USER_ID,
        "user_name": TOKEN_USER_NAME,
        "user_email": TOKEN_USER_EMAIL,
        "user_role": bc.token_user_role,
        "relation_status": "BOUND",
        "ext_user_role": {"finance_role": r.caller.finance_role},
    });
    let others = r
        .world
        .business
        .members
        .iter()
        .filter(|m| m.bc_id == bc.bc_id)
        .map(|m| {
            json!({
                "user_id": m.user_id,
                "user_name": m.user_name,
                "user_email": m.user_email,
                "user_role": m.user_role,
                "relation_status": m.relation_status,
                "ext_user_role": {"finance_role": m.finance_role},
            })
        });
    let text = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_lowercase();
    let items: Vec<Value> = std::iter::once(me)
        .chain(others)
        .filter(|v| {
            keyword.as_ref().is_none_or(|k| {
                text(v, "user_name").contains(k.as_str())
                    || text(v, "user_email").contains(k.as_str())
            }) && role.is_none_or(|x| v["user_role"] == x)
                && relation.is_none_or(|x| v["relation_status"] == x)
        })
        .collect();
    Ok(page_of(items, page, "list"))
}

const EXTRA_BALANCE_FIELDS: &[&str] = &[
    "budget_remaining",
    "balance_info",
    "min_transferable_amount",
    "max_transferable_amount",
];

fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `GET advertiser/balance/get/`: balances of the ad accounts the BC administers (finance role).
pub fn balance_get(r: &Request) -> Result<Value, ApiError> {
    let bc_id = params::required(r.params, "bc_id")?;
    let page = params::page(r.params, 10, 50)?;
    let bc = r.caller.member_of(r.world, bc_id)?;
    r.caller.require_finance(bc)?;
    let sel = FieldSelection::parse(r.params)?;
    let extras: Vec<&str> = sel
        .fields
        .iter()
        .flatten()
        .map(String::as_str)
        .filter(|f| EXTRA_BALANCE_FIELDS.contains(f))
        .collect();
    if !extras.is_empty() && page.page_size != 1 {
        return Err(ApiError::param(format!(
            "fields: {} can only be requested with page_size 1.",
            extras.join(", ")
        )));
    }
    let f = params::filtering(r.params)?;
    let keyword = filter_str(&f, "keyword")?.map(str::to_lowercase);
    let statuses = match f.get("advertiser_status").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => Some(params::string_list(v, "filtering.advertiser_status")?),
    };
    let w = r.world;
    let mut items: Vec<&crate::model::Advertiser> = w
        .business
        .accounts_of(&bc.bc_id)
        .filter(|a| a.administered)
        .filter_map(|a| w.advertiser(&a.advertiser_id))
        .filter(|a| {
            keyword.as_ref().is_none_or(|k| {
                a.advertiser_id.contains(k.as_str()) || a.name.to_lowercase().contains(k.as_str())
            })
        })
        .filter(|a| {
            statuses
                .as_ref()
                .is_none_or(|s| s.iter().any(|x| x == account_status(a)))
        })
        .collect();
    items.sort_by(|a, b| a.advertiser_id.cmp(&b.advertiser_id));
    let rendered: Vec<Value> = items
        .into_iter()
        .map(|a| {
            let mut m = balance(a);
            if !extras.is_empty() {
                m.extend(balance_extras(a));
            }
            match &sel.fields {
                Some(fields) => {
                    m.retain(|k, _| fields.iter().any(|f| f == k));
                    Value::Object(m)
                }
                None => Value::Object(m),
            }
        })
        .collect();
    Ok(page_of(rendered, page, "advertiser_account_list"))
}

fn account_status(a: &crate::model::Advertiser) -> &'static str {
    if a.status == "STATUS_ENABLE" {
        "SHOW_ACCOUNT_STATUS_APPROVED"
    } else {
        "SHOW_ACCOUNT_STATUS_IN_REVIEW"
    }
}

fn balance(a: &crate::model::Advertiser) -> Map<String, Value> {
    let total = (a.balance * 100.0).round() / 100.0;
    let frozen = (total * 0.05 * 100.0).floor() / 100.0;
    let grant = (total * 0.1 * 100.0).floor() / 100.0;
    let cash = total - grant;
    as_map(json!({
        "advertiser_id": a.advertiser_id,
        "advertiser_name": a.name,
        "advertiser_status": account_status(a),
        "advertiser_type": "AUCTION",
        "timezone": a.timezone,
        "currency": a.currency,
        "company": a.company,
        "create_time": fmt_time(a.create_time),
        "account_balance": money(total),
        "valid_account_balance": money(total - frozen),
        "frozen_balance": money(frozen),
        "tax": money(0.0),
        "cash_balance": money(cash),
        "valid_cash_balance": money(cash - frozen),
        "grant_balance": money(grant),
        "valid_grant_balance": money(grant),
        "budget_mode": "UNLIMITED",
        "budget": money(0.0),
        "budget_cost": money(0.0),
    }))
}

fn balance_extras(a: &crate::model::Advertiser) -> Map<String, Value> {
    let total = (a.balance * 100.0).round() / 100.0;
    as_map(json!({
        "budget_remaining": money(total),
        "balance_info": {"cash_balance": money(total * 0.9), "grant_balance": money(total * 0.1)},
        "min_transferable_amount": money(0.0),
        "max_transferable_amount": money(total * 0.95),
    }))
}

/// `GET bc/account/transaction/get/` (finance role): newest first, default the last 90 days.
pub fn transaction_get(r: &Request) -> Result<Value, ApiError> {
    let bc_id = params::required(r.params, "bc_id")?;
    let page = params::page(r.params, 10, 50)?;
    let bc = r.caller.member_of(r.world, bc_id)?;
    r.caller.require_finance(bc)?;
    let level = match r
        .params
        .get("transaction_level")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        None | Some("ADVERTISER") => TxLevel::Advertiser,
        Some("BC") => TxLevel::Bc,
        Some("PAYMENT_PORTFOLIO") => TxLevel::PaymentPortfolio,
        Some(_) => {
            return Err(ApiError::param(
                "transaction_level: Must be one of: BC, ADVERTISER, PAYMENT_PORTFOLIO.",
            ))
        }
    };
    let f = params::filtering(r.params)?;
    let local = |key: &str| -> Result<Option<DateTime<Utc>>, ApiError> {
        filter_str(&f, key)?
            .map(|s| {
                chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
                    .map(|t| transactions::from_local(bc, t))
                    .map_err(|_| {
                        ApiError::param(format!(
                            "filtering.{key}: Not a valid datetime, expected format YYYY-MM-DD HH:MM:SS."
                        ))
                    })
            })
            .transpose()
    };
    let to = local("end_time")?.unwrap_or(r.now);
    let from = local("start_time")?.unwrap_or(to - Duration::days(90));
    if to < from {
        return Err(ApiError::param(
            "filtering.end_time: Must not be earlier than start_time.",
        ));
    }
    if to - from > Duration::days(365) {
        return Err(ApiError::param(
            "filtering: The time span between start_time and end_time must be no more than 365 days.",
        ));
    }
    let types = match f.get("transaction_types").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => Some(params::string_list(v, "filtering.transaction_types")?),
    };
    let billing = match f.get("billing_types").filter(|v| !v.is_null()) {
        None => None,
        Some(v) => Some(params::string_list(v, "filtering.billing_types")?),
    };
    let accounts = filter_ids(&f, "account_ids", 100)?;
    let name = filter_str(&f, "account_name")?.map(str::to_lowercase);
    let items: Vec<Value> = transactions::list(r.world, r.seed, bc, level, from, to, r.now)
        .into_iter()
        .filter(|t| {
            types
                .as_ref()
                .is_none_or(|x| x.iter().any(|y| y == t.transaction_type))
                && billing
                    .as_ref()
                    .is_none_or(|x| x.iter().any(|y| y == t.billing_type))
                && accounts
                    .as_ref()
                    .is_none_or(|ids| t.account.as_ref().is_some_and(|a| ids.contains(&a.0)))
                && name.as_ref().is_none_or(|n| {
                    t.account
                        .as_ref()
                        .is_some_and(|a| a.1.to_lowercase().contains(n.as_str()))
                })
        })
        .map(|t| transactions::render(bc, &t))
        .collect();
    Ok(page_of(items, page, "transaction_list"))
}
