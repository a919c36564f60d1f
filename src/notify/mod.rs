//! The certification webhook: signed JSON events POSTed when an agent loses or regains a
//! certification or nears its expiry, retried with backoff, every attempt in a delivery log,
//! behind a queue that never blocks the caller. Deciding when an event happens is not its job.
//! The receiver's side is documented in `docs/notifications.md`.

mod drain;
mod event;
mod log;
mod notifier;
mod retry;
mod sender;
mod settings;
mod signature;

pub use event::{CertificationEvent, EventKind};
pub use log::{Attempt, DeliveryLog, LogError, MemoryLog, Outcome, UnknownOutcome};
pub use notifier::{Enqueued, Notifier, NotifierHandle, NotifierStats};
pub use settings::{WebhookSettings, WebhookSettingsError};
pub use signature::{
    sign, verify, VerifyError, EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
