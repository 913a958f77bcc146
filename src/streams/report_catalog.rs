//! The built-in report streams, named as in Airbyte's `source-tiktok-marketing` so its users
//! keep their tables. Each stream requests exactly its metric list, and every list is valid for
//! its report type, level and granularity (`metrics::validate_report`, checked by a test).
//!
//! The lists follow the official connector (peer-connectors §4.6.2) and fix what users reported
//! missing: campaign and ad-group reports also carry conversions, results and website/app
//! events (Airbyte #85815, #48001), ad reports the engaged-view metrics (§4.10).

use super::decl::{Granularity, Level, ReportDecl, ReportType};
use Granularity::{Day, Hour, Lifetime};
use Level::{Ad, AdGroup, Advertiser, Campaign};

/// Joins metric lists at compile time, so each stream's list reads as a sum of named families.
macro_rules! metrics {
    ($($part:expr),+ $(,)?) => {{
        const PARTS: &[&[&str]] = &[$($part),+];
        const JOINED: [&str; total_len(PARTS)] = concat_lists(PARTS);
        &JOINED
    }};
}

const fn total_len(parts: &[&[&str]]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < parts.len() {
        n += parts[i].len();
        i += 1;
    }
    n
}

const fn concat_lists<const N: usize>(parts: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut k, mut i) = (0, 0);
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[k] = parts[i][j];
            k += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// Delivery: the only non-conversion metrics AUDIENCE reports have.
pub const CORE: &[&str] = &["spend", "cpc", "cpm", "impressions", "clicks", "ctr"];
/// Unique users: TikTok does not give them per country and hour.
pub const REACH: &[&str] = &["reach", "cost_per_1000_reached", "frequency"];
pub const VIDEO: &[&str] = &[
    "video_play_actions",
    "video_watched_2s",
    "video_watched_6s",
    "average_video_play",
    "average_video_play_per_user",
    "video_views_p25",
    "video_views_p50",
    "video_views_p75",
    "video_views_p100",
];
pub const ENGAGEMENT: &[&str] = &[
    "profile_visits",
    "likes",
    "comments",
    "shares",
    "follows",
    "clicks_on_music_disc",
];
pub const APP_INSTALL: &[&str] = &[
    "real_time_app_install",
    "real_time_app_install_cost",
    "app_install",
];
/// Airbyte's 27 common BASIC metrics, minus the unique-user ones.
pub const COMMON_BASIC_NO_REACH: &[&str] = metrics!(CORE, VIDEO, ENGAGEMENT, APP_INSTALL);
/// Airbyte's 27 common BASIC metrics.
pub const COMMON_BASIC: &[&str] = metrics!(CORE, REACH, VIDEO, ENGAGEMENT, APP_INSTALL);

pub const CONVERSION_FAMILY: &[&str] = &[
    "conversion",
    "cost_per_conversion",
    "conversion_rate",
    "real_time_conversion",
    "real_time_cost_per_conversion",
    "real_time_conversion_rate",
];
pub const RESULT_FAMILY: &[&str] = &[
    "result",
    "cost_per_result",
    "result_rate",
    "real_time_result",
    "real_time_cost_per_result",
    "real_time_result_rate",
];
/// The ad group's deep-funnel goal: BASIC only, and only where an ad group is in the row.
pub const SECONDARY_GOAL: &[&str] = &[
    "secondary_goal_result",
    "cost_per_secondary_goal_result",
    "secondary_goal_result_rate",
];
/// Website, shop and app events of the official ad reports (without the purchase trio).
pub const EVENTS: &[&str] = &[
    "total_purchase_value",
    "total_onsite_shopping_value",
    "onsite_shopping",
    "vta_purchase",
    "vta_conversion",
    "cta_purchase",
    "cta_conversion",
    "total_pageview",
    "complete_payment",
    "value_per_complete_payment",
    "total_complete_payment_rate",
    "profile_visits_rate",
    "registration",
    "registration_rate",
    "sales_lead",
    "sales_lead_rate",
    "cost_per_app_install",
    "cost_per_registration",
    "cost_per_sales_lead",
    "cost_per_total_sales_lead",
    "cost_per_total_app_event_add_to_cart",
    "total_app_event_add_to_cart",
];
/// In-app purchases: TikTok does not split them by country.
pub const PURCHASE: &[&str] = &["purchase", "purchase_rate", "cost_per_purchase"];
/// Engaged views valid at any granularity.
pub const ENGAGED_VIEW: &[&str] = &[
    "engaged_view",
    "engagements",
    "engaged_view_through_conversions",
    "engaged_view_15s",
];
/// Paid engaged views: only with the ID alone or the ID and `stat_time_day`.
pub const PAID_ENGAGED_VIEW: &[&str] = &[
    "paid_engaged_view",
    "paid_engagement_engaged_view",
    "paid_engaged_view_15s",
    "paid_engagement_engaged_view_15s",
];
/// Cash and voucher spend: advertiser-level daily totals only.
pub const SPEND_SPLIT: &[&str] = &["cash_spend", "voucher_spend"];

