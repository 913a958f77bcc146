//! Shaping TikTok's items and report rows into records with honest types.

use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{Map, Number, Value};

use super::decl::MetricKind;
use super::{metrics, ReportSpec};

/// Top-level properties the schema types as `date-time`: these get RFC 3339 values.
pub fn datetime_fields(schema: &Value) -> Vec<String> {
    schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .filter(|(_, p)| p.get("format").and_then(Value::as_str) == Some("date-time"))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// TikTok's instants: `"YYYY-MM-DD HH:MM:SS"` (UTC), ISO with `Z`, or epoch seconds.
pub fn parse_instant(v: &Value) -> Option<DateTime<Utc>> {
    match v {
        Value::String(s) => {
            let s = s.trim();
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                return Some(t.with_timezone(&Utc));
            }
            let plain = s.trim_end_matches('Z').replace('T', " ");
            NaiveDateTime::parse_from_str(&plain, "%Y-%m-%d %H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        }
        Value::Number(n) => n
            .as_i64()
            .and_then(|secs| DateTime::from_timestamp(secs, 0)),
        _ => None,
    }
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An entity or asset item: `advertiser_id` present, IDs as strings, instants in RFC 3339.
pub fn entity_record(
    item: Value,
    advertiser_id: &str,
    datetime_fields: &[String],
    derived_key: Option<(&str, &str, &str)>,
) -> Map<String, Value> {
    let mut data = match item {
        Value::Object(m) => m,
        other => {
            let mut m = Map::new();
            m.insert("value".into(), other);
            m
        }
    };
    for (key, value) in data.iter_mut() {
        if (key.ends_with("_id") || key == "id") && value.is_number() {
            *value = Value::String(value.to_string());
        }
    }
    data.entry("advertiser_id")
        .or_insert_with(|| Value::String(advertiser_id.to_string()));
    for field in datetime_fields {
        if let Some(v) = data.get_mut(field) {
            let empty = v
                .as_str()
                .map(|s| s.trim().is_empty() || s == "-")
                .unwrap_or(false);
            if empty {
                *v = Value::Null;
            } else if let Some(t) = parse_instant(v) {
                *v = Value::String(rfc3339(t));
            }
        }
    }
    if let Some((key_name, outer, inner)) = derived_key {
        let derived = data.get(outer).and_then(|o| o.get(inner)).cloned();
        if let Some(v) = derived {
            let v = if v.is_number() {
                Value::String(v.to_string())
            } else {
                v
            };
            data.insert(key_name.to_string(), v);
        }
    }
    data
}

/// Why a metric value could not be typed; the record carries null and the sync warns.
#[derive(Debug, PartialEq, Eq)]
pub struct BadValue {
    pub metric: String,
    pub text: String,
}

/// A metric's text as a JSON value of its kind, without passing decimals through a float.
pub fn metric_value(value: &Value, kind: MetricKind) -> Result<Value, String> {
    let text = match value {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    };
    if text.is_empty() || text == "-" {
        return Ok(Value::Null);
    }
    match kind {
        MetricKind::Text => Ok(Value::String(text)),
        MetricKind::Integer => {
            if let Ok(i) = text.parse::<i64>() {
                return Ok(Value::Number(i.into()));
            }
            // "12.00" is still a count.
            match text.split_once('.') {
                Some((int, frac))
                    if frac.chars().all(|c| c == '0') && int.parse::<i64>().is_ok() =>
                {
                    Ok(Value::Number(int.parse::<i64>().unwrap_or_default().into()))
                }
                _ => Err(text),
            }
        }
        MetricKind::Number => {
            if is_decimal(&text) {
                Number::from_str(&text).map(Value::Number).map_err(|_| text)
            } else {
                Err(text)
            }
        }
    }
}

fn is_decimal(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && (int == "0" || !int.starts_with('0'))
        && frac.chars().all(|c| c.is_ascii_digit())
        && !(body.contains('.') && frac.is_empty())
}

/// The columns of a report's records, worked out once per request rather than once per row.
pub struct Columns {
    dims: Vec<String>,
    metrics: Vec<(String, MetricKind)>,
}

impl Columns {
    pub fn new(spec: &ReportSpec, metrics: &[String]) -> Columns {
        Columns {
            dims: spec.dimensions(),
            metrics: metrics
                .iter()
                .map(|m| {
                    (
                        m.clone(),
                        metrics::metric_kind(m).unwrap_or(MetricKind::Text),
                    )
                })
                .collect(),
        }
    }
}

/// A report row flattened: `advertiser_id`, the dimensions (days as dates, hours as local
/// timestamps), and exactly the requested metrics.
pub fn report_record(
    row: &Value,
    advertiser_id: &str,
    cols: &Columns,
    bad: &mut Vec<BadValue>,
) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert(
        "advertiser_id".into(),
        Value::String(advertiser_id.to_string()),
    );
    let dims = row.get("dimensions");
    for dim in &cols.dims {
        let text = match dims.and_then(|d| d.get(dim)) {
            Some(Value::String(s)) => Some(s.as_str().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let value = match (dim.as_str(), text) {
            ("advertiser_id", None) => continue,
            (_, None) => Value::Null,
            ("stat_time_day", Some(t)) => Value::String(t.get(..10).unwrap_or(&t).to_string()),
            ("stat_time_hour", Some(t)) => Value::String(t.trim().replacen(' ', "T", 1)),
            (_, Some(t)) => Value::String(t),
        };
        data.insert(dim.clone(), value);
    }
    let values = row.get("metrics");
    for (m, kind) in &cols.metrics {
        let raw = values.and_then(|v| v.get(m)).unwrap_or(&Value::Null);
        let v = metric_value(raw, *kind).unwrap_or_else(|text| {
            bad.push(BadValue {
                metric: m.clone(),
                text,
            });
            Value::Null
        });
        data.insert(m.clone(), v);
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::streams::decl::{Granularity, Level, ReportType};
    use serde_json::json;

    #[test]
    fn metric_text_keeps_its_digits() {
        assert_eq!(
            serde_json::to_string(&metric_value(&json!("20.00"), MetricKind::Number).unwrap())
                .unwrap(),
            "20.00"
        );
        assert_eq!(
            serde_json::to_string(&metric_value(&json!("0.1"), MetricKind::Number).unwrap())
                .unwrap(),
            "0.1"
        );
        assert_eq!(
            metric_value(&json!("5830"), MetricKind::Integer).unwrap(),
            json!(5830)
        );
        assert_eq!(
            metric_value(&json!("12.00"), MetricKind::Integer).unwrap(),
            json!(12)
        );
        assert_eq!(
            metric_value(&json!("-"), MetricKind::Number).unwrap(),
            Value::Null
        );
        assert_eq!(
            metric_value(&json!("<5"), MetricKind::Integer),
            Err("<5".to_string())
        );
        assert!(metric_value(&json!("1e5"), MetricKind::Number).is_err());
        assert!(metric_value(&json!("01.5"), MetricKind::Number).is_err());
        assert_eq!(
            metric_value(&json!("Campaign A"), MetricKind::Text).unwrap(),
            json!("Campaign A")
        );
    }

    #[test]
    fn instants_become_rfc3339() {
        let fields = vec![
            "create_time".to_string(),
            "modify_time".to_string(),
            "t2".to_string(),
        ];
        let item = json!({"campaign_id": 123, "create_time": "2024-03-28 12:09:05", "modify_time": "2020-06-10T07:39:14Z", "t2": 1510740064});
        let mut fields2 = fields.clone();
        fields2.push("missing".into());
        let rec = entity_record(item, "77", &fields2, None);
        assert_eq!(rec["campaign_id"], "123");
        assert_eq!(rec["advertiser_id"], "77");
        assert_eq!(rec["create_time"], "2024-03-28T12:09:05Z");
        assert_eq!(rec["modify_time"], "2020-06-10T07:39:14Z");
        assert_eq!(rec["t2"], "2017-11-15T10:01:04Z");
    }

    #[test]
    fn report_rows_are_flattened() {
        let spec = ReportSpec {
            report_type: ReportType::Basic,
            level: Level::Ad,
            granularity: Granularity::Hour,
            breakdowns: vec!["country_code".into()],
            metrics: vec!["spend".into(), "impressions".into()],
        };
        let row = json!({"dimensions": {"ad_id": "9", "stat_time_hour": "2025-01-02 09:00:00", "country_code": "US"},
                          "metrics": {"spend": "1.50", "impressions": "-"}});
        let mut bad = Vec::new();
        let rec = report_record(&row, "77", &Columns::new(&spec, &spec.metrics), &mut bad);
        assert_eq!(
            Value::Object(rec.clone()),
            json!({"advertiser_id": "77", "ad_id": "9", "stat_time_hour": "2025-01-02T09:00:00",
            "country_code": "US", "spend": serde_json::from_str::<Value>("1.50").unwrap(), "impressions": null})
        );
        assert_eq!(rec["spend"].to_string(), "1.50");
        assert!(bad.is_empty());
        let day = ReportSpec {
            granularity: Granularity::Day,
            breakdowns: vec![],
            ..spec
        };
        let row = json!({"dimensions": {"ad_id": "9", "stat_time_day": "2025-01-02 00:00:00"}, "metrics": {"spend": "x"}});
        let rec = report_record(&row, "77", &Columns::new(&day, &day.metrics), &mut bad);
        assert_eq!(rec["stat_time_day"], "2025-01-02");
        assert_eq!(rec["spend"], Value::Null);
        assert_eq!(
            bad,
            vec![BadValue {
                metric: "spend".into(),
                text: "x".into()
            }]
        );
    }
}
