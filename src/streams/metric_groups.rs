//! Conversion metric groups: website, TikTok Shop and in-app event metrics that the built-in
//! BASIC ad, ad group and campaign reports add when the `metric_groups` option asks for them.
//!
//! They are opt-in: with none chosen, record widths, the request weight TikTok counts against
//! 40067 and the benchmark's 87-metric rows stay as they are; each group adds dozens to
//! hundreds of columns that are zero for advertisers who do not track those events. Users of
//! other connectors read silent zeros for add-to-cart (Airbyte #85815); here a group is either
//! requested, typed and filled by TikTok, or absent from the schema.

use super::decl::{Level, ReportDecl, ReportType};
use super::metrics::Family;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricGroup {
    /// Website events measured by the pixel: add to cart, checkout, payment, page views, forms.
    Web,
    /// TikTok Shop and on-TikTok (`onsite_*`) events and shop orders.
    Shop,
    /// In-app events: app event families, purchases and their ROAS, SKAN.
    App,
}

impl MetricGroup {
    pub const ALL: [MetricGroup; 3] = [MetricGroup::Web, MetricGroup::Shop, MetricGroup::App];

    pub fn name(self) -> &'static str {
        match self {
            MetricGroup::Web => "web",
            MetricGroup::Shop => "shop",
            MetricGroup::App => "app",
        }
    }

    pub fn parse(text: &str) -> Option<MetricGroup> {
        let text = text.trim().to_ascii_lowercase();
        MetricGroup::ALL.into_iter().find(|g| g.name() == text)
    }

    /// The group's metrics, in a stable order.
    pub fn metrics(self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut family = |family: Family, keep: &dyn Fn(&str) -> bool| {
            for event in family.events().iter().filter(|e| keep(e)) {
                out.extend(family.metrics(event).into_iter().map(|(m, _)| m));
            }
        };
        match self {
            MetricGroup::Web => {
                family(Family::Page, &|e| !is_shop_event(e));
                family(Family::Split, &|e| e.ends_with("payments_completed"));
                out.extend(WEB.iter().map(|m| m.to_string()));
            }
            MetricGroup::Shop => {
                family(Family::Page, &is_shop_event);
                out.extend(SHOP.iter().map(|m| m.to_string()));
            }
            MetricGroup::App => {
                family(Family::AppValued, &|_| true);
                family(Family::App, &|_| true);
                family(Family::Split, &|e| !e.ends_with("payments_completed"));
                out.extend(APP.iter().map(|m| m.to_string()));
            }
        }
        out
    }
}

/// On-TikTok and shop events among the website-and-shop family.
fn is_shop_event(event: &str) -> bool {
    event.starts_with("onsite_")
}

/// Website metrics outside the event families.
const WEB: &[&str] = &[
    "complete_payment",
    "cost_per_complete_payment",
    "complete_payment_rate",
    "value_per_complete_payment",
    "complete_payment_roas",
    "total_complete_payment_rate",
    "vta_complete_payment",
    "cost_per_vta_payments_completed",
    "vta_complete_payment_value",
    "vta_complete_payment_roas",
    "total_landing_page_view",
    "cost_per_landing_page_view",
    "landing_page_view_rate",
    "total_pageview",
    "cost_per_pageview",
    "pageview_rate",
    "avg_value_per_pageview",
    "total_value_per_pageview",
    "page_content_view_events",
    "cost_per_page_content_view_event",
    "page_content_view_event_rate",
    "value_per_page_content_view_event",
    "total_page_view_content_events_value",
    "custom_page_events",
    "cost_per_custom_page_event",
    "custom_page_event_rate",
    "value_per_custom_page_event",
    "custom_page_events_value",
];

/// Shop metrics outside the event families.
const SHOP: &[&str] = &[
    "onsite_shopping_roas",
    "onsite_download_start",
    "cost_per_onsite_download_start",
    "onsite_download_start_rate",
    "shop_total_purchase_by_order_submission",
    "shop_gross_revenue_by_order_submission",
    "shop_total_items_purchased",
];

/// In-app metrics outside the event families.
const APP: &[&str] = &[
    "total_registration",
    "cost_per_total_registration",
    "total_purchase",
    "cost_per_total_purchase",
    "value_per_total_purchase",
    "total_active_pay_roas",
    "total_purchase_roas_day0",
    "total_purchase_roas_day2",
    "total_purchase_roas_day6",
    "total_purchase_value_day0",
    "total_purchase_value_day2",
    "total_purchase_value_day6",
    "checkout",
    "cost_per_checkout",
    "checkout_rate",
    "total_checkout",
    "cost_per_total_checkout",
    "value_per_checkout",
    "total_checkout_value",
    "add_payment_info",
    "cost_per_add_payment_info",
    "add_payment_info_rate",
    "total_add_payment_info",
    "unique_custom_app_events",
    "cost_per_unique_custom_app_event",
    "custom_app_event_rate",
    "custom_app_events",
    "cost_per_custom_app_event",
    "value_per_custom_app_event",
    "custom_app_events_value",
    "skan_result",
    "skan_cost_per_result",
    "skan_result_rate",
    "skan_conversion",
    "skan_cost_per_conversion",
    "skan_conversion_rate_v2",
];

