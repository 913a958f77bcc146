//! Business Center streams (reference §5): what finance teams reconcile spend against. The
//! Business Centers are listed once per run (`bc/get/`, like the accounts) and every stream but
//! `business_centers` is read per Business Center, with its own cursor keyed by `bc_id`.
//!
//! - `business_centers`: one record per Business Center, from that listing.
//! - `business_center_ad_accounts`: `bc/asset/get/` with `asset_type` ADVERTISER.
//! - `advertiser_balances`: `advertiser/balance/get/`, the accounts the Business Center
//!   administers; a snapshot, stamped with the sync's time.
//! - `business_center_transactions`: `bc/account/transaction/get/` at the ad-account and the
//!   Business Center level (one pass each, tagged), incremental on `create_time`. TikTok takes
//!   `start_time`/`end_time` in the Business Center's zone, at most 365 days apart: the days
//!   from the start date (or the cursor's second) to now are cut into windows of 365 days.
//!   Transactions appear when they happen and do not change afterwards (as the emulator models
//!   them, and as a ledger should), so no lookback: the cursor is the newest `create_time` read,
//!   with the IDs read in that second, like the entity streams.
//!
//! The two finance endpoints need the Finance Manager or Finance Analyst role in the Business
//! Center; without it TikTok answers 40001, which ends those streams for that Business Center
//! with a config error that names the role, while the rest of the sync goes on.

use std::collections::HashSet;
use std::sync::Mutex;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde_json::{json, Map, Value};

use super::declared::Declared;
use super::list::{is_new, next_cursor, previous_instant, Newest};
use super::paging::{self, PageSummary};
use super::record::{parse_instant_text, push_json_str, rfc3339, Lines};
use crate::error::Error;
use crate::plan::Window;
use crate::protocol::now_ms;
use crate::read::{Job, Partitioning, PlanInput, Reader, SlicePlan};
use crate::state::Cursor;
use crate::tiktok::accounts::id_text;
use crate::tiktok::business_centers::BusinessCenter;
use crate::tiktok::client::BoxFuture;
use crate::tiktok::envelope::{self, AsValue, PageInfo};
use crate::tiktok::{json_param, ApiError, Query};

/// Business Center endpoints page 50 items at most.
const PAGE_SIZE: u64 = 50;
/// `bc/account/transaction/get/` spans at most 365 days.
const TRANSACTION_SPAN_DAYS: i64 = 365;
const BALANCES_PATH: &str = "advertiser/balance/get/";
const TRANSACTIONS_PATH: &str = "bc/account/transaction/get/";
/// The transaction levels read: an ad account's transactions, and the Business Center's own.
const TRANSACTION_LEVELS: &[&str] = &["ADVERTISER", "BC"];

pub static BUSINESS_CENTERS: Declared = Declared {
    name: "business_centers",
    source: "`bc/get/` (listed once per run)",
    primary_key: &["bc_id"],
    cursor: None,
    schema: || super::parse_schema(include_str!("schemas/business_centers.json")),
    reader: &BusinessCenters,
    production_only: true,
    business_centers: true,
};

pub static AD_ACCOUNTS: Declared = Declared {
    name: "business_center_ad_accounts",
    source: "`bc/asset/get/` (ADVERTISER) per Business Center",
    primary_key: &["bc_id", "asset_id"],
    cursor: None,
    schema: || super::parse_schema(include_str!("schemas/business_center_ad_accounts.json")),
    reader: &Paged(Listing::AdAccounts),
    production_only: true,
    business_centers: true,
};

pub static BALANCES: Declared = Declared {
    name: "advertiser_balances",
    source: "`advertiser/balance/get/` per Business Center (snapshot; finance role)",
    primary_key: &["bc_id", "advertiser_id"],
    cursor: None,
    schema: || super::parse_schema(include_str!("schemas/advertiser_balances.json")),
    reader: &Paged(Listing::Balances),
    production_only: true,
    business_centers: true,
};

pub static TRANSACTIONS: Declared = Declared {
    name: "business_center_transactions",
    source:
        "`bc/account/transaction/get/` per Business Center (≤ 365 days a request; finance role)",
    primary_key: &["transaction_id"],
    cursor: Some("create_time"),
    schema: || super::parse_schema(include_str!("schemas/business_center_transactions.json")),
    reader: &Transactions,
    production_only: true,
    business_centers: true,
};

