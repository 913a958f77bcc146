//! Buying types (more-endpoints reference §2): auction campaigns, Reach & Frequency (and TikTok
//! Pulse) reservations, and TopView reservations. A campaign's buying type is inherited by its
//! ad groups and ads. This module holds the types, the sets that `filtering.buying_types` and the
//! report filter `buying_type` select, and the reservation settings an ad group shows.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::model::{AdGroup, ApiError, Campaign};
use crate::rng::hash_str;

/// The value of `filtering.buying_types` and of the report filter `buying_type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum BuyingType {
    #[serde(rename = "AUCTION")]
    Auction,
    /// Reach & Frequency, including TikTok Pulse.
    #[serde(rename = "RESERVATION_RF")]
    ReservationRf,
    #[serde(rename = "RESERVATION_TOP_VIEW")]
    ReservationTopView,
}

impl BuyingType {
    pub const ALL: [BuyingType; 3] = [
        BuyingType::Auction,
        BuyingType::ReservationRf,
        BuyingType::ReservationTopView,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BuyingType::Auction => "AUCTION",
            BuyingType::ReservationRf => "RESERVATION_RF",
            BuyingType::ReservationTopView => "RESERVATION_TOP_VIEW",
        }
    }

    pub fn parse(s: &str) -> Option<BuyingType> {
        BuyingType::ALL.into_iter().find(|t| t.name() == s)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// How a campaign was bought. Auction campaigns are the API's own; the reservation kinds are
/// booked with TikTok and read-only here, as TopView is in the API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub enum Buying {
    #[default]
    Auction,
    /// Reach & Frequency: `rf_campaign_type` STANDARD.
    ReachFrequency,
    /// TikTok Pulse, bought as Reach & Frequency: `rf_campaign_type` PULSE.
    Pulse,
    /// TopView: `rf_campaign_type` TOPVIEW, only returned when asked for.
    TopView,
}

impl Buying {
    pub fn buying_type(self) -> BuyingType {
        match self {
            Buying::Auction => BuyingType::Auction,
            Buying::ReachFrequency | Buying::Pulse => BuyingType::ReservationRf,
            Buying::TopView => BuyingType::ReservationTopView,
        }
    }

    /// `rf_campaign_type` of campaign/get and of the report attribute: auction campaigns come
    /// back as STANDARD too.
    pub fn rf_campaign_type(self) -> &'static str {
        match self {
            Buying::Auction | Buying::ReachFrequency => "STANDARD",
            Buying::Pulse => "PULSE",
            Buying::TopView => "TOPVIEW",
        }
    }

    pub fn is_reservation(self) -> bool {
        self != Buying::Auction
    }
}

/// Reservation campaigns report `objective_type` RF_REACH, TopView included.
pub const RESERVATION_OBJECTIVE: &str = "RF_REACH";

/// TikTok's TopView objective: it exists, but the `objective_type` filter refuses it.
pub const TOPVIEW_OBJECTIVE: &str = "TOPVIEW_REACH";

/// A set of buying types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuyingSet(u8);

impl BuyingSet {
    pub fn of(types: &[BuyingType]) -> BuyingSet {
        BuyingSet(types.iter().fold(0, |bits, t| bits | t.bit()))
    }

    /// Every buying type.
    pub fn all() -> BuyingSet {
        BuyingSet::of(&BuyingType::ALL)
    }

    /// The entity endpoints' default and, outside AUCTION_ADVERTISER, the reports' default:
    /// auction and Reach & Frequency, never TopView.
    pub fn default_without_top_view() -> BuyingSet {
        BuyingSet::of(&[BuyingType::Auction, BuyingType::ReservationRf])
    }

    pub fn contains(self, t: BuyingType) -> bool {
        self.0 & t.bit() != 0
    }

    pub fn admits(self, campaign: Option<&Campaign>) -> bool {
        self.contains(campaign.map_or(BuyingType::Auction, |c| c.buying.buying_type()))
    }

    pub fn has_top_view(self) -> bool {
        self.contains(BuyingType::ReservationTopView)
    }
}

