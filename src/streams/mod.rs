//! The streams: entity and asset streams are declarations below; report streams are
//! declarations in `reports.rs` or come from the `custom_reports` setting. Schemas of reports are
//! built from their declared metrics, so a schema never promises a field that is not requested.

pub mod decl;
pub mod metrics;
pub mod record;
pub mod reports;

use serde_json::{json, Map, Value};

use crate::config::{Config, CustomReport, Environment};
use decl::{Granularity, Level, MetricKind, ReportDecl, ReportType};

/// A paged list endpoint read once per account.
#[derive(Debug)]
pub struct EntityDecl {
    pub name: &'static str,
    pub path: &'static str,
    /// Where the items are in `data`: `list`, `musics`, `creative_portfolios`, `pixels`.
    pub records_key: &'static str,
    pub page_size: u32,
    pub primary_key: &'static str,
    /// Incremental on `modify_time`, compared on our side (TikTok has no such filter here).
    pub incremental: bool,
    /// `ad/get/` can filter on `modified_after` itself.
    pub server_modified_after: bool,
    /// The `filtering` that lets deleted entities in, when `include_deleted` is on.
    pub deleted_filter: Option<(&'static str, &'static str)>,
    /// A field copied from a nested one, e.g. spark ads' key from `item_info.item_id`.
    pub derived_key: Option<(&'static str, &'static str)>,
    pub schema: &'static str,
}

pub const ENTITIES: &[EntityDecl] = &[
    EntityDecl {
        name: "campaigns",
        path: "campaign/get/",
        records_key: "list",
        page_size: 1000,
        primary_key: "campaign_id",
        incremental: true,
        server_modified_after: false,
        deleted_filter: Some(("secondary_status", "CAMPAIGN_STATUS_ALL")),
        derived_key: None,
        schema: include_str!("schemas/campaigns.json"),
    },
    EntityDecl {
        name: "ad_groups",
        path: "adgroup/get/",
        records_key: "list",
        page_size: 1000,
        primary_key: "adgroup_id",
        incremental: true,
        server_modified_after: false,
        deleted_filter: Some(("secondary_status", "ADGROUP_STATUS_ALL")),
        derived_key: None,
        schema: include_str!("schemas/ad_groups.json"),
    },
    EntityDecl {
        name: "ads",
        path: "ad/get/",
        records_key: "list",
        page_size: 1000,
        primary_key: "ad_id",
        incremental: true,
        server_modified_after: true,
        deleted_filter: Some(("secondary_status", "AD_STATUS_ALL")),
        derived_key: None,
        schema: include_str!("schemas/ads.json"),
    },
    EntityDecl {
        name: "audiences",
        path: "dmp/custom_audience/list/",
        records_key: "list",
        page_size: 100,
        primary_key: "audience_id",
        incremental: false,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        schema: include_str!("schemas/audiences.json"),
    },
    EntityDecl {
        name: "creative_assets_images",
        path: "file/image/ad/search/",
        records_key: "list",
        page_size: 100,
        primary_key: "image_id",
        incremental: true,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        schema: include_str!("schemas/creative_assets_images.json"),
    },
    EntityDecl {
        name: "creative_assets_videos",
        path: "file/video/ad/search/",
        records_key: "list",
        page_size: 100,
        primary_key: "video_id",
        incremental: true,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        schema: include_str!("schemas/creative_assets_videos.json"),
    },
    EntityDecl {
        name: "creative_assets_music",
        path: "file/music/get/",
        records_key: "musics",
        page_size: 100,
        primary_key: "music_id",
        incremental: false,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        schema: include_str!("schemas/creative_assets_music.json"),
    },
    EntityDecl {
        name: "creative_assets_portfolios",
        path: "creative/portfolio/list/",
        records_key: "creative_portfolios",
        page_size: 100,
        primary_key: "creative_portfolio_id",
        incremental: false,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        schema: include_str!("schemas/creative_assets_portfolios.json"),
    },
    EntityDecl {
        name: "pixels",
        path: "pixel/list/",
        records_key: "pixels",
        page_size: 20,
        primary_key: "pixel_id",
        incremental: false,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        schema: include_str!("schemas/pixels.json"),
    },
    EntityDecl {
        name: "spark_ads",
        path: "tt_video/list/",
        records_key: "list",
        page_size: 50,
        primary_key: "spark_ads_post_id",
        incremental: false,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: Some(("item_info", "item_id")),
        schema: include_str!("schemas/spark_ads.json"),
    },
];

const ADVERTISER_IDS_SCHEMA: &str = include_str!("schemas/advertiser_ids.json");
const ADVERTISERS_SCHEMA: &str = include_str!("schemas/advertisers.json");

