//! Inputs turned into blobs with their provenance. A source knows nothing of rules or output: it
//! lists its targets (a directory tree, a repository, an image), and each target hands its blobs
//! to a [`BlobSink`] (the scan pipeline) and reports what it could not read.

pub mod fs;
pub mod git;
pub mod image;

use std::io::Read;
use std::sync::Arc;

use crate::finding::{Finding, Origin};

pub use crate::diag::Diagnostics;

/// Where targets deliver blobs. Implementations are shared between worker threads.
pub trait BlobSink: Diagnostics {
    /// Whether a blob of `size` bytes should be read at all; a refusal is recorded by the sink.
    fn admit(&self, origin: &Origin, size: u64) -> bool;
    /// The largest blob [`BlobSink::admit`] takes (`--max-file-size`): sources that must inflate
    /// content before handing it over (git objects) check a stored size against it first, so an
    /// over-limit blob is never held in memory whole.
    fn max_blob_size(&self) -> u64;
    /// Scans a blob already in memory.
    fn scan_bytes(&self, origin: Arc<Origin>, data: &[u8]);
    /// Scans `data`, a new version of content that was `before` (one version per parent), and
    /// reports only secrets none of `before` already held: a change that leaves an old secret in
    /// place is not a new leak.
    fn scan_change(&self, origin: Arc<Origin>, data: &[u8], before: &[&[u8]]);
    /// Scans a blob read from a stream, in bounded memory.
    fn scan_reader(&self, origin: Arc<Origin>, reader: &mut dyn Read);
    /// Says how far the target is through its parts (an image's layers), for the progress line:
    /// `total` parts named `what` (plural), `done` of them finished.
    fn parts(&self, _what: &'static str, _done: u64, _total: u64) {}
}

/// A unit of work: one directory tree, one repository, one image. It is scanned, its findings
/// resolved, reported and dropped before the next target starts, so memory does not grow with
/// the number of targets, and an error in one target is that target's alone.
pub trait Target: Send {
    /// How reports and errors name the target.
    fn name(&self) -> String;

    /// Delivers every blob to the sink. An error means the target as a whole could not be
    /// scanned (it does not exist, it is not a repository); what was delivered still counts.
    fn scan(&mut self, sink: &dyn BlobSink) -> anyhow::Result<()>;

    /// Called once after the scan with the target's findings, so it can fill in provenance too
    /// costly to work out for every blob (the commit that introduced a blob).
    fn resolve(&mut self, _findings: &[Finding], _diag: &dyn Diagnostics) -> anyhow::Result<()> {
        Ok(())
    }
}

/// What a command scans: its targets, in order. Each is made when its turn comes, so a long list
/// (every repository of an organisation) costs nothing up front.
pub trait Source {
    fn targets(&self) -> Box<dyn Iterator<Item = Box<dyn Target + '_>> + '_>;
}
