//! The Genesys Cloud connector: Genesys paths and wire types on top of the shared transport.
//! `connector` wires the pieces; `api` is the login and error-body hooks; `observe` reads
//! users (and their routing status); `adherence` reads scheduled activities; `catalog` maps
//! names to ids; `definitions` and `skill_groups` serve the skill catalog commands; `write` makes one agent's delta writes; `wire` holds the
//! serde types; `calls` the call kinds; `regions` the hosts. Pacing and retries belong to
//! [`crate::platform::transport`], never here.

mod adherence;
mod api;
pub mod calls;
mod catalog;
mod connector;
mod definitions;
mod divisions;
mod observe;
pub mod regions;
mod skill_groups;
mod wire;
mod write;

pub use connector::Genesys;
