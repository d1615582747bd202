//! Telling made-up values (`changeme`, `${TOKEN}`, `<your-key>`, `xxxx`) and ordinary words or
//! identifiers (`get_password`, `PasswordField`) from credentials.
//!
//! [`is_placeholder`] applies to every rule: a random token essentially never contains these
//! markers. [`is_wordlike`] applies only to fallback (generic) rules, whose patterns accept any
//! value after a `password =` and so see code, prose and variable names all the time.

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
    "....",
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

/// True when `secret` is a template variable, a redaction, or a documentation placeholder.
pub fn is_placeholder(secret: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    if lower.len() >= 3 && lower.iter().all(|&b| b == lower[0]) {
        return true;
    }
    if matches!(lower.first(), Some(b'<')) && matches!(lower.last(), Some(b'>')) {
        return true;
    }
    let text = String::from_utf8_lossy(&lower);
    TRIVIAL.contains(&text.as_ref()) || MARKERS.iter().any(|m| text.contains(m))
}

/// True when a generic rule's value reads like words or a code identifier rather than a secret:
/// no digits, and every alphabetic run pronounceable (`db_password_field`, `PasswordHasher`,
/// `os.environ`), or the value is a code expression (`getenv(`, `config.get`).
pub fn is_wordlike(secret: &[u8]) -> bool {
    if secret
        .iter()
        .any(|&b| matches!(b, b'(' | b')' | b'[' | b']' | b'$' | b'%'))
    {
        return true;
    }
    if secret.iter().any(u8::is_ascii_digit) {
        return false;
    }
    let (mut runs, mut short, mut letters, mut vowels) = (0, 0, 0, 0);
    for run in alpha_runs(secret) {
        runs += 1;
        short += usize::from(run.len() <= 2);
        letters += run.len();
        vowels += run.iter().filter(|&&b| is_vowel(b)).count();
        if !pronounceable(run) {
            return false;
        }
    }
    // Words have about 40% vowels and few one- or two-letter parts; random letters do not.
    runs > 0 && vowels * 4 >= letters && short * 2 <= runs
}

/// Splits on non-letters and on lower->upper case changes (`PasswordHasher` -> `Password`, `Hasher`).
fn alpha_runs(s: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut start = None;
    let mut runs = Vec::new();
    for (i, &b) in s.iter().enumerate() {
        let letter = b.is_ascii_alphabetic();
        let case_break =
            i > 0 && b.is_ascii_uppercase() && s[i - 1].is_ascii_lowercase() && start.is_some();
        if case_break {
            runs.push(&s[start.take().expect("checked")..i]);
        }
        if letter && start.is_none() {
            start = Some(i);
        } else if let (false, Some(st)) = (letter, start) {
            runs.push(&s[st..i]);
            start = None;
        }
    }
    if let Some(st) = start {
        runs.push(&s[st..]);
    }
    runs.into_iter()
}

fn is_vowel(b: u8) -> bool {
    matches!(
        b.to_ascii_lowercase(),
        b'a' | b'e' | b'i' | b'o' | b'u' | b'y'
    )
}

/// English-like: has a vowel, no run of more than four consonants, and not all upper-lower noise.
fn pronounceable(run: &[u8]) -> bool {
    if run.len() <= 3 {
        return true;
    }
    let vowels = run.iter().filter(|&&b| is_vowel(b)).count();
    if vowels == 0 || vowels * 5 < run.len() {
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
    // Mixed case inside a run (after the first letter) is random-looking: `kQhVbTn`.
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
    fn wordlike() {
        for w in [
            "db_password_field",
            "PasswordHasher",
            "os.environ",
            "getenv(\"X\")",
            "correct-horse-battery-staple",
            "SECRET_KEY_NAME",
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
