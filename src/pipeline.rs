//! The run: source → targets → scan → enrichment → triage → finding sinks. Each target is a unit
//! of work: scanned, resolved, enriched, triaged and handed to the sinks before the next one
//! starts, so memory holds one target's findings at a time and an error in one target never stops
//! the others. Each stage knows only the traits of the next.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crate::diag::{ErrorRecord, Log};
use crate::enrich::Enrichers;
use crate::finding::view::FindingView;
use crate::report::{FindingSink, RunInfo, Summary};
use crate::rules::{Confidence, RuleInfo};
use crate::scan::Scan;
use crate::source::Source;
use crate::triage::Triage;

use std::sync::Arc;

/// Where the run's findings go: the main report, extra reports, a new baseline.
pub struct Sinks {
    /// Get the findings triage reports.
    pub reported: Vec<Box<dyn FindingSink>>,
    /// Get those and the findings held back only because the baseline has them (what a new
    /// baseline should hold).
    pub with_baselined: Vec<Box<dyn FindingSink>>,
}

/// How the run ended, for the exit code.
#[derive(Debug)]
pub struct Outcome {
    pub summary: Summary,
    /// A reported finding is at or above the `fail_on` confidence.
    pub failing: bool,
}

/// Everything a run needs besides its source.
pub struct Run<'a> {
    pub scan: Scan<'a>,
    pub enrichers: Enrichers,
    pub triage: &'a Triage,
    pub reveal: bool,
    pub fail_on: Confidence,
    pub log: &'a Log,
}

impl Run<'_> {
    /// Scans every target of `source` and streams what triage reports into `sinks`.
    pub fn execute(mut self, source: &dyn Source, sinks: &mut Sinks) -> anyhow::Result<Outcome> {
        let started = Instant::now();
        let mut summary = Summary::default();
        let mut failing = false;
        for mut target in source.targets() {
            summary.targets += 1;
            let mut findings = self.scan.target(&mut *target);
            drop(target);
            self.enrichers.apply(&mut findings);
            let triaged = self.triage.apply(findings);
            summary.ignored.add(&triaged.ignored);
            summary.findings += triaged.reported.len() as u64;
            failing |= triaged
                .reported
                .iter()
                .any(|f| f.rule.confidence >= self.fail_on);
            for f in &triaged.reported {
                let view = FindingView::new(f, self.reveal);
                for sink in sinks.reported.iter_mut().chain(&mut sinks.with_baselined) {
                    sink.finding(&view)?;
                }
            }
            if !sinks.with_baselined.is_empty() {
                for f in &triaged.baselined {
                    let view = FindingView::new(f, self.reveal);
                    for sink in &mut sinks.with_baselined {
                        sink.finding(&view)?;
                    }
                }
            }
        }
        let stats = &self.scan.stats;
        let get = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        summary.blobs = get(&stats.blobs);
        summary.bytes = get(&stats.bytes);
        summary.skipped_binary = get(&stats.skipped_binary);
        summary.skipped_large = get(&stats.skipped_large);
        summary.skipped_limits = get(&stats.skipped_limits);
        summary.nested = get(&stats.nested);
        summary.errors = self.log.error_count();
        summary.rules = self.scan.engine().rules().len() as u64;
        summary.elapsed_ms = elapsed_ms(started.elapsed());
        let rules: Vec<Arc<RuleInfo>> = self
            .scan
            .engine()
            .rules()
            .rules()
            .iter()
            .map(|r| r.info.clone())
            .collect();
        let (errors, notes): (Vec<ErrorRecord>, Vec<String>) = self.log.take();
        let info = RunInfo {
            rules: &rules,
            summary: &summary,
            errors: &errors,
            notes: &notes,
        };
        for sink in sinks.reported.iter_mut().chain(&mut sinks.with_baselined) {
            sink.finish(&info)?;
        }
        Ok(Outcome { summary, failing })
    }
}

fn elapsed_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
