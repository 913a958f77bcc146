//! Which days a report slice reads: pure, from the config, the state and the account's today.

use chrono::{Duration, NaiveDate};

use crate::streams::decl::Granularity;

/// Inclusive range of days in the account's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Window {
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days() + 1
    }

    /// Two halves, for a query TikTok found too large; None for a single day.
    pub fn split(&self) -> Option<(Window, Window)> {
        if self.start >= self.end {
            return None;
        }
        let mid = self
            .start
            .checked_add_signed(Duration::days((self.days() - 1) / 2))?;
        Some((
            Window {
                start: self.start,
                end: mid,
            },
            Window {
                start: mid.succ_opt()?,
                end: self.end,
            },
        ))
    }
}

pub struct Inputs {
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    /// The last day read by an earlier run (incremental only).
    pub cursor: Option<NaiveDate>,
    /// Days re-read before the cursor: conversions arrive late.
    pub attribution_window: u32,
    /// Days per daily request, 1..=30.
    pub step_days: u32,
    /// Today in the account's time zone; no request goes past it.
    pub today: NaiveDate,
}

/// The first and last day to read, or None when there is nothing to read yet.
pub fn range(i: &Inputs) -> Option<Window> {
    let first = match i.cursor {
        // The cursor's own day is re-read too: it may have been read while still running.
        // Dates are bounded when they are parsed; the arithmetic still cannot overflow.
        Some(c) => c
            .checked_sub_signed(Duration::days(i64::from(i.attribution_window)))
            .unwrap_or(NaiveDate::MIN)
            .max(i.start_date),
        None => i.start_date,
    };
    let last = i.end_date.map_or(i.today, |e| e.min(i.today));
    (first <= last).then_some(Window {
        start: first,
        end: last,
    })
}

/// The requests of a daily or hourly slice, oldest first: windows of at most `step_days` days
/// (30 is TikTok's limit), one day each for hourly.
pub fn windows(granularity: Granularity, i: &Inputs) -> Vec<Window> {
    let Some(all) = range(i) else {
        return Vec::new();
    };
    let step = match granularity {
        Granularity::Hour => 1,
        Granularity::Day => i.step_days.clamp(1, 30) as i64,
        // Lifetime is one request; AUDIENCE "lifetime" reads the last 365 days.
        Granularity::Lifetime => 365,
    };
    let mut out = Vec::new();
    let mut start = all.start;
    while start <= all.end {
        let end = start
            .checked_add_signed(Duration::days(step - 1))
            .map_or(all.end, |e| e.min(all.end));
        out.push(Window { start, end });
        let Some(next) = end.succ_opt() else {
            break;
        };
        start = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn inputs(cursor: Option<&str>, today: &str) -> Inputs {
        Inputs {
            start_date: d("2024-01-01"),
            end_date: None,
            cursor: cursor.map(d),
            attribution_window: 3,
            step_days: 30,
            today: d(today),
        }
    }

    #[test]
    fn daily_windows_are_30_days_inclusive_and_stop_at_today() {
        let w = windows(Granularity::Day, &inputs(None, "2024-02-05"));
        assert_eq!(
            w,
            vec![
                Window {
                    start: d("2024-01-01"),
                    end: d("2024-01-30")
                },
                Window {
                    start: d("2024-01-31"),
                    end: d("2024-02-05")
                },
            ]
        );
        assert!(w.iter().all(|w| w.days() <= 30));
    }

    #[test]
    fn incremental_rereads_the_attribution_window() {
        let w = windows(Granularity::Day, &inputs(Some("2024-01-31"), "2024-02-05"));
        assert_eq!(
            w,
            vec![Window {
                start: d("2024-01-28"),
                end: d("2024-02-05")
            }]
        );
        // Window 0 still re-reads the cursor's day, which may have been partial.
        let mut i = inputs(Some("2024-02-05"), "2024-02-05");
        i.attribution_window = 0;
        assert_eq!(
            windows(Granularity::Day, &i),
            vec![Window {
                start: d("2024-02-05"),
                end: d("2024-02-05")
            }]
        );
    }

    #[test]
    fn hourly_reads_whole_days_one_per_request() {
        let w = windows(Granularity::Hour, &inputs(Some("2024-02-03"), "2024-02-05"));
        let days: Vec<_> = w.iter().map(|w| (w.start, w.end)).collect();
        assert_eq!(days.len(), 6);
        assert!(days.iter().all(|(s, e)| s == e));
        assert_eq!(days[0].0, d("2024-01-31"));
        assert_eq!(days[5].0, d("2024-02-05"));
    }

    #[test]
    fn future_state_and_end_date() {
        assert!(windows(Granularity::Day, &inputs(Some("2099-01-01"), "2024-02-05")).is_empty());
        let mut i = inputs(None, "2024-02-05");
        i.end_date = Some(d("2024-01-10"));
        assert_eq!(
            windows(Granularity::Day, &i),
            vec![Window {
                start: d("2024-01-01"),
                end: d("2024-01-10")
            }]
        );
        i.end_date = Some(d("2030-01-01"));
        assert_eq!(
            windows(Granularity::Day, &i).last().unwrap().end,
            d("2024-02-05")
        );
        let mut i = inputs(None, "2024-01-20");
        i.step_days = 7;
        assert_eq!(windows(Granularity::Day, &i).len(), 3);
    }

    #[test]
    fn split_halves_down_to_a_day() {
        let w = Window {
            start: d("2024-01-01"),
            end: d("2024-01-30"),
        };
        let (a, b) = w.split().unwrap();
        assert_eq!(
            (a.start, a.end, b.start, b.end),
            (
                d("2024-01-01"),
                d("2024-01-15"),
                d("2024-01-16"),
                d("2024-01-30")
            )
        );
        let (a, b) = Window {
            start: d("2024-01-01"),
            end: d("2024-01-02"),
        }
        .split()
        .unwrap();
        assert_eq!((a.days(), b.days()), (1, 1));
        assert!(Window {
            start: d("2024-01-01"),
            end: d("2024-01-01")
        }
        .split()
        .is_none());
    }
}
