//! `sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! The log is written with `serde_json` rather than a SARIF types crate. `serde-sarif` 0.8 builds
//! with our toolchain, but it adds twelve crates (among them a second major version of `syn` and
//! a build script that generates its types from the schema with `schemafy`), and the fields that
//! matter most here (`level`, `version`, `columnKind`, a notification's level) are untyped
//! `serde_json::Value` in it anyway. What a types crate would guard against, a misspelt or
//! misplaced property, the integration tests catch instead: they validate every log with
//! Microsoft's SARIF multitool, whose schema forbids unknown properties, and with its GitHub rules.
//!
//! Choices, documented in docs/output.md:
//! - Confidence maps to `level` (`high`, `medium`: `error`; `low`: `warning`), to `precision`, and
//!   to `security-severity` (`high` 8.9, `medium` 7.0, `low` 4.0: a real leaked credential is a
//!   high-severity problem, and the lower scores rank the likelier false alarms below it).
//! - `region` is the secret itself (its `snippet` the redacted secret); `contextRegion` is its
//!   line, with the redacted line as the snippet.
//! - GitHub rejects a run with more than 25,000 results: above that, the most confident findings
//!   are kept and a notification says how many were left out.
//! - Every rule the scan ran is described while there are at most 1,000 of them (GitHub's limit);
//!   a larger pack describes the rules that have results.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{Map, Value, json};

use super::{Report, ReportInput};
use crate::finding::view::FindingView;
use crate::rules::{Confidence, RuleInfo};

pub struct Sarif;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The key of our fingerprint in `partialFingerprints`; bump the version if its meaning changes.
pub const FINGERPRINT_KEY: &str = "leakhound/v1";
/// GitHub reads at most this many rule descriptors of a run (the SARIF SDK's GitHub policy,
/// GH1004, flags more).
pub const MAX_RULES: usize = 1000;
/// GitHub code scanning rejects a run with more results than this.
pub const MAX_RESULTS: usize = 25_000;

impl Report for Sarif {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &self.log(input))?;
        writeln!(out)
    }
}

impl Sarif {
    fn log(&self, input: &ReportInput<'_>) -> Value {
        let rules = Descriptors::new(input);
        let (kept, left_out) = keep_most_confident(input.findings, MAX_RESULTS);
        let results: Vec<Value> = kept
            .iter()
            .map(|f| self.result(f, rules.index(&f.rule_id)))
            .collect();
        let mut driver = json!({
            "name": "leakhound",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
        });
        if let Some(uri) = information_uri() {
            driver["informationUri"] = json!(uri);
        }
        driver["rules"] = Value::Array(rules.list.iter().map(descriptor).collect());
        json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": driver },
                "invocations": [invocation(input, left_out)],
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": { "summary": input.run.summary },
            }],
        })
    }

    fn result(&self, f: &FindingView, rule_index: usize) -> Value {
        let secret = &f.secret;
        let mut text = format!("{}: {secret} found", f.rule_name);
        for b in &f.place.brief {
            text.push_str(", ");
            text.push_str(b);
        }
        text.push_str(". Rotate or revoke it, then remove it from the code.");
        let mut physical = json!({
            "artifactLocation": { "uri": path_uri(&f.place.root_path) },
        });
        // Inside an archive member the line is the member's: the location names the archive
        // file, and the properties say where inside it the secret is.
        if f.place.positions_in_root {
            physical["region"] = json!({
                "startLine": f.line,
                "startColumn": f.column,
                "endLine": f.end_line,
                "endColumn": f.end_column,
                "snippet": { "text": secret },
            });
            if !f.snippet.is_empty() {
                physical["contextRegion"] = json!({
                    "startLine": f.line,
                    "endLine": f.end_line,
                    "snippet": { "text": f.snippet },
                });
            }
        }
        let mut properties = Map::new();
        properties.insert("confidence".into(), json!(f.confidence));
        properties.insert("redacted".into(), json!(f.redacted));
        if !f.place.positions_in_root {
            properties.insert("path".into(), json!(f.path));
            properties.insert("line".into(), json!(f.line));
            properties.insert("column".into(), json!(f.column));
        }
        properties.extend(f.place.flat.clone());
        if let Some(link) = &f.place.link {
            properties.insert("link".into(), json!(link));
        }
        if let Some(identity) = &f.identity {
            properties.insert("identity".into(), json!(identity));
        }
        let mut fingerprints = Map::new();
        fingerprints.insert(FINGERPRINT_KEY.into(), json!(f.fingerprint));
        json!({
            "ruleId": f.rule_id,
            "ruleIndex": rule_index,
            "level": level(f.confidence),
            "message": { "text": text },
            "locations": [{ "physicalLocation": physical }],
            "partialFingerprints": fingerprints,
            "properties": properties,
        })
    }
}

/// The rules of the run, in order, with each id's index (GitHub reads `ruleIndex`).
struct Descriptors {
    list: Vec<RuleInfo>,
    index: HashMap<String, usize>,
}

