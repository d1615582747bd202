//! Findings: a secret with its rule, position, provenance and redaction-safe snippet.
//!
//! Secrets never leave this module in clear text unless a caller asks with `reveal = true`;
//! `Debug` and `Display` of a [`Secret`] print the redacted form.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::rules::RuleInfo;

mod enrichment;
mod provenance;
pub mod view;

pub use enrichment::{Enrichment, Identity, InventoryLink};
pub use provenance::{
    DecodedProvenance, FileProvenance, MEMBER_SEPARATOR, MemberProvenance, Origin, Provenance,
    StdinProvenance,
};

/// A secret's bytes. Formatting it prints the redacted form.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(Vec<u8>);

impl Secret {
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(bytes)
    }

    /// The secret in clear. Only verification and `--show-secrets` output should call this.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// The clear text when `reveal`, the redacted form otherwise.
    pub fn render(&self, reveal: bool) -> String {
        if reveal {
            String::from_utf8_lossy(&self.0).into_owned()
        } else {
            self.redacted()
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// First 4 characters and `…`; 2 for secrets under 16 characters, none under 8.
pub fn redact(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let n = text.chars().count();
    let show = match n {
        16.. => 4,
        8..16 => 2,
        _ => 0,
    };
    let mut out: String = text.chars().take(show).collect();
    out.push('\u{2026}');
    out
}

/// The ways `secret` may be written in text besides itself: with `/` escaped as `\/` (JSON,
/// JavaScript) and percent-encoded (URLs, form bodies). Redaction looks for every one of them.
pub fn secret_forms(secret: &[u8]) -> Vec<Vec<u8>> {
    if secret.is_empty() {
        return Vec::new();
    }
    let mut forms = vec![secret.to_vec()];
    let mut push = |form: Vec<u8>| {
        if !forms.contains(&form) {
            forms.push(form);
        }
    };
    let mut json = Vec::with_capacity(secret.len());
    for &b in secret {
        match b {
            b'/' => json.extend_from_slice(b"\\/"),
            b'"' => json.extend_from_slice(b"\\\""),
            b'\\' => json.extend_from_slice(b"\\\\"),
            b => json.push(b),
        }
    }
    push(json);
    let mut percent = Vec::with_capacity(secret.len());
    for &b in secret {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            percent.push(b);
        } else {
            percent.extend_from_slice(format!("%{b:02X}").as_bytes());
        }
    }
    push(percent);
    forms
}

/// Finds every occurrence of secrets' forms: one substring search per form when there are few
/// (a line's secrets), one automaton pass when there are many (a target's).
pub struct SecretFinder {
    search: FinderKind,
    longest: usize,
}

enum FinderKind {
    Few(Vec<memchr::memmem::Finder<'static>>),
    /// A non-contiguous NFA: cheap to build even for long secrets (a private key).
    Many(aho_corasick::AhoCorasick),
}

/// Up to this many forms are searched one by one.
const FEW_FORMS: usize = 16;

impl SecretFinder {
    /// `None` when there is nothing to look for.
    pub fn new(forms: &[Vec<u8>]) -> Option<SecretFinder> {
        let forms: Vec<&Vec<u8>> = forms.iter().filter(|f| !f.is_empty()).collect();
        if forms.is_empty() {
            return None;
        }
        let longest = forms.iter().map(|f| f.len()).max().unwrap_or(0);
        let search = if forms.len() <= FEW_FORMS {
            FinderKind::Few(
                forms
                    .iter()
                    .map(|f| memchr::memmem::Finder::new(f.as_slice()).into_owned())
                    .collect(),
            )
        } else {
            FinderKind::Many(
                aho_corasick::AhoCorasick::builder()
                    .kind(Some(aho_corasick::AhoCorasickKind::NoncontiguousNFA))
                    .build(forms)
                    .expect("secret patterns build"),
            )
        };
        Some(SecretFinder { search, longest })
    }

    /// The longest form: an occurrence that a cut of the text splits lies within this many bytes
    /// of the cut.
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// Every occurrence in `text`, overlapping ones included.
    pub fn find(&self, text: &[u8]) -> Vec<Range<usize>> {
        match &self.search {
            FinderKind::Few(finders) => finders
                .iter()
                .flat_map(|f| {
                    let n = f.needle().len();
                    f.find_iter(text).map(move |at| at..at + n)
                })
                .collect(),
            FinderKind::Many(automaton) => automaton
                .find_overlapping_iter(text)
                .map(|m| m.start()..m.end())
                .collect(),
        }
    }
}

/// SHA-256 (hex) of the rule id and the secret: stable when the code around a secret moves.
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(secret);
    hex(&h.finalize())
}

/// SHA-256 (hex) of the secret alone: the same whichever rule found it, so a hash exported from a
/// secret store (`leakhound identities fingerprint`) matches it.
pub fn secret_hash(secret: &[u8]) -> String {
    hex(&Sha256::digest(secret))
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        use fmt::Write as _;
        write!(out, "{b:02x}").expect("writing to a String");
    }
    out
}

/// Where a secret sits in its blob. Lines and columns are 1-based; columns count characters
/// (Unicode scalar values; each invalid byte counts as one). `end_column` is exclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    pub offset: u64,
    pub line: u64,
    pub column: u64,
    pub end_line: u64,
    pub end_column: u64,
}

/// The line around a secret, with the spans of every secret on it so it can be shown redacted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    text: Vec<u8>,
    secrets: Vec<Range<usize>>,
}

