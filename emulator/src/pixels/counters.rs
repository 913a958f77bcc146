//! The pixel event generator: for every pixel, UTC day and tracked event, deterministic counters
//! (browser, server, preview, attributed) as they stand at the emulator clock. The statistics
//! endpoint sums these over its date range; tests read them through `Emulator::pixel_stats_truth`.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::Value;

use super::PixelSettings;
use crate::model::Asset;
use crate::rng::{hash, hash_str, unit};

/// An event a pixel tracks: a standard event (`pixel_event_type`) or a custom one
/// (`custom_event_type`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum PixelEvent {
    #[serde(rename = "pixel_event_type")]
    Standard(String),
    #[serde(rename = "custom_event_type")]
    Custom(String),
}

impl PixelEvent {
    /// The JSON key and value that name the event in a statistic.
    pub fn key_value(&self) -> (&'static str, &str) {
        match self {
            PixelEvent::Standard(n) => ("pixel_event_type", n),
            PixelEvent::Custom(n) => ("custom_event_type", n),
        }
    }
}

/// Counters of one event over some time. `total = browser + server`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub attributed_count: u64,
    pub preview_count: u64,
    pub browser_event_total_count: u64,
    pub server_event_total_count: u64,
}

impl Counts {
    pub fn total_count(&self) -> u64 {
        self.browser_event_total_count + self.server_event_total_count
    }

    pub fn add(&mut self, other: &Counts) {
        self.attributed_count += other.attributed_count;
        self.preview_count += other.preview_count;
        self.browser_event_total_count += other.browser_event_total_count;
        self.server_event_total_count += other.server_event_total_count;
    }
}

/// One day of one event of one pixel: the generator's truth.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PixelDayStats {
    pub pixel_id: String,
    /// The UTC day.
    pub date: NaiveDate,
    #[serde(flatten)]
    pub event: PixelEvent,
    #[serde(flatten)]
    pub counts: Counts,
    /// Always `browser + server`; serialised for readers of the control endpoint.
    pub total_count: u64,
}

/// Custom events that developer-mode pixels (the ones sending server events) also track.
const DEVELOPER_CUSTOM_EVENTS: &[&str] = &["NewsletterSignup"];

