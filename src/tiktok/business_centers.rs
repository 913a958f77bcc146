//! The Business Centers the token's user belongs to (`bc/get/`), listed once per run when a
//! stream partitioned by Business Center is read, like the accounts.

use chrono_tz::Tz;
use serde_json::Value;

use super::client::{Client, Query, Quiet};
use super::error::ApiError;
use crate::tiktok::accounts::id_text;

/// `bc/get/` pages hold at most 50 Business Centers.
const PAGE_SIZE: u64 = 50;
/// No user belongs to anywhere near this many Business Centers; a longer listing is broken.
const MAX_PAGES: u64 = 1000;

#[derive(Clone, Debug)]
pub struct BusinessCenter {
    pub id: String,
    pub name: String,
    /// The zone TikTok gives the Business Center's times in (transactions); UTC when it gave
    /// none the connector knows.
    pub tz: Tz,
    /// The `bc/get/` item: `bc_info`, `user_role`, `ext_user_role`.
    pub info: Value,
}

impl BusinessCenter {
    fn from_item(item: &Value) -> Option<BusinessCenter> {
        let info = item.get("bc_info")?;
        let id = info.get("bc_id").and_then(id_text)?;
        Some(BusinessCenter {
            id,
            name: info
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            tz: info
                .get("timezone")
                .and_then(Value::as_str)
                .and_then(|t| t.trim().parse::<Tz>().ok())
                .unwrap_or(Tz::UTC),
            info: item.clone(),
        })
    }
}

/// Every Business Center of the token's user, each once, in TikTok's order.
pub async fn list(client: &Client) -> Result<Vec<BusinessCenter>, ApiError> {
    let mut out: Vec<BusinessCenter> = Vec::new();
    let mut page = 1;
    loop {
        let query: Query = vec![
            ("page", page.to_string()),
            ("page_size", PAGE_SIZE.to_string()),
        ];
        let data = client.get_value("bc/get/", &query, &Quiet).await?;
        let items = data
            .get("list")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for bc in items.iter().filter_map(BusinessCenter::from_item) {
            if !out.iter().any(|o| o.id == bc.id) {
                out.push(bc);
            }
        }
        let total_page = data
            .pointer("/page_info/total_page")
            .and_then(Value::as_u64)
            .unwrap_or(1);
        if page >= total_page || items.is_empty() {
            return Ok(out);
        }
        page += 1;
        if page > MAX_PAGES {
            return Err(ApiError::bad_answer(
                "bc/get/",
                format!("more than {MAX_PAGES} pages of Business Centers"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_without_an_id_are_not_business_centers() {
        let bc = BusinessCenter::from_item(&json!({"bc_info": {"bc_id": 7001, "name": "A",
            "timezone": "Asia/Bangkok"}, "user_role": "ADMIN"}))
        .unwrap();
        assert_eq!((bc.id.as_str(), bc.tz), ("7001", chrono_tz::Asia::Bangkok));
        let bc =
            BusinessCenter::from_item(&json!({"bc_info": {"bc_id": "7", "timezone": "nowhere"}}))
                .unwrap();
        assert_eq!(bc.tz, Tz::UTC);
        assert!(BusinessCenter::from_item(&json!({"bc_info": {"name": "no id"}})).is_none());
        assert!(BusinessCenter::from_item(&json!({"user_role": "ADMIN"})).is_none());
    }
}
