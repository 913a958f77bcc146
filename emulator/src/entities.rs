//! `campaign/get/`, `adgroup/get/` and `ad/get/`: filtering, status derivation, paging and the
//! record shapes of reference §4.2–4.5.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use crate::buying::{self, BuyingSet};
use crate::model::{Ad, AdGroup, ApiError, Campaign, Params, World};
use crate::params::{self, filter_ids, filter_str, FieldSelection};
use crate::rng::hash_str;

pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Which entity level a status filter is checked for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Campaign,
    AdGroup,
    Ad,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Campaign => "CAMPAIGN_STATUS_",
            Kind::AdGroup => "ADGROUP_STATUS_",
            Kind::Ad => "AD_STATUS_",
        }
    }
}

const PRIMARY: &[&str] = &[
    "STATUS_ALL",
    "STATUS_NOT_DELETE",
    "STATUS_DELETE",
    "STATUS_DELIVERY_OK",
    "STATUS_DISABLE",
    "STATUS_NOT_DELIVERY",
    "STATUS_TIME_DONE",
    "STATUS_RF_CLOSED",
    "STATUS_FROZEN",
    "STATUS_DELIVERY_PARTIAL",
    "STATUS_DELIVERY_CATALOG",
];

/// `primary_status` / `secondary_status` of `filtering`. Without either, deleted entities are hidden.
pub(crate) struct StatusFilter {
    primary: Option<String>,
    secondary: Option<String>,
    kind: Kind,
}

impl StatusFilter {
    pub(crate) fn parse(f: &Map<String, Value>, kind: Kind) -> Result<StatusFilter, ApiError> {
        let primary = filter_str(f, "primary_status")?.map(str::to_string);
        if let Some(p) = &primary {
            if !PRIMARY.contains(&p.as_str()) {
                return Err(ApiError::param(format!(
                    "filtering.primary_status: Must be one of: {}.",
                    PRIMARY.join(", ")
                )));
            }
        }
        let secondary = filter_str(f, "secondary_status")?.map(str::to_string);
        if let Some(s) = &secondary {
            if !s.starts_with(kind.prefix()) {
                return Err(ApiError::param(format!(
                    "filtering.secondary_status: Invalid value {s}; expected a {}* value.",
                    kind.prefix()
                )));
            }
        }
        Ok(StatusFilter {
            primary,
            secondary,
            kind,
        })
    }

    pub(crate) fn matches(&self, deleted: bool, secondary: &str) -> bool {
        let primary_ok = match self.primary.as_deref() {
            None => self.secondary.is_some() || !deleted,
            Some("STATUS_ALL") => true,
            Some("STATUS_NOT_DELETE") => !deleted,
            Some("STATUS_DELETE") => deleted,
            Some("STATUS_DELIVERY_OK") => {
                secondary.ends_with("_ENABLE") || secondary.ends_with("_DELIVERY_OK")
            }
            Some("STATUS_DISABLE") => !deleted && secondary.ends_with("_DISABLE"),
            Some(_) => false,
        };
        let secondary_ok = match self.secondary.as_deref() {
            None => true,
            Some(s) => match &s[self.kind.prefix().len()..] {
                "ALL" => true,
                "NOT_DELETE" => !deleted,
                "DELETE" => deleted,
                _ => s == secondary,
            },
        };
        primary_ok && secondary_ok
    }
}

pub fn campaign_secondary(c: &Campaign) -> &'static str {
    if c.deleted_at.is_some() {
        "CAMPAIGN_STATUS_DELETE"
    } else if c.operation_status == "ENABLE" {
        "CAMPAIGN_STATUS_ENABLE"
    } else {
        "CAMPAIGN_STATUS_DISABLE"
    }
}

pub fn adgroup_secondary(g: &AdGroup, c: Option<&Campaign>) -> &'static str {
    let c_deleted = c.is_some_and(|c| c.deleted_at.is_some());
    let c_disabled = c.is_some_and(|c| c.operation_status != "ENABLE");
    if g.deleted_at.is_some() {
        "ADGROUP_STATUS_DELETE"
    } else if c_deleted {
        "ADGROUP_STATUS_CAMPAIGN_DELETE"
    } else if c_disabled {
        "ADGROUP_STATUS_CAMPAIGN_DISABLE"
    } else if g.operation_status != "ENABLE" {
        "ADGROUP_STATUS_DISABLE"
    } else {
        "ADGROUP_STATUS_DELIVERY_OK"
    }
}

