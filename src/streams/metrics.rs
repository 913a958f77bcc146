//! TikTok's report metrics as we know them: how each value is typed, where TikTok accepts it,
//! and the checks a custom report passes before any request is sent.
//!
//! Sources: the metric lists real connectors send (peer-connectors §4.6.2, §4.10), TikTok's
//! "Supported metrics" pages as mirrored by SDKs (attribute levels, granularity notes), and the
//! errors users met (Airbyte #11375: cash/voucher spend rejected for lifetime).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::decl::{Granularity, Level, MetricKind, ReportType};
use super::dimensions::{self, Dimension};

/// Dimensions implied by `data_level` and granularity, never breakdowns.
const IMPLIED_DIMENSIONS: &[&str] = &[
    "advertiser_id",
    "campaign_id",
    "adgroup_id",
    "ad_id",
    "stat_time_day",
    "stat_time_hour",
];

/// Where TikTok accepts a metric, beyond "it exists". Each variant is one rule of `validate_report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// Delivery core (spend, cpc, cpm, impressions, clicks, ctr): every report type.
    Core,
    /// Conversion and result counts and their costs and rates: BASIC and AUDIENCE.
    Conversion,
    /// A name or setting of an entity, defined from level `min` down to level `max`.
    Attribute { min: Level, max: Level },
    /// Unique-user metrics: TikTok computes them per whole period, not per country and hour.
    UniqueUsers,
    /// Cash and voucher spend exist only as advertiser-level daily totals.
    SpendSplit,
    /// The in-app purchase trio, which TikTok does not split by country.
    NoCountry,
    /// Paid engaged-view counts: only with the ID, or the ID and `stat_time_day`, as dimensions.
    IdOrDayOnly,
    /// Every other metric: BASIC reports at any level and granularity.
    Basic,
}

#[derive(Clone, Copy, Debug)]
struct Metric {
    kind: MetricKind,
    scope: Scope,
}

use Level::{Ad, AdGroup, Advertiser, Campaign};
use MetricKind::{Integer as I, Number as N, Text as T};

const fn attr(min: Level, max: Level) -> Scope {
    Scope::Attribute { min, max }
}

