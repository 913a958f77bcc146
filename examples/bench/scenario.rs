//! What a benchmark run does: the command line, the named presets, and the one resolved
//! `Scenario` every other part reads. A preset fills every knob; a flag given on the command line
//! overrides the preset's value.

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;

#[derive(Parser, Debug, Default)]
#[command(
    name = "bench",
    about = "Runs the release connector against the TikTok emulator and measures it",
    after_help = "Presets: pace-10, pace-20, pace-50, cpu, memory-100k, memory-1m, spec, custom (the default). \
                  Flags override the preset's values."
)]
pub struct Cli {
    /// A named scenario (see below); the flags override its values.
    #[arg(long, default_value = "custom")]
    pub preset: String,
    /// The connector binary (default: source-tiktok-ads next to this example's directory, i.e. the
    /// same target profile).
    #[arg(long)]
    pub bin: Option<PathBuf>,
    /// Also write the summary as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Keep the working directory (config, catalog, state, stderr of each run) and print its path.
    #[arg(long)]
    pub keep_dir: bool,

    /// Seed of the emulator's data and latency draws.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Generated advertisers (accounts).
    #[arg(long)]
    pub advertisers: Option<usize>,
    #[arg(long)]
    pub campaigns: Option<usize>,
    /// Ad groups per campaign.
    #[arg(long)]
    pub adgroups: Option<usize>,
    /// Ads per ad group.
    #[arg(long)]
    pub ads: Option<usize>,
    /// Creative assets per advertiser.
    #[arg(long)]
    pub assets: Option<usize>,
    /// Entities are created over this many days before the emulator's clock.
    #[arg(long)]
    pub history_days: Option<u32>,
    /// Days of report data: start_date is this many days back, today included.
    #[arg(long)]
    pub days: Option<u32>,
    /// Extra latency per request: `MS` or `MIN:MAX` (uniform, seeded); `0` for none.
    #[arg(long)]
    pub latency: Option<String>,
    /// The emulator's app limit per second (0 = none).
    #[arg(long)]
    pub qps: Option<u32>,
    /// The emulator's app limit per minute (0 = none).
    #[arg(long)]
    pub qpm: Option<u32>,
    /// The connector's `rate_limit_tier`: basic, advanced, premium, ultimate. Without --qps/--qpm the
    /// emulator enforces the same tier.
    #[arg(long)]
    pub tier: Option<String>,
    /// The connector's `requests_per_second` override.
    #[arg(long)]
    pub connector_rps: Option<u32>,
    /// The connector's `requests_per_minute` override.
    #[arg(long)]
    pub connector_rpm: Option<u32>,
    /// The connector's `concurrency` (left out of the config when not given).
    #[arg(long)]
    pub concurrency: Option<u32>,
    /// Streams to sync, separated by commas, or `all`.
    #[arg(long)]
    pub streams: Option<String>,
    /// Hours the emulator clock moves between the full and the incremental sync.
    #[arg(long)]
    pub advance_hours: Option<u32>,
    /// Run only the full sync.
    #[arg(long)]
    pub no_incremental: bool,
    /// Runs of `spec` to time (the median is reported); 0 = none.
    #[arg(long)]
    pub spec_runs: Option<u32>,
}

/// The rate limits of TikTok's tiers as the connector knows them: (name, per second, per minute).
pub const TIERS: [(&str, u32, u32); 4] = [
    ("basic", 10, 600),
    ("advanced", 20, 1200),
    ("premium", 30, 1800),
    ("ultimate", 50, 3000),
];

/// The connector's highest accepted pace, used when the emulator enforces no limit so that only
/// the connector's own speed shows.
const UNLIMITED_RPS: u32 = 1000;
const UNLIMITED_RPM: u32 = 60000;

/// Which streams a sync reads.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Streams {
    All,
    Named(Vec<String>),
}

impl Streams {
    fn parse(s: &str) -> Streams {
        if s.trim().eq_ignore_ascii_case("all") {
            return Streams::All;
        }
        Streams::Named(
            s.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(String::from)
                .collect(),
        )
    }
}

