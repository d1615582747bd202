//! The inventory's id fields, checked as they are read so that a malformed one is an error at its
//! line: AWS key and account ids, `SHA256:` key fingerprints, hex secret hashes.

use serde::Deserialize;

/// A string or a number (YAML reads `123456789012` as a number).
#[derive(Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Number(u64),
}

/// An AWS access key id (`AKIA…`, `ASIA…`: 20 upper-case letters and digits).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct AwsKeyId(pub String);

impl TryFrom<String> for AwsKeyId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = s.len() == 20
            && s.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if ok {
            Ok(AwsKeyId(s))
        } else {
            Err(format!(
                "{s:?} is not an AWS access key id (20 upper-case letters and digits)"
            ))
        }
    }
}

/// A 12-digit AWS account id (leading zeros kept, or restored when YAML read a number).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Scalar")]
pub struct AccountId(pub String);

impl TryFrom<Scalar> for AccountId {
    type Error = String;
    fn try_from(s: Scalar) -> Result<Self, String> {
        let text = match s {
            Scalar::Text(t) => t,
            Scalar::Number(n) => format!("{n:012}"),
        };
        if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(AccountId(text))
        } else {
            Err(format!("{text:?} is not an AWS account id (12 digits)"))
        }
    }
}

/// A public key fingerprint as `ssh-keygen -lf` prints it: `SHA256:` and 43 base64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct KeyFingerprint(pub String);

impl TryFrom<String> for KeyFingerprint {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let body = s.strip_prefix("SHA256:").unwrap_or("");
        let ok = body.len() == 43
            && body
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
        if ok {
            Ok(KeyFingerprint(s))
        } else {
            Err(format!(
                "{s:?} is not a key fingerprint as ssh-keygen -lf prints it (SHA256:<43 base64 characters>)"
            ))
        }
    }
}

/// A secret's SHA-256 in hex (`leakhound identities fingerprint`), or a finding's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct SecretHash(pub String);

impl TryFrom<String> for SecretHash {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let lower = s.to_ascii_lowercase();
        if lower.len() == 64 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(SecretHash(lower))
        } else {
            Err(format!("{s:?} is not a SHA-256 in hex (64 hex digits)"))
        }
    }
}
