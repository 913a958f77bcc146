//! The data generator: a seeded World of advertisers, their campaigns → ad groups → ads and their
//! creative assets, with times relative to the emulator clock.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};

use crate::assets;
use crate::buying::Buying;
use crate::config::EmulatorConfig;
use crate::model::{Ad, AdGroup, Advertiser, Campaign, World};
use crate::reservations;
use crate::rng::{hash, Rng};

/// How much to grow under each advertiser.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub campaigns: usize,
    pub adgroups: usize,
    pub ads: usize,
    pub assets: usize,
    pub history_days: u32,
    /// Reach & Frequency, TopView and Pulse campaigns per advertiser (see `reservations`).
    pub reservations: usize,
}

impl Shape {
    pub fn of(cfg: &EmulatorConfig) -> Shape {
        Shape {
            campaigns: cfg.campaigns_per_advertiser,
            adgroups: cfg.adgroups_per_campaign,
            ads: cfg.ads_per_adgroup,
            assets: cfg.assets_per_advertiser,
            history_days: cfg.history_days,
            reservations: cfg.reservation_campaigns_per_advertiser,
        }
    }
}

struct Template {
    name: &'static str,
    timezone: &'static str,
    display_timezone: &'static str,
    currency: &'static str,
    country: &'static str,
    company: &'static str,
    industry: &'static str,
    language: &'static str,
}

/// The first four cover the required spread: behind UTC (Los Angeles, Etc/GMT+5), ahead (Tokyo),
/// four currencies, and a name pair that only differs in case and surrounding spaces.
const TEMPLATES: &[Template] = &[
    Template {
        name: "Acme Shoes",
        timezone: "America/Los_Angeles",
        display_timezone: "America/Los_Angeles",
        currency: "USD",
        country: "US",
        company: "Acme Footwear Inc.",
        industry: "290104",
        language: "en",
    },
    Template {
        name: " acme shoes",
        timezone: "Asia/Tokyo",
        display_timezone: "Asia/Tokyo",
        currency: "JPY",
        country: "JP",
        company: "Acme Japan K.K.",
        industry: "290104",
        language: "ja",
    },
    Template {
        name: "Nordlicht Outdoor GmbH",
        timezone: "Europe/Berlin",
        display_timezone: "Europe/Berlin",
        currency: "EUR",
        country: "DE",
        company: "Nordlicht Outdoor GmbH",
        industry: "290201",
        language: "de",
    },
    Template {
        name: "Café Bogotá",
        timezone: "Etc/GMT+5",
        display_timezone: "America/Bogota",
        currency: "COP",
        country: "CO",
        company: "Café Bogotá S.A.S.",
        industry: "290305",
        language: "es",
    },
    Template {
        name: "Kolkata Kitchens",
        timezone: "Asia/Kolkata",
        display_timezone: "Asia/Kolkata",
        currency: "INR",
        country: "IN",
        company: "Kolkata Kitchens Pvt Ltd",
        industry: "290305",
        language: "en",
    },
    Template {
        name: "Bondi Surf Co",
        timezone: "Australia/Sydney",
        display_timezone: "Australia/Sydney",
        currency: "AUD",
        country: "AU",
        company: "Bondi Surf Co Pty Ltd",
        industry: "290104",
        language: "en",
    },
    Template {
        name: "Moscow Lamps",
        timezone: "Europe/Moscow",
        display_timezone: "Europe/Moscow",
        currency: "RUB",
        country: "RU",
        company: "Moscow Lamps LLC",
        industry: "290402",
        language: "ru",
    },
    Template {
        name: "ACME SHOES ",
        timezone: "America/New_York",
        display_timezone: "America/New_York",
        currency: "USD",
        country: "US",
        company: "Acme Footwear East LLC",
        industry: "290104",
        language: "en",
    },
];

