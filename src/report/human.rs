//! The format for people: findings grouped by file, then a one-line summary.

use std::io::{self, Write};

use super::{Report, ReportInput, ReportOptions};
use crate::finding::{Finding, GitObject, GitOrigin};
use crate::rules::Confidence;
use crate::scan::{Summary, human_bytes};

pub struct Human {
    pub opts: ReportOptions,
}

/// ANSI styles, or nothing when colour is off.
struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
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
    fn finding(&self, p: &Paint, f: &Finding, out: &mut dyn Write) -> io::Result<()> {
        let pos = format!("{}:{}", f.location.line, f.location.column);
        writeln!(
            out,
            "  {}  {} {} {}",
            p.pos(&pos),
            p.bold(&f.rule.name),
            p.dim(&format!("[{}]", f.rule.id)),
            p.confidence(f.rule.confidence)
        )?;
        let indent = " ".repeat(pos.len() + 4);
        writeln!(
            out,
            "{indent}secret {}  fingerprint {}",
            f.secret.render(self.opts.reveal),
            &f.fingerprint[..16]
        )?;
        let snippet = f.snippet.render(self.opts.reveal);
        let snippet = snippet.trim();
        if !snippet.is_empty() {
            writeln!(out, "{indent}{}", p.dim(snippet))?;
        }
        if let Some(base) = f.origin.git().and_then(|g| g.link_base.as_deref()) {
            writeln!(out, "{indent}{}", super::json::line_link(base, f))?;
        }
        Ok(())
    }

    /// Who introduced the blob, when, and where else it is.
    fn provenance(&self, p: &Paint, g: &GitOrigin, out: &mut dyn Write) -> io::Result<()> {
        let mut line = match &g.commit {
            Some(c) => format!(
                "  {} {} by {} <{}> on {}: {}",
                match g.object {
                    GitObject::Blob => "introduced in",
                    _ => "message of",
                },
                &c.id[..c.id.len().min(12)],
                c.author_name,
                c.author_email,
                &c.date[..c.date.len().min(10)],
                c.summary.render(self.opts.reveal)
            ),
            None if g.staged => "  staged, not committed".to_string(),
            None => format!(
                "  {} {} is not reachable from any ref",
                g.object.as_str(),
                g.object_id
            ),
        };
        if g.object == GitObject::Blob && !g.staged {
            match g.in_head {
                Some(true) => line.push_str("; still in HEAD"),
                Some(false) => line.push_str("; not in HEAD (still in history)"),
                None => {}
            }
            if g.other_occurrences > 0 {
                line.push_str(&format!(
                    "; {} other place{}",
                    g.other_occurrences,
                    plural(g.other_occurrences as u64)
                ));
            }
        }
        writeln!(out, "{}", p.dim(&line))?;
        for o in &g.occurrences {
            let also = format!(
                "    also {}:{}",
                &o.commit[..o.commit.len().min(12)],
                String::from_utf8_lossy(&o.path)
            );
            writeln!(out, "{}", p.dim(&also))?;
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

impl Report for Human {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        let p = Paint {
            on: self.opts.color,
        };
        let mut files = 0;
        let mut current: Option<&crate::finding::Origin> = None;
        for f in input.findings {
            if current != Some(&*f.origin) {
                if current.is_some() {
                    writeln!(out)?;
                }
                current = Some(&f.origin);
                files += 1;
                writeln!(out, "{}", p.path(&f.origin.label()))?;
                if let Some(g) = f.origin.git() {
                    self.provenance(&p, g, out)?;
                }
            }
            self.finding(&p, f, out)?;
        }
        if files > 0 {
            writeln!(out)?;
        }
        self.summary(&p, input.summary, files, out)
    }
}
