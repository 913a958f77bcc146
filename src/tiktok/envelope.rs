//! TikTok's envelope `{code, message, request_id, data}` read straight from the response bytes:
//! `data` goes to a caller's `DeserializeSeed`, which can turn rows into output as they are
//! parsed, so no tree of the page is ever built.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::error::{ApiError, ErrorKind};
use crate::secrets::redact;

/// A string from the response, borrowed when it has no escapes (the usual case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'de>(pub Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// `page_info` as TikTok sends it (every field optional; counts may come as numeric strings).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageInfo {
    pub page: Option<u64>,
    pub page_size: Option<u64>,
    pub total_number: Option<u64>,
    pub total_page: Option<u64>,
}

impl<'de> Deserialize<'de> for PageInfo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <&RawValue>::deserialize(d)?;
        let v: serde_json::Value = serde_json::from_str(raw.get()).map_err(de::Error::custom)?;
        let count = |k: &str| match v.get(k) {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        Ok(PageInfo {
            page: count("page"),
            page_size: count("page_size"),
            total_number: count("total_number"),
            total_page: count("total_page"),
        })
    }
}

/// A success: the seed's value for `data`, or None when `data` was missing or null.
pub struct Success<T> {
    pub data: Option<T>,
}

/// Reads an envelope, giving `data` to `seed` only on success. An error code becomes a typed
/// `ApiError`; an unreadable body a transient one (it is usually a cut connection).
pub fn decode<'de, S>(body: &'de [u8], path: &str, seed: S) -> Result<Success<S::Value>, ApiError>
where
    S: DeserializeSeed<'de>,
{
    // One UTF-8 check of the whole body, so the parser does not check every string again.
    let text = std::str::from_utf8(body).map_err(|e| {
        ApiError::transport(
            ErrorKind::Transient,
            format!("the response is not UTF-8 text ({e})"),
            Some(200),
            path,
        )
    })?;
    let mut de = serde_json::Deserializer::from_str(text);
    let envelope = de
        .deserialize_map(EnvelopeVisitor { seed: Some(seed) })
        .and_then(|e| de.end().map(|()| e))
        .map_err(|e| match e.classify() {
            // Valid JSON of the wrong shape will not get better by asking again.
            serde_json::error::Category::Data => {
                ApiError::bad_answer(path, format!("unexpected content ({e})"))
            }
            // Cut short or garbled: usually a dropped connection.
            _ => ApiError::transport(
                ErrorKind::Transient,
                format!("invalid JSON in the response ({e})"),
                Some(200),
                path,
            ),
        })?;
    let Some(code) = envelope.code else {
        return Err(ApiError::transport(
            ErrorKind::Transient,
            "a response without TikTok's envelope".into(),
            Some(200),
            path,
        ));
    };
    // 20001 is TikTok's partial success: the data is there.
    if code != 0 && code != 20001 {
        return Err(ApiError::from_code(
            code,
            &redact(&envelope.message.unwrap_or_default()),
            envelope.request_id.map(|r| redact(&r)),
            path,
        ));
    }
    Ok(Success {
        data: envelope.data,
    })
}

struct Envelope<T> {
    code: Option<i64>,
    message: Option<String>,
    request_id: Option<String>,
    data: Option<T>,
}

struct EnvelopeVisitor<S> {
    seed: Option<S>,
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for EnvelopeVisitor<S> {
    type Value = Envelope<S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("TikTok's response envelope")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Envelope {
            code: None,
            message: None,
            request_id: None,
            data: None,
        };
        while let Some(key) = map.next_key::<Text<'de>>()? {
            match &*key {
                "code" => out.code = Some(map.next_value::<i64>()?),
                "message" => out.message = map.next_value::<Option<String>>()?,
                "request_id" => out.request_id = map.next_value::<Option<String>>()?,
                // An error's data is `{}`: nothing to read. TikTok puts `code` first.
                "data" if out.code.is_none_or(|c| c == 0 || c == 20001) => match self.seed.take() {
                    Some(seed) => out.data = map.next_value_seed(Nullable(seed))?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// A seed for a value that may be `null`.
struct Nullable<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Nullable<S> {
    type Value = Option<S::Value>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(NullableVisitor(self.0))
    }
}

struct NullableVisitor<S>(S);

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for NullableVisitor<S> {
    type Value = Option<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("data or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(d).map(Some)
    }
}

/// A seed that takes `data` as plain JSON (small answers: accounts, tokens).
pub struct AsValue;

impl<'de> DeserializeSeed<'de> for AsValue {
    type Value = serde_json::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        serde_json::Value::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn success_hands_data_to_the_seed() {
        let body = br#"{"code":0,"message":"OK","request_id":"r","data":{"list":[1,2]}}"#;
        let ok = decode(body, "x/", AsValue).unwrap();
        assert_eq!(ok.data, Some(json!({"list": [1, 2]})));
        let body = br#"{"code":0,"message":"OK","data":null}"#;
        assert_eq!(decode(body, "x/", AsValue).unwrap().data, None);
        let body = br#"{"code":0,"message":"OK"}"#;
        assert_eq!(decode(body, "x/", AsValue).unwrap().data, None);
    }

    #[test]
    fn an_error_code_is_typed_and_its_data_ignored() {
        let body = br#"{"code":40100,"message":"App 1 reaches the QPS limit 10.","request_id":"rid","data":{}}"#;
        let e = decode(body, "campaign/get/", AsValue).err().unwrap();
        assert_eq!(e.code, Some(40100));
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert_eq!(e.request_id.as_deref(), Some("rid"));
        assert_eq!(e.path, "campaign/get/");
    }

    #[test]
    fn unreadable_bodies_are_transient() {
        for body in [
            &b"{\"code\":0,\"data\":{\"li"[..],
            b"<html>",
            b"{\"data\":{}}",
            b"{} x",
        ] {
            let e = decode(body, "x/", AsValue).err().unwrap();
            assert_eq!(
                e.kind,
                ErrorKind::Transient,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn text_borrows_unless_escaped() {
        let plain: Text = serde_json::from_str("\"abc\"").unwrap();
        assert!(matches!(plain.0, Cow::Borrowed("abc")));
        let escaped: Text = serde_json::from_str("\"a\\\"b\"").unwrap();
        assert_eq!(&*escaped, "a\"b");
    }

    #[test]
    fn page_info_accepts_numbers_and_numeric_strings() {
        let p: PageInfo =
            serde_json::from_str(r#"{"page":1,"page_size":"10","total_number":25,"total_page":3}"#)
                .unwrap();
        assert_eq!(
            p,
            PageInfo {
                page: Some(1),
                page_size: Some(10),
                total_number: Some(25),
                total_page: Some(3)
            }
        );
    }
}
