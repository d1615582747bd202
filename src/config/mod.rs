//! The project configuration, `.leakhound.toml`: which rules run (extra, disabled, the built-in
//! pack or not), allowlists (global and per rule), `min_confidence` and size limits.
//!
//! Every key is checked: an unknown or misspelt key is an error naming the file and line, because
//! a silently ignored allowlist is worse than none. Paths in the file are relative to the file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::rules::Confidence;
use crate::triage::{AllowCondition, Allowlist, AllowlistError, AllowlistSpec};

/// The name looked for at a project's root.
pub const FILE_NAME: &str = ".leakhound.toml";

pub use crate::diag::FileError as ConfigError;

/// The file as serde reads it. Field docs are the reference (docs/config.md repeats them).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigSpec {
    /// Keep the built-in rule pack (default) or use only the rules this file names.
    pub extend_default: Option<bool>,
    /// Drop findings of rules below this confidence (`low`, `medium`, `high`).
    pub min_confidence: Option<String>,
    /// Skip files (and blobs) larger than this (`25MiB`, `512K`).
    pub max_file_size: Option<String>,
    /// Rule ids not to run (a trailing `*` matches a prefix).
    #[serde(default)]
    pub disabled_rules: Vec<String>,
    /// Extra rule files or directories of `*.toml`, relative to this file.
    #[serde(default)]
    pub rule_files: Vec<String>,
    /// Extra rules, in the rule-file format (`[[rules]]` tables), checked like any rule file.
    #[serde(default)]
    pub rules: Vec<toml::Value>,
    /// The global allowlist: applies to every rule.
    pub allowlist: Option<AllowlistSpec>,
    /// More allowlists, usually scoped to some rules with `rules = [...]`.
    #[serde(default)]
    pub allowlists: Vec<AllowlistSpec>,
}

/// A loaded, validated configuration.
#[derive(Debug, Default)]
pub struct ProjectConfig {
    /// The file it was read from (`None` when no file was used).
    pub path: Option<PathBuf>,
    pub extend_default: bool,
    pub min_confidence: Option<Confidence>,
    pub max_file_size: Option<u64>,
    pub disabled_rules: Vec<String>,
    /// Rule files and directories, resolved against the configuration file's directory.
    pub rule_files: Vec<PathBuf>,
    /// The file's own text, when it defines `[[rules]]`: the rule loader reads them from it so
    /// that rule errors carry this file's line numbers.
    pub inline_rules: Option<String>,
    pub allowlists: Vec<Allowlist>,
}

impl ProjectConfig {
    /// No file: the defaults.
    pub fn none() -> ProjectConfig {
        ProjectConfig {
            extend_default: true,
            ..ProjectConfig::default()
        }
    }