pub fn ad_secondary(a: &Ad, g: Option<&AdGroup>, c: Option<&Campaign>) -> &'static str {
    ad_secondary_of(a.deleted_at.is_some(), &a.operation_status, g, c)
}

/// An ad's secondary status from its own deletion and operation status and its parents'.
pub(crate) fn ad_secondary_of(
    deleted: bool,
    operation_status: &str,
    g: Option<&AdGroup>,
    c: Option<&Campaign>,
) -> &'static str {
    if deleted {
        "AD_STATUS_DELETE"
    } else if g.is_some_and(|g| g.deleted_at.is_some()) {
        "AD_STATUS_ADGROUP_DELETE"
    } else if c.is_some_and(|c| c.deleted_at.is_some()) {
        "AD_STATUS_CAMPAIGN_DELETE"
    } else if c.is_some_and(|c| c.operation_status != "ENABLE") {
        "AD_STATUS_CAMPAIGN_DISABLE"
    } else if g.is_some_and(|g| g.operation_status != "ENABLE") {
        "AD_STATUS_ADGROUP_DISABLE"
    } else if operation_status != "ENABLE" {
        "AD_STATUS_DISABLE"
    } else {
        "AD_STATUS_DELIVERY_OK"
    }
}

pub(crate) fn is_deleted_status(s: &str) -> bool {
    s.ends_with("_DELETE")
}

/// Filters shared by the three endpoints.
struct Common {
    status: StatusFilter,
    name: Option<String>,
    objective_type: Option<String>,
    created_from: Option<DateTime<Utc>>,
    created_to: Option<DateTime<Utc>>,
    buying: BuyingSet,
}

impl Common {
    fn parse(f: &Map<String, Value>, kind: Kind, name_key: &str) -> Result<Common, ApiError> {
        let status = StatusFilter::parse(f, kind)?;
        let created_from = filter_str(f, "creation_filter_start_time")?
            .map(|s| params::parse_time(s, "filtering.creation_filter_start_time"))
            .transpose()?;
        let created_to = filter_str(f, "creation_filter_end_time")?
            .map(|s| params::parse_time(s, "filtering.creation_filter_end_time"))
            .transpose()?;
        let buying_names = match f.get("buying_types").filter(|v| !v.is_null()) {
            Some(v) => Some(params::string_list(v, "filtering.buying_types")?),
            None => None,
        };
        let buying = buying::entity_filter(buying_names.as_deref())?;
        let objective_type = filter_str(f, "objective_type")?.map(str::to_string);
        if objective_type.as_deref() == Some(buying::TOPVIEW_OBJECTIVE) {
            return Err(ApiError::param(format!(
                "filtering.objective_type: {} cannot be used as a filter; use buying_types [\"RESERVATION_TOP_VIEW\"].",
                buying::TOPVIEW_OBJECTIVE
            )));
        }
        Ok(Common {
            status,
            name: filter_str(f, name_key)?.map(|s| s.to_lowercase()),
            objective_type,
            created_from,
            created_to,
            buying,
        })
    }

    /// `campaign` is the entity's own campaign (absent only for an orphan, taken as auction).
    fn matches(
        &self,
        campaign: Option<&Campaign>,
        name: &str,
        created: DateTime<Utc>,
        secondary: &str,
    ) -> bool {
        let objective = campaign.map(|c| c.objective_type.as_str());
        self.buying.admits(campaign)
            && self.status.matches(is_deleted_status(secondary), secondary)
            && self
                .name
                .as_ref()
                .is_none_or(|n| name.to_lowercase().contains(n.as_str()))
            && self
                .objective_type
                .as_ref()
                .is_none_or(|o| objective == Some(o.as_str()))
            && self.created_from.is_none_or(|t| created >= t)
            && self.created_to.is_none_or(|t| created <= t)
    }
}

pub(crate) fn id_filter(ids: &Option<Vec<String>>, id: &str) -> bool {
    ids.as_ref().is_none_or(|ids| ids.iter().any(|x| x == id))
}

