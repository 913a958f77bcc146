//! One pacer for the whole process: TikTok's limits are per app, so every request of every stream
//! and account takes its turn here.
//!
//! Requests go out evenly spaced under the tighter of the per-second and per-minute limits, at
//! `MARGIN` of the limit: TikTok counts requests in sliding windows when they arrive, so exact
//! spacing at the limit lets ordinary scheduling jitter put one request too many in a window.
//! Turns are handed out one at a time, in arrival order, when they come: a turn is never reserved
//! ahead, so a process that was busy for a moment does not send the turns it missed in a burst.
//!
//! When TikTok answers "too many requests" anyway, the spacing doubles and nothing goes out for a
//! few turns while its window drains; then the spacing climbs back, quickly to just slower than
//! the one that failed, then slowly to the tier's. A wrong tier costs a throttle now and then, not
//! a fixed minute at half speed.
//!
//! Why not the `governor` crate: its quota cannot change at run time (the cut and the climb would
//! mean replacing the limiter while requests wait on it), it reserves turns ahead (the burst above),
//! and it keeps its own clock, while this pacer runs on tokio's clock so its tests use tokio's
//! paused time.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Pace at 95% of the limit: ten requests at "10 per second" span 1.05 s, leaving 50 ms of
/// scheduling and network jitter before a window could hold an eleventh.
pub const MARGIN: f64 = 0.95;
/// A turn taken this late or less still counts from its planned time, so the timer's own
/// rounding does not slow the pace; a later one counts from now (the process was busy).
const ON_TIME: Duration = Duration::from_millis(5);
/// After a throttle, nothing goes out for this many of the new turns.
const DRAIN_TURNS: u32 = 2;
/// The slowest the pacer goes, as a multiple of the normal spacing.
const MAX_SLOWDOWN: u32 = 16;
/// How often the spacing is relaxed after a throttle.
const RECOVERY_STEP: Duration = Duration::from_millis(250);
/// Back towards the last safe spacing: a fifth faster per step.
const FAST_RECOVERY: f64 = 0.8;
/// Beyond the last safe spacing, towards the tier's: 0.5% faster per step (2% a second).
const SLOW_RECOVERY: f64 = 0.995;

pub struct Pacer {
    state: Mutex<State>,
    /// Waiting requests queue here, in arrival order; only the first one watches the clock.
    queue: tokio::sync::Mutex<()>,
}

struct State {
    /// Spacing at the tier's limits (with the margin).
    base: Duration,
    /// Spacing now (≥ base).
    interval: Duration,
    /// A spacing believed safe since the last throttle: slightly slower than the one that failed.
    safe: Duration,
    /// When the next request may go.
    next: Instant,
    /// Last time the spacing changed.
    changed_at: Instant,
}

impl Pacer {
    pub fn new(per_second: u32, per_minute: u32) -> Pacer {
        Pacer::with_margin(per_second, per_minute, MARGIN)
    }

