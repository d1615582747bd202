//! Which objects each tree holds, noted while the full scan inflates every tree anyway, so that
//! provenance reads only the trees on the way to a blob with findings instead of every tree in
//! history a second time (a quarter of a whole-history scan's time, before this).
//!
//! Objects are known here by the first four bytes of their id: four bytes per tree entry, about
//! 10 MB for rust-lang/cargo's 2.5 million. Two objects sharing a prefix (one in 2^32 per pair)
//! can only make provenance read a tree it did not need; a tree that holds a target is never
//! missed.

use std::collections::HashSet;
use std::sync::Mutex;

use gix::hash::oid;
use rayon::prelude::*;

/// The first four bytes of an object id.
pub fn prefix(id: &oid) -> u32 {
    let b = id.as_bytes();
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Bits in the filter of one level's ids (128 KiB: it stays in cache).
const BLOOM_BITS: usize = 1 << 20;

#[derive(Default)]
pub struct TreeIndex {
    edges: Mutex<Edges>,
}

#[derive(Default)]
struct Edges {
    /// Each tree's id prefix.
    trees: Vec<u32>,
    /// Where each tree's children start in `children` (one more entry than `trees`, once
    /// finished; kept as `children.len()` at each push).
    starts: Vec<u32>,
    /// The id prefixes of the trees' entries.
    children: Vec<u32>,
    /// Trees that must be read whatever they hold: those with a submodule entry (provenance
    /// names its path in a note) and those that did not parse (provenance reports them).
    always: Vec<u32>,
}

impl TreeIndex {
    /// Notes the entries of tree `id` (its raw content).
    pub fn record(&self, id: &oid, data: &[u8], hash: gix::hash::Kind) {
        let mut children = Vec::new();
        let mut always = false;
        for entry in gix::objs::TreeRefIter::from_bytes(data, hash) {
            match entry {
                Ok(e) => {
                    always |= e.mode.is_commit();
                    children.push(prefix(e.oid));
                }
                Err(_) => {
                    always = true;
                    break;
                }
            }
        }
        let mut edges = self.edges.lock().expect("tree index poisoned");
        let t = edges.trees.len() as u32;
        edges.trees.push(prefix(id));
        let start = edges.children.len() as u32;
        edges.starts.push(start);
        edges.children.extend_from_slice(&children);
        if always {
            edges.always.push(t);
        }
    }

    /// The id prefixes of the trees that hold one of `targets` at any depth, or must be read
    /// anyway (see [`Edges::always`]).
    ///
    /// Found level by level, each level one pass over every entry: the trees holding something
    /// found at the level below. A tree's depth bounds the passes (a dozen in deep projects), and
    /// the passes need no memory beyond the entries themselves.
    pub fn holding<'a>(self, targets: impl Iterator<Item = &'a oid>) -> HashSet<u32> {
        let Edges {
            trees,
            mut starts,
            children,
            always,
        } = self.edges.into_inner().expect("tree index poisoned");
        starts.push(children.len() as u32);
        let mut held = vec![false; trees.len()];
        let mut level: HashSet<u32> = targets.map(prefix).collect();
        for &t in &always {
            held[t as usize] = true;
            level.insert(trees[t as usize]);
        }
        while !level.is_empty() {
            // Ids are random: their low bits make a one-hash Bloom filter that settles almost
            // every entry without a hash-set lookup.
            let mut bloom = vec![0u64; BLOOM_BITS / 64];
            for &p in &level {
                let bit = p as usize % BLOOM_BITS;
                bloom[bit / 64] |= 1 << (bit % 64);
            }
            let maybe = |c: u32| {
                let bit = c as usize % BLOOM_BITS;
                bloom[bit / 64] & (1 << (bit % 64)) != 0
            };
            let found: Vec<u32> = (0..trees.len())
                .into_par_iter()
                .filter(|&t| {
                    !held[t]
                        && children[starts[t] as usize..starts[t + 1] as usize]
                            .iter()
                            .any(|&c| maybe(c) && level.contains(&c))
                })
                .map(|t| t as u32)
                .collect();
            level = found
                .iter()
                .map(|&t| {
                    held[t as usize] = true;
                    trees[t as usize]
                })
                .collect();
        }
        trees
            .iter()
            .zip(&held)
            .filter(|(_, h)| **h)
            .map(|(p, _)| *p)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gix::hash::ObjectId;

    fn id(byte: u8) -> ObjectId {
        ObjectId::from_bytes_or_panic(&[byte; 20])
    }

    /// A raw tree: `(mode, name, id)` entries.
    fn tree(entries: &[(&str, &str, ObjectId)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (mode, name, id) in entries {
            out.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            out.extend_from_slice(id.as_bytes());
        }
        out
    }

    #[test]
    fn finds_every_tree_above_a_target_and_no_other() {
        let sha1 = gix::hash::Kind::Sha1;
        let index = TreeIndex::default();
        // root(1) -> src(2) -> secret blob(9); root(1) -> docs(3) -> other blob(8);
        // old root(4) -> src(2); unrelated(5) -> docs(3); sub(6) has a submodule.
        index.record(
            &id(1),
            &tree(&[("40000", "docs", id(3)), ("40000", "src", id(2))]),
            sha1,
        );
        index.record(&id(2), &tree(&[("100644", "key.txt", id(9))]), sha1);
        index.record(&id(3), &tree(&[("100644", "a.md", id(8))]), sha1);
        index.record(&id(4), &tree(&[("40000", "src", id(2))]), sha1);
        index.record(&id(5), &tree(&[("40000", "docs", id(3))]), sha1);
        index.record(&id(6), &tree(&[("160000", "vendor", id(7))]), sha1);
        index.record(&id(10), b"100644 truncated", sha1);
        let target = id(9);
        let held = index.holding(std::iter::once(target.as_ref()));
        let want: HashSet<u32> = [1u8, 2, 4, 6, 10].iter().map(|&b| prefix(&id(b))).collect();
        assert_eq!(held, want);
    }
}
