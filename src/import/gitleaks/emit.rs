//! Writing the converted configuration as `.leakhound.toml` text: a header that says what was
//! not converted, then the keys. Regexes and globs are written as literal strings where TOML
//! allows, so they read as in the gitleaks file; the caller checks that they parse back exactly.

use std::fmt::Write as _;

use super::Issues;
use super::convert::{Converted, OutAllowlist, OutRule, PROVIDER};

/// What the header says about the input.
pub struct Header<'a> {
    /// The gitleaks file, as the user named it.
    pub input: &'a str,
    pub title: Option<&'a str>,
    /// Why `extend_default` has its value.
    pub extend_reason: &'a str,
}

pub fn render(header: &Header<'_>, conv: &Converted, issues: &Issues) -> String {
    let mut out = String::new();
    comment(
        &mut out,
        &format!(
            "leakhound configuration converted from {} by `leakhound config import-gitleaks`.",
            header.input
        ),
    );
    if let Some(title) = header.title {
        comment(&mut out, &format!("gitleaks title: {title:?}"));
    }
    comment(
        &mut out,
        &format!(
            "{} rule{}, {} allowlist{}; {}.",
            conv.rules.len(),
            plural(conv.rules.len()),
            conv.allowlists.len(),
            plural(conv.allowlists.len()),
            match issues.not_converted.len() {
                0 => "everything converted".to_string(),
                n => format!("{n} item{} NOT converted (listed below)", plural(n)),
            }
        ),
    );
    if !issues.not_converted.is_empty() {
        out.push_str("#\n");
        comment(&mut out, "Not converted (review these):");
        for item in &issues.not_converted {
            comment(&mut out, &format!("  - {item}"));
        }
    }
    if !issues.notes.is_empty() {
        out.push_str("#\n");
        comment(&mut out, "Converted with a difference:");
        for item in &issues.notes {
            comment(&mut out, &format!("  - {item}"));
        }
    }
    out.push_str("#\n");
    comment(&mut out, header.extend_reason);
    let _ = writeln!(out, "\nextend_default = {}", conv.extend_default);
    if !conv.disabled_rules.is_empty() {
        let _ = writeln!(
            out,
            "disabled_rules = {}",
            array(&conv.disabled_rules, basic)
        );
    }
    for rule in &conv.rules {
        write_rule(&mut out, rule);
    }
    for a in &conv.allowlists {
        write_allowlist(&mut out, a);
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn write_rule(out: &mut String, r: &OutRule) {
    out.push('\n');
    comment(out, &format!("from {}", r.origin));
    out.push_str("[[rules]]\n");
    let _ = writeln!(out, "id = {}", basic(&r.id));
    let _ = writeln!(out, "name = {}", basic(&r.name));
    let _ = writeln!(out, "provider = {}", basic(PROVIDER));
    let _ = writeln!(out, "description = {}", basic(&r.description));
    let _ = writeln!(out, "pattern = {}", literal(&r.pattern));
    if let Some(g) = r.secret_group {
        let _ = writeln!(out, "secret_group = {g}");
    }
    if !r.keywords.is_empty() {
        let _ = writeln!(out, "keywords = {}", array(&r.keywords, basic));
    }
    if let Some(e) = r.min_entropy {
        let _ = writeln!(out, "min_entropy = {}", toml::Value::Float(e));
    }
    let _ = writeln!(out, "confidence = {}", basic(&r.confidence));
}

fn write_allowlist(out: &mut String, a: &OutAllowlist) {
    out.push('\n');
    comment(out, &format!("from {}", a.origin));
    out.push_str("[[allowlists]]\n");
    if let Some(d) = &a.description {
        let _ = writeln!(out, "description = {}", basic(d));
    }
    if !a.rules.is_empty() {
        let _ = writeln!(out, "rules = {}", array(&a.rules, basic));
    }
    if a.all {
        out.push_str("condition = \"all\"\n");
    }
    let lists: [(&str, &[String], Quote); 5] = [
        ("paths", &a.paths, literal),
        ("secrets", &a.secrets, literal),
        ("lines", &a.lines, literal),
        ("stopwords", &a.stopwords, basic),
        ("commits", &a.commits, basic),
    ];
    for (key, items, quote) in lists {
        if !items.is_empty() {
            let _ = writeln!(out, "{key} = {}", array(items, quote));
        }
    }
}

/// Comment lines are wrapped at this width (words longer than that are not cut).
const WIDTH: usize = 98;

/// `# text`, wrapped, one comment line per line of `text`, control characters shown as `?`. A
/// list item (`  - ...`) continues indented under its text.
fn comment(out: &mut String, text: &str) {
    for line in text.split('\n') {
        let clean: String = line
            .chars()
            .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
            .collect();
        let (first, rest, body) = match clean.strip_prefix("  - ") {
            Some(body) => ("  - ", "    ", body),
            None => ("", "", clean.as_str()),
        };
        let mut current = first.to_string();
        let mut empty = true;
        for word in body.split(' ') {
            if !empty && current.len() + 1 + word.len() > WIDTH {
                let _ = writeln!(out, "# {}", current.trim_end());
                current = rest.to_string();
                empty = true;
            }
            if !empty {
                current.push(' ');
            }
            current.push_str(word);
            empty = false;
        }
        let _ = writeln!(out, "{}", format!("# {current}").trim_end());
    }
}

/// How a string is written: [`literal`] or [`basic`].
type Quote = fn(&str) -> String;

/// `[a, b]` on one line when short, else one item a line.
fn array(items: &[String], quote: Quote) -> String {
    let quoted: Vec<String> = items.iter().map(|s| quote(s)).collect();
    let one_line = format!("[{}]", quoted.join(", "));
    if one_line.len() <= 80 {
        return one_line;
    }
    let mut s = String::from("[\n");
    for q in quoted {
        let _ = writeln!(s, "  {q},");
    }
    s.push(']');
    s
}

/// A TOML literal string (`'...'`, or `'''...'''` when it holds `'`), which keeps backslashes
/// as written; a basic string when neither can hold `s`.
fn literal(s: &str) -> String {
    let plain = !s.chars().any(|c| c.is_control() && c != '\t');
    if plain && !s.contains('\'') {
        format!("'{s}'")
    } else if plain && !s.contains("'''") && !s.starts_with('\'') {
        format!("'''{s}'''")
    } else {
        basic(s)
    }
}

/// A TOML basic string (`"..."`) with every character that needs it escaped.
fn basic(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(q, "\\u{:04X}", c as u32);
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_through_toml() {
        for s in [
            r"plain",
            r#"(?i)(?:key|token)['"\s=]{0,5}([a-z0-9]{32})"#,
            r"it's\d",
            r"ends with quote'",
            r"''' inside",
            "'starts",
            "tab\there",
            "new\nline",
            "bell\u{7}",
            r"back\slash",
        ] {
            for quoted in [literal(s), basic(s)] {
                let doc = format!("v = {quoted}\n");
                let parsed: toml::Table =
                    toml::from_str(&doc).unwrap_or_else(|e| panic!("{doc}: {e}"));
                assert_eq!(parsed["v"].as_str(), Some(s), "{doc}");
            }
        }
        assert_eq!(literal(r"\d+"), r"'\d+'");
        assert_eq!(literal(r"['\x60]"), r"'''['\x60]'''");
    }

    #[test]
    fn comments_cannot_be_escaped() {
        let mut out = String::new();
        comment(&mut out, "a\nb\r[[rules]]\n");
        assert_eq!(out, "# a\n# b?[[rules]]\n#\n");
        let mut out = String::new();
        let long = format!("  - {}", "word ".repeat(30));
        comment(&mut out, &long);
        assert!(out.lines().all(|l| l.len() <= WIDTH + 2), "{out}");
        assert!(
            out.lines().nth(1).unwrap().starts_with("#     word"),
            "{out}"
        );
    }
}