/// Campaign name stems with their objective; the names include non-ASCII text and quotes on purpose.
const CAMPAIGN_KINDS: &[(&str, &str)] = &[
    ("Website Traffic", "TRAFFIC"),
    ("Summer Sale ☀️", "WEB_CONVERSIONS"),
    ("App Installs", "APP_PROMOTION"),
    ("Retargeting – Cart", "WEB_CONVERSIONS"),
    ("Brand Awareness", "REACH"),
    ("Lead Gen \"Q4\"", "LEAD_GENERATION"),
    ("Black Friday", "PRODUCT_SALES"),
    ("Video Views", "VIDEO_VIEWS"),
    ("Community Boost", "ENGAGEMENT"),
];
const AUDIENCES: &[&str] = &[
    "Women 25-34",
    "Lookalike 1%",
    "Broad",
    "Interests: Running",
    "Men 18-24",
    "Retargeting 30d",
];
const GOALS: &[&str] = &["CLICK", "CONVERT", "REACH", "SHOW", "INSTALL", "VALUE"];
const CTAS: &[&str] = &[
    "LEARN_MORE",
    "SHOP_NOW",
    "SIGN_UP",
    "DOWNLOAD_NOW",
    "CONTACT_US",
    "ORDER_NOW",
];
const AD_TEXTS: &[&str] = &[
    "New season, new kicks. Free shipping today!",
    "Tap to see the collection 👟",
    "Limited stock – don't miss out",
    "Rated 4.9/5 by 10,000+ customers",
    "Your next adventure starts here",
];

/// Reserves unique numeric ids. TikTok ids grow with creation time, so ids here do too: sorting
/// by id descending is (almost) newest first, as with the real API.
pub struct IdSpace {
    used: HashSet<u64>,
}

pub const ADVERTISER_BASE: u64 = 7_000_000_000_000_000_000;
pub const CAMPAIGN_BASE: u64 = 1_700_000_000_000_000;
pub const ADGROUP_BASE: u64 = 1_750_000_000_000_000;
pub const AD_BASE: u64 = 1_800_000_000_000_000;

impl IdSpace {
    pub fn of(world: &World) -> IdSpace {
        let mut used = HashSet::new();
        let ids = world
            .advertisers
            .iter()
            .map(|a| &a.advertiser_id)
            .chain(world.campaigns.iter().map(|c| &c.campaign_id))
            .chain(world.adgroups.iter().map(|g| &g.adgroup_id))
            .chain(world.ads.iter().map(|a| &a.ad_id))
            .chain(world.smart_plus.ads.iter().map(|a| &a.smart_plus_ad_id))
            .chain(world.gmv_max.campaigns.iter().map(|c| &c.campaign_id));
        for id in ids {
            if let Ok(n) = id.parse::<u64>() {
                used.insert(n);
            }
        }
        IdSpace { used }
    }

    /// A fresh id `base + ms_since_2020 * scale + noise`.
    pub fn fresh(&mut self, base: u64, scale: u64, t: DateTime<Utc>, rng: &mut Rng) -> String {
        let ms = (t.timestamp_millis() - 1_577_836_800_000).max(0) as u64;
        let mut id = base
            .saturating_add(ms.saturating_mul(scale))
            .saturating_add(rng.below(scale));
        while !self.used.insert(id) {
            id = id.wrapping_add(1);
        }
        id.to_string()
    }
}

/// Lifetime of one entity: created, last modified, deleted (deletion also sets `modify`).
#[derive(Clone, Copy, Debug)]
pub struct EntityTimes {
    pub create: DateTime<Utc>,
    pub modify: DateTime<Utc>,
    pub deleted: Option<DateTime<Utc>>,
}

/// An entity created at `now`.
pub fn created_now(now: DateTime<Utc>) -> EntityTimes {
    EntityTimes {
        create: now,
        modify: now,
        deleted: None,
    }
}

fn between(rng: &mut Rng, lo: DateTime<Utc>, hi: DateTime<Utc>) -> DateTime<Utc> {
    if hi <= lo {
        return lo;
    }
    lo + Duration::seconds(rng.range(0, (hi - lo).num_seconds()))
}

