//! AWS access key ids: the key's kind from its prefix, and the AWS account id, which is encoded
//! in the id itself (base32 of the characters after the prefix: bits 1–40 of the first six
//! bytes, as described publicly by security researchers and confirmed by STS
//! `GetAccessKeyInfo`, which returns the same account for a key id).

use super::Enricher;
use crate::finding::{Enrichment, Finding, Identity};

/// Unique-id prefixes from the IAM user guide's "Unique identifiers" table.
const PREFIXES: &[(&str, &str)] = &[
    ("AKIA", "aws-access-key"),
    ("ASIA", "aws-temporary-access-key"),
    ("ABIA", "aws-sts-service-bearer-token"),
    ("ACCA", "aws-context-specific-credential"),
];

pub struct AccessKeyId;

impl Enricher for AccessKeyId {
    fn enrich(&self, finding: &Finding, into: &mut Enrichment) {
        let secret = finding.secret.expose();
        let Some(kind) = key_kind(secret) else { return };
        let mut identity = Identity::offline(kind);
        if let Some(account) = account_id(secret) {
            identity.account = Some(format!("{account:012}"));
        }
        into.identity = Some(identity);
    }
}

fn key_kind(id: &[u8]) -> Option<&'static str> {
    if id.len() != 20 || !id[4..].iter().all(|&b| base32_value(b).is_some()) {
        return None;
    }
    PREFIXES
        .iter()
        .find(|(p, _)| id.starts_with(p.as_bytes()))
        .map(|(_, k)| *k)
}

fn base32_value(b: u8) -> Option<u64> {
    match b {
        b'A'..=b'Z' => Some(u64::from(b - b'A')),
        b'2'..=b'7' => Some(u64::from(b - b'2') + 26),
        _ => None,
    }
}

/// The account id in an access key id: the first 10 base32 characters after the prefix give 50
/// bits; of their first 48 bits, bits 1..=40 (counting the most significant as 0) are the
/// account number.
pub fn account_id(id: &[u8]) -> Option<u64> {
    let body = id.get(4..14)?;
    let mut bits: u64 = 0;
    for &b in body {
        bits = (bits << 5) | base32_value(b)?;
    }
    let first48 = bits >> 2;
    Some((first48 & 0x7fff_ffff_ff80) >> 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes `account` the way AWS lays it out, to check the decoding against the layout and
    /// not against itself: 1 bit, 40 bits of account, 7 bits, then the rest of the id.
    fn make_key_id(prefix: &str, account: u64, low7: u64, tail: u64) -> String {
        let first48 = (account << 7) | low7;
        let mut bits: u128 = (u128::from(first48) << 32) | u128::from(tail as u32);
        let mut out = Vec::new();
        for _ in 0..16 {
            let v = (bits >> 75) as u8 & 31;
            out.push(if v < 26 { b'A' + v } else { b'2' + v - 26 });
            bits <<= 5;
        }
        format!("{prefix}{}", String::from_utf8(out).unwrap())
    }

    #[test]
    fn account_is_decoded_from_the_key_id() {
        for account in [123_456_789_012u64, 1, 999_999_999_999, 581_039_954_779] {
            let id = make_key_id("AKIA", account, 0x55, 0xdead_beef);
            assert_eq!(id.len(), 20);
            assert_eq!(account_id(id.as_bytes()), Some(account), "{id}");
        }
    }

    #[test]
    fn the_documented_example_key_decodes() {
        // IAM's documentation example id, decoded independently with Python's base32 decoder:
        // int.from_bytes(b32decode(id[4:])[:6], "big") & 0x7fffffffff80 >> 7.
        let example = b"AKIAIOSFODNN7EXAMPLE";
        assert_eq!(account_id(example), Some(581_039_954_779));
        assert_eq!(key_kind(example), Some("aws-access-key"));
        assert_eq!(
            key_kind(b"ASIAIOSFODNN7EXAMPLE"),
            Some("aws-temporary-access-key")
        );
        assert_eq!(key_kind(b"AKIAIOSFODNN7EXAMPL1"), None);
        assert_eq!(key_kind(b"XKIAIOSFODNN7EXAMPLE"), None);
    }
}
