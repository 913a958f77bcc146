//! Tokens and auth codes: the OAuth exchange, token checks and advertiser authorization, with
//! TikTok's codes and messages (reference §2, §7.2).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::model::{ApiError, Params};
use crate::params::required;
use crate::rng::hash;

pub const MSG_TOKEN_NULL: &str =
    "Access token is null, you should set it in http header with key Access-Token.";
pub const MSG_TOKEN_BAD: &str = "Access token is incorrect or has been revoked.";
pub const MSG_APP_SECRET: &str = "Authentication failed: the app_id or secret is invalid.";
pub const MSG_AUTH_CODE: &str =
    "The auth_code is invalid, has already been used or has expired. Please reauthorize.";

pub fn no_permission(advertiser_id: &str) -> ApiError {
    ApiError::new(
        40001,
        format!("No permission to operate advertiser {advertiser_id}."),
    )
}

#[derive(Clone, Debug)]
pub struct Token {
    pub app_id: String,
    pub advertisers: BTreeSet<String>,
    pub revoked: bool,
}

#[derive(Clone, Debug)]
struct AuthCode {
    app_id: String,
    issued: DateTime<Utc>,
    used: bool,
}

pub struct Auth {
    seed: u64,
    app_id: String,
    secret: String,
    main_token: String,
    tokens: HashMap<String, Token>,
    codes: HashMap<String, AuthCode>,
    issued: u64,
}

impl Auth {
    pub fn new(
        seed: u64,
        app_id: &str,
        secret: &str,
        main_token: &str,
        advertisers: impl IntoIterator<Item = String>,
    ) -> Auth {
        let mut tokens = HashMap::new();
        tokens.insert(
            main_token.to_string(),
            Token {
                app_id: app_id.to_string(),
                advertisers: advertisers.into_iter().collect(),
                revoked: false,
            },
        );
        Auth {
            seed,
            app_id: app_id.to_string(),
            secret: secret.to_string(),
            main_token: main_token.to_string(),
            tokens,
            codes: HashMap::new(),
            issued: 0,
        }
    }

    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// 40 hex characters, derived from the seed and a counter so a run is reproducible.
    fn fresh(&mut self, salt: u64) -> String {
        self.issued += 1;
        let a = hash(&[self.seed, salt, self.issued]);
        let b = hash(&[self.seed, salt, self.issued, 1]);
        let c = hash(&[self.seed, salt, self.issued, 2]);
        format!("{a:016x}{b:016x}{:08x}", c >> 32)
    }

    /// The token of the `Access-Token` header, or 40104/40105.
    pub fn check(&self, header: Option<&str>) -> Result<&Token, ApiError> {
        let value = header.map(str::trim).filter(|v| !v.is_empty());
        let Some(value) = value else {
            return Err(ApiError::new(40104, MSG_TOKEN_NULL));
        };
        match self.tokens.get(value) {
            Some(t) if !t.revoked => Ok(t),
            _ => Err(ApiError::new(40105, MSG_TOKEN_BAD)),
        }
    }

    pub fn new_code(&mut self, now: DateTime<Utc>) -> String {
        let code = self.fresh(0xC0DE);
        self.codes.insert(
            code.clone(),
            AuthCode {
                app_id: self.app_id.clone(),
                issued: now,
                used: false,
            },
        );
        code
    }

    /// A token reaching exactly `advertisers` (for tests of partial authorization).
    pub fn issue(&mut self, advertisers: impl IntoIterator<Item = String>) -> String {
        let token = self.fresh(0x70CE);
        self.tokens.insert(
            token.clone(),
            Token {
                app_id: self.app_id.clone(),
                advertisers: advertisers.into_iter().collect(),
                revoked: false,
            },
        );
        token
    }

    pub fn revoke(&mut self, token: &str) -> Option<Token> {
        let t = self.tokens.get_mut(token)?;
        t.revoked = true;
        Some(t.clone())
    }

    /// A new advertiser is authorized for the pre-issued token.
    pub fn grant_main(&mut self, advertiser_id: &str) {
        if let Some(t) = self.tokens.get_mut(&self.main_token) {
            t.advertisers.insert(advertiser_id.to_string());
        }
    }

