//! Every object in the object database, each exactly once: blobs are scanned, and so are the
//! messages of commits and annotated tags. Reachable or not, packed or loose, in this repository
//! or its alternates.
//!
//! Packs are read with gix's delta-tree traversal, which inflates each object once and resolves
//! each delta from its already-decoded base, on all cores. That is much cheaper than looking objects
//! up one by one, which re-walks delta chains. Which commit and path brought in a blob is worked
//! out later, and only for blobs with findings (see `provenance`), from the commits and the tree
//! entries noted on the way.

use std::collections::HashSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use gix::odb::pack;
use rayon::prelude::*;

use super::GitObject;
use super::objects::{
    CommitRecord, CommitTable, Limited, header, is_lfs_pointer, message_of, object_dirs,
    object_limit, pack_indices, parse_commit, read, release_pages,
};
use super::trees::TreeIndex;
use super::{RepoCtx, message_path};
use crate::source::BlobSink;

/// What the full scan noted for provenance.
pub struct Noted {
    pub commits: CommitTable,
    pub trees: TreeIndex,
}

/// Scans every object; returns the commits and tree entries met on the way.
pub fn scan(ctx: &RepoCtx<'_>, sink: &dyn BlobSink) -> anyhow::Result<Noted> {
    let repo = ctx.repo.to_thread_local();
    let lfs = AtomicUsize::new(0);
    let commits = Mutex::new(CommitTable::new());
    let trees = TreeIndex::default();
    let hash = repo.object_hash();
    let dirs = object_dirs(&repo)?;
    let mut packs: Vec<pack::Bundle> = Vec::new();
    for idx in dirs.iter().flat_map(|d| pack_indices(d)) {
        match pack::Bundle::at(&idx, hash) {
            Ok(b) => packs.push(b),
            Err(e) => sink.error(
                &idx.display().to_string(),
                &format!("cannot open pack: {e}"),
            ),
        }
    }
    let presence = Presence::new(&repo, &dirs, &packs);
    let visit = |kind: gix::objs::Kind, data: &[u8], id: &gix::hash::oid| {
        match kind {
            gix::objs::Kind::Commit => {
                if let Some(record) = parse_commit(data, hash) {
                    presence.check_commit(id, &record, sink);
                    commits
                        .lock()
                        .expect("commit table poisoned")
                        .insert(id.to_owned(), record);
                }
            }
            gix::objs::Kind::Tree => {
                presence.check_tree(id, data, hash, sink);
                trees.record(id, data, hash);
            }
            gix::objs::Kind::Tag => presence.check_tag(id, data, hash, sink),
            _ => {}
        }
        visit_object(ctx, sink, &lfs, kind, data, id);
    };
    // An object is scanned in the first pack that has it; a later copy (or a loose one) is
    // skipped by asking the earlier packs' indices, so no set of every object id is kept.
    for (i, bundle) in packs.iter().enumerate() {
        scan_pack(ctx, bundle, &packs[..i], &visit, sink);
    }
    let mut loose_seen = HashSet::new();
    for dir in &dirs {
        scan_loose(ctx, &repo, dir, &packs, &mut loose_seen, &visit, sink);
    }
    let lfs = lfs.load(Ordering::Relaxed);
    if lfs > 0 {
        sink.note(&format!(
            "{}: {lfs} Git LFS pointer{} not scanned (the files they point to are stored outside the repository)",
            ctx.label,
            if lfs == 1 { "" } else { "s" }
        ));
    }
    Ok(Noted {
        commits: commits.into_inner().expect("commit table poisoned"),
        trees,
    })
}

