//! Converting a gitleaks or Betterleaks configuration (`.gitleaks.toml`, format v8) into a
//! `.leakhound.toml`, for `leakhound config import-gitleaks`.
//!
//! The conversion keeps what a user tuned and says, item by item, what it could not keep: every
//! key of the input is either converted, converted with a stated difference (a *note*), or
//! listed as *not converted*. It never guesses in the direction that hides findings: a converted
//! allowlist allows at most what the gitleaks one allowed.
//!
//! # Mapping
//!
//! | gitleaks | leakhound |
//! |---|---|
//! | `title` | a comment |
//! | `[extend] useDefault = true` | `extend_default = true`: leakhound's built-in pack stands in for gitleaks' default rules (they are not copied) |
//! | no `useDefault` | `extend_default = false` (a gitleaks file without it *replaces* the default rules), unless `--keep-builtin`, or unless no rule converted (a file of only allowlists) |
//! | `[extend] path` | that file is read too (relative to the importing file, else to the current directory, as gitleaks does) and merged as gitleaks merges: same-id rules combine, the extending file wins; at most two levels, as in gitleaks |
//! | `[extend] disabledRules` | rules of an extended file: left out. gitleaks default rules: their built-in counterparts (a short table of clear equivalents) go to `disabled_rules`; others are reported |
//! | `[[rules]]` `id` | `gitleaks.<id>` (lower-cased, other characters become `-`): never clashes with a built-in id, and says where the rule came from |
//! | `description` | `name`; `description` says which gitleaks rule it was, and its `tags` |
//! | `regex` | `pattern`, respelled for Rust where RE2 differs (`\Q..\E`, literal `{`, octal escapes, `[`/`&&`/`~~` in classes); one that does not compile is reported and the rule skipped |
//! | `secretGroup` (Betterleaks 2: `valueGroup`) | `secret_group`; unset: gitleaks takes the first group that matched, leakhound group 1 (noted when the regex has two groups or more) |
//! | `entropy` (Betterleaks 2: an `entropy(finding["secret"]) <= N` term of `filter`) | `min_entropy` (gitleaks drops at `<=`, leakhound at `<`); the other `filter` terms are reported |
//! | `keywords` | `keywords`, lower-cased; a keyword leakhound cannot use (under 2 bytes, non-ASCII) drops them all, so the rule runs everywhere |
//! | (none) | `provider = "gitleaks"`, `confidence = "medium"`: gitleaks has no confidence, and medium is "a distinctive format that can occur by chance"; Betterleaks' `confidence` is kept |
//! | rule `path` | not convertible: reported; the rule applies to every file. A rule with only `path` is skipped |
//! | `[[rules.required]]` (Betterleaks 2: `components`), `skipReport`, Betterleaks `validate`/`analyze`/`revoke`/`tokenEfficiency`/`specificity`, top-level `prefilter`/`filter` | not convertible: reported (a `skipReport` rule is skipped; the others convert without them) |
//! | a rule with no regex under `useDefault` | it tunes a default rule: its allowlists apply to the built-in counterpart; other settings are reported |
//! | `[allowlist]`, `[[allowlists]]` | `[[allowlists]]` with no `rules` (every rule) |
//! | `targetRules` | `rules = [converted ids]`; a target that cannot be mapped is reported, and an allowlist left with no target is skipped (no `rules` would mean every rule) |
//! | `[rules.allowlist]`, `[[rules.allowlists]]` | `[[allowlists]]` with `rules = [that rule]` |
//! | `condition = "AND"` | `condition = "all"` |
//! | `paths` (Go regexes) | gitignore-style globs where an exact one exists (module `pathglob`); others are reported |
//! | `regexes`, `regexTarget` secret / match / line | `secrets` / `secrets` (noted: the secret, not the whole match) / `lines` |
//! | `stopwords`, `commits` | `stopwords`, `commits` (full or 7+ hex digit ids; others reported) |
//!
//! Under `condition = "all"`, an allowlist that loses a whole kind of criterion (all its paths,
//! say) is skipped rather than converted without it, since that would allow more.
//!
//! leakhound runs a rule only where a keyword lies within the rule's window of the match, while
//! gitleaks runs it on any file holding a keyword: a rule whose keyword sits far from the secret
//! finds less. The result is checked before it is returned: it must parse as a project
//! configuration, its rules must load, and every regex and glob must read back as written. Since
//! the file is scanned with the project, lines holding a value leakhound would report (an
//! allowlisted key) get a `leakhound:allow` comment.

