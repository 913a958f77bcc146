//! The metric catalog: every metric name the emulator accepts, what its value is computed from,
//! and in which reports it is allowed.

use super::quantity::Q;

/// Report data level, ordered from the broadest to the finest, so "at or below campaign level"
/// is `level >= Level::Campaign`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Advertiser,
    Campaign,
    AdGroup,
    Ad,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "AUCTION_ADVERTISER" => Some(Level::Advertiser),
            "AUCTION_CAMPAIGN" => Some(Level::Campaign),
            "AUCTION_ADGROUP" => Some(Level::AdGroup),
            "AUCTION_AD" => Some(Level::Ad),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Level::Advertiser => "AUCTION_ADVERTISER",
            Level::Campaign => "AUCTION_CAMPAIGN",
            Level::AdGroup => "AUCTION_ADGROUP",
            Level::Ad => "AUCTION_AD",
        }
    }

    /// The `*_status` filter field that applies at this level (none at advertiser level).
    pub fn status_field(self) -> Option<&'static str> {
        match self {
            Level::Advertiser => None,
            Level::Campaign => Some("campaign_status"),
            Level::AdGroup => Some("adgroup_status"),
            Level::Ad => Some("ad_status"),
        }
    }
}

/// A setting or name of an entity, sent inside `metrics`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attr {
    CampaignName,
    CampaignId,
    ObjectiveType,
    CampaignBudget,
    SplitTest,
    CampaignDedicateType,
    RfCampaignType,
    AppPromotionType,
    AdgroupName,
    AdgroupId,
    PlacementType,
    TtAppId,
    TtAppName,
    MobileAppId,
    PromotionType,
    DpaTargetAudienceType,
    Budget,
    Bid,
    BidStrategy,
    BillingEvent,
    SmartTarget,
    /// Operation status of the row's own entity, hence valid from campaign level down.
    OptStatus,
    AdName,
    AdText,
    CallToAction,
    IsSmartCreative,
    ImageMode,
    AdvertiserName,
    Currency,
    AdgroupDownloadUrl,
    ProfileImage,
    BidSecondaryGoal,
    AeoType,
    /// Only at ad group level.
    IsAco,
    AdProfileImage,
    AdUrl,
    /// `MANUAL` / `UPGRADED_SMART_PLUS`, or `UPGRADED_SMART_PLUS_CREATIVE` on creative rows.
    CampaignAutomationType,
    /// The Smart+ ad of a creative, or the ad itself for a manual ad.
    AdIdV2,
}

impl Attr {
    /// The entity the attribute belongs to: it can only be reported at that level or a finer one,
    /// where every row has exactly one such entity.
    pub fn level(self) -> Level {
        use Attr::*;
        match self {
            CampaignName
            | CampaignId
            | ObjectiveType
            | CampaignBudget
            | SplitTest
            | CampaignDedicateType
            | RfCampaignType
            | AppPromotionType
            | OptStatus
            | CampaignAutomationType => Level::Campaign,
            AdgroupName
            | AdgroupId
            | PlacementType
            | TtAppId
            | TtAppName
            | MobileAppId
            | PromotionType
            | DpaTargetAudienceType
            | Budget
            | Bid
            | BidStrategy
            | BillingEvent
            | SmartTarget => Level::AdGroup,
            AdName | AdText | CallToAction | IsSmartCreative | ImageMode | AdIdV2 => Level::Ad,
            AdvertiserName | Currency => Level::Advertiser,
            AdgroupDownloadUrl | ProfileImage | BidSecondaryGoal | AeoType | IsAco => {
                Level::AdGroup
            }
            AdProfileImage | AdUrl => Level::Ad,
        }
    }

    /// The finest level that has the attribute: the ad, except settings that exist only on the
    /// entity itself.
    pub fn max_level(self) -> Level {
        match self {
            Attr::IsAco => Level::AdGroup,
            _ => Level::Ad,
        }
    }
}

