//! Accounts (advertisers): which ones the token reaches, which ones the user chose (by name or
//! ID), and their details (time zone, currency) from `advertiser/info/`.

use chrono_tz::Tz;
use serde_json::Value;

use super::client::{Client, Query, Quiet};
use super::error::ApiError;
use super::json_param;
use crate::error::Error;

/// TikTok gave no time zone the connector knows for an account: its report days cannot be placed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NoTimeZone(pub String);

/// An advertiser the token can reach, as `oauth2/advertiser/get/` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reachable {
    pub id: String,
    pub name: String,
}

/// A chosen account with what a sync needs to know about it.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// Report days and hours are in this zone; an error when TikTok gave none we know, which
    /// fails this account's reports only.
    pub tz: Result<Tz, NoTimeZone>,
    /// The `advertiser/info/` record, for the `advertisers` stream.
    pub info: Value,
}

pub async fn reachable(
    client: &Client,
    app_id: &str,
    secret: &str,
) -> Result<Vec<Reachable>, ApiError> {
    let query: Query = vec![
        ("app_id", app_id.to_string()),
        ("secret", secret.to_string()),
    ];
    let path = "oauth2/advertiser/get/";
    let data = client.get_value(path, &query, &Quiet).await?;
    let mut out: Vec<Reachable> = Vec::new();
    for a in listed(&data, path)? {
        let Some(id) = a.get("advertiser_id").and_then(id_text) else {
            continue;
        };
        // An account listed twice is still one account: read it once.
        if out.iter().any(|r| r.id == id) {
            continue;
        }
        let name = a
            .get("advertiser_name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        out.push(Reachable { id, name });
    }
    Ok(out)
}

/// `data.list` of an answer; a success without it is not an empty list but an answer that
/// cannot be used (taking it as "no accounts" would blame the user's token).
fn listed<'a>(data: &'a Value, path: &str) -> Result<&'a Vec<Value>, ApiError> {
    data.get("list")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_answer(path, "a success without data.list".into()))
}

/// IDs are strings in v1.3; accept numbers too rather than lose an account.
pub fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn normalize(name: &str) -> String {
    name.trim().to_lowercase()
}

