//! Private keys (PEM: PKCS#1, SEC1, PKCS#8; OpenSSH): the algorithm, the size and the public
//! key's fingerprint as `ssh-keygen -lf` prints it (`SHA256:` and the unpadded base64 of the
//! SHA-256 of the public key in OpenSSH wire form), so the same key found twice, or a key whose
//! public half is listed in the identity inventory, links up. DER is read with RustCrypto's
//! `pkcs1`, `pkcs8` and `sec1`, OpenSSH keys with `ssh-key`; encrypted PEM keys give only their
//! kind (an encrypted OpenSSH key keeps its public key in clear, so it gives everything).

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use pkcs8::ObjectIdentifier as Oid;
use ssh_key::public::{EcdsaPublicKey, Ed25519PublicKey, KeyData, RsaPublicKey};
use ssh_key::{HashAlg, Mpint};

use super::Enricher;
use crate::finding::{Enrichment, Finding, Identity};

const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const EC: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");

pub struct PrivateKey;

impl Enricher for PrivateKey {
    fn enrich(&self, finding: &Finding, into: &mut Enrichment) {
        if let Some(id) = identify(finding.secret.expose()) {
            into.identity = Some(id);
        }
    }
}

/// What a key (as found: PEM, possibly inside a JSON string) says about itself.
pub fn identify(secret: &[u8]) -> Option<Identity> {
    let (label, der) = unarmor(&String::from_utf8_lossy(secret))?;
    let (format, key) = match label.as_str() {
        "OPENSSH PRIVATE KEY" => ("openssh", openssh(&der)),
        "RSA PRIVATE KEY" => ("pkcs1", pkcs1(&der)),
        "EC PRIVATE KEY" => ("sec1", sec1(&der)),
        "PRIVATE KEY" => ("pkcs8", pkcs8(&der)),
        "ENCRYPTED PRIVATE KEY" => ("pkcs8-encrypted", None),
        _ => ("pem", None),
    };
    let mut id = Identity::offline("private-key");
    id.attribute("format", Some(format));
    if let Some(key) = key {
        let algorithm = key.data.algorithm().to_string();
        id.kind = format!("{}-private-key", short_name(&algorithm));
        id.public_key_fingerprint = Some(key.data.fingerprint(HashAlg::Sha256).to_string());
        id.attribute("algorithm", Some(algorithm));
        id.attribute("bits", bits(&key.data).map(|b| b.to_string()));
        id.attribute("comment", key.comment.filter(|c| !c.is_empty()));
        if key.encrypted {
            id.attribute("encrypted", Some("true"));
        }
    }
    Some(id)
}

/// A public key with what else the private key file said.
struct Key {
    data: KeyData,
    comment: Option<String>,
    encrypted: bool,
}

impl From<KeyData> for Key {
    fn from(data: KeyData) -> Key {
        Key {
            data,
            comment: None,
            encrypted: false,
        }
    }
}

/// `rsa`, `ed25519`, `ecdsa-p256`: from `ssh-rsa`, `ssh-ed25519`, `ecdsa-sha2-nistp256`.
fn short_name(algorithm: &str) -> String {
    if let Some(curve) = algorithm.strip_prefix("ecdsa-sha2-nist") {
        return format!("ecdsa-{curve}");
    }
    algorithm.trim_start_matches("ssh-").to_string()
}

fn bits(data: &KeyData) -> Option<usize> {
    match data {
        KeyData::Rsa(k) => k.n.as_positive_bytes().map(|n| {
            let lead = n.first().map_or(0, |b| b.leading_zeros() as usize);
            n.len() * 8 - lead
        }),
        KeyData::Ed25519(_) => Some(256),
        KeyData::Ecdsa(k) => Some(match k {
            EcdsaPublicKey::NistP256(_) => 256,
            EcdsaPublicKey::NistP384(_) => 384,
            EcdsaPublicKey::NistP521(_) => 521,
        }),
        _ => None,
    }
}

/// The label and the DER (or OpenSSH binary) of the first PEM block in `text`. Escaped line
/// breaks (`\n` in a JSON string) and string concatenation (`"..." + "..."`) are undone.
fn unarmor(text: &str) -> Option<(String, Vec<u8>)> {
    let begin = text.find("-----BEGIN ")? + "-----BEGIN ".len();
    let label_end = begin + text[begin..].find("-----")?;
    let label = text[begin..label_end].to_string();
    let body_start = label_end + 5;
    let body_end = body_start + text[body_start..].find("-----END")?;
    let body = text[body_start..body_end]
        .replace("\\r", "\n")
        .replace("\\n", "\n")
        .replace('\\', "");
    let mut b64 = String::new();
    for line in body.lines() {
        if line.contains(':') {
            return Some((label, Vec::new())); // RFC 1421 headers: an encrypted key
        }
        for token in line.split(|c: char| c.is_whitespace() || "\"',".contains(c)) {
            if token != "+" {
                b64.push_str(token);
            }
        }
    }
    Some((label, BASE64.decode(b64).ok()?))
}

fn openssh(bytes: &[u8]) -> Option<Key> {
    let key = ssh_key::PrivateKey::from_bytes(bytes).ok()?;
    Some(Key {
        data: key.public_key().key_data().clone(),
        comment: Some(key.comment().to_string()),
        encrypted: key.is_encrypted(),
    })
}

fn pkcs1(der: &[u8]) -> Option<Key> {
    let key = pkcs1::RsaPrivateKey::try_from(der).ok()?;
    let rsa = RsaPublicKey {
        e: Mpint::from_positive_bytes(key.public_exponent.as_bytes()).ok()?,
        n: Mpint::from_positive_bytes(key.modulus.as_bytes()).ok()?,
    };
    Some(KeyData::Rsa(rsa).into())
}

fn sec1(der: &[u8]) -> Option<Key> {
    let key = sec1::EcPrivateKey::try_from(der).ok()?;
    let curve = key.parameters.and_then(|p| p.named_curve());
    ec_key(key.private_key, key.public_key, curve)
}

/// An EC key's public point: the one the file carries, or (P-256) the one computed from the
/// private scalar.
fn ec_key(private: &[u8], public: Option<&[u8]>, curve: Option<Oid>) -> Option<Key> {
    let point = match public {
        Some(p) => p.to_vec(),
        None if curve == Some(P256) => {
            use p256::elliptic_curve::sec1::ToEncodedPoint as _;
            let secret = p256::SecretKey::from_slice(private).ok()?;
            secret
                .public_key()
                .to_encoded_point(false)
                .as_bytes()
                .to_vec()
        }
        None => return None,
    };
    let public = EcdsaPublicKey::from_sec1_bytes(&point).ok()?;
    Some(KeyData::Ecdsa(public).into())
}

fn pkcs8(der: &[u8]) -> Option<Key> {
    let info = pkcs8::PrivateKeyInfo::try_from(der).ok()?;
    let oid = info.algorithm.oid;
    if oid == RSA {
        pkcs1(info.private_key)
    } else if oid == EC {
        let key = sec1::EcPrivateKey::try_from(info.private_key).ok()?;
        let curve = info.algorithm.parameters_oid().ok();
        ec_key(key.private_key, key.public_key, curve)
    } else if oid == ED25519 {
        // The private key is an OCTET STRING holding the 32-byte seed.
        let seed: [u8; 32] = info
            .private_key
            .strip_prefix(&[0x04, 0x20])?
            .try_into()
            .ok()?;
        let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
        Some(KeyData::Ed25519(Ed25519PublicKey(public.to_bytes())).into())
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
