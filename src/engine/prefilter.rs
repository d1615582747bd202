//! One automaton over every rule's keywords: finds the spots worth running a regex on.
//!
//! This is a hand-built Aho-Corasick DFA rather than the `aho-corasick` crate's, for speed: the
//! prefilter reads every byte of every file, and a DFA step is a chain of dependent loads that
//! leaves the CPU idle. Scanning four slices of the buffer in one loop keeps four independent
//! chains in flight, about three times the throughput of one (see `benches/engine.rs`). Match
//! states are numbered last, so "is this a match?" is one comparison. Letters are folded to one
//! byte class per letter, which makes matching ASCII case-insensitive. Rows are padded to a power
//! of two and cells are two bytes when they can be, to keep the hot part of the table in cache.

use std::collections::HashMap;

use crate::rules::RuleSet;

/// Interleaved streams per buffer.
const STREAMS: usize = 4;

pub struct Prefilter {
    /// Byte -> class (ASCII case folded; bytes in no keyword share class 0).
    classes: [u8; 256],
    /// log2 of the row width: a row holds one state's transitions, padded to a power of two so
    /// that finding a row is a shift, not a multiplication.
    shift: u32,
    /// Transitions: `next = table[(state << shift) | class[byte]]`.
    table: Table,
    /// States at or above this are match states.
    min_match: u32,
    /// For each match state (indexed by `state - min_match`), the keywords ending there.
    outputs: Vec<Vec<u32>>,
    keyword_len: Vec<usize>,
    max_keyword: usize,
    /// For each keyword, the rules that listed it.
    rules_of: Vec<Vec<u32>>,
    /// Rules without keywords: they run over the whole buffer.
    pub unkeyed: Vec<u32>,
}

impl Prefilter {
    /// The automaton over the keywords of the rules `searched` marks.
    pub fn new(rules: &RuleSet, searched: &[bool]) -> Prefilter {
        let mut keywords: Vec<Vec<u8>> = Vec::new();
        let mut rules_of: Vec<Vec<u32>> = Vec::new();
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut unkeyed = Vec::new();
        for (idx, rule) in rules.rules().iter().enumerate() {
            if !searched[idx] {
                continue;
            }
            let idx = u32::try_from(idx).expect("fewer than 2^32 rules");
            if rule.keywords.is_empty() {
                unkeyed.push(idx);
            }
            for kw in &rule.keywords {
                let kw = kw.as_bytes().to_ascii_lowercase();
                match index.get(&kw) {
                    Some(&p) => rules_of[p].push(idx),
                    None => {
                        index.insert(kw.clone(), keywords.len());
                        keywords.push(kw);
                        rules_of.push(vec![idx]);
                    }
                }
            }
        }
        Self::build(keywords, rules_of, unkeyed)
    }

    fn build(keywords: Vec<Vec<u8>>, rules_of: Vec<Vec<u32>>, unkeyed: Vec<u32>) -> Prefilter {
        let (classes, nclass) = byte_classes(&keywords);
        let trie = Trie::new(&keywords, &classes);
        // Number non-match states first (the root stays 0), match states last.
        let n = trie.outputs.len();
        let mut order: Vec<u32> = Vec::with_capacity(n);
        order.extend((0..n as u32).filter(|&s| trie.outputs[s as usize].is_empty()));
        let first_match = order.len();
        order.extend((0..n as u32).filter(|&s| !trie.outputs[s as usize].is_empty()));
        let mut new_id = vec![0u32; n];
        for (i, &s) in order.iter().enumerate() {
            new_id[s as usize] = i as u32;
        }
        let shift = nclass.next_power_of_two().trailing_zeros();
        // Two-byte cells halve the table, so more of it stays in the CPU's caches.
        let table = match u16::try_from(n) {
            Ok(_) => Table::Narrow(trie.dfa(&new_id, shift)),
            Err(_) => Table::Wide(trie.dfa(&new_id, shift)),
        };
        Prefilter {
            classes,
            shift,
            table,
            min_match: u32::try_from(first_match).expect("fits"),
            outputs: order[first_match..]
                .iter()
                .map(|&s| trie.outputs[s as usize].clone())
                .collect(),
            max_keyword: keywords.iter().map(Vec::len).max().unwrap_or(0),
            keyword_len: keywords.iter().map(Vec::len).collect(),
            rules_of,
            unkeyed,
        }
    }

