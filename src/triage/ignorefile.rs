//! `.leakhoundignore`: fingerprints of findings to ignore, one per line, each with an optional
//! `# why`. A fingerprint names a rule and a secret, so the ignore follows the secret wherever it
//! moves, and never hides a different secret.

use std::collections::HashSet;
use std::path::Path;

use crate::diag::FileError as ConfigError;

/// The name looked for at a project's root.
pub const IGNORE_FILE_NAME: &str = ".leakhoundignore";

/// Shortest fingerprint prefix accepted (the human format prints 16 hex digits).
const MIN_PREFIX: usize = 16;

/// The fingerprints (or prefixes of at least 16 hex digits) to ignore.
#[derive(Debug, Default)]
pub struct IgnoreList {
    full: HashSet<String>,
    prefixes: Vec<String>,
}

impl IgnoreList {
    /// Reads `path`; a malformed line is an error naming its line.
    pub fn load(path: &Path) -> Result<IgnoreList, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.display().to_string(),
            line: None,
            message: format!("cannot read ignore file: {e}"),
        })?;
        IgnoreList::parse(&path.display().to_string(), &text)
    }

    pub fn parse(label: &str, text: &str) -> Result<IgnoreList, ConfigError> {
        let mut list = IgnoreList::default();
        for (i, line) in text.lines().enumerate() {
            let entry = line.split('#').next().unwrap_or("").trim();
            if entry.is_empty() {
                continue;
            }
            if entry.len() < MIN_PREFIX
                || entry.len() > 64
                || !entry.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(ConfigError {
                    file: label.to_string(),
                    line: Some(i + 1),
                    message: format!(
                        "{entry:?} is not a finding fingerprint (16 to 64 hex digits, then an \
                         optional `# reason`)"
                    ),
                });
            }
            let entry = entry.to_ascii_lowercase();
            if entry.len() == 64 {
                list.full.insert(entry);
            } else {
                list.prefixes.push(entry);
            }
        }
        Ok(list)
    }

    pub fn contains(&self, fingerprint: &str) -> bool {
        self.full.contains(fingerprint) || self.prefixes.iter().any(|p| fingerprint.starts_with(p))
    }

    pub fn is_empty(&self) -> bool {
        self.full.is_empty() && self.prefixes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::IgnoreList;

    #[test]
    fn entries_comments_and_errors() {
        let fp = "ab".repeat(32);
        let text =
            format!("# test keys\n{fp}  # fixture key, revoked\n\n0123456789abcdef # short\n");
        let list = IgnoreList::parse("i", &text).unwrap();
        assert!(list.contains(&fp));
        assert!(list.contains(&format!("0123456789abcdef{}", "0".repeat(48))));
        assert!(!list.contains(&"cd".repeat(32)));
        let e = IgnoreList::parse("i", "\nnot-a-fingerprint\n").unwrap_err();
        assert_eq!(e.line, Some(2));
    }
}
