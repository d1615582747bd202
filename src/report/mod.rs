//! Output formats. A report consumes finished findings and writes them; it never scans and never
//! reads flags (its options arrive as a [`ReportOptions`]).

mod github;
mod human;
mod json;
mod junit;
mod markdown;
mod sarif;

use std::io::{self, Write};

use std::sync::Arc;

use crate::finding::Finding;
use crate::rules::RuleInfo;
use crate::scan::{ErrorRecord, Summary};

pub use github::Github;
pub use human::Human;
pub use json::{Json, JsonLines, finding_json};
pub use junit::Junit;
pub use markdown::Markdown;
pub use sarif::Sarif;

/// The formats `--format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Jsonl,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF consumers).
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`), shown as annotations.
    Github,
    /// JUnit XML, for CI systems that show test reports.
    Junit,
    /// A Markdown table (a GitHub job summary, a merge-request comment).
    Markdown,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &[
        "human", "json", "jsonl", "sarif", "github", "junit", "markdown",
    ];
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "jsonl" => Ok(Format::Jsonl),
            "sarif" => Ok(Format::Sarif),
            "github" => Ok(Format::Github),
            "junit" => Ok(Format::Junit),
            "markdown" => Ok(Format::Markdown),
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
    /// The findings to report, sorted, after triage.
    pub findings: &'a [Finding],
    /// Every rule the scan ran, sorted by id.
    pub rules: &'a [Arc<RuleInfo>],
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
        Format::Sarif => Box::new(Sarif { opts }),
        Format::Github => Box::new(Github { opts }),
        Format::Junit => Box::new(Junit { opts }),
        Format::Markdown => Box::new(Markdown { opts }),
    }
}
