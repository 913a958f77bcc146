//! Request parameters as TikTok reads them: form-decoded query strings whose values may hold JSON
//! (with any whitespace), numbers as strings, and paging with per-endpoint bounds.

use serde_json::{Map, Value};

use crate::model::{ApiError, Params};

/// Form decoding: split on `&`, `+` is a space, then percent-decoding. The first occurrence of a
/// key wins; malformed escapes are kept literally rather than rejected.
pub fn decode_query(query: &str) -> Params {
    let mut params = Params::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = form_decode(k);
        if key.is_empty() {
            continue;
        }
        params.entry(key).or_insert_with(|| form_decode(v));
    }
    params
}

pub fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-encodes a value for a query string (unreserved characters kept).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Adds the fields of a JSON object body to `params`, without overriding query parameters.
/// Strings are taken as they are; other values as their JSON text (so `"page": 2` works too).
pub fn merge_json_body(params: &mut Params, body: &[u8]) -> Result<(), ApiError> {
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(());
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|_| ApiError::param("Request body: Invalid JSON."))?;
    let Value::Object(map) = value else {
        return Err(ApiError::param("Request body: Must be a JSON object."));
    };
    for (k, v) in map {
        let text = match v {
            Value::String(s) => s,
            Value::Null => continue,
            other => other.to_string(),
        };
        params.entry(k).or_insert(text);
    }
    Ok(())
}

pub fn missing(key: &str) -> ApiError {
    ApiError::param(format!("{key}: Missing data for required field."))
}

pub fn required<'a>(params: &'a Params, key: &str) -> Result<&'a str, ApiError> {
    match params.get(key).map(|s| s.trim()) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(missing(key)),
    }
}

/// A JSON-valued parameter, or None when absent or empty.
pub fn json(params: &Params, key: &str) -> Result<Option<Value>, ApiError> {
    match params.get(key) {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => serde_json::from_str(s)
            .map(Some)
            .map_err(|_| ApiError::param(format!("{key}: Invalid JSON format."))),
    }
}

/// A JSON array of ids (strings, or numbers that are turned into strings), at most `max` long.
pub fn id_list(value: &Value, name: &str, max: usize) -> Result<Vec<String>, ApiError> {
    let Value::Array(items) = value else {
        return Err(ApiError::param(format!("{name}: Not a valid list.")));
    };
    if items.len() > max {
        return Err(ApiError::param(format!(
            "{name}: Longer than maximum length {max}."
        )));
    }
    items
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.trim().to_string()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(ApiError::param(format!("{name}: Not a valid string."))),
        })
        .collect()
}

pub fn string_list(value: &Value, name: &str) -> Result<Vec<String>, ApiError> {
    id_list(value, name, usize::MAX)
}

/// The `filtering` parameter of the entity and asset endpoints: a JSON object.
pub fn filtering(params: &Params) -> Result<Map<String, Value>, ApiError> {
    match json(params, "filtering")? {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) => Ok(m),
        Some(_) => Err(ApiError::param("filtering: Not a valid mapping type.")),
    }
}

/// A string inside `filtering`, if present.
pub fn filter_str<'a>(f: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, ApiError> {
    match f.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApiError::param(format!(
            "filtering.{key}: Not a valid string."
        ))),
    }
}

pub fn filter_ids(
    f: &Map<String, Value>,
    key: &str,
    max: usize,
) -> Result<Option<Vec<String>>, ApiError> {
    match f.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => id_list(v, &format!("filtering.{key}"), max).map(Some),
    }
}

/// `true`/`false` in any case, as TikTok's clients send booleans in query strings.
pub fn boolean(params: &Params, key: &str) -> Result<Option<bool>, ApiError> {
    match params.get(key).map(|s| s.trim().to_ascii_lowercase()) {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) if s == "true" || s == "1" => Ok(Some(true)),
        Some(s) if s == "false" || s == "0" => Ok(Some(false)),
        Some(_) => Err(ApiError::param(format!("{key}: Not a valid boolean."))),
    }
}

fn integer(params: &Params, key: &str) -> Result<Option<i64>, ApiError> {
    match params.get(key).map(|s| s.trim()) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| ApiError::param(format!("{key}: Not a valid integer."))),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub page: u64,
    pub page_size: u64,
}

/// `page` ≥ 1 (default 1) and `page_size` in 1..=max (default `default_size`).
pub fn page(params: &Params, default_size: u64, max: u64) -> Result<Page, ApiError> {
    let page = integer(params, "page")?.unwrap_or(1);
    if page < 1 {
        return Err(ApiError::param("page: Must be greater than or equal to 1."));
    }
    let size = integer(params, "page_size")?.unwrap_or(default_size as i64);
    if size < 1 || size as u64 > max {
        return Err(ApiError::param(format!(
            "page_size: Must be greater than or equal to 1 and less than or equal to {max}."
        )));
    }
    Ok(Page {
        page: page as u64,
        page_size: size as u64,
    })
}