/// Quantities are named by their slot in the quantity vector: `q as usize` for a core [`Q`],
/// beyond those the event slots (`events`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Additive count, sent as an integer string.
    Count(usize),
    /// Additive amount in cents, sent with 2 decimals.
    Money(usize),
    /// `num × mul / (den × div)` in hundredths, sent with 2 decimals, computed from the row's
    /// aggregated quantities (never averaged over hours); `"0.00"` when `den` is 0, as TikTok
    /// sends for a ctr without impressions. For money ratios `num` is in cents, so `mul`
    /// needs no factor 100.
    Ratio {
        num: usize,
        den: usize,
        mul: i64,
        div: i64,
    },
    Attr(Attr),
    /// Always `"-"`: TikTok has no value for these (secondary goals are not modelled).
    Unavailable,
}

/// Where a metric may be requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Support {
    /// BASIC and AUDIENCE reports.
    Everywhere,
    /// BASIC reports only.
    BasicOnly,
    /// BASIC, AUCTION_ADVERTISER, not lifetime (cash/voucher spend; Airbyte issue #11375).
    AdvertiserDaily,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metric {
    pub name: &'static str,
    pub kind: Kind,
    pub support: Support,
}

const fn m(name: &'static str, kind: Kind, support: Support) -> Metric {
    Metric {
        name,
        kind,
        support,
    }
}
const fn count(q: Q) -> Kind {
    Kind::Count(q as usize)
}
const fn money(q: Q) -> Kind {
    Kind::Money(q as usize)
}
const fn ratio(num: Q, den: Q, mul: i64, div: i64) -> Kind {
    Kind::Ratio {
        num: num as usize,
        den: den as usize,
        mul,
        div,
    }
}
/// Percentage of `den`.
const fn pct(num: Q, den: Q) -> Kind {
    ratio(num, den, 10_000, 1)
}
/// Money (cents) per unit of `den`.
const fn cost(num: Q, den: Q) -> Kind {
    ratio(num, den, 1, 1)
}
const fn attr(a: Attr) -> Kind {
    Kind::Attr(a)
}

use Support::{AdvertiserDaily as ADV, BasicOnly as BASIC, Everywhere as ALL};

