//! The NICE CXone connector: CXone paths and wire types on top of the shared
//! transport. `endpoints` finds the hosts (discovery or `base_url`); `api` is the access-key
//! login and error-body hooks; `observe` pages through agents and assignments; `write` makes
//! the writes; `wire` holds the read types, `bodies` the only write bodies, `results` reads
//! write answers; `definitions` lists and retires skill definitions (deactivating them);
//! `proficiency` is CXone's 1–20 scale; `calls` the call kinds; `client` wires
//! them. Pacing and retries belong to [`crate::platform::transport`], never here.

mod api;
mod apply;
pub mod bodies;
pub mod calls;
mod client;
mod connector;
mod definitions;
pub mod endpoints;
pub mod grouping;
pub mod live;
mod observe;
pub mod proficiency;
pub mod results;
pub mod wire;
mod write;

pub use bodies::{
    AgentGrant, AgentSkillRemovals, AgentSkills, SkillAgents, SkillGrant, SkillSettings,
    SkillUpdate,
};
pub use client::Cxone;
pub use observe::{AgentAssignments, Changes};
pub use proficiency::CxoneProficiency;
pub use results::{ItemFailure, WriteReport};
pub use wire::{Agent, Assignment, CxoneId, Skill};

#[cfg(test)]
mod http_tests;
#[cfg(test)]
mod write_tests;
