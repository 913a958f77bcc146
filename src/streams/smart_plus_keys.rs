//! How ad-level reports key Upgraded Smart+ ads. TikTok reports a Smart+ ad (`smart_plus_ad_id`)
//! either per creative (dimension `ad_id`, rows marked `UPGRADED_SMART_PLUS_CREATIVE`) or as one
//! row (dimension `ad_id_v2`); for a manual ad `ad_id_v2` is its `ad_id`. Every ad-level report
//! stream asks for `ad_id_v2`: one row per ad as the advertiser sees it, each creative counted
//! once. The record keeps the column `ad_id` (the official connector's key `ad_id,
//! stat_time_day` stays) holding that value, and carries `ad_id_v2` too. TikTok does not let
//! `ad_id_v2` go with the `ad_ids` filter: a capped window is read again with `ad_ids_v2`.
//! Under `ad_id_v2`, some attribute metrics come back as `<name>_list` (a JSON array as text).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde_json::value::RawValue;
use serde_json::{json, Value};

use super::decl::Level;
use super::paging::{self, PageSummary};
use super::record::{push_json_str, push_raw, scalar, Scalar};
use crate::error::Error;
use crate::read::Job;
use crate::tiktok::accounts::id_text;
use crate::tiktok::envelope::{self, AsValue, PageInfo};
use crate::tiktok::{json_param, ApiError, Query};

/// The report filter that restricts an ad-level (`ad_id_v2`) request to some ads.
pub const AD_ID_FILTER: &str = "ad_ids_v2";

/// Attribute metrics TikTok returns as `<name>_list` with `ad_id_v2` (reference §3).
const LISTED: &[&str] = &[
    "ad_text",
    "call_to_action",
    "ad_url",
    "image_info",
    "identity_type",
    "profile_image",
];

/// The ID dimension a report at `level` asks TikTok for.
pub fn request_id_dimension(level: Level) -> &'static str {
    match level {
        Level::Ad => "ad_id_v2",
        other => other.id_dimension(),
    }
}

/// The record columns that hold the row's ID (advertiser level: none, the account's is written).
pub fn id_columns(level: Level) -> &'static [&'static str] {
    match level {
        Level::Advertiser => &[],
        Level::Campaign => &["campaign_id"],
        Level::AdGroup => &["adgroup_id"],
        Level::Ad => &["ad_id", "ad_id_v2"],
    }
}

/// A schema column besides the level's ID, with its description.
pub fn extra_id_column(level: Level) -> Option<(&'static str, &'static str)> {
    (level == Level::Ad).then_some((
        "ad_id_v2",
        "TikTok's ad_id_v2: the Smart+ ad (smart_plus_ad_id) for Upgraded Smart+, the ad itself for a \
         manual ad; ad_id holds the same value.",
    ))
}

/// The metric a `<name>_list` response key stands for.
pub fn listed_attribute(key: &str) -> Option<&'static str> {
    let name = key.strip_suffix("_list")?;
    LISTED.iter().copied().find(|l| *l == name)
}

/// A `<name>_list` value into the `<name>` column: a one-element list is that element (a manual
/// ad's text, as without `ad_id_v2`); a longer list (a Smart+ ad's texts) stays the JSON array
/// text TikTok sent.
pub fn push_listed(out: &mut Vec<u8>, raw: &RawValue) {
    match scalar(raw) {
        Scalar::Text(t) => push_listed_text(out, &t),
        Scalar::Null => out.extend_from_slice(b"null"),
        _ => push_raw(out, raw),
    }
}

/// `push_listed` for the text of a value (CSV cells).
pub fn push_listed_text(out: &mut Vec<u8>, text: &str) {
    let t = text.trim();
    if t.is_empty() || t == "-" {
        out.extend_from_slice(b"null");
        return;
    }
    match serde_json::from_str::<Vec<String>>(t) {
        Ok(items) if items.len() == 1 => push_json_str(out, &items[0]),
        _ => push_json_str(out, t),
    }
}

