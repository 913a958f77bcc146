//! Which entities a request reports on: the rows' groups (one per entity at the data level, after
//! the status and ID filters) and the ads whose delivery each group adds up.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::catalog::Level;
use super::quantity::AdModel;
use super::query::Query;
use super::timeline::{self, SECS_PER_HOUR};
use crate::model::{Ad, AdGroup, Advertiser, Campaign, World};
use crate::smart_plus::SmartPlusAd;

/// The entities behind a row, for attribute metrics. Only those at or above the data level are
/// set, and none when the request has no ID dimension (a row then spans many entities).
#[derive(Clone, Copy, Debug, Default)]
pub struct Entity<'w> {
    /// Set on every row: each row belongs to one advertiser.
    pub advertiser: Option<&'w Advertiser>,
    pub campaign: Option<&'w Campaign>,
    pub adgroup: Option<&'w AdGroup>,
    pub ad: Option<&'w Ad>,
    /// The Smart+ ad of the row: of its creative (`ad_id` rows) or itself (`ad_id_v2` rows).
    pub smart_plus_ad: Option<&'w SmartPlusAd>,
    /// `campaign_automation_type` of the row's campaign.
    pub automation: Option<&'static str>,
}

pub struct Group<'w> {
    /// Index into [`Selection::advertisers`].
    pub advertiser: usize,
    /// The ID dimension's value.
    pub id: Option<&'w str>,
    pub entity: Entity<'w>,
    /// Indices into the advertiser's `ads`.
    pub members: Vec<usize>,
}

pub struct AdvertiserData<'w> {
    pub advertiser: &'w Advertiser,
    pub tz: Tz,
    pub ads: Vec<AdModel>,
}

pub struct Selection<'w> {
    pub advertisers: Vec<AdvertiserData<'w>>,
    /// Sorted by advertiser (request order), then ID.
    pub groups: Vec<Group<'w>>,
    /// Entities at the data level that passed the filters: the query weight counts these.
    pub entity_count: u64,
}

fn deleted(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    at.is_some_and(|t| t <= now)
}

/// The UTC hours in which an ad could deliver: from the hour of its creation up to and including
/// the hour of its effective deletion (its own, its ad group's or its campaign's).
fn live_hours(ad: &Ad, deleted_at: Option<DateTime<Utc>>) -> std::ops::Range<i64> {
    let first = ad.create_time.timestamp().div_euclid(SECS_PER_HOUR);
    let end = deleted_at.map_or(i64::MAX, |t| {
        let secs = t.timestamp();
        secs.div_euclid(SECS_PER_HOUR) + i64::from(secs.rem_euclid(SECS_PER_HOUR) > 0)
    });
    first..end.max(first)
}

pub fn select<'w>(world: &'w World, q: &Query, now: DateTime<Utc>, seed: u64) -> Selection<'w> {
    let mut sel = Selection {
        advertisers: Vec::new(),
        groups: Vec::new(),
        entity_count: 0,
    };
    for id in &q.advertisers {
        let Some(advertiser) = world.advertiser(id) else {
            continue;
        };
        let index = sel.advertisers.len();
        let tz = if q.utc {
            Tz::UTC
        } else {
            timeline::zone(&advertiser.timezone)
        };
        let (data, groups, count) = select_advertiser(world, q, now, seed, advertiser, tz, index);
        sel.advertisers.push(data);
        sel.groups.extend(groups);
        sel.entity_count += count;
    }
    sel
}

