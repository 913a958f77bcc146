//! `bc/account/transaction/get/` data: transactions are a function of the seed and time, not
//! stored. Every UTC day, each account a BC administers gets 0–2 transactions at seeded instants
//! (from the day the account was created), and the BC itself gets one now and then; a
//! transaction exists once the clock has passed its instant, so new ones appear as the clock
//! advances and old ones never change. Ids are built from (BC, day, account, slot), so they are
//! unique by construction.

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};

use super::BusinessCenter;
use crate::model::World;
use crate::rng::{hash, hash_str, unit};

const SECS_PER_DAY: i64 = 86_400;
/// Slot number of BC-level transactions (accounts use their index in the world).
const BC_SLOT: usize = 9_999;

/// Transaction types with their amount type.
const TYPES: &[(&str, &str)] = &[
    ("ADD_BALANCE", "POSITIVE"),
    ("ADD_BALANCE", "POSITIVE"),
    ("BILL_PAYMENT", "NEGATIVE"),
    ("REFUND", "POSITIVE"),
    ("TRANSFER", "OTHER"),
];

/// `transaction_level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxLevel {
    Bc,
    Advertiser,
    PaymentPortfolio,
}

#[derive(Clone, Debug)]
pub struct Transaction {
    pub transaction_id: String,
    pub at: DateTime<Utc>,
    /// `None` for BC-level transactions.
    pub account: Option<(String, String)>,
    pub subtotal_cents: i64,
    pub tax_cents: i64,
    pub currency: String,
    pub transaction_type: &'static str,
    pub amount_type: &'static str,
    pub billing_type: &'static str,
}

fn money(cents: i64) -> Value {
    json!(cents as f64 / 100.0)
}

/// "UTC+07:00" for the BC's zone at `at`.
fn utc_offset(tz: Tz, at: DateTime<Utc>) -> String {
    let secs = tz
        .offset_from_utc_datetime(&at.naive_utc())
        .fix()
        .local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    format!("UTC{sign}{:02}:{:02}", secs / 3600, (secs % 3600) / 60)
}

pub fn zone(bc: &BusinessCenter) -> Tz {
    bc.timezone.parse::<Tz>().unwrap_or(Tz::UTC)
}

/// A wall time of the BC's zone as an instant (the earlier one in a fall-back hour).
pub fn from_local(bc: &BusinessCenter, local: NaiveDateTime) -> DateTime<Utc> {
    match zone(bc).from_local_datetime(&local) {
        chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
            t.with_timezone(&Utc)
        }
        // A spring-forward gap: the wall time does not exist; take it an hour later.
        chrono::LocalResult::None => from_local(bc, local + Duration::hours(1)),
    }
}

/// Who pays: an account (slot = its index in the world) or the BC itself.
struct Payer {
    slot: usize,
    account: Option<(String, String)>,
    /// No transactions before the account or BC existed.
    since: DateTime<Utc>,
    currency: String,
}

/// Every transaction of `bc` at `level` in `[from, to]` (both included) that exists at `now`,
/// newest first.
pub fn list(
    world: &World,
    seed: u64,
    bc: &BusinessCenter,
    level: TxLevel,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Transaction> {
    let bc_index = world
        .business
        .centers
        .iter()
        .position(|c| c.bc_id == bc.bc_id)
        .unwrap_or(0);
    let to = to.min(now);
    let mut out = Vec::new();
    if to < from {
        return out;
    }
    let payers: Vec<Payer> = match level {
        TxLevel::PaymentPortfolio => Vec::new(),
        TxLevel::Bc => vec![Payer {
            slot: BC_SLOT,
            account: None,
            since: bc.create_time,
            currency: bc.currency.clone(),
        }],
        TxLevel::Advertiser => world
            .advertisers
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                world
                    .business
                    .accounts_of(&bc.bc_id)
                    .any(|x| x.advertiser_id == a.advertiser_id && x.administered)
            })
            .map(|(i, a)| Payer {
                slot: i,
                account: Some((a.advertiser_id.clone(), a.name.clone())),
                since: a.create_time,
                currency: a.currency.clone(),
            })
            .collect(),
    };
    let first_day = from.timestamp().div_euclid(SECS_PER_DAY);
    let last_day = to.timestamp().div_euclid(SECS_PER_DAY);
    for Payer {
        slot,
        account,
        since,
        currency,
    } in &payers
    {
        let key = hash(&[seed, 0x7A, hash_str(&bc.bc_id), *slot as u64]);
        for day in first_day..=last_day {
            let h = hash(&[key, day as u64]);
            let u = unit(h);
            let count = match (slot, u) {
                (&BC_SLOT, u) if u < 0.15 => 1,
                (&BC_SLOT, _) => 0,
                (_, u) if u < 0.55 => 0,
                (_, u) if u < 0.9 => 1,
                _ => 2,
            };
            for k in 0..count {
                let hk = hash(&[h, k as u64]);
                let secs = day * SECS_PER_DAY + (hk % SECS_PER_DAY as u64) as i64;
                let Some(at) = DateTime::<Utc>::from_timestamp(secs, 0) else {
                    continue;
                };
                if at < from || at > to || at < *since {
                    continue;
                }
                let (transaction_type, amount_type) = TYPES[(hk >> 20) as usize % TYPES.len()];
                let subtotal_cents = 5_000 + ((hk >> 28) % 495_000) as i64;
                let taxed = (hk >> 50).is_multiple_of(3);
                let tax_cents = if taxed { subtotal_cents * 7 / 100 } else { 0 };
                out.push(Transaction {
                    transaction_id: format!(
                        "7{bc_index:02}{day:06}{slot:04}{k}{:05}",
                        (hk >> 8) % 100_000
                    ),
                    at,
                    account: account.clone(),
                    subtotal_cents,
                    tax_cents,
                    currency: currency.clone(),
                    transaction_type,
                    amount_type,
                    billing_type: if (hk >> 40).is_multiple_of(4) {
                        "CREDIT"
                    } else {
                        "CASH"
                    },
                });
            }
        }
    }
    out.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then_with(|| b.transaction_id.cmp(&a.transaction_id))
    });
    out
}

pub fn render(bc: &BusinessCenter, t: &Transaction) -> Value {
    let tz = zone(bc);
    json!({
        "transaction_id": t.transaction_id,
        "bc_id": bc.bc_id,
        "bc_name": bc.name,
        "account_id": t.account.as_ref().map(|a| a.0.clone()),
        "account_name": t.account.as_ref().map(|a| a.1.clone()),
        "amount": money(t.subtotal_cents + t.tax_cents),
        "subtotal": money(t.subtotal_cents),
        "tax_amount": money(t.tax_cents),
        "currency": t.currency,
        "amount_type": t.amount_type,
        "transaction_type": t.transaction_type,
        "billing_type": t.billing_type,
        "timezone": utc_offset(tz, t.at),
        "create_time": t.at.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string(),
        "invoice_id": if t.transaction_type == "BILL_PAYMENT" { json!(format!("INV{}", &t.transaction_id[1..])) } else { Value::Null },
        "serial_number": format!("SN{}", t.transaction_id),
    })
}