/// Numeric id order, newest (largest) first, as TikTok sorts by default.
pub(crate) fn id_desc(a: &str, b: &str) -> std::cmp::Ordering {
    (b.len(), b).cmp(&(a.len(), a))
}

struct Lookup<'a> {
    campaigns: HashMap<&'a str, &'a Campaign>,
    adgroups: HashMap<&'a str, &'a AdGroup>,
}

impl<'a> Lookup<'a> {
    fn new(world: &'a World, advertiser_id: &str) -> Lookup<'a> {
        Lookup {
            campaigns: world
                .campaigns
                .iter()
                .filter(|c| c.advertiser_id == advertiser_id)
                .map(|c| (c.campaign_id.as_str(), c))
                .collect(),
            adgroups: world
                .adgroups
                .iter()
                .filter(|g| g.advertiser_id == advertiser_id)
                .map(|g| (g.adgroup_id.as_str(), g))
                .collect(),
        }
    }
}

pub struct Request<'a> {
    pub world: &'a World,
    pub params: &'a Params,
    pub advertiser_id: &'a str,
    pub sandbox: bool,
}

/// `filtering.campaign_automation_type`: keeps the entities of campaigns of that type.
struct Automation<'a> {
    world: &'a World,
    wanted: Option<String>,
}

impl<'a> Automation<'a> {
    fn parse(f: &Map<String, Value>, world: &'a World) -> Result<Self, ApiError> {
        let wanted = filter_str(f, "campaign_automation_type")?
            .map(|v| {
                crate::smart_plus::parse_automation_type(v, "filtering.campaign_automation_type")
            })
            .transpose()?;
        Ok(Automation { world, wanted })
    }

    fn admits(&self, campaign_id: &str) -> bool {
        self.wanted
            .as_deref()
            .is_none_or(|w| self.world.smart_plus.automation_type(campaign_id) == w)
    }

    /// `campaign_automation_type` of a campaign row.
    fn of(&self, campaign_id: &str) -> Value {
        json!(self.world.smart_plus.automation_type(campaign_id))
    }
}

pub fn campaign_get(r: &Request) -> Result<Value, ApiError> {
    let f = params::filtering(r.params)?;
    let page = params::page(r.params, 10, 1000)?;
    let sel = FieldSelection::parse(r.params)?;
    let common = Common::parse(&f, Kind::Campaign, "campaign_name")?;
    let ids = filter_ids(&f, "campaign_ids", 100)?;
    let automation = Automation::parse(&f, r.world)?;
    let mut hits: Vec<&Campaign> = r
        .world
        .campaigns
        .iter()
        .filter(|c| c.advertiser_id == r.advertiser_id)
        .filter(|c| id_filter(&ids, &c.campaign_id) && automation.admits(&c.campaign_id))
        .filter(|c| {
            common.matches(
                Some(c),
                &c.campaign_name,
                c.create_time,
                campaign_secondary(c),
            )
        })
        .collect();
    hits.sort_by(|a, b| id_desc(&a.campaign_id, &b.campaign_id));
    let (items, page_info) = params::paginate(hits, page);
    let list: Vec<Value> = items
        .into_iter()
        .map(|c| {
            let mut m = render_campaign(c, r.sandbox);
            m.insert(
                "campaign_automation_type".into(),
                automation.of(&c.campaign_id),
            );
            sel.apply(m)
        })
        .collect();
    Ok(json!({ "list": list, "page_info": page_info }))
}

