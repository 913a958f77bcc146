//! Streams read from TikTok's paged list endpoints (campaigns, ad groups, ads, creative assets,
//! audiences, pixels, ...): one slice per account, every page, items written as records while
//! they are parsed. Incremental lists keep, per account, the newest `modify_time` seen and the
//! IDs read in that very second, so a change later in the same second is read next time and
//! nothing is read twice.

use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

use super::paging::{self, PageSummary};
use super::record::{push_json_str, push_raw, rfc3339, scalar, Lines, Scalar};
use crate::error::Error;
use crate::protocol::{now_ms, LogLevel};
use crate::read::{Job, Partitioning, Reader};
use crate::state::Cursor;
use crate::tiktok::client::{BoxFuture, Query};
use crate::tiktok::envelope::{self, PageInfo, Text};
use crate::tiktok::{json_param, ApiError};

/// A paged list endpoint read once per account.
#[derive(Debug)]
pub struct ListDecl {
    pub name: &'static str,
    pub path: &'static str,
    /// Where the items are in `data`: `list`, `musics`, `creative_portfolios`, `pixels`.
    pub records_key: &'static str,
    pub page_size: u32,
    pub primary_key: &'static str,
    /// Incremental on `modify_time`, compared on our side (TikTok has no such filter here).
    pub incremental: bool,
    /// `ad/get/` can filter on `modified_after` itself.
    pub server_modified_after: bool,
    /// The `filtering` that lets deleted entities in, when `include_deleted` is on.
    pub deleted_filter: Option<(&'static str, &'static str)>,
    /// A field copied from a nested one, e.g. spark ads' key from `item_info.item_id`.
    pub derived_key: Option<(&'static str, &'static str)>,
    /// The reads of the list per account: one for most lists, one per buying type for the
    /// entity lists. Items are deduplicated by primary key across passes.
    pub passes: &'static [Pass],
    pub schema: &'static str,
}

/// One read of a list for an account, as data: what it adds to the request's `filtering`, what
/// it adds to each record, and a smaller page size TikTok may impose for it.
#[derive(Debug, PartialEq, Eq)]
pub struct Pass {
    /// A `filtering` key and its list of values, e.g. `buying_types: ["RESERVATION_TOP_VIEW"]`.
    pub filter: Option<(&'static str, &'static [&'static str])>,
    /// A field written into every record of the pass (unless the item has it), e.g.
    /// `buying_type: "AUCTION"`: TikTok's items do not say which filter found them.
    pub tag: Option<(&'static str, &'static str)>,
    /// Used instead of the list's page size when smaller (ad groups with TopView: 100).
    pub page_size: Option<u32>,
}

/// A list read once per account, as it is.
pub const ONE_PASS: &[Pass] = &[Pass {
    filter: None,
    tag: None,
    page_size: None,
}];

impl ListDecl {
    pub fn schema(&self) -> Value {
        super::parse_schema(self.schema)
    }

    pub fn cursor_field(&self) -> Option<&'static str> {
        self.incremental.then_some("modify_time")
    }

    /// The request of one pass for one account, built from scratch so no parameter leaks between
    /// accounts or passes.
    fn query(
        &self,
        job: &Job<'_>,
        account: &str,
        since: Option<DateTime<Utc>>,
        pass: &Pass,
    ) -> Query {
        let mut query: Query = vec![("advertiser_id", account.to_string())];
        let mut filtering = Map::new();
        if let Some((key, values)) = pass.filter {
            filtering.insert(key.into(), json!(values));
        }
        if job.config().include_deleted {
            if let Some((key, value)) = self.deleted_filter {
                filtering.insert(key.into(), json!(value));
            }
        }
        if let (true, Some(at)) = (self.server_modified_after, since) {
            // A second early: whether TikTok's filter is inclusive or not, the cursor's own second
            // comes back and is decided on our side.
            let since = at.checked_sub_signed(Duration::seconds(1)).unwrap_or(at);
            filtering.insert(
                "modified_after".into(),
                json!(since.format("%Y-%m-%d %H:%M:%S").to_string()),
            );
        }
        if !filtering.is_empty() {
            query.push(("filtering", json_param(&Value::Object(filtering))));
        }
        query
    }
}

/// The newest change seen, and the IDs changed in that second.
#[derive(Default)]
pub(crate) struct Newest {
    at: Option<DateTime<Utc>>,
    ids: HashSet<String>,
    /// Items TikTok says changed after the run's now: written, but not counted in the cursor.
    future: std::collections::BTreeSet<String>,
}

impl Newest {
    /// An item changed at `at`. A change after `now` does not move the cursor: a cursor in the
    /// future would hide every real change until that time comes (a `modify_time` of 2099
    /// would block the account for good). Such items are read again by later runs until their
    /// time has passed: a few duplicates rather than lost changes.
    pub(crate) fn see(&mut self, at: DateTime<Utc>, id: &str, now: DateTime<Utc>) {
        if at > now {
            self.future.insert(id.to_string());
            return;
        }
        match self.at {
            Some(t) if t == at => {
                self.ids.insert(id.to_string());
            }
            Some(t) if t > at => {}
            _ => {
                self.at = Some(at);
                self.ids = HashSet::from([id.to_string()]);
            }
        }
    }
}

impl Reader for ListDecl {
    fn partitioning(&self) -> Partitioning {
        Partitioning::PerAccount
    }