fn names_of_all() -> String {
    BuyingType::ALL.map(BuyingType::name).join(", ")
}

/// Parses buying type names; unknown names and an empty list are parameter errors.
fn parse_names(names: &[String], field: &str) -> Result<Vec<BuyingType>, ApiError> {
    if names.is_empty() {
        return Err(ApiError::param(format!(
            "{field}: Length must be at least 1."
        )));
    }
    names
        .iter()
        .map(|n| {
            BuyingType::parse(n).ok_or_else(|| {
                ApiError::param(format!(
                    "{field}: Invalid value {n}; must be one of: {}.",
                    names_of_all()
                ))
            })
        })
        .collect()
}

/// `filtering.buying_types` of campaign/get, adgroup/get and ad/get. Absent: AUCTION and
/// RESERVATION_RF. RESERVATION_TOP_VIEW must be asked for alone.
pub fn entity_filter(names: Option<&[String]>) -> Result<BuyingSet, ApiError> {
    let Some(names) = names else {
        return Ok(BuyingSet::default_without_top_view());
    };
    let types = parse_names(names, "filtering.buying_types")?;
    let set = BuyingSet::of(&types);
    if set.has_top_view() && set != BuyingSet::of(&[BuyingType::ReservationTopView]) {
        return Err(ApiError::param(
            "filtering.buying_types: RESERVATION_TOP_VIEW cannot be used together with other buying types.",
        ));
    }
    Ok(set)
}

/// The report filter `{"field_name": "buying_type", "filter_type": "IN", "filter_value":
/// "[\"RESERVATION_TOP_VIEW\"]"}`: any non-empty set of buying types. The exact field name is
/// UNCERTAIN in the reference; this is its most likely form.
pub fn report_filter(names: &[String]) -> Result<BuyingSet, ApiError> {
    parse_names(names, "filtering: buying_type").map(|t| BuyingSet::of(&t))
}

/// With `EmulatorConfig::report_top_view_alone`: a report's `buying_type` filter that combines
/// RESERVATION_TOP_VIEW with another buying type answers 40002, as `filtering.buying_types`
/// does on the entity endpoints. Whether TikTok's reports do so is UNCERTAIN; this knob lets a
/// client prove it copes either way. Malformed filters are left to the report engine.
pub fn refuse_combined_top_view_in_report(params: &crate::model::Params) -> Result<(), ApiError> {
    let Ok(Some(Value::Array(items))) = crate::params::json(params, "filtering") else {
        return Ok(());
    };
    for item in &items {
        if item.get("field_name").and_then(Value::as_str) != Some("buying_type") {
            continue;
        }
        let names: Vec<String> = item
            .get("filter_value")
            .and_then(Value::as_str)
            .and_then(|raw| serde_json::from_str::<Vec<String>>(raw).ok())
            .unwrap_or_default();
        let Ok(set) = report_filter(&names) else {
            return Ok(());
        };
        if set.has_top_view() && set != BuyingSet::of(&[BuyingType::ReservationTopView]) {
            return Err(ApiError::param(
                "filtering: buying_type: RESERVATION_TOP_VIEW cannot be used together with other buying types.",
            ));
        }
    }
    Ok(())
}

/// Which buying types a report covers when it has no `buying_type` filter. UNCERTAIN in the
/// reference; the emulator's one choice, following what it says most clearly: AUCTION_ADVERTISER
/// "returns all auction and reservation data" (TopView included), while at campaign, ad group
/// and ad level TopView data needs the `buying_type` filter, so those levels default to what the
/// entity endpoints return by default.
pub fn report_default(advertiser_level: bool) -> BuyingSet {
    if advertiser_level {
        BuyingSet::all()
    } else {
        BuyingSet::default_without_top_view()
    }
}

/// `rf_purchased_type` values: bought by fixed impressions, fixed reach or fixed budget.
const RF_PURCHASED_TYPES: &[&str] = &["FIXED_SHOW", "FIXED_REACH", "FIXED_BUDGET"];

