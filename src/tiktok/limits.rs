//! TikTok's limits below the app's, in one place: some endpoints have a budget of their own
//! besides the app's (reference §4 and §6). A request to such a path waits for its path's pacer
//! and then for the app's, so neither budget is exceeded.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::pacer::Pacer;

/// An endpoint group with its own requests-per-second and per-minute budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EndpointLimit {
    pub paths: &'static [&'static str],
    pub per_second: u32,
    pub per_minute: u32,
}

/// The four report task endpoints share one budget: 1 request per second per app, whatever the
/// tier (reference §6).
pub const REPORT_TASK_PATHS: &[&str] = &[
    "report/task/create/",
    "report/task/check/",
    "report/task/download/",
    "report/task/cancel/",
];

/// `gmv_max/report/get/` per tier: basic 8/s and 240/min, advanced 12 and 360, premium and
/// ultimate 20 and 600 (reference §4; the daily budgets are far above what a sync asks).
pub fn endpoint_limits(tier: &str) -> Vec<EndpointLimit> {
    let (gmv_qps, gmv_qpm) = match tier {
        "advanced" => (12, 360),
        "premium" | "ultimate" => (20, 600),
        _ => (8, 240),
    };
    vec![
        EndpointLimit {
            paths: &["gmv_max/report/get/"],
            per_second: gmv_qps,
            per_minute: gmv_qpm,
        },
        EndpointLimit {
            paths: REPORT_TASK_PATHS,
            per_second: 1,
            per_minute: 60,
        },
    ]
}

/// Endpoint budgets are small (1 request a second for tasks): 5% of a second is less than the
/// jitter between when a request leaves and when TikTok counts it, so these pacers keep a fifth
/// of the budget as margin (a task request every 1.25 s).
const ENDPOINT_MARGIN: f64 = 0.8;

/// TikTok allows 500 report task creations per ad account per hour (reference §6).
pub const TASK_CREATIONS_PER_HOUR: usize = 500;

/// The pacers of the endpoints that have their own budget, by path.
#[derive(Default)]
pub struct EndpointPacers {
    by_path: HashMap<&'static str, Arc<Pacer>>,
}

impl EndpointPacers {
    pub fn new(limits: &[EndpointLimit]) -> EndpointPacers {
        let mut by_path = HashMap::new();
        for l in limits {
            let pacer = Arc::new(Pacer::with_margin(
                l.per_second,
                l.per_minute,
                ENDPOINT_MARGIN,
            ));
            for p in l.paths {
                by_path.insert(*p, Arc::clone(&pacer));
            }
        }
        EndpointPacers { by_path }
    }

    /// The pacer of `path`, when it has a budget of its own.
    pub fn of(&self, path: &str) -> Option<&Arc<Pacer>> {
        self.by_path.get(path)
    }
}

/// At most `per_hour` events per key in any hour: an event waits until the hour since the
/// oldest of the last `per_hour` has passed. (A pacer would spread them evenly instead, 7 s
/// apart for 500 an hour, where TikTok allows them in a burst.)
pub struct HourlyQuota {
    per_hour: usize,
    recent: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl HourlyQuota {
    pub fn new(per_hour: usize) -> HourlyQuota {
        HourlyQuota {
            per_hour: per_hour.max(1),
            recent: Mutex::default(),
        }
    }

    /// Waits, if needed, and counts one event for `key`.
    pub async fn take(&self, key: &str) {
        const HOUR: Duration = Duration::from_secs(3600);
        loop {
            let wait = {
                let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
                let q = recent.entry(key.to_string()).or_default();
                let now = Instant::now();
                while q.front().is_some_and(|t| now.duration_since(*t) >= HOUR) {
                    q.pop_front();
                }
                if q.len() < self.per_hour {
                    q.push_back(now);
                    return;
                }
                q.front()
                    .map(|oldest| (*oldest + HOUR).saturating_duration_since(now))
                    .unwrap_or_default()
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_tier_gets_tiktoks_gmv_max_budget_and_tasks_stay_at_one_per_second() {
        let budget = |tier: &str, path: &str| {
            endpoint_limits(tier)
                .into_iter()
                .find(|l| l.paths.contains(&path))
                .map(|l| (l.per_second, l.per_minute))
        };
        assert_eq!(budget("basic", "gmv_max/report/get/"), Some((8, 240)));
        assert_eq!(budget("advanced", "gmv_max/report/get/"), Some((12, 360)));
        assert_eq!(budget("premium", "gmv_max/report/get/"), Some((20, 600)));
        assert_eq!(budget("ultimate", "gmv_max/report/get/"), Some((20, 600)));
        for tier in ["basic", "ultimate"] {
            for p in REPORT_TASK_PATHS {
                assert_eq!(budget(tier, p), Some((1, 60)));
            }
        }
        assert_eq!(budget("basic", "campaign/get/"), None);
        let pacers = EndpointPacers::new(&endpoint_limits("basic"));
        // The task endpoints share one pacer.
        assert!(Arc::ptr_eq(
            pacers.of("report/task/check/").unwrap(),
            pacers.of("report/task/download/").unwrap()
        ));
        assert!(pacers.of("report/integrated/get/").is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn an_hourly_quota_allows_a_burst_then_waits_for_the_hour() {
        let q = HourlyQuota::new(3);
        let start = Instant::now();
        for _ in 0..3 {
            q.take("a").await;
        }
        assert_eq!(Instant::now(), start);
        q.take("b").await;
        assert_eq!(Instant::now(), start, "another key has its own quota");
        q.take("a").await;
        assert!(Instant::now() - start >= Duration::from_secs(3600));
    }
}
