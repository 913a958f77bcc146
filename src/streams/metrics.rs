//! STUB placeholder so the tree compiles; the catalog engineer replaces this file entirely.
use super::decl::*;
pub fn metric_kind(name: &str) -> Option<MetricKind> {
    match name {
        "impressions" | "clicks" => Some(MetricKind::Integer),
        "spend" => Some(MetricKind::Number),
        _ => Some(MetricKind::Text),
    }
}
pub fn validate_report(
    _report_type: ReportType,
    _level: Level,
    _granularity: Granularity,
    _breakdowns: &[String],
    _metrics: &[String],
) -> Result<(), Vec<String>> {
    Ok(())
}
