//! The `tiktok-emulator` binary: startup line, options, control endpoint, request log file.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use tiktok_emulator::client::Client;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tiktok-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn tiktok-emulator");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    (Running(child), url)
}

#[test]
fn binary_serves_controls_and_logs_requests() {
    let log_path =
        std::env::temp_dir().join(format!("tiktok-emulator-test-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&log_path);
    let log_arg = log_path.to_string_lossy().to_string();
    let (_child, url) = start(&[
        "--port",
        "0",
        "--seed",
        "7",
        "--advertisers",
        "2",
        "--qps",
        "0",
        "--qpm",
        "0",
        "--now",
        "2026-06-01T00:00:00Z",
        "--request-log",
        &log_arg,
    ]);
    let mut c = Client::new(&url).unwrap();
    let v = c.get("/open_api/v1.3/oauth2/advertiser/get/?app_id=7100000000000000001&secret=emulator-secret", Some("emulator-token")).unwrap().json().unwrap();
    let list = v["data"]["list"].as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    assert!(v["request_id"]
        .as_str()
        .unwrap()
        .starts_with("20260601000000"));
    let adv = list[0]["advertiser_id"].as_str().unwrap();
    let v = c
        .post_json("/_emulator/clock", "{\"advance_seconds\": 86400}", None)
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["now"], "2026-06-02T00:00:00+00:00");
    let v = c
        .get(
            &format!("/open_api/v1.3/campaign/get/?advertiser_id={adv}"),
            Some("emulator-token"),
        )
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["code"], 0);
    assert!(v["request_id"]
        .as_str()
        .unwrap()
        .starts_with("20260602000000"));
    let v = c.get("/_emulator/requests", None).unwrap().json().unwrap();
    assert_eq!(v["count"], 2);
    let text = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["path"], "/open_api/v1.3/campaign/get/");
    assert_eq!(lines[1]["code"], 0);
    assert!(!text.contains("emulator-secret"));
    let _ = std::fs::remove_file(&log_path);
}

#[test]
fn binary_defaults_to_tiktoks_app_limit() {
    let (_child, url) = start(&["--port", "0", "--qps", "1"]);
    let mut c = Client::new(&url).unwrap();
    let target =
        "/open_api/v1.3/oauth2/advertiser/get/?app_id=7100000000000000001&secret=emulator-secret";
    assert_eq!(
        c.get(target, Some("emulator-token"))
            .unwrap()
            .json()
            .unwrap()["code"],
        0
    );
    assert_eq!(
        c.get(target, Some("emulator-token"))
            .unwrap()
            .json()
            .unwrap()["code"],
        40100
    );
}

#[test]
fn binary_rejects_bad_options() {
    for args in [
        &["--latency-ms", "9:1"][..],
        &["--api-error-rate", "2"],
        &["--now", "yesterday"],
        &["--clock-speed", "-1"],
        &["--finance-role", "BOSS"],
        &["--report-task-failure-rate", "1.5"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_tiktok-emulator"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn binary_options_reach_the_business_center_and_gmv_max() {
    let (_child, url) = start(&[
        "--port",
        "0",
        "--qps",
        "0",
        "--finance-role",
        "none",
        "--gmv-max-stores",
        "1",
    ]);
    let mut c = Client::new(&url).unwrap();
    let bcs = c
        .get("/open_api/v1.3/bc/get/", Some("emulator-token"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(bcs["code"], 0, "{bcs}");
    let bc = bcs["data"]["list"][0]["bc_info"]["bc_id"]
        .as_str()
        .unwrap()
        .to_string();
    let balance = c
        .get(
            &format!("/open_api/v1.3/advertiser/balance/get/?bc_id={bc}"),
            Some("emulator-token"),
        )
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(balance["code"], 40001, "no finance role: {balance}");
    let adv = c
        .get("/open_api/v1.3/oauth2/advertiser/get/?app_id=7100000000000000001&secret=emulator-secret", Some("emulator-token"))
        .unwrap()
        .json()
        .unwrap()["data"]["list"][0]["advertiser_id"]
        .as_str()
        .unwrap()
        .to_string();
    let stores = c
        .get(
            &format!("/open_api/v1.3/gmv_max/store/list/?advertiser_id={adv}"),
            Some("emulator-token"),
        )
        .unwrap()
        .json()
        .unwrap();
    let list = stores["data"]["store_list"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0]["is_gmv_max_available"], true,
        "a single store is available"
    );
}
