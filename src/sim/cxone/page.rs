//! Paging CXone-style: `skip` and `top` in, `totalRecords` and `_links.next` (an absolute URL) out.

use axum::http::{header, HeaderMap, Uri};
use serde_json::{json, Value};

use crate::sim::error::ApiError;
use crate::sim::extract::QueryParams;

/// `skip` (default 0) and `top` (default 100, at most `max`).
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// Items to leave out.
    pub skip: usize,
    /// Items to give.
    pub top: usize,
}

impl Page {
    /// Reads `skip` and `top`.
    pub fn from_query(q: &QueryParams, max: u32) -> Result<Self, ApiError> {
        let skip = match q.get("skip") {
            None => 0,
            Some(raw) => raw.parse::<usize>().map_err(|_| {
                ApiError::invalid_value("skip", format!("Invalid value [{raw}] for skip."))
            })?,
        };
        Ok(Self {
            skip,
            top: q.positive("top", 100.min(max), max)? as usize,
        })
    }

    /// This page of `items`, rendered and wrapped as `{key: [...], totalRecords, _links}`; only
    /// the items on the page are rendered.
    pub fn wrap<T>(
        &self,
        key: &str,
        items: &[T],
        render: impl Fn(&T) -> Value,
        headers: &HeaderMap,
        uri: &Uri,
    ) -> Value {
        let total = items.len();
        let page: Vec<Value> = items
            .iter()
            .skip(self.skip)
            .take(self.top)
            .map(render)
            .collect();
        let next = (self.skip.saturating_add(self.top) < total)
            .then(|| self.link(headers, uri, self.skip + self.top));
        json!({
            key: page,
            "totalRecords": total,
            "_links": {"self": self.link(headers, uri, self.skip), "next": next, "previous": Value::Null},
        })
    }

    fn link(&self, headers: &HeaderMap, uri: &Uri, skip: usize) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
            if k != "skip" && k != "top" {
                query.append_pair(&k, &v);
            }
        }
        query.append_pair("skip", &skip.to_string());
        query.append_pair("top", &self.top.to_string());
        format!("{}{}?{}", base_url(headers), uri.path(), query.finish())
    }
}

/// `http://host:port` as the client addressed us.
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}
