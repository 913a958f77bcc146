//! The pixel streams of more-endpoints reference §1, both production only (TikTok's sandbox
//! and the official connector's sandbox catalog have neither):
//! - `pixel_events_statistics` (`pixel/event/stats/`): each pixel's event counts per UTC day;
//! - `pixel_instant_page_events` (`pixel/instant_page/event/`): which Instant Page events
//!   TikTok supports per objective and optimization goal.

mod event_stats;
mod instant_page;

use std::sync::Arc;

use chrono::NaiveDate;
use serde_json::Value;

use super::list::list_facts;
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
            PixelStream::InstantPageEvents => vec![SlicePlan::WHOLE],
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
        let query: Query = vec![("advertiser_id", account.to_string())];
        let facts = list_facts(
            job,
            PIXEL_LIST,
            "pixels",
            "pixel_id",
            PIXEL_PAGE_SIZE,
            &query,
        )
        .await?;
        let mut pixels: Vec<Pixel> = facts
            .into_iter()
            .filter_map(|f| {
                Some(Pixel {
                    id: f.id?,
                    created: f.created.map(|t| t.date_naive()),
                })
            })
            .collect();
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
