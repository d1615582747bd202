//! `leakhound dir`: scan files, directories and standard input.

use std::path::PathBuf;

use clap::Args;

use super::Exit;
use super::args::{OutputArgs, RuleArgs, ScanArgs};
use super::config::ScanConfig;
use crate::report::{ReportInput, reporter};
use crate::scan::{self, ScanResult};
use crate::source::fs::FsSource;

#[derive(Debug, Args)]
pub struct DirArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Scan files that .gitignore, .ignore or .git/info/exclude would skip.
    #[arg(long = "no-ignore")]
    pub no_ignore: bool,
    /// Skip paths matching this gitignore-style glob, relative to each directory (repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub scan: ScanArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: DirArgs) -> anyhow::Result<Exit> {
    let config = ScanConfig::from_args(&args.rules, &args.scan, &args.output)?;
    let engine = config.engine()?;
    let mut out = config.output.open()?;
    let source = FsSource {
        paths: args.paths,
        respect_ignore: !args.no_ignore,
        excludes: args.exclude,
    };
    let result = scan::run(&source, &engine, &config.scan)?;
    finish(&config, &result, &mut *out)
}

/// Writes the report and turns the result into an exit code (shared by every scanning command).
pub fn finish(
    config: &ScanConfig,
    result: &ScanResult,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<Exit> {
    let report = reporter(config.output.format, config.output.report);
    report.write(
        &ReportInput {
            findings: &result.findings,
            rules: &result.rules,
            summary: &result.summary,
            errors: &result.errors,
        },
        out,
    )?;
    out.flush()?;
    Ok(if result.summary.errors > 0 {
        Exit::Error
    } else if result.findings.is_empty() {
        Exit::Clean
    } else {
        Exit::Findings
    })
}
