//! The Genesys Cloud connector: `connector` wires the pieces; `transport` paces and retries
//! every call; `observe` reads users; `catalog` maps names to ids; `write` makes one agent's
//! delta writes; `wire` holds the serde types; `auth` the token; `regions` the hosts.

mod auth;
pub mod calls;
mod catalog;
mod connector;
mod observe;
pub mod regions;
mod transport;
mod wire;
mod write;

pub use connector::Genesys;