pub fn adgroup_get(r: &Request) -> Result<Value, ApiError> {
    let f = params::filtering(r.params)?;
    let sel = FieldSelection::parse(r.params)?;
    let common = Common::parse(&f, Kind::AdGroup, "adgroup_name")?;
    // TikTok caps adgroup/get at 100 per page for TopView reservations.
    let page = params::page(
        r.params,
        10,
        if common.buying.has_top_view() {
            100
        } else {
            1000
        },
    )?;
    let campaign_ids = filter_ids(&f, "campaign_ids", 100)?;
    let adgroup_ids = filter_ids(&f, "adgroup_ids", 100)?;
    let automation = Automation::parse(&f, r.world)?;
    let look = Lookup::new(r.world, r.advertiser_id);
    let mut hits: Vec<(&AdGroup, Option<&Campaign>)> = r
        .world
        .adgroups
        .iter()
        .filter(|g| g.advertiser_id == r.advertiser_id && automation.admits(&g.campaign_id))
        .filter(|g| {
            id_filter(&campaign_ids, &g.campaign_id) && id_filter(&adgroup_ids, &g.adgroup_id)
        })
        .map(|g| (g, look.campaigns.get(g.campaign_id.as_str()).copied()))
        .filter(|(g, c)| {
            common.matches(*c, &g.adgroup_name, g.create_time, adgroup_secondary(g, *c))
        })
        .collect();
    hits.sort_by(|a, b| id_desc(&a.0.adgroup_id, &b.0.adgroup_id));
    let (items, page_info) = params::paginate(hits, page);
    let list: Vec<Value> = items
        .into_iter()
        .map(|(g, c)| sel.apply(render_adgroup(r.world, g, c)))
        .collect();
    Ok(json!({ "list": list, "page_info": page_info }))
}

pub fn ad_get(r: &Request) -> Result<Value, ApiError> {
    let f = params::filtering(r.params)?;
    let page = params::page(r.params, 10, 1000)?;
    let sel = FieldSelection::parse(r.params)?;
    let common = Common::parse(&f, Kind::Ad, "ad_name")?;
    let campaign_ids = filter_ids(&f, "campaign_ids", 100)?;
    let adgroup_ids = filter_ids(&f, "adgroup_ids", 100)?;
    let ad_ids = filter_ids(&f, "ad_ids", 100)?;
    let automation = Automation::parse(&f, r.world)?;
    let smart_plus = r.world.smart_plus.ads_by_creative();
    let modified_after = filter_str(&f, "modified_after")?
        .map(|s| params::parse_time(s, "filtering.modified_after"))
        .transpose()?;
    let look = Lookup::new(r.world, r.advertiser_id);
    let mut hits: Vec<(&Ad, Option<&AdGroup>, Option<&Campaign>)> = r
        .world
        .ads
        .iter()
        .filter(|a| a.advertiser_id == r.advertiser_id && automation.admits(&a.campaign_id))
        .filter(|a| {
            id_filter(&campaign_ids, &a.campaign_id)
                && id_filter(&adgroup_ids, &a.adgroup_id)
                && id_filter(&ad_ids, &a.ad_id)
        })
        .filter(|a| modified_after.is_none_or(|t| a.modify_time.is_some_and(|m| m >= t)))
        .map(|a| {
            (
                a,
                look.adgroups.get(a.adgroup_id.as_str()).copied(),
                look.campaigns.get(a.campaign_id.as_str()).copied(),
            )
        })
        .filter(|(a, g, c)| common.matches(*c, &a.ad_name, a.create_time, ad_secondary(a, *g, *c)))
        .collect();
    hits.sort_by(|a, b| id_desc(&a.0.ad_id, &b.0.ad_id));
    let (items, page_info) = params::paginate(hits, page);
    let list: Vec<Value> = items
        .into_iter()
        .map(|(a, g, c)| {
            // Smart+ creatives say which Smart+ ad they belong to (smart_plus module comment);
            // manual ads have no such key.
            let mut m = render_ad(r.world, a, g, c);
            if let Some(s) = smart_plus.get(a.ad_id.as_str()) {
                m.insert("smart_plus_ad_id".into(), json!(s.smart_plus_ad_id));
            }
            sel.apply(m)
        })
        .collect();
    Ok(json!({ "list": list, "page_info": page_info }))
}

fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A JSON number that prints like TikTok's budgets (`100.0`, `0`).
fn money(x: f64) -> Value {
    if x == 0.0 {
        json!(0)
    } else {
        json!(x)
    }
}