mod convert;
mod emit;
mod equivalents;
mod extend;
mod goregex;
mod pathglob;
mod read;

use std::fmt;
use std::path::{Path, PathBuf};

use extend::{dir_of, resolve};

use crate::config::{ConfigSpec, ProjectConfig};
use crate::engine::Engine;
use crate::rules::{RuleLoader, RuleSelection, RuleSet, line_of};

/// How to convert.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Keep leakhound's built-in pack even when the gitleaks file replaced gitleaks' defaults.
    pub keep_builtin: bool,
    /// Where the result will be written (to check it as that file); `None`: standard output.
    pub output: Option<PathBuf>,
}

/// A converted configuration.
#[derive(Debug)]
pub struct Import {
    /// The `.leakhound.toml` text, with a header comment listing what was not converted.
    pub text: String,
    pub rules: usize,
    pub allowlists: usize,
    pub extend_default: bool,
    /// Lines marked `leakhound:allow` because leakhound would report a value on them.
    pub allowed_lines: usize,
    pub issues: Issues,
}

/// What could not be converted, and what was converted with a difference, each with its place
/// (`.gitleaks.toml rule "x"`).
#[derive(Debug, Default)]
pub struct Issues {
    pub not_converted: Vec<String>,
    pub notes: Vec<String>,
}

impl Issues {
    fn lost(&mut self, place: &str, what: impl fmt::Display) {
        self.not_converted.push(format!("{place}: {what}"));
    }

    fn note(&mut self, place: &str, what: impl fmt::Display) {
        self.notes.push(format!("{place}: {what}"));
    }

    pub fn is_empty(&self) -> bool {
        self.not_converted.is_empty() && self.notes.is_empty()
    }
}

/// Why nothing was converted.
#[derive(Debug)]
pub enum ImportError {
    /// The gitleaks file cannot be read or is not TOML.
    Input(String),
    /// The result does not load (a bug in the conversion); nothing should be written.
    Invalid(Vec<String>),
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Input(e) => f.write_str(e),
            ImportError::Invalid(errors) => write!(
                f,
                "the converted configuration does not load (please report this):\n  {}",
                errors.join("\n  ")
            ),
        }
    }
}

impl std::error::Error for ImportError {}

/// Converts the gitleaks file at `input`.
pub fn import(input: &Path, opts: &ImportOptions) -> Result<Import, ImportError> {
    let mut issues = Issues::default();
    let label = input.display().to_string();
    let resolved = resolve(input, &label, &mut issues).map_err(ImportError::Input)?;
    let mut extend_default = resolved.uses_default || opts.keep_builtin;
    let builtin = if extend_default {
        builtin_ids()
    } else {
        Vec::new()
    };
    let ctx = convert::Context {
        extend_default,
        builtin: &builtin,
    };
    let mut conv = convert::convert(&resolved, &ctx, &mut issues);
    let reason = if resolved.uses_default {
        "The gitleaks file extends gitleaks' default rules ([extend] useDefault): leakhound's \
         built-in pack stands in for them (extend_default = true); they are not copied."
    } else if opts.keep_builtin {
        "The gitleaks file replaces gitleaks' default rules (no [extend] useDefault), but \
         --keep-builtin keeps leakhound's built-in pack running as well (extend_default = true)."
    } else if conv.rules.is_empty() {
        extend_default = true;
        conv.extend_default = true;
        "No rule was converted, so extend_default = true: the allowlists apply to leakhound's \
         built-in pack (a gitleaks file without [extend] useDefault and without rules scans with \
         no rule at all)."
    } else {
        "The gitleaks file replaces gitleaks' default rules (no [extend] useDefault), so \
         extend_default = false: only the rules below run, not leakhound's built-in pack. Set \
         extend_default = true to run both (or convert with --keep-builtin)."
    };
    let header = emit::Header {
        input: &label,
        title: resolved.title.as_deref(),
        extend_reason: reason,
    };
    let text = emit::render(&header, &conv, &issues);
    let rules = check(&text, &conv, opts).map_err(ImportError::Invalid)?;
    let (text, allowed_lines) = allow_own_findings(text, rules);
    Ok(Import {
        text,
        allowed_lines,
        rules: conv.rules.len(),
        allowlists: conv.allowlists.len(),
        extend_default,
        issues,
    })
}

