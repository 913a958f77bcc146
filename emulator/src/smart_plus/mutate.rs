//! Changes to Smart+ objects between syncs (control API `/_emulator/smart_plus/*`): modify, add
//! and delete Smart+ campaigns, ad groups and ads. Targets are picked with a seeded PRNG.
//!
//! A Smart+ campaign or ad group change moves its entry of `World::campaigns`/`adgroups`, so
//! `campaign/get/` sees it too. A Smart+ ad change moves the ad's `modify_time` and renames its
//! creatives; creatives listed in `ad/get/` without `modify_time` stay without it.

use chrono::{DateTime, Utc};

use super::effective_deleted_at;
use super::generate::{add_adgroup, add_campaign, smart_plus_ad, Media};
use crate::config::Level;
use crate::generate::{created_now, IdSpace};
use crate::model::World;
use crate::mutate::{choose, delete_one, modify_one, next_revision};
use crate::rng::Rng;

/// What a Smart+ mutation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Modify,
    Add,
    Delete,
}

impl Change {
    pub fn parse(s: &str) -> Option<Change> {
        match s {
            "modify" => Some(Change::Modify),
            "add" => Some(Change::Add),
            "delete" => Some(Change::Delete),
            _ => None,
        }
    }
}

/// Applies `change` to `n` Smart+ objects of the advertiser at `level`; returns their ids.
pub fn apply(
    world: &mut World,
    change: Change,
    adv: &str,
    level: Level,
    n: usize,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Vec<String> {
    match change {
        Change::Modify => change_live(world, adv, level, n, now, rng, false),
        Change::Add => add(world, adv, level, n, now, rng),
        Change::Delete => change_live(world, adv, level, n, now, rng, true),
    }
}

fn live_ids(world: &World, adv: &str, level: Level) -> Vec<String> {
    let sp = &world.smart_plus;
    match level {
        Level::Campaign => sp
            .campaigns
            .iter()
            .filter_map(|s| world.campaign(&s.campaign_id))
            .filter(|c| c.advertiser_id == adv && c.deleted_at.is_none())
            .map(|c| c.campaign_id.clone())
            .collect(),
        Level::AdGroup => sp
            .adgroups
            .iter()
            .filter_map(|s| world.adgroup(&s.adgroup_id))
            .filter(|g| g.advertiser_id == adv && world.adgroup_effective_deleted_at(g).is_none())
            .map(|g| g.adgroup_id.clone())
            .collect(),
        Level::Ad => sp
            .ads
            .iter()
            .filter(|a| a.advertiser_id == adv && effective_deleted_at(world, a).is_none())
            .map(|a| a.smart_plus_ad_id.clone())
            .collect(),
    }
}

/// Modifies (renames and bumps `modify_time`) or deletes `n` live Smart+ objects now; returns
/// their ids. Deleting an ad deletes its creatives.
fn change_live(
    world: &mut World,
    adv: &str,
    level: Level,
    n: usize,
    now: DateTime<Utc>,
    rng: &mut Rng,
    delete: bool,
) -> Vec<String> {
    let ids = choose(live_ids(world, adv, level), n, rng);
    for id in &ids {
        match level {
            Level::Ad => change_ad(world, id, now, delete),
            _ if delete => delete_one(world, level, id, now),
            _ => modify_one(world, level, id, now),
        }
    }
    ids
}

fn change_ad(world: &mut World, smart_plus_ad_id: &str, now: DateTime<Utc>, delete: bool) {
    let Some(ad) = world
        .smart_plus
        .ads
        .iter_mut()
        .find(|a| a.smart_plus_ad_id == smart_plus_ad_id)
    else {
        return;
    };
    if delete {
        ad.deleted_at = Some(now);
    } else {
        ad.ad_name = next_revision(&ad.ad_name);
    }
    ad.modify_time = now;
    let name = ad.ad_name.clone();
    let creatives: Vec<String> = ad
        .creatives
        .iter()
        .map(|c| c.ad_material_id.clone())
        .collect();
    for (j, id) in creatives.iter().enumerate() {
        if let Some(a) = world.ads.iter_mut().find(|a| &a.ad_id == id) {
            a.ad_name = format!("{name} · creative {}", j + 1);
            if a.modify_time.is_some() {
                a.modify_time = Some(now);
            }
            if delete && a.deleted_at.is_none() {
                a.deleted_at = Some(now);
            }
        }
    }
}

/// `n` new Smart+ objects created now: a campaign comes with one ad group and one ad, an ad
/// group with one ad; parents are picked among the live Smart+ ones (created when there are
/// none).
fn add(
    world: &mut World,
    adv: &str,
    level: Level,
    n: usize,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Vec<String> {
    if world.advertiser(adv).is_none() {
        return Vec::new();
    }
    let t = created_now(now);
    let mut out = Vec::new();
    for _ in 0..n {
        let mut ids = IdSpace::of(world);
        let campaign = match level {
            Level::Campaign => None,
            _ => choose(live_ids(world, adv, Level::Campaign), 1, rng)
                .pop()
                .and_then(|id| world.campaign(&id).cloned()),
        };
        let (campaign, new_campaign) = match campaign {
            Some(c) => (c, false),
            None => {
                let index = world
                    .campaigns
                    .iter()
                    .filter(|c| c.advertiser_id == adv)
                    .count();
                (add_campaign(world, &mut ids, rng, adv, &t, index), true)
            }
        };
        let group = match level {
            Level::Ad if !new_campaign => {
                let groups: Vec<String> = live_ids(world, adv, Level::AdGroup)
                    .into_iter()
                    .filter(|g| {
                        world
                            .adgroup(g)
                            .is_some_and(|g| g.campaign_id == campaign.campaign_id)
                    })
                    .collect();
                choose(groups, 1, rng)
                    .pop()
                    .and_then(|id| world.adgroup(&id).cloned())
            }
            _ => None,
        };
        let group = match group {
            Some(g) => g,
            None => {
                let index = world
                    .adgroups
                    .iter()
                    .filter(|g| g.campaign_id == campaign.campaign_id)
                    .count();
                add_adgroup(world, &mut ids, rng, &campaign, &t, index)
            }
        };
        let index = world
            .smart_plus
            .ads
            .iter()
            .filter(|a| a.advertiser_id == adv)
            .count();
        let media = Media::of(world, adv);
        let ad = smart_plus_ad(world, &mut ids, rng, &group, &t, index, &media);
        out.push(match level {
            Level::Campaign => campaign.campaign_id.clone(),
            Level::AdGroup => group.adgroup_id.clone(),
            Level::Ad => ad.smart_plus_ad_id.clone(),
        });
        world.smart_plus.ads.push(ad);
    }
    out
}
