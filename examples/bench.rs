//! Connector throughput against the emulator, in one process: a full sync of large report
//! streams, output written to a counting sink. Prints records/s, requests/s and bytes/s.
//!
//!     cargo run --release --example bench [-- --ads-per-adgroup 20 --days 30 --concurrency 4]

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use serde_json::{json, Value};
use source_tiktok_ads::commands;
use source_tiktok_ads::read::writer::{Captured, Output};
use tiktok_emulator::{Emulator, EmulatorConfig};

/// Counts lines and bytes; keeps nothing, so memory shows the connector, not the output.
#[derive(Clone, Default)]
struct Counter {
    lines: Arc<AtomicU64>,
    bytes: Arc<AtomicU64>,
}

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
        self.lines.fetch_add(
            buf.iter().filter(|b| **b == b'\n').count() as u64,
            Ordering::Relaxed,
        );
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(String::from)
        })
        .and_then(|l| {
            l.split_whitespace()
                .nth(1)
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kib| kib / 1024.0)
        .unwrap_or(0.0)
}

#[tokio::main]
async fn main() {
    let days = arg("--days", 30);
    let emu_config = EmulatorConfig {
        advertisers: arg("--advertisers", 4) as usize,
        campaigns_per_advertiser: arg("--campaigns", 5) as usize,
        adgroups_per_campaign: arg("--adgroups", 4) as usize,
        ads_per_adgroup: arg("--ads-per-adgroup", 10) as usize,
        history_days: days as u32 + 5,
        ..EmulatorConfig::default()
    };
    let emu = Emulator::start(emu_config.clone());
    let dir = std::env::temp_dir().join(format!("tiktok-ads-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = json!({
        "app_id": emu_config.app_id, "secret": emu_config.secret, "access_token": emu_config.access_token,
        "start_date": (emu.now() - chrono::Duration::days(days as i64 - 1)).format("%Y-%m-%d").to_string(),
        "api_base_url": emu.base_url(), "requests_per_second": 1000, "requests_per_minute": 60000,
        "concurrency": arg("--concurrency", 4),
    });
    let config_path = dir.join("config.json");
    std::fs::write(&config_path, config.to_string()).expect("write config");
    let cap = Captured::default();
    let (out, writer) = Output::start(Box::new(cap.clone()));
    commands::discover(&config_path, &out).await;
    out.close().await;
    writer.join();
    let wanted = [
        "ads",
        "ads_reports_daily",
        "ads_reports_hourly",
        "ads_audience_reports_daily",
    ];
    let streams: Vec<Value> = cap.lines()[0]["catalog"]["streams"]
        .as_array()
        .expect("catalog")
        .iter()
        .filter(|s| wanted.contains(&s["name"].as_str().unwrap_or("")))
        .map(|s| json!({"stream": s, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}))
        .collect();
    let catalog_path = dir.join("catalog.json");
    std::fs::write(&catalog_path, json!({"streams": streams}).to_string()).expect("write catalog");

    let counter = Counter::default();
    // Buffered like stdout is in the binary.
    let (out, writer) = Output::start(Box::new(counter.clone()));
    let started = Instant::now();
    let code = commands::read(
        &config_path,
        &catalog_path,
        None,
        emu.now(),
        &out,
        std::future::pending(),
    )
    .await;
    out.close().await;
    writer.join();
    let secs = started.elapsed().as_secs_f64();
    let lines = counter.lines.load(Ordering::Relaxed);
    let bytes = counter.bytes.load(Ordering::Relaxed);
    let log = emu.requests();
    let requests = log.len();
    let server_ms: u64 = log.iter().map(|r| r.latency_ms).sum();
    println!("streams: {}", wanted.join(", "));
    println!(
        "ads: {}, days: {days}, exit code {code}",
        emu.world().ads.len()
    );
    println!(
        "{lines} lines ({:.1} MiB) in {secs:.2}s: {:.0} lines/s, {:.1} MiB/s",
        bytes as f64 / 1048576.0,
        lines as f64 / secs,
        bytes as f64 / 1048576.0 / secs
    );
    println!(
        "{requests} requests: {:.0} requests/s",
        requests as f64 / secs
    );
    println!(
        "time inside the emulator (sum of its request latencies): {:.2}s; with --concurrency 1 the rest, {:.2}s, is the connector",
        server_ms as f64 / 1000.0,
        secs - server_ms as f64 / 1000.0
    );
    println!(
        "peak RSS (connector and emulator in one process): {:.0} MiB",
        peak_rss_mib()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
