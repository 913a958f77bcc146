//! `pixel_events_statistics`: per account, its own pixels' event counts, one UTC day per
//! request. TikTok's answer has no date, so one day per call is what gives each row its
//! `date`; the range is UTC (reference §1.2), so days are UTC days, from `start_date` to today
//! (UTC). Attribution keeps raising `attributed_count` for days after they end, so incremental
//! syncs re-read the attribution window before the cursor, as reports do.
//!
//! The official connector pairs every advertiser with every pixel and sends a bare pixel ID
//! and a malformed range; here a pixel is asked only with its own advertiser, in a JSON array
//! of at most 10, with a well-formed `date_range`.

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::{account_pixels, push_value};
use crate::error::Error;
use crate::plan::{self, Window};
use crate::protocol::now_ms;
use crate::read::{Job, PlanInput, SlicePlan};
use crate::state::Cursor;
use crate::streams::decl::Granularity;
use crate::streams::record::{push_json_str, Lines};
use crate::tiktok::client::Query;
use crate::tiktok::envelope::{self, AsValue};
use crate::tiktok::{json_param, ApiError};

pub const PATH: &str = "pixel/event/stats/";
pub const PRIMARY_KEY: &[&str] = &["pixel_id", "event_type", "date"];
pub const CURSOR: &str = "date";
/// Pixels TikTok takes in one request.
const PIXELS_PER_REQUEST: usize = 10;
/// The counts of a statistic, in the order records carry them.
const COUNTS: &[&str] = &[
    "attributed_count",
    "preview_count",
    "total_count",
    "browser_event_total_count",
    "server_event_total_count",
];

/// One slice per UTC day, oldest first, each moving the cursor to its day.
pub fn plan(input: &PlanInput<'_>) -> Vec<SlicePlan> {
    let cursor = match input.cursor {
        Some(Cursor::Day(d)) => Some(*d),
        _ => None,
    };
    let inputs = plan::Inputs {
        start_date: input.config.start_date,
        end_date: input.config.end_date,
        cursor,
        attribution_window: input.config.attribution_window,
        step_days: 1,
        today: input.now.date_naive(),
    };
    // One day per window, as hourly reports are planned.
    plan::windows(Granularity::Hour, &inputs)
        .into_iter()
        .map(|w| SlicePlan {
            window: Some(w),
            cursor: Some(Cursor::Day(w.end)),
        })
        .collect()
}

/// The slice's day for every pixel of the account that existed then.
pub async fn read(job: &Job<'_>, account: &str) -> Result<(), Error> {
    let Some(Window { start: day, .. }) = job.window else {
        return Err(Error::Internal(format!(
            "{} is read day by day",
            job.name()
        )));
    };
    let pixels = account_pixels(job, account).await?;
    let ids: Vec<&str> = pixels
        .iter()
        .filter(|p| p.created.is_none_or(|c| c <= day))
        .map(|p| p.id.as_str())
        .collect();
    for chunk in ids.chunks(PIXELS_PER_REQUEST) {
        let query: Query = vec![
            ("advertiser_id", account.to_string()),
            ("pixel_ids", json_param(&json!(chunk))),
            (
                "date_range",
                json_param(&json!({"start_date": day.to_string(), "end_date": day.to_string()})),
            ),
        ];
        let fetched = job
            .get(PATH, &query, |body, _| {
                envelope::decode(body, PATH, AsValue).map(|ok| ok.data)
            })
            .await?;
        let (data, held) = fetched.into_parts();
        let page = records(job.name(), account, day, chunk, data.as_ref())?;
        if page.without_event_type > 0 {
            job.warn_once(
                &format!("noevent:{}", job.name()),
                &format!(
                    "Stream {}: TikTok sent {} statistic(s) with neither pixel_event_type nor custom_event_type; they were left out.",
                    job.name(),
                    page.without_event_type
                ),
            )
            .await;
        }
        job.records(page.lines).await;
        drop(held);
    }
    Ok(())
}

/// The records of one answer.
struct StatsPage {
    lines: Lines,
    without_event_type: u64,
}

fn unusable(what: impl Into<String>) -> ApiError {
    ApiError::bad_answer(PATH, what.into())
}

