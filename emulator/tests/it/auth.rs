//! Tokens, advertiser authorization, the OAuth exchange and the authorization page.

use chrono::Duration;
use serde_json::Value;
use tiktok_emulator::EmulatorConfig;

use crate::common::{err_of, Api, APP_ID, SECRET, TOKEN};

const TOKEN_NULL: &str =
    "Access token is null, you should set it in http header with key Access-Token.";
const TOKEN_BAD: &str = "Access token is incorrect or has been revoked.";

#[test]
fn missing_empty_wrong_and_revoked_tokens() {
    let api = Api::default();
    let p = [("advertiser_id", api.adv(0))];
    let p: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        err_of(&api.call_with("campaign/get/", &p, None)),
        (40104, TOKEN_NULL.to_string())
    );
    assert_eq!(
        err_of(&api.call_with("campaign/get/", &p, Some(""))),
        (40104, TOKEN_NULL.to_string())
    );
    assert_eq!(
        err_of(&api.call_with("campaign/get/", &p, Some("nope"))),
        (40105, TOKEN_BAD.to_string())
    );
    let token = api.emu.issue_token(&[p[0].1]);
    assert_eq!(api.call_with("campaign/get/", &p, Some(&token))["code"], 0);
    api.emu.revoke_token(&token);
    assert_eq!(
        err_of(&api.call_with("campaign/get/", &p, Some(&token))),
        (40105, TOKEN_BAD.to_string())
    );
    // Every endpoint but the token exchange needs the header.
    for ep in [
        "advertiser/info/",
        "oauth2/advertiser/get/",
        "report/integrated/get/",
        "pixel/list/",
        "tt_video/list/",
    ] {
        assert_eq!(err_of(&api.call_with(ep, &p, None)).0, 40104, "{ep}");
    }
}

#[test]
fn advertisers_outside_the_token_are_40001() {
    let api = Api::default();
    let (a0, a1) = (api.adv(0), api.adv(1));
    let token = api.emu.issue_token(&[&a0]);
    assert_eq!(
        api.call_with("ad/get/", &[("advertiser_id", &a0)], Some(&token))["code"],
        0
    );
    let expect = (40001, format!("No permission to operate advertiser {a1}."));
    for ep in [
        "campaign/get/",
        "adgroup/get/",
        "ad/get/",
        "file/image/ad/search/",
        "dmp/custom_audience/list/",
        "pixel/event/stats/",
    ] {
        assert_eq!(
            err_of(&api.call_with(ep, &[("advertiser_id", &a1)], Some(&token))),
            expect,
            "{ep}"
        );
    }
    let ids = format!("[\"{a0}\", \"{a1}\"]");
    assert_eq!(
        err_of(&api.call_with(
            "advertiser/info/",
            &[("advertiser_ids", &ids)],
            Some(&token)
        )),
        expect
    );
    let report = [
        ("advertiser_id", a1.as_str()),
        ("report_type", "BASIC"),
        ("data_level", "AUCTION_AD"),
        ("dimensions", "[\"ad_id\"]"),
        ("query_lifetime", "true"),
    ];
    assert_eq!(
        err_of(&api.call_with("report/integrated/get/", &report, Some(&token))),
        expect
    );
    let report = [
        ("advertiser_ids", ids.as_str()),
        ("report_type", "BASIC"),
        ("data_level", "AUCTION_AD"),
        ("dimensions", "[\"ad_id\"]"),
        ("query_lifetime", "true"),
    ];
    assert_eq!(
        err_of(&api.call_with("report/integrated/get/", &report, Some(&token))),
        expect
    );
    let (code, msg) = api.err("campaign/get/", &[("advertiser_id", "12345")]);
    assert_eq!(
        (code, msg.as_str()),
        (40001, "No permission to operate advertiser 12345.")
    );
}

fn exchange(api: &Api, app: &str, secret: &str, code: &str) -> Value {
    let body =
        serde_json::json!({ "app_id": app, "secret": secret, "auth_code": code }).to_string();
    let r = api.raw_post("/open_api/v1.3/oauth2/access_token/", &body, None);
    assert_eq!(r.status, 200);
    r.json().unwrap()
}

#[test]
fn auth_code_exchange_is_single_use_and_expires_after_an_hour() {
    let api = Api::default();
    let code = api.emu.new_auth_code();
    assert_eq!(err_of(&exchange(&api, APP_ID, "wrong", &code)).0, 40101);
    assert_eq!(
        err_of(&exchange(&api, "7100000000000000999", SECRET, &code)).0,
        40101
    );
    assert_eq!(
        err_of(&exchange(&api, APP_ID, SECRET, "unknown-code")).0,
        40110
    );
    let v = exchange(&api, APP_ID, SECRET, &code);
    assert_eq!(v["code"], 0, "{v}");
    let token = v["data"]["access_token"].as_str().unwrap().to_string();
    assert_ne!(token, TOKEN);
    assert_eq!(v["data"]["scope"], serde_json::json!([4]));
    let world = api.emu.world();
    let all: Vec<&str> = world
        .advertisers
        .iter()
        .map(|a| a.advertiser_id.as_str())
        .collect();
    assert_eq!(v["data"]["advertiser_ids"], serde_json::json!(all));
    // The new token reaches every advertiser.
    for a in &all {
        assert_eq!(
            api.call_with("campaign/get/", &[("advertiser_id", a)], Some(&token))["code"],
            0
        );
    }
    assert_eq!(
        err_of(&exchange(&api, APP_ID, SECRET, &code)).0,
        40110,
        "second use"
    );

    let late = api.emu.new_auth_code();
    api.emu.advance(Duration::minutes(61));
    assert_eq!(
        err_of(&exchange(&api, APP_ID, SECRET, &late)).0,
        40110,
        "expired"
    );
    let fresh = api.emu.new_auth_code();
    api.emu.advance(Duration::minutes(59));
    assert_eq!(exchange(&api, APP_ID, SECRET, &fresh)["code"], 0);

    let r = api.raw_post(
        "/open_api/v1.3/oauth2/access_token/",
        "{\"app_id\": \"x\"",
        None,
    );
    assert_eq!(err_of(&r.json().unwrap()).0, 40002, "malformed body");
    let r = api.raw_post(
        "/open_api/v1.3/oauth2/access_token/",
        &format!("{{\"app_id\":\"{APP_ID}\",\"secret\":\"{SECRET}\"}}"),
        None,
    );
    assert_eq!(
        err_of(&r.json().unwrap()),
        (
            40002,
            "auth_code: Missing data for required field.".to_string()
        )
    );
}

