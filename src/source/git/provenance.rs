//! Where a blob (or message) with findings came from: the commit that first introduced it, its
//! path there, every other place it appeared, and whether HEAD still has it.
//!
//! Commits reachable from any ref are visited parents-first (older first among unrelated ones).
//! Every distinct tree is read once, remembering the blobs with findings it holds, so a blob is
//! met first in the commit that introduced it: on a branch, in a merge that resolved a conflict.
//! Each new path a blob appears at (a rename, a copy) is another occurrence, not a new finding.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use gix::hash::ObjectId;

use super::history::Noted;
use super::objects::{CommitTable, parse_commit, read};
use super::trees::prefix;
use super::{CommitInfo, GitObject, GitProvenance, History, Occurrence};
use super::{RepoCtx, commit_info};
use crate::source::Diagnostics;

/// One reachable commit.
struct Node {
    id: ObjectId,
    tree: ObjectId,
    parents: Vec<usize>,
    time: i64,
}

/// Fills in the history of every object in `objects` (blobs and messages with findings): the
/// earliest commit and path that introduced each blob, every other place it appears, whether
/// HEAD still holds it, and whether any ref reaches it.
pub fn resolve(
    ctx: &RepoCtx<'_>,
    repo: &gix::Repository,
    noted: Option<Noted>,
    objects: &[&GitProvenance],
    all_occurrences: bool,
    diag: &dyn Diagnostics,
) -> anyhow::Result<()> {
    let id_of = |g: &GitProvenance| ObjectId::from_hex(g.object_id.as_bytes()).ok();
    let blobs: HashSet<ObjectId> = objects
        .iter()
        .filter(|g| g.object == GitObject::Blob)
        .filter_map(|g| id_of(g))
        .collect();
    let refs = ref_targets(repo, diag);
    let (known, trees) = match noted {
        Some(n) => (Some(n.commits), Some(n.trees)),
        None => (None, None),
    };
    let commits = load_commits(repo, known.as_ref(), &refs, diag);
    drop(known);
    // Only the trees that hold a target (or a submodule) need reading.
    let only = trees
        .filter(|_| !blobs.is_empty())
        .map(|t| t.holding(blobs.iter().map(|b| b.as_ref())));
    let places = blob_places(ctx, repo, &commits, &blobs, only.as_ref(), diag);
    let in_head = blobs_at_head(repo, &blobs, only.as_ref(), diag);
    let index: HashMap<ObjectId, usize> =
        commits.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut infos: HashMap<usize, CommitInfo> = HashMap::new();
    let mut info_of = |c: usize| -> Option<CommitInfo> {
        if let Some(i) = infos.get(&c) {
            return Some(i.clone());
        }
        let i = decode_commit_info(repo, &commits[c].id)?;
        infos.insert(c, i.clone());
        Some(i)
    };
    for g in objects {
        let Some(id) = id_of(g) else { continue };
        let mut h = History::default();
        match g.object {
            GitObject::Blob => {
                h.in_head = Some(in_head.contains(&id));
                match places.get(&id) {
                    Some(found) => {
                        let (c, first_path) = &found[0];
                        h.commit = info_of(*c);
                        h.reachable = true;
                        h.other_occurrences = found.len() - 1;
                        if all_occurrences {
                            h.occurrences = found[1..]
                                .iter()
                                .map(|(c, p)| Occurrence {
                                    commit: commits[*c].id.to_string(),
                                    path: p.clone(),
                                })
                                .collect();
                        }
                        h.link_base = ctx
                            .platform
                            .map(|p| p.link(&commits[*c].id.to_string(), first_path));
                        h.path = Some(first_path.clone());
                    }
                    None => {
                        h.path = Some(format!("(unreachable blob {id})").into_bytes());
                    }
                }
            }
            GitObject::CommitMessage => {
                h.reachable = index.contains_key(&id);
                h.commit = decode_commit_info(repo, &id);
            }
            GitObject::TagMessage => {
                h.reachable = refs.iter().any(|r| r.tag == Some(id));
                if let Some(name) = tag_name(repo, &id) {
                    h.path = Some(format!("(tag {name} message)").into_bytes());
                }
            }
        }
        g.set_history(h);
    }
    Ok(())
}

