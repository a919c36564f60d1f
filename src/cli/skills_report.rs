//! The report of `skills sync`, for people and for programs, and the exit code it stands for.

use std::io::{self, Write};

use serde::Serialize;

use super::skill_catalog::MissingSkill;
use super::OutputFormat;
use crate::feed::Rejection;

/// A skill created by `--create`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreatedSkill {
    /// Its name.
    pub name: String,
    /// Whether the feed's description was stored; `None` when the feed gave none.
    pub description_stored: Option<bool>,
}

/// A skill whose create call failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedSkill {
    /// Its name.
    pub name: String,
    /// Why, from the platform.
    pub error: String,
}

/// A missing skill that must not be created, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedSkill {
    /// Its name.
    pub name: String,
    /// Why not (e.g. it is being retired).
    pub reason: String,
}

/// What `skills sync` found and did. `missing` is every name missing before the run; with
/// `--create` each of them ends up in `created`, `failed` or `refused`.
#[derive(Debug, Clone, Serialize)]
pub struct SkillsSyncReport {
    /// The feed's name as given.
    pub feed: String,
    /// Whether `--create` was given.
    pub created_on_request: bool,
    /// How many used names have an active definition.
    pub present: usize,
    /// Used names without a usable definition, with the feed's description.
    pub missing: Vec<MissingSkill>,
    /// Used names defined only inactive: never created, left to an administrator.
    pub inactive: Vec<String>,
    /// Created now.
    pub created: Vec<CreatedSkill>,
    /// Create calls that failed.
    pub failed: Vec<FailedSkill>,
    /// Missing names that are never created, with the reason.
    pub refused: Vec<RefusedSkill>,
    /// The feed's warnings.
    pub warnings: Vec<String>,
    /// The platform's name for messages.
    #[serde(skip)]
    pub platform: &'static str,
}

impl SkillsSyncReport {
    /// 0: nothing missing, or everything missing created; 2: something missing (listing only);
    /// 1: `--create` left something missing.
    pub fn exit_code(&self) -> i32 {
        match (self.created_on_request, self.missing.is_empty()) {
            (_, true) => 0,
            (false, false) => 2,
            (true, false) if self.failed.is_empty() && self.refused.is_empty() => 0,
            (true, false) => 1,
        }
    }

    /// The report as JSON.
    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }

    /// The report for people: one line per name that needs attention.
    pub fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        for warning in &self.warnings {
            writeln!(out, "warning: {}: {warning}", self.feed)?;
        }
        writeln!(
            out,
            "{}: {} skill(s) used: {} present, {} missing, {} inactive",
            self.feed,
            self.present + self.missing.len() + self.inactive.len(),
            self.present,
            self.missing.len(),
            self.inactive.len()
        )?;
        for name in &self.inactive {
            writeln!(
                out,
                "  inactive     {name:?}: inactive on the platform; not created (activate it there)"
            )?;
        }
        for skill in &self.missing {
            if let Some(refused) = self.refused.iter().find(|r| r.name == skill.name) {
                writeln!(
                    out,
                    "  missing      {:?}: not created: {}",
                    skill.name, refused.reason
                )?;
            } else if !self.created_on_request {
                match &skill.description {
                    Some(text) => writeln!(out, "  missing      {:?} — {text}", skill.name)?,
                    None => writeln!(out, "  missing      {:?}", skill.name)?,
                }
            }
        }
        for created in &self.created {
            let stored = match created.description_stored {
                None | Some(true) => String::new(),
                Some(false) => format!(
                    " (description not stored: {} skills have no description)",
                    self.platform
                ),
            };
            writeln!(out, "  created      {:?}{stored}", created.name)?;
        }
        for failed in &self.failed {
            writeln!(out, "  failed       {:?}: {}", failed.name, failed.error)?;
        }
        let creatable = self.missing.len().saturating_sub(self.refused.len());
        if !self.created_on_request && creatable > 0 {
            writeln!(
                out,
                "Nothing was changed. Run again with --create to create {creatable} skill(s)."
            )?;
        }
        Ok(())
    }
}

/// An invalid feed: its errors, as `validate` prints them (or as JSON), and nothing else.
pub fn rejected(
    out: &mut impl Write,
    format: OutputFormat,
    rejection: &Rejection,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => {
            writeln!(out, "{rejection}; nothing was checked")?;
            for line in rejection.lines() {
                writeln!(out, "error: {line}")?;
            }
            Ok(())
        }
        OutputFormat::Json => {
            let errors: Vec<String> = rejection.lines().collect();
            serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "errors": errors }))?;
            writeln!(out)
        }
    }
}
