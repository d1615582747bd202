//! Reading rule files, validating every field, and compiling them into a [`RuleSet`].
//!
//! All problems in all files are collected, each with its file and line, so a user fixing a rule
//! pack sees every mistake at once.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use regex_automata::meta;
use regex_automata::util::syntax;
use toml::Spanned;

use super::schema::{ExampleSpec, GroupRef, RuleFileSpec, RuleSpec};
use super::{Confidence, Example, LazyRegex, Rule, RuleInfo, RuleSet, Validator, builtin};

/// How far (bytes) from a keyword hit a match may reach when its pattern is unbounded.
pub const DEFAULT_REACH: usize = 512;
/// Slack beyond the longest possible match, for keywords that sit next to a match rather than
/// inside it (`mailgun_api_key = "..."`).
pub const NEAR: usize = 256;
/// The most any rule may reach; also bounds how far a window may grow. Chunk overlap depends on it.
pub const MAX_REACH: usize = 64 * 1024;

/// A problem with a rule file, located by file and (when known) line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

/// Which rules of the loaded pack to keep, by id. A trailing `*` matches a prefix (`aws.*`).
#[derive(Debug, Clone, Default)]
pub struct RuleSelection {
    pub only: Vec<String>,
    pub disabled: Vec<String>,
}

impl RuleSelection {
    fn keeps(&self, id: &str) -> bool {
        let hit = |pats: &[String]| pats.iter().any(|p| id_matches(p, id));
        (self.only.is_empty() || hit(&self.only)) && !hit(&self.disabled)
    }
}

fn id_matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

/// Builds a [`RuleSet`] from the built-in pack and/or user rule files.
#[derive(Debug, Clone)]
pub struct RuleLoader {
    pub builtin: bool,
    pub paths: Vec<PathBuf>,
    pub selection: RuleSelection,
}

impl Default for RuleLoader {
    fn default() -> Self {
        RuleLoader {
            builtin: true,
            paths: Vec::new(),
            selection: RuleSelection::default(),
        }
    }
}