    /// A pacer at `margin` (0..1] of the limits.
    pub fn with_margin(per_second: u32, per_minute: u32, margin: f64) -> Pacer {
        let by_second = 1.0 / per_second.max(1) as f64;
        let by_minute = 60.0 / per_minute.max(1) as f64;
        let margin = margin.clamp(0.1, 1.0);
        let base = Duration::from_secs_f64(by_second.max(by_minute) / margin);
        let now = Instant::now();
        Pacer {
            state: Mutex::new(State {
                base,
                interval: base,
                safe: base,
                next: now,
                changed_at: now,
            }),
            queue: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for this request's turn. When the wait is longer than `long`, `on_long_wait` is
    /// told how long it will be, once, before waiting.
    pub async fn acquire<F>(&self, long: Duration, on_long_wait: impl FnOnce(Duration) -> F)
    where
        F: Future<Output = ()>,
    {
        let mut tell = Some(on_long_wait);
        let mut waited = Duration::ZERO;
        let _first_in_line = self.queue.lock().await;
        loop {
            let wait = {
                let mut s = self.lock();
                let now = Instant::now();
                s.recover(now);
                if now >= s.next {
                    let from = if now - s.next <= ON_TIME { s.next } else { now };
                    s.next = from + s.interval;
                    return;
                }
                s.next - now
            };
            // A throttle while waiting moves `next`: the loop looks again after each wait.
            if waited + wait > long {
                if let Some(tell) = tell.take() {
                    tell(waited + wait).await;
                }
            }
            tokio::time::sleep(wait).await;
            waited += wait;
        }
    }

    /// TikTok answered "too many requests": slow down, and let its window drain.
    pub fn throttled(&self) {
        let mut s = self.lock();
        let now = Instant::now();
        let failed = s.interval;
        s.safe = failed.mul_f64(1.05).max(s.base);
        s.interval = (failed * 2).min(s.base * MAX_SLOWDOWN);
        let drained = now + s.interval * DRAIN_TURNS;
        s.next = s.next.max(drained);
        s.changed_at = now;
    }

    /// Requests per second at the current spacing.
    pub fn rate(&self) -> f64 {
        1.0 / self.interval().as_secs_f64()
    }

    /// The spacing now.
    pub fn interval(&self) -> Duration {
        let mut s = self.lock();
        s.recover(Instant::now());
        s.interval
    }
}

impl State {
    fn recover(&mut self, now: Instant) {
        while self.interval > self.base && now.duration_since(self.changed_at) >= RECOVERY_STEP {
            self.changed_at += RECOVERY_STEP;
            self.interval = if self.interval > self.safe {
                self.interval.mul_f64(FAST_RECOVERY).max(self.safe)
            } else {
                let faster = self.interval.mul_f64(SLOW_RECOVERY).max(self.base);
                self.safe = faster;
                faster
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const NEVER: Duration = Duration::from_secs(3600);

    /// Send times of `n` requests through the pacer, relative to the start, on tokio's paused clock.
    async fn send_times(p: &Pacer, n: usize) -> Vec<Duration> {
        let start = Instant::now();
        let mut out = Vec::new();
        for _ in 0..n {
            p.acquire(NEVER, |_| async {}).await;
            out.push(Instant::now() - start);
        }
        out
    }

    fn max_in_window(times: &[Duration], window: Duration) -> usize {
        (0..times.len())
            .map(|i| {
                times[i..]
                    .iter()
                    .take_while(|t| **t - times[i] < window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    /// `n` concurrent requests; their send times, sorted.
    async fn concurrent(p: &Arc<Pacer>, n: usize) -> Vec<Duration> {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..n {
            let p = Arc::clone(p);
            tasks.push(tokio::spawn(async move {
                p.acquire(NEVER, |_| async {}).await;
                Instant::now() - start
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        times.sort();
        times
    }

    #[tokio::test(start_paused = true)]
    async fn spaces_requests_under_both_limits_with_a_margin() {
        // 10/s and 600/min: 100 ms at the limit, 105.3 ms with the margin.
        let p = Pacer::new(10, 600);
        let t = send_times(&p, 61).await;
        assert_eq!(t[0], Duration::ZERO);
        assert_eq!(max_in_window(&t, Duration::from_secs(1)), 10);
        assert!(max_in_window(&t, Duration::from_secs(60)) <= 600);
        let spacing = t[60] / 60;
        assert!(
            spacing >= Duration::from_millis(105) && spacing <= Duration::from_millis(106),
            "{spacing:?}"
        );
        // 10/s but only 60/min: one a second, and a little more.
        let p = Pacer::new(10, 60);
        let t = send_times(&p, 3).await;
        assert!(t[1] >= Duration::from_millis(1052) && t[1] < Duration::from_millis(1060));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_the_pace() {
        let p = Arc::new(Pacer::new(50, 3000));
        let times = concurrent(&p, 200).await;
        assert!(max_in_window(&times, Duration::from_secs(1)) <= 48);
        // 200 requests at 47.5/s: 199 gaps of 21.05 ms.
        assert!(
            times[199] >= Duration::from_millis(4180) && times[199] <= Duration::from_millis(4200),
            "{:?}",
            times[199]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_moment_is_not_made_up_with_a_burst() {
        let p = Arc::new(Pacer::new(50, 3000));
        let base = p.interval();
        p.acquire(NEVER, |_| async {}).await;
        // The process is busy for half a second: nobody takes a turn.
        tokio::time::advance(Duration::from_millis(500)).await;
        let times = concurrent(&p, 20).await;
        for pair in times.windows(2) {
            assert!(
                pair[1] - pair[0] >= base - Duration::from_millis(1),
                "{times:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttle_cuts_drains_and_climbs_back() {
        let p = Pacer::new(10, 600);
        let base = p.interval();
        p.acquire(NEVER, |_| async {}).await;
        p.throttled();
        assert_eq!(p.interval(), base * 2);
        // Nothing goes out for two of the new turns.
        let before = Instant::now();
        let mut told = None;
        p.acquire(Duration::from_millis(300), |w| {
            told = Some(w);
            async {}
        })
        .await;
        let waited = Instant::now() - before;
        assert!(waited >= base * 4 - Duration::from_millis(1), "{waited:?}");
        assert!(
            told.is_some_and(|w| w >= base * 4 - Duration::from_millis(1)),
            "{told:?}"
        );
        // Quickly back to just slower than the spacing that failed (three steps from 2x)...
        let since_throttle = Instant::now() - before;
        tokio::time::advance(RECOVERY_STEP * 3 - since_throttle).await;
        let safe = base.mul_f64(1.05);
        assert_eq!(p.interval(), safe);
        // ...then slowly to the tier's.
        tokio::time::advance(RECOVERY_STEP).await;
        assert!(p.interval() < safe && p.interval() > base);
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(p.interval(), base);
    }

    #[tokio::test(start_paused = true)]
    async fn repeated_throttles_slow_down_to_a_floor() {
        let p = Pacer::new(100, 6000);
        let base = p.interval();
        for _ in 0..10 {
            p.throttled();
        }
        assert_eq!(p.interval(), base * MAX_SLOWDOWN);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_requests_take_the_new_pace_after_a_throttle() {
        let p = Arc::new(Pacer::new(10, 600));
        let base = p.interval();
        let start = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..5 {
            let p = Arc::clone(&p);
            tasks.push(tokio::spawn(async move {
                p.acquire(NEVER, |_| async {}).await;
                Instant::now() - start
            }));
        }
        tokio::task::yield_now().await;
        p.throttled();
        let mut times = Vec::new();
        for t in tasks {
            times.push(t.await.unwrap());
        }
        times.sort();
        // The first had its turn at once; the others waited for the drain, then went slower
        // than before the throttle (the climb back starts at the throttle).
        assert_eq!(times[0], Duration::ZERO);
        assert!(times[1] >= base * 4 - Duration::from_millis(1), "{times:?}");
        for pair in times[1..].windows(2) {
            assert!(pair[1] - pair[0] >= base.mul_f64(1.05), "{times:?}");
        }
    }
}
