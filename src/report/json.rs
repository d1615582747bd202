//! `json` (one document) and `jsonl` (one finding per line). Fields are documented in
//! docs/output.md; `version` changes when a field changes meaning or goes away.

use std::io::{self, Write};

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::{Report, ReportInput, ReportOptions};
use crate::finding::{Finding, OriginKind};

/// Version of the JSON finding schema.
pub const SCHEMA_VERSION: u32 = 1;

pub struct Json {
    pub opts: ReportOptions,
}

pub struct JsonLines {
    pub opts: ReportOptions,
}

/// One finding as a JSON object (shared by `json`, `jsonl` and other machine formats).
pub fn finding_json(f: &Finding, reveal: bool) -> Value {
    let mut obj = Map::new();
    obj.insert("rule_id".into(), json!(f.rule.id));
    obj.insert("rule_name".into(), json!(f.rule.name));
    obj.insert("provider".into(), json!(f.rule.provider));
    obj.insert("confidence".into(), json!(f.rule.confidence));
    obj.insert("path".into(), json!(f.origin.path_lossy()));
    if !f.origin.path_is_utf8() {
        obj.insert(
            "path_base64".into(),
            json!(base64::engine::general_purpose::STANDARD.encode(&f.origin.path)),
        );
    }
    obj.insert("line".into(), json!(f.location.line));
    obj.insert("column".into(), json!(f.location.column));
    obj.insert("end_line".into(), json!(f.location.end_line));
    obj.insert("end_column".into(), json!(f.location.end_column));
    obj.insert("offset".into(), json!(f.location.offset));
    obj.insert("secret".into(), json!(f.secret.render(reveal)));
    obj.insert("redacted".into(), json!(!reveal));
    obj.insert("fingerprint".into(), json!(f.fingerprint));
    obj.insert(
        "entropy".into(),
        json!((f.entropy * 1000.0).round() / 1000.0),
    );
    obj.insert("snippet".into(), json!(f.snippet.render(reveal)));
    obj.insert("source".into(), source_json(f, reveal));
    Value::Object(obj)
}

fn source_json(f: &Finding, reveal: bool) -> Value {
    match &f.origin.kind {
        OriginKind::File => json!({ "kind": "file" }),
        OriginKind::Stdin => json!({ "kind": "stdin" }),
        OriginKind::Git(g) => {
            let commit = g.commit.as_ref().map(|c| {
                json!({
                    "id": c.id,
                    "author_name": c.author_name,
                    "author_email": c.author_email,
                    "date": c.date,
                    "summary": c.summary.render(reveal),
                })
            });
            let mut obj = json!({
                "kind": "git",
                "repository": g.repository,
                "object": g.object.as_str(),
                "object_id": g.object_id,
                "commit": commit,
                "reachable": g.reachable,
                "in_head": g.in_head,
                "staged": g.staged,
                "other_occurrences": g.other_occurrences,
            });
            if !g.occurrences.is_empty() {
                obj["occurrences"] = g
                    .occurrences
                    .iter()
                    .map(
                        |o| json!({ "commit": o.commit, "path": String::from_utf8_lossy(&o.path) }),
                    )
                    .collect();
            }
            if let Some(base) = &g.link_base {
                obj["link"] = json!(line_link(base, f));
            }
            obj
        }
    }
}

/// `base#L12`, or `base#L12-L14` for a secret over several lines.
pub fn line_link(base: &str, f: &Finding) -> String {
    if f.location.end_line > f.location.line {
        format!("{base}#L{}-L{}", f.location.line, f.location.end_line)
    } else {
        format!("{base}#L{}", f.location.line)
    }
}

impl Report for Json {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        let findings: Vec<Value> = input
            .findings
            .iter()
            .map(|f| finding_json(f, self.opts.reveal))
            .collect();
        let doc = json!({
            "version": SCHEMA_VERSION,
            "tool": { "name": "leakhound", "version": env!("CARGO_PKG_VERSION") },
            "findings": findings,
            "summary": input.summary,
            "errors": input.errors,
        });
        serde_json::to_writer_pretty(&mut *out, &doc)?;
        writeln!(out)
    }
}

impl Report for JsonLines {
    fn write(&self, input: &ReportInput<'_>, out: &mut dyn Write) -> io::Result<()> {
        for f in input.findings {
            serde_json::to_writer(&mut *out, &finding_json(f, self.opts.reveal))?;
            writeln!(out)?;
        }
        Ok(())
    }
}
