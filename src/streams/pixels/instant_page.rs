//! `pixel_instant_page_events`: the Instant Page events TikTok supports for an objective and an
//! optimization goal (reference §1.1: a catalogue lookup, not event data), one flattened row per
//! `(business_type, objective_type, optimization_goal, optimization_event)` of each account.
//!
//! The official connector asks 10 objectives × 22 goals = 220 requests per account, almost all
//! for pairs TikTok has nothing for. Here only the pairs TikTok has Instant Page events for are
//! asked (UNCERTAIN in the reference, which has seen CONVERSIONS/CONVERT and APP_PROMOTION; the
//! list is the emulator's catalogue and kept in `PAIRS`). `WEB_CONVERSIONS` is an alias that
//! answers as `CONVERSIONS`, so it is not asked again.

use std::collections::HashSet;

use serde_json::Value;

use crate::error::Error;
use crate::protocol::now_ms;
use crate::read::Job;
use crate::streams::record::{push_json_str, Lines};
use crate::tiktok::client::Query;
use crate::tiktok::envelope::{self, AsValue};
use crate::tiktok::ApiError;

pub const PATH: &str = "pixel/instant_page/event/";
/// Every column TikTok's nesting gives a row, with the account: an honest key (the official
/// connector declares none).
pub const PRIMARY_KEY: &[&str] = &[
    "advertiser_id",
    "business_type",
    "objective_type",
    "optimization_goal",
    "optimization_event",
];

/// The (objective_type, optimization_goal) pairs asked for.
pub const PAIRS: &[(&str, &str)] = &[
    ("CONVERSIONS", "CONVERT"),
    ("CONVERSIONS", "VALUE"),
    ("APP_PROMOTION", "INSTALL"),
    ("APP_PROMOTION", "IN_APP_EVENT"),
    ("LEAD_GENERATION", "LEAD_GENERATION"),
];

pub async fn read(job: &Job<'_>, account: &str) -> Result<(), Error> {
    let mut seen = HashSet::new();
    for (objective, goal) in PAIRS {
        let query: Query = vec![
            ("advertiser_id", account.to_string()),
            ("objective_type", objective.to_string()),
            ("optimization_goal", goal.to_string()),
        ];
        let fetched = job
            .get(PATH, &query, |body, _| {
                envelope::decode(body, PATH, AsValue).map(|ok| ok.data)
            })
            .await;
        let data = match fetched {
            Ok(f) => f.value,
            // An unknown pair may be refused rather than answered with an empty list
            // (UNCERTAIN in the reference): it has no events; the others are still read.
            Err(Error::Api(e)) if e.code == Some(40002) => {
                job.warn_once(
                    &format!("pair:{}:{objective}:{goal}", job.name()),
                    &format!(
                        "Stream {}: TikTok has no Instant Page events for {objective}/{goal} ({}).",
                        job.name(),
                        e.message.trim()
                    ),
                )
                .await;
                continue;
            }
            Err(e) => return Err(e),
        };
        let lines = records(job.name(), account, data.as_ref(), &mut seen)?;
        job.records(lines).await;
    }
    Ok(())
}

fn unusable(what: impl Into<String>) -> ApiError {
    ApiError::bad_answer(PATH, what.into())
}

/// The flattened rows of one answer not written before in this account's slice.
fn records(
    stream: &str,
    account: &str,
    data: Option<&Value>,
    seen: &mut HashSet<[String; 4]>,
) -> Result<Lines, ApiError> {
    let mut lines = Lines::new(stream, now_ms());
    let list = match data.and_then(|d| d.get("list")) {
        Some(Value::Array(list)) => list.as_slice(),
        None | Some(Value::Null) => &[],
        Some(_) => return Err(unusable("data.list is not a list")),
    };
    let array = |v: Option<&Value>, what: &str| -> Result<Vec<Value>, ApiError> {
        match v {
            Some(Value::Array(a)) => Ok(a.clone()),
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(_) => Err(unusable(format!("{what} is not a list"))),
        }
    };
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    for item in list {
        // Whether business_type is always there is UNCERTAIN: absent, the key holds "".
        let business = text(item, "business_type").unwrap_or_default();
        let objectives = array(
            item.pointer("/instant_page_events/objective_types"),
            "instant_page_events.objective_types",
        )?;
        for o in &objectives {
            let Some(objective) = text(o, "objective_type") else {
                return Err(unusable("an objective without objective_type"));
            };
            for g in array(o.get("optimization_goals"), "optimization_goals")? {
                let Some(goal) = text(&g, "optimization_goal") else {
                    return Err(unusable("a goal without optimization_goal"));
                };
                for event in array(g.get("optimization_events"), "optimization_events")? {
                    let Some(event) = event.as_str() else {
                        return Err(unusable("an optimization event that is not a string"));
                    };
                    let key = [
                        business.clone(),
                        objective.clone(),
                        goal.clone(),
                        event.to_string(),
                    ];
                    if !seen.insert(key) {
                        continue;
                    }
                    lines.begin();
                    push_json_str(lines.key("advertiser_id"), account);
                    push_json_str(lines.key("business_type"), &business);
                    push_json_str(lines.key("objective_type"), &objective);
                    push_json_str(lines.key("optimization_goal"), &goal);
                    push_json_str(lines.key("optimization_event"), event);
                    lines.end();
                }
            }
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_nesting_is_flattened_once_per_row() {
        let data = json!({"list": [{"business_type": "TIKTOK_INSTANT_PAGE", "instant_page_events":
            {"objective_types": [{"objective_type": "CONVERSIONS", "optimization_goals": [
                {"optimization_goal": "CONVERT", "optimization_events": ["BUTTON", "FORM"]}]}]}}]});
        let mut seen = HashSet::new();
        let first = records("s", "5", Some(&data), &mut seen).unwrap().data();
        assert_eq!(first.len(), 2);
        assert_eq!(
            first[1],
            json!({"advertiser_id": "5", "business_type": "TIKTOK_INSTANT_PAGE", "objective_type": "CONVERSIONS",
                "optimization_goal": "CONVERT", "optimization_event": "FORM"})
        );
        // The same rows in a later answer are not written twice.
        assert!(records("s", "5", Some(&data), &mut seen)
            .unwrap()
            .data()
            .is_empty());
        assert!(records("s", "5", Some(&json!({"list": []})), &mut seen)
            .unwrap()
            .data()
            .is_empty());
        assert!(records("s", "5", Some(&json!({"list": {}})), &mut seen).is_err());
    }

    #[test]
    fn aliases_are_not_asked() {
        assert!(PAIRS.iter().all(|(o, _)| *o != "WEB_CONVERSIONS"));
        let unique: HashSet<_> = PAIRS.iter().collect();
        assert_eq!(unique.len(), PAIRS.len());
    }
}
