//! The Genesys Cloud connector.

pub mod auth;
pub mod regions;
pub mod transport;
pub mod wire;
