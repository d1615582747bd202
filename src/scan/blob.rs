//! Scanning one blob on one worker: chunked reading with overlap, binary and size checks, and
//! turning engine matches into findings with line, column and a redactable snippet.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::io::{self, Read};
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::diag::Diagnostics as _;
use crate::engine::{Engine, Match, Scratch};
use crate::extract::{
    Budget, CountingReader, Depth, Extractor, LimitHit, LimitedReader, limit_hit,
};
use crate::finding::{
    DecodedProvenance, Finding, Location, Origin, Secret, SecretFinder, Snippet, fingerprint,
    secret_forms,
};
use crate::rules::RuleContext;

use super::Scanner;

/// How much of a blob's start is looked at to decide it is binary.
const BINARY_SNIFF: usize = 8 * 1024;
/// Longest snippet kept around a secret, in bytes.
const SNIPPET_MAX: usize = 240;
/// Context kept each side of the secret when a line is longer than `SNIPPET_MAX`.
const SNIPPET_CONTEXT: usize = 80;

/// One worker thread's buffers.
pub struct Worker {
    engine_id: u64,
    scratch: Scratch,
    buf: Vec<u8>,
    matches: Vec<Match>,
}

thread_local! {
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's worker for `engine`, creating it on first use.
pub fn with_worker<R>(engine: &Engine, f: impl FnOnce(&mut Worker) -> R) -> R {
    WORKER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|w| w.engine_id != engine.id()) {
            *slot = Some(Worker {
                engine_id: engine.id(),
                scratch: engine.new_scratch(),
                buf: Vec::new(),
                matches: Vec::new(),
            });
        }
        f(slot.as_mut().expect("worker was just created"))
    })
}

/// Line and column (1-based, in characters) of a byte position.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    line: u64,
    /// Characters since the last newline.
    col: u64,
}

impl Cursor {
    const START: Cursor = Cursor { line: 1, col: 0 };

    fn advance(mut self, bytes: &[u8]) -> Cursor {
        match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', bytes).count() as u64;
                self.col = char_count(&bytes[last + 1..]);
            }
            None => self.col += char_count(bytes),
        }
        self
    }
}

/// Characters in UTF-8 text; bytes that are not UTF-8 count one each, near enough.
fn char_count(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u64
}

/// A buffer of a blob: where it starts, the position there, and which match starts it reports.
struct Chunk<'a> {
    data: &'a [u8],
    base: u64,
    cursor: Cursor,
    /// Absolute offsets of secret starts this chunk reports (the rest belong to a neighbour).
    owned: Range<u64>,
}

/// (rule index, secret) pairs a previous version of a blob already held.
type Known = HashSet<(usize, Vec<u8>)>;

/// Where a blob sits in the nesting of archives and encodings, and what its outermost blob has
/// used of the limits.
#[derive(Clone, Copy)]
pub struct Nest<'a> {
    pub depth: Depth,
    pub budget: &'a Budget,
}

impl Worker {
    pub fn scan_slice(&mut self, scanner: &Scanner<'_>, origin: Arc<Origin>, data: &[u8]) {
        let budget = Budget::default();
        let nest = Nest {
            depth: Depth::default(),
            budget: &budget,
        };
        self.scan_slice_except(scanner, origin, data, None, nest);
    }

    /// Scans `data` but reports only secrets that none of `before` (earlier versions) held.
    pub fn scan_change(
        &mut self,
        scanner: &Scanner<'_>,
        origin: Arc<Origin>,
        data: &[u8],
        before: &[&[u8]],
    ) {
        let mut known = Known::new();
        for old in before {
            scanner
                .engine
                .find(old, &mut self.scratch, &mut self.matches);
            known.extend(
                self.matches
                    .iter()
                    .map(|m| (m.rule, old[m.secret_range()].to_vec())),
            );
        }
        let budget = Budget::default();
        let nest = Nest {
            depth: Depth::default(),
            budget: &budget,
        };
        self.scan_slice_except(scanner, origin, data, Some(&known), nest);
    }