    /// Calls `hit(rule, keyword_start, keyword_end)` for every keyword occurrence, overlapping ones
    /// included (`client_secret` also yields `secret`).
    pub fn for_each_hit(&self, hay: &[u8], hit: impl FnMut(u32, usize, usize)) {
        match &self.table {
            Table::Narrow(t) => self.hits_in(t, hay, hit),
            Table::Wide(t) => self.hits_in(t, hay, hit),
        }
    }

    #[inline(always)]
    fn step<C: Cell>(&self, table: &[C], state: u32, byte: u8) -> u32 {
        let class = self.classes[byte as usize] as usize;
        let at = ((state as usize) << self.shift) | class;
        // Every state below the state count has a full row and every class is below the row
        // width, so the index is in bounds; the check is elided by the optimiser only sometimes,
        // and this is the hottest loop in the program.
        debug_assert!(at < table.len());
        unsafe { table.get_unchecked(at).get() }
    }

    fn hits_in<C: Cell>(&self, table: &[C], hay: &[u8], mut hit: impl FnMut(u32, usize, usize)) {
        if self.outputs.is_empty() {
            return;
        }
        let mut on_match = |state: u32, end: usize| {
            let out = &self.outputs[(state - self.min_match) as usize];
            for &kw in out {
                let kw = kw as usize;
                for &rule in &self.rules_of[kw] {
                    hit(rule, end - self.keyword_len[kw], end);
                }
            }
        };
        let overlap = self.max_keyword;
        let n = hay.len();
        if n < STREAMS * (overlap + 256) {
            let mut s = 0;
            for (i, &b) in hay.iter().enumerate() {
                s = self.step(table, s, b);
                if s >= self.min_match {
                    on_match(s, i + 1);
                }
            }
            return;
        }
        // Stream k owns matches ending in (k*q, (k+1)*q]; it starts `overlap` bytes early so a
        // keyword straddling the split is seen whole.
        let q = n / STREAMS;
        let mut start = [0usize; STREAMS];
        let mut end = [0usize; STREAMS];
        for k in 0..STREAMS {
            start[k] = if k == 0 { 0 } else { k * q - overlap };
            end[k] = if k == STREAMS - 1 { n } else { (k + 1) * q };
        }
        let mut state = [0u32; STREAMS];
        let mut pending: Vec<(u32, usize)> = Vec::new();
        // Every stream is at least `q` bytes long: run them in lock step for `q` bytes. Four
        // equal slices zipped together need no bounds checks; the loop body is four independent
        // table lookups and one comparison.
        let lanes: [&[u8]; STREAMS] = std::array::from_fn(|k| &hay[start[k]..start[k] + q]);
        let (shift, classes, mm) = (self.shift, &self.classes, self.min_match);
        let step = |s: u32, b: u8| -> u32 {
            let at = ((s as usize) << shift) | classes[b as usize] as usize;
            debug_assert!(at < table.len());
            // In bounds: see `step`.
            unsafe { table.get_unchecked(at).get() }
        };
        let [mut s0, mut s1, mut s2, mut s3] = state;
        for (i, (((&b0, &b1), &b2), &b3)) in lanes[0]
            .iter()
            .zip(lanes[1])
            .zip(lanes[2])
            .zip(lanes[3])
            .enumerate()
        {
            s0 = step(s0, b0);
            s1 = step(s1, b1);
            s2 = step(s2, b2);
            s3 = step(s3, b3);
            if (s0 >= mm) | (s1 >= mm) | (s2 >= mm) | (s3 >= mm) {
                for (k, s) in [s0, s1, s2, s3].into_iter().enumerate() {
                    let at = start[k] + i + 1;
                    if s >= mm && (k == 0 || at > k * q) {
                        pending.push((s, at));
                    }
                }
            }
        }
        state = [s0, s1, s2, s3];
        for k in 0..STREAMS {
            let mut s = state[k];
            for (i, &b) in hay[start[k] + q..end[k]].iter().enumerate() {
                s = self.step(table, s, b);
                let at = start[k] + q + i + 1;
                if s >= self.min_match && (k == 0 || at > k * q) {
                    pending.push((s, at));
                }
            }
        }
        // Callers merge windows assuming hits come in position order.
        pending.sort_unstable_by_key(|&(_, at)| at);
        for (s, at) in pending {
            on_match(s, at);
        }
    }
}

/// Maps bytes to classes: one per byte that keywords use (ASCII case folded), class 0 for the
/// rest. (Merging classes to shrink rows was measured: the extra near-keyword hits cost far more
/// than the smaller table saved.)
fn byte_classes(keywords: &[Vec<u8>]) -> ([u8; 256], usize) {
    let mut classes = [0u8; 256];
    let mut next = 1usize;
    for &b in keywords.iter().flatten() {
        let b = b.to_ascii_lowercase() as usize;
        if classes[b] == 0 {
            classes[b] = u8::try_from(next).expect("at most 255 distinct keyword bytes");
            next += 1;
        }
    }
    for b in 0..=255u8 {
        classes[b as usize] = classes[b.to_ascii_lowercase() as usize];
    }
    (classes, next)
}

