//! Creative assets, audiences, pixels and spark ads.

use std::collections::BTreeSet;

use chrono::DateTime;
use serde_json::Value;

use crate::common::{ids, Api};

fn assert_iso(v: &Value) {
    let s = v.as_str().unwrap_or_else(|| panic!("time string: {v}"));
    assert!(s.ends_with('Z') && s.contains('T'), "{s}");
    DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("{s}: {e}"));
}

#[test]
fn images_and_videos_have_iso_times_and_filters() {
    let api = Api::default();
    let world = api.emu.world();
    let adv = api.adv(1);
    let images = api.ok(
        "file/image/ad/search/",
        &[("advertiser_id", &adv), ("page_size", "100")],
    )["list"]
        .clone();
    let want: BTreeSet<String> = world
        .images
        .iter()
        .filter(|i| i.advertiser_id == adv)
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(
        ids(&images, "image_id")
            .into_iter()
            .collect::<BTreeSet<_>>(),
        want
    );
    for img in images.as_array().unwrap() {
        assert_iso(&img["create_time"]);
        assert_iso(&img["modify_time"]);
        assert!(img["width"].is_u64() && img["height"].is_u64() && img["size"].is_i64());
    }
    let first = images[0]["image_id"].as_str().unwrap();
    let f = format!("{{\"image_ids\": [\"{first}\"]}}");
    let one = api.ok(
        "file/image/ad/search/",
        &[("advertiser_id", &adv), ("filtering", &f)],
    );
    assert_eq!(ids(&one["list"], "image_id"), vec![first.to_string()]);
    let w = images[0]["width"].as_u64().unwrap();
    let f = format!("{{\"width\": {w}}}");
    let by_w = api.ok(
        "file/image/ad/search/",
        &[
            ("advertiser_id", &adv),
            ("filtering", &f),
            ("page_size", "100"),
        ],
    );
    let n = images
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["width"].as_u64() == Some(w))
        .count();
    assert_eq!(by_w["list"].as_array().unwrap().len(), n);
    let info = api.ok(
        "file/image/ad/info/",
        &[
            ("advertiser_id", &adv),
            ("image_ids", &format!("[\"{first}\"]")),
        ],
    );
    assert_eq!(ids(&info["list"], "image_id"), vec![first.to_string()]);
    assert_eq!(
        api.err("file/image/ad/info/", &[("advertiser_id", &adv)]).0,
        40002
    );

    let videos = api.ok(
        "file/video/ad/search/",
        &[("advertiser_id", &adv), ("page_size", "100")],
    )["list"]
        .clone();
    let want: BTreeSet<String> = world
        .videos
        .iter()
        .filter(|i| i.advertiser_id == adv)
        .map(|i| i.id.clone())
        .collect();
    assert_eq!(
        ids(&videos, "video_id")
            .into_iter()
            .collect::<BTreeSet<_>>(),
        want
    );
    for v in videos.as_array().unwrap() {
        assert_iso(&v["create_time"]);
        assert!(v["duration"].is_f64());
    }
    let many: Vec<String> = (0..21).map(|i| format!("\"{i}\"")).collect();
    let f = format!("{{\"material_ids\": [{}]}}", many.join(","));
    assert_eq!(
        api.err(
            "file/video/ad/search/",
            &[("advertiser_id", &adv), ("filtering", &f)]
        )
        .0,
        40002
    );
}

#[test]
fn other_assets_answer_under_their_keys() {
    let api = Api::default();
    let world = api.emu.world();
    let adv = api.adv(0);
    let cases: &[(&str, &str, &str, &[tiktok_emulator::Asset])] = &[
        ("file/music/get/", "musics", "music_id", &world.music),
        (
            "creative/portfolio/list/",
            "creative_portfolios",
            "creative_portfolio_id",
            &world.portfolios,
        ),
        (
            "dmp/custom_audience/list/",
            "list",
            "audience_id",
            &world.audiences,
        ),
        ("pixel/list/", "pixels", "pixel_id", &world.pixels),
    ];
    for (endpoint, key, id_key, pool) in cases {
        let data = api.ok(endpoint, &[("advertiser_id", &adv), ("page_size", "20")]);
        let got: BTreeSet<String> = ids(&data[*key], id_key).into_iter().collect();
        let want: BTreeSet<String> = pool
            .iter()
            .filter(|a| a.advertiser_id == adv)
            .map(|a| a.id.clone())
            .collect();
        assert!(!want.is_empty(), "{endpoint}");
        assert_eq!(got, want, "{endpoint}");
        assert!(data["page_info"].is_object());
    }
    let spark = api.ok(
        "tt_video/list/",
        &[("advertiser_id", &adv), ("page_size", "50")],
    );
    let items = spark["list"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|s| s["item_info"]["item_id"].is_string()));
    let one_audience = world
        .audiences
        .iter()
        .find(|a| a.advertiser_id == adv)
        .unwrap();
    let data = api.ok(
        "dmp/custom_audience/list/",
        &[
            ("advertiser_id", &adv),
            ("custom_audience_ids", &format!("[\"{}\"]", one_audience.id)),
        ],
    );
    assert_eq!(
        ids(&data["list"], "audience_id"),
        vec![one_audience.id.clone()]
    );
    assert_eq!(
        api.err(
            "pixel/list/",
            &[("advertiser_id", &adv), ("order_by", "RANDOM")]
        )
        .0,
        40002
    );
}
