//! Object database plumbing shared by the modes: where objects live, reading one object, the
//! commit records the full scan keeps, and handing a traversed pack's pages back.

use std::collections::HashMap;
use std::path::PathBuf;

use gix::hash::ObjectId;

/// The repository's `objects` directory and those of its alternates, in lookup order.
pub fn object_dirs(repo: &gix::Repository) -> anyhow::Result<Vec<PathBuf>> {
    let store = repo.objects.store_ref();
    let mut dirs = vec![store.path().to_path_buf()];
    dirs.extend(
        store
            .alternate_db_paths()
            .map_err(|e| anyhow::anyhow!("cannot read alternates: {e}"))?,
    );
    dirs.dedup();
    Ok(dirs)
}

/// Every pack index (`*.idx`) under `dir/pack`, sorted.
pub fn pack_indices(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir.join("pack"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        .collect();
    out.sort();
    out
}

/// Reads one object into `buf`, returning its kind.
pub fn read(
    repo: &gix::Repository,
    id: &gix::hash::oid,
    buf: &mut Vec<u8>,
) -> anyhow::Result<gix::objs::Kind> {
    use gix::prelude::Find;
    match repo.objects.try_find(id, buf) {
        Ok(Some(data)) => Ok(data.kind),
        Ok(None) => anyhow::bail!("object is missing"),
        Err(e) => anyhow::bail!("cannot read object: {e}"),
    }
}

/// The kind and inflated size of an object, from its pack entry or loose header: known without
/// inflating it.
pub fn header(
    repo: &gix::Repository,
    id: &gix::hash::oid,
) -> anyhow::Result<(gix::objs::Kind, u64)> {
    use gix::prelude::Header as _;
    match repo.objects.try_header(id) {
        Ok(Some(h)) => Ok((h.kind(), h.size())),
        Ok(None) => anyhow::bail!("object is missing"),
        Err(e) => anyhow::bail!("cannot read object: {e}"),
    }
}

/// Objects other than blobs and messages (trees) are read whole up to this size, or
/// `--max-file-size` when larger: a tree of millions of entries is not worth bounding tighter,
/// and a 4 GiB one is an attack.
pub const MIN_OBJECT_LIMIT: u64 = 64 << 20;

/// The most bytes one object may inflate to while reading a repository whose scanned blobs are
/// limited to `blob_limit`.
pub fn object_limit(blob_limit: u64) -> u64 {
    blob_limit.max(MIN_OBJECT_LIMIT)
}

/// What [`read_limited`] found.
pub enum Limited {
    /// The object, read into the buffer.
    Read(gix::objs::Kind),
    /// The object is larger than the limit and was not read.
    TooLarge(gix::objs::Kind, u64),
}

/// Reads one object into `buf` unless its stored size is over `limit`.
pub fn read_limited(
    repo: &gix::Repository,
    id: &gix::hash::oid,
    buf: &mut Vec<u8>,
    limit: u64,
) -> anyhow::Result<Limited> {
    let (kind, size) = header(repo, id)?;
    if size > limit {
        return Ok(Limited::TooLarge(kind, size));
    }
    read(repo, id, buf).map(Limited::Read)
}

/// The message of a commit or tag object: the bytes after the header's blank line.
pub fn message_of(raw: &[u8]) -> (usize, &[u8]) {
    match memchr::memmem::find(raw, b"\n\n") {
        Some(p) => (p + 2, &raw[p + 2..]),
        None => (raw.len(), &[]),
    }
}

/// Git LFS stores a small pointer file in the repository; the content lives elsewhere.
pub fn is_lfs_pointer(data: &[u8]) -> bool {
    data.len() < 1024 && data.starts_with(b"version https://git-lfs.github.com/spec/")
}

/// What the history walk needs of a commit.
#[derive(Debug, Clone)]
pub struct CommitRecord {
    pub tree: ObjectId,
    pub parents: Vec<ObjectId>,
    /// Committer time, seconds since the epoch.
    pub time: i64,
}

/// Commits decoded while reading the object database, so provenance need not read them again.
pub type CommitTable = HashMap<ObjectId, CommitRecord>;

pub fn parse_commit(data: &[u8], hash: gix::hash::Kind) -> Option<CommitRecord> {
    let c = gix::objs::CommitRef::from_bytes(data, hash).ok()?;
    Some(CommitRecord {
        tree: c.tree(),
        parents: c.parents().collect(),
        time: c.committer().map(|s| s.seconds()).unwrap_or(0),
    })
}

/// The system's memory page size (4 KiB on most machines, 16 or 64 KiB on some ARM systems).
#[cfg(unix)]
fn page_size() -> usize {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf only reads a system constant.
        let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(n)
            .ok()
            .filter(|n| n.is_power_of_two())
            .unwrap_or(4096)
    })
}

/// Lets the kernel drop this process's resident pages of a read-only file mapping (a pack being
/// traversed). The file stays in the page cache; a page read again is mapped back in at the cost
/// of a minor fault. Without this, every page of a pack read once stays counted in the process's
/// memory until the pack is closed: 100 MB for rust-lang/cargo's history.
pub fn release_pages(mapped: &[u8]) {
    #[cfg(unix)]
    {
        // SAFETY: `MADV_DONTNEED` on a private, read-only file mapping only drops resident pages;
        // the next read faults them in again with the same file content (git never rewrites a
        // pack in place: a repack writes a new file and unlinks the old, whose inode lives on
        // while mapped), so every live reference still reads what it read before. Errors (an
        // unaligned start) change nothing.
        unsafe {
            let page = page_size();
            let start = mapped.as_ptr() as usize;
            let aligned = start & !(page - 1);
            libc::madvise(
                aligned as *mut libc::c_void,
                mapped.len() + (start - aligned),
                libc::MADV_DONTNEED,
            );
        }
    }
    #[cfg(not(unix))]
    let _ = mapped;
}