/// Metrics listed one by one: the core, the families real connectors request, attributes.
const LISTED: &[(&str, MetricKind, Scope)] = &[
    // Delivery core.
    ("spend", N, Scope::Core),
    ("cpc", N, Scope::Core),
    ("cpm", N, Scope::Core),
    ("impressions", I, Scope::Core),
    ("clicks", I, Scope::Core),
    ("ctr", N, Scope::Core),
    ("gross_impressions", I, Scope::Basic),
    ("billed_cost", N, Scope::Basic),
    ("reach", I, Scope::UniqueUsers),
    ("cost_per_1000_reached", N, Scope::UniqueUsers),
    ("frequency", N, Scope::UniqueUsers),
    ("cash_spend", N, Scope::SpendSplit),
    ("voucher_spend", N, Scope::SpendSplit),
    // Conversions and results (Airbyte's audience lists carry exactly these).
    ("conversion", I, Scope::Conversion),
    ("cost_per_conversion", N, Scope::Conversion),
    ("conversion_rate", N, Scope::Conversion),
    ("real_time_conversion", I, Scope::Conversion),
    ("real_time_cost_per_conversion", N, Scope::Conversion),
    ("real_time_conversion_rate", N, Scope::Conversion),
    ("result", I, Scope::Conversion),
    ("cost_per_result", N, Scope::Conversion),
    ("result_rate", N, Scope::Conversion),
    ("real_time_result", I, Scope::Conversion),
    ("real_time_cost_per_result", N, Scope::Conversion),
    ("real_time_result_rate", N, Scope::Conversion),
    // Newer impression-based rates: no connector has proven them in AUDIENCE reports.
    ("conversion_rate_v2", N, Scope::Basic),
    ("real_time_conversion_rate_v2", N, Scope::Basic),
    ("secondary_goal_result", I, Scope::Basic),
    ("cost_per_secondary_goal_result", N, Scope::Basic),
    ("secondary_goal_result_rate", N, Scope::Basic),
    ("skan_result", I, Scope::Basic),
    ("skan_cost_per_result", N, Scope::Basic),
    ("skan_result_rate", N, Scope::Basic),
    ("skan_conversion", I, Scope::Basic),
    ("skan_cost_per_conversion", N, Scope::Basic),
    ("skan_conversion_rate_v2", N, Scope::Basic),
    // Video.
    ("video_play_actions", I, Scope::Basic),
    ("video_watched_2s", I, Scope::Basic),
    ("video_watched_6s", I, Scope::Basic),
    ("video_views_p25", I, Scope::Basic),
    ("video_views_p50", I, Scope::Basic),
    ("video_views_p75", I, Scope::Basic),
    ("video_views_p100", I, Scope::Basic),
    ("average_video_play", N, Scope::Basic),
    ("average_video_play_per_user", N, Scope::Basic),
    // Engaged views and clicks of every kind.
    ("engaged_view", I, Scope::Basic),
    ("engaged_view_15s", I, Scope::Basic),
    ("engagements", I, Scope::Basic),
    ("engagement_rate", N, Scope::Basic),
    ("engaged_view_through_conversions", I, Scope::Basic),
    ("cost_per_engaged_view_through_conversion", N, Scope::Basic),
    ("paid_engaged_view", I, Scope::IdOrDayOnly),
    ("paid_engagement_engaged_view", I, Scope::IdOrDayOnly),
    ("paid_engaged_view_15s", I, Scope::IdOrDayOnly),
    ("paid_engagement_engaged_view_15s", I, Scope::IdOrDayOnly),
    ("clicks_on_music_disc", I, Scope::Basic),
    ("clicks_on_hashtag_challenge", I, Scope::Basic),
    ("duet_clicks", I, Scope::Basic),
    ("stitch_clicks", I, Scope::Basic),
    ("sound_usage_clicks", I, Scope::Basic),
    ("anchor_clicks", I, Scope::Basic),
    ("anchor_click_rate", N, Scope::Basic),
    // Social.
    ("follows", I, Scope::Basic),
    ("likes", I, Scope::Basic),
    ("comments", I, Scope::Basic),
    ("shares", I, Scope::Basic),
    ("profile_visits", I, Scope::Basic),
    ("profile_visits_rate", N, Scope::Basic),
    ("tt_playlist_visit", I, Scope::Basic),
    ("tt_playlist_visit_rate", N, Scope::Basic),
    // LIVE, interactive add-ons, instant experience.
    ("live_views", I, Scope::Basic),
    ("live_unique_views", I, Scope::Basic),
    ("live_effective_views", I, Scope::Basic),
    ("live_product_clicks", I, Scope::Basic),
    ("interactive_add_on_impressions", I, Scope::Basic),
    ("interactive_add_on_destination_clicks", I, Scope::Basic),
    ("interactive_add_on_activity_clicks", I, Scope::Basic),
    ("interactive_add_on_option_a_clicks", I, Scope::Basic),
    ("interactive_add_on_option_b_clicks", I, Scope::Basic),
    ("countdown_sticker_recall_clicks", I, Scope::Basic),
    ("ix_page_duration_avg", N, Scope::Basic),
    ("ix_page_viewrate_avg", N, Scope::Basic),
    ("ix_video_views", I, Scope::Basic),
    ("ix_video_views_p25", I, Scope::Basic),
    ("ix_video_views_p50", I, Scope::Basic),
    ("ix_video_views_p75", I, Scope::Basic),
    ("ix_video_views_p100", I, Scope::Basic),
    ("ix_average_video_play", N, Scope::Basic),
    // App events whose names follow no family pattern.
    ("real_time_app_install", I, Scope::Basic),
    ("real_time_app_install_cost", N, Scope::Basic),
    ("app_install", I, Scope::Basic),
    ("cost_per_app_install", N, Scope::Basic),
    ("registration", I, Scope::Basic),
    ("cost_per_registration", N, Scope::Basic),
    ("registration_rate", N, Scope::Basic),
    ("total_registration", I, Scope::Basic),
    ("cost_per_total_registration", N, Scope::Basic),
    ("purchase", I, Scope::NoCountry),
    ("cost_per_purchase", N, Scope::NoCountry),
    ("purchase_rate", N, Scope::NoCountry),
    ("total_purchase", I, Scope::Basic),
    ("cost_per_total_purchase", N, Scope::Basic),
    ("value_per_total_purchase", N, Scope::Basic),
    ("total_purchase_value", N, Scope::Basic),
    ("total_active_pay_roas", N, Scope::Basic),
    ("total_purchase_roas_day0", N, Scope::Basic),
    ("total_purchase_roas_day2", N, Scope::Basic),
    ("total_purchase_roas_day6", N, Scope::Basic),
    ("total_purchase_value_day0", N, Scope::Basic),
    ("total_purchase_value_day2", N, Scope::Basic),
    ("total_purchase_value_day6", N, Scope::Basic),
    ("checkout", I, Scope::Basic),
    ("cost_per_checkout", N, Scope::Basic),
    ("checkout_rate", N, Scope::Basic),
    ("total_checkout", I, Scope::Basic),
    ("cost_per_total_checkout", N, Scope::Basic),
    ("value_per_checkout", N, Scope::Basic),
    ("total_checkout_value", N, Scope::Basic),
    ("add_payment_info", I, Scope::Basic),
    ("cost_per_add_payment_info", N, Scope::Basic),
    ("add_payment_info_rate", N, Scope::Basic),
    ("total_add_payment_info", I, Scope::Basic),
    ("unique_custom_app_events", I, Scope::Basic),
    ("cost_per_unique_custom_app_event", N, Scope::Basic),
    ("custom_app_event_rate", N, Scope::Basic),
    ("custom_app_events", I, Scope::Basic),
    ("cost_per_custom_app_event", N, Scope::Basic),
    ("value_per_custom_app_event", N, Scope::Basic),
    ("custom_app_events_value", N, Scope::Basic),
    // Website events whose names follow no family pattern.
    ("complete_payment_roas", N, Scope::Basic),
    ("complete_payment", I, Scope::Basic),
    ("cost_per_complete_payment", N, Scope::Basic),
    ("complete_payment_rate", N, Scope::Basic),
    ("value_per_complete_payment", N, Scope::Basic),
    // Despite its name, TikTok's total value of website payments.
    ("total_complete_payment_rate", N, Scope::Basic),
    ("total_landing_page_view", I, Scope::Basic),
    ("cost_per_landing_page_view", N, Scope::Basic),
    ("landing_page_view_rate", N, Scope::Basic),
    ("total_pageview", I, Scope::Basic),
    ("cost_per_pageview", N, Scope::Basic),
    ("pageview_rate", N, Scope::Basic),
    ("avg_value_per_pageview", N, Scope::Basic),
    ("total_value_per_pageview", N, Scope::Basic),
    ("page_content_view_events", I, Scope::Basic),
    ("cost_per_page_content_view_event", N, Scope::Basic),
    ("page_content_view_event_rate", N, Scope::Basic),
    ("value_per_page_content_view_event", N, Scope::Basic),
    ("total_page_view_content_events_value", N, Scope::Basic),
    ("custom_page_events", I, Scope::Basic),
    ("cost_per_custom_page_event", N, Scope::Basic),
    ("custom_page_event_rate", N, Scope::Basic),
    ("value_per_custom_page_event", N, Scope::Basic),
    ("custom_page_events_value", N, Scope::Basic),
    // TikTok Shop and on-TikTok events.
    ("onsite_shopping_roas", N, Scope::Basic),
    ("onsite_download_start", I, Scope::Basic),
    ("cost_per_onsite_download_start", N, Scope::Basic),
    ("onsite_download_start_rate", N, Scope::Basic),
    ("shop_total_purchase_by_order_submission", I, Scope::Basic),
    ("shop_gross_revenue_by_order_submission", N, Scope::Basic),
    ("shop_total_items_purchased", I, Scope::Basic),
    // Attribution splits that also carry a value.
    ("vta_complete_payment", I, Scope::Basic),
    ("cost_per_vta_payments_completed", N, Scope::Basic),
    ("vta_complete_payment_value", N, Scope::Basic),
    ("vta_complete_payment_roas", N, Scope::Basic),
    // Attribute metrics: names and settings returned inside `metrics`. TikTok accepts each at the
    // levels that have it; the level's own ID is a dimension instead.
    ("advertiser_name", T, attr(Advertiser, Ad)),
    ("currency", T, attr(Advertiser, Ad)),
    ("campaign_name", T, attr(Campaign, Ad)),
    ("objective_type", T, attr(Campaign, Ad)),
    ("split_test", T, attr(Campaign, Ad)),
    ("campaign_budget", N, attr(Campaign, Ad)),
    ("campaign_dedicate_type", T, attr(Campaign, Ad)),
    ("app_promotion_type", T, attr(Campaign, Ad)),
    ("campaign_id", T, attr(AdGroup, Ad)),
    ("adgroup_name", T, attr(AdGroup, Ad)),
    ("placement_type", T, attr(AdGroup, Ad)),
    ("promotion_type", T, attr(AdGroup, Ad)),
    ("opt_status", T, attr(AdGroup, Ad)),
    ("adgroup_download_url", T, attr(AdGroup, Ad)),
    ("profile_image", T, attr(AdGroup, Ad)),
    ("dpa_target_audience_type", T, attr(AdGroup, Ad)),
    ("budget", N, attr(AdGroup, Ad)),
    ("smart_target", T, attr(AdGroup, Ad)),
    ("billing_event", T, attr(AdGroup, Ad)),
    ("bid_strategy", T, attr(AdGroup, Ad)),
    ("bid", N, attr(AdGroup, Ad)),
    ("bid_secondary_goal", N, attr(AdGroup, Ad)),
    ("aeo_type", T, attr(AdGroup, Ad)),
    ("tt_app_id", T, attr(AdGroup, Ad)),
    ("tt_app_name", T, attr(AdGroup, Ad)),
    ("mobile_app_id", T, attr(AdGroup, Ad)),
    ("is_aco", T, attr(AdGroup, AdGroup)),
    ("adgroup_id", T, attr(Ad, Ad)),
    ("ad_name", T, attr(Ad, Ad)),
    ("ad_text", T, attr(Ad, Ad)),
    ("call_to_action", T, attr(Ad, Ad)),
    ("ad_profile_image", T, attr(Ad, Ad)),
    ("ad_url", T, attr(Ad, Ad)),
    ("is_smart_creative", T, attr(Ad, Ad)),
];