impl Snippet {
    /// Text with no secret in it (yet): [`Snippet::redact_secrets`] can mark some later.
    pub fn plain(text: Vec<u8>) -> Snippet {
        Snippet {
            text,
            secrets: Vec::new(),
        }
    }

    /// Marks every occurrence of each of `secrets` in the text, in each of the forms it is
    /// written in (see [`secret_forms`]), as a secret.
    pub fn redact_secrets<'a>(&mut self, secrets: impl IntoIterator<Item = &'a [u8]>) {
        let forms: Vec<Vec<u8>> = secrets.into_iter().flat_map(secret_forms).collect();
        if let Some(finder) = SecretFinder::new(&forms) {
            self.redact_with(&finder);
        }
    }

    /// Marks every occurrence `finder` knows of as a secret.
    pub fn redact_with(&mut self, finder: &SecretFinder) {
        let mut ranges = std::mem::take(&mut self.secrets);
        ranges.extend(finder.find(&self.text));
        *self = Snippet::new(std::mem::take(&mut self.text), ranges);
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The text in clear. For matching (allowlists), never for output.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// `secrets` are ranges into `text`; they may overlap and come in any order.
    pub fn new(text: Vec<u8>, mut secrets: Vec<Range<usize>>) -> Snippet {
        secrets.retain(|r| r.start < r.end && r.end <= text.len());
        secrets.sort_by_key(|r| (r.start, r.end));
        let mut merged: Vec<Range<usize>> = Vec::new();
        for r in secrets {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        Snippet {
            text,
            secrets: merged,
        }
    }

    pub fn render(&self, reveal: bool) -> String {
        if reveal {
            return String::from_utf8_lossy(&self.text).into_owned();
        }
        let mut out = String::new();
        let mut at = 0;
        for r in &self.secrets {
            out.push_str(&String::from_utf8_lossy(&self.text[at..r.start]));
            out.push_str(&redact(&self.text[r.clone()]));
            at = r.end;
        }
        out.push_str(&String::from_utf8_lossy(&self.text[at..]));
        out
    }
}

/// The path of `path` as raw bytes (lossless on Unix).
#[cfg(unix)]
pub fn path_bytes(path: &std::path::Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
pub fn path_bytes(path: &std::path::Path) -> Vec<u8> {
    path.to_string_lossy().into_owned().into_bytes()
}

/// The order reports use: by path, then the content's version (a git object), nesting, position
/// and rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortKey {
    path: Vec<u8>,
    version: String,
    depth: usize,
    line: u64,
    column: u64,
    rule: String,
}

/// One leaked secret at one place.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Arc<RuleInfo>,
    pub secret: Secret,
    pub fingerprint: String,
    pub entropy: f64,
    pub location: Location,
    pub snippet: Snippet,
    pub origin: Arc<Origin>,
    /// A `leakhound:allow` comment is on a line the secret spans (seen at scan time, on the
    /// whole line, not the cut snippet). Triage drops such findings and counts them.
    pub inline_allow: bool,
    /// What enrichers found out about the secret (identity, liveness).
    pub enrichment: Enrichment,
    /// Text around the secret that its rule asked to keep for enrichers (`context` in the rule:
    /// the JSON object holding a service-account key). Never printed.
    pub context: Option<Arc<[u8]>>,
}

impl Finding {
    /// The order reports use: by path, then the object (for history), position, rule.
    pub fn sort_key(&self) -> SortKey {
        SortKey {
            path: self.origin.path(),
            version: self.origin.version().into_owned(),
            depth: self.origin.depth(),
            line: self.location.line,
            column: self.location.column,
            rule: self.rule.id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_lengths() {
        assert_eq!(redact(b"AKIAQWERTYUIOPASDFGH"), "AKIA\u{2026}");
        assert_eq!(redact(b"abcdefghij"), "ab\u{2026}");
        assert_eq!(redact(b"abc"), "\u{2026}");
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new(b"ghp_supersecretvalue123".to_vec());
        assert_eq!(format!("{s:?}"), "Secret(ghp_\u{2026})");
        assert_eq!(s.to_string(), "ghp_\u{2026}");
    }

    #[test]
    fn snippet_redacts_every_secret() {
        let text = b"a=SECRETONE1234567 b=SECRETTWO7654321".to_vec();
        let s = Snippet::new(text, vec![21..37, 2..18]);
        assert_eq!(s.render(false), "a=SECR\u{2026} b=SECR\u{2026}");
        assert!(s.render(true).contains("SECRETTWO7654321"));
    }

    #[test]
    fn snippet_redacts_every_occurrence_and_form() {
        let mut s = Snippet::plain(b"t=\"ab/cdefgh12345678\" # xxab/cdefgh12345678yy ab\\/cdefgh12345678 ab%2Fcdefgh12345678".to_vec());
        s.redact_secrets([&b"ab/cdefgh12345678"[..]]);
        let out = s.render(false);
        assert!(!out.contains("cdefgh12345678"), "{out}");
    }

    #[test]
    fn fingerprint_is_stable_and_rule_scoped() {
        let a = fingerprint("x.a", b"tok");
        assert_eq!(a, fingerprint("x.a", b"tok"));
        assert_ne!(a, fingerprint("x.b", b"tok"));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn secret_hash_is_plain_sha256() {
        // printf %s tok | sha256sum
        assert_eq!(
            secret_hash(b"tok"),
            "1a7674eb4ee78df7e1ac439a93c3fa8e3c945784d4dec9fd8e3011738b2f1d62"
        );
    }
}
