//! Text from scanned content (file names, git paths, author names, commit subjects, snippets,
//! rule names from a project's configuration) made safe to show a person or write to a log.
//!
//! A terminal obeys control characters: an escape sequence in a file name can clear the screen,
//! retitle the window or hide what follows, and a line break can forge a line of output (a fake
//! "0 findings" summary, a forged CI workflow command). [`visible`] is the one place that turns
//! every such character into a visible escape (`\x1b`, `\n`, `\u{202e}`), so what a person reads
//! is what the content holds. Machine formats (JSON, SARIF) keep text lossless and rely on their
//! own string escaping instead.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `s` with every control character and every invisible text-direction override shown as an
/// escape: C0 and C1 controls and DEL as `\xNN` (`\t`, `\n`, `\r` by name), bidirectional
/// overrides and isolates as `\u{NNNN}`. A backslash is left alone, so ordinary text (Windows
/// paths included) reads as before. Borrowed when nothing needed escaping.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// Controls (C0, DEL, C1) and the bidirectional formatting characters that reorder what a
/// terminal or a web page shows ("Trojan Source").
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn controls_become_visible() {
        assert_eq!(
            visible("\u{1b}]0;PWNED\u{7}\u{1b}[2Jx.env"),
            "\\x1b]0;PWNED\\x07\\x1b[2Jx.env"
        );
        assert_eq!(visible("a\nb\rc\td"), "a\\nb\\rc\\td");
        assert_eq!(visible("\u{9b}31m\u{7f}"), "\\x9b31m\\x7f");
        assert_eq!(visible("abc\u{202e}txt.exe"), "abc\\u{202e}txt.exe");
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(
            visible("C:\\dir\\é.env"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
