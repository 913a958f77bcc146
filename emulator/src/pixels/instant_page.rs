//! `GET pixel/instant_page/event/`: which events Instant Pages support for an objective and an
//! optimization goal. A static catalogue, not event data.

use serde_json::{json, Value};

use crate::model::{ApiError, Params};
use crate::params;

/// The only business type the catalogue has. Whether TikTok always sends it is UNCERTAIN; the
/// emulator always does.
pub const BUSINESS_TYPE: &str = "TIKTOK_INSTANT_PAGE";

/// An optimization goal and its events.
pub type Goal = (&'static str, &'static [&'static str]);

/// objective_type → optimization_goal → events. TikTok documents `BUTTON` as the only event for
/// now; CONVERSIONS/CONVERT is the pair seen live, APP_PROMOTION the other objective seen.
pub const CATALOGUE: &[(&str, &[Goal])] = &[
    (
        "CONVERSIONS",
        &[("CONVERT", &["BUTTON"]), ("VALUE", &["BUTTON"])],
    ),
    (
        "APP_PROMOTION",
        &[("INSTALL", &["BUTTON"]), ("IN_APP_EVENT", &["BUTTON"])],
    ),
    ("LEAD_GENERATION", &[("LEAD_GENERATION", &["BUTTON"])]),
];

/// Objectives answered as another: WEB_CONVERSIONS "currently returns events for CONVERSIONS".
fn canonical_objective(objective: &str) -> &str {
    match objective {
        "WEB_CONVERSIONS" => "CONVERSIONS",
        other => other,
    }
}

/// The events of a pair, if the catalogue has it.
pub fn events_of(objective: &str, goal: &str) -> Option<(&'static str, &'static [&'static str])> {
    let objective = canonical_objective(objective);
    let (name, goals) = CATALOGUE.iter().find(|(o, _)| *o == objective)?;
    let (_, events) = goals.iter().find(|(g, _)| *g == goal)?;
    Some((name, events))
}

/// The endpoint, after auth and authorization of `advertiser_id`. An unknown pair answers an
/// empty list (UNCERTAIN: TikTok might answer 40002); `is_retargeting` is validated and does not
/// change the catalogue.
pub fn instant_page_events(params: &Params) -> Result<Value, ApiError> {
    let objective = params::required(params, "objective_type")?;
    let goal = params::required(params, "optimization_goal")?;
    params::boolean(params, "is_retargeting")?;
    let list = match events_of(objective, goal) {
        None => Vec::new(),
        Some((objective, events)) => vec![json!({
            "business_type": BUSINESS_TYPE,
            "instant_page_events": {
                "objective_types": [{
                    "objective_type": objective,
                    "optimization_goals": [{
                        "optimization_goal": goal,
                        "optimization_events": events,
                    }],
                }],
            },
        })],
    };
    Ok(json!({ "list": list }))
}
