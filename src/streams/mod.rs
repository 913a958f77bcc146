//! The stream registry: every stream this connector offers, declared once. Account, list and
//! report streams are declarations (data); custom reports come from the config. The catalog,
//! the golden files, the tests and the README's stream table all read from here.

pub mod accounts;
pub mod business_center;
pub mod buying;
pub mod decl;
pub mod declared;
pub mod dimensions;
pub mod gmv_max;
pub mod list;
pub mod metric_groups;
pub mod metrics;
pub mod paging;
pub mod pixels;
pub mod record;
pub mod report;
pub mod report_catalog;
pub mod report_tasks;
pub mod smart_plus;
pub mod smart_plus_keys;

use serde_json::{json, Map, Value};

use crate::config::{Config, Environment};
use crate::read::Reader;
use accounts::AccountsStream;
use declared::Declared;
pub use list::ListDecl;
use pixels::PixelStream;
pub use report::ReportSpec;

pub const LISTS: &[ListDecl] = &[
    ListDecl {
        name: "campaigns",
        path: "campaign/get/",
        records_key: "list",
        page_size: 1000,
        primary_key: "campaign_id",
        incremental: true,
        server_modified_after: false,
        deleted_filter: Some(("secondary_status", "CAMPAIGN_STATUS_ALL")),
        derived_key: None,
        passes: buying::ENTITY_PASSES,
        schema: include_str!("schemas/campaigns.json"),
    },
    ListDecl {
        name: "ad_groups",
        path: "adgroup/get/",
        records_key: "list",
        page_size: 1000,
        primary_key: "adgroup_id",
        incremental: true,
        server_modified_after: false,
        deleted_filter: Some(("secondary_status", "ADGROUP_STATUS_ALL")),
        derived_key: None,
        passes: buying::AD_GROUP_PASSES,
        schema: include_str!("schemas/ad_groups.json"),
    },
    ListDecl {
        name: "ads",
        path: "ad/get/",
        records_key: "list",
        page_size: 1000,
        primary_key: "ad_id",
        incremental: true,
        server_modified_after: true,
        deleted_filter: Some(("secondary_status", "AD_STATUS_ALL")),
        derived_key: None,
        passes: buying::ENTITY_PASSES,
        schema: include_str!("schemas/ads.json"),
    },
    ListDecl {
        name: "audiences",
        path: "dmp/custom_audience/list/",
        records_key: "list",
        page_size: 100,
        primary_key: "audience_id",
        incremental: false,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        passes: list::ONE_PASS,
        schema: include_str!("schemas/audiences.json"),
    },
    ListDecl {
        name: "creative_assets_images",
        path: "file/image/ad/search/",
        records_key: "list",
        page_size: 100,
        primary_key: "image_id",
        incremental: true,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        passes: list::ONE_PASS,
        schema: include_str!("schemas/creative_assets_images.json"),
    },
    ListDecl {
        name: "creative_assets_videos",
        path: "file/video/ad/search/",
        records_key: "list",
        page_size: 100,
        primary_key: "video_id",
        incremental: true,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        passes: list::ONE_PASS,
        schema: include_str!("schemas/creative_assets_videos.json"),
    },
    ListDecl {
        name: "creative_assets_music",
        path: "file/music/get/",
        records_key: "musics",
        page_size: 100,
        primary_key: "music_id",
        incremental: false,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        passes: list::ONE_PASS,
        schema: include_str!("schemas/creative_assets_music.json"),
    },
    ListDecl {
        name: "creative_assets_portfolios",
        path: "creative/portfolio/list/",
        records_key: "creative_portfolios",
        page_size: 100,
        primary_key: "creative_portfolio_id",
        incremental: false,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        passes: list::ONE_PASS,
        schema: include_str!("schemas/creative_assets_portfolios.json"),
    },
    ListDecl {
        name: "pixels",
        path: "pixel/list/",
        records_key: "pixels",
        page_size: 20,
        primary_key: "pixel_id",
        incremental: false,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: None,
        passes: list::ONE_PASS,
        schema: include_str!("schemas/pixels.json"),
    },
    ListDecl {
        name: "spark_ads",
        path: "tt_video/list/",
        records_key: "list",
        page_size: 50,
        primary_key: "spark_ads_post_id",
        incremental: false,
        server_modified_after: false,
        deleted_filter: None,
        derived_key: Some(("item_info", "item_id")),
        passes: list::ONE_PASS,
        schema: include_str!("schemas/spark_ads.json"),
    },
];

