//! TikTok's breakdown dimensions and their rules (more-endpoints reference §7): which report
//! type takes each, whether it has a time series, at which levels it exists, which metrics it
//! takes beyond the AUDIENCE set, and the columns its rows carry besides itself. Every
//! dimension rule of `metrics::validate_report` reads from this one table.
//!
//! The reference marks the combination rules as secondary (Estuary) and the metric lists of
//! most dimensions as UNCERTAIN; the table follows its most likely reading, as the emulator
//! does, and a test checks the two agree on every combination.

use super::decl::{Granularity, Level, ReportType};

/// Whether a dimension goes with a time dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeRule {
    /// Daily, hourly or none.
    Any,
    /// Not hourly (`country_code` in AUDIENCE reports; BASIC keeps it hourly).
    NotHourlyInAudience,
    /// "No time series": no `stat_time_*` at all. Such a report covers a date range and is
    /// read here as granularity lifetime (the last 365 days).
    None,
}

/// Which metrics an AUDIENCE report by this dimension takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricRule {
    /// The AUDIENCE set (`metrics::audience_valid`).
    Audience,
    /// The AUDIENCE set and these (the reference's list for `country_code`).
    AudiencePlus(&'static [&'static str]),
    /// Only these lists' metrics, and attribute metrics (the reference's list for `ad_type`).
    Only(&'static [&'static [&'static str]]),
}

#[derive(Clone, Copy, Debug)]
pub struct Dimension {
    pub name: &'static str,
    /// BASIC reports take it too (besides AUDIENCE).
    pub basic: bool,
    pub time: TimeRule,
    /// False when TikTok does not have it at AUCTION_ADVERTISER.
    pub advertiser_level: bool,
    pub metrics: MetricRule,
    /// Columns TikTok's rows carry with it, not requested: `interest_category` rows also hold
    /// the new tier-1 id `interest_category_v2` (the old one is to be deprecated).
    pub companions: &'static [&'static str],
}

/// The reference's `country_code` list beyond the AUDIENCE set: delivery detail, video,
/// engagement and landing pages.
const COUNTRY_EXTRA: &[&str] = &[
    "gross_impressions",
    "video_play_actions",
    "video_watched_2s",
    "video_watched_6s",
    "average_video_play",
    "video_views_p25",
    "video_views_p50",
    "video_views_p75",
    "video_views_p100",
    "profile_visits",
    "profile_visits_rate",
    "likes",
    "comments",
    "shares",
    "follows",
    "clicks_on_music_disc",
    "total_landing_page_view",
    "cost_per_landing_page_view",
    "landing_page_view_rate",
];

/// The delivery core of every report type.
const CORE: &[&str] = &["spend", "cpc", "cpm", "impressions", "clicks", "ctr"];
/// Conversions with the v2 (per impression) rates, without `result*`.
const CONVERSIONS_V2: &[&str] = &[
    "conversion",
    "cost_per_conversion",
    "conversion_rate",
    "conversion_rate_v2",
    "real_time_conversion",
    "real_time_cost_per_conversion",
    "real_time_conversion_rate",
    "real_time_conversion_rate_v2",
];
const ENGAGED_VIEWS: &[&str] = &["engaged_view", "engaged_view_15s"];
/// The reference's list for `ad_type`: the `country_code` list plus the v2 rates and engaged
/// views, without `result*`.
const AD_TYPE_METRICS: &[&[&str]] = &[CORE, CONVERSIONS_V2, COUNTRY_EXTRA, ENGAGED_VIEWS];

const fn audience(name: &'static str, time: TimeRule) -> Dimension {
    Dimension {
        name,
        basic: false,
        time,
        advertiser_level: true,
        metrics: MetricRule::Audience,
        companions: &[],
    }
}

/// Every breakdown dimension the connector takes, in the order messages list them.
pub const DIMENSIONS: &[Dimension] = &[
    audience("age", TimeRule::Any),
    audience("gender", TimeRule::Any),
    Dimension {
        name: "country_code",
        basic: true,
        time: TimeRule::NotHourlyInAudience,
        advertiser_level: true,
        metrics: MetricRule::AudiencePlus(COUNTRY_EXTRA),
        companions: &[],
    },
    audience("platform", TimeRule::Any),
    audience("province_id", TimeRule::Any),
    audience("language", TimeRule::Any),
    audience("placement", TimeRule::Any),
    audience("ac", TimeRule::Any),
    Dimension {
        companions: &["interest_category_v2"],
        ..audience("interest_category", TimeRule::None)
    },
    audience("device_brand_id", TimeRule::None),
    audience("dma_id", TimeRule::Any),
    audience("contextual_tag", TimeRule::Any),
    Dimension {
        advertiser_level: false,
        metrics: MetricRule::Only(AD_TYPE_METRICS),
        ..audience("ad_type", TimeRule::Any)
    },
];

pub fn find(name: &str) -> Option<&'static Dimension> {
    DIMENSIONS.iter().find(|d| d.name == name)
}

