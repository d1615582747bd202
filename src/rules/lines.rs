//! Where things are in a rule file's text, for error messages: the line of each `[[rules]]`
//! header, and the line of a key inside one rule. Also used by `build.rs`.

/// The 1-based line of each `[[rules]]` header, in order.
pub fn rule_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[rules]]"))
        .map(|(i, _)| i + 1)
        .collect()
}

/// The first line in `from..to` (1-based, `to` exclusive) that assigns `key` (`key = ...`).
pub fn key_line(text: &str, from: usize, to: usize, key: &str) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .take(to.saturating_sub(from))
        .find(|(_, l)| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|(i, _)| i + 1)
}

/// 1-based line number of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    1 + text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}
