//! Bytes in, matches out: keyword prefilter, regex confirmation on windows, entropy, validators and
//! placeholder filters.
//!
//! The engine knows nothing of files, commits or output. It is compiled once per scan and shared
//! between threads; each worker brings its own [`Scratch`].

mod background;
pub mod entropy;
pub mod placeholder;
mod prefilter;

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use regex_automata::util::captures::Captures;
use regex_automata::{Input, meta};

use crate::rules::matcher::MatcherSpec;
use crate::rules::{MAX_REACH, Matcher, Rule, RuleSet};
use background::Background;
use prefilter::Prefilter;

/// A confirmed secret in a buffer. Offsets are relative to the buffer passed to [`Engine::find`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// Index of the rule in [`Engine::rules`].
    pub rule: usize,
    /// The whole regex match.
    pub span: (usize, usize),
    /// The secret (the rule's secret group) inside the match.
    pub secret: (usize, usize),
    pub entropy: f64,
}

impl Match {
    pub fn secret_range(&self) -> Range<usize> {
        self.secret.0..self.secret.1
    }
}

/// The compiled rule pack.
pub struct Engine {
    rules: Arc<RuleSet>,
    /// Built on its own thread (a few milliseconds for the built-in pack) while the caller
    /// opens its source; the first search waits for it.
    prefilter: Background<Prefilter>,
    /// Rules whose pattern, secret group, window and keywords repeat an earlier rule's (a rule and
    /// its `-weak` twin, which differ only in their filters) are not searched themselves: per
    /// rule, the later rules that share its search, each offered its matches.
    twins: Vec<Vec<usize>>,
    /// Distinguishes engines so a thread-local [`Scratch`] is never used with the wrong one.
    id: u64,
}

static NEXT_ENGINE_ID: AtomicU64 = AtomicU64::new(1);

/// Per-worker buffers: reused for every buffer a worker scans, so the hot path allocates nothing.
pub struct Scratch {
    engine_id: u64,
    windows: Vec<Window>,
    /// Per rule: (generation, index into `windows` of the rule's last window).
    last_window: Vec<(u32, u32)>,
    generation: u32,
    /// Rules with windows in this buffer whose regex is not compiled yet.
    uncompiled: Vec<u32>,
    regex: Vec<Option<RegexScratch>>,
}

struct RegexScratch {
    cache: meta::Cache,
    caps: Captures,
}

/// A rule's compiled matcher with this worker's scratch for it (made on first use); `None` when
/// the rule's pattern failed to compile (reported when the rules were loaded).
fn regex_of<'a>(
    rule: &'a Rule,
    rule_idx: usize,
    scratch: &'a mut Scratch,
) -> Option<(&'a Matcher, &'a meta::Regex, &'a mut RegexScratch)> {
    let matcher = rule.matcher.get().ok()?;
    let regex = matcher.regex().ok()?;
    let rs = scratch.regex[rule_idx].get_or_insert_with(|| RegexScratch {
        cache: regex.create_cache(),
        caps: regex.create_captures(),
    });
    Some((matcher, regex, rs))
}

/// Where one rule's regex runs: over `start..end`, or, for anchored rules, only at `start`.
#[derive(Debug, Clone, Copy)]
struct Window {
    rule: u32,
    start: usize,
    end: usize,
    anchored: bool,
}

