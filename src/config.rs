//! The connector configuration: parsed once into typed values; every error names the field and
//! says what to do.

use std::fmt;

use chrono::NaiveDate;
use serde_json::Value;

pub use crate::secrets::{redact, register_secret, Secret};
use crate::streams::decl::{Granularity, Level, ReportType};
use crate::streams::metric_groups::MetricGroup;

pub const PRODUCTION_URL: &str = "https://business-api.tiktok.com";
pub const SANDBOX_URL: &str = "https://sandbox-ads.tiktok.com";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Production,
    Sandbox,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CustomReport {
    pub name: String,
    pub report_type: ReportType,
    pub level: Level,
    pub breakdowns: Vec<String>,
    pub metrics: Vec<String>,
    pub granularity: Granularity,
}

/// The config as given, to send back (with a token) in a CONTROL message. It holds the
/// credentials, so it never prints.
#[derive(Clone)]
pub struct Raw(pub Value);

impl fmt::Debug for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Raw(..)")
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub raw: Raw,
    pub app_id: String,
    pub secret: Secret,
    pub access_token: Option<Secret>,
    pub auth_code: Option<Secret>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub include_deleted: bool,
    /// Entries of the accounts setting, trimmed, empty ones dropped.
    pub accounts: Vec<String>,
    pub environment: Environment,
    pub attribution_window: u32,
    pub daily_window_days: u32,
    pub requests_per_second: u32,
    pub requests_per_minute: u32,
    /// The app's tier (basic, advanced, premium, ultimate): the budgets of endpoints that have
    /// their own (`tiktok::limits`) follow it.
    pub rate_limit_tier: String,
    /// Long first syncs and capped ad-level windows are read through report tasks.
    pub async_backfill: bool,
    /// At most this many requests in flight; fewer when rate × latency needs fewer.
    pub max_in_flight: usize,
    /// A wait for the rate limit longer than this shows the stream as rate limited.
    pub rate_limited_status_after_ms: u64,
    pub base_url: String,
    pub request_timeout_secs: u64,
    pub max_retry_secs: u64,
    pub backoff_base_ms: u64,
    pub custom_reports: Vec<CustomReport>,
    /// Conversion metric groups added to the built-in ad, ad group and campaign reports.
    pub metric_groups: Vec<MetricGroup>,
}

/// A configuration problem the user must fix; the message says which field and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(msg.into()))
}

fn opt_str<'a>(v: &'a Value, key: &str) -> Result<Option<&'a str>, ConfigError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => err(format!("'{key}' must be a string.")),
    }
}

fn opt_u64(v: &Value, key: &str, min: u64, max: u64, default: u64) -> Result<u64, ConfigError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(x) => match x
            .as_u64()
            .or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
        {
            Some(n) if (min..=max).contains(&n) => Ok(n),
            _ => err(format!(
                "'{key}' must be a whole number from {min} to {max}."
            )),
        },
    }
}

fn date(v: &Value, key: &str) -> Result<Option<NaiveDate>, ConfigError> {
    match opt_str(v, key)? {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(Some)
            .or_else(|_| {
                err(format!(
                    "'{key}' must be a date like 2024-01-31 (YYYY-MM-DD); got '{s}'."
                ))
            }),
    }
}

/// TikTok's API tiers (requests per second, per minute).
pub fn tier_limits(tier: &str) -> Option<(u32, u32)> {
    match tier {
        "basic" => Some((10, 600)),
        "advanced" => Some((20, 1200)),
        "premium" => Some((30, 1800)),
        "ultimate" => Some((50, 3000)),
        _ => None,
    }
}

/// The earliest day a config, a state or the clock may name: TikTok's ads platform did not
/// exist before, so an earlier day is a typo (and far-away years overflow date arithmetic).
pub const EARLIEST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2012, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// How far after today a day the user gives may be (an `end_date` a little ahead is fine).
pub const MAX_DAYS_AHEAD: i64 = 366;

