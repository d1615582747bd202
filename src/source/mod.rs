//! Inputs turned into blobs with their origin. A source knows nothing of rules or output: it hands
//! each blob to a [`BlobSink`] (the scan pipeline) and reports what it could not read.

pub mod fs;
pub mod git;

use std::io::Read;
use std::sync::Arc;

use crate::finding::Origin;

/// Where sources report what went wrong or is worth knowing, item by item.
pub trait Diagnostics: Sync {
    /// Something (a file, an object) could not be read; the scan goes on without it.
    fn error(&self, subject: &str, message: &str);
    /// Something worth telling the user once (a submodule not followed, an LFS pointer).
    fn note(&self, message: &str);
}

/// Where sources deliver blobs. Implementations are shared between worker threads.
pub trait BlobSink: Diagnostics {
    /// Whether a blob of `size` bytes should be read at all; a refusal is recorded by the sink.
    fn admit(&self, origin: &Origin, size: u64) -> bool;
    /// Scans a blob already in memory.
    fn scan_bytes(&self, origin: Arc<Origin>, data: &[u8]);
    /// Scans `data`, a new version of content that was `before` (one version per parent), and
    /// reports only secrets none of `before` already held: a change that leaves an old secret in
    /// place is not a new leak.
    fn scan_change(&self, origin: Arc<Origin>, data: &[u8], before: &[&[u8]]);
    /// Scans a blob read from a stream, in bounded memory.
    fn scan_reader(&self, origin: Arc<Origin>, reader: &mut dyn Read);
}

/// A scan target. `run` delivers every blob to the sink and returns an error only when the target
/// as a whole cannot be scanned (it does not exist, it is not a repository).
pub trait Source: Sync {
    fn run(&self, sink: &dyn BlobSink) -> anyhow::Result<()>;

    /// Called once after the scan with the origins of the blobs that had findings, so a source can
    /// fill in provenance too costly to work out for every blob (the commit that introduced a
    /// blob, every path it appeared at).
    fn resolve(&self, _origins: &mut [Origin], _diag: &dyn Diagnostics) -> anyhow::Result<()> {
        Ok(())
    }
}