/// Every accepted metric. Covers the lists Airbyte (4.7.0 and upstream) and Singer request.
/// AUDIENCE support follows what those clients send in audience reports: delivery, video,
/// engagement, conversion/result families and attributes; app installs, cash/voucher spend,
/// secondary goals, commerce events and engaged views are BASIC only.
pub static METRICS: &[Metric] = &[
    // Delivery.
    m("spend", money(Q::SpendCents), ALL),
    m("cash_spend", money(Q::CashSpendCents), ADV),
    m("voucher_spend", money(Q::VoucherSpendCents), ADV),
    m("impressions", count(Q::Impressions), ALL),
    m("gross_impressions", count(Q::GrossImpressions), ALL),
    m("clicks", count(Q::Clicks), ALL),
    m("ctr", pct(Q::Clicks, Q::Impressions), ALL),
    m("cpc", cost(Q::SpendCents, Q::Clicks), ALL),
    m("cpm", ratio(Q::SpendCents, Q::Impressions, 1000, 1), ALL),
    m("reach", count(Q::Reach), ALL),
    m(
        "cost_per_1000_reached",
        ratio(Q::SpendCents, Q::Reach, 1000, 1),
        ALL,
    ),
    m("frequency", ratio(Q::Impressions, Q::Reach, 100, 1), ALL),
    // Video: play time is in milliseconds, averages in seconds.
    m("video_play_actions", count(Q::VideoPlays), ALL),
    m("video_watched_2s", count(Q::Watched2s), ALL),
    m("video_watched_6s", count(Q::Watched6s), ALL),
    m("video_views_p25", count(Q::ViewsP25), ALL),
    m("video_views_p50", count(Q::ViewsP50), ALL),
    m("video_views_p75", count(Q::ViewsP75), ALL),
    m("video_views_p100", count(Q::ViewsP100), ALL),
    m(
        "average_video_play",
        ratio(Q::PlayTimeMs, Q::VideoPlays, 1, 10),
        ALL,
    ),
    m(
        "average_video_play_per_user",
        ratio(Q::PlayTimeMs, Q::Reach, 1, 10),
        ALL,
    ),
    // Engagement.
    m("profile_visits", count(Q::ProfileVisits), ALL),
    m(
        "profile_visits_rate",
        pct(Q::ProfileVisits, Q::Impressions),
        ALL,
    ),
    m("likes", count(Q::Likes), ALL),
    m("comments", count(Q::Comments), ALL),
    m("shares", count(Q::Shares), ALL),
    m("follows", count(Q::Follows), ALL),
    m("clicks_on_music_disc", count(Q::MusicClicks), ALL),
    m("engaged_view", count(Q::EngagedView), BASIC),
    m("engagements", count(Q::Engagements), BASIC),
    m("paid_engaged_view", count(Q::PaidEngagedView), BASIC),
    m(
        "engaged_view_through_conversions",
        count(Q::EngagedViewConversions),
        BASIC,
    ),
    m(
        "paid_engagement_engaged_view",
        count(Q::PaidEngagementEngagedView),
        BASIC,
    ),
    m("engaged_view_15s", count(Q::EngagedView15s), BASIC),
    m("paid_engaged_view_15s", count(Q::PaidEngagedView15s), BASIC),
    m(
        "paid_engagement_engaged_view_15s",
        count(Q::PaidEngagementEngagedView15s),
        BASIC,
    ),
    // App installs.
    m("app_install", count(Q::AppInstall), BASIC),
    m(
        "cost_per_app_install",
        cost(Q::SpendCents, Q::AppInstall),
        BASIC,
    ),
    m("real_time_app_install", count(Q::RealTimeAppInstall), BASIC),
    m(
        "real_time_app_install_cost",
        cost(Q::SpendCents, Q::RealTimeAppInstall),
        BASIC,
    ),
    // Conversions and results.
    m("conversion", count(Q::Conversion), ALL),
    m(
        "cost_per_conversion",
        cost(Q::SpendCents, Q::Conversion),
        ALL,
    ),
    m("conversion_rate", pct(Q::Conversion, Q::Clicks), ALL),
    m(
        "conversion_rate_v2",
        pct(Q::Conversion, Q::Impressions),
        ALL,
    ),
    m("real_time_conversion", count(Q::RealTimeConversion), ALL),
    m(
        "real_time_cost_per_conversion",
        cost(Q::SpendCents, Q::RealTimeConversion),
        ALL,
    ),
    m(
        "real_time_conversion_rate",
        pct(Q::RealTimeConversion, Q::Clicks),
        ALL,
    ),
    m(
        "real_time_conversion_rate_v2",
        pct(Q::RealTimeConversion, Q::Impressions),
        ALL,
    ),
    m("result", count(Q::Result), ALL),
    m("cost_per_result", cost(Q::SpendCents, Q::Result), ALL),
    m("result_rate", pct(Q::Result, Q::Impressions), ALL),
    m("real_time_result", count(Q::RealTimeResult), ALL),
    m(
        "real_time_cost_per_result",
        cost(Q::SpendCents, Q::RealTimeResult),
        ALL,
    ),
    m(
        "real_time_result_rate",
        pct(Q::RealTimeResult, Q::Impressions),
        ALL,
    ),
    m("secondary_goal_result", Kind::Unavailable, BASIC),
    m("cost_per_secondary_goal_result", Kind::Unavailable, BASIC),
    m("secondary_goal_result_rate", Kind::Unavailable, BASIC),
    // Commerce and lead events.
    m("total_purchase_value", money(Q::PurchaseValueCents), BASIC),
    m(
        "total_onsite_shopping_value",
        money(Q::OnsiteShoppingValueCents),
        BASIC,
    ),
    m("onsite_shopping", count(Q::OnsiteShopping), BASIC),
    m("vta_purchase", count(Q::VtaPurchase), BASIC),
    m("cta_purchase", count(Q::CtaPurchase), BASIC),
    m("vta_conversion", count(Q::VtaConversion), BASIC),
    m("cta_conversion", count(Q::CtaConversion), BASIC),
    m("total_pageview", count(Q::PageView), BASIC),
    m("complete_payment", count(Q::CompletePayment), BASIC),
    m(
        "value_per_complete_payment",
        cost(Q::CompletePaymentValueCents, Q::CompletePayment),
        BASIC,
    ),
    m(
        "total_complete_payment_rate",
        pct(Q::CompletePayment, Q::Clicks),
        BASIC,
    ),
    m("purchase", count(Q::Purchase), BASIC),
    m("purchase_rate", pct(Q::Purchase, Q::Clicks), BASIC),
    m("cost_per_purchase", cost(Q::SpendCents, Q::Purchase), BASIC),
    m("registration", count(Q::Registration), BASIC),
    m("registration_rate", pct(Q::Registration, Q::Clicks), BASIC),
    m(
        "cost_per_registration",
        cost(Q::SpendCents, Q::Registration),
        BASIC,
    ),
    m("sales_lead", count(Q::SalesLead), BASIC),
    m("sales_lead_rate", pct(Q::SalesLead, Q::Clicks), BASIC),
    m(
        "cost_per_sales_lead",
        cost(Q::SpendCents, Q::SalesLead),
        BASIC,
    ),
    // Attributes.
    m("campaign_name", attr(Attr::CampaignName), ALL),
    m("campaign_id", attr(Attr::CampaignId), ALL),
    m("objective_type", attr(Attr::ObjectiveType), ALL),
    m("campaign_budget", attr(Attr::CampaignBudget), ALL),
    m("split_test", attr(Attr::SplitTest), ALL),
    m(
        "campaign_dedicate_type",
        attr(Attr::CampaignDedicateType),
        ALL,
    ),
    m("rf_campaign_type", attr(Attr::RfCampaignType), ALL),
    m("app_promotion_type", attr(Attr::AppPromotionType), ALL),
    m("opt_status", attr(Attr::OptStatus), ALL),
    m("adgroup_name", attr(Attr::AdgroupName), ALL),
    m("adgroup_id", attr(Attr::AdgroupId), ALL),
    m("placement_type", attr(Attr::PlacementType), ALL),
    m("tt_app_id", attr(Attr::TtAppId), ALL),
    m("tt_app_name", attr(Attr::TtAppName), ALL),
    m("mobile_app_id", attr(Attr::MobileAppId), ALL),
    m("promotion_type", attr(Attr::PromotionType), ALL),
    m(
        "dpa_target_audience_type",
        attr(Attr::DpaTargetAudienceType),
        ALL,
    ),
    m("budget", attr(Attr::Budget), ALL),
    m("bid", attr(Attr::Bid), ALL),
    m("bid_strategy", attr(Attr::BidStrategy), ALL),
    m("billing_event", attr(Attr::BillingEvent), ALL),
    m("smart_target", attr(Attr::SmartTarget), ALL),
    m("ad_name", attr(Attr::AdName), ALL),
    m("ad_text", attr(Attr::AdText), ALL),
    m("call_to_action", attr(Attr::CallToAction), ALL),
    m("is_smart_creative", attr(Attr::IsSmartCreative), ALL),
    m("image_mode", attr(Attr::ImageMode), ALL),
    m("advertiser_name", attr(Attr::AdvertiserName), ALL),
    m("currency", attr(Attr::Currency), ALL),
    m("adgroup_download_url", attr(Attr::AdgroupDownloadUrl), ALL),
    m("profile_image", attr(Attr::ProfileImage), ALL),
    m("bid_secondary_goal", attr(Attr::BidSecondaryGoal), ALL),
    m("aeo_type", attr(Attr::AeoType), ALL),
    m("is_aco", attr(Attr::IsAco), ALL),
    m("ad_profile_image", attr(Attr::AdProfileImage), ALL),
    m("ad_url", attr(Attr::AdUrl), ALL),
    m(
        "campaign_automation_type",
        attr(Attr::CampaignAutomationType),
        ALL,
    ),
    m("ad_id_v2", attr(Attr::AdIdV2), ALL),
];

/// The catalog's own metrics, then the event metrics (`events`).
pub fn lookup(name: &str) -> Option<&'static Metric> {
    METRICS
        .iter()
        .chain(super::events::metrics())
        .find(|m| m.name == name)
}

/// Whether `metric` may be requested in a report of this shape.
pub fn allowed(metric: &Metric, audience: bool, level: Level, lifetime: bool) -> bool {
    let supported = match metric.support {
        Support::Everywhere => true,
        Support::BasicOnly => !audience,
        Support::AdvertiserDaily => !audience && level == Level::Advertiser && !lifetime,
    };
    let level_ok = match metric.kind {
        Kind::Attr(a) => level >= a.level() && level <= a.max_level(),
        _ => true,
    };
    supported && level_ok
}