/// App events named `x, cost_per_x, x_rate, total_x, cost_per_total_x, value_per_total_x,
/// total_x_value`.
const APP_EVENTS_WITH_VALUE: &[&str] = &[
    "view_content",
    "day7_retention",
    "add_to_wishlist",
    "complete_tutorial",
    "create_group",
    "join_group",
    "create_gamerole",
    "spend_credits",
    "achieve_level",
    "unlock_achievement",
    "sales_lead",
    "in_app_ad_click",
    "in_app_ad_impr",
    "ratings",
    "subscribe",
    "app_event_add_to_cart",
];
/// App events named `x, cost_per_x, x_rate, total_x, cost_per_total_x`.
const APP_EVENTS: &[&str] = &[
    "next_day_open",
    "launch_app",
    "loan_apply",
    "loan_credit",
    "loan_disbursement",
    "login",
    "search",
    "start_trial",
];
/// Website and shop events named `x, cost_per_x, x_rate, value_per_x, total_x_value`.
const PAGE_EVENTS: &[&str] = &[
    "button_click",
    "online_consult",
    "user_registration",
    "product_details_page_browse",
    "web_event_add_to_cart",
    "on_web_order",
    "initiate_checkout",
    "add_billing",
    "page_event_search",
    "form",
    "download_start",
    "on_web_add_to_wishlist",
    "on_web_subscribe",
    "onsite_shopping",
    "onsite_initiate_checkout_count",
    "onsite_on_web_detail",
    "onsite_on_web_cart",
    "onsite_add_to_wishlist",
    "onsite_add_billing",
    "onsite_form",
];
/// View-, click- and engaged-view-attributed splits named `x, cost_per_x`.
const ATTRIBUTION_SPLITS: &[&str] = &[
    "vta_conversion",
    "cta_conversion",
    "vta_app_install",
    "cta_app_install",
    "evta_app_install",
    "vta_registration",
    "cta_registration",
    "evta_registration",
    "vta_purchase",
    "cta_purchase",
    "evta_purchase",
    "evta_payments_completed",
];

