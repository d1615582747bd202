//! What enrichment attaches to a finding: typed results, one per kind of enricher.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;

/// What enrichers found out about one secret.
#[derive(Debug, Clone, Default)]
pub struct Enrichment {
    pub identity: Option<Identity>,
}

/// Whose credential a secret is, as far as can be told.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Identity {
    /// What kind of credential it is (`aws-access-key`, `github-pat-classic`, `jwt`,
    /// `ssh-ed25519-private-key`, ...).
    pub kind: String,
    /// The provider account, tenant, project, workspace or organisation it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The principal (user, role, service account, app), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// The principal's e-mail address (a GCP service account's `client_email`, a token's `email`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// An id that names the credential without being it (a GCP `private_key_id`, a JWT's `jti`,
    /// a PyPI token's identifier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<String>,
    /// For private keys: the public key's fingerprint as `ssh-keygen -lf` prints it
    /// (`SHA256:` and unpadded base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_fingerprint: Option<String>,
    /// `live`, `test`, ... when the format says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// When the credential expires (RFC 3339), when it carries an expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    /// Whether `expires_at` had passed when the scan ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired: Option<bool>,
    /// Other facts the credential carries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// How it was learned: `offline` (from the credential itself) or `inventory` (only from the
    /// identity inventory).
    pub source: String,
    /// The identity inventory's entry this credential belongs to (`--identities`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory: Option<InventoryLink>,
}

impl Identity {
    /// An identity learned from the credential itself.
    pub fn offline(kind: impl Into<String>) -> Identity {
        Identity {
            kind: kind.into(),
            source: "offline".into(),
            ..Identity::default()
        }
    }

    /// Records a fact under `key` when there is one.
    pub fn attribute(&mut self, key: &str, value: Option<impl Into<String>>) {
        if let Some(v) = value {
            self.attributes.insert(key.to_string(), v.into());
        }
    }

    /// What the credential itself says it belongs to, for grouping leaks of unknown identities:
    /// the public key, else the account and principal, else the kind.
    pub fn group_label(&self) -> String {
        if let Some(fp) = &self.public_key_fingerprint {
            return format!("{} {fp}", self.kind);
        }
        let who = self.email.as_ref().or(self.principal.as_ref());
        match (&self.account, who) {
            (Some(a), Some(p)) => format!("{} {a} {p}", self.kind),
            (Some(a), None) => format!("{} {a}", self.kind),
            (None, Some(p)) => format!("{} {p}", self.kind),
            (None, None) => self.kind.clone(),
        }
    }
}

/// An entry of the identity inventory, and how a credential matched it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, JsonSchema)]
pub struct InventoryLink {
    /// The entry's `name`.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The `match` field that matched: `aws_key_ids`, `aws_account_ids`, `emails`,
    /// `public_key_fingerprints`, `secret_fingerprints` or `token_ids`.
    pub matched_by: String,
}
