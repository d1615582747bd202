//! The pre-commit path: what the index holds that HEAD does not. Line numbers are those of the
//! staged version; a secret the file already had at HEAD is not reported again. Only the index,
//! HEAD's tree and the changed blobs are read, never the whole object database.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use gix::hash::ObjectId;

use super::GitObject;
use super::RepoCtx;
use super::objects::read;
use crate::finding::Origin;
use crate::source::BlobSink;

/// What to scan when nothing is staged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenClean {
    /// Nothing (`git --staged`).
    Nothing,
    /// Every tracked file as the index holds it (the hook under `pre-commit run --all-files`,
    /// which stages nothing but asks for the whole tree).
    Tracked,
}

/// The index as git reads it: its trailing checksum is not verified (git checks it only in
/// `fsck`; hashing a large index would be most of a hook's run), and it is decoded on this
/// thread. No index file yet (nothing ever staged) is an empty index; an unreadable one is an
/// error, never an empty scan.
fn open_index(repo: &gix::Repository) -> anyhow::Result<gix::index::File> {
    let path = repo.index_path();
    if !path.exists() {
        return Ok(gix::index::File::from_state(
            gix::index::State::new(repo.object_hash()),
            path,
        ));
    }
    let options = gix::index::decode::Options {
        thread_limit: Some(1),
        ..Default::default()
    };
    gix::index::File::at(&path, repo.object_hash(), true, options)
        .map_err(|e| anyhow::anyhow!("cannot read the index {}: {e}", path.display()))
}

pub fn scan(ctx: &RepoCtx<'_>, sink: &dyn BlobSink, when_clean: WhenClean) -> anyhow::Result<()> {
    let repo = ctx.repo.to_thread_local();
    if repo.workdir().is_none() {
        anyhow::bail!(
            "{}: staged changes need a repository with a work tree (this one is bare)",
            ctx.label
        );
    }
    let index = open_index(&repo)?;
    let head = head_blobs(&repo, index.tree(), sink);
    let mut changed: Vec<(&gix::bstr::BStr, ObjectId, Option<ObjectId>)> = Vec::new();
    let mut tracked: Vec<(&gix::bstr::BStr, ObjectId)> = Vec::new();
    let mut submodule_noted = false;
    for entry in index.entries() {
        if entry.stage_raw() != 0 {
            // Unmerged paths hold several versions; the resolution is what gets committed.
            continue;
        }
        let path = entry.path(&index);
        if entry.mode.contains(gix::index::entry::Mode::COMMIT) {
            if !submodule_noted {
                submodule_noted = true;
                sink.note(&format!(
                    "submodule at {path} (and any others) not scanned: run leakhound in it"
                ));
            }
            continue;
        }
        if when_clean == WhenClean::Tracked {
            tracked.push((path, entry.id));
        }
        if head.unchanged(path) {
            continue;
        }
        let before = head.files.get(path.as_ref() as &[u8]).copied();
        if before != Some(entry.id) {
            changed.push((path, entry.id, before));
        }
    }
    let mut data = Vec::new();
    if changed.is_empty() && when_clean == WhenClean::Tracked {
        sink.note(&format!(
            "nothing staged: scanning the {} tracked files",
            tracked.len()
        ));
        for (path, id) in tracked {
            if let Err(e) = read(&repo, &id, &mut data) {
                sink.error(&format!("{path} ({id})"), &e.to_string());
                continue;
            }
            let origin = ctx.origin(GitObject::Blob, &id, path.to_vec());
            sink.scan_bytes(Arc::new(origin), &data);
        }
        return Ok(());
    }
    let mut old = Vec::new();
    for (path, id, before) in changed {
        if let Err(e) = read(&repo, &id, &mut data) {
            sink.error(&format!("staged {path}"), &e.to_string());
            continue;
        }
        let mut befores: Vec<&[u8]> = Vec::new();
        if let Some(prev) = before
            && read(&repo, &prev, &mut old).is_ok()
        {
            befores.push(&old);
        }
        let origin = Origin::new(ctx.provenance(GitObject::Blob, &id, path.to_vec()).staged());
        sink.scan_change(Arc::new(origin), &data, &befores);
    }
    Ok(())
}

/// What HEAD holds where the index may differ from it.
#[derive(Default)]
struct Head {
    /// HEAD's files outside the unchanged directories: path -> blob.
    files: HashMap<Vec<u8>, ObjectId>,
    /// Directories (`""` for the root) whose index cache-tree entry has HEAD's tree id: nothing
    /// under them is staged.
    unchanged_dirs: HashSet<Vec<u8>>,
}

impl Head {
    fn unchanged(&self, path: &[u8]) -> bool {
        if self.unchanged_dirs.is_empty() {
            return false;
        }
        self.unchanged_dirs.contains(&b""[..])
            || path
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'/')
                .any(|(i, _)| self.unchanged_dirs.contains(&path[..i]))
    }
}

/// HEAD's files, skipping directories the index's cache-tree shows unchanged (after `git add`,
/// only the directories on the paths of changed files are invalid), so a small change in a big
/// repository reads few trees. Empty when HEAD is unborn (no commits yet).
fn head_blobs(
    repo: &gix::Repository,
    cache_tree: Option<&gix::index::extension::Tree>,
    sink: &dyn BlobSink,
) -> Head {
    let mut head = Head::default();
    let Ok(tree) = repo.head_tree_id() else {
        return head;
    };
    let mut stack: Vec<(ObjectId, Vec<u8>, Option<&gix::index::extension::Tree>)> =
        vec![(tree.detach(), Vec::new(), cache_tree)];
    let mut buf = Vec::new();
    while let Some((tree, prefix, cached)) = stack.pop() {
        if cached.is_some_and(|c| c.num_entries.is_some() && c.id == tree) {
            head.unchanged_dirs.insert(prefix);
            continue;
        }
        match read(repo, &tree, &mut buf) {
            Ok(gix::objs::Kind::Tree) => {}
            Ok(_) => continue,
            Err(e) => {
                sink.error(&format!("tree {tree}"), &e.to_string());
                continue;
            }
        }
        for entry in gix::objs::TreeRefIter::from_bytes(&buf, repo.object_hash()).flatten() {
            let mut path = prefix.clone();
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend_from_slice(entry.filename);
            if entry.mode.is_tree() {
                let child = cached.and_then(|c| {
                    c.children
                        .iter()
                        .find(|t| t.name.as_slice() == entry.filename.as_ref() as &[u8])
                });
                stack.push((entry.oid.to_owned(), path, child));
            } else {
                head.files.insert(path, entry.oid.to_owned());
            }
        }
    }
    head
}
