//! The emulated TikTok world: advertisers and their entities. Plain data shared by the
//! generator, the entity endpoints and the report engine. Times are UTC.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::buying::Buying;

#[derive(Clone, Debug, Serialize)]
pub struct Advertiser {
    pub advertiser_id: String,
    pub name: String,
    /// IANA or `Etc/GMT±N` zone; report days and hours are in this zone.
    pub timezone: String,
    pub display_timezone: String,
    pub currency: String,
    pub country: String,
    pub company: String,
    pub industry: String,
    pub status: String,
    pub role: String,
    pub balance: f64,
    pub create_time: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Campaign {
    pub advertiser_id: String,
    pub campaign_id: String,
    pub campaign_name: String,
    pub objective_type: String,
    pub budget: f64,
    pub budget_mode: String,
    pub operation_status: String,
    pub create_time: DateTime<Utc>,
    pub modify_time: DateTime<Utc>,
    /// Set when the campaign was deleted; deletion also bumps `modify_time`.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Auction or a reservation kind; its ad groups and ads inherit it.
    pub buying: Buying,
}

#[derive(Clone, Debug, Serialize)]
pub struct AdGroup {
    pub advertiser_id: String,
    pub campaign_id: String,
    pub adgroup_id: String,
    pub adgroup_name: String,
    pub placement_type: String,
    pub budget: f64,
    pub budget_mode: String,
    pub bid_price: f64,
    pub optimization_goal: String,
    pub operation_status: String,
    pub create_time: DateTime<Utc>,
    pub modify_time: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Ad {
    pub advertiser_id: String,
    pub campaign_id: String,
    pub adgroup_id: String,
    pub ad_id: String,
    pub ad_name: String,
    pub ad_text: String,
    pub ad_format: String,
    pub call_to_action: String,
    pub landing_page_url: String,
    pub video_id: Option<String>,
    pub image_ids: Vec<String>,
    pub operation_status: String,
    pub create_time: DateTime<Utc>,
    /// Smart+ ads can come back without `modify_time`.
    pub modify_time: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Creative assets, audiences, pixels and spark ads: kept as ready-made JSON objects
/// (the shape TikTok returns), each with the owning advertiser.
#[derive(Clone, Debug, Serialize)]
pub struct Asset {
    pub advertiser_id: String,
    pub id: String,
    pub data: serde_json::Value,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct World {
    pub advertisers: Vec<Advertiser>,
    pub campaigns: Vec<Campaign>,
    pub adgroups: Vec<AdGroup>,
    pub ads: Vec<Ad>,
    pub images: Vec<Asset>,
    pub videos: Vec<Asset>,
    pub music: Vec<Asset>,
    pub portfolios: Vec<Asset>,
    pub audiences: Vec<Asset>,
    pub pixels: Vec<Asset>,
    pub spark_ads: Vec<Asset>,
    /// Upgraded Smart+ settings of some campaigns and ad groups, and the Smart+ ads whose
    /// creatives are entries of `ads`.
    pub smart_plus: crate::smart_plus::SmartPlusData,
    /// TikTok Shop stores and their GMV Max campaigns (not in `campaigns`).
    pub gmv_max: crate::gmv_max::GmvMaxData,
    /// Business Centers, the ad accounts they hold and their members.
    pub business: crate::business_center::BusinessData,
}

impl World {
    pub fn advertiser(&self, id: &str) -> Option<&Advertiser> {
        self.advertisers.iter().find(|a| a.advertiser_id == id)
    }
    pub fn campaign(&self, id: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.campaign_id == id)
    }
    pub fn adgroup(&self, id: &str) -> Option<&AdGroup> {
        self.adgroups.iter().find(|g| g.adgroup_id == id)
    }

    /// When an ad stopped being live because it, its ad group or its campaign was deleted.
    pub fn ad_effective_deleted_at(&self, ad: &Ad) -> Option<DateTime<Utc>> {
        let group = self.adgroup(&ad.adgroup_id).and_then(|g| g.deleted_at);
        let campaign = self.campaign(&ad.campaign_id).and_then(|c| c.deleted_at);
        [ad.deleted_at, group, campaign].into_iter().flatten().min()
    }
    pub fn adgroup_effective_deleted_at(&self, g: &AdGroup) -> Option<DateTime<Utc>> {
        let campaign = self.campaign(&g.campaign_id).and_then(|c| c.deleted_at);
        [g.deleted_at, campaign].into_iter().flatten().min()
    }
}

/// A TikTok application error: HTTP 200 with this code and message in the envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub code: i64,
    pub message: String,
}

impl ApiError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }
    /// 40002, the parameter error.
    pub fn param(message: impl Into<String>) -> Self {
        ApiError::new(40002, message)
    }
}

/// A GET request's parameters after form decoding (`+` is a space, then percent-decoding).
/// JSON-valued parameters (`filtering`, `dimensions`, ...) are still text here.
pub type Params = std::collections::BTreeMap<String, String>;
