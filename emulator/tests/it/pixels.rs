//! Pixel endpoints over HTTP: the Instant Page event catalogue and per-pixel event statistics
//! (more-endpoints reference §1), checked against the reference's shapes and rules and against
//! the generator's truth.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};
use tiktok_emulator::pixels::counters::{PixelDayStats, PixelEvent};
use tiktok_emulator::pixels::ForeignPixels;
use tiktok_emulator::EmulatorConfig;

use crate::common::{Api, TOKEN};

const INSTANT: &str = "pixel/instant_page/event/";
const STATS: &str = "pixel/event/stats/";

fn instant(api: &Api, adv: &str, objective: &str, goal: &str) -> Value {
    api.ok(
        INSTANT,
        &[
            ("advertiser_id", adv),
            ("objective_type", objective),
            ("optimization_goal", goal),
        ],
    )
}

#[test]
fn instant_page_events_echo_the_requested_pair() {
    let api = Api::default();
    let adv = api.adv(0);
    // The reference's example, verified live.
    let want = json!({"list": [{"business_type": "TIKTOK_INSTANT_PAGE",
        "instant_page_events": {"objective_types": [{"objective_type": "CONVERSIONS",
            "optimization_goals": [{"optimization_goal": "CONVERT", "optimization_events": ["BUTTON"]}]}]}}]});
    assert_eq!(instant(&api, &adv, "CONVERSIONS", "CONVERT"), want);
    // WEB_CONVERSIONS currently answers as CONVERSIONS.
    assert_eq!(instant(&api, &adv, "WEB_CONVERSIONS", "CONVERT"), want);
    let app = instant(&api, &adv, "APP_PROMOTION", "INSTALL");
    let only = &app["list"][0]["instant_page_events"]["objective_types"][0];
    assert_eq!(only["objective_type"], "APP_PROMOTION");
    assert_eq!(
        only["optimization_goals"][0]["optimization_goal"],
        "INSTALL"
    );
    assert_eq!(
        only["optimization_goals"][0]["optimization_events"],
        json!(["BUTTON"])
    );
    assert!(app.get("page_info").is_none());
    // Unknown pairs answer an empty list.
    for (objective, goal) in [("CONVERSIONS", "INSTALL"), ("REACH", "CONVERT"), ("X", "Y")] {
        assert_eq!(
            instant(&api, &adv, objective, goal),
            json!({"list": []}),
            "{objective}/{goal}"
        );
    }
    let retargeting = api.ok(
        INSTANT,
        &[
            ("advertiser_id", &adv),
            ("objective_type", "CONVERSIONS"),
            ("optimization_goal", "CONVERT"),
            ("is_retargeting", "true"),
        ],
    );
    assert_eq!(retargeting, want);
}

#[test]
fn instant_page_events_need_their_parameters() {
    let api = Api::default();
    let adv = api.adv(0);
    for params in [
        vec![
            ("advertiser_id", adv.as_str()),
            ("objective_type", "CONVERSIONS"),
        ],
        vec![
            ("advertiser_id", adv.as_str()),
            ("optimization_goal", "CONVERT"),
        ],
        vec![
            ("advertiser_id", adv.as_str()),
            ("objective_type", "CONVERSIONS"),
            ("optimization_goal", "CONVERT"),
            ("is_retargeting", "maybe"),
        ],
        vec![
            ("objective_type", "CONVERSIONS"),
            ("optimization_goal", "CONVERT"),
        ],
    ] {
        let (code, msg) = api.err(INSTANT, &params);
        assert_eq!(code, 40002, "{params:?}: {msg}");
    }
    let (code, _) = api.err(
        INSTANT,
        &[
            ("advertiser_id", "7999999999999999999"),
            ("objective_type", "CONVERSIONS"),
            ("optimization_goal", "CONVERT"),
        ],
    );
    assert_eq!(code, 40001);
}

fn pixels_of(api: &Api, adv: &str) -> Vec<String> {
    api.emu
        .world()
        .pixels
        .iter()
        .filter(|p| p.advertiser_id == adv)
        .map(|p| p.id.clone())
        .collect()
}