fn visit_object(
    ctx: &RepoCtx<'_>,
    sink: &dyn BlobSink,
    lfs: &AtomicUsize,
    kind: gix::objs::Kind,
    data: &[u8],
    id: &gix::hash::oid,
) {
    use gix::objs::Kind;
    let (object, content) = match kind {
        Kind::Blob => {
            if is_lfs_pointer(data) {
                lfs.fetch_add(1, Ordering::Relaxed);
                return;
            }
            (GitObject::Blob, data)
        }
        Kind::Commit => (GitObject::CommitMessage, message_of(data).1),
        Kind::Tag => (GitObject::TagMessage, message_of(data).1),
        Kind::Tree => return,
    };
    if content.is_empty() {
        return;
    }
    // Where a blob came from is resolved after the scan; until then its path is its id.
    let path = match object {
        GitObject::Blob => id.to_string().into_bytes(),
        _ => message_path(object),
    };
    sink.scan_bytes(Arc::new(ctx.origin(object, id, path)), content);
}

/// True when one of `packs` holds `id` (so it was scanned there).
fn in_any(packs: &[pack::Bundle], id: &gix::hash::oid) -> bool {
    packs.iter().any(|p| p.index.lookup(id).is_some())
}

/// Inflated bytes between two releases of a pack's pages (a pack is a tenth to a fifth of that).
const RELEASE_EVERY: u64 = 128 << 20;

fn scan_pack(
    ctx: &RepoCtx<'_>,
    bundle: &pack::Bundle,
    earlier: &[pack::Bundle],
    visit: &(dyn Fn(gix::objs::Kind, &[u8], &gix::hash::oid) + Sync),
    sink: &dyn BlobSink,
) {
    // Which of this pack's objects were handled, by index position: if the one-pass read fails
    // part way, the fallback must not report an object twice.
    let done: Vec<AtomicU64> = (0..(bundle.index.num_objects() as usize).div_ceil(64))
        .map(|_| AtomicU64::new(0))
        .collect();
    let mark = |id: &gix::hash::oid| {
        if let Some(pos) = bundle.index.lookup(id) {
            let pos = pos as usize;
            done[pos / 64].fetch_or(1 << (pos % 64), Ordering::Relaxed);
        }
    };
    let is_done = |pos: usize| done[pos / 64].load(Ordering::Relaxed) & (1 << (pos % 64)) != 0;
    // The traversal touches the whole pack; every so often, hand the pages read so far back to the
    // page cache so the pack does not stay resident in full (see `release_pages`).
    let mapped = bundle
        .pack
        .entry_slice(0..bundle.pack.pack_end() as u64)
        .unwrap_or(&[]);
    let inflated = AtomicU64::new(0);
    let processor = |kind: gix::objs::Kind,
                     data: &[u8],
                     entry: &pack::index::Entry,
                     _: &dyn gix::progress::Progress| {
        if !in_any(earlier, &entry.oid) {
            visit(kind, data, &entry.oid);
        }
        mark(&entry.oid);
        let before = inflated.fetch_add(data.len() as u64, Ordering::Relaxed);
        if before / RELEASE_EVERY != (before + data.len() as u64) / RELEASE_EVERY {
            release_pages(mapped);
        }
        Ok(())
    };
    let traversal = bundle.index.traverse(
        &bundle.pack,
        &mut gix::progress::Discard,
        &AtomicBool::new(false),
        processor,
        pack::index::traverse::Options {
            traversal: pack::index::traverse::Algorithm::DeltaTreeLookup,
            thread_limit: (ctx.threads > 0).then_some(ctx.threads),
            // Checksums are git's integrity checks; a scanner reads what is there. Decode errors
            // still stop the traversal, and the fallback below then names each bad object.
            check: pack::index::traverse::SafetyCheck::SkipFileAndObjectChecksumVerification,
            // An object larger than this fails the traversal before it is inflated; the fallback
            // below then skips it by its stored size (so a 4 GiB blob of zeros in a small pack
            // never costs 4 GiB).
            alloc_limit_bytes: Some(
                usize::try_from(object_limit(sink.max_blob_size())).unwrap_or(usize::MAX),
            ),
            make_pack_lookup_cache: || pack::cache::Never,
        },
    );
    if let Err(e) = traversal {
        sink.note(&format!(
            "{}: pack {} could not be read in one pass ({e}); reading its objects one by one",
            ctx.label,
            bundle.index.path().display()
        ));
        let ids: Vec<gix::hash::ObjectId> = bundle
            .index
            .iter()
            .enumerate()
            .filter(|(pos, _)| !is_done(*pos))
            .map(|(_, e)| e.oid)
            .filter(|id| !in_any(earlier, id))
            .collect();
        read_each(ctx, &ids, visit, sink);
    }
}