/// Everything one benchmark invocation does, resolved from a preset and the flags.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    pub preset: String,
    pub seed: u64,
    pub advertisers: usize,
    pub campaigns_per_advertiser: usize,
    pub adgroups_per_campaign: usize,
    pub ads_per_adgroup: usize,
    pub assets_per_advertiser: usize,
    pub history_days: u32,
    pub report_days: u32,
    /// (min, max) extra milliseconds per request.
    pub latency_ms: Option<(u64, u64)>,
    /// The emulator's app limits; 0 = none.
    pub emulator_qps: u32,
    pub emulator_qpm: u32,
    /// What goes into the connector's config.
    pub tier: Option<String>,
    pub connector_rps: Option<u32>,
    pub connector_rpm: Option<u32>,
    pub concurrency: Option<u32>,
    pub streams: Streams,
    /// Whether the full and incremental syncs run at all (not for `spec`).
    pub syncs: bool,
    pub incremental: bool,
    pub advance_hours: u32,
    pub spec_runs: u32,
}

/// A mix of entity and report streams over many small accounts: many light requests, so the
/// limit, not the data volume, decides the time.
const PACE_STREAMS: &str = "advertisers,campaigns,ad_groups,ads,advertisers_reports_daily,\
campaigns_reports_daily,ad_groups_reports_daily,ads_reports_daily,ads_reports_hourly";

fn base() -> Scenario {
    Scenario {
        preset: "custom".into(),
        seed: 42,
        advertisers: 4,
        campaigns_per_advertiser: 3,
        adgroups_per_campaign: 2,
        ads_per_adgroup: 2,
        assets_per_advertiser: 5,
        history_days: 60,
        report_days: 30,
        latency_ms: None,
        emulator_qps: 0,
        emulator_qpm: 0,
        tier: None,
        connector_rps: None,
        connector_rpm: None,
        concurrency: None,
        streams: Streams::parse("ads_reports_daily"),
        syncs: true,
        incremental: true,
        advance_hours: 24,
        spec_runs: 0,
    }
}

fn pace(tier: &str) -> Scenario {
    Scenario {
        advertisers: 30,
        campaigns_per_advertiser: 3,
        adgroups_per_campaign: 2,
        ads_per_adgroup: 2,
        history_days: 90,
        report_days: 60,
        latency_ms: Some((100, 200)),
        tier: Some(tier.into()),
        streams: Streams::parse(PACE_STREAMS),
        ..base()
    }
}

/// Four accounts of 1,000 ads each: only the history length changes between the CPU and memory
/// presets, so their figures compare.
fn volume(report_days: u32) -> Scenario {
    Scenario {
        advertisers: 4,
        campaigns_per_advertiser: 10,
        adgroups_per_campaign: 10,
        ads_per_adgroup: 10,
        history_days: report_days * 2,
        report_days,
        ..base()
    }
}

pub fn preset(name: &str) -> Result<Scenario, String> {
    let mut s = match name {
        "custom" => base(),
        "pace-10" => pace("basic"),
        "pace-20" => pace("advanced"),
        "pace-50" => pace("ultimate"),
        "cpu" => volume(300),
        "memory-100k" => volume(58),
        "memory-1m" => volume(580),
        "spec" => Scenario {
            syncs: false,
            spec_runs: 21,
            ..base()
        },
        other => {
            return Err(format!(
                "unknown preset '{other}': use pace-10, pace-20, pace-50, cpu, memory-100k, memory-1m, spec or custom"
            ))
        }
    };
    s.preset = name.to_string();
    Ok(s)
}

fn tier_limits(tier: &str) -> Result<(u32, u32), String> {
    TIERS
        .iter()
        .find(|(n, _, _)| *n == tier)
        .map(|(_, s, m)| (*s, *m))
        .ok_or_else(|| format!("unknown tier '{tier}': use basic, advanced, premium or ultimate"))
}

/// `MS` or `MIN:MAX`; `0` means none.
fn parse_latency(s: &str) -> Result<Option<(u64, u64)>, String> {
    let bad = || format!("--latency must be MS or MIN:MAX in milliseconds; got '{s}'");
    let (lo, hi) = match s.split_once(':') {
        Some((a, b)) => (
            a.trim().parse().map_err(|_| bad())?,
            b.trim().parse().map_err(|_| bad())?,
        ),
        None => {
            let v: u64 = s.trim().parse().map_err(|_| bad())?;
            (v, v)
        }
    };
    if lo > hi {
        return Err(bad());
    }
    Ok((hi > 0).then_some((lo, hi)))
}

