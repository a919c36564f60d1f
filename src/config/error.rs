//! Why the configuration could not be loaded or cannot run as asked.

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A source could not be read or a value has the wrong type.
    #[error("invalid configuration: {0}")]
    Invalid(#[from] config::ConfigError),
    /// The configuration file given on the command line does not exist.
    #[error("configuration file {0} does not exist")]
    MissingFile(String),
    /// An `[orgs.NAME]` name is not 1–32 characters of `a-z`, `0-9`, `_` and `-`.
    #[error(
        "invalid configuration: org name {0:?} in [orgs]: use 1-32 characters of a-z, 0-9, _ and -"
    )]
    OrgName(String),
    /// A key of an `[orgs.NAME]` table is unknown or its merged section is invalid.
    #[error("invalid configuration: {path}: {message}")]
    Org {
        /// The key, e.g. `orgs.acme.platform`.
        path: String,
        /// What is wrong with it.
        message: String,
    },
    /// `[policy]`'s deferral keys or change windows cannot work (in the named org when there
    /// are several).
    #[error("invalid configuration: {0}")]
    Policy(String),
    /// A token is limited to an org that is not configured.
    #[error("invalid configuration: {0}")]
    Tokens(String),
    /// Several orgs are configured for a command that runs one.
    #[error(
        "{} orgs are configured ({}); this command runs one: name it with --org NAME",
        .0.len(),
        .0.join(", ")
    )]
    SeveralOrgs(Vec<String>),
    /// `--org` names an org the configuration does not have.
    #[error("--org {0}: no such org (configured: {known})", known = .1.join(", "))]
    UnknownOrg(String, Vec<String>),
}