/// The built-in streams the groups extend: BASIC reports at campaign, ad group and ad level
/// without a breakdown (daily, hourly and lifetime).
pub fn extends(decl: &ReportDecl) -> bool {
    decl.report_type == ReportType::Basic
        && decl.level != Level::Advertiser
        && decl.breakdowns.is_empty()
}

/// A stream's metrics with the chosen groups: its own list, then each group's metrics it does
/// not already request, in the order of `MetricGroup::ALL`.
pub fn metrics_with(decl: &ReportDecl, groups: &[MetricGroup]) -> Vec<String> {
    let mut out: Vec<String> = decl.metrics.iter().map(|m| m.to_string()).collect();
    if !extends(decl) {
        return out;
    }
    for group in MetricGroup::ALL.into_iter().filter(|g| groups.contains(g)) {
        for m in group.metrics() {
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::super::metrics::{all_metrics, metric_kind, validate_report};
    use super::super::report_catalog::REPORTS;
    use super::*;

    #[test]
    fn groups_are_known_disjoint_and_valid_where_they_go() {
        let mut seen = HashSet::new();
        for g in MetricGroup::ALL {
            let metrics = g.metrics();
            assert!(metrics.len() > 20, "{g:?}");
            for m in &metrics {
                assert!(metric_kind(m).is_some(), "{g:?}: {m} is not a metric");
                assert!(seen.insert(m.clone()), "{m} is in two groups");
            }
        }
        for r in REPORTS.iter().filter(|r| extends(r)) {
            let metrics = metrics_with(r, &MetricGroup::ALL);
            assert_eq!(
                validate_report(r.report_type, r.level, r.granularity, &[], &metrics),
                Ok(()),
                "{}",
                r.name
            );
            let unique: HashSet<&String> = metrics.iter().collect();
            assert_eq!(unique.len(), metrics.len(), "{}: a metric twice", r.name);
        }
    }

    #[test]
    fn every_event_metric_is_reachable_from_a_built_in_report() {
        // The event metrics of the catalog: the families and the names outside them.
        let ads_daily = REPORTS
            .iter()
            .find(|r| r.name == "ads_reports_daily")
            .unwrap();
        let reachable: HashSet<String> = metrics_with(ads_daily, &MetricGroup::ALL)
            .into_iter()
            .collect();
        for family in Family::ALL {
            for e in family.events() {
                for (m, _) in family.metrics(e) {
                    assert!(reachable.contains(&m), "{m} is in no group");
                }
            }
        }
        for m in [
            "web_event_add_to_cart",
            "onsite_on_web_cart",
            "total_app_event_add_to_cart",
        ] {
            assert!(reachable.contains(m), "{m}");
        }
        assert!(all_metrics().len() > reachable.len());
    }

    #[test]
    fn only_the_plain_basic_reports_below_the_advertiser_grow() {
        let grown: Vec<&str> = REPORTS
            .iter()
            .filter(|r| metrics_with(r, &MetricGroup::ALL).len() > r.metrics.len())
            .map(|r| r.name)
            .collect();
        assert_eq!(
            grown,
            [
                "campaigns_reports_daily",
                "campaigns_reports_hourly",
                "campaigns_reports_lifetime",
                "ad_groups_reports_daily",
                "ad_groups_reports_hourly",
                "ad_groups_reports_lifetime",
                "ads_reports_daily",
                "ads_reports_hourly",
                "ads_reports_lifetime",
            ]
        );
        for r in REPORTS {
            let none: Vec<String> = r.metrics.iter().map(|m| m.to_string()).collect();
            assert_eq!(metrics_with(r, &[]), none, "{}", r.name);
        }
        let web = metrics_with(&REPORTS[3], &[MetricGroup::Web]);
        assert!(web.contains(&"web_event_add_to_cart".to_string()));
        assert!(!web.contains(&"onsite_on_web_cart".to_string()));
        assert_eq!(MetricGroup::parse(" Shop "), Some(MetricGroup::Shop));
        assert_eq!(MetricGroup::parse("email"), None);
    }
}
