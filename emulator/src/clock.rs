//! The emulator clock: fixed (tests move it explicitly) or advancing at a chosen speed.

use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Duration, DurationRound, Utc};

use crate::config::ClockMode;
use crate::sync::lock;

pub struct Clock {
    state: Mutex<State>,
}

struct State {
    base: DateTime<Utc>,
    /// Real instant at which the clock showed `base`.
    anchor: Instant,
    /// Emulated seconds per real second; 0 for a fixed clock.
    speed: f64,
}

impl State {
    fn now(&self) -> DateTime<Utc> {
        if self.speed <= 0.0 {
            return self.base;
        }
        let elapsed = self.anchor.elapsed().as_secs_f64() * self.speed;
        let micros = (elapsed * 1e6).min(i64::MAX as f64 / 2.0) as i64;
        self.base + Duration::microseconds(micros)
    }
}

impl Clock {
    pub fn new(start: DateTime<Utc>, mode: ClockMode) -> Clock {
        let speed = match mode {
            ClockMode::Fixed => 0.0,
            ClockMode::Advancing { speed } if speed.is_finite() && speed > 0.0 => speed,
            ClockMode::Advancing { .. } => 0.0,
        };
        Clock {
            state: Mutex::new(State {
                base: start,
                anchor: Instant::now(),
                speed,
            }),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        lock(&self.state).now()
    }

    /// Whole seconds: entity times are shown to the second, so stamping them with a fractional
    /// clock would make `modify_time >= modified_after` comparisons disagree with what clients see.
    pub fn now_secs(&self) -> DateTime<Utc> {
        let now = self.now();
        now.duration_trunc(Duration::seconds(1)).unwrap_or(now)
    }

    pub fn set(&self, t: DateTime<Utc>) {
        let mut s = lock(&self.state);
        s.base = t;
        s.anchor = Instant::now();
    }

    pub fn advance(&self, d: Duration) {
        let mut s = lock(&self.state);
        let now = s.now();
        s.base = now + d;
        s.anchor = Instant::now();
    }
}
