//! What the world holds, item by item, for clients written in other languages (the Python client
//! checks in CI) to compare the data they loaded with the emulator's own: `GET
//! /_emulator/inventory`. Rust tests read `Emulator::world()` directly.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{json, Value};

use crate::model::{Asset, World};

fn rfc3339(t: DateTime<Utc>) -> Value {
    json!(t.to_rfc3339())
}

/// An asset's `modify_time` as the API shows it (ISO `…Z` or TikTok's `YYYY-MM-DD HH:MM:SS`),
/// in RFC 3339; null when it has none.
fn asset_time(a: &Asset) -> Value {
    let Some(text) = a.data.get("modify_time").and_then(Value::as_str) else {
        return Value::Null;
    };
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").map(|t| t.and_utc()))
        .map_or(Value::Null, rfc3339)
}

fn assets(list: &[Asset]) -> Value {
    list.iter()
        .map(|a| {
            json!({
                "advertiser_id": a.advertiser_id,
                "id": a.id,
                "modify_time": asset_time(a),
                "deleted": false,
            })
        })
        .collect()
}

/// Every advertiser, entity and asset with its `modify_time` and whether it is deleted (its own
/// deletion or its parent's: the API hides both unless asked for deleted ones).
pub fn inventory(world: &World, now: DateTime<Utc>) -> Value {
    let campaigns: Value = world
        .campaigns
        .iter()
        .map(|c| {
            json!({
                "advertiser_id": c.advertiser_id,
                "id": c.campaign_id,
                "modify_time": rfc3339(c.modify_time),
                "deleted": c.deleted_at.is_some(),
            })
        })
        .collect();
    let adgroups: Value = world
        .adgroups
        .iter()
        .map(|g| {
            json!({
                "advertiser_id": g.advertiser_id,
                "id": g.adgroup_id,
                "modify_time": rfc3339(g.modify_time),
                "deleted": world.adgroup_effective_deleted_at(g).is_some(),
            })
        })
        .collect();
    let ads: Value = world
        .ads
        .iter()
        .map(|a| {
            json!({
                "advertiser_id": a.advertiser_id,
                "id": a.ad_id,
                "modify_time": a.modify_time.map_or(Value::Null, rfc3339),
                "deleted": world.ad_effective_deleted_at(a).is_some(),
            })
        })
        .collect();
    let advertisers: Value = world
        .advertisers
        .iter()
        .map(|a| json!({"advertiser_id": a.advertiser_id, "name": a.name, "timezone": a.timezone}))
        .collect();
    json!({
        "now": rfc3339(now),
        "advertisers": advertisers,
        "campaigns": campaigns,
        "adgroups": adgroups,
        "ads": ads,
        "images": assets(&world.images),
        "videos": assets(&world.videos),
        "music": assets(&world.music),
        "portfolios": assets(&world.portfolios),
        "audiences": assets(&world.audiences),
        "pixels": assets(&world.pixels),
        "spark_ads": assets(&world.spark_ads),
    })
}
