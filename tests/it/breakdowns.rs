//! Audience breakdowns and conversion metrics (issue 11): the conversion metric groups in the
//! built-in reports equal TikTok's numbers; custom reports by the new dimensions; and the
//! connector's report rules agree with the emulator's, dimension by dimension and metric by
//! metric, so `check` refuses exactly what TikTok would.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};
use source_tiktok_ads::streams::decl::{Granularity, Level, ReportType};
use source_tiktok_ads::streams::dimensions::DIMENSIONS;
use source_tiktok_ads::streams::metrics::{all_metrics, validate_report};
use tiktok_emulator::client::{query, Client};

use crate::reports::{assert_every_account_matches_truth, local_today, stream_of};
use crate::support::*;

const GROUP_STREAMS: &[&str] = &[
    "ads_reports_daily",
    "ad_groups_reports_hourly",
    "campaigns_reports_lifetime",
];

#[test]
fn conversion_metric_groups_are_tiktoks_numbers_and_only_on_request() {
    let env = Env::new();
    // Without the option, the reports keep their width (the benchmark's 87 ad metrics).
    let plain = env.config(json!({}));
    let catalog = env.catalog(&plain, GROUP_STREAMS, false);
    let ads = stream_of(&catalog, "ads_reports_daily");
    let width = ads["json_schema"]["properties"].as_object().unwrap().len();
    assert_eq!(
        width,
        87 + 4,
        "87 metrics, the ad (ad_id and ad_id_v2), the day and the account"
    );
    assert!(ads["json_schema"]["properties"]
        .get("web_event_add_to_cart")
        .is_none());

    let start = (env.emu.now() - chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    let config = env.config(json!({"metric_groups": ["web", "shop", "app"], "start_date": start}));
    let catalog = env.catalog(&config, GROUP_STREAMS, false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    validate_records(&catalog, &run);
    let start: NaiveDate = start.parse().unwrap();
    for name in GROUP_STREAMS {
        let stream = stream_of(&catalog, name);
        let props = stream["json_schema"]["properties"].as_object().unwrap();
        assert!(props.len() > 300, "{name}: {} columns", props.len());
        assert_every_account_matches_truth(&run, &env, &env, stream, start);
    }
    // Add-to-cart and the other events are numbers, and not all zero.
    let records = run.records("ads_reports_daily");
    for m in [
        "web_event_add_to_cart",
        "total_web_event_add_to_cart_value",
        "onsite_on_web_cart",
        "app_event_add_to_cart",
        "total_app_event_add_to_cart",
        "initiate_checkout",
        "page_content_view_events",
        "checkout",
    ] {
        let values: Vec<&Value> = records.iter().map(|r| &r[m]).collect();
        assert!(values.iter().all(|v| v.is_number()), "{m}: {values:?}");
        assert!(
            values.iter().any(|v| v.as_f64().unwrap() > 0.0),
            "{m} is zero everywhere"
        );
    }
    let web = &records[0]["web_event_add_to_cart"];
    assert!(web.is_u64(), "counts are integers: {web}");
}

#[test]
fn custom_reports_take_the_new_dimensions_and_refuse_what_tiktok_refuses() {
    let env = Env::new();
    let custom = json!([
        {"name": "campaigns_by_ad_type_daily", "report_type": "AUDIENCE", "data_level": "AUCTION_CAMPAIGN",
         "dimensions": ["ad_type"], "metrics": ["spend", "impressions", "engaged_view", "conversion_rate_v2"]},
        {"name": "ads_by_dma_daily", "report_type": "AUDIENCE", "data_level": "AUCTION_AD",
         "dimensions": ["dma_id"], "metrics": ["spend", "clicks", "result"]},
        {"name": "ad_groups_by_contextual_tag_lifetime", "report_type": "AUDIENCE", "data_level": "AUCTION_ADGROUP",
         "dimensions": ["contextual_tag"], "metrics": ["spend", "impressions"], "granularity": "lifetime"},
    ]);
    let config = env.config(json!({"custom_reports": custom}));
    let check = env.check(&config);
    assert_eq!(check.connection_status().0, "SUCCEEDED", "{}", check.stdout);
    let names = [
        "campaigns_by_ad_type_daily",
        "ads_by_dma_daily",
        "ad_groups_by_contextual_tag_lifetime",
    ];
    let catalog = env.catalog(&config, &names, false);
    let run = env.read(&config, &catalog, None);
    assert_eq!(run.code, 0, "{}", run.stdout);
    validate_records(&catalog, &run);
    let start: NaiveDate = config["start_date"].as_str().unwrap().parse().unwrap();
    for name in names {
        let stream = stream_of(&catalog, name);
        assert!(!run.records(name).is_empty(), "{name} has rows");
        assert_every_account_matches_truth(&run, &env, &env, stream, start);
    }
    for (report, says) in [
        (
            json!({"dimensions": ["interest_category"], "granularity": "day"}),
            "no time series",
        ),
        (
            json!({"dimensions": ["language", "placement"]}),
            "one audience dimension",
        ),
        (
            json!({"dimensions": ["country_code"], "granularity": "hour"}),
            "not available hourly",
        ),
        (
            json!({"dimensions": ["ad_type"], "data_level": "AUCTION_ADVERTISER"}),
            "not available at data_level AUCTION_ADVERTISER",
        ),
        (
            json!({"dimensions": ["ad_type"], "metrics": ["spend", "result"]}),
            "'result'",
        ),
    ] {
        let mut r = json!({"name": "bad_one", "report_type": "AUDIENCE", "data_level": "AUCTION_AD",
            "metrics": ["spend"]});
        for (k, v) in report.as_object().unwrap() {
            r[k] = v.clone();
        }
        let run = env.check(&env.config(json!({"custom_reports": [r]})));
        let (status, message) = run.connection_status();
        assert_eq!(status, "FAILED", "{r}");
        assert!(message.contains(says), "{r}: {message}");
    }
}

/// What the emulator answers a report request: its code and message.
fn ask(env: &Env, params: &[(&str, &str)]) -> (i64, String) {
    let target = format!("/open_api/v1.3/report/integrated/get/?{}", query(params));
    let answer = Client::new(&env.emu.base_url())
        .unwrap()
        .get(&target, Some(&env.emu_config.access_token))
        .unwrap()
        .json()
        .unwrap();
    (
        answer["code"].as_i64().unwrap(),
        answer["message"].as_str().unwrap_or("").to_string(),
    )
}

/// A report request as the connector sends it for this shape (lifetime AUDIENCE reports cover
/// a date range without a time dimension).
fn report_params(
    account: &str,
    today: NaiveDate,
    report_type: ReportType,
    level: Level,
    granularity: Granularity,
    breakdowns: &[&str],
    metrics: &[&str],
) -> Vec<(&'static str, String)> {
    let id = match level {
        Level::Advertiser => "advertiser_id",
        Level::Campaign => "campaign_id",
        Level::AdGroup => "adgroup_id",
        Level::Ad => "ad_id",
    };
    let mut dims = vec![id];
    match granularity {
        Granularity::Day => dims.push("stat_time_day"),
        Granularity::Hour => dims.push("stat_time_hour"),
        Granularity::Lifetime => {}
    }
    dims.extend_from_slice(breakdowns);
    let mut p = vec![
        ("advertiser_id", account.to_string()),
        ("report_type", report_type.as_str().to_string()),
        ("data_level", level.data_level().to_string()),
        ("dimensions", json!(dims).to_string()),
        ("metrics", json!(metrics).to_string()),
    ];
    match (granularity, report_type) {
        (Granularity::Lifetime, ReportType::Basic) => p.push(("query_lifetime", "true".into())),
        (Granularity::Hour, _) => {
            p.push(("start_date", (today - Duration::days(1)).to_string()));
            p.push(("end_date", (today - Duration::days(1)).to_string()));
        }
        _ => {
            p.push(("start_date", (today - Duration::days(20)).to_string()));
            p.push(("end_date", (today - Duration::days(1)).to_string()));
        }
    }
    p
}

fn borrowed<'a>(p: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    p.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

const LEVELS: [Level; 4] = [
    Level::Advertiser,
    Level::Campaign,
    Level::AdGroup,
    Level::Ad,
];
const GRANULARITIES: [Granularity; 3] =
    [Granularity::Day, Granularity::Hour, Granularity::Lifetime];

#[test]
fn dimension_rules_agree_with_the_emulator_on_every_combination() {
    let env = Env::new();
    let account = env.emu.world().advertisers[0].advertiser_id.clone();
    let today = local_today(&env, &account);
    let mut sets: Vec<Vec<&str>> = vec![vec![], vec!["age", "gender"], vec!["gender", "age"]];
    sets.extend(DIMENSIONS.iter().map(|d| vec![d.name]));
    sets.extend([
        vec!["language", "placement"],
        vec!["country_code", "age"],
        vec!["interest_category", "device_brand_id"],
        vec!["ad_type", "gender"],
    ]);
    let mut refused = 0;
    let mut accepted = 0;
    for report_type in [ReportType::Basic, ReportType::Audience] {
        for level in LEVELS {
            for granularity in GRANULARITIES {
                for set in &sets {
                    let breakdowns: Vec<String> = set.iter().map(|s| s.to_string()).collect();
                    let metrics = ["spend", "impressions"];
                    let ours = validate_report(
                        report_type,
                        level,
                        granularity,
                        &breakdowns,
                        &metrics.map(String::from),
                    );
                    let params = report_params(
                        &account,
                        today,
                        report_type,
                        level,
                        granularity,
                        set,
                        &metrics,
                    );
                    let (code, message) = ask(&env, &borrowed(&params));
                    assert!(
                        (code == 0) == ours.is_ok(),
                        "{report_type:?} {level:?} {granularity:?} {set:?}: we say {ours:?}, TikTok answers {code} {message}"
                    );
                    if code == 0 {
                        accepted += 1;
                    } else {
                        assert_eq!(code, 40002, "{message}");
                        refused += 1;
                    }
                }
            }
        }
    }
    assert!(
        accepted > 100 && refused > 100,
        "{accepted} accepted, {refused} refused"
    );
}

#[test]
fn every_metric_the_connector_knows_is_accepted_where_the_connector_allows_it() {
    let env = Env::new();
    let account = env.emu.world().advertisers[0].advertiser_id.clone();
    let today = local_today(&env, &account);
    let mut covered = BTreeSet::new();
    let mut shapes: Vec<(ReportType, Granularity, Vec<&str>)> = Vec::new();
    for granularity in GRANULARITIES {
        shapes.push((ReportType::Basic, granularity, vec![]));
    }
    shapes.push((ReportType::Basic, Granularity::Day, vec!["country_code"]));
    shapes.push((ReportType::Basic, Granularity::Hour, vec!["country_code"]));
    shapes.push((
        ReportType::Audience,
        Granularity::Day,
        vec!["age", "gender"],
    ));
    for d in DIMENSIONS {
        let granularity = if validate_report(
            ReportType::Audience,
            Level::Ad,
            Granularity::Day,
            &[d.name.to_string()],
            &["spend".to_string()],
        )
        .is_ok()
        {
            Granularity::Day
        } else {
            Granularity::Lifetime
        };
        shapes.push((ReportType::Audience, granularity, vec![d.name]));
    }
    let mut requests = 0;
    for (report_type, granularity, breakdowns) in &shapes {
        let owned: Vec<String> = breakdowns.iter().map(|s| s.to_string()).collect();
        for level in LEVELS {
            // Every metric the connector lets a custom report of this shape ask for.
            let metrics: Vec<&str> = all_metrics()
                .into_iter()
                .filter(|m| {
                    validate_report(*report_type, level, *granularity, &owned, &[m.to_string()])
                        .is_ok()
                })
                .collect();
            if metrics.is_empty() {
                continue;
            }
            let params = report_params(
                &account,
                today,
                *report_type,
                level,
                *granularity,
                breakdowns,
                &metrics,
            );
            let (code, message) = ask(&env, &borrowed(&params));
            requests += 1;
            assert_eq!(
                code, 0,
                "{report_type:?} {level:?} {granularity:?} {breakdowns:?}: TikTok refuses {message}"
            );
            covered.extend(metrics);
        }
    }
    assert!(requests > 50, "{requests}");
    let all: BTreeSet<&str> = all_metrics().into_iter().collect();
    assert_eq!(
        all.difference(&covered).collect::<Vec<_>>(),
        Vec::<&&str>::new(),
        "metrics no report shape accepts"
    );
}
