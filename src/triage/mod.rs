//! Triage: which findings to report. Drops findings allowed inline (`leakhound:allow`), listed in
//! `.leakhoundignore`, allowed by a configuration allowlist, below `min_confidence`, or already in
//! the baseline, and counts each reason so that nothing is suppressed invisibly.
//!
//! Ignores and baselines match by fingerprint (a hash of rule and secret), not by line or commit,
//! so they survive code moving and history being rewritten, and a different secret on an ignored
//! line is still reported.

mod allowlist;
mod baseline;
mod ignorefile;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::finding::Finding;
use crate::rules::Confidence;

pub use allowlist::{AllowCondition, Allowlist, AllowlistError, AllowlistSpec, path_glob};
pub use baseline::Baseline;
pub use ignorefile::{IGNORE_FILE_NAME, IgnoreList};

/// How many findings triage held back, and why. Reports show these so a suppression is never
/// invisible.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Ignored {
    /// A `leakhound:allow` comment on the line.
    pub inline: u64,
    /// A fingerprint listed in `.leakhoundignore`.
    pub ignore_file: u64,
    /// Already in the `--baseline`.
    pub baseline: u64,
    /// An allowlist of the project configuration (path, secret, line, stopword, commit).
    pub allowlist: u64,
    /// Below `min_confidence`.
    pub below_min_confidence: u64,
}

impl Ignored {
    pub fn total(&self) -> u64 {
        self.inline + self.ignore_file + self.baseline + self.allowlist + self.below_min_confidence
    }

    /// Adds another target's counts.
    pub fn add(&mut self, other: &Ignored) {
        self.inline += other.inline;
        self.ignore_file += other.ignore_file;
        self.baseline += other.baseline;
        self.allowlist += other.allowlist;
        self.below_min_confidence += other.below_min_confidence;
    }
}

/// Everything triage needs to know.
#[derive(Debug, Default)]
pub struct Triage {
    /// The project root that path globs are relative to (file findings only; history paths are
    /// already relative to the repository).
    pub root: Option<PathBuf>,
    /// Honour `leakhound:allow` comments (on unless `--no-inline-allow`).
    pub inline: bool,
    pub ignore: IgnoreList,
    pub allowlists: Vec<Allowlist>,
    pub min_confidence: Option<Confidence>,
    pub baseline: Option<Baseline>,
}

/// What triage decided.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings to report.
    pub reported: Vec<Finding>,
    /// Findings held back only because the baseline has them (with `reported`, what a new
    /// baseline should hold).
    pub baselined: Vec<Finding>,
    pub ignored: Ignored,
}

impl Triage {
    pub fn apply(&self, findings: Vec<Finding>) -> Outcome {
        let mut out = Outcome::default();
        for f in findings {
            if self.inline && f.inline_allow {
                out.ignored.inline += 1;
            } else if self.ignore.contains(&f.fingerprint) {
                out.ignored.ignore_file += 1;
            } else if self.allowed(&f) {
                out.ignored.allowlist += 1;
            } else if self.min_confidence.is_some_and(|m| f.rule.confidence < m) {
                out.ignored.below_min_confidence += 1;
            } else if self.baseline.as_ref().is_some_and(|b| b.contains(&f)) {
                out.ignored.baseline += 1;
                out.baselined.push(f);
            } else {
                out.reported.push(f);
            }
        }
        out
    }

    fn allowed(&self, f: &Finding) -> bool {
        if self.allowlists.is_empty() {
            return false;
        }
        let path = f.origin.path();
        let path = self.relative_path(f, &path);
        self.allowlists.iter().any(|a| a.allows(f, path))
    }

    /// The finding's path relative to the project root, `/`-separated, without a leading `./`.
    fn relative_path<'a>(&self, f: &Finding, path: &'a [u8]) -> &'a [u8] {
        let mut p = path;
        if f.origin.root().level().is_local_file()
            && let Some(root) = &self.root
        {
            p = strip_root(p, root);
        }
        while let Some(rest) = p.strip_prefix(b"./") {
            p = rest;
        }
        p
    }
}

fn strip_root<'a>(path: &'a [u8], root: &Path) -> &'a [u8] {
    let root = crate::finding::path_bytes(root);
    let root = root.strip_suffix(b"/").unwrap_or(&root);
    if root.is_empty() || root == b"." {
        return path;
    }
    match path.strip_prefix(root) {
        Some(rest) if rest.first() == Some(&b'/') => &rest[1..],
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::strip_root;
    use std::path::Path;

    #[test]
    fn paths_are_made_relative_to_the_root() {
        assert_eq!(strip_root(b"/p/a/b.txt", Path::new("/p")), b"a/b.txt");
        assert_eq!(strip_root(b"/p/a/b.txt", Path::new("/p/")), b"a/b.txt");
        assert_eq!(strip_root(b"/pa/b.txt", Path::new("/p")), b"/pa/b.txt");
        assert_eq!(strip_root(b"./a/b.txt", Path::new(".")), b"./a/b.txt");
    }
}
