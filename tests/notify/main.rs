//! The certification webhook against a real local HTTP receiver: signatures a receiver can
//! check, retries of transient failures, permanent rejections, the bounded queue, shutdown, and
//! the delivery log in PostgreSQL.

mod delivery;
mod helpers;
mod postgres;
mod queue;
