//! `json` (one document) and `jsonl` (one finding per line, written as the run confirms it).
//! Fields are documented in docs/output.md and described by docs/report.schema.json, which is
//! generated from these types; `version` changes when a field changes meaning or goes away.

use std::io::{self, Write};

use schemars::JsonSchema;
use serde::Serialize;

use super::Summary;
use super::{FindingSink, Report, ReportInput, RunInfo};
use crate::diag::ErrorRecord;
use crate::finding::view::FindingView;

/// Version of the JSON finding schema.
pub const SCHEMA_VERSION: u32 = 1;

pub struct Json;

/// The `json` document.
#[derive(Debug, Serialize, JsonSchema)]
pub struct JsonReport<'a> {
    pub version: u32,
    pub tool: Tool,
    pub findings: &'a [FindingView],
    pub summary: &'a Summary,
    /// Items that could not be scanned; the scan went on without them.
    pub errors: &'a [ErrorRecord],
    /// Things worth knowing: content skipped or not followed.
    pub notes: &'a [String],
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn leakhound() -> Tool {
        Tool {
            name: "leakhound".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

impl Report for Json {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        let doc = JsonReport {
            version: SCHEMA_VERSION,
            tool: Tool::leakhound(),
            findings: input.findings,
            summary: input.run.summary,
            errors: input.run.errors,
            notes: input.run.notes,
        };
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

/// `jsonl`: each finding is written and flushed when the run confirms it.
pub struct JsonLines {
    out: Box<dyn Write>,
}

impl JsonLines {
    pub fn new(out: Box<dyn Write>) -> JsonLines {
        JsonLines { out }
    }
}

impl FindingSink for JsonLines {
    fn finding(&mut self, f: &FindingView) -> io::Result<()> {
        serde_json::to_writer(&mut *self.out, f)?;
        writeln!(self.out)?;
        self.out.flush()
    }

    fn finish(&mut self, _run: &RunInfo<'_>) -> io::Result<()> {
        self.out.flush()
    }
}

/// The JSON Schema of the `json` document (its `findings` items are the `jsonl` lines).
pub fn report_schema() -> schemars::Schema {
    schemars::schema_for!(JsonReport<'static>)
}

#[cfg(test)]
mod tests {
    /// docs/report.schema.json is generated from the types: regenerate it with
    /// `UPDATE_SCHEMA=1 cargo test --lib report_schema` after changing a field.
    #[test]
    fn report_schema_in_docs_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report.schema.json");
        let generated = serde_json::to_string_pretty(&super::report_schema()).unwrap() + "\n";
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/report.schema.json is out of date: run UPDATE_SCHEMA=1 cargo test --lib report_schema"
        );
    }
}
