//! A deterministic feed generator for benchmarks: `agents` agents with `per_agent` assignments
//! each (70 % skills, 20 % languages, 10 % certifications), each row written `repeat` times.
//! Streams its output, so it needs no memory for large feeds.

use std::io::{self, Write};

/// The size and shape of a generated feed.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Distinct agents.
    pub agents: u64,
    /// Distinct assignments per agent (at most 300).
    pub per_agent: u32,
    /// How often each row is written (identical duplicates, merged by the reader).
    pub repeat: u32,
}

impl Shape {
    /// Rows (CSV) or list items (JSON) the feed will have.
    pub fn rows(&self) -> u64 {
        self.agents * u64::from(self.per_agent) * u64::from(self.repeat)
    }
}

const SKILLS: u64 = 300;
const LANGUAGES: u64 = 20;
const CERTIFICATIONS: u64 = 10;
const LABELS: [&str; 5] = ["Novice", "basic", "PROFICIENT", "Advanced", "Expert"];

/// One generated assignment.
enum Row {
    Skill(String, String),
    Language(String, String),
    Certification(String, &'static str, &'static str),
}

fn agent(a: u64) -> String {
    format!("agent{a:07}@example.com")
}

fn row(a: u64, k: u64, per_agent: u64) -> Row {
    let share = k * 10 / per_agent.max(1);
    let half_steps = (a + k) % 11;
    if share < 7 {
        let level = if half_steps % 2 == 0 && half_steps > 0 && (a + k) % 3 == 0 {
            LABELS[usize::try_from(half_steps / 2 - 1).unwrap_or(0)].to_owned()
        } else {
            format!("{}", half_steps as f64 / 2.0)
        };
        Row::Skill(format!("Skill {:03}", (a * 7 + k * 13) % SKILLS), level)
    } else if share < 9 {
        Row::Language(
            format!("Language {:02}", (a + k) % LANGUAGES),
            format!("{}", (a + k) % 6),
        )
    } else if a % 2 == 0 {
        Row::Certification(
            format!("Cert {}", (a + k) % CERTIFICATIONS),
            "2025-01-15",
            "2026-01-14",
        )
    } else {
        Row::Certification(
            format!("Cert {}", (a + k) % CERTIFICATIONS),
            "2025-03-30T09:00:00+02:00",
            "2026-03-30T23:59:59Z",
        )
    }
}

/// Writes the feed as CSV; returns the number of rows.
pub fn write_csv(out: &mut impl Write, shape: Shape) -> io::Result<u64> {
    writeln!(out, "agent,type,name,proficiency,issued_on,expires_on")?;
    let per_agent = u64::from(shape.per_agent);
    for a in 0..shape.agents {
        let agent = agent(a);
        for k in 0..per_agent {
            for _ in 0..shape.repeat {
                match row(a, k, per_agent) {
                    Row::Skill(name, level) => writeln!(out, "{agent},skill,{name},{level},,")?,
                    Row::Language(name, level) => {
                        writeln!(out, "{agent},language,{name},{level},,")?
                    }
                    Row::Certification(name, issued, expires) => {
                        writeln!(out, "{agent},certification,{name},,{issued},{expires}")?
                    }
                }
            }
        }
    }
    Ok(shape.rows())
}

/// Writes the feed as JSON; returns the number of list items.
pub fn write_json(out: &mut impl Write, shape: Shape) -> io::Result<u64> {
    write!(out, "{{\"agents\": [")?;
    let per_agent = u64::from(shape.per_agent);
    for a in 0..shape.agents {
        let separator = if a == 0 { "" } else { "," };
        let (mut skills, mut languages, mut certifications) = (Vec::new(), Vec::new(), Vec::new());
        for k in 0..per_agent {
            for _ in 0..shape.repeat {
                match row(a, k, per_agent) {
                    Row::Skill(name, level) => skills.push(level_item(&name, &level)),
                    Row::Language(name, level) => languages.push(level_item(&name, &level)),
                    Row::Certification(name, issued, expires) => certifications.push(format!(
                        "{{\"name\":\"{name}\",\"issued_on\":\"{issued}\",\"expires_on\":\"{expires}\"}}"
                    )),
                }
            }
        }
        write!(
            out,
            "{separator}\n{{\"agent\":\"{}\",\"skills\":[{}],\"languages\":[{}],\"certifications\":[{}]}}",
            agent(a),
            skills.join(","),
            languages.join(","),
            certifications.join(",")
        )?;
    }
    writeln!(out, "\n]}}")?;
    Ok(shape.rows())
}

fn level_item(name: &str, level: &str) -> String {
    if level.parse::<f64>().is_ok() {
        format!("{{\"name\":\"{name}\",\"proficiency\":{level}}}")
    } else {
        format!("{{\"name\":\"{name}\",\"proficiency\":\"{level}\"}}")
    }
}