fn bc_of<'a>(job: &'a Job<'_>) -> Result<&'a BusinessCenter, Error> {
    job.business_center
        .ok_or_else(|| Error::Internal(format!("{} is read per Business Center", job.name())))
}

/// TikTok's 40001 on a finance endpoint: the user lacks the finance role there.
fn finance_error(e: ApiError, bc: &BusinessCenter, stream: &str) -> Error {
    if e.code != Some(40001) {
        return Error::Api(e);
    }
    Error::Config(format!(
        "Stream {stream} needs the Finance Manager or Finance Analyst role in Business Center '{}' ({}), which \
         the token's user does not have. Ask an admin of that Business Center to give the user one of these \
         finance roles (Business Center, Users), then sync again; or leave advertiser_balances and \
         business_center_transactions out of the connection. TikTok said: {} (code 40001{})",
        bc.name,
        bc.id,
        e.message.trim(),
        e.request_id
            .as_ref()
            .map(|r| format!(", request_id {r}"))
            .unwrap_or_default()
    ))
}

/// Writes a JSON object as a record: `bc_id` first, then its fields (times in `datetime`
/// converted from `zone` to UTC RFC 3339), then the `extra` fields it lacks.
fn write_record(
    lines: &mut Lines,
    bc_id: &str,
    item: &Map<String, Value>,
    datetime: &[&str],
    zone: Tz,
    extra: &[(&str, &str)],
) {
    lines.begin();
    push_json_str(lines.key("bc_id"), bc_id);
    for (k, v) in item {
        if k == "bc_id" {
            continue;
        }
        let out = lines.key(k);
        match (datetime.contains(&k.as_str()), v) {
            (true, Value::String(s)) => match local_instant(s, zone) {
                Some(t) => push_json_str(out, &rfc3339(t)),
                None => out.extend_from_slice(b"null"),
            },
            (false, v) if (k.ends_with("_id") || k == "id") && v.is_number() => {
                push_json_str(out, &v.to_string())
            }
            _ => {
                if serde_json::to_writer(&mut *out, v).is_err() {
                    out.extend_from_slice(b"null");
                }
            }
        }
    }
    for (k, v) in extra {
        if !item.contains_key(*k) {
            push_json_str(lines.key(k), v);
        }
    }
    lines.end();
}

/// `YYYY-MM-DD HH:MM:SS` in `zone` (or an ISO instant) as UTC.
fn local_instant(text: &str, zone: Tz) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S") {
        return zone
            .from_local_datetime(&naive)
            .earliest()
            .map(|z| z.with_timezone(&Utc));
    }
    parse_instant_text(t)
}

struct BusinessCenters;

impl Reader for BusinessCenters {
    fn partitioning(&self) -> Partitioning {
        Partitioning::Once
    }

    fn read<'a>(&'a self, job: &'a Job<'a>) -> BoxFuture<'a, Result<Option<Cursor>, Error>> {
        Box::pin(async move {
            let bcs = job.run.business_centers.as_ref().map_err(Clone::clone)?;
            let mut lines = Lines::new(job.name(), now_ms());
            for bc in bcs {
                // bc_info's fields at the top, beside the user's roles.
                let mut item = bc
                    .info
                    .get("bc_info")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                for (k, v) in bc.info.as_object().into_iter().flatten() {
                    if k != "bc_info" {
                        item.insert(k.clone(), v.clone());
                    }
                }
                write_record(&mut lines, &bc.id, &item, &[], Tz::UTC, &[]);
            }
            job.records(lines).await;
            Ok(None)
        })
    }
}

#[derive(Clone, Copy)]
enum Listing {
    AdAccounts,
    Balances,
}

/// A full-refresh listing of one Business Center.
struct Paged(Listing);

impl Reader for Paged {
    fn partitioning(&self) -> Partitioning {
        Partitioning::PerBusinessCenter
    }

