//! Declarations: what a stream is, as data. Adding a stream adds a declaration, not control flow.

/// The level of a report (TikTok `data_level`) or of an entity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    Advertiser,
    Campaign,
    AdGroup,
    Ad,
}

impl Level {
    pub fn data_level(self) -> &'static str {
        match self {
            Level::Advertiser => "AUCTION_ADVERTISER",
            Level::Campaign => "AUCTION_CAMPAIGN",
            Level::AdGroup => "AUCTION_ADGROUP",
            Level::Ad => "AUCTION_AD",
        }
    }
    /// The ID dimension of a report at this level.
    pub fn id_dimension(self) -> &'static str {
        match self {
            Level::Advertiser => "advertiser_id",
            Level::Campaign => "campaign_id",
            Level::AdGroup => "adgroup_id",
            Level::Ad => "ad_id",
        }
    }
    /// The report `filtering` field that lets deleted entities in (none at advertiser level).
    pub fn status_filter_field(self) -> Option<&'static str> {
        match self {
            Level::Advertiser => None,
            Level::Campaign => Some("campaign_status"),
            Level::AdGroup => Some("adgroup_status"),
            Level::Ad => Some("ad_status"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportType {
    Basic,
    Audience,
}

impl ReportType {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportType::Basic => "BASIC",
            ReportType::Audience => "AUDIENCE",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Granularity {
    Day,
    Hour,
    Lifetime,
}

/// How a metric's text is typed in records: TikTok sends every metric as a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    /// Counts: `"5830"` → 5830.
    Integer,
    /// Money, rates, averages: `"20.00"` → 20.00 (kept as decimal text, no float noise).
    Number,
    /// Names, IDs and settings returned inside `metrics`: kept as strings.
    Text,
}

/// A built-in report stream.
#[derive(Clone, Copy, Debug)]
pub struct ReportDecl {
    pub name: &'static str,
    pub report_type: ReportType,
    pub level: Level,
    pub granularity: Granularity,
    /// Breakdown dimensions besides the level ID and the time column, e.g. `["gender", "age"]`.
    pub breakdowns: &'static [&'static str],
    /// Exactly the metrics requested; the schema is built from these and nothing else.
    pub metrics: &'static [&'static str],
}
