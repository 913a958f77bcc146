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

/// Below this length a secret is masked only where it stands as a whole token (see `redact`).
pub const SHORT_SECRET: usize = 8;

/// A registered secret: every form in which it can appear in a text, longest first.
struct Registered {
    forms: Vec<String>,
    short: bool,
}

fn secrets() -> &'static Mutex<Vec<Registered>> {
    static SECRETS: OnceLock<Mutex<Vec<Registered>>> = OnceLock::new();
    SECRETS.get_or_init(|| Mutex::new(Vec::new()))
}

/// Remembers a value that must never be printed (also used for tokens obtained at run time).
/// Every non-empty value counts, however short or odd: what a user pastes as a token is a
/// secret even when it is two characters or holds quotes and backslashes.
pub fn register_secret(value: &str) {
    if value.is_empty() {
        return;
    }
    let mut list = secrets().lock().unwrap_or_else(|e| e.into_inner());
    if list
        .iter()
        .any(|r| r.forms.first().is_some_and(|f| f == value))
    {
        return;
    }
    // The value as it is, and as it appears inside JSON text and inside a URL's query, in case
    // an error quotes a body or a request; the plain value is masked first.
    let mut forms = vec![value.to_string()];
    let json = serde_json::to_string(value).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or("")
        .to_string();
    let query: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    for form in [json, query] {
        if !form.is_empty() && !forms.contains(&form) {
            forms.push(form);
        }
    }
    list.push(Registered {
        forms,
        short: value.chars().count() < SHORT_SECRET,
    });
    // Longer secrets first: one that contains another is masked whole.
    list.sort_by_key(|r| std::cmp::Reverse(r.forms.first().map_or(0, String::len)));
}

/// Masks every registered secret in `text`, on the text as people will read it (callers redact
/// values before they are escaped into JSON). A secret of `SHORT_SECRET` characters or more is
/// masked wherever it occurs. A shorter one is masked where it stands as a token of its own
/// (not between letters or digits): masking it inside ordinary words would make every message
/// unreadable and would point at the secret itself ("C****aign" tells that the secret is
/// "amp"), while TikTok's and the connector's texts only ever carry a credential as a whole
/// token (a query value, a quoted string, a word).
pub fn redact(text: &str) -> String {
    let list = secrets().lock().unwrap_or_else(|e| e.into_inner());
    let mut out = text.to_string();
    for secret in list.iter() {
        for form in &secret.forms {
            if !out.contains(form.as_str()) {
                continue;
            }
            out = if secret.short {
                mask_whole_tokens(&out, form)
            } else {
                out.replace(form.as_str(), MASK)
            };
        }
    }
    out
}

const MASK: &str = "****";

/// `text` with each occurrence of `needle` that is not glued to a letter or digit masked.
fn mask_whole_tokens(text: &str, needle: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices(needle) {
        if at < copied {
            continue;
        }
        let end = at + needle.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        let glued = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        if glued(before) || glued(after) {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(MASK);
        copied = end;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_masked_as_whole_tokens_only() {
        register_secret("q7");
        assert_eq!(
            redact("token q7 is invalid; \"q7\", id=q7&x"),
            "token **** is invalid; \"****\", id=****&x"
        );
        // Inside a word it is left alone, so that ordinary text stays readable.
        assert_eq!(redact("Xq7Y and q7b"), "Xq7Y and q7b");
        register_secret("ǂ");
        assert_eq!(redact("ǂ"), "****");
    }

    #[test]
    fn secrets_with_quotes_and_backslashes_are_masked_in_every_form() {
        let secret = r#"tok"en\with-quote"#;
        register_secret(secret);
        assert_eq!(
            redact(&format!("TikTok said: bad {secret}.")),
            "TikTok said: bad ****."
        );
        let json = serde_json::to_string(secret).unwrap();
        assert_eq!(redact(&format!("body {json}")), "body \"****\"");
        let query: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        assert_eq!(redact(&format!("?secret={query}&a=1")), "?secret=****&a=1");
    }

    #[test]
    fn a_secret_containing_another_is_masked_whole() {
        register_secret("abcdefgh-inner-long");
        register_secret("inner-long");
        assert_eq!(redact("x abcdefgh-inner-long y"), "x **** y");
    }

    #[test]
    fn nothing_is_masked_in_text_without_secrets() {
        register_secret("qq-some-secret-value");
        assert_eq!(redact("plain text"), "plain text");
        register_secret("");
        assert_eq!(redact(""), "");
    }
}