fn builtin_ids() -> Vec<String> {
    RuleLoader::default()
        .load()
        .map(|set| set.rules().iter().map(|r| r.id().to_string()).collect())
        .unwrap_or_default()
}

/// Checks that the converted text loads as the file it will be, rules included, and says exactly
/// what was converted (no regex or glob changed by quoting). Returns its rules plus the built-in
/// pack (whether `extend_default` or not: a user may turn it on later).
fn check(
    text: &str,
    conv: &convert::Converted,
    opts: &ImportOptions,
) -> Result<RuleSet, Vec<String>> {
    let label = opts
        .output
        .as_ref()
        .map_or_else(|| "<converted>".to_string(), |p| p.display().to_string());
    let base = opts.output.as_deref().map_or(Path::new("."), dir_of);
    let project = ProjectConfig::parse(&label, text, base)
        .map_err(|errors| errors.iter().map(|e| e.to_string()).collect::<Vec<_>>())?;
    let loader = RuleLoader {
        builtin: project.extend_default,
        paths: Vec::new(),
        embedded: project
            .inline_rules
            .map(|t| vec![(label.clone(), t)])
            .unwrap_or_default(),
        selection: RuleSelection {
            only: Vec::new(),
            disabled: project.disabled_rules,
        },
        examples: false,
    };
    let messages = |errors: Vec<crate::rules::RuleError>| {
        errors.iter().map(|e| e.to_string()).collect::<Vec<_>>()
    };
    if loader.builtin || !loader.embedded.is_empty() {
        loader.load().map_err(messages)?;
    }
    let all = RuleLoader {
        builtin: true,
        selection: RuleSelection::default(),
        ..loader
    };
    let rules = all.load().map_err(messages)?;
    let spec: ConfigSpec = toml::from_str(text).map_err(|e| vec![e.to_string()])?;
    let patterns: Vec<Option<&str>> = spec
        .rules
        .iter()
        .map(|r| r.get("pattern").and_then(|p| p.as_str()))
        .collect();
    let expected: Vec<Option<&str>> = conv
        .rules
        .iter()
        .map(|r| Some(r.pattern.as_str()))
        .collect();
    let lists =
        |a: &crate::triage::AllowlistSpec| [a.paths.clone(), a.secrets.clone(), a.lines.clone()];
    let written: Vec<_> = spec.allowlists.iter().map(lists).collect();
    let meant: Vec<_> = conv
        .allowlists
        .iter()
        .map(|a| [a.paths.clone(), a.secrets.clone(), a.lines.clone()])
        .collect();
    if patterns != expected || written != meant {
        return Err(vec!["a regex or glob did not read back as written".into()]);
    }
    Ok(rules)
}

