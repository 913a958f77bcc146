//! One pacer for the whole process: TikTok's limits are per app, so every request of every
//! stream and account takes its turn here.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Pacer {
    state: Mutex<State>,
}

struct State {
    /// Spacing that keeps us under both the per-second and the per-minute limit.
    interval: Duration,
    next: Instant,
    /// Extra slowness after TikTok said we were too fast; decays after a quiet minute.
    factor: u32,
    penalty_until: Instant,
}

const PENALTY: Duration = Duration::from_secs(60);
const MAX_FACTOR: u32 = 16;

impl Pacer {
    pub fn new(per_second: u32, per_minute: u32) -> Pacer {
        let by_second = Duration::from_secs_f64(1.0 / per_second.max(1) as f64);
        let by_minute = Duration::from_secs_f64(60.0 / per_minute.max(1) as f64);
        let now = Instant::now();
        Pacer {
            state: Mutex::new(State {
                interval: by_second.max(by_minute),
                next: now,
                factor: 1,
                penalty_until: now,
            }),
        }
    }

    /// Reserves the next slot and returns how long to wait for it.
    pub fn reserve(&self) -> Duration {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if s.factor > 1 && now >= s.penalty_until {
            s.factor = 1;
        }
        let slot = s.next.max(now);
        s.next = slot + s.interval * s.factor;
        slot - now
    }

    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// TikTok answered "too many requests": halve the rate for a while.
    pub fn slow_down(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.factor = (s.factor * 2).min(MAX_FACTOR);
        s.penalty_until = Instant::now() + PENALTY;
    }

    pub fn current_interval(&self) -> Duration {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.interval * s.factor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_requests_under_the_tighter_limit() {
        // 10/s but only 60/min: one request a second.
        let p = Pacer::new(10, 60);
        assert!(p.reserve().is_zero());
        let second = p.reserve();
        assert!(
            second > Duration::from_millis(900) && second <= Duration::from_secs(1),
            "{second:?}"
        );
        let third = p.reserve();
        assert!(third > Duration::from_millis(1900), "{third:?}");
    }

    #[test]
    fn slows_down_after_a_rate_limit() {
        let p = Pacer::new(100, 6000);
        let before = p.current_interval();
        p.slow_down();
        p.slow_down();
        assert_eq!(p.current_interval(), before * 4);
        for _ in 0..10 {
            p.slow_down();
        }
        assert_eq!(p.current_interval(), before * MAX_FACTOR);
    }
}
