use std::cell::RefCell;

use serde_json::Value;
use tiktok_emulator::client::{query, Client, HttpResponse};
use tiktok_emulator::{Emulator, EmulatorConfig};

pub const TOKEN: &str = "emulator-token";
pub const APP_ID: &str = "7100000000000000001";
pub const SECRET: &str = "emulator-secret";

pub struct Api {
    pub emu: Emulator,
    client: RefCell<Client>,
}

impl Api {
    pub fn new(cfg: EmulatorConfig) -> Api {
        let emu = Emulator::start(cfg);
        let client = Client::new(&emu.base_url()).expect("client");
        Api {
            emu,
            client: RefCell::new(client),
        }
    }

    pub fn default() -> Api {
        Api::new(EmulatorConfig::default())
    }

    /// A fresh connection for requests that may break it (faults).
    pub fn fresh_client(&self) -> Client {
        Client::new(&self.emu.base_url()).expect("client")
    }

    pub fn raw(&self, target: &str, token: Option<&str>) -> HttpResponse {
        self.client
            .borrow_mut()
            .get(target, token)
            .expect("HTTP request")
    }

    pub fn raw_post(&self, target: &str, body: &str, token: Option<&str>) -> HttpResponse {
        self.client
            .borrow_mut()
            .post_json(target, body, token)
            .expect("HTTP request")
    }

    pub fn target(endpoint: &str, params: &[(&str, &str)]) -> String {
        format!("/open_api/v1.3/{endpoint}?{}", query(params))
    }

    /// GET with a token; the answer must be HTTP 200 with a JSON envelope.
    pub fn call_with(&self, endpoint: &str, params: &[(&str, &str)], token: Option<&str>) -> Value {
        let r = self.raw(&Self::target(endpoint, params), token);
        assert_eq!(r.status, 200, "{endpoint}: {}", r.text());
        r.json()
            .unwrap_or_else(|e| panic!("{endpoint}: not JSON ({e}): {}", r.text()))
    }

    pub fn call(&self, endpoint: &str, params: &[(&str, &str)]) -> Value {
        self.call_with(endpoint, params, Some(TOKEN))
    }

    /// The `data` of a successful call.
    pub fn ok(&self, endpoint: &str, params: &[(&str, &str)]) -> Value {
        let v = self.call(endpoint, params);
        assert_eq!(v["code"], 0, "{endpoint} {params:?}: {v}");
        assert_eq!(v["message"], "OK");
        v["data"].clone()
    }

    /// Code and message of a call that must fail, checking the error envelope.
    pub fn err(&self, endpoint: &str, params: &[(&str, &str)]) -> (i64, String) {
        err_of(&self.call(endpoint, params))
    }

    pub fn adv(&self, i: usize) -> String {
        self.emu.world().advertisers[i].advertiser_id.clone()
    }

    /// Walks every page of a list endpoint; returns the items and every page_info seen.
    pub fn walk(
        &self,
        endpoint: &str,
        params: &[(&str, &str)],
        key: &str,
        page_size: u64,
    ) -> (Vec<Value>, Vec<Value>) {
        let mut items = Vec::new();
        let mut infos = Vec::new();
        let size = page_size.to_string();
        for page in 1..10_000u64 {
            let page_s = page.to_string();
            let mut p = params.to_vec();
            p.push(("page", &page_s));
            p.push(("page_size", &size));
            let data = self.ok(endpoint, &p);
            let list = data[key]
                .as_array()
                .unwrap_or_else(|| panic!("{endpoint}: no {key}: {data}"))
                .clone();
            infos.push(data["page_info"].clone());
            if list.is_empty() {
                break;
            }
            assert!(list.len() as u64 <= page_size);
            items.extend(list);
        }
        (items, infos)
    }
}

pub fn err_of(v: &Value) -> (i64, String) {
    let code = v["code"].as_i64().expect("code");
    assert_ne!(code, 0, "expected an error: {v}");
    assert_eq!(
        v["data"],
        serde_json::json!({}),
        "error data must be empty: {v}"
    );
    (code, v["message"].as_str().unwrap_or_default().to_string())
}

pub fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|x| x[key].as_str().expect("id string").to_string())
        .collect()
}