impl Descriptors {
    /// Every rule the scan ran, then any rule a finding names that is not among them (a report
    /// fed findings from elsewhere must still point every result at a descriptor). Past
    /// [`MAX_RULES`], only the rules with results are described, in the run's order.
    fn new(input: &ReportInput<'_>) -> Descriptors {
        let mut d = Descriptors {
            list: Vec::new(),
            index: HashMap::new(),
        };
        let with_results: std::collections::HashSet<&str> =
            input.findings.iter().map(|f| f.rule_id.as_str()).collect();
        let all = input.run.rules.len() <= MAX_RULES;
        let known = input
            .run
            .rules
            .iter()
            .filter(|r| all || with_results.contains(r.id.as_str()))
            .map(|r| (**r).clone());
        let named = input.findings.iter().map(|f| RuleInfo {
            id: f.rule_id.clone(),
            name: f.rule_name.clone(),
            provider: f.provider.clone(),
            confidence: f.confidence,
            description: None,
            references: Vec::new(),
            origin: String::new(),
            context: Default::default(),
        });
        for rule in known.chain(named) {
            if !d.index.contains_key(rule.id.as_str()) {
                d.index.insert(rule.id.clone(), d.list.len());
                d.list.push(rule);
            }
        }
        d
    }

    fn index(&self, id: &str) -> usize {
        self.index[id]
    }
}

/// A `reportingDescriptor` with everything GitHub shows for a rule.
fn descriptor(rule: &RuleInfo) -> Value {
    let full = match &rule.description {
        Some(d) => d.clone(),
        None => format!("{} ({}).", rule.name, rule.provider),
    };
    let mut d = json!({
        "id": rule.id,
        "name": pascal_case(&rule.name),
        "shortDescription": { "text": rule.name },
        "fullDescription": { "text": full },
        "help": help(rule, &full),
        "defaultConfiguration": { "level": level(rule.confidence) },
        "properties": {
            "tags": ["security", "secret", rule.provider],
            "precision": rule.confidence.as_str(),
            "security-severity": security_severity(rule.confidence),
            "confidence": rule.confidence,
            "provider": rule.provider,
        },
    });
    if let Some(uri) = rule.references.first() {
        d["helpUri"] = json!(uri);
    }
    d
}

fn help(rule: &RuleInfo, full: &str) -> Value {
    let what = format!(
        "{full}\n\nA leaked secret stays usable by anyone who has read the file or its history. \
         Rotate or revoke it where it was issued ({}) first, then remove it from the code (and \
         from the history if it was committed) and load it from a secret store.",
        rule.provider
    );
    let mut text = what.clone();
    let mut markdown = what;
    if !rule.references.is_empty() {
        text.push_str("\n\nReferences:");
        markdown.push_str("\n\nReferences:\n");
        for r in &rule.references {
            text.push_str(&format!("\n- {r}"));
            markdown.push_str(&format!("\n- <{r}>"));
        }
    }
    json!({ "text": text, "markdown": markdown })
}

fn invocation(input: &ReportInput<'_>, left_out: usize) -> Value {
    let mut notes: Vec<Value> = input
        .run
        .errors
        .iter()
        .map(|e| {
            json!({
                "level": "error",
                "message": { "text": format!("{}: {}", e.subject, e.message) },
                "properties": { "subject": e.subject },
            })
        })
        .collect();
    if left_out > 0 {
        notes.push(json!({
            "level": "warning",
            "message": { "text": format!(
                "{left_out} findings were left out: GitHub code scanning rejects a run with more \
                 than {MAX_RESULTS} results. The json format lists them all."
            ) },
        }));
    }
    notes.extend(input.run.notes.iter().map(|n| {
        json!({
            "level": "note",
            "message": { "text": n },
        })
    }));
    let mut inv = json!({ "executionSuccessful": input.run.summary.errors == 0 });
    // Relative paths are relative to it; GitHub needs it to place absolute ones in the checkout.
    if let Some(dir) = working_directory() {
        inv["workingDirectory"] = json!({ "uri": dir });
    }
    if !notes.is_empty() {
        inv["toolExecutionNotifications"] = Value::Array(notes);
    }
    inv
}

/// The findings to report: all of them, or the `max` most confident (in their original order).
fn keep_most_confident(findings: &[FindingView], max: usize) -> (Vec<&FindingView>, usize) {
    if findings.len() <= max {
        return (findings.iter().collect(), 0);
    }
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(findings[i].confidence));
    let mut keep = order[..max].to_vec();
    keep.sort_unstable();
    (
        keep.into_iter().map(|i| &findings[i]).collect(),
        findings.len() - max,
    )
}

pub(super) fn level(c: Confidence) -> &'static str {
    match c {
        Confidence::High | Confidence::Medium => "error",
        Confidence::Low => "warning",
    }
}

