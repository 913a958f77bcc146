//! The AUDIENCE dimension registry (more-endpoints reference §7): for every breakdown, its data
//! latency, which time dimension it allows, at which levels it exists and which metrics it
//! accepts, and the combination rules between breakdowns. Every such rule lives here.

use super::audience::Breakdown;
use super::catalog::{self, Kind, Level, Metric};
use super::query::TimeDim;
use crate::model::ApiError;

/// Which time dimension an AUDIENCE breakdown allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeRule {
    /// `stat_time_day`, `stat_time_hour` or none.
    Any,
    /// Not `stat_time_hour` (country_code in AUDIENCE reports).
    NotHourly,
    /// No time dimension: "no time series" (the reference's most likely reading: a date range
    /// without a time dimension).
    NoTimeSeries,
}

/// Which metrics an AUDIENCE breakdown accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricRule {
    /// The AUDIENCE metrics of the catalog (delivery, video, engagement, conversions, results,
    /// attributes): what Airbyte's audience streams request and TikTok serves for age, gender,
    /// country, platform and province, kept for the dimensions the reference has no list for.
    Audience,
    /// The AUDIENCE metrics and these.
    AudiencePlus(&'static [&'static str]),
    /// Only these (and attribute metrics).
    Only(&'static [&'static str]),
}

#[derive(Clone, Copy, Debug)]
pub struct DimensionSpec {
    pub breakdown: Breakdown,
    /// Minutes after an hour ends before its breakdown data exists.
    pub latency_minutes: i64,
    pub time: TimeRule,
    /// False when the dimension does not exist at AUCTION_ADVERTISER.
    pub advertiser_level: bool,
    pub metrics: MetricRule,
}

const REAL_TIME: i64 = 30;
const SIXTEEN_HOURS: i64 = 16 * 60;

/// The landing-page metrics the reference lists for `country_code` beyond Airbyte's list.
const LANDING_PAGE: &[&str] = &[
    "total_landing_page_view",
    "cost_per_landing_page_view",
    "landing_page_view_rate",
];

/// The reference's list for `ad_type` (also `hashtag`, `audience_tags`, `purchase_intention`):
/// the `country_code` list plus the v2 rates and engaged views, without `result*`.
const AD_TYPE_METRICS: &[&str] = &[
    "spend",
    "cpc",
    "cpm",
    "impressions",
    "gross_impressions",
    "clicks",
    "ctr",
    "conversion",
    "cost_per_conversion",
    "conversion_rate",
    "conversion_rate_v2",
    "real_time_conversion",
    "real_time_cost_per_conversion",
    "real_time_conversion_rate",
    "real_time_conversion_rate_v2",
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
    "engaged_view",
    "engaged_view_15s",
];

const fn spec(
    breakdown: Breakdown,
    latency_minutes: i64,
    time: TimeRule,
    advertiser_level: bool,
    metrics: MetricRule,
) -> DimensionSpec {
    DimensionSpec {
        breakdown,
        latency_minutes,
        time,
        advertiser_level,
        metrics,
    }
}

use MetricRule::Audience;
use TimeRule::{Any, NoTimeSeries, NotHourly};

/// One entry per breakdown, in `Breakdown` order.
pub static REGISTRY: &[DimensionSpec] = &[
    spec(Breakdown::Age, SIXTEEN_HOURS, Any, true, Audience),
    spec(Breakdown::Gender, SIXTEEN_HOURS, Any, true, Audience),
    spec(
        Breakdown::Country,
        REAL_TIME,
        NotHourly,
        true,
        MetricRule::AudiencePlus(LANDING_PAGE),
    ),
    spec(Breakdown::Platform, SIXTEEN_HOURS, Any, true, Audience),
    spec(Breakdown::Province, SIXTEEN_HOURS, Any, true, Audience),
    spec(Breakdown::Language, SIXTEEN_HOURS, Any, true, Audience),
    spec(Breakdown::Placement, REAL_TIME, Any, true, Audience),
    spec(Breakdown::Ac, SIXTEEN_HOURS, Any, true, Audience),
    spec(
        Breakdown::InterestCategory,
        SIXTEEN_HOURS,
        NoTimeSeries,
        true,
        Audience,
    ),
    spec(
        Breakdown::DeviceBrand,
        SIXTEEN_HOURS,
        NoTimeSeries,
        true,
        Audience,
    ),
    spec(Breakdown::Dma, SIXTEEN_HOURS, Any, true, Audience),
    spec(Breakdown::ContextualTag, SIXTEEN_HOURS, Any, true, Audience),
    spec(
        Breakdown::AdType,
        SIXTEEN_HOURS,
        Any,
        false,
        MetricRule::Only(AD_TYPE_METRICS),
    ),
];

pub fn spec_of(b: Breakdown) -> &'static DimensionSpec {
    // REGISTRY is in Breakdown order; the unit test keeps it complete.
    &REGISTRY[b as usize]
}

/// The dimension names an AUDIENCE report can use, for messages.
pub fn names() -> String {
    REGISTRY
        .iter()
        .map(|s| s.breakdown.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The combination rules of an AUDIENCE request's breakdowns (canonical order, non-empty).
pub fn validate_audience(
    breakdowns: &[Breakdown],
    time: TimeDim,
    level: Level,
) -> Result<(), ApiError> {
    let age_and_gender = breakdowns == [Breakdown::Age, Breakdown::Gender];
    if breakdowns.len() > 1 && !age_and_gender {
        return Err(ApiError::param(
            "dimensions: Only one audience dimension is allowed per request, except age and gender together.",
        ));
    }
    for b in breakdowns {
        let s = spec_of(*b);
        let name = b.name();
        match (s.time, time) {
            (NoTimeSeries, TimeDim::Day | TimeDim::Hour) => {
                return Err(ApiError::param(format!(
                "dimensions: {name} has no time series; remove stat_time_day and stat_time_hour."
            )))
            }
            (NotHourly, TimeDim::Hour) => {
                return Err(ApiError::param(format!(
                    "dimensions: {name} cannot be used with stat_time_hour in AUDIENCE reports."
                )))
            }
            _ => {}
        }
        if !s.advertiser_level && level == Level::Advertiser {
            return Err(ApiError::param(format!(
                "dimensions: {name} is not supported at data_level AUCTION_ADVERTISER."
            )));
        }
    }
    Ok(())
}

/// Whether an AUDIENCE report with these breakdowns accepts `metric`: every breakdown must.
pub fn audience_metric_allowed(
    breakdowns: &[Breakdown],
    metric: &Metric,
    level: Level,
    lifetime: bool,
) -> bool {
    let audience = catalog::allowed(metric, true, level, lifetime);
    let attribute_ok = matches!(metric.kind, Kind::Attr(_)) && audience;
    breakdowns.iter().all(|b| match spec_of(*b).metrics {
        MetricRule::Audience => audience,
        MetricRule::AudiencePlus(extra) => audience || extra.contains(&metric.name),
        MetricRule::Only(list) => list.contains(&metric.name) || attribute_ok,
    })
}

/// How long the newest breakdown data takes to arrive: the largest latency of the breakdowns.
pub fn latency_minutes(breakdowns: &[Breakdown]) -> i64 {
    breakdowns
        .iter()
        .map(|b| spec_of(*b).latency_minutes)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_has_every_breakdown_in_order() {
        assert_eq!(REGISTRY.len(), Breakdown::ALL.len());
        for (i, b) in Breakdown::ALL.iter().enumerate() {
            assert_eq!(REGISTRY[i].breakdown, *b);
            assert_eq!(Breakdown::parse(b.name()), Some(*b));
        }
    }
}
