//! Seeded Business Centers over the world's advertisers. Advertiser `i` is administered by BC
//! `i mod n`; the second advertiser is also an operator asset of the first BC, so one account is
//! in two BCs while only its owner sees its balance and transactions.

use chrono::{DateTime, Duration, Utc};

use super::{BcAccount, BcMember, BusinessCenter};
use crate::model::World;
use crate::rng::{hash, Rng};

struct Template {
    name: &'static str,
    company: &'static str,
    currency: &'static str,
    area: &'static str,
    timezone: &'static str,
    bc_type: &'static str,
}

const TEMPLATES: &[Template] = &[
    Template {
        name: "Northwind Agency BC",
        company: "Northwind Media Co., Ltd.",
        currency: "USD",
        area: "TH",
        timezone: "Asia/Bangkok",
        bc_type: "AGENCY",
    },
    Template {
        name: "Acme Brands BC",
        company: "Acme Brands Inc.",
        currency: "USD",
        area: "US",
        timezone: "America/New_York",
        bc_type: "NORMAL",
    },
    Template {
        name: "Nordlicht Gruppe BC",
        company: "Nordlicht Gruppe AG",
        currency: "EUR",
        area: "DE",
        timezone: "Europe/Berlin",
        bc_type: "DIRECT",
    },
];

const OTHER_MEMBERS: &[(&str, &str, &str, Option<&str>, &str)] = &[
    (
        "Dana Finance",
        "d***a@example.com",
        "STANDARD",
        Some("MANAGER"),
        "BOUND",
    ),
    (
        "Sam Analyst",
        "s***m@example.com",
        "STANDARD",
        Some("ANALYST"),
        "BOUND",
    ),
    (
        "Pat Pending",
        "p***t@example.com",
        "STANDARD",
        None,
        "PENDING",
    ),
];

/// Creates the BCs (when there are none yet) and gives every advertiser without an owner BC
/// one, so advertisers added later join too.
pub fn grow(world: &mut World, seed: u64, count: usize, now: DateTime<Utc>) {
    if count == 0 {
        return;
    }
    if world.business.centers.is_empty() {
        for i in 0..count {
            let t = &TEMPLATES[i % TEMPLATES.len()];
            let mut rng = Rng::new(hash(&[seed, 0xBC, i as u64]));
            let round = i / TEMPLATES.len();
            let bc_id = format!("7{:018}", hash(&[seed, 0xBC1D, i as u64]) % 10u64.pow(18));
            world.business.centers.push(BusinessCenter {
                bc_id: bc_id.clone(),
                name: if round == 0 {
                    t.name.to_string()
                } else {
                    format!("{} {}", t.name, round + 1)
                },
                company: t.company.to_string(),
                currency: t.currency.to_string(),
                registered_area: t.area.to_string(),
                status: "ENABLE".to_string(),
                timezone: t.timezone.to_string(),
                bc_type: t.bc_type.to_string(),
                create_time: now - Duration::days(800 + rng.range(0, 400)),
                token_user_role: if i == 0 { "ADMIN" } else { "STANDARD" }.to_string(),
            });
            for (k, m) in OTHER_MEMBERS.iter().enumerate() {
                world.business.members.push(BcMember {
                    bc_id: bc_id.clone(),
                    user_id: (m.4 == "BOUND")
                        .then(|| format!("69900000000000{:05}", i * 10 + k + 2)),
                    user_name: m.0.to_string(),
                    user_email: m.1.to_string(),
                    user_role: m.2.to_string(),
                    relation_status: m.4.to_string(),
                    finance_role: m.3.map(str::to_string),
                });
            }
        }
    }
    let n = world.business.centers.len();
    let advertisers: Vec<String> = world
        .advertisers
        .iter()
        .map(|a| a.advertiser_id.clone())
        .collect();
    for (i, adv) in advertisers.iter().enumerate() {
        if world.business.owner_of(adv).is_some() {
            continue;
        }
        let bc = &world.business.centers[i % n];
        let admin = bc.token_user_role == "ADMIN";
        world.business.accounts.push(BcAccount {
            bc_id: bc.bc_id.clone(),
            advertiser_id: adv.clone(),
            advertiser_role: if admin { "ADMIN" } else { "OPERATOR" }.to_string(),
            administered: true,
        });
        if i == 1 && n > 1 {
            world.business.accounts.push(BcAccount {
                bc_id: world.business.centers[0].bc_id.clone(),
                advertiser_id: adv.clone(),
                advertiser_role: "OPERATOR".to_string(),
                administered: false,
            });
        }
    }
}