fn range(start: &str, end: &str) -> String {
    json!({"start_date": start, "end_date": end}).to_string()
}

fn stats(api: &Api, adv: &str, pixel_ids: &[&str], start: &str, end: &str) -> Value {
    let ids = serde_json::to_string(pixel_ids).unwrap();
    api.ok(
        STATS,
        &[
            ("advertiser_id", adv),
            ("pixel_ids", &ids),
            ("date_range", &range(start, end)),
        ],
    )
}

/// (pixel, event) → the six counters, from a response.
type Counters = BTreeMap<(String, String), [u64; 5]>;

fn counters(data: &Value) -> Counters {
    let mut out = BTreeMap::new();
    for entry in data["list"].as_array().expect("list") {
        let pixel = entry["pixel_id"].as_str().unwrap().to_string();
        for s in entry["statistics"].as_array().expect("statistics") {
            let event = match (
                s.get("pixel_event_type").and_then(Value::as_str),
                s.get("custom_event_type").and_then(Value::as_str),
            ) {
                (Some(e), None) => format!("standard:{e}"),
                (None, Some(e)) => format!("custom:{e}"),
                other => panic!("one event name per statistic: {other:?} in {s}"),
            };
            let n = |k: &str| {
                s[k].as_u64()
                    .unwrap_or_else(|| panic!("{k} is an integer JSON number: {s}"))
            };
            let values = [
                n("attributed_count"),
                n("preview_count"),
                n("total_count"),
                n("browser_event_total_count"),
                n("server_event_total_count"),
            ];
            assert_eq!(
                values[2],
                values[3] + values[4],
                "total = browser + server: {s}"
            );
            let previous = out.insert((pixel.clone(), event), values);
            assert!(previous.is_none(), "one statistic per event");
        }
    }
    out
}