/// Reads objects one at a time (after a pack could not be traversed), reporting each that fails
/// and skipping, by its stored size, each too large to read.
fn read_each(
    ctx: &RepoCtx<'_>,
    ids: &[gix::hash::ObjectId],
    visit: &(dyn Fn(gix::objs::Kind, &[u8], &gix::hash::oid) + Sync),
    sink: &dyn BlobSink,
) {
    let limit = sink.max_blob_size();
    ids.par_iter().for_each_init(
        || (ctx.repo.to_thread_local(), Vec::new()),
        |(repo, buf), id| {
            let read = header(repo, id).and_then(|(kind, size)| {
                if size > limit_for(kind, limit) {
                    return Ok(Limited::TooLarge(kind, size));
                }
                read(repo, id, buf).map(Limited::Read)
            });
            match read {
                Ok(Limited::Read(kind)) => visit(kind, buf, id),
                Ok(Limited::TooLarge(kind, size)) => too_large(ctx, sink, kind, id, size),
                Err(e) => sink.error(&format!("object {id}"), &e.to_string()),
            }
        },
    );
}

/// The largest object of `kind` read whole: scanned content (blobs, messages) up to
/// `--max-file-size`, trees up to [`object_limit`].
fn limit_for(kind: gix::objs::Kind, blob_limit: u64) -> u64 {
    match kind {
        gix::objs::Kind::Tree => object_limit(blob_limit),
        _ => blob_limit,
    }
}

/// Reports an object not read for its size: scanned content is skipped as `dir` skips a large
/// file; a tree too large to read is an error (what it holds is not known).
fn too_large(
    ctx: &RepoCtx<'_>,
    sink: &dyn BlobSink,
    kind: gix::objs::Kind,
    id: &gix::hash::oid,
    size: u64,
) {
    use gix::objs::Kind;
    let object = match kind {
        Kind::Blob => GitObject::Blob,
        Kind::Commit => GitObject::CommitMessage,
        Kind::Tag => GitObject::TagMessage,
        Kind::Tree => {
            return sink.error(
                &format!("tree {id}"),
                &format!(
                    "not read: {} is over the limit of {}",
                    crate::diag::human_bytes(size),
                    crate::diag::human_bytes(limit_for(kind, sink.max_blob_size()))
                ),
            );
        }
    };
    let path = match object {
        GitObject::Blob => id.to_string().into_bytes(),
        _ => message_path(object),
    };
    // `admit` refuses it and records the skip.
    let _ = sink.admit(&ctx.origin(object, id, path), size);
}

fn scan_loose(
    ctx: &RepoCtx<'_>,
    repo: &gix::Repository,
    dir: &Path,
    packs: &[pack::Bundle],
    seen: &mut HashSet<gix::hash::ObjectId>,
    visit: &(dyn Fn(gix::objs::Kind, &[u8], &gix::hash::oid) + Sync),
    sink: &dyn BlobSink,
) {
    let loose = gix::odb::loose::Store::at(dir, repo.object_hash());
    let ids: Vec<gix::hash::ObjectId> = loose
        .iter()
        .filter_map(|r| match r {
            Ok(id) => Some(id),
            Err(e) => {
                sink.error(
                    &dir.display().to_string(),
                    &format!("cannot list loose objects: {e}"),
                );
                None
            }
        })
        .filter(|id| !in_any(packs, id) && seen.insert(*id))
        .collect();
    let limit = sink.max_blob_size();
    ids.par_iter().for_each_init(Vec::new, |buf, id| {
        // The header is read first: an over-limit object is never inflated.
        match loose.try_header(id) {
            Ok(Some((size, kind))) if size > limit_for(kind, limit) => {
                return too_large(ctx, sink, kind, id, size);
            }
            Ok(_) => {}
            Err(e) => {
                return sink.error(
                    &format!("object {id}"),
                    &format!("corrupt loose object: {e}"),
                );
            }
        }
        match loose.try_find(id, buf) {
            Ok(Some(data)) => visit(data.kind, data.data, id),
            Ok(None) => sink.error(
                &format!("object {id}"),
                "loose object disappeared during the scan",
            ),
            Err(e) => sink.error(
                &format!("object {id}"),
                &format!("corrupt loose object: {e}"),
            ),
        }
    });
}

