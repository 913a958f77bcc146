//! The generated world: spread of advertisers, consistent times, determinism.

use std::collections::BTreeSet;

use chrono::{Duration, Offset, TimeZone};
use tiktok_emulator::generate::generate;
use tiktok_emulator::EmulatorConfig;

fn offset_hours(tz: &str, at: chrono::DateTime<chrono::Utc>) -> f64 {
    let zone: chrono_tz::Tz = tz.parse().unwrap_or_else(|_| panic!("unknown zone {tz}"));
    f64::from(
        zone.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc(),
    ) / 3600.0
}

#[test]
fn default_advertisers_cover_zones_currencies_and_colliding_names() {
    let cfg = EmulatorConfig::default();
    let w = generate(&cfg);
    assert_eq!(w.advertisers.len(), 4);
    let offsets: Vec<f64> = w
        .advertisers
        .iter()
        .map(|a| offset_hours(&a.timezone, cfg.now))
        .collect();
    assert!(offsets.iter().any(|o| *o > 0.0), "{offsets:?}");
    assert!(offsets.iter().any(|o| *o < 0.0), "{offsets:?}");
    let currencies: BTreeSet<&str> = w.advertisers.iter().map(|a| a.currency.as_str()).collect();
    assert!(currencies.len() >= 3, "{currencies:?}");
    let norm: Vec<String> = w
        .advertisers
        .iter()
        .map(|a| a.name.trim().to_lowercase())
        .collect();
    let unique: BTreeSet<&String> = norm.iter().collect();
    assert!(
        unique.len() < norm.len(),
        "two names collide ignoring case and spaces: {norm:?}"
    );
    let raw: BTreeSet<&str> = w.advertisers.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(raw.len(), w.advertisers.len(), "but the raw names differ");
    let ids: BTreeSet<&str> = w
        .advertisers
        .iter()
        .map(|a| a.advertiser_id.as_str())
        .collect();
    assert_eq!(ids.len(), 4);
    assert!(w
        .advertisers
        .iter()
        .all(|a| a.advertiser_id.chars().all(|c| c.is_ascii_digit())));
}

#[test]
fn entity_times_nest_inside_the_history_window() {
    let cfg = EmulatorConfig {
        advertisers: 6,
        campaigns_per_advertiser: 5,
        history_days: 30,
        reservation_campaigns_per_advertiser: 3,
        ..EmulatorConfig::default()
    };
    let w = generate(&cfg);
    let start = cfg.now - Duration::days(30);
    // The configured manual tree (5 auction and 3 reservation campaigns per advertiser, 2 ad
    // groups each, 2 ads each); Upgraded Smart+ campaigns come on top of it.
    let manual = |campaign_id: &str| w.smart_plus.campaign(campaign_id).is_none();
    assert_eq!(
        w.campaigns
            .iter()
            .filter(|c| manual(&c.campaign_id))
            .count(),
        48
    );
    assert_eq!(
        w.adgroups.iter().filter(|g| manual(&g.campaign_id)).count(),
        96
    );
    assert_eq!(w.ads.iter().filter(|a| manual(&a.campaign_id)).count(), 192);
    assert_eq!(
        w.smart_plus.campaigns.len(),
        6,
        "one Smart+ campaign per advertiser"
    );
    for c in &w.campaigns {
        assert!(c.create_time >= start && c.create_time <= cfg.now);
        assert!(c.modify_time >= c.create_time && c.modify_time <= cfg.now);
        if let Some(d) = c.deleted_at {
            assert_eq!(c.modify_time, d, "deletion bumps modify_time");
        }
        let adv = w.advertiser(&c.advertiser_id).unwrap();
        assert!(adv.create_time < c.create_time);
    }
    for g in &w.adgroups {
        let c = w.campaign(&g.campaign_id).unwrap();
        assert_eq!(c.advertiser_id, g.advertiser_id);
        assert!(
            g.create_time >= c.create_time
                && g.modify_time >= g.create_time
                && g.modify_time <= cfg.now
        );
        if let Some(cd) = c.deleted_at {
            assert!(
                g.create_time <= cd && g.modify_time <= cd,
                "nothing happens under a deleted campaign"
            );
        }
    }
    for a in &w.ads {
        let g = w.adgroup(&a.adgroup_id).unwrap();
        assert_eq!(
            (g.campaign_id.as_str(), g.advertiser_id.as_str()),
            (a.campaign_id.as_str(), a.advertiser_id.as_str())
        );
        assert!(a.create_time >= g.create_time);
        assert!(a
            .modify_time
            .is_none_or(|m| m >= a.create_time && m <= cfg.now));
        if let Some(v) = &a.video_id {
            assert!(w
                .videos
                .iter()
                .any(|x| &x.id == v && x.advertiser_id == a.advertiser_id));
        }
    }
    let all_ids: Vec<&str> = w
        .campaigns
        .iter()
        .map(|c| c.campaign_id.as_str())
        .chain(w.adgroups.iter().map(|g| g.adgroup_id.as_str()))
        .chain(w.ads.iter().map(|a| a.ad_id.as_str()))
        .collect();
    assert_eq!(
        all_ids.iter().collect::<BTreeSet<_>>().len(),
        all_ids.len(),
        "ids are unique"
    );
    let smart = w.ads.iter().filter(|a| a.modify_time.is_none()).count();
    assert!(
        smart >= 1 && smart * 5 <= w.ads.len(),
        "a few Smart+ ads without modify_time: {smart}"
    );
}

#[test]
fn same_seed_same_world_other_seed_other_world() {
    let a = serde_json::to_string(&generate(&EmulatorConfig::default())).unwrap();
    let b = serde_json::to_string(&generate(&EmulatorConfig::default())).unwrap();
    assert_eq!(a, b);
    let c = serde_json::to_string(&generate(&EmulatorConfig {
        seed: 43,
        ..EmulatorConfig::default()
    }))
    .unwrap();
    assert_ne!(a, c);
    // Times are relative to the clock.
    let later = EmulatorConfig {
        now: EmulatorConfig::default().now + Duration::days(100),
        ..EmulatorConfig::default()
    };
    let w = generate(&later);
    assert!(w
        .campaigns
        .iter()
        .all(|c| c.create_time >= later.now - Duration::days(60)));
}

#[test]
fn many_advertisers_keep_unique_names_per_round() {
    let w = generate(&EmulatorConfig {
        advertisers: 20,
        campaigns_per_advertiser: 1,
        ..EmulatorConfig::default()
    });
    assert_eq!(w.advertisers.len(), 20);
    let raw: BTreeSet<&str> = w.advertisers.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(raw.len(), 20);
    for a in &w.advertisers {
        assert!(
            a.timezone.parse::<chrono_tz::Tz>().is_ok(),
            "{}",
            a.timezone
        );
    }
}
