//! Buying types (more-endpoints reference §2): auction, Reach & Frequency (with TikTok Pulse)
//! and TopView. TikTok leaves TopView out unless asked for it alone, both in the entity lists
//! and, below the advertiser level, in reports; this module holds what the connector asks so
//! that every buying type is read.

use serde_json::{json, Value};

use super::list::{list_facts, Pass};
use crate::error::Error;
use crate::read::Job;
use crate::tiktok::{json_param, ApiError, Query};

/// The record field naming the pass an entity came from: TikTok's items carry no buying type.
pub const FIELD: &str = "buying_type";

pub const AUCTION: &str = "AUCTION";
pub const RESERVATION_RF: &str = "RESERVATION_RF";
pub const RESERVATION_TOP_VIEW: &str = "RESERVATION_TOP_VIEW";

/// Every buying type, each asked alone (TikTok refuses TopView with any other value, and its
/// default `["AUCTION","RESERVATION_RF"]` has no TopView), so each record can say which it is.
/// The official connector makes the same three passes since 5.0.8.
pub const ENTITY_PASSES: &[Pass] = &[
    buying_pass(&[AUCTION], None),
    buying_pass(&[RESERVATION_RF], None),
    buying_pass(&[RESERVATION_TOP_VIEW], None),
];

/// The same for `adgroup/get/`, which allows at most 100 ad groups a page with TopView.
pub const AD_GROUP_PASSES: &[Pass] = &[
    buying_pass(&[AUCTION], None),
    buying_pass(&[RESERVATION_RF], None),
    buying_pass(&[RESERVATION_TOP_VIEW], Some(100)),
];

/// A pass asking for one buying type, its records tagged with it.
const fn buying_pass(only: &'static [&'static str; 1], page_size: Option<u32>) -> Pass {
    Pass {
        filter: Some(("buying_types", only)),
        tag: Some((FIELD, only[0])),
        page_size,
    }
}

/// How a report below the advertiser level asks for every buying type. UNCERTAIN in the
/// reference (§2: the filter's exact form and the values it takes with TopView); this is its
/// most likely form, and the one place it is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportBuying {
    /// One request with the filter naming all three buying types.
    AllInOne,
    /// TikTok refused the combination: TikTok's default request (auction and Reach &
    /// Frequency), then a TopView-only one.
    Default,
    TopViewOnly,
}

impl ReportBuying {
    /// The report `filtering` entry, if this request needs one.
    pub fn filter(self) -> Option<Value> {
        let values: &[&str] = match self {
            ReportBuying::AllInOne => &[AUCTION, RESERVATION_RF, RESERVATION_TOP_VIEW],
            ReportBuying::Default => return None,
            ReportBuying::TopViewOnly => &[RESERVATION_TOP_VIEW],
        };
        Some(json!({
            "field_name": "buying_type",
            "filter_type": "IN",
            "filter_value": json!(values).to_string(),
        }))
    }
}

/// The requests a report window takes below the advertiser level: one, or two once TikTok has
/// refused the combined filter in this run.
pub fn report_requests(split: bool) -> &'static [ReportBuying] {
    if split {
        &[ReportBuying::Default, ReportBuying::TopViewOnly]
    } else {
        &[ReportBuying::AllInOne]
    }
}

/// Whether TikTok refused the combined `buying_type` filter: a parameter error (40002) that
/// names the filter. Any other error is not about buying types.
pub fn refused_combined_filter(e: &ApiError) -> bool {
    e.code == Some(40002) && e.message.contains("buying_type")
}

/// Whether the account has TopView campaigns (deleted ones too with `include_deleted`), asked
/// once per run. A report task takes no buying-type filter and gives TikTok's default (auction
/// and Reach & Frequency): only such accounts leave TopView rows to read by pages.
pub async fn has_top_view(job: &Job<'_>, account: &str) -> Result<bool, Error> {
    let cell = job.run.memo::<bool>("top-view-campaigns", account);
    cell.get_or_try_init(|| async {
        let mut filtering = json!({"buying_types": [RESERVATION_TOP_VIEW]});
        if job.config().include_deleted {
            filtering["secondary_status"] = json!("CAMPAIGN_STATUS_ALL");
        }
        let query: Query = vec![
            ("advertiser_id", account.to_string()),
            ("fields", json_param(&json!(["campaign_id"]))),
            ("filtering", json_param(&filtering)),
        ];
        let campaigns =
            list_facts(job, "campaign/get/", "list", "campaign_id", 1000, &query).await?;
        Ok::<_, Error>(!campaigns.is_empty())
    })
    .await
    .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_buying_type_is_asked_alone_and_tagged() {
        for passes in [ENTITY_PASSES, AD_GROUP_PASSES] {
            let asked: Vec<(&str, &[&str])> = passes.iter().filter_map(|p| p.filter).collect();
            assert_eq!(
                asked,
                vec![
                    ("buying_types", &["AUCTION"][..]),
                    ("buying_types", &["RESERVATION_RF"][..]),
                    ("buying_types", &["RESERVATION_TOP_VIEW"][..]),
                ]
            );
            let tags: Vec<_> = passes.iter().filter_map(|p| p.tag).collect();
            assert_eq!(
                tags,
                vec![
                    ("buying_type", "AUCTION"),
                    ("buying_type", "RESERVATION_RF"),
                    ("buying_type", "RESERVATION_TOP_VIEW"),
                ]
            );
        }
        assert_eq!(AD_GROUP_PASSES[2].page_size, Some(100));
        assert!(ENTITY_PASSES.iter().all(|p| p.page_size.is_none()));
    }

    #[test]
    fn report_filters() {
        assert_eq!(
            ReportBuying::AllInOne.filter().unwrap(),
            json!({"field_name": "buying_type", "filter_type": "IN",
                "filter_value": "[\"AUCTION\",\"RESERVATION_RF\",\"RESERVATION_TOP_VIEW\"]"})
        );
        assert_eq!(
            ReportBuying::TopViewOnly.filter().unwrap()["filter_value"],
            "[\"RESERVATION_TOP_VIEW\"]"
        );
        assert!(ReportBuying::Default.filter().is_none());
        assert_eq!(report_requests(false), &[ReportBuying::AllInOne]);
        assert_eq!(
            report_requests(true),
            &[ReportBuying::Default, ReportBuying::TopViewOnly]
        );
    }

    #[test]
    fn only_a_parameter_error_naming_the_filter_is_a_refusal() {
        let path = "report/integrated/get/";
        let refused = ApiError::from_code(
            40002,
            "filtering: buying_type: RESERVATION_TOP_VIEW cannot be used together with other buying types.",
            None,
            path,
        );
        assert!(refused_combined_filter(&refused));
        let metric = ApiError::from_code(40002, "Invalid metric fields: ['spend'].", None, path);
        assert!(!refused_combined_filter(&metric));
        let other = ApiError::from_code(40100, "buying_type", None, path);
        assert!(!refused_combined_filter(&other));
    }
}
