//! Airbyte source for TikTok Ads (TikTok API for Business v1.3).

// Input of every kind (config, catalog, state, TikTok's answers) reaches this code: a failure must
// be a typed error that says what is wrong, never a panic. Tests may unwrap.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod catalog;
pub mod commands;
pub mod config;
pub mod error;
pub mod plan;
pub mod protocol;
pub mod read;
pub mod secrets;
pub mod session;
pub mod state;
pub mod streams;
pub mod tiktok;
