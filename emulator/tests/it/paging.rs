//! Paging properties: for any page size, walking all pages yields every item exactly once and
//! page_info agrees with it; a page past the end is empty with the same totals.

use std::collections::BTreeSet;

use serde_json::Value;
use tiktok_emulator::EmulatorConfig;

use crate::common::Api;

/// (endpoint, list key, id key, max page size, extra params)
type ListCase = (
    &'static str,
    &'static str,
    &'static str,
    u64,
    &'static [(&'static str, &'static str)],
);
const LISTS: &[ListCase] = &[
    (
        "campaign/get/",
        "list",
        "campaign_id",
        1000,
        &[("filtering", "{\"primary_status\": \"STATUS_ALL\"}")],
    ),
    ("adgroup/get/", "list", "adgroup_id", 1000, &[]),
    (
        "ad/get/",
        "list",
        "ad_id",
        1000,
        &[("filtering", "{\"secondary_status\": \"AD_STATUS_ALL\"}")],
    ),
    ("file/image/ad/search/", "list", "image_id", 100, &[]),
    ("file/video/ad/search/", "list", "video_id", 100, &[]),
    ("dmp/custom_audience/list/", "list", "audience_id", 100, &[]),
    (
        "creative/portfolio/list/",
        "creative_portfolios",
        "creative_portfolio_id",
        100,
        &[],
    ),
    ("file/music/get/", "musics", "music_id", 100, &[]),
    ("pixel/list/", "pixels", "pixel_id", 20, &[]),
];

fn item_id(item: &Value, key: &str) -> String {
    item[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {item}"))
        .to_string()
}

#[test]
fn walking_pages_yields_each_item_once_with_consistent_page_info() {
    let api = Api::new(EmulatorConfig {
        campaigns_per_advertiser: 7,
        adgroups_per_campaign: 2,
        ads_per_adgroup: 3,
        assets_per_advertiser: 9,
        ..EmulatorConfig::default()
    });
    let adv = api.adv(2);
    for (endpoint, key, id_key, max, extra) in LISTS {
        let mut base = vec![("advertiser_id", adv.as_str())];
        base.extend(extra.iter().copied());
        // The whole set, in one page.
        let (all, _) = api.walk(endpoint, &base, key, *max);
        let expected: BTreeSet<String> = all.iter().map(|i| item_id(i, id_key)).collect();
        assert_eq!(expected.len(), all.len(), "{endpoint}: no duplicates");
        assert!(
            expected.len() >= 3,
            "{endpoint}: enough items to page ({})",
            expected.len()
        );
        for size in [1u64, 2, 3, 7, *max] {
            let (items, infos) = api.walk(endpoint, &base, key, size);
            let got: Vec<String> = items.iter().map(|i| item_id(i, id_key)).collect();
            let unique: BTreeSet<String> = got.iter().cloned().collect();
            assert_eq!(
                unique.len(),
                got.len(),
                "{endpoint} size {size}: an item came twice"
            );
            assert_eq!(unique, expected, "{endpoint} size {size}");
            let n = expected.len() as u64;
            for (i, info) in infos.iter().enumerate() {
                assert_eq!(info["page"].as_u64(), Some(i as u64 + 1));
                assert_eq!(info["page_size"].as_u64(), Some(size));
                assert_eq!(
                    info["total_number"].as_u64(),
                    Some(n),
                    "{endpoint} size {size}"
                );
                assert_eq!(
                    info["total_page"].as_u64(),
                    Some(n.div_ceil(size)),
                    "{endpoint} size {size}"
                );
            }
            // The walk ended on the first page past the end.
            assert_eq!(infos.len() as u64, n.div_ceil(size) + 1);
            // Every page but the last is full: clients that stop on a short page see everything.
            let full_pages = (n / size) as usize;
            assert!(items.len() >= full_pages * size as usize);
        }
        let far = api.ok(
            endpoint,
            &[&base[..], &[("page", "999"), ("page_size", "2")]].concat(),
        );
        assert_eq!(far[*key], Value::Array(vec![]));
        assert_eq!(
            far["page_info"]["total_number"].as_u64(),
            Some(expected.len() as u64)
        );
    }
}

#[test]
fn empty_results_have_zero_pages() {
    let api = Api::default();
    let adv = api.adv(0);
    let data = api.ok(
        "campaign/get/",
        &[
            ("advertiser_id", &adv),
            ("filtering", "{\"campaign_ids\": [\"1\"]}"),
        ],
    );
    assert_eq!(data["list"], Value::Array(vec![]));
    assert_eq!(
        data["page_info"],
        serde_json::json!({"page": 1, "page_size": 10, "total_number": 0, "total_page": 0})
    );
}

#[test]
fn page_size_bounds_per_endpoint() {
    let api = Api::default();
    let adv = api.adv(0);
    let bounds: &[(&str, u64, u64)] = &[
        ("campaign/get/", 1000, 10),
        ("adgroup/get/", 1000, 10),
        ("ad/get/", 1000, 10),
        ("file/image/ad/search/", 100, 20),
        ("file/video/ad/search/", 100, 20),
        ("dmp/custom_audience/list/", 100, 10),
        ("creative/portfolio/list/", 100, 20),
        ("file/music/get/", 100, 20),
        ("pixel/list/", 20, 10),
        ("tt_video/list/", 50, 20),
    ];
    for (endpoint, max, default) in bounds {
        let max_s = max.to_string();
        let over = (max + 1).to_string();
        let data = api.ok(endpoint, &[("advertiser_id", &adv), ("page_size", &max_s)]);
        assert_eq!(
            data["page_info"]["page_size"].as_u64(),
            Some(*max),
            "{endpoint}"
        );
        let data = api.ok(endpoint, &[("advertiser_id", &adv)]);
        assert_eq!(
            data["page_info"]["page_size"].as_u64(),
            Some(*default),
            "{endpoint} default"
        );
        for bad in [over.as_str(), "0", "-1"] {
            let (code, msg) = api.err(endpoint, &[("advertiser_id", &adv), ("page_size", bad)]);
            assert_eq!(code, 40002, "{endpoint} page_size {bad}: {msg}");
        }
    }
}
