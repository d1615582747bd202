//! The body every scanning command shares: configuration, the run, the reports, the exit code.

use std::path::Path;

use super::Exit;
use super::args::ScanFlags;
use super::config::{Destination, ScanConfig};
use crate::diag::{Log, Record};
use crate::enrich::Enrichers;
use crate::escape::visible;
use crate::pipeline::{Run, Sinks};
use crate::report::{Format, ReportOptions};
use crate::scan::Scan;
use crate::source::Source;

/// Validates `flags` (reading the project's files from `root`), builds the source with
/// `make_source`, runs it and writes the reports.
pub fn scan_and_report(
    flags: &ScanFlags,
    root: Option<&Path>,
    make_source: impl FnOnce(&ScanConfig) -> anyhow::Result<Box<dyn Source>>,
) -> anyhow::Result<Exit> {
    let config = ScanConfig::new(flags, root)?;
    let engine = config.engine()?;
    let main = config.output.open()?;
    let mut extra: Vec<(Format, Destination)> = Vec::new();
    for (format, path) in &config.extra_reports {
        extra.push((*format, Destination::file(path)?));
    }
    let baseline_out = config
        .baseline_out
        .as_deref()
        .map(Destination::file)
        .transpose()?;
    let file_opts = ReportOptions {
        color: false,
        ..config.output.report
    };
    let mut sinks = Sinks {
        reported: vec![
            config
                .output
                .format
                .sink(config.output.report, main.writer()?),
        ],
        with_baselined: Vec::new(),
    };
    for (format, dest) in &extra {
        sinks.reported.push(format.sink(file_opts, dest.writer()?));
    }
    if let Some(dest) = &baseline_out {
        let json = Format::named("json").expect("json is a format");
        sinks
            .with_baselined
            .push(json.sink(file_opts, dest.writer()?));
    }
    let source = make_source(&config)?;
    let log = Log::new(Some(Box::new(echo)));
    let run = Run {
        scan: Scan::new(&engine, &config.scan, &log)?,
        enrichers: match &config.inventory {
            Some(inventory) => Enrichers::offline().with(Box::new(inventory.clone())),
            None => Enrichers::offline(),
        },
        triage: &config.triage,
        reveal: config.output.report.reveal,
        fail_on: config.fail_on,
        log: &log,
    };
    let outcome = run.execute(&*source, &mut sinks)?;
    // Sinks hold handles to the report files: close them before the files are put in place.
    drop(sinks);
    main.commit()?;
    for (_, dest) in extra {
        dest.commit()?;
    }
    if let Some(dest) = baseline_out {
        dest.commit()?;
    }
    // The process ends next: freeing hundreds of compiled rules one by one would only delay the
    // exit a pre-commit hook is waiting for.
    std::mem::forget(engine);
    Ok(if outcome.summary.errors > 0 {
        Exit::Error
    } else if outcome.failing {
        Exit::Findings
    } else {
        Exit::Clean
    })
}

/// Prints a diagnostic as it happens. Subjects and messages quote scanned content (paths, object
/// names), so their control characters are shown, not obeyed.
fn echo(record: Record<'_>) {
    match record {
        Record::Error { subject, message } => eprintln!(
            "leakhound: error: {}: {}",
            visible(subject),
            visible(message)
        ),
        Record::Note(message) => eprintln!("leakhound: {}", visible(message)),
    }
}