/// Every (commit, path) that introduced each of `blobs`, the topologically earliest first.
fn blob_places(
    ctx: &RepoCtx<'_>,
    repo: &gix::Repository,
    commits: &[Node],
    blobs: &HashSet<ObjectId>,
    only: Option<&HashSet<u32>>,
    diag: &dyn Diagnostics,
) -> HashMap<ObjectId, Vec<(usize, Vec<u8>)>> {
    let mut places: HashMap<ObjectId, Vec<(usize, Vec<u8>)>> = HashMap::new();
    if blobs.is_empty() {
        return places;
    }
    // Reading trees is the cost, and which blobs a tree holds does not depend on order: read
    // all commits' trees on every core first, then credit blobs in topological order.
    let memo = TreeMemo::new();
    commits.par_iter().for_each_init(
        || ctx.repo.to_thread_local(),
        |repo, node| {
            let walk = TreeWalk {
                repo,
                diag,
                targets: blobs,
                only,
                memo: &memo,
            };
            walk.hits(node.tree, b"");
        },
    );
    let walk = TreeWalk {
        repo,
        diag,
        targets: blobs,
        only,
        memo: &memo,
    };
    let mut seen_places: HashSet<(ObjectId, Vec<u8>)> = HashSet::new();
    for c in topological(commits) {
        for (path, id) in walk
            .hits(commits[c].tree, b"")
            .iter()
            .flat_map(|h| h.iter())
        {
            if seen_places.insert((*id, path.clone())) {
                places.entry(*id).or_default().push((c, path.clone()));
            }
        }
    }
    places
}

/// What one ref points at: the commit it peels to, and the annotated tag object on the way.
struct RefTarget {
    commit: Option<ObjectId>,
    tag: Option<ObjectId>,
}

/// Every ref (branches, tags, remotes, stash, notes...) with the commit it leads to.
fn ref_targets(repo: &gix::Repository, diag: &dyn Diagnostics) -> Vec<RefTarget> {
    let mut out = Vec::new();
    let platform = match repo.references() {
        Ok(p) => p,
        Err(e) => {
            diag.error("refs", &format!("cannot read references: {e}"));
            return out;
        }
    };
    let iter = match platform.all() {
        Ok(i) => i,
        Err(e) => {
            diag.error("refs", &format!("cannot read references: {e}"));
            return out;
        }
    };
    let mut buf = Vec::new();
    for r in iter {
        let mut r = match r {
            Ok(r) => r,
            Err(e) => {
                diag.error("refs", &format!("unreadable reference: {e}"));
                continue;
            }
        };
        let name = r.name().as_bstr().to_string();
        // The ref's own target (an annotated tag object, say), not what it peels to.
        let direct = r.target().try_id().map(ToOwned::to_owned);
        let mut id = match direct {
            Some(id) => id,
            None => match r.peel_to_id() {
                Ok(id) => id.detach(),
                Err(_) => {
                    diag.error(&name, "reference points to a missing object");
                    continue;
                }
            },
        };
        // Follow annotated tags (possibly nested) to the object they tag.
        let mut tag = None;
        let commit = loop {
            match read(repo, &id, &mut buf) {
                Ok(gix::objs::Kind::Tag) => {
                    tag.get_or_insert(id);
                    match gix::objs::TagRef::from_bytes(&buf, repo.object_hash()) {
                        Ok(t) => match ObjectId::from_hex(t.target) {
                            Ok(next) => id = next,
                            Err(_) => break None,
                        },
                        Err(_) => break None,
                    }
                }
                Ok(gix::objs::Kind::Commit) => break Some(id),
                Ok(_) => break None,
                Err(e) => {
                    diag.error(&name, &format!("object {id}: {e}"));
                    break None;
                }
            }
        };
        out.push(RefTarget { commit, tag });
    }
    out
}