/// Times inside the parent's lifetime: created in `lo..create_hi`, everything before `end`.
pub fn times(
    rng: &mut Rng,
    lo: DateTime<Utc>,
    create_hi: DateTime<Utc>,
    end: DateTime<Utc>,
    delete: bool,
) -> EntityTimes {
    let create = between(rng, lo, create_hi.min(end));
    let modify = if rng.chance(0.5) {
        create
    } else {
        between(rng, create, end)
    };
    let deleted = delete.then(|| between(rng, modify, end));
    EntityTimes {
        create,
        modify: deleted.unwrap_or(modify),
        deleted,
    }
}

/// Rough currency/country for an advertiser added by time zone alone.
fn locale_for(timezone: &str) -> (&'static str, &'static str) {
    match timezone {
        "Asia/Tokyo" => ("JPY", "JP"),
        "Asia/Kolkata" => ("INR", "IN"),
        "Europe/Moscow" => ("RUB", "RU"),
        "Europe/London" => ("GBP", "GB"),
        "Australia/Sydney" => ("AUD", "AU"),
        tz if tz.starts_with("Europe/") => ("EUR", "DE"),
        _ => ("USD", "US"),
    }
}

pub fn generate(cfg: &EmulatorConfig) -> World {
    let mut world = World::default();
    let mut ids = IdSpace::of(&world);
    let shape = Shape::of(cfg);
    for i in 0..cfg.advertisers {
        let mut rng = Rng::new(hash(&[cfg.seed, 0xAD, i as u64]));
        let t = &TEMPLATES[i % TEMPLATES.len()];
        let round = i / TEMPLATES.len();
        let name = if round == 0 {
            t.name.to_string()
        } else {
            format!("{} {}", t.name, round + 1)
        };
        let adv = advertiser(&mut ids, &mut rng, cfg.now, shape.history_days, name, t);
        let id = adv.advertiser_id.clone();
        world.advertisers.push(adv);
        // Spread the guaranteed deletions over the first three advertisers so that none of them
        // is left with only a sliver of live entities.
        let last = cfg.advertisers.saturating_sub(1);
        let forced = Forced {
            campaign: i == 0,
            adgroup: i == 1.min(last),
            ad: i == 2.min(last),
        };
        grow(&mut world, &mut ids, &mut rng, &id, shape, cfg.now, forced);
        crate::extended_world::grow_advertiser(
            &mut world,
            &mut ids,
            cfg.seed,
            &cfg.extended,
            &id,
            cfg.now,
            shape.history_days,
        );
    }
    crate::extended_world::grow_business(&mut world, cfg.seed, &cfg.extended, cfg.now);
    world
}

fn advertiser(
    ids: &mut IdSpace,
    rng: &mut Rng,
    now: DateTime<Utc>,
    history_days: u32,
    name: String,
    t: &Template,
) -> Advertiser {
    let create = now
        - Duration::days(i64::from(history_days) + rng.range(30, 700))
        - Duration::seconds(rng.range(0, 86_399));
    Advertiser {
        advertiser_id: ids.fresh(ADVERTISER_BASE, 1000, create, rng),
        name,
        timezone: t.timezone.to_string(),
        display_timezone: t.display_timezone.to_string(),
        currency: t.currency.to_string(),
        country: t.country.to_string(),
        company: t.company.to_string(),
        industry: t.industry.to_string(),
        status: "STATUS_ENABLE".to_string(),
        role: "ROLE_ADVERTISER".to_string(),
        balance: (rng.range(10_000, 5_000_000) as f64) / 100.0,
        create_time: create,
    }
}

/// A new advertiser with its own tree, as `Emulator::add_advertiser` makes it.
pub fn add_advertiser(
    world: &mut World,
    seed: u64,
    shape: Shape,
    name: &str,
    timezone: &str,
    now: DateTime<Utc>,
) -> String {
    let mut ids = IdSpace::of(world);
    let n = world.advertisers.len() as u64;
    let mut rng = Rng::new(hash(&[seed, 0xADD, n]));
    let (currency, country) = locale_for(timezone);
    let t = Template {
        name: "",
        timezone: "",
        display_timezone: "",
        currency,
        country,
        company: "",
        industry: "290104",
        language: "en",
    };
    let mut adv = advertiser(
        &mut ids,
        &mut rng,
        now,
        shape.history_days,
        name.to_string(),
        &t,
    );
    adv.timezone = timezone.to_string();
    adv.display_timezone = timezone.to_string();
    adv.company = format!("{} Ltd", name.trim());
    let id = adv.advertiser_id.clone();
    world.advertisers.push(adv);
    grow(
        world,
        &mut ids,
        &mut rng,
        &id,
        shape,
        now,
        Forced::default(),
    );
    id
}