    fn read<'a>(&'a self, job: &'a Job<'a>) -> BoxFuture<'a, Result<Option<Cursor>, Error>> {
        Box::pin(async move {
            let bc = bc_of(job)?;
            let mut query: Query = vec![("bc_id", bc.id.clone())];
            let snapshot = rfc3339(job.run.now);
            let (path, key, datetime, extra): (&str, &str, &[&str], Vec<(&str, &str)>) =
                match self.0 {
                    Listing::AdAccounts => {
                        query.push(("asset_type", "ADVERTISER".into()));
                        ("bc/asset/get/", "list", &[], Vec::new())
                    }
                    Listing::Balances => (
                        BALANCES_PATH,
                        "advertiser_account_list",
                        // TikTok gives the account's creation time in UTC.
                        &["create_time"],
                        vec![("snapshot_time", snapshot.as_str())],
                    ),
                };
            read_pages(job, bc, path, key, &query, |lines, item| {
                write_record(lines, &bc.id, item, datetime, Tz::UTC, &extra);
                true
            })
            .await?;
            Ok(None)
        })
    }
}

/// Every page of a Business Center listing, each item written by `write` (which says whether
/// it wrote one).
async fn read_pages(
    job: &Job<'_>,
    bc: &BusinessCenter,
    path: &'static str,
    key: &'static str,
    query: &Query,
    write: impl Fn(&mut Lines, &Map<String, Value>) -> bool + Sync,
) -> Result<(), Error> {
    let write = &write;
    paging::walk(path, PAGE_SIZE, |page_no| async move {
        let mut q = query.clone();
        q.push(("page", page_no.to_string()));
        q.push(("page_size", PAGE_SIZE.to_string()));
        let data = job
            .get(path, &q, |body, _| {
                Ok(envelope::decode(body, path, AsValue)?.data)
            })
            .await
            .map_err(|e| match e {
                Error::Api(api) if path == BALANCES_PATH || path == TRANSACTIONS_PATH => {
                    finance_error(api, bc, job.name())
                }
                other => other,
            })?
            .value
            .unwrap_or(Value::Null);
        let info: Option<PageInfo> = data
            .get("page_info")
            .and_then(|p| serde_json::from_value(p.clone()).ok());
        let items = match data.get(key) {
            Some(Value::Array(items)) => items.clone(),
            Some(Value::Null) | None if info.is_some_and(|i| i.total_number == Some(0)) => {
                Vec::new()
            }
            _ => {
                return Err(Error::Api(ApiError::bad_answer(
                    path,
                    format!("a success without data.{key}"),
                )))
            }
        };
        let mut lines = Lines::new(job.name(), now_ms());
        let mut first_key = None;
        for item in &items {
            let Some(obj) = item.as_object() else {
                return Err(Error::Api(ApiError::bad_answer(
                    path,
                    format!("an item of data.{key} is not an object"),
                )));
            };
            if first_key.is_none() {
                first_key = ["transaction_id", "asset_id", "advertiser_id"]
                    .iter()
                    .find_map(|k| obj.get(*k).and_then(id_text));
            }
            write(&mut lines, obj);
        }
        if page_no == 1 {
            job.estimate(
                info.and_then(|i| i.total_number)
                    .unwrap_or(items.len() as u64),
            )
            .await;
        }
        job.records(lines).await;
        Ok(PageSummary {
            info,
            items: items.len() as u64,
            first_key,
        })
    })
    .await
}

struct Transactions;

/// Today in the Business Center's zone.
fn bc_today(bc: &BusinessCenter, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&bc.tz).date_naive()
}

impl Reader for Transactions {
    fn partitioning(&self) -> Partitioning {
        Partitioning::PerBusinessCenter
    }

    /// Windows of 365 days in the Business Center's zone, from the cursor's day (or the start
    /// date) to today.
    fn plan(&self, input: &PlanInput<'_>) -> Result<Vec<SlicePlan>, Error> {
        let bc = input
            .business_center
            .ok_or_else(|| Error::Internal("transactions are read per Business Center".into()))?;
        let first = match input.cursor {
            Some(Cursor::Instant { at, .. }) => at.with_timezone(&bc.tz).date_naive(),
            _ => input.config.start_date,
        };
        let today = bc_today(bc, input.now);
        let mut out = Vec::new();
        let mut start = first;
        while start <= today {
            let end = (start + Duration::days(TRANSACTION_SPAN_DAYS - 1)).min(today);
            out.push(SlicePlan {
                window: Some(Window { start, end }),
                cursor: None,
            });
            start = end + Duration::days(1);
        }
        Ok(out)
    }

