//! What a set of commits introduced: the pull-request gate (`--range base..head`), one branch,
//! or recent history (`--since`, `--max-commits`).
//!
//! A commit introduces a blob at a path when the blob differs there from every parent: for an
//! ordinary commit, what it added or changed; for a merge, only what no parent had, which is the
//! conflict resolution (content that `git log -p` never shows). A changed file is scanned against
//! its previous versions, so a secret that was already there is not reported again.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use gix::hash::ObjectId;
use rayon::prelude::*;

use super::objects::{Limited, read, read_limited};
use super::{CommitInfo, GitObject, History};
use super::{RepoCtx, Selection, commit_info, message_path};
use crate::finding::Origin;
use crate::source::BlobSink;

/// A blob a commit in the selection introduced, with what was at its path before.
struct Introduced {
    blob: ObjectId,
    path: Vec<u8>,
    before: Vec<ObjectId>,
    commit: Arc<CommitInfo>,
}

pub fn scan(ctx: &RepoCtx<'_>, sel: &Selection, sink: &dyn BlobSink) -> anyhow::Result<()> {
    let repo = ctx.repo.to_thread_local();
    let commits = select(&repo, sel)?;
    let mut introduced: Vec<Introduced> = Vec::new();
    let mut first: HashMap<ObjectId, usize> = HashMap::new();
    let mut buf = Vec::new();
    // Oldest first, so a blob is credited to the earliest commit in the selection.
    for id in commits.iter().rev() {
        let kind = read(&repo, id, &mut buf).with_context(|| format!("commit {id}"))?;
        anyhow::ensure!(
            kind == gix::objs::Kind::Commit,
            "{id} is a {kind}, not a commit"
        );
        let commit = gix::objs::CommitRef::from_bytes(&buf, repo.object_hash())
            .map_err(|e| anyhow::anyhow!("commit {id}: {e}"))?;
        let info = Arc::new(commit_info(id, &commit));
        let tree = commit.tree();
        let parents: Vec<ObjectId> = commit.parents().collect();
        let message = commit.message.to_vec();
        scan_message(ctx, sink, id, &info, &message);
        let parent_trees: Vec<ObjectId> = parents
            .iter()
            .filter_map(|p| commit_tree(&repo, p, sink))
            .collect();
        let mut found = Vec::new();
        diff_trees(&repo, tree, &parent_trees, Vec::new(), &mut found, sink);
        for (path, blob, before) in found {
            if first.contains_key(&blob) {
                continue;
            }
            first.insert(blob, introduced.len());
            introduced.push(Introduced {
                blob,
                path,
                before,
                commit: info.clone(),
            });
        }
    }
    introduced.par_iter().for_each_init(
        || (ctx.repo.to_thread_local(), Vec::new(), Vec::new()),
        |(repo, data, old), intro| scan_introduced(ctx, repo, data, old, intro, sink),
    );
    Ok(())
}

fn scan_introduced(
    ctx: &RepoCtx<'_>,
    repo: &gix::Repository,
    data: &mut Vec<u8>,
    old: &mut Vec<u8>,
    intro: &Introduced,
    sink: &dyn BlobSink,
) {
    let history = History {
        commit: Some((*intro.commit).clone()),
        reachable: true,
        link_base: ctx.platform.map(|p| p.link(&intro.commit.id, &intro.path)),
        ..History::default()
    };
    let origin = Origin::new(
        ctx.provenance(GitObject::Blob, &intro.blob, intro.path.clone())
            .with_history(history),
    );
    let limit = sink.max_blob_size();
    match read_limited(repo, &intro.blob, data, limit) {
        Ok(Limited::Read(_)) => {}
        Ok(Limited::TooLarge(_, size)) => {
            sink.admit(&origin, size);
            return;
        }
        Err(e) => {
            return sink.error(
                &format!(
                    "blob {} ({})",
                    intro.blob,
                    String::from_utf8_lossy(&intro.path)
                ),
                &e.to_string(),
            );
        }
    }
    let mut befores: Vec<Vec<u8>> = Vec::new();
    for prev in &intro.before {
        if let Ok(Limited::Read(_)) = read_limited(repo, prev, old, limit) {
            befores.push(std::mem::take(old));
        }
    }
    let before: Vec<&[u8]> = befores.iter().map(Vec::as_slice).collect();
    sink.scan_change(Arc::new(origin), data, &before);
}

fn scan_message(
    ctx: &RepoCtx<'_>,
    sink: &dyn BlobSink,
    id: &ObjectId,
    info: &Arc<CommitInfo>,
    message: &[u8],
) {
    if message.is_empty() {
        return;
    }
    let history = History {
        commit: Some((**info).clone()),
        reachable: true,
        ..History::default()
    };
    let origin = Origin::new(
        ctx.provenance(
            GitObject::CommitMessage,
            id,
            message_path(GitObject::CommitMessage),
        )
        .with_history(history),
    );
    sink.scan_bytes(Arc::new(origin), message);
}

