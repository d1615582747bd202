//! Reading rule files, validating every field, and compiling them into a [`RuleSet`].
//!
//! All problems in all files are collected, each with its file and line, so a user fixing a rule
//! pack sees every mistake at once.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::lines::{key_line, line_of, rule_lines};
use super::matcher::{GroupSel, LazyMatcher, MAX_REACH, MatcherError, MatcherSpec};
use super::schema::{ExampleSpec, GroupRef, RuleFileSpec, RuleSpec};
use super::{Confidence, Example, Rule, RuleContext, RuleInfo, RuleSet, Validator, builtin};

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

/// Whether a rule-id pattern (exact, or a prefix ending in `*`) names `id`.
pub fn id_matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

/// What loading collects across files.
#[derive(Default)]
struct Loaded {
    rules: Vec<Rule>,
    errors: Vec<RuleError>,
    warnings: Vec<String>,
}

/// Builds a [`RuleSet`] from the built-in pack and/or user rule files.
#[derive(Debug, Clone)]
pub struct RuleLoader {
    pub builtin: bool,
    pub paths: Vec<PathBuf>,
    /// `(label, text)` of documents that hold `[[rules]]` among other keys (the project
    /// configuration); only their `rules` are read, with the document's line numbers.
    pub embedded: Vec<(String, String)>,
    pub selection: RuleSelection,
    /// Read each rule's examples (`rules check`). Scans leave them out: then the built-in pack
    /// loads from its precomputed JSON, which holds none.
    pub examples: bool,
}

impl Default for RuleLoader {
    fn default() -> Self {
        RuleLoader {
            builtin: true,
            paths: Vec::new(),
            embedded: Vec::new(),
            selection: RuleSelection::default(),
            examples: false,
        }
    }
}

impl RuleLoader {
    pub fn load(&self) -> Result<RuleSet, Vec<RuleError>> {
        let mut out = Loaded::default();
        if self.builtin {
            for file in builtin::FILES {
                let label = format!("builtin:rules/{}", file.name);
                let fast = match file.json {
                    Some(json) if !self.examples => Some(Precomputed {
                        json,
                        lines: file.lines,
                    }),
                    _ => None,
                };
                parse_file(&label, file.toml, fast, false, &mut out);
            }
        }
        for path in &self.paths {
            match rule_files(path) {
                Ok(files) => {
                    for file in files {
                        let label = file.display().to_string();
                        match std::fs::read_to_string(&file) {
                            Ok(text) => parse_file(&label, &text, None, true, &mut out),
                            Err(e) => out.errors.push(RuleError {
                                file: label,
                                line: None,
                                message: format!("cannot read rule file: {e}"),
                            }),
                        }
                    }
                }
                Err(e) => out.errors.push(e),
            }
        }
        for (label, text) in &self.embedded {
            parse_embedded(label, text, &mut out);
        }
        let Loaded {
            mut rules,
            mut errors,
            warnings,
        } = out;
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

/// What the build script made of a built-in rule file for scans.
struct Precomputed<'a> {
    /// The rules as JSON, without their examples.
    json: &'a str,
    /// The line of each `[[rules]]` header in the TOML.
    lines: &'a [usize],
}

/// Parses one rule file, from `fast` when there is one (a built-in file, fast to read), else (or
/// when its JSON does not fit the schema) from the TOML, so errors get lines. `eager` builds
/// every matcher now (user files); the built-in pack builds on first use.
fn parse_file(
    label: &str,
    text: &str,
    fast: Option<Precomputed<'_>>,
    eager: bool,
    out: &mut Loaded,
) {
    let from_json = fast
        .as_ref()
        .and_then(|f| serde_json::from_str::<RuleFileSpec>(f.json).ok());
    let lines = fast
        .as_ref()
        .filter(|_| from_json.is_some())
        .map(|f| f.lines);
    let examples = from_json.is_none();
    let parsed = match from_json {
        Some(spec) => Ok(spec),
        None => toml::from_str::<RuleFileSpec>(text),
    };
    let spec = match parsed {
        Ok(s) => s,
        Err(e) => return out.errors.push(toml_error(label, text, &e)),
    };
    if spec.rules.is_empty() {
        out.errors.push(RuleError {
            file: label.to_string(),
            line: None,
            message: "the file defines no [[rules]]".into(),
        });
    }
    let file = FileCtx {
        label,
        text,
        lines,
        eager,
        examples,
    };
    build_rules(&file, spec.rules, spec.provider.as_deref(), out);
}

/// The file the rules being built come from, and how to build them.
struct FileCtx<'a> {
    label: &'a str,
    text: &'a str,
    /// Precomputed `[[rules]]` header lines; else they are found in `text`.
    lines: Option<&'a [usize]>,
    /// Build every matcher now.
    eager: bool,
    /// The file's examples were read (a rule without any is worth a warning).
    examples: bool,
}

