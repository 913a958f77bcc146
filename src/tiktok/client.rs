//! HTTP client for TikTok API for Business v1.3: the envelope, typed errors, retries with
//! backoff and jitter, and the shared pacer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::error::{ApiError, ErrorKind};
use super::pacer::Pacer;
use crate::config::{redact, Config, Secret};

/// Where retry notices go (a LOG message in a sync).
pub type Notify = Arc<dyn Fn(&str) + Send + Sync>;

const MAX_BACKOFF: Duration = Duration::from_secs(120);
const MAX_ATTEMPTS: u32 = 12;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// `<base>/open_api/v1.3/`
    root: String,
    token: Option<Secret>,
    pacer: Arc<Pacer>,
    max_retry: Duration,
    backoff_base: Duration,
    notify: Option<Notify>,
    jitter: Arc<AtomicU64>,
}

/// A successful answer: the envelope's `data`, and whether TikTok capped a report at its
/// 20,000-ad limit (header `X-Tt-Ads-Throttle`), in which case the data is incomplete.
pub struct Answer {
    pub data: Value,
    pub ads_throttled: bool,
}

/// Query parameters: plain values as they are, arrays and objects as compact JSON text.
pub type Query = Vec<(&'static str, String)>;

impl Client {
    pub fn new(config: &Config) -> Result<Client, ApiError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.request_timeout_secs))
            .connect_timeout(Duration::from_secs(30))
            .user_agent(concat!("source-tiktok-ads/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                ApiError::transport(
                    ErrorKind::Rejected,
                    format!("cannot build the HTTP client: {e}"),
                    None,
                    "",
                )
            })?;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9);
        Ok(Client {
            http,
            root: format!("{}/open_api/v1.3/", config.base_url),
            token: config.access_token.clone(),
            pacer: Arc::new(Pacer::new(
                config.requests_per_second,
                config.requests_per_minute,
            )),
            max_retry: Duration::from_secs(config.max_retry_secs),
            backoff_base: Duration::from_millis(config.backoff_base_ms),
            notify: None,
            jitter: Arc::new(AtomicU64::new(seed | 1)),
        })
    }

    pub fn with_token(mut self, token: Secret) -> Client {
        self.token = Some(token);
        self
    }

    pub fn with_notify(mut self, notify: Notify) -> Client {
        self.notify = Some(notify);
        self
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// GET `path` and return the envelope's `data`, retrying what is worth retrying.
    pub async fn get(&self, path: &str, query: &Query) -> Result<Value, ApiError> {
        Ok(self.get_page(path, query).await?.data)
    }

    /// GET with what TikTok says beside the data (its report ad cap).
    pub async fn get_page(&self, path: &str, query: &Query) -> Result<Answer, ApiError> {
        self.with_retries(|| self.get_once(path, query)).await
    }

    /// POST a JSON body (the token exchange). Not retried on TikTok's answers: a code is single use.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, ApiError> {
        self.pacer.acquire().await;
        let req = self.http.post(format!("{}{}", self.root, path)).json(body);
        Ok(self.finish(path, req.send().await).await?.data)
    }

    async fn with_retries<F, Fut>(&self, mut call: F) -> Result<Answer, ApiError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Answer, ApiError>>,
    {
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            self.pacer.acquire().await;
            let err = match call().await {
                Ok(data) => return Ok(data),
                Err(e) if matches!(e.kind, ErrorKind::RateLimited | ErrorKind::Transient) => e,
                Err(e) => return Err(e),
            };
            if err.kind == ErrorKind::RateLimited {
                self.pacer.slow_down();
            }
            attempt += 1;
            let delay = self.backoff(attempt);
            if attempt >= MAX_ATTEMPTS || started.elapsed() + delay > self.max_retry {
                return Err(err);
            }
            if let Some(notify) = &self.notify {
                notify(&format!(
                    "{err}; retrying in {:.1}s (attempt {} of at most {MAX_ATTEMPTS})",
                    delay.as_secs_f64(),
                    attempt + 1
                ));
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// Exponential backoff with jitter: between half and all of base·2^(attempt−1), capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(MAX_BACKOFF);
        let mut x = self.jitter.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter.store(x, Ordering::Relaxed);
        let fraction = 0.5 + (x % 1000) as f64 / 2000.0;
        exp.mul_f64(fraction)
    }

    async fn get_once(&self, path: &str, query: &Query) -> Result<Answer, ApiError> {
        let mut req = self.http.get(format!("{}{}", self.root, path)).query(query);
        if let Some(token) = &self.token {
            req = req.header("Access-Token", token.expose());
        }
        self.finish(path, req.header("Accept", "application/json").send().await)
            .await
    }

    async fn finish(
        &self,
        path: &str,
        sent: reqwest::Result<reqwest::Response>,
    ) -> Result<Answer, ApiError> {
        let transport =
            |kind, msg: String, status| ApiError::transport(kind, redact(&msg), status, path);
        let resp = sent.map_err(|e| {
            let what = if e.is_timeout() {
                "timed out"
            } else {
                "connection failed"
            };
            transport(
                ErrorKind::Transient,
                format!("{what}: {}", without_url(&e)),
                None,
            )
        })?;
        let status = resp.status().as_u16();
        let ads_throttled = resp.headers().contains_key("x-tt-ads-throttle");
        let body = resp.bytes().await.map_err(|e| {
            transport(
                ErrorKind::Transient,
                format!("response cut short: {}", without_url(&e)),
                Some(status),
            )
        })?;
        if status != 200 {
            let kind = match status {
                429 => ErrorKind::RateLimited,
                500..=599 => ErrorKind::Transient,
                _ => ErrorKind::Rejected,
            };
            return Err(transport(kind, format!("HTTP {status}"), Some(status)));
        }
        let mut envelope: Value = serde_json::from_slice(&body).map_err(|e| {
            transport(
                ErrorKind::Transient,
                format!("invalid JSON in the response ({e})"),
                Some(status),
            )
        })?;
        let Some(code) = envelope.get("code").and_then(Value::as_i64) else {
            return Err(transport(
                ErrorKind::Transient,
                "a response without TikTok's envelope".into(),
                Some(status),
            ));
        };
        let request_id = envelope
            .get("request_id")
            .and_then(Value::as_str)
            .map(String::from);
        // 20001 is TikTok's partial success: the data is there.
        if code != 0 && code != 20001 {
            let message = envelope
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("");
            return Err(ApiError::from_code(
                code,
                &redact(message),
                request_id,
                path,
            ));
        }
        let data = match envelope.get_mut("data").map(Value::take) {
            Some(Value::Null) | None => Value::Object(Default::default()),
            Some(data) => data,
        };
        Ok(Answer {
            data,
            ads_throttled,
        })
    }
}

/// reqwest's errors name the URL, whose query may carry the app secret: describe the error
/// without it, with its causes.
fn without_url(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    if let Some(url) = e.url() {
        out = out.replace(url.as_str(), url.path());
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let cfg = Config::parse(
            &serde_json::json!({"app_id": "1", "secret": "secret-x", "access_token": "token-x",
            "start_date": "2024-01-01", "backoff_base_ms": 1000}),
        )
        .unwrap();
        let c = Client::new(&cfg).unwrap();
        for attempt in 1..20 {
            let d = c.backoff(attempt);
            let full = Duration::from_secs(1)
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(MAX_BACKOFF);
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempt}: {d:?} vs {full:?}"
            );
        }
    }
}
