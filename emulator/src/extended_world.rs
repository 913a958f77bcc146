//! Generation of the Smart+, GMV Max and Business Center parts of the world: after each
//! advertiser's classic tree, and once over all advertisers.

use chrono::{DateTime, Utc};

use crate::business_center;
use crate::config::ExtendedConfig;
use crate::generate::IdSpace;
use crate::gmv_max;
use crate::model::World;
use crate::smart_plus;

/// Smart+ objects, GMV Max stores and campaigns of one advertiser, after its classic tree.
pub fn grow_advertiser(
    world: &mut World,
    ids: &mut IdSpace,
    seed: u64,
    cfg: &ExtendedConfig,
    adv_id: &str,
    now: DateTime<Utc>,
    history_days: u32,
) {
    smart_plus::generate::grow(world, ids, seed, cfg, adv_id, now, history_days);
    gmv_max::generate::grow(world, ids, seed, cfg, adv_id, now, history_days);
}

/// Business Centers over all advertisers (new advertisers join one).
pub fn grow_business(world: &mut World, seed: u64, cfg: &ExtendedConfig, now: DateTime<Utc>) {
    business_center::generate::grow(world, seed, cfg.business_centers, now);
}