/// Validates and builds each rule of one file.
fn build_rules(file: &FileCtx<'_>, specs: Vec<RuleSpec>, provider: Option<&str>, out: &mut Loaded) {
    // Inline arrays of rules have no headers; then errors name the file only.
    let found;
    let headers = match file.lines {
        Some(lines) => lines,
        None => {
            found = rule_lines(file.text);
            &found
        }
    };
    let headers = (headers.len() == specs.len()).then_some(headers);
    for (i, rule) in specs.into_iter().enumerate() {
        let start = headers.map(|h| h[i]);
        let end = headers
            .and_then(|h| h.get(i + 1).copied())
            .unwrap_or(usize::MAX);
        let mut ctx = FieldCtx {
            file,
            start,
            end,
            errors: &mut out.errors,
            failed: false,
        };
        if let Some(rule) = build_rule(rule, provider, &mut ctx, &mut out.warnings) {
            out.rules.push(rule);
        }
    }
}

/// A TOML syntax or schema error, at its line.
fn toml_error(label: &str, text: &str, e: &toml::de::Error) -> RuleError {
    RuleError {
        file: label.to_string(),
        line: e.span().map(|s| line_of(text, s.start)),
        message: e.message().trim().to_string(),
    }
}

/// Reads the `[[rules]]` of a document that has other keys too (checked by its own reader).
fn parse_embedded(label: &str, text: &str, out: &mut Loaded) {
    #[derive(serde::Deserialize)]
    struct Embedded {
        #[serde(default)]
        rules: Vec<RuleSpec>,
    }
    let spec = match toml::from_str::<Embedded>(text) {
        Ok(s) => s,
        Err(e) => return out.errors.push(toml_error(label, text, &e)),
    };
    let file = FileCtx {
        label,
        text,
        lines: None,
        eager: true,
        examples: true,
    };
    build_rules(&file, spec.rules, None, out);
}

/// Where field errors go while one rule is being built, and where the rule is in its file.
struct FieldCtx<'a> {
    file: &'a FileCtx<'a>,
    /// Line of the rule's `[[rules]]` header, when known.
    start: Option<usize>,
    /// Line of the next rule's header.
    end: usize,
    errors: &'a mut Vec<RuleError>,
    failed: bool,
}

