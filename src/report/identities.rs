//! The `identities` formats: per identity, where its credentials leaked, whether the inventory
//! knows it, who owns it and what to do next. `identities` is a table for people;
//! `identities-json` the same as one JSON document (`identities`, `summary`).

use std::io::{self, Write};

use schemars::JsonSchema;
use serde::Serialize;

use super::identity_groups::{GroupStatus, IdentityGroup, group, one_line};
use super::{Report, ReportInput, SCHEMA_VERSION};
use crate::escape::visible;

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
                visible(&g.name),
                status_word(g.status),
                visible(g.owner.as_deref().unwrap_or("-")),
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

/// Everything here can quote scanned content (paths, commit subjects) or the inventory: each line
/// goes out with its control characters shown as escapes.
fn details(g: &IdentityGroup, out: &mut dyn Write) -> io::Result<()> {
    let mut text = String::new();
    details_text(g, &mut text);
    for line in text.lines() {
        writeln!(out, "{}", visible(line))?;
    }
    Ok(())
}

fn details_text(g: &IdentityGroup, out: &mut String) {
    use std::fmt::Write as _;
    let _ = writeln!(out, "{}", one_line(g).replace('\n', " "));
    let one = |s: &str| visible(s).into_owned();
    if !g.kinds.is_empty() {
        let _ = writeln!(out, "  kind: {}", one(&g.kinds.join(", ")));
    }
    if let Some(c) = &g.contact {
        let _ = writeln!(out, "  contact: {}", one(c));
    }
    if let Some(e) = &g.environment {
        let _ = writeln!(out, "  environment: {}", one(e));
    }
    if !g.matched_by.is_empty() {
        let _ = writeln!(out, "  matched by: {}", one(&g.matched_by.join(", ")));
    }
    for l in &g.leaks {
        let mut line = format!("  - {}  [{}]", one(&l.location), l.rule_id);
        if let Some(date) = &l.first_seen {
            line.push_str(&format!("  first seen {date}"));
        }
        if l.expired == Some(true) {
            line.push_str("  (expired)");
        }
        let _ = writeln!(out, "{line}");
        for p in &l.provenance {
            let _ = writeln!(out, "      {}", one(p));
        }
    }
    let _ = writeln!(out, "  next step: {}", one(&g.next_step));
}

/// The `identities-json` document (its schema: docs/identities.schema.json).
#[derive(Serialize, JsonSchema)]
pub struct IdentitiesDoc {
    /// The report format's version (the same as the `json` report's).
    pub version: u32,
    /// Known identities by name, then unknown ones, then unidentified secrets by rule.
    pub identities: Vec<IdentityGroup>,
    pub summary: IdentitiesSummary,
}

#[derive(Serialize, JsonSchema)]
pub struct IdentitiesSummary {
    /// Inventory identities with leaks.
    pub known: usize,
    /// Identities the credentials name that the inventory lacks.
    pub unknown: usize,
    /// Groups of secrets that say nothing about whose they are.
    pub unidentified: usize,
    /// Findings reported.
    pub leaks: usize,
    /// Items that could not be scanned (the scan is incomplete when above 0).
    pub errors: u64,
}

/// The JSON Schema of the `identities-json` document.
pub fn identities_schema() -> schemars::Schema {
    schemars::schema_for!(IdentitiesDoc)
}

impl Report for IdentitiesJson {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        let groups = group(input.findings, input.run.rules);
        let count = |s: GroupStatus| groups.iter().filter(|g| g.status == s).count();
        let doc = IdentitiesDoc {
            version: SCHEMA_VERSION,
            summary: IdentitiesSummary {
                known: count(GroupStatus::Known),
                unknown: count(GroupStatus::Unknown),
                unidentified: count(GroupStatus::Unidentified),
                leaks: input.findings.len(),
                errors: input.run.summary.errors,
            },
            identities: groups,
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    /// docs/identities.schema.json is generated from the types: regenerate it with
    /// `UPDATE_SCHEMA=1 cargo test --lib report_schema` after changing a field.
    #[test]
    fn identities_report_schema_in_docs_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/identities.schema.json");
        let generated = serde_json::to_string_pretty(&super::identities_schema()).unwrap() + "\n";
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/identities.schema.json is out of date: run UPDATE_SCHEMA=1 cargo test --lib report_schema"
        );
    }
}
