//! `tiktok-emulator`: the emulator as a command-line server for demos and benchmarks.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use chrono::{DateTime, Utc};
use clap::Parser;
use tiktok_emulator::config::default_now;
use tiktok_emulator::pixels::ForeignPixels;
use tiktok_emulator::{ClockMode, Emulator, EmulatorConfig, ExtendedConfig, Faults, Latency};

#[derive(Parser, Debug)]
#[command(
    name = "tiktok-emulator",
    version,
    about = "TikTok API for Business v1.3 emulator"
)]
struct Args {
    /// Port on 127.0.0.1 (0 = random). The first stdout line is `listening on http://127.0.0.1:PORT`.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Seed of all generated data, ids, request ids, faults and latency.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 4)]
    advertisers: usize,
    #[arg(long, default_value_t = 3)]
    campaigns_per_advertiser: usize,
    #[arg(long, default_value_t = 2)]
    adgroups_per_campaign: usize,
    #[arg(long, default_value_t = 2)]
    ads_per_adgroup: usize,
    #[arg(long, default_value_t = 5)]
    assets_per_advertiser: usize,
    /// Entities are created over this many days before the clock start.
    #[arg(long, default_value_t = 60)]
    history_days: u32,
    /// Reservation campaigns per advertiser, cycling Reach & Frequency, TopView, Pulse (0 = none).
    #[arg(long, default_value_t = 3)]
    reservation_campaigns_per_advertiser: usize,
    /// Clock start, RFC 3339 (default 2026-11-20T12:00:00Z).
    #[arg(long)]
    now: Option<String>,
    /// Emulated seconds per real second; 0 keeps the clock fixed (moved only by the control endpoint).
    #[arg(long, default_value_t = 0.0)]
    clock_speed: f64,
    /// App-level requests per second (0 = unlimited). Default 10, or 1 with --sandbox.
    #[arg(long)]
    qps: Option<u32>,
    /// App-level requests per minute (0 = unlimited). Default 600, or 30 with --sandbox.
    #[arg(long)]
    qpm: Option<u32>,
    /// Requests per second per advertiser and path (0 = unlimited); a breach answers 40133.
    #[arg(long, default_value_t = 0)]
    advertiser_qps: u32,
    /// Extra latency per request, uniform in MIN:MAX milliseconds.
    #[arg(long, value_name = "MIN:MAX")]
    latency_ms: Option<String>,
    /// Probability of an HTTP-200 API error (codes from --api-error-codes).
    #[arg(long, default_value_t = 0.0)]
    api_error_rate: f64,
    /// Comma-separated codes for --api-error-rate (default 50000,50002,40200,40700).
    #[arg(long, value_delimiter = ',')]
    api_error_codes: Vec<i64>,
    /// Probability of a 40100 answer regardless of the token bucket.
    #[arg(long, default_value_t = 0.0)]
    rate_limit_rate: f64,
    /// Probability of HTTP 500/502/503 with an HTML body.
    #[arg(long = "http-5xx-rate", default_value_t = 0.0)]
    http_5xx_rate: f64,
    /// Probability of closing the connection without a response.
    #[arg(long, default_value_t = 0.0)]
    reset_rate: f64,
    /// Probability of a 200 whose JSON body is cut in the middle.
    #[arg(long, default_value_t = 0.0)]
    truncated_rate: f64,
    /// Probability of answering after --slow-ms.
    #[arg(long, default_value_t = 0.0)]
    slow_rate: f64,
    #[arg(long, default_value_t = 30_000)]
    slow_ms: u64,
    /// Comma-separated endpoint paths faults apply to (e.g. campaign/get/); default all.
    #[arg(long, value_delimiter = ',')]
    fault_paths: Vec<String>,
    /// Stop injecting faults after this many.
    #[arg(long)]
    max_faults: Option<u64>,
    /// Seed of the fault draws (default: --seed).
    #[arg(long)]
    fault_seed: Option<u64>,
    /// Conversions of an hour keep arriving for this many days.
    #[arg(long, default_value_t = 7)]
    late_conversion_days: u32,
    /// Report requests heavier than this get 40067 "query too large".
    #[arg(long)]
    query_too_large: Option<u64>,
    /// Comma-separated metrics the account may not request (reports asking for them get 40002).
    #[arg(long, value_delimiter = ',')]
    rejected_metrics: Vec<String>,
    /// Ads a report covers at most before answering with X-Tt-Ads-Throttle (TikTok: 20000).
    #[arg(long, default_value_t = 20_000)]
    report_ads_cap: usize,
    /// AUDIENCE breakdown data arrives after the dimension's latency (16 h for most dimensions).
    #[arg(long)]
    audience_latency: bool,
    /// The report filter buying_type refuses RESERVATION_TOP_VIEW with other buying types (40002).
    #[arg(long)]
    report_top_view_alone: bool,
    /// What pixel/event/stats/ does with a pixel of another advertiser: omit it, or answer 40001.
    #[arg(long, default_value = "omit", value_parser = ["omit", "error"])]
    foreign_pixels: String,
    /// Upgraded Smart+ campaigns per advertiser.
    #[arg(long, default_value_t = 1)]
    smart_plus_campaigns: usize,
    /// Smart+ ads per Smart+ ad group (each with 2–3 creatives).
    #[arg(long, default_value_t = 2)]
    smart_plus_ads_per_adgroup: usize,
    /// TikTok Shop stores per advertiser (the last one is not available for GMV Max).
    #[arg(long, default_value_t = 2)]
    gmv_max_stores: usize,
    /// GMV Max campaigns per available store.
    #[arg(long, default_value_t = 3)]
    gmv_max_campaigns_per_store: usize,
    /// Hours during which an hour's GMV Max net_cost, orders and gross_revenue keep growing.
    #[arg(long, default_value_t = 48)]
    gmv_max_settle_hours: u32,
    /// gmv_max/report/get/ requests per second per app (0 = unlimited).
    #[arg(long, default_value_t = 8)]
    gmv_max_report_qps: u32,
    /// gmv_max/report/get/ requests per minute per app (0 = unlimited).
    #[arg(long, default_value_t = 240)]
    gmv_max_report_qpm: u32,
    /// Business Centers over the advertisers.
    #[arg(long, default_value_t = 2)]
    business_centers: usize,
    /// Finance role of the pre-issued token's user in its Business Centers: MANAGER, ANALYST or none.
    #[arg(long, default_value = "MANAGER")]
    finance_role: String,
    /// Requests per second per app over the report/task/* endpoints (0 = unlimited).
    #[arg(long, default_value_t = 1)]
    report_task_qps: u32,
    /// Report task creations per advertiser per hour of emulator time (0 = unlimited).
    #[arg(long, default_value_t = 500)]
    report_task_creations_per_hour: u32,
    /// A report task moves one stage every N check calls (0 = checks do not move it).
    #[arg(long, default_value_t = 1)]
    report_task_checks_per_stage: u32,
    /// A report task moves one stage every N seconds of emulator time (0 = time does not move it).
    #[arg(long, default_value_t = 60)]
    report_task_stage_seconds: u64,
    /// Probability that a report task ends FAILED.
    #[arg(long, default_value_t = 0.0)]
    report_task_failure_rate: f64,
    /// report/task/create/ answers 40118 (advertiser not on the allowlist).
    #[arg(long)]
    no_report_task_allowlist: bool,
    /// Sandbox behaviour: no oauth2/advertiser/get/, limits per endpoint, no campaign secondary_status.
    #[arg(long)]
    sandbox: bool,
    #[arg(long, default_value = "7100000000000000001")]
    app_id: String,
    #[arg(long, default_value = "emulator-secret")]
    secret: String,
    /// The pre-issued long-term token that reaches every advertiser.
    #[arg(long, default_value = "emulator-token")]
    access_token: String,
    /// Append every API request to FILE as a JSON line (secrets masked).
    #[arg(long, value_name = "FILE")]
    request_log: Option<std::path::PathBuf>,
    /// Measure the emulator's own throughput over loopback, print the figures and exit.
    #[arg(long)]
    bench_self: bool,
    /// Time budget of --bench-self in seconds.
    #[arg(long, default_value_t = 6)]
    bench_seconds: u64,
    /// Approximate number of ads in the --bench-self world.
    #[arg(long, default_value_t = 2000)]
    bench_ads: usize,
}