/// The requested page of `items` (already filtered and sorted) and a consistent `page_info`.
/// A page past the end is empty with the same totals; `total_page` is 0 for no items.
pub fn paginate<T>(items: Vec<T>, p: Page) -> (Vec<T>, Value) {
    let total = items.len() as u64;
    let total_page = total.div_ceil(p.page_size);
    let skip = (p.page - 1).saturating_mul(p.page_size);
    let page_items: Vec<T> = items
        .into_iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(p.page_size as usize)
        .collect();
    let info = serde_json::json!({
        "page": p.page,
        "page_size": p.page_size,
        "total_number": total,
        "total_page": total_page,
    });
    (page_items, info)
}

/// The optional `fields` list and the `exclude_field_types_in_response` switch for null fields.
#[derive(Clone, Debug, Default)]
pub struct FieldSelection {
    pub fields: Option<Vec<String>>,
    pub drop_nulls: bool,
}

impl FieldSelection {
    pub fn parse(params: &Params) -> Result<FieldSelection, ApiError> {
        let fields = match json(params, "fields")? {
            None => None,
            Some(v) => Some(string_list(&v, "fields")?),
        };
        let drop_nulls = match json(params, "exclude_field_types_in_response")? {
            None => false,
            Some(v) => {
                let types = string_list(&v, "exclude_field_types_in_response")?;
                if let Some(bad) = types.iter().find(|t| t.as_str() != "NULL_FIELD") {
                    return Err(ApiError::param(format!(
                        "exclude_field_types_in_response: Must be one of: NULL_FIELD. Got {bad}."
                    )));
                }
                !types.is_empty()
            }
        };
        Ok(FieldSelection { fields, drop_nulls })
    }

    pub fn apply(&self, mut item: Map<String, Value>) -> Value {
        if let Some(fields) = &self.fields {
            item.retain(|k, _| fields.iter().any(|f| f == k));
        }
        if self.drop_nulls {
            item.retain(|_, v| !v.is_null());
        }
        Value::Object(item)
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC), the time format of entity filters.
pub fn parse_time(s: &str, name: &str) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S")
        .map(|t| t.and_utc())
        .map_err(|_| {
            ApiError::param(format!(
                "{name}: Not a valid datetime, expected format YYYY-MM-DD HH:MM:SS."
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding_handles_plus_escapes_and_malformed_input() {
        let p = decode_query("a=x+y%20z&b=%7B%22k%22%3A+1%7D&a=second&c=%zz%4&=novalue&flag");
        assert_eq!(p["a"], "x y z", "first occurrence wins");
        assert_eq!(p["b"], "{\"k\": 1}");
        assert_eq!(p["c"], "%zz%4");
        assert_eq!(p["flag"], "");
        assert!(!p.contains_key(""));
        assert_eq!(form_decode("%C3%A9t%C3%A9"), "été");
    }

    #[test]
    fn paginate_keeps_totals_past_the_end() {
        let (items, info) = paginate(
            (1..=7).collect::<Vec<_>>(),
            Page {
                page: 3,
                page_size: 3,
            },
        );
        assert_eq!(items, vec![7]);
        assert_eq!(
            info,
            serde_json::json!({"page": 3, "page_size": 3, "total_number": 7, "total_page": 3})
        );
        let (items, info) = paginate(
            (1..=7).collect::<Vec<_>>(),
            Page {
                page: 9,
                page_size: 3,
            },
        );
        assert!(items.is_empty());
        assert_eq!(info["total_page"], 3);
        let (_, info) = paginate(
            Vec::<u8>::new(),
            Page {
                page: 1,
                page_size: 10,
            },
        );
        assert_eq!(info["total_page"], 0);
    }

    #[test]
    fn json_bodies_merge_under_the_query() {
        let mut p = decode_query("page=2");
        merge_json_body(
            &mut p,
            br#"{"page": 5, "page_size": "7", "x": null, "f": ["a"]}"#,
        )
        .unwrap();
        assert_eq!(
            (p["page"].as_str(), p["page_size"].as_str(), p["f"].as_str()),
            ("2", "7", "[\"a\"]")
        );
        assert!(!p.contains_key("x"));
        assert!(merge_json_body(&mut p, b"[1]").is_err());
        assert!(merge_json_body(&mut p, b"  ").is_ok());
    }
}
