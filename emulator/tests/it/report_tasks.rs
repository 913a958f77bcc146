//! Asynchronous report tasks: life cycle on the fixed clock, the CSV against the paged
//! synchronous reads, translation, download URLs, XLSX, the task rules and limits.

use std::collections::BTreeMap;

use chrono::Duration;
use serde_json::{json, Value};
use tiktok_emulator::client::HttpResponse;
use tiktok_emulator::{EmulatorConfig, ExtendedConfig};

use crate::common::{err_of, Api, TOKEN};

fn create(api: &Api, body: &Value) -> Value {
    let r = api.raw_post(
        "/open_api/v1.3/report/task/create/",
        &body.to_string(),
        Some(TOKEN),
    );
    assert_eq!(r.status, 200);
    r.json().unwrap()
}

fn create_ok(api: &Api, body: &Value) -> String {
    let v = create(api, body);
    assert_eq!(v["code"], 0, "{v}");
    v["data"]["task_id"].as_str().unwrap().to_string()
}

fn check(api: &Api, adv: &str, task: &str) -> Value {
    api.call(
        "report/task/check/",
        &[("advertiser_id", adv), ("task_id", task)],
    )
}

fn status(api: &Api, adv: &str, task: &str) -> String {
    let v = check(api, adv, task);
    assert_eq!(v["code"], 0, "{v}");
    v["data"]["status"].as_str().unwrap().to_string()
}

fn download(api: &Api, adv: &str, task: &str) -> HttpResponse {
    api.raw(
        &Api::target(
            "report/task/download/",
            &[("advertiser_id", adv), ("task_id", task)],
        ),
        Some(TOKEN),
    )
}

/// A small RFC 4180 reader, independent of the emulator's writer.
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let (mut record, mut value, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' && chars.peek() == Some(&'"') {
                value.push('"');
                chars.next();
            } else if c == '"' {
                quoted = false;
            } else {
                value.push(c);
            }
        } else if c == '"' {
            quoted = true;
        } else if c == ',' {
            record.push(std::mem::take(&mut value));
        } else if c == '\n' {
            record.push(std::mem::take(&mut value));
            out.push(std::mem::take(&mut record));
        } else if c != '\r' {
            value.push(c);
        }
    }
    assert!(
        record.is_empty() && value.is_empty(),
        "the file ends with a line end"
    );
    out
}

type Row = BTreeMap<String, String>;

fn csv_rows(text: &str) -> (Vec<String>, Vec<Row>) {
    let records = csv_records(text);
    let header = records[0].clone();
    let rows = records[1..]
        .iter()
        .map(|r| {
            assert_eq!(r.len(), header.len());
            header.iter().cloned().zip(r.iter().cloned()).collect()
        })
        .collect();
    (header, rows)
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort();
    rows
}

fn base_body(adv: &str) -> Value {
    json!({
        "advertiser_id": adv,
        "report_type": "BASIC",
        "data_level": "AUCTION_AD",
        "dimensions": ["ad_id", "stat_time_day"],
        "metrics": ["spend", "impressions", "clicks", "ctr", "conversion", "campaign_name", "secondary_goal_result"],
        "start_date": "2026-09-22",
        "end_date": "2026-11-20",
        "enable_report_title_translation": false,
    })
}

