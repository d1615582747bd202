//! The pipeline: a source hands blobs to worker threads, each worker runs the shared engine with
//! its own buffers, and findings flow through a bounded channel to one collector.

mod blob;
mod progress;

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{Sender, bounded};
use serde::Serialize;

use crate::engine::Engine;
use crate::finding::{Finding, Origin, OriginKind};
use crate::rules::RuleInfo;
use crate::source::{BlobSink, Diagnostics, Source};

/// Default `--max-file-size`: 25 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 25 * 1024 * 1024;
/// Default read size for streamed blobs: 8 MiB.
pub const DEFAULT_CHUNK_SIZE: usize = 8 * 1024 * 1024;

/// Settings of the pipeline itself (what to read and how), independent of the source.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub max_file_size: u64,
    pub scan_binary: bool,
    /// Bytes read per step of a streamed blob; raised to the engine's minimum when smaller.
    pub chunk_size: usize,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    pub progress: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            scan_binary: false,
            chunk_size: DEFAULT_CHUNK_SIZE,
            threads: 0,
            progress: false,
        }
    }
}

/// Counters updated by every worker.
#[derive(Debug, Default)]
pub struct Stats {
    pub blobs: AtomicU64,
    pub bytes: AtomicU64,
    pub matches: AtomicU64,
    pub errors: AtomicU64,
    pub skipped_binary: AtomicU64,
    pub skipped_large: AtomicU64,
}

/// A point-in-time copy of [`Stats`], with the scan's duration.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub blobs: u64,
    pub bytes: u64,
    pub findings: u64,
    pub errors: u64,
    pub skipped_binary: u64,
    pub skipped_large: u64,
    pub rules: u64,
    pub elapsed_ms: u64,
    /// Findings that triage held back, by reason (not counted in `findings`).
    pub ignored: Ignored,
}

/// How many findings triage held back, and why. Reports show these so a suppression is never
/// invisible.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ignored {
    /// A `leakhound:allow` comment on the line.
    pub inline: u64,
    /// A fingerprint listed in `.leakhoundignore`.
    pub ignore_file: u64,
    /// Already in the `--baseline`.
    pub baseline: u64,
    /// An allowlist of the project configuration (path, secret, line, stopword, commit).
    pub allowlist: u64,
    /// Below `min_confidence`.
    pub below_min_confidence: u64,
}

impl Ignored {
    pub fn total(&self) -> u64 {
        self.inline + self.ignore_file + self.baseline + self.allowlist + self.below_min_confidence
    }
}

/// Something that went wrong with one item; the scan continued.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorRecord {
    pub subject: String,
    pub message: String,
}

/// Everything a scan produced, findings sorted for stable output.
#[derive(Debug)]
pub struct ScanResult {
    pub findings: Vec<Finding>,
    /// Every rule the scan ran (reports such as SARIF list them all).
    pub rules: Vec<Arc<RuleInfo>>,
    pub summary: Summary,
    pub errors: Vec<ErrorRecord>,
    pub notes: Vec<String>,
}

/// Runs `source` through `engine` and collects the findings.
pub fn run(source: &dyn Source, engine: &Engine, opts: &ScanOptions) -> anyhow::Result<ScanResult> {
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .thread_name(|i| format!("leakhound-worker-{i}"))
        .build()?;
    let (tx, rx) = bounded::<Finding>(1024);
    let stats = Stats::default();
    let log = Log {
        stats: &stats,
        errors: Mutex::new(Vec::new()),
        notes: Mutex::new(Vec::new()),
    };
    let (outcome, findings) = std::thread::scope(|s| {
        let collector = s.spawn(move || rx.into_iter().collect::<Vec<Finding>>());
        let progress = progress::Progress::start(s, opts.progress, &stats);
        let scanner = Scanner {
            engine,
            opts,
            stats: &stats,
            findings: tx,
            log: &log,
        };
        let outcome = pool.install(|| source.run(&scanner));
        // Dropping the scanner drops the last sender, which ends the collector.
        drop(scanner);
        progress.finish();
        let findings = collector.join().expect("collector thread panicked");
        (outcome, findings)
    });
    outcome?;
    let mut findings = pool.install(|| resolve_origins(source, findings, &log))?;
    dedup(&mut findings);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let summary = Summary {
        blobs: get(&stats.blobs),
        bytes: get(&stats.bytes),
        findings: findings.len() as u64,
        errors: get(&stats.errors),
        skipped_binary: get(&stats.skipped_binary),
        skipped_large: get(&stats.skipped_large),
        rules: engine.rules().len() as u64,
        elapsed_ms: elapsed_ms(started.elapsed()),
        ignored: Ignored::default(),
    };
    Ok(ScanResult {
        findings,
        rules: engine
            .rules()
            .rules()
            .iter()
            .map(|r| r.info.clone())
            .collect(),
        summary,
        errors: log.errors.into_inner().expect("error log poisoned"),
        notes: log.notes.into_inner().expect("note log poisoned"),
    })
}

