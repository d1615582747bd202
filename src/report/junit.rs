//! `junit`: JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure Pipelines).
//!
//! One suite, `leakhound`, with a test case per rule the scan ran (`classname` the provider,
//! `name` the rule id): a rule that found nothing passes, a rule that found secrets fails with one
//! `<failure>` per finding. One more case, `scan-errors`, passes when the scan read everything and
//! has one `<error>` per item it could not read, so an incomplete scan shows as an error in the
//! CI's test view as well as in the exit code. The suite's `failures` and `errors` count test cases
//! (so `tests - failures - errors` passed), as JUnit does; the findings are in `<properties>`.

use std::collections::HashMap;
use std::io::{self, Write};

use super::{Report, ReportInput};
use crate::escape::visible;
use crate::finding::view::FindingView;

pub struct Junit;

/// The name of the test case that holds the scan's errors.
pub const ERRORS_CASE: &str = "scan-errors";

impl Report for Junit {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        let cases = cases(input);
        let tests = cases.len() + 1;
        let failures = cases.iter().filter(|c| !c.findings.is_empty()).count();
        let errors = usize::from(!input.run.errors.is_empty());
        let s = input.run.summary;
        let time = format!("{:.3}", s.elapsed_ms as f64 / 1000.0);
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="leakhound" tests="{tests}" failures="{failures}" errors="{errors}" time="{time}">"#
        )?;
        writeln!(
            out,
            r#"  <testsuite name="leakhound" tests="{tests}" failures="{failures}" errors="{errors}" skipped="0" time="{time}">"#
        )?;
        writeln!(out, "    <properties>")?;
        for (name, value) in [
            ("leakhound.version", env!("CARGO_PKG_VERSION").to_string()),
            ("findings", s.findings.to_string()),
            ("ignored", s.ignored.total().to_string()),
            ("blobs", s.blobs.to_string()),
            ("scan-errors", s.errors.to_string()),
        ] {
            writeln!(
                out,
                r#"      <property name="{name}" value="{}"/>"#,
                attr(&value)
            )?;
        }
        writeln!(out, "    </properties>")?;
        for case in &cases {
            self.case(case, out)?;
        }
        errors_case(input, out)?;
        writeln!(out, "  </testsuite>")?;
        writeln!(out, "</testsuites>")
    }
}

/// A rule and what it found.
struct Case<'a> {
    provider: &'a str,
    id: &'a str,
    findings: Vec<&'a FindingView>,
}

/// One case per rule the scan ran, in rule order, and one for any rule a finding names that the
/// scan's list lacks.
fn cases<'a>(input: &ReportInput<'a>) -> Vec<Case<'a>> {
    let mut cases: Vec<Case<'a>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for rule in input.run.rules.iter().map(|r| &**r) {
        index.entry(&rule.id).or_insert_with(|| {
            cases.push(Case {
                provider: &rule.provider,
                id: &rule.id,
                findings: Vec::new(),
            });
            cases.len() - 1
        });
    }
    for f in input.findings {
        let i = *index.entry(&f.rule_id).or_insert_with(|| {
            cases.push(Case {
                provider: &f.provider,
                id: &f.rule_id,
                findings: Vec::new(),
            });
            cases.len() - 1
        });
        cases[i].findings.push(f);
    }
    cases
}

impl Junit {
    fn case(&self, case: &Case<'_>, out: &mut dyn Write) -> io::Result<()> {
        let open = format!(
            r#"    <testcase classname="{}" name="{}" time="0""#,
            attr(case.provider),
            attr(case.id)
        );
        if case.findings.is_empty() {
            return writeln!(out, "{open}/>");
        }
        writeln!(out, "{open}>")?;
        for f in &case.findings {
            let place = format!("{}:{}:{}", visible(&f.place.label), f.line, f.column);
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                attr(&format!("{} at {place}", f.rule_name)),
                attr(&f.rule_id),
                text(&self.body(f, &place))
            )?;
        }
        writeln!(out, "    </testcase>")
    }

    /// What a person needs to find and rotate the secret; never the secret in clear unless asked.
    fn body(&self, f: &FindingView, place: &str) -> String {
        let mut b = format!(
            "{place}\nrule: {} ({}, {} confidence)\nsecret: {}\nfingerprint: {}\n",
            visible(&f.rule_name),
            visible(&f.rule_id),
            f.confidence,
            visible(&f.secret),
            f.fingerprint
        );
        if !f.snippet.trim().is_empty() {
            b.push_str(&format!("line: {}\n", visible(f.snippet.trim())));
        }
        for (key, value) in &f.place.flat {
            match value {
                serde_json::Value::String(v) => {
                    b.push_str(&format!("{key}: {}\n", visible(v)));
                }
                serde_json::Value::Null => {}
                v => b.push_str(&format!("{key}: {}\n", visible(&v.to_string()))),
            }
        }
        b.push_str("Rotate or revoke the secret, then remove it from the code.");
        b
    }
}

fn errors_case(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    let open = format!(r#"    <testcase classname="leakhound" name="{ERRORS_CASE}" time="0""#);
    if input.run.errors.is_empty() {
        return writeln!(out, "{open}/>");
    }
    writeln!(out, "{open}>")?;
    for e in input.run.errors {
        writeln!(
            out,
            r#"      <error message="{}" type="scan-error">{}</error>"#,
            attr(&format!("could not scan {}", e.subject)),
            text(&format!("{}: {}", visible(&e.subject), visible(&e.message)))
        )?;
    }
    writeln!(out, "    </testcase>")
}

/// Character data: markup escaped, controls other than the body's own line breaks and tabs shown
/// as escapes, and the non-characters U+FFFE and U+FFFF replaced by U+FFFD.
fn text(s: &str) -> String {
    escape(s, false)
}

/// An attribute value: as [`text`], with quotes as references, and line breaks and tabs shown
/// as escapes like every other control.
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\t' | '\n' if !attribute => out.push(c),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            // Every other control (CR and escape sequences included) is shown, not obeyed, by a
            // viewer: XML 1.0 cannot hold most of them anyway.
            c => out.push_str(&visible(c.encode_utf8(&mut [0; 4]))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_xml_well_formed() {
        assert_eq!(text("a<b & c>\"d\"\n"), "a&lt;b &amp; c&gt;\"d\"\n");
        assert_eq!(attr("x\"y'\nz"), "x&quot;y&apos;\\nz");
        assert_eq!(text("bell\u{7}\u{FFFF}\r"), "bell\\x07\u{FFFD}\\r");
    }
}
