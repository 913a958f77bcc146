//! Upgraded Smart+ (more-endpoints reference §3): which campaigns, ad groups and ads are Smart+,
//! and the settings only Smart+ objects have.
//!
//! How the Smart+ objects relate to the classic ones (one place for the choices the reference
//! leaves open, README "Upgraded Smart+"):
//! - A Smart+ campaign and its ad groups are ordinary entries of `World::campaigns` and
//!   `World::adgroups` (their IDs are ordinary IDs); `SmartPlusData` only adds the Smart+ settings.
//!   `campaign/get/` and `adgroup/get/` list them too, with `campaign_automation_type`
//!   `UPGRADED_SMART_PLUS`; every other campaign is `MANUAL`.
//! - A Smart+ ad (`smart_plus_ad_id`, the report's `ad_id_v2`) is not in `World::ads`; each of its
//!   creatives is. A creative's `ad_id` is also its `ad_material_id` in `smart_plus/ad/get/`
//!   (UNCERTAIN: TikTok only says the creatives are the report's `ad_id`). `ad/get/` therefore
//!   returns one row per creative, carrying `smart_plus_ad_id` (manual ads have no such key, so
//!   their records are as before); the creatives of every third Smart+
//!   ad come without `modify_time`, the quirk Airbyte met.
//! - In reports, `ad_id` rows of creatives say `campaign_automation_type`
//!   `UPGRADED_SMART_PLUS_CREATIVE`; `ad_id_v2` rows add up the creatives of a Smart+ ad, so a
//!   Smart+ ad's spend is reported once at every level.

pub mod endpoints;
pub mod generate;
pub mod mutate;
pub mod render;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::World;

/// `campaign_automation_type` of a manual campaign.
pub const MANUAL: &str = "MANUAL";
/// Legacy Smart+ (`campaign/spc/*`); the emulator has none, but the value is a valid filter.
pub const LEGACY_SMART_PLUS: &str = "SMART_PLUS";
/// `campaign_automation_type` of an Upgraded Smart+ campaign, and of its `ad_id_v2` report rows.
pub const UPGRADED: &str = "UPGRADED_SMART_PLUS";
/// Report value of `campaign_automation_type` on the `ad_id` (creative) rows of a Smart+ ad.
pub const UPGRADED_CREATIVE: &str = "UPGRADED_SMART_PLUS_CREATIVE";
/// Values accepted by the `campaign_automation_type` filters.
pub const AUTOMATION_TYPES: &[&str] = &[MANUAL, LEGACY_SMART_PLUS, UPGRADED];

/// Smart+ settings of a campaign of `World::campaigns`.
#[derive(Clone, Debug, Serialize)]
pub struct SmartPlusCampaign {
    pub campaign_id: String,
    pub sales_destination: Option<String>,
    pub app_promotion_type: Option<String>,
    /// `SINGLE` (one ad group) or `MULTIPLE`.
    pub adgroup_mode: String,
    pub budget_optimize_on: bool,
    pub catalog_enabled: bool,
}

/// Smart+ settings of an ad group of `World::adgroups`.
#[derive(Clone, Debug, Serialize)]
pub struct SmartPlusAdGroup {
    pub adgroup_id: String,
    pub promotion_type: String,
    pub optimization_event: Option<String>,
    pub bid_type: String,
    pub roas_bid: f64,
    pub conversion_bid_price: f64,
    pub click_attribution_window: String,
    pub view_attribution_window: String,
    pub engaged_view_attribution_window: String,
}

/// One creative of a Smart+ ad. Its `ad_material_id` is the `ad_id` of its entry in
/// `World::ads`, which holds its name, status and times.
#[derive(Clone, Debug, Serialize)]
pub struct Creative {
    pub ad_material_id: String,
    /// `SINGLE_VIDEO`, `CAROUSEL_ADS` or `CATALOG_CAROUSEL`.
    pub ad_format: String,
    pub video_id: Option<String>,
    pub file_name: Option<String>,
    pub image_uris: Vec<String>,
    pub music_id: Option<String>,
    pub tiktok_item_id: Option<String>,
}

/// A Smart+ ad ("asset group"): the unit of `smart_plus/ad/get/` and of report `ad_id_v2`.
#[derive(Clone, Debug, Serialize)]
pub struct SmartPlusAd {
    pub advertiser_id: String,
    pub campaign_id: String,
    pub adgroup_id: String,
    pub smart_plus_ad_id: String,
    pub ad_name: String,
    /// `ENABLE`, `DISABLE` or `FROZEN`.
    pub operation_status: String,
    pub create_time: DateTime<Utc>,
    pub modify_time: DateTime<Utc>,
    /// Deleting a Smart+ ad deletes its creatives at the same time (and bumps `modify_time`).
    pub deleted_at: Option<DateTime<Utc>>,
    pub ad_texts: Vec<String>,
    pub call_to_actions: Vec<String>,
    pub landing_page_urls: Vec<String>,
    pub identity_id: String,
    pub creatives: Vec<Creative>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct SmartPlusData {
    pub campaigns: Vec<SmartPlusCampaign>,
    pub adgroups: Vec<SmartPlusAdGroup>,
    pub ads: Vec<SmartPlusAd>,
}

impl SmartPlusData {
    pub fn campaign(&self, campaign_id: &str) -> Option<&SmartPlusCampaign> {
        self.campaigns.iter().find(|c| c.campaign_id == campaign_id)
    }

    pub fn adgroup(&self, adgroup_id: &str) -> Option<&SmartPlusAdGroup> {
        self.adgroups.iter().find(|g| g.adgroup_id == adgroup_id)
    }

    pub fn ad(&self, smart_plus_ad_id: &str) -> Option<&SmartPlusAd> {
        self.ads
            .iter()
            .find(|a| a.smart_plus_ad_id == smart_plus_ad_id)
    }

    /// `campaign_automation_type` of any campaign of the world.
    pub fn automation_type(&self, campaign_id: &str) -> &'static str {
        if self.campaign(campaign_id).is_some() {
            UPGRADED
        } else {
            MANUAL
        }
    }

    /// The Smart+ ad each creative (an `ad_id` of `World::ads`) belongs to.
    pub fn ads_by_creative(&self) -> HashMap<&str, &SmartPlusAd> {
        self.ads
            .iter()
            .flat_map(|a| {
                a.creatives
                    .iter()
                    .map(move |c| (c.ad_material_id.as_str(), a))
            })
            .collect()
    }
}

/// When a Smart+ ad stopped being live: its own deletion, its ad group's or its campaign's.
pub fn effective_deleted_at(world: &World, ad: &SmartPlusAd) -> Option<DateTime<Utc>> {
    let group = world.adgroup(&ad.adgroup_id).and_then(|g| g.deleted_at);
    let campaign = world.campaign(&ad.campaign_id).and_then(|c| c.deleted_at);
    [ad.deleted_at, group, campaign].into_iter().flatten().min()
}

/// Validates a `campaign_automation_type` filter value.
pub fn parse_automation_type(value: &str, name: &str) -> Result<String, crate::model::ApiError> {
    if AUTOMATION_TYPES.contains(&value) {
        Ok(value.to_string())
    } else {
        Err(crate::model::ApiError::param(format!(
            "{name}: Must be one of: {}.",
            AUTOMATION_TYPES.join(", ")
        )))
    }
}
