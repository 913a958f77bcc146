//! The README's switch-over claim (issue 11): a user of Airbyte's `source-tiktok-marketing`
//! finds each of its 44 streams here under the same name, with the same primary key and cursor,
//! so tables and dedup keys carry over. Where the official connector declares no key (its two
//! pixel streams), this one declares an honest one; where it has no cursor, one here is extra.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::support::*;

/// peer-connectors.md §4.4: name, primary key, cursor (None: full refresh only).
#[rustfmt::skip]
const OFFICIAL: &[(&str, &[&str], Option<&str>)] = &[
    ("advertiser_ids", &["advertiser_id"], None),
    ("advertisers", &["advertiser_id"], None),
    ("audiences", &["audience_id"], None),
    ("creative_assets_music", &["music_id"], None),
    ("creative_assets_portfolios", &["creative_portfolio_id"], None),
    ("campaigns", &["campaign_id"], Some("modify_time")),
    ("ad_groups", &["adgroup_id"], Some("modify_time")),
    ("ads", &["ad_id"], Some("modify_time")),
    ("creative_assets_images", &["image_id"], Some("modify_time")),
    ("creative_assets_videos", &["video_id"], Some("modify_time")),
    ("ads_reports_daily", &["ad_id", "stat_time_day"], Some("stat_time_day")),
    ("ads_reports_by_country_daily", &["ad_id", "stat_time_day", "country_code"], Some("stat_time_day")),
    ("ad_groups_reports_daily", &["adgroup_id", "stat_time_day"], Some("stat_time_day")),
    ("ad_groups_reports_by_country_daily", &["adgroup_id", "stat_time_day", "country_code"], Some("stat_time_day")),
    ("advertisers_reports_daily", &["advertiser_id", "stat_time_day"], Some("stat_time_day")),
    ("campaigns_reports_daily", &["campaign_id", "stat_time_day"], Some("stat_time_day")),
    ("campaigns_audience_reports_daily", &["campaign_id", "stat_time_day", "gender", "age"], Some("stat_time_day")),
    ("ad_group_audience_reports_daily", &["adgroup_id", "stat_time_day", "gender", "age"], Some("stat_time_day")),
    ("ads_audience_reports_daily", &["ad_id", "stat_time_day", "gender", "age"], Some("stat_time_day")),
    ("advertisers_audience_reports_daily", &["advertiser_id", "stat_time_day", "gender", "age"], Some("stat_time_day")),
    ("campaigns_audience_reports_by_country_daily", &["campaign_id", "stat_time_day", "country_code"], Some("stat_time_day")),
    ("ad_group_audience_reports_by_country_daily", &["adgroup_id", "stat_time_day", "country_code"], Some("stat_time_day")),
    ("ads_audience_reports_by_country_daily", &["ad_id", "stat_time_day", "country_code"], Some("stat_time_day")),
    ("advertisers_audience_reports_by_country_daily", &["advertiser_id", "stat_time_day", "country_code"], Some("stat_time_day")),
    ("campaigns_audience_reports_by_platform_daily", &["campaign_id", "stat_time_day", "platform"], Some("stat_time_day")),
    ("ad_group_audience_reports_by_platform_daily", &["adgroup_id", "stat_time_day", "platform"], Some("stat_time_day")),
    ("ads_audience_reports_by_platform_daily", &["ad_id", "stat_time_day", "platform"], Some("stat_time_day")),
    ("advertisers_audience_reports_by_platform_daily", &["advertiser_id", "stat_time_day", "platform"], Some("stat_time_day")),
    ("ads_audience_reports_by_province_daily", &["ad_id", "stat_time_day", "province_id"], Some("stat_time_day")),
    ("ads_reports_hourly", &["ad_id", "stat_time_hour"], Some("stat_time_hour")),
    ("ads_reports_by_country_hourly", &["ad_id", "stat_time_hour", "country_code"], Some("stat_time_hour")),
    ("advertisers_reports_hourly", &["advertiser_id", "stat_time_hour"], Some("stat_time_hour")),
    ("campaigns_reports_hourly", &["campaign_id", "stat_time_hour"], Some("stat_time_hour")),
    ("ad_groups_reports_hourly", &["adgroup_id", "stat_time_hour"], Some("stat_time_hour")),
    ("ad_groups_reports_by_country_hourly", &["adgroup_id", "stat_time_hour", "country_code"], Some("stat_time_hour")),
    ("ads_reports_lifetime", &["ad_id"], None),
    ("advertisers_reports_lifetime", &["advertiser_id"], None),
    ("campaigns_reports_lifetime", &["campaign_id"], None),
    ("ad_groups_reports_lifetime", &["adgroup_id"], None),
    ("advertisers_audience_reports_lifetime", &["advertiser_id", "gender", "age"], None),
    ("spark_ads", &["spark_ads_post_id"], None),
    ("pixels", &["pixel_id"], None),
    ("pixel_instant_page_events", &[], None),
    ("pixel_events_statistics", &[], None),
];

#[test]
fn every_official_stream_exists_with_a_compatible_key_and_cursor() {
    assert_eq!(OFFICIAL.len(), 44);
    let env = Env::new();
    let discovered: BTreeMap<String, Value> = env
        .discover(&env.config(json!({})))
        .into_iter()
        .map(|s| (s["name"].as_str().unwrap().to_string(), s))
        .collect();
    for (name, key, cursor) in OFFICIAL {
        let s = discovered
            .get(*name)
            .unwrap_or_else(|| panic!("{name} is missing: its users would lose the table"));
        let ours: Vec<&str> = s["source_defined_primary_key"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k[0].as_str().unwrap())
            .collect();
        if key.is_empty() {
            // The official stream has no key; ours must have one, each column in every record.
            assert!(!ours.is_empty(), "{name}: no primary key");
            for k in &ours {
                assert!(
                    s["json_schema"]["required"]
                        .as_array()
                        .is_some_and(|r| r.contains(&json!(k))),
                    "{name}: key {k} is not required"
                );
            }
        } else {
            assert_eq!(&ours, key, "{name}: primary key");
        }
        match cursor {
            Some(c) => {
                assert_eq!(s["default_cursor_field"], json!([c]), "{name}: cursor");
                assert!(
                    s["supported_sync_modes"]
                        .as_array()
                        .unwrap()
                        .contains(&json!("incremental")),
                    "{name}"
                );
            }
            None => assert!(
                s["supported_sync_modes"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("full_refresh")),
                "{name}"
            ),
        }
    }
}
