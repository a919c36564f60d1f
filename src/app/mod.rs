//! `skillsync serve` composed: builds each org's rooms from the configuration, shares the orgs
//! between replicas by lease (each org's worker, scheduler and certification timer run on the
//! replica holding its lease), and serves the two listeners. Must hold no reconciling,
//! scheduling or HTTP logic of its own.

mod application;
mod balance;
mod context;
mod leases;
mod org;

pub use application::{AppError, Application};
pub use context::Context;
pub use org::OrgRuntime;