/// The transition table, in two-byte cells when the automaton has under 65536 states.
enum Table {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

trait Cell: Copy {
    fn get(self) -> u32;
    /// `x` fits: a table is narrow only when every state id does.
    fn from_u32(x: u32) -> Self;
}

impl Cell for u16 {
    #[inline(always)]
    fn get(self) -> u32 {
        u32::from(self)
    }
    fn from_u32(x: u32) -> Self {
        x as u16
    }
}

impl Cell for u32 {
    #[inline(always)]
    fn get(self) -> u32 {
        self
    }
    fn from_u32(x: u32) -> Self {
        x
    }
}

/// The Aho-Corasick trie: each state's children, its failure state, the keywords that end there
/// (its own and those of its failure chain), and the states in breadth-first order.
struct Trie {
    children: Vec<Vec<(u8, u32)>>,
    fail: Vec<u32>,
    outputs: Vec<Vec<u32>>,
    bfs: Vec<u32>,
}

impl Trie {
    fn new(keywords: &[Vec<u8>], classes: &[u8; 256]) -> Trie {
        let mut children: Vec<Vec<(u8, u32)>> = vec![Vec::new()];
        let mut outputs: Vec<Vec<u32>> = vec![Vec::new()];
        for (i, kw) in keywords.iter().enumerate() {
            let mut s = 0usize;
            for &b in kw {
                let c = classes[b as usize];
                s = match children[s].iter().find(|&&(k, _)| k == c) {
                    Some(&(_, t)) => t as usize,
                    None => {
                        let t = children.len();
                        children[s].push((c, t as u32));
                        children.push(Vec::new());
                        outputs.push(Vec::new());
                        t
                    }
                };
            }
            outputs[s].push(i as u32);
        }
        let n = children.len();
        let mut fail = vec![0u32; n];
        let mut bfs = Vec::with_capacity(n);
        bfs.push(0u32);
        let mut next = 0;
        // Breadth first, so a state's failure state (shallower) is complete before the state.
        while next < bfs.len() {
            let s = bfs[next] as usize;
            next += 1;
            for &(c, t) in &children[s] {
                bfs.push(t);
                if s == 0 {
                    continue;
                }
                let mut f = fail[s] as usize;
                let target = loop {
                    if let Some(&(_, u)) = children[f].iter().find(|&&(k, _)| k == c) {
                        break u;
                    }
                    if f == 0 {
                        break 0;
                    }
                    f = fail[f] as usize;
                };
                fail[t as usize] = target;
                if !outputs[target as usize].is_empty() {
                    let inherited = outputs[target as usize].clone();
                    outputs[t as usize].extend(inherited);
                }
            }
        }
        Trie {
            children,
            fail,
            outputs,
            bfs,
        }
    }

    /// The complete DFA (failure transitions folded in) as rows of `1 << shift` cells, state `s`
    /// renumbered `new_id[s]`. Each row starts as a copy of its failure state's row, already
    /// filled in breadth-first order, and then takes the state's own children.
    fn dfa<C: Cell>(&self, new_id: &[u32], shift: u32) -> Vec<C> {
        let width = 1usize << shift;
        let mut table = vec![C::from_u32(0); self.outputs.len() << shift];
        for &s in &self.bfs {
            let s = s as usize;
            let row = (new_id[s] as usize) << shift;
            if s != 0 {
                let from = (new_id[self.fail[s] as usize] as usize) << shift;
                table.copy_within(from..from + width, row);
            }
            for &(c, t) in &self.children[s] {
                table[row | c as usize] = C::from_u32(new_id[t as usize]);
            }
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefilter(keywords: &[&str]) -> Prefilter {
        let kws: Vec<Vec<u8>> = keywords.iter().map(|k| k.as_bytes().to_vec()).collect();
        let rules_of = (0..kws.len() as u32).map(|i| vec![i]).collect();
        Prefilter::build(kws, rules_of, Vec::new())
    }

    fn hits(p: &Prefilter, hay: &[u8]) -> Vec<(u32, usize, usize)> {
        let mut v = Vec::new();
        p.for_each_hit(hay, |r, s, e| v.push((r, s, e)));
        v.sort_unstable();
        v
    }

    /// Every occurrence of every keyword, found the slow way.
    fn naive(keywords: &[&str], hay: &[u8]) -> Vec<(u32, usize, usize)> {
        let mut v = Vec::new();
        for (i, k) in keywords.iter().enumerate() {
            let k = k.as_bytes();
            for s in 0..hay.len().saturating_sub(k.len() - 1) {
                if hay[s..s + k.len()].eq_ignore_ascii_case(k) {
                    v.push((i as u32, s, s + k.len()));
                }
            }
        }
        v.sort_unstable();
        v
    }

    #[test]
    fn agrees_with_the_aho_corasick_crate_on_random_text() {
        use aho_corasick::{AhoCorasick, MatchKind};
        let kws = [
            "sk_live_", "xox", "token", "tok", "ok", "glpat-", "a_b", "key",
        ];
        let p = prefilter(&kws);
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(kws)
            .unwrap();
        let alphabet = b"tokenTOKENxsk_live_glpat-ab_yK ";
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for len in [10usize, 3000, 9999, 40_000] {
            let hay: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alphabet[(state % alphabet.len() as u64) as usize]
                })
                .collect();
            let mut want: Vec<(u32, usize, usize)> = ac
                .find_overlapping_iter(&hay)
                .map(|m| (m.pattern().as_u32(), m.start(), m.end()))
                .collect();
            want.sort_unstable();
            assert_eq!(hits(&p, &hay), want, "len {len}");
        }
    }

