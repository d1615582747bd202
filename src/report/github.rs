//! `github`: GitHub Actions workflow commands, which the runner turns into annotations on the
//! files and lines of a run or a pull request.
//!
//! One `::error` per finding (`::warning` for a low-confidence rule, whose findings are the likelier
//! false alarms), then one `::error` per item the scan could not read, then a `::notice` with the
//! counts. Values are escaped as the runner expects (`@actions/core`'s `escapeData` and
//! `escapeProperty`), so no path, secret or message can end a command early or start another.

use std::collections::HashSet;
use std::io::{self, Write};

use super::markdown::{ignored_text, plural};
use super::{FindingSink, RunInfo};
use crate::finding::view::FindingView;
use crate::rules::Confidence;

/// Writes each annotation as the run confirms the finding.
pub struct Github {
    out: Box<dyn Write>,
    errors: u64,
    warnings: u64,
    files: HashSet<String>,
}

impl Github {
    pub fn new(out: Box<dyn Write>) -> Github {
        Github {
            out,
            errors: 0,
            warnings: 0,
            files: HashSet::new(),
        }
    }
}

impl FindingSink for Github {
    fn finding(&mut self, f: &FindingView) -> io::Result<()> {
        match f.confidence {
            Confidence::Low => self.warnings += 1,
            _ => self.errors += 1,
        }
        self.files.insert(f.place.label.clone());
        writeln!(self.out, "{}", annotation(f))?;
        self.out.flush()
    }

    fn finish(&mut self, run: &RunInfo<'_>) -> io::Result<()> {
        for e in run.errors {
            writeln!(
                self.out,
                "::error title=leakhound scan error::{}",
                escape_data(&format!("{}: {}", e.subject, e.message))
            )?;
        }
        let summary = self.summary(run);
        writeln!(
            self.out,
            "::notice title=leakhound::{}",
            escape_data(&summary)
        )?;
        self.out.flush()
    }
}

/// `::error file=PATH,line=L,col=C,endLine=L,endColumn=C,title=RULE::MESSAGE`.
fn annotation(f: &FindingView) -> String {
    let command = match f.confidence {
        Confidence::Low => "warning",
        Confidence::Medium | Confidence::High => "error",
    };
    let mut props: Vec<(&str, String)> = Vec::new();
    let on_file = f.place.names_a_file;
    if on_file {
        props.push(("file", f.path.clone()));
        props.push(("line", f.line.to_string()));
        // The runner takes columns only for an annotation on a single line.
        if f.end_line == f.line {
            props.push(("col", f.column.to_string()));
            props.push(("endLine", f.end_line.to_string()));
            props.push(("endColumn", f.end_column.to_string()));
        } else {
            props.push(("endLine", f.end_line.to_string()));
        }
    }
    props.push(("title", f.rule_name.clone()));
    let props: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    format!(
        "::{command} {}::{}",
        props.join(","),
        escape_data(&message(f, on_file))
    )
}

fn message(f: &FindingView, on_file: bool) -> String {
    let mut m = format!(
        "{}: {} (fingerprint {})",
        f.rule_id,
        f.secret,
        &f.fingerprint[..16]
    );
    if !on_file {
        m.push_str(&format!(
            " in {} at line {}, column {}",
            f.place.label, f.line, f.column
        ));
    }
    for b in &f.place.brief {
        m.push_str("; ");
        m.push_str(b);
    }
    m.push_str(". Rotate or revoke it, then remove it.");
    m
}

impl Github {
    fn summary(&self, run: &RunInfo<'_>) -> String {
        let s = run.summary;
        let files = self.files.len() as u64;
        let (errors, warnings) = (self.errors, self.warnings);
        let mut line = format!(
            "{} finding{} in {files} file{} ({errors} error{}, {warnings} warning{})",
            s.findings,
            plural(s.findings),
            plural(files),
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
}

/// The message of a command: control characters made visible (so no escape sequence reaches the
/// log viewer), then `%`, CR and LF escaped as the runner expects.
pub fn escape_data(s: &str) -> String {
    crate::escape::visible(s)
        .replace('%', "%25")
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
        assert_eq!(escape_data("50% a: c,d"), "50%25 a: c,d");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(escape_data("x\r\n::error::y"), "x\\r\\n::error::y");
        assert_eq!(escape_property("a\u{1b}[2J"), "a\\x1b[2J");
    }
}
