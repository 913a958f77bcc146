//! Routing, the envelope, request ids, parameter decoding and determinism.

use chrono::{TimeZone, Utc};
use serde_json::Value;
use tiktok_emulator::client::Client;
use tiktok_emulator::{Emulator, EmulatorConfig, Faults};

use crate::common::{err_of, Api, APP_ID, SECRET, TOKEN};

#[test]
fn unknown_paths_and_wrong_methods_are_404_plain_text() {
    let api = Api::default();
    let adv = api.adv(0);
    let cases = [
        (
            "GET",
            format!("/open_api/v1.3/campaign/list?advertiser_id={adv}"),
        ),
        ("GET", "/open_api/v1.3/campaign/list/".to_string()),
        ("GET", "/open_api/v1.2/campaign/get/".to_string()),
        ("GET", "/".to_string()),
        (
            "POST",
            format!("/open_api/v1.3/campaign/get/?advertiser_id={adv}"),
        ),
        ("GET", "/open_api/v1.3/oauth2/access_token/".to_string()),
        // Without its slash an endpoint is only found for GET: these stay wrong methods.
        ("GET", "/open_api/v1.3/oauth2/access_token".to_string()),
        (
            "POST",
            format!("/open_api/v1.3/campaign/get?advertiser_id={adv}"),
        ),
        ("GET", "/open_api/v1.3/campaign/get//".to_string()),
    ];
    let mut client = api.fresh_client();
    for (method, target) in &cases {
        let body = (*method == "POST").then_some(&b"{}"[..]);
        let r = client
            .request(method, target, &[("Access-Token", TOKEN)], body)
            .expect("request");
        assert_eq!(r.status, 404, "{method} {target}");
        assert_eq!(r.text(), "404 page not found");
        assert!(r
            .header("content-type")
            .unwrap_or("")
            .starts_with("text/plain"));
    }
    let log = api.emu.requests();
    assert_eq!(log.len(), cases.len());
    assert!(log.iter().all(|l| l.http_status == 404 && l.code.is_none()));
    assert_eq!(log[0].path, "/open_api/v1.3/campaign/list");
}

/// TikTok's gateway accepts a GET without the trailing slash (a production client checks its
/// token with `GET /open_api/v1.3/user/info`): the answer is the endpoint's own.
#[test]
fn a_get_without_the_trailing_slash_is_answered_as_with_it() {
    let api = Api::default();
    let adv = api.adv(0);
    let cases: [(&str, Vec<(&str, &str)>); 3] = [
        ("user/info", vec![]),
        (
            "campaign/get",
            vec![("advertiser_id", &adv), ("page_size", "5")],
        ),
        (
            "oauth2/advertiser/get",
            vec![("app_id", APP_ID), ("secret", SECRET)],
        ),
    ];
    for (endpoint, params) in &cases {
        let bare = api.call(endpoint, params);
        let slashed = api.call(&format!("{endpoint}/"), params);
        assert_eq!(bare["code"], 0, "{endpoint}: {bare}");
        assert_eq!(bare["message"], "OK");
        assert_eq!(bare["data"], slashed["data"], "{endpoint}");
    }
    // Not a blanket 200: auth and parameters are checked as for the slashed path.
    let (code, _) = err_of(&api.call_with("campaign/get", &[("advertiser_id", &adv)], None));
    assert_eq!(code, 40104);
    let (code, _) = api.err("campaign/get", &[]);
    assert_eq!(code, 40002);
    // The log keeps the path as sent.
    let log = api.emu.requests();
    assert_eq!(log[0].path, "/open_api/v1.3/user/info");
    assert_eq!(log[0].http_status, 200);
}

/// Faults and limits name endpoints with their slash; a bare path is the same endpoint to them.
#[test]
fn a_bare_path_counts_as_its_endpoint_for_faults() {
    let api = Api::default();
    api.emu.set_faults(Faults {
        api_error_rate: 1.0,
        api_error_codes: vec![50000],
        only_paths: vec!["user/info/".to_string()],
        ..Faults::default()
    });
    let (code, _) = api.err("user/info", &[]);
    assert_eq!(code, 50000);
}

