//! Reading rule files, validating every field, and compiling them into a [`RuleSet`].
//!
//! All problems in all files are collected, each with its file and line, so a user fixing a rule
//! pack sees every mistake at once.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;

use super::matcher::{GroupSel, LazyMatcher, MAX_REACH, MatcherError, MatcherSpec};
use super::schema::{ExampleSpec, GroupRef, RuleFileSpec, RuleSpec};
use super::{Confidence, Example, Rule, RuleInfo, RuleSet, Validator, builtin};

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
    let window = match &spec.window {
        Some(w) => {
            let n = *w.get_ref();
            if n <= 0 || n as usize > MAX_REACH {
                ctx.error(
                    w,
                    format!("rule {id:?}: window must be between 1 and {MAX_REACH} bytes"),
                );
            }
            Some((n.max(1) as usize).min(MAX_REACH))
        }
        None => None,
    };
    let secret_group = match spec.secret_group.as_ref().map(|g| (g, g.get_ref())) {
        None => None,
        Some((_, GroupRef::Name(n))) => Some(GroupSel::Name(n.clone())),
        Some((g, GroupRef::Index(i))) => match usize::try_from(*i) {
            Ok(i) => Some(GroupSel::Index(i)),
            Err(_) => {
                ctx.error(g, format!("rule {id:?}: secret_group must not be negative"));
                None
            }
        },
    };
    let matcher_spec = MatcherSpec {
        pattern: spec.pattern.get_ref().clone(),
        secret_group,
        window,
        keywords: keywords.clone(),
    };
    let matcher = if ctx.eager {
        match LazyMatcher::eager(matcher_spec) {
            Ok(m) => Some(m),
            Err(e) => {
                let line = match &e {
                    MatcherError::Pattern(_) => line_of(ctx.text, spec.pattern.span().start),
                    MatcherError::SecretGroup(_) => spec
                        .secret_group
                        .as_ref()
                        .map_or(line, |g| line_of(ctx.text, g.span().start)),
                };
                ctx.error_at(line, format!("rule {id:?}: {e}"));
                None
            }
        }
    } else {
        Some(LazyMatcher::new(matcher_spec))
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
        matcher: matcher?,
        keywords,
        min_entropy,
        validator,
        fallback: spec.fallback,
        stopwords,
        examples,
        negative_examples,
    })
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