/// Ad-group settings TikTok returns as metrics at ad-group and ad level.
pub const ADGROUP_SETTINGS: &[&str] = &[
    "placement_type",
    "tt_app_id",
    "tt_app_name",
    "mobile_app_id",
    "promotion_type",
    "dpa_target_audience_type",
];
pub const CAMPAIGN_ATTRIBUTES: &[&str] = &["campaign_name"];
pub const ADGROUP_ATTRIBUTES: &[&str] = metrics!(
    &["campaign_name", "campaign_id", "adgroup_name"],
    ADGROUP_SETTINGS
);
pub const AD_ATTRIBUTES: &[&str] =
    metrics!(ADGROUP_ATTRIBUTES, &["adgroup_id", "ad_name", "ad_text"]);

// BASIC, ad level.
const ADS_DAILY: &[&str] = metrics!(
    AD_ATTRIBUTES,
    COMMON_BASIC,
    CONVERSION_FAMILY,
    RESULT_FAMILY,
    SECONDARY_GOAL,
    EVENTS,
    PURCHASE,
    ENGAGED_VIEW,
    PAID_ENGAGED_VIEW,
);
const ADS_HOURLY: &[&str] = metrics!(
    AD_ATTRIBUTES,
    COMMON_BASIC,
    CONVERSION_FAMILY,
    RESULT_FAMILY,
    SECONDARY_GOAL,
    EVENTS,
    PURCHASE,
    ENGAGED_VIEW,
);
const ADS_BY_COUNTRY_DAILY: &[&str] = metrics!(
    AD_ATTRIBUTES,
    COMMON_BASIC,
    CONVERSION_FAMILY,
    RESULT_FAMILY,
    SECONDARY_GOAL,
    EVENTS
);
const ADS_BY_COUNTRY_HOURLY: &[&str] = metrics!(
    AD_ATTRIBUTES,
    COMMON_BASIC_NO_REACH,
    CONVERSION_FAMILY,
    RESULT_FAMILY,
    SECONDARY_GOAL,
    EVENTS
);

// BASIC, ad-group level.
const AD_GROUPS: &[&str] = metrics!(
    ADGROUP_ATTRIBUTES,
    COMMON_BASIC,
    CONVERSION_FAMILY,
    RESULT_FAMILY,
    SECONDARY_GOAL,
    EVENTS,
    PURCHASE
);
const AD_GROUPS_BY_COUNTRY_DAILY: &[&str] = metrics!(
    ADGROUP_ATTRIBUTES,
    COMMON_BASIC,
    CONVERSION_FAMILY,
    RESULT_FAMILY,
    SECONDARY_GOAL,
    EVENTS
);
const AD_GROUPS_BY_COUNTRY_HOURLY: &[&str] = metrics!(
    ADGROUP_ATTRIBUTES,
    COMMON_BASIC_NO_REACH,
    CONVERSION_FAMILY,
    RESULT_FAMILY,
    SECONDARY_GOAL,
    EVENTS
);

// BASIC, campaign and advertiser level. A campaign row spans ad groups with different secondary
// goals, so the secondary-goal metrics stay at ad-group level and below.
const CAMPAIGNS: &[&str] = metrics!(
    CAMPAIGN_ATTRIBUTES,
    COMMON_BASIC,
    CONVERSION_FAMILY,
    RESULT_FAMILY,
    EVENTS,
    PURCHASE
);
const ADVERTISERS_DAILY: &[&str] = metrics!(COMMON_BASIC, SPEND_SPLIT);

// AUDIENCE: the delivery core, conversions and results, and attributes.
const ADS_AUDIENCE: &[&str] = metrics!(AD_ATTRIBUTES, CORE, CONVERSION_FAMILY, RESULT_FAMILY);
const AD_GROUP_AUDIENCE: &[&str] =
    metrics!(ADGROUP_ATTRIBUTES, CORE, CONVERSION_FAMILY, RESULT_FAMILY);
const CAMPAIGNS_AUDIENCE: &[&str] =
    metrics!(CAMPAIGN_ATTRIBUTES, CORE, CONVERSION_FAMILY, RESULT_FAMILY);
const ADVERTISERS_AUDIENCE: &[&str] = CORE;

const AGE_GENDER: &[&str] = &["gender", "age"];
const COUNTRY: &[&str] = &["country_code"];
const PLATFORM: &[&str] = &["platform"];
const PROVINCE: &[&str] = &["province_id"];
// The breakdowns of reference §7 other peers offer (Fivetran; Airbyte #11368, #16929, #16927).
const LANGUAGE: &[&str] = &["language"];
const PLACEMENT: &[&str] = &["placement"];
const NETWORK: &[&str] = &["ac"];
/// Without a time series in TikTok: read over the last 365 days, like the lifetime audience report.
const INTEREST: &[&str] = &["interest_category"];
const DEVICE_BRAND: &[&str] = &["device_brand_id"];

const fn basic(
    name: &'static str,
    level: Level,
    granularity: Granularity,
    breakdowns: &'static [&'static str],
    metrics: &'static [&'static str],
) -> ReportDecl {
    ReportDecl {
        name,
        report_type: ReportType::Basic,
        level,
        granularity,
        breakdowns,
        metrics,
    }
}

