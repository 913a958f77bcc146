//! Airbyte source for TikTok Ads (TikTok API for Business v1.3).

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
