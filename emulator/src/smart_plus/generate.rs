//! Seeded Smart+ campaigns, ad groups, ads and creatives of one advertiser. They draw from their
//! own random stream (seed, advertiser, campaign index), so adding them leaves the classic tree
//! exactly as it was.

use chrono::{DateTime, Duration, Utc};

use super::{Creative, SmartPlusAd, SmartPlusAdGroup, SmartPlusCampaign};
use crate::config::ExtendedConfig;
use crate::generate::{new_ad, new_adgroup, new_campaign, times, EntityTimes, IdSpace, AD_BASE};
use crate::model::World;
use crate::rng::{hash, hash_str, Rng};

/// A Smart+ campaign kind the reference lists, with the settings that go with it.
#[derive(Clone, Copy)]
struct Kind {
    objective: &'static str,
    sales_destination: Option<&'static str>,
    app_promotion_type: Option<&'static str>,
    optimization_goal: &'static str,
    optimization_event: Option<&'static str>,
    promotion_type: &'static str,
}

const KINDS: &[Kind] = &[
    Kind {
        objective: "WEB_CONVERSIONS",
        sales_destination: Some("WEBSITE"),
        app_promotion_type: None,
        optimization_goal: "CONVERT",
        optimization_event: Some("SHOPPING"),
        promotion_type: "WEBSITE",
    },
    Kind {
        objective: "APP_PROMOTION",
        sales_destination: None,
        app_promotion_type: Some("APP_INSTALL"),
        optimization_goal: "INSTALL",
        optimization_event: None,
        promotion_type: "APP_ANDROID",
    },
    Kind {
        objective: "LEAD_GENERATION",
        sales_destination: None,
        app_promotion_type: None,
        optimization_goal: "LEAD_GENERATION",
        optimization_event: Some("FORM"),
        promotion_type: "LEAD_GENERATION",
    },
];
const TEXTS: &[&str] = &[
    "Everything you need, picked for you",
    "Free returns on every order",
    "Join 1M+ happy customers ✨",
    "Today only: 20% off",
];
const CTAS: &[&str] = &["SHOP_NOW", "LEARN_MORE", "SIGN_UP", "DOWNLOAD_NOW"];
const WINDOWS: &[&str] = &[
    "SEVEN_DAYS",
    "FOURTEEN_DAYS",
    "TWENTY_EIGHT_DAYS",
    "ONE_HUNDRED_EIGHTY_DAYS",
];

fn owned_ids(items: &[crate::model::Asset], adv_id: &str) -> Vec<String> {
    items
        .iter()
        .filter(|a| a.advertiser_id == adv_id)
        .map(|a| a.id.clone())
        .collect()
}

/// Adds the advertiser's Smart+ campaigns with their ad groups, ads and creatives.
pub fn grow(
    world: &mut World,
    ids: &mut IdSpace,
    seed: u64,
    cfg: &ExtendedConfig,
    adv_id: &str,
    now: DateTime<Utc>,
    history_days: u32,
) {
    let start = now - Duration::days(i64::from(history_days.max(1)));
    let first_advertiser = world
        .advertisers
        .first()
        .is_some_and(|a| a.advertiser_id == adv_id);
    let media = Media::of(world, adv_id);
    let mut ad_index = 0usize;
    for ci in 0..cfg.smart_plus_campaigns_per_advertiser {
        let mut rng = Rng::new(hash(&[seed, 0x5A_2026, hash_str(adv_id), ci as u64]));
        let del = ci > 0 && rng.chance(0.15);
        let t = times(
            &mut rng,
            start,
            now - Duration::hours(2),
            now - Duration::minutes(1),
            del,
        );
        let campaign = add_campaign(world, ids, &mut rng, adv_id, &t, ci);
        let multiple = world
            .smart_plus
            .campaign(&campaign.campaign_id)
            .is_some_and(|s| s.adgroup_mode == "MULTIPLE");
        let c_end = t.deleted.unwrap_or(now - Duration::minutes(1));
        for gi in 0..if multiple { 2 } else { 1 } {
            let del = gi > 0 && rng.chance(0.15);
            let gt = times(&mut rng, t.create, t.create + Duration::days(3), c_end, del);
            let group = add_adgroup(world, ids, &mut rng, &campaign, &gt, gi);
            let g_end = gt.deleted.unwrap_or(c_end);
            let n_ads = cfg.smart_plus_ads_per_adgroup;
            for ai in 0..n_ads {
                // The world always has a deleted Smart+ ad: the last one of the first advertiser's
                // first ad group.
                let forced = first_advertiser && ci == 0 && gi == 0 && ai + 1 == n_ads && ai > 0;
                let del = forced || (ai > 0 && rng.chance(0.2));
                let at = times(
                    &mut rng,
                    gt.create,
                    gt.create + Duration::days(2),
                    g_end,
                    del,
                );
                let ad = smart_plus_ad(world, ids, &mut rng, &group, &at, ad_index, &media);
                world.smart_plus.ads.push(ad);
                ad_index += 1;
            }
        }
    }
}

