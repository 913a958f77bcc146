//! The connector benchmark: starts the TikTok emulator in this process at a chosen scale, latency
//! and rate limit, runs the release connector binary as a child process through the Airbyte CLI
//! (`read --config --catalog [--state]`) — a full sync, then, after moving the emulator clock, an
//! incremental one with the first sync's final state — and measures each run: records, requests
//! and their economy (from the emulator's request log), wall time against the rate limit's floor,
//! and the child's own CPU time and peak RSS. It drives only the CLI, so it measures any engine.
//!
//!     scripts/bench pace-10 --json bench-pace-10.json
//!     cargo build --release --bin source-tiktok-ads --example bench
//!     target/release/examples/bench --preset cpu
//!     target/release/examples/bench --advertisers 8 --latency 100:200 --tier basic --streams all

mod child;
mod figures;
mod machine;
mod scenario;
mod setup;
mod tally;

use std::ffi::OsString;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Stdio};

use chrono::{Duration, SecondsFormat};
use clap::Parser;
use serde_json::Value;
use tiktok_emulator::audit::audit;
use tiktok_emulator::{Emulator, EmulatorConfig};

use child::Launch;
use figures::{allowed_rate, RunFigures, SpecFigures, Summary};
use machine::Machine;
use scenario::{Cli, Scenario};
use tally::Tally;

/// The connector built by the same profile as this example: target/<profile>/source-tiktok-ads.
fn default_bin() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.join("source-tiktok-ads"))
}

/// One `read` of the connector against `emu`, measured.
struct Runner<'a> {
    bin: &'a Path,
    dir: &'a Path,
    scenario: &'a Scenario,
    emu_config: &'a EmulatorConfig,
    rate: Option<f64>,
}

impl Runner<'_> {
    fn config(&self, emu: &Emulator, run: &str) -> Result<PathBuf, String> {
        let config =
            setup::connector_config(self.scenario, self.emu_config, &emu.base_url(), emu.now());
        setup::write_json(self.dir, &format!("config-{run}.json"), &config)
    }

    fn read(
        &self,
        emu: &Emulator,
        run: &str,
        catalog: &Path,
        state: Option<&Path>,
    ) -> Result<(RunFigures, Value), String> {
        let config = self.config(emu, run)?;
        let stderr_path = self.dir.join(format!("stderr-{run}.log"));
        let stderr = File::create(&stderr_path)
            .map_err(|e| format!("cannot create {}: {e}", stderr_path.display()))?;
        let mut args: Vec<OsString> = vec![
            "read".into(),
            "--config".into(),
            config.into(),
            "--catalog".into(),
            catalog.into(),
        ];
        if let Some(s) = state {
            args.extend(["--state".into(), s.into()]);
        }
        let launch = Launch {
            program: self.bin,
            args,
            // The connector's "today" is the emulator's clock, as in the tests.
            env: vec![(
                "TIKTOK_ADS_NOW",
                emu.now().to_rfc3339_opts(SecondsFormat::Secs, true),
            )],
            stderr: stderr.into(),
            result: self.dir.join(format!("usage-{run}.json")),
        };
        eprintln!("bench: {run} sync running (load {})…", machine::load());
        let own_cpu_before = child::own_cpu_seconds();
        let (usage, tally) = child::run(launch, Tally::read)
            .map_err(|e| format!("cannot run {}: {e}", self.bin.display()))?;
        let own_cpu = child::own_cpu_seconds() - own_cpu_before;
        let figures = RunFigures::new(
            run,
            &usage,
            &tally,
            &audit(&emu.requests()),
            self.rate,
            own_cpu,
        );
        eprintln!(
            "bench: {run}: {} records, {} requests, {:.1} s, exit {:?}",
            figures.records, figures.requests, figures.wall_s, figures.exit_code
        );
        Ok((figures, tally.final_state()))
    }
}

