//! `gmv_max/store/list/`, `gmv_max/campaign/get/` and `campaign/gmv_max/info/` (reference §4).

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::{GmvMaxCampaign, Promotion};
use crate::entities::{fmt_time, id_desc, id_filter};
use crate::model::{ApiError, Params, World};
use crate::params::{self, filter_ids, filter_str, FieldSelection};

pub struct Request<'a> {
    pub world: &'a World,
    pub params: &'a Params,
    pub advertiser_id: &'a str,
}

/// The Business Center a store is authorized to: the owner BC of the store's advertiser.
fn authorized_bc(world: &World, advertiser_id: &str) -> Option<(String, String)> {
    world
        .business
        .owner_of(advertiser_id)
        .map(|bc| (bc.bc_id.clone(), bc.name.clone()))
}

pub fn store_list(r: &Request) -> Result<Value, ApiError> {
    let list: Vec<Value> = r
        .world
        .gmv_max
        .stores
        .iter()
        .filter(|s| s.advertiser_id == r.advertiser_id)
        .map(|s| {
            let bc = authorized_bc(r.world, &s.advertiser_id);
            json!({
                "store_id": s.store_id,
                "store_name": s.store_name,
                "store_code": s.store_code,
                "store_status": s.store_status,
                "targeting_region_codes": s.targeting_region_codes,
                "is_gmv_max_available": s.is_gmv_max_available,
                "is_owner_bc": s.is_owner_bc,
                "store_authorized_bc_id": bc.as_ref().map(|b| b.0.clone()),
                "store_authorized_bc_info": bc.as_ref().map(|b| json!({"bc_id": b.0, "bc_name": b.1})),
                "exclusive_authorized_advertiser_info": {
                    "advertiser_id": s.advertiser_id,
                    "advertiser_name": r.world.advertiser(&s.advertiser_id).map(|a| a.name.clone()),
                },
            })
        })
        .collect();
    Ok(json!({ "store_list": list }))
}

fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn render(c: &GmvMaxCampaign) -> Map<String, Value> {
    as_map(json!({
        "advertiser_id": c.advertiser_id,
        "campaign_id": c.campaign_id,
        "campaign_name": c.campaign_name,
        "operation_status": c.operation_status,
        "objective_type": "PRODUCT_SALES",
        "secondary_status": c.secondary_status(),
        "roi_protection_compensation_status": if c.roas_bid > 0.0 { "IN_EFFECT" } else { "NOT_ELIGIBLE" },
        "create_time": fmt_time(c.create_time),
        "modify_time": fmt_time(c.modify_time),
    }))
}

fn time_filter(f: &Map<String, Value>, key: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    filter_str(f, key)?
        .map(|s| params::parse_time(s, &format!("filtering.{key}")))
        .transpose()
}

