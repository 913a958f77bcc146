//! Answer overrides: a test makes an endpoint answer what a broken or hostile server would, in
//! place of TikTok's behaviour: a fixed body (`{"code":0,"data":null}`, the same page forever,
//! an echo of the token), any HTTP status and headers (a 302 to another host), for the requests
//! whose parameters match, a number of times or until cleared. Overridden requests skip auth,
//! limits and faults, and are logged with fault `"override"`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::Params;

/// One override, as the control endpoint takes it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The endpoint under `/open_api/v1.3/`, e.g. `campaign/get/`.
    pub path: String,
    /// Only requests whose (decoded) parameters have all of these values.
    #[serde(default)]
    pub when: BTreeMap<String, String>,
    /// HTTP status; 200 when absent.
    #[serde(default)]
    pub status: Option<u16>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// A JSON body, sent as compact JSON text.
    #[serde(default)]
    pub body: Option<Value>,
    /// A body sent as it is (invalid JSON, HTML, a cut answer); used when `body` is absent.
    #[serde(default)]
    pub body_text: Option<String>,
    /// Answer this many matching requests, then stop; until cleared when absent.
    #[serde(default)]
    pub times: Option<u64>,
}

/// The text `{{page}}` in a body becomes the request's `page` parameter (1 when absent), so a
/// test can serve distinct pages forever.
pub const PAGE_PLACEHOLDER: &str = "{{page}}";

/// An override's answer to one request.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Default)]
pub struct Overrides {
    list: Vec<Override>,
}

impl Overrides {
    pub fn add(&mut self, o: Override) -> Result<usize, String> {
        let path = o.path.trim_start_matches('/').to_string();
        if path.is_empty() || !path.ends_with('/') {
            return Err("'path' must be an endpoint like campaign/get/ (trailing slash)".into());
        }
        if o.body.is_some() && o.body_text.is_some() {
            return Err("give 'body' or 'body_text', not both".into());
        }
        if let Some(s) = o.status {
            if !(100..=599).contains(&s) {
                return Err(format!("'status' {s} is not an HTTP status"));
            }
        }
        let mut o = o;
        o.path = path;
        self.list.push(o);
        Ok(self.list.len())
    }

    pub fn clear(&mut self) {
        self.list.clear();
    }

    pub fn all(&self) -> Vec<Override> {
        self.list.clone()
    }

    /// The answer of the first override that matches, counting it down.
    pub fn answer(&mut self, endpoint: &str, params: &Params) -> Option<Answer> {
        let i = self.list.iter().position(|o| {
            o.path == endpoint
                && o.when
                    .iter()
                    .all(|(k, v)| params.get(k).is_some_and(|p| p == v))
        })?;
        let o = self.list.get_mut(i)?;
        let page = params
            .get("page")
            .map(|p| p.trim().to_string())
            .unwrap_or_else(|| "1".into());
        let body = match (&o.body, &o.body_text) {
            (Some(v), _) => v.to_string(),
            (None, Some(t)) => t.clone(),
            (None, None) => String::new(),
        }
        .replace(PAGE_PLACEHOLDER, &page);
        let answer = Answer {
            status: o.status.unwrap_or(200),
            headers: o
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            body,
        };
        if let Some(left) = o.times.as_mut() {
            *left = left.saturating_sub(1);
            if *left == 0 {
                self.list.remove(i);
            }
        }
        Some(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn first_match_answers_and_counts_down() {
        let mut o = Overrides::default();
        o.add(Override {
            path: "campaign/get/".into(),
            when: [("advertiser_id".to_string(), "1".to_string())].into(),
            body: Some(json!({"code": 0, "data": {"page": "{{page}}"}})),
            times: Some(2),
            ..Override::default()
        })
        .unwrap();
        assert_eq!(
            o.answer("campaign/get/", &params(&[("advertiser_id", "2")])),
            None
        );
        assert_eq!(
            o.answer("ad/get/", &params(&[("advertiser_id", "1")])),
            None
        );
        let a = o
            .answer(
                "campaign/get/",
                &params(&[("advertiser_id", "1"), ("page", "7")]),
            )
            .unwrap();
        assert_eq!(a.status, 200);
        assert_eq!(a.body, r#"{"code":0,"data":{"page":"7"}}"#);
        assert!(o
            .answer("campaign/get/", &params(&[("advertiser_id", "1")]))
            .is_some());
        assert_eq!(
            o.answer("campaign/get/", &params(&[("advertiser_id", "1")])),
            None
        );
    }

    #[test]
    fn bad_overrides_are_refused() {
        let mut o = Overrides::default();
        assert!(o.add(Override::default()).is_err());
        assert!(o
            .add(Override {
                path: "x/".into(),
                status: Some(99),
                ..Override::default()
            })
            .is_err());
        assert!(o
            .add(Override {
                path: "x/".into(),
                body: Some(json!({})),
                body_text: Some("x".into()),
                ..Override::default()
            })
            .is_err());
    }
}