    fn scan_slice_except(
        &mut self,
        scanner: &Scanner<'_>,
        origin: Arc<Origin>,
        data: &[u8],
        known: Option<&Known>,
        nest: Nest<'_>,
    ) {
        if let Some(x) = self.extractor_for(scanner, data, nest) {
            self.extract(scanner, &origin, x, &mut &data[..], nest);
            return;
        }
        if is_binary(data) && !scanner.opts.scan_binary {
            scanner.stats.skipped_binary.fetch_add(1, Ordering::Relaxed);
            return;
        }
        count_blob(scanner, data.len() as u64);
        let chunk = Chunk {
            data,
            base: 0,
            cursor: Cursor::START,
            owned: 0..u64::MAX,
        };
        self.scan_chunk(scanner, &origin, &chunk, known, nest);
    }

    /// The extractor that opens content starting with `head`, unless the nesting is too deep.
    fn extractor_for<'s>(
        &self,
        scanner: &Scanner<'s>,
        head: &[u8],
        nest: Nest<'_>,
    ) -> Option<&'s dyn Extractor> {
        if nest.depth.archive >= scanner.nested.limits.max_archive_depth {
            return None;
        }
        scanner.nested.extractor_for(head)
    }

    /// Scans every member of an archive or compressed stream as a blob of its own.
    fn extract(
        &mut self,
        scanner: &Scanner<'_>,
        origin: &Arc<Origin>,
        extractor: &dyn Extractor,
        input: &mut dyn Read,
        nest: Nest<'_>,
    ) {
        let limits = &scanner.nested.limits;
        let compressed = Cell::new(0u64);
        let mut counting = CountingReader {
            inner: input,
            count: &compressed,
        };
        let path = origin.path();
        let inner = Nest {
            depth: Depth {
                archive: nest.depth.archive + 1,
                ..nest.depth
            },
            budget: nest.budget,
        };
        let result = extractor.extract(&path, &mut counting, &mut |member, reader| {
            let members = nest.budget.members.get() + 1;
            nest.budget.members.set(members);
            if members > limits.max_members {
                return Err(io::Error::other(LimitHit(format!(
                    "more than {} archive members",
                    limits.max_members
                ))));
            }
            scanner.stats.nested.fetch_add(1, Ordering::Relaxed);
            let child = Arc::new(Origin::nested(origin.clone(), member));
            let mut limited = LimitedReader {
                inner: reader,
                budget: nest.budget,
                limits,
                compressed: &compressed,
                produced: 0,
            };
            self.scan_stream_nested(scanner, child, &mut limited, inner)
        });
        match result {
            Ok(()) => {}
            Err(e) => match limit_hit(&e) {
                Some(hit) => {
                    scanner.stats.skipped_limits.fetch_add(1, Ordering::Relaxed);
                    scanner.note(&format!("skipped the rest of {}: it {hit}", origin.label()));
                }
                None => scanner.error(&origin.label(), &format!("cannot read: {e}")),
            },
        }
    }

    /// Scans the encoded spans of `chunk` that decode to text, each as a blob of its own whose
    /// findings point at the span.
    fn decode(
        &mut self,
        scanner: &Scanner<'_>,
        origin: &Arc<Origin>,
        chunk: &Chunk<'_>,
        nest: Nest<'_>,
    ) {
        let limits = &scanner.nested.limits;
        if nest.depth.decode >= limits.max_decode_depth {
            return;
        }
        let inner = Nest {
            depth: Depth {
                decode: nest.depth.decode + 1,
                ..nest.depth
            },
            budget: nest.budget,
        };
        for decoder in &scanner.nested.decoders {
            let mut cursor = chunk.cursor;
            let mut at = 0usize;
            let mut over_budget = false;
            decoder.decode(chunk.data, &mut |span, decoded| {
                if over_budget || !chunk.owned.contains(&(chunk.base + span.start as u64)) {
                    return;
                }
                let used = nest.budget.decoded.get() + decoded.len() as u64;
                if used > limits.max_decoded {
                    over_budget = true;
                    scanner.stats.skipped_limits.fetch_add(1, Ordering::Relaxed);
                    scanner.note(&format!(
                        "stopped decoding {}: more than {} decoded",
                        origin.label(),
                        crate::diag::human_bytes(limits.max_decoded)
                    ));
                    return;
                }
                nest.budget.decoded.set(used);
                cursor = cursor.advance(&chunk.data[at..span.start]);
                at = span.start;
                let end = cursor.advance(&chunk.data[span.clone()]);
                let place = Location {
                    offset: chunk.base + span.start as u64,
                    line: cursor.line,
                    column: cursor.col + 1,
                    end_line: end.line,
                    end_column: end.col + 1,
                };
                scanner.stats.nested.fetch_add(1, Ordering::Relaxed);
                let child = Arc::new(Origin::nested(
                    origin.clone(),
                    DecodedProvenance {
                        encoding: decoder.name(),
                        span: place,
                    },
                ));
                self.scan_slice_except(scanner, child, decoded, None, inner);
            });
        }
    }

    /// Reads `reader` in chunks that overlap by twice the engine's reach, so a secret split by a
    /// read boundary is seen whole by exactly one chunk (the one owning its start).
    pub fn scan_stream(
        &mut self,
        scanner: &Scanner<'_>,
        origin: Arc<Origin>,
        reader: &mut dyn Read,
    ) -> io::Result<()> {
        let budget = Budget::default();
        let nest = Nest {
            depth: Depth::default(),
            budget: &budget,
        };
        self.scan_stream_nested(scanner, origin, reader, nest)
    }

    fn scan_stream_nested(
        &mut self,
        scanner: &Scanner<'_>,
        origin: Arc<Origin>,
        reader: &mut dyn Read,
        nest: Nest<'_>,
    ) -> io::Result<()> {
        let overlap = 2 * scanner.engine.max_reach();
        let chunk_size = scanner.opts.chunk_size.max(2 * overlap);
        let limit = scanner.opts.max_file_size;
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let mut base = 0u64;
        let mut cursor = Cursor::START;
        let mut owned_from = 0u64;
        let mut total = 0u64;
        let result = loop {
            let want = chunk_size - buf.len();
            let got = match reader.take(want as u64).read_to_end(&mut buf) {
                Ok(n) => n,
                Err(e) => break Err(e),
            };
            let eof = got < want;
            if base == 0 {
                if let Some(x) = self.extractor_for(scanner, &buf, nest) {
                    let mut rest = io::Cursor::new(&buf[..]).chain(&mut *reader);
                    self.extract(scanner, &origin, x, &mut rest, nest);
                    break Ok(());
                }
                if is_binary(&buf) && !scanner.opts.scan_binary {
                    scanner.stats.skipped_binary.fetch_add(1, Ordering::Relaxed);
                    break Ok(());
                }
                scanner.stats.blobs.fetch_add(1, Ordering::Relaxed);
            }
            total += got as u64;
            scanner.stats.bytes.fetch_add(got as u64, Ordering::Relaxed);
            let end = base + buf.len() as u64;
            let owned_to = if eof {
                u64::MAX
            } else {
                end - overlap as u64 / 2
            };
            let chunk = Chunk {
                data: &buf,
                base,
                cursor,
                owned: owned_from..owned_to,
            };
            self.scan_chunk(scanner, &origin, &chunk, None, nest);
            if eof {
                break Ok(());
            }
            if total > limit {
                // A stream of unknown size (stdin) that outgrew the limit: what was read is scanned.
                scanner.skip_large(&origin, total);
                break Ok(());
            }
            let keep_from = buf.len() - overlap;
            cursor = cursor.advance(&buf[..keep_from]);
            buf.drain(..keep_from);
            base += keep_from as u64;
            owned_from = owned_to;
        };
        self.buf = buf;
        result
    }

    fn scan_chunk(
        &mut self,
        scanner: &Scanner<'_>,
        origin: &Arc<Origin>,
        chunk: &Chunk<'_>,
        known: Option<&Known>,
        nest: Nest<'_>,
    ) {
        scanner
            .engine
            .find(chunk.data, &mut self.scratch, &mut self.matches);
        self.report_matches(scanner, origin, chunk, known);
        self.decode(scanner, origin, chunk, nest);
    }

    /// Turns the engine's matches in `chunk` into findings.
    fn report_matches(
        &mut self,
        scanner: &Scanner<'_>,
        origin: &Arc<Origin>,
        chunk: &Chunk<'_>,
        known: Option<&Known>,
    ) {
        if self.matches.is_empty() {
            return;
        }
        let rules = scanner.engine.rules().rules();
        let mut at = 0usize;
        let mut cursor = chunk.cursor;
        let mut lines = LineSecrets {
            line: (usize::MAX, usize::MAX),
            finder: None,
        };
        for m in &self.matches {
            let (s, e) = m.secret;
            if !chunk.owned.contains(&(chunk.base + s as u64)) {
                continue;
            }
            if known.is_some_and(|k| k.contains(&(m.rule, chunk.data[s..e].to_vec()))) {
                continue;
            }
            cursor = cursor.advance(&chunk.data[at..s]);
            at = s;
            let end = cursor.advance(&chunk.data[s..e]);
            let rule = &rules[m.rule].info;
            let secret = &chunk.data[s..e];
            scanner.emit(Finding {
                rule: rule.clone(),
                secret: Secret::new(secret.to_vec()),
                fingerprint: fingerprint(&rule.id, secret),
                entropy: m.entropy,
                location: origin.outer_location(Location {
                    offset: chunk.base + s as u64,
                    line: cursor.line,
                    column: cursor.col + 1,
                    end_line: end.line,
                    end_column: end.col + 1,
                }),
                snippet: snippet(chunk.data, m, &self.matches, &mut lines),
                origin: origin.clone(),
                inline_allow: has_allow_comment(chunk.data, s, e),
                enrichment: Default::default(),
                context: context(chunk.data, rule.context, s, e),
            });
        }
    }
}

