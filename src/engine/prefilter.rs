//! One Aho-Corasick automaton over every rule's keywords: finds the spots worth running a regex on.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::rules::RuleSet;

pub struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// For each keyword (automaton pattern id), the rules that listed it.
    rules_of: Vec<Vec<u32>>,
    /// Rules without keywords: they run over the whole buffer.
    pub unkeyed: Vec<u32>,
}

impl Prefilter {
    pub fn new(rules: &RuleSet) -> Prefilter {
        let mut keywords: Vec<String> = Vec::new();
        let mut rules_of: Vec<Vec<u32>> = Vec::new();
        let mut unkeyed = Vec::new();
        for (idx, rule) in rules.rules().iter().enumerate() {
            let idx = u32::try_from(idx).expect("fewer than 2^32 rules");
            if rule.keywords.is_empty() {
                unkeyed.push(idx);
            }
            for kw in &rule.keywords {
                match keywords.iter().position(|k| k == kw) {
                    Some(p) => rules_of[p].push(idx),
                    None => {
                        keywords.push(kw.clone());
                        rules_of.push(vec![idx]);
                    }
                }
            }
        }
        let automaton = (!keywords.is_empty()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::Standard)
                .kind(Some(AhoCorasickKind::DFA))
                .build(&keywords)
                .or_else(|_| {
                    // A DFA too large for the automaton's limits: fall back to its own choice.
                    AhoCorasick::builder()
                        .ascii_case_insensitive(true)
                        .match_kind(MatchKind::Standard)
                        .build(&keywords)
                })
                .expect("keywords are plain literals")
        });
        Prefilter {
            automaton,
            rules_of,
            unkeyed,
        }
    }

    /// Calls `hit(rule, keyword_start, keyword_end)` for every keyword occurrence, overlapping ones
    /// included (`client_secret` also yields `secret`), in order of keyword end.
    #[inline]
    pub fn for_each_hit(&self, hay: &[u8], mut hit: impl FnMut(u32, usize, usize)) {
        let Some(ac) = &self.automaton else { return };
        for m in ac.find_overlapping_iter(hay) {
            for &rule in &self.rules_of[m.pattern().as_usize()] {
                hit(rule, m.start(), m.end());
            }
        }
    }
}