fn parse_latency(s: &str) -> Result<Latency, String> {
    let (a, b) = s.split_once(':').unwrap_or((s, s));
    let min = a
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("--latency-ms: '{s}' is not MIN:MAX in milliseconds"))?;
    let max = b
        .trim()
        .parse::<u64>()
        .map_err(|_| format!("--latency-ms: '{s}' is not MIN:MAX in milliseconds"))?;
    if min > max {
        return Err(format!("--latency-ms: MIN {min} is greater than MAX {max}"));
    }
    Ok(Latency {
        min_ms: min,
        max_ms: max,
    })
}

fn config(args: &Args) -> Result<EmulatorConfig, String> {
    let now: DateTime<Utc> = match &args.now {
        None => default_now(),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map_err(|e| format!("--now: '{s}' is not an RFC 3339 time ({e})"))?
            .with_timezone(&Utc),
    };
    let rates = [
        ("--api-error-rate", args.api_error_rate),
        ("--rate-limit-rate", args.rate_limit_rate),
        ("--http-5xx-rate", args.http_5xx_rate),
        ("--reset-rate", args.reset_rate),
        ("--truncated-rate", args.truncated_rate),
        ("--slow-rate", args.slow_rate),
        ("--report-task-failure-rate", args.report_task_failure_rate),
    ];
    for (name, r) in rates {
        if !(0.0..=1.0).contains(&r) {
            return Err(format!("{name}: {r} is not a probability between 0 and 1"));
        }
    }
    if !args.clock_speed.is_finite() || args.clock_speed < 0.0 {
        return Err(format!(
            "--clock-speed: {} must be 0 or a positive number",
            args.clock_speed
        ));
    }
    let (qps, qpm) = if args.sandbox { (1, 30) } else { (10, 600) };
    let finance_role = match args.finance_role.to_ascii_uppercase().as_str() {
        "NONE" | "" => None,
        r @ ("MANAGER" | "ANALYST") => Some(r.to_string()),
        _ => {
            return Err(format!(
                "--finance-role: '{}' must be MANAGER, ANALYST or none",
                args.finance_role
            ))
        }
    };
    Ok(EmulatorConfig {
        seed: args.seed,
        advertisers: args.advertisers,
        campaigns_per_advertiser: args.campaigns_per_advertiser,
        adgroups_per_campaign: args.adgroups_per_campaign,
        ads_per_adgroup: args.ads_per_adgroup,
        assets_per_advertiser: args.assets_per_advertiser,
        history_days: args.history_days,
        reservation_campaigns_per_advertiser: args.reservation_campaigns_per_advertiser,
        now,
        clock: if args.clock_speed > 0.0 {
            ClockMode::Advancing {
                speed: args.clock_speed,
            }
        } else {
            ClockMode::Fixed
        },
        app_id: args.app_id.clone(),
        secret: args.secret.clone(),
        access_token: args.access_token.clone(),
        sandbox: args.sandbox,
        qps: args.qps.unwrap_or(qps),
        qpm: args.qpm.unwrap_or(qpm),
        advertiser_qps: args.advertiser_qps,
        faults: Faults {
            seed: args.fault_seed.unwrap_or(args.seed),
            api_error_rate: args.api_error_rate,
            api_error_codes: args.api_error_codes.clone(),
            rate_limit_rate: args.rate_limit_rate,
            http_5xx_rate: args.http_5xx_rate,
            reset_rate: args.reset_rate,
            truncated_rate: args.truncated_rate,
            slow_rate: args.slow_rate,
            slow_ms: args.slow_ms,
            only_paths: args.fault_paths.clone(),
            max_faults: args.max_faults,
        },
        latency: match &args.latency_ms {
            Some(s) => parse_latency(s)?,
            None => Latency::default(),
        },
        late_conversion_days: args.late_conversion_days,
        query_too_large_threshold: args.query_too_large,
        rejected_metrics: args.rejected_metrics.clone(),
        report_ads_cap: args.report_ads_cap,
        audience_latency: args.audience_latency,
        report_top_view_alone: args.report_top_view_alone,
        foreign_pixels: ForeignPixels::parse(&args.foreign_pixels).ok_or_else(|| {
            format!(
                "--foreign-pixels: '{}' is not omit or error",
                args.foreign_pixels
            )
        })?,
        extended: ExtendedConfig {
            smart_plus_campaigns_per_advertiser: args.smart_plus_campaigns,
            smart_plus_ads_per_adgroup: args.smart_plus_ads_per_adgroup,
            gmv_max_stores_per_advertiser: args.gmv_max_stores,
            gmv_max_campaigns_per_store: args.gmv_max_campaigns_per_store,
            gmv_max_settle_hours: args.gmv_max_settle_hours,
            gmv_max_report_qps: args.gmv_max_report_qps,
            gmv_max_report_qpm: args.gmv_max_report_qpm,
            business_centers: args.business_centers,
            finance_role,
            report_task_qps: args.report_task_qps,
            report_task_creations_per_hour: args.report_task_creations_per_hour,
            report_task_checks_per_stage: args.report_task_checks_per_stage,
            report_task_stage_seconds: args.report_task_stage_seconds,
            report_task_failure_rate: args.report_task_failure_rate,
            report_tasks_allowlisted: !args.no_report_task_allowlist,
        },
    })
}

