//! The certification webhook: signed JSON events POSTed when an agent loses or regains a
//! certification or nears its expiry, retried with backoff, every attempt in a delivery log,
//! behind a queue that never blocks the caller. Deciding when an event happens is not its job.
//! The receiver's side is documented in `docs/notifications.md`.

mod event;
mod log;
mod pg_log;
mod signature;

pub use event::{CertificationEvent, EventKind};
pub use log::{Attempt, DeliveryLog, LogError, MemoryLog, Outcome, UnknownOutcome};
pub use pg_log::PgDeliveryLog;
pub use signature::{
    sign, verify, VerifyError, EVENT_ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
