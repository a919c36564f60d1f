//! The org (tenant) every configuration, stored row, metric and API path belongs to.

/// The org a configuration without `[orgs]` is, and the one the unscoped `/v1/…` paths mean.
pub const DEFAULT_ORG: &str = "default";