/// A report stream, built-in or custom.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportSpec {
    pub report_type: ReportType,
    pub level: Level,
    pub granularity: Granularity,
    pub breakdowns: Vec<String>,
    pub metrics: Vec<String>,
}

impl ReportSpec {
    fn from_decl(d: &ReportDecl) -> ReportSpec {
        ReportSpec {
            report_type: d.report_type,
            level: d.level,
            granularity: d.granularity,
            breakdowns: d.breakdowns.iter().map(|s| s.to_string()).collect(),
            metrics: d.metrics.iter().map(|s| s.to_string()).collect(),
        }
    }

    pub fn from_custom(c: &CustomReport) -> ReportSpec {
        ReportSpec {
            report_type: c.report_type,
            level: c.level,
            granularity: c.granularity,
            breakdowns: c.breakdowns.clone(),
            metrics: c.metrics.clone(),
        }
    }

    /// TikTok has no lifetime AUDIENCE report: such a stream asks for the last 365 days
    /// without a time dimension instead.
    pub fn uses_query_lifetime(&self) -> bool {
        self.granularity == Granularity::Lifetime && self.report_type == ReportType::Basic
    }

    pub fn time_dimension(&self) -> Option<&'static str> {
        match self.granularity {
            Granularity::Day => Some("stat_time_day"),
            Granularity::Hour => Some("stat_time_hour"),
            Granularity::Lifetime => None,
        }
    }

    /// The `dimensions` parameter: level ID, time, breakdowns.
    pub fn dimensions(&self) -> Vec<String> {
        let mut dims = vec![self.level.id_dimension().to_string()];
        dims.extend(self.time_dimension().map(String::from));
        dims.extend(self.breakdowns.iter().cloned());
        dims
    }

    pub fn primary_key(&self) -> Vec<String> {
        // The same key as the official connector's streams, so its users keep their dedup keys;
        // TikTok's entity IDs are unique across accounts.
        let mut pk = vec![self.level.id_dimension().to_string()];
        pk.extend(self.time_dimension().map(String::from));
        pk.extend(self.breakdowns.iter().cloned());
        pk
    }

    fn schema(&self) -> Value {
        let mut props = Map::new();
        props.insert("advertiser_id".into(), json!({"type": "string"}));
        props.insert(self.level.id_dimension().into(), json!({"type": "string"}));
        match self.granularity {
            Granularity::Day => {
                props.insert(
                    "stat_time_day".into(),
                    json!({"type": "string", "format": "date"}),
                );
            }
            Granularity::Hour => {
                props.insert(
                    "stat_time_hour".into(),
                    json!({"type": "string", "format": "date-time", "airbyte_type": "timestamp_without_timezone"}),
                );
            }
            Granularity::Lifetime => {}
        }
        for b in &self.breakdowns {
            props.insert(b.clone(), json!({"type": "string"}));
        }
        for m in &self.metrics {
            let t = match metrics::metric_kind(m) {
                Some(MetricKind::Integer) => "integer",
                Some(MetricKind::Number) => "number",
                Some(MetricKind::Text) | None => "string",
            };
            props
                .entry(m.clone())
                .or_insert(json!({"type": ["null", t]}));
        }
        object_schema(props)
    }
}

fn object_schema(props: Map<String, Value>) -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": true,
        "properties": props,
    })
}

#[derive(Clone, Debug)]
pub enum Source {
    AdvertiserIds,
    Advertisers,
    Entity(&'static EntityDecl),
    Report(ReportSpec),
}

#[derive(Clone, Debug)]
pub struct Stream {
    pub name: String,
    pub source: Source,
}

impl Stream {
    pub fn schema(&self) -> Value {
        match &self.source {
            Source::AdvertiserIds => parse_schema(ADVERTISER_IDS_SCHEMA),
            Source::Advertisers => parse_schema(ADVERTISERS_SCHEMA),
            Source::Entity(e) => parse_schema(e.schema),
            Source::Report(r) => r.schema(),
        }
    }

    pub fn primary_key(&self) -> Vec<String> {
        match &self.source {
            Source::AdvertiserIds | Source::Advertisers => vec!["advertiser_id".into()],
            Source::Entity(e) => vec![e.primary_key.to_string()],
            Source::Report(r) => r.primary_key(),
        }
    }

    /// The cursor of an incremental stream.
    pub fn cursor(&self) -> Option<&'static str> {
        match &self.source {
            Source::Entity(e) if e.incremental => Some("modify_time"),
            Source::Report(r) => r.time_dimension(),
            _ => None,
        }
    }