/// The events a pixel tracks: its standard events as `pixel/list/` shows them, then, for
/// developer-mode pixels, the custom events.
pub fn tracked_events(pixel: &Asset) -> Vec<PixelEvent> {
    let mut events: Vec<PixelEvent> = pixel
        .data
        .get("events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("event_type").and_then(Value::as_str))
        .map(|t| PixelEvent::Standard(t.to_string()))
        .collect();
    if developer_mode(pixel) {
        events.extend(
            DEVELOPER_CUSTOM_EVENTS
                .iter()
                .map(|n| PixelEvent::Custom(n.to_string())),
        );
    }
    events
}

/// Developer-mode pixels also send events from servers (the Events API); manual ones only fire
/// in browsers.
fn developer_mode(pixel: &Asset) -> bool {
    pixel.data.get("pixel_setup_mode").and_then(Value::as_str) == Some("DEVELOPER")
}

/// The first UTC day a pixel can have events: the day it was created.
fn first_day(pixel: &Asset) -> Option<NaiveDate> {
    let created = pixel.data.get("create_time").and_then(Value::as_str)?;
    NaiveDateTime::parse_from_str(created, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|t| t.date())
}

fn event_key(seed: u64, pixel_id: &str, event: &PixelEvent) -> u64 {
    let (kind, name) = event.key_value();
    hash(&[
        seed,
        hash_str(pixel_id),
        hash_str(kind),
        hash_str(name),
        0x91,
    ])
}

/// The day's counters once it is complete and fully attributed.
fn final_day(seed: u64, pixel: &Asset, event: &PixelEvent, day: NaiveDate) -> Counts {
    let key = event_key(seed, &pixel.id, event);
    let day_key = hash(&[key, Datelike::num_days_from_ce(&day) as u64]);
    // Per pixel and event: a daily volume, a server share and an attribution share; per day a
    // swing of ±50 %.
    let volume = 5.0 + (key % 400) as f64;
    let total = (volume * (0.5 + unit(day_key))).floor() as u64;
    let server_share = if developer_mode(pixel) {
        0.2 + 0.4 * unit(hash(&[key, 1]))
    } else {
        0.0
    };
    let server = (total as f64 * server_share).floor() as u64;
    let attributed_share = 0.1 + 0.5 * unit(hash(&[key, 2]));
    let preview = if hash(&[day_key, 3]).is_multiple_of(5) {
        1 + hash(&[day_key, 4]) % 3
    } else {
        0
    };
    Counts {
        attributed_count: (total as f64 * attributed_share).floor() as u64,
        preview_count: preview,
        browser_event_total_count: total - server,
        server_event_total_count: server,
    }
}

/// `x(2L − x) / L²` of `value`, rounded down: the concave share of attributions that have
/// arrived `x` hours after the day ended, complete at `L`.
fn arrived(value: u64, hours_since_end: i64, window_hours: i64) -> u64 {
    if window_hours <= 0 || hours_since_end >= window_hours {
        return value;
    }
    let (l, x) = (i128::from(window_hours), i128::from(hours_since_end.max(0)));
    ((i128::from(value) * x * (2 * l - x)) / (l * l)) as u64
}

/// The counters of `day` as they stand at `now`. Events arrive through the day: a day in
/// progress shows the share of its complete hours, a future day nothing. `attributed_count`
/// arrives late: nothing while the day runs, then a growing share until `attribution_days`
/// after it ends, so the newest days change between reads and a lookback matters.
pub fn visible_day(
    settings: &PixelSettings,
    pixel: &Asset,
    event: &PixelEvent,
    day: NaiveDate,
    now: DateTime<Utc>,
) -> Counts {
    if first_day(pixel).is_some_and(|first| day < first) {
        return Counts::default();
    }
    let start = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let Some(start) = start else {
        return Counts::default();
    };
    let hours_in = (now - start).num_hours();
    if hours_in <= 0 {
        return Counts::default();
    }
    let full = final_day(settings.seed, pixel, event, day);
    let share = |v: u64| v * hours_in.min(24) as u64 / 24;
    let mut c = Counts {
        attributed_count: 0,
        preview_count: share(full.preview_count),
        browser_event_total_count: share(full.browser_event_total_count),
        server_event_total_count: share(full.server_event_total_count),
    };
    if hours_in >= 24 {
        let since_end = (now - (start + Duration::days(1))).num_hours();
        let window = i64::from(settings.attribution_days) * 24;
        c.attributed_count = arrived(full.attributed_count, since_end, window);
    }
    c
}

/// The truth for one pixel over `start..=end` (UTC days): one entry per day and tracked event,
/// in day order, then event order.
pub fn pixel_days(
    settings: &PixelSettings,
    pixel: &Asset,
    start: NaiveDate,
    end: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<PixelDayStats> {
    let events = tracked_events(pixel);
    let mut out = Vec::new();
    for day in start.iter_days().take_while(|d| *d <= end) {
        for event in &events {
            let counts = visible_day(settings, pixel, event, day, now);
            out.push(PixelDayStats {
                pixel_id: pixel.id.clone(),
                date: day,
                event: event.clone(),
                counts,
                total_count: counts.total_count(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrival_is_concave_monotone_and_complete_at_the_window() {
        let l = 7 * 24;
        assert_eq!(arrived(100, 0, l), 0);
        assert_eq!(arrived(100, l, l), 100);
        assert_eq!(arrived(100, l + 5, l), 100);
        let mut last = 0;
        for x in 0..=l {
            let v = arrived(1000, x, l);
            assert!(v >= last);
            last = v;
        }
        assert!(
            arrived(1000, l / 2, l) > 500,
            "most attributions come early"
        );
    }
}
