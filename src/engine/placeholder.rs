//! Telling made-up values (`changeme`, `${TOKEN}`, `<your-key>`, `xxxx`) and ordinary words or
//! identifiers (`get_password`, `PasswordField`) from credentials.
//!
//! [`is_placeholder`] applies to every rule: a random token essentially never contains these
//! markers. [`is_wordlike`] applies only to fallback (generic) rules, whose patterns accept any
//! value after a `password =` and so see code, prose and variable names all the time.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

/// Markers that only appear in documentation, templates and redacted values (lower case).
const MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "your_",
    "your-",
    "yourapi",
    "yourkey",
    "yoursecret",
    "yourtoken",
    "yourpass",
    "redacted",
    "replace_me",
    "replaceme",
    "replace-me",
    "insert_",
    "insert-",
    "dummy",
    "${",
    "{{",
    "$(",
    "%(",
    "<%",
    "****",
    "...",
    "\u{2026}",
    "secret_here",
    "token_here",
    "key_here",
    "password_here",
    "notreal",
    "not_real",
    "not-a-real",
    "do_not_use",
    "abcdefgh",
    "12345678",
    "a1b2c3",
    "asdf",
    "qwert",
    "zxcvb",
];

/// Whole values that are never real credentials (lower case).
const TRIVIAL: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "secret",
    "token",
    "apikey",
    "api_key",
    "key",
    "admin",
    "root",
    "test",
    "testing",
    "tester",
    "guest",
    "user",
    "username",
    "default",
    "none",
    "null",
    "nil",
    "true",
    "false",
    "undefined",
    "empty",
    "foo",
    "bar",
    "baz",
    "foobar",
    "qwerty",
    "letmein",
    "hunter2",
    "s3cr3t",
    "p@ssw0rd",
    "passw0rd",
    "pa55word",
    "mypassword",
    "mysecret",
    "yourpassword",
    "postgres",
    "mysql",
    "redis",
    "rabbitmq",
    "guest",
    "sample",
    "string",
    "value",
    "todo",
    "tbd",
    "fixme",
];

/// Case-insensitive automata over the marker lists, built on first use.
fn automaton(
    words: &'static [&'static str],
    cell: &'static OnceLock<AhoCorasick>,
) -> &'static AhoCorasick {
    cell.get_or_init(|| {
        AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(words)
            .expect("marker lists are plain literals")
    })
}

fn has_marker(secret: &[u8]) -> bool {
    static CELL: OnceLock<AhoCorasick> = OnceLock::new();
    automaton(MARKERS, &CELL).is_match(secret)
}

fn describes_itself(secret: &[u8]) -> bool {
    static CELL: OnceLock<AhoCorasick> = OnceLock::new();
    automaton(SELF_DESCRIBING, &CELL).is_match(secret)
}

/// True when `secret` is a template variable, a redaction, or a documentation placeholder.
pub fn is_placeholder(secret: &[u8]) -> bool {
    if secret.len() >= 3 && secret.iter().all(|b| b.eq_ignore_ascii_case(&secret[0])) {
        return true;
    }
    if matches!(secret.first(), Some(b'<')) && matches!(secret.last(), Some(b'>')) {
        return true;
    }
    TRIVIAL
        .iter()
        .any(|t| t.as_bytes().eq_ignore_ascii_case(secret))
        || has_marker(secret)
}

/// Lower-case substrings that make a generic rule's value a sample or a description of a secret
/// rather than one (`MyTestSecret-1`, `secret-passwd`, `42password`).
const SELF_DESCRIBING: &[&str] = &[
    "password", "passwd", "secret", "token", "apikey", "api_key", "test", "sample", "example",
    "dummy", "foo", "bar", "qwerty", "changeme", "default", "ssw0rd", "p@ss",
];

