//! Shared test support: an emulator per test, a temp dir per test, the real binary.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};
use tempfile::TempDir;
use tiktok_emulator::{Emulator, EmulatorConfig};

pub const BIN: &str = env!("CARGO_BIN_EXE_source-tiktok-ads");

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
        let out = Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run the connector");
        let stdout = String::from_utf8(out.stdout).unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            lines: Vec::new(),
            stdout,
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(self.dir.path())
            .env("TIKTOK_ADS_NOW", self.emu.now().to_rfc3339())
            .output()
            .expect("run the connector");
        let stdout = String::from_utf8(out.stdout).unwrap();
        let lines = stdout
            .lines()
            .map(|l| {
                serde_json::from_str::<Value>(l)
                    .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {l}"))
            })
            .collect();
        Run {
            code: out.status.code().unwrap_or(-1),
            lines,
            stdout,
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
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
        let c = self.write("config.json", config);
        let k = self.write("catalog.json", catalog);
        let mut args = vec![
            "read",
            "--config",
            c.to_str().unwrap(),
            "--catalog",
            k.to_str().unwrap(),
        ];
        let s;
        if let Some(state) = state {
            s = self.write("state.json", state);
            args.extend(["--state", s.to_str().unwrap()]);
        }
        self.run(&args)
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

/// Record identity: stream + primary key values.
pub fn keys_of(catalog: &Value, run: &Run) -> std::collections::BTreeSet<String> {
    let mut pk = BTreeMap::new();
    for s in catalog["streams"].as_array().unwrap() {
        pk.insert(
            s["stream"]["name"].as_str().unwrap().to_string(),
            s["stream"]["source_defined_primary_key"].clone(),
        );
    }
    run.all_records()
        .into_iter()
        .map(|(stream, data)| {
            let parts: Vec<String> = pk[stream]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| data[p[0].as_str().unwrap()].to_string())
                .collect();
            format!("{stream}|{}", parts.join("|"))
        })
        .collect()
}