#[test]
fn secrets_never_reach_the_request_log() {
    let api = Api::default();
    let code = api.emu.new_auth_code();
    let token = exchange(&api, APP_ID, SECRET, &code)["data"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    api.call(
        "oauth2/advertiser/get/",
        &[("app_id", APP_ID), ("secret", SECRET)],
    );
    let body = serde_json::json!({ "app_id": APP_ID, "secret": SECRET, "access_token": token })
        .to_string();
    api.raw_post("/open_api/v1.3/oauth2/revoke_token/", &body, None);
    let log = serde_json::to_string(&api.emu.requests()).unwrap();
    for secret in [SECRET, code.as_str(), token.as_str(), TOKEN] {
        assert!(!log.contains(secret), "{secret} leaked into {log}");
    }
    assert!(log.contains("\"secret\":\"***\""));
}

#[test]
fn authorization_page_shows_a_usable_code() {
    let api = Api::default();
    let target = "/portal/auth?app_id=7100000000000000001&state=st%201&redirect_uri=https%3A%2F%2Fexample.com%2Fcb";
    let r = api.raw(target, None);
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let html = r.text();
    let code = html
        .split("id=\"auth_code\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("code on page")
        .to_string();
    assert!(
        html.contains(&format!(
            "https://example.com/cb?auth_code={code}&amp;code={code}&amp;state=st%201"
        )),
        "{html}"
    );
    assert_eq!(exchange(&api, APP_ID, SECRET, &code)["code"], 0);
    assert_eq!(
        api.raw("/portal/auth?app_id=1&redirect_uri=https%3A%2F%2Fx", None)
            .status,
        400
    );
    assert_eq!(
        api.raw("/portal/auth?app_id=7100000000000000001", None)
            .status,
        400
    );
}

#[test]
fn authorized_advertisers_endpoint_checks_app_and_secret() {
    let api = Api::default();
    let data = api.ok(
        "oauth2/advertiser/get/",
        &[("secret", SECRET), ("app_id", APP_ID)],
    );
    let world = api.emu.world();
    let expect: Vec<Value> = world
        .advertisers
        .iter()
        .map(|a| serde_json::json!({ "advertiser_id": a.advertiser_id, "advertiser_name": a.name }))
        .collect();
    assert_eq!(data, serde_json::json!({ "list": expect }));
    assert_eq!(
        api.err(
            "oauth2/advertiser/get/",
            &[("secret", "x"), ("app_id", APP_ID)]
        )
        .0,
        40101
    );
    assert_eq!(
        api.err(
            "oauth2/advertiser/get/",
            &[("secret", SECRET), ("app_id", "1")]
        )
        .0,
        40101
    );
    assert_eq!(
        api.err("oauth2/advertiser/get/", &[("secret", SECRET)]).0,
        40002
    );
    // A token reaching one advertiser lists only that one.
    let a0 = api.adv(0);
    let token = api.emu.issue_token(&[&a0]);
    let v = api.call_with(
        "oauth2/advertiser/get/",
        &[("secret", SECRET), ("app_id", APP_ID)],
        Some(&token),
    );
    assert_eq!(v["data"]["list"].as_array().unwrap().len(), 1);

    let sandbox = Api::new(EmulatorConfig {
        sandbox: true,
        ..EmulatorConfig::default()
    });
    assert_eq!(
        sandbox
            .err(
                "oauth2/advertiser/get/",
                &[("secret", SECRET), ("app_id", APP_ID)]
            )
            .0,
        40008
    );
}

#[test]
fn revoke_endpoint_revokes() {
    let api = Api::default();
    let a0 = api.adv(0);
    let token = api.emu.issue_token(&[&a0]);
    let body = serde_json::json!({ "app_id": APP_ID, "secret": SECRET, "access_token": token })
        .to_string();
    let v = api
        .raw_post("/open_api/v1.3/oauth2/revoke_token/", &body, None)
        .json()
        .unwrap();
    assert_eq!(
        v["data"],
        serde_json::json!({ "app_id": APP_ID, "advertiser_ids": [a0] })
    );
    assert_eq!(
        err_of(&api.call_with("campaign/get/", &[("advertiser_id", &a0)], Some(&token))).0,
        40105
    );
    let v = api
        .raw_post("/open_api/v1.3/oauth2/revoke_token/", &body, None)
        .json()
        .unwrap();
    assert_eq!(err_of(&v).0, 40105, "already revoked");
}

#[test]
fn user_info_answers_ok_for_singer() {
    let api = Api::default();
    let v = api.call("user/info/", &[]);
    assert_eq!(
        (v["code"].as_i64(), v["message"].as_str()),
        (Some(0), Some("OK"))
    );
    assert!(v["data"]["create_time"].is_i64());
}
