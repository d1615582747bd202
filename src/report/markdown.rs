//! `markdown`: a report for a GitHub job summary (`$GITHUB_STEP_SUMMARY`) or a merge-request
//! comment: a heading, a one-line summary, and a table of findings.
//!
//! Everything that comes from a scanned tree (paths, secrets, snippets) goes into code spans, so
//! it cannot turn into a link, a mention, HTML or a new table cell; `|` is escaped inside them as
//! GitHub's tables require.

use std::io::{self, Write};

use super::Summary;
use super::{Report, ReportInput};
use crate::finding::view::FindingView;
use crate::triage::Ignored;

pub struct Markdown;

/// Rows in the table at most: a job summary holds 1 MiB, and a longer table is unreadable anyway.
pub const MAX_ROWS: usize = 1000;

impl Report for Markdown {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        let s = input.run.summary;
        if input.findings.is_empty() {
            writeln!(out, "## leakhound\n")?;
            writeln!(out, "No leaked secrets found.\n")?;
        } else {
            let n = input.findings.len() as u64;
            writeln!(out, "## leakhound: {n} leaked secret{}\n", plural(n))?;
        }
        writeln!(out, "{}\n", summary_line(s, input.findings))?;
        if !input.findings.is_empty() {
            self.table(input.findings, out)?;
        }
        errors(input, out)
    }
}

impl Markdown {
    fn table(&self, findings: &[FindingView], out: &mut dyn Write) -> io::Result<()> {
        writeln!(
            out,
            "| Confidence | Rule | Location | Secret | Fingerprint |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- |")?;
        for f in findings.iter().take(MAX_ROWS) {
            writeln!(
                out,
                "| {} | {} ({}) | {} | {} | {} |",
                f.confidence,
                text(&f.rule_name),
                code(&f.rule_id),
                location(f),
                code(&f.secret),
                code(&f.fingerprint[..16]),
            )?;
        }
        if findings.len() > MAX_ROWS {
            writeln!(
                out,
                "\n{} more findings are not shown; the json and sarif formats list them all.",
                findings.len() - MAX_ROWS
            )?;
        }
        writeln!(out)
    }
}

/// `path:line` (prefixed with the commit for history), linked to the platform when known.
fn location(f: &FindingView) -> String {
    let label = &f.place.label_at_line;
    match &f.place.link {
        Some(link) => format!("[{}]({})", code(label), link_target(link)),
        None => code(label),
    }
}

fn errors(input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    if input.run.errors.is_empty() {
        return Ok(());
    }
    let n = input.run.errors.len() as u64;
    writeln!(
        out,
        "<details><summary>{n} item{} could not be scanned</summary>\n",
        plural(n)
    )?;
    for e in input.run.errors {
        writeln!(out, "- {}: {}", code(&e.subject), text(&e.message))?;
    }
    writeln!(out, "\n</details>")
}

/// `4 findings in 1 file; scanned 12 blobs with 127 rules; 2 ignored (...); 0 errors`.
fn summary_line(s: &Summary, findings: &[FindingView]) -> String {
    let files = files_with_findings(findings) as u64;
    let mut line = format!(
        "**{} finding{}** in {files} file{}; scanned {} blob{} with {} rules; {}; ",
        s.findings,
        plural(s.findings),
        plural(files),
        s.blobs,
        plural(s.blobs),
        s.rules,
        ignored_text(&s.ignored)
    );
    if s.errors > 0 {
        line.push_str(&format!(
            "**{} error{}: the scan is incomplete**",
            s.errors,
            plural(s.errors)
        ));
    } else {
        line.push_str("0 errors");
    }
    line
}

/// How many files (or history places) have findings, counted as the human format groups them.
pub(super) fn files_with_findings(findings: &[FindingView]) -> usize {
    let mut n = 0;
    let mut current = None;
    for f in findings {
        if current != Some(&f.place.label) {
            current = Some(&f.place.label);
            n += 1;
        }
    }
    n
}

/// `2 ignored (1 leakhound:allow, 1 baseline)` or `0 ignored`, in the human format's words.
pub(super) fn ignored_text(ig: &Ignored) -> String {
    let parts: Vec<String> = [
        (ig.inline, "leakhound:allow"),
        (ig.ignore_file, ".leakhoundignore"),
        (ig.allowlist, "allowlist"),
        (ig.below_min_confidence, "below min confidence"),
        (ig.baseline, "baseline"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, why)| format!("{n} {why}"))
    .collect();
    if parts.is_empty() {
        "0 ignored".to_string()
    } else {
        format!("{} ignored ({})", ig.total(), parts.join(", "))
    }
}

pub(super) fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A code span holding `s` literally: a fence longer than any run of backticks in it, padding
/// where it starts or ends with a backtick, control characters (line breaks too) made visible and
/// `|` escaped for the table.
pub fn code(s: &str) -> String {
    let s = crate::escape::visible(s);
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", s.replace('|', "\\|"))
}

/// Plain text with every character Markdown or a table could read as syntax escaped.
pub fn text(s: &str) -> String {
    let s = crate::escape::visible(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A link destination with the characters that would end it or break the table encoded.
fn link_target(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' | '(' | ')' | '<' | '>' | '|' | '`' | '"' | '\\' => {
                out.push_str(&format!("%{:02X}", c as u32));
            }
            c if c.is_control() => {
                for b in c.to_string().bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("x`y"), "``x`y``");
        assert_eq!(code("`a``"), "``` `a`` ```");
        assert_eq!(code("l1\nl2"), "`l1\\nl2`");
    }

    #[test]
    fn text_escapes_markdown() {
        assert_eq!(text("a|b *c* [d](e)"), "a\\|b \\*c\\* \\[d\\](e)");
    }

    #[test]
    fn link_targets_stay_in_parentheses() {
        assert_eq!(
            link_target("https://h/blob/c/a (1).txt#L2"),
            "https://h/blob/c/a%20%281%29.txt#L2"
        );
    }
}