    #[test]
    fn the_built_in_keywords_agree_with_the_aho_corasick_crate() {
        use aho_corasick::{AhoCorasick, MatchKind};
        let rules = crate::rules::RuleLoader::default().load().unwrap();
        let mut kws: Vec<String> = rules
            .rules()
            .iter()
            .flat_map(|r| r.keywords.iter().cloned())
            .collect();
        kws.sort();
        kws.dedup();
        let refs: Vec<&str> = kws.iter().map(String::as_str).collect();
        let p = prefilter(&refs);
        assert!(matches!(p.table, Table::Narrow(_)));
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&kws)
            .unwrap();
        // Text made of keyword pieces, so that hits, near misses and overlaps are dense.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut rand = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut hay = Vec::new();
        while hay.len() < 400_000 {
            let kw = kws[rand(kws.len())].as_bytes();
            let from = rand(kw.len());
            let to = from + 1 + rand(kw.len() - from);
            hay.extend_from_slice(&kw[from..to]);
            if rand(4) == 0 {
                hay.extend_from_slice(&kw[..kw.len().min(3)].to_ascii_uppercase());
            }
        }
        let mut want: Vec<(u32, usize, usize)> = ac
            .find_overlapping_iter(&hay)
            .map(|m| (m.pattern().as_u32(), m.start(), m.end()))
            .collect();
        want.sort_unstable();
        assert!(want.len() > 5_000, "{} hits", want.len());
        assert_eq!(hits(&p, &hay), want);
    }

    #[test]
    fn hits_come_in_position_order() {
        let p = prefilter(&["abc"]);
        let hay = b"abc.".repeat(5000);
        let mut ends = Vec::new();
        p.for_each_hit(&hay, |_, _, e| ends.push(e));
        assert!(ends.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(ends.len(), 5000);
    }

    #[test]
    fn finds_overlapping_and_case_folded_keywords() {
        let kws = ["secret", "client_secret", "ghp_", "akia", "kia"];
        let p = prefilter(&kws);
        let hay = b"CLIENT_SECRET=x AKIAabc ghp_ghp_";
        assert_eq!(hits(&p, hay), naive(&kws, hay));
    }

    #[test]
    fn interleaved_streams_agree_with_a_naive_search_at_every_split() {
        let kws = ["password", "pwd", "token", "xoxb-", "-----begin", "eyj"];
        let p = prefilter(&kws);
        // Long enough for the interleaved path; keywords placed across every stream boundary.
        let mut hay = Vec::new();
        let mut i = 0u32;
        while hay.len() < 20_000 {
            hay.extend_from_slice(b"lorem ipsum ");
            let kw = kws[(i as usize) % kws.len()];
            hay.extend_from_slice(
                if i.is_multiple_of(3) {
                    kw.to_uppercase()
                } else {
                    kw.to_string()
                }
                .as_bytes(),
            );
            i += 1;
        }
        for cut in [hay.len(), hay.len() - 1, hay.len() - 3, 4096, 5000, 12_345] {
            let h = &hay[..cut];
            assert_eq!(hits(&p, h), naive(&kws, h), "cut {cut}");
        }
    }
}
