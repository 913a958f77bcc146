//! Everything one emulator instance holds: the world, clock, tokens, limits, faults and log.
//! Shared by the HTTP handlers, the control endpoint and the library handle.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::auth::Auth;
use crate::clock::Clock;
use crate::config::{EmulatorConfig, Faults, Latency, Level};
use crate::faults::FaultState;
use crate::generate::{self, Shape};
use crate::limits::Limiter;
use crate::log::RequestLog;
use crate::model::{ApiError, Params, World};
use crate::mutate;
use crate::overrides::Overrides;
use crate::pixels::counters::{self, PixelDayStats};
use crate::pixels::PixelSettings;
use crate::report::{self, ReportRow, ReportSettings};
use crate::rng::{hash, Rng};
use crate::sync::{lock, read, write};

pub struct Shared {
    pub seed: u64,
    pub app_id: String,
    pub sandbox: bool,
    pub qps: u32,
    pub qpm: u32,
    pub advertiser_qps: u32,
    pub rejected_metrics: Vec<String>,
    /// `EmulatorConfig::report_top_view_alone`.
    pub report_top_view_alone: bool,
    pub latency: Latency,
    pub report: ReportSettings,
    pub pixels: PixelSettings,
    pub shape: Shape,
    pub world: RwLock<World>,
    pub clock: Clock,
    pub auth: Mutex<Auth>,
    pub log: RequestLog,
    /// Number of API requests so far: seeds request ids, faults and latency.
    pub counter: AtomicU64,
    pub faults: Mutex<FaultState>,
    pub limiter: Mutex<Limiter>,
    /// Answers set by tests in place of the endpoints' own.
    pub overrides: Mutex<Overrides>,
    /// Number of mutations so far: seeds which entities a mutation picks.
    mutations: AtomicU64,
    /// When the server started; the request log's arrival times count from here.
    pub started: std::time::Instant,
    /// Smart+, GMV Max, Business Center and report tasks.
    pub extended: crate::extended_api::ExtendedState,
}

impl Shared {
    pub fn new(cfg: &EmulatorConfig) -> Shared {
        let world = generate::generate(cfg);
        let ids = world.advertisers.iter().map(|a| a.advertiser_id.clone());
        let auth = Auth::new(cfg.seed, &cfg.app_id, &cfg.secret, &cfg.access_token, ids);
        Shared {
            seed: cfg.seed,
            app_id: cfg.app_id.clone(),
            sandbox: cfg.sandbox,
            qps: cfg.qps,
            qpm: cfg.qpm,
            advertiser_qps: cfg.advertiser_qps,
            rejected_metrics: cfg.rejected_metrics.clone(),
            report_top_view_alone: cfg.report_top_view_alone,
            latency: cfg.latency.clone(),
            report: ReportSettings {
                seed: cfg.seed,
                late_conversion_days: cfg.late_conversion_days,
                query_too_large_threshold: cfg.query_too_large_threshold,
                ads_cap: Some(cfg.report_ads_cap),
                audience_latency: cfg.audience_latency,
            },
            pixels: PixelSettings {
                seed: cfg.seed,
                attribution_days: cfg.late_conversion_days,
                foreign: cfg.foreign_pixels,
            },
            shape: Shape::of(cfg),
            world: RwLock::new(world),
            clock: Clock::new(cfg.now, cfg.clock),
            auth: Mutex::new(auth),
            log: RequestLog::default(),
            counter: AtomicU64::new(0),
            faults: Mutex::new(FaultState::new(cfg.faults.clone())),
            limiter: Mutex::new(Limiter::default()),
            overrides: Mutex::new(Overrides::default()),
            mutations: AtomicU64::new(0),
            started: std::time::Instant::now(),
            extended: crate::extended_api::ExtendedState::new(&cfg.extended),
        }
    }

    fn mutation_rng(&self) -> Rng {
        let n = self.mutations.fetch_add(1, Ordering::SeqCst);
        Rng::new(hash(&[self.seed, 0x3117, n]))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn set_now(&self, t: DateTime<Utc>) {
        self.clock.set(t);
    }

    pub fn advance(&self, d: Duration) {
        self.clock.advance(d);
    }

    pub fn world(&self) -> World {
        read(&self.world).clone()
    }

    pub fn mutate<R>(&self, f: impl FnOnce(&mut World, DateTime<Utc>) -> R) -> R {
        let now = self.clock.now_secs();
        f(&mut write(&self.world), now)
    }

    pub fn modify_entities(&self, advertiser_id: &str, level: Level, n: usize) -> Vec<String> {
        let mut rng = self.mutation_rng();
        self.mutate(|w, now| mutate::modify(w, advertiser_id, level, n, now, &mut rng))
    }

    pub fn add_entities(&self, advertiser_id: &str, level: Level, n: usize) -> Vec<String> {
        let mut rng = self.mutation_rng();
        self.mutate(|w, now| mutate::add(w, advertiser_id, level, n, now, &mut rng))
    }

    pub fn delete_entities(&self, advertiser_id: &str, level: Level, n: usize) -> Vec<String> {
        let mut rng = self.mutation_rng();
        self.mutate(|w, now| mutate::delete(w, advertiser_id, level, n, now, &mut rng))
    }

    pub fn add_advertiser(&self, name: &str, timezone: &str) -> String {
        let (seed, shape) = (self.seed, self.shape);
        let extended = &self.extended.config;
        let id = self.mutate(|w, now| {
            let id = generate::add_advertiser(w, seed, shape, name, timezone, now);
            let mut ids = generate::IdSpace::of(w);
            crate::extended_world::grow_advertiser(
                w,
                &mut ids,
                seed,
                extended,
                &id,
                now,
                shape.history_days,
            );
            crate::extended_world::grow_business(w, seed, extended, now);
            id
        });
        lock(&self.auth).grant_main(&id);
        id
    }

    pub fn new_auth_code(&self) -> String {
        let now = self.clock.now();
        lock(&self.auth).new_code(now)
    }

    pub fn issue_token(&self, advertiser_ids: &[&str]) -> String {
        lock(&self.auth).issue(advertiser_ids.iter().map(|s| s.to_string()))
    }

    pub fn revoke_token(&self, token: &str) {
        lock(&self.auth).revoke(token);
    }

    pub fn set_faults(&self, faults: Faults) {
        *lock(&self.faults) = FaultState::new(faults);
    }

    /// The pixel's counters per UTC day and event over `start..=end` at the current clock;
    /// empty for an unknown pixel.
    pub fn pixel_stats_truth(
        &self,
        pixel_id: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Vec<PixelDayStats> {
        let now = self.clock.now();
        let world = read(&self.world);
        world
            .pixels
            .iter()
            .find(|p| p.id == pixel_id)
            .map(|p| counters::pixel_days(&self.pixels, p, start, end, now))
            .unwrap_or_default()
    }

    pub fn report_truth(&self, params: &[(&str, &str)]) -> Result<Vec<ReportRow>, ApiError> {
        let params: Params = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let now = self.clock.now();
        report::rows(&read(&self.world), &params, now, &self.report)
    }
}
