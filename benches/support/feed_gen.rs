//! A deterministic feed generator for benchmarks: `agents` agents with `per_agent` assignments
//! each (70 % skills, 20 % languages, 10 % certifications), each row written `repeat` times.
//! Streams its output, so it needs no memory for large feeds. `Names` can make it name agents,
//! skills and languages as a `skillsync sim` org does, so that a daemon has users to match.

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

/// How agents, skills and languages are named. The default (`agent0000000@example.com`,
/// `Skill 000`, `Language 00`) is what the recorded feed benchmarks used.
#[derive(Debug, Clone, Copy, Default)]
pub struct Names<'a> {
    /// Name agent `a` as the simulator names user `a + 1`: `agent00001@example.com`.
    pub sim_emails: bool,
    /// Skill names by index (at least 300 of them), instead of `Skill 000`.
    pub skills: Option<&'a [String]>,
    /// Language names by index (at least 20), instead of `Language 00`.
    pub languages: Option<&'a [String]>,
}

impl Names<'_> {
    fn agent(&self, a: u64) -> String {
        if self.sim_emails {
            format!("agent{:05}@example.com", a + 1)
        } else {
            format!("agent{a:07}@example.com")
        }
    }

    fn skill(&self, n: u64) -> String {
        match self.skills {
            Some(names) => names[n as usize].clone(),
            None => format!("Skill {n:03}"),
        }
    }

    fn language(&self, n: u64) -> String {
        match self.languages {
            Some(names) => names[n as usize].clone(),
            None => format!("Language {n:02}"),
        }
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

fn row(a: u64, k: u64, per_agent: u64, names: &Names<'_>) -> Row {
    let share = k * 10 / per_agent.max(1);
    let half_steps = (a + k) % 11;
    if share < 7 {
        let level = if half_steps % 2 == 0 && half_steps > 0 && (a + k) % 3 == 0 {
            LABELS[usize::try_from(half_steps / 2 - 1).unwrap_or(0)].to_owned()
        } else {
            format!("{}", half_steps as f64 / 2.0)
        };
        Row::Skill(names.skill((a * 7 + k * 13) % SKILLS), level)
    } else if share < 9 {
        Row::Language(
            names.language((a + k) % LANGUAGES),
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
pub fn write_csv(out: &mut impl Write, shape: Shape, names: &Names<'_>) -> io::Result<u64> {
    writeln!(out, "agent,type,name,proficiency,issued_on,expires_on")?;
    let per_agent = u64::from(shape.per_agent);
    for a in 0..shape.agents {
        let agent = names.agent(a);
        for k in 0..per_agent {
            for _ in 0..shape.repeat {
                match row(a, k, per_agent, names) {
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
pub fn write_json(out: &mut impl Write, shape: Shape, names: &Names<'_>) -> io::Result<u64> {
    write!(out, "{{\"agents\": [")?;
    let per_agent = u64::from(shape.per_agent);
    for a in 0..shape.agents {
        let separator = if a == 0 { "" } else { "," };
        let (mut skills, mut languages, mut certifications) = (Vec::new(), Vec::new(), Vec::new());
        for k in 0..per_agent {
            for _ in 0..shape.repeat {
                match row(a, k, per_agent, names) {
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
            names.agent(a),
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