/// A family of event metrics: events whose metrics are named by one pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// In-app events with a value: `x, cost_per_x, x_rate, total_x, cost_per_total_x,
    /// value_per_total_x, total_x_value`.
    AppValued,
    /// In-app events: `x, cost_per_x, x_rate, total_x, cost_per_total_x`.
    App,
    /// Website and shop events: `x, cost_per_x, x_rate, value_per_x, total_x_value`.
    Page,
    /// Attribution splits: `x, cost_per_x`.
    Split,
}

impl Family {
    pub const ALL: [Family; 4] = [Family::AppValued, Family::App, Family::Page, Family::Split];

    pub fn events(self) -> &'static [&'static str] {
        match self {
            Family::AppValued => APP_EVENTS_WITH_VALUE,
            Family::App => APP_EVENTS,
            Family::Page => PAGE_EVENTS,
            Family::Split => ATTRIBUTION_SPLITS,
        }
    }

    /// The metrics of one event of the family, with their kinds.
    pub fn metrics(self, x: &str) -> Vec<(String, MetricKind)> {
        let mut out = vec![(x.to_string(), I), (format!("cost_per_{x}"), N)];
        match self {
            Family::AppValued | Family::App => {
                out.push((format!("{x}_rate"), N));
                out.push((format!("total_{x}"), I));
                out.push((format!("cost_per_total_{x}"), N));
                if self == Family::AppValued {
                    out.push((format!("value_per_total_{x}"), N));
                    out.push((format!("total_{x}_value"), N));
                }
            }
            Family::Page => {
                out.push((format!("{x}_rate"), N));
                out.push((format!("value_per_{x}"), N));
                out.push((format!("total_{x}_value"), N));
            }
            Family::Split => {}
        }
        out
    }
}

fn catalog() -> &'static HashMap<String, Metric> {
    static CATALOG: OnceLock<HashMap<String, Metric>> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut map = HashMap::new();
        let mut add = |name: String, kind: MetricKind, scope: Scope| {
            // The families above and LISTED never overlap; the catalog test keeps it that way.
            map.entry(name).or_insert(Metric { kind, scope });
        };
        for &(name, kind, scope) in LISTED {
            add(name.to_string(), kind, scope);
        }
        for family in Family::ALL {
            for event in family.events() {
                for (name, kind) in family.metrics(event) {
                    add(name, kind, Scope::Basic);
                }
            }
        }
        map
    })
}

fn lookup(name: &str) -> Option<Metric> {
    catalog().get(name).copied()
}

/// How a metric's value is typed in records; `None` for a name TikTok does not have.
pub fn metric_kind(name: &str) -> Option<MetricKind> {
    lookup(name).map(|m| m.kind)
}

/// Whether AUDIENCE reports accept the metric: the delivery core, conversions and results,
/// and attribute metrics.
pub fn audience_valid(name: &str) -> bool {
    matches!(
        lookup(name).map(|m| m.scope),
        Some(Scope::Core | Scope::Conversion | Scope::Attribute { .. })
    )
}

/// For an attribute metric (a name or setting of an entity), the highest level that has it:
/// `campaign_name` → Campaign, `adgroup_id` → Ad. `None` for other metrics.
pub fn min_level(name: &str) -> Option<Level> {
    match lookup(name)?.scope {
        Scope::Attribute { min, .. } => Some(min),
        _ => None,
    }
}

/// Every metric name we know, sorted: for documentation and tests.
pub fn all_metrics() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = catalog().keys().map(String::as_str).collect();
    names.sort_unstable();
    names
}

/// 0 for the advertiser, 3 for the ad: "at or below" compares these.
fn depth(level: Level) -> u8 {
    match level {
        Advertiser => 0,
        Campaign => 1,
        AdGroup => 2,
        Ad => 3,
    }
}

