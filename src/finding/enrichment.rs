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
    /// What kind of credential it is (`aws-access-key` ...).
    pub kind: String,
    /// The provider account, tenant, project or organisation it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The principal (user, role, service account, app), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<String>,
    /// Other facts the credential carries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// How it was learned: `offline` (from the credential itself).
    pub source: String,
}