fn bench(args: &Args) -> ExitCode {
    let budget = Duration::from_secs(args.bench_seconds.clamp(1, 120));
    match tiktok_emulator::bench::run(budget, args.bench_ads) {
        Ok(f) => {
            println!(
                "tiktok-emulator self-benchmark ({} ads, {}s budget, loopback)",
                f.ads,
                budget.as_secs()
            );
            println!("entity requests (campaign/get, 2 keep-alive clients): {} in total, {:.0} requests/s", f.entity_requests, f.entity_requests_per_sec);
            println!(
                "report rows over HTTP (page_size 1000): {} rows, {:.0} rows/s",
                f.report_rows_http, f.report_rows_per_sec_http
            );
            println!(
                "report rows in process (report::rows): {} rows, {:.0} rows/s",
                f.report_rows_in_process, f.report_rows_per_sec_in_process
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tiktok-emulator: benchmark failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.bench_self {
        return bench(&args);
    }
    let cfg = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tiktok-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    let emu = match Emulator::bind(cfg.clone(), &format!("127.0.0.1:{}", args.port)) {
        Ok(e) => e,
        Err(e) => {
            eprintln!(
                "tiktok-emulator: cannot listen on 127.0.0.1:{}: {e}",
                args.port
            );
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = &args.request_log {
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(f) => emu.log_requests_to(f),
            Err(e) => {
                eprintln!(
                    "tiktok-emulator: cannot open request log {}: {e}",
                    path.display()
                );
                return ExitCode::FAILURE;
            }
        }
    }
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on {}", emu.base_url());
    let _ = out.flush();
    eprintln!(
        "tiktok-emulator: seed {}, {} advertisers, clock {}, app {} (qps {}, qpm {}), control at {}/_emulator/",
        cfg.seed,
        cfg.advertisers,
        cfg.now.to_rfc3339(),
        cfg.app_id,
        cfg.qps,
        cfg.qpm,
        emu.base_url()
    );
    emu.wait();
    ExitCode::SUCCESS
}
