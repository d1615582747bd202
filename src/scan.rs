//! The scanning stage: a target hands blobs to worker threads, each worker runs the shared engine
//! with its own buffers (opening archives and decoding encoded text on the way), and findings flow
//! through a bounded channel to one collector per target.

mod blob;
mod progress;

use std::collections::HashSet;
use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::{Sender, bounded};

use crate::diag::{Diagnostics, human_bytes};
use crate::engine::Engine;
use crate::extract::{Limits, Nested};
use crate::finding::{Finding, Origin};
use crate::source::{BlobSink, Target};

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
    /// Bounds on archive members and decoded text.
    pub limits: Limits,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            scan_binary: false,
            chunk_size: DEFAULT_CHUNK_SIZE,
            threads: 0,
            progress: false,
            limits: Limits::default(),
        }
    }
}

/// Counters updated by every worker, over the whole run.
#[derive(Debug, Default)]
pub struct Stats {
    pub blobs: AtomicU64,
    pub bytes: AtomicU64,
    pub matches: AtomicU64,
    pub skipped_binary: AtomicU64,
    pub skipped_large: AtomicU64,
    /// Archive members and decoded spans scanned.
    pub nested: AtomicU64,
    /// Content that was not scanned because a limit was hit (size, depth, expansion).
    pub skipped_limits: AtomicU64,
    /// The current target's parts (an image's layers), for the progress line.
    pub parts: std::sync::Mutex<Option<(&'static str, u64, u64)>>,
}

/// The scanning stage: the shared engine, the pipeline's settings, and the run's counters. One
/// per run; each target is scanned with [`Scan::target`].
pub struct Scan<'a> {
    engine: &'a Engine,
    opts: &'a ScanOptions,
    pool: rayon::ThreadPool,
    nested: Nested,
    pub stats: Stats,
    diag: &'a dyn Diagnostics,
}

impl<'a> Scan<'a> {
    pub fn new(
        engine: &'a Engine,
        opts: &'a ScanOptions,
        diag: &'a dyn Diagnostics,
    ) -> anyhow::Result<Scan<'a>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.threads)
            .thread_name(|i| format!("leakhound-worker-{i}"))
            .build()?;
        Ok(Scan {
            engine,
            opts,
            pool,
            nested: Nested::all(opts.limits),
            stats: Stats::default(),
            diag,
        })
    }

    /// Scans one target and resolves its provenance; returns its findings, deduplicated and
    /// sorted. A target that fails as a whole is reported as an error of its own and yields what
    /// was found before the failure.
    pub fn target(&self, target: &mut dyn Target) -> Vec<Finding> {
        *self.stats.parts.lock().expect("progress parts poisoned") = None;
        let (tx, rx) = bounded::<Finding>(1024);
        let (outcome, mut findings) = std::thread::scope(|s| {
            let collector = s.spawn(move || rx.into_iter().collect::<Vec<Finding>>());
            let progress = progress::Progress::start(s, self.opts.progress, &self.stats);
            let scanner = Scanner {
                engine: self.engine,
                opts: self.opts,
                nested: &self.nested,
                stats: &self.stats,
                findings: tx,
                diag: self.diag,
            };
            let outcome = self.pool.install(|| target.scan(&scanner));
            // Dropping the scanner drops the last sender, which ends the collector.
            drop(scanner);
            progress.finish();
            let findings = collector.join().expect("collector thread panicked");
            (outcome, findings)
        });
        if let Err(e) = outcome {
            self.diag.error(&target.name(), &format!("{e:#}"));
        }
        if let Err(e) = self.pool.install(|| target.resolve(&findings, self.diag)) {
            self.diag.error(&target.name(), &format!("{e:#}"));
        }
        redact_provenance(&findings);
        redact_snippets(&mut findings);
        dedup(&mut findings);
        findings.sort_by_cached_key(Finding::sort_key);
        findings
    }

    pub fn engine(&self) -> &Engine {
        self.engine
    }
}

/// Provenance can quote scanned text (a commit summary, an image's build history): redact in it
/// every secret the target's findings hold.
fn redact_provenance(findings: &[Finding]) {
    if findings.is_empty() {
        return;
    }
    let secrets: Vec<&[u8]> = findings.iter().map(|f| f.secret.expose()).collect();
    let mut seen: HashSet<*const Origin> = HashSet::new();
    for f in findings {
        for o in f.origin.chain() {
            if seen.insert(o as *const Origin) {
                o.level().redact_secrets(&secrets);
            }
        }
    }
}

/// A snippet may hold a secret that another finding of the target found (on another line, by a
/// rule that did not match here): mark every one of them in every snippet.
fn redact_snippets(findings: &mut [Finding]) {
    let mut seen: HashSet<&[u8]> = HashSet::new();
    let forms: Vec<Vec<u8>> = findings
        .iter()
        .map(|f| f.secret.expose())
        .filter(|s| seen.insert(s))
        .flat_map(crate::finding::secret_forms)
        .collect();
    let Some(finder) = crate::finding::SecretFinder::new(&forms) else {
        return;
    };
    for f in findings {
        f.snippet.redact_with(&finder);
    }
}

/// Drops repeats of the same secret on the same line of the same content.
fn dedup(findings: &mut Vec<Finding>) {
    let mut seen: HashSet<(*const Origin, String, u64)> = HashSet::new();
    findings.retain(|f| {
        seen.insert((
            Arc::as_ptr(&f.origin),
            f.fingerprint.clone(),
            f.location.line,
        ))
    });
}

/// The [`BlobSink`] every source feeds.
struct Scanner<'a> {
    engine: &'a Engine,
    opts: &'a ScanOptions,
    nested: &'a Nested,
    stats: &'a Stats,
    findings: Sender<Finding>,
    diag: &'a dyn Diagnostics,
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
            origin.label(),
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

    fn max_blob_size(&self) -> u64 {
        self.opts.max_file_size
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

    fn parts(&self, what: &'static str, done: u64, total: u64) {
        *self.stats.parts.lock().expect("progress parts poisoned") = Some((what, done, total));
    }

    fn scan_reader(&self, origin: Arc<Origin>, reader: &mut dyn Read) {
        blob::with_worker(self.engine, |w| {
            if let Err(e) = w.scan_stream(self, origin.clone(), reader) {
                self.error(&origin.label(), &e.to_string());
            }
        });
    }
}

impl Diagnostics for Scanner<'_> {
    fn error(&self, subject: &str, message: &str) {
        self.diag.error(subject, message);
    }

    fn note(&self, message: &str) {
        self.diag.note(message);
    }
}