/// Language of an advertiser's country (not stored in the model).
pub fn language_of_country(country: &str) -> &'static str {
    TEMPLATES
        .iter()
        .find(|t| t.country == country)
        .map(|t| t.language)
        .unwrap_or("en")
}

/// Deletions that must happen whatever the dice say, so even a tiny world has deleted entities at
/// every level: the last campaign, the last ad group of the first campaign, the last ad of the
/// first ad group.
#[derive(Clone, Copy, Default)]
struct Forced {
    campaign: bool,
    adgroup: bool,
    ad: bool,
}

/// Campaigns, ad groups, ads and assets of one advertiser. The first child of every parent is
/// never deleted at random, so every live parent keeps a live child.
fn grow(
    world: &mut World,
    ids: &mut IdSpace,
    rng: &mut Rng,
    adv_id: &str,
    shape: Shape,
    now: DateTime<Utc>,
    forced: Forced,
) {
    let history = Duration::days(i64::from(shape.history_days.max(1)));
    let start = now - history;
    assets::generate(world, rng, adv_id, shape.assets, now, history);
    let videos: Vec<String> = world
        .videos
        .iter()
        .filter(|v| v.advertiser_id == adv_id)
        .map(|v| v.id.clone())
        .collect();
    let images: Vec<String> = world
        .images
        .iter()
        .filter(|v| v.advertiser_id == adv_id)
        .map(|v| v.id.clone())
        .collect();
    for ci in 0..shape.campaigns {
        let must = forced.campaign && ci == shape.campaigns - 1 && ci > 0;
        let del = must || (ci > 0 && rng.chance(0.12));
        let t = times(
            rng,
            start,
            now - Duration::hours(2),
            now - Duration::minutes(1),
            del,
        );
        let campaign = new_campaign(ids, rng, adv_id, &t, ci);
        let c_end = t.deleted.unwrap_or(now - Duration::minutes(1));
        world.campaigns.push(campaign);
        for gi in 0..shape.adgroups {
            let must = forced.adgroup && ci == 0 && gi == shape.adgroups - 1 && gi > 0;
            let del = must || (gi > 0 && rng.chance(0.12));
            let gt = times(rng, t.create, t.create + Duration::days(3), c_end, del);
            let group = new_adgroup(
                ids,
                rng,
                &world.campaigns[world.campaigns.len() - 1],
                &gt,
                gi,
            );
            let g_end = gt.deleted.unwrap_or(c_end);
            world.adgroups.push(group);
            for ai in 0..shape.ads {
                let must = forced.ad && ci == 0 && gi == 0 && ai == shape.ads - 1 && ai > 0;
                let del = must || (ai > 0 && rng.chance(0.12));
                let at = times(rng, gt.create, gt.create + Duration::days(2), g_end, del);
                let group = &world.adgroups[world.adgroups.len() - 1];
                let ad = new_ad(ids, rng, group, &at, &videos, &images);
                world.ads.push(ad);
            }
        }
    }
    // From a stream of their own, so the auction entities above stay as they were.
    let mut reservation_rng = Rng::new(rng.next_u64());
    let media = reservations::Media {
        videos: &videos,
        images: &images,
    };
    reservations::grow(world, ids, &mut reservation_rng, adv_id, shape, now, media);
}