    /// Reads and validates `path`; every problem is returned, each with its line.
    pub fn load(path: &Path) -> Result<ProjectConfig, Vec<ConfigError>> {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![ConfigError {
                file: label.clone(),
                line: None,
                message: format!("cannot read configuration: {e}"),
            }]
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut cfg = ProjectConfig::parse(&label, &text, base)?;
        cfg.path = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// Validates configuration `text`; `label` names it in errors and relative paths in it are
    /// resolved against `base`.
    pub fn parse(label: &str, text: &str, base: &Path) -> Result<ProjectConfig, Vec<ConfigError>> {
        let err = |line: Option<usize>, message: String| ConfigError {
            file: label.to_string(),
            line,
            message,
        };
        let spec: ConfigSpec = toml::from_str(text).map_err(|e| {
            vec![err(
                e.span().map(|s| crate::rules::line_of(text, s.start)),
                e.message().trim().to_string(),
            )]
        })?;
        let mut errors = Vec::new();
        let min_confidence = match spec.min_confidence.as_deref().map(str::parse::<Confidence>) {
            None => None,
            Some(Ok(c)) => Some(c),
            Some(Err(e)) => {
                errors.push(err(key_line(text, "min_confidence"), e));
                None
            }
        };
        let max_file_size = match spec.max_file_size.as_deref().map(parse_size) {
            None => None,
            Some(Ok(n)) => Some(n),
            Some(Err(e)) => {
                errors.push(err(key_line(text, "max_file_size"), e));
                None
            }
        };
        let mut allowlists = Vec::new();
        let specs = spec.allowlist.into_iter().chain(spec.allowlists);
        for a in specs {
            match compile_allowlist(&a) {
                Ok(list) => allowlists.push(list),
                Err(e) => errors.push(err(find_line(text, &e.value), e.message)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ProjectConfig {
            path: None,
            extend_default: spec.extend_default.unwrap_or(true),
            min_confidence,
            max_file_size,
            disabled_rules: spec.disabled_rules,
            rule_files: spec.rule_files.iter().map(|p| base.join(p)).collect(),
            inline_rules: (!spec.rules.is_empty()).then(|| text.to_string()),
            allowlists,
        })
    }

    /// The configuration for a scan rooted at `root`: `explicit` (`--config`) when given,
    /// otherwise `root/.leakhound.toml` if it exists, otherwise the defaults.
    pub fn discover(
        explicit: Option<&Path>,
        root: Option<&Path>,
    ) -> Result<ProjectConfig, Vec<ConfigError>> {
        if let Some(p) = explicit {
            return ProjectConfig::load(p);
        }
        let Some(root) = root else {
            return Ok(ProjectConfig::none());
        };
        let path = root.join(FILE_NAME);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => Err(vec![ConfigError {
                file: path.display().to_string(),
                line: None,
                message: "is a symbolic link: a configuration found in the scanned tree is read \
                          only when it is a regular file (pass it with --config to trust it)"
                    .to_string(),
            }]),
            Ok(m) if m.is_file() => {
                let config = ProjectConfig::load(&path)?;
                confine(&config, root, &path)?;
                Ok(config)
            }
            _ => Ok(ProjectConfig::none()),
        }
    }
}

/// A configuration found in the scanned tree (not named with `--config`) comes from the content
/// being scanned: the rule files it names must be inside that tree, so a scanned repository
/// cannot make leakhound read files elsewhere on the machine.
fn confine(config: &ProjectConfig, root: &Path, file: &Path) -> Result<(), Vec<ConfigError>> {
    let Ok(root) = root.canonicalize() else {
        return Ok(());
    };
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let errors: Vec<ConfigError> = config
        .rule_files
        .iter()
        .filter(|p| !p.canonicalize().is_ok_and(|c| c.starts_with(&root)))
        .filter(|p| p.exists())
        .map(|p| ConfigError {
            file: file.display().to_string(),
            line: key_line(&text, "rule_files"),
            message: format!(
                "rule_files: {} is outside the scanned tree; a configuration found in the tree \
                 may only name files inside it (pass it with --config to trust it)",
                p.display()
            ),
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn compile_allowlist(a: &AllowlistSpec) -> Result<Allowlist, AllowlistError> {
    let condition = match a.condition.as_deref() {
        None | Some("any") | Some("or") | Some("OR") => AllowCondition::Any,
        Some("all") | Some("and") | Some("AND") => AllowCondition::All,
        Some(other) => {
            return Err(AllowlistError {
                value: other.to_string(),
                message: format!("condition must be \"any\" or \"all\", not {other:?}"),
            });
        }
    };
    Allowlist::new(a, condition)
}

/// The line of the first `key = ...` in `text`.
fn key_line(text: &str, key: &str) -> Option<usize> {
    crate::rules::key_line(text, 1, usize::MAX, key)
}

/// The line where `value` first appears in `text` (to point at a bad regex or glob).
fn find_line(text: &str, value: &str) -> Option<usize> {
    if value.is_empty() {
        return None;
    }
    text.find(value)
        .or_else(|| text.find(&value.replace('\\', "\\\\")))
        .map(|at| crate::rules::line_of(text, at))
}

/// `25MiB`, `512K`, `1G`, `1000` -> bytes. K, M, G (with or without `i`/`B`) are powers of 1024.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    if num.is_empty() {
        return Err(format!("{s:?} is not a size (examples: 25MiB, 512K, 1000)"));
    }
    let n: u64 = num.parse().map_err(|_| format!("{s:?} is not a size"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit {other:?} in {s:?} (use K, M or G)"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ProjectConfig, Vec<ConfigError>> {
        ProjectConfig::parse("t.toml", text, Path::new("/proj"))
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("25MiB").unwrap(), 25 << 20);
        assert_eq!(parse_size("512K").unwrap(), 512 << 10);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert_eq!(parse_size("1 GB").unwrap(), 1 << 30);
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("10 parsecs").is_err());
    }

    #[test]
    fn full_config_parses() {
        let cfg = parse(
            r#"
extend_default = false
min_confidence = "medium"
max_file_size = "1MiB"
disabled_rules = ["generic.*"]
rule_files = ["rules"]

[allowlist]
paths = ["tests/**"]
secrets = ['^AKIA.*EXAMPLE$']
stopwords = ["dummy"]

[[allowlists]]
rules = ["aws.*"]
condition = "all"
paths = ["docs/**"]
lines = ["example"]
"#,
        )
        .unwrap();
        assert!(!cfg.extend_default);
        assert_eq!(cfg.min_confidence, Some(Confidence::Medium));
        assert_eq!(cfg.max_file_size, Some(1 << 20));
        assert_eq!(cfg.rule_files, vec![PathBuf::from("/proj/rules")]);
        assert_eq!(cfg.allowlists.len(), 2);
        assert!(cfg.inline_rules.is_none());
    }

    #[test]
    fn unknown_keys_name_their_line() {
        let e = parse("min_confidence = \"low\"\n\n[allowlist]\npath = [\"x\"]\n").unwrap_err();
        assert_eq!(e[0].line, Some(4), "{e:?}");
        assert!(e[0].message.contains("unknown field `path`"), "{e:?}");
        let e = parse("extend_defaults = true\n").unwrap_err();
        assert_eq!(e[0].line, Some(1));
    }

    #[test]
    fn bad_values_name_their_line() {
        let e = parse("\nmin_confidence = \"severe\"\n").unwrap_err();
        assert_eq!(e[0].line, Some(2));
        let e = parse("[allowlist]\n\nsecrets = ['(unclosed']\n").unwrap_err();
        assert_eq!(e[0].line, Some(3), "{e:?}");
        assert!(e[0].message.contains("regex"), "{e:?}");
        let e = parse("[allowlist]\ncondition = \"most\"\n").unwrap_err();
        assert_eq!(e[0].line, Some(2), "{e:?}");
    }
}
