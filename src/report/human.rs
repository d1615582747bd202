//! The format for people: findings grouped by file, then a one-line summary.

use std::io::{self, Write};

use super::Summary;
use super::identity_groups::{GroupStatus, group, one_line};
use super::{Report, ReportInput, ReportOptions};
use crate::diag::human_bytes;
use crate::escape::visible;
use crate::finding::view::FindingView;
use crate::rules::Confidence;

pub struct Human {
    pub opts: ReportOptions,
}

/// ANSI styles, or nothing when colour is off.
struct Paint {
    on: bool,
}

impl Paint {
    /// `text` in the style `code`. Everything the format prints from a finding passes through
    /// here, so scanned text has its control characters shown, never obeyed.
    fn wrap(&self, code: &str, text: &str) -> String {
        let text = visible(text);
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.into_owned()
        }
    }
    fn plain(&self, t: &str) -> String {
        visible(t).into_owned()
    }
    fn path(&self, t: &str) -> String {
        self.wrap("1;35", t)
    }
    fn pos(&self, t: &str) -> String {
        self.wrap("32", t)
    }
    fn bold(&self, t: &str) -> String {
        self.wrap("1", t)
    }
    fn dim(&self, t: &str) -> String {
        self.wrap("2", t)
    }
    fn confidence(&self, c: Confidence) -> String {
        let code = match c {
            Confidence::High => "1;31",
            Confidence::Medium => "33",
            Confidence::Low => "36",
        };
        self.wrap(code, c.as_str())
    }
    fn red(&self, t: &str) -> String {
        self.wrap("1;31", t)
    }
}

impl Human {
    fn finding(&self, p: &Paint, f: &FindingView, out: &mut dyn Write) -> io::Result<()> {
        let pos = format!("{}:{}", f.line, f.column);
        writeln!(
            out,
            "  {}  {} {} {}",
            p.pos(&pos),
            p.bold(&f.rule_name),
            p.dim(&format!("[{}]", f.rule_id)),
            p.confidence(f.confidence)
        )?;
        let indent = " ".repeat(pos.len() + 4);
        writeln!(
            out,
            "{indent}secret {}  fingerprint {}",
            p.plain(&f.secret),
            &f.fingerprint[..16]
        )?;
        let snippet = f.snippet.trim();
        if !snippet.is_empty() {
            writeln!(out, "{indent}{}", p.dim(snippet))?;
        }
        if let Some(identity) = &f.identity {
            writeln!(out, "{indent}{}", p.dim(&identity_line(identity)))?;
        }
        if let Some(link) = &f.place.link {
            writeln!(out, "{indent}{}", p.plain(link))?;
        }
        Ok(())
    }

    fn summary(
        &self,
        p: &Paint,
        s: &Summary,
        files_with: usize,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let mut line = format!(
            "{} finding{} in {} file{}",
            s.findings,
            plural(s.findings),
            files_with,
            plural(files_with as u64)
        );
        line.push_str(&format!(
            "; scanned {} blob{}, {} in {:.2}s with {} rules",
            s.blobs,
            plural(s.blobs),
            human_bytes(s.bytes),
            s.elapsed_ms as f64 / 1000.0,
            s.rules
        ));
        if s.ignored.total() > 0 {
            line.push_str(&format!("; {}", super::markdown::ignored_text(&s.ignored)));
        }
        if s.skipped_binary + s.skipped_large > 0 {
            line.push_str(&format!(
                "; skipped {} binary, {} over the size limit",
                s.skipped_binary, s.skipped_large
            ));
        }
        if s.skipped_limits > 0 {
            line.push_str(&format!(
                "; {} nested item{} not scanned (limits)",
                s.skipped_limits,
                plural(s.skipped_limits)
            ));
        }
        let errors = format!("; {} error{}", s.errors, plural(s.errors));
        if s.errors > 0 {
            line.push_str(&p.red(&errors));
            line.push_str(" (the scan is incomplete)");
        } else {
            line.push_str(&errors);
        }
        writeln!(out, "{line}")
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `identity: aws-access-key, account 123456789012 -> ci-deployer (team platform)`.
fn identity_line(i: &crate::finding::Identity) -> String {
    let mut line = format!("identity: {}", i.kind);
    let mut add = |label: &str, v: &Option<String>| {
        if let Some(v) = v {
            line.push_str(&format!(", {label}{v}"));
        }
    };
    add("account ", &i.account);
    add("", &i.principal);
    add(
        "",
        &i.email.clone().filter(|e| Some(e) != i.principal.as_ref()),
    );
    add("key ", &i.public_key_fingerprint);
    add("", &i.environment);
    let expiry = i.expires_at.as_ref().map(|at| match i.expired {
        Some(true) => format!("expired {at}"),
        _ => format!("expires {at}"),
    });
    add("", &expiry);
    for (k, v) in &i.attributes {
        line.push_str(&format!(", {k} {v}"));
    }
    if let Some(link) = &i.inventory {
        line.push_str(&format!(" -> {}", link.name));
        if let Some(owner) = &link.owner {
            line.push_str(&format!(" ({owner})"));
        }
    }
    line
}

/// After the findings: one line per identity, when any finding's identity is known.
fn identities_section(p: &Paint, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
    if input.findings.iter().all(|f| f.identity.is_none()) {
        return Ok(());
    }
    writeln!(out, "{}", p.bold("Identities"))?;
    for g in group(input.findings, input.run.rules) {
        if g.status != GroupStatus::Unidentified {
            writeln!(out, "  {}", visible(&one_line(&g)))?;
        }
    }
    writeln!(out)
}

impl Report for Human {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        let p = Paint {
            on: self.opts.color,
        };
        let mut files = 0;
        let mut current: Option<&str> = None;
        for f in input.findings {
            if current != Some(f.place.label.as_str()) {
                if current.is_some() {
                    writeln!(out)?;
                }
                current = Some(&f.place.label);
                files += 1;
                writeln!(out, "{}", p.path(&f.place.label))?;
                for d in &f.place.details {
                    writeln!(out, "{}", p.dim(&format!("  {d}")))?;
                }
            }
            self.finding(&p, f, out)?;
        }
        if files > 0 {
            writeln!(out)?;
        }
        identities_section(&p, input, out)?;
        self.summary(&p, input.run.summary, files, out)
    }
}
