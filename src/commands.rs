//! The commands. Each writes protocol messages through an `Output` and returns the exit code;
//! every failure a user can meet ends in one ERROR trace with its `failure_type`.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

use crate::catalog::parse_catalog;
use crate::config::{Config, Environment, EARLIEST_DATE, PRODUCTION_URL, SANDBOX_URL};
use crate::error::Error;
use crate::protocol::{FailureType, LogLevel, Message};
use crate::read::{self, scheduler::Outcome, Output, Run};
use crate::session;
use crate::state::State;
use crate::streams::{self, Stream};

pub const SPEC: &str = include_str!("../spec.json");

/// Exit code of a run stopped by SIGTERM (128 + 15, as a shell reports it).
pub const EXIT_INTERRUPTED: i32 = 143;

fn read_json(path: &Path, what: &str) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::config(format!(
            "Cannot read the {what} file {}: {e}.",
            path.display()
        ))
    })?;
    if text.trim().is_empty() && what == "state" {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text).map_err(|e| {
        Error::config(format!(
            "The {what} file {} is not valid JSON: {e}.",
            path.display()
        ))
    })
}

fn load_config(path: &Path, today: NaiveDate) -> Result<Config, Error> {
    valid_config(&read_json(path, "config")?, today)
}

/// The config parsed, with its custom reports checked against TikTok's rules.
fn valid_config(raw: &Value, today: NaiveDate) -> Result<Config, Error> {
    let config = Config::parse_at(raw, today)
        .map_err(|e| Error::config(format!("Invalid configuration: {e}")))?;
    let problems = streams::check_custom_reports(&config);
    if !problems.is_empty() {
        return Err(Error::config(format!(
            "Fix the custom reports: {}",
            problems.join("; ")
        )));
    }
    Ok(config)
}

async fn fail(out: &Output, e: &Error) -> i32 {
    out.emit(Message::error(e.failure_type(), &e.to_string(), None, None))
        .await;
    1
}

pub async fn spec(out: &Output) -> i32 {
    match serde_json::from_str::<Value>(SPEC) {
        Ok(spec) => {
            out.emit(Message::spec(spec)).await;
            0
        }
        Err(e) => {
            fail(
                out,
                &Error::Internal(format!("the embedded spec is not JSON: {e}")),
            )
            .await
        }
    }
}

/// Exactly one CONNECTION_STATUS: it proves the app, the token and every configured account.
pub async fn check(config_path: &Path, out: &Output) -> i32 {
    let now = match now() {
        Ok(now) => now,
        Err(e) => return fail(out, &e).await,
    };
    // A file that is not JSON at all is not a config the user can fix in the form: an error trace.
    let raw = match read_json(config_path, "config") {
        Ok(raw) => raw,
        Err(e) => return fail(out, &e).await,
    };
    let status: Result<String, Error> = async {
        let config = valid_config(&raw, now.date_naive())?;
        let s = session::open(&config, out).await?;
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
        Ok(message) => out.emit(Message::connection_status(true, &message)).await,
        Err(e) => {
            out.emit(Message::connection_status(false, &e.to_string()))
                .await
        }
    }
    0
}

pub async fn discover(config_path: &Path, out: &Output) -> i32 {
    let config = match now().and_then(|now| load_config(config_path, now.date_naive())) {
        Ok(c) => c,
        Err(e) => return fail(out, &e).await,
    };
    if let Some(note) = streams::sandbox_note(&config) {
        out.log(LogLevel::Info, &note).await;
    }
    let entries = streams::all(&config)
        .iter()
        .map(Stream::catalog_entry)
        .collect();
    out.emit(Message::catalog(entries)).await;
    0
}