/// What kind of stream, with its declaration.
#[derive(Clone, Debug)]
pub enum Kind {
    Accounts(AccountsStream),
    List(&'static ListDecl),
    Report(ReportSpec),
    /// A stream with its own reader (GMV Max, Business Center).
    Declared(&'static Declared),
    Pixels(PixelStream),
}

#[derive(Clone, Debug)]
pub struct Stream {
    pub name: String,
    pub kind: Kind,
}

impl Stream {
    pub fn reader(&self) -> &dyn Reader {
        match &self.kind {
            Kind::Accounts(a) => a,
            Kind::List(l) => *l,
            Kind::Report(r) => r,
            Kind::Declared(d) => d.reader,
            Kind::Pixels(p) => p,
        }
    }

    pub fn schema(&self) -> Value {
        match &self.kind {
            Kind::Accounts(a) => a.schema(),
            Kind::List(l) => l.schema(),
            Kind::Report(r) => r.schema(),
            Kind::Declared(d) => (d.schema)(),
            Kind::Pixels(p) => p.schema(),
        }
    }

    pub fn primary_key(&self) -> Vec<String> {
        match &self.kind {
            Kind::Accounts(_) => vec!["advertiser_id".into()],
            Kind::List(l) => vec![l.primary_key.to_string()],
            Kind::Report(r) => r.primary_key(),
            Kind::Declared(d) => d.primary_key.iter().map(|k| k.to_string()).collect(),
            Kind::Pixels(p) => p.primary_key(),
        }
    }

    /// The cursor of an incremental stream.
    pub fn cursor_field(&self) -> Option<&'static str> {
        match &self.kind {
            Kind::Accounts(_) => None,
            Kind::List(l) => l.cursor_field(),
            Kind::Report(r) => r.time_dimension(),
            Kind::Declared(d) => d.cursor,
            Kind::Pixels(p) => p.cursor_field(),
        }
    }

    /// Whether reading it needs the run's Business Centers.
    pub fn needs_business_centers(&self) -> bool {
        matches!(&self.kind, Kind::Declared(d) if d.business_centers)
    }

    pub fn catalog_entry(&self) -> Value {
        let mut entry = json!({
            "name": self.name,
            "json_schema": self.schema(),
            "supported_sync_modes": ["full_refresh"],
            "source_defined_primary_key": self.primary_key().into_iter().map(|k| vec![k]).collect::<Vec<_>>(),
            "is_resumable": false,
        });
        if let Some(cursor) = self.cursor_field() {
            entry["supported_sync_modes"] = json!(["full_refresh", "incremental"]);
            entry["source_defined_cursor"] = json!(true);
            entry["default_cursor_field"] = json!([cursor]);
            entry["is_resumable"] = json!(true);
        }
        entry
    }
}

impl Stream {
    /// Where the stream's data comes from, for the README's stream table.
    pub fn source_text(&self) -> String {
        match &self.kind {
            Kind::Accounts(AccountsStream::Ids) => {
                "`oauth2/advertiser/get/` (production only)".into()
            }
            Kind::Accounts(AccountsStream::Details) => {
                "`advertiser/info/` (≤ 100 IDs a call)".into()
            }
            Kind::List(l) if l.passes.len() > 1 => {
                format!("`{}`, one pass per buying type", l.path)
            }
            Kind::List(l) => format!("`{}`", l.path),
            Kind::Declared(d) => d.source.to_string(),
            Kind::Pixels(PixelStream::EventStatistics) => format!(
                "`{}` (production only), one UTC day per request, the account's pixels 10 at a time",
                PixelStream::EventStatistics.path()
            ),
            Kind::Pixels(p) => format!("`{}` (production only)", p.path()),
            Kind::Report(r) => {
                let mut parts = vec![
                    r.report_type.as_str().to_string(),
                    r.level.data_level().to_string(),
                    match r.granularity {
                        decl::Granularity::Day => "day".into(),
                        decl::Granularity::Hour => "hour".into(),
                        decl::Granularity::Lifetime => "lifetime".into(),
                    },
                ];
                if !r.breakdowns.is_empty() {
                    parts.push(r.breakdowns.join(", "));
                }
                parts.push(format!("{} metrics", r.metrics.len()));
                parts.join(" · ")
            }
        }
    }
}

/// The README's stream section head and table, from the registry: the README must hold exactly
/// this between its `stream-table` markers (a test checks it).
pub fn readme_table(production: &[Stream], sandbox: &[Stream]) -> String {
    let mut out = format!(
        "{} streams in production ({} in the sandbox, which has no {}), plus one per custom report.\n\n",
        production.len(),
        sandbox.len(),
        production
            .iter()
            .filter(|p| !sandbox.iter().any(|s| s.name == p.name))
            .map(|p| format!("`{}`", p.name))
            .collect::<Vec<_>>()
            .join(", ")
    );
    out.push_str(
        "| stream | source | primary key | cursor | sync modes |\n|---|---|---|---|---|\n",
    );
    for s in production {
        let modes = if s.cursor_field().is_some() {
            "full_refresh, incremental"
        } else {
            "full_refresh"
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {modes} |\n",
            s.name,
            s.source_text(),
            s.primary_key().join(", "),
            s.cursor_field().unwrap_or("—"),
        ));
    }
    out
}

