//! The figures of a benchmark and their arithmetic: floor, ratios, per-CPU-second rates, the
//! JSON summary and its printed table. Pure functions of measured inputs.

use std::collections::BTreeMap;

use serde::Serialize;
use tiktok_emulator::audit::Audit;

use crate::child::Usage;
use crate::machine::Machine;
use crate::scenario::Scenario;
use crate::tally::Tally;

/// Requests per second the emulator allows: the tighter of its per-second and per-minute limits
/// (a per-minute limit of `m` allows `m / 60` per second on average). `None` without a limit.
pub fn allowed_rate(qps: u32, qpm: u32) -> Option<f64> {
    let per_second = (qps > 0).then_some(qps as f64);
    let from_minute = (qpm > 0).then_some(qpm as f64 / 60.0);
    match (per_second, from_minute) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The shortest time the requests could take at the allowed rate: requests ÷ rate.
pub fn floor_seconds(requests: u64, rate: Option<f64>) -> Option<f64> {
    rate.filter(|r| *r > 0.0).map(|r| requests as f64 / r)
}

fn ratio(a: f64, b: Option<f64>) -> Option<f64> {
    b.filter(|b| *b > 0.0).map(|b| a / b)
}

pub fn median(mut xs: Vec<f64>) -> Option<f64> {
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(xs[n / 2]),
        _ => Some((xs[n / 2 - 1] + xs[n / 2]) / 2.0),
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// One sync, measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunFigures {
    pub run: String,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub records: u64,
    pub records_per_stream: BTreeMap<String, u64>,
    pub output_mib: f64,
    pub requests: u64,
    pub duplicate_requests: u64,
    pub retried_requests: u64,
    pub pages_past_end: u64,
    /// duplicate_requests + pages_past_end: requests the data did not need.
    pub excess_requests: u64,
    pub throttled: u64,
    pub failed_requests: u64,
    pub wall_s: f64,
    /// requests ÷ the emulator's allowed rate; null when it enforces no limit.
    pub floor_s: Option<f64>,
    pub wall_over_floor: Option<f64>,
    pub requests_per_s: f64,
    pub cpu_user_s: f64,
    pub cpu_sys_s: f64,
    pub cpu_s: f64,
    pub records_per_cpu_s: Option<f64>,
    pub peak_rss_mib: f64,
    /// The launcher's own peak: `peak_rss_mib` cannot read below it.
    pub launcher_peak_rss_mib: f64,
    /// CPU of the benchmark process during the run: the emulator serving it and the stdout
    /// tally. Not the connector's; it shows how much of the shared cores the emulator took.
    pub emulator_and_bench_cpu_s: f64,
    pub error_traces: u64,
    pub error_messages: Vec<String>,
    pub duplicate_examples: Vec<String>,
}

impl RunFigures {
    pub fn new(
        run: &str,
        usage: &Usage,
        tally: &Tally,
        audit: &Audit,
        rate: Option<f64>,
        emulator_cpu_s: f64,
    ) -> Self {
        let wall = usage.wall_s;
        let cpu = usage.user_s + usage.sys_s;
        let floor = floor_seconds(audit.requests, rate);
        RunFigures {
            run: run.to_string(),
            exit_code: usage.exit_code,
            signal: usage.signal,
            records: tally.records,
            records_per_stream: tally.records_per_stream.clone(),
            output_mib: round(tally.bytes as f64 / 1048576.0, 1),
            requests: audit.requests,
            duplicate_requests: audit.duplicates,
            retried_requests: audit.retries,
            pages_past_end: audit.pages_past_end,
            excess_requests: audit.excess(),
            throttled: audit.throttled,
            failed_requests: audit.failed,
            wall_s: round(wall, 3),
            floor_s: floor.map(|f| round(f, 3)),
            wall_over_floor: ratio(wall, floor).map(|r| round(r, 3)),
            requests_per_s: round(ratio(audit.requests as f64, Some(wall)).unwrap_or(0.0), 2),
            cpu_user_s: round(usage.user_s, 3),
            cpu_sys_s: round(usage.sys_s, 3),
            cpu_s: round(cpu, 3),
            records_per_cpu_s: ratio(tally.records as f64, Some(cpu)).map(f64::round),
            peak_rss_mib: round(usage.max_rss_kib as f64 / 1024.0, 1),
            launcher_peak_rss_mib: round(usage.launcher_rss_kib as f64 / 1024.0, 1),
            emulator_and_bench_cpu_s: round(emulator_cpu_s, 3),
            error_traces: tally.error_traces,
            error_messages: tally.error_messages.clone(),
            duplicate_examples: audit.duplicate_examples.clone(),
        }
    }
}

/// `spec`, run a number of times.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpecFigures {
    pub runs: usize,
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub peak_rss_mib: f64,
    pub failures: usize,
}