pub async fn read(
    config_path: &Path,
    catalog_path: &Path,
    state_path: Option<&Path>,
    now: DateTime<Utc>,
    out: &Output,
    stop: impl Future<Output = ()>,
) -> i32 {
    let mut stop = std::pin::pin!(stop);
    let config = match load_config(config_path, now.date_naive()) {
        Ok(c) => Arc::new(c),
        Err(e) => return fail(out, &e).await,
    };
    // The sandbox lacks some streams: a catalog naming them reads the others, with a LOG line.
    let catalog = match read_json(catalog_path, "catalog").and_then(|c| {
        let (c, dropped) = streams::drop_production_only(c, &config);
        parse_catalog(&c, &streams::all(&config)).map(|parsed| (parsed, dropped))
    }) {
        Ok((c, dropped)) => {
            if !dropped.is_empty() {
                if let Some(note) = streams::sandbox_note(&config) {
                    out.log(
                        LogLevel::Warn,
                        &format!("{note} Not read: {}.", dropped.join(", ")),
                    )
                    .await;
                }
            }
            for notice in &c.notices {
                out.log(notice.level, &notice.message).await;
            }
            c.streams
        }
        Err(e) => return fail(out, &e).await,
    };
    let state = match state_path.map(|p| read_json(p, "state")).transpose() {
        Ok(raw) => match State::parse(raw.as_ref().unwrap_or(&Value::Null)) {
            Ok(s) => s,
            Err(e) => {
                return fail(
                    out,
                    &Error::config(format!(
                        "The input state is not usable: {e} Reset the connection's state or fix the file."
                    )),
                )
                .await
            }
        },
        Err(e) => return fail(out, &e).await,
    };
    // A stop asked while the token and the accounts are being resolved ends the run too: the
    // platform waits for no one, and nothing has been read that a state would have to cover.
    let opened = tokio::select! {
        opened = session::open(&config, out) => opened,
        () = &mut stop => {
            out.emit(Message::error(
                FailureType::TransientError,
                INTERRUPTED_MESSAGE,
                None,
                None,
            ))
            .await;
            return EXIT_INTERRUPTED;
        }
    };
    let session = match opened {
        Ok(s) => s,
        Err(e) => return fail(out, &e).await,
    };
    // Business Centers are listed once, like the accounts, when a stream needs them; a failure
    // fails those streams only.
    let business_centers = if catalog.iter().any(|c| c.stream.needs_business_centers()) {
        crate::tiktok::business_centers::list(&session.client)
            .await
            .map_err(Error::from)
    } else {
        Ok(Vec::new())
    };
    out.log(
        LogLevel::Info,
        &format!(
            "Reading {} stream(s) for {} account(s).",
            catalog.len(),
            session.accounts.len()
        ),
    )
    .await;
    let run = Arc::new(
        Run::new(config, session.client, session.accounts, out.clone(), now)
            .with_business_centers(business_centers),
    );
    match read::run(run, catalog, &state, stop.as_mut()).await {
        Outcome::Complete if !out.is_broken() => 0,
        Outcome::Interrupted => EXIT_INTERRUPTED,
        _ => 1,
    }
}

/// The page where an advertiser authorizes the app; TikTok then shows or redirects with the code.
pub fn auth_url(
    app_id: &str,
    redirect_uri: &str,
    state: &str,
    environment: Environment,
    base: Option<&str>,
) -> Result<String, Error> {
    let host = match (base, environment) {
        (Some(b), _) => crate::config::check_base_url(b).map_err(|e| Error::config(e.0))?,
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
pub async fn exchange_code(config_path: &Path) -> Result<Value, Error> {
    let config = load_config(config_path, now()?.date_naive())?;
    let code = config
        .auth_code
        .clone()
        .ok_or_else(|| Error::config("The config has no 'auth_code' to exchange."))?;
    let client = session::new_client(&config)?;
    let token = session::exchange(&client, &config, &code).await?;
    Ok(config.with_token(token.expose()))
}

/// The clock: the wall clock, or `TIKTOK_ADS_NOW` (RFC 3339) so tests against an emulator with a
/// fixed clock are deterministic.
pub fn now() -> Result<DateTime<Utc>, Error> {
    let injected = std::env::var("TIKTOK_ADS_NOW").ok();
    clock(injected.as_deref(), Utc::now())
}

/// The run's clock from `TIKTOK_ADS_NOW` (when set) or the wall clock, within the years a sync
/// can mean: from `EARLIEST_DATE` to the end of 2099. Beyond, day arithmetic overflows or a
/// sync would plan millions of windows, so such a clock is refused before anything starts.
pub fn clock(injected: Option<&str>, wall: DateTime<Utc>) -> Result<DateTime<Utc>, Error> {
    let (t, from_env) = match injected.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => {
            let t = DateTime::parse_from_rfc3339(v).map_err(|e| {
                Error::config(format!(
                    "TIKTOK_ADS_NOW must be an RFC 3339 time like 2024-01-31T12:00:00Z: {e}"
                ))
            })?;
            (t.with_timezone(&Utc), true)
        }
        None => (wall, false),
    };
    let day = t.date_naive();
    if day >= EARLIEST_DATE && day <= LATEST_CLOCK_DAY {
        return Ok(t);
    }
    Err(if from_env {
        Error::config(format!(
            "TIKTOK_ADS_NOW must be between {EARLIEST_DATE} and {LATEST_CLOCK_DAY}; got {t}. Unset it to use the real clock."
        ))
    } else {
        Error::Internal(format!(
            "the system clock says {t}, outside {EARLIEST_DATE}..{LATEST_CLOCK_DAY}; fix the machine's clock"
        ))
    })
}

/// The last day the clock may show.
pub const LATEST_CLOCK_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2099, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// What the ERROR trace of a stopped run says.
pub const INTERRUPTED_MESSAGE: &str =
    "The sync was stopped (SIGTERM) before it finished. What was read is saved \
     in the state; the next sync continues from there.";
