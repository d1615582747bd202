//! What a rule's pattern becomes: the compiled regex, which capture group is the secret, and how
//! the engine searches with it (anchored at keyword hits, or over a window around them).
//!
//! Built-in rules (which `rules check` verifies in CI) build their matcher on first use, so a
//! scan that touches few rules, like a pre-commit hook, does not pay for parsing and compiling
//! hundreds of patterns. Even then a matcher is built in two steps: parsing (cheap), which tells
//! how to search, and compiling the regex (a millisecond or more for a large pattern), done when a
//! search first needs it, so the engine can compile the regexes a buffer needs side by side. User
//! rules build theirs when they load, so a mistake is reported with its file and line.

use std::fmt;
use std::sync::OnceLock;

use regex_automata::meta;
use regex_syntax::hir::Hir;

/// How far (bytes) from a keyword hit a match may reach when its pattern is unbounded.
pub const DEFAULT_REACH: usize = 512;
/// Slack beyond the longest possible match, for keywords that sit next to a match rather than
/// inside it (`mailgun_api_key = "..."`).
pub const NEAR: usize = 256;
/// The most any rule may reach; also bounds how far a window may grow. Chunk overlap depends on it.
pub const MAX_REACH: usize = 64 * 1024;
/// The longest match a rule reports unless it sets `max_match_len`: longer than any credential
/// (a PEM private key with its certificate chain is a few KiB), short enough that a pattern like
/// `(?s)lorem.*` over megabytes of text is searched in bounded pieces.
pub const DEFAULT_MAX_MATCH_LEN: usize = 16 * 1024;

/// Which capture group is the secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GroupSel {
    Index(usize),
    Name(String),
}

impl fmt::Display for GroupSel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupSel::Index(i) => write!(f, "{i}"),
            GroupSel::Name(n) => write!(f, "{n:?}"),
        }
    }
}

/// The parts of a rule a matcher is built from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MatcherSpec {
    pub pattern: String,
    /// `None`: the group named `secret`, else group 1, else the whole match.
    pub secret_group: Option<GroupSel>,
    /// An explicit reach (the rule's `window`).
    pub window: Option<usize>,
    pub keywords: Vec<String>,
    /// The longest match reported (the rule's `max_match_len`; [`DEFAULT_MAX_MATCH_LEN`] when
    /// unset, and never above [`MAX_REACH`]).
    pub max_match_len: Option<usize>,
}

/// What can be wrong with a pattern, by the field to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatcherError {
    Pattern(String),
    SecretGroup(String),
}

impl fmt::Display for MatcherError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MatcherError::Pattern(e) => write!(f, "bad pattern: {e}"),
            MatcherError::SecretGroup(e) => f.write_str(e),
        }
    }
}

/// A parsed pattern, how to search with it, and its regex, compiled on first use.
#[derive(Debug)]
pub struct Matcher {
    hir: Hir,
    regex: OnceLock<Result<meta::Regex, String>>,
    /// Index of the capture group that is the secret (0 = the whole match).
    pub secret_group: usize,
    /// Every match begins with one of the keywords, so the regex runs anchored at each keyword
    /// hit instead of over a window around it.
    pub anchored: bool,
    /// How far from a keyword hit, in bytes, a match may start or end.
    pub reach: usize,
    /// The longest possible match, when the pattern is bounded.
    pub max_len: Option<usize>,
    /// The longest match the search reports: a longer one is cut to a match that fits, and the
    /// regex never runs over more than twice this from one start.
    pub match_cap: usize,
}

impl Matcher {
    /// Parses the pattern and compiles it now, so every error is reported.
    pub fn build(spec: &MatcherSpec) -> Result<Matcher, MatcherError> {
        let matcher = Matcher::parse(spec)?;
        if let Err(e) = matcher.regex() {
            return Err(MatcherError::Pattern(e.to_string()));
        }
        Ok(matcher)
    }

    /// Parses the pattern and works out how to search with it; the regex compiles on first use.
    pub fn parse(spec: &MatcherSpec) -> Result<Matcher, MatcherError> {
        let hir = parse_hir(&spec.pattern).map_err(MatcherError::Pattern)?;
        let secret_group = resolve_group(&hir, spec.secret_group.as_ref())?;
        let max_len = hir.properties().maximum_len();
        let anchored = starts_with_keyword(&hir, &spec.keywords);
        let reach = spec.window.unwrap_or_else(|| {
            max_len
                .map(|n| n + NEAR)
                .filter(|&n| n <= MAX_REACH)
                .unwrap_or(DEFAULT_REACH)
        });
        Ok(Matcher {
            hir,
            regex: OnceLock::new(),
            secret_group,
            anchored,
            reach,
            max_len,
            match_cap: spec
                .max_match_len
                .unwrap_or(DEFAULT_MAX_MATCH_LEN)
                .clamp(1, MAX_REACH),
        })
    }

