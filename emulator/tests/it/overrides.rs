//! Answer overrides over HTTP: the control endpoint sets them, matching API requests get them
//! in place of the endpoint's answer (status, headers, body), and they end when counted down
//! or cleared.

use serde_json::json;

use crate::common::*;

#[test]
fn an_override_answers_matching_requests_until_counted_down() {
    let api = Api::default();
    let adv = api.emu.world().advertisers[0].advertiser_id.clone();
    let set = api.raw_post(
        "/_emulator/overrides",
        &json!({"path": "campaign/get/", "when": {"advertiser_id": adv}, "times": 2,
            "body": {"code": 0, "message": "OK", "data": null, "echo": "page {{page}}"}})
        .to_string(),
        None,
    );
    assert_eq!(set.status, 200, "{}", set.text());
    let other = api.emu.world().advertisers[1].advertiser_id.clone();
    // Another account still gets TikTok's answer.
    let real = api.call("campaign/get/", &[("advertiser_id", &other)]);
    assert!(real["data"]["list"].is_array(), "{real}");
    let first = api.call("campaign/get/", &[("advertiser_id", &adv), ("page", "3")]);
    assert_eq!(
        first,
        json!({"code": 0, "message": "OK", "data": null, "echo": "page 3"})
    );
    // No token needed: the override stands in for the whole server.
    let second = api.call_with("campaign/get/", &[("advertiser_id", &adv)], None);
    assert_eq!(second["echo"], "page 1");
    let third = api.call("campaign/get/", &[("advertiser_id", &adv)]);
    assert!(third["data"]["list"].is_array(), "counted down: {third}");
    let logged: Vec<Option<String>> = api.emu.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(
        logged
            .iter()
            .filter(|f| f.as_deref() == Some("override"))
            .count(),
        2
    );
}

#[test]
fn an_override_sets_status_and_headers_and_can_be_cleared() {
    let api = Api::default();
    let set = api.raw_post(
        "/_emulator/overrides",
        &json!({"path": "oauth2/advertiser/get/", "status": 302,
            "headers": {"Location": "http://127.0.0.1:9/elsewhere"}, "body_text": "moved"})
        .to_string(),
        None,
    );
    assert_eq!(set.status, 200, "{}", set.text());
    let r = api.raw(
        &Api::target(
            "oauth2/advertiser/get/",
            &[("app_id", APP_ID), ("secret", SECRET)],
        ),
        Some(TOKEN),
    );
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("http://127.0.0.1:9/elsewhere"));
    assert_eq!(r.text(), "moved");
    let listed = api.raw("/_emulator/overrides", None).json().unwrap();
    assert_eq!(listed["overrides"].as_array().unwrap().len(), 1);
    assert_eq!(
        api.raw_post("/_emulator/overrides/clear", "{}", None)
            .status,
        200
    );
    let r = api.raw(
        &Api::target(
            "oauth2/advertiser/get/",
            &[("app_id", APP_ID), ("secret", SECRET)],
        ),
        Some(TOKEN),
    );
    assert_eq!(r.status, 200);
}

#[test]
fn invalid_overrides_are_400() {
    let api = Api::default();
    for body in [
        json!({"path": "campaign/get"}),
        json!({"path": "campaign/get/", "status": 1000}),
        json!({"path": "campaign/get/", "nonsense": 1}),
        json!({"path": "campaign/get/", "body": {}, "body_text": "x"}),
    ] {
        let r = api.raw_post("/_emulator/overrides", &body.to_string(), None);
        assert_eq!(r.status, 400, "{body}: {}", r.text());
    }
}
