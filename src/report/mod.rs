//! Output formats. A report consumes finished findings and writes them; it never scans and never
//! reads flags (its options arrive as a [`ReportOptions`]).

mod human;
mod json;

use std::io::{self, Write};

use crate::finding::Finding;
use crate::scan::{ErrorRecord, Summary};

pub use human::Human;
pub use json::{Json, JsonLines, finding_json};

/// The formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Jsonl,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["human", "json", "jsonl"];
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "jsonl" => Ok(Format::Jsonl),
            other => Err(format!(
                "unknown format {other:?} (expected one of: {})",
                Format::NAMES.join(", ")
            )),
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// Print secrets in clear (`--show-secrets`). Off by default everywhere.
    pub reveal: bool,
    /// ANSI colour in the human format.
    pub color: bool,
}

/// What a scan hands to a report.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub findings: &'a [Finding],
    pub summary: &'a Summary,
    pub errors: &'a [ErrorRecord],
}

pub trait Report {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// The report for `format`.
pub fn reporter(format: Format, opts: ReportOptions) -> Box<dyn Report> {
    match format {
        Format::Human => Box::new(Human { opts }),
        Format::Json => Box::new(Json { opts }),
        Format::Jsonl => Box::new(JsonLines { opts }),
    }
}
