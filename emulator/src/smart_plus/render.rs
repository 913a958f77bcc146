//! The records of `smart_plus/campaign/get/`, `smart_plus/adgroup/get/` and `smart_plus/ad/get/`
//! in the shape the reference gives (§3).

use serde_json::{json, Map, Value};

use super::{effective_deleted_at, SmartPlusAd, SmartPlusAdGroup, SmartPlusCampaign};
use crate::entities::{adgroup_secondary, campaign_secondary, fmt_time};
use crate::model::{AdGroup, Campaign, World};

fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Budgets print like TikTok's (`100.0`, `0`).
fn amount(x: f64) -> Value {
    if x == 0.0 {
        json!(0)
    } else {
        json!(x)
    }
}

pub fn campaign(c: &Campaign, s: &SmartPlusCampaign) -> Map<String, Value> {
    as_map(json!({
        "advertiser_id": c.advertiser_id,
        "campaign_id": c.campaign_id,
        "campaign_name": c.campaign_name,
        "campaign_type": "REGULAR_CAMPAIGN",
        "campaign_automation_type": super::UPGRADED,
        "objective_type": c.objective_type,
        "app_promotion_type": s.app_promotion_type,
        "sales_destination": s.sales_destination,
        "budget_optimize_on": s.budget_optimize_on,
        "budget_mode": c.budget_mode,
        "budget": amount(c.budget),
        "current_budget": amount(c.budget),
        "operation_status": c.operation_status,
        "secondary_status": campaign_secondary(c),
        "smart_plus_adgroup_mode": s.adgroup_mode,
        "catalog_enabled": s.catalog_enabled,
        "create_time": fmt_time(c.create_time),
        "modify_time": fmt_time(c.modify_time),
    }))
}

pub fn adgroup(
    world: &World,
    g: &AdGroup,
    s: &SmartPlusAdGroup,
    c: Option<&Campaign>,
) -> Map<String, Value> {
    let pixel = world
        .pixels
        .iter()
        .find(|p| p.advertiser_id == g.advertiser_id)
        .map(|p| p.id.clone());
    let country = world
        .advertiser(&g.advertiser_id)
        .map(|a| a.country.clone())
        .unwrap_or_default();
    as_map(json!({
        "advertiser_id": g.advertiser_id,
        "campaign_id": g.campaign_id,
        "campaign_name": c.map(|c| c.campaign_name.as_str()),
        "adgroup_id": g.adgroup_id,
        "adgroup_name": g.adgroup_name,
        "promotion_type": s.promotion_type,
        "optimization_goal": g.optimization_goal,
        "optimization_event": s.optimization_event,
        "pixel_id": if s.promotion_type == "WEBSITE" { json!(pixel) } else { Value::Null },
        "bid_type": s.bid_type,
        "bid_price": amount(g.bid_price),
        "conversion_bid_price": amount(s.conversion_bid_price),
        "roas_bid": amount(s.roas_bid),
        "budget_mode": g.budget_mode,
        "budget": amount(g.budget),
        "click_attribution_window": s.click_attribution_window,
        "view_attribution_window": s.view_attribution_window,
        "engaged_view_attribution_window": s.engaged_view_attribution_window,
        "targeting_spec": {
            "location_ids": [country],
            "age_groups": ["AGE_18_24", "AGE_25_34", "AGE_35_44", "AGE_45_54", "AGE_55_100"],
            "gender": "GENDER_UNLIMITED",
            "languages": [],
        },
        "operation_status": g.operation_status,
        "secondary_status": adgroup_secondary(g, c),
        "create_time": fmt_time(g.create_time),
        "modify_time": fmt_time(g.modify_time),
    }))
}

/// The ad's secondary status from its own state and its parents'.
pub fn ad_secondary(world: &World, a: &SmartPlusAd) -> &'static str {
    crate::entities::ad_secondary_of(
        a.deleted_at.is_some(),
        &a.operation_status,
        world.adgroup(&a.adgroup_id),
        world.campaign(&a.campaign_id),
    )
}

pub fn ad(world: &World, a: &SmartPlusAd) -> Map<String, Value> {
    let campaign = world.campaign(&a.campaign_id);
    let group = world.adgroup(&a.adgroup_id);
    let deleted = effective_deleted_at(world, a).is_some();
    let creatives: Vec<Value> = a
        .creatives
        .iter()
        .map(|c| {
            // A creative removed on its own (a classic ad-level deletion) stays listed, off.
            let material = world.ads.iter().find(|x| x.ad_id == c.ad_material_id);
            let on = !deleted
                && material.is_some_and(|m| m.deleted_at.is_none() && m.operation_status == "ENABLE");
            json!({
                "ad_material_id": c.ad_material_id,
                "material_operation_status": if on { "ENABLE" } else { "DISABLE" },
                "creative_info": {
                    "ad_format": c.ad_format,
                    "video_info": c.video_id.as_ref().map(|v| json!({"video_id": v, "file_name": c.file_name})),
                    "image_info": c.image_uris.iter().map(|u| json!({"web_uri": u})).collect::<Vec<_>>(),
                    "music_info": c.music_id.as_ref().map(|m| json!({"music_id": m})),
                    "tiktok_item_id": c.tiktok_item_id,
                    "identity_type": "CUSTOMIZED_USER",
                    "identity_id": a.identity_id,
                    "identity_authorized_bc_id": "0",
                },
            })
        })
        .collect();
    as_map(json!({
        "advertiser_id": a.advertiser_id,
        "campaign_id": a.campaign_id,
        "campaign_name": campaign.map(|c| c.campaign_name.as_str()),
        "adgroup_id": a.adgroup_id,
        "adgroup_name": group.map(|g| g.adgroup_name.as_str()),
        "smart_plus_ad_id": a.smart_plus_ad_id,
        "ad_name": a.ad_name,
        "operation_status": a.operation_status,
        "secondary_status": ad_secondary(world, a),
        "create_time": fmt_time(a.create_time),
        "modify_time": fmt_time(a.modify_time),
        "creative_list": creatives,
        "ad_text_list": a.ad_texts.iter().map(|t| json!({"ad_text": t})).collect::<Vec<_>>(),
        "call_to_action_list": a.call_to_actions.iter().map(|t| json!({"call_to_action": t})).collect::<Vec<_>>(),
        "landing_page_url_list": a.landing_page_urls.iter().map(|u| json!({"landing_page_url": u})).collect::<Vec<_>>(),
        "page_list": [],
        "interactive_add_on_list": [],
        "ad_configuration": {
            "identity_type": "CUSTOMIZED_USER",
            "identity_id": a.identity_id,
            "call_to_action_id": Value::Null,
            "product_specific_type": Value::Null,
            "product_set_id": Value::Null,
            "product_ids": [],
            "utm_params": [{"field": "utm_source", "value": "tiktok"}],
        },
    }))
}
