//! The `identities` formats: per identity, where its credentials leaked, whether the inventory
//! knows it, who owns it and what to do next. `identities` is a table for people;
//! `identities-json` the same as one JSON document (`identities`, `summary`).

use std::io::{self, Write};

use serde_json::json;

use super::identity_groups::{GroupStatus, IdentityGroup, group, one_line};
use super::{Report, ReportInput, SCHEMA_VERSION};

pub struct IdentitiesTable;

pub struct IdentitiesJson;

impl Report for IdentitiesTable {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        let groups = group(input.findings, input.run.rules);
        if groups.is_empty() {
            return writeln!(out, "No leaked credentials.");
        }
        let widths = [
            groups
                .iter()
                .map(|g| g.name.len())
                .max()
                .unwrap_or(0)
                .max(8),
            12,
            groups
                .iter()
                .map(|g| g.owner.as_deref().unwrap_or("-").len())
                .max()
                .unwrap_or(0)
                .max(5),
        ];
        writeln!(
            out,
            "{:w0$}  {:12}  {:w2$}  {:>5}  {:>5}",
            "IDENTITY",
            "INVENTORY",
            "OWNER",
            "LEAKS",
            "FILES",
            w0 = widths[0],
            w2 = widths[2]
        )?;
        for g in &groups {
            writeln!(
                out,
                "{:w0$}  {:12}  {:w2$}  {:>5}  {:>5}",
                g.name,
                status_word(g.status),
                g.owner.as_deref().unwrap_or("-"),
                g.leaks.len(),
                g.files,
                w0 = widths[0],
                w2 = widths[2]
            )?;
        }
        for g in &groups {
            writeln!(out)?;
            details(g, out)?;
        }
        Ok(())
    }
}

fn status_word(s: GroupStatus) -> &'static str {
    match s {
        GroupStatus::Known => "known",
        GroupStatus::Unknown => "unknown",
        GroupStatus::Unidentified => "unidentified",
    }
}

fn details(g: &IdentityGroup, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", one_line(g))?;
    if !g.kinds.is_empty() {
        writeln!(out, "  kind: {}", g.kinds.join(", "))?;
    }
    if let Some(c) = &g.contact {
        writeln!(out, "  contact: {c}")?;
    }
    if let Some(e) = &g.environment {
        writeln!(out, "  environment: {e}")?;
    }
    if !g.matched_by.is_empty() {
        writeln!(out, "  matched by: {}", g.matched_by.join(", "))?;
    }
    for l in &g.leaks {
        let mut line = format!("  - {}  [{}]", l.location, l.rule_id);
        if let Some(date) = &l.first_seen {
            line.push_str(&format!("  first seen {date}"));
        }
        if l.expired == Some(true) {
            line.push_str("  (expired)");
        }
        writeln!(out, "{line}")?;
        for p in &l.provenance {
            writeln!(out, "      {p}")?;
        }
    }
    writeln!(out, "  next step: {}", g.next_step)
}

impl Report for IdentitiesJson {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        let groups = group(input.findings, input.run.rules);
        let count = |s: GroupStatus| groups.iter().filter(|g| g.status == s).count();
        let doc = json!({
            "version": SCHEMA_VERSION,
            "identities": groups,
            "summary": {
                "known": count(GroupStatus::Known),
                "unknown": count(GroupStatus::Unknown),
                "unidentified": count(GroupStatus::Unidentified),
                "leaks": input.findings.len(),
                "errors": input.run.summary.errors,
            },
        });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}
