//! Go RE2 regexes (what gitleaks uses) respelled for Rust's `regex`, where the two spell the same
//! meaning differently; anything left that Rust reads differently or not at all is an error.

/// Rewrites `go` so Rust's `regex` reads it as Go does:
///
/// - `\Q...\E` quotes a literal in Go; Rust has no such syntax, so the text is escaped;
/// - `{` that does not start a counted repetition (`{2}`, `{2,}`, `{2,5}`) is a literal in Go
///   and an error in Rust: it is escaped (so is a lone `}`);
/// - octal escapes (`\012`) become `\x{a}`;
/// - inside a class, `[` (other than `[:alpha:]`), `&` and `~` are literals in Go but may start a
///   nested class or a set operation (`&&`, `~~`) in Rust: they are escaped. `--` (a set
///   difference in Rust) is refused.
///
/// Everything else is copied: the rest of RE2's syntax is a subset of Rust's with the same
/// meaning, and what Rust does not know (`\C`) fails when the result is compiled.
pub fn to_rust(go: &str) -> Result<String, String> {
    let chars: Vec<char> = go.chars().collect();
    let mut out = String::with_capacity(go.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i = escape(&chars, i, &mut out)?,
            '[' => i = class(&chars, i, &mut out)?,
            '{' => match repetition_len(&chars[i..]) {
                Some(n) => {
                    out.extend(&chars[i..i + n]);
                    i += n;
                }
                None => {
                    out.push_str("\\{");
                    i += 1;
                }
            },
            '}' => {
                out.push_str("\\}");
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Copies (or rewrites) the escape at `chars[at] == '\\'`; returns the index after it.
fn escape(chars: &[char], at: usize, out: &mut String) -> Result<usize, String> {
    let Some(&next) = chars.get(at + 1) else {
        return Err("the pattern ends with a lone backslash".into());
    };
    match next {
        'Q' => {
            let rest: String = chars[at + 2..].iter().collect();
            let (literal, used) = match rest.find("\\E") {
                Some(end) => (&rest[..end], end + 2),
                None => (rest.as_str(), rest.len()),
            };
            out.push_str(&regex_syntax::escape(literal));
            Ok(at + 2 + rest[..used].chars().count())
        }
        '0'..='7' => match octal(&chars[at + 1..]) {
            Some((value, len)) => {
                out.push_str(&format!("\\x{{{value:x}}}"));
                Ok(at + 1 + len)
            }
            // `\1` alone is a backreference, which neither syntax supports: let it fail.
            None => {
                out.push('\\');
                out.push(next);
                Ok(at + 2)
            }
        },
        'p' | 'P' | 'x' if chars.get(at + 2) == Some(&'{') => {
            let close = chars[at + 2..]
                .iter()
                .position(|&c| c == '}')
                .ok_or_else(|| format!("unclosed \\{next}{{...}}"))?;
            out.extend(&chars[at..at + 3 + close]);
            Ok(at + 3 + close)
        }
        _ => {
            out.push('\\');
            out.push(next);
            Ok(at + 2)
        }
    }
}

/// Go's octal escape at the start of `digits` (after the backslash): `\0` plus up to two more
/// octal digits, or `\1`..`\7` followed by one or two more. Returns (value, digits used).
fn octal(digits: &[char]) -> Option<(u32, usize)> {
    let len = digits
        .iter()
        .take(3)
        .take_while(|c| ('0'..='7').contains(*c))
        .count();
    if digits[0] != '0' && len < 2 {
        return None;
    }
    let value = digits[..len]
        .iter()
        .fold(0, |v, c| v * 8 + c.to_digit(8).unwrap_or(0));
    Some((value, len))
}

/// Copies the class starting at `chars[at] == '['`; returns the index after its `]`.
fn class(chars: &[char], at: usize, out: &mut String) -> Result<usize, String> {
    let mut i = at + 1;
    out.push('[');
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    // A `]` first in the class is a literal in both syntaxes; escaping it is clearer.
    if chars.get(i) == Some(&']') {
        out.push_str("\\]");
        i += 1;
    }
    while i < chars.len() {
        match chars[i] {
            ']' => {
                out.push(']');
                return Ok(i + 1);
            }
            '\\' => i = escape(chars, i, out)?,
            '[' if chars.get(i + 1) == Some(&':') => {
                let close = chars[i..]
                    .windows(2)
                    .position(|w| w == [':', ']'])
                    .ok_or("unclosed [:class:]")?;
                out.extend(&chars[i..i + close + 2]);
                i += close + 2;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                return Err("`--` in a character class (a range ending in '-'?) reads \
                            as a set difference in Rust"
                    .into());
            }
            c @ ('[' | '&' | '~') => {
                out.push('\\');
                out.push(c);
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err("unclosed character class".into())
}

/// The length of a counted repetition (`{2}`, `{2,}`, `{2,5}`) at the start of `s`, if it is one.
pub(super) fn repetition_len(s: &[char]) -> Option<usize> {
    let mut i = 1;
    let digits = |i: &mut usize| {
        let start = *i;
        while s.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return None;
    }
    if s.get(i) == Some(&',') {
        i += 1;
        digits(&mut i);
    }
    (s.get(i) == Some(&'}')).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::to_rust;

    fn compiles(p: &str) -> bool {
        regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(p)
            .is_ok()
    }

    #[test]
    fn ordinary_patterns_are_unchanged() {
        for p in [
            r"(?i)\b(ghp_[A-Za-z0-9]{36})\b",
            r#"(?:key|token)(?:[0-9a-z\-_\t .]{0,20})(?:'|\"|\s|=|\x60){0,5}([0-9a-z\-_.=]{10,150})"#,
            r"[[:alnum:]]{8,}",
            r"\p{Greek}+\pL",
            r"^a{2}b{3,}c{1,4}$",
        ] {
            assert_eq!(to_rust(p).unwrap(), p);
        }
    }

    #[test]
    fn go_only_spellings_are_rewritten() {
        assert_eq!(to_rust(r"\Qa.b*\Ec").unwrap(), r"a\.b\*c");
        assert_eq!(to_rust(r"x\Q(y").unwrap(), r"x\(y");
        assert_eq!(to_rust("a{,5}").unwrap(), r"a\{,5\}");
        assert_eq!(to_rust(r"\${VAR}").unwrap(), r"\$\{VAR\}");
        assert_eq!(to_rust(r"\012\101").unwrap(), r"\x{a}\x{41}");
        assert_eq!(to_rust(r"[[a&&b~]").unwrap(), r"[\[a\&\&b\~]");
        assert_eq!(to_rust(r"[]a]").unwrap(), r"[\]a]");
        for p in [
            r"\Qa.b*\Ec",
            "a{,5}",
            r"\${VAR}",
            r"\012",
            r"[[a&&b~]",
            r"[]a]",
        ] {
            assert!(compiles(&to_rust(p).unwrap()), "{p}");
        }
    }

    #[test]
    fn what_cannot_be_respelled_is_an_error_or_fails_to_compile() {
        assert!(to_rust(r"[+--]").is_err());
        assert!(to_rust(r"[abc").is_err());
        assert!(to_rust("abc\\").is_err());
        assert!(!compiles(&to_rust(r"a\Cb").unwrap()));
        assert!(!compiles(&to_rust(r"(a)\1").unwrap()));
    }
}
