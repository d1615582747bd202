//! `leakhound dir`: scan files, directories and standard input.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;

use clap::Args;

use super::Exit;
use super::args::{OutputArgs, RuleArgs, ScanArgs, TriageArgs};
use super::config::{CommonArgs, ScanConfig};
use crate::report::{Format, ReportInput, ReportOptions, reporter};
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
    #[command(flatten)]
    pub triage: TriageArgs,
}

pub fn run(args: DirArgs) -> anyhow::Result<Exit> {
    let config = ScanConfig::new(
        CommonArgs {
            rules: &args.rules,
            scan: &args.scan,
            output: &args.output,
            triage: &args.triage,
        },
        project_root(&args.paths).as_deref(),
    )?;
    let engine = config.engine()?;
    let mut out = config.output.open()?;
    let source = FsSource {
        paths: args.paths,
        respect_ignore: !args.no_ignore,
        excludes: args.exclude,
    };
    let result = scan::run(&source, &engine, &config.scan)?;
    finish(&config, result, &mut *out)
}

/// Where `.leakhound.toml` and `.leakhoundignore` are looked for: the directory scanned (the
/// first one named), or the current directory when only files or stdin are scanned.
fn project_root(paths: &[PathBuf]) -> Option<PathBuf> {
    paths
        .iter()
        .find(|p| p.is_dir())
        .cloned()
        .or_else(|| Some(PathBuf::from(".")))
}

/// Triage, then the reports, then the exit code (shared by every scanning command).
pub fn finish(
    config: &ScanConfig,
    result: ScanResult,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<Exit> {
    let ScanResult {
        findings,
        rules,
        mut summary,
        errors,
        notes: _,
    } = result;
    let triaged = config.triage.apply(findings);
    summary.findings = triaged.reported.len() as u64;
    summary.ignored = triaged.ignored.clone();
    if let Some(path) = &config.baseline_out {
        let mut all: Vec<_> = triaged
            .reported
            .iter()
            .chain(&triaged.baselined)
            .cloned()
            .collect();
        all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let input = ReportInput {
            findings: &all,
            rules: &rules,
            summary: &summary,
            errors: &errors,
        };
        write_file(path, Format::Json, config, &input)?;
    }
    let input = ReportInput {
        findings: &triaged.reported,
        rules: &rules,
        summary: &summary,
        errors: &errors,
    };
    for (format, path) in &config.extra_reports {
        write_file(path, *format, config, &input)?;
    }
    reporter(config.output.format, config.output.report).write(&input, out)?;
    out.flush()?;
    let failing = triaged
        .reported
        .iter()
        .any(|f| f.rule.confidence >= config.fail_on);
    Ok(if summary.errors > 0 {
        Exit::Error
    } else if failing {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

fn write_file(
    path: &Path,
    format: Format,
    config: &ScanConfig,
    input: &ReportInput<'_>,
) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let opts = ReportOptions {
        color: false,
        ..config.output.report
    };
    reporter(format, opts).write(input, &mut w)?;
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))
}