pub(crate) fn object_schema(props: Map<String, Value>) -> Value {
    json!({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": true,
        "properties": props,
    })
}

pub(crate) fn parse_schema(text: &str) -> Value {
    // Embedded files, each checked by a unit test; an unreadable one is a build defect, and an
    // empty schema keeps the connector running while the test fails.
    serde_json::from_str(text).unwrap_or_else(|_| object_schema(Map::new()))
}

/// Every stream this config offers, built-in first, then custom reports.
pub fn all(config: &Config) -> Vec<Stream> {
    let mut out = Vec::new();
    if config.environment == Environment::Production {
        out.push(Stream {
            name: "advertiser_ids".into(),
            kind: Kind::Accounts(AccountsStream::Ids),
        });
    }
    out.push(Stream {
        name: "advertisers".into(),
        kind: Kind::Accounts(AccountsStream::Details),
    });
    out.extend(LISTS.iter().chain(smart_plus::LISTS).map(|l| Stream {
        name: l.name.into(),
        kind: Kind::List(l),
    }));
    if config.environment == Environment::Production {
        out.extend(PixelStream::ALL.iter().map(|p| Stream {
            name: p.name().into(),
            kind: Kind::Pixels(*p),
        }));
    }
    out.extend(report_catalog::REPORTS.iter().map(|d| Stream {
        name: d.name.into(),
        kind: Kind::Report(ReportSpec::from_decl(d, &config.metric_groups)),
    }));
    out.extend(
        declared::all()
            .into_iter()
            .filter(|d| config.environment == Environment::Production || !d.production_only)
            .map(|d| Stream {
                name: d.name.into(),
                kind: Kind::Declared(d),
            }),
    );
    out.extend(config.custom_reports.iter().map(|c| Stream {
        name: c.name.clone(),
        kind: Kind::Report(ReportSpec::from_custom(c)),
    }));
    out
}

/// The streams TikTok's sandbox does not have, left out of the sandbox catalog besides the
/// declared ones marked production-only: the official connector's sandbox catalog lacks them
/// too (reference §1: production only).
const SANDBOX_LACKS: &[&str] = &[
    "advertiser_ids",
    "pixel_events_statistics",
    "pixel_instant_page_events",
];

/// Every stream only production has (TikTok's sandbox lacks their endpoints).
pub fn production_only() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = SANDBOX_LACKS.to_vec();
    names.extend(
        declared::all()
            .into_iter()
            .filter(|d| d.production_only)
            .map(|d| d.name),
    );
    names
}

