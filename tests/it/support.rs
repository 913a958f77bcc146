//! Shared test support: an emulator per test, a temp dir per test, the real binary.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tempfile::TempDir;
use tiktok_emulator::{Emulator, EmulatorConfig};

pub const BIN: &str = env!("CARGO_BIN_EXE_source-tiktok-ads");

/// The connector binary under test: this build's, or `SOURCE_TIKTOK_ADS_BIN` (e.g. an older
/// build, to show which tests fail on it).
pub fn bin() -> String {
    std::env::var("SOURCE_TIKTOK_ADS_BIN")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| BIN.to_string())
}

/// How long a run may take before the harness kills it: a connector that never ends fails its
/// test instead of hanging the suite.
pub const RUN_LIMIT: Duration = Duration::from_secs(180);

pub struct Env {
    pub emu: Emulator,
    pub dir: TempDir,
    pub emu_config: EmulatorConfig,
}

/// What one run of the binary printed.
pub struct Run {
    pub code: i32,
    pub lines: Vec<Value>,
    pub stdout: String,
    pub stderr: String,
    /// The harness killed it after its time limit.
    pub timed_out: bool,
}

impl Run {
    pub fn of_type(&self, t: &str) -> Vec<&Value> {
        self.lines.iter().filter(|l| l["type"] == t).collect()
    }
    pub fn records(&self, stream: &str) -> Vec<&Value> {
        self.lines
            .iter()
            .filter(|l| l["type"] == "RECORD" && l["record"]["stream"] == stream)
            .map(|l| &l["record"]["data"])
            .collect()
    }
    pub fn all_records(&self) -> Vec<(&str, &Value)> {
        self.lines
            .iter()
            .filter(|l| l["type"] == "RECORD")
            .map(|l| {
                (
                    l["record"]["stream"].as_str().unwrap(),
                    &l["record"]["data"],
                )
            })
            .collect()
    }
    /// The last STATE per stream, as the platform would pass it to the next run.
    pub fn final_state(&self) -> Value {
        let mut last: BTreeMap<String, Value> = BTreeMap::new();
        for l in self.of_type("STATE") {
            let name = l["state"]["stream"]["stream_descriptor"]["name"]
                .as_str()
                .unwrap()
                .to_string();
            last.insert(name, l["state"].clone());
        }
        Value::Array(last.into_values().collect())
    }
    pub fn statuses(&self, stream: &str) -> Vec<String> {
        self.lines
            .iter()
            .filter(|l| l["type"] == "TRACE" && l["trace"]["type"] == "STREAM_STATUS")
            .filter(|l| l["trace"]["stream_status"]["stream_descriptor"]["name"] == stream)
            .map(|l| {
                l["trace"]["stream_status"]["status"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }
    pub fn errors(&self) -> Vec<&Value> {
        self.lines
            .iter()
            .filter(|l| l["type"] == "TRACE" && l["trace"]["type"] == "ERROR")
            .map(|l| &l["trace"]["error"])
            .collect()
    }
    pub fn connection_status(&self) -> (String, String) {
        let s = self.of_type("CONNECTION_STATUS");
        assert_eq!(
            s.len(),
            1,
            "exactly one CONNECTION_STATUS expected:\n{}",
            self.stdout
        );
        (
            s[0]["connectionStatus"]["status"]
                .as_str()
                .unwrap()
                .to_string(),
            s[0]["connectionStatus"]["message"]
                .as_str()
                .unwrap_or("")
                .to_string(),
        )
    }
}

impl Env {
    pub fn new() -> Env {
        Env::with(EmulatorConfig::default())
    }

    pub fn with(cfg: EmulatorConfig) -> Env {
        let emu = Emulator::start(cfg.clone());
        Env {
            emu,
            dir: tempfile::tempdir().unwrap(),
            emu_config: cfg,
        }
    }

    /// A config for this emulator: the pre-issued token, fast pacing and retries.
    pub fn config(&self, extra: Value) -> Value {
        let mut c = json!({
            "app_id": self.emu_config.app_id,
            "secret": self.emu_config.secret,
            "access_token": self.emu_config.access_token,
            "start_date": (self.emu.now() - chrono::Duration::days(10)).format("%Y-%m-%d").to_string(),
            "api_base_url": self.emu.base_url(),
            "requests_per_second": 1000,
            "requests_per_minute": 60000,
            "backoff_base_ms": 5,
            "max_retry_seconds": 60,
            "request_timeout_seconds": 5,
        });
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    }

    pub fn write(&self, name: &str, v: &Value) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, serde_json::to_string(v).unwrap()).unwrap();
        p
    }

    /// A helper command whose stdout is for people, not the protocol.
    pub fn run_plain(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(bin());
        cmd.args(args).current_dir(self.dir.path());
        let (code, stdout, stderr, timed_out) = run_limited(cmd, RUN_LIMIT);
        Run {
            code,
            lines: Vec::new(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            timed_out,
        }
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[], RUN_LIMIT)
    }

    /// A protocol command with extra environment variables, killed after `limit`. Every stdout
    /// line must be a whole JSON message.
    pub fn run_with(&self, args: &[&str], vars: &[(&str, &str)], limit: Duration) -> Run {
        let mut cmd = self.command(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let (code, stdout, stderr, timed_out) = run_limited(cmd, limit);
        let stdout = String::from_utf8(stdout).expect("stdout is UTF-8");
        let lines = parse_lines(&stdout);
        Run {
            code,
            lines,
            stdout,
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            timed_out,
        }
    }

    /// The connector as a command, in this test's directory, on the emulator's clock.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("TIKTOK_ADS_NOW", self.emu.now().to_rfc3339());
        cmd
    }

    /// The arguments of a read of `catalog` with `config` (and `state`).
    pub fn read_args(&self, config: &Value, catalog: &Value, state: Option<&Value>) -> Vec<String> {
        let c = self.write("config.json", config);
        let k = self.write("catalog.json", catalog);
        let mut args = vec![
            "read".to_string(),
            "--config".into(),
            c.display().to_string(),
            "--catalog".into(),
            k.display().to_string(),
        ];
        if let Some(state) = state {
            let s = self.write("state.json", state);
            args.extend(["--state".to_string(), s.display().to_string()]);
        }
        args
    }

    pub fn check(&self, config: &Value) -> Run {
        let p = self.write("config.json", config);
        self.run(&["check", "--config", p.to_str().unwrap()])
    }

    pub fn discover(&self, config: &Value) -> Vec<Value> {
        let p = self.write("config.json", config);
        let run = self.run(&["discover", "--config", p.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stdout);
        run.of_type("CATALOG")[0]["catalog"]["streams"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// A configured catalog of the named streams (all discovered ones when empty), incremental where possible.
    pub fn catalog(&self, config: &Value, names: &[&str], incremental: bool) -> Value {
        let streams: Vec<Value> = self
            .discover(config)
            .into_iter()
            .filter(|s| names.is_empty() || names.contains(&s["name"].as_str().unwrap()))
            .map(|s| {
                let inc = incremental
                    && s["supported_sync_modes"]
                        .as_array()
                        .unwrap()
                        .contains(&json!("incremental"));
                json!({
                    "stream": s,
                    "sync_mode": if inc { "incremental" } else { "full_refresh" },
                    "destination_sync_mode": if inc { "append_dedup" } else { "overwrite" },
                    "cursor_field": s.get("default_cursor_field").cloned().unwrap_or(json!([])),
                    "primary_key": s["source_defined_primary_key"],
                })
            })
            .collect();
        assert!(
            names.is_empty() || streams.len() == names.len(),
            "unknown stream among {names:?}"
        );
        json!({"streams": streams})
    }

    pub fn read(&self, config: &Value, catalog: &Value, state: Option<&Value>) -> Run {
        self.read_within(config, catalog, state, RUN_LIMIT)
    }

    /// A read killed after `limit` if it has not ended by then.
    pub fn read_within(
        &self,
        config: &Value,
        catalog: &Value,
        state: Option<&Value>,
        limit: Duration,
    ) -> Run {
        let args = self.read_args(config, catalog, state);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run_with(&args, &[], limit)
    }
}

/// Every line a whole JSON message.
pub fn parse_lines(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}"))
        })
        .collect()
}

/// Runs `cmd` to its end or until `limit`, whichever comes first: (exit code, stdout, stderr,
/// killed for the limit). Output is read while it runs, so a full pipe never blocks the child.
pub fn run_limited(mut cmd: Command, limit: Duration) -> (i32, Vec<u8>, Vec<u8>, bool) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the connector");
    let out = drain(child.stdout.take().expect("stdout"));
    let err = drain(child.stderr.take().expect("stderr"));
    let timed_out = wait_limited(&mut child, limit);
    let status = child.wait().expect("wait for the connector");
    let stdout = out.join().expect("stdout reader");
    let stderr = err.join().expect("stderr reader");
    (status.code().unwrap_or(-1), stdout, stderr, timed_out)
}

