//! Airbyte source for TikTok Ads (TikTok API for Business v1.3).

pub mod catalog;
pub mod commands;
pub mod config;
pub mod output;
pub mod plan;
pub mod protocol;
pub mod session;
pub mod state;
pub mod streams;
pub mod sync;
pub mod tiktok;

// Records are many small JSON values: the system allocator was a third of a sync's CPU time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