impl RuleLoader {
    pub fn load(&self) -> Result<RuleSet, Vec<RuleError>> {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        let mut rules = Vec::new();
        if self.builtin {
            for (name, text) in builtin::FILES {
                let label = format!("builtin:rules/{name}");
                parse_file(&label, text, false, &mut rules, &mut errors, &mut warnings);
            }
        }
        for path in &self.paths {
            match rule_files(path) {
                Ok(files) => {
                    for file in files {
                        let label = file.display().to_string();
                        match std::fs::read_to_string(&file) {
                            Ok(text) => parse_file(
                                &label,
                                &text,
                                true,
                                &mut rules,
                                &mut errors,
                                &mut warnings,
                            ),
                            Err(e) => errors.push(RuleError {
                                file: label,
                                line: None,
                                message: format!("cannot read rule file: {e}"),
                            }),
                        }
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        self.check_selection(&rules, &mut errors);
        rules.retain(|r: &Rule| self.selection.keeps(&r.info.id));
        check_unique_ids(&rules, &mut errors);
        if errors.is_empty() {
            Ok(RuleSet::new(rules, warnings))
        } else {
            Err(errors)
        }
    }

    /// A typo in `--only-rules` or `--disable-rule` must not silently scan with the wrong pack.
    fn check_selection(&self, rules: &[Rule], errors: &mut Vec<RuleError>) {
        for pat in self.selection.only.iter().chain(&self.selection.disabled) {
            if !rules.iter().any(|r| id_matches(pat, &r.info.id)) {
                errors.push(RuleError {
                    file: "rule selection".into(),
                    line: None,
                    message: format!("no rule has an id matching {pat:?}"),
                });
            }
        }
    }
}

/// A directory's `*.toml` files (recursively, sorted), or the single file given.
fn rule_files(path: &Path) -> Result<Vec<PathBuf>, RuleError> {
    let err = |message: String| RuleError {
        file: path.display().to_string(),
        line: None,
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| err(format!("cannot open rules: {e}")))?;
    if meta.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).map_err(|e| err(format!("cannot list rules: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| err(format!("cannot list rules: {e}")))?;
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "toml") {
                files.push(p);
            }
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(err("no *.toml rule files found".into()));
    }
    Ok(files)
}

fn check_unique_ids(rules: &[Rule], errors: &mut Vec<RuleError>) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for rule in rules {
        if let Some(first) = seen.insert(&rule.info.id, &rule.info.origin) {
            let (file, line) = split_origin(&rule.info.origin);
            errors.push(RuleError {
                file,
                line,
                message: format!(
                    "duplicate rule id {:?} (first defined at {first})",
                    rule.info.id
                ),
            });
        }
    }
}

fn split_origin(origin: &str) -> (String, Option<usize>) {
    match origin.rsplit_once(':') {
        Some((file, line)) if line.parse::<usize>().is_ok() => {
            (file.to_string(), line.parse().ok())
        }
        _ => (origin.to_string(), None),
    }
}

/// 1-based line number of a byte offset in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// Parses one rule file. `eager` compiles every regex now (user files); the built-in pack, which
/// CI checks, compiles on first use.
fn parse_file(
    label: &str,
    text: &str,
    eager: bool,
    rules: &mut Vec<Rule>,
    errors: &mut Vec<RuleError>,
    warnings: &mut Vec<String>,
) {
    let spec: RuleFileSpec = match toml::from_str(text) {
        Ok(s) => s,
        Err(e) => {
            let line = e.span().map(|s| line_of(text, s.start));
            errors.push(RuleError {
                file: label.to_string(),
                line,
                message: e.message().trim().to_string(),
            });
            return;
        }
    };
    if spec.rules.is_empty() {
        errors.push(RuleError {
            file: label.to_string(),
            line: None,
            message: "the file defines no [[rules]]".into(),
        });
    }
    for rule in spec.rules {
        let line = line_of(text, rule.span().start);
        let mut ctx = FieldCtx {
            label,
            text,
            errors,
            failed: false,
            eager,
        };
        if let Some(rule) = build_rule(
            rule.into_inner(),
            spec.provider.as_deref(),
            line,
            &mut ctx,
            warnings,
        ) {
            rules.push(rule);
        }
    }
}

/// Where field errors go while one rule is being built.
struct FieldCtx<'a> {
    label: &'a str,
    text: &'a str,
    errors: &'a mut Vec<RuleError>,
    failed: bool,
    eager: bool,
}

impl FieldCtx<'_> {
    fn error<T>(&mut self, at: &Spanned<T>, message: String) {
        self.error_at(line_of(self.text, at.span().start), message);
    }

    fn error_at(&mut self, line: usize, message: String) {
        self.failed = true;
        self.errors.push(RuleError {
            file: self.label.to_string(),
            line: Some(line),
            message,
        });
    }
}

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

fn build_rule(
    spec: RuleSpec,
    file_provider: Option<&str>,
    line: usize,
    ctx: &mut FieldCtx<'_>,
    warnings: &mut Vec<String>,
) -> Option<Rule> {
    let id = spec.id.get_ref().clone();
    if !valid_id(&id) {
        ctx.error(
            &spec.id,
            format!("rule id {id:?} must be lower-case letters, digits, '.', '_' or '-'"),
        );
    }
    let provider = match spec.provider.or_else(|| file_provider.map(str::to_string)) {
        Some(p) if !p.trim().is_empty() => p,
        _ => {
            ctx.error_at(
                line,
                format!(
                    "rule {id:?} has no provider (set it on the rule or at the top of the file)"
                ),
            );
            String::new()
        }
    };
    let confidence = match spec.confidence.get_ref().parse::<Confidence>() {
        Ok(c) => c,
        Err(e) => {
            ctx.error(&spec.confidence, format!("rule {id:?}: {e}"));
            Confidence::Low
        }
    };
    let pattern = spec.pattern.get_ref().clone();
    let hir = match parse_hir(&pattern) {
        Ok(h) => Some(h),
        Err(e) => {
            ctx.error(&spec.pattern, format!("rule {id:?}: bad pattern: {e}"));
            None
        }
    };
    let regex = match (&hir, ctx.eager) {
        (None, _) => None,
        (Some(_), false) => Some(LazyRegex::new(pattern)),
        (Some(_), true) => match LazyRegex::eager(pattern) {
            Ok(r) => Some(r),
            Err(e) => {
                ctx.error(&spec.pattern, format!("rule {id:?}: bad pattern: {e}"));
                None
            }
        },
    };
    let secret_group = hir
        .as_ref()
        .and_then(|h| resolve_group(h, spec.secret_group.as_ref(), &id, ctx));
    let keywords = check_keywords(&spec.keywords, &id, ctx);
    if keywords.is_empty() {
        warnings.push(format!(
            "{}:{line}: rule {id:?} has no keywords; it runs on every byte of every file",
            ctx.label
        ));
    }
    let min_entropy = spec.min_entropy.as_ref().map(|e| *e.get_ref());
    if let (Some(e), Some(spanned)) = (min_entropy, spec.min_entropy.as_ref())
        && !(0.0..=8.0).contains(&e)
    {
        ctx.error(
            spanned,
            format!("rule {id:?}: min_entropy {e} is outside 0..=8 bits per byte"),
        );
    }
    let validator = spec
        .validator
        .as_ref()
        .and_then(|v| match v.get_ref().parse::<Validator>() {
            Ok(v) => Some(v),
            Err(e) => {
                ctx.error(v, format!("rule {id:?}: {e}"));
                None
            }
        });
    let max_len = hir.as_ref().and_then(|h| h.properties().maximum_len());
    let anchored = hir
        .as_ref()
        .is_some_and(|h| starts_with_keyword(h, &keywords));
    let reach = match &spec.window {
        Some(w) => {
            let n = *w.get_ref();
            if n <= 0 || n as usize > MAX_REACH {
                ctx.error(
                    w,
                    format!("rule {id:?}: window must be between 1 and {MAX_REACH} bytes"),
                );
            }
            (n.max(1) as usize).min(MAX_REACH)
        }
        None => max_len
            .map(|n| n + NEAR)
            .filter(|&n| n <= MAX_REACH)
            .unwrap_or(DEFAULT_REACH),
    };
    let examples = build_examples(&spec.examples);
    if examples.is_empty() {
        warnings.push(format!("{}:{line}: rule {id:?} has no examples", ctx.label));
    }
    let mut stopwords = Vec::new();
    for w in &spec.stopwords {
        let word = w.get_ref();
        if word.is_empty()
            || !word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            ctx.error(
                w,
                format!(
                    "rule {id:?}: stopword {word:?} must be one lower-case word (letters, digits)"
                ),
            );
        } else {
            stopwords.push(word.clone());
        }
    }
    let negative_examples = spec
        .negative_examples
        .into_iter()
        .map(Spanned::into_inner)
        .collect();
    if ctx.failed {
        return None;
    }
    let info = RuleInfo {
        id,
        name: spec.name,
        provider,
        confidence,
        description: spec.description,
        references: spec.references,
        origin: format!("{}:{line}", ctx.label),
    };
    Some(Rule {
        info: Arc::new(info),
        regex: regex?,
        secret_group: secret_group?,
        keywords,
        min_entropy,
        validator,
        fallback: spec.fallback,
        stopwords,
        reach,
        max_len,
        anchored,
        examples,
        negative_examples,
    })
}