/// Waits for `child` up to `limit`, then kills it; true when it had to be killed. (The harness
/// polls: a test that hangs must fail, not wait for ever.)
pub fn wait_limited(child: &mut Child, limit: Duration) -> bool {
    let started = Instant::now();
    loop {
        if child.try_wait().expect("poll the connector").is_some() {
            return false;
        }
        if started.elapsed() >= limit {
            let _ = child.kill();
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn drain(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut all = Vec::new();
        let _ = from.read_to_end(&mut all);
        all
    })
}

/// Sends `signal` (e.g. `libc::SIGTERM`) to a running connector.
pub fn signal(child: &Child, signal: i32) {
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: kill(2) on the pid of a child this test started and has not reaped yet.
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill({pid}, {signal})");
}

/// A stand-in for "some other host" on the loopback address: it records every connection and
/// request it gets (to prove none came) and answers each with a plausible TikTok success, so
/// that a client that trusted it would take its body as data.
pub struct Trap {
    pub addr: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
}

/// The advertiser the trap's answer names: a record or account with it came from the trap.
pub const TRAP_ADVERTISER: &str = "6666666666666666666";

impl Trap {
    pub fn start() -> Trap {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the trap");
        let addr = listener.local_addr().expect("trap address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                let body = json!({"code": 0, "message": "OK", "request_id": "trap",
                    "data": {"list": [{"advertiser_id": TRAP_ADVERTISER, "advertiser_name": "Trap",
                        "campaign_id": "6666", "timezone": "UTC", "name": "Trap"}],
                    "page_info": {"page": 1, "page_size": 1000, "total_number": 1, "total_page": 1}}})
                .to_string();
                let _ = write!(
                    conn,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Trap { addr, requests }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What reached the trap: the head of each connection's request (or the first bytes of a
    /// TLS handshake).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

/// Every record valid against its stream's schema, every primary key non-null.
pub fn validate_records(catalog: &Value, run: &Run) {
    let mut validators = BTreeMap::new();
    let mut keys = BTreeMap::new();
    for s in catalog["streams"].as_array().unwrap() {
        let name = s["stream"]["name"].as_str().unwrap().to_string();
        let schema = &s["stream"]["json_schema"];
        validators.insert(
            name.clone(),
            validator(schema).unwrap_or_else(|e| panic!("{name}: {e}")),
        );
        keys.insert(name, s["stream"]["source_defined_primary_key"].clone());
    }
    for (stream, data) in run.all_records() {
        let v = validators
            .get(stream)
            .unwrap_or_else(|| panic!("record of a stream not in the catalog: {stream}"));
        if let Some(e) = v.iter_errors(data).next() {
            panic!(
                "{stream}: record does not match its schema: {e} at {}\n{data}",
                e.instance_path()
            );
        }
        for path in keys[stream].as_array().unwrap() {
            let k = path[0].as_str().unwrap();
            assert!(
                !data[k].is_null(),
                "{stream}: primary key {k} is null in {data}"
            );
        }
    }
}

/// A draft-07 validator that checks formats the way Airbyte's acceptance tests do: `date-time`
/// is RFC 3339, or a timestamp without time zone (`airbyte_type: timestamp_without_timezone`).
pub fn validator(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .with_format("date-time", |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s).is_ok()
                || chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").is_ok()
        })
        .build(schema)
        .map_err(|e| e.to_string())
}

/// Nothing secret in any line but the CONTROL message (which must carry the config), nor in stderr.
pub fn assert_no_secrets(run: &Run, secrets: &[&str]) {
    for line in run.stdout.lines() {
        if line.contains("\"type\":\"CONTROL\"") {
            continue;
        }
        for s in secrets {
            assert!(!line.contains(s), "secret {s:?} printed: {line}");
        }
    }
    for s in secrets {
        assert!(
            !run.stderr.contains(s),
            "secret {s:?} in stderr: {}",
            run.stderr
        );
    }
}

/// Record identities (stream + primary key values), each with how many times it was emitted:
/// a multiset, so that a record emitted twice is seen.
pub fn keys_of(catalog: &Value, run: &Run) -> BTreeMap<String, usize> {
    let mut pk = BTreeMap::new();
    for s in catalog["streams"].as_array().unwrap() {
        pk.insert(
            s["stream"]["name"].as_str().unwrap().to_string(),
            s["stream"]["source_defined_primary_key"].clone(),
        );
    }
    let mut out = BTreeMap::new();
    for (stream, data) in run.all_records() {
        let parts: Vec<String> = pk[stream]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| data[p[0].as_str().unwrap()].to_string())
            .collect();
        *out.entry(format!("{stream}|{}", parts.join("|")))
            .or_default() += 1;
    }
    out
}