/// What `kind` asks to keep around the secret `s..e` for enrichers.
fn context(data: &[u8], kind: RuleContext, s: usize, e: usize) -> Option<Arc<[u8]>> {
    match kind {
        RuleContext::None => None,
        RuleContext::JsonObject => {
            enclosing_json_object(data, s, e, RuleContext::MAX_BYTES).map(|r| data[r].into())
        }
    }
}

/// The innermost `{...}` around `s..e` (braces in JSON strings do not count), at most `max`
/// bytes long.
fn enclosing_json_object(data: &[u8], s: usize, e: usize, max: usize) -> Option<Range<usize>> {
    let floor = e.saturating_sub(max);
    let mut at = s;
    while let Some(open) = memchr::memrchr(b'{', &data[floor..at]).map(|p| floor + p) {
        if let Some(close) = matching_brace(&data[open..(open + max).min(data.len())])
            && open + close >= e
        {
            return Some(open..open + close + 1);
        }
        at = open;
    }
    None
}

/// Where the brace that closes `text[0]` (a `{`) is.
fn matching_brace(text: &[u8]) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in text.iter().enumerate() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn count_blob(scanner: &Scanner<'_>, len: u64) {
    scanner.stats.blobs.fetch_add(1, Ordering::Relaxed);
    scanner.stats.bytes.fetch_add(len, Ordering::Relaxed);
}

