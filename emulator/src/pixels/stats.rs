//! `GET pixel/event/stats/`: validation of `pixel_ids` and `date_range`, and the per-pixel
//! statistics summed over the range's UTC days.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Map, Value};

use super::counters::{tracked_events, visible_day, Counts};
use super::{ForeignPixels, PixelSettings};
use crate::model::{ApiError, Asset, Params, World};
use crate::params;

/// At most this many pixels per request.
pub const MAX_PIXEL_IDS: usize = 10;
/// The widest `date_range`, in days, both ends included.
pub const MAX_SPAN_DAYS: i64 = 30;

/// `pixel_ids`: a JSON array of 1..=10 ids. Anything else, a bare id included, is TikTok's
/// "Field must be set to array".
fn pixel_ids(params: &Params) -> Result<Vec<String>, ApiError> {
    let raw = params::required(params, "pixel_ids")?;
    let not_array = || ApiError::param("pixel_ids: Field must be set to array");
    let value: Value = serde_json::from_str(raw).map_err(|_| not_array())?;
    let Value::Array(items) = value else {
        return Err(not_array());
    };
    if items.is_empty() || items.len() > MAX_PIXEL_IDS {
        return Err(ApiError::param(format!(
            "pixel_ids: Length must be between 1 and {MAX_PIXEL_IDS}."
        )));
    }
    let mut ids: Vec<String> = Vec::new();
    for item in items {
        let id = match item {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => return Err(ApiError::param("pixel_ids: Not a valid string.")),
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// `date_range`: a JSON object with `start_date` and `end_date` (UTC `YYYY-MM-DD`), spanning
/// at most 30 days.
pub fn date_range(params: &Params) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let range = params::json(params, "date_range")?.ok_or_else(|| params::missing("date_range"))?;
    let Value::Object(range) = range else {
        return Err(ApiError::param("date_range: Not a valid mapping type."));
    };
    let date = |k: &str| -> Result<NaiveDate, ApiError> {
        let s = range
            .get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| params::missing(&format!("date_range.{k}")))?;
        let well_formed = s.len() == 10;
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .filter(|_| well_formed)
            .ok_or_else(|| {
                ApiError::param(format!(
                    "date_range.{k}: Not a valid date, expected YYYY-MM-DD."
                ))
            })
    };
    let (start, end) = (date("start_date")?, date("end_date")?);
    if start > end {
        return Err(ApiError::param(
            "date_range: start_date must not be later than end_date.",
        ));
    }
    if (end - start).num_days() + 1 > MAX_SPAN_DAYS {
        return Err(ApiError::param(format!(
            "date_range: The time span must be no more than {MAX_SPAN_DAYS} days."
        )));
    }
    Ok((start, end))
}

/// One pixel's statistics: per tracked event, its counters summed over the days.
fn statistics(
    settings: &PixelSettings,
    pixel: &Asset,
    start: NaiveDate,
    end: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<Value> {
    tracked_events(pixel)
        .iter()
        .map(|event| {
            let mut sum = Counts::default();
            for day in start.iter_days().take_while(|d| *d <= end) {
                sum.add(&visible_day(settings, pixel, event, day, now));
            }
            let (key, name) = event.key_value();
            let mut m = Map::new();
            m.insert(key.to_string(), json!(name));
            m.insert("attributed_count".into(), json!(sum.attributed_count));
            m.insert("preview_count".into(), json!(sum.preview_count));
            m.insert("total_count".into(), json!(sum.total_count()));
            m.insert(
                "browser_event_total_count".into(),
                json!(sum.browser_event_total_count),
            );
            m.insert(
                "server_event_total_count".into(),
                json!(sum.server_event_total_count),
            );
            Value::Object(m)
        })
        .collect()
}

/// The endpoint, after auth and authorization of `advertiser_id`. `data.list` has one entry per
/// requested pixel of the advertiser, in request order, and no `page_info`.
pub fn event_stats(
    world: &World,
    params: &Params,
    advertiser_id: &str,
    now: DateTime<Utc>,
    settings: &PixelSettings,
) -> Result<Value, ApiError> {
    let ids = pixel_ids(params)?;
    let (start, end) = date_range(params)?;
    let mut list = Vec::new();
    for id in &ids {
        let pixel = world
            .pixels
            .iter()
            .find(|p| &p.id == id && p.advertiser_id == advertiser_id);
        match (pixel, settings.foreign) {
            (Some(p), _) => list.push(json!({
                "pixel_id": p.id,
                "statistics": statistics(settings, p, start, end, now),
            })),
            (None, ForeignPixels::Omit) => {}
            (None, ForeignPixels::NoPermission) => {
                return Err(ApiError::new(
                    40001,
                    format!("No permission to operate pixel {id}."),
                ))
            }
        }
    }
    Ok(json!({ "list": list }))
}
