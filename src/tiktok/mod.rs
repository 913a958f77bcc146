//! TikTok API for Business v1.3.

pub mod accounts;
pub mod client;
pub mod error;
pub mod pacer;

pub use client::{Answer, Client, Query};
pub use error::{ApiError, ErrorKind};

/// Compact JSON text of a value, for JSON-valued query parameters.
pub fn json_param(v: &serde_json::Value) -> String {
    v.to_string()
}