impl FieldCtx<'_> {
    /// Records an error about `key` (located at its `key =` line, else the rule's header).
    fn error(&mut self, key: &str, message: String) {
        let line = self
            .start
            .and_then(|s| key_line(self.file.text, s, self.end, key))
            .or(self.start);
        self.failed = true;
        self.errors.push(RuleError {
            file: self.file.label.to_string(),
            line,
            message,
        });
    }

    fn origin(&self) -> String {
        match self.start {
            Some(line) => format!("{}:{line}", self.file.label),
            None => self.file.label.to_string(),
        }
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
    ctx: &mut FieldCtx<'_>,
    warnings: &mut Vec<String>,
) -> Option<Rule> {
    let id = spec.id;
    if !valid_id(&id) {
        ctx.error(
            "id",
            format!("rule id {id:?} must be lower-case letters, digits, '.', '_' or '-'"),
        );
    }
    let provider = check_provider(spec.provider, file_provider, &id, ctx);
    let confidence = spec.confidence.parse::<Confidence>().unwrap_or_else(|e| {
        ctx.error("confidence", format!("rule {id:?}: {e}"));
        Confidence::Low
    });
    let keywords = check_keywords(&spec.keywords, &id, ctx);
    if keywords.is_empty() {
        warnings.push(format!(
            "{}: rule {id:?} has no keywords; it runs on every byte of every file",
            ctx.origin()
        ));
    }
    if let Some(e) = spec.min_entropy
        && !(0.0..=8.0).contains(&e)
    {
        ctx.error(
            "min_entropy",
            format!("rule {id:?}: min_entropy {e} is outside 0..=8 bits per byte"),
        );
    }
    let validator = check_validator(spec.validator.as_deref(), &id, ctx);
    let context = check_context(spec.context.as_deref(), &id, ctx);
    let max_match_len = check_max_match_len(spec.max_match_len, &id, ctx);
    let matcher_spec = MatcherSpec {
        pattern: spec.pattern,
        secret_group: check_secret_group(spec.secret_group.as_ref(), &id, ctx),
        window: check_window(spec.window, &id, ctx),
        keywords: keywords.clone(),
        max_match_len,
    };
    let matcher = build_matcher(matcher_spec, &id, ctx);
    let stopwords = check_stopwords(&spec.stopwords, &id, ctx);
    let examples = build_examples(spec.examples);
    if examples.is_empty() && ctx.file.examples {
        warnings.push(format!("{}: rule {id:?} has no examples", ctx.origin()));
    }
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
        origin: ctx.origin(),
        context,
    };
    Some(Rule {
        info: Arc::new(info),
        matcher: matcher?,
        keywords,
        min_entropy: spec.min_entropy,
        validator,
        fallback: spec.fallback,
        stopwords,
        examples,
        negative_examples: spec.negative_examples,
    })
}

/// The rule's provider, or the file's.
fn check_provider(
    own: Option<String>,
    file_provider: Option<&str>,
    id: &str,
    ctx: &mut FieldCtx<'_>,
) -> String {
    match own.or_else(|| file_provider.map(str::to_string)) {
        Some(p) if !p.trim().is_empty() => p,
        _ => {
            ctx.error(
                "provider",
                format!(
                    "rule {id:?} has no provider (set it on the rule or at the top of the file)"
                ),
            );
            String::new()
        }
    }
}

fn check_validator(name: Option<&str>, id: &str, ctx: &mut FieldCtx<'_>) -> Option<Validator> {
    match name?.parse::<Validator>() {
        Ok(v) => Some(v),
        Err(e) => {
            ctx.error("validator", format!("rule {id:?}: {e}"));
            None
        }
    }
}

fn check_max_match_len(n: Option<i64>, id: &str, ctx: &mut FieldCtx<'_>) -> Option<usize> {
    match n {
        Some(n) if n <= 0 || n as usize > MAX_REACH => {
            ctx.error(
                "max_match_len",
                format!("rule {id:?}: max_match_len must be between 1 and {MAX_REACH} bytes"),
            );
            None
        }
        Some(n) => Some(n as usize),
        None => None,
    }
}

fn check_context(name: Option<&str>, id: &str, ctx: &mut FieldCtx<'_>) -> RuleContext {
    let found = name.map(|n| (n, RuleContext::named(n)));
    if let Some((n, None)) = found {
        let message = format!("rule {id:?}: unknown context {n:?} (expected \"json-object\")");
        ctx.error("context", message);
    }
    found.and_then(|(_, c)| c).unwrap_or_default()
}