    fn check_app(&self, app_id: &str, secret: &str) -> Result<(), ApiError> {
        if app_id == self.app_id && secret == self.secret {
            Ok(())
        } else {
            Err(ApiError::new(40101, MSG_APP_SECRET))
        }
    }

    /// `POST oauth2/access_token/`: a single-use code younger than one hour becomes a long-term
    /// token reaching every current advertiser.
    pub fn exchange(
        &mut self,
        params: &Params,
        now: DateTime<Utc>,
        advertisers: Vec<String>,
    ) -> Result<Value, ApiError> {
        let app_id = required(params, "app_id")?;
        let secret = required(params, "secret")?;
        let code = required(params, "auth_code")?;
        self.check_app(app_id, secret)?;
        let valid = match self.codes.get_mut(code) {
            Some(c)
                if !c.used
                    && c.app_id == app_id
                    && now - c.issued <= Duration::hours(1)
                    && now >= c.issued =>
            {
                c.used = true;
                true
            }
            _ => false,
        };
        if !valid {
            return Err(ApiError::new(40110, MSG_AUTH_CODE));
        }
        let token = self.issue(advertisers.clone());
        Ok(json!({ "access_token": token, "scope": [4], "advertiser_ids": advertisers }))
    }

    /// `POST oauth2/revoke_token/`.
    pub fn revoke_endpoint(&mut self, params: &Params) -> Result<Value, ApiError> {
        let app_id = required(params, "app_id")?;
        let secret = required(params, "secret")?;
        let token = required(params, "access_token")?.to_string();
        self.check_app(app_id, secret)?;
        match self.tokens.get(&token) {
            Some(t) if !t.revoked => {}
            _ => return Err(ApiError::new(40105, MSG_TOKEN_BAD)),
        }
        let t = self
            .revoke(&token)
            .map(|t| t.advertisers)
            .unwrap_or_default();
        Ok(json!({ "app_id": app_id, "advertiser_ids": t }))
    }

    /// `GET oauth2/advertiser/get/`: app_id and secret must be the token's app.
    pub fn check_app_params(&self, params: &Params, token: &Token) -> Result<(), ApiError> {
        let app_id = required(params, "app_id")?;
        let secret = required(params, "secret")?;
        self.check_app(app_id, secret)?;
        if token.app_id != app_id {
            return Err(ApiError::new(40101, MSG_APP_SECRET));
        }
        Ok(())
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The page TikTok shows once a user has authorized the app; `Err` is an error page.
pub fn portal_page(
    params: &Params,
    app_id: &str,
    code: impl FnOnce() -> String,
) -> Result<String, String> {
    let given = params.get("app_id").map(|s| s.trim()).unwrap_or("");
    if given != app_id {
        return Err(page(
            "Authorization failed",
            "<p>Invalid app_id: the app does not exist or is not approved.</p>",
        ));
    }
    let Some(redirect) = params
        .get("redirect_uri")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    else {
        return Err(page(
            "Authorization failed",
            "<p>redirect_uri is required.</p>",
        ));
    };
    let state = params.get("state").cloned().unwrap_or_default();
    let code = code();
    let sep = if redirect.contains('?') { '&' } else { '?' };
    let enc = crate::params::encode;
    let link = format!(
        "{redirect}{sep}auth_code={}&code={}&state={}",
        enc(&code),
        enc(&code),
        enc(&state)
    );
    Ok(page(
        "Authorization granted",
        &format!(
            "<p>You authorized app <code>{}</code>.</p>\n<p>Auth code: <code id=\"auth_code\">{}</code></p>\n<p><a id=\"redirect\" href=\"{}\">Continue to {}</a></p>",
            html_escape(app_id),
            html_escape(&code),
            html_escape(&link),
            html_escape(redirect)
        ),
    ))
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>TikTok For Business - {title}</title></head>\n<body><h1>{title}</h1>\n{body}\n</body></html>\n"
    )
}
