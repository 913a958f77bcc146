//! Time buckets of a report in an advertiser's time zone: which UTC hours make up each local day
//! or hour row.
//!
//! Data is generated per UTC hour. A UTC hour belongs to the local day and local hour in which it
//! starts. In whole-hour zones that is exact; in zones such as +05:30 a local hour row holds the
//! UTC hour that starts within it, so rows stay consistent (hours add up to days) at the cost of
//! a 30-minute shift. A DST change gives 23 or 25 UTC hours to a local day; the repeated local
//! hour of a fall-back night holds two UTC hours.

use std::ops::Range as Span;

use chrono::{DateTime, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::query::{Range, TimeDim};

pub const SECS_PER_HOUR: i64 = 3600;

/// One time bucket: a label (absent without a time dimension) and its UTC hours.
#[derive(Clone, Debug)]
pub struct Bucket {
    pub label: Option<String>,
    pub hours: Span<i64>,
}

/// The advertiser's zone; an unknown name falls back to UTC rather than failing the request.
pub fn zone(name: &str) -> Tz {
    name.parse::<Tz>().unwrap_or(Tz::UTC)
}

/// The zone's offset in whole hours at a fixed instant, for the shape of the day only.
pub fn reference_offset_hours(tz: Tz) -> i64 {
    let instant = DateTime::<Utc>::from_timestamp(1_577_836_800, 0).unwrap_or_default(); // 2020-01-01
    let secs = i64::from(
        tz.offset_from_utc_datetime(&instant.naive_utc())
            .fix()
            .local_minus_utc(),
    );
    secs.div_euclid(SECS_PER_HOUR)
}

/// Hours before `now_hour` are complete and have data; the hour `now` is in has none yet.
pub fn now_hour(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(SECS_PER_HOUR)
}

fn local_label(tz: Tz, hour: i64, time: TimeDim) -> Option<(NaiveDate, String)> {
    let utc = DateTime::<Utc>::from_timestamp(hour * SECS_PER_HOUR, 0)?;
    let local = utc.with_timezone(&tz).naive_local();
    let label = match time {
        TimeDim::Day => local.format("%Y-%m-%d 00:00:00").to_string(),
        TimeDim::Hour => local.format("%Y-%m-%d %H:00:00").to_string(),
        TimeDim::None => String::new(),
    };
    Some((local.date(), label))
}

/// Buckets of a dated range, in time order. `first_data_hour` bounds lifetime queries (the
/// earliest hour any selected ad was live).
pub fn buckets(
    tz: Tz,
    range: Range,
    time: TimeDim,
    now_hour: i64,
    first_data_hour: i64,
) -> Vec<Bucket> {
    let (start, end) = match range {
        Range::Lifetime => {
            return if first_data_hour < now_hour {
                vec![Bucket {
                    label: None,
                    hours: first_data_hour..now_hour,
                }]
            } else {
                Vec::new()
            };
        }
        Range::Dates(start, end) => (start, end),
    };
    // Local midnights are within ±15 hours of UTC midnights.
    let utc_hour = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp() / SECS_PER_HOUR)
    };
    let (Some(lo), Some(hi)) = (utc_hour(start), end.succ_opt().and_then(utc_hour)) else {
        return Vec::new();
    };
    let mut out: Vec<Bucket> = Vec::new();
    for hour in (lo - 15)..(hi + 15).min(now_hour) {
        let Some((date, label)) = local_label(tz, hour, time) else {
            continue;
        };
        if date < start || date > end {
            continue;
        }
        match out.last_mut() {
            Some(last)
                if last.hours.end == hour && last.label.as_deref().unwrap_or("") == label =>
            {
                last.hours.end = hour + 1;
            }
            _ => out.push(Bucket {
                label: (time != TimeDim::None).then_some(label),
                hours: hour..hour + 1,
            }),
        }
    }
    out
}