impl Cli {
    pub fn resolve(&self) -> Result<Scenario, String> {
        let mut s = preset(&self.preset)?;
        macro_rules! take {
            ($($flag:ident => $field:ident),*) => { $(if let Some(v) = self.$flag.clone() { s.$field = v; })* };
        }
        take!(seed => seed, advertisers => advertisers, campaigns => campaigns_per_advertiser,
              adgroups => adgroups_per_campaign, ads => ads_per_adgroup, assets => assets_per_advertiser,
              history_days => history_days, days => report_days, advance_hours => advance_hours,
              spec_runs => spec_runs);
        if let Some(l) = &self.latency {
            s.latency_ms = parse_latency(l)?;
        }
        if let Some(t) = &self.tier {
            s.tier = Some(t.clone());
        }
        if let Some(v) = self.connector_rps {
            s.connector_rps = Some(v);
        }
        if let Some(v) = self.connector_rpm {
            s.connector_rpm = Some(v);
        }
        if let Some(v) = self.concurrency {
            s.concurrency = Some(v);
        }
        if let Some(v) = &self.streams {
            s.streams = Streams::parse(v);
        }
        if self.no_incremental {
            s.incremental = false;
        }
        // The emulator enforces the connector's tier unless told otherwise, so any overshoot of
        // the tier shows as throttled answers.
        if let Some(t) = &s.tier {
            let (qps, qpm) = tier_limits(t)?;
            s.emulator_qps = qps;
            s.emulator_qpm = qpm;
        }
        if let Some(v) = self.qps {
            s.emulator_qps = v;
        }
        if let Some(v) = self.qpm {
            s.emulator_qpm = v;
        }
        // Without a tier or an explicit pace the connector may go as fast as it can: the
        // benchmark then measures the connector, not its pacer.
        if s.tier.is_none() && s.connector_rps.is_none() && s.connector_rpm.is_none() {
            s.connector_rps = Some(UNLIMITED_RPS);
            s.connector_rpm = Some(UNLIMITED_RPM);
        }
        if s.report_days == 0 {
            return Err("--days must be at least 1".into());
        }
        if let Streams::Named(n) = &s.streams {
            if n.is_empty() {
                return Err("--streams names no stream".into());
            }
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(preset: &str) -> Cli {
        Cli {
            preset: preset.into(),
            ..Cli::default()
        }
    }

    #[test]
    fn pace_presets_make_the_emulator_enforce_the_connectors_tier() {
        let s = cli("pace-20").resolve().unwrap();
        assert_eq!(s.tier.as_deref(), Some("advanced"));
        assert_eq!((s.emulator_qps, s.emulator_qpm), (20, 1200));
        assert_eq!(s.latency_ms, Some((100, 200)));
        assert_eq!((s.connector_rps, s.connector_rpm), (None, None));
    }

    #[test]
    fn flags_override_the_preset() {
        let mut c = cli("pace-10");
        c.qps = Some(12);
        c.latency = Some("150".into());
        c.streams = Some("ads, campaigns".into());
        let s = c.resolve().unwrap();
        assert_eq!((s.emulator_qps, s.emulator_qpm), (12, 600));
        assert_eq!(s.latency_ms, Some((150, 150)));
        assert_eq!(
            s.streams,
            Streams::Named(vec!["ads".into(), "campaigns".into()])
        );
    }

    #[test]
    fn without_a_limit_the_connector_is_let_loose() {
        let s = cli("cpu").resolve().unwrap();
        assert_eq!((s.emulator_qps, s.emulator_qpm), (0, 0));
        assert_eq!(
            (s.connector_rps, s.connector_rpm),
            (Some(1000), Some(60000))
        );
        assert_eq!(s.latency_ms, None);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(cli("pace-11").resolve().is_err());
        let mut c = cli("custom");
        c.latency = Some("200:100".into());
        assert!(c.resolve().is_err());
        let mut c = cli("custom");
        c.tier = Some("gold".into());
        assert!(c.resolve().is_err());
        assert_eq!(parse_latency("0"), Ok(None));
    }
}
