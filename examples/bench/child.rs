//! Runs the connector as a child process and measures that process alone: wall time from spawn
//! to exit, and its CPU time and peak RSS as the kernel accounted them when it was reaped
//! (`wait4`). The benchmark and the emulator live in this process, so their CPU never counts.
//!
//! Why a launcher: at `exec`, Linux folds the peak RSS of the memory the process had until then
//! into the new program's `ru_maxrss`. Spawned straight from this process (std spawns with vfork),
//! the connector would inherit this process's peak — the emulator's — whenever that is larger.
//! So a launcher starts it: this executable re-run with `--measure-child`, whose memory is fresh
//! and a few MiB. The launcher reaps the connector with `wait4` and writes the usage to a file,
//! with its own peak beside it: a peak RSS at or below that bound says nothing.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, ExitCode, Stdio};
use std::time::Instant;

use serde::{Deserialize, Serialize};

/// The first argument that turns this executable into the launcher.
pub const LAUNCHER_FLAG: &str = "--measure-child";

/// What the kernel says about one finished child.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    pub wall_s: f64,
    pub user_s: f64,
    pub sys_s: f64,
    /// `ru_maxrss` of the child: its peak resident set, in KiB.
    pub max_rss_kib: u64,
    /// The launcher's own peak RSS (KiB): `max_rss_kib` cannot read below it.
    pub launcher_rss_kib: u64,
    /// Exit status, or `None` when a signal ended it.
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
}

fn seconds(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

/// Waits for `pid` and returns its resource usage. Only this call reaps the child, so the numbers
/// are the child's own (threads included), never a sum over other children.
fn reap(pid: libc::pid_t, started: Instant) -> io::Result<Usage> {
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data; an all-zero value is valid and wait4 overwrites it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals that outlive the call.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let wall_s = started.elapsed().as_secs_f64();
    let (exit_code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    Ok(Usage {
        wall_s,
        user_s: seconds(usage.ru_utime),
        sys_s: seconds(usage.ru_stime),
        // Linux reports ru_maxrss in kilobytes.
        max_rss_kib: usage.ru_maxrss.max(0) as u64,
        launcher_rss_kib: 0,
        exit_code,
        signal,
    })
}

/// Runs `program` with this process's stdin, stdout and stderr, and measures it.
pub fn measure(program: &Path, args: &[OsString]) -> io::Result<Usage> {
    let started = Instant::now();
    let child = Command::new(program).args(args).spawn()?;
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| io::Error::other("child pid out of range"))?;
    // `child` is never waited on through std: wait4 reaps it, with its rusage.
    reap(pid, started)
}

/// This process's peak RSS in KiB (VmHWM).
fn own_peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    crate::machine::field(&status, "VmHWM")
        .and_then(|v| v.trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The launcher: `--measure-child RESULT PROGRAM ARGS...` runs PROGRAM and writes its `Usage` as
/// JSON to RESULT. Exits 0 when it measured the program, whatever the program's own exit code.
pub fn launcher_main(args: &[OsString]) -> ExitCode {
    let (Some(result), Some(program)) = (args.first(), args.get(1)) else {
        eprintln!("bench: {LAUNCHER_FLAG} needs RESULT_FILE PROGRAM [ARGS...]");
        return ExitCode::from(125);
    };
    let measured = measure(Path::new(program), &args[2..]).and_then(|mut usage| {
        usage.launcher_rss_kib = own_peak_rss_kib();
        let json = serde_json::to_string(&usage).map_err(io::Error::other)?;
        std::fs::write(result, json)
    });
    match measured {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: cannot run {}: {e}", Path::new(program).display());
            ExitCode::from(125)
        }
    }
}

/// How to start the connector for one measured run.
pub struct Launch<'a> {
    pub program: &'a Path,
    pub args: Vec<OsString>,
    pub env: Vec<(&'static str, String)>,
    pub stderr: Stdio,
    /// Where the launcher writes the usage.
    pub result: PathBuf,
}

/// Starts the connector through the launcher with stdout piped into `consume` (on its own thread,
/// so the child never blocks on a full pipe) and returns its usage with what `consume` made.
pub fn run<T: Send + 'static>(
    launch: Launch,
    consume: impl FnOnce(ChildStdout) -> T + Send + 'static,
) -> io::Result<(Usage, T)> {
    let launcher = std::env::current_exe()?;
    let _ = std::fs::remove_file(&launch.result);
    let mut child = Command::new(launcher)
        .arg(LAUNCHER_FLAG)
        .arg(&launch.result)
        .arg(launch.program)
        .args(&launch.args)
        .envs(launch.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(launch.stderr)
        .spawn()?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("child stdout was not piped"))?;
    let reader = std::thread::spawn(move || consume(stdout));
    let status = child.wait()?;
    let made = reader
        .join()
        .map_err(|_| io::Error::other("the stdout reader panicked"))?;
    if !status.success() {
        return Err(io::Error::other(format!(
            "the launcher failed ({status}); see its stderr"
        )));
    }
    let text = std::fs::read_to_string(&launch.result)?;
    let usage = serde_json::from_str(&text).map_err(io::Error::other)?;
    Ok((usage, made))
}

/// CPU seconds (user + system) this process has used so far: the in-process emulator and the
/// stdout tally, kept apart from the connector's figures.
pub fn own_cpu_seconds() -> f64 {
    // SAFETY: as in `reap`; getrusage only writes the struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a local.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return 0.0;
    }
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_the_childs_exit_code_and_its_own_cpu() {
        // The child burns CPU in a shell loop; the figures must be the child's, not ours.
        let args: Vec<OsString> = [
            "-c",
            "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; exit 3",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let usage = measure(Path::new("sh"), &args).unwrap();
        assert_eq!(usage.exit_code, Some(3));
        assert!(usage.user_s + usage.sys_s > 0.0, "{usage:?}");
        assert!(usage.max_rss_kib > 0);
        assert!(usage.wall_s >= usage.user_s * 0.5, "{usage:?}");
    }

    #[test]
    fn usage_survives_the_trip_through_the_result_file() {
        let u = Usage {
            wall_s: 1.5,
            user_s: 1.0,
            sys_s: 0.25,
            max_rss_kib: 4096,
            launcher_rss_kib: 2048,
            exit_code: Some(0),
            signal: None,
        };
        let text = serde_json::to_string(&u).unwrap();
        assert_eq!(serde_json::from_str::<Usage>(&text).unwrap(), u);
    }
}