#[test]
fn a_task_delivers_the_same_rows_as_the_paged_synchronous_reads() {
    let api = Api::default();
    let adv = api.adv(0);
    let task = create_ok(&api, &base_body(&adv));
    let (code, msg) = err_of(&download(&api, &adv, &task).json().unwrap());
    assert_eq!(code, 40201, "{msg}");
    let seen: Vec<String> = (0..3).map(|_| status(&api, &adv, &task)).collect();
    assert_eq!(seen, ["QUEUING", "PROCESSING", "SUCCESS"]);
    assert_eq!(
        status(&api, &adv, &task),
        "SUCCESS",
        "finished tasks stay finished"
    );
    let r = download(&api, &adv, &task);
    assert_eq!(r.status, 200);
    assert!(
        r.header("content-type").unwrap().starts_with("text/csv"),
        "{:?}",
        r.headers
    );
    let (header, from_task) = csv_rows(&r.text());
    assert_eq!(
        header,
        [
            "ad_id",
            "stat_time_day",
            "spend",
            "impressions",
            "clicks",
            "ctr",
            "conversion",
            "campaign_name",
            "secondary_goal_result"
        ]
    );
    assert!(from_task.len() > 100);
    assert!(
        from_task.iter().all(|r| r["secondary_goal_result"] == "-"),
        "'-' is kept as TikTok sends it"
    );

    // The same 60 days through the paged endpoint: two 30-day windows, deleted ads included.
    let mut from_pages: Vec<Row> = Vec::new();
    for (start, end) in [("2026-09-22", "2026-10-21"), ("2026-10-22", "2026-11-20")] {
        let (rows, _) = api.walk(
            "report/integrated/get/",
            &[
                ("advertiser_id", &adv),
                ("report_type", "BASIC"),
                ("data_level", "AUCTION_AD"),
                ("dimensions", r#"["ad_id", "stat_time_day"]"#),
                ("metrics", r#"["spend", "impressions", "clicks", "ctr", "conversion", "campaign_name", "secondary_goal_result"]"#),
                ("start_date", start),
                ("end_date", end),
                ("filtering", r#"[{"field_name": "ad_status", "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}]"#),
            ],
            "list",
            100,
        );
        for row in rows {
            let mut flat = Row::new();
            for part in ["dimensions", "metrics"] {
                for (k, v) in row[part].as_object().unwrap() {
                    flat.insert(k.clone(), v.as_str().unwrap().to_string());
                }
            }
            from_pages.push(flat);
        }
    }
    assert_eq!(sorted(from_task), sorted(from_pages));
}

#[test]
fn emulated_time_moves_tasks_too() {
    let api = Api::new(EmulatorConfig {
        extended: ExtendedConfig {
            report_task_checks_per_stage: 0,
            report_task_stage_seconds: 60,
            ..ExtendedConfig::default()
        },
        ..EmulatorConfig::default()
    });
    let adv = api.adv(1);
    let task = create_ok(&api, &base_body(&adv));
    assert_eq!(status(&api, &adv, &task), "QUEUING");
    assert_eq!(
        status(&api, &adv, &task),
        "QUEUING",
        "checks alone do not move it"
    );
    api.emu.advance(Duration::seconds(60));
    assert_eq!(status(&api, &adv, &task), "PROCESSING");
    api.emu.advance(Duration::seconds(60));
    assert_eq!(status(&api, &adv, &task), "SUCCESS");
    // Tasks expire after 30 days.
    api.emu.advance(Duration::days(31));
    assert_eq!(err_of(&check(&api, &adv, &task)).0, 40002);
}

fn finish(api: &Api, adv: &str, task: &str) {
    for _ in 0..3 {
        status(api, adv, task);
    }
}

/// The path of a download URL on this emulator.
fn local(api: &Api, url: &str) -> String {
    url.strip_prefix(&api.emu.base_url())
        .expect("a local URL")
        .to_string()
}

#[test]
fn titles_translate_and_files_download_for_an_hour() {
    let api = Api::default();
    let adv = api.adv(0);
    let mut body = json!({
        "advertiser_id": adv,
        "report_type": "AUDIENCE",
        "data_level": "AUCTION_CAMPAIGN",
        "dimensions": ["campaign_id", "age", "gender"],
        "metrics": ["spend", "impressions"],
        "start_date": "2026-11-01",
        "end_date": "2026-11-19",
    });
    let translated = create_ok(&api, &body);
    body["enable_report_title_translation"] = json!(false);
    let raw = create_ok(&api, &body);
    for t in [&translated, &raw] {
        finish(&api, &adv, t);
    }
    let (header, shown) = csv_rows(&download(&api, &adv, &translated).text());
    assert_eq!(
        header,
        ["Campaign ID", "Age", "Gender", "Cost", "Impression"]
    );
    let (_, plain) = csv_rows(&download(&api, &adv, &raw).text());
    assert_eq!(shown.len(), plain.len());
    for (s, p) in shown.iter().zip(&plain) {
        let age = p["age"]
            .strip_prefix("AGE_")
            .unwrap()
            .replace('_', "-")
            .replace("55-100", "55+");
        assert_eq!(s["Age"], age);
        let gender = if p["gender"] == "NONE" {
            "unknown".to_string()
        } else {
            p["gender"].to_lowercase()
        };
        assert_eq!(s["Gender"], gender);
        assert_eq!(
            (&s["Cost"], &s["Impression"]),
            (&p["spend"], &p["impressions"])
        );
    }

    body["output_format"] = json!("CSV_DOWNLOAD");
    body["file_name"] = json!("audience report");
    let file_task = create_ok(&api, &body);
    finish(&api, &adv, &file_task);
    let v = download(&api, &adv, &file_task).json().unwrap();
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["data"]["output_format"], "CSV_DOWNLOAD");
    assert_eq!(v["data"]["file_name"], "audience report.csv");
    let url = v["data"]["download_url"].as_str().unwrap().to_string();
    let file = api.raw(&local(&api, &url).replace(' ', "%20"), None);
    assert_eq!(file.status, 200);
    assert_eq!(
        file.text(),
        download(&api, &adv, &raw).text(),
        "the file is the same CSV"
    );
    api.emu.advance(Duration::seconds(3601));
    assert_eq!(
        api.raw(&local(&api, &url).replace(' ', "%20"), None).status,
        403,
        "the URL expired"
    );
    let again = download(&api, &adv, &file_task).json().unwrap();
    let fresh = again["data"]["download_url"].as_str().unwrap();
    assert_ne!(fresh, url);
    assert_eq!(
        api.raw(&local(&api, fresh).replace(' ', "%20"), None)
            .status,
        200
    );

    body["output_format"] = json!("XLSX_DOWNLOAD");
    let xlsx_task = create_ok(&api, &body);
    finish(&api, &adv, &xlsx_task);
    let v = download(&api, &adv, &xlsx_task).json().unwrap();
    let file = api.raw(
        &local(&api, v["data"]["download_url"].as_str().unwrap()).replace(' ', "%20"),
        None,
    );
    assert_eq!(file.status, 200);
    assert!(file.body.starts_with(b"PK\x03\x04"), "a ZIP archive");
    let text = String::from_utf8_lossy(&file.body).into_owned();
    assert!(text.contains("xl/worksheets/sheet1.xml"));
    assert!(
        text.contains(&format!("<t>{}</t>", plain[0]["campaign_id"])),
        "cells hold the values"
    );
}

#[test]
fn task_rules_and_errors() {
    let api = Api::default();
    let adv = api.adv(0);
    let code = |body: Value| create(&api, &body)["code"].as_i64().unwrap();
    let with = |k: &str, v: Value| {
        let mut b = base_body(&adv);
        b[k] = v;
        b
    };
    let mut uv = with("report_type", json!("AUDIENCE"));
    uv["dimensions"] = json!(["ad_id", "stat_time_day", "age"]);
    uv["metrics"] = json!(["spend", "reach"]);
    assert_eq!(
        code(uv.clone()),
        40002,
        "UV metric with an audience dimension"
    );
    uv["metrics"] = json!(["spend"]);
    assert_eq!(code(uv), 0);
    assert_eq!(
        code(with(
            "filtering",
            json!([{"field_name": "ad_status", "filter_type": "IN", "filter_value": "[\"STATUS_ALL\"]"}])
        )),
        40002,
        "no status filter in tasks"
    );
    assert_eq!(code(with("report_type", json!("BC"))), 40002);
    assert_eq!(code(with("report_type", json!("PLAYABLE_MATERIAL"))), 40002);
    assert_eq!(
        code(with("start_date", json!("2025-10-01"))),
        0,
        "no span limit"
    );
    assert_eq!(code(with("output_format", json!("PDF"))), 40002);
    assert_eq!(code(with("file_name", json!("bad#name"))), 40002);
    let ids: Vec<String> = (0..150).map(|i| format!("{}", 1_000_000 + i)).collect();
    assert_eq!(
        code(with(
            "filtering",
            json!([{"field_name": "ad_ids", "filter_type": "IN", "filter_value": serde_json::to_string(&ids).unwrap()}])
        )),
        0,
        "tasks take more than 100 ids"
    );
    let mut country = with("dimensions", json!(["ad_id", "country_code"]));
    country["filtering"] =
        json!([{"field_name": "country_code", "filter_type": "IN", "filter_value": "[\"US\"]"}]);
    let t = create_ok(&api, &country);
    finish(&api, &adv, &t);
    let (_, rows) = csv_rows(&download(&api, &adv, &t).text());
    assert!(!rows.is_empty() && rows.iter().all(|r| r["country_code"] == "US"));
    assert_eq!(
        code(with(
            "filtering",
            json!([{"field_name": "country_code", "filter_type": "IN", "filter_value": "[\"US\"]"}])
        )),
        40002,
        "country_code filter needs the dimension"
    );

    // Unknown tasks, other advertisers' tasks, cancelling.
    assert_eq!(err_of(&check(&api, &adv, "7999999999999999999")).0, 40002);
    let task = create_ok(&api, &base_body(&adv));
    assert_eq!(err_of(&check(&api, &api.adv(1), &task)).0, 40002);
    let cancel = |task: &str| -> Value {
        let body = json!({"advertiser_id": adv, "task_id": task}).to_string();
        api.raw_post("/open_api/v1.3/report/task/cancel/", &body, Some(TOKEN))
            .json()
            .unwrap()
    };
    let v = cancel(&task);
    assert_eq!(v["data"]["status"], "CANCELED", "{v}");
    assert_eq!(status(&api, &adv, &task), "CANCELED");
    assert_eq!(err_of(&cancel(&task)).0, 40002);
    assert_eq!(
        err_of(&download(&api, &adv, &task).json().unwrap()).0,
        40200
    );
    let done = create_ok(&api, &base_body(&adv));
    finish(&api, &adv, &done);
    assert_eq!(
        err_of(&cancel(&done)).0,
        40002,
        "a finished task cannot be canceled"
    );

    // Smart+ ads are keyed by ad_id_v2 in tasks too.
    let v2 = create_ok(
        &api,
        &with("dimensions", json!(["ad_id_v2", "stat_time_day"])),
    );
    finish(&api, &adv, &v2);
    let (header, rows) = csv_rows(&download(&api, &adv, &v2).text());
    assert_eq!(header[0], "ad_id_v2");
    let world = api.emu.world();
    assert!(rows
        .iter()
        .any(|r| world.smart_plus.ad(&r["ad_id_v2"]).is_some()));
}

#[test]
fn failed_tasks_limits_allowlist_and_sandbox() {
    let api = Api::new(EmulatorConfig {
        extended: ExtendedConfig {
            report_task_failure_rate: 1.0,
            report_task_creations_per_hour: 2,
            ..ExtendedConfig::default()
        },
        ..EmulatorConfig::default()
    });
    let adv = api.adv(0);
    let task = create_ok(&api, &base_body(&adv));
    status(&api, &adv, &task);
    status(&api, &adv, &task);
    let v = check(&api, &adv, &task);
    assert_eq!(v["data"]["status"], "FAILED");
    assert!(!v["data"]["message"].as_str().unwrap().is_empty());
    assert_eq!(
        err_of(&download(&api, &adv, &task).json().unwrap()).0,
        40200
    );
    create_ok(&api, &base_body(&adv));
    let (code, msg) = err_of(&create(&api, &base_body(&adv)));
    assert_eq!(code, 40100, "the third creation within the hour");
    assert!(msg.contains("per hour"), "{msg}");
    create_ok(&api, &base_body(&api.adv(1)));
    api.emu.advance(Duration::hours(1));
    create_ok(&api, &base_body(&adv));

    let api = Api::new(EmulatorConfig {
        extended: ExtendedConfig {
            report_task_qps: 1,
            ..ExtendedConfig::default()
        },
        ..EmulatorConfig::default()
    });
    let adv = api.adv(0);
    let task = create_ok(&api, &base_body(&adv));
    let (code, msg) = err_of(&check(&api, &adv, &task));
    assert_eq!(code, 40100, "1 QPS over the task endpoints: {msg}");
    api.ok("campaign/get/", &[("advertiser_id", &adv)]);

    let api = Api::new(EmulatorConfig {
        extended: ExtendedConfig {
            report_tasks_allowlisted: false,
            ..ExtendedConfig::default()
        },
        ..EmulatorConfig::default()
    });
    assert_eq!(err_of(&create(&api, &base_body(&api.adv(0)))).0, 40118);
    let api = Api::new(EmulatorConfig {
        qps: 0,
        qpm: 0,
        ..EmulatorConfig::sandbox()
    });
    assert_eq!(err_of(&create(&api, &base_body(&api.adv(0)))).0, 40008);
}

#[test]
fn tasks_have_no_ad_cap_and_file_downloads_are_logged() {
    let api = Api::new(EmulatorConfig {
        report_ads_cap: 3,
        ..EmulatorConfig::default()
    });
    let adv = api.adv(0);
    let sync = api.raw(
        &Api::target(
            "report/integrated/get/",
            &[
                ("advertiser_id", &adv),
                ("report_type", "BASIC"),
                ("data_level", "AUCTION_AD"),
                ("dimensions", r#"["ad_id"]"#),
                ("start_date", "2026-10-22"),
                ("end_date", "2026-11-20"),
                ("page_size", "1000"),
            ],
        ),
        Some(TOKEN),
    );
    assert!(
        sync.header("x-tt-ads-throttle").is_some(),
        "the sync report is capped"
    );
    let capped = sync.json().unwrap()["data"]["list"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(capped, 3);
    let mut body = base_body(&adv);
    body["dimensions"] = json!(["ad_id"]);
    body["start_date"] = json!("2026-10-22");
    body["output_format"] = json!("CSV_DOWNLOAD");
    let task = create_ok(&api, &body);
    finish(&api, &adv, &task);
    let url = download(&api, &adv, &task).json().unwrap()["data"]["download_url"]
        .as_str()
        .unwrap()
        .to_string();
    let file = api.raw(&local(&api, &url), None);
    let (_, rows) = csv_rows(&file.text());
    assert!(rows.len() > 3, "the task reports every ad: {}", rows.len());
    let logged: Vec<String> = api.emu.requests().into_iter().map(|r| r.path).collect();
    assert!(
        logged.iter().any(|p| p.starts_with("/report_task_files/")),
        "{logged:?}"
    );
    assert_eq!(
        logged
            .iter()
            .filter(|p| p.ends_with("report/task/check/"))
            .count(),
        3
    );
}