fn select_advertiser<'w>(
    world: &'w World,
    q: &Query,
    now: DateTime<Utc>,
    seed: u64,
    advertiser: &'w Advertiser,
    tz: Tz,
    index: usize,
) -> (AdvertiserData<'w>, Vec<Group<'w>>, u64) {
    let adv_id = advertiser.advertiser_id.as_str();
    // Campaigns of the buying types the report covers, and the ad groups and ads under them
    // (an orphan, whose campaign is unknown, counts as auction).
    let every_campaign: HashMap<&str, &Campaign> = world
        .campaigns
        .iter()
        .filter(|c| c.advertiser_id == adv_id)
        .map(|c| (c.campaign_id.as_str(), c))
        .collect();
    let covered = |campaign_id: &str| q.buying.admits(every_campaign.get(campaign_id).copied());
    let campaigns: HashMap<&str, &Campaign> = every_campaign
        .iter()
        .filter(|(id, _)| covered(id))
        .map(|(id, c)| (*id, *c))
        .collect();
    let adgroups: HashMap<&str, &AdGroup> = world
        .adgroups
        .iter()
        .filter(|g| g.advertiser_id == adv_id && covered(&g.campaign_id))
        .map(|g| (g.adgroup_id.as_str(), g))
        .collect();
    let ads: Vec<&Ad> = world
        .ads
        .iter()
        .filter(|a| a.advertiser_id == adv_id && covered(&a.campaign_id))
        .collect();
    let smart_plus_of = world.smart_plus.ads_by_creative();
    let automation_of = |campaign_id: &str| world.smart_plus.automation_type(campaign_id);
    let automation_wanted = |campaign_id: &str| {
        q.automation
            .as_ref()
            .is_none_or(|set| set.contains(automation_of(campaign_id)))
    };
    // The report's `ad_id_v2` of an ad: its Smart+ ad, or itself.
    let v2_of = |a: &'w Ad| -> &'w str {
        smart_plus_of
            .get(a.ad_id.as_str())
            .map_or(a.ad_id.as_str(), |s| s.smart_plus_ad_id.as_str())
    };
    let campaign_of = |id: &str| campaigns.get(id).copied();
    let adgroup_of = |id: &str| adgroups.get(id).copied();
    // Same rule as World::ad_effective_deleted_at / adgroup_effective_deleted_at, via the maps.
    let campaign_deleted_at = |id: &str| campaign_of(id).and_then(|c| c.deleted_at);
    let adgroup_deleted_at = |g: &AdGroup| {
        [g.deleted_at, campaign_deleted_at(&g.campaign_id)]
            .into_iter()
            .flatten()
            .min()
    };
    let ad_deleted_at = |a: &Ad| {
        let group = adgroup_of(&a.adgroup_id).and_then(|g| g.deleted_at);
        [a.deleted_at, group, campaign_deleted_at(&a.campaign_id)]
            .into_iter()
            .flatten()
            .min()
    };
    let wanted =
        |set: &Option<BTreeSet<String>>, id: &str| set.as_ref().is_none_or(|s| s.contains(id));
    let ad_matches = |a: &'w Ad| {
        wanted(&q.campaign_ids, &a.campaign_id)
            && wanted(&q.adgroup_ids, &a.adgroup_id)
            && wanted(&q.ad_ids, &a.ad_id)
            && wanted(&q.ad_ids_v2, v2_of(a))
            && automation_wanted(&a.campaign_id)
    };

    let own = Entity {
        advertiser: Some(advertiser),
        ..Entity::default()
    };
    // (id, entity, members as indices into `ads`)
    let mut entities: Vec<(&'w str, Entity<'w>, Vec<usize>)> = match q.level {
        Level::Advertiser => vec![(
            adv_id,
            own,
            (0..ads.len())
                .filter(|&i| automation_wanted(&ads[i].campaign_id))
                .collect(),
        )],
        Level::Campaign => {
            let mut members: HashMap<&str, Vec<usize>> = HashMap::new();
            for (i, a) in ads.iter().enumerate() {
                members.entry(a.campaign_id.as_str()).or_default().push(i);
            }
            campaigns
                .values()
                .filter(|c| {
                    q.status.admits(deleted(c.deleted_at, now))
                        && wanted(&q.campaign_ids, &c.campaign_id)
                        && automation_wanted(&c.campaign_id)
                })
                .map(|c| {
                    let entity = Entity {
                        campaign: Some(c),
                        automation: Some(automation_of(&c.campaign_id)),
                        ..own
                    };
                    (
                        c.campaign_id.as_str(),
                        entity,
                        members.remove(c.campaign_id.as_str()).unwrap_or_default(),
                    )
                })
                .collect()
        }
        Level::AdGroup => {
            let mut members: HashMap<&str, Vec<usize>> = HashMap::new();
            for (i, a) in ads.iter().enumerate() {
                members.entry(a.adgroup_id.as_str()).or_default().push(i);
            }
            adgroups
                .values()
                .filter(|g| {
                    q.status.admits(deleted(adgroup_deleted_at(g), now))
                        && wanted(&q.campaign_ids, &g.campaign_id)
                        && wanted(&q.adgroup_ids, &g.adgroup_id)
                        && automation_wanted(&g.campaign_id)
                })
                .map(|g| {
                    let entity = Entity {
                        campaign: campaign_of(&g.campaign_id),
                        adgroup: Some(g),
                        automation: Some(automation_of(&g.campaign_id)),
                        ..own
                    };
                    (
                        g.adgroup_id.as_str(),
                        entity,
                        members.remove(g.adgroup_id.as_str()).unwrap_or_default(),
                    )
                })
                .collect()
        }
        Level::Ad if q.id_dim == Some("ad_id_v2") => {
            // One row per Smart+ ad adding up its admitted creatives; manual ads as they are.
            let mut by_v2: Vec<(&'w str, Entity<'w>, Vec<usize>)> = Vec::new();
            let mut index: HashMap<&str, usize> = HashMap::new();
            for (i, a) in ads.iter().enumerate() {
                if !(q.status.admits(deleted(ad_deleted_at(a), now)) && ad_matches(a)) {
                    continue;
                }
                let v2 = v2_of(a);
                if let Some(&k) = index.get(v2) {
                    by_v2[k].2.push(i);
                    continue;
                }
                let smart_plus_ad = smart_plus_of.get(a.ad_id.as_str()).copied();
                let entity = Entity {
                    campaign: campaign_of(&a.campaign_id),
                    adgroup: adgroup_of(&a.adgroup_id),
                    ad: if smart_plus_ad.is_some() {
                        None
                    } else {
                        Some(a)
                    },
                    smart_plus_ad,
                    automation: Some(automation_of(&a.campaign_id)),
                    ..own
                };
                index.insert(v2, by_v2.len());
                by_v2.push((v2, entity, vec![i]));
            }
            by_v2
        }
        Level::Ad => ads
            .iter()
            .enumerate()
            .filter(|(_, a)| q.status.admits(deleted(ad_deleted_at(a), now)) && ad_matches(a))
            .map(|(i, a)| {
                let entity = Entity {
                    advertiser: Some(advertiser),
                    campaign: campaign_of(&a.campaign_id),
                    adgroup: adgroup_of(&a.adgroup_id),
                    ad: Some(a),
                    smart_plus_ad: smart_plus_of.get(a.ad_id.as_str()).copied(),
                    automation: Some(automation_of(&a.campaign_id)),
                };
                (a.ad_id.as_str(), entity, vec![i])
            })
            .collect(),
    };
    entities.sort_by(|a, b| a.0.cmp(b.0));
    let count = entities.len() as u64;

    // Only ads some group adds up need a model.
    let mut model_index: Vec<Option<usize>> = vec![None; ads.len()];
    let mut models = Vec::new();
    // The account's own zone shapes its day even when the report is labelled in UTC.
    let offset = timeline::reference_offset_hours(timeline::zone(&advertiser.timezone));
    let mut groups: Vec<Group<'w>> = Vec::new();
    for (id, entity, members) in entities {
        let members = members
            .into_iter()
            .map(|i| {
                *model_index[i].get_or_insert_with(|| {
                    let ad = ads[i];
                    models.push(AdModel::new(
                        seed,
                        &ad.ad_id,
                        live_hours(ad, ad_deleted_at(ad)),
                        offset,
                    ));
                    models.len() - 1
                })
            })
            .collect();
        groups.push(Group {
            advertiser: index,
            id: Some(id),
            entity,
            members,
        });
    }
    if q.id_dim.is_none() {
        // Without an ID dimension a row adds up every selected entity of the advertiser.
        let mut members: Vec<usize> = groups.drain(..).flat_map(|g| g.members).collect();
        members.sort_unstable();
        members.dedup();
        groups.push(Group {
            advertiser: index,
            id: None,
            entity: own,
            members,
        });
    }
    (
        AdvertiserData {
            advertiser,
            tz,
            ads: models,
        },
        groups,
        count,
    )
}