impl SpecFigures {
    pub fn new(usages: &[Usage]) -> Option<SpecFigures> {
        let ms: Vec<f64> = usages.iter().map(|u| u.wall_s * 1000.0).collect();
        Some(SpecFigures {
            runs: usages.len(),
            median_ms: round(median(ms.clone())?, 2),
            min_ms: round(ms.iter().copied().fold(f64::INFINITY, f64::min), 2),
            max_ms: round(ms.iter().copied().fold(0.0, f64::max), 2),
            peak_rss_mib: round(
                usages.iter().map(|u| u.max_rss_kib).max().unwrap_or(0) as f64 / 1024.0,
                1,
            ),
            failures: usages.iter().filter(|u| u.exit_code != Some(0)).count(),
        })
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub command: String,
    pub connector: String,
    pub machine: Machine,
    pub scenario: Scenario,
    /// The emulator's allowed rate used for the floor (requests/s); null when unlimited.
    pub allowed_rate: Option<f64>,
    pub runs: Vec<RunFigures>,
    pub spec: Option<SpecFigures>,
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or("—".to_string(), |v| format!("{v:.digits$}"))
}

/// One cell of the printed table.
type Cell = fn(&RunFigures) -> String;

/// At most `max` characters of `s`, with an ellipsis when cut.
fn shorten(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A human-readable table: one column per run.
pub fn render(s: &Summary) -> String {
    let mut out = String::new();
    let m = &s.machine;
    out.push_str(&format!(
        "machine: {} cores, {} ({} MiB), load {} at start\n",
        m.cores, m.model, m.memory_mib, m.load_at_start
    ));
    out.push_str(&format!("connector: {}\n", s.connector));
    let sc = &s.scenario;
    out.push_str(&format!(
        "preset {}: {} accounts × {}×{}×{} ads, {} report days, latency {}, emulator limit {}/s {}/min, allowed rate {}\n",
        sc.preset,
        sc.advertisers,
        sc.campaigns_per_advertiser,
        sc.adgroups_per_campaign,
        sc.ads_per_adgroup,
        sc.report_days,
        sc.latency_ms.map_or("none".into(), |(a, b)| format!("{a}–{b} ms")),
        sc.emulator_qps,
        sc.emulator_qpm,
        opt(s.allowed_rate, 2),
    ));
    if !s.runs.is_empty() {
        let rows: [(&str, Cell); 18] = [
            ("exit code", |r| {
                r.exit_code
                    .map_or(format!("signal {:?}", r.signal), |c| c.to_string())
            }),
            ("records", |r| r.records.to_string()),
            ("requests", |r| r.requests.to_string()),
            ("duplicate requests", |r| r.duplicate_requests.to_string()),
            ("  of which retries", |r| r.retried_requests.to_string()),
            ("pages past the end", |r| r.pages_past_end.to_string()),
            ("excess requests", |r| r.excess_requests.to_string()),
            ("throttled (40100/40133)", |r| r.throttled.to_string()),
            ("failed answers", |r| r.failed_requests.to_string()),
            ("wall s", |r| format!("{:.2}", r.wall_s)),
            ("floor s", |r| opt(r.floor_s, 2)),
            ("wall ÷ floor", |r| opt(r.wall_over_floor, 3)),
            ("requests/s", |r| format!("{:.1}", r.requests_per_s)),
            ("connector CPU s (user+sys)", |r| format!("{:.2}", r.cpu_s)),
            ("records per CPU-second", |r| opt(r.records_per_cpu_s, 0)),
            ("connector peak RSS MiB", |r| {
                format!("{:.1}", r.peak_rss_mib)
            }),
            ("emulator+bench CPU s", |r| {
                format!("{:.2}", r.emulator_and_bench_cpu_s)
            }),
            ("ERROR traces", |r| r.error_traces.to_string()),
        ];
        out.push_str(&format!("{:<28}", ""));
        for r in &s.runs {
            out.push_str(&format!("{:>14}", r.run));
        }
        out.push('\n');
        for (label, f) in &rows {
            out.push_str(&format!("{label:<28}"));
            for r in &s.runs {
                out.push_str(&format!("{:>14}", f(r)));
            }
            out.push('\n');
        }
        for r in &s.runs {
            for e in &r.error_messages {
                out.push_str(&format!("{} error: {e}\n", r.run));
            }
            for d in &r.duplicate_examples {
                out.push_str(&format!("{} duplicate: {}\n", r.run, shorten(d, 160)));
            }
            if r.peak_rss_mib <= r.launcher_peak_rss_mib {
                out.push_str(&format!(
                    "{}: peak RSS is at the launcher's own ({:.1} MiB): read it as \"at most that\"\n",
                    r.run, r.launcher_peak_rss_mib
                ));
            }
        }
    }
    if let Some(sp) = &s.spec {
        out.push_str(&format!(
            "spec: median {:.1} ms over {} runs (min {:.1}, max {:.1}), peak RSS {:.1} MiB, {} failed\n",
            sp.median_ms, sp.runs, sp.min_ms, sp.max_ms, sp.peak_rss_mib, sp.failures
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_uses_the_tighter_limit() {
        assert_eq!(allowed_rate(10, 600), Some(10.0));
        assert_eq!(
            allowed_rate(50, 600),
            Some(10.0),
            "600/min is tighter than 50/s"
        );
        assert_eq!(allowed_rate(5, 600), Some(5.0));
        assert_eq!(allowed_rate(0, 120), Some(2.0));
        assert_eq!(allowed_rate(20, 0), Some(20.0));
        assert_eq!(allowed_rate(0, 0), None);
        assert_eq!(floor_seconds(2000, allowed_rate(20, 1200)), Some(100.0));
        assert_eq!(floor_seconds(2000, None), None);
    }

    #[test]
    fn long_lines_are_cut_on_a_character_boundary() {
        assert_eq!(shorten("abc", 3), "abc");
        assert_eq!(shorten("ÿÿÿÿ", 2), "ÿÿ…");
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }

    fn sample() -> RunFigures {
        let usage = Usage {
            wall_s: 12.5,
            user_s: 1.5,
            sys_s: 0.5,
            max_rss_kib: 20480,
            launcher_rss_kib: 3072,
            exit_code: Some(0),
            signal: None,
        };
        let mut tally = Tally::default();
        for _ in 0..3 {
            tally.line(br#"{"type":"RECORD","record":{"stream":"ads","data":{}}}"#);
        }
        let audit = Audit {
            requests: 100,
            duplicates: 2,
            retries: 1,
            pages_past_end: 3,
            throttled: 1,
            failed: 1,
            duplicate_examples: vec!["GET /x?page=1".into()],
        };
        RunFigures::new("full", &usage, &tally, &audit, allowed_rate(10, 600), 3.0)
    }

    #[test]
    fn run_figures_derive_floor_ratio_and_cpu_rates() {
        let r = sample();
        assert_eq!(r.floor_s, Some(10.0));
        assert_eq!(r.wall_over_floor, Some(1.25));
        assert_eq!(r.excess_requests, 5);
        assert_eq!(r.cpu_s, 2.0);
        assert_eq!(
            r.records_per_cpu_s,
            Some(2.0),
            "3 records / 2 CPU-seconds, rounded"
        );
        assert_eq!(r.peak_rss_mib, 20.0);
        assert_eq!(r.launcher_peak_rss_mib, 3.0);
        assert_eq!(r.requests_per_s, 8.0);
    }

    #[test]
    fn json_summary_carries_every_figure_by_name() {
        let v = serde_json::to_value(sample()).unwrap();
        assert_eq!(v["run"], "full");
        assert_eq!(v["records"], 3);
        assert_eq!(v["records_per_stream"]["ads"], 3);
        assert_eq!(v["requests"], 100);
        assert_eq!(v["duplicate_requests"], 2);
        assert_eq!(v["throttled"], 1);
        assert_eq!(v["wall_s"], 12.5);
        assert_eq!(v["floor_s"], 10.0);
        assert_eq!(v["wall_over_floor"], 1.25);
        assert_eq!(v["peak_rss_mib"], 20.0);
        assert_eq!(v["exit_code"], 0);
        // Without a limit there is no floor: null, not a made-up number.
        let usage = Usage::default();
        let unlimited =
            RunFigures::new("x", &usage, &Tally::default(), &Audit::default(), None, 0.0);
        let v = serde_json::to_value(unlimited).unwrap();
        assert!(v["floor_s"].is_null() && v["wall_over_floor"].is_null());
        assert!(v["records_per_cpu_s"].is_null(), "no CPU time, no rate");
    }
}
