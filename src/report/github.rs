//! `github`: GitHub Actions workflow commands, which the runner turns into annotations on the
//! files and lines of a run or a pull request.
//!
//! One `::error` per finding (`::warning` for a low-confidence rule, whose findings are the likelier
//! false alarms), then one `::error` per item the scan could not read, then a `::notice` with the
//! counts. Values are escaped as the runner expects (`@actions/core`'s `escapeData` and
//! `escapeProperty`), so no path, secret or message can end a command early or start another.

use std::io::{self, Write};

use super::markdown::{files_with_findings, ignored_text, plural};
use super::{Report, ReportInput, ReportOptions};
use crate::finding::{Finding, GitObject, OriginKind};
use crate::rules::Confidence;

pub struct Github {
    pub opts: ReportOptions,
}

impl Report for Github {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        for f in input.findings {
            writeln!(out, "{}", self.annotation(f))?;
        }
        for e in input.errors {
            writeln!(
                out,
                "::error title=leakhound scan error::{}",
                escape_data(&format!("{}: {}", e.subject, e.message))
            )?;
        }
        writeln!(
            out,
            "::notice title=leakhound::{}",
            escape_data(&summary(input))
        )
    }
}

impl Github {
    /// `::error file=PATH,line=L,col=C,endLine=L,endColumn=C,title=RULE::MESSAGE`.
    fn annotation(&self, f: &Finding) -> String {
        let command = match f.rule.confidence {
            Confidence::Low => "warning",
            Confidence::Medium | Confidence::High => "error",
        };
        let mut props: Vec<(&str, String)> = Vec::new();
        let on_file = names_a_file(f);
        if on_file {
            let loc = &f.location;
            props.push(("file", f.origin.path_lossy().into_owned()));
            props.push(("line", loc.line.to_string()));
            // The runner takes columns only for an annotation on a single line.
            if loc.end_line == loc.line {
                props.push(("col", loc.column.to_string()));
                props.push(("endLine", loc.end_line.to_string()));
                props.push(("endColumn", loc.end_column.to_string()));
            } else {
                props.push(("endLine", loc.end_line.to_string()));
            }
        }
        props.push(("title", f.rule.name.clone()));
        let props: Vec<String> = props
            .iter()
            .map(|(k, v)| format!("{k}={}", escape_property(v)))
            .collect();
        format!(
            "::{command} {}::{}",
            props.join(","),
            escape_data(&self.message(f, on_file))
        )
    }

    fn message(&self, f: &Finding, on_file: bool) -> String {
        let mut m = format!(
            "{}: {} (fingerprint {})",
            f.rule.id,
            f.secret.render(self.opts.reveal),
            &f.fingerprint[..16]
        );
        if !on_file {
            m.push_str(&format!(
                " in {} at line {}, column {}",
                f.origin.label(),
                f.location.line,
                f.location.column
            ));
        }
        if let Some(g) = f.origin.git() {
            match &g.commit {
                Some(c) if g.object == GitObject::Blob => m.push_str(&format!(
                    "; introduced in commit {} by {} on {}",
                    &c.id[..c.id.len().min(12)],
                    c.author_name,
                    &c.date[..c.date.len().min(10)]
                )),
                Some(_) => {}
                None if g.staged => m.push_str("; staged, not committed"),
                // The label already says the blob is unreachable.
                None => {}
            }
            if g.in_head == Some(false) {
                m.push_str("; no longer in HEAD but still in the history");
            }
        }
        m.push_str(". Rotate or revoke it, then remove it.");
        m
    }
}

/// Whether a finding's path is a file in the work tree an annotation can point at (not standard
/// input, a commit message or an unreachable blob).
fn names_a_file(f: &Finding) -> bool {
    match &f.origin.kind {
        OriginKind::File => true,
        OriginKind::Stdin => false,
        OriginKind::Git(g) => g.object == GitObject::Blob && (g.commit.is_some() || g.staged),
    }
}

fn summary(input: &ReportInput<'_>) -> String {
    let s = input.summary;
    let (mut errors, mut warnings) = (0u64, 0u64);
    for f in input.findings {
        match f.rule.confidence {
            Confidence::Low => warnings += 1,
            _ => errors += 1,
        }
    }
    let files = files_with_findings(input.findings);
    let mut line = format!(
        "{} finding{} in {files} file{} ({errors} error{}, {warnings} warning{})",
        s.findings,
        plural(s.findings),
        plural(files as u64),
        plural(errors),
        plural(warnings)
    );
    line.push_str(&format!("; {}", ignored_text(&s.ignored)));
    line.push_str(&format!(
        "; scanned {} blob{} with {} rules; {} scan error{}",
        s.blobs,
        plural(s.blobs),
        s.rules,
        s.errors,
        plural(s.errors)
    ));
    if s.errors > 0 {
        line.push_str(" (the scan is incomplete)");
    }
    line
}

/// The message of a command: `%`, CR and LF escaped.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: as [`escape_data`], and `:` and `,`, which end a value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("50% a\r\nb: c,d"), "50%25 a%0D%0Ab: c,d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