    pub fn catalog_entry(&self) -> Value {
        let mut entry = json!({
            "name": self.name,
            "json_schema": self.schema(),
            "supported_sync_modes": ["full_refresh"],
            "source_defined_primary_key": self.primary_key().into_iter().map(|k| vec![k]).collect::<Vec<_>>(),
            "is_resumable": false,
        });
        if let Some(cursor) = self.cursor() {
            entry["supported_sync_modes"] = json!(["full_refresh", "incremental"]);
            entry["source_defined_cursor"] = json!(true);
            entry["default_cursor_field"] = json!([cursor]);
            entry["is_resumable"] = json!(true);
        }
        entry
    }
}

fn parse_schema(text: &str) -> Value {
    // Embedded files, checked by a unit test; an error here is a build defect.
    serde_json::from_str(text).unwrap_or_else(|e| panic!("embedded schema is not JSON: {e}"))
}

/// Every stream this config offers, built-in first, then custom reports.
pub fn all(config: &Config) -> Vec<Stream> {
    let mut out = Vec::new();
    if config.environment == Environment::Production {
        out.push(Stream {
            name: "advertiser_ids".into(),
            source: Source::AdvertiserIds,
        });
    }
    out.push(Stream {
        name: "advertisers".into(),
        source: Source::Advertisers,
    });
    out.extend(ENTITIES.iter().map(|e| Stream {
        name: e.name.into(),
        source: Source::Entity(e),
    }));
    out.extend(reports::REPORTS.iter().map(|d| Stream {
        name: d.name.into(),
        source: Source::Report(ReportSpec::from_decl(d)),
    }));
    out.extend(config.custom_reports.iter().map(|c| Stream {
        name: c.name.clone(),
        source: Source::Report(ReportSpec::from_custom(c)),
    }));
    out
}

/// Problems with the custom reports: name clashes and TikTok's rules, one sentence each.
pub fn check_custom_reports(config: &Config) -> Vec<String> {
    let builtin: Vec<String> = {
        let mut c = config.clone();
        c.custom_reports.clear();
        all(&c).into_iter().map(|s| s.name).collect()
    };
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for c in &config.custom_reports {
        if builtin.contains(&c.name) {
            problems.push(format!(
                "custom report '{}': the name is taken by a built-in stream; pick another.",
                c.name
            ));
        }
        if !seen.insert(c.name.clone()) {
            problems.push(format!(
                "custom report '{}': two custom reports have this name.",
                c.name
            ));
        }
        if let Err(errors) = metrics::validate_report(
            c.report_type,
            c.level,
            c.granularity,
            &c.breakdowns,
            &c.metrics,
        ) {
            problems.extend(
                errors
                    .into_iter()
                    .map(|e| format!("custom report '{}': {e}", c.name)),
            );
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::parse(&json!({"app_id": "1", "secret": "secret-1", "access_token": "token-1", "start_date": "2024-01-01"}))
            .unwrap()
    }

    #[test]
    fn names_unique_and_keys_in_schemas() {
        let streams = all(&config());
        let mut names = std::collections::HashSet::new();
        for s in &streams {
            assert!(names.insert(s.name.clone()), "duplicate {}", s.name);
            let schema = s.schema();
            let props = schema["properties"].as_object().unwrap();
            assert!(
                props.contains_key("advertiser_id"),
                "{} lacks advertiser_id",
                s.name
            );
            for k in s.primary_key() {
                assert!(props.contains_key(&k), "{}: key {k} not in schema", s.name);
                let t = &props[&k]["type"];
                assert!(
                    t != "object" && t != "array",
                    "{}: key {k} is not scalar",
                    s.name
                );
            }
            if let Some(c) = s.cursor() {
                assert!(
                    props.contains_key(c),
                    "{}: cursor {c} not in schema",
                    s.name
                );
            }
        }
    }

    #[test]
    fn report_schema_is_exactly_the_requested_columns() {
        let spec = ReportSpec {
            report_type: ReportType::Audience,
            level: Level::Campaign,
            granularity: Granularity::Day,
            breakdowns: vec!["gender".into(), "age".into()],
            metrics: vec!["spend".into(), "impressions".into()],
        };
        let schema = spec.schema();
        let mut keys: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "advertiser_id",
                "age",
                "campaign_id",
                "gender",
                "impressions",
                "spend",
                "stat_time_day"
            ]
        );
        assert_eq!(
            spec.dimensions(),
            ["campaign_id", "stat_time_day", "gender", "age"]
        );
        assert_eq!(
            spec.primary_key(),
            ["campaign_id", "stat_time_day", "gender", "age"]
        );
    }
}
