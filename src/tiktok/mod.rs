//! TikTok API for Business v1.3: the client, its pacer and in-flight gate, the envelope, typed
//! errors, and the accounts a token reaches.

pub mod accounts;
pub mod business_centers;
pub mod client;
pub mod envelope;
pub mod error;
pub mod gate;
pub mod limits;
pub mod pacer;

pub use client::{Client, Query};
pub use error::{ApiError, ErrorKind};

/// Compact JSON text of a value, for JSON-valued query parameters.
pub fn json_param(v: &serde_json::Value) -> String {
    v.to_string()
}