/// The converted file is scanned with the project like any file, and some values it holds look
/// like secrets (gitleaks' default allowlist lists public Google API keys; a pattern may match
/// itself): each line where `rules` would report something gets a `leakhound:allow` comment.
/// Returns the text and how many lines were marked.
fn allow_own_findings(text: String, rules: RuleSet) -> (String, usize) {
    let engine = Engine::new(rules);
    let mut scratch = engine.new_scratch();
    let mut found = Vec::new();
    engine.find(text.as_bytes(), &mut scratch, &mut found);
    let mut lines: Vec<usize> = found
        .iter()
        .flat_map(|m| {
            let last = m.span.1.saturating_sub(1).max(m.span.0);
            line_of(&text, m.span.0)..=line_of(&text, last)
        })
        .collect();
    lines.sort_unstable();
    lines.dedup();
    if lines.is_empty() {
        return (text, 0);
    }
    let mut out = String::with_capacity(text.len() + lines.len() * 20);
    for (i, line) in text.lines().enumerate() {
        out.push_str(line);
        if lines.binary_search(&(i + 1)).is_ok() && !line.contains("leakhound:allow") {
            out.push_str("  # leakhound:allow");
        }
        out.push('\n');
    }
    (out, lines.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Dir(tempfile::TempDir);

    impl Dir {
        fn new() -> Dir {
            Dir(tempfile::tempdir().unwrap())
        }

        fn write(&self, name: &str, text: &str) -> PathBuf {
            let p = self.0.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        }

        fn import(&self, text: &str, keep_builtin: bool) -> Import {
            let input = self.write(".gitleaks.toml", text);
            let opts = ImportOptions {
                keep_builtin,
                output: None,
            };
            import(&input, &opts).unwrap_or_else(|e| panic!("{e}"))
        }
    }

    fn convert(text: &str) -> Import {
        Dir::new().import(text, false)
    }

    fn lost(i: &Import) -> String {
        i.issues.not_converted.join("\n")
    }

    fn notes(i: &Import) -> String {
        i.issues.notes.join("\n")
    }

    #[test]
    fn rules_convert_with_their_settings() {
        let i = convert(
            r#"
[[rules]]
id = "acme-key"
description = "Acme API key"
regex = '''acme_key\s*=\s*['"]([a-z0-9]{24})['"]'''
secretGroup = 1
entropy = 3.2
keywords = ["ACME_KEY", "acme_key"]
tags = ["acme"]
"#,
        );
        assert!(i.issues.is_empty(), "{:?}", i.issues);
        assert_eq!((i.rules, i.allowlists, i.extend_default), (1, 0, false));
        for line in [
            "extend_default = false",
            r#"id = "gitleaks.acme-key""#,
            r#"name = "Acme API key""#,
            r#"provider = "gitleaks""#,
            r#"description = "Converted from gitleaks rule \"acme-key\". Tags: acme.""#,
            r#"pattern = '''acme_key\s*=\s*['"]([a-z0-9]{24})['"]'''"#,
            "secret_group = 1",
            r#"keywords = ["acme_key"]"#,
            "min_entropy = 3.2",
            r#"confidence = "medium""#,
        ] {
            assert!(i.text.contains(line), "{line} not in\n{}", i.text);
        }
        assert!(
            i.text
                .starts_with("# leakhound configuration converted from")
        );
        assert!(
            i.text
                .contains("# 1 rule, 0 allowlists; everything converted.")
        );
    }

    #[test]
    fn without_use_default_only_the_converted_rules_run_unless_told() {
        let text = "[[rules]]\nid = \"a\"\nregex = 'tok_[a-z]{20}'\nkeywords = [\"tok_\"]\n";
        let i = convert(text);
        assert!(!i.extend_default);
        let unwrapped = i.text.replace("\n# ", " ");
        assert!(unwrapped.contains("only the rules below run"), "{}", i.text);
        let i = Dir::new().import(text, true);
        assert!(i.extend_default);
        let unwrapped = i.text.replace("\n# ", " ");
        assert!(unwrapped.contains("--keep-builtin keeps"), "{}", i.text);
        // Allowlists alone would scan with no rule at all: the built-in pack is kept.
        let i = convert("[allowlist]\npaths = ['''\\.lock$''']\n");
        assert!(i.extend_default);
        assert!(i.text.contains("paths = ['*.lock']"), "{}", i.text);
    }

    #[test]
    fn use_default_maps_default_rule_ids_to_builtin_counterparts() {
        let i = convert(
            r#"
[extend]
useDefault = true
disabledRules = ["generic-api-key", "adafruit-api-key"]

[[rules]]
id = "jwt"
[[rules.allowlists]]
paths = ['''^docs/''']

[[allowlists]]
targetRules = ["aws-access-token", "made-up"]
stopwords = ["sample"]

[[allowlists]]
targetRules = ["made-up"]
stopwords = ["never-everywhere"]
"#,
        );
        assert!(i.extend_default);
        assert!(
            i.text
                .contains(r#"disabled_rules = ["generic.assigned-secret"]"#),
            "{}",
            i.text
        );
        assert!(
            i.text
                .contains("rules = [\"jwt.token\"]\npaths = ['/docs/']"),
            "{}",
            i.text
        );
        assert!(
            i.text
                .contains("rules = [\"aws.access-key-id\"]\nstopwords = [\"sample\"]")
        );
        // An allowlist whose targets all fail is skipped, never widened to every rule.
        assert!(!i.text.contains("never-everywhere"), "{}", i.text);
        let lost = lost(&i);
        assert!(
            lost.contains(r#"disabledRules "adafruit-api-key": no known leakhound counterpart"#)
        );
        assert!(
            lost.contains(r#"target rule "made-up" has no leakhound counterpart"#),
            "{lost}"
        );
        assert!(lost.contains("none of its targetRules converted"), "{lost}");
        assert!(notes(&i).contains(r#"disabledRules "generic-api-key" becomes"#));
    }

    #[test]
    fn extend_path_merges_as_gitleaks_does() {
        let d = Dir::new();
        d.write(
            "grand.toml",
            "[[rules]]\nid = \"deep\"\nregex = 'deep_[0-9]{10}'\n",
        );
        d.write(
            "base.toml",
            r#"
[extend]
path = "grand.toml"
[extend.unknownkey]
[[rules]]
id = "shared"
description = "Base description"
regex = 'shr_[a-z0-9]{20}'
entropy = 2.0
keywords = ["shr_"]
[[rules]]
id = "unwanted"
regex = 'unw_[0-9]{8}'
[allowlist]
paths = ['''(^|/)third_party/''']
[[allowlists]]
targetRules = ["shared"]
stopwords = ["ignoredbygitleaks"]
"#,
        );
        d.write(
            "missing-link.toml",
            "[extend]\npath = \"nowhere.toml\"\n[[rules]]\nid = \"x\"\nregex = 'x_[0-9]{9}'\n",
        );
        let i = d.import(
            r#"
[extend]
path = "base.toml"
disabledRules = ["unwanted", "not-there"]
[[rules]]
id = "shared"
entropy = 3.5
keywords = ["more_"]
"#,
            false,
        );
        assert_eq!(i.rules, 2, "{}", i.text);
        assert!(!i.text.contains("unw_"), "{}", i.text);
        assert!(i.text.contains("deep_[0-9]{10}"), "two levels are followed");
        let shared = &i.text[i.text.find("gitleaks.shared").unwrap()..];
        assert!(shared.contains("name = \"Base description\""));
        assert!(shared.contains("min_entropy = 3.5"));
        assert!(
            shared.contains(r#"keywords = ["shr_", "more_"]"#),
            "{shared}"
        );
        assert!(i.text.contains("paths = ['third_party/']"));
        assert!(!i.text.contains("ignoredbygitleaks"));
        let notes = notes(&i);
        assert!(notes.contains("gitleaks ignores targetRules allowlists in extended files"));
        assert!(
            notes.contains(r#"disabledRules "not-there" names no rule"#),
            "{notes}"
        );
        assert!(
            lost(&i).contains("unknown key `unknownkey`"),
            "{}",
            lost(&i)
        );

        let i = d.import("[extend]\npath = \"missing-link.toml\"\n", false);
        assert!(
            lost(&i).contains(r#"path "nowhere.toml" not found"#),
            "{}",
            lost(&i)
        );
        assert_eq!(i.rules, 1);
        let i = d.import("[extend]\npath = \"absent.toml\"\n", false);
        assert!(lost(&i).contains(r#"path "absent.toml" not found"#));
    }

    #[test]
    fn what_cannot_be_converted_is_reported_never_dropped() {
        let i = convert(
            r#"
[[rules]]
id = "go-only"
description = "Go quoting"
regex = '''\Qapi.key=\E([a-f0-9]{32})'''
[[rules]]
id = "bad-class"
regex = '''key=[+--]{20}'''
[[rules.allowlists]]
stopwords = ["x"]
[[rules]]
id = "pem-files"
path = '''\.pem$'''
[[rules]]
id = "scoped"
regex = '''scp_[a-z]{16}'''
path = '''config/'''
[[rules]]
id = "aux"
regex = '''aux_[a-z]{16}'''
skipReport = true
[[rules]]
id = "composite"
regex = '''cmp_[a-z]{16}'''
validate = "cel expression"
[[rules.required]]
id = "aux"
withinLines = 2
[[rules]]
id = "greek"
regex = '''\p{Greek}{4}_[0-9]{8}'''
"#,
        );
        assert!(
            i.text.contains(r"pattern = 'api\.key=([a-f0-9]{32})'"),
            "{}",
            i.text
        );
        assert!(
            i.text.contains(r"pattern = '(?u)\p{Greek}{4}_[0-9]{8}'"),
            "{}",
            i.text
        );
        assert_eq!(i.rules, 4, "go-only, scoped, composite, greek");
        let lost = lost(&i);
        for want in [
            r#"rule "bad-class": skipped (with its 1 allowlist): regex"#,
            r#"rule "pem-files": skipped: a path-only rule"#,
            r#"rule "scoped": `path` "config/" not converted"#,
            r#"rule "aux": skipped: `skipReport`"#,
            r#"rule "composite": required rules ["aux"] not converted"#,
            r#"rule "composite": Betterleaks `validate` expression"#,
        ] {
            assert!(lost.contains(want), "{want} not in\n{lost}");
        }
        assert!(notes(&i).contains("`(?u)` added"));
        assert_eq!(i.issues.not_converted.len(), 6, "{lost}");
    }

    #[test]
    fn allowlists_never_allow_more_than_in_gitleaks() {
        let i = convert(
            r#"
[[rules]]
id = "t"
regex = 'tok_[a-z]{20}'
keywords = ["tok_"]
[[rules.allowlists]]
description = "and: the path is lost, so the whole allowlist goes"
condition = "AND"
paths = ['''\d{4}/fixtures''']
stopwords = ["andlost"]
[[rules.allowlists]]
description = "and: one path of two is enough"
condition = "AND"
paths = ['''\d{4}/fixtures''', '''^fixtures/''']
stopwords = ["andkept"]
[[rules.allowlists]]
description = "or: the rest stays"
paths = ['''[0-9]+\.snap$''']
regexes = ['''^test_''']
regexTarget = "line"
commits = ["abc"]
"#,
        );
        assert!(!i.text.contains("andlost"), "{}", i.text);
        assert!(
            i.text
                .contains("condition = \"all\"\npaths = ['/fixtures/']\nstopwords = [\"andkept\"]"),
            "{}",
            i.text
        );
        assert!(i.text.contains("lines = ['^test_']"), "{}", i.text);
        let lost = lost(&i);
        assert!(
            lost.contains("none of its paths converted, and with condition AND"),
            "{lost}"
        );
        assert!(
            lost.contains(r#"commit "abc" is not a commit id"#),
            "{lost}"
        );
        assert_eq!(i.allowlists, 2);
    }

    #[test]
    fn betterleaks_rules_keep_confidence_entropy_and_value_group() {
        let i = convert(
            r#"
prefilter = '''matchesAny(attributes["path"], [`\.lock$`])'''
[[rules]]
id = "acme-key"
regex = '''acme_(x)?([a-z0-9]{32})'''
valueGroup = 2
confidence = "high"
keywords = ["acme_"]
filter = '''
entropy(finding["secret"]) <= 3.25 || tokenRatio(finding["secret"]) >= 2.5
'''
validate = '''http.get("https://example.invalid")'''
components = [{ id = "acme-host", within = "8L" }]
"#,
        );
        for want in [
            "secret_group = 2",
            "min_entropy = 3.25",
            "confidence = \"high\"",
        ] {
            assert!(i.text.contains(want), "{want} not in\n{}", i.text);
        }
        let lost = lost(&i);
        for want in [
            "Betterleaks `prefilter` expression",
            r#"`filter` terms not converted: tokenRatio(finding["secret"]) >= 2.5"#,
            "Betterleaks `validate` expression (a live check) not converted",
            r#"required rules ["acme-host"] not converted"#,
        ] {
            assert!(lost.contains(want), "{want} not in\n{lost}");
        }
    }

    #[test]
    fn values_leakhound_would_report_are_marked_allowed() {
        // Assembled here so this source file holds no key-like literal.
        let key = format!("{}{}", "AIza", "Sy9fK2mQ7xLp4Vb8nR3tW6cZ1hJ5dG0eUqY");
        let i = convert(&format!(
            "[extend]\nuseDefault = true\n[allowlist]\nregexes = ['''{key}''', '''^dummy$''']\n"
        ));
        assert_eq!(i.allowed_lines, 1, "{}", i.text);
        let marked: Vec<&str> = i
            .text
            .lines()
            .filter(|l| l.ends_with("  # leakhound:allow"))
            .collect();
        assert_eq!(marked.len(), 1, "{}", i.text);
        assert!(marked[0].contains(&key), "{}", i.text);
        ProjectConfig::parse("t.toml", &i.text, Path::new(".")).unwrap();
    }

    #[test]
    fn secret_group_follows_gitleaks_default() {
        let i = convert(
            r#"
[[rules]]
id = "named"
regex = '''(pre)_(?P<secret>[a-z]{20})'''
[[rules]]
id = "whole"
regex = '''whl_[a-z]{20}'''
"#,
        );
        let named = &i.text[i.text.find("gitleaks.named").unwrap()..];
        assert!(named.contains("secret_group = 1"), "{named}");
        let whole = &i.text[i.text.find("gitleaks.whole").unwrap()..];
        assert!(!whole.contains("secret_group"), "{whole}");
        assert!(notes(&i).contains("first group that matched"));
    }

    #[test]
    fn ids_are_made_valid_and_unique() {
        let i = convert(
            "[[rules]]\nid = \"My Key\"\nregex = 'a_[0-9]{9}'\n[[rules]]\nid = \"my-key\"\nregex = 'b_[0-9]{9}'\n",
        );
        assert!(i.text.contains(r#"id = "gitleaks.my-key""#));
        assert!(i.text.contains(r#"id = "gitleaks.my-key-2""#), "{}", i.text);
        assert!(notes(&i).contains(r#"id becomes "gitleaks.my-key-2""#));
    }

    #[test]
    fn unreadable_input_is_an_error() {
        let d = Dir::new();
        let e = import(&d.0.path().join("none.toml"), &ImportOptions::default()).unwrap_err();
        assert!(e.to_string().contains("cannot read"), "{e}");
        let bad = d.write("bad.toml", "[[rules]\n");
        let e = import(&bad, &ImportOptions::default()).unwrap_err();
        assert!(e.to_string().contains("bad.toml:1:"), "{e}");
    }
}
