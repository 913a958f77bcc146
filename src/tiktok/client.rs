//! HTTP client for TikTok API for Business v1.3: every request takes its turn at the pacer and a
//! place in flight, answers are decoded by the caller straight from the bytes (so TikTok's error
//! codes are known before anything is kept), and what is worth retrying is retried with backoff
//! and jitter, within a bounded number of attempts and time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderValue, ACCEPT};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::envelope::{self, AsValue};
use super::error::{ApiError, ErrorKind};
use super::gate::InFlight;
use super::limits::{endpoint_limits, EndpointPacers};
use super::pacer::Pacer;
use crate::config::Config;
use crate::secrets::{redact, Secret};

const MAX_BACKOFF: Duration = Duration::from_secs(120);
const MAX_ATTEMPTS: u32 = 12;
/// Answers decoded at the same time: each holds a whole page (a few MB for a big report) until
/// its records are handed to the writer, so this bounds the connector's memory. One is enough:
/// a core decodes far more rows a second than TikTok's highest tier can send (50 pages of
/// 1,000 rows).
const DECODING_AT_ONCE: usize = 1;

/// Query parameters: plain values as they are, arrays and objects as compact JSON text.
pub type Query = Vec<(&'static str, String)>;

pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// What the client tells the part of the sync a request belongs to.
pub trait Observer: Send + Sync {
    /// A failed attempt that will be tried again after `delay`.
    fn retrying<'a>(
        &'a self,
        error: &'a ApiError,
        delay: Duration,
        next_attempt: u32,
    ) -> BoxFuture<'a, ()>;
    /// The request waits for TikTok's rate limit until `until`.
    fn rate_limited(&self, until: SystemTime) -> BoxFuture<'_, ()>;
    /// The request got its answer.
    fn answered(&self) -> BoxFuture<'_, ()>;
}

/// An observer that says nothing (check, discover, tests).
pub struct Quiet;

