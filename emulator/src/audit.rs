//! What a request log says about a client's economy: requests sent twice, retries after failed
//! answers, pages asked past the last one, throttled answers. The connector benchmark prints
//! these figures; tests can assert on them (`audit(&emu.requests()).excess() == 0`).

use std::collections::HashMap;

use serde::Serialize;

use crate::log::LoggedRequest;
use crate::model::Params;

/// TikTok's throttling codes: the app's QPS/QPM limit and the advertiser's per-path limit.
pub const THROTTLE_CODES: [i64; 2] = [40100, 40133];

/// How many of the duplicated requests an audit lists, to show what was repeated.
const EXAMPLES: usize = 3;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Audit {
    pub requests: u64,
    /// Every send of a request (same method, path and parameters) after its first send,
    /// whatever the answers were.
    pub duplicates: u64,
    /// The duplicates whose earlier sends had all failed: retries the answers forced.
    pub retries: u64,
    /// First sends of a page after the last one (`page > max(total_page, 1)` in a successful
    /// answer): the client could have stopped at `total_page`.
    pub pages_past_end: u64,
    /// Answers with code 40100 or 40133.
    pub throttled: u64,
    /// Answers other than HTTP 200 with code 0 (throttled ones included).
    pub failed: u64,
    /// A few duplicated requests, as `METHOD path?params` (secrets are already masked in the log).
    pub duplicate_examples: Vec<String>,
}

impl Audit {
    /// Requests the data did not need: duplicates (retries included) plus pages past the end.
    pub fn excess(&self) -> u64 {
        self.duplicates + self.pages_past_end
    }
}

fn succeeded(r: &LoggedRequest) -> bool {
    r.http_status == 200 && r.code == Some(0)
}

fn describe(r: &LoggedRequest) -> String {
    let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{} {}?{}", r.method, r.path, params.join("&"))
}

/// Audits a log in the order it was written (the order answers completed).
pub fn audit(log: &[LoggedRequest]) -> Audit {
    // Per distinct request: whether any of its sends so far succeeded.
    let mut seen: HashMap<(&str, &str, &Params), bool> = HashMap::new();
    let mut a = Audit {
        requests: log.len() as u64,
        ..Audit::default()
    };
    for r in log {
        let ok = succeeded(r);
        if !ok {
            a.failed += 1;
        }
        if r.code.is_some_and(|c| THROTTLE_CODES.contains(&c)) {
            a.throttled += 1;
        }
        match seen.get_mut(&(r.method.as_str(), r.path.as_str(), &r.params)) {
            Some(any_ok) => {
                a.duplicates += 1;
                if !*any_ok {
                    a.retries += 1;
                }
                *any_ok |= ok;
                if a.duplicate_examples.len() < EXAMPLES {
                    a.duplicate_examples.push(describe(r));
                }
            }
            None => {
                seen.insert((r.method.as_str(), r.path.as_str(), &r.params), ok);
                let page = r
                    .params
                    .get("page")
                    .and_then(|p| p.trim().parse::<u64>().ok())
                    .unwrap_or(1);
                if ok && r.total_page.is_some_and(|total| page > total.max(1)) {
                    a.pages_past_end += 1;
                }
            }
        }
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(
        path: &str,
        params: &[(&str, &str)],
        code: i64,
        total_page: Option<u64>,
    ) -> LoggedRequest {
        LoggedRequest {
            method: "GET".into(),
            path: path.into(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            code: Some(code),
            http_status: 200,
            latency_ms: 0,
            arrived_us: 0,
            fault: None,
            total_page,
        }
    }

    #[test]
    fn the_server_logs_total_page_so_a_page_past_the_end_shows() {
        use crate::client::{query, Client};
        use crate::{Emulator, EmulatorConfig};
        let cfg = EmulatorConfig::default();
        let emu = Emulator::start(cfg.clone());
        let adv = emu.world().advertisers[0].advertiser_id.clone();
        let mut client = Client::new(&emu.base_url()).unwrap();
        for page in ["1", "1", "9"] {
            let target = format!(
                "/open_api/v1.3/campaign/get/?{}",
                query(&[
                    ("advertiser_id", &adv),
                    ("page", page),
                    ("page_size", "1000")
                ])
            );
            let r = client.get(&target, Some(&cfg.access_token)).unwrap();
            assert_eq!(r.json().unwrap()["code"], 0);
        }
        let log = emu.requests();
        assert_eq!(
            log[0].total_page,
            Some(1),
            "every campaign fits one page of 1000"
        );
        let a = audit(&log);
        assert_eq!((a.requests, a.duplicates, a.pages_past_end), (3, 1, 1));
    }

    #[test]
    fn distinct_requests_are_not_excess() {
        let log = vec![
            req("/r/", &[("page", "1"), ("a", "1")], 0, Some(2)),
            req("/r/", &[("page", "2"), ("a", "1")], 0, Some(2)),
            req("/r/", &[("page", "1"), ("a", "2")], 0, Some(0)),
            req("/e/", &[("page", "1"), ("a", "1")], 0, Some(1)),
        ];
        let a = audit(&log);
        assert_eq!(
            (a.requests, a.excess(), a.failed, a.throttled),
            (4, 0, 0, 0)
        );
    }

    #[test]
    fn a_repeat_of_a_success_is_a_duplicate_and_a_repeat_after_a_throttle_a_retry() {
        let p = [("page", "1"), ("advertiser_id", "7")];
        let log = vec![
            req("/r/", &p, 40100, None),
            req("/r/", &p, 40133, None),
            req("/r/", &p, 0, Some(1)),
            req("/r/", &p, 0, Some(1)),
            req("/other/", &p, 0, Some(1)),
        ];
        let a = audit(&log);
        assert_eq!(a.duplicates, 3, "three sends after the first of /r/");
        assert_eq!(a.retries, 2, "two sends came after failures only");
        assert_eq!(a.throttled, 2);
        assert_eq!(a.failed, 2);
        assert_eq!(a.excess(), 3);
        assert_eq!(a.duplicate_examples.len(), 3);
        assert!(a.duplicate_examples[0].starts_with("GET /r/?advertiser_id=7&page=1"));
    }

    #[test]
    fn pages_after_the_last_are_counted_once() {
        let log = vec![
            req("/r/", &[("page", "1")], 0, Some(2)),
            req("/r/", &[("page", "2")], 0, Some(2)),
            req("/r/", &[("page", "3")], 0, Some(2)),
            req("/r/", &[("page", "3")], 0, Some(2)),
            // An empty result still needs its first page.
            req("/e/", &[("page", "1")], 0, Some(0)),
            req("/e/", &[("page", "2")], 0, Some(0)),
        ];
        let a = audit(&log);
        assert_eq!(a.pages_past_end, 2, "/r/ page 3 once, /e/ page 2");
        assert_eq!(a.duplicates, 1);
        assert_eq!(a.excess(), 3);
    }
}