pub fn new_campaign(
    ids: &mut IdSpace,
    rng: &mut Rng,
    adv_id: &str,
    t: &EntityTimes,
    index: usize,
) -> Campaign {
    let (stem, objective) = *rng.pick(CAMPAIGN_KINDS);
    let (budget_mode, budget) = match rng.below(3) {
        0 => ("BUDGET_MODE_INFINITE", 0.0),
        1 => ("BUDGET_MODE_TOTAL", rng.range(500, 20_000) as f64),
        _ => ("BUDGET_MODE_DAY", rng.range(50, 2_000) as f64),
    };
    Campaign {
        advertiser_id: adv_id.to_string(),
        campaign_id: ids.fresh(CAMPAIGN_BASE, 100, t.create, rng),
        campaign_name: format!(
            "{stem} {}{}",
            t.create.format("%Y%m%d"),
            if index > 0 {
                format!(" #{index}")
            } else {
                String::new()
            }
        ),
        objective_type: objective.to_string(),
        budget,
        budget_mode: budget_mode.to_string(),
        operation_status: if rng.chance(0.8) { "ENABLE" } else { "DISABLE" }.to_string(),
        create_time: t.create,
        modify_time: t.modify,
        deleted_at: t.deleted,
        buying: Buying::Auction,
    }
}

pub fn new_adgroup(
    ids: &mut IdSpace,
    rng: &mut Rng,
    campaign: &Campaign,
    t: &EntityTimes,
    index: usize,
) -> AdGroup {
    let (budget_mode, budget) = if campaign.budget_mode == "BUDGET_MODE_INFINITE" {
        ("BUDGET_MODE_DAY", rng.range(20, 500) as f64)
    } else {
        ("BUDGET_MODE_INFINITE", 0.0)
    };
    AdGroup {
        advertiser_id: campaign.advertiser_id.clone(),
        campaign_id: campaign.campaign_id.clone(),
        adgroup_id: ids.fresh(ADGROUP_BASE, 100, t.create, rng),
        adgroup_name: format!("{} – {}", rng.pick(AUDIENCES), index + 1),
        placement_type: if rng.chance(0.7) {
            "PLACEMENT_TYPE_AUTOMATIC"
        } else {
            "PLACEMENT_TYPE_NORMAL"
        }
        .to_string(),
        budget,
        budget_mode: budget_mode.to_string(),
        bid_price: if rng.chance(0.5) {
            0.0
        } else {
            rng.range(10, 300) as f64 / 100.0
        },
        optimization_goal: rng.pick(GOALS).to_string(),
        operation_status: if rng.chance(0.85) {
            "ENABLE"
        } else {
            "DISABLE"
        }
        .to_string(),
        create_time: t.create,
        modify_time: t.modify,
        deleted_at: t.deleted,
    }
}

pub fn new_ad(
    ids: &mut IdSpace,
    rng: &mut Rng,
    group: &AdGroup,
    t: &EntityTimes,
    videos: &[String],
    images: &[String],
) -> Ad {
    let video = !videos.is_empty() && (images.is_empty() || rng.chance(0.75));
    let letter = char::from(b'A' + rng.below(26) as u8);
    Ad {
        advertiser_id: group.advertiser_id.clone(),
        campaign_id: group.campaign_id.clone(),
        adgroup_id: group.adgroup_id.clone(),
        ad_id: ids.fresh(AD_BASE, 100, t.create, rng),
        ad_name: format!(
            "{} {letter} {}",
            if video { "UGC video" } else { "Static" },
            t.create.format("%m-%d")
        ),
        ad_text: rng.pick(AD_TEXTS).to_string(),
        ad_format: if video {
            "SINGLE_VIDEO"
        } else {
            "SINGLE_IMAGE"
        }
        .to_string(),
        call_to_action: rng.pick(CTAS).to_string(),
        landing_page_url: format!(
            "https://www.example.com/lp/{}?utm_source=tiktok",
            rng.alnum(8)
        ),
        video_id: video.then(|| rng.pick(videos).clone()),
        image_ids: if video || images.is_empty() {
            Vec::new()
        } else {
            vec![rng.pick(images).clone()]
        },
        operation_status: if rng.chance(0.85) {
            "ENABLE"
        } else {
            "DISABLE"
        }
        .to_string(),
        create_time: t.create,
        modify_time: Some(t.modify),
        deleted_at: t.deleted,
    }
}
