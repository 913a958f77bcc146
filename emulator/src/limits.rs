//! Rate limits: the app-level QPS/QPM limit (40100) and the per-advertiser, per-path limit (40133).
//! Sliding windows over real time, because clients pace themselves by real time.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::model::ApiError;

#[derive(Default)]
pub struct Limiter {
    /// Keyed by "" (whole app) or, in sandbox mode, by endpoint path.
    app: HashMap<String, (VecDeque<Instant>, VecDeque<Instant>)>,
    advertiser: HashMap<(String, String), VecDeque<Instant>>,
}

fn trim(q: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while q.front().is_some_and(|&t| now.duration_since(t) >= window) {
        q.pop_front();
    }
}

impl Limiter {
    /// Admits the request or answers 40100; only admitted requests use up the budget.
    pub fn app(
        &mut self,
        key: &str,
        app_id: &str,
        qps: u32,
        qpm: u32,
        now: Instant,
    ) -> Result<(), ApiError> {
        if qps == 0 && qpm == 0 {
            return Ok(());
        }
        let (sec, min) = self.app.entry(key.to_string()).or_default();
        trim(sec, now, Duration::from_secs(1));
        trim(min, now, Duration::from_secs(60));
        if qps > 0 && sec.len() >= qps as usize {
            return Err(ApiError::new(
                40100,
                format!(
                    "App {app_id} reaches the QPS limit {qps}, current QPS is {}.",
                    sec.len() + 1
                ),
            ));
        }
        if qpm > 0 && min.len() >= qpm as usize {
            return Err(ApiError::new(
                40100,
                format!(
                    "App {app_id} reaches the QPM limit {qpm}, current QPM is {}.",
                    min.len() + 1
                ),
            ));
        }
        sec.push_back(now);
        min.push_back(now);
        Ok(())
    }

    pub fn advertiser(
        &mut self,
        advertiser_id: &str,
        path: &str,
        limit: u32,
        now: Instant,
    ) -> Result<(), ApiError> {
        if limit == 0 {
            return Ok(());
        }
        let q = self
            .advertiser
            .entry((advertiser_id.to_string(), path.to_string()))
            .or_default();
        trim(q, now, Duration::from_secs(1));
        if q.len() >= limit as usize {
            return Err(ApiError::new(
                40133,
                format!(
                    "Advertiser ({advertiser_id})'s QPS ({}) reaches QPS limit {limit} for current path, request is temporarily restricted.",
                    q.len() + 1
                ),
            ));
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_slide_with_time() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        assert!(l.app("", "app", 2, 0, t0).is_ok());
        assert!(l.app("", "app", 2, 0, t0).is_ok());
        assert_eq!(l.app("", "app", 2, 0, t0).unwrap_err().code, 40100);
        // Rejected requests do not use up budget; a second later there is room again.
        assert!(l
            .app("", "app", 2, 0, t0 + Duration::from_millis(1000))
            .is_ok());
        assert!(
            l.app("other-path", "app", 2, 0, t0).is_ok(),
            "separate keys"
        );
        assert!(l.advertiser("1", "p", 1, t0).is_ok());
        assert_eq!(
            l.advertiser("1", "p", 1, t0 + Duration::from_millis(999))
                .unwrap_err()
                .code,
            40133
        );
        assert!(l
            .advertiser("1", "p", 1, t0 + Duration::from_millis(1000))
            .is_ok());
    }
}
