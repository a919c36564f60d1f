//! The bodies the API answers with: its own types, converted from store records, so that the
//! store's rows can change without changing the API's JSON or its OpenAPI document.

mod agents;
mod audit;
mod feeds;
mod jobs;
#[cfg(test)]
mod tests;

pub use agents::{Agent, DriftPageView, DriftTotals};
pub use audit::AuditRecord;
pub use feeds::Feed;
pub use jobs::{Job, WorkItemView};

/// Converts every record of a page.
pub fn all<'a, R: 'a, V: From<&'a R>>(records: &'a [R]) -> Vec<V> {
    records.iter().map(V::from).collect()
}