/// The base URL the client will use, or why it may not be used. The rule is decided on the URL
/// as the HTTP client parses it (the `url` crate, which reqwest uses), never on the text: a
/// check on the text that reads the host differently from the client is how
/// `http://127.0.0.1:1@elsewhere` once sent the credentials elsewhere. Allowed: TikTok's
/// production and sandbox hosts over https on their default port, and the loopback address
/// (127.0.0.0/8, ::1, localhost) over http or https for a local emulator. Nothing else: no user
/// name or password, no path but `/`, no query or fragment, and no whitespace or control
/// character anywhere in the text (the parser silently drops tabs and line breaks, which would
/// make what the user sees differ from what is contacted). Returns the URL's origin, e.g.
/// `https://business-api.tiktok.com`, which is all the client builds its requests from.
pub fn check_base_url(text: &str) -> Result<String, ConfigError> {
    const ALLOWED: &str = "'api_base_url' may only be TikTok's API (https://business-api.tiktok.com or \
        https://sandbox-ads.tiktok.com) or a local emulator on the loopback address (http://127.0.0.1:PORT); \
        remove the field to use TikTok";
    // The text is quoted back unless it holds '@': what stands before it may be a password.
    let shown = if text.contains('@') {
        "an address with '@'".to_string()
    } else {
        format!("{text:?}")
    };
    if text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return err(format!(
            "'api_base_url' contains spaces, tabs, line breaks or other control characters ({shown}); \
             type the address again without them."
        ));
    }
    let url = url::Url::parse(text).or_else(|e| {
        err(format!(
            "'api_base_url' is not a URL ({e}): {shown}. {ALLOWED}."
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return err(format!(
            "'api_base_url' must not contain a user name or password (text before '@'). {ALLOWED}."
        ));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return err(format!(
            "'api_base_url' must be only a scheme and host (and port), without a path, '?' or '#', \
             e.g. https://business-api.tiktok.com; got {shown}."
        ));
    }
    let tiktok = matches!(url.host(), Some(url::Host::Domain(d))
        if d == "business-api.tiktok.com" || d == "sandbox-ads.tiktok.com");
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let allowed = match url.scheme() {
        // TikTok serves its API on the default port only.
        "https" if tiktok => url.port().is_none(),
        "http" | "https" => loopback,
        _ => false,
    };
    if !allowed {
        return err(format!("{ALLOWED}; got {shown}."));
    }
    Ok(url.origin().ascii_serialization())
}

/// A credential must be pasted whole: a line break or another control character in it is a
/// copy-paste accident that no retry will fix (and that HTTP headers cannot carry).
fn credential(raw: &Value, key: &str) -> Result<Option<String>, ConfigError> {
    let Some(text) = opt_str(raw, key)? else {
        return Ok(None);
    };
    let text = text.trim();
    if text.chars().any(char::is_control) {
        return err(format!(
            "'{key}' contains a line break or another control character; paste it again without them."
        ));
    }
    Ok(Some(text.to_string()))
}

/// A day the user gives, within what TikTok can have: from `EARLIEST_DATE` to a year ahead.
fn bounded_date(v: &Value, key: &str, today: NaiveDate) -> Result<Option<NaiveDate>, ConfigError> {
    let Some(day) = date(v, key)? else {
        return Ok(None);
    };
    let latest = today
        .checked_add_signed(chrono::Duration::days(MAX_DAYS_AHEAD))
        .unwrap_or(NaiveDate::MAX);
    if day < EARLIEST_DATE || day > latest {
        return err(format!(
            "'{key}' must be a day from {EARLIEST_DATE} to {latest}; got {day}."
        ));
    }
    Ok(Some(day))
}

impl Config {
    /// Parses the config against the wall clock's today (see `parse_at`).
    pub fn parse(raw: &Value) -> Result<Config, ConfigError> {
        Config::parse_at(raw, chrono::Utc::now().date_naive())
    }

    /// Parses the config; `today` bounds the dates it may name.
    pub fn parse_at(raw: &Value, today: NaiveDate) -> Result<Config, ConfigError> {
        if !raw.is_object() {
            return err("The config must be a JSON object.");
        }
        let app_id = credential(raw, "app_id")?.ok_or_else(|| {
            ConfigError("'app_id' is required: the App ID of your TikTok developer app.".into())
        })?;
        let secret = credential(raw, "secret")?.ok_or_else(|| {
            ConfigError("'secret' is required: the Secret of your TikTok developer app.".into())
        })?;
        let secret = Secret::new(secret);
        let access_token = credential(raw, "access_token")?.map(Secret::new);
        let auth_code = credential(raw, "auth_code")?.map(Secret::new);
        if access_token.is_none() && auth_code.is_none() {
            return err(
                "Set 'auth_code' (the code TikTok shows after you authorize the app) or 'access_token' \
                 (a long-term token).",
            );
        }
        let start_date = bounded_date(raw, "start_date", today)?
            .ok_or_else(|| ConfigError("'start_date' is required, as YYYY-MM-DD.".into()))?;
        let end_date = bounded_date(raw, "end_date", today)?;
        if let Some(end) = end_date {
            if end < start_date {
                return err(format!(
                    "'end_date' ({end}) is before 'start_date' ({start_date})."
                ));
            }
        }
        let include_deleted = match raw.get("include_deleted") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return err("'include_deleted' must be true or false."),
        };
        let accounts = match raw.get("accounts") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => s
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => Ok(s.trim().to_string()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => err("'accounts' entries must be account names or IDs."),
                })
                .collect::<Result<Vec<_>, _>>()?
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect(),
            Some(_) => return err("'accounts' must be account names or IDs separated by commas."),
        };
        let environment = match opt_str(raw, "environment")?.map(|s| s.trim().to_ascii_lowercase())
        {
            None => Environment::Production,
            Some(s) if s == "production" => Environment::Production,
            Some(s) if s == "sandbox" => Environment::Sandbox,
            Some(s) => {
                return err(format!(
                    "'environment' must be 'production' or 'sandbox'; got '{s}'."
                ))
            }
        };
        let attribution_window = opt_u64(raw, "attribution_window", 0, 364, 7)? as u32;
        let daily_window_days = opt_u64(raw, "report_window_days", 1, 30, 30)? as u32;
        let tier = opt_str(raw, "rate_limit_tier")?
            .unwrap_or("basic")
            .trim()
            .to_ascii_lowercase();
        let tier_limits = tier_limits(&tier).ok_or_else(|| {
            ConfigError(format!(
                "'rate_limit_tier' must be basic, advanced, premium or ultimate; got '{tier}'."
            ))
        })?;
        let (tier_qps, tier_qpm) = match environment {
            // The sandbox allows 1 request/s and 30/min whatever the tier.
            Environment::Sandbox => (1, 30),
            Environment::Production => tier_limits,
        };
        let requests_per_second =
            opt_u64(raw, "requests_per_second", 1, 1000, tier_qps as u64)? as u32;
        let requests_per_minute =
            opt_u64(raw, "requests_per_minute", 1, 60_000, tier_qpm as u64)? as u32;
        let max_in_flight = opt_u64(raw, "concurrency", 1, 64, 32)? as usize;
        let async_backfill = match raw.get("async_backfill") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => return err("'async_backfill' must be true or false."),
        };
        let rate_limited_status_after_ms =
            opt_u64(raw, "rate_limited_status_after_ms", 0, 3_600_000, 3000)?;
        let default_url = match environment {
            Environment::Production => PRODUCTION_URL,
            Environment::Sandbox => SANDBOX_URL,
        };
        let base_url = check_base_url(opt_str(raw, "api_base_url")?.unwrap_or(default_url))?;
        let request_timeout_secs = opt_u64(raw, "request_timeout_seconds", 1, 3600, 120)?;
        let max_retry_secs = opt_u64(raw, "max_retry_seconds", 0, 86_400, 900)?;
        let backoff_base_ms = opt_u64(raw, "backoff_base_ms", 1, 600_000, 1000)?;
        let custom_reports = parse_custom_reports(raw)?;
        let metric_groups = parse_metric_groups(raw)?;
        Ok(Config {
            raw: Raw(raw.clone()),
            app_id,
            secret,
            access_token,
            auth_code,
            start_date,
            end_date,
            include_deleted,
            accounts,
            environment,
            attribution_window,
            daily_window_days,
            requests_per_second,
            requests_per_minute,
            rate_limit_tier: tier,
            async_backfill,
            max_in_flight,
            rate_limited_status_after_ms,
            base_url,
            request_timeout_secs,
            max_retry_secs,
            backoff_base_ms,
            custom_reports,
            metric_groups,
        })
    }

    /// The config to hand back to Airbyte once a code was exchanged: the token set, the code gone.
    pub fn with_token(&self, token: &str) -> Value {
        let mut raw = self.raw.0.clone();
        if let Some(obj) = raw.as_object_mut() {
            obj.remove("auth_code");
            obj.insert("access_token".into(), Value::String(token.to_string()));
        }
        raw
    }
}