#[test]
fn envelope_request_id_and_logid_header() {
    let api = Api::default();
    let r = api.raw(
        &Api::target("campaign/get/", &[("advertiser_id", &api.adv(0))]),
        Some(TOKEN),
    );
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap_or("")
        .starts_with("application/json"));
    let text = r.text();
    assert!(
        text.starts_with("{\"code\":0,\"message\":\"OK\",\"request_id\":\""),
        "{text}"
    );
    let v: Value = r.json().expect("json");
    let rid = v["request_id"].as_str().expect("request_id");
    assert_eq!(rid.len(), 34);
    assert!(rid.starts_with("20261120120000"), "{rid}");
    assert!(
        rid[14..]
            .chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)),
        "{rid}"
    );
    assert_eq!(r.header("x-tt-logid"), Some(rid));
    assert!(r.header("retry-after").is_none());

    api.emu
        .set_now(Utc.with_ymd_and_hms(2027, 1, 2, 3, 4, 5).unwrap());
    let v = api.call("campaign/get/", &[("advertiser_id", &api.adv(0))]);
    assert!(v["request_id"]
        .as_str()
        .unwrap()
        .starts_with("20270102030405"));
    let v2 = api.call("campaign/get/", &[("advertiser_id", &api.adv(0))]);
    assert_ne!(
        v["request_id"], v2["request_id"],
        "request ids differ between requests"
    );
}

#[test]
fn errors_have_empty_data() {
    let api = Api::default();
    let v = api.call_with("campaign/get/", &[("advertiser_id", &api.adv(0))], None);
    let (code, _) = err_of(&v);
    assert_eq!(code, 40104);
}

fn transcript(emu: &Emulator) -> Vec<String> {
    let mut c = Client::new(&emu.base_url()).unwrap();
    let adv = emu.world().advertisers[1].advertiser_id.clone();
    let targets = [
        format!("/open_api/v1.3/campaign/get/?advertiser_id={adv}&page_size=2"),
        format!("/open_api/v1.3/adgroup/get/?advertiser_id={adv}&filtering=%7B%22primary_status%22%3A%22STATUS_ALL%22%7D"),
        format!("/open_api/v1.3/ad/get/?advertiser_id={adv}&page=2&page_size=3"),
        format!("/open_api/v1.3/advertiser/info/?advertiser_ids=%5B%22{adv}%22%5D"),
        format!("/open_api/v1.3/file/image/ad/search/?advertiser_id={adv}"),
        format!("/open_api/v1.3/pixel/list/?advertiser_id={adv}"),
        format!("/open_api/v1.3/campaign/get/?advertiser_id={adv}&page_size=0"),
        "/open_api/v1.3/campaign/get/?advertiser_id=123".to_string(),
    ];
    targets
        .iter()
        .map(|t| c.get(t, Some(TOKEN)).unwrap().text())
        .collect()
}

#[test]
fn same_seed_and_clock_give_byte_identical_responses() {
    let a = Emulator::start(EmulatorConfig::default());
    let b = Emulator::start(EmulatorConfig::default());
    let ta = transcript(&a);
    assert_eq!(ta, transcript(&b));
    let c = Emulator::start(EmulatorConfig {
        seed: 7,
        ..EmulatorConfig::default()
    });
    let tc = transcript(&c);
    assert_ne!(ta[0], tc[0], "another seed gives other data");
}

