//! Runs the connector as a child process and measures that process alone: wall time from spawn
//! to exit, and its CPU time and peak RSS as the kernel accounted them when it was reaped
//! (`wait4`). The benchmark and the emulator live in this process, so they never count.

use std::io;
use std::process::{ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;

/// What the kernel says about one finished child.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Usage {
    pub wall: Duration,
    pub user_s: f64,
    pub sys_s: f64,
    /// `ru_maxrss` of the child: its peak resident set, in KiB.
    pub max_rss_kib: u64,
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
    let wall = started.elapsed();
    let (exit_code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    Ok(Usage {
        wall,
        user_s: seconds(usage.ru_utime),
        sys_s: seconds(usage.ru_stime),
        // Linux reports ru_maxrss in kilobytes.
        max_rss_kib: usage.ru_maxrss.max(0) as u64,
        exit_code,
        signal,
    })
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

/// Spawns `cmd` with stdout piped into `consume` (on its own thread, so the child never blocks on
/// a full pipe while this thread waits) and returns the child's usage with what `consume` made.
pub fn run<T: Send + 'static>(
    cmd: &mut Command,
    consume: impl FnOnce(ChildStdout) -> T + Send + 'static,
) -> io::Result<(Usage, T)> {
    cmd.stdout(Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn()?;
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| io::Error::other("child pid out of range"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io::Error::other("child stdout was not piped"))?;
    let reader = std::thread::spawn(move || consume(stdout));
    // `child` is never waited on through std: wait4 reaps it here, with its rusage.
    let usage = reap(pid, started)?;
    let made = reader
        .join()
        .map_err(|_| io::Error::other("the stdout reader panicked"))?;
    Ok((usage, made))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn reports_the_childs_exit_code_and_its_own_cpu() {
        // The child burns CPU in a shell loop; the figures must be the child's, not ours.
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo done; exit 3",
        ]);
        let (usage, out) = run(&mut cmd, |mut s| {
            let mut text = String::new();
            let _ = s.read_to_string(&mut text);
            text
        })
        .unwrap();
        assert_eq!(out, "done\n");
        assert_eq!(usage.exit_code, Some(3));
        assert!(usage.user_s + usage.sys_s > 0.0, "{usage:?}");
        assert!(usage.max_rss_kib > 0);
    }
}