/// A connector running in the background, its stdout read line by line as it comes, for tests
/// that stop it (SIGTERM, SIGKILL) at a point of their choosing.
pub struct Live {
    pub child: Child,
    lines: std::sync::mpsc::Receiver<Vec<u8>>,
    out: std::thread::JoinHandle<Vec<u8>>,
    err: std::thread::JoinHandle<Vec<u8>>,
}

/// What a stopped or finished live run printed.
pub struct Ended {
    pub code: Option<i32>,
    /// Every byte of stdout, a partial last line included if there was one.
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub timed_out: bool,
}

impl Ended {
    /// The stdout lines; panics on a half-written line or a line that is not JSON.
    pub fn whole_lines(&self) -> Vec<Value> {
        let text = std::str::from_utf8(&self.stdout).expect("stdout is UTF-8");
        assert!(
            text.is_empty() || text.ends_with('\n'),
            "stdout ends inside a line: {:?}",
            &text[text.len().saturating_sub(200)..]
        );
        parse_lines(text)
    }
}

impl Live {
    pub fn start(mut cmd: Command) -> Live {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the connector");
        let (tx, rx) = std::sync::mpsc::channel();
        let mut stdout = child.stdout.take().expect("stdout");
        let out = std::thread::spawn(move || {
            let mut all = Vec::new();
            let mut line_start = 0;
            let mut buf = [0u8; 64 * 1024];
            loop {
                match stdout.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        all.extend_from_slice(&buf[..n]);
                        while let Some(i) = all[line_start..].iter().position(|b| *b == b'\n') {
                            let end = line_start + i + 1;
                            let _ = tx.send(all[line_start..end].to_vec());
                            line_start = end;
                        }
                    }
                }
            }
            all
        });
        let err = drain(child.stderr.take().expect("stderr"));
        Live {
            child,
            lines: rx,
            out,
            err,
        }
    }

    /// The next whole stdout line, or None when stdout ended or nothing came within `limit`.
    pub fn next_line(&self, limit: Duration) -> Option<Value> {
        let line = self.lines.recv_timeout(limit).ok()?;
        Some(serde_json::from_slice(&line).expect("a whole JSON line"))
    }

    /// Waits until a line satisfies `pred` (true) or stdout ends or `limit` passes (false).
    pub fn wait_for(&self, limit: Duration, mut pred: impl FnMut(&Value) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next_line(left) {
                Some(line) if pred(&line) => return true,
                Some(_) => {}
                None => return false,
            }
        }
    }

    pub fn signal(&self, sig: i32) {
        signal(&self.child, sig);
    }

    /// Waits for the end (killing it after `limit`) and collects what it printed.
    pub fn end(mut self, limit: Duration) -> Ended {
        let timed_out = wait_limited(&mut self.child, limit);
        let status = self.child.wait().expect("wait for the connector");
        Ended {
            code: status.code(),
            stdout: self.out.join().expect("stdout reader"),
            stderr: String::from_utf8_lossy(&self.err.join().expect("stderr reader")).into_owned(),
            timed_out,
        }
    }
}
