//! The platform's paged listing envelope (`entities`, `pageSize`, `pageNumber`, `total`, URIs).

use serde::Serialize;

use super::error::ApiError;
use super::extract::QueryParams;

/// Which page a request asked for.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    /// Items per page.
    pub size: u32,
    /// 1-based page number.
    pub number: u32,
}

impl PageRequest {
    /// Reads `pageSize` (default 25, at most `max`) and `pageNumber` (default 1).
    pub fn from_query(params: &QueryParams, max: u32) -> Result<Self, ApiError> {
        Ok(Self {
            size: params.positive("pageSize", 25, max)?,
            number: params.positive("pageNumber", 1, u32::MAX)?,
        })
    }

    /// The index range of this page within `total` items (empty past the end).
    pub fn range(&self, total: usize) -> std::ops::Range<usize> {
        let start = (self.number as usize - 1)
            .saturating_mul(self.size as usize)
            .min(total);
        let end = start.saturating_add(self.size as usize).min(total);
        start..end
    }
}

/// A page of `T` with the platform's paging fields.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing<T> {
    /// The items on this page.
    pub entities: Vec<T>,
    /// Requested page size.
    pub page_size: u32,
    /// This page's number.
    pub page_number: u32,
    /// Items across all pages.
    pub total: usize,
    /// Number of pages.
    pub page_count: u32,
    /// Link to page 1.
    pub first_uri: String,
    /// Link to this page.
    pub self_uri: String,
    /// Link to the next page, absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_uri: Option<String>,
    /// Link to the previous page, absent on the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_uri: Option<String>,
    /// Link to the last page.
    pub last_uri: String,
}

impl<T> Listing<T> {
    /// Wraps one page. `path` is the resource path; `extra` any other query parameters to keep
    /// in the links (already encoded, without a leading `&`).
    pub fn new(entities: Vec<T>, page: PageRequest, total: usize, path: &str, extra: &str) -> Self {
        let page_count = total.div_ceil(page.size as usize).max(1) as u32;
        let uri = |n: u32| {
            let mut uri = format!("{path}?pageSize={}&pageNumber={n}", page.size);
            if !extra.is_empty() {
                uri.push('&');
                uri.push_str(extra);
            }
            uri
        };
        Self {
            entities,
            page_size: page.size,
            page_number: page.number,
            total,
            page_count,
            first_uri: uri(1),
            self_uri: uri(page.number),
            next_uri: (page.number < page_count).then(|| uri(page.number + 1)),
            previous_uri: (page.number > 1).then(|| uri(page.number - 1)),
            last_uri: uri(page_count),
        }
    }
}

/// A cursor-paged request (`pageSize`, `after`, `before`), as skill group listings take. The
/// cursors are opaque to clients; here they are the position of the item they point past.
#[derive(Debug, Clone, Copy)]
pub struct CursorRequest {
    size: usize,
    after: Option<usize>,
    before: Option<usize>,
}

impl CursorRequest {
    /// Reads `pageSize` (default 25, at most `max`), `after` and `before`; a cursor that is not
    /// one the simulator issued is a 400.
    pub fn from_query(params: &QueryParams, max: u32) -> Result<Self, ApiError> {
        let cursor = |key: &str| -> Result<Option<usize>, ApiError> {
            params
                .get(key)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    v.parse::<usize>()
                        .map_err(|_| ApiError::invalid_value(key, format!("Invalid cursor [{v}].")))
                })
                .transpose()
        };
        Ok(Self {
            size: params.positive("pageSize", 25, max)? as usize,
            after: cursor("after")?,
            before: cursor("before")?,
        })
    }

    /// The page of `total` items and its links: `nextUri` only when items follow, `previousUri`
    /// only when items precede. `extra` is kept in the links (encoded, no leading `&`).
    pub fn page<T>(
        &self,
        total: usize,
        path: &str,
        extra: &str,
        items: impl FnOnce(std::ops::Range<usize>) -> Vec<T>,
    ) -> CursorListing<T> {
        let (start, end) = match (self.after, self.before) {
            (Some(after), _) => (
                after.min(total),
                after.min(total).saturating_add(self.size).min(total),
            ),
            (None, Some(before)) => (
                before.min(total).saturating_sub(self.size),
                before.min(total),
            ),
            (None, None) => (0, self.size.min(total)),
        };
        let uri = |cursor: Option<(&str, usize)>| {
            let mut uri = format!("{path}?pageSize={}", self.size);
            if let Some((key, at)) = cursor {
                uri.push_str(&format!("&{key}={at}"));
            }
            if !extra.is_empty() {
                uri.push('&');
                uri.push_str(extra);
            }
            uri
        };
        let self_cursor = self
            .after
            .map(|a| ("after", a))
            .or(self.before.map(|b| ("before", b)));
        CursorListing {
            entities: items(start..end),
            next_uri: (end < total).then(|| uri(Some(("after", end)))),
            self_uri: uri(self_cursor),
            previous_uri: (start > 0).then(|| uri(Some(("before", start)))),
        }
    }
}

/// A page of `T` with cursor links, as the SDK's `SkillGroupEntityListing` and
/// `SkillGroupMemberEntityListing` carry (no totals, no page numbers).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CursorListing<T> {
    /// The items on this page.
    pub entities: Vec<T>,
    /// Link to the next page, absent on the last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_uri: Option<String>,
    /// Link to this page.
    pub self_uri: String,
    /// Link to the previous page, absent on the first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_uri: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_point_at_neighbouring_pages_only_where_they_exist() {
        let page = PageRequest {
            size: 10,
            number: 2,
        };
        let listing = Listing::new(vec![(); 10], page, 25, "/api/v2/users", "expand=skills");
        assert_eq!(listing.page_count, 3);
        assert_eq!(
            listing.next_uri.as_deref(),
            Some("/api/v2/users?pageSize=10&pageNumber=3&expand=skills")
        );
        assert_eq!(
            listing.previous_uri.as_deref(),
            Some("/api/v2/users?pageSize=10&pageNumber=1&expand=skills")
        );
        let last = Listing::new(
            vec![(); 5],
            PageRequest {
                size: 10,
                number: 3,
            },
            25,
            "/x",
            "",
        );
        assert!(last.next_uri.is_none());
    }

    #[test]
    fn a_page_past_the_end_is_empty() {
        assert_eq!(
            PageRequest {
                size: 10,
                number: 9
            }
            .range(25),
            25..25
        );
        assert_eq!(
            PageRequest {
                size: 10,
                number: 3
            }
            .range(25),
            20..25
        );
    }

    #[test]
    fn cursors_walk_forwards_and_back() {
        let req = |q: &str| {
            let params = QueryParams::parse(q);
            CursorRequest::from_query(&params, 100).expect("request")
        };
        let first = req("pageSize=2").page(5, "/x", "", |r| r.collect::<Vec<_>>());
        assert_eq!(first.entities, vec![0, 1]);
        assert_eq!(first.next_uri.as_deref(), Some("/x?pageSize=2&after=2"));
        assert!(first.previous_uri.is_none());
        let last = req("pageSize=2&after=4").page(5, "/x", "", |r| r.collect::<Vec<_>>());
        assert_eq!(last.entities, vec![4]);
        assert!(last.next_uri.is_none());
        let back = req("pageSize=2&before=4").page(5, "/x", "", |r| r.collect::<Vec<_>>());
        assert_eq!(back.entities, vec![2, 3]);
        let params = QueryParams::parse("after=zz");
        assert!(CursorRequest::from_query(&params, 100).is_err());
    }
}
