//! TikTok's errors, typed, what each means for a sync, and how to explain it to the person who
//! can act on it.

use std::fmt;

/// What a failure asks of the connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The user must act: credentials, permissions, accounts.
    Config,
    /// TikTok asks us to slow down: wait, pace down, retry.
    RateLimited,
    /// A passing fault on TikTok's side or the network: retry with backoff.
    Transient,
    /// TikTok rejected the request, or answered something unusable; retrying will not help.
    Rejected,
}

/// One failed call: TikTok's own `code`, `message` and `request_id` when it sent an envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub code: Option<i64>,
    pub message: String,
    pub request_id: Option<String>,
    pub http_status: Option<u16>,
    /// The endpoint, e.g. `campaign/get/`.
    pub path: String,
}

impl ApiError {
    pub fn from_code(code: i64, message: &str, request_id: Option<String>, path: &str) -> ApiError {
        ApiError {
            kind: classify(code),
            code: Some(code),
            message: message.to_string(),
            request_id,
            http_status: Some(200),
            path: path.to_string(),
        }
    }

    pub fn transport(
        kind: ErrorKind,
        message: String,
        http_status: Option<u16>,
        path: &str,
    ) -> ApiError {
        ApiError {
            kind,
            code: None,
            message,
            request_id: None,
            http_status,
            path: path.to_string(),
        }
    }

    /// An answer with TikTok's success code whose content cannot be used as it is.
    pub fn bad_answer(path: &str, what: String) -> ApiError {
        ApiError::transport(
            ErrorKind::Rejected,
            format!("TikTok's answer is not usable: {what}"),
            Some(200),
            path,
        )
    }

    /// The names TikTok gives invalid metrics in a 40002, e.g.
    /// "... Invalid metric fields: ['voucher_spend', 'cash_spend']. ".
    pub fn invalid_metrics(&self) -> Option<Vec<String>> {
        if self.code != Some(40002) {
            return None;
        }
        let rest = self.message.split("Invalid metric fields:").nth(1)?;
        let inner = rest.split('[').nth(1)?.split(']').next()?;
        let names: Vec<String> = inner
            .split(',')
            .map(|s| s.trim().trim_matches(|c| c == '\'' || c == '"').to_string())
            .filter(|s| !s.is_empty())
            .collect();
        (!names.is_empty()).then_some(names)
    }

    pub fn is_query_too_large(&self) -> bool {
        self.code == Some(40067)
    }

    /// TikTok's answer, explained for someone who can act on it.
    pub fn explain(&self) -> String {
        let said = format!(
            "TikTok said: {} (code {}{})",
            self.message.trim(),
            self.code.map(|c| c.to_string()).unwrap_or("-".into()),
            self.request_id
                .as_ref()
                .map(|r| format!(", request_id {r}"))
                .unwrap_or_default()
        );
        match self.code {
            Some(40110) => format!("The authorization code was already used or is older than one hour. Authorize the \
                app again (Authenticate your TikTok Ads account) and paste the new code. {said}"),
            Some(40101) | Some(40113) => format!("TikTok rejected the App ID or the Secret, or the authorization code. \
                Check both in the TikTok developer portal (My Apps) and that the code belongs to this app. {said}"),
            Some(40102) | Some(40104) | Some(40105) | Some(40106) | Some(40107) => format!("The access token is invalid, \
                expired or was revoked. Authorize the app again to get a new token. {said}"),
            Some(40001) | Some(40003) => format!("The token has no permission for this advertiser account. Authorize \
                the app for the account in TikTok Ads Manager, or remove the account from 'accounts'. {said}"),
            Some(40008) | Some(40009) | Some(40013) | Some(40014) => {
                format!("This is not available in TikTok's sandbox. {said}")
            }
            _ => match self.kind {
                ErrorKind::RateLimited => format!("TikTok kept answering that the app sends too many requests, even \
                    after waiting. Lower 'rate_limit_tier' or make sure no other sync uses this app at the same time. \
                    {said}"),
                ErrorKind::Transient => format!("TikTok did not answer properly after several tries ({self}). This is \
                    usually temporary; the next attempt continues where this one stopped."),
                _ => self.to_string(),
            },
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(code) => write!(
                f,
                "TikTok {} answered {code}: {}",
                self.path,
                self.message.trim()
            )?,
            None => write!(f, "TikTok {}: {}", self.path, self.message.trim())?,
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request_id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// TikTok's return codes (reference §5.1) by what they ask of us.
pub fn classify(code: i64) -> ErrorKind {
    match code {
        40100 | 40133 | 40016 | 40132 | 61000 => ErrorKind::RateLimited,
        50000
        | 50002
        | 51000..=51099
        | 52000..=52204
        | 53102
        | 53103
        | 60001
        | 40200..=40202
        | 40700 => ErrorKind::Transient,
        40001 | 40003 | 40008 | 40009 | 40013 | 40014 | 40101..=40131 | 40300..=40302 | 41000 => {
            ErrorKind::Config
        }
        _ => ErrorKind::Rejected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        assert_eq!(classify(40100), ErrorKind::RateLimited);
        assert_eq!(classify(40133), ErrorKind::RateLimited);
        assert_eq!(classify(50002), ErrorKind::Transient);
        assert_eq!(classify(51023), ErrorKind::Transient);
        assert_eq!(classify(40105), ErrorKind::Config);
        assert_eq!(classify(40001), ErrorKind::Config);
        assert_eq!(classify(40002), ErrorKind::Rejected);
        assert_eq!(classify(40067), ErrorKind::Rejected);
    }

    #[test]
    fn invalid_metric_names_are_read_from_the_message() {
        let e = ApiError::from_code(
            40002,
            "Please correct the information in invalid metric fields and try again. Invalid metric fields: ['voucher_spend', 'cash_spend']. ",
            None,
            "report/integrated/get/",
        );
        assert_eq!(
            e.invalid_metrics().unwrap(),
            vec!["voucher_spend", "cash_spend"]
        );
        let other = ApiError::from_code(40002, "page_size: must be at most 1000", None, "x/");
        assert!(other.invalid_metrics().is_none());
    }

    #[test]
    fn explanations_say_what_to_do() {
        let e = ApiError::from_code(40105, "Access token is incorrect.", None, "campaign/get/");
        assert!(
            e.explain().contains("Authorize the app again"),
            "{}",
            e.explain()
        );
        let e = ApiError::from_code(40001, "No permission.", Some("r1".into()), "campaign/get/");
        assert!(e.explain().contains("request_id r1"));
    }
}