const fn audience(
    name: &'static str,
    level: Level,
    granularity: Granularity,
    breakdowns: &'static [&'static str],
    metrics: &'static [&'static str],
) -> ReportDecl {
    ReportDecl {
        name,
        report_type: ReportType::Audience,
        level,
        granularity,
        breakdowns,
        metrics,
    }
}

/// Every built-in report stream: the official connector's (peer-connectors §4.4 rows 11–40),
/// then the audience breakdowns it lacks (language, placement, connection type `ac` daily;
/// interest category and device brand, which have no time series). AUDIENCE "lifetime" has no
/// TikTok counterpart: it is read as the last 365 days without a time dimension. Names follow
/// the official pattern: `<level>_audience_reports_by_<dimension without _id>_<granularity>`.
#[rustfmt::skip]
pub const REPORTS: &[ReportDecl] = &[
    basic("advertisers_reports_daily", Advertiser, Day, &[], ADVERTISERS_DAILY),
    basic("advertisers_reports_hourly", Advertiser, Hour, &[], COMMON_BASIC),
    basic("advertisers_reports_lifetime", Advertiser, Lifetime, &[], COMMON_BASIC),
    basic("campaigns_reports_daily", Campaign, Day, &[], CAMPAIGNS),
    basic("campaigns_reports_hourly", Campaign, Hour, &[], CAMPAIGNS),
    basic("campaigns_reports_lifetime", Campaign, Lifetime, &[], CAMPAIGNS),
    basic("ad_groups_reports_daily", AdGroup, Day, &[], AD_GROUPS),
    basic("ad_groups_reports_hourly", AdGroup, Hour, &[], AD_GROUPS),
    basic("ad_groups_reports_lifetime", AdGroup, Lifetime, &[], AD_GROUPS),
    basic("ad_groups_reports_by_country_daily", AdGroup, Day, COUNTRY, AD_GROUPS_BY_COUNTRY_DAILY),
    basic("ad_groups_reports_by_country_hourly", AdGroup, Hour, COUNTRY, AD_GROUPS_BY_COUNTRY_HOURLY),
    basic("ads_reports_daily", Ad, Day, &[], ADS_DAILY),
    basic("ads_reports_hourly", Ad, Hour, &[], ADS_HOURLY),
    basic("ads_reports_lifetime", Ad, Lifetime, &[], ADS_DAILY),
    basic("ads_reports_by_country_daily", Ad, Day, COUNTRY, ADS_BY_COUNTRY_DAILY),
    basic("ads_reports_by_country_hourly", Ad, Hour, COUNTRY, ADS_BY_COUNTRY_HOURLY),
    audience("advertisers_audience_reports_daily", Advertiser, Day, AGE_GENDER, ADVERTISERS_AUDIENCE),
    audience("advertisers_audience_reports_by_country_daily", Advertiser, Day, COUNTRY, ADVERTISERS_AUDIENCE),
    audience("advertisers_audience_reports_by_platform_daily", Advertiser, Day, PLATFORM, ADVERTISERS_AUDIENCE),
    audience("advertisers_audience_reports_lifetime", Advertiser, Lifetime, AGE_GENDER, ADVERTISERS_AUDIENCE),
    audience("campaigns_audience_reports_daily", Campaign, Day, AGE_GENDER, CAMPAIGNS_AUDIENCE),
    audience("campaigns_audience_reports_by_country_daily", Campaign, Day, COUNTRY, CAMPAIGNS_AUDIENCE),
    audience("campaigns_audience_reports_by_platform_daily", Campaign, Day, PLATFORM, CAMPAIGNS_AUDIENCE),
    audience("ad_group_audience_reports_daily", AdGroup, Day, AGE_GENDER, AD_GROUP_AUDIENCE),
    audience("ad_group_audience_reports_by_country_daily", AdGroup, Day, COUNTRY, AD_GROUP_AUDIENCE),
    audience("ad_group_audience_reports_by_platform_daily", AdGroup, Day, PLATFORM, AD_GROUP_AUDIENCE),
    audience("ads_audience_reports_daily", Ad, Day, AGE_GENDER, ADS_AUDIENCE),
    audience("ads_audience_reports_by_country_daily", Ad, Day, COUNTRY, ADS_AUDIENCE),
    audience("ads_audience_reports_by_platform_daily", Ad, Day, PLATFORM, ADS_AUDIENCE),
    audience("ads_audience_reports_by_province_daily", Ad, Day, PROVINCE, ADS_AUDIENCE),
    audience("advertisers_audience_reports_by_language_daily", Advertiser, Day, LANGUAGE, ADVERTISERS_AUDIENCE),
    audience("campaigns_audience_reports_by_language_daily", Campaign, Day, LANGUAGE, CAMPAIGNS_AUDIENCE),
    audience("ad_group_audience_reports_by_language_daily", AdGroup, Day, LANGUAGE, AD_GROUP_AUDIENCE),
    audience("ads_audience_reports_by_language_daily", Ad, Day, LANGUAGE, ADS_AUDIENCE),
    audience("advertisers_audience_reports_by_placement_daily", Advertiser, Day, PLACEMENT, ADVERTISERS_AUDIENCE),
    audience("campaigns_audience_reports_by_placement_daily", Campaign, Day, PLACEMENT, CAMPAIGNS_AUDIENCE),
    audience("ad_group_audience_reports_by_placement_daily", AdGroup, Day, PLACEMENT, AD_GROUP_AUDIENCE),
    audience("ads_audience_reports_by_placement_daily", Ad, Day, PLACEMENT, ADS_AUDIENCE),
    audience("advertisers_audience_reports_by_ac_daily", Advertiser, Day, NETWORK, ADVERTISERS_AUDIENCE),
    audience("campaigns_audience_reports_by_ac_daily", Campaign, Day, NETWORK, CAMPAIGNS_AUDIENCE),
    audience("ad_group_audience_reports_by_ac_daily", AdGroup, Day, NETWORK, AD_GROUP_AUDIENCE),
    audience("ads_audience_reports_by_ac_daily", Ad, Day, NETWORK, ADS_AUDIENCE),
    audience("advertisers_audience_reports_by_interest_category_lifetime", Advertiser, Lifetime, INTEREST, ADVERTISERS_AUDIENCE),
    audience("campaigns_audience_reports_by_interest_category_lifetime", Campaign, Lifetime, INTEREST, CAMPAIGNS_AUDIENCE),
    audience("ad_group_audience_reports_by_interest_category_lifetime", AdGroup, Lifetime, INTEREST, AD_GROUP_AUDIENCE),
    audience("ads_audience_reports_by_interest_category_lifetime", Ad, Lifetime, INTEREST, ADS_AUDIENCE),
    audience("advertisers_audience_reports_by_device_brand_lifetime", Advertiser, Lifetime, DEVICE_BRAND, ADVERTISERS_AUDIENCE),
    audience("campaigns_audience_reports_by_device_brand_lifetime", Campaign, Lifetime, DEVICE_BRAND, CAMPAIGNS_AUDIENCE),
    audience("ad_group_audience_reports_by_device_brand_lifetime", AdGroup, Lifetime, DEVICE_BRAND, AD_GROUP_AUDIENCE),
    audience("ads_audience_reports_by_device_brand_lifetime", Ad, Lifetime, DEVICE_BRAND, ADS_AUDIENCE),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use serde_json::Value;

    use super::super::metrics::{audience_valid, metric_kind, min_level, validate_report};
    use super::*;

    /// The built-in report stream of this name.
    fn report(name: &str) -> Option<&'static ReportDecl> {
        REPORTS.iter().find(|r| r.name == name)
    }

    /// The account, entity and asset streams of the registry: (name, schema, primary key).
    fn entity_streams() -> Vec<(String, Value, String)> {
        let config =
            crate::config::Config::parse(&serde_json::json!({"app_id": "1", "secret": "secret-1",
            "access_token": "token-1", "start_date": "2024-01-01"}))
            .unwrap();
        super::super::all(&config)
            .into_iter()
            .filter(|s| {
                matches!(
                    s.kind,
                    super::super::Kind::Accounts(_) | super::super::Kind::List(_)
                )
            })
            .map(|s| {
                let pk = s.primary_key();
                assert_eq!(pk.len(), 1, "{}", s.name);
                (s.name.clone(), s.schema(), pk[0].clone())
            })
            .collect()
    }

    fn depth(level: Level) -> u8 {
        match level {
            Advertiser => 0,
            Campaign => 1,
            AdGroup => 2,
            Ad => 3,
        }
    }

    #[test]
    fn the_official_connectors_report_streams_all_exist() {
        // peer-connectors §4.4 rows 11-40, with their data level, breakdowns and granularity.
        #[rustfmt::skip]
        let expected = [
            ("ads_reports_daily", Ad, Day, &[][..], ReportType::Basic),
            ("ads_reports_by_country_daily", Ad, Day, &["country_code"][..], ReportType::Basic),
            ("ad_groups_reports_daily", AdGroup, Day, &[][..], ReportType::Basic),
            ("ad_groups_reports_by_country_daily", AdGroup, Day, &["country_code"][..], ReportType::Basic),
            ("advertisers_reports_daily", Advertiser, Day, &[][..], ReportType::Basic),
            ("campaigns_reports_daily", Campaign, Day, &[][..], ReportType::Basic),
            ("campaigns_audience_reports_daily", Campaign, Day, &["gender", "age"][..], ReportType::Audience),
            ("ad_group_audience_reports_daily", AdGroup, Day, &["gender", "age"][..], ReportType::Audience),
            ("ads_audience_reports_daily", Ad, Day, &["gender", "age"][..], ReportType::Audience),
            ("advertisers_audience_reports_daily", Advertiser, Day, &["gender", "age"][..], ReportType::Audience),
            ("campaigns_audience_reports_by_country_daily", Campaign, Day, &["country_code"][..], ReportType::Audience),
            ("ad_group_audience_reports_by_country_daily", AdGroup, Day, &["country_code"][..], ReportType::Audience),
            ("ads_audience_reports_by_country_daily", Ad, Day, &["country_code"][..], ReportType::Audience),
            ("advertisers_audience_reports_by_country_daily", Advertiser, Day, &["country_code"][..], ReportType::Audience),
            ("campaigns_audience_reports_by_platform_daily", Campaign, Day, &["platform"][..], ReportType::Audience),
            ("ad_group_audience_reports_by_platform_daily", AdGroup, Day, &["platform"][..], ReportType::Audience),
            ("ads_audience_reports_by_platform_daily", Ad, Day, &["platform"][..], ReportType::Audience),
            ("advertisers_audience_reports_by_platform_daily", Advertiser, Day, &["platform"][..], ReportType::Audience),
            ("ads_audience_reports_by_province_daily", Ad, Day, &["province_id"][..], ReportType::Audience),
            ("ads_reports_hourly", Ad, Hour, &[][..], ReportType::Basic),
            ("ads_reports_by_country_hourly", Ad, Hour, &["country_code"][..], ReportType::Basic),
            ("advertisers_reports_hourly", Advertiser, Hour, &[][..], ReportType::Basic),
            ("campaigns_reports_hourly", Campaign, Hour, &[][..], ReportType::Basic),
            ("ad_groups_reports_hourly", AdGroup, Hour, &[][..], ReportType::Basic),
            ("ad_groups_reports_by_country_hourly", AdGroup, Hour, &["country_code"][..], ReportType::Basic),
            ("ads_reports_lifetime", Ad, Lifetime, &[][..], ReportType::Basic),
            ("advertisers_reports_lifetime", Advertiser, Lifetime, &[][..], ReportType::Basic),
            ("campaigns_reports_lifetime", Campaign, Lifetime, &[][..], ReportType::Basic),
            ("ad_groups_reports_lifetime", AdGroup, Lifetime, &[][..], ReportType::Basic),
            ("advertisers_audience_reports_lifetime", Advertiser, Lifetime, &["gender", "age"][..], ReportType::Audience),
        ];
        for (name, level, granularity, breakdowns, report_type) in expected {
            let r = report(name).unwrap_or_else(|| panic!("{name} missing"));
            assert_eq!(
                (r.level, r.granularity, r.breakdowns, r.report_type),
                (level, granularity, breakdowns, report_type),
                "{name}"
            );
        }
        let names: HashSet<&str> = REPORTS.iter().map(|r| r.name).collect();
        assert_eq!(names.len(), REPORTS.len(), "stream names are unique");
    }

    #[test]
    fn audience_breakdowns_at_every_level() {
        let levels = [
            ("advertisers", Advertiser),
            ("campaigns", Campaign),
            ("ad_group", AdGroup),
            ("ads", Ad),
        ];
        let dims = [
            ("language", "language", Day),
            ("placement", "placement", Day),
            ("ac", "ac", Day),
            ("interest_category", "interest_category", Lifetime),
            ("device_brand", "device_brand_id", Lifetime),
        ];
        let mut added = 0;
        for (prefix, level) in levels {
            for (part, dimension, granularity) in dims {
                let suffix = if granularity == Day {
                    "daily"
                } else {
                    "lifetime"
                };
                let name = format!("{prefix}_audience_reports_by_{part}_{suffix}");
                let r = report(&name).unwrap_or_else(|| panic!("{name} missing"));
                assert_eq!(
                    (r.report_type, r.level, r.granularity, r.breakdowns),
                    (ReportType::Audience, level, granularity, &[dimension][..]),
                    "{name}"
                );
                // The same metrics as the level's other audience reports.
                let by_country = format!("{prefix}_audience_reports_by_country_daily");
                assert_eq!(r.metrics, report(&by_country).unwrap().metrics, "{name}");
                added += 1;
            }
        }
        assert_eq!(REPORTS.len(), 30 + added);
    }

    #[test]
    fn every_stream_passes_tiktoks_rules() {
        for r in REPORTS {
            let breakdowns: Vec<String> = r.breakdowns.iter().map(|s| s.to_string()).collect();
            let metrics: Vec<String> = r.metrics.iter().map(|s| s.to_string()).collect();
            assert_eq!(
                validate_report(r.report_type, r.level, r.granularity, &breakdowns, &metrics),
                Ok(()),
                "{}",
                r.name
            );
        }
    }

    #[test]
    fn metric_lists_are_typed_unique_and_level_correct() {
        for r in REPORTS {
            let mut seen = HashSet::new();
            for &m in r.metrics {
                assert!(seen.insert(m), "{}: {m} twice", r.name);
                assert!(metric_kind(m).is_some(), "{}: {m} has no kind", r.name);
                if let Some(min) = min_level(m) {
                    assert!(
                        depth(r.level) >= depth(min),
                        "{}: {m} is above its level",
                        r.name
                    );
                }
                assert_ne!(
                    m,
                    r.level.id_dimension(),
                    "{}: the level's ID is a dimension",
                    r.name
                );
                if r.report_type == ReportType::Audience {
                    assert!(
                        audience_valid(m),
                        "{}: {m} is not valid in AUDIENCE",
                        r.name
                    );
                }
            }
            assert!(
                r.metrics.contains(&"spend") && r.metrics.contains(&"impressions"),
                "{}",
                r.name
            );
        }
    }

    #[test]
    fn breakdowns_fit_the_report_type() {
        for r in REPORTS {
            match r.report_type {
                ReportType::Basic => assert!(
                    r.breakdowns.iter().all(|b| *b == "country_code"),
                    "{}",
                    r.name
                ),
                ReportType::Audience => {
                    assert!(!r.breakdowns.is_empty(), "{}", r.name);
                    for b in r.breakdowns {
                        assert!(
                            [
                                "age",
                                "gender",
                                "country_code",
                                "platform",
                                "province_id",
                                "language",
                                "placement",
                                "ac",
                                "interest_category",
                                "device_brand_id"
                            ]
                            .contains(b),
                            "{}",
                            r.name
                        );
                    }
                }
            }
            if r.granularity == Lifetime && r.report_type == ReportType::Basic {
                assert!(
                    r.breakdowns.is_empty(),
                    "{}: query_lifetime takes no breakdown",
                    r.name
                );
            }
        }
    }

    #[test]
    fn granularity_rules_hold() {
        for r in REPORTS {
            let has = |m: &str| r.metrics.contains(&m);
            let spend_split = has("cash_spend") || has("voucher_spend");
            assert_eq!(
                spend_split,
                r.name == "advertisers_reports_daily",
                "{}",
                r.name
            );
            let country = r.breakdowns.contains(&"country_code");
            if r.granularity == Hour && country {
                assert!(
                    !has("reach") && !has("frequency") && !has("cost_per_1000_reached"),
                    "{}",
                    r.name
                );
            }
            if country {
                assert!(
                    !has("purchase") && !has("purchase_rate") && !has("cost_per_purchase"),
                    "{}",
                    r.name
                );
            }
            if r.granularity == Hour || !r.breakdowns.is_empty() {
                assert!(PAID_ENGAGED_VIEW.iter().all(|m| !has(m)), "{}", r.name);
            }
        }
    }

    #[test]
    fn users_get_what_they_asked_for() {
        // Airbyte #85815: campaign reports had no conversions; #48001: ad metrics were missing.
        for name in [
            "campaigns_reports_daily",
            "campaigns_reports_hourly",
            "campaigns_reports_lifetime",
            "ad_groups_reports_daily",
            "ad_groups_reports_hourly",
            "ad_groups_reports_lifetime",
        ] {
            let r = report(name).unwrap();
            for m in [
                "conversion",
                "result",
                "cost_per_conversion",
                "complete_payment",
                "total_app_event_add_to_cart",
                "reach",
            ] {
                assert!(r.metrics.contains(&m), "{name} lacks {m}");
            }
        }
        let ads = report("ads_reports_daily").unwrap();
        for m in ENGAGED_VIEW.iter().chain(PAID_ENGAGED_VIEW) {
            assert!(ads.metrics.contains(m), "ads_reports_daily lacks {m}");
        }
        // Everything the official connector requests for ads_reports_daily is still there.
        assert_eq!(
            report("ads_reports_daily").unwrap().metrics.len(),
            52 + 27 + 8
        );
    }

    #[test]
    fn joined_lists_keep_every_part_in_order() {
        assert_eq!(COMMON_BASIC.len(), 27);
        assert_eq!(&COMMON_BASIC[..6], CORE);
        assert_eq!(&COMMON_BASIC[6..9], REACH);
        assert_eq!(COMMON_BASIC[26], "app_install");
        assert_eq!(
            AD_ATTRIBUTES,
            [
                "campaign_name",
                "campaign_id",
                "adgroup_name",
                "placement_type",
                "tt_app_id",
                "tt_app_name",
                "mobile_app_id",
                "promotion_type",
                "dpa_target_audience_type",
                "adgroup_id",
                "ad_name",
                "ad_text"
            ]
        );
    }

    /// Every nested object of a schema, with its path.
    fn walk<'a>(path: String, v: &'a Value, out: &mut Vec<(String, &'a Value)>) {
        match v {
            Value::Object(map) => {
                out.push((path.clone(), v));
                for (k, child) in map {
                    walk(format!("{path}/{k}"), child, out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(format!("{path}/{i}"), child, out);
                }
            }
            _ => {}
        }
    }

    fn types(prop: &Value) -> Vec<&str> {
        match &prop["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn entity_schemas_are_honest_draft7_objects() {
        for (stream, schema, pk) in entity_streams() {
            let stream = stream.as_str();
            let pk = pk.as_str();
            assert_eq!(
                schema["$schema"], "http://json-schema.org/draft-07/schema#",
                "{stream}"
            );
            assert_eq!(schema["type"], "object", "{stream}");
            assert_eq!(schema["additionalProperties"], true, "{stream}");
            let mut nodes = Vec::new();
            walk(String::new(), &schema, &mut nodes);
            for (path, node) in &nodes {
                for banned in ["$ref", "allOf", "anyOf", "oneOf", "not", "definitions"] {
                    // A property may be called e.g. "not"; only keywords of a schema node count.
                    let is_properties_map = path.ends_with("/properties");
                    assert!(
                        is_properties_map || node.get(banned).is_none(),
                        "{stream}{path} uses {banned}"
                    );
                }
            }
            let props = schema["properties"]
                .as_object()
                .unwrap_or_else(|| panic!("{stream}: no properties"));
            let mut required: Vec<&str> = vec!["advertiser_id", pk];
            required.dedup();
            assert_eq!(schema["required"], serde_json::json!(required), "{stream}");
            for required in ["advertiser_id", pk] {
                assert_eq!(
                    props.get(required).map(types),
                    Some(vec!["string"]),
                    "{stream}.{required} must be a non-null string"
                );
            }
            for (name, prop) in props {
                let t = types(prop);
                assert!(!t.is_empty(), "{stream}.{name} has no type");
                if name != "advertiser_id" && name != pk {
                    assert!(t.contains(&"null"), "{stream}.{name} must be nullable");
                }
            }
        }
    }

    #[test]
    fn schema_fields_are_typed_by_meaning() {
        for (stream, schema, _) in entity_streams() {
            let mut nodes = Vec::new();
            walk(String::new(), &schema, &mut nodes);
            for (path, node) in nodes {
                let Some(props) = node.get("properties").and_then(Value::as_object) else {
                    continue;
                };
                for (name, prop) in props {
                    let t = types(prop);
                    if name.ends_with("_id") || name == "id" {
                        assert!(
                            t.contains(&"string")
                                && !t.contains(&"integer")
                                && !t.contains(&"number"),
                            "{stream}{path}.{name}: IDs are strings"
                        );
                    }
                    if name.ends_with("_ids") {
                        assert!(t.contains(&"array"), "{stream}{path}.{name}");
                        assert_eq!(
                            types(&prop["items"]),
                            vec!["string"],
                            "{stream}{path}.{name}: ID lists hold strings"
                        );
                    }
                    if t.contains(&"array") {
                        assert!(
                            prop.get("items").is_some(),
                            "{stream}{path}.{name}: arrays declare their items"
                        );
                    }
                    if t.contains(&"object") {
                        assert_eq!(prop["additionalProperties"], true, "{stream}{path}.{name}");
                    }
                    if prop.get("format").and_then(Value::as_str) == Some("date-time") {
                        assert_eq!(
                            prop["airbyte_type"], "timestamp_with_timezone",
                            "{stream}{path}.{name}"
                        );
                        assert!(path.is_empty(), "{stream}{path}.{name}: only top-level instants are converted to RFC 3339");
                    }
                    if name == "create_time" || name == "modify_time" {
                        assert_eq!(prop["format"], "date-time", "{stream}{path}.{name}");
                    }
                }
            }
        }
    }

    fn validator(stream: &str) -> jsonschema::Validator {
        let (_, schema, _) = entity_streams()
            .into_iter()
            .find(|(s, _, _)| s == stream)
            .unwrap();
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("{stream}: {e}"))
    }

    /// Records shaped like TikTok's documented responses after the connector's conversions
    /// (IDs as strings, instants in RFC 3339, `advertiser_id` added).
    #[test]
    fn documented_records_validate() {
        let adv = "7002238017842757633";
        let samples = [
            (
                "advertiser_ids",
                serde_json::json!({"advertiser_id": adv, "advertiser_name": "Shop A"}),
            ),
            (
                "advertisers",
                serde_json::json!({"advertiser_id": adv, "name": "Shop A", "timezone": "Etc/GMT+8",
                "display_timezone": "America/Los_Angeles", "currency": "USD", "balance": 12.5,
                "create_time": "2017-11-15T10:01:04Z", "status": "STATUS_ENABLE", "license_no": null}),
            ),
            (
                "campaigns",
                serde_json::json!({"advertiser_id": adv, "campaign_id": "1765000000000000001",
                "campaign_name": "Spring", "budget": 100.5, "budget_mode": "BUDGET_MODE_DAY", "roas_bid": 0,
                "secondary_status": "CAMPAIGN_STATUS_DELETE", "special_industries": [], "app_id": null,
                "is_new_structure": true, "create_time": "2023-05-15T05:14:35Z", "modify_time": "2023-05-16T00:00:00Z"}),
            ),
            (
                "ad_groups",
                serde_json::json!({"advertiser_id": adv, "campaign_id": "1765000000000000001",
                "adgroup_id": "1765000000000000002", "location_ids": ["6252001"], "audience_ids": [],
                "dayparting": null, "bid_price": 0, "skip_learning_phase": false, "pixel_id": "7100000000000000009",
                "schedule_end_time": "2024-03-01T00:00:00Z", "modify_time": "2023-01-01T00:00:01Z"}),
            ),
            (
                "ads",
                serde_json::json!({"advertiser_id": adv, "ad_id": "1765000000000000003", "image_ids": ["ad-site-i18n-sg/abc"],
                "video_id": null, "landing_page_urls": null, "modify_time": null, "create_time": "2022-03-28T21:34:26Z",
                "utm_params": [{"key": "utm_source", "value": "tiktok"}], "tracking_pixel_id": "7100000000000000009"}),
            ),
            (
                "audiences",
                serde_json::json!({"advertiser_id": adv, "audience_id": "1234567890", "cover_num": 150000,
                "shared": false, "create_time": "2022-05-26T22:12:12Z", "expired_time": null}),
            ),
            (
                "creative_assets_images",
                serde_json::json!({"advertiser_id": adv, "image_id": "ad-site-i18n-sg/202006100d0d",
                "width": 1080, "height": 1920, "size": 54321, "is_carousel_usable": true, "modify_time": "2020-06-10T07:39:14Z"}),
            ),
            (
                "creative_assets_videos",
                serde_json::json!({"advertiser_id": adv, "video_id": "v070331c0000bup3cb66kkoqaktb5psg",
                "duration": 15.03, "bit_rate": 1200000, "allowed_placements": ["PLACEMENT_TIKTOK"],
                "preview_url_expire_time": "2020-11-16T14:19:57Z"}),
            ),
            (
                "creative_assets_music",
                serde_json::json!({"advertiser_id": adv, "music_id": "7000000000000000011",
                "sources": ["CUSTOM"], "duration": 30.5, "liked": false}),
            ),
            (
                "creative_assets_portfolios",
                serde_json::json!({"advertiser_id": adv, "creative_portfolio_id": "7000000000000000012",
                "creative_portfolio_type": "CTA"}),
            ),
            (
                "pixels",
                serde_json::json!({"advertiser_id": adv, "pixel_id": "7000000000000000013", "partner_name": null,
                "advanced_matching_fields": {"email": true, "phone_number": false},
                "events": [{"event_id": "7000000000000000014", "name": "Purchase", "currency": "USD", "rules": []}]}),
            ),
            (
                "spark_ads",
                serde_json::json!({"advertiser_id": adv, "spark_ads_post_id": "7000000000000000015",
                "item_info": {"item_id": "7000000000000000015", "anchor_list": []},
                "auth_info": {"ad_auth_status": "AUTHORIZED", "auth_start_time": "2024-01-01 00:00:00"},
                "video_info": {"duration": 12.5, "width": 1080, "height": 1920}}),
            ),
            (
                "smart_plus_campaigns",
                serde_json::json!({"advertiser_id": adv, "campaign_id": "7000000000000000016",
                "campaign_automation_type": "UPGRADED_SMART_PLUS", "budget": 50.5, "budget_optimize_on": true,
                "app_promotion_type": null, "modify_time": "2026-11-01T10:00:00Z"}),
            ),
            (
                "smart_plus_ad_groups",
                serde_json::json!({"advertiser_id": adv, "adgroup_id": "7000000000000000017",
                "campaign_id": "7000000000000000016", "pixel_id": null, "roas_bid": 0,
                "targeting_spec": {"location_ids": ["US"], "gender": "GENDER_UNLIMITED"},
                "create_time": "2026-10-01T00:00:00Z"}),
            ),
            (
                "smart_plus_ads",
                serde_json::json!({"advertiser_id": adv, "smart_plus_ad_id": "7000000000000000018",
                "adgroup_id": "7000000000000000017", "operation_status": "ENABLE",
                "creative_list": [{"ad_material_id": "7000000000000000019", "material_operation_status": "ENABLE",
                    "creative_info": {"ad_format": "SINGLE_VIDEO", "video_info": {"video_id": "v1"}}}],
                "ad_text_list": [{"ad_text": "Hi"}], "ad_configuration": {"product_ids": []}}),
            ),
        ];
        // A documented sample for every account, entity and asset stream of the registry.
        let names: Vec<String> = entity_streams().into_iter().map(|(s, _, _)| s).collect();
        let sampled: Vec<String> = samples.iter().map(|(s, _)| s.to_string()).collect();
        assert_eq!(sampled, names);
        for (stream, record) in samples {
            let v = validator(stream);
            let errors: Vec<String> = v.iter_errors(&record).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{stream}: {errors:?}");
        }
    }

    #[test]
    fn dishonest_records_are_rejected() {
        let campaigns = validator("campaigns");
        let ok = serde_json::json!({"advertiser_id": "1", "campaign_id": "2", "modify_time": "2023-05-16T00:00:00Z"});
        assert!(campaigns.is_valid(&ok));
        let mut bad = ok.clone();
        bad["campaign_id"] = serde_json::json!(2);
        assert!(!campaigns.is_valid(&bad), "IDs are strings, never numbers");
        let mut bad = ok.clone();
        bad["modify_time"] = serde_json::json!("2023-05-16 00:00:00");
        assert!(
            !campaigns.is_valid(&bad),
            "instants are RFC 3339 after conversion"
        );
        let mut bad = ok.clone();
        bad.as_object_mut().unwrap().remove("advertiser_id");
        assert!(
            !campaigns.is_valid(&bad),
            "every record carries advertiser_id"
        );
        let ads = validator("ads");
        let bad = serde_json::json!({"advertiser_id": "1", "ad_id": "2", "image_ids": [3]});
        assert!(!ads.is_valid(&bad), "ID lists hold strings");
    }
}
