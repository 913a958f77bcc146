//! The commands. Each writes protocol messages through an `Output` and returns the exit code.

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::catalog;
use crate::config::{Config, Environment, PRODUCTION_URL, SANDBOX_URL};
use crate::output::Output;
use crate::protocol::{FailureType, LogLevel, Message};
use crate::session::{self, SessionError};
use crate::state::State;
use crate::streams::{self, Stream};
use crate::sync;
use crate::tiktok::ErrorKind;

pub const SPEC: &str = include_str!("../spec.json");

fn read_json(path: &Path, what: &str) -> Result<Value, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("Cannot read the {what} file {}: {e}.", path.display()))?;
    if text.trim().is_empty() && what == "state" {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text)
        .map_err(|e| format!("The {what} file {} is not valid JSON: {e}.", path.display()))
}

fn load_config(path: &Path) -> Result<Config, String> {
    valid_config(&read_json(path, "config")?)
}

/// The config parsed, with its custom reports checked against TikTok's rules.
fn valid_config(raw: &Value) -> Result<Config, String> {
    let config = Config::parse(raw).map_err(|e| format!("Invalid configuration: {e}"))?;
    let problems = streams::check_custom_reports(&config);
    if !problems.is_empty() {
        return Err(format!("Fix the custom reports: {}", problems.join("; ")));
    }
    Ok(config)
}

fn fail(out: &Output, failure: FailureType, message: &str) -> i32 {
    out.emit(Message::error(failure, message, None, None));
    out.flush();
    1
}

fn failure_type(kind: ErrorKind) -> FailureType {
    match kind {
        ErrorKind::Config => FailureType::ConfigError,
        ErrorKind::RateLimited | ErrorKind::Transient => FailureType::TransientError,
        ErrorKind::Rejected => FailureType::SystemError,
    }
}

pub fn spec(out: &Output) -> i32 {
    match serde_json::from_str::<Value>(SPEC) {
        Ok(spec) => {
            out.emit(Message::spec(spec));
            0
        }
        Err(e) => fail(
            out,
            FailureType::SystemError,
            &format!("The embedded spec is not JSON: {e}"),
        ),
    }
}

/// Exactly one CONNECTION_STATUS: it proves the app, the token and every configured account.
pub async fn check(config_path: &Path, out: &Arc<Output>) -> i32 {
    // A file that is not JSON at all is not a config the user can fix in the form: an error trace.
    let raw = match read_json(config_path, "config") {
        Ok(raw) => raw,
        Err(e) => return fail(out, FailureType::ConfigError, &e),
    };
    let status: Result<String, String> = async {
        let config = valid_config(&raw)?;
        let s = session::open(&config, out)
            .await
            .map_err(|e: SessionError| e.message)?;
        let names: Vec<String> = s
            .accounts
            .iter()
            .map(|a| match &a.tz {
                Ok(tz) => format!("'{}' ({}, {tz})", a.name, a.id),
                Err(_) => format!(
                    "'{}' ({}, no usable time zone: its reports will fail)",
                    a.name, a.id
                ),
            })
            .collect();
        Ok(format!(
            "Connected to TikTok; {} account(s): {}.",
            names.len(),
            names.join(", ")
        ))
    }
    .await;
    match status {
        Ok(message) => out.emit(Message::connection_status(true, &message)),
        Err(message) => out.emit(Message::connection_status(false, &message)),
    }
    out.flush();
    0
}

pub fn discover(config_path: &Path, out: &Output) -> i32 {
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(e) => return fail(out, FailureType::ConfigError, &e),
    };
    let entries = streams::all(&config)
        .iter()
        .map(Stream::catalog_entry)
        .collect();
    out.emit(Message::catalog(entries));
    out.flush();
    0
}

pub async fn read(
    config_path: &Path,
    catalog_path: &Path,
    state_path: Option<&Path>,
    now: DateTime<Utc>,
    out: &Arc<Output>,
) -> i32 {
    let config = match load_config(config_path) {
        Ok(c) => Arc::new(c),
        Err(e) => return fail(out, FailureType::ConfigError, &e),
    };
    let catalog = match read_json(catalog_path, "catalog")
        .and_then(|c| catalog::parse_catalog(&c, &streams::all(&config)))
    {
        Ok(c) => {
            for notice in &c.notices {
                out.log(notice.level, &notice.message);
            }
            c.streams
        }
        Err(e) => return fail(out, FailureType::ConfigError, &e),
    };
    let state = match state_path.map(|p| read_json(p, "state")).transpose() {
        Ok(raw) => match State::parse(raw.as_ref().unwrap_or(&Value::Null)) {
            Ok(s) => s,
            Err(e) => return fail(out, FailureType::ConfigError, &format!("The input state is not usable: {e} Reset the connection's state or fix the file.")),
        },
        Err(e) => return fail(out, FailureType::ConfigError, &e),
    };
    let session = match session::open(&config, out).await {
        Ok(s) => s,
        Err(e) => return fail(out, failure_type(e.kind), &e.message),
    };
    out.log(
        LogLevel::Info,
        &format!(
            "Reading {} stream(s) for {} account(s).",
            catalog.len(),
            session.accounts.len()
        ),
    );
    let ok = sync::run(
        config,
        session.client,
        session.accounts,
        catalog,
        state,
        now,
        Arc::clone(out),
    )
    .await;
    i32::from(!ok)
}

/// The page where an advertiser authorizes the app; TikTok then shows or redirects with the code.
pub fn auth_url(
    app_id: &str,
    redirect_uri: &str,
    state: &str,
    environment: Environment,
    base: Option<&str>,
) -> Result<String, String> {
    let host = match (base, environment) {
        (Some(b), _) => crate::config::check_base_url(b).map_err(|e| e.0)?,
        (None, Environment::Production) => PRODUCTION_URL.to_string(),
        (None, Environment::Sandbox) => SANDBOX_URL.to_string(),
    };
    let q = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    Ok(format!(
        "{host}/portal/auth?app_id={}&state={}&redirect_uri={}",
        q(app_id),
        q(state),
        q(redirect_uri)
    ))
}

/// Exchanges the config's auth code and returns the config to store: token set, code removed.
pub async fn exchange_code(config_path: &Path, out: &Arc<Output>) -> Result<Value, String> {
    let config = load_config(config_path)?;
    let code = config
        .auth_code
        .clone()
        .ok_or("The config has no 'auth_code' to exchange.")?;
    let client = session::new_client(&config, out).map_err(|e| e.message)?;
    let token = session::exchange(&client, &config, &code)
        .await
        .map_err(|e| e.message)?;
    Ok(config.with_token(token.expose()))
}

/// The clock: the wall clock, or `TIKTOK_ADS_NOW` (RFC 3339) so tests against an emulator with a
/// fixed clock are deterministic.
pub fn now() -> Result<DateTime<Utc>, String> {
    match std::env::var("TIKTOK_ADS_NOW") {
        Ok(v) if !v.trim().is_empty() => DateTime::parse_from_rfc3339(v.trim())
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                format!("TIKTOK_ADS_NOW must be an RFC 3339 time like 2024-01-31T12:00:00Z: {e}")
            }),
        _ => Ok(Utc::now()),
    }
}

pub fn ok_json(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| json!({}).to_string())
}