/// Records of one day's answer for the requested pixels: one per pixel and event, the event
/// being `pixel_event_type` (a standard event) or else `custom_event_type`.
fn records(
    stream: &str,
    account: &str,
    day: NaiveDate,
    requested: &[&str],
    data: Option<&Value>,
) -> Result<StatsPage, ApiError> {
    let mut page = StatsPage {
        lines: Lines::new(stream, now_ms()),
        without_event_type: 0,
    };
    let list = match data.and_then(|d| d.get("list")) {
        Some(Value::Array(list)) => list,
        // No pixel had statistics that day.
        None | Some(Value::Null) => return Ok(page),
        Some(_) => return Err(unusable("data.list is not a list")),
    };
    let day = day.to_string();
    for item in list {
        let pixel = match item.get("pixel_id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(unusable("an item of data.list has no pixel_id")),
        };
        // Only what was asked: a pixel is never paired with another advertiser.
        if !requested.contains(&pixel.as_str()) {
            continue;
        }
        let statistics = match item.get("statistics") {
            Some(Value::Array(s)) => s.as_slice(),
            None | Some(Value::Null) => &[],
            Some(_) => {
                return Err(unusable(format!(
                    "statistics of pixel {pixel} is not a list"
                )))
            }
        };
        for stat in statistics {
            let text = |k: &str| {
                stat.get(k)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
            };
            let Some(event_type) = text("pixel_event_type").or_else(|| text("custom_event_type"))
            else {
                page.without_event_type += 1;
                continue;
            };
            let lines = &mut page.lines;
            lines.begin();
            push_json_str(lines.key("advertiser_id"), account);
            push_json_str(lines.key("pixel_id"), &pixel);
            push_json_str(lines.key("date"), &day);
            push_json_str(lines.key("event_type"), event_type);
            push_value(lines.key("pixel_event_type"), stat.get("pixel_event_type"));
            push_value(
                lines.key("custom_event_type"),
                stat.get("custom_event_type"),
            );
            for count in COUNTS {
                let v = stat.get(*count).map(count_value);
                push_value(lines.key(count), v.as_ref());
            }
            lines.end();
        }
    }
    Ok(page)
}

/// A count as a JSON integer: TikTok sends integers; a numeric string is read as one, anything
/// else is null.
fn count_value(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.as_u64().is_some() || n.as_i64().is_some() => v.clone(),
        Value::String(s) => s
            .trim()
            .parse::<u64>()
            .map(|n| json!(n))
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn lines_of(page: StatsPage) -> Vec<Value> {
        page.lines.data()
    }

    #[test]
    fn statistics_become_one_record_per_pixel_event_and_day() {
        let data = json!({"list": [
            {"pixel_id": "71", "statistics": [
                {"pixel_event_type": "ADD_TO_CART", "attributed_count": 3, "preview_count": 0,
                 "total_count": 9, "browser_event_total_count": 7, "server_event_total_count": 2},
                {"custom_event_type": "NewsletterSignup", "attributed_count": "4", "total_count": 1},
                {"attributed_count": 1}]},
            {"pixel_id": 99, "statistics": [{"pixel_event_type": "X", "total_count": 1}]},
            {"pixel_id": "72", "statistics": null}]});
        let page = records("s", "5", day("2026-11-19"), &["71", "72"], Some(&data)).unwrap();
        assert_eq!(page.without_event_type, 1);
        assert_eq!(
            lines_of(page),
            vec![
                json!({"advertiser_id": "5", "pixel_id": "71", "date": "2026-11-19", "event_type": "ADD_TO_CART",
                    "pixel_event_type": "ADD_TO_CART", "custom_event_type": null, "attributed_count": 3,
                    "preview_count": 0, "total_count": 9, "browser_event_total_count": 7, "server_event_total_count": 2}),
                json!({"advertiser_id": "5", "pixel_id": "71", "date": "2026-11-19", "event_type": "NewsletterSignup",
                    "pixel_event_type": null, "custom_event_type": "NewsletterSignup", "attributed_count": 4,
                    "preview_count": null, "total_count": 1, "browser_event_total_count": null,
                    "server_event_total_count": null}),
            ]
        );
    }

    #[test]
    fn malformed_answers_are_errors_and_empty_ones_are_not() {
        assert!(records(
            "s",
            "5",
            day("2026-11-19"),
            &["71"],
            Some(&json!({"list": 5}))
        )
        .is_err());
        assert!(records(
            "s",
            "5",
            day("2026-11-19"),
            &["71"],
            Some(&json!({"list": [{"statistics": []}]}))
        )
        .is_err());
        let empty = records("s", "5", day("2026-11-19"), &["71"], None).unwrap();
        assert!(lines_of(empty).is_empty());
    }

    #[test]
    fn days_are_utc_from_the_start_and_re_read_over_the_attribution_window() {
        let config = Config::parse(
            &json!({"app_id": "1", "secret": "secret-1", "access_token": "token-1",
            "start_date": "2026-11-10", "attribution_window": 3}),
        )
        .unwrap();
        // 23:30 UTC: still the 20th in UTC, whatever the account's zone.
        let now = "2026-11-20T23:30:00Z".parse().unwrap();
        let days = |cursor: Option<Cursor>| -> Vec<String> {
            plan(&PlanInput {
                config: &config,
                account: None,
                business_center: None,
                cursor: cursor.as_ref(),
                now,
            })
            .into_iter()
            .map(|s| {
                let w = s.window.unwrap();
                assert_eq!(w.start, w.end, "one day per slice");
                assert_eq!(s.cursor, Some(Cursor::Day(w.end)));
                w.start.to_string()
            })
            .collect()
        };
        let all = days(None);
        assert_eq!(all.first().unwrap(), "2026-11-10");
        assert_eq!(all.last().unwrap(), "2026-11-20");
        assert_eq!(all.len(), 11);
        assert_eq!(
            days(Some(Cursor::Day(day("2026-11-18")))),
            [
                "2026-11-15",
                "2026-11-16",
                "2026-11-17",
                "2026-11-18",
                "2026-11-19",
                "2026-11-20"
            ]
        );
    }
}
