//! Where a blob (or message) with findings came from: the commit that first introduced it, its
//! path there, every other place it appeared, and whether HEAD still has it.
//!
//! Commits reachable from any ref are visited parents-first (older first among unrelated ones),
//! and each commit's tree is explored except for subtrees an earlier commit already had. Every
//! distinct tree is read once, so a blob is met first in the commit that introduced it: on a
//! branch, in a merge that resolved a conflict, at a renamed path (where it is met again, as
//! another occurrence, not as a new finding).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use gix::hash::ObjectId;

use super::objects::read;
use super::{Target, commit_info};
use crate::finding::{CommitInfo, GitObject, Occurrence, Origin, OriginKind};
use crate::source::Diagnostics;

/// One reachable commit.
struct Node {
    id: ObjectId,
    tree: ObjectId,
    parents: Vec<usize>,
    time: i64,
}

pub fn resolve(
    ctx: &Target<'_>,
    repo: &gix::Repository,
    mut origins: Vec<&mut Origin>,
    all_occurrences: bool,
    diag: &dyn Diagnostics,
) -> anyhow::Result<()> {
    let id_of = |o: &Origin| {
        o.git()
            .and_then(|g| ObjectId::from_hex(g.object_id.as_bytes()).ok())
    };
    let blobs: HashSet<ObjectId> = origins
        .iter()
        .filter(|o| o.git().is_some_and(|g| g.object == GitObject::Blob))
        .filter_map(|o| id_of(o))
        .collect();
    let refs = ref_targets(repo, diag);
    let commits = load_commits(repo, &refs, diag);
    let index: HashMap<ObjectId, usize> =
        commits.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut places: HashMap<ObjectId, Vec<(usize, Vec<u8>)>> = HashMap::new();
    if !blobs.is_empty() {
        let mut walk = TreeWalk::new(repo, diag);
        for c in topological(&commits) {
            walk.explore(commits[c].tree, &mut |id, path| {
                if blobs.contains(id) {
                    places
                        .entry(id.to_owned())
                        .or_default()
                        .push((c, path.to_vec()));
                }
            });
        }
    }
    let in_head = blobs_at_head(repo, &blobs, diag);
    let mut infos: HashMap<usize, CommitInfo> = HashMap::new();
    let mut info_of = |c: usize| -> Option<CommitInfo> {
        if let Some(i) = infos.get(&c) {
            return Some(i.clone());
        }
        let i = decode_commit_info(repo, &commits[c].id)?;
        infos.insert(c, i.clone());
        Some(i)
    };
    for origin in origins.iter_mut() {
        let Some(id) = id_of(origin) else { continue };
        let object = origin.git().map(|g| g.object);
        let mut path = origin.path.clone();
        let OriginKind::Git(git) = &mut origin.kind else {
            continue;
        };
        match object {
            Some(GitObject::Blob) => {
                git.in_head = Some(in_head.contains(&id));
                match places.get(&id) {
                    Some(found) => {
                        let (c, first_path) = &found[0];
                        git.commit = info_of(*c);
                        git.reachable = true;
                        git.other_occurrences = found.len() - 1;
                        if all_occurrences {
                            git.occurrences = found[1..]
                                .iter()
                                .map(|(c, p)| Occurrence {
                                    commit: commits[*c].id.to_string(),
                                    path: p.clone(),
                                })
                                .collect();
                        }
                        path = first_path.clone();
                        if let Some(p) = ctx.platform {
                            git.link_base = Some(p.link(&commits[*c].id.to_string(), &path));
                        }
                    }
                    None => {
                        git.reachable = false;
                        path = format!("(unreachable blob {id})").into_bytes();
                    }
                }
            }
            Some(GitObject::CommitMessage) => {
                git.reachable = index.contains_key(&id);
                git.commit = decode_commit_info(repo, &id);
            }
            Some(GitObject::TagMessage) => {
                git.reachable = refs.iter().any(|r| r.tag == Some(id));
                if let Some(name) = tag_name(repo, &id) {
                    path = format!("(tag {name} message)").into_bytes();
                }
            }
            None => {}
        }
        origin.path = path;
    }
    Ok(())
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
        let Ok(target) = r.peel_to_id() else {
            diag.error(&name, "reference points to a missing object");
            continue;
        };
        // Follow annotated tags (possibly nested) to the object they tag.
        let mut id = target.detach();
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

/// Every commit reachable from the refs. A missing commit is reported and its history skipped;
/// parents a shallow clone cut off are skipped with one note.
fn load_commits(repo: &gix::Repository, refs: &[RefTarget], diag: &dyn Diagnostics) -> Vec<Node> {
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
        let commit = match read(repo, &id, &mut buf) {
            Ok(gix::objs::Kind::Commit) => {
                match gix::objs::CommitRef::from_bytes(&buf, repo.object_hash()) {
                    Ok(c) => c,
                    Err(e) => {
                        diag.error(&format!("commit {id}"), &format!("cannot parse: {e}"));
                        continue;
                    }
                }
            }
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
        };
        let parents: Vec<ObjectId> = if shallow.contains(&id) {
            Vec::new()
        } else {
            commit.parents().collect()
        };
        queue.extend(parents.iter().copied());
        index.insert(id, nodes.len());
        nodes.push(Node {
            id,
            tree: commit.tree(),
            parents: Vec::new(),
            time: commit.committer().map(|s| s.seconds()).unwrap_or(0),
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

/// Explores trees, each distinct tree once across all calls.
struct TreeWalk<'a> {
    repo: &'a gix::Repository,
    diag: &'a dyn Diagnostics,
    seen: HashSet<ObjectId>,
    buf: Vec<u8>,
    submodule_noted: bool,
}

impl<'a> TreeWalk<'a> {
    fn new(repo: &'a gix::Repository, diag: &'a dyn Diagnostics) -> TreeWalk<'a> {
        TreeWalk {
            repo,
            diag,
            seen: HashSet::new(),
            buf: Vec::new(),
            submodule_noted: false,
        }
    }

    /// Calls `blob(id, path)` for every blob in the trees under `root` not seen before.
    fn explore(&mut self, root: ObjectId, blob: &mut dyn FnMut(&gix::hash::oid, &[u8])) {
        let mut stack: Vec<(ObjectId, Vec<u8>)> = vec![(root, Vec::new())];
        while let Some((tree, prefix)) = stack.pop() {
            if !self.seen.insert(tree) {
                continue;
            }
            match read(self.repo, &tree, &mut self.buf) {
                Ok(gix::objs::Kind::Tree) => {}
                Ok(kind) => {
                    self.diag
                        .error(&format!("tree {tree}"), &format!("is a {kind}, not a tree"));
                    continue;
                }
                Err(e) => {
                    self.diag.error(&format!("tree {tree}"), &e.to_string());
                    continue;
                }
            }
            for entry in gix::objs::TreeRefIter::from_bytes(&self.buf, self.repo.object_hash()) {
                let Ok(entry) = entry else {
                    self.diag
                        .error(&format!("tree {tree}"), "cannot parse tree");
                    break;
                };
                let mut path = prefix.clone();
                if !path.is_empty() {
                    path.push(b'/');
                }
                path.extend_from_slice(entry.filename);
                if entry.mode.is_tree() {
                    stack.push((entry.oid.to_owned(), path));
                } else if entry.mode.is_commit() {
                    if !self.submodule_noted {
                        self.submodule_noted = true;
                        self.diag.note(&format!(
                            "submodule at {} (and any others) not followed: scan its repository separately",
                            String::from_utf8_lossy(&path)
                        ));
                    }
                } else {
                    blob(entry.oid, &path);
                }
            }
        }
    }
}

/// Which of `blobs` are in HEAD's tree, at any path.
fn blobs_at_head(
    repo: &gix::Repository,
    blobs: &HashSet<ObjectId>,
    diag: &dyn Diagnostics,
) -> HashSet<ObjectId> {
    let mut found = HashSet::new();
    if blobs.is_empty() {
        return found;
    }
    let Ok(tree) = repo.head_tree_id() else {
        return found;
    };
    let mut walk = TreeWalk::new(repo, diag);
    walk.explore(tree.detach(), &mut |id, _| {
        if blobs.contains(id) {
            found.insert(id.to_owned());
        }
    });
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