/// `metric_groups`: a list (or comma-separated text) of web, shop, app; each at most once.
fn parse_metric_groups(raw: &Value) -> Result<Vec<MetricGroup>, ConfigError> {
    let names: Vec<String> = match raw.get("metric_groups") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) => s
            .split(',')
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| {
                i.as_str().map(|s| s.trim().to_string()).ok_or_else(|| {
                    ConfigError("'metric_groups' must be a list of web, shop and app.".into())
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return err("'metric_groups' must be a list of web, shop and app."),
    };
    let mut groups = Vec::new();
    for name in names {
        let group = MetricGroup::parse(&name).ok_or_else(|| {
            ConfigError(format!(
                "'metric_groups' may hold web, shop and app; got '{name}'."
            ))
        })?;
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    Ok(groups)
}

fn parse_custom_reports(raw: &Value) -> Result<Vec<CustomReport>, ConfigError> {
    let parsed;
    let items = match raw.get("custom_reports") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        // The UI may send the list as JSON text.
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Array(items)) => {
                parsed = items;
                &parsed
            }
            _ => return err("'custom_reports' must be a list of reports (JSON array)."),
        },
        Some(_) => return err("'custom_reports' must be a list of reports."),
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = |field: &str| format!("custom_reports[{i}].{field}");
        if !item.is_object() {
            return err(format!(
                "'custom_reports[{i}]' must be an object with name, data_level and metrics."
            ));
        }
        // A field of this report, named with its place in the list when it is not a string.
        let text = |field: &str| {
            opt_str(item, field)
                .map_err(|_| ConfigError(format!("'{}' must be a string.", at(field))))
        };
        let name = text("name")?
            .ok_or_else(|| {
                ConfigError(format!(
                    "'{}' is required: the stream name of this report.",
                    at("name")
                ))
            })?
            .trim()
            .to_string();
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return err(format!(
                "'{}' may only use letters, digits and '_'; got '{name}'.",
                at("name")
            ));
        }
        let report_type = match text("report_type")?
            .unwrap_or("BASIC")
            .trim()
            .to_ascii_uppercase()
            .as_str()
        {
            "BASIC" => ReportType::Basic,
            "AUDIENCE" => ReportType::Audience,
            other => {
                return err(format!(
                    "'{}' must be BASIC or AUDIENCE; got '{other}'.",
                    at("report_type")
                ))
            }
        };
        let level = match text("data_level")?.unwrap_or("").trim().to_ascii_uppercase().as_str() {
            "AUCTION_ADVERTISER" | "ADVERTISER" => Level::Advertiser,
            "AUCTION_CAMPAIGN" | "CAMPAIGN" => Level::Campaign,
            "AUCTION_ADGROUP" | "ADGROUP" => Level::AdGroup,
            "AUCTION_AD" | "AD" => Level::Ad,
            other => {
                return err(format!(
                    "'{}' must be AUCTION_ADVERTISER, AUCTION_CAMPAIGN, AUCTION_ADGROUP or AUCTION_AD; got '{other}'.",
                    at("data_level")
                ))
            }
        };
        let granularity = match text("granularity")?
            .unwrap_or("day")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "day" | "daily" => Granularity::Day,
            "hour" | "hourly" => Granularity::Hour,
            "lifetime" => Granularity::Lifetime,
            other => {
                return err(format!(
                    "'{}' must be day, hour or lifetime; got '{other}'.",
                    at("granularity")
                ))
            }
        };
        let list = |field: &str| -> Result<Vec<String>, ConfigError> {
            match item.get(field) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(v)) => v
                    .iter()
                    .map(|x| {
                        x.as_str().map(|s| s.trim().to_string()).ok_or_else(|| {
                            ConfigError(format!("'{}' must be a list of names.", at(field)))
                        })
                    })
                    .collect(),
                Some(Value::String(s)) => Ok(s
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()),
                Some(_) => err(format!("'{}' must be a list of names.", at(field))),
            }
        };
        // The level's ID and the time column are implied by data_level and granularity; listing
        // them is fine, contradicting them is not.
        let time = match granularity {
            Granularity::Day => Some("stat_time_day"),
            Granularity::Hour => Some("stat_time_hour"),
            Granularity::Lifetime => None,
        };
        let mut breakdowns = Vec::new();
        for d in list("dimensions")? {
            match d.as_str() {
                "stat_time_day" | "stat_time_hour" if Some(d.as_str()) != time => {
                    return err(format!("'{}' lists {d}, which contradicts granularity {granularity:?}; remove it (the time column follows the granularity).", at("dimensions")))
                }
                "advertiser_id" | "campaign_id" | "adgroup_id" | "ad_id" if d != level.id_dimension() => {
                    return err(format!("'{}' lists {d}, but data_level {} reports by {}; remove it.", at("dimensions"), level.data_level(), level.id_dimension()))
                }
                "stat_time_day" | "stat_time_hour" | "advertiser_id" | "campaign_id" | "adgroup_id" | "ad_id" => {}
                _ => breakdowns.push(d),
            }
        }
        let metrics = list("metrics")?;
        if metrics.is_empty() {
            return err(format!(
                "'{}' needs at least one metric, e.g. [\"spend\", \"impressions\"].",
                at("metrics")
            ));
        }
        out.push(CustomReport {
            name,
            report_type,
            level,
            breakdowns,
            metrics,
            granularity,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> Value {
        json!({"app_id": "123", "secret": "s3cr3t-value", "access_token": "tok-value-1", "start_date": "2024-01-01"})
    }

    #[test]
    fn defaults_and_accounts() {
        let mut raw = base();
        raw["accounts"] = json!(" Acme Shoes , 7001,, ");
        let c = Config::parse(&raw).unwrap();
        assert_eq!(c.accounts, vec!["Acme Shoes", "7001"]);
        assert_eq!(c.attribution_window, 7);
        assert_eq!((c.requests_per_second, c.requests_per_minute), (10, 600));
        assert_eq!(c.base_url, PRODUCTION_URL);
        assert!(!c.include_deleted);
    }

    #[test]
    fn errors_name_the_field() {
        let mut raw = base();
        raw["start_date"] = json!("01/02/2024");
        assert!(Config::parse(&raw).unwrap_err().0.contains("'start_date'"));
        let mut raw = base();
        raw.as_object_mut().unwrap().remove("access_token");
        assert!(Config::parse(&raw).unwrap_err().0.contains("auth_code"));
        let mut raw = base();
        raw["attribution_window"] = json!(400);
        assert!(Config::parse(&raw)
            .unwrap_err()
            .0
            .contains("'attribution_window'"));
        let mut raw = base();
        raw["end_date"] = json!("2023-01-01");
        assert!(Config::parse(&raw).unwrap_err().0.contains("before"));
    }

    #[test]
    fn base_url_only_tiktok_or_loopback() {
        assert_eq!(
            check_base_url("http://127.0.0.1:8080/").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert!(check_base_url("http://localhost:1").is_ok());
        assert!(check_base_url("http://[::1]:9").is_ok());
        assert!(check_base_url("https://127.0.0.2").is_ok());
        assert_eq!(
            check_base_url("https://sandbox-ads.tiktok.com").unwrap(),
            SANDBOX_URL
        );
        assert_eq!(
            check_base_url("https://business-api.tiktok.com:443/").unwrap(),
            PRODUCTION_URL
        );
        for bad in [
            "http://business-api.tiktok.com",
            "https://business-api.tiktok.com:8443",
            "https://evil.example.com",
            "http://127.0.0.1.evil.com",
            "ftp://127.0.0.1",
            "file:///etc/passwd",
            "127.0.0.1:8080",
            "http://localhost.:1",
            "http://[::ffff:127.0.0.1]:1",
            "http://169.254.169.254",
            "https://business-api.tiktok.com/open_api/v1.3/",
            "http://127.0.0.1:1/?x=1",
            "http://127.0.0.1:1/#x",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }

    /// Issue 10, item 1: each of these was accepted by a check that read the host as the text
    /// before the first ':', while the client connected to the host after '@'.
    #[test]
    fn base_url_userinfo_and_control_characters_are_refused() {
        for bad in [
            "http://127.0.0.1:1@evil.example.com",
            "http://localhost:1@evil.example.com",
            "https://business-api.tiktok.com:443@evil.example.com",
            "http://[::1]:1@evil.example.com",
            "http://127.0.0.1:1\t@evil.example.com",
            "http://127.0.0.1:1@169.254.169.254",
            "http://user@127.0.0.1:1",
            "http://127.0.0.1\\@evil.example.com",
            "http://127.0.0.1:1\n",
            " http://127.0.0.1:1",
        ] {
            let e = check_base_url(bad).unwrap_err().0;
            assert!(e.contains("'api_base_url'"), "{bad}: {e}");
            assert!(!e.contains("evil.example.com@"), "{e}");
        }
        let e = check_base_url("http://127.0.0.1:1@evil.example.com")
            .unwrap_err()
            .0;
        assert!(e.contains("user name or password"), "{e}");
    }

    #[test]
    fn credentials_with_control_characters_are_config_errors() {
        for key in ["access_token", "secret", "auth_code", "app_id"] {
            let mut raw = base();
            raw[key] = json!("abc\r\ndef");
            let e = Config::parse(&raw).unwrap_err().0;
            assert!(
                e.contains(&format!("'{key}'")) && e.contains("line break"),
                "{e}"
            );
            assert!(!e.contains("abc"), "the value is not repeated: {e}");
        }
        // Surrounding whitespace, a pasting habit, is trimmed.
        let mut raw = base();
        raw["access_token"] = json!("  tok-value-1\n");
        assert_eq!(
            Config::parse(&raw).unwrap().access_token.unwrap().expose(),
            "tok-value-1"
        );
    }

    #[test]
    fn dates_are_bounded_at_parse_time() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        for (key, bad) in [
            ("start_date", "-262143-01-01"),
            ("start_date", "-0001-01-01"),
            ("start_date", "2011-12-31"),
            ("start_date", "+262142-12-31"),
            ("start_date", "2027-11-22"),
            ("end_date", "9999-12-31"),
        ] {
            let mut raw = base();
            raw[key] = json!(bad);
            let e = Config::parse_at(&raw, today).unwrap_err().0;
            assert!(e.contains(&format!("'{key}'")), "{bad}: {e}");
        }
        let mut raw = base();
        raw["start_date"] = json!("2012-01-01");
        raw["end_date"] = json!("2027-11-21");
        assert!(Config::parse_at(&raw, today).is_ok());
    }

    #[test]
    fn sandbox_uses_its_host_and_limits() {
        let mut raw = base();
        raw["environment"] = json!("sandbox");
        let c = Config::parse(&raw).unwrap();
        assert_eq!(c.base_url, SANDBOX_URL);
        assert_eq!((c.requests_per_second, c.requests_per_minute), (1, 30));
    }

    #[test]
    fn secrets_are_masked() {
        let c = Config::parse(&base()).unwrap();
        assert!(!format!("{c:?}").contains("s3cr3t-value"));
        assert_eq!(
            redact("bad secret s3cr3t-value and tok-value-1"),
            "bad secret **** and ****"
        );
    }

    #[test]
    fn with_token_drops_the_code() {
        let mut raw = base();
        raw.as_object_mut().unwrap().remove("access_token");
        raw["auth_code"] = json!("code-123456");
        let c = Config::parse(&raw).unwrap();
        let out = c.with_token("new-token-1");
        assert!(out.get("auth_code").is_none());
        assert_eq!(out["access_token"], "new-token-1");
        assert_eq!(out["app_id"], "123");
    }

    #[test]
    fn metric_groups_parse() {
        assert!(Config::parse(&base()).unwrap().metric_groups.is_empty());
        let mut raw = base();
        raw["metric_groups"] = json!(["web", "APP", "web"]);
        assert_eq!(
            Config::parse(&raw).unwrap().metric_groups,
            [MetricGroup::Web, MetricGroup::App]
        );
        raw["metric_groups"] = json!("shop, web");
        assert_eq!(
            Config::parse(&raw).unwrap().metric_groups,
            [MetricGroup::Shop, MetricGroup::Web]
        );
        raw["metric_groups"] = json!(["web", "email"]);
        let e = Config::parse(&raw).unwrap_err().0;
        assert!(e.contains("'metric_groups'") && e.contains("email"), "{e}");
        raw["metric_groups"] = json!(5);
        assert!(Config::parse(&raw)
            .unwrap_err()
            .0
            .contains("'metric_groups'"));
    }

    #[test]
    fn custom_reports_parse() {
        let mut raw = base();
        raw["custom_reports"] = json!([{"name": "my_report", "report_type": "AUDIENCE", "data_level": "AUCTION_CAMPAIGN",
            "dimensions": ["campaign_id", "stat_time_day", "platform"], "metrics": ["spend"], "granularity": "day"}]);
        let c = Config::parse(&raw).unwrap();
        assert_eq!(c.custom_reports[0].breakdowns, vec!["platform"]);
        raw["custom_reports"][0]["name"] = json!("bad name");
        assert!(Config::parse(&raw).is_err());
        raw["custom_reports"][0]["name"] = json!("ok_name");
        raw["custom_reports"][0]["dimensions"] = json!(["stat_time_hour"]);
        assert!(Config::parse(&raw)
            .unwrap_err()
            .0
            .contains("contradicts granularity"));
        raw["custom_reports"][0]["dimensions"] = json!(["ad_id"]);
        assert!(Config::parse(&raw)
            .unwrap_err()
            .0
            .contains("AUCTION_CAMPAIGN"));
    }
}
