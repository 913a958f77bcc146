//! One-command demo: starts the bundled TikTok API emulator, discovers every stream, syncs all
//! of them (incremental where possible) and prints a per-stream summary.
//!
//!     cargo run --release --example demo

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde_json::{json, Value};
use source_tiktok_ads::commands;
use source_tiktok_ads::read::writer::{Captured, Output};
use tiktok_emulator::{Emulator, EmulatorConfig};

fn write(dir: &Path, name: &str, v: &Value) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).expect("json")).expect("write a temp file");
    p
}

#[tokio::main]
async fn main() {
    let emu_config = EmulatorConfig::default();
    let emu = Emulator::start(emu_config.clone());
    let now = emu.now();
    let dir = std::env::temp_dir().join(format!("tiktok-ads-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = json!({
        "app_id": emu_config.app_id,
        "secret": emu_config.secret,
        "access_token": emu_config.access_token,
        "start_date": (now - chrono::Duration::days(30)).format("%Y-%m-%d").to_string(),
        "include_deleted": true,
        "api_base_url": emu.base_url(),
        "requests_per_second": 200,
        "requests_per_minute": 12000,
    });
    let config_path = write(&dir, "config.json", &config);
    println!(
        "TikTok API emulator at {} (seed {}, clock {now})",
        emu.base_url(),
        emu_config.seed
    );

    let cap = Captured::default();
    let (out, writer) = Output::start(Box::new(cap.clone()));
    commands::check(&config_path, &out).await;
    commands::discover(&config_path, &out).await;
    out.close().await;
    writer.join();
    let lines = cap.lines();
    let status = lines
        .iter()
        .find(|l| l["type"] == "CONNECTION_STATUS")
        .expect("check answered");
    println!(
        "check: {} — {}",
        status["connectionStatus"]["status"],
        status["connectionStatus"]["message"].as_str().unwrap_or("")
    );
    let streams = lines
        .iter()
        .find(|l| l["type"] == "CATALOG")
        .expect("discover answered")["catalog"]["streams"]
        .clone();
    let configured: Vec<Value> = streams
        .as_array()
        .expect("streams")
        .iter()
        .map(|s| {
            let inc = s["supported_sync_modes"]
                .as_array()
                .is_some_and(|m| m.contains(&json!("incremental")));
            json!({"stream": s, "sync_mode": if inc {"incremental"} else {"full_refresh"},
                   "destination_sync_mode": if inc {"append_dedup"} else {"overwrite"},
                   "primary_key": s["source_defined_primary_key"]})
        })
        .collect();
    let catalog_path = write(&dir, "catalog.json", &json!({"streams": configured}));

    let cap = Captured::default();
    let (out, writer) = Output::start(Box::new(cap.clone()));
    let started = Instant::now();
    let code = commands::read(
        &config_path,
        &catalog_path,
        None,
        now,
        &out,
        std::future::pending(),
    )
    .await;
    out.close().await;
    writer.join();
    let elapsed = started.elapsed();
    let lines = cap.lines();

    let mut records: BTreeMap<String, u64> = BTreeMap::new();
    let mut states: BTreeMap<String, Value> = BTreeMap::new();
    let mut statuses: BTreeMap<String, String> = BTreeMap::new();
    for l in &lines {
        match l["type"].as_str() {
            Some("RECORD") => {
                *records
                    .entry(l["record"]["stream"].as_str().unwrap_or("").into())
                    .or_default() += 1
            }
            Some("STATE") => {
                let name = l["state"]["stream"]["stream_descriptor"]["name"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                states.insert(name, l["state"]["stream"]["stream_state"].clone());
            }
            Some("TRACE") if l["trace"]["type"] == "STREAM_STATUS" => {
                let s = &l["trace"]["stream_status"];
                statuses.insert(
                    s["stream_descriptor"]["name"].as_str().unwrap_or("").into(),
                    s["status"].as_str().unwrap_or("").into(),
                );
            }
            _ => {}
        }
    }
    // The column fits the longest stream name.
    let width = streams
        .as_array()
        .expect("streams")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or("").len())
        .max()
        .unwrap_or(0)
        .max("stream".len());
    println!(
        "\n{:<width$} {:>9}  {:<10} final state",
        "stream", "records", "status"
    );
    for s in streams.as_array().expect("streams") {
        let name = s["name"].as_str().unwrap_or("");
        let state = states
            .get(name)
            .map(summarize_state)
            .unwrap_or_else(|| "-".into());
        println!(
            "{name:<width$} {:>9}  {:<10} {state}",
            records.get(name).copied().unwrap_or(0),
            statuses.get(name).map(String::as_str).unwrap_or("-")
        );
    }
    let total: u64 = records.values().sum();
    let requests = emu.requests().len();
    println!(
        "\n{} streams, {total} records, {requests} API requests, {:.1}s, exit code {code}",
        records.len().max(states.len()),
        elapsed.as_secs_f64()
    );
    for l in lines
        .iter()
        .filter(|l| l["type"] == "TRACE" && l["trace"]["type"] == "ERROR")
    {
        println!("error: {}", l["trace"]["error"]["message"]);
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::process::exit(code);
}

/// One line per stream: the cursor per account, shortened.
fn summarize_state(state: &Value) -> String {
    match state.get("accounts").and_then(Value::as_object) {
        Some(accounts) if !accounts.is_empty() => {
            let cursors: Vec<String> = accounts
                .iter()
                .map(|(id, c)| {
                    let v = c
                        .as_object()
                        .and_then(|o| o.values().next())
                        .and_then(Value::as_str)
                        .unwrap_or("?");
                    format!("…{}={v}", &id[id.len().saturating_sub(4)..])
                })
                .collect();
            cursors.join(" ")
        }
        _ => state.to_string(),
    }
}