#[test]
fn query_values_are_form_decoded_and_json_may_hold_any_whitespace() {
    let api = Api::default();
    let adv = api.adv(0);
    let world = api.emu.world();
    let c = world
        .campaigns
        .iter()
        .find(|c| c.advertiser_id == adv && c.deleted_at.is_none())
        .unwrap();
    let word = c
        .campaign_name
        .split(' ')
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    // `+` is a space, %xx escapes are decoded, and the JSON spans lines.
    let filtering = format!(
        "%7B%0A++%22campaign_name%22%3A+%22{}%22%0A%7D",
        word.replace(' ', "+")
    );
    let target = format!("/open_api/v1.3/campaign/get/?advertiser_id={adv}&filtering={filtering}");
    let v = api.raw(&target, Some(TOKEN)).json().unwrap();
    assert_eq!(v["code"], 0, "{v}");
    let names: Vec<&str> = v["data"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["campaign_name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&c.campaign_name.as_str()), "{names:?}");
    assert!(names
        .iter()
        .all(|n| n.to_lowercase().contains(&word.to_lowercase())));
    let logged = api.emu.requests().pop().unwrap();
    assert!(
        logged.params["filtering"].contains(&format!("\"campaign_name\": \"{word}\"")),
        "{:?}",
        logged.params
    );
}

#[test]
fn invalid_json_and_bad_numbers_are_40002() {
    let api = Api::default();
    let adv = api.adv(0);
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![("filtering", "{\"campaign_ids\": [\"1\",}")],
        vec![("filtering", "[1, 2]")],
        vec![("fields", "campaign_id")],
        vec![("page", "abc")],
        vec![("page", "0")],
        vec![("page_size", "ten")],
    ];
    for extra in cases {
        let mut p = vec![("advertiser_id", adv.as_str())];
        p.extend(extra.iter().copied());
        let (code, msg) = api.err("campaign/get/", &p);
        assert_eq!(code, 40002, "{extra:?}: {msg}");
    }
    let (code, msg) = api.err("campaign/get/", &[]);
    assert_eq!(
        (code, msg.as_str()),
        (40002, "advertiser_id: Missing data for required field.")
    );
    // Numeric strings and unknown parameters are fine.
    let data = api.ok(
        "campaign/get/",
        &[
            ("advertiser_id", &adv),
            ("page", "1"),
            ("page_size", "5"),
            ("lifetime", "false"),
            ("service_type", "AUCTION"),
        ],
    );
    assert_eq!(data["page_info"]["page_size"], 5);
}

#[test]
fn json_body_on_get_is_read_and_the_query_wins() {
    let api = Api::default();
    let (a0, a1) = (api.adv(0), api.adv(1));
    let mut c = api.fresh_client();
    let body = format!("{{\"advertiser_id\": \"{a1}\", \"page\": \"1\", \"page_size\": 3}}");
    let hdr = [
        ("Access-Token", TOKEN),
        ("Content-Type", "application/json"),
    ];
    let r = c
        .request(
            "GET",
            "/open_api/v1.3/campaign/get/",
            &hdr,
            Some(body.as_bytes()),
        )
        .unwrap();
    let v = r.json().unwrap();
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(v["data"]["page_info"]["page_size"], 3);
    assert!(v["data"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["advertiser_id"] == a1.as_str()));
    let r = c
        .request(
            "GET",
            &format!("/open_api/v1.3/campaign/get/?advertiser_id={a0}"),
            &hdr,
            Some(body.as_bytes()),
        )
        .unwrap();
    let v = r.json().unwrap();
    assert!(
        v["data"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["advertiser_id"] == a0.as_str()),
        "{v}"
    );
    // Airbyte attaches an empty JSON object to every GET.
    let r = c
        .request(
            "GET",
            &format!("/open_api/v1.3/campaign/get/?advertiser_id={a0}"),
            &hdr,
            Some(b"{}"),
        )
        .unwrap();
    assert_eq!(r.json().unwrap()["code"], 0);
}

#[test]
fn dropping_the_emulator_stops_the_server() {
    let emu = Emulator::start(EmulatorConfig::default());
    let addr = emu.addr();
    drop(emu);
    assert!(
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_secs(1)).is_err()
    );
}
