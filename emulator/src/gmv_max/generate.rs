//! Seeded TikTok Shop stores and GMV Max campaigns of one advertiser, from their own random
//! stream so the rest of the world is unchanged by them.

use chrono::{DateTime, Duration, Utc};

use super::{GmvMaxCampaign, Promotion, Store};
use crate::config::ExtendedConfig;
use crate::generate::{times, IdSpace, CAMPAIGN_BASE};
use crate::model::World;
use crate::rng::{hash, hash_str, Rng};

const STORE_NAMES: &[&str] = &["Official Store", "Outlet", "Global Shop", "Flagship"];

/// Adds the advertiser's stores and, on the stores available for GMV Max, their campaigns:
/// product campaigns first, every third one a LIVE campaign. The last store is not available
/// for GMV Max (when there are two or more). The first advertiser's first store always has a
/// deleted campaign.
pub fn grow(
    world: &mut World,
    ids: &mut IdSpace,
    seed: u64,
    cfg: &ExtendedConfig,
    adv_id: &str,
    now: DateTime<Utc>,
    history_days: u32,
) {
    let mut rng = Rng::new(hash(&[seed, 0x6A7, hash_str(adv_id)]));
    let first_advertiser = world
        .advertisers
        .first()
        .is_some_and(|a| a.advertiser_id == adv_id);
    let country = world
        .advertiser(adv_id)
        .map(|a| a.country.clone())
        .unwrap_or_else(|| "US".to_string());
    let start = now - Duration::days(i64::from(history_days.max(1)));
    let n = cfg.gmv_max_stores_per_advertiser;
    for si in 0..n {
        let available = n == 1 || si + 1 < n;
        let store_id = format!(
            "7{:018}",
            hash(&[seed, hash_str(adv_id), si as u64]) % 10u64.pow(18)
        );
        world.gmv_max.stores.push(Store {
            advertiser_id: adv_id.to_string(),
            store_id: store_id.clone(),
            store_name: format!("{} {}", country, STORE_NAMES[si % STORE_NAMES.len()]),
            store_code: format!("{}LC{}", country, rng.alnum(8).to_uppercase()),
            store_status: if available { "ACTIVE" } else { "INACTIVE" }.to_string(),
            targeting_region_codes: vec![country.clone()],
            is_gmv_max_available: available,
            is_owner_bc: si == 0,
        });
        if !available {
            continue;
        }
        for k in 0..cfg.gmv_max_campaigns_per_store {
            let forced = first_advertiser && si == 0 && k == 1;
            let del = forced || (k > 0 && rng.chance(0.15));
            let t = times(
                &mut rng,
                start,
                now - Duration::hours(3),
                now - Duration::minutes(1),
                del,
            );
            let promotion = if k % 3 == 2 {
                Promotion::Live
            } else {
                Promotion::Product
            };
            let campaign_id = ids.fresh(CAMPAIGN_BASE, 100, t.create, &mut rng);
            let custom_bid = rng.chance(0.6);
            let label = match promotion {
                Promotion::Product => "Product GMV Max",
                Promotion::Live => "LIVE GMV Max",
            };
            world.gmv_max.campaigns.push(GmvMaxCampaign {
                advertiser_id: adv_id.to_string(),
                store_id: store_id.clone(),
                campaign_id,
                campaign_name: format!("{label} {} #{}", t.create.format("%Y%m%d"), k + 1),
                promotion,
                operation_status: if rng.chance(0.85) {
                    "ENABLE"
                } else {
                    "DISABLE"
                }
                .to_string(),
                create_time: t.create,
                modify_time: t.modify,
                deleted_at: t.deleted,
                roas_bid: if custom_bid {
                    rng.range(150, 600) as f64 / 100.0
                } else {
                    0.0
                },
                budget: rng.range(50, 3_000) as f64,
                item_group_ids: (0..2 + rng.below(3))
                    .map(|_| format!("17{:017}", rng.below(10u64.pow(17))))
                    .collect(),
                identity_id: format!("7{:018}", rng.below(10u64.pow(18))),
            });
        }
    }
}