    fn read<'a>(&'a self, job: &'a Job<'a>) -> BoxFuture<'a, Result<Option<Cursor>, Error>> {
        Box::pin(async move {
            let account = job
                .account
                .ok_or_else(|| Error::Internal(format!("{} is read per account", self.name)))?;
            let previous = match (self.incremental, job.cursor) {
                (true, Some(Cursor::Instant { at, ids })) => {
                    Some((*at, ids.iter().cloned().collect::<HashSet<String>>()))
                }
                _ => None,
            };
            let newest = Mutex::new(Newest::default());
            // Only lists read in several passes can meet an item twice.
            let seen = (self.passes.len() > 1).then(|| Mutex::new(SeenKeys::default()));
            let read = SliceRead {
                job,
                account: &account.id,
                previous: &previous,
                newest: &newest,
                seen: seen.as_ref(),
            };
            futures_util::future::try_join_all(
                self.passes.iter().map(|pass| self.read_pass(&read, pass)),
            )
            .await?;
            if !self.incremental {
                return Ok(None);
            }
            let newest = newest.into_inner().unwrap_or_else(|e| e.into_inner());
            if !newest.future.is_empty() {
                let ids: Vec<&str> = newest.future.iter().take(5).map(String::as_str).collect();
                job.log(
                    LogLevel::Warn,
                    &format!(
                        "Stream {}, account {}: TikTok says {} item(s) changed after now ({}), e.g. {}; the \
                         cursor stays at or before now so that later changes are not missed, and these items \
                         are read again until that time has passed.",
                        job.name(),
                        account.id,
                        newest.future.len(),
                        rfc3339(job.run.now),
                        ids.join(", ")
                    ),
                )
                .await;
            }
            Ok(next_cursor(newest, previous))
        })
    }
}

/// The cursor an `Instant` partition from `previous` reaches after seeing `newest`.
pub(crate) fn next_cursor(
    newest: Newest,
    previous: Option<(DateTime<Utc>, HashSet<String>)>,
) -> Option<Cursor> {
    match (newest.at, previous) {
        // Same second as before: the IDs read then still count.
        (Some(at), Some((old_at, old_ids))) if at == old_at => Some(Cursor::Instant {
            at,
            ids: sorted(newest.ids.into_iter().chain(old_ids)),
        }),
        (Some(at), _) => Some(Cursor::Instant {
            at,
            ids: sorted(newest.ids.into_iter()),
        }),
        (None, Some((at, ids))) => Some(Cursor::Instant {
            at,
            ids: sorted(ids.into_iter()),
        }),
        (None, None) => None,
    }
}

/// The partition's `Instant` cursor from the input state, as (time, IDs read at that second).
pub(crate) fn previous_instant(
    cursor: Option<&Cursor>,
) -> Option<(DateTime<Utc>, HashSet<String>)> {
    match cursor {
        Some(Cursor::Instant { at, ids }) => Some((*at, ids.iter().cloned().collect())),
        _ => None,
    }
}

/// Whether an item changed at `changed` is new since `previous`: later, or in the same second
/// but not read then.
pub(crate) fn is_new(
    previous: &Option<(DateTime<Utc>, HashSet<String>)>,
    changed: Option<DateTime<Utc>>,
    id: &str,
) -> bool {
    match (previous, changed) {
        (Some((at, seen)), Some(t)) => t > *at || (t == *at && !seen.contains(id)),
        _ => true,
    }
}

