//! GMV Max (more-endpoints reference §4): TikTok Shop stores of an advertiser and the GMV Max
//! campaigns that promote a store's products or LIVE rooms.
//!
//! GMV Max campaigns live only here, not in `World::campaigns`: `campaign/get/` (whose GMV Max
//! filters TikTok deprecated) does not list them and their spend is not in
//! `report/integrated/get/`, only in `gmv_max/report/get/` (README "GMV Max").

pub mod endpoints;
pub mod generate;
pub mod metrics;
pub mod report;

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a GMV Max campaign promotes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Promotion {
    Product,
    Live,
}

impl Promotion {
    /// The value of `gmv_max/campaign/get/`'s `gmv_max_promotion_types` filter.
    pub fn campaign_filter_name(self) -> &'static str {
        match self {
            Promotion::Product => "PRODUCT_GMV_MAX",
            Promotion::Live => "LIVE_GMV_MAX",
        }
    }

    /// The value of `gmv_max/report/get/`'s `gmv_max_promotion_types` filter.
    pub fn report_filter_name(self) -> &'static str {
        match self {
            Promotion::Product => "PRODUCT",
            Promotion::Live => "LIVE",
        }
    }

    /// `shopping_ads_type` of `campaign/gmv_max/info/`.
    pub fn shopping_ads_type(self) -> &'static str {
        self.report_filter_name()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Store {
    pub advertiser_id: String,
    pub store_id: String,
    pub store_name: String,
    pub store_code: String,
    /// `ACTIVE`, `INACTIVE` or `NEW_CREATE`.
    pub store_status: String,
    pub targeting_region_codes: Vec<String>,
    pub is_gmv_max_available: bool,
    pub is_owner_bc: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct GmvMaxCampaign {
    pub advertiser_id: String,
    pub store_id: String,
    pub campaign_id: String,
    pub campaign_name: String,
    pub promotion: Promotion,
    pub operation_status: String,
    pub create_time: DateTime<Utc>,
    pub modify_time: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Target ROI; 0 for `NO_BID` (maximum delivery) campaigns.
    pub roas_bid: f64,
    pub budget: f64,
    pub item_group_ids: Vec<String>,
    pub identity_id: String,
}

impl GmvMaxCampaign {
    pub fn bid_type(&self) -> &'static str {
        if self.roas_bid > 0.0 {
            "CUSTOM"
        } else {
            "NO_BID"
        }
    }

    /// The campaign's secondary status, as `gmv_max/campaign/get/` reports it.
    pub fn secondary_status(&self) -> &'static str {
        if self.deleted_at.is_some() {
            "CAMPAIGN_STATUS_DELETE"
        } else if self.operation_status == "ENABLE" {
            "CAMPAIGN_STATUS_ENABLE"
        } else {
            "CAMPAIGN_STATUS_DISABLE"
        }
    }

    /// The campaign's primary status: `STATUS_DELETE`, `STATUS_DISABLE` or `STATUS_DELIVERY_OK`.
    pub fn primary_status(&self) -> &'static str {
        if self.deleted_at.is_some() {
            "STATUS_DELETE"
        } else if self.operation_status == "ENABLE" {
            "STATUS_DELIVERY_OK"
        } else {
            "STATUS_DISABLE"
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct GmvMaxData {
    pub stores: Vec<Store>,
    pub campaigns: Vec<GmvMaxCampaign>,
}

impl GmvMaxData {
    pub fn store(&self, store_id: &str) -> Option<&Store> {
        self.stores.iter().find(|s| s.store_id == store_id)
    }

    pub fn campaign(&self, campaign_id: &str) -> Option<&GmvMaxCampaign> {
        self.campaigns.iter().find(|c| c.campaign_id == campaign_id)
    }
}
