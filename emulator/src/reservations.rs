//! Seeded reservation campaigns: a few Reach & Frequency, TopView and Pulse campaigns per
//! advertiser with their ad groups and ads, next to the auction tree the generator grows.

use chrono::{DateTime, Duration, Utc};

use crate::buying::{Buying, RESERVATION_OBJECTIVE};
use crate::generate::{new_ad, new_adgroup, new_campaign, times, IdSpace, Shape};
use crate::model::World;
use crate::rng::Rng;

/// The kinds in the order they are seeded: `n` reservation campaigns are the first `n` of this
/// cycle, so three give one of each.
const CYCLE: [Buying; 3] = [Buying::ReachFrequency, Buying::TopView, Buying::Pulse];

/// The advertiser's creative media, for the ads.
pub struct Media<'a> {
    pub videos: &'a [String],
    pub images: &'a [String],
}

fn stem(kind: Buying) -> &'static str {
    match kind {
        Buying::ReachFrequency => "Reach & Frequency",
        Buying::TopView => "TopView Launch",
        Buying::Pulse => "Pulse Premium",
        Buying::Auction => "Auction",
    }
}

/// `shape.reservations` reservation campaigns under `adv_id`, each with `shape.adgroups` ad
/// groups of `shape.ads` ads. Reservation campaigns are never deleted; ad groups and ads after
/// the first of their parent are deleted now and then, and the TopView campaign always has a
/// deleted ad (its first ad group's last one) when it has more than one, so `include_deleted`
/// matters for TopView too.
pub fn grow(
    world: &mut World,
    ids: &mut IdSpace,
    rng: &mut Rng,
    adv_id: &str,
    shape: Shape,
    now: DateTime<Utc>,
    media: Media,
) {
    let start = now - Duration::days(i64::from(shape.history_days.max(1)));
    let end = now - Duration::minutes(1);
    let first_index = world
        .campaigns
        .iter()
        .filter(|c| c.advertiser_id == adv_id)
        .count();
    for k in 0..shape.reservations {
        let kind = CYCLE[k % CYCLE.len()];
        let t = times(rng, start, now - Duration::hours(2), end, false);
        let mut campaign = new_campaign(ids, rng, adv_id, &t, first_index + k);
        campaign.buying = kind;
        campaign.objective_type = RESERVATION_OBJECTIVE.to_string();
        campaign.campaign_name = format!("{} {}", stem(kind), t.create.format("%Y%m%d"));
        // Reservations are bought for a total amount.
        campaign.budget_mode = "BUDGET_MODE_TOTAL".to_string();
        campaign.budget = rng.range(5_000, 50_000) as f64;
        let campaign_index = world.campaigns.len();
        world.campaigns.push(campaign);
        for gi in 0..shape.adgroups {
            let del = gi > 0 && rng.chance(0.12);
            let gt = times(rng, t.create, t.create + Duration::days(3), end, del);
            let mut group = new_adgroup(ids, rng, &world.campaigns[campaign_index], &gt, gi);
            group.optimization_goal = "REACH".to_string();
            group.placement_type = "PLACEMENT_TYPE_NORMAL".to_string();
            group.bid_price = 0.0;
            let g_end = gt.deleted.unwrap_or(end);
            world.adgroups.push(group);
            for ai in 0..shape.ads {
                let forced = kind == Buying::TopView && gi == 0 && ai > 0 && ai + 1 == shape.ads;
                let del = forced || (ai > 0 && rng.chance(0.12));
                let at = times(rng, gt.create, gt.create + Duration::days(2), g_end, del);
                let group = &world.adgroups[world.adgroups.len() - 1];
                let ad = new_ad(ids, rng, group, &at, media.videos, media.images);
                world.ads.push(ad);
            }
        }
    }
}
