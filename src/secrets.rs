//! Credentials: a type whose `Debug` and `Display` print a mask, and the registry of every secret
//! value seen in this process, so that any text shown to people can be masked.

use std::fmt;
use std::sync::{Mutex, OnceLock};

/// A credential. `Debug` and `Display` print a mask, and its value is registered for redaction
/// of every log and trace line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        register_secret(&value);
        Secret(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

fn secrets() -> &'static Mutex<Vec<String>> {
    static SECRETS: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Remembers a value that must never be printed (also used for tokens obtained at run time).
pub fn register_secret(value: &str) {
    // Very short values would mask ordinary words; TikTok credentials are long.
    if value.len() >= 4 {
        let mut list = secrets().lock().unwrap_or_else(|e| e.into_inner());
        if !list.iter().any(|s| s == value) {
            list.push(value.to_string());
        }
    }
}

/// Masks every registered secret in `text`.
pub fn redact(text: &str) -> String {
    let list = secrets().lock().unwrap_or_else(|e| e.into_inner());
    let mut out = text.to_string();
    for s in list.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), "****");
        }
    }
    out
}