/// True when a generic rule's value reads like words, an identifier or code rather than a secret:
/// `db_password_field`, `PasswordHasher`, `STRBUF_INIT`, `antlr4.CommonTokenStream`,
/// `os.getenv("X")`, `https://host/path`, a value that names itself (`MyTestSecret`).
pub fn is_wordlike(secret: &[u8]) -> bool {
    if secret.iter().any(|&b| {
        matches!(
            b,
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'$' | b'%' | b'\\' | b'*'
        )
    }) {
        return true;
    }
    if memchr::memmem::find(secret, b"://").is_some() || describes_itself(secret) {
        return true;
    }
    if is_constant_name(secret) || is_path(secret) || is_timestamp(secret) || is_short_hex(secret) {
        return true;
    }
    // A query string (`a=1&b=2`) is not one value.
    if secret.contains(&b'&') && secret.contains(&b'=') {
        return true;
    }
    if decodes_to_words(secret) {
        return true;
    }
    let (mut runs, mut short, mut letters, mut vowels, mut digits) = (0, 0, 0, 0, 0);
    for run in runs_of(secret) {
        if run[0].is_ascii_digit() {
            // `utf8`, `int32`, `v2` are words; a long digit run is not.
            if run.len() > 2 {
                return false;
            }
            digits += run.len();
            continue;
        }
        runs += 1;
        short += usize::from(run.len() <= 2);
        if run.len() > 4 {
            // Acronyms (`cty`, `AWS`, `csrf`) are words without the vowels of words.
            letters += run.len();
            vowels += run.iter().filter(|&&b| is_vowel(b)).count();
        }
        if !pronounceable(run) {
            return false;
        }
    }
    // Words have vowels and few one- or two-letter parts; random letters do not.
    runs > 0 && vowels * 6 >= letters && short * 2 <= runs && digits * 3 <= letters
}

/// `./creds.json`, `/etc/ssl/key.pem`, `~/x`, `some/dir/`: a path, not a secret.
fn is_path(s: &[u8]) -> bool {
    s.starts_with(b"./")
        || s.starts_with(b"../")
        || s.starts_with(b"~/")
        || (s.starts_with(b"/") && s[1..].contains(&b'/'))
        || s.ends_with(b"/")
}

/// `2016-09-24T16:18:07Z`, `2024-01-31`.
fn is_timestamp(s: &[u8]) -> bool {
    s.len() >= 10
        && s[..4].iter().all(u8::is_ascii_digit)
        && s[4] == b'-'
        && s[5..7].iter().all(u8::is_ascii_digit)
        && s[7] == b'-'
        && s[8..10].iter().all(u8::is_ascii_digit)
}

/// Hex under 20 digits (`48205d4ffd7feba3`) is an id or a short hash far more often than a key.
fn is_short_hex(s: &[u8]) -> bool {
    s.len() < 20 && s.iter().all(u8::is_ascii_hexdigit)
}

/// Base64 or hex whose content is readable words (`QUNDRVNTX0tFWQ==` is `ACCESS_KEY`): an encoded
/// placeholder. A real secret decodes to random bytes.
fn decodes_to_words(s: &[u8]) -> bool {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    if s.len() < 8
        || !s
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return false;
    }
    let hex = || -> Option<Vec<u8>> {
        if !s.len().is_multiple_of(2) || !s.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        s.chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
            .collect()
    };
    let Some(decoded) = hex()
        .or_else(|| STANDARD.decode(s).ok())
        .or_else(|| STANDARD_NO_PAD.decode(s).ok())
    else {
        return false;
    };
    let text: Vec<u8> = decoded
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    !text.is_empty()
        && text.iter().all(|b| b.is_ascii_graphic())
        && (is_placeholder(&text) || is_wordlike(&text))
}