/// GitHub's bands: 9.0 and above critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, below low.
fn security_severity(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "8.9",
        Confidence::Medium => "7.0",
        Confidence::Low => "4.0",
    }
}

fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|u| !u.is_empty())
}

/// The current directory as a `file://` URI ending in `/`.
fn working_directory() -> Option<String> {
    let dir = std::env::current_dir().ok()?;
    let mut uri = path_uri(&crate::finding::path_bytes(&dir));
    if !uri.starts_with("file:") {
        return None;
    }
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

/// `AWS access key ID` -> `AWSAccessKeyID`: each word capitalised, separators dropped.
fn pascal_case(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
            first.unwrap_or_default() + chars.as_str()
        })
        .collect()
}

/// A path as a SARIF `uri`: a relative reference for a relative path (what GitHub maps onto the
/// repository), a `file://` URI for an absolute one. Bytes outside RFC 3986's path characters are
/// percent-encoded from the raw path bytes, so a name that is not UTF-8 survives exactly. `:` is
/// encoded too (a colon in a first segment would read as a scheme), and `+` (some decoders read it
/// as a space).
pub(super) fn path_uri(path: &[u8]) -> String {
    let path = native_separators(path);
    let mut rel: &[u8] = &path;
    while let Some(rest) = rel.strip_prefix(b"./") {
        rel = rest;
    }
    let mut uri = String::with_capacity(rel.len() + 8);
    if rel.first() == Some(&b'/') {
        uri.push_str("file://");
    } else if is_drive_path(rel) {
        uri.push_str("file:///");
    }
    for (i, &b) in rel.iter().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~/!$&'()*,;=@".contains(&b)
            || (b == b':' && i == 1 && is_drive_path(rel));
        if keep {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// `C:/...` (after separators are normalised): a Windows absolute path.
fn is_drive_path(p: &[u8]) -> bool {
    cfg!(windows) && p.len() >= 3 && p[0].is_ascii_alphabetic() && p[1] == b':' && p[2] == b'/'
}

/// Paths use `/` in URIs; on Windows a path's `\` is a separator, elsewhere part of a name.
fn native_separators(path: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if cfg!(windows) && path.contains(&b'\\') {
        path.iter()
            .map(|&b| if b == b'\\' { b'/' } else { b })
            .collect::<Vec<u8>>()
            .into()
    } else {
        path.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_references_or_file_uris() {
        assert_eq!(path_uri(b"config/prod.env"), "config/prod.env");
        assert_eq!(path_uri(b"./a b/c#d?.txt"), "a%20b/c%23d%3F.txt");
        assert_eq!(path_uri(b"a:b,c+d%e"), "a%3Ab,c%2Bd%25e");
        assert_eq!(path_uri(b"caf\xc3\xa9/\xff.txt"), "caf%C3%A9/%FF.txt");
        assert_eq!(path_uri(b"/srv/app/.env"), "file:///srv/app/.env");
    }

    fn finding(confidence: Confidence, line: u64) -> FindingView {
        let rule = RuleInfo {
            id: format!("t.{}", confidence.as_str()),
            name: "Test".into(),
            provider: "t".into(),
            confidence,
            description: None,
            references: Vec::new(),
            origin: "test".into(),
            context: Default::default(),
        };
        let f = crate::finding::Finding {
            rule: std::sync::Arc::new(rule),
            secret: crate::finding::Secret::new(b"s3cr3t-value-1234".to_vec()),
            fingerprint: "0".repeat(64),
            entropy: 3.0,
            location: crate::finding::Location {
                offset: 0,
                line,
                column: 1,
                end_line: line,
                end_column: 2,
            },
            snippet: crate::finding::Snippet::default(),
            origin: std::sync::Arc::new(crate::finding::Origin::new(
                crate::finding::StdinProvenance,
            )),
            inline_allow: false,
            enrichment: Default::default(),
            context: None,
        };
        FindingView::new(&f, false)
    }

    #[test]
    fn over_the_limit_the_most_confident_findings_stay_in_order() {
        use Confidence::*;
        let all: Vec<FindingView> = [Low, High, Medium, Low, High]
            .iter()
            .enumerate()
            .map(|(i, &c)| finding(c, i as u64 + 1))
            .collect();
        let (kept, left_out) = keep_most_confident(&all, 3);
        let lines: Vec<u64> = kept.iter().map(|f| f.line).collect();
        assert_eq!((lines, left_out), (vec![2, 3, 5], 2));
        assert_eq!(keep_most_confident(&all, 5).1, 0);
    }

    #[test]
    fn rule_names_become_pascal_case() {
        assert_eq!(pascal_case("AWS access key ID"), "AWSAccessKeyID");
        assert_eq!(
            pascal_case("Generic secret assignment"),
            "GenericSecretAssignment"
        );
        assert_eq!(pascal_case("npm token (legacy)"), "NpmTokenLegacy");
    }
}