/// Whether the objects that commits, trees and tags name are in the repository. The history a
/// scan reads is only as complete as its objects: a deleted blob or tree must be an error, not a
/// silently smaller scan. Each missing object is reported once, with what refers to it.
struct Presence<'a> {
    packs: &'a [pack::Bundle],
    loose: Vec<gix::odb::loose::Store>,
    /// Commits whose parents a shallow clone cut off on purpose.
    shallow: HashSet<gix::hash::ObjectId>,
    reported: Mutex<HashSet<gix::hash::ObjectId>>,
}

impl<'a> Presence<'a> {
    fn new(repo: &gix::Repository, dirs: &[std::path::PathBuf], packs: &'a [pack::Bundle]) -> Self {
        Presence {
            packs,
            loose: dirs
                .iter()
                .map(|d| gix::odb::loose::Store::at(d, repo.object_hash()))
                .collect(),
            shallow: repo
                .shallow_commits()
                .ok()
                .flatten()
                .map(|s| s.iter().copied().collect())
                .unwrap_or_default(),
            reported: Mutex::new(HashSet::new()),
        }
    }

    fn has(&self, id: &gix::hash::oid) -> bool {
        in_any(self.packs, id) || self.loose.iter().any(|l| l.contains(id))
    }

    fn expect(&self, id: &gix::hash::oid, what: &str, holder: &str, sink: &dyn BlobSink) {
        if self.has(id) {
            return;
        }
        let fresh = self
            .reported
            .lock()
            .expect("missing-object set poisoned")
            .insert(id.to_owned());
        if fresh {
            sink.error(
                &format!("{what} {id}"),
                &format!("is missing from the repository (referenced by {holder})"),
            );
        }
    }

    fn check_commit(&self, id: &gix::hash::oid, record: &CommitRecord, sink: &dyn BlobSink) {
        let holder = format!("commit {id}");
        self.expect(&record.tree, "tree", &holder, sink);
        if !self.shallow.contains(id) {
            for p in &record.parents {
                self.expect(p, "commit", &holder, sink);
            }
        }
    }

    fn check_tree(
        &self,
        id: &gix::hash::oid,
        data: &[u8],
        hash: gix::hash::Kind,
        sink: &dyn BlobSink,
    ) {
        for entry in gix::objs::TreeRefIter::from_bytes(data, hash) {
            let Ok(e) = entry else {
                return sink.error(&format!("tree {id}"), "cannot parse tree");
            };
            // A submodule entry names a commit of another repository.
            if e.mode.is_commit() {
                continue;
            }
            let what = if e.mode.is_tree() { "tree" } else { "blob" };
            let holder = format!("tree {id} at {:?}", e.filename);
            self.expect(e.oid, what, &holder, sink);
        }
    }

    fn check_tag(
        &self,
        id: &gix::hash::oid,
        data: &[u8],
        hash: gix::hash::Kind,
        sink: &dyn BlobSink,
    ) {
        if let Ok(t) = gix::objs::TagRef::from_bytes(data, hash)
            && let Ok(target) = gix::hash::ObjectId::from_hex(t.target)
        {
            self.expect(
                &target,
                &t.target_kind.to_string(),
                &format!("tag {id}"),
                sink,
            );
        }
    }
}