/// The full sync on a fresh emulator, then the incremental one on another fresh emulator of the
/// same seed (the same data) whose clock has moved on: a new emulator also starts with empty rate
/// windows, as a sync scheduled hours later would meet them.
fn syncs(s: &Scenario, bin: &Path, dir: &Path) -> Result<Vec<RunFigures>, String> {
    let emu_config = setup::emulator_config(s);
    let runner = Runner {
        bin,
        dir,
        scenario: s,
        emu_config: &emu_config,
        rate: allowed_rate(s.emulator_qps, s.emulator_qpm),
    };
    let mut runs = Vec::new();
    let emu = Emulator::start(emu_config.clone());
    let catalog = setup::catalog(bin, &runner.config(&emu, "discover")?, &s.streams)?;
    let catalog = setup::write_json(dir, "catalog.json", &catalog)?;
    let (full, state) = runner.read(&emu, "full", &catalog, None)?;
    let full_ok = full.exit_code == Some(0);
    runs.push(full);
    drop(emu);
    if s.incremental && full_ok {
        let state = setup::write_json(dir, "state.json", &state)?;
        let emu = Emulator::start(emu_config.clone());
        emu.advance(Duration::hours(i64::from(s.advance_hours)));
        let (incremental, _) = runner.read(&emu, "incremental", &catalog, Some(&state))?;
        runs.push(incremental);
    }
    Ok(runs)
}

/// Wall time of `spec` from spawn to exit, `n` times.
fn spec(bin: &Path, dir: &Path, n: u32) -> Result<Option<SpecFigures>, String> {
    let mut usages = Vec::new();
    for _ in 0..n {
        let launch = Launch {
            program: bin,
            args: vec!["spec".into()],
            env: Vec::new(),
            stderr: Stdio::null(),
            result: dir.join("usage-spec.json"),
        };
        let (usage, _) = child::run(launch, |mut out| {
            std::io::copy(&mut out, &mut std::io::sink())
        })
        .map_err(|e| format!("cannot run {} spec: {e}", bin.display()))?;
        usages.push(usage);
    }
    Ok(SpecFigures::new(&usages))
}

fn run(cli: &Cli) -> Result<Summary, String> {
    let scenario = cli.resolve()?;
    let bin = cli
        .bin
        .clone()
        .or_else(default_bin)
        .ok_or("cannot locate the connector binary; pass --bin")?;
    if !bin.is_file() {
        return Err(format!(
            "no connector binary at {}: build it with `cargo build --release --bin source-tiktok-ads` \
             (scripts/bench does), or pass --bin",
            bin.display()
        ));
    }
    let machine = Machine::describe();
    let dir = tempfile::Builder::new()
        .prefix("tiktok-ads-bench-")
        .tempdir()
        .map_err(|e| format!("cannot create a working directory: {e}"))?;
    let runs = if scenario.syncs {
        syncs(&scenario, &bin, dir.path())?
    } else {
        Vec::new()
    };
    let spec = spec(&bin, dir.path(), scenario.spec_runs)?;
    if cli.keep_dir {
        let kept = dir.keep();
        eprintln!("bench: working files kept in {}", kept.display());
    }
    Ok(Summary {
        command: std::env::args().collect::<Vec<_>>().join(" "),
        connector: bin.display().to_string(),
        machine,
        allowed_rate: allowed_rate(scenario.emulator_qps, scenario.emulator_qpm),
        scenario,
        runs,
        spec,
    })
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == child::LAUNCHER_FLAG) {
        return child::launcher_main(&args[2..]);
    }
    let cli = Cli::parse();
    let summary = match run(&cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::from(2);
        }
    };
    print!("{}", figures::render(&summary));
    let json = match serde_json::to_string_pretty(&summary) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("bench: cannot serialise the summary: {e}");
            return ExitCode::from(2);
        }
    };
    println!("{json}");
    if let Some(path) = &cli.json {
        if let Err(e) = std::fs::write(path, format!("{json}\n")) {
            eprintln!("bench: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    let failed = summary.runs.iter().any(|r| r.exit_code != Some(0))
        || summary.spec.as_ref().is_some_and(|s| s.failures > 0);
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
