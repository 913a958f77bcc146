//! The pixel streams of more-endpoints reference §1, both production only (TikTok's sandbox
//! and the official connector's sandbox catalog have neither):
//! - `pixel_events_statistics` (`pixel/event/stats/`): each pixel's event counts per UTC day;
//! - `pixel_instant_page_events` (`pixel/instant_page/event/`): which Instant Page events
//!   TikTok supports per objective and optimization goal.

mod event_stats;
mod instant_page;

use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::list::{decode_page, ItemShape};
use super::paging::{self, PageSummary};
use crate::error::Error;
use crate::read::{Job, Partitioning, PlanInput, Reader, SlicePlan};
use crate::state::Cursor;
use crate::tiktok::client::{BoxFuture, Query};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelStream {
    EventStatistics,
    InstantPageEvents,
}

impl PixelStream {
    pub const ALL: [PixelStream; 2] =
        [PixelStream::InstantPageEvents, PixelStream::EventStatistics];

    pub fn name(self) -> &'static str {
        match self {
            PixelStream::EventStatistics => "pixel_events_statistics",
            PixelStream::InstantPageEvents => "pixel_instant_page_events",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            PixelStream::EventStatistics => event_stats::PATH,
            PixelStream::InstantPageEvents => instant_page::PATH,
        }
    }

    pub fn schema(self) -> Value {
        super::parse_schema(match self {
            PixelStream::EventStatistics => {
                include_str!("../schemas/pixel_events_statistics.json")
            }
            PixelStream::InstantPageEvents => {
                include_str!("../schemas/pixel_instant_page_events.json")
            }
        })
    }

    pub fn primary_key(self) -> Vec<String> {
        let key: &[&str] = match self {
            PixelStream::EventStatistics => event_stats::PRIMARY_KEY,
            PixelStream::InstantPageEvents => instant_page::PRIMARY_KEY,
        };
        key.iter().map(|k| k.to_string()).collect()
    }

    pub fn cursor_field(self) -> Option<&'static str> {
        match self {
            PixelStream::EventStatistics => Some(event_stats::CURSOR),
            PixelStream::InstantPageEvents => None,
        }
    }
}

impl Reader for PixelStream {
    fn partitioning(&self) -> Partitioning {
        Partitioning::PerAccount
    }

    fn plan(&self, input: &PlanInput<'_>) -> Result<Vec<SlicePlan>, Error> {
        Ok(match self {
            PixelStream::EventStatistics => event_stats::plan(input),
            PixelStream::InstantPageEvents => vec![SlicePlan {
                window: None,
                cursor: None,
            }],
        })
    }

    fn read<'a>(&'a self, job: &'a Job<'a>) -> BoxFuture<'a, Result<Option<Cursor>, Error>> {
        Box::pin(async move {
            let account = job
                .account
                .ok_or_else(|| Error::Internal(format!("{} is read per account", self.name())))?;
            match self {
                PixelStream::EventStatistics => event_stats::read(job, &account.id).await,
                PixelStream::InstantPageEvents => instant_page::read(job, &account.id).await,
            }?;
            Ok(None)
        })
    }
}

/// A pixel of an account, as `pixel/list/` gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pixel {
    pub id: String,
    /// The UTC day it was created: it has no events before.
    pub created: Option<NaiveDate>,
}

const PIXEL_LIST: &str = "pixel/list/";
/// TikTok's largest `pixel/list/` page.
const PIXEL_PAGE_SIZE: u64 = 20;

/// The account's pixels (only its own: TikTok pairs statistics with the pixel's advertiser),
/// listed once per run and shared by the account's slices.
async fn account_pixels(job: &Job<'_>, account: &str) -> Result<Arc<Vec<Pixel>>, Error> {
    let cell = job.run.memo::<Arc<Vec<Pixel>>>("pixels", account);
    cell.get_or_try_init(|| async {
        let shape = ItemShape::plain("pixel_id", &json!({}), account);
        let found = std::sync::Mutex::new(Vec::new());
        let query: Query = vec![("advertiser_id", account.to_string())];
        paging::walk(PIXEL_LIST, PIXEL_PAGE_SIZE, |page_no| {
            let (query, shape, found) = (&query, &shape, &found);
            async move {
                let mut q = query.clone();
                q.push(("page", page_no.to_string()));
                q.push(("page_size", PIXEL_PAGE_SIZE.to_string()));
                let fetched = job
                    .get(PIXEL_LIST, &q, |body, _| {
                        decode_page(body, PIXEL_LIST, "pixels", shape, job.name(), |facts| {
                            if let Some(id) = &facts.id {
                                found.lock().unwrap_or_else(|e| e.into_inner()).push(Pixel {
                                    id: id.clone(),
                                    created: facts.created.map(|t| t.date_naive()),
                                });
                            }
                            false
                        })
                    })
                    .await?;
                Ok(PageSummary {
                    info: fetched.value.info,
                    items: fetched.value.items,
                    first_key: fetched.value.first_key.clone(),
                })
            }
        })
        .await?;
        let mut pixels = found.into_inner().unwrap_or_else(|e| e.into_inner());
        pixels.sort_by(|a, b| a.id.cmp(&b.id));
        pixels.dedup_by(|a, b| a.id == b.id);
        Ok::<_, Error>(Arc::new(pixels))
    })
    .await
    .cloned()
}

/// A JSON value written as a record field: strings and numbers as they are, anything else
/// (objects, lists, booleans) as it is too; absent is null.
fn push_value(out: &mut Vec<u8>, v: Option<&Value>) {
    match v {
        Some(v) => out.extend_from_slice(v.to_string().as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
}