    fn read<'a>(&'a self, job: &'a Job<'a>) -> BoxFuture<'a, Result<Option<Cursor>, Error>> {
        Box::pin(async move {
            let bc = bc_of(job)?;
            let window = job
                .window
                .ok_or_else(|| Error::Internal("transactions are read by days".into()))?;
            let previous = previous_instant(job.cursor);
            let local = |t: DateTime<Utc>| t.with_timezone(&bc.tz).naive_local();
            // From the window's first second, or the cursor's own second (its IDs are known);
            // to the window's last second, but never past now, so paging sees a fixed set.
            let mut from = window.start.and_time(NaiveTime::MIN);
            if let Some((at, _)) = &previous {
                from = from.max(local(*at));
            }
            let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
            let to = window.end.and_time(end_of_day).min(local(job.run.now));
            if from > to {
                return Ok(None);
            }
            let filtering = json!({
                "start_time": from.format("%Y-%m-%d %H:%M:%S").to_string(),
                "end_time": to.format("%Y-%m-%d %H:%M:%S").to_string(),
            });
            let newest = Mutex::new(Newest::default());
            let written: Mutex<HashSet<String>> = Mutex::default();
            for level in TRANSACTION_LEVELS {
                let query: Query = vec![
                    ("bc_id", bc.id.clone()),
                    ("transaction_level", level.to_string()),
                    ("filtering", json_param(&filtering)),
                ];
                read_pages(
                    job,
                    bc,
                    TRANSACTIONS_PATH,
                    "transaction_list",
                    &query,
                    |lines, item| {
                        let Some(id) = item.get("transaction_id").and_then(id_text) else {
                            return false;
                        };
                        let at = item
                            .get("create_time")
                            .and_then(Value::as_str)
                            .and_then(|t| local_instant(t, bc.tz));
                        if let Some(at) = at {
                            newest.lock().unwrap_or_else(|e| e.into_inner()).see(
                                at,
                                &id,
                                job.run.now,
                            );
                        }
                        // Each transaction once, whichever level lists it.
                        if !is_new(&previous, at, &id)
                            || !written.lock().unwrap_or_else(|e| e.into_inner()).insert(id)
                        {
                            return false;
                        }
                        write_record(
                            lines,
                            &bc.id,
                            item,
                            &["create_time"],
                            bc.tz,
                            &[("transaction_level", level)],
                        );
                        true
                    },
                )
                .await?;
            }
            let newest = newest.into_inner().unwrap_or_else(|e| e.into_inner());
            Ok(next_cursor(newest, previous))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(lines: Lines) -> Vec<Value> {
        lines
            .into_chunks()
            .into_iter()
            .flat_map(|(_, b)| {
                String::from_utf8(b)
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap()["record"]["data"].clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn records_carry_the_business_center_and_utc_times() {
        let mut lines = Lines::new("t", 0);
        let item = json!({"transaction_id": 71, "account_id": null, "amount": 16849.28,
            "create_time": "2026-11-20 19:00:00", "bc_id": "ignored"});
        write_record(
            &mut lines,
            "9",
            item.as_object().unwrap(),
            &["create_time"],
            chrono_tz::Asia::Bangkok,
            &[("transaction_level", "BC")],
        );
        let r = records(lines);
        assert_eq!(
            r[0],
            json!({"bc_id": "9", "transaction_id": "71", "account_id": null,
                "amount": serde_json::from_str::<Value>("16849.28").unwrap(),
                "create_time": "2026-11-20T12:00:00Z", "transaction_level": "BC"})
        );
    }

    #[test]
    fn finance_refusals_name_the_role() {
        let bc = BusinessCenter {
            id: "7".into(),
            name: "Acme BC".into(),
            tz: Tz::UTC,
            info: Value::Null,
        };
        let e = finance_error(
            ApiError::from_code(40001, "No permission.", None, BALANCES_PATH),
            &bc,
            "advertiser_balances",
        );
        assert_eq!(e.failure_type(), crate::protocol::FailureType::ConfigError);
        let text = e.to_string();
        assert!(
            text.contains("Finance Manager or Finance Analyst") && text.contains("'Acme BC' (7)"),
            "{text}"
        );
        let other = finance_error(
            ApiError::from_code(50000, "busy", None, BALANCES_PATH),
            &bc,
            "advertiser_balances",
        );
        assert!(matches!(other, Error::Api(_)));
    }
}
