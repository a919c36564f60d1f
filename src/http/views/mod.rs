//! The bodies the API answers with: its own types, converted from store records, so that the
//! store's rows can change without changing the API's JSON or its OpenAPI document.

/// Declares a view and its conversion from a store record together, so that a field added to
/// one cannot be forgotten in the other. `copy`, `clone` and `shown` say how a field is taken;
/// `shown` (Display) serves the store's status-like enums, which display as their stored words.
macro_rules! view {
    (
        $(#[$meta:meta])*
        $name:ident from $record:ty {
            $( $(#[$field_meta:meta])* $field:ident: $ty:ty = $how:ident ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $ty, )*
        }

        impl From<&$record> for $name {
            fn from(r: &$record) -> Self {
                Self { $( $field: view!(@$how r.$field), )* }
            }
        }
    };
    (@copy $e:expr) => { $e };
    (@clone $e:expr) => { $e.clone() };
    (@shown $e:expr) => { $e.to_string() };
    (@view $e:expr) => { From::from(&$e) };
    (@views $e:expr) => { $crate::http::views::all(&$e) };
}

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
