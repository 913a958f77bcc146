//! Configuration of one emulator instance. Every knob that changes what the server answers is here,
//! so a test states its whole scenario in one value.

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::pixels::ForeignPixels;

/// Which entity level a mutation applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    Campaign,
    AdGroup,
    Ad,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "campaign" | "campaigns" => Some(Level::Campaign),
            "adgroup" | "adgroups" | "ad_group" | "ad_groups" => Some(Level::AdGroup),
            "ad" | "ads" => Some(Level::Ad),
            _ => None,
        }
    }
}

/// How the emulator clock moves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ClockMode {
    /// Time stands still unless a test sets or advances it: the default, so tests never see wall time.
    Fixed,
    /// Emulated seconds per real second (1.0 = real time); for demos and long-running benchmarks.
    Advancing { speed: f64 },
}

/// Injected failures. Each rate is a probability in 0..1; the draw for request number `n` comes
/// from a PRNG seeded by (`seed`, `n`), so the same request sequence meets the same faults.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    pub seed: u64,
    /// HTTP 200 with a code from `api_error_codes` (empty = [50000, 50002, 40200, 40700]).
    pub api_error_rate: f64,
    pub api_error_codes: Vec<i64>,
    /// HTTP 200 code 40100, whatever the token bucket says.
    pub rate_limit_rate: f64,
    /// HTTP 500/502/503 with an HTML body, as a gateway sends.
    pub http_5xx_rate: f64,
    /// The connection is closed (RST) without a response.
    pub reset_rate: f64,
    /// A 200 whose JSON body is cut in the middle (Content-Length is the cut length).
    pub truncated_rate: f64,
    /// The answer comes after `slow_ms` (to exceed a client's timeout).
    pub slow_rate: f64,
    pub slow_ms: u64,
    /// If non-empty, faults only hit these endpoint paths (e.g. "campaign/get/").
    pub only_paths: Vec<String>,
    /// Stop injecting after this many faults, so a test can bound a client's retries.
    pub max_faults: Option<u64>,
}

impl Faults {
    pub fn none() -> Faults {
        Faults::default()
    }
    pub fn is_active(&self) -> bool {
        self.api_error_rate > 0.0
            || self.rate_limit_rate > 0.0
            || self.http_5xx_rate > 0.0
            || self.reset_rate > 0.0
            || self.truncated_rate > 0.0
            || self.slow_rate > 0.0
    }
}

/// Extra response latency, uniform in `min_ms..=max_ms`, drawn from the seeded PRNG.
#[derive(Clone, Debug, Default)]
pub struct Latency {
    pub min_ms: u64,
    pub max_ms: u64,
}

#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    pub seed: u64,
    /// Number of generated advertisers. The first ones cover zones ahead of and behind UTC, several
    /// currencies, and two names that collide ignoring case and surrounding spaces.
    pub advertisers: usize,
    pub campaigns_per_advertiser: usize,
    pub adgroups_per_campaign: usize,
    pub ads_per_adgroup: usize,
    /// Creative assets (images, videos, music, ...) per advertiser.
    pub assets_per_advertiser: usize,
    /// Entities are created over this many days before `now`.
    pub history_days: u32,
    /// Reservation campaigns per advertiser, cycling Reach & Frequency, TopView, Pulse (each
    /// with `adgroups_per_campaign` × `ads_per_adgroup`); 0 gives an auction-only world.
    pub reservation_campaigns_per_advertiser: usize,
    /// Emulator clock at start.
    pub now: DateTime<Utc>,
    pub clock: ClockMode,
    pub app_id: String,
    pub secret: String,
    /// Pre-issued long-term token that reaches every advertiser, including ones added later.
    pub access_token: String,
    /// Sandbox: `oauth2/advertiser/get/` is not supported, campaigns have no `secondary_status`,
    /// and the app limits apply per endpoint path.
    pub sandbox: bool,
    /// App-level limits (requests per second / per minute); 0 = unlimited.
    pub qps: u32,
    pub qpm: u32,
    /// Per advertiser and path, requests per second; 0 = unlimited.
    pub advertiser_qps: u32,
    pub faults: Faults,
    pub latency: Latency,
    /// Passed to the report engine: conversions of an hour keep arriving for this many days.
    pub late_conversion_days: u32,
    /// Passed to the report engine: heavier report requests get 40067.
    pub query_too_large_threshold: Option<u64>,
    /// Metrics this account may not request: a report asking for any of them gets 40002
    /// "Please correct the information in invalid metric fields ..." listing them, as TikTok does
    /// for metrics unavailable to an account (e.g. `cash_spend`, `voucher_spend`).
    pub rejected_metrics: Vec<String>,
    /// Ads a synchronous report covers at most (TikTok: 20,000); past it the response carries
    /// `X-Tt-Ads-Throttle` and only the most recently created ads.
    pub report_ads_cap: usize,
    /// What `pixel/event/stats/` does with a pixel of another advertiser or an unknown one.
    pub foreign_pixels: ForeignPixels,
    /// Passed to the report engine: AUDIENCE breakdown rows of an hour appear only after the
    /// dimension's latency (16 h for most, 30 min for country_code and placement). Off by default.
    pub audience_latency: bool,
    /// The report filter `buying_type` refuses RESERVATION_TOP_VIEW together with other buying
    /// types (40002), as the entity endpoints' `filtering.buying_types` does. Off by default:
    /// which of the two TikTok's reports do is UNCERTAIN in the reference (see "Buying types").
    pub report_top_view_alone: bool,
    /// Smart+, GMV Max, Business Center and asynchronous report tasks.
    pub extended: ExtendedConfig,
}