impl Engine {
    pub fn new(rules: RuleSet) -> Engine {
        let rules = Arc::new(rules);
        let (twins, searched) = twins(&rules);
        let prefilter = {
            let rules = Arc::clone(&rules);
            Background::start("leakhound-prefilter", move || {
                Prefilter::new(&rules, &searched)
            })
        };
        Engine {
            rules,
            prefilter,
            twins,
            id: NEXT_ENGINE_ID.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn new_scratch(&self) -> Scratch {
        Scratch {
            engine_id: self.id,
            windows: Vec::new(),
            last_window: vec![(0, 0); self.rules.len()],
            generation: 0,
            uncompiled: Vec::new(),
            regex: (0..self.rules.len()).map(|_| None).collect(),
        }
    }

    /// The longest distance between a keyword and a reported match edge; callers that scan a
    /// stream in chunks overlap chunks by at least twice this.
    pub fn max_reach(&self) -> usize {
        2 * MAX_REACH
    }

    /// Finds every secret in `hay`, sorted by position, with fallback matches that another rule
    /// also matched removed.
    pub fn find(&self, hay: &[u8], scratch: &mut Scratch, out: &mut Vec<Match>) {
        out.clear();
        self.find_raw(hay, scratch, out);
        drop_shadowed_fallbacks(&self.rules, out);
    }

    /// Like [`Engine::find`] but keeps fallback matches that overlap other rules' matches.
    pub fn find_raw(&self, hay: &[u8], scratch: &mut Scratch, out: &mut Vec<Match>) {
        assert_eq!(
            scratch.engine_id, self.id,
            "scratch belongs to another engine"
        );
        self.collect_windows(hay, scratch);
        self.compile_pending(&scratch.uncompiled);
        let windows = std::mem::take(&mut scratch.windows);
        // Where each anchored rule's last match ended: a keyword hit inside a match of the same
        // rule starts no new search, as a regex's own iteration would not. Without this, a
        // pattern like `(?s)lorem.*` over text full of "lorem" searched from every hit to the
        // match cap: quadratic time, and a finding per hit.
        let mut matched: HashMap<u32, Range<usize>> = HashMap::new();
        for w in &windows {
            if w.anchored {
                if matched.get(&w.rule).is_some_and(|m| m.contains(&w.start)) {
                    continue;
                }
                if let Some(end) =
                    self.search_anchored(w.rule as usize, hay, w.start, w.end, scratch, out)
                {
                    matched.insert(w.rule, w.start..end);
                }
            } else {
                self.search_window(w.rule as usize, hay, w.start..w.end, scratch, out);
            }
        }
        scratch.windows = windows;
        out.sort_by_key(|m| (m.secret.0, m.secret.1, m.rule));
        out.dedup_by(|a, b| a.rule == b.rule && a.secret == b.secret);
    }

    /// Turns keyword hits into one merged window list per rule.
    fn collect_windows(&self, hay: &[u8], scratch: &mut Scratch) {
        scratch.windows.clear();
        scratch.uncompiled.clear();
        scratch.generation = scratch.generation.wrapping_add(1);
        if scratch.generation == 0 {
            scratch.last_window.fill((0, 0));
            scratch.generation = 1;
        }
        let generation = scratch.generation;
        let rules = self.rules.rules();
        let windows = &mut scratch.windows;
        let last = &mut scratch.last_window;
        let uncompiled = &mut scratch.uncompiled;
        let prefilter = self.prefilter.get();
        prefilter.for_each_hit(hay, |rule, kw_start, kw_end| {
            let Ok(r) = rules[rule as usize].matcher.get() else {
                return;
            };
            let slot = &mut last[rule as usize];
            if slot.0 != generation && !r.is_compiled() {
                uncompiled.push(rule);
            }
            if r.anchored {
                // One search per distinct hit start (two keywords may start at the same byte).
                if slot.0 == generation && windows[slot.1 as usize].start == kw_start {
                    return;
                }
                let end = (kw_start + r.max_len.unwrap_or(r.reach).min(r.match_cap)).min(hay.len());
                *slot = (generation, windows.len() as u32);
                windows.push(Window {
                    rule,
                    start: kw_start,
                    end,
                    anchored: true,
                });
                return;
            }
            let start = kw_start.saturating_sub(r.reach);
            let end = (kw_end + r.reach).min(hay.len());
            if slot.0 == generation {
                let prev = &mut windows[slot.1 as usize];
                if start <= prev.end {
                    prev.end = prev.end.max(end);
                    return;
                }
            }
            *slot = (generation, windows.len() as u32);
            windows.push(Window {
                rule,
                start,
                end,
                anchored: false,
            });
        });
        for &rule in &prefilter.unkeyed {
            if rules[rule as usize]
                .matcher
                .get()
                .is_ok_and(|m| !m.is_compiled())
            {
                uncompiled.push(rule);
            }
            windows.push(Window {
                rule,
                start: 0,
                end: hay.len(),
                anchored: false,
            });
        }
    }

    /// Compiles side by side the regexes of `rules` (each listed once, when it first got a window
    /// in this buffer). The first buffers of a scan (all there is, in a pre-commit hook) meet
    /// several rules at once, and a large pattern takes a millisecond or more to compile.
    fn compile_pending(&self, rules: &[u32]) {
        if rules.len() > 1 {
            let all = self.rules.rules();
            rules.par_iter().for_each(|&r| {
                // A pattern that does not compile is skipped by the search (and reported by
                // `rules check`, or at load for user rules).
                if let Ok(m) = all[r as usize].matcher.get() {
                    let _ = m.regex();
                }
            });
        }
    }

    /// Runs an anchored rule's regex once, starting exactly at a keyword hit. A match reaching the
    /// end of the span may be cut short, so the span grows (up to the rule's match cap) and the
    /// search runs again. Returns where the match ended.
    fn search_anchored(
        &self,
        rule_idx: usize,
        hay: &[u8],
        start: usize,
        mut end: usize,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) -> Option<usize> {
        let rule = &self.rules.rules()[rule_idx];
        let (matcher, regex, rs) = regex_of(rule, rule_idx, scratch)?;
        loop {
            let input = Input::new(hay)
                .span(start..end)
                .anchored(regex_automata::Anchored::Yes);
            regex.search_captures_with(&mut rs.cache, &input, &mut rs.caps);
            let m = rs.caps.get_match()?;
            if m.end() == end && end < hay.len() && end - start < matcher.match_cap {
                end = (end + (end - start).max(64))
                    .min(hay.len())
                    .min(start + matcher.match_cap);
                continue;
            }
            if let Some(secret) = rs.caps.get_group(matcher.secret_group) {
                self.offer(rule_idx, hay, (m.start(), m.end()), secret.range(), out);
            }
            return Some(m.end());
        }
    }

    /// Offers a regex match to the rule that searched and to its twins.
    fn offer(
        &self,
        rule_idx: usize,
        hay: &[u8],
        span: (usize, usize),
        secret: Range<usize>,
        out: &mut Vec<Match>,
    ) {
        let rules = self.rules.rules();
        for idx in std::iter::once(rule_idx).chain(self.twins[rule_idx].iter().copied()) {
            accept(&rules[idx], idx, hay, span, secret.clone(), out);
        }
    }

    /// Runs one rule's regex over one window. Look-around (`\b`) sees the bytes outside the window.
    /// A match touching a window edge may be cut short, so the window grows and is searched again.
    ///
    /// The regex runs over at most twice the rule's match cap from any start, so an unbounded
    /// pattern (`(?s)lorem.*`) costs time linear in the window and memory bounded by the cap: a
    /// match that would run longer is cut to the longest that fits the cap.
    fn search_window(
        &self,
        rule_idx: usize,
        hay: &[u8],
        mut window: Range<usize>,
        scratch: &mut Scratch,
        out: &mut Vec<Match>,
    ) {
        let rule = &self.rules.rules()[rule_idx];
        let Some((matcher, regex, rs)) = regex_of(rule, rule_idx, scratch) else {
            return;
        };
        let cap = matcher.match_cap;
        let limit = 4 * MAX_REACH;
        loop {
            let before = out.len();
            let mut touched = false;
            let mut at = window.start;
            while at <= window.end {
                let span_end = window.end.min(at.saturating_add(2 * cap));
                let input = Input::new(hay).span(at..span_end);
                regex.search_captures_with(&mut rs.cache, &input, &mut rs.caps);
                let Some(m) = rs.caps.get_match() else {
                    if span_end == window.end {
                        break;
                    }
                    // No match fits from here; one starting in the last `cap` bytes may need
                    // the room past `span_end`.
                    at = span_end - cap;
                    continue;
                };
                if span_end < window.end && m.start() + cap > span_end && m.start() > at {
                    // Starts too late in this piece to be given its full room: search from there.
                    at = m.start();
                    continue;
                }
                let (m, next) = if m.len() > cap {
                    // Too long: the longest match from the same start that fits the cap, if any.
                    let input = Input::new(hay)
                        .span(m.start()..(m.start() + cap).min(hay.len()))
                        .anchored(regex_automata::Anchored::Yes);
                    regex.search_captures_with(&mut rs.cache, &input, &mut rs.caps);
                    (rs.caps.get_match(), m.end())
                } else {
                    (Some(m), if m.is_empty() { m.end() + 1 } else { m.end() })
                };
                if let Some(m) = m {
                    touched |= (m.start() == window.start && window.start > 0)
                        || (m.end() == window.end && window.end < hay.len());
                    if let Some(secret) = rs.caps.get_group(matcher.secret_group) {
                        self.offer(rule_idx, hay, (m.start(), m.end()), secret.range(), out);
                    }
                }
                at = next;
            }
            let whole = window.start == 0 && window.end == hay.len();
            if !touched || whole || window.len() >= limit {
                return;
            }
            out.truncate(before);
            let grow = window.len().max(64);
            window = window.start.saturating_sub(grow)..(window.end + grow).min(hay.len());
        }
    }
}

/// For each rule, the later rules with the same matcher spec; and which rules are searched (the
/// first of each such group).
fn twins(rules: &RuleSet) -> (Vec<Vec<usize>>, Vec<bool>) {
    let mut first: HashMap<&MatcherSpec, usize> = HashMap::new();
    let mut twins = vec![Vec::new(); rules.len()];
    let mut searched = vec![true; rules.len()];
    for (idx, rule) in rules.rules().iter().enumerate() {
        match first.entry(rule.matcher.spec()) {
            Entry::Occupied(e) => {
                twins[*e.get()].push(idx);
                searched[idx] = false;
            }
            Entry::Vacant(e) => {
                e.insert(idx);
            }
        }
    }
    (twins, searched)
}

/// Applies the rule's filters to a candidate and records it if it survives.
fn accept(
    rule: &Rule,
    rule_idx: usize,
    hay: &[u8],
    span: (usize, usize),
    secret: Range<usize>,
    out: &mut Vec<Match>,
) {
    let bytes = &hay[secret.clone()];
    if bytes.is_empty() {
        return;
    }
    let entropy = entropy::shannon(bytes);
    if rule.min_entropy.is_some_and(|min| entropy < min) {
        return;
    }
    if rule.validator.is_some_and(|v| !v.is_valid(bytes)) {
        return;
    }
    if !rule.stopwords.is_empty() && names_a_non_secret(rule, hay, span.0, secret.start) {
        return;
    }
    if placeholder::is_placeholder(bytes) || (rule.fallback && placeholder::is_wordlike(bytes)) {
        return;
    }
    out.push(Match {
        rule: rule_idx,
        span,
        secret: (secret.start, secret.end),
        entropy,
    });
}

/// True when the name a secret is assigned to (the identifier running into the match, and the
/// match up to the secret) contains one of the rule's stopwords as a word. The name may be
/// qualified (`AWS::Location::APIKey`, `arn:aws:...:secret`, `config/api/token`).
fn names_a_non_secret(rule: &Rule, hay: &[u8], match_start: usize, secret_start: usize) -> bool {
    let is_name =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':' | b'/');
    let mut from = match_start;
    while from > 0 && match_start - from < 64 && is_name(hay[from - 1]) {
        from -= 1;
    }
    placeholder::words(&hay[from..secret_start]).any(|w| {
        rule.stopwords
            .iter()
            .any(|s| s.as_bytes().eq_ignore_ascii_case(w))
    })
}

/// Removes fallback matches whose secret overlaps a non-fallback match's secret. `out` is sorted
/// by secret start.
fn drop_shadowed_fallbacks(rules: &RuleSet, out: &mut Vec<Match>) {
    let rules = rules.rules();
    if !out.iter().any(|m| rules[m.rule].fallback) {
        return;
    }
    // Disjoint union of the specific rules' secret spans, sorted.
    let mut covered: Vec<(usize, usize)> = Vec::new();
    for m in out.iter().filter(|m| !rules[m.rule].fallback) {
        match covered.last_mut() {
            Some(last) if m.secret.0 <= last.1 => last.1 = last.1.max(m.secret.1),
            _ => covered.push(m.secret),
        }
    }
    out.retain(|m| {
        if !rules[m.rule].fallback {
            return true;
        }
        let i = covered.partition_point(|c| c.1 <= m.secret.0);
        covered.get(i).is_none_or(|c| c.0 >= m.secret.1)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleLoader;

    /// Rules from TOML text, through the real loader (a user rule file).
    fn engine(text: &str) -> Engine {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.toml");
        std::fs::write(&path, text).unwrap();
        let loader = RuleLoader {
            builtin: false,
            paths: vec![path],
            ..RuleLoader::default()
        };
        Engine::new(loader.load().unwrap())
    }

    #[test]
    fn twins_share_one_search_and_each_applies_its_own_filters() {
        let e = engine(
            r#"
provider = "acme"
[[rules]]
id = "acme.token"
name = "strict"
pattern = 'acme_([A-Za-z0-9]{12})'
keywords = ["acme_"]
confidence = "high"
min_entropy = 3.0
[[rules]]
id = "acme.token-weak"
name = "any"
pattern = 'acme_([A-Za-z0-9]{12})'
keywords = ["acme_"]
confidence = "low"
"#,
        );
        assert_eq!(e.twins[0], vec![1]);
        assert!(e.twins[1].is_empty());
        let mut scratch = e.new_scratch();
        let mut out = Vec::new();
        let rules_of = |out: &Vec<Match>| out.iter().map(|m| m.rule).collect::<Vec<_>>();
        e.find_raw(b"x = acme_Q7mX2kLp9vTz", &mut scratch, &mut out);
        assert_eq!(
            rules_of(&out),
            vec![0, 1],
            "a high-entropy token passes both"
        );
        out.clear();
        e.find_raw(b"x = acme_k9k9Lk9k9Lk9", &mut scratch, &mut out);
        // The weak twin is never searched itself: it sees this only because the search is shared.
        assert_eq!(
            rules_of(&out),
            vec![1],
            "a low-entropy one only the weak twin"
        );
    }
}