    /// The compiled regex (compiling it on first use), or why it does not compile (too large).
    pub fn regex(&self) -> Result<&meta::Regex, &str> {
        self.regex
            .get_or_init(|| compile(&self.hir))
            .as_ref()
            .map_err(String::as_str)
    }

    pub fn is_compiled(&self) -> bool {
        self.regex.get().is_some()
    }
}

/// A matcher built on first use (or up front, with [`LazyMatcher::eager`]).
#[derive(Debug)]
pub struct LazyMatcher {
    spec: MatcherSpec,
    built: OnceLock<Result<Matcher, MatcherError>>,
}

impl LazyMatcher {
    pub fn new(spec: MatcherSpec) -> LazyMatcher {
        LazyMatcher {
            spec,
            built: OnceLock::new(),
        }
    }

    /// Builds now; the error says which field is wrong.
    pub fn eager(spec: MatcherSpec) -> Result<LazyMatcher, MatcherError> {
        let built = Matcher::build(&spec)?;
        Ok(LazyMatcher {
            spec,
            built: OnceLock::from(Ok(built)),
        })
    }

    pub fn pattern(&self) -> &str {
        &self.spec.pattern
    }

    pub fn spec(&self) -> &MatcherSpec {
        &self.spec
    }

    /// The parsed matcher (parsing on first use); its regex compiles when first asked for.
    pub fn get(&self) -> Result<&Matcher, &MatcherError> {
        self.built
            .get_or_init(|| Matcher::parse(&self.spec))
            .as_ref()
    }
}

/// Compiles without the regex's own literal prefilter: the engine only runs a regex anchored at a
/// keyword hit or over a small window around one, which the keyword automaton has already found.
/// Building that prefilter was a quarter of all compile time (much more for `(?i)` patterns, whose
/// literals multiply by case) and measured no faster on whole-directory or whole-history scans.
fn compile(hir: &Hir) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .configure(
            meta::Config::new()
                .utf8_empty(false)
                .auto_prefilter(false)
                .hybrid_cache_capacity(32 << 20),
        )
        .build_from_hir(hir)
        .map_err(|e| e.to_string())
}

/// Patterns are matched on bytes in ASCII mode: `\w`, `\d`, `\b` and `(?i)` are ASCII-only unless
/// a pattern opts into Unicode with `(?u)`. Secrets are ASCII, and ASCII mode keeps the fast
/// engines usable on any input.
fn parse_hir(pattern: &str) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| e.to_string())
}

/// True when every string the pattern can match begins with one of `keywords` (ignoring ASCII
/// case): then each match starts at a keyword hit.
///
/// Decided by extending the possible starts of a match, left to right through the pattern, one
/// case-folded byte at a time: a start that begins with a keyword is settled; one that is still a
/// prefix of some keyword stays open; anything else means the pattern is not anchored. The open
/// starts are prefixes of keywords, so the work is bounded by the keywords' length.
fn starts_with_keyword(hir: &Hir, keywords: &[String]) -> bool {
    if keywords.is_empty() {
        return false;
    }
    let shape = Starts { keywords };
    match shape.extend(hir, vec![Start::Open(Vec::new())]) {
        Some(starts) => starts.iter().all(|s| matches!(s, Start::Settled(_))),
        None => false,
    }
}

/// A possible start of a match: still a prefix of some keyword, or settled on a keyword.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Start {
    Open(Vec<u8>),
    Settled(usize),
}

struct Starts<'a> {
    keywords: &'a [String],
}

