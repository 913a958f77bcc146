//! Upgraded Smart+ objects (`smart_plus/*/get/`): plain list declarations, read by the list
//! reader like campaigns. Smart+ campaigns and ad groups are ordinary campaigns and ad groups
//! too (`campaign/get/` lists them with `campaign_automation_type` UPGRADED_SMART_PLUS); these
//! streams add what only the Smart+ endpoints give: the Smart+ settings, and the Smart+ ad
//! (`smart_plus_ad_id`, the unit TikTok's ad-level reports count as `ad_id_v2`) with its
//! creatives. Deleted objects come with `include_deleted` through `primary_status` STATUS_ALL,
//! the status filter all three endpoints document (their default is STATUS_NOT_DELETE).

use super::ListDecl;

/// `primary_status` STATUS_ALL lets deleted objects in.
const WITH_DELETED: Option<(&str, &str)> = Some(("primary_status", "STATUS_ALL"));

pub const LISTS: &[ListDecl] = &[
    ListDecl {
        passes: super::list::ONE_PASS,
        name: "smart_plus_campaigns",
        path: "smart_plus/campaign/get/",
        records_key: "list",
        page_size: 1000,
        primary_key: "campaign_id",
        incremental: true,
        server_modified_after: false,
        deleted_filter: WITH_DELETED,
        derived_key: None,
        schema: include_str!("schemas/smart_plus_campaigns.json"),
    },
    ListDecl {
        passes: super::list::ONE_PASS,
        name: "smart_plus_ad_groups",
        path: "smart_plus/adgroup/get/",
        records_key: "list",
        page_size: 1000,
        primary_key: "adgroup_id",
        incremental: true,
        server_modified_after: false,
        deleted_filter: WITH_DELETED,
        derived_key: None,
        schema: include_str!("schemas/smart_plus_ad_groups.json"),
    },
    ListDecl {
        passes: super::list::ONE_PASS,
        name: "smart_plus_ads",
        path: "smart_plus/ad/get/",
        records_key: "list",
        // Smart+ ads are big records: TikTok pages them 100 at most.
        page_size: 100,
        primary_key: "smart_plus_ad_id",
        incremental: true,
        // The one Smart+ endpoint with TikTok's own `modified_after` filter.
        server_modified_after: true,
        deleted_filter: WITH_DELETED,
        derived_key: None,
        schema: include_str!("schemas/smart_plus_ads.json"),
    },
];