/// The commits of the selection, newest first.
fn select(repo: &gix::Repository, sel: &Selection) -> anyhow::Result<Vec<ObjectId>> {
    let tips: Vec<ObjectId> = if sel.tips.is_empty() {
        all_ref_commits(repo)?
    } else {
        sel.tips
            .iter()
            .map(|t| resolve_commit(repo, t))
            .collect::<anyhow::Result<_>>()?
    };
    let hidden: Vec<ObjectId> = sel
        .hidden
        .iter()
        .map(|t| resolve_commit(repo, t))
        .collect::<anyhow::Result<_>>()?;
    let walk = repo
        .rev_walk(tips)
        .with_hidden(hidden)
        .sorting(gix::revision::walk::Sorting::ByCommitTime(
            Default::default(),
        ))
        .all()
        .map_err(|e| anyhow::anyhow!("cannot walk history: {e}"))?;
    let mut out = Vec::new();
    for info in walk {
        let info = info.map_err(|e| anyhow::anyhow!("cannot walk history: {e}"))?;
        if let Some(since) = sel.since {
            let time = info.commit_time.unwrap_or(i64::MAX);
            if time < since {
                continue;
            }
        }
        out.push(info.id);
        if sel.max_commits.is_some_and(|m| out.len() >= m) {
            break;
        }
    }
    Ok(out)
}

/// `main`, `HEAD~3`, a full or abbreviated id, `v1.0` (an annotated tag is peeled).
fn resolve_commit(repo: &gix::Repository, spec: &str) -> anyhow::Result<ObjectId> {
    let id = repo
        .rev_parse_single(spec)
        .map_err(|e| anyhow::anyhow!("cannot resolve {spec:?}: {e}"))?;
    let commit = id
        .object()
        .map_err(|e| anyhow::anyhow!("{spec:?}: {e}"))?
        .peel_to_commit()
        .map_err(|e| anyhow::anyhow!("{spec:?} is not a commit: {e}"))?;
    Ok(commit.id)
}

fn all_ref_commits(repo: &gix::Repository) -> anyhow::Result<Vec<ObjectId>> {
    let platform = repo
        .references()
        .map_err(|e| anyhow::anyhow!("cannot read references: {e}"))?;
    let mut out = Vec::new();
    for r in platform
        .all()
        .map_err(|e| anyhow::anyhow!("cannot read references: {e}"))?
        .flatten()
    {
        let mut r = r;
        if let Ok(commit) = r.peel_to_commit() {
            out.push(commit.id);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn commit_tree(repo: &gix::Repository, id: &ObjectId, sink: &dyn BlobSink) -> Option<ObjectId> {
    let mut buf = Vec::new();
    match read(repo, id, &mut buf) {
        Ok(gix::objs::Kind::Commit) => gix::objs::CommitRef::from_bytes(&buf, repo.object_hash())
            .ok()
            .map(|c| c.tree()),
        Ok(_) => None,
        Err(_) => {
            // A parent missing from a shallow clone: the commit's whole tree counts as new.
            if !repo
                .shallow_commits()
                .ok()
                .flatten()
                .is_some_and(|s| s.iter().any(|c| c == id))
            {
                sink.error(&format!("commit {id}"), "parent commit is missing");
            }
            None
        }
    }
}

/// One tree's entries: name -> (is tree, id).
fn entries(
    repo: &gix::Repository,
    id: &ObjectId,
    sink: &dyn BlobSink,
) -> Vec<(Vec<u8>, gix::objs::tree::EntryMode, ObjectId)> {
    let mut buf = Vec::new();
    match read(repo, id, &mut buf) {
        Ok(gix::objs::Kind::Tree) => gix::objs::TreeRefIter::from_bytes(&buf, repo.object_hash())
            .filter_map(Result::ok)
            .map(|e| (e.filename.to_vec(), e.mode, e.oid.to_owned()))
            .collect(),
        Ok(_) => Vec::new(),
        Err(e) => {
            sink.error(&format!("tree {id}"), &e.to_string());
            Vec::new()
        }
    }
}

/// Collects `(path, blob, previous blobs at that path)` for every blob under `tree` that differs
/// from every one of `parents` (the parents' trees at the same place). Subtrees a parent has
/// unchanged are skipped whole.
pub(super) fn diff_trees(
    repo: &gix::Repository,
    tree: ObjectId,
    parents: &[ObjectId],
    prefix: Vec<u8>,
    out: &mut Vec<(Vec<u8>, ObjectId, Vec<ObjectId>)>,
    sink: &dyn BlobSink,
) {
    let parent_entries: Vec<HashMap<Vec<u8>, (gix::objs::tree::EntryMode, ObjectId)>> = parents
        .iter()
        .map(|p| {
            entries(repo, p, sink)
                .into_iter()
                .map(|(name, mode, id)| (name, (mode, id)))
                .collect()
        })
        .collect();
    for (name, mode, id) in entries(repo, &tree, sink) {
        let olds: Vec<(gix::objs::tree::EntryMode, ObjectId)> = parent_entries
            .iter()
            .filter_map(|m| m.get(&name).copied())
            .collect();
        if olds.iter().any(|(_, old)| *old == id) {
            continue;
        }
        let mut path = prefix.clone();
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(&name);
        if mode.is_tree() {
            let old_trees: Vec<ObjectId> = olds
                .iter()
                .filter(|(m, _)| m.is_tree())
                .map(|(_, id)| *id)
                .collect();
            diff_trees(repo, id, &old_trees, path, out, sink);
        } else if mode.is_commit() {
            // A submodule's commit: its content lives in another repository.
        } else {
            let before = olds
                .iter()
                .filter(|(m, _)| !m.is_tree() && !m.is_commit())
                .map(|(_, id)| *id)
                .collect();
            out.push((path, id, before));
        }
    }
}
