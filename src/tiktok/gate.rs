//! How many requests are in flight. The pacer decides when a request may start; this gate keeps
//! enough requests under way for the pacer's rate to be reached (Little's law: in flight =
//! rate × latency), and no more, so the connector's memory does not grow with the latency.
//! When answers arrive faster than they can be decoded (a fast server, a busy CPU), answers
//! waiting for their turn hold memory for nothing: no new request starts while a few wait.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;

/// Latency samples are averaged with this weight for the newest.
const EWMA_WEIGHT: f64 = 0.2;
/// Headroom over rate × latency, so latency spikes do not starve the pacer.
const HEADROOM: f64 = 1.5;
/// Requests in flight are never fewer than this.
const MIN_IN_FLIGHT: usize = 2;
/// Answers waiting for a decoding turn beyond which no new request starts.
const MAX_WAITING: usize = 2;
/// Where the decoder's cap starts (a slow start, as TCP's): every answer that finds the decoder
/// free raises it by one, so it doubles each round trip while latency is the bottleneck, and
/// no burst of requests opens connections that the decoder could not serve. Each connection
/// keeps its HTTP read buffer (up to ~400 KB in hyper) for as long as it lives.
const INITIAL_DECODE_CAP: usize = 4;

pub struct InFlight {
    state: Mutex<State>,
    notify: Notify,
}

struct State {
    used: usize,
    /// A cap that follows the decoder: lowered each time an answer has to wait for it, raised
    /// each time one does not. When decoding is the bottleneck (a fast server), requests beyond
    /// it only hold answers in buffers; when the server's latency is, answers rarely wait.
    decode_cap: usize,
    /// Answers received and waiting to be decoded.
    waiting: usize,
    limit: usize,
    max: usize,
    /// Seconds from sending a request to having its whole answer.
    latency: Option<f64>,
}

/// A request's place in flight; dropping it frees the place.
pub struct InFlightPermit {
    gate: Arc<InFlight>,
}

impl Drop for InFlightPermit {
    fn drop(&mut self) {
        self.gate.lock().used -= 1;
        self.gate.notify.notify_one();
    }
}

/// An answer waiting to be decoded; dropping it lets new requests start again.
pub struct WaitingAnswer {
    gate: Arc<InFlight>,
}

impl Drop for WaitingAnswer {
    fn drop(&mut self) {
        self.gate.lock().waiting -= 1;
        self.gate.notify.notify_waiters();
    }
}

impl InFlight {
    /// At most `max` requests in flight; until latencies are known, `max` is the limit.
    pub fn new(max: usize) -> Arc<InFlight> {
        let max = max.max(MIN_IN_FLIGHT);
        Arc::new(InFlight {
            state: Mutex::new(State {
                used: 0,
                decode_cap: INITIAL_DECODE_CAP.min(max),
                waiting: 0,
                limit: max,
                max,
                latency: None,
            }),
            notify: Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub async fn enter(self: &Arc<Self>) -> InFlightPermit {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut s = self.lock();
                if s.used < s.limit.min(s.decode_cap) && s.waiting < MAX_WAITING {
                    s.used += 1;
                    return InFlightPermit {
                        gate: Arc::clone(self),
                    };
                }
            }
            notified.await;
        }
    }

    /// A request took `latency`; the pacer allows `rate` requests per second.
    pub fn observe(&self, latency: Duration, rate: f64) {
        let grew = {
            let mut s = self.lock();
            let sample = latency.as_secs_f64();
            let avg = match s.latency {
                Some(avg) => avg + EWMA_WEIGHT * (sample - avg),
                None => sample,
            };
            s.latency = Some(avg);
            let wanted = (rate * avg * HEADROOM).ceil() as usize + 1;
            let limit = wanted.clamp(MIN_IN_FLIGHT, s.max);
            let grew = limit > s.limit;
            s.limit = limit;
            grew
        };
        if grew {
            self.notify.notify_waiters();
        }
    }

    /// An answer arrived; `busy`: the decoder is taken, so it waits for its turn until the
    /// guard is dropped.
    pub fn waiting(self: &Arc<Self>, busy: bool) -> WaitingAnswer {
        {
            let mut s = self.lock();
            s.waiting += 1;
            s.decode_cap = if busy {
                s.decode_cap.saturating_sub(1).max(MIN_IN_FLIGHT)
            } else {
                (s.decode_cap + 1).min(s.max)
            };
        }
        WaitingAnswer {
            gate: Arc::clone(self),
        }
    }

    pub fn limit(&self) -> usize {
        self.lock().limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_follows_rate_times_latency_within_bounds() {
        let g = InFlight::new(64);
        assert_eq!(g.limit(), 64);
        // 50/s at 150 ms: 7.5 in flight on average; with headroom 12.
        g.observe(Duration::from_millis(150), 50.0);
        assert_eq!(g.limit(), 13);
        // A fast local server needs few.
        let g = InFlight::new(64);
        g.observe(Duration::from_millis(1), 10.0);
        assert_eq!(g.limit(), MIN_IN_FLIGHT);
        // Never more than the maximum.
        let g = InFlight::new(8);
        g.observe(Duration::from_secs(2), 50.0);
        assert_eq!(g.limit(), 8);
    }

    #[tokio::test(start_paused = true)]
    async fn answers_waiting_to_be_decoded_hold_new_requests_back() {
        let g = InFlight::new(8);
        let _a = g.enter().await;
        let w1 = g.waiting(false);
        let _w2 = g.waiting(false);
        let g2 = Arc::clone(&g);
        let next = tokio::spawn(async move {
            let _b = g2.enter().await;
        });
        tokio::task::yield_now().await;
        assert!(!next.is_finished(), "two answers wait: no new request");
        drop(w1);
        next.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_decoder_lowers_the_cap_and_an_idle_one_raises_it() {
        let g = InFlight::new(8);
        for _ in 0..10 {
            drop(g.waiting(true));
        }
        assert_eq!(g.lock().decode_cap, MIN_IN_FLIGHT);
        let _a = g.enter().await;
        let _b = g.enter().await;
        let g2 = Arc::clone(&g);
        let third = tokio::spawn(async move {
            let _c = g2.enter().await;
        });
        tokio::task::yield_now().await;
        assert!(
            !third.is_finished(),
            "capped at two while decoding is the bottleneck"
        );
        drop(g.waiting(false));
        third.await.unwrap();
        for _ in 0..20 {
            drop(g.waiting(false));
        }
        assert_eq!(g.lock().decode_cap, 8);
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_enter_when_places_free_up() {
        let g = InFlight::new(2);
        let a = g.enter().await;
        let _b = g.enter().await;
        let g2 = Arc::clone(&g);
        let waiter = tokio::spawn(async move {
            let _c = g2.enter().await;
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(a);
        waiter.await.unwrap();
    }
}