pub fn render_campaign(c: &Campaign, sandbox: bool) -> Map<String, Value> {
    let h = hash_str(&c.campaign_id);
    let app = c.objective_type == "APP_PROMOTION";
    let mut m = as_map(json!({
        "advertiser_id": c.advertiser_id,
        "campaign_id": c.campaign_id,
        "campaign_name": c.campaign_name,
        "campaign_type": "REGULAR_CAMPAIGN",
        "objective_type": c.objective_type,
        "objective": if app { "APP" } else { "LANDING_PAGE" },
        "app_promotion_type": if app { json!("APP_INSTALL") } else { Value::Null },
        "virtual_objective_type": Value::Null,
        "sales_destination": if c.objective_type == "PRODUCT_SALES" { json!("WEBSITE") } else { Value::Null },
        "budget": money(c.budget),
        "budget_mode": c.budget_mode,
        "budget_optimize_on": h.is_multiple_of(3),
        "operation_status": c.operation_status,
        "secondary_status": campaign_secondary(c),
        "is_new_structure": true,
        "is_search_campaign": false,
        "is_smart_performance_campaign": false,
        "campaign_automation_type": "MANUAL",
        "is_advanced_dedicated_campaign": false,
        "disable_skan_campaign": if app { json!(false) } else { Value::Null },
        "bid_align_type": Value::Null,
        "app_id": Value::Null,
        "rf_campaign_type": c.buying.rf_campaign_type(),
        "special_industries": [],
        "deep_bid_type": Value::Null,
        "roas_bid": 0,
        "optimization_goal": Value::Null,
        "po_number": Value::Null,
        "campaign_system_origin": "TT_ADS_PLATFORM",
        "create_time": fmt_time(c.create_time),
        "modify_time": fmt_time(c.modify_time),
    }));
    if sandbox {
        // TikTok's sandbox does not return secondary_status for campaigns.
        m.remove("secondary_status");
    }
    m
}

const AGE_GROUPS: &[&str] = &[
    "AGE_18_24",
    "AGE_25_34",
    "AGE_35_44",
    "AGE_45_54",
    "AGE_55_100",
];

pub fn render_adgroup(world: &World, g: &AdGroup, c: Option<&Campaign>) -> Map<String, Value> {
    let h = hash_str(&g.adgroup_id);
    // One ad group in four leaves its optional settings unset: TikTok sends them as null.
    let sparse = h.is_multiple_of(4);
    let opt = |v: Value| if sparse { Value::Null } else { v };
    let country = world
        .advertiser(&g.advertiser_id)
        .map(|a| a.country.as_str())
        .unwrap_or("US");
    let pixel = world
        .pixels
        .iter()
        .find(|p| p.advertiser_id == g.advertiser_id)
        .map(|p| p.id.clone());
    let ages: Vec<&str> = AGE_GROUPS
        .iter()
        .copied()
        .skip((h % 2) as usize)
        .take(3)
        .collect();
    let windows = [
        "OFF",
        "ONE_DAY",
        "SEVEN_DAYS",
        "FOURTEEN_DAYS",
        "TWENTY_EIGHT_DAYS",
    ];
    let mut m = as_map(json!({
        "advertiser_id": g.advertiser_id,
        "campaign_id": g.campaign_id,
        "campaign_name": c.map(|c| c.campaign_name.as_str()),
        "adgroup_id": g.adgroup_id,
        "adgroup_name": g.adgroup_name,
        "placement_type": g.placement_type,
        "placements": if g.placement_type == "PLACEMENT_TYPE_NORMAL" { json!(["PLACEMENT_TIKTOK"]) } else { json!(["PLACEMENT_TIKTOK", "PLACEMENT_PANGLE", "PLACEMENT_GLOBAL_APP_BUNDLE"]) },
        "promotion_type": "WEBSITE",
        "create_time": fmt_time(g.create_time),
        "modify_time": fmt_time(g.modify_time),
        "schedule_type": if sparse { "SCHEDULE_FROM_NOW" } else { "SCHEDULE_START_END" },
        "schedule_start_time": fmt_time(g.create_time),
        "schedule_end_time": opt(json!(fmt_time(g.create_time + chrono::Duration::days(90)))),
        "dayparting": opt(json!("1".repeat(336))),
        "operation_status": g.operation_status,
        "secondary_status": adgroup_secondary(g, c),
        "budget": money(g.budget),
        "budget_mode": g.budget_mode,
        "billing_event": if g.optimization_goal == "CLICK" { "CPC" } else { "OCPM" },
        "bid_type": if g.bid_price > 0.0 { "BID_TYPE_CUSTOM" } else { "BID_TYPE_NO_BID" },
        "bid_price": money(g.bid_price),
        "conversion_bid_price": opt(json!(0)),
        "deep_cpa_bid": opt(json!(0)),
        "pacing": "PACING_MODE_SMOOTH",
        "optimization_goal": g.optimization_goal,
        "optimization_event": opt(if g.optimization_goal == "CONVERT" { json!("SHOPPING") } else { Value::Null }),
        "pixel_id": opt(json!(pixel)),
        "app_id": Value::Null,
        "catalog_id": Value::Null,
        "location_ids": [geo_id(country)],
        "age_groups": opt(json!(ages)),
        "gender": "GENDER_UNLIMITED",
        "languages": opt(json!([crate::generate::language_of_country(country)])),
        "audience_ids": [],
        "excluded_audience_ids": [],
        "interest_category_ids": opt(json!(["25", "26"])),
        "click_attribution_window": windows[(h % 5) as usize],
        "view_attribution_window": if h.is_multiple_of(2) { "ONE_DAY" } else { "OFF" },
        "engaged_view_attribution_window": "SEVEN_DAYS",
        "attribution_event_count": "EVERY",
        "comment_disabled": h.is_multiple_of(7),
        "skip_learning_phase": false,
        "is_new_structure": true,
    }));
    m.extend(buying::adgroup_fields(g, c));
    m
}