/// Patterns are matched on bytes in ASCII mode: `\w`, `\d`, `\b` and `(?i)` are ASCII-only unless
/// a pattern opts into Unicode with `(?u)`. Secrets are ASCII, and ASCII mode keeps the fast
/// engines usable on any input.
fn syntax_config() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

pub(crate) fn compile(pattern: &str) -> Result<meta::Regex, String> {
    meta::Regex::builder()
        .syntax(syntax_config())
        .configure(
            meta::Config::new()
                .utf8_empty(false)
                .hybrid_cache_capacity(32 << 20),
        )
        .build(pattern)
        .map_err(|e| match e.syntax_error() {
            Some(se) => se.to_string(),
            None => e.to_string(),
        })
}

fn parse_hir(pattern: &str) -> Result<regex_syntax::hir::Hir, String> {
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
fn starts_with_keyword(hir: &regex_syntax::hir::Hir, keywords: &[String]) -> bool {
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
    fn extend(&self, hir: &regex_syntax::hir::Hir, starts: Vec<Start>) -> Option<Vec<Start>> {
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
fn capture_groups(hir: &regex_syntax::hir::Hir, out: &mut Vec<(u32, Option<String>)>) {
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

fn resolve_group(
    hir: &regex_syntax::hir::Hir,
    group: Option<&Spanned<GroupRef>>,
    id: &str,
    ctx: &mut FieldCtx<'_>,
) -> Option<usize> {
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
        None => Some(match by_name("secret") {
            Some(i) => i,
            None if count > 1 => 1,
            None => 0,
        }),
        Some(g) => {
            let found = match g.get_ref() {
                GroupRef::Index(i) => usize::try_from(*i).ok().filter(|&i| i < count),
                GroupRef::Name(n) => by_name(n),
            };
            if found.is_none() {
                ctx.error(
                    g,
                    format!(
                        "rule {id:?}: secret_group {:?} does not exist in the pattern ({} groups)",
                        g.get_ref(),
                        count.saturating_sub(1)
                    ),
                );
            }
            found
        }
    }
}

fn check_keywords(keywords: &[Spanned<String>], id: &str, ctx: &mut FieldCtx<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for kw in keywords {
        let k = kw.get_ref();
        if k.len() < 2 {
            ctx.error(
                kw,
                format!("rule {id:?}: keyword {k:?} is shorter than 2 bytes"),
            );
        } else if !k.is_ascii() || k.bytes().any(|b| b.is_ascii_uppercase()) {
            ctx.error(
                kw,
                format!("rule {id:?}: keyword {k:?} must be lower-case ASCII (matching ignores ASCII case)"),
            );
        } else if !out.contains(k) {
            out.push(k.clone());
        }
    }
    out
}

fn build_examples(specs: &[Spanned<ExampleSpec>]) -> Vec<Example> {
    specs
        .iter()
        .map(|e| match e.get_ref() {
            ExampleSpec::Bare(text) => Example {
                text: text.clone(),
                secret: text.trim().to_string(),
            },
            ExampleSpec::Full(full) => Example {
                text: full.text.clone(),
                secret: full
                    .secret
                    .clone()
                    .unwrap_or_else(|| full.text.trim().to_string()),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<RuleSet, Vec<RuleError>> {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        parse_file("t.toml", text, true, &mut rules, &mut errors, &mut warnings);
        if errors.is_empty() {
            Ok(RuleSet::new(rules, warnings))
        } else {
            Err(errors)
        }
    }

    #[test]
    fn bad_regex_is_reported_with_its_line() {
        let text = "provider = \"x\"\n[[rules]]\nid = \"x.a\"\nname = \"A\"\npattern = 'ab(c'\nconfidence = \"low\"\nkeywords = [\"ab\"]\n";
        let errs = load_text(text).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, Some(5), "{errs:?}");
        assert!(errs[0].message.contains("bad pattern"));
    }

    #[test]
    fn unknown_field_and_syntax_errors_name_the_line() {
        let text = "[[rules]]\nid = \"x.a\"\nname = \"A\"\nprovider = \"x\"\npatern = 'abc'\n";
        let errs = load_text(text).unwrap_err();
        assert_eq!(errs[0].line, Some(5), "{errs:?}");
        let errs = load_text("[[rules]\nid = 1\n").unwrap_err();
        assert_eq!(errs[0].line, Some(1), "{errs:?}");
    }

    #[test]
    fn bounded_patterns_get_a_tight_reach() {
        let text = "provider = \"x\"\n[[rules]]\nid = \"x.a\"\nname = \"A\"\npattern = 'tok_[a-z]{10}'\nconfidence = \"low\"\nkeywords = [\"tok_\"]\n[[rules]]\nid = \"x.b\"\nname = \"B\"\npattern = 'tok_[a-z]+'\nconfidence = \"low\"\nkeywords = [\"tok_\"]\n";
        let set = load_text(text).unwrap();
        assert_eq!(set.get("x.a").unwrap().reach, 14 + NEAR);
        assert_eq!(set.get("x.b").unwrap().reach, DEFAULT_REACH);
    }

    #[test]
    fn anchoring_is_detected_from_prefix_literals() {
        let rule = |pattern: &str, kws: &str| {
            format!(
                "provider = \"x\"\n[[rules]]\nid = \"x.a\"\nname = \"A\"\npattern = '{pattern}'\nconfidence = \"low\"\nkeywords = [{kws}]\n"
            )
        };
        let anchored = |pattern: &str, kws: &str| {
            load_text(&rule(pattern, kws))
                .unwrap()
                .get("x.a")
                .unwrap()
                .anchored
        };
        assert!(anchored(r"\b(ghp_[A-Za-z0-9]{36})\b", "\"ghp_\""));
        assert!(anchored(
            r"(?i)mailgun[\w.-]{0,20}=([a-f0-9]{32})",
            "\"mailgun\""
        ));
        assert!(anchored(
            r"\b(?:AKIA|ASIA)[A-Z2-7]{16}",
            "\"akia\", \"asia\""
        ));
        assert!(
            !anchored(r"\b(?:AKIA|ASIA)[A-Z2-7]{16}", "\"akia\""),
            "ASIA matches do not start with a keyword"
        );
        assert!(
            !anchored(r"[a-z_]{0,10}token=(\w+)", "\"token\""),
            "the keyword is not at the start"
        );
        assert!(!anchored(r"\w+@example", "\"example\""));
    }

    #[test]
    fn secret_group_defaults_to_named_then_first() {
        let text = "provider = \"x\"\n[[rules]]\nid = \"x.a\"\nname = \"A\"\npattern = '(a)(?P<secret>b)'\nconfidence = \"low\"\nkeywords = [\"ab\"]\n[[rules]]\nid = \"x.b\"\nname = \"B\"\npattern = 'k=(v+)'\nconfidence = \"low\"\nkeywords = [\"k=\"]\n";
        let set = load_text(text).unwrap();
        assert_eq!(set.get("x.a").unwrap().secret_group, 2);
        assert_eq!(set.get("x.b").unwrap().secret_group, 1);
    }

    #[test]
    fn selection_globs() {
        let sel = RuleSelection {
            only: vec!["aws.*".into()],
            disabled: vec!["aws.secret-access-key".into()],
        };
        assert!(sel.keeps("aws.access-key-id"));
        assert!(!sel.keeps("aws.secret-access-key"));
        assert!(!sel.keeps("github.pat"));
    }
}
