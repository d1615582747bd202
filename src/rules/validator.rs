//! Offline structural checks a rule can demand of a matched secret (checksums, decodable parts).
//!
//! A validator never touches the network; it only rejects strings that cannot be real tokens.

use std::fmt;

use base64::Engine as _;

/// A named check from a rule's `validator` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// `<prefix>` + 30 base62 chars + 6 base62 chars of CRC32 over those 30 (GitHub, npm).
    Base62Crc32,
    /// Three base64url segments whose first decodes to a JSON object with an `alg`.
    Jwt,
    /// Standard or URL-safe base64 that decodes to at least 16 bytes.
    Base64,
}

impl Validator {
    pub const ALL: &'static [(&'static str, Validator)] = &[
        ("base62-crc32", Validator::Base62Crc32),
        ("jwt", Validator::Jwt),
        ("base64", Validator::Base64),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, v)| *v == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    pub fn is_valid(self, secret: &[u8]) -> bool {
        match self {
            Validator::Base62Crc32 => base62_crc32(secret),
            Validator::Jwt => jwt(secret),
            Validator::Base64 => decode_base64(secret).is_some_and(|b| b.len() >= 16),
        }
    }
}

impl fmt::Display for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Validator {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .find(|(n, _)| *n == s)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(n, _)| *n).collect();
                format!("unknown validator {s:?} (known: {})", names.join(", "))
            })
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn base62_value(b: u8) -> Option<u64> {
    BASE62.iter().position(|&c| c == b).map(|p| p as u64)
}

/// Encodes `n` in base62, left-padded with '0' to `width`.
pub fn base62_encode(mut n: u64, width: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("base62 is ASCII")
}

fn base62_crc32(token: &[u8]) -> bool {
    if token.len() < 36 {
        return false;
    }
    let (rest, check) = token.split_at(token.len() - 6);
    let entropy = &rest[rest.len() - 30..];
    let Some(want) = check
        .iter()
        .try_fold(0u64, |acc, &b| Some(acc * 62 + base62_value(b)?))
    else {
        return false;
    };
    want == u64::from(crc32fast::hash(entropy))
}

fn decode_base64(s: &[u8]) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [STANDARD, URL_SAFE, STANDARD_NO_PAD, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|e| e.decode(s).ok())
}

fn jwt(token: &[u8]) -> bool {
    let mut parts = token.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let decode = |part: &[u8]| {
        let trimmed: &[u8] = match part.iter().rposition(|&b| b != b'=') {
            Some(end) => &part[..=end],
            None => part,
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(trimmed)
            .ok()
    };
    let Some(header) = decode(header) else {
        return false;
    };
    let is_header = serde_json::from_slice::<serde_json::Value>(&header)
        .ok()
        .is_some_and(|v| v.get("alg").is_some() || v.get("typ").is_some());
    is_header && decode(payload).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_token(prefix: &str, entropy: &str) -> String {
        let crc = crc32fast::hash(entropy.as_bytes());
        format!("{prefix}{entropy}{}", base62_encode(u64::from(crc), 6))
    }

    #[test]
    fn base62_crc32_accepts_good_and_rejects_tampered() {
        let good = make_token("ghp_", "Zq8LmN2vR5tY7wK1pX4cB9dF3gH6jA");
        assert!(Validator::Base62Crc32.is_valid(good.as_bytes()));
        let mut bad = good.clone().into_bytes();
        bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
        assert!(!Validator::Base62Crc32.is_valid(&bad));
        assert!(!Validator::Base62Crc32.is_valid(b"ghp_short"));
    }

    #[test]
    fn jwt_needs_a_json_header() {
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let tok = format!(
            "{}.{}.c2lnbmF0dXJl",
            b64(r#"{"alg":"HS256","typ":"JWT"}"#),
            b64(r#"{"sub":"svc"}"#)
        );
        assert!(Validator::Jwt.is_valid(tok.as_bytes()));
        assert!(!Validator::Jwt.is_valid(b"eyJub3Q.anNvbg.x"));
    }
}