impl Starts<'_> {
    /// Classifies `bytes` (a case-folded match start); `None` when no keyword can follow.
    fn classify(&self, bytes: Vec<u8>) -> Option<Start> {
        if let Some(k) = self
            .keywords
            .iter()
            .position(|k| bytes.starts_with(k.as_bytes()))
        {
            return Some(Start::Settled(k));
        }
        self.keywords
            .iter()
            .any(|k| k.as_bytes().starts_with(&bytes))
            .then_some(Start::Open(bytes))
    }

    /// Every open start followed by each of `suffixes`.
    fn append(&self, starts: Vec<Start>, suffixes: &[Vec<u8>]) -> Option<Vec<Start>> {
        let mut out = Vec::with_capacity(starts.len());
        for start in starts {
            match start {
                Start::Settled(_) => out.push(start),
                Start::Open(bytes) => {
                    for suffix in suffixes {
                        let mut b = bytes.clone();
                        b.extend_from_slice(suffix);
                        out.push(self.classify(b)?);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// The starts after matching `hir` from each of `starts`.
    fn extend(&self, hir: &Hir, starts: Vec<Start>) -> Option<Vec<Start>> {
        use regex_syntax::hir::{Class, HirKind};
        if starts.iter().all(|s| matches!(s, Start::Settled(_))) {
            return Some(starts);
        }
        match hir.kind() {
            HirKind::Empty | HirKind::Look(_) => Some(starts),
            HirKind::Literal(lit) => self.append(starts, &[lit.0.to_ascii_lowercase()]),
            HirKind::Class(class) => {
                let mut bytes: Vec<u8> = Vec::new();
                match class {
                    Class::Bytes(c) => c.iter().for_each(|r| bytes.extend(r.start()..=r.end())),
                    Class::Unicode(c) => {
                        for r in c.iter() {
                            if u32::from(r.end()) > 0x7F {
                                return None;
                            }
                            bytes.extend(r.start() as u8..=r.end() as u8);
                        }
                    }
                }
                let mut folded: Vec<Vec<u8>> =
                    bytes.iter().map(|b| vec![b.to_ascii_lowercase()]).collect();
                folded.sort_unstable();
                folded.dedup();
                self.append(starts, &folded)
            }
            HirKind::Capture(cap) => self.extend(&cap.sub, starts),
            HirKind::Concat(subs) => subs
                .iter()
                .try_fold(starts, |acc, sub| self.extend(sub, acc)),
            HirKind::Alternation(subs) => {
                let mut out = Vec::new();
                for sub in subs {
                    out.extend(self.extend(sub, starts.clone())?);
                }
                out.sort_unstable();
                out.dedup();
                Some(out)
            }
            HirKind::Repetition(rep) => {
                let longest = self.keywords.iter().map(String::len).max().unwrap_or(0) as u32;
                let mut acc = starts;
                // Past the longest keyword, every start has settled or failed.
                for _ in 0..rep.min.min(longest + 1) {
                    acc = self.extend(&rep.sub, acc)?;
                }
                let mut all = acc.clone();
                let extra = rep.max.map_or(u32::MAX, |m| m - rep.min).min(longest + 1);
                for _ in 0..extra {
                    if acc.iter().all(|s| matches!(s, Start::Settled(_))) {
                        break;
                    }
                    acc = self.extend(&rep.sub, acc)?;
                    all.extend(acc.iter().cloned());
                }
                all.sort_unstable();
                all.dedup();
                Some(all)
            }
        }
    }
}

/// Capture groups of a pattern: (index, name), index 0 being the whole match.
fn capture_groups(hir: &Hir, out: &mut Vec<(u32, Option<String>)>) {
    use regex_syntax::hir::HirKind;
    match hir.kind() {
        HirKind::Capture(cap) => {
            out.push((cap.index, cap.name.as_deref().map(str::to_string)));
            capture_groups(&cap.sub, out);
        }
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().for_each(|h| capture_groups(h, out));
        }
        HirKind::Repetition(rep) => capture_groups(&rep.sub, out),
        _ => {}
    }
}

fn resolve_group(hir: &Hir, group: Option<&GroupSel>) -> Result<usize, MatcherError> {
    let mut groups = Vec::new();
    capture_groups(hir, &mut groups);
    let count = 1 + groups.iter().map(|g| g.0 as usize).max().unwrap_or(0);
    let by_name = |name: &str| {
        groups
            .iter()
            .find(|g| g.1.as_deref() == Some(name))
            .map(|g| g.0 as usize)
    };
    match group {
        None => Ok(match by_name("secret") {
            Some(i) => i,
            None if count > 1 => 1,
            None => 0,
        }),
        Some(sel) => {
            let found = match sel {
                GroupSel::Index(i) => Some(*i).filter(|&i| i < count),
                GroupSel::Name(n) => by_name(n),
            };
            found.ok_or_else(|| {
                MatcherError::SecretGroup(format!(
                    "secret_group {sel} does not exist in the pattern ({} groups)",
                    count - 1
                ))
            })
        }
    }
}