/// What the passes of one slice share.
struct SliceRead<'r, 'a> {
    job: &'r Job<'a>,
    account: &'r str,
    /// The partition's cursor: its instant and the IDs read at it.
    previous: &'r Option<(DateTime<Utc>, HashSet<String>)>,
    newest: &'r Mutex<Newest>,
    seen: Option<&'r Mutex<SeenKeys>>,
}

impl ListDecl {
    /// Every page of one pass, records written as each page is parsed.
    async fn read_pass(&self, read: &SliceRead<'_, '_>, pass: &Pass) -> Result<(), Error> {
        let job = read.job;
        let previous = read.previous;
        let query = self.query(
            job,
            read.account,
            previous.as_ref().map(|(at, _)| *at),
            pass,
        );
        let shape = ItemShape::new(self, &self.schema(), read.account);
        let shape = match pass.tag {
            Some((field, value)) => shape.tagged(field, value),
            None => shape,
        };
        let page_size = u64::from(
            pass.page_size
                .map_or(self.page_size, |p| p.min(self.page_size)),
        );
        paging::walk(self.path, page_size, |page_no| {
            let (query, shape) = (&query, &shape);
            async move {
                let mut q = query.clone();
                q.push(("page", page_no.to_string()));
                q.push(("page_size", page_size.to_string()));
                let fetched = job
                    .get(self.path, &q, |body, _| {
                        let mut first_seen = Vec::new();
                        let page = decode_page(
                            body,
                            self.path,
                            self.records_key,
                            shape,
                            job.name(),
                            |item| self.keep(read, item, &mut first_seen),
                        );
                        // A body that fails half-way is fetched again: its items were not written.
                        if let (Err(_), Some(seen)) = (&page, read.seen) {
                            seen.lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .forget(&first_seen);
                        }
                        page
                    })
                    .await?;
                let (page, held) = fetched.into_parts();
                if page.not_objects > 0 {
                    return Err(Error::Api(ApiError::bad_answer(
                        self.path,
                        format!(
                            "{} item(s) of data.{} are not objects",
                            page.not_objects, self.records_key
                        ),
                    )));
                }
                if page.without_key > 0 && page.without_key == page.items {
                    // Not one item with its key: not a page of this stream's items.
                    return Err(Error::Api(ApiError::bad_answer(
                        self.path,
                        format!(
                            "none of the {} item(s) of data.{} on page {page_no} has {}",
                            page.items, self.records_key, self.primary_key
                        ),
                    )));
                }
                if page.without_key > 0 {
                    job.warn_once(
                        &format!("nokey:{}", job.name()),
                        &format!(
                            "Stream {}: TikTok sent {} item(s) without {}; they were left out.",
                            job.name(),
                            page.without_key,
                            self.primary_key
                        ),
                    )
                    .await;
                }
                if page_no == 1 {
                    job.estimate(page.info.and_then(|i| i.total_number).unwrap_or(page.items))
                        .await;
                }
                let summary = PageSummary {
                    info: page.info,
                    items: page.items,
                    first_key: page.first_key.clone(),
                };
                job.records(page.lines).await;
                drop(held);
                Ok(summary)
            }
        })
        .await
    }

    /// Whether an item becomes a record: changed since the cursor (incremental lists), and not
    /// already written by another pass (its key then goes to `first_seen`). Every item counts
    /// towards the newest change.
    fn keep(
        &self,
        read: &SliceRead<'_, '_>,
        item: &ItemFacts,
        first_seen: &mut Vec<String>,
    ) -> bool {
        if let (true, Some(at), Some(id)) = (self.incremental, item.changed, &item.id) {
            read.newest
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .see(at, id, read.job.run.now);
        }
        let changed = match (read.previous, item.changed, &item.id) {
            (Some((at, seen)), Some(t), Some(id)) => t > *at || (t == *at && !seen.contains(id)),
            _ => true,
        };
        match (changed, read.seen, &item.id) {
            (true, Some(seen), Some(id)) => {
                let first = seen
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .first_time(id);
                if first {
                    first_seen.push(id.clone());
                }
                first
            }
            _ => changed,
        }
    }
}

/// Primary keys written in one slice. TikTok's IDs are decimal numbers that fit a u64 (8 bytes
/// each instead of a string); anything else is kept as text.
#[derive(Default)]
struct SeenKeys {
    numbers: HashSet<u64>,
    texts: HashSet<String>,
}

