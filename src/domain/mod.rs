//! The desired-state vocabulary shared by feeds, the planner and the connectors: parsed types
//! that cannot hold an invalid value. Knows nothing about files, platforms or storage.

mod agent_key;
mod desired;
mod live;
mod name;
mod proficiency;

pub use agent_key::{AgentKey, AgentKeyError, AgentKeyKind};
pub use desired::{
    AgentDesired, AssignmentCounts, AssignmentKind, CertificationWindow, DesiredState, FeedScope,
    UnknownScope,
};
pub use live::LiveAgent;
pub use name::{Name, NameError};
pub use proficiency::{Proficiency, ProficiencyParseError};
