//! Paging that always ends. Page 1 says how many pages there are; the others are then read
//! concurrently (the client's gate decides how many at once). TikTok's paging is trusted only as
//! far as it is consistent: the page count must agree with the item count and stay under a hard
//! ceiling; a page must not repeat another one; and an endpoint
//! without page counts stops at its first short page, or at the ceiling.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Mutex;

use futures_util::stream::{self, StreamExt, TryStreamExt};

use crate::error::Error;
use crate::tiktok::envelope::PageInfo;
use crate::tiktok::ApiError;

/// No stream of TikTok's has anywhere near this many pages of its largest page size (10
/// million items); a count beyond it is a broken answer, not data.
pub const MAX_PAGES: u64 = 10_000;
/// Later pages started at once (the client's in-flight gate is the real bound).
const PAGES_AT_ONCE: usize = 32;

/// What one page was.
#[derive(Debug, Clone, Default)]
pub struct PageSummary {
    pub info: Option<PageInfo>,
    /// Items on the page (records written or not).
    pub items: u64,
    /// A key of the page's first item, to notice a page served twice.
    pub first_key: Option<String>,
}

/// Reads every page with `read_page(n)`.
pub async fn walk<F, Fut>(path: &str, page_size: u64, read_page: F) -> Result<(), Error>
where
    F: Fn(u64) -> Fut,
    Fut: Future<Output = Result<PageSummary, Error>>,
{
    let first = read_page(1).await?;
    let seen = Mutex::new(HashSet::new());
    // Each page must be the page asked for, hold no more than a page, and not start where
    // another page started: a server that answers page 1 to every request, or the same items
    // over and over, is found at its second page.
    let repeated = |page: u64, s: &PageSummary| -> Result<(), Error> {
        if let Some(answered) = s.info.and_then(|i| i.page) {
            if answered != page {
                return Err(inconsistent(
                    path,
                    format!("page {page} was answered as page {answered}"),
                ));
            }
        }
        if s.items > page_size {
            return Err(inconsistent(
                path,
                format!(
                    "page {page} holds {} items, more than the {page_size} asked for",
                    s.items
                ),
            ));
        }
        if let Some(key) = &s.first_key {
            if !seen
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(key.clone())
            {
                return Err(inconsistent(
                    path,
                    format!("page {page} starts with the same item as an earlier page ({key})"),
                ));
            }
        }
        Ok(())
    };
    repeated(1, &first)?;
    let Some(total_page) = first.info.and_then(|i| i.total_page) else {
        // No page count: read on while pages are full.
        let mut last = first;
        let mut page = 1;
        while last.items >= page_size && last.items > 0 {
            page += 1;
            if page > MAX_PAGES {
                return Err(inconsistent(
                    path,
                    format!("more than {MAX_PAGES} full pages without a page count"),
                ));
            }
            last = read_page(page).await?;
            repeated(page, &last)?;
        }
        return Ok(());
    };
    let expected = first
        .info
        .and_then(|i| i.total_number)
        .map(|n| n.div_ceil(page_size.max(1)));
    let claimed = first.info.and_then(|i| i.total_number).unwrap_or(0);
    if total_page <= 1 && claimed > 0 && first.items == 0 {
        return Err(inconsistent(
            path,
            format!("its only page is empty but total_number says {claimed}"),
        ));
    }
    if total_page > MAX_PAGES || expected.is_some_and(|e| total_page > e.max(1)) {
        return Err(inconsistent(
            path,
            format!(
                "total_page {total_page} does not fit total_number {:?} at {page_size} per page",
                first.info.and_then(|i| i.total_number)
            ),
        ));
    }
    stream::iter(2..=total_page)
        .map(|page| {
            let fut = read_page(page);
            let repeated = &repeated;
            async move {
                // Later pages may count differently when entities are added meanwhile; page 1's
                // count, checked above, is what is read.
                let s = fut.await?;
                repeated(page, &s)
            }
        })
        .buffer_unordered(PAGES_AT_ONCE)
        .try_collect::<()>()
        .await
}

fn inconsistent(path: &str, what: String) -> Error {
    Error::Api(ApiError::bad_answer(
        path,
        format!("its paging is inconsistent: {what}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn info(total_number: u64, total_page: u64) -> Option<PageInfo> {
        Some(PageInfo {
            page: None,
            page_size: None,
            total_number: Some(total_number),
            total_page: Some(total_page),
        })
    }

    async fn pages_read(
        page_size: u64,
        answer: impl Fn(u64) -> PageSummary,
    ) -> (Result<(), Error>, Vec<u64>) {
        let read = Mutex::new(Vec::new());
        let r = walk("x/", page_size, |p| {
            read.lock().unwrap().push(p);
            let s = answer(p);
            async move { Ok(s) }
        })
        .await;
        let mut pages = read.into_inner().unwrap();
        pages.sort();
        (r, pages)
    }

    #[tokio::test]
    async fn every_page_once() {
        let (r, pages) = pages_read(10, |p| PageSummary {
            info: info(25, 3),
            items: if p < 3 { 10 } else { 5 },
            first_key: Some(format!("k{p}")),
        })
        .await;
        assert!(r.is_ok());
        assert_eq!(pages, [1, 2, 3]);
        let (r, pages) = pages_read(10, |_| PageSummary {
            info: info(0, 0),
            items: 0,
            first_key: None,
        })
        .await;
        assert!(r.is_ok());
        assert_eq!(pages, [1]);
    }

    #[tokio::test]
    async fn a_page_count_that_does_not_fit_ends_the_walk() {
        // A billion pages of the same three items.
        let (r, pages) = pages_read(3, |_| PageSummary {
            info: info(3, 1_000_000_000),
            items: 3,
            first_key: Some("same".into()),
        })
        .await;
        assert!(r
            .unwrap_err()
            .to_string()
            .contains("paging is inconsistent"));
        assert_eq!(pages, [1]);
    }

    #[tokio::test]
    async fn a_repeated_page_is_an_error() {
        let (r, _) = pages_read(3, |_| PageSummary {
            info: info(9, 3),
            items: 3,
            first_key: Some("same".into()),
        })
        .await;
        assert!(r.unwrap_err().to_string().contains("same item"));
    }

    #[tokio::test]
    async fn pages_without_counts_stop_at_a_short_page_or_the_ceiling() {
        let (r, pages) = pages_read(20, |p| PageSummary {
            info: None,
            items: if p < 4 { 20 } else { 7 },
            first_key: Some(format!("k{p}")),
        })
        .await;
        assert!(r.is_ok());
        assert_eq!(pages, [1, 2, 3, 4]);
        let (r, pages) = pages_read(20, |p| PageSummary {
            info: None,
            items: 20,
            first_key: Some(format!("k{p}")),
        })
        .await;
        assert!(r.is_err());
        assert_eq!(pages.len() as u64, MAX_PAGES);
    }
}