impl SeenKeys {
    fn first_time(&mut self, id: &str) -> bool {
        match Self::number(id) {
            Some(n) => self.numbers.insert(n),
            None => self.texts.insert(id.to_string()),
        }
    }

    fn forget(&mut self, ids: &[String]) {
        for id in ids {
            match Self::number(id) {
                Some(n) => self.numbers.remove(&n),
                None => self.texts.remove(id),
            };
        }
    }

    /// The ID as a number when its text is exactly that number's digits.
    fn number(id: &str) -> Option<u64> {
        id.parse::<u64>().ok().filter(|n| n.to_string() == id)
    }
}

/// What other streams need of a list, without writing records: every item's facts (its key
/// and times) over all pages of one request, e.g. an account's ad IDs or its pixels.
pub async fn list_facts(
    job: &Job<'_>,
    path: &str,
    records_key: &str,
    primary_key: &'static str,
    page_size: u64,
    query: &Query,
) -> Result<Vec<ItemFacts>, Error> {
    let shape = ItemShape::plain(primary_key, &json!({}), "");
    let found = Mutex::new(Vec::new());
    paging::walk(path, page_size, |page_no| {
        let (shape, found) = (&shape, &found);
        async move {
            let mut q = query.clone();
            q.push(("page", page_no.to_string()));
            q.push(("page_size", page_size.to_string()));
            let fetched = job
                .get(path, &q, |body, _| {
                    let mut facts = Vec::new();
                    let page = decode_page(body, path, records_key, shape, job.name(), |f| {
                        facts.push(f.clone());
                        false
                    })?;
                    Ok((page, facts))
                })
                .await?;
            let (page, facts) = fetched.value;
            found
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(facts);
            Ok(PageSummary {
                info: page.info,
                items: page.items,
                first_key: page.first_key,
            })
        }
    })
    .await?;
    Ok(found.into_inner().unwrap_or_else(|e| e.into_inner()))
}

fn sorted(ids: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = ids.collect::<HashSet<_>>().into_iter().collect();
    v.sort();
    v
}

