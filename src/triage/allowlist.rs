//! Allowlists from the project configuration: findings allowed by path, secret, line, stopword or
//! commit, for every rule or for some.

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use regex_automata::meta::Regex;
use serde::Deserialize;

use crate::finding::Finding;
use crate::rules::id_matches;

/// One allowlist as the configuration file writes it. A finding is allowed when the allowlist
/// applies to its rule and any (or, with `condition = "all"`, every) of the given criteria
/// matches it.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSpec {
    pub description: Option<String>,
    /// Rule ids this allowlist is for (`*` suffix for a prefix); empty means every rule.
    #[serde(default)]
    pub rules: Vec<String>,
    /// `any` (default) or `all` of the criteria below.
    pub condition: Option<String>,
    /// Gitignore-style globs matched against the finding's path (`tests/fixtures/`, `*.lock`).
    #[serde(default)]
    pub paths: Vec<String>,
    /// Regexes searched in the secret.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Regexes searched in the line holding the secret.
    #[serde(default)]
    pub lines: Vec<String>,
    /// Words that, found in the secret (ASCII case-insensitive), mark it as not a credential.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Commits (full ids or prefixes of at least 7 hex digits) whose findings are allowed.
    #[serde(default)]
    pub commits: Vec<String>,
}

/// Whether any or all of an allowlist's criteria must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllowCondition {
    Any,
    All,
}

/// A value in an allowlist that does not compile, and why.
#[derive(Debug, Clone)]
pub struct AllowlistError {
    /// The offending value as written (used to find its line).
    pub value: String,
    pub message: String,
}

/// One compiled allowlist.
#[derive(Debug)]
pub struct Allowlist {
    pub description: Option<String>,
    rules: Vec<String>,
    condition: AllowCondition,
    paths: Option<GlobSet>,
    secrets: Vec<Regex>,
    lines: Vec<Regex>,
    /// Lower-case.
    stopwords: Vec<String>,
    commits: Vec<String>,
}

impl Allowlist {
    pub fn new(
        spec: &AllowlistSpec,
        condition: AllowCondition,
    ) -> Result<Allowlist, AllowlistError> {
        let bad = |value: &str, message: String| AllowlistError {
            value: value.to_string(),
            message,
        };
        if spec.paths.is_empty()
            && spec.secrets.is_empty()
            && spec.lines.is_empty()
            && spec.stopwords.is_empty()
            && spec.commits.is_empty()
        {
            let what = spec
                .description
                .as_deref()
                .map_or(String::new(), |d| format!(" ({d})"));
            return Err(bad(
                "",
                format!(
                    "an allowlist{what} needs at least one of paths, secrets, lines, stopwords, commits"
                ),
            ));
        }
        let paths = if spec.paths.is_empty() {
            None
        } else {
            let mut set = GlobSetBuilder::new();
            for p in &spec.paths {
                let glob = GlobBuilder::new(&path_glob(p))
                    .literal_separator(true)
                    .backslash_escape(true)
                    .build()
                    .map_err(|e| bad(p, format!("bad path glob {p:?}: {}", e.kind())))?;
                set.add(glob);
            }
            Some(set.build().map_err(|e| bad("", e.to_string()))?)
        };
        let regexes = |list: &[String], what: &str| -> Result<Vec<Regex>, AllowlistError> {
            list.iter()
                .map(|r| Regex::new(r).map_err(|e| bad(r, format!("bad {what} regex {r:?}: {e}"))))
                .collect()
        };
        for c in &spec.commits {
            if c.len() < 7 || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad(
                    c,
                    format!("commit {c:?} is not a commit id (at least 7 hex digits)"),
                ));
            }
        }
        Ok(Allowlist {
            description: spec.description.clone(),
            rules: spec.rules.clone(),
            condition,
            paths,
            secrets: regexes(&spec.secrets, "secret")?,
            lines: regexes(&spec.lines, "line")?,
            stopwords: spec
                .stopwords
                .iter()
                .filter(|w| !w.is_empty())
                .map(|w| w.to_ascii_lowercase())
                .collect(),
            commits: spec
                .commits
                .iter()
                .map(|c| c.to_ascii_lowercase())
                .collect(),
        })
    }

    /// Whether this allowlist lets `f` (at `path`, relative to the project root) through.
    pub fn allows(&self, f: &Finding, path: &[u8]) -> bool {
        if !self.rules.is_empty() && !self.rules.iter().any(|r| id_matches(r, &f.rule.id)) {
            return false;
        }
        let secret = f.secret.expose();
        let checks: [Option<bool>; 5] = [
            self.paths
                .as_ref()
                .map(|set| set.is_match(String::from_utf8_lossy(path).as_ref())),
            (!self.secrets.is_empty()).then(|| self.secrets.iter().any(|r| r.is_match(secret))),
            (!self.lines.is_empty())
                .then(|| self.lines.iter().any(|r| r.is_match(f.snippet.text()))),
            (!self.stopwords.is_empty()).then(|| {
                let lower = secret.to_ascii_lowercase();
                self.stopwords
                    .iter()
                    .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
            }),
            (!self.commits.is_empty()).then(|| {
                f.origin
                    .root()
                    .level()
                    .commit_id()
                    .is_some_and(|c| self.commits.iter().any(|p| c.starts_with(p.as_str())))
            }),
        ];
        let mut given = checks.iter().flatten();
        match self.condition {
            AllowCondition::Any => given.any(|&m| m),
            AllowCondition::All => given.all(|&m| m),
        }
    }
}

/// The globset spelling of a gitignore-style path glob (matched by `globset`, with `*` not
/// crossing `/`): a pattern with no `/` matches a name at any depth (`*.lock`), a trailing `/`
/// means everything under a directory, and a leading `/` anchors at the root. Unlike a
/// `.gitignore`, a pattern names paths, not directories to prune: `*.lock` does not allow
/// `a.lock/inner.txt` (as the gitleaks regex `\.lock$` it may come from does not).
pub fn path_glob(p: &str) -> String {
    let mut g = p.to_string();
    if g.ends_with('/') {
        g.push_str("**");
    }
    if let Some(rest) = g.strip_prefix('/') {
        return rest.to_string();
    }
    if !g.trim_end_matches("/**").contains('/') {
        g = format!("**/{g}");
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allows_path(patterns: &[&str], path: &str) -> bool {
        let spec = AllowlistSpec {
            paths: patterns.iter().map(|p| p.to_string()).collect(),
            ..AllowlistSpec::default()
        };
        let a = Allowlist::new(&spec, AllowCondition::Any).unwrap();
        a.paths.as_ref().unwrap().is_match(path)
    }

    #[test]
    fn path_patterns_have_gitignore_like_meaning() {
        assert_eq!(path_glob("*.lock"), "**/*.lock");
        assert!(allows_path(&["*.lock"], "deep/dir/Cargo.lock"));
        assert!(!allows_path(&["*.lock"], "a.lock/inner.txt"));
        assert!(allows_path(&["vendor/"], "a/vendor/x/y.txt"));
        assert!(allows_path(&["/vendor/"], "vendor/y.txt"));
        assert!(!allows_path(&["/vendor/"], "a/vendor/y.txt"));
        assert!(allows_path(
            &["tests/fixtures/**"],
            "tests/fixtures/a/b.env"
        ));
        assert!(!allows_path(
            &["tests/fixtures/**"],
            "src/tests/fixtures.rs"
        ));
    }
}