/// The names a report type takes, for messages.
pub fn names(report_type: ReportType) -> String {
    DIMENSIONS
        .iter()
        .filter(|d| report_type == ReportType::Audience || d.basic)
        .map(|d| d.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Columns a report's rows carry besides its breakdowns (`interest_category_v2`).
pub fn companions(breakdowns: &[String]) -> Vec<&'static str> {
    breakdowns
        .iter()
        .filter_map(|b| find(b))
        .flat_map(|d| d.companions.iter().copied())
        .collect()
}

/// The rules between a report's known breakdowns, its level and its granularity: one sentence
/// per problem. Unknown and repeated names are the caller's to report.
pub fn check(
    report_type: ReportType,
    level: Level,
    granularity: Granularity,
    breakdowns: &[&'static Dimension],
) -> Vec<String> {
    let mut problems = Vec::new();
    if report_type == ReportType::Audience && breakdowns.len() > 1 {
        let mut names: Vec<&str> = breakdowns.iter().map(|d| d.name).collect();
        names.sort_unstable();
        if names != ["age", "gender"] {
            problems.push(format!(
                "AUDIENCE reports take one audience dimension, or age and gender together; got {}",
                names.join(", ")
            ));
        }
    }
    for d in breakdowns {
        match (d.time, granularity, report_type) {
            (TimeRule::None, Granularity::Day | Granularity::Hour, _) => problems.push(format!(
                "dimension '{}' has no time series in TikTok: use granularity lifetime (the last 365 days, no time column)",
                d.name
            )),
            (TimeRule::NotHourlyInAudience, Granularity::Hour, ReportType::Audience) => {
                problems.push(format!(
                    "dimension '{}' is not available hourly in AUDIENCE reports (BASIC reports have it hourly)",
                    d.name
                ))
            }
            _ => {}
        }
        if !d.advertiser_level && level == Level::Advertiser {
            problems.push(format!(
                "dimension '{}' is not available at data_level AUCTION_ADVERTISER",
                d.name
            ));
        }
    }
    problems
}

/// Whether an AUDIENCE report by these breakdowns takes `metric`, given whether the AUDIENCE
/// set has it and whether it is an attribute (a name or setting). Without a known breakdown
/// (a problem of its own), the AUDIENCE set.
pub fn audience_takes(
    breakdowns: &[&'static Dimension],
    metric: &str,
    in_audience_set: bool,
    attribute: bool,
) -> bool {
    if breakdowns.is_empty() {
        return in_audience_set;
    }
    breakdowns.iter().all(|d| match d.metrics {
        MetricRule::Audience => in_audience_set,
        MetricRule::AudiencePlus(extra) => in_audience_set || extra.contains(&metric),
        MetricRule::Only(lists) => lists.iter().any(|l| l.contains(&metric)) || attribute,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(names: &[&str]) -> Vec<&'static Dimension> {
        names.iter().map(|n| find(n).unwrap()).collect()
    }

    #[test]
    fn names_are_unique_and_only_country_is_basic() {
        let mut seen = std::collections::HashSet::new();
        for d in DIMENSIONS {
            assert!(seen.insert(d.name), "{} twice", d.name);
        }
        assert_eq!(names(ReportType::Basic), "country_code");
        assert_eq!(
            names(ReportType::Audience),
            "age, gender, country_code, platform, province_id, language, placement, ac, \
             interest_category, device_brand_id, dma_id, contextual_tag, ad_type"
        );
    }

    #[test]
    fn combination_rules() {
        let a = ReportType::Audience;
        let ok = |l, g, n: &[&str]| check(a, l, g, &dims(n)).is_empty();
        assert!(ok(Level::Ad, Granularity::Day, &["age", "gender"]));
        assert!(ok(Level::Ad, Granularity::Day, &["gender", "age"]));
        assert!(!ok(Level::Ad, Granularity::Day, &["age", "platform"]));
        assert!(!ok(Level::Ad, Granularity::Day, &["language", "ac"]));
        assert!(ok(Level::Ad, Granularity::Lifetime, &["interest_category"]));
        assert!(!ok(Level::Ad, Granularity::Day, &["interest_category"]));
        assert!(!ok(Level::Ad, Granularity::Hour, &["device_brand_id"]));
        assert!(ok(Level::Ad, Granularity::Day, &["country_code"]));
        assert!(!ok(Level::Ad, Granularity::Hour, &["country_code"]));
        assert!(check(
            ReportType::Basic,
            Level::Ad,
            Granularity::Hour,
            &dims(&["country_code"])
        )
        .is_empty());
        assert!(ok(Level::Campaign, Granularity::Hour, &["ad_type"]));
        assert!(!ok(Level::Advertiser, Granularity::Day, &["ad_type"]));
        assert!(ok(Level::Advertiser, Granularity::Hour, &["placement"]));
    }

    #[test]
    fn metric_rules() {
        let country = dims(&["country_code"]);
        assert!(audience_takes(&country, "spend", true, false));
        assert!(audience_takes(
            &country,
            "landing_page_view_rate",
            false,
            false
        ));
        assert!(!audience_takes(&country, "reach", false, false));
        let ad_type = dims(&["ad_type"]);
        assert!(!audience_takes(&ad_type, "result", true, false));
        assert!(audience_takes(&ad_type, "engaged_view", false, false));
        assert!(audience_takes(&ad_type, "campaign_name", true, true));
        let language = dims(&["language"]);
        assert!(!audience_takes(
            &language,
            "landing_page_view_rate",
            false,
            false
        ));
        assert!(audience_takes(&language, "result", true, false));
    }

    #[test]
    fn interest_category_rows_carry_the_new_id() {
        assert_eq!(
            companions(&["interest_category".into()]),
            ["interest_category_v2"]
        );
        assert!(companions(&["age".into(), "gender".into()]).is_empty());
    }
}