impl Observer for Quiet {
    fn retrying<'a>(&'a self, _: &'a ApiError, _: Duration, _: u32) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }
    fn rate_limited(&self, _: SystemTime) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
    fn answered(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// What TikTok said beside the body.
#[derive(Clone, Copy, Debug, Default)]
pub struct Meta {
    /// `X-Tt-Ads-Throttle`: a report covered only TikTok's 20,000 most recent ads.
    pub ads_throttled: bool,
}

/// A decoded answer, holding its place among the answers in memory until dropped.
pub struct Fetched<T> {
    pub value: T,
    decoding: OwnedSemaphorePermit,
}

/// An answer's place among the answers in memory; freed when dropped.
pub struct Held(#[allow(dead_code)] OwnedSemaphorePermit);

impl<T> Fetched<T> {
    /// The value, and its place in memory to keep until the value is handed on.
    pub fn into_parts(self) -> (T, Held) {
        (self.value, Held(self.decoding))
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// `<base>/open_api/v1.3/`
    root: String,
    token: Option<Secret>,
    pacer: Arc<Pacer>,
    /// Endpoints with a budget of their own (GMV Max reports, report tasks).
    endpoint_pacers: Arc<EndpointPacers>,
    in_flight: Arc<InFlight>,
    decoding: Arc<Semaphore>,
    max_retry: Duration,
    /// How long TikTok may take to start answering, and then to send the body.
    timeout: Duration,
    backoff_base: Duration,
    /// A wait for the rate limit longer than this is reported (RATE_LIMITED status).
    long_wait: Duration,
    jitter: Arc<AtomicU64>,
}

impl Client {
    pub fn new(config: &Config) -> Result<Client, ApiError> {
        // No overall timeout here: `get` times the wait for TikTok's headers and the body read
        // separately, so the time an answer waits for its turn to be decoded (our own
        // backpressure) never counts as TikTok being slow.
        // The config checked its base URL already; a client is never built on an unchecked one.
        let base = crate::config::check_base_url(&config.base_url)
            .map_err(|e| ApiError::transport(ErrorKind::Config, e.0, None, ""))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            // A redirect would carry the Access-Token header to wherever it points, and its body
            // is not TikTok's answer: TikTok's API does not redirect, so none is followed.
            .redirect(reqwest::redirect::Policy::none())
            // HTTPS is rustls with the Mozilla roots (webpki-roots, reqwest's `rustls-tls`):
            // certificates and host names are always verified; nothing here turns that off.
            .tls_built_in_root_certs(true)
            .user_agent(concat!("source-tiktok-ads/", env!("CARGO_PKG_VERSION")))
            // Each connection keeps hyper's read buffer (up to ~400 KB) while it lives, idle or
            // not. A burst can open a dozen connections that steady pacing never uses again;
            // closing the idle ones beyond four keeps peak memory from following the largest
            // burst of a long sync (memory-1m: 27.5 → 24 MB). At 50 requests/s, one request in
            // forty then opens a connection (pace-50: 54 connects for 2,312 requests).
            .pool_max_idle_per_host(IDLE_CONNECTIONS_KEPT)
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
            root: format!("{base}/open_api/v1.3/"),
            token: config.access_token.clone(),
            pacer: Arc::new(Pacer::new(
                config.requests_per_second,
                config.requests_per_minute,
            )),
            endpoint_pacers: Arc::new(EndpointPacers::new(&endpoint_limits(
                &config.rate_limit_tier,
            ))),
            in_flight: InFlight::new(config.max_in_flight),
            decoding: Arc::new(Semaphore::new(DECODING_AT_ONCE)),
            max_retry: Duration::from_secs(config.max_retry_secs),
            timeout: Duration::from_secs(config.request_timeout_secs),
            backoff_base: Duration::from_millis(config.backoff_base_ms),
            long_wait: Duration::from_millis(config.rate_limited_status_after_ms),
            jitter: Arc::new(AtomicU64::new(seed | 1)),
        })
    }

    pub fn with_token(mut self, token: Secret) -> Client {
        self.token = Some(token);
        self
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// GET `path` and decode the answer with `decode`, retrying what is worth retrying. `decode`
    /// sees the whole body; it returns TikTok's error (from the envelope) when there is one.
    pub async fn get<T>(
        &self,
        path: &str,
        query: &Query,
        observer: &dyn Observer,
        decode: impl FnMut(&[u8], Meta) -> Result<T, ApiError>,
    ) -> Result<Fetched<T>, ApiError> {
        self.send(path, Request::Get(query), observer, decode).await
    }

    /// POST a JSON body (report tasks) and decode the answer, paced and retried like a GET.
    pub async fn post_json<T>(
        &self,
        path: &str,
        body: &serde_json::Value,
        observer: &dyn Observer,
        decode: impl FnMut(&[u8], Meta) -> Result<T, ApiError>,
    ) -> Result<Fetched<T>, ApiError> {
        self.send(path, Request::Post(body), observer, decode).await
    }

    async fn send<T>(
        &self,
        path: &str,
        request: Request<'_>,
        observer: &dyn Observer,
        mut decode: impl FnMut(&[u8], Meta) -> Result<T, ApiError>,
    ) -> Result<Fetched<T>, ApiError> {
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            let err = match self.send_once(path, request, observer, &mut decode).await {
                Ok(fetched) => return Ok(fetched),
                Err(e) if matches!(e.kind, ErrorKind::RateLimited | ErrorKind::Transient) => e,
                Err(e) => return Err(e),
            };
            attempt += 1;
            // A rate limit is waited out at the pacer, which has just slowed down for everyone:
            // the path's own when it has one (its budget is the tighter), else the app's.
            let delay = if err.kind == ErrorKind::RateLimited {
                match self.endpoint_pacers.of(path) {
                    Some(p) => p.throttled(),
                    None => self.pacer.throttled(),
                }
                Duration::ZERO
            } else {
                self.backoff(attempt)
            };
            if attempt >= MAX_ATTEMPTS || started.elapsed() + delay > self.max_retry {
                return Err(err);
            }
            observer.retrying(&err, delay, attempt + 1).await;
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
    }

    /// GET a small answer as plain JSON (`data`, or `{}` when TikTok sent none).
    pub async fn get_value(
        &self,
        path: &str,
        query: &Query,
        observer: &dyn Observer,
    ) -> Result<serde_json::Value, ApiError> {
        let fetched = self
            .get(path, query, observer, |body, _| {
                Ok(envelope::decode(body, path, AsValue)?
                    .data
                    .unwrap_or_else(|| serde_json::Value::Object(Default::default())))
            })
            .await?;
        Ok(fetched.value)
    }

    /// POST a JSON body (the token exchange). Not retried on TikTok's answers: a code is single use.
    pub async fn post(
        &self,
        path: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, ApiError> {
        self.pacer.acquire(self.long_wait, |_| async {}).await;
        let _place = self.in_flight.enter().await;
        let req = self
            .http
            .post(format!("{}{}", self.root, path))
            .header(ACCEPT, "application/json")
            .json(body);
        let resp = self.headers(path, req).await?;
        let (bytes, _) = self.read_body(path, resp).await?;
        Ok(envelope::decode(&bytes, path, AsValue)?
            .data
            .unwrap_or_else(|| serde_json::Value::Object(Default::default())))
    }

    async fn send_once<T>(
        &self,
        path: &str,
        request: Request<'_>,
        observer: &dyn Observer,
        decode: &mut impl FnMut(&[u8], Meta) -> Result<T, ApiError>,
    ) -> Result<Fetched<T>, ApiError> {
        let place = self.in_flight.enter().await;
        // The path's own budget first: a turn taken at the app's pacer and then held while the
        // path's slower pacer waits would be a turn lost for every other request.
        if let Some(own) = self.endpoint_pacers.of(path) {
            own.acquire(self.long_wait, |wait| {
                observer.rate_limited(SystemTime::now() + wait)
            })
            .await;
        }
        self.pacer
            .acquire(self.long_wait, |wait| {
                observer.rate_limited(SystemTime::now() + wait)
            })
            .await;
        let sent_at = Instant::now();
        let url = format!("{}{}", self.root, path);
        let mut req = match request {
            Request::Get(query) => self.http.get(url).query(query),
            Request::Post(body) => self.http.post(url).json(body),
        }
        .header(ACCEPT, "application/json");
        if let Some(token) = &self.token {
            let value = HeaderValue::from_str(token.expose()).map_err(|_| {
                ApiError::transport(
                    ErrorKind::Config,
                    "the access token contains characters a token cannot have (a line break or another \
                     control character); paste the token again without them"
                        .into(),
                    None,
                    path,
                )
            })?;
            req = req.header("Access-Token", value);
        }
        let resp = self.headers(path, req).await?;
        // TikTok's answer time, for Little's law (not our own wait for a decoding turn).
        self.in_flight.observe(sent_at.elapsed(), self.pacer.rate());
        let ads_throttled = resp.headers().contains_key("x-tt-ads-throttle");
        let waiting = self
            .in_flight
            .waiting(self.decoding.available_permits() == 0);
        let decoding = Arc::clone(&self.decoding)
            .acquire_owned()
            .await
            .map_err(|_| {
                ApiError::transport(ErrorKind::Rejected, "shutting down".into(), None, path)
            })?;
        drop(waiting);
        let (bytes, _) = self.read_body(path, resp).await?;
        drop(place);
        let value = decode(&bytes, Meta { ads_throttled })?;
        observer.answered().await;
        Ok(Fetched { value, decoding })
    }

    /// Sends a request and waits, at most `timeout`, for TikTok's status and headers.
    async fn headers(
        &self,
        path: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ApiError> {
        match tokio::time::timeout(self.timeout, req.send()).await {
            Ok(sent) => sent.map_err(|e| sent_error(path, &e)),
            Err(_) => Err(timed_out(path, "waiting for the answer")),
        }
    }

    /// The whole body of a 200, read within `timeout`; any other status is an error (5xx and
    /// 429 worth retrying).
    async fn read_body(
        &self,
        path: &str,
        resp: reqwest::Response,
    ) -> Result<(bytes::Bytes, u16), ApiError> {
        let status = resp.status().as_u16();
        let body = match tokio::time::timeout(self.timeout, resp.bytes()).await {
            Ok(read) => read.map_err(|e| {
                ApiError::transport(
                    ErrorKind::Transient,
                    redact(&format!("response cut short: {}", without_url(&e))),
                    Some(status),
                    path,
                )
            })?,
            Err(_) => return Err(timed_out(path, "reading the answer")),
        };
        if status != 200 {
            let kind = match status {
                429 => ErrorKind::RateLimited,
                500..=599 => ErrorKind::Transient,
                _ => ErrorKind::Rejected,
            };
            return Err(ApiError::transport(
                kind,
                format!("HTTP {status}"),
                Some(status),
                path,
            ));
        }
        Ok((body, status))
    }

    /// Exponential backoff with jitter: between half and all of base·2^(attempt−1), capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16))
            .min(MAX_BACKOFF);
        let mut x = self.jitter.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter.store(x, Ordering::Relaxed);
        let fraction = 0.5 + (x % 1000) as f64 / 2000.0;
        exp.mul_f64(fraction)
    }
}

/// Idle connections kept open for reuse (see `Client::new`).
const IDLE_CONNECTIONS_KEPT: usize = 4;

fn timed_out(path: &str, what: &str) -> ApiError {
    ApiError::transport(
        ErrorKind::Transient,
        format!("timed out {what}"),
        None,
        path,
    )
}

/// What is sent: a GET with its query, or a POST with its JSON body.
#[derive(Clone, Copy)]
enum Request<'a> {
    Get(&'a Query),
    Post(&'a serde_json::Value),
}

fn sent_error(path: &str, e: &reqwest::Error) -> ApiError {
    let detail = without_url(e);
    // rustls refused the server's certificate: asking again gets the same certificate. Either
    // the address is not TikTok's or something on the way intercepts TLS; a person must look.
    if detail.contains("invalid peer certificate") {
        return ApiError::transport(
            ErrorKind::Config,
            redact(&format!(
                "the server's certificate could not be verified ({detail}); the connection is not \
                 trustworthy, so nothing was sent. Check 'api_base_url', a proxy that intercepts \
                 HTTPS, and the machine's clock"
            )),
            None,
            path,
        );
    }
    let what = if e.is_timeout() {
        "timed out"
    } else {
        "connection failed"
    };
    ApiError::transport(
        ErrorKind::Transient,
        redact(&format!("{what}: {detail}")),
        None,
        path,
    )
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
