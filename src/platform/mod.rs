//! Platform connectors: the only code that knows vendor APIs. Everything above this layer
//! speaks in names and canonical proficiencies; connectors translate ids, scales and calls.

pub mod calls;
pub mod error;
pub mod genesys;

pub use calls::{CallCounts, CallKind, CallStats};
pub use error::PlatformError;