fn elapsed_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Lets the source fill in provenance for the origins that had findings, then redacts, in that
/// provenance, any secret the scan found (a commit summary can quote one).
fn resolve_origins(
    source: &dyn Source,
    mut findings: Vec<Finding>,
    log: &Log<'_>,
) -> anyhow::Result<Vec<Finding>> {
    let mut slot_of: HashMap<*const Origin, usize> = HashMap::new();
    let mut origins: Vec<Origin> = Vec::new();
    let slots: Vec<usize> = findings
        .iter()
        .map(|f| {
            *slot_of.entry(Arc::as_ptr(&f.origin)).or_insert_with(|| {
                origins.push((*f.origin).clone());
                origins.len() - 1
            })
        })
        .collect();
    source.resolve(&mut origins, log)?;
    let secrets: Vec<&[u8]> = findings.iter().map(|f| f.secret.expose()).collect();
    for origin in &mut origins {
        if let OriginKind::Git(git) = &mut origin.kind
            && let Some(commit) = &mut git.commit
        {
            commit.summary.redact_secrets(secrets.iter().copied());
        }
    }
    let origins: Vec<Arc<Origin>> = origins.into_iter().map(Arc::new).collect();
    for (finding, slot) in findings.iter_mut().zip(slots) {
        finding.origin = origins[slot].clone();
    }
    Ok(findings)
}

/// Drops repeats of the same secret on the same line of the same path and origin.
fn dedup(findings: &mut Vec<Finding>) {
    let mut seen: HashSet<(*const Origin, Vec<u8>, String, u64)> = HashSet::new();
    findings.retain(|f| {
        seen.insert((
            Arc::as_ptr(&f.origin),
            f.origin.path.clone(),
            f.fingerprint.clone(),
            f.location.line,
        ))
    });
}

/// Errors and notes, printed as they happen and kept for the report.
struct Log<'a> {
    stats: &'a Stats,
    errors: Mutex<Vec<ErrorRecord>>,
    notes: Mutex<Vec<String>>,
}

impl Diagnostics for Log<'_> {
    fn error(&self, subject: &str, message: &str) {
        self.stats.errors.fetch_add(1, Ordering::Relaxed);
        eprintln!("leakhound: error: {subject}: {message}");
        self.errors
            .lock()
            .expect("error log poisoned")
            .push(ErrorRecord {
                subject: subject.to_string(),
                message: message.to_string(),
            });
    }

    fn note(&self, message: &str) {
        eprintln!("leakhound: {message}");
        self.notes
            .lock()
            .expect("note log poisoned")
            .push(message.to_string());
    }
}

/// The [`BlobSink`] every source feeds.
struct Scanner<'a> {
    engine: &'a Engine,
    opts: &'a ScanOptions,
    stats: &'a Stats,
    findings: Sender<Finding>,
    log: &'a Log<'a>,
}

impl Scanner<'_> {
    fn emit(&self, finding: Finding) {
        self.stats.matches.fetch_add(1, Ordering::Relaxed);
        // The collector lives until every sender is gone, so a send cannot fail.
        let _ = self.findings.send(finding);
    }

    fn skip_large(&self, origin: &Origin, size: u64) {
        self.stats.skipped_large.fetch_add(1, Ordering::Relaxed);
        self.note(&format!(
            "skipped {}: {} is over --max-file-size ({})",
            origin.path_lossy(),
            human_bytes(size),
            human_bytes(self.opts.max_file_size)
        ));
    }
}

impl BlobSink for Scanner<'_> {
    fn admit(&self, origin: &Origin, size: u64) -> bool {
        if size > self.opts.max_file_size {
            self.skip_large(origin, size);
            return false;
        }
        true
    }

    fn scan_bytes(&self, origin: Arc<Origin>, data: &[u8]) {
        if !self.admit(&origin, data.len() as u64) {
            return;
        }
        blob::with_worker(self.engine, |w| {
            w.scan_slice(self, origin, data);
        });
    }

    fn scan_change(&self, origin: Arc<Origin>, data: &[u8], before: &[&[u8]]) {
        if !self.admit(&origin, data.len() as u64) {
            return;
        }
        blob::with_worker(self.engine, |w| {
            w.scan_change(self, origin, data, before);
        });
    }

    fn scan_reader(&self, origin: Arc<Origin>, reader: &mut dyn Read) {
        blob::with_worker(self.engine, |w| {
            if let Err(e) = w.scan_stream(self, origin.clone(), reader) {
                self.error(&origin.path_lossy(), &e.to_string());
            }
        });
    }
}

impl Diagnostics for Scanner<'_> {
    fn error(&self, subject: &str, message: &str) {
        self.log.error(subject, message);
    }

    fn note(&self, message: &str) {
        self.log.note(message);
    }
}

/// `1.5 MiB`-style sizes for messages.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
