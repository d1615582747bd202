//! Output formats. A report consumes finished findings (as [`FindingView`]s) and writes them; it
//! never scans and never reads flags (its options arrive as a [`ReportOptions`]).
//!
//! Every format is a [`FindingSink`]: streaming formats (`jsonl`, `github`) write each finding as
//! the run confirms it; whole-run formats implement [`Report`] and are wrapped in a [`Collect`],
//! which keeps only the finding views until the run ends.

mod github;
mod human;
mod identities;
pub mod identity_groups;
mod json;
mod junit;
mod markdown;
mod sarif;

use std::io::{self, Write};
use std::sync::Arc;

use crate::diag::ErrorRecord;
use crate::finding::view::FindingView;
use crate::rules::RuleInfo;
use crate::triage::Ignored;
use serde::Serialize;

pub use identities::identities_schema;
pub use json::{SCHEMA_VERSION, report_schema};

/// One output format: its name, and how to make a sink that writes it to `out`.
pub struct FormatSpec {
    pub name: &'static str,
    make: fn(ReportOptions, Box<dyn Write>) -> Box<dyn FindingSink>,
}

/// The one place an output format is registered.
pub const FORMATS: &[FormatSpec] = &[
    FormatSpec {
        name: "human",
        make: |opts, out| Collect::boxed(human::Human { opts }, out),
    },
    FormatSpec {
        name: "json",
        make: |_, out| Collect::boxed(json::Json, out),
    },
    FormatSpec {
        name: "jsonl",
        make: |_, out| Box::new(json::JsonLines::new(out)),
    },
    FormatSpec {
        name: "sarif",
        make: |_, out| Collect::boxed(sarif::Sarif, out),
    },
    FormatSpec {
        name: "github",
        make: |_, out| Box::new(github::Github::new(out)),
    },
    FormatSpec {
        name: "junit",
        make: |_, out| Collect::boxed(junit::Junit, out),
    },
    FormatSpec {
        name: "markdown",
        make: |_, out| Collect::boxed(markdown::Markdown, out),
    },
    FormatSpec {
        name: "identities",
        make: |_, out| Collect::boxed(identities::IdentitiesTable, out),
    },
    FormatSpec {
        name: "identities-json",
        make: |_, out| Collect::boxed(identities::IdentitiesJson, out),
    },
];

/// A format `--format` accepts (an entry of [`FORMATS`]).
#[derive(Clone, Copy)]
pub struct Format(&'static FormatSpec);

impl Format {
    pub fn named(name: &str) -> Option<Format> {
        FORMATS.iter().find(|f| f.name == name).map(Format)
    }

    pub fn name(self) -> &'static str {
        self.0.name
    }

    pub fn names() -> Vec<&'static str> {
        FORMATS.iter().map(|f| f.name).collect()
    }

    /// A sink writing this format to `out`.
    pub fn sink(self, opts: ReportOptions, out: Box<dyn Write>) -> Box<dyn FindingSink> {
        (self.0.make)(opts, out)
    }
}

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        self.0.name == other.0.name
    }
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::named(s).ok_or_else(|| {
            format!(
                "unknown format {s:?} (expected one of: {})",
                Format::names().join(", ")
            )
        })
    }
}

/// What a format's own rendering depends on (whether secrets are revealed is decided when the
/// finding views are made, once for every format).
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    /// Print secrets in clear (`--show-secrets`). Off by default everywhere.
    pub reveal: bool,
    /// ANSI colour in the human format.
    pub color: bool,
}

/// What the run did, for every report's summary.
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Summary {
    /// Targets scanned (directories, repositories, images).
    pub targets: u64,
    pub blobs: u64,
    pub bytes: u64,
    pub findings: u64,
    pub errors: u64,
    pub skipped_binary: u64,
    pub skipped_large: u64,
    /// Content left unscanned because a limit was hit (archive depth, expansion, decoded bytes).
    pub skipped_limits: u64,
    /// Archive members and decoded spans scanned.
    pub nested: u64,
    pub rules: u64,
    pub elapsed_ms: u64,
    /// Findings that triage held back, by reason (not counted in `findings`).
    pub ignored: Ignored,
}

/// What the run tells every sink when it ends.
#[derive(Debug, Clone, Copy)]
pub struct RunInfo<'a> {
    /// Every rule the scan ran, sorted by id.
    pub rules: &'a [Arc<RuleInfo>],
    pub summary: &'a Summary,
    /// Items that could not be scanned.
    pub errors: &'a [ErrorRecord],
    /// Things worth knowing (files skipped, content not followed).
    pub notes: &'a [String],
}

/// Where findings go as the run confirms them.
pub trait FindingSink {
    fn finding(&mut self, f: &FindingView) -> io::Result<()>;
    /// The run is over; write what is left and flush.
    fn finish(&mut self, run: &RunInfo<'_>) -> io::Result<()>;
}

/// What a whole-run report gets.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The findings to report, after triage, in the order the run confirmed them (targets in
    /// order, each target's findings sorted).
    pub findings: &'a [FindingView],
    pub run: RunInfo<'a>,
}

/// A format that needs the whole run before it can write.
pub trait Report {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()>;
}

/// Keeps the finding views of a run for a whole-run [`Report`].
pub struct Collect<R> {
    report: R,
    findings: Vec<FindingView>,
    out: Box<dyn Write>,
}

impl<R: Report + 'static> Collect<R> {
    pub fn boxed(report: R, out: Box<dyn Write>) -> Box<dyn FindingSink> {
        Box::new(Collect {
            report,
            findings: Vec::new(),
            out,
        })
    }
}

impl<R: Report> FindingSink for Collect<R> {
    fn finding(&mut self, f: &FindingView) -> io::Result<()> {
        self.findings.push(f.clone());
        Ok(())
    }

    fn finish(&mut self, run: &RunInfo<'_>) -> io::Result<()> {
        let input = ReportInput {
            findings: &self.findings,
            run: *run,
        };
        self.report.write(&input, &mut *self.out)?;
        self.out.flush()
    }
}
