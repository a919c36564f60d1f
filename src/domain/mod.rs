//! The vocabulary shared by feeds, the planner, the store and the connectors: parsed types that
//! cannot hold an invalid value, and the changes planned between two states. Knows nothing about
//! files, platforms or storage.

mod agent_key;
mod change;
mod change_window;
mod desired;
mod feed_format;
mod granularity;
mod live;
mod name;
mod org;
mod presence;
mod proficiency;
mod scale;
mod secret;
mod seen;
mod source_name;

pub use agent_key::{AgentKey, AgentKeyError, AgentKeyKind};
pub use change::{Action, Change, Timing, Urgency};
pub use change_window::{ChangeWindow, ChangeWindowError, ChangeWindows};
pub use desired::{
    AgentDesired, AssignmentCounts, AssignmentKind, CertificationWindow, DesiredState, FeedScope,
    UnknownScope,
};
pub use feed_format::{FeedFormat, UnknownFormat};
pub use granularity::{Granularity, Step};
pub use live::LiveAgent;
pub use name::{Name, NameError};
pub use org::DEFAULT_ORG;
pub use presence::{Routing, RoutingStatus, UnknownRoutingStatus, ACTIVITY_CATEGORIES};
pub use proficiency::{Proficiency, ProficiencyParseError};
pub use scale::{BestEnd, PlatformScale};
pub use secret::Secret;
pub use seen::SeenNames;
pub use source_name::{SourceName, SourceNameError};