/// The reservation settings an ad group shows, derived from its id: Reach & Frequency (and
/// Pulse) ad groups carry `rf_purchased_type`, `purchased_impression`, `purchased_reach` (both
/// in thousands), `rf_estimated_cpr` and `rf_estimated_frequency`; TopView ad groups carry
/// `topview_reach_range` (thousands, `[low, high]`). The fields a kind does not have are null.
pub fn adgroup_fields(g: &AdGroup, c: Option<&Campaign>) -> Map<String, Value> {
    let buying = c.map_or(Buying::Auction, |c| c.buying);
    let h = hash_str(&g.adgroup_id);
    let rf = matches!(buying, Buying::ReachFrequency | Buying::Pulse);
    let top_view = buying == Buying::TopView;
    let reach = 200 + h % 4_800;
    let frequency_tenths = 15 + (h >> 16) % 30;
    let impressions = reach * frequency_tenths / 10;
    let when = |on: bool, v: Value| if on { v } else { Value::Null };
    let low = 100 + (h >> 24) % 900;
    let mut m = Map::new();
    m.insert(
        "rf_purchased_type".into(),
        when(
            rf,
            json!(RF_PURCHASED_TYPES[((h >> 8) % RF_PURCHASED_TYPES.len() as u64) as usize]),
        ),
    );
    m.insert("purchased_impression".into(), when(rf, json!(impressions)));
    m.insert("purchased_reach".into(), when(rf, json!(reach)));
    m.insert(
        "rf_estimated_cpr".into(),
        when(rf, json!((200 + (h >> 32) % 1_800) as f64 / 100.0)),
    );
    m.insert(
        "rf_estimated_frequency".into(),
        when(rf, json!(frequency_tenths as f64 / 10.0)),
    );
    m.insert(
        "topview_reach_range".into(),
        when(top_view, json!([low, low + low / 3])),
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn entity_default_leaves_out_top_view() {
        let set = entity_filter(None).unwrap();
        assert!(set.contains(BuyingType::Auction) && set.contains(BuyingType::ReservationRf));
        assert!(!set.has_top_view());
    }

    #[test]
    fn top_view_must_be_alone_in_entity_filters_only() {
        assert!(entity_filter(Some(&names(&["RESERVATION_TOP_VIEW"]))).is_ok());
        let e = entity_filter(Some(&names(&["RESERVATION_TOP_VIEW", "AUCTION"]))).unwrap_err();
        assert_eq!(e.code, 40002);
        assert!(report_filter(&names(&["RESERVATION_TOP_VIEW", "AUCTION"])).is_ok());
        assert_eq!(entity_filter(Some(&[])).unwrap_err().code, 40002);
        assert_eq!(
            report_filter(&names(&["RESERVATION"])).unwrap_err().code,
            40002
        );
    }

    #[test]
    fn the_report_knob_refuses_top_view_only_in_combination() {
        let params = |filter: &str| -> crate::model::Params {
            [("filtering".to_string(), filter.to_string())]
                .into_iter()
                .collect()
        };
        let combined = r#"[{"field_name":"buying_type","filter_type":"IN","filter_value":"[\"AUCTION\",\"RESERVATION_TOP_VIEW\"]"}]"#;
        let e = refuse_combined_top_view_in_report(&params(combined)).unwrap_err();
        assert_eq!(e.code, 40002);
        assert!(e.message.contains("buying_type"), "{}", e.message);
        let alone = r#"[{"field_name":"buying_type","filter_type":"IN","filter_value":"[\"RESERVATION_TOP_VIEW\"]"}]"#;
        assert!(refuse_combined_top_view_in_report(&params(alone)).is_ok());
        let other =
            r#"[{"field_name":"ad_status","filter_type":"IN","filter_value":"[\"STATUS_ALL\"]"}]"#;
        assert!(refuse_combined_top_view_in_report(&params(other)).is_ok());
        assert!(refuse_combined_top_view_in_report(&params("")).is_ok());
    }

    #[test]
    fn reports_default_to_everything_only_at_advertiser_level() {
        assert!(report_default(true).has_top_view());
        assert!(!report_default(false).has_top_view());
        assert!(report_default(false).contains(BuyingType::ReservationRf));
    }
}