fn is_binary(data: &[u8]) -> bool {
    memchr::memchr(0, &data[..data.len().min(BINARY_SNIFF)]).is_some()
}

/// The marker that, anywhere on a line (in a comment of any syntax), allows that line's findings.
pub const ALLOW_MARKER: &[u8] = b"leakhound:allow";

/// Whether the lines the secret `s..e` spans carry [`ALLOW_MARKER`].
fn has_allow_comment(data: &[u8], s: usize, e: usize) -> bool {
    let from = memchr::memrchr(b'\n', &data[..s]).map_or(0, |p| p + 1);
    let to = memchr::memchr(b'\n', &data[e..]).map_or(data.len(), |p| e + p);
    memchr::memmem::find(&data[from..to], ALLOW_MARKER).is_some()
}

/// The line holding the start of `m`'s secret (cut to `SNIPPET_MAX` bytes around the secret), and
/// where every secret found in `all` falls in it.
///
/// Every occurrence of each secret on the line is marked, not only the matched one (a rule may
/// match one copy of a token and not a second one glued to other text), in each written form,
/// and an occurrence the cut splits is marked in the part that is kept. `lines` keeps the last
/// line's finder, so the findings of one long line share it.
fn snippet(data: &[u8], m: &Match, all: &[Match], lines: &mut LineSecrets) -> Snippet {
    let (s, e) = m.secret;
    let line_start = memchr::memrchr(b'\n', &data[..s]).map_or(0, |p| p + 1);
    let mut line_end = memchr::memchr(b'\n', &data[s..]).map_or(data.len(), |p| s + p);
    if line_end > line_start && data[line_end - 1] == b'\r' {
        line_end -= 1;
    }
    let (lo, hi) = if line_end - line_start <= SNIPPET_MAX {
        (line_start, line_end)
    } else {
        let lo = s.saturating_sub(SNIPPET_CONTEXT).max(line_start);
        let hi = (e.min(s + SNIPPET_MAX) + SNIPPET_CONTEXT).min(line_end);
        (lo, hi.max(lo))
    };
    // `all` is sorted by secret start: only matches starting before the line's end can be on it.
    let on_line = || {
        all[..all.partition_point(|o| o.secret.0 < line_end)]
            .iter()
            .filter(move |o| o.secret.1 > line_start)
    };
    let mut secrets: Vec<Range<usize>> = on_line()
        .filter(|o| o.secret.1 > lo && o.secret.0 < hi)
        .map(|o| o.secret.0.max(lo) - lo..o.secret.1.min(hi) - lo)
        .collect();
    if lines.line != (line_start, line_end) {
        let mut seen = HashSet::new();
        let forms: Vec<Vec<u8>> = on_line()
            .map(|o| &data[o.secret.0..o.secret.1])
            .filter(|secret| seen.insert(*secret))
            .flat_map(secret_forms)
            .collect();
        *lines = LineSecrets {
            line: (line_start, line_end),
            finder: SecretFinder::new(&forms),
        };
    }
    if let Some(finder) = &lines.finder {
        // Look a form's length past each side of the cut, for occurrences it splits.
        let from = lo.saturating_sub(finder.longest()).max(line_start);
        let to = (hi + finder.longest()).min(line_end);
        secrets.extend(
            finder
                .find(&data[from..to])
                .into_iter()
                .map(|r| r.start + from..r.end + from)
                .filter(|r| r.end > lo && r.start < hi)
                .map(|r| r.start.max(lo) - lo..r.end.min(hi) - lo),
        );
    }
    Snippet::new(data[lo..hi].to_vec(), secrets)
}

/// The secrets of one line of a chunk, ready to be searched for.
#[derive(Default)]
struct LineSecrets {
    /// The line's byte range in the chunk.
    line: (usize, usize),
    finder: Option<SecretFinder>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_is_the_enclosing_json_object() {
        let data = br#"x {"a": {"b": "}"}, "key": "SECRET", "c": "{"} y"#;
        let s = memchr::memmem::find(data, b"SECRET").unwrap();
        let r = enclosing_json_object(data, s, s + 6, 1024).unwrap();
        assert_eq!(&data[r], &data[2..data.len() - 2]);
        assert_eq!(
            enclosing_json_object(b"no object SECRET", 10, 16, 1024),
            None
        );
    }

    #[test]
    fn cursor_counts_lines_and_chars() {
        let c = Cursor::START.advance(b"ab\ncd\n\xc3\xa9x");
        assert_eq!((c.line, c.col), (3, 2));
        let c = c.advance(b"yz");
        assert_eq!((c.line, c.col), (3, 4));
    }
}