/// Every commit reachable from the refs, from the commits the scan already decoded (`known`) or
/// read now. A missing commit is reported and its history skipped; parents a shallow clone cut
/// off are skipped with one note.
fn load_commits(
    repo: &gix::Repository,
    known: Option<&CommitTable>,
    refs: &[RefTarget],
    diag: &dyn Diagnostics,
) -> Vec<Node> {
    let shallow: HashSet<ObjectId> = repo
        .shallow_commits()
        .ok()
        .flatten()
        .map(|s| s.iter().copied().collect())
        .unwrap_or_default();
    if !shallow.is_empty() {
        diag.note("shallow clone: history before the shallow boundary is not in the repository and is not scanned");
    }
    let mut nodes: Vec<Node> = Vec::new();
    let mut index: HashMap<ObjectId, usize> = HashMap::new();
    let mut pending_parents: Vec<Vec<ObjectId>> = Vec::new();
    let mut queue: Vec<ObjectId> = refs.iter().filter_map(|r| r.commit).collect();
    let mut buf = Vec::new();
    while let Some(id) = queue.pop() {
        if index.contains_key(&id) {
            continue;
        }
        let record = match known.and_then(|k| k.get(&id)) {
            Some(r) => r.clone(),
            None => match read(repo, &id, &mut buf) {
                Ok(gix::objs::Kind::Commit) => match parse_commit(&buf, repo.object_hash()) {
                    Some(r) => r,
                    None => {
                        diag.error(&format!("commit {id}"), "cannot parse commit");
                        continue;
                    }
                },
                Ok(kind) => {
                    diag.error(
                        &format!("commit {id}"),
                        &format!("is a {kind}, not a commit"),
                    );
                    continue;
                }
                Err(e) => {
                    diag.error(&format!("commit {id}"), &e.to_string());
                    continue;
                }
            },
        };
        let parents = if shallow.contains(&id) {
            Vec::new()
        } else {
            record.parents
        };
        queue.extend(parents.iter().copied());
        index.insert(id, nodes.len());
        nodes.push(Node {
            id,
            tree: record.tree,
            parents: Vec::new(),
            time: record.time,
        });
        pending_parents.push(parents);
    }
    for (node, parents) in nodes.iter_mut().zip(pending_parents) {
        node.parents = parents
            .iter()
            .filter_map(|p| index.get(p).copied())
            .collect();
    }
    nodes
}

/// Parents before children; among commits ready at the same time, the older first.
fn topological(nodes: &[Node]) -> Vec<usize> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut waiting: Vec<usize> = vec![0; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        waiting[i] = n.parents.len();
        for &p in &n.parents {
            children[p].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<(i64, usize)>> = nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| waiting[*i] == 0)
        .map(|(i, n)| Reverse((n.time, i)))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, i))) = ready.pop() {
        order.push(i);
        for &c in &children[i] {
            waiting[c] -= 1;
            if waiting[c] == 0 {
                ready.push(Reverse((nodes[c].time, c)));
            }
        }
    }
    order
}

/// The target blobs under one tree, with their paths relative to it.
type Hits = Arc<[(Vec<u8>, ObjectId)]>;

/// What is known about each tree read so far: the target blobs it holds (`None`: none). Shared by
/// the threads of the walk; sharded so they rarely wait on each other.
struct TreeMemo {
    shards: Vec<Mutex<HashMap<ObjectId, Option<Hits>>>>,
    submodule_noted: AtomicBool,
}

impl TreeMemo {
    const SHARDS: usize = 64;

    fn new() -> TreeMemo {
        TreeMemo {
            shards: (0..Self::SHARDS)
                .map(|_| Mutex::new(HashMap::new()))
                .collect(),
            submodule_noted: AtomicBool::new(false),
        }
    }

    fn shard(&self, id: &ObjectId) -> &Mutex<HashMap<ObjectId, Option<Hits>>> {
        &self.shards[id.as_bytes()[0] as usize % Self::SHARDS]
    }

    fn get(&self, id: &ObjectId) -> Option<Option<Hits>> {
        self.shard(id)
            .lock()
            .expect("tree memo poisoned")
            .get(id)
            .cloned()
    }

    fn put(&self, id: ObjectId, hits: Option<Hits>) {
        self.shard(&id)
            .lock()
            .expect("tree memo poisoned")
            .insert(id, hits);
    }
}

/// Reads trees, each distinct tree once (two threads may rarely both read one), and remembers
/// which target blobs each holds and where, so an unchanged subtree met again costs a lookup, and
/// an identical subtree at a new path (a copied or renamed directory) still yields its new paths.
struct TreeWalk<'a> {
    repo: &'a gix::Repository,
    diag: &'a dyn Diagnostics,
    targets: &'a HashSet<ObjectId>,
    /// The id prefixes of the only trees worth reading (see `trees`), when the scan noted them.
    only: Option<&'a HashSet<u32>>,
    memo: &'a TreeMemo,
}

