//! Reports for people (in the manner of `terraform plan`) and for programs (JSON).

use std::io::{self, Write};

use super::apply::ApplyReport;
use crate::planner::{Plan, SafetyViolation};
use crate::platform::CallCounts;

/// `N agents to change: +a ~u -r`, then a line per change.
pub fn plan_text(
    out: &mut impl Write,
    plan: &Plan,
    violations: &[SafetyViolation],
) -> io::Result<()> {
    let c = &plan.counts;
    if plan.agents.is_empty() {
        writeln!(out, "No changes. The platform matches the feed.")?;
    } else {
        writeln!(
            out,
            "{} agents to change: +{} ~{} -{}",
            c.agents, c.additions, c.updates, c.removals
        )?;
    }
    for agent in &plan.agents {
        writeln!(out, "\n  {} ({})", agent.label, agent.user_id)?;
        for change in &agent.changes {
            writeln!(out, "    {change}")?;
        }
    }
    unmatched_and_ignored(out, plan)?;
    for v in violations {
        writeln!(out, "\nApply would wait for approval: {v}.")?;
    }
    Ok(())
}

fn unmatched_and_ignored(out: &mut impl Write, plan: &Plan) -> io::Result<()> {
    if !plan.unmatched.is_empty() {
        writeln!(
            out,
            "\nFeed agents not found on the platform ({}):",
            plan.unmatched.len()
        )?;
        for u in &plan.unmatched {
            writeln!(out, "  {}: {}", u.key, u.reason)?;
        }
    }
    if !plan.ignored.is_empty() {
        writeln!(
            out,
            "\n{} desired assignments are outside the managed scope ([ownership]) and were left alone, e.g. {} {} of {}.",
            plan.ignored.len(),
            plan.ignored[0].kind,
            plan.ignored[0].name,
            plan.ignored[0].agent
        )?;
    }
    Ok(())
}

/// The plan as one JSON document.
pub fn plan_json(
    out: &mut impl Write,
    plan: &Plan,
    violations: &[SafetyViolation],
    calls: &CallCounts,
) -> io::Result<()> {
    let doc = serde_json::json!({
        "summary": plan.counts,
        "agents": plan.agents,
        "unmatched": plan.unmatched,
        "ignored": plan.ignored,
        "safety": violations.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "calls": calls,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn calls_line(calls: &CallCounts) -> String {
    let by_kind: Vec<String> = calls
        .calls
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    format!(
        "{} calls ({}); {} writes; {} retries; {} rate-limited (429); {} conflicts",
        calls.total(),
        by_kind.join(", "),
        calls.writes(),
        calls.retries,
        calls.throttled,
        calls.conflicts
    )
}

/// The end-of-run summary of `apply`.
pub fn apply_text(out: &mut impl Write, report: &ApplyReport) -> io::Result<()> {
    let c = &report.plan.counts;
    writeln!(
        out,
        "Planned: {} agents to change: +{} ~{} -{}",
        c.agents, c.additions, c.updates, c.removals
    )?;
    writeln!(
        out,
        "Applied in {:.1} s over {} round(s): {} agents changed, {} converged, {} failed.",
        report.elapsed.as_secs_f64(),
        report.rounds,
        report.agents_changed,
        report.agents_converged,
        report.failures.len()
    )?;
    writeln!(out, "Calls: {}", calls_line(&report.calls))?;
    if !report.failures.is_empty() {
        writeln!(out, "\nFailed ({}):", report.failures.len())?;
        for f in &report.failures {
            writeln!(out, "  {} ({}): {}", f.agent, f.user_id, f.reason)?;
        }
    }
    unmatched_and_ignored(out, &report.plan)
}

/// The apply report as JSON.
pub fn apply_json(out: &mut impl Write, report: &ApplyReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