fn truth_sums(truth: &[PixelDayStats]) -> Counters {
    let mut out: Counters = BTreeMap::new();
    for d in truth {
        let event = match &d.event {
            PixelEvent::Standard(e) => format!("standard:{e}"),
            PixelEvent::Custom(e) => format!("custom:{e}"),
        };
        let acc = out.entry((d.pixel_id.clone(), event)).or_default();
        let c = &d.counts;
        for (a, v) in acc.iter_mut().zip([
            c.attributed_count,
            c.preview_count,
            d.total_count,
            c.browser_event_total_count,
            c.server_event_total_count,
        ]) {
            *a += v;
        }
    }
    out
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

#[test]
fn statistics_have_the_reference_shape_and_equal_the_truth() {
    let api = Api::default();
    let adv = api.adv(0);
    let pixels = pixels_of(&api, &adv);
    assert!(pixels.len() >= 2, "{pixels:?}");
    let ids: Vec<&str> = pixels.iter().map(String::as_str).rev().collect();
    let data = stats(&api, &adv, &ids, "2026-10-25", "2026-11-20");
    assert!(data.get("page_info").is_none());
    let order: Vec<&str> = data["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pixel_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order, ids,
        "one entry per requested pixel, in request order"
    );
    let got = counters(&data);
    let mut truth = Vec::new();
    for p in &pixels {
        truth.extend(
            api.emu
                .pixel_stats_truth(p, date("2026-10-25"), date("2026-11-20")),
        );
    }
    assert_eq!(got, truth_sums(&truth));
    // The standard events are the ones pixel/list shows; the developer-mode pixel also has a
    // custom event.
    let world = api.emu.world();
    for p in world.pixels.iter().filter(|p| p.advertiser_id == adv) {
        let listed: BTreeSet<String> = p.data["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("standard:{}", e["event_type"].as_str().unwrap()))
            .collect();
        let standard: BTreeSet<String> = got
            .keys()
            .filter(|(id, e)| id == &p.id && e.starts_with("standard:"))
            .map(|(_, e)| e.clone())
            .collect();
        assert_eq!(standard, listed, "{}", p.id);
        let custom = got
            .keys()
            .any(|(id, e)| id == &p.id && e.starts_with("custom:"));
        assert_eq!(
            custom,
            p.data["pixel_setup_mode"] == "DEVELOPER",
            "{}",
            p.id
        );
    }
    // Real numbers, and some events came from servers.
    assert!(got.values().any(|v| v[2] > 0 && v[0] > 0));
    assert!(got.values().any(|v| v[4] > 0));
}

#[test]
fn a_range_is_the_sum_of_its_single_days() {
    let api = Api::default();
    let adv = api.adv(1);
    let pixels = pixels_of(&api, &adv);
    let ids: Vec<&str> = pixels.iter().map(String::as_str).collect();
    // Up to today (2026-11-20, half over at 12:00 UTC): complete, late-attributed and running days.
    let whole = counters(&stats(&api, &adv, &ids, "2026-11-08", "2026-11-20"));
    let mut summed: Counters = BTreeMap::new();
    for day in 8..=20 {
        let d = format!("2026-11-{day:02}");
        for (k, v) in counters(&stats(&api, &adv, &ids, &d, &d)) {
            let acc = summed.entry(k).or_default();
            for (a, x) in acc.iter_mut().zip(v) {
                *a += x;
            }
        }
    }
    assert_eq!(whole, summed);
}

#[test]
fn recent_days_grow_with_the_clock_and_old_days_stay() {
    let api = Api::default();
    let adv = api.adv(0);
    let pixels = pixels_of(&api, &adv);
    let ids: Vec<&str> = pixels.iter().map(String::as_str).collect();
    let read = |day: &str| counters(&stats(&api, &adv, &ids, day, day));
    let (old, yesterday, today, future) = (
        read("2026-11-02"),
        read("2026-11-19"),
        read("2026-11-20"),
        read("2026-11-25"),
    );
    assert!(future.values().all(|v| *v == [0; 5]), "{future:?}");
    assert!(
        today.values().all(|v| v[0] == 0),
        "nothing attributed while the day runs"
    );
    api.emu.advance(Duration::hours(30));
    let (old2, yesterday2, today2) = (read("2026-11-02"), read("2026-11-19"), read("2026-11-20"));
    assert_eq!(old, old2, "a day past the attribution window is final");
    let mut grew = false;
    for (k, before) in &yesterday {
        let after = yesterday2[k];
        assert_eq!(
            before[1..],
            after[1..],
            "a complete day's events are fixed: {k:?}"
        );
        assert!(after[0] >= before[0], "attribution never shrinks: {k:?}");
        grew |= after[0] > before[0];
    }
    assert!(grew, "yesterday's attributed counts grow with the clock");
    let total = |c: &Counters| c.values().map(|v| v[2]).sum::<u64>();
    assert!(
        total(&today2) > total(&today),
        "today's events keep arriving"
    );
}

#[test]
fn statistics_parameters_follow_the_reference() {
    let api = Api::default();
    let adv = api.adv(0);
    let pixel = pixels_of(&api, &adv)[0].clone();
    let ok_range = range("2026-11-01", "2026-11-10");
    let err = |pixel_ids: Option<&str>, date_range: Option<&str>| {
        let mut p = vec![("advertiser_id", adv.as_str())];
        if let Some(ids) = pixel_ids {
            p.push(("pixel_ids", ids));
        }
        if let Some(r) = date_range {
            p.push(("date_range", r));
        }
        api.err(STATS, &p)
    };
    // A bare id, as Airbyte once sent it, is TikTok's known error.
    let quoted = format!("\"{pixel}\"");
    for bare in [pixel.as_str(), quoted.as_str()] {
        assert_eq!(
            err(Some(bare), Some(&ok_range)),
            (40002, "pixel_ids: Field must be set to array".to_string())
        );
    }
    let eleven: Vec<String> = (0..11).map(|i| format!("{pixel}{i}")).collect();
    let eleven = serde_json::to_string(&eleven).unwrap();
    let ten: Vec<String> = (0..9)
        .map(|i| format!("{pixel}{i}"))
        .chain([pixel.clone()])
        .collect();
    let ten = serde_json::to_string(&ten).unwrap();
    let one = serde_json::to_string(&[&pixel]).unwrap();
    let reversed = range("2026-11-10", "2026-11-01");
    let short_day = range("2026-11-1", "2026-11-02");
    let thirty_one_days = range("2026-10-01", "2026-10-31");
    let cases: [(Option<&str>, Option<&str>); 11] = [
        (Some(&eleven), Some(&ok_range)),
        (Some("[]"), Some(&ok_range)),
        (Some("[{\"id\": 1}]"), Some(&ok_range)),
        (None, Some(&ok_range)),
        (Some(&one), None),
        // Airbyte's unquoted dates are not JSON.
        (
            Some(&one),
            Some("{\"start_date\":2026-11-01,\"end_date\":2026-11-02}"),
        ),
        (Some(&one), Some("{\"start_date\": \"2026-11-01\"}")),
        (Some(&one), Some("[\"2026-11-01\", \"2026-11-02\"]")),
        (Some(&one), Some(&reversed)),
        (Some(&one), Some(&short_day)),
        (Some(&one), Some(&thirty_one_days)),
    ];
    for (ids, r) in cases {
        let (code, msg) = err(ids, r);
        assert_eq!(code, 40002, "{ids:?} {r:?}: {msg}");
    }
    // Ten ids and thirty days are accepted.
    let p = [
        ("advertiser_id", adv.as_str()),
        ("pixel_ids", ten.as_str()),
        ("date_range", &range("2026-10-02", "2026-10-31")),
    ];
    let data = api.ok(STATS, &p);
    assert_eq!(
        data["list"].as_array().unwrap().len(),
        1,
        "unknown ids are left out"
    );
}

#[test]
fn pixels_of_other_advertisers_are_left_out_or_refused() {
    let api = Api::default();
    let (a0, a1) = (api.adv(0), api.adv(1));
    let mine = pixels_of(&api, &a0)[0].clone();
    let theirs = pixels_of(&api, &a1)[0].clone();
    let data = stats(&api, &a0, &[&theirs, &mine], "2026-11-01", "2026-11-10");
    let listed: Vec<&str> = data["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pixel_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [mine.as_str()]);
    let strict = Api::new(EmulatorConfig {
        foreign_pixels: ForeignPixels::NoPermission,
        ..EmulatorConfig::default()
    });
    let ids = serde_json::to_string(&[&theirs, &mine]).unwrap();
    let (code, msg) = strict.err(
        STATS,
        &[
            ("advertiser_id", &a0),
            ("pixel_ids", &ids),
            ("date_range", &range("2026-11-01", "2026-11-10")),
        ],
    );
    assert_eq!(code, 40001);
    assert!(msg.contains(&theirs), "{msg}");
    // The token must reach the advertiser itself.
    let t = api.emu.issue_token(&[&a1]);
    let ids = serde_json::to_string(&[&mine]).unwrap();
    let v = api.call_with(
        STATS,
        &[
            ("advertiser_id", &a0),
            ("pixel_ids", &ids),
            ("date_range", &range("2026-11-01", "2026-11-10")),
        ],
        Some(&t),
    );
    assert_eq!(v["code"], 40001);
    assert_ne!(t, TOKEN);
}

#[test]
fn the_control_endpoint_serves_the_same_truth() {
    let api = Api::default();
    let adv = api.adv(2);
    let pixel = pixels_of(&api, &adv)[0].clone();
    let r = api.raw(
        &format!(
            "/_emulator/pixel_stats?pixel_id={pixel}&start_date=2026-11-15&end_date=2026-11-20"
        ),
        None,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json().unwrap();
    let truth = api
        .emu
        .pixel_stats_truth(&pixel, date("2026-11-15"), date("2026-11-20"));
    assert_eq!(body["rows"], serde_json::to_value(&truth).unwrap());
    assert_eq!(body["count"].as_u64(), Some(truth.len() as u64));
    let first = &body["rows"][0];
    assert_eq!(first["date"], "2026-11-15");
    assert!(first["pixel_event_type"].is_string() || first["custom_event_type"].is_string());
    assert!(api
        .emu
        .pixel_stats_truth("123", date("2026-11-15"), date("2026-11-20"))
        .is_empty());
    let r = api.raw("/_emulator/pixel_stats?pixel_id=1", None);
    assert_eq!(r.status, 400);
}