fn geo_id(country: &str) -> &'static str {
    match country {
        "US" => "6252001",
        "JP" => "1861060",
        "DE" => "2921044",
        "CO" => "3686110",
        "IN" => "1269750",
        "AU" => "2077456",
        "RU" => "2017370",
        _ => "2635167",
    }
}

pub fn render_ad(
    world: &World,
    a: &Ad,
    g: Option<&AdGroup>,
    c: Option<&Campaign>,
) -> Map<String, Value> {
    let h = hash_str(&a.ad_id);
    let adv = world.advertiser(&a.advertiser_id);
    let display = adv.map(|x| x.name.trim().to_string()).unwrap_or_default();
    let pixel = world
        .pixels
        .iter()
        .find(|p| p.advertiser_id == a.advertiser_id)
        .map(|p| p.id.clone());
    let mut m = as_map(json!({
        "advertiser_id": a.advertiser_id,
        "campaign_id": a.campaign_id,
        "campaign_name": c.map(|c| c.campaign_name.as_str()),
        "adgroup_id": a.adgroup_id,
        "adgroup_name": g.map(|g| g.adgroup_name.as_str()),
        "ad_id": a.ad_id,
        "ad_name": a.ad_name,
        "ad_text": a.ad_text,
        "ad_texts": Value::Null,
        "call_to_action": a.call_to_action,
        "call_to_action_id": Value::Null,
        "display_name": display,
        "identity_type": "CUSTOMIZED_USER",
        "identity_id": format!("{}", 7_100_000_000_000_000_000u64 + h % 1_000_000_000_000),
        "profile_image_url": format!("https://p16-sign-va.tiktokcdn.com/avatar/{:016x}.jpeg", h),
        "avatar_icon_web_uri": format!("ad-site-i18n-sg/avatar/{:016x}", h),
        "ad_format": a.ad_format,
        "video_id": a.video_id,
        "image_ids": a.image_ids,
        "creative_type": Value::Null,
        "creative_authorized": h.is_multiple_of(5),
        "is_aco": false,
        "is_new_structure": true,
        "card_id": Value::Null,
        "page_id": Value::Null,
        "landing_page_url": a.landing_page_url,
        "landing_page_urls": Value::Null,
        "deeplink": "",
        "deeplink_type": "NORMAL",
        "fallback_type": "UNSET",
        "impression_tracking_url": Value::Null,
        "click_tracking_url": Value::Null,
        "tracking_pixel_id": pixel,
        "playable_url": "",
        "app_name": "",
        "optimization_event": Value::Null,
        "vast_moat_enabled": false,
        "brand_safety_postbid_partner": "UNSET",
        "viewability_postbid_partner": "UNSET",
        "operation_status": a.operation_status,
        "secondary_status": ad_secondary(a, g, c),
        "create_time": fmt_time(a.create_time),
        "modify_time": a.modify_time.map(fmt_time),
    }));
    if a.modify_time.is_none() {
        // Smart+ ads come back without the key at all, not with null.
        m.remove("modify_time");
    }
    m
}
