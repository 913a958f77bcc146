//! What every command that talks to TikTok does first: get a token (exchanging an auth code if
//! that is what the config holds) and resolve the accounts.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::config::{register_secret, Config, Environment, Secret};
use crate::output::Output;
use crate::protocol::{LogLevel, Message};
use crate::tiktok::accounts::{self, Account, Reachable};
use crate::tiktok::{ApiError, Client, ErrorKind};

pub struct Session {
    pub client: Client,
    pub accounts: Vec<Account>,
}

/// Why a session could not open, in words for the user.
#[derive(Debug)]
pub struct SessionError {
    pub kind: ErrorKind,
    pub message: String,
}

impl SessionError {
    fn config(message: String) -> SessionError {
        SessionError {
            kind: ErrorKind::Config,
            message,
        }
    }
}

/// TikTok's answer, explained for someone who can act on it.
pub fn explain(e: &ApiError) -> String {
    let said = format!(
        "TikTok said: {} (code {}{})",
        e.message.trim(),
        e.code.map(|c| c.to_string()).unwrap_or("-".into()),
        e.request_id
            .as_ref()
            .map(|r| format!(", request_id {r}"))
            .unwrap_or_default()
    );
    match e.code {
        Some(40110) => format!("The authorization code was already used or is older than one hour. Authorize the app \
            again (Authenticate your TikTok Ads account) and paste the new code. {said}"),
        Some(40101) | Some(40113) => format!("TikTok rejected the App ID or the Secret, or the authorization code. Check \
            both in the TikTok developer portal (My Apps) and that the code belongs to this app. {said}"),
        Some(40102) | Some(40104) | Some(40105) | Some(40106) | Some(40107) => format!("The access token is invalid, \
            expired or was revoked. Authorize the app again to get a new token. {said}"),
        Some(40001) | Some(40003) => format!("The token has no permission for this advertiser account. Authorize the \
            app for the account in TikTok Ads Manager, or remove the account from 'accounts'. {said}"),
        Some(40008) | Some(40009) | Some(40013) | Some(40014) => format!("This is not available in TikTok's sandbox. \
            {said}"),
        _ => match e.kind {
            ErrorKind::RateLimited => format!("TikTok kept answering that the app sends too many requests, even after \
                waiting. Lower 'rate_limit_tier' or make sure no other sync uses this app at the same time. {said}"),
            ErrorKind::Transient => format!("TikTok did not answer properly after several tries ({e}). This is usually \
                temporary; the next attempt continues where this one stopped."),
            _ => e.to_string(),
        },
    }
}

fn api(e: ApiError) -> SessionError {
    SessionError {
        kind: e.kind,
        message: explain(&e),
    }
}

/// Exchanges an auth code for a long-term token at `oauth2/access_token/`.
pub async fn exchange(
    client: &Client,
    config: &Config,
    code: &Secret,
) -> Result<Secret, SessionError> {
    let body = json!({"app_id": config.app_id, "secret": config.secret.expose(), "auth_code": code.expose()});
    let data = client
        .post("oauth2/access_token/", &body)
        .await
        .map_err(api)?;
    let token = data.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty()).ok_or_else(|| SessionError {
        kind: ErrorKind::Transient,
        message: "TikTok accepted the authorization code but returned no access token; authorize again.".into(),
    })?;
    register_secret(token);
    Ok(Secret::new(token.to_string()))
}

pub fn new_client(config: &Config, out: &Arc<Output>) -> Result<Client, SessionError> {
    let log = Arc::clone(out);
    Ok(Client::new(config)
        .map_err(api)?
        .with_notify(Arc::new(move |m: &str| log.log(LogLevel::Warn, m))))
}

/// Opens a session; with only an auth code, exchanges it and emits the CONTROL message that makes
/// Airbyte store the token.
pub async fn open(config: &Config, out: &Arc<Output>) -> Result<Session, SessionError> {
    let mut client = new_client(config, out)?;
    if !client.has_token() {
        if let Some(code) = &config.auth_code {
            let token = exchange(&client, config, code).await?;
            out.emit(Message::control_config(config.with_token(token.expose())));
            out.log(LogLevel::Info, "Exchanged the authorization code for a long-term access token; Airbyte stores it in the connection's configuration.");
            client = client.with_token(token);
        }
    }
    let chosen = match config.environment {
        Environment::Production => {
            let reachable = accounts::reachable(&client, &config.app_id, config.secret.expose())
                .await
                .map_err(api)?;
            accounts::select(&config.accounts, &reachable).map_err(SessionError::config)?
        }
        Environment::Sandbox => {
            accounts::sandbox_ids(&config.accounts).map_err(SessionError::config)?
        }
    };
    let infos = match accounts::details(&client, &chosen).await {
        Ok(infos) => infos,
        // Some sandboxes do not serve advertiser/info/: days are then counted in UTC.
        Err(e)
            if config.environment == Environment::Sandbox
                && matches!(e.code, Some(40008 | 40009 | 40013 | 40014)) =>
        {
            out.log(LogLevel::Warn, &format!("The sandbox does not serve advertiser details ({}); report days are taken in UTC.", e.message.trim()));
            chosen
                .iter()
                .map(|a| json!({"advertiser_id": a.id, "name": a.name, "timezone": "UTC"}))
                .collect()
        }
        Err(e) => return Err(api(e)),
    };
    let mut resolved = Vec::new();
    for Reachable { id, name } in chosen {
        let info = infos
            .iter()
            .find(|i| i.get("advertiser_id").and_then(accounts::id_text).as_deref() == Some(id.as_str()))
            .cloned()
            .ok_or_else(|| SessionError::config(format!("TikTok returned no details for advertiser account {id}; check that the token may read it.")))?;
        let tz = accounts::time_zone(&info);
        let name = if name.is_empty() {
            info.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        } else {
            name
        };
        resolved.push(Account { id, name, tz, info });
    }
    Ok(Session {
        client,
        accounts: resolved,
    })
}
