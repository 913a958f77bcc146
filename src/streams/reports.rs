//! STUB placeholder so the tree compiles; the catalog engineer replaces this file entirely.
use super::decl::*;
pub const REPORTS: &[ReportDecl] = &[ReportDecl {
    name: "ads_reports_daily",
    report_type: ReportType::Basic,
    level: Level::Ad,
    granularity: Granularity::Day,
    breakdowns: &[],
    metrics: &["spend", "impressions"],
}];