/// How an item becomes a record.
pub struct ItemShape {
    primary_key: &'static str,
    /// Fields added to every record (e.g. which pass of an endpoint read it), unless the item
    /// has them.
    tags: Vec<(&'static str, String)>,
    /// Top-level fields the schema types as `date-time`: they get RFC 3339 values.
    datetime_fields: Vec<String>,
    derived_key: Option<(&'static str, &'static str, &'static str)>,
    advertiser_id: String,
}

impl ItemShape {
    pub fn new(decl: &ListDecl, schema: &Value, advertiser_id: &str) -> ItemShape {
        ItemShape {
            primary_key: decl.primary_key,
            tags: Vec::new(),
            datetime_fields: datetime_fields(schema),
            derived_key: decl
                .derived_key
                .map(|(outer, inner)| (decl.primary_key, outer, inner)),
            advertiser_id: advertiser_id.to_string(),
        }
    }

    /// The same shape, adding `key: value` to every record.
    pub fn tagged(mut self, key: &'static str, value: &str) -> ItemShape {
        self.tags.push((key, value.to_string()));
        self
    }

    /// For items that are not from a list endpoint (an account's details).
    pub fn plain(primary_key: &'static str, schema: &Value, advertiser_id: &str) -> ItemShape {
        ItemShape {
            primary_key,
            tags: Vec::new(),
            datetime_fields: datetime_fields(schema),
            derived_key: None,
            advertiser_id: advertiser_id.to_string(),
        }
    }
}

/// Top-level properties the schema types as `date-time`.
pub fn datetime_fields(schema: &Value) -> Vec<String> {
    schema["properties"]
        .as_object()
        .map(|props| {
            props
                .iter()
                .filter(|(_, p)| p.get("format").and_then(Value::as_str) == Some("date-time"))
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// What the reader needs to know of an item to decide whether it is new.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct ItemFacts {
    pub id: Option<String>,
    /// `modify_time`, else `create_time` (Smart+ ads can lack `modify_time`).
    pub changed: Option<DateTime<Utc>>,
    /// `create_time`.
    pub created: Option<DateTime<Utc>>,
}

/// A decoded page of a list.
pub struct ListPage {
    pub lines: Lines,
    pub info: Option<PageInfo>,
    pub items: u64,
    pub first_key: Option<String>,
    pub not_objects: u64,
    pub without_key: u64,
}

/// Reads a list page from its bytes, writing a record for each item `keep` accepts.
pub fn decode_page(
    body: &[u8],
    path: &str,
    records_key: &str,
    shape: &ItemShape,
    stream: &str,
    mut keep: impl FnMut(&ItemFacts) -> bool,
) -> Result<ListPage, ApiError> {
    let mut page = ListPage {
        lines: Lines::new(stream, now_ms()),
        info: None,
        items: 0,
        first_key: None,
        not_objects: 0,
        without_key: 0,
    };
    let mut saw_list = false;
    let ok = envelope::decode(
        body,
        path,
        PageSeed {
            records_key,
            shape,
            page: &mut page,
            keep: &mut keep,
            saw_list: &mut saw_list,
        },
    )?;
    if ok.data.is_none() {
        return Err(ApiError::bad_answer(path, "a success without data".into()));
    }
    let empty = page
        .info
        .is_some_and(|i| i.total_number == Some(0) || i.total_page == Some(0));
    if !saw_list && !empty {
        return Err(ApiError::bad_answer(
            path,
            format!("a success without data.{records_key}"),
        ));
    }
    Ok(page)
}

struct PageSeed<'p, K> {
    records_key: &'p str,
    shape: &'p ItemShape,
    page: &'p mut ListPage,
    keep: &'p mut K,
    saw_list: &'p mut bool,
}

impl<'de, K: FnMut(&ItemFacts) -> bool> DeserializeSeed<'de> for PageSeed<'_, K> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, K: FnMut(&ItemFacts) -> bool> Visitor<'de> for PageSeed<'_, K> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a page object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Text<'de>>()? {
            if *key == *self.records_key {
                *self.saw_list = true;
                map.next_value_seed(ItemsSeed {
                    shape: self.shape,
                    page: &mut *self.page,
                    keep: &mut *self.keep,
                })?;
            } else if &*key == "page_info" {
                self.page.info = map.next_value::<Option<PageInfo>>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct ItemsSeed<'p, K> {
    shape: &'p ItemShape,
    page: &'p mut ListPage,
    keep: &'p mut K,
}

impl<'de, K: FnMut(&ItemFacts) -> bool> DeserializeSeed<'de> for ItemsSeed<'_, K> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de, K: FnMut(&ItemFacts) -> bool> Visitor<'de> for ItemsSeed<'_, K> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of items")
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<&'de RawValue>()? {
            self.page.items += 1;
            let facts = match write_item(self.shape, &mut self.page.lines, item) {
                Some(facts) => facts,
                None => {
                    self.page.not_objects += 1;
                    continue;
                }
            };
            if self.page.first_key.is_none() {
                self.page.first_key = facts.id.clone();
            }
            if facts.id.is_none() {
                self.page.without_key += 1;
                self.page.lines.discard();
            } else if (self.keep)(&facts) {
                self.page.lines.end();
            } else {
                self.page.lines.discard();
            }
        }
        Ok(())
    }
}

/// Writes an item's fields into a begun record (not ended: the caller keeps or discards it).
/// None when the item is not an object.
pub fn write_item(shape: &ItemShape, lines: &mut Lines, item: &RawValue) -> Option<ItemFacts> {
    let mut de = serde_json::Deserializer::from_str(item.get());
    lines.begin();
    let facts = de
        .deserialize_map(ItemVisitor {
            shape,
            lines: &mut *lines,
        })
        .ok();
    if facts.is_none() {
        lines.discard();
    }
    facts
}

struct ItemVisitor<'p> {
    shape: &'p ItemShape,
    lines: &'p mut Lines,
}

