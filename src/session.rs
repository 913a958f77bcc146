//! What every command that talks to TikTok does first: get a token (exchanging an auth code if
//! that is what the config holds) and resolve the accounts.

use serde_json::{json, Value};

use crate::config::{Config, Environment};
use crate::error::Error;
use crate::protocol::{LogLevel, Message};
use crate::read::Output;
use crate::secrets::{register_secret, Secret};
use crate::tiktok::accounts::{self, Account, Reachable};
use crate::tiktok::{ApiError, Client, ErrorKind};

pub struct Session {
    pub client: Client,
    pub accounts: Vec<Account>,
}

/// Exchanges an auth code for a long-term token at `oauth2/access_token/`.
pub async fn exchange(client: &Client, config: &Config, code: &Secret) -> Result<Secret, Error> {
    let body = json!({"app_id": config.app_id, "secret": config.secret.expose(), "auth_code": code.expose()});
    let data = client.post("oauth2/access_token/", &body).await?;
    let token = data
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Error::Api(ApiError::transport(
                ErrorKind::Transient,
                "TikTok accepted the authorization code but returned no access token; authorize again."
                    .into(),
                Some(200),
                "oauth2/access_token/",
            ))
        })?;
    register_secret(token);
    Ok(Secret::new(token.to_string()))
}

pub fn new_client(config: &Config) -> Result<Client, Error> {
    Ok(Client::new(config)?)
}

/// Opens a session; with only an auth code, exchanges it and emits the CONTROL message that makes
/// Airbyte store the token.
pub async fn open(config: &Config, out: &Output) -> Result<Session, Error> {
    let mut client = new_client(config)?;
    if !client.has_token() {
        if let Some(code) = &config.auth_code {
            let token = exchange(&client, config, code).await?;
            out.emit(Message::control_config(config.with_token(token.expose())))
                .await;
            out.log(
                LogLevel::Info,
                "Exchanged the authorization code for a long-term access token; Airbyte stores it in the \
                 connection's configuration.",
            )
            .await;
            client = client.with_token(token);
        }
    }
    let chosen = match config.environment {
        Environment::Production => {
            let reachable =
                accounts::reachable(&client, &config.app_id, config.secret.expose()).await?;
            accounts::select(&config.accounts, &reachable)?
        }
        Environment::Sandbox => accounts::sandbox_ids(&config.accounts)?,
    };
    let infos = match accounts::details(&client, &chosen).await {
        Ok(infos) => infos,
        // Some sandboxes do not serve advertiser/info/: days are then counted in UTC.
        Err(e)
            if config.environment == Environment::Sandbox
                && matches!(e.code, Some(40008 | 40009 | 40013 | 40014)) =>
        {
            out.log(
                LogLevel::Warn,
                &format!(
                    "The sandbox does not serve advertiser details ({}); report days are taken in UTC.",
                    e.message.trim()
                ),
            )
            .await;
            chosen
                .iter()
                .map(|a| json!({"advertiser_id": a.id, "name": a.name, "timezone": "UTC"}))
                .collect()
        }
        Err(e) => return Err(e.into()),
    };
    let mut resolved = Vec::new();
    for Reachable { id, name } in chosen {
        let info = infos
            .iter()
            .find(|i| {
                i.get("advertiser_id").and_then(accounts::id_text).as_deref() == Some(id.as_str())
            })
            .cloned()
            .ok_or_else(|| {
                Error::config(format!(
                    "TikTok returned no details for advertiser account {id}; check that the token may read it."
                ))
            })?;
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
