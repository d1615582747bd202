//! Inputs turned into blobs with their origin. A source knows nothing of rules or output: it hands
//! each blob to a [`BlobSink`] (the scan pipeline) and reports what it could not read.

pub mod fs;

use std::io::Read;
use std::sync::Arc;

use crate::finding::Origin;

/// Where sources deliver blobs. Implementations are shared between worker threads.
pub trait BlobSink: Sync {
    /// Whether a blob of `size` bytes should be read at all; a refusal is recorded by the sink.
    fn admit(&self, origin: &Origin, size: u64) -> bool;
    /// Scans a blob already in memory.
    fn scan_bytes(&self, origin: Arc<Origin>, data: &[u8]);
    /// Scans a blob read from a stream, in bounded memory.
    fn scan_reader(&self, origin: Arc<Origin>, reader: &mut dyn Read);
    /// Something (a file, an object) could not be read; the scan goes on without it.
    fn error(&self, subject: &str, message: &str);
    /// Something worth telling the user once (a submodule not followed, an LFS pointer).
    fn note(&self, message: &str);
}

/// A scan target. `run` delivers every blob to the sink and returns an error only when the target
/// as a whole cannot be scanned (it does not exist, it is not a repository).
pub trait Source: Sync {
    fn run(&self, sink: &dyn BlobSink) -> anyhow::Result<()>;
}