impl<'de> Visitor<'de> for ItemVisitor<'_> {
    type Value = ItemFacts;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an item object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ItemFacts, A::Error> {
        let shape = self.shape;
        let lines = self.lines;
        let mut facts = ItemFacts::default();
        let mut modified = None;
        let mut created = None;
        let mut has_advertiser = false;
        let mut has_derived = false;
        let mut tags_present = vec![false; shape.tags.len()];
        let mut derived: Option<String> = None;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let raw: &'de RawValue = map.next_value()?;
            let key: &str = &key;
            if key == shape.primary_key {
                facts.id = id_text(raw);
            }
            if let Some((derived_name, outer, inner)) = shape.derived_key {
                if key == derived_name {
                    has_derived = true;
                }
                if key == outer {
                    derived = serde_json::from_str::<Value>(raw.get())
                        .ok()
                        .and_then(|v| v.get(inner).and_then(crate::tiktok::accounts::id_text));
                }
            }
            if let Some(i) = shape.tags.iter().position(|(k, _)| *k == key) {
                tags_present[i] = true;
            }
            match key {
                "advertiser_id" => has_advertiser = true,
                "modify_time" => modified = instant(raw),
                "create_time" => created = instant(raw),
                _ => {}
            }
            let out = lines.key(key);
            if shape.datetime_fields.iter().any(|f| f == key) {
                match scalar(raw) {
                    Scalar::Text(t) if t.trim().is_empty() || t.trim() == "-" => {
                        out.extend_from_slice(b"null")
                    }
                    _ => match instant(raw) {
                        Some(t) => push_json_str(out, &rfc3339(t)),
                        None => push_raw(out, raw),
                    },
                }
            } else if key.ends_with("_id") || key == "id" {
                match scalar(raw) {
                    Scalar::Number(n) => push_json_str(out, n),
                    _ => push_raw(out, raw),
                }
            } else {
                push_raw(out, raw);
            }
        }
        if !has_advertiser {
            push_json_str(lines.key("advertiser_id"), &shape.advertiser_id);
        }
        for ((key, value), present) in shape.tags.iter().zip(tags_present) {
            if !present {
                push_json_str(lines.key(key), value);
            }
        }
        if let (Some((name, _, _)), Some(v), false) = (shape.derived_key, &derived, has_derived) {
            push_json_str(lines.key(name), v);
            if name == shape.primary_key {
                facts.id = Some(v.clone());
            }
        }
        facts.changed = modified.or(created);
        facts.created = created;
        Ok(facts)
    }
}

fn instant(raw: &RawValue) -> Option<DateTime<Utc>> {
    match scalar(raw) {
        Scalar::Text(t) => super::record::parse_instant_text(&t),
        Scalar::Number(n) => n
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0)),
        _ => None,
    }
}