pub fn campaign_get(r: &Request) -> Result<Value, ApiError> {
    if params::json(r.params, "filtering")?.is_none() {
        return Err(params::missing("filtering"));
    }
    let f = params::filtering(r.params)?;
    let page = params::page(r.params, 10, 100)?;
    let sel = FieldSelection::parse(r.params)?;
    let types = match f.get("gmv_max_promotion_types").filter(|v| !v.is_null()) {
        None => return Err(params::missing("filtering.gmv_max_promotion_types")),
        Some(v) => params::string_list(v, "filtering.gmv_max_promotion_types")?,
    };
    let mut promotions = Vec::new();
    for t in &types {
        promotions.push(match t.as_str() {
            "PRODUCT_GMV_MAX" => Promotion::Product,
            "LIVE_GMV_MAX" => Promotion::Live,
            _ => {
                return Err(ApiError::param(format!(
                    "filtering.gmv_max_promotion_types: Invalid value {t}; must be one of: PRODUCT_GMV_MAX, LIVE_GMV_MAX."
                )))
            }
        });
    }
    if promotions.len() != 1 {
        return Err(ApiError::param(
            "filtering.gmv_max_promotion_types: Exactly one value is required.",
        ));
    }
    let store_ids = filter_ids(&f, "store_ids", 10)?;
    let campaign_ids = filter_ids(&f, "campaign_ids", 100)?;
    let name = filter_str(&f, "campaign_name")?.map(str::to_lowercase);
    let primary = filter_str(&f, "primary_status")?;
    if let Some(p) = primary {
        if !["STATUS_DELIVERY_OK", "STATUS_DISABLE", "STATUS_DELETE"].contains(&p) {
            return Err(ApiError::param(
                "filtering.primary_status: Must be one of: STATUS_DELIVERY_OK, STATUS_DISABLE, STATUS_DELETE.",
            ));
        }
    }
    let from = time_filter(&f, "creation_filter_start_time")?;
    let to = time_filter(&f, "creation_filter_end_time")?;
    let mut hits: Vec<&GmvMaxCampaign> = r
        .world
        .gmv_max
        .campaigns
        .iter()
        .filter(|c| c.advertiser_id == r.advertiser_id && promotions.contains(&c.promotion))
        .filter(|c| id_filter(&store_ids, &c.store_id) && id_filter(&campaign_ids, &c.campaign_id))
        .filter(|c| {
            name.as_ref()
                .is_none_or(|n| c.campaign_name.to_lowercase().contains(n.as_str()))
        })
        // Deleted campaigns only when asked for, as with the other entity endpoints.
        .filter(|c| match primary {
            None => c.deleted_at.is_none(),
            Some(p) => c.primary_status() == p,
        })
        .filter(|c| {
            from.is_none_or(|t| c.create_time >= t) && to.is_none_or(|t| c.create_time <= t)
        })
        .collect();
    hits.sort_by(|a, b| id_desc(&a.campaign_id, &b.campaign_id));
    let (items, page_info) = params::paginate(hits, page);
    let list: Vec<Value> = items.into_iter().map(|c| sel.apply(render(c))).collect();
    Ok(json!({ "list": list, "page_info": page_info }))
}

pub fn campaign_info(r: &Request) -> Result<Value, ApiError> {
    let id = params::required(r.params, "campaign_id")?;
    let c = r
        .world
        .gmv_max
        .campaign(id)
        .filter(|c| c.advertiser_id == r.advertiser_id)
        .ok_or_else(|| {
            ApiError::new(40007, format!("The GMV Max campaign {id} does not exist."))
        })?;
    let bc = authorized_bc(r.world, &c.advertiser_id);
    let country = r
        .world
        .gmv_max
        .store(&c.store_id)
        .and_then(|s| s.targeting_region_codes.first().cloned())
        .unwrap_or_default();
    let live = c.promotion == Promotion::Live;
    Ok(json!({
        "advertiser_id": c.advertiser_id,
        "campaign_id": c.campaign_id,
        "campaign_name": c.campaign_name,
        "operation_status": c.operation_status,
        "store_id": c.store_id,
        "store_authorized_bc_id": bc.map(|b| b.0),
        "shopping_ads_type": c.promotion.shopping_ads_type(),
        "product_specific_type": if live { Value::Null } else { json!("ALL") },
        "item_group_ids": if live { json!([]) } else { json!(c.item_group_ids) },
        "deep_bid_type": if c.roas_bid > 0.0 { json!("VO_MIN_ROAS") } else { Value::Null },
        "roas_bid": c.roas_bid,
        "budget": c.budget,
        "auto_budget_enabled": c.roas_bid == 0.0,
        "promotion_days": {"is_enabled": false},
        "schedule_type": "SCHEDULE_FROM_NOW",
        "schedule_start_time": fmt_time(c.create_time),
        "schedule_end_time": Value::Null,
        "placements": ["PLACEMENT_TIKTOK"],
        "location_ids": [country],
        "age_groups": ["AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100"],
        "identity_list": [{"identity_id": c.identity_id, "identity_type": "TT_USER"}],
        "item_list": if live { json!([]) } else {
            json!(c.item_group_ids.iter().map(|g| json!({"item_group_id": g, "store_id": c.store_id})).collect::<Vec<_>>())
        },
    }))
}