impl TreeWalk<'_> {
    /// The target blobs under `tree`, with paths relative to it.
    fn hits(&self, tree: ObjectId, path: &[u8]) -> Option<Hits> {
        if self.only.is_some_and(|only| !only.contains(&prefix(&tree))) {
            return None;
        }
        if let Some(known) = self.memo.get(&tree) {
            return known;
        }
        let mut buf = Vec::new();
        match read(self.repo, &tree, &mut buf) {
            Ok(gix::objs::Kind::Tree) => {}
            Ok(kind) => {
                self.diag
                    .error(&format!("tree {tree}"), &format!("is a {kind}, not a tree"));
                self.memo.put(tree, None);
                return None;
            }
            Err(e) => {
                self.diag.error(&format!("tree {tree}"), &e.to_string());
                self.memo.put(tree, None);
                return None;
            }
        }
        let mut found: Vec<(Vec<u8>, ObjectId)> = Vec::new();
        let mut subtrees: Vec<(Vec<u8>, ObjectId)> = Vec::new();
        for entry in gix::objs::TreeRefIter::from_bytes(&buf, self.repo.object_hash()) {
            let Ok(entry) = entry else {
                self.diag
                    .error(&format!("tree {tree}"), "cannot parse tree");
                break;
            };
            let name = entry.filename.to_vec();
            if entry.mode.is_tree() {
                subtrees.push((name, entry.oid.to_owned()));
            } else if entry.mode.is_commit() {
                if !self.memo.submodule_noted.swap(true, Ordering::Relaxed) {
                    self.diag.note(&format!(
                        "submodule at {} (and any others) not followed: scan its repository separately",
                        String::from_utf8_lossy(&join(path, &name))
                    ));
                }
            } else if self.targets.contains(entry.oid) {
                found.push((name, entry.oid.to_owned()));
            }
        }
        for (name, sub) in subtrees {
            if let Some(inner) = self.hits(sub, &join(path, &name)) {
                found.extend(inner.iter().map(|(p, id)| (join(&name, p), *id)));
            }
        }
        let hits = (!found.is_empty()).then(|| Hits::from(found));
        self.memo.put(tree, hits.clone());
        hits
    }
}

fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = dir.to_vec();
    if !p.is_empty() {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

/// Which of `blobs` are in HEAD's tree, at any path.
fn blobs_at_head(
    repo: &gix::Repository,
    blobs: &HashSet<ObjectId>,
    only: Option<&HashSet<u32>>,
    diag: &dyn Diagnostics,
) -> HashSet<ObjectId> {
    let mut found = HashSet::new();
    if blobs.is_empty() {
        return found;
    }
    let Ok(tree) = repo.head_tree_id() else {
        return found;
    };
    let memo = TreeMemo::new();
    let walk = TreeWalk {
        repo,
        diag,
        targets: blobs,
        only,
        memo: &memo,
    };
    if let Some(hits) = walk.hits(tree.detach(), b"") {
        found.extend(hits.iter().map(|(_, id)| *id));
    }
    found
}

fn decode_commit_info(repo: &gix::Repository, id: &ObjectId) -> Option<CommitInfo> {
    let mut buf = Vec::new();
    match read(repo, id, &mut buf).ok()? {
        gix::objs::Kind::Commit => {
            let c = gix::objs::CommitRef::from_bytes(&buf, repo.object_hash()).ok()?;
            Some(commit_info(id, &c))
        }
        _ => None,
    }
}

fn tag_name(repo: &gix::Repository, id: &ObjectId) -> Option<String> {
    let mut buf = Vec::new();
    match read(repo, id, &mut buf).ok()? {
        gix::objs::Kind::Tag => gix::objs::TagRef::from_bytes(&buf, repo.object_hash())
            .ok()
            .map(|t| t.name.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(n: u8, parents: Vec<usize>, time: i64) -> Node {
        let id = ObjectId::from_bytes_or_panic(&[n; 20]);
        Node {
            id,
            tree: id,
            parents,
            time,
        }
    }

    #[test]
    fn commits_come_after_their_parents_and_the_oldest_ready_first() {
        // 0 <- 1 <- 3 (merge of 1 and 2), 0 <- 2; 2 is older than 1.
        let nodes = vec![
            node(1, vec![], 100),
            node(2, vec![0], 300),
            node(3, vec![0], 200),
            node(4, vec![1, 2], 400),
        ];
        assert_eq!(topological(&nodes), vec![0, 2, 1, 3]);
        // A parent listed after its child (and a later clock on the parent) still goes first.
        let nodes = vec![node(1, vec![1], 100), node(2, vec![], 500)];
        assert_eq!(topological(&nodes), vec![1, 0]);
    }

    #[test]
    fn tree_paths_join_with_a_slash() {
        assert_eq!(join(b"", b"a.txt"), b"a.txt");
        assert_eq!(join(b"src/lib", b"a.rs"), b"src/lib/a.rs");
    }
}
