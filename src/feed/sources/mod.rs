//! Feeds pulled on a schedule: the `[[sources]]` settings, their start-up checks, and fetching
//! the bytes. The scheduler decides when; ingest decides what the bytes mean.

mod check;
mod pull;
mod settings;

pub use check::check_source;
pub use pull::fetch;
pub use settings::SourceSettings;
