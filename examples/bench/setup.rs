//! The files a sync reads: the connector's config for a running emulator, and the configured
//! catalog built from the connector's own `discover` (so the benchmark restates no schema).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};
use tiktok_emulator::{EmulatorConfig, Latency};

use crate::scenario::{Scenario, Streams};

pub fn emulator_config(s: &Scenario) -> EmulatorConfig {
    EmulatorConfig {
        seed: s.seed,
        advertisers: s.advertisers,
        campaigns_per_advertiser: s.campaigns_per_advertiser,
        adgroups_per_campaign: s.adgroups_per_campaign,
        ads_per_adgroup: s.ads_per_adgroup,
        assets_per_advertiser: s.assets_per_advertiser,
        history_days: s.history_days,
        qps: s.emulator_qps,
        qpm: s.emulator_qpm,
        latency: s
            .latency_ms
            .map_or(Latency::default(), |(min_ms, max_ms)| Latency {
                min_ms,
                max_ms,
            }),
        ..EmulatorConfig::default()
    }
}

/// The connector's config: credentials of the emulator's app, report days ending at the emulator's
/// today, and only the pace settings the scenario names (the connector's defaults otherwise).
pub fn connector_config(
    s: &Scenario,
    emu: &EmulatorConfig,
    base_url: &str,
    now: DateTime<Utc>,
) -> Value {
    let start = now.date_naive() - Duration::days(i64::from(s.report_days) - 1);
    let mut c = Map::new();
    c.insert("app_id".into(), json!(emu.app_id));
    c.insert("secret".into(), json!(emu.secret));
    c.insert("access_token".into(), json!(emu.access_token));
    c.insert(
        "start_date".into(),
        json!(start.format("%Y-%m-%d").to_string()),
    );
    c.insert("api_base_url".into(), json!(base_url));
    if let Some(t) = &s.tier {
        c.insert("rate_limit_tier".into(), json!(t));
    }
    if let Some(v) = s.connector_rps {
        c.insert("requests_per_second".into(), json!(v));
    }
    if let Some(v) = s.connector_rpm {
        c.insert("requests_per_minute".into(), json!(v));
    }
    if let Some(v) = s.concurrency {
        c.insert("concurrency".into(), json!(v));
    }
    Value::Object(c)
}

pub fn write_json(dir: &Path, name: &str, v: &Value) -> Result<PathBuf, String> {
    let path = dir.join(name);
    let text = serde_json::to_string_pretty(v).map_err(|e| format!("{name}: {e}"))?;
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Runs `discover` and configures the chosen streams: incremental where the stream supports it
/// (so the second sync has a state to resume from), full refresh otherwise.
pub fn catalog(bin: &Path, config: &Path, streams: &Streams) -> Result<Value, String> {
    let out = Command::new(bin)
        .arg("discover")
        .arg("--config")
        .arg(config)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {} discover: {e}", bin.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let found = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|m| m["type"] == "CATALOG")
        .ok_or_else(|| {
            format!(
                "discover printed no CATALOG (exit {:?}):\n{text}",
                out.status.code()
            )
        })?;
    let all = found["catalog"]["streams"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let chosen: Vec<Value> = match streams {
        Streams::All => all,
        Streams::Named(names) => {
            let mut picked = Vec::new();
            for name in names {
                let s = all
                    .iter()
                    .find(|s| s["name"] == name.as_str())
                    .ok_or_else(|| {
                        let known: Vec<&str> =
                            all.iter().filter_map(|s| s["name"].as_str()).collect();
                        format!(
                            "no stream '{name}' in the catalog; streams: {}",
                            known.join(", ")
                        )
                    })?;
                picked.push(s.clone());
            }
            picked
        }
    };
    let configured: Vec<Value> = chosen
        .into_iter()
        .map(|s| {
            let incremental = s["supported_sync_modes"]
                .as_array()
                .is_some_and(|m| m.contains(&json!("incremental")));
            json!({
                "sync_mode": if incremental { "incremental" } else { "full_refresh" },
                "destination_sync_mode": if incremental { "append_dedup" } else { "overwrite" },
                "cursor_field": s["default_cursor_field"].clone(),
                "primary_key": s["source_defined_primary_key"].clone(),
                "stream": s,
            })
        })
        .collect();
    Ok(json!({ "streams": configured }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Cli;

    #[test]
    fn config_names_only_the_pace_the_scenario_sets() {
        let cli = Cli {
            preset: "pace-10".into(),
            ..Cli::default()
        };
        let s = cli.resolve().unwrap();
        let emu = emulator_config(&s);
        let now = "2026-11-20T12:00:00Z".parse().unwrap();
        let c = connector_config(&s, &emu, "http://127.0.0.1:9", now);
        assert_eq!(c["rate_limit_tier"], "basic");
        assert_eq!(c["start_date"], "2026-09-22", "60 days, today included");
        assert!(c.get("requests_per_second").is_none());
        assert!(c.get("concurrency").is_none());
        assert_eq!((emu.qps, emu.qpm), (10, 600));
        assert_eq!((emu.latency.min_ms, emu.latency.max_ms), (100, 200));
    }
}