/// An ID as text: strings as they are (when not empty), numbers as their digits.
fn id_text(raw: &RawValue) -> Option<String> {
    match scalar(raw) {
        Scalar::Text(t) if !t.is_empty() => Some(t.into_owned()),
        Scalar::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(derived: Option<(&'static str, &'static str)>, pk: &'static str) -> ListDecl {
        ListDecl {
            name: "t",
            path: "x/get/",
            records_key: "list",
            page_size: 10,
            primary_key: pk,
            incremental: true,
            server_modified_after: false,
            deleted_filter: None,
            derived_key: derived,
            passes: ONE_PASS,
            schema: "{}",
        }
    }

    fn shape(d: &ListDecl) -> ItemShape {
        let schema = json!({"properties": {"create_time": {"type": "string", "format": "date-time"},
            "modify_time": {"type": "string", "format": "date-time"}, "t2": {"format": "date-time"}}});
        ItemShape::new(d, &schema, "77")
    }

    fn records(page: ListPage) -> Vec<Value> {
        page.lines
            .into_chunks()
            .into_iter()
            .flat_map(|(_, b)| {
                String::from_utf8(b)
                    .unwrap()
                    .lines()
                    .map(|l| serde_json::from_str::<Value>(l).unwrap()["record"]["data"].clone())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn items_become_records_with_string_ids_and_rfc3339_times() {
        let d = decl(None, "campaign_id");
        let body = br#"{"code":0,"message":"OK","data":{"page_info":{"page":1,"page_size":10,"total_number":1,"total_page":1},
            "list":[{"campaign_id":123,"create_time":"2024-03-28 12:09:05","modify_time":"2020-06-10T07:39:14Z",
            "t2":1510740064,"budget":1.50,"nested":{"a":
            [1,2]},"empty":"-"}]}}"#;
        let mut seen = Vec::new();
        let page = decode_page(body, "x/get/", "list", &shape(&d), "campaigns", |f| {
            seen.push(f.clone());
            true
        })
        .unwrap();
        assert_eq!(page.items, 1);
        assert_eq!(page.info.unwrap().total_page, Some(1));
        assert_eq!(seen[0].id.as_deref(), Some("123"));
        assert_eq!(rfc3339(seen[0].changed.unwrap()), "2020-06-10T07:39:14Z");
        let r = records(page);
        assert_eq!(r.len(), 1);
        assert_eq!(
            r[0],
            json!({"campaign_id": "123", "create_time": "2024-03-28T12:09:05Z", "modify_time": "2020-06-10T07:39:14Z",
                "t2": "2017-11-15T10:01:04Z", "budget": serde_json::from_str::<Value>("1.50").unwrap(),
                "nested": {"a": [1, 2]}, "empty": "-", "advertiser_id": "77"})
        );
    }

    #[test]
    fn items_left_out_by_the_cursor_and_items_without_their_key() {
        let d = decl(None, "ad_id");
        let body = br#"{"code":0,"message":"OK","data":{"list":[{"ad_id":"1"},{"name":"no id"},{"ad_id":"2"}]}}"#;
        let page = decode_page(body, "x/get/", "list", &shape(&d), "ads", |f| {
            f.id.as_deref() == Some("2")
        })
        .unwrap();
        assert_eq!(page.items, 3);
        assert_eq!(page.without_key, 1);
        assert_eq!(page.first_key.as_deref(), Some("1"));
        let r = records(page);
        assert_eq!(r, vec![json!({"ad_id": "2", "advertiser_id": "77"})]);
    }

    #[test]
    fn derived_keys_come_from_nested_fields() {
        let d = decl(Some(("item_info", "item_id")), "spark_ads_post_id");
        let body = br#"{"code":0,"message":"OK","data":{"list":[{"item_info":{"item_id":7012},"advertiser_id":"5"}]}}"#;
        let page = decode_page(body, "x/get/", "list", &shape(&d), "spark_ads", |_| true).unwrap();
        assert_eq!(page.without_key, 0);
        let r = records(page);
        assert_eq!(r[0]["spark_ads_post_id"], "7012");
        assert_eq!(r[0]["advertiser_id"], "5");
    }

    #[test]
    fn a_pass_tags_its_records_unless_the_item_says_otherwise() {
        let d = decl(None, "campaign_id");
        let shape = shape(&d).tagged("buying_type", "RESERVATION_TOP_VIEW");
        let body = br#"{"code":0,"message":"OK","data":{"list":[{"campaign_id":"1"},
            {"campaign_id":"2","buying_type":"AUCTION"}]}}"#;
        let page = decode_page(body, "x/get/", "list", &shape, "campaigns", |_| true).unwrap();
        assert_eq!(
            records(page),
            vec![
                json!({"campaign_id": "1", "advertiser_id": "77", "buying_type": "RESERVATION_TOP_VIEW"}),
                json!({"campaign_id": "2", "buying_type": "AUCTION", "advertiser_id": "77"}),
            ]
        );
    }

    #[test]
    fn keys_seen_in_a_slice_are_remembered_and_forgotten_exactly() {
        let mut seen = SeenKeys::default();
        assert!(seen.first_time("1765000000000000001"));
        assert!(!seen.first_time("1765000000000000001"));
        // Text that is not exactly a number's digits stays text: "007" is not "7".
        assert!(seen.first_time("7"));
        assert!(seen.first_time("007"));
        assert!(!seen.first_time("007"));
        assert!(seen.first_time("ad-site-i18n-sg/abc"));
        seen.forget(&["1765000000000000001".into(), "007".into()]);
        assert!(seen.first_time("1765000000000000001"));
        assert!(seen.first_time("007"));
        assert!(!seen.first_time("7"));
        assert!(!seen.first_time("ad-site-i18n-sg/abc"));
    }

    #[test]
    fn malformed_successes_are_errors() {
        let d = decl(None, "ad_id");
        let s = shape(&d);
        for body in [
            &br#"{"code":0,"message":"OK","data":null}"#[..],
            br#"{"code":0,"message":"OK","data":{"page_info":{"total_number":3,"total_page":1}}}"#,
            br#"{"code":0,"message":"OK","data":[1,2]}"#,
        ] {
            assert!(
                decode_page(body, "x/get/", "list", &s, "ads", |_| true).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let body = br#"{"code":0,"message":"OK","data":{"list":[1,{"ad_id":"2"}]}}"#;
        let page = decode_page(body, "x/get/", "list", &s, "ads", |_| true).unwrap();
        assert_eq!(page.not_objects, 1);
        // An empty list without the list key is fine when the page says it is empty.
        let body =
            br#"{"code":0,"message":"OK","data":{"page_info":{"total_number":0,"total_page":0}}}"#;
        assert!(decode_page(body, "x/get/", "list", &s, "ads", |_| true).is_ok());
    }
}