fn listing(accounts: &[&Reachable]) -> String {
    accounts
        .iter()
        .map(|a| format!("'{}' ({})", a.name, a.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Picks the accounts the user asked for: an entry is an account ID, or a name matched ignoring
/// case and surrounding spaces. Empty means every reachable account.
pub fn select(wanted: &[String], reachable: &[Reachable]) -> Result<Vec<Reachable>, Error> {
    if wanted.is_empty() {
        if reachable.is_empty() {
            return Err(Error::config(
                "The access token does not reach any advertiser account. Authorize the app for at least one \
                 account in TikTok Ads Manager.",
            ));
        }
        return Ok(reachable.to_vec());
    }
    let all: Vec<&Reachable> = reachable.iter().collect();
    let mut chosen: Vec<Reachable> = Vec::new();
    for entry in wanted {
        let found: Vec<&Reachable> = match reachable.iter().find(|a| a.id == *entry) {
            Some(a) => vec![a],
            None => reachable
                .iter()
                .filter(|a| normalize(&a.name) == normalize(entry))
                .collect(),
        };
        match found.as_slice() {
            [one] => {
                if !chosen.iter().any(|c| c.id == one.id) {
                    chosen.push((*one).clone());
                }
            }
            [] => {
                return Err(Error::config(format!(
                    "Account '{entry}' is not among the accounts this token can reach. Use one of these names or IDs: {}.",
                    listing(&all)
                )))
            }
            many => {
                return Err(Error::config(format!(
                    "Account name '{entry}' matches several accounts: {}. Use the account ID instead.",
                    listing(many)
                )))
            }
        }
    }
    Ok(chosen)
}

/// In the sandbox `oauth2/advertiser/get/` does not exist, so accounts must be given as IDs.
pub fn sandbox_ids(wanted: &[String]) -> Result<Vec<Reachable>, Error> {
    let msg = "In the sandbox TikTok cannot list the accounts of a token, so 'accounts' must hold the sandbox \
               advertiser IDs (digits, separated by commas), not names.";
    if wanted.is_empty() || !wanted.iter().all(|w| w.chars().all(|c| c.is_ascii_digit())) {
        return Err(Error::config(msg));
    }
    let mut unique: Vec<&String> = Vec::new();
    for w in wanted {
        if !unique.contains(&w) {
            unique.push(w);
        }
    }
    Ok(unique
        .into_iter()
        .map(|id| Reachable {
            id: id.clone(),
            name: String::new(),
        })
        .collect())
}

/// `advertiser/info/` for the chosen accounts, at most 100 IDs a call.
pub async fn details(client: &Client, chosen: &[Reachable]) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::new();
    for chunk in chosen.chunks(100) {
        let ids: Vec<&str> = chunk.iter().map(|a| a.id.as_str()).collect();
        let query: Query = vec![("advertiser_ids", json_param(&serde_json::json!(ids)))];
        let data = client.get_value("advertiser/info/", &query, &Quiet).await?;
        out.extend(listed(&data, "advertiser/info/")?.iter().cloned());
    }
    Ok(out)
}

/// The zone TikTok reports an account's days in: `timezone`, else `display_timezone`.
pub fn time_zone(info: &Value) -> Result<Tz, NoTimeZone> {
    let candidates = ["timezone", "display_timezone"];
    for key in candidates {
        if let Some(name) = info.get(key).and_then(Value::as_str) {
            if let Ok(tz) = name.trim().parse::<Tz>() {
                return Ok(tz);
            }
        }
    }
    Err(NoTimeZone(format!(
        "TikTok gave no usable time zone for advertiser {} (timezone {:?}, display_timezone {:?}); report days \
         cannot be placed.",
        info.get("advertiser_id").and_then(id_text).unwrap_or_default(),
        info.get("timezone"),
        info.get("display_timezone")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(id: &str, name: &str) -> Reachable {
        Reachable {
            id: id.into(),
            name: name.into(),
        }
    }

    #[test]
    fn names_match_ignoring_case_and_spaces_ids_match_exactly() {
        let all = vec![
            acct("1", "Acme Shoes"),
            acct("2", "Beta Store"),
            acct("3", "Gamma"),
        ];
        let got = select(&["  beta STORE ".into(), "3".into()], &all).unwrap();
        assert_eq!(got, vec![acct("2", "Beta Store"), acct("3", "Gamma")]);
        assert_eq!(select(&[], &all).unwrap().len(), 3);
    }

    #[test]
    fn unknown_and_ambiguous_names_list_the_accounts() {
        let all = vec![
            acct("1", "Acme Shoes"),
            acct("2", " acme shoes"),
            acct("3", "Gamma"),
        ];
        let unknown = select(&["Delta".into()], &all).unwrap_err();
        let unknown = unknown.to_string();
        assert!(
            unknown.contains("'Delta'") && unknown.contains("'Gamma' (3)"),
            "{unknown}"
        );
        let ambiguous = select(&["ACME SHOES".into()], &all)
            .unwrap_err()
            .to_string();
        assert!(
            ambiguous.contains("(1)") && ambiguous.contains("(2)") && ambiguous.contains("ID"),
            "{ambiguous}"
        );
        // The ID still picks one of the two.
        assert_eq!(
            select(&["2".into()], &all).unwrap(),
            vec![acct("2", " acme shoes")]
        );
    }

    #[test]
    fn sandbox_needs_ids() {
        assert!(sandbox_ids(&[]).is_err());
        assert!(sandbox_ids(&["Acme".into()])
            .unwrap_err()
            .to_string()
            .contains("sandbox"));
        assert_eq!(sandbox_ids(&["123".into()]).unwrap()[0].id, "123");
    }

    #[test]
    fn time_zones() {
        let tz = time_zone(&serde_json::json!({"timezone": "Etc/GMT+8"})).unwrap();
        assert_eq!(tz, chrono_tz::Etc::GMTPlus8);
        let tz =
            time_zone(&serde_json::json!({"timezone": "nope", "display_timezone": "Asia/Tokyo"}))
                .unwrap();
        assert_eq!(tz, chrono_tz::Asia::Tokyo);
        assert!(time_zone(&serde_json::json!({"advertiser_id": "9"})).is_err());
    }
}