fn check_window(window: Option<i64>, id: &str, ctx: &mut FieldCtx<'_>) -> Option<usize> {
    match window {
        Some(n) if n <= 0 || n as usize > MAX_REACH => {
            ctx.error(
                "window",
                format!("rule {id:?}: window must be between 1 and {MAX_REACH} bytes"),
            );
            None
        }
        Some(n) => Some(n as usize),
        None => None,
    }
}

fn check_secret_group(
    group: Option<&GroupRef>,
    id: &str,
    ctx: &mut FieldCtx<'_>,
) -> Option<GroupSel> {
    match group? {
        GroupRef::Name(n) => Some(GroupSel::Name(n.clone())),
        GroupRef::Index(i) => match usize::try_from(*i) {
            Ok(i) => Some(GroupSel::Index(i)),
            Err(_) => {
                ctx.error(
                    "secret_group",
                    format!("rule {id:?}: secret_group must not be negative"),
                );
                None
            }
        },
    }
}

/// The rule's matcher: compiled now when the file is checked eagerly (user files, `rules
/// check`), on first use otherwise (the built-in pack).
fn build_matcher(spec: MatcherSpec, id: &str, ctx: &mut FieldCtx<'_>) -> Option<LazyMatcher> {
    if !ctx.file.eager {
        return Some(LazyMatcher::new(spec));
    }
    match LazyMatcher::eager(spec) {
        Ok(m) => Some(m),
        Err(e) => {
            let key = match &e {
                MatcherError::Pattern(_) => "pattern",
                MatcherError::SecretGroup(_) => "secret_group",
            };
            ctx.error(key, format!("rule {id:?}: {e}"));
            None
        }
    }
}

fn check_stopwords(words: &[String], id: &str, ctx: &mut FieldCtx<'_>) -> Vec<String> {
    let mut stopwords = Vec::new();
    for word in words {
        if word.is_empty()
            || !word
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        {
            ctx.error(
                "stopwords",
                format!(
                    "rule {id:?}: stopword {word:?} must be one lower-case word (letters, digits)"
                ),
            );
        } else {
            stopwords.push(word.clone());
        }
    }
    stopwords
}

fn check_keywords(keywords: &[String], id: &str, ctx: &mut FieldCtx<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for k in keywords {
        if k.len() < 2 {
            ctx.error(
                "keywords",
                format!("rule {id:?}: keyword {k:?} is shorter than 2 bytes"),
            );
        } else if !k.is_ascii() || k.bytes().any(|b| b.is_ascii_uppercase()) {
            ctx.error(
                "keywords",
                format!("rule {id:?}: keyword {k:?} must be lower-case ASCII (matching ignores ASCII case)"),
            );
        } else if seen.insert(k.as_str()) {
            out.push(k.clone());
        }
    }
    out
}

fn build_examples(specs: Vec<ExampleSpec>) -> Vec<Example> {
    specs
        .into_iter()
        .map(|e| match e {
            ExampleSpec::Bare(text) => Example {
                secret: text.trim().to_string(),
                text,
            },
            ExampleSpec::Full(full) => Example {
                secret: full.secret.unwrap_or_else(|| full.text.trim().to_string()),
                text: full.text,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<RuleSet, Vec<RuleError>> {
        let mut out = Loaded::default();
        parse_file("t.toml", text, None, true, &mut out);
        if out.errors.is_empty() {
            Ok(RuleSet::new(out.rules, out.warnings))
        } else {
            Err(out.errors)
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
        let reach = |id: &str| set.get(id).unwrap().matcher.get().unwrap().reach;
        assert_eq!(reach("x.a"), 14 + super::super::matcher::NEAR);
        assert_eq!(reach("x.b"), super::super::matcher::DEFAULT_REACH);
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
                .matcher
                .get()
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
        let group = |id: &str| set.get(id).unwrap().matcher.get().unwrap().secret_group;
        assert_eq!(group("x.a"), 2);
        assert_eq!(group("x.b"), 1);
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
