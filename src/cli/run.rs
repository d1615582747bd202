//! The body every scanning command shares: configuration, scan, triage, reports, exit code.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context;

use super::Exit;
use super::args::ScanFlags;
use super::config::ScanConfig;
use crate::report::{Format, ReportInput, ReportOptions, reporter};
use crate::scan::{self, ScanResult};
use crate::source::Source;

/// Validates `flags` (reading the project's files from `root`), builds the source with
/// `make_source`, scans, triages and writes the reports.
pub fn scan_and_report(
    flags: &ScanFlags,
    root: Option<&Path>,
    make_source: impl FnOnce(&ScanConfig) -> anyhow::Result<Box<dyn Source>>,
) -> anyhow::Result<Exit> {
    let config = ScanConfig::new(flags, root)?;
    let engine = config.engine()?;
    let mut out = config.output.open()?;
    let source = make_source(&config)?;
    let result = scan::run(&*source, &engine, &config.scan)?;
    let exit = finish(&config, result, &mut *out);
    // The process ends next: freeing hundreds of compiled rules one by one would only delay the
    // exit a pre-commit hook is waiting for.
    std::mem::forget(engine);
    exit
}

/// Triage, then the reports, then the exit code (shared by every scanning command).
fn finish(
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