/// `STRBUF_INIT`, `MAX_PASSWORD_LEN`: an upper-case constant's name.
fn is_constant_name(s: &[u8]) -> bool {
    s.first().is_some_and(u8::is_ascii_uppercase)
        && s.contains(&b'_')
        && s.iter()
            .all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// Splits into runs of letters and runs of digits, also splitting letters at lower->upper case
/// changes (`PasswordHasher` -> `Password`, `Hasher`).
fn runs_of(s: &[u8]) -> Vec<&[u8]> {
    let mut runs = Vec::new();
    let mut start: Option<usize> = None;
    for (i, &b) in s.iter().enumerate() {
        let class = if b.is_ascii_alphabetic() {
            1
        } else if b.is_ascii_digit() {
            2
        } else {
            0
        };
        if let Some(st) = start {
            let prev = s[i - 1];
            let prev_class = if prev.is_ascii_alphabetic() { 1 } else { 2 };
            // `PasswordHasher` -> Password|Hasher; `AWSAccess` -> AWS|Access.
            let next_lower = s.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            let case_break = b.is_ascii_uppercase()
                && (prev.is_ascii_lowercase() || (prev.is_ascii_uppercase() && next_lower));
            if class != prev_class || case_break {
                runs.push(&s[st..i]);
                start = None;
            }
        }
        if class != 0 && start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        runs.push(&s[st..]);
    }
    runs
}

/// The words of an identifier (`NextPageToken` -> Next, Page, Token), as they are spelled.
pub fn words(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    runs_of(s).into_iter()
}

fn is_vowel(b: u8) -> bool {
    matches!(
        b.to_ascii_lowercase(),
        b'a' | b'e' | b'i' | b'o' | b'u' | b'y'
    )
}

/// English-like: acronyms up to four letters pass; longer runs need a vowel in six, no run of
/// more than four consonants, and no case changes inside (`kQhVbTn` is noise).
fn pronounceable(run: &[u8]) -> bool {
    if run.len() <= 4 {
        return true;
    }
    let vowels = run.iter().filter(|&&b| is_vowel(b)).count();
    if vowels == 0 || vowels * 6 < run.len() {
        return false;
    }
    let mut consonants = 0;
    for &b in run {
        if is_vowel(b) {
            consonants = 0;
        } else {
            consonants += 1;
            if consonants > 4 {
                return false;
            }
        }
    }
    let inner_upper = run[1..].iter().filter(|b| b.is_ascii_uppercase()).count();
    let inner_lower = run[1..].iter().filter(|b| b.is_ascii_lowercase()).count();
    inner_upper == 0 || inner_lower == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for p in [
            "eyJ2IjoiMSIsInMiOjEsImMiOi...",
            "changeme",
            "${DB_PASSWORD}",
            "{{ .Values.token }}",
            "<your-api-key>",
            "xxxxxxxxxxxxxxxx",
            "AKIAIOSFODNN7EXAMPLE",
            "********",
            "password",
            "aaaaaaaaaaaa",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for s in ["wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQkL9e", "hV93kd0qZ2mP"] {
            assert!(!is_placeholder(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn words_split_identifiers() {
        let w: Vec<&[u8]> = words(b"NextPageToken_v2").collect();
        assert_eq!(w, [&b"Next"[..], b"Page", b"Token", b"v", b"2"]);
    }

    #[test]
    fn wordlike() {
        for w in [
            "db_password_field",
            "PasswordHasher",
            "os.environ",
            "getenv(\"X\")",
            "correct-horse-battery-staple",
            "SECRET_KEY_NAME",
            "STRBUF_INIT",
            "assert_presence_and_fetch_form_csrf_token",
            "antlr4.CommonTokenStream",
            "MyTestDatabaseSecret-a1b2c3",
            "secret-passwd",
            "https://accounts.google.com/o/oauth2/token",
            "AWSAccessKeyId",
            "rsa.RSAPrivateKey",
            "cty.String",
            "./creds.json",
            "2016-09-24T16:18:07Z",
            "48205d4ffd7feba3",
            "QUNDRVNTX0tFWQ0K",
            "bd4f21f&username=fxn",
            "rds-custom!*",
            "697361616320736c6f616e2028656c6f7265737429",
        ] {
            assert!(is_wordlike(w.as_bytes()), "{w}");
        }
        for s in [
            "kQhVbTnZpWxRmLsJdFgH",
            "hV93kd0qZ2mP",
            "Tr0ub4dor&3x",
            "zxcvbnmlkjhgf",
        ] {
            assert!(!is_wordlike(s.as_bytes()), "{s}");
        }
    }
}