/// A LOG line for discover and read in the sandbox: which streams are left out, and why.
pub fn sandbox_note(config: &Config) -> Option<String> {
    (config.environment == Environment::Sandbox).then(|| {
        format!(
            "TikTok's sandbox has no {}; these streams are left out of the sandbox catalog, and reports are \
             read by pages only (the sandbox has no asynchronous report tasks).",
            production_only().join(", ")
        )
    })
}

/// In the sandbox, a configured catalog without the production-only streams it names (a
/// connection moved from production keeps its catalog), and their names.
pub fn drop_production_only(catalog: Value, config: &Config) -> (Value, Vec<String>) {
    if config.environment != Environment::Sandbox {
        return (catalog, Vec::new());
    }
    let mut catalog = catalog;
    let mut dropped = Vec::new();
    let missing = production_only();
    if let Some(items) = catalog.get_mut("streams").and_then(Value::as_array_mut) {
        items.retain(
            |item| match item.pointer("/stream/name").and_then(Value::as_str) {
                Some(name) if missing.contains(&name) => {
                    dropped.push(name.to_string());
                    false
                }
                _ => true,
            },
        );
    }
    (catalog, dropped)
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

    /// The README's stream table is the registry's; `UPDATE_README=1` rewrites it.
    #[test]
    fn the_readme_stream_table_is_the_registrys() {
        let production = all(&config());
        let mut sandbox_config = config();
        sandbox_config.environment = Environment::Sandbox;
        let table = readme_table(&production, &all(&sandbox_config));
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let (start, end) = ("<!-- stream-table:start -->\n", "<!-- stream-table:end -->");
        let a = readme.find(start).expect("README has the start marker") + start.len();
        let b = readme.find(end).expect("README has the end marker");
        if std::env::var("UPDATE_README").is_ok() {
            let updated = format!("{}{table}{}", &readme[..a], &readme[b..]);
            std::fs::write(&path, updated).unwrap();
            return;
        }
        assert!(
            readme[a..b] == table,
            "README.md's stream table is out of date; run UPDATE_README=1 cargo test --lib readme"
        );
    }

    #[test]
    fn the_sandbox_has_everything_but_the_production_only_streams() {
        let production: Vec<String> = all(&config()).into_iter().map(|s| s.name).collect();
        let mut sandbox_config = config();
        sandbox_config.environment = Environment::Sandbox;
        let sandbox: Vec<String> = all(&sandbox_config).into_iter().map(|s| s.name).collect();
        let expected: Vec<String> = production
            .iter()
            .filter(|n| !production_only().contains(&n.as_str()))
            .cloned()
            .collect();
        assert_eq!(sandbox, expected);
        assert!(production_only()
            .iter()
            .all(|p| production.iter().any(|n| n == p)));
        assert!(sandbox_note(&config()).is_none());
        assert!(sandbox_note(&sandbox_config)
            .unwrap()
            .contains("pixel_events_statistics"));
        let catalog = json!({"streams": [{"stream": {"name": "pixel_instant_page_events"}},
            {"stream": {"name": "campaigns"}}]});
        let (kept, dropped) = drop_production_only(catalog.clone(), &sandbox_config);
        assert_eq!(dropped, ["pixel_instant_page_events"]);
        assert_eq!(kept["streams"].as_array().unwrap().len(), 1);
        assert_eq!(drop_production_only(catalog.clone(), &config()).0, catalog);
    }

    #[test]
    fn names_unique_and_keys_in_schemas() {
        let streams = all(&config());
        let mut names = std::collections::HashSet::new();
        for s in &streams {
            assert!(names.insert(s.name.clone()), "duplicate {}", s.name);
            let schema = s.schema();
            let props = schema["properties"].as_object().unwrap();
            // Business Center streams are about Business Centers, not one ad account.
            assert!(
                props.contains_key("advertiser_id") || s.needs_business_centers(),
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
            if let Some(c) = s.cursor_field() {
                assert!(
                    props.contains_key(c),
                    "{}: cursor {c} not in schema",
                    s.name
                );
            }
        }
    }
}
