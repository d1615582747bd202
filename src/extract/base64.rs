//! Base64 (standard and URL-safe, padded or not): runs of the alphabet long enough to hold a
//! secret, decoded when the result reads as text.
//!
//! Finding runs is on every scanned byte, so it skips ahead: a run of at least `MIN_RUN`
//! characters must cover the byte `MIN_RUN - 1` past the current position, so when that byte is
//! not in the alphabet the whole stretch before it is passed over unread.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::Decoder;

/// The shortest run decoded: 32 characters hold 24 bytes, about the shortest secret with a
/// keyword in front of it worth finding.
const MIN_RUN: usize = 32;
/// Characters of a long run decoded first to see whether it is text (a multiple of 4).
const PREFIX_CHECK: usize = 128;
/// Decoded text must be at least this share printable (per mille).
const MIN_PRINTABLE: usize = 950;

pub struct Base64;

/// Decoding takes text with or without padding, and a last character with unused bits set (a run
/// is cut where the alphabet ends, not where an encoder stopped).
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
static STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
static URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// 1: standard alphabet, 2: URL-safe only, 0: neither.
const fn class(b: u8) -> u8 {
    match b {
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => 3,
        b'+' | b'/' => 1,
        b'-' | b'_' => 2,
        _ => 0,
    }
}

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = class(i as u8);
        i += 1;
    }
    t
};

impl Decoder for Base64 {
    fn name(&self) -> &'static str {
        "base64"
    }

    fn decode(&self, text: &[u8], found: &mut dyn FnMut(std::ops::Range<usize>, &[u8])) {
        let mut out = Vec::new();
        for run in runs(text) {
            if let Some(decoded) = decode_run(&text[run.clone()], &mut out) {
                found(run, decoded);
            }
        }
    }
}

/// The runs of base64 characters at least `MIN_RUN` long. `i` always sits just after a byte
/// outside the alphabet (or at the start), so a run found at `i` starts there.
fn runs(text: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + MIN_RUN <= text.len() {
        let probe = i + MIN_RUN - 1;
        if CLASS[text[probe] as usize] == 0 {
            i = probe + 1;
            continue;
        }
        let mut start = probe;
        while start > i && CLASS[text[start - 1] as usize] != 0 {
            start -= 1;
        }
        if start > i {
            // The run holding the probe starts too late to be long enough yet: probe from it.
            i = start;
            continue;
        }
        let mut end = probe + 1;
        while end < text.len() && CLASS[text[end] as usize] != 0 {
            end += 1;
        }
        out.push(start..end);
        i = end + 1;
    }
    out
}

/// Decodes a run when it is one alphabet and decodes to text; `None` otherwise.
fn decode_run<'a>(run: &[u8], out: &'a mut Vec<u8>) -> Option<&'a [u8]> {
    if !quads_start_like_text(run) {
        return None;
    }
    // Most long runs that are base64 at all hold binary data (images, archives): checking and
    // decoding a prefix first rejects those without reading them whole.
    let head = &run[..run.len().min(PREFIX_CHECK)];
    let engine = alphabet_of(head)?;
    if run.len() > PREFIX_CHECK {
        out.clear();
        engine.decode_vec(head, out).ok()?;
        if !readable(out) || !std::ptr::eq(alphabet_of(run)?, engine) {
            return None;
        }
    }
    // A length of 1 mod 4 cannot be base64; drop the odd last character.
    let usable = run.len() - usize::from(run.len() % 4 == 1);
    out.clear();
    engine.decode_vec(&run[..usable], out).ok()?;
    readable(out).then_some(&out[..])
}

/// Each group of four base64 characters starts with the top six bits of a byte: for printable
/// ASCII (0x20..0x7e) a value from 8 to 31 (`I`..`Z`, `a`..`f`), for a line break or tab 2 (`C`).
/// Identifiers, words and digests fail this within a few groups, before anything is decoded; one
/// miss in the first eight groups is forgiven (a byte of UTF-8).
fn quads_start_like_text(run: &[u8]) -> bool {
    let mut misses = 0;
    for &c in run.iter().step_by(4).take(8) {
        if !matches!(c, b'I'..=b'Z' | b'a'..=b'f' | b'C') {
            misses += 1;
            if misses > 1 {
                return false;
            }
        }
    }
    true
}

/// The alphabet `text` is written in, when it is one, and it mixes upper and lower case as
/// base64 of text does (an identifier, a hex digest or a path does not).
fn alphabet_of(text: &[u8]) -> Option<&'static GeneralPurpose> {
    let (mut classes, mut lower, mut upper) = (3u8, false, false);
    for &b in text {
        classes &= CLASS[b as usize];
        lower |= b.is_ascii_lowercase();
        upper |= b.is_ascii_uppercase();
    }
    match classes {
        _ if !(lower && upper) => None,
        0 => None,
        c if c & 1 != 0 => Some(&STANDARD),
        _ => Some(&URL_SAFE),
    }
}

/// Whether decoded bytes read as text (so scanning them can find a token).
fn readable(bytes: &[u8]) -> bool {
    if bytes.len() < 16 {
        return false;
    }
    let printable = bytes
        .iter()
        .filter(|&&b| matches!(b, 0x20..=0x7e | b'\n' | b'\r' | b'\t'))
        .count();
    printable * 1000 >= bytes.len() * MIN_PRINTABLE
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE};

    fn decoded(text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        Base64.decode(text.as_bytes(), &mut |r, d| {
            out.push((text[r].to_string(), String::from_utf8_lossy(d).into_owned()));
        });
        out
    }

    #[test]
    fn runs_in_text_are_found_and_decoded() {
        let inner = "aws_secret_access_key = TOPSECRETVALUE1234567890abcdef";
        let enc = STANDARD.encode(inner);
        let got = decoded(&format!(
            "data:\n  creds: {enc}\n  other: plain text here\n"
        ));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(got[0].1, inner);
        let url = URL_SAFE.encode("token ???>>> ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        let got = decoded(&format!("x={url};"));
        assert!(got[0].1.contains("ghp_"), "{got:?}");
    }

    #[test]
    fn identifiers_digests_and_binary_are_left_alone() {
        assert!(decoded("some_really_long_identifier_name_that_goes_on_and_on").is_empty());
        assert!(
            decoded("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
                .is_empty()
        );
        let bin = STANDARD.encode([
            0u8, 1, 2, 3, 250, 251, 252, 253, 254, 255, 7, 8, 9, 10, 11, 12, 13, 14, 200, 201, 202,
            203, 204, 205,
        ]);
        assert!(decoded(&bin).is_empty());
        assert!(decoded("short").is_empty());
    }

    #[test]
    fn runs_at_every_position_are_found() {
        let enc = STANDARD.encode("password=SuperSecretValue!2345678");
        for pad in 0..40 {
            let text = format!("{}{enc} tail", " ".repeat(pad));
            let got = decoded(&text);
            assert_eq!(got.len(), 1, "pad {pad}: {got:?}");
            assert_eq!(got[0].0, enc.trim_end_matches('='), "pad {pad}");
        }
        let text = format!("{enc}\n{enc}");
        assert_eq!(decoded(&text).len(), 2);
    }
}
