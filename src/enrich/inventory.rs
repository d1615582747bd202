//! The identity inventory (`--identities FILE`, YAML or JSON): who owns which non-human identity,
//! and the facts that tie a leaked credential to it. Reading it is strict (unknown fields and
//! malformed ids are errors naming the line and the field); linking is an [`Enricher`] that runs
//! after the offline ones and matches on what they found.

use std::path::Path;

use serde::Deserialize;

use super::Enricher;
use crate::finding::{Enrichment, Finding, Identity, InventoryLink, secret_hash};

mod fields;

pub use fields::{AccountId, AwsKeyId, KeyFingerprint, SecretHash};

/// The whole file: `identities:` and a list of entries.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    pub identities: Vec<Entry>,
}

/// One identity: who owns it and how to recognise its credentials.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub name: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub contact: Option<String>,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(rename = "match")]
    pub matchers: Matchers,
}

/// The facts a credential of this identity may show; any one is enough.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Matchers {
    pub aws_key_ids: Vec<AwsKeyId>,
    pub aws_account_ids: Vec<AccountId>,
    pub emails: Vec<String>,
    pub public_key_fingerprints: Vec<KeyFingerprint>,
    pub secret_fingerprints: Vec<SecretHash>,
    pub token_ids: Vec<String>,
}

/// What a finding offers to match on.
struct Facts<'a> {
    secret: &'a [u8],
    secret_hash: String,
    fingerprint: &'a str,
    identity: Option<&'a Identity>,
}

/// The `match` fields from the most specific to the least: a credential that names a key and an
/// account links to the entry that lists the key.
const ORDER: &[&str] = &[
    "secret_fingerprints",
    "aws_key_ids",
    "public_key_fingerprints",
    "token_ids",
    "emails",
    "aws_account_ids",
];

impl Inventory {
    /// Reads `path`; errors name the file, the field's path, the line and the column.
    pub fn load(path: &Path) -> anyhow::Result<Inventory> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!("cannot read identity inventory {}: {e}", path.display())
        })?;
        Inventory::parse(&text)
            .map_err(|e| anyhow::anyhow!("identity inventory {}: {e}", path.display()))
    }

    /// Parses YAML (JSON is YAML too).
    pub fn parse(text: &str) -> Result<Inventory, serde_norway::Error> {
        serde_norway::from_str(text)
    }

    fn link(&self, facts: &Facts<'_>) -> Option<InventoryLink> {
        for field in ORDER {
            if let Some(e) = self.identities.iter().find(|e| e.matches(field, facts)) {
                return Some(InventoryLink {
                    name: e.name.clone(),
                    kind: e.kind.clone(),
                    owner: e.owner.clone(),
                    contact: e.contact.clone(),
                    environment: e.environment.clone(),
                    matched_by: field.to_string(),
                });
            }
        }
        None
    }
}

impl Entry {
    fn matches(&self, field: &str, f: &Facts<'_>) -> bool {
        let m = &self.matchers;
        let id = f.identity;
        let is_aws = id.is_some_and(|i| i.kind.starts_with("aws-"));
        let eq = |want: &str, got: Option<&String>| got.is_some_and(|g| g == want);
        match field {
            "secret_fingerprints" => m
                .secret_fingerprints
                .iter()
                .any(|h| h.0 == f.secret_hash || h.0 == f.fingerprint),
            "aws_key_ids" => is_aws && m.aws_key_ids.iter().any(|k| k.0.as_bytes() == f.secret),
            "public_key_fingerprints" => {
                let got = id.and_then(|i| i.public_key_fingerprint.as_ref());
                m.public_key_fingerprints.iter().any(|k| eq(&k.0, got))
            }
            "token_ids" => {
                let got = id.and_then(|i| i.token_id.as_ref());
                m.token_ids.iter().any(|t| eq(t, got))
            }
            "emails" => {
                let got = id.and_then(|i| i.email.as_ref().or(i.principal.as_ref()));
                got.is_some_and(|g| m.emails.iter().any(|e| e.eq_ignore_ascii_case(g)))
            }
            "aws_account_ids" => {
                let got = id.filter(|_| is_aws).and_then(|i| i.account.as_ref());
                m.aws_account_ids.iter().any(|a| eq(&a.0, got))
            }
            _ => false,
        }
    }
}

impl Enricher for Inventory {
    fn enrich(&self, finding: &Finding, into: &mut Enrichment) {
        let facts = Facts {
            secret: finding.secret.expose(),
            secret_hash: secret_hash(finding.secret.expose()),
            fingerprint: &finding.fingerprint,
            identity: into.identity.as_ref(),
        };
        let Some(link) = self.link(&facts) else {
            return;
        };
        let identity = into.identity.get_or_insert_with(|| Identity {
            kind: finding.rule.id.clone(),
            source: "inventory".into(),
            ..Identity::default()
        });
        identity.inventory = Some(link);
    }
}

#[cfg(test)]
mod tests;
