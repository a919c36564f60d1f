//! `skillsync serve` composed: builds each room's state from the configuration, elects the
//! leader that runs the worker, the scheduler and the certification timer, and serves the two
//! listeners. Must hold no reconciling, scheduling or HTTP logic of its own.

mod application;
mod context;
mod leader;

pub use application::{AppError, Application};
pub use context::Context;
