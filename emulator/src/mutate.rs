//! Changes between syncs: modify, add and delete entities. Each picks its targets with a seeded
//! PRNG, so the same calls on the same world change the same entities.

use chrono::{DateTime, Utc};

use crate::buying::Buying;
use crate::config::Level;
use crate::generate::{created_now, new_ad, new_adgroup, new_campaign, IdSpace};
use crate::model::World;
use crate::rng::Rng;

/// Deterministic choice of `n` of `candidates` (all of them if there are fewer).
pub(crate) fn choose(mut candidates: Vec<String>, n: usize, rng: &mut Rng) -> Vec<String> {
    candidates.sort();
    let mut chosen = Vec::new();
    while chosen.len() < n && !candidates.is_empty() {
        let i = rng.below(candidates.len() as u64) as usize;
        chosen.push(candidates.swap_remove(i));
    }
    chosen
}

/// Live entities of the level that random mutations may pick: auction ones only. Reservation
/// campaigns are booked with TikTok (TopView is read-only in the API), and leaving them alone
/// keeps the picks of a seed the same whether or not reservations are seeded; a test changes
/// them through `Emulator::mutate`.
fn live_ids(world: &World, adv: &str, level: Level) -> Vec<String> {
    let auction = |campaign_id: &str| {
        world
            .campaign(campaign_id)
            .is_none_or(|c| c.buying == Buying::Auction)
    };
    match level {
        Level::Campaign => world
            .campaigns
            .iter()
            .filter(|c| c.advertiser_id == adv && c.deleted_at.is_none())
            .filter(|c| c.buying == Buying::Auction)
            .map(|c| c.campaign_id.clone())
            .collect(),
        Level::AdGroup => world
            .adgroups
            .iter()
            .filter(|g| g.advertiser_id == adv && world.adgroup_effective_deleted_at(g).is_none())
            .filter(|g| auction(&g.campaign_id))
            .map(|g| g.adgroup_id.clone())
            .collect(),
        Level::Ad => world
            .ads
            .iter()
            .filter(|a| a.advertiser_id == adv && world.ad_effective_deleted_at(a).is_none())
            .filter(|a| auction(&a.campaign_id))
            .map(|a| a.ad_id.clone())
            .collect(),
    }
}

/// "Name · rev 2" → "Name · rev 3": a visible field change on every modification.
pub(crate) fn next_revision(name: &str) -> String {
    const MARK: &str = " · rev ";
    match name.rsplit_once(MARK) {
        Some((base, n)) if n.parse::<u32>().is_ok() => {
            format!("{base}{MARK}{}", n.parse::<u32>().unwrap_or(1) + 1)
        }
        _ => format!("{name}{MARK}2"),
    }
}

pub fn modify(
    world: &mut World,
    adv: &str,
    level: Level,
    n: usize,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Vec<String> {
    let ids = choose(live_ids(world, adv, level), n, rng);
    for id in &ids {
        modify_one(world, level, id, now);
    }
    ids
}

/// Renames the entity `id` at `level` (and raises a set campaign budget); `modify_time` = now.
pub(crate) fn modify_one(world: &mut World, level: Level, id: &str, now: DateTime<Utc>) {
    match level {
        Level::Campaign => {
            if let Some(c) = world.campaigns.iter_mut().find(|c| c.campaign_id == id) {
                c.campaign_name = next_revision(&c.campaign_name);
                if c.budget > 0.0 {
                    c.budget += 10.0;
                }
                c.modify_time = now;
            }
        }
        Level::AdGroup => {
            if let Some(g) = world.adgroups.iter_mut().find(|g| g.adgroup_id == id) {
                g.adgroup_name = next_revision(&g.adgroup_name);
                g.modify_time = now;
            }
        }
        Level::Ad => {
            if let Some(a) = world.ads.iter_mut().find(|a| a.ad_id == id) {
                a.ad_name = next_revision(&a.ad_name);
                a.modify_time = Some(now);
            }
        }
    }
}

pub fn delete(
    world: &mut World,
    adv: &str,
    level: Level,
    n: usize,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Vec<String> {
    let ids = choose(live_ids(world, adv, level), n, rng);
    for id in &ids {
        delete_one(world, level, id, now);
    }
    ids
}

/// Deletes the entity `id` at `level` now (`modify_time` = now).
pub(crate) fn delete_one(world: &mut World, level: Level, id: &str, now: DateTime<Utc>) {
    match level {
        Level::Campaign => {
            if let Some(c) = world.campaigns.iter_mut().find(|c| c.campaign_id == id) {
                c.deleted_at = Some(now);
                c.modify_time = now;
            }
        }
        Level::AdGroup => {
            if let Some(g) = world.adgroups.iter_mut().find(|g| g.adgroup_id == id) {
                g.deleted_at = Some(now);
                g.modify_time = now;
            }
        }
        Level::Ad => {
            if let Some(a) = world.ads.iter_mut().find(|a| a.ad_id == id) {
                a.deleted_at = Some(now);
                a.modify_time = Some(now);
            }
        }
    }
}

/// New entities created at `now`; ad groups and ads go under random live parents, and a parent is
/// created first when the advertiser has none.
pub fn add(
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
    let mut ids = IdSpace::of(world);
    let t = created_now(now);
    let mut out = Vec::new();
    for _ in 0..n {
        let id = match level {
            Level::Campaign => {
                let index = world
                    .campaigns
                    .iter()
                    .filter(|c| c.advertiser_id == adv)
                    .count();
                let c = new_campaign(&mut ids, rng, adv, &t, index);
                let id = c.campaign_id.clone();
                world.campaigns.push(c);
                id
            }
            Level::AdGroup => {
                let parent = match choose(live_ids(world, adv, Level::Campaign), 1, rng).pop() {
                    Some(p) => p,
                    None => add(world, adv, Level::Campaign, 1, now, rng)
                        .pop()
                        .unwrap_or_default(),
                };
                let Some(c) = world.campaign(&parent).cloned() else {
                    break;
                };
                let index = world
                    .adgroups
                    .iter()
                    .filter(|g| g.campaign_id == parent)
                    .count();
                let mut ids = IdSpace::of(world);
                let g = new_adgroup(&mut ids, rng, &c, &t, index);
                let id = g.adgroup_id.clone();
                world.adgroups.push(g);
                id
            }
            Level::Ad => {
                let parent = match choose(live_ids(world, adv, Level::AdGroup), 1, rng).pop() {
                    Some(p) => p,
                    None => add(world, adv, Level::AdGroup, 1, now, rng)
                        .pop()
                        .unwrap_or_default(),
                };
                let Some(g) = world.adgroup(&parent).cloned() else {
                    break;
                };
                let videos: Vec<String> = world
                    .videos
                    .iter()
                    .filter(|v| v.advertiser_id == adv)
                    .map(|v| v.id.clone())
                    .collect();
                let images: Vec<String> = world
                    .images
                    .iter()
                    .filter(|v| v.advertiser_id == adv)
                    .map(|v| v.id.clone())
                    .collect();
                let mut ids = IdSpace::of(world);
                let a = new_ad(&mut ids, rng, &g, &t, &videos, &images);
                let id = a.ad_id.clone();
                world.ads.push(a);
                id
            }
        };
        // Keep the outer id space in step with ids reserved by nested calls.
        ids = IdSpace::of(world);
        out.push(id);
    }
    out
}
