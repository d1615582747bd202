//! Content inside content: archive members and compressed streams ([`Extractor`]s) and encoded
//! text ([`Decoder`]s). The scan's workers give every blob to them before the binary-file skip;
//! each member or decoded span becomes a child blob with its own provenance level, scanned like
//! any other, under shared limits ([`Limits`], [`Budget`]) so a bomb costs bounded time and memory.

mod base64;
mod gzip;

use std::cell::Cell;
use std::io::{self, Read};

use crate::finding::MemberProvenance;

/// Opens one container format and streams its members.
pub trait Extractor: Send + Sync {
    /// Whether content that starts with `head` is this format.
    fn claims(&self, head: &[u8]) -> bool;
    /// Calls `member` with each member (its provenance level and a reader of its bytes).
    fn extract(
        &self,
        path: &[u8],
        input: &mut dyn Read,
        member: &mut dyn FnMut(MemberProvenance, &mut dyn Read) -> io::Result<()>,
    ) -> io::Result<()>;
}

/// Finds encoded text and decodes it.
pub trait Decoder: Send + Sync {
    /// The encoding's name, as findings record it (`base64`).
    fn name(&self) -> &'static str;
    /// Calls `found` with each encoded span of `text` (a byte range) and its decoded bytes,
    /// decoding only what could hold a secret.
    fn decode(&self, text: &[u8], found: &mut dyn FnMut(std::ops::Range<usize>, &[u8]));
}

/// The extractors and decoders a scan uses.
pub struct Nested {
    pub extractors: Vec<Box<dyn Extractor>>,
    pub decoders: Vec<Box<dyn Decoder>>,
    pub limits: Limits,
}

impl Nested {
    /// Every extractor and decoder leakhound has.
    pub fn all(limits: Limits) -> Nested {
        Nested {
            extractors: vec![Box::new(gzip::Gzip)],
            decoders: vec![Box::new(base64::Base64)],
            limits,
        }
    }

    /// The extractor for content starting with `head`, if any.
    pub fn extractor_for(&self, head: &[u8]) -> Option<&dyn Extractor> {
        self.extractors
            .iter()
            .find(|e| e.claims(head))
            .map(|e| &**e)
    }
}

/// Bounds on nested content, per outermost blob.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Archives inside archives, at most (0: archives are not opened).
    pub max_archive_depth: u8,
    /// Decoding inside decoded text, at most (0: nothing is decoded).
    pub max_decode_depth: u8,
    /// Bytes all members of one outermost blob may expand to.
    pub max_expanded: u64,
    /// Expanded bytes per compressed byte, past the first MiB.
    pub max_ratio: u64,
    /// Members of one outermost blob.
    pub max_members: u64,
    /// Decoded bytes of one outermost blob.
    pub max_decoded: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_archive_depth: 3,
            max_decode_depth: 2,
            max_expanded: 1 << 30,
            max_ratio: 200,
            max_members: 100_000,
            max_decoded: 16 << 20,
        }
    }
}

/// Where nesting stands for one blob: how deep, and what the outermost blob has used so far.
#[derive(Debug, Default)]
pub struct Budget {
    pub expanded: Cell<u64>,
    pub members: Cell<u64>,
    pub decoded: Cell<u64>,
}

/// Archive and decoding depth of a blob.
#[derive(Debug, Clone, Copy, Default)]
pub struct Depth {
    pub archive: u8,
    pub decode: u8,
}

/// Why nested content was not (wholly) scanned.
#[derive(Debug)]
pub struct LimitHit(pub String);

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LimitHit {}

/// Whether an I/O error is a limit being hit (reported as skipped content, not as an error).
pub fn limit_hit(e: &io::Error) -> Option<&LimitHit> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<LimitHit>())
}

/// Counts the compressed bytes an extractor reads.
pub struct CountingReader<'a> {
    pub inner: &'a mut dyn Read,
    pub count: &'a Cell<u64>,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// A member's bytes, cut off with a [`LimitHit`] error when the outermost blob's expansion budget
/// or the expansion ratio is exceeded.
pub struct LimitedReader<'a> {
    pub inner: &'a mut dyn Read,
    pub budget: &'a Budget,
    pub limits: &'a Limits,
    /// Compressed bytes read so far by the extractor (for the ratio).
    pub compressed: &'a Cell<u64>,
    /// Expanded bytes of this member so far.
    pub produced: u64,
}

impl Read for LimitedReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        let total = self.budget.expanded.get() + n as u64;
        self.budget.expanded.set(total);
        if total > self.limits.max_expanded {
            return Err(io::Error::other(LimitHit(format!(
                "expands to more than {} (the limit for one file's archive members)",
                crate::diag::human_bytes(self.limits.max_expanded)
            ))));
        }
        let compressed = self.compressed.get().max(1);
        if self.produced > 1 << 20 && self.produced / compressed > self.limits.max_ratio {
            return Err(io::Error::other(LimitHit(format!(
                "expands more than {}:1 (a compression bomb?)",
                self.limits.max_ratio
            ))));
        }
        Ok(n)
    }
}