/// A Smart+ campaign (and its settings) created with times `t`; returns a copy of it.
pub fn add_campaign(
    world: &mut World,
    ids: &mut IdSpace,
    rng: &mut Rng,
    adv_id: &str,
    t: &EntityTimes,
    index: usize,
) -> crate::model::Campaign {
    let kind = *rng.pick(KINDS);
    let mut campaign = new_campaign(ids, rng, adv_id, t, index);
    campaign.objective_type = kind.objective.to_string();
    campaign.campaign_name = format!(
        "Smart+ {} {}{}",
        kind.objective.to_lowercase().replace('_', " "),
        t.create.format("%Y%m%d"),
        if index > 0 {
            format!(" #{index}")
        } else {
            String::new()
        }
    );
    if rng.chance(0.4) {
        campaign.budget_mode = "BUDGET_MODE_DYNAMIC_DAILY_BUDGET".to_string();
        campaign.budget = rng.range(50, 1_500) as f64;
    }
    let multiple = rng.chance(0.5);
    world.smart_plus.campaigns.push(SmartPlusCampaign {
        campaign_id: campaign.campaign_id.clone(),
        sales_destination: kind.sales_destination.map(str::to_string),
        app_promotion_type: kind.app_promotion_type.map(str::to_string),
        adgroup_mode: if multiple { "MULTIPLE" } else { "SINGLE" }.to_string(),
        budget_optimize_on: campaign.budget_mode == "BUDGET_MODE_DYNAMIC_DAILY_BUDGET",
        catalog_enabled: kind.objective == "WEB_CONVERSIONS" && rng.chance(0.5),
    });
    world.campaigns.push(campaign.clone());
    campaign
}

/// A Smart+ ad group (and its settings) under `campaign`; returns a copy of it.
pub fn add_adgroup(
    world: &mut World,
    ids: &mut IdSpace,
    rng: &mut Rng,
    campaign: &crate::model::Campaign,
    t: &EntityTimes,
    index: usize,
) -> crate::model::AdGroup {
    let kind = KINDS
        .iter()
        .find(|k| k.objective == campaign.objective_type)
        .copied()
        .unwrap_or(KINDS[0]);
    let mut group = new_adgroup(ids, rng, campaign, t, index);
    group.adgroup_name = format!("Smart+ ad group {}", index + 1);
    group.optimization_goal = kind.optimization_goal.to_string();
    world.smart_plus.adgroups.push(SmartPlusAdGroup {
        adgroup_id: group.adgroup_id.clone(),
        promotion_type: kind.promotion_type.to_string(),
        optimization_event: kind.optimization_event.map(str::to_string),
        bid_type: if group.bid_price > 0.0 {
            "BID_TYPE_CUSTOM"
        } else {
            "BID_TYPE_NO_BID"
        }
        .to_string(),
        roas_bid: 0.0,
        conversion_bid_price: group.bid_price,
        click_attribution_window: rng.pick(WINDOWS).to_string(),
        view_attribution_window: "ONE_DAY".to_string(),
        engaged_view_attribution_window: "SEVEN_DAYS".to_string(),
    });
    world.adgroups.push(group.clone());
    group
}

/// The advertiser's videos, images and music, which creatives draw from.
pub struct Media {
    pub videos: Vec<String>,
    pub images: Vec<String>,
    pub music: Vec<String>,
}

impl Media {
    pub fn of(world: &World, adv_id: &str) -> Media {
        Media {
            videos: owned_ids(&world.videos, adv_id),
            images: owned_ids(&world.images, adv_id),
            music: owned_ids(&world.music, adv_id),
        }
    }
}

/// A Smart+ ad with two or three creatives, each added to `World::ads`. The creatives of every
/// third Smart+ ad of an advertiser (counting from the first) come without `modify_time` in
/// `ad/get/`.
pub fn smart_plus_ad(
    world: &mut World,
    ids: &mut IdSpace,
    rng: &mut Rng,
    group: &crate::model::AdGroup,
    t: &EntityTimes,
    index: usize,
    media: &Media,
) -> SmartPlusAd {
    let (videos, images, music) = (&media.videos, &media.images, &media.music);
    let smart_plus_ad_id = ids.fresh(AD_BASE, 100, t.create, rng);
    let ad_name = format!("Smart+ ad {} {}", index + 1, t.create.format("%m-%d"));
    let without_modify_time = index.is_multiple_of(3);
    let mut creatives = Vec::new();
    let n = 2 + rng.below(2) as usize;
    for j in 0..n {
        let mut ad = new_ad(ids, rng, group, t, videos, images);
        ad.ad_name = format!("{ad_name} · creative {}", j + 1);
        ad.modify_time = (!without_modify_time).then_some(t.modify);
        let carousel = ad.video_id.is_none();
        if carousel {
            ad.ad_format = "CAROUSEL_ADS".to_string();
        }
        creatives.push(Creative {
            ad_material_id: ad.ad_id.clone(),
            ad_format: ad.ad_format.clone(),
            video_id: ad.video_id.clone(),
            file_name: ad
                .video_id
                .as_ref()
                .map(|_| format!("smart_plus_{}.mp4", j + 1)),
            image_uris: ad.image_ids.clone(),
            music_id: (carousel && !music.is_empty()).then(|| rng.pick(music).clone()),
            tiktok_item_id: None,
        });
        world.ads.push(ad);
    }
    let texts = 1 + rng.below(3) as usize;
    SmartPlusAd {
        advertiser_id: group.advertiser_id.clone(),
        campaign_id: group.campaign_id.clone(),
        adgroup_id: group.adgroup_id.clone(),
        smart_plus_ad_id,
        ad_name,
        operation_status: if rng.chance(0.85) {
            "ENABLE"
        } else {
            "DISABLE"
        }
        .to_string(),
        create_time: t.create,
        modify_time: t.modify,
        deleted_at: t.deleted,
        ad_texts: (0..texts)
            .map(|k| TEXTS[(index + k) % TEXTS.len()].to_string())
            .collect(),
        call_to_actions: vec![rng.pick(CTAS).to_string()],
        landing_page_urls: vec![format!(
            "https://www.example.com/smart/{}?utm_source=tiktok",
            rng.alnum(8)
        )],
        identity_id: format!(
            "{}",
            7_100_000_000_000_000_000u64 + rng.below(1_000_000_000_000)
        ),
        creatives,
    }
}
