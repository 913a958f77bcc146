//! The read: streams are planned into slices (a stream × a partition × a window), the scheduler
//! runs them concurrently, each slice's reader turns TikTok's answers into records for the
//! writer, and the checkpointer turns finished slices into STATE. The pace of requests is the
//! client's business (pacer and in-flight gate), not the scheduler's.

pub mod checkpoint;
pub mod job;
pub mod pipe;
pub mod scheduler;
pub mod writer;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::error::Error;
use crate::plan::Window;
use crate::state::Cursor;
use crate::tiktok::accounts::Account;
use crate::tiktok::business_centers::BusinessCenter;
use crate::tiktok::client::BoxFuture;

pub use job::{Job, Run};
pub use scheduler::run;
pub use writer::Output;

/// How a stream's work divides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partitioning {
    /// One partition for the whole run (e.g. the list of accounts).
    Once,
    /// One partition per account, each with its own cursor.
    PerAccount,
    /// One partition per Business Center the token's user belongs to (listed once per run when
    /// such a stream is read), each with its own cursor, keyed by `bc_id` in the state.
    PerBusinessCenter,
}

/// One slice of a partition: a window of days (reports) or the whole partition (lists).
#[derive(Clone, Debug, PartialEq)]
pub struct SlicePlan {
    pub window: Option<Window>,
    /// The cursor the partition reaches when this slice is done, when known in advance.
    pub cursor: Option<Cursor>,
}

impl SlicePlan {
    /// The whole partition in one slice, its cursor known only after reading.
    pub const WHOLE: SlicePlan = SlicePlan {
        window: None,
        cursor: None,
    };
}

/// What planning a partition needs.
pub struct PlanInput<'a> {
    pub config: &'a Config,
    pub account: Option<&'a Account>,
    pub business_center: Option<&'a BusinessCenter>,
    /// The partition's cursor from the input state (None in full refresh).
    pub cursor: Option<&'a Cursor>,
    pub now: DateTime<Utc>,
}

/// A kind of stream (lists, reports, accounts): how it is planned and how a slice is read.
pub trait Reader: Send + Sync {
    fn partitioning(&self) -> Partitioning;

    /// The slices of one partition, oldest first. An error fails this partition only. Unless a
    /// reader says otherwise, a partition is read whole in one slice.
    fn plan(&self, _input: &PlanInput<'_>) -> Result<Vec<SlicePlan>, Error> {
        Ok(vec![SlicePlan::WHOLE])
    }

    /// Reads one slice: requests through `job`, records to `job`. Returns the cursor reached
    /// when it is only known after reading (a list's newest change); None keeps the planned one.
    fn read<'a>(&'a self, job: &'a Job<'a>) -> BoxFuture<'a, Result<Option<Cursor>, Error>>;
}
