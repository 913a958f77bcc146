//! TikTok's errors, typed, and what each means for a sync.

use std::fmt;

/// What a failure asks of the connector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user must act: credentials, permissions, accounts.
    Config,
    /// TikTok asks us to slow down: wait, pace down, retry.
    RateLimited,
    /// A passing fault on TikTok's side or the network: retry with backoff.
    Transient,
    /// TikTok rejected the request; retrying will not help.
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
}
