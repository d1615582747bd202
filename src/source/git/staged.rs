//! The pre-commit path: what the index holds that HEAD does not. Line numbers are those of the
//! staged version; a secret the file already had at HEAD is not reported again. Only the index,
//! HEAD's tree and the changed blobs are read, never the whole object database.

use std::collections::HashMap;
use std::sync::Arc;

use gix::hash::ObjectId;

use super::Target;
use super::objects::read;
use crate::finding::{GitObject, OriginKind};
use crate::source::BlobSink;

pub fn scan(ctx: &Target<'_>, sink: &dyn BlobSink) -> anyhow::Result<()> {
    let repo = ctx.repo.to_thread_local();
    if repo.workdir().is_none() {
        anyhow::bail!(
            "{}: --staged needs a repository with a work tree (this one is bare)",
            ctx.label
        );
    }
    let index = repo.open_index().or_else(|_| {
        // No index file yet (nothing ever staged): nothing to scan.
        Ok::<_, anyhow::Error>(gix::index::File::from_state(
            gix::index::State::new(repo.object_hash()),
            repo.index_path(),
        ))
    })?;
    let head = head_blobs(&repo, sink);
    let mut data = Vec::new();
    let mut old = Vec::new();
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
        let before = head.get(path.as_ref() as &[u8]);
        if before == Some(&entry.id) {
            continue;
        }
        if let Err(e) = read(&repo, &entry.id, &mut data) {
            sink.error(&format!("staged {path}"), &e.to_string());
            continue;
        }
        let mut befores: Vec<&[u8]> = Vec::new();
        if let Some(prev) = before
            && read(&repo, prev, &mut old).is_ok()
        {
            befores.push(&old);
        }
        let mut origin = ctx.origin(GitObject::Blob, &entry.id, path.to_vec());
        if let OriginKind::Git(git) = &mut origin.kind {
            git.staged = true;
            git.reachable = false;
        }
        sink.scan_change(Arc::new(origin), &data, &befores);
    }
    Ok(())
}

/// HEAD's files: path -> blob. Empty when HEAD is unborn (no commits yet).
fn head_blobs(repo: &gix::Repository, sink: &dyn BlobSink) -> HashMap<Vec<u8>, ObjectId> {
    let mut out = HashMap::new();
    let Ok(tree) = repo.head_tree_id() else {
        return out;
    };
    let mut stack: Vec<(ObjectId, Vec<u8>)> = vec![(tree.detach(), Vec::new())];
    let mut buf = Vec::new();
    while let Some((tree, prefix)) = stack.pop() {
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
                stack.push((entry.oid.to_owned(), path));
            } else {
                out.insert(path, entry.oid.to_owned());
            }
        }
    }
    out
}