/// Settings of the Upgraded Smart+, GMV Max, Business Center and report-task surfaces. Library
/// defaults set no rate limits (like the app limits); the binary applies TikTok's values.
#[derive(Clone, Debug)]
pub struct ExtendedConfig {
    /// Upgraded Smart+ campaigns per advertiser (each with one or two ad groups).
    pub smart_plus_campaigns_per_advertiser: usize,
    /// Smart+ ads per Smart+ ad group; every Smart+ ad has two or three creatives.
    pub smart_plus_ads_per_adgroup: usize,
    /// TikTok Shop stores per advertiser; the last one is not available for GMV Max.
    pub gmv_max_stores_per_advertiser: usize,
    /// GMV Max campaigns per available store (product first, then LIVE, alternating).
    pub gmv_max_campaigns_per_store: usize,
    /// An hour's GMV Max `net_cost`, `orders` and `gross_revenue` keep growing for this many
    /// hours after it (attribution latency), so re-reading recent days matters.
    pub gmv_max_settle_hours: u32,
    /// Own limits of `gmv_max/report/get/` per app (TikTok basic tier: 8 QPS, 240 QPM); 0 = none.
    pub gmv_max_report_qps: u32,
    pub gmv_max_report_qpm: u32,
    /// Business Centers; advertisers are spread over them and one is shared by two.
    pub business_centers: usize,
    /// Finance role (`MANAGER` or `ANALYST`) of the user behind the pre-issued token and of
    /// OAuth-issued tokens in every Business Center; `None` = no finance role, so the finance
    /// endpoints answer 40001.
    pub finance_role: Option<String>,
    /// Requests per second per app over the four `report/task/*` endpoints (TikTok: 1); 0 = none.
    pub report_task_qps: u32,
    /// Task creations per advertiser per hour of emulator time (TikTok: 500); 0 = none.
    pub report_task_creations_per_hour: u32,
    /// A task moves one stage (QUEUING → PROCESSING → SUCCESS) every this many `check` calls
    /// (0 = checks do not move it) ...
    pub report_task_checks_per_stage: u32,
    /// ... and every this many seconds of emulator time (0 = time does not move it).
    pub report_task_stage_seconds: u64,
    /// Probability that a task ends FAILED instead of SUCCESS (seeded per task).
    pub report_task_failure_rate: f64,
    /// False: `report/task/create/` answers 40118 (the advertiser is not on the allowlist).
    pub report_tasks_allowlisted: bool,
}

impl Default for ExtendedConfig {
    fn default() -> Self {
        ExtendedConfig {
            smart_plus_campaigns_per_advertiser: 1,
            smart_plus_ads_per_adgroup: 2,
            gmv_max_stores_per_advertiser: 2,
            gmv_max_campaigns_per_store: 3,
            gmv_max_settle_hours: 48,
            gmv_max_report_qps: 0,
            gmv_max_report_qpm: 0,
            business_centers: 2,
            finance_role: Some("MANAGER".to_string()),
            report_task_qps: 0,
            report_task_creations_per_hour: 500,
            report_task_checks_per_stage: 1,
            report_task_stage_seconds: 60,
            report_task_failure_rate: 0.0,
            report_tasks_allowlisted: true,
        }
    }
}

/// 2026-11-20T12:00:00Z, the default start of the emulator clock.
pub fn default_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            seed: 42,
            advertisers: 4,
            campaigns_per_advertiser: 3,
            adgroups_per_campaign: 2,
            ads_per_adgroup: 2,
            assets_per_advertiser: 5,
            history_days: 60,
            reservation_campaigns_per_advertiser: 3,
            now: default_now(),
            clock: ClockMode::Fixed,
            app_id: "7100000000000000001".to_string(),
            secret: "emulator-secret".to_string(),
            access_token: "emulator-token".to_string(),
            sandbox: false,
            qps: 0,
            qpm: 0,
            advertiser_qps: 0,
            faults: Faults::default(),
            latency: Latency::default(),
            late_conversion_days: 7,
            query_too_large_threshold: None,
            rejected_metrics: Vec::new(),
            report_ads_cap: 20_000,
            foreign_pixels: ForeignPixels::Omit,
            audience_latency: false,
            report_top_view_alone: false,
            extended: ExtendedConfig::default(),
        }
    }
}

impl EmulatorConfig {
    /// TikTok's sandbox: 1 QPS / 30 QPM per endpoint, no account discovery.
    pub fn sandbox() -> Self {
        EmulatorConfig {
            sandbox: true,
            qps: 1,
            qpm: 30,
            ..EmulatorConfig::default()
        }
    }
}