/// The account's `ad_id_v2` values (manual ads and Smart+ ads; deleted ones too with
/// `include_deleted`), listed once per run: `ad/get/` rows are manual ads or the creatives of a
/// Smart+ ad (which carry `smart_plus_ad_id`), and `smart_plus/ad/get/` adds Smart+ ads whose
/// creatives `ad/get/` does not list (how TikTok lists them there is UNCERTAIN).
pub async fn ad_ids_v2(job: &Job<'_>, account: &str) -> Result<Arc<Vec<String>>, Error> {
    let cell = job.run.ad_ids_cell(account);
    cell.get_or_try_init(|| async {
        let ids = Mutex::new(BTreeSet::new());
        let deleted = job.config().include_deleted;
        // Ads of every buying type: a capped report below the advertiser level covers TopView
        // too, and `ad/get/` lists TopView ads only when asked alone.
        for pass in super::buying::ENTITY_PASSES {
            let mut filtering = serde_json::Map::new();
            if let Some((key, values)) = pass.filter {
                filtering.insert(key.into(), json!(values));
            }
            if deleted {
                filtering.insert("secondary_status".into(), json!("AD_STATUS_ALL"));
            }
            let ad_get: Query = vec![
                ("advertiser_id", account.to_string()),
                ("fields", json_param(&json!(["ad_id", "smart_plus_ad_id"]))),
                (
                    "filtering",
                    json_param(&serde_json::Value::Object(filtering)),
                ),
            ];
            list_ids(job, "ad/get/", 1000, &ad_get, ID_KEYS, &ids).await?;
        }
        let mut smart: Query = vec![
            ("advertiser_id", account.to_string()),
            ("fields", json_param(&json!(["smart_plus_ad_id"]))),
        ];
        if deleted {
            smart.push((
                "filtering",
                json_param(&json!({"primary_status": "STATUS_ALL"})),
            ));
        }
        list_ids(job, "smart_plus/ad/get/", 100, &smart, ID_KEYS, &ids).await?;
        let ids = ids.into_inner().unwrap_or_else(|e| e.into_inner());
        Ok::<_, Error>(Arc::new(ids.into_iter().collect()))
    })
    .await
    .cloned()
}

/// An item's `ad_id_v2`: its `smart_plus_ad_id`, else its `ad_id`.
const ID_KEYS: &[&str] = &["smart_plus_ad_id", "ad_id"];

/// Every page of a small ID listing: each item's first present field of `keys`.
pub(crate) async fn list_ids(
    job: &Job<'_>,
    path: &'static str,
    page_size: u64,
    query: &Query,
    keys: &[&str],
    ids: &Mutex<BTreeSet<String>>,
) -> Result<(), Error> {
    paging::walk(path, page_size, |page_no| async move {
        let mut q = query.clone();
        q.push(("page", page_no.to_string()));
        q.push(("page_size", page_size.to_string()));
        let fetched = job
            .get(path, &q, |body, _| {
                Ok(envelope::decode(body, path, AsValue)?.data)
            })
            .await?;
        let data = fetched.value.unwrap_or(Value::Null);
        let info: Option<PageInfo> = data
            .get("page_info")
            .and_then(|p| serde_json::from_value(p.clone()).ok());
        let items = data
            .get("list")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if data.get("list").is_none() && info.is_none_or(|i| i.total_number != Some(0)) {
            return Err(Error::Api(ApiError::bad_answer(
                path,
                "a success without data.list".into(),
            )));
        }
        let mut first_key = None;
        let mut found = ids.lock().unwrap_or_else(|e| e.into_inner());
        for item in &items {
            // The page's first item by its own ID (creatives of one Smart+ ad share theirs).
            if first_key.is_none() {
                first_key = keys
                    .iter()
                    .rev()
                    .find_map(|k| item.get(*k).and_then(id_text));
            }
            if let Some(id) = keys.iter().find_map(|k| item.get(*k).and_then(id_text)) {
                found.insert(id);
            }
        }
        Ok(PageSummary {
            info,
            items: items.len() as u64,
            first_key,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(text: &str) -> String {
        let mut out = Vec::new();
        push_listed_text(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn listed_attributes_unwrap_single_items_only() {
        assert_eq!(listed(r#"["Shop now"]"#), r#""Shop now""#);
        assert_eq!(listed(r#"["a", "b"]"#), r#""[\"a\", \"b\"]""#);
        assert_eq!(listed("-"), "null");
        assert_eq!(listed("plain"), r#""plain""#);
        assert_eq!(listed_attribute("ad_text_list"), Some("ad_text"));
        assert_eq!(listed_attribute("spend_list"), None);
        assert_eq!(listed_attribute("ad_text"), None);
    }

    #[test]
    fn only_ad_level_asks_for_ad_id_v2() {
        assert_eq!(request_id_dimension(Level::Ad), "ad_id_v2");
        assert_eq!(request_id_dimension(Level::AdGroup), "adgroup_id");
        assert_eq!(id_columns(Level::Ad), ["ad_id", "ad_id_v2"]);
        assert!(id_columns(Level::Advertiser).is_empty());
    }
}