/// Checks a report against TikTok's rules before any request, returning every problem as a
/// sentence a user can act on. Breakdowns exclude the level ID and the time column, which
/// `data_level` and granularity imply.
pub fn validate_report(
    report_type: ReportType,
    level: Level,
    granularity: Granularity,
    breakdowns: &[String],
    metrics: &[String],
) -> Result<(), Vec<String>> {
    let mut problems = check_breakdowns(report_type, granularity, breakdowns);
    let mut known: Vec<&'static Dimension> = Vec::new();
    for d in breakdowns.iter().filter_map(|b| dimensions::find(b)) {
        if !known.iter().any(|k| k.name == d.name) {
            known.push(d);
        }
    }
    problems.extend(dimensions::check(report_type, level, granularity, &known));
    let has_country = breakdowns.iter().any(|b| b == "country_code");
    let has_breakdown = !breakdowns.is_empty();
    if metrics.is_empty() {
        problems.push("a report needs at least one metric, e.g. spend and impressions".to_string());
    }
    let mut seen = HashSet::new();
    for name in metrics {
        if !seen.insert(name.as_str()) {
            problems.push(format!("metric '{name}' is listed twice"));
            continue;
        }
        let Some(metric) = lookup(name) else {
            problems.push(unknown_metric(name, level));
            continue;
        };
        let attribute = matches!(metric.scope, Scope::Attribute { .. });
        if report_type == ReportType::Audience
            && !dimensions::audience_takes(&known, name, audience_valid(name), attribute)
        {
            problems.push(audience_metric_problem(name, &known));
            continue;
        }
        match metric.scope {
            Scope::Attribute { min, max }
                if depth(level) < depth(min) || depth(level) > depth(max) =>
            {
                let at = if min == max {
                    format!("only at data_level {}", min.data_level())
                } else {
                    format!(
                        "from data_level {} down to {}",
                        min.data_level(),
                        max.data_level()
                    )
                };
                problems.push(format!(
                    "metric '{name}' is not available at data_level {}: TikTok has it {at}",
                    level.data_level()
                ));
            }
            Scope::SpendSplit
                if level != Advertiser || granularity != Granularity::Day || has_breakdown =>
            {
                problems.push(format!(
                    "metric '{name}' is only available in BASIC reports at data_level AUCTION_ADVERTISER with \
                     granularity day and no breakdown dimension"
                ));
            }
            Scope::UniqueUsers if granularity == Granularity::Hour && has_country => {
                problems.push(format!(
                    "metric '{name}' is not available in hourly reports broken down by country_code"
                ));
            }
            Scope::NoCountry if has_country => {
                problems.push(format!(
                    "metric '{name}' is not available with dimension country_code"
                ));
            }
            Scope::IdOrDayOnly if granularity == Granularity::Hour || has_breakdown => {
                problems.push(format!(
                    "metric '{name}' is only available with granularity day or lifetime and no breakdown dimension"
                ));
            }
            _ => {}
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn check_breakdowns(
    report_type: ReportType,
    granularity: Granularity,
    breakdowns: &[String],
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    for b in breakdowns {
        if !seen.insert(b.as_str()) {
            problems.push(format!("dimension '{b}' is listed twice"));
        } else if IMPLIED_DIMENSIONS.contains(&b.as_str()) {
            problems.push(format!(
                "dimension '{b}' comes from data_level and granularity; list only breakdown dimensions"
            ));
        } else {
            match dimensions::find(b) {
                None => problems.push(format!(
                    "dimension '{b}' is not supported: BASIC reports accept {}; AUDIENCE reports accept {}",
                    dimensions::names(ReportType::Basic),
                    dimensions::names(ReportType::Audience)
                )),
                Some(d) if report_type == ReportType::Basic && !d.basic => {
                    problems.push(format!("dimension '{b}' needs report_type AUDIENCE"))
                }
                Some(_) => {}
            }
        }
    }
    if report_type == ReportType::Audience
        && !breakdowns.iter().any(|b| dimensions::find(b).is_some())
    {
        problems.push(format!(
            "AUDIENCE reports need at least one audience dimension: {}",
            dimensions::names(ReportType::Audience)
        ));
    }
    // TikTok's query_lifetime refuses breakdowns; AUDIENCE "lifetime" is read as the last 365
    // days without a time dimension instead, where breakdowns are fine.
    if report_type == ReportType::Basic
        && granularity == Granularity::Lifetime
        && !breakdowns.is_empty()
    {
        problems.push(
            "lifetime granularity is only available for BASIC reports without country_code, and for AUDIENCE \
             reports (which then cover the last 365 days)"
                .to_string(),
        );
    }
    problems
}

/// Why an AUDIENCE report does not take a metric, naming what it does take.
fn audience_metric_problem(name: &str, breakdowns: &[&'static Dimension]) -> String {
    let only = breakdowns.iter().find_map(|d| match d.metrics {
        dimensions::MetricRule::Only(list) => Some((d.name, list)),
        _ => None,
    });
    match only {
        Some((dimension, lists)) => format!(
            "metric '{name}' is not available in AUDIENCE reports by {dimension}, which offer {} and names and settings",
            lists.concat().join(", ")
        ),
        None => format!(
            "metric '{name}' is not available in AUDIENCE reports (they offer spend, cpc, cpm, impressions, \
             clicks, ctr, conversion and result metrics, and names and settings{})",
            if breakdowns.iter().any(|d| d.name == "country_code") {
                "; by country_code also video, engagement and landing-page metrics"
            } else {
                ""
            }
        ),
    }
}

fn unknown_metric(name: &str, level: Level) -> String {
    if name == level.id_dimension() {
        return format!(
            "metric '{name}' is the ID dimension of data_level {}: every record has it already",
            level.data_level()
        );
    }
    if IMPLIED_DIMENSIONS.contains(&name) || dimensions::find(name).is_some() {
        return format!("'{name}' is a dimension, not a metric");
    }
    match closest_metric(name) {
        Some(guess) => format!("metric '{name}' is not a TikTok metric; did you mean '{guess}'?"),
        None => format!("metric '{name}' is not a TikTok metric"),
    }
}

/// The known metric nearest to a misspelt one, if it is within two edits.
fn closest_metric(name: &str) -> Option<&'static str> {
    let wanted = name.trim().to_ascii_lowercase();
    all_metrics()
        .into_iter()
        .map(|m| (edit_distance(&wanted, m), m))
        .filter(|&(d, _)| d <= 2)
        .min()
        .map(|(_, m)| m)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn problems(
        report_type: ReportType,
        level: Level,
        granularity: Granularity,
        breakdowns: &[&str],
        metrics: &[&str],
    ) -> Vec<String> {
        validate_report(
            report_type,
            level,
            granularity,
            &strings(breakdowns),
            &strings(metrics),
        )
        .err()
        .unwrap_or_default()
    }

    #[test]
    fn catalog_covers_what_connectors_request() {
        // peer-connectors §4.6.2 (27 common + Airbyte's 52 ad metrics), §4.10 and the brief.
        let required = [
            "spend",
            "cpc",
            "cpm",
            "impressions",
            "clicks",
            "ctr",
            "reach",
            "cost_per_1000_reached",
            "frequency",
            "video_play_actions",
            "video_watched_2s",
            "video_watched_6s",
            "average_video_play",
            "average_video_play_per_user",
            "video_views_p25",
            "video_views_p50",
            "video_views_p75",
            "video_views_p100",
            "profile_visits",
            "likes",
            "comments",
            "shares",
            "follows",
            "clicks_on_music_disc",
            "real_time_app_install",
            "real_time_app_install_cost",
            "app_install",
            "campaign_name",
            "campaign_id",
            "adgroup_name",
            "placement_type",
            "tt_app_id",
            "tt_app_name",
            "mobile_app_id",
            "promotion_type",
            "dpa_target_audience_type",
            "conversion",
            "cost_per_conversion",
            "conversion_rate",
            "real_time_conversion",
            "real_time_cost_per_conversion",
            "real_time_conversion_rate",
            "result",
            "cost_per_result",
            "result_rate",
            "real_time_result",
            "real_time_cost_per_result",
            "real_time_result_rate",
            "secondary_goal_result",
            "cost_per_secondary_goal_result",
            "secondary_goal_result_rate",
            "adgroup_id",
            "ad_name",
            "ad_text",
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
            "purchase",
            "purchase_rate",
            "registration",
            "registration_rate",
            "sales_lead",
            "sales_lead_rate",
            "cost_per_app_install",
            "cost_per_purchase",
            "cost_per_registration",
            "cost_per_sales_lead",
            "cost_per_total_sales_lead",
            "cost_per_total_app_event_add_to_cart",
            "total_app_event_add_to_cart",
            "cash_spend",
            "voucher_spend",
            "engaged_view",
            "engagements",
            "paid_engaged_view",
            "engaged_view_through_conversions",
            "paid_engagement_engaged_view",
            "engaged_view_15s",
            "paid_engaged_view_15s",
            "paid_engagement_engaged_view_15s",
            "budget",
            "bid",
            "call_to_action",
            "opt_status",
            // Requested by users (peer-connectors §9.2 items 2-5).
            "duet_clicks",
            "stitch_clicks",
            "sound_usage_clicks",
            "anchor_clicks",
            "total_registration",
            "user_registration",
            "total_purchase",
            "web_event_add_to_cart",
            "initiate_checkout",
            "skan_conversion",
        ];
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|m| metric_kind(m).is_none())
            .collect();
        assert!(missing.is_empty(), "not in the catalog: {missing:?}");
        assert_eq!(metric_kind("not_a_metric"), None);
        assert_eq!(
            metric_kind("Spend"),
            None,
            "names are case-sensitive, as TikTok's are"
        );
    }

    #[test]
    fn listed_metrics_and_families_do_not_collide() {
        // A family-generated name equal to a listed one would silently keep the listed kind.
        let mut names: Vec<String> = LISTED.iter().map(|(n, _, _)| n.to_string()).collect();
        for x in APP_EVENTS_WITH_VALUE.iter().chain(APP_EVENTS) {
            names.extend([x.to_string(), format!("cost_per_{x}"), format!("{x}_rate")]);
            names.extend([format!("total_{x}"), format!("cost_per_total_{x}")]);
        }
        for x in APP_EVENTS_WITH_VALUE {
            names.extend([format!("value_per_total_{x}"), format!("total_{x}_value")]);
        }
        for x in PAGE_EVENTS {
            names.extend([x.to_string(), format!("cost_per_{x}"), format!("{x}_rate")]);
            names.extend([format!("value_per_{x}"), format!("total_{x}_value")]);
        }
        for x in ATTRIBUTION_SPLITS {
            names.extend([x.to_string(), format!("cost_per_{x}")]);
        }
        let unique: HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "a metric is defined twice");
        assert_eq!(all_metrics().len(), names.len());
    }

    #[test]
    fn kinds_follow_the_meaning_of_the_name() {
        for name in all_metrics() {
            let kind = metric_kind(name).unwrap();
            let money_or_ratio = name.starts_with("cost_per_")
                || name.starts_with("value_per_")
                || name.starts_with("avg_")
                || name.starts_with("average_")
                || name.ends_with("_rate")
                || name.ends_with("_value")
                || name.contains("roas")
                || name.contains("_rate_")
                || name.contains("_value_");
            if money_or_ratio && min_level(name).is_none() {
                assert_eq!(kind, MetricKind::Number, "{name} is money or a ratio");
            }
            if min_level(name).is_some()
                && !["budget", "bid", "campaign_budget", "bid_secondary_goal"].contains(&name)
            {
                assert_eq!(kind, MetricKind::Text, "{name} is a name or setting");
            }
        }
        for count in [
            "impressions",
            "clicks",
            "conversion",
            "result",
            "likes",
            "video_watched_2s",
            "app_install",
            "purchase",
            "registration",
            "reach",
            "engaged_view",
            "total_pageview",
            "complete_payment",
        ] {
            assert_eq!(metric_kind(count), Some(MetricKind::Integer), "{count}");
        }
        for number in [
            "spend",
            "cash_spend",
            "ctr",
            "cpc",
            "cpm",
            "frequency",
            "average_video_play",
            "total_complete_payment_rate",
            "budget",
            "bid",
            "real_time_app_install_cost",
        ] {
            assert_eq!(metric_kind(number), Some(MetricKind::Number), "{number}");
        }
        for text in [
            "campaign_id",
            "adgroup_id",
            "tt_app_id",
            "mobile_app_id",
            "placement_type",
            "promotion_type",
            "opt_status",
            "ad_text",
            "call_to_action",
        ] {
            assert_eq!(metric_kind(text), Some(MetricKind::Text), "{text}");
        }
    }

    #[test]
    fn audience_accepts_core_conversions_and_attributes_only() {
        for ok in [
            "spend",
            "cpc",
            "cpm",
            "impressions",
            "clicks",
            "ctr",
            "conversion",
            "real_time_result_rate",
            "campaign_name",
            "ad_text",
            "tt_app_id",
        ] {
            assert!(audience_valid(ok), "{ok}");
        }
        for no in [
            "reach",
            "frequency",
            "video_play_actions",
            "likes",
            "app_install",
            "cash_spend",
            "secondary_goal_result",
            "purchase",
            "engaged_view",
            "nonsense",
        ] {
            assert!(!audience_valid(no), "{no}");
        }
    }

    #[test]
    fn attribute_levels() {
        assert_eq!(min_level("ad_name"), Some(Level::Ad));
        assert_eq!(min_level("adgroup_id"), Some(Level::Ad));
        assert_eq!(min_level("adgroup_name"), Some(Level::AdGroup));
        assert_eq!(min_level("campaign_id"), Some(Level::AdGroup));
        assert_eq!(min_level("campaign_name"), Some(Level::Campaign));
        assert_eq!(min_level("spend"), None);
        assert_eq!(min_level("nonsense"), None);
    }

    #[test]
    fn valid_reports_pass() {
        let ok = [
            (
                ReportType::Basic,
                Level::Ad,
                Granularity::Day,
                vec![],
                vec!["spend", "ad_name", "adgroup_id"],
            ),
            (
                ReportType::Basic,
                Level::Advertiser,
                Granularity::Day,
                vec![],
                vec!["cash_spend", "voucher_spend"],
            ),
            (
                ReportType::Basic,
                Level::AdGroup,
                Granularity::Hour,
                vec!["country_code"],
                vec!["clicks", "campaign_id"],
            ),
            (
                ReportType::Basic,
                Level::Campaign,
                Granularity::Lifetime,
                vec![],
                vec!["reach", "campaign_name"],
            ),
            (
                ReportType::Audience,
                Level::Campaign,
                Granularity::Day,
                vec!["gender", "age"],
                vec!["spend", "conversion"],
            ),
            (
                ReportType::Audience,
                Level::Advertiser,
                Granularity::Lifetime,
                vec!["age"],
                vec!["impressions"],
            ),
            (
                ReportType::Basic,
                Level::Ad,
                Granularity::Day,
                vec![],
                vec!["paid_engaged_view"],
            ),
        ];
        for (t, l, g, b, m) in ok {
            assert_eq!(
                problems(t, l, g, &b, &m),
                Vec::<String>::new(),
                "{t:?} {l:?} {g:?} {b:?} {m:?}"
            );
        }
    }

    #[test]
    fn unknown_and_misplaced_metrics_are_named() {
        let p = problems(
            ReportType::Basic,
            Level::Ad,
            Granularity::Day,
            &[],
            &["spend", "x", "spedn"],
        );
        assert_eq!(
            p,
            [
                "metric 'x' is not a TikTok metric",
                "metric 'spedn' is not a TikTok metric; did you mean 'spend'?"
            ]
        );
        let p = problems(
            ReportType::Basic,
            Level::Ad,
            Granularity::Day,
            &[],
            &["age", "ad_id"],
        );
        assert_eq!(p, ["'age' is a dimension, not a metric", "metric 'ad_id' is the ID dimension of data_level AUCTION_AD: every record has it already"]);
        let p = problems(
            ReportType::Basic,
            Level::Ad,
            Granularity::Day,
            &[],
            &["spend", "spend"],
        );
        assert_eq!(p, ["metric 'spend' is listed twice"]);
        let p = problems(ReportType::Basic, Level::Ad, Granularity::Day, &[], &[]);
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("at least one metric"));
    }

    #[test]
    fn audience_rules() {
        let p = problems(
            ReportType::Audience,
            Level::Ad,
            Granularity::Day,
            &["age"],
            &["spend", "reach"],
        );
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("metric 'reach' is not available in AUDIENCE reports"),
            "{p:?}"
        );
        let p = problems(
            ReportType::Audience,
            Level::Ad,
            Granularity::Day,
            &[],
            &["spend"],
        );
        assert_eq!(p, ["AUDIENCE reports need at least one audience dimension: age, gender, country_code, platform, \
            province_id, language, placement, ac, interest_category, device_brand_id, dma_id, contextual_tag, ad_type"]);
        let p = problems(
            ReportType::Basic,
            Level::Ad,
            Granularity::Day,
            &["age", "platform"],
            &["spend"],
        );
        assert_eq!(
            p,
            [
                "dimension 'age' needs report_type AUDIENCE",
                "dimension 'platform' needs report_type AUDIENCE"
            ]
        );
        let p = problems(
            ReportType::Audience,
            Level::Ad,
            Granularity::Day,
            &["gender", "gender", "colour"],
            &["spend"],
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0], "dimension 'gender' is listed twice");
        assert!(
            p[1].starts_with("dimension 'colour' is not supported"),
            "{p:?}"
        );
        // The dimensions of reference §7, with TikTok's combination rules.
        let p = problems(
            ReportType::Audience,
            Level::Ad,
            Granularity::Day,
            &["language", "placement"],
            &["spend"],
        );
        assert_eq!(
            p,
            ["AUDIENCE reports take one audience dimension, or age and gender together; got language, placement"]
        );
        for d in ["interest_category", "device_brand_id"] {
            let p = problems(
                ReportType::Audience,
                Level::Ad,
                Granularity::Day,
                &[d],
                &["spend"],
            );
            assert_eq!(p.len(), 1, "{p:?}");
            assert!(p[0].contains("no time series"), "{p:?}");
            assert!(problems(
                ReportType::Audience,
                Level::Ad,
                Granularity::Lifetime,
                &[d],
                &["spend"]
            )
            .is_empty());
        }
        let p = problems(
            ReportType::Audience,
            Level::AdGroup,
            Granularity::Hour,
            &["country_code"],
            &["spend"],
        );
        assert!(p[0].contains("not available hourly in AUDIENCE"), "{p:?}");
        let p = problems(
            ReportType::Audience,
            Level::Advertiser,
            Granularity::Day,
            &["ad_type"],
            &["spend"],
        );
        assert_eq!(
            p,
            ["dimension 'ad_type' is not available at data_level AUCTION_ADVERTISER"]
        );
        // Metrics follow the dimension: ad_type has its own list; country_code adds to the set.
        let p = problems(
            ReportType::Audience,
            Level::Ad,
            Granularity::Day,
            &["ad_type"],
            &["spend", "engaged_view", "ad_name", "result"],
        );
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("metric 'result' is not available in AUDIENCE reports by ad_type"),
            "{p:?}"
        );
        assert!(problems(
            ReportType::Audience,
            Level::Ad,
            Granularity::Day,
            &["country_code"],
            &["spend", "video_play_actions", "landing_page_view_rate"],
        )
        .is_empty());
        let p = problems(
            ReportType::Audience,
            Level::Ad,
            Granularity::Day,
            &["language"],
            &["video_play_actions"],
        );
        assert_eq!(p.len(), 1, "{p:?}");
        let p = problems(
            ReportType::Basic,
            Level::Ad,
            Granularity::Day,
            &["stat_time_day"],
            &["spend"],
        );
        assert_eq!(p.len(), 1);
        assert!(
            p[0].contains("comes from data_level and granularity"),
            "{p:?}"
        );
    }

    #[test]
    fn attribute_metrics_only_at_or_below_their_level() {
        let p = problems(
            ReportType::Basic,
            Level::Campaign,
            Granularity::Day,
            &[],
            &["campaign_name", "ad_name", "adgroup_name"],
        );
        assert_eq!(p, [
            "metric 'ad_name' is not available at data_level AUCTION_CAMPAIGN: TikTok has it only at data_level AUCTION_AD",
            "metric 'adgroup_name' is not available at data_level AUCTION_CAMPAIGN: TikTok has it from data_level AUCTION_ADGROUP down to AUCTION_AD",
        ]);
        let p = problems(
            ReportType::Basic,
            Level::Advertiser,
            Granularity::Day,
            &[],
            &["campaign_name"],
        );
        assert_eq!(p.len(), 1);
        let p = problems(
            ReportType::Basic,
            Level::Campaign,
            Granularity::Day,
            &[],
            &["campaign_id"],
        );
        assert_eq!(p.len(), 1, "a level's own ID is a dimension: {p:?}");
        let p = problems(
            ReportType::Audience,
            Level::AdGroup,
            Granularity::Day,
            &["age"],
            &["adgroup_id"],
        );
        assert_eq!(p.len(), 1, "{p:?}");
        // Below the level is fine, and is_aco exists only for ad groups.
        assert!(problems(
            ReportType::Basic,
            Level::Ad,
            Granularity::Day,
            &[],
            &["campaign_name", "adgroup_name"]
        )
        .is_empty());
        assert!(problems(
            ReportType::Basic,
            Level::AdGroup,
            Granularity::Day,
            &[],
            &["is_aco"]
        )
        .is_empty());
        assert_eq!(
            problems(
                ReportType::Basic,
                Level::Ad,
                Granularity::Day,
                &[],
                &["is_aco"]
            )
            .len(),
            1
        );
    }

    #[test]
    fn granularity_and_breakdown_rules() {
        // Airbyte #11375: cash and voucher spend are rejected outside advertiser-level daily reports.
        for (level, g) in [
            (Level::Advertiser, Granularity::Lifetime),
            (Level::Advertiser, Granularity::Hour),
            (Level::Ad, Granularity::Day),
        ] {
            let p = problems(ReportType::Basic, level, g, &[], &["cash_spend"]);
            assert_eq!(p.len(), 1, "{level:?} {g:?}");
            assert!(p[0].starts_with("metric 'cash_spend' is only available in BASIC reports at data_level AUCTION_ADVERTISER"));
        }
        let p = problems(
            ReportType::Basic,
            Level::Ad,
            Granularity::Hour,
            &["country_code"],
            &["reach", "frequency", "spend"],
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(problems(
            ReportType::Basic,
            Level::Ad,
            Granularity::Day,
            &["country_code"],
            &["reach"]
        )
        .is_empty());
        let p = problems(
            ReportType::Basic,
            Level::Ad,
            Granularity::Day,
            &["country_code"],
            &["purchase", "cost_per_purchase"],
        );
        assert_eq!(p.len(), 2, "{p:?}");
        let p = problems(
            ReportType::Basic,
            Level::Ad,
            Granularity::Hour,
            &[],
            &["paid_engaged_view", "engaged_view"],
        );
        assert_eq!(p.len(), 1, "{p:?}");
        let p = problems(
            ReportType::Basic,
            Level::Ad,
            Granularity::Lifetime,
            &["country_code"],
            &["spend"],
        );
        assert_eq!(p, ["lifetime granularity is only available for BASIC reports without country_code, and for AUDIENCE reports (which then cover the last 365 days)"]);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let p = problems(
            ReportType::Audience,
            Level::Campaign,
            Granularity::Day,
            &["color"],
            &["ad_name", "likes", "nope"],
        );
        assert_eq!(p.len(), 5, "{p:?}");
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("spend", "spend"), 0);
        assert_eq!(edit_distance("spedn", "spend"), 2);
        assert_eq!(edit_distance("clicks", "click"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(closest_metric("zzzzzzzz"), None);
    }
}
