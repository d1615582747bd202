//! Findings grouped by whose credential they are: each inventory identity, then unknown
//! identities (shadow NHIs) grouped by what the credential itself names (account, project, app,
//! key), then secrets with no identity, by rule. Shared by the human report's identity section and
//! the `identities` formats.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Serialize;

use crate::finding::InventoryLink;
use crate::finding::view::FindingView;
use crate::rules::RuleInfo;

/// One identity and its leaks.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct IdentityGroup {
    /// The inventory entry's name, or what the credential names (`aws-access-key 123456789012`),
    /// or `unidentified <rule id>`.
    pub name: String,
    /// `known` (in the inventory), `unknown` (an identity the inventory lacks) or `unidentified`
    /// (the secret says nothing about whose it is).
    pub status: GroupStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// The credential kinds seen (`aws-access-key`, `rsa-private-key`, ...).
    pub kinds: Vec<String>,
    /// How the leaks matched the inventory (`aws_key_ids`, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matched_by: Vec<String>,
    pub files: usize,
    pub leaks: Vec<Leak>,
    /// What to do: rotate, with the rule's first reference.
    pub next_step: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GroupStatus {
    Known,
    Unknown,
    Unidentified,
}

/// One place an identity's credential leaked.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Leak {
    pub rule_id: String,
    pub path: String,
    pub line: u64,
    /// Where, as people name it (`3f2a9c1e0b7d:config/prod.env:12`, `a.env:3 (staged)`).
    pub location: String,
    /// Secret-free accounts of the provenance, outermost first (commit, layer, archive member).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provenance: Vec<String>,
    /// When the commit that introduced it was made (git sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    pub fingerprint: String,
    /// Redacted unless `--show-secrets`.
    pub secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired: Option<bool>,
}

/// Groups `findings` by identity; `rules` give the rotation references.
pub fn group(findings: &[FindingView], rules: &[Arc<RuleInfo>]) -> Vec<IdentityGroup> {
    // The same key pair found elsewhere (unescaped, in another file) belongs to the identity an
    // inventory linked one copy of it to.
    let known_keys: BTreeMap<&str, &InventoryLink> = findings
        .iter()
        .filter_map(|f| f.identity.as_ref())
        .filter_map(|i| Some((i.public_key_fingerprint.as_deref()?, i.inventory.as_ref()?)))
        .collect();
    let mut groups: BTreeMap<(GroupStatus, String), IdentityGroup> = BTreeMap::new();
    for f in findings {
        let id = f.identity.as_ref();
        let link = id.and_then(|i| i.inventory.as_ref()).or_else(|| {
            let key = id?.public_key_fingerprint.as_deref()?;
            known_keys.get(key).copied()
        });
        let key = match (id, link) {
            (_, Some(l)) => (GroupStatus::Known, l.name.clone()),
            (Some(i), None) => (GroupStatus::Unknown, i.group_label()),
            (None, None) => (
                GroupStatus::Unidentified,
                format!("unidentified {}", f.rule_id),
            ),
        };
        let g = groups
            .entry(key.clone())
            .or_insert_with(|| new_group(key.0, key.1, link, f, rules));
        if let Some(id) = id {
            push_unique(&mut g.kinds, &id.kind);
        }
        if let Some(l) = id.and_then(|i| i.inventory.as_ref()) {
            push_unique(&mut g.matched_by, &l.matched_by);
        } else if link.is_some() {
            push_unique(&mut g.matched_by, "same public key");
        }
        g.leaks.push(leak(f));
    }
    let mut out: Vec<IdentityGroup> = groups.into_values().collect();
    for g in &mut out {
        g.files = g
            .leaks
            .iter()
            .map(|l| &l.path)
            .collect::<BTreeSet<_>>()
            .len();
    }
    out
}

fn new_group(
    status: GroupStatus,
    name: String,
    link: Option<&InventoryLink>,
    f: &FindingView,
    rules: &[Arc<RuleInfo>],
) -> IdentityGroup {
    let reference = rules
        .iter()
        .find(|r| r.id == f.rule_id)
        .and_then(|r| r.references.first());
    let what = match (status, link) {
        (GroupStatus::Known, Some(l)) => match (&l.owner, &l.contact) {
            (Some(o), Some(c)) => format!("rotate it with {o} ({c})"),
            (Some(o), None) => format!("rotate it with {o}"),
            (None, Some(c)) => format!("rotate it ({c})"),
            (None, None) => "rotate it".to_string(),
        },
        _ => "find its owner and rotate it".to_string(),
    };
    IdentityGroup {
        name,
        status,
        owner: link.and_then(|l| l.owner.clone()),
        contact: link.and_then(|l| l.contact.clone()),
        environment: link.and_then(|l| l.environment.clone()),
        kinds: Vec::new(),
        matched_by: Vec::new(),
        files: 0,
        leaks: Vec::new(),
        next_step: match reference {
            Some(r) => format!("{what}: {r}"),
            None => what,
        },
    }
}

fn leak(f: &FindingView) -> Leak {
    let text = |k: &str| {
        f.place
            .flat
            .get(k)
            .and_then(|v| v.as_str())
            .map(String::from)
    };
    Leak {
        rule_id: f.rule_id.clone(),
        path: f.path.clone(),
        line: f.line,
        location: f.place.label_at_line.clone(),
        provenance: f.place.brief.clone(),
        first_seen: text("date"),
        commit: text("commit"),
        fingerprint: f.fingerprint.clone(),
        secret: f.secret.clone(),
        expired: f.identity.as_ref().and_then(|i| i.expired),
    }
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|i| i == item) {
        list.push(item.to_string());
    }
}

/// `ci-deployer (team platform, #platform-oncall): 3 leaks in 2 files`.
pub fn one_line(g: &IdentityGroup) -> String {
    let who: Vec<&str> = [&g.owner, &g.contact]
        .into_iter()
        .filter_map(|s| s.as_deref())
        .collect();
    let name = match (g.status, who.is_empty()) {
        (GroupStatus::Known, false) => format!("{} ({})", g.name, who.join(", ")),
        (GroupStatus::Known, true) => g.name.clone(),
        (GroupStatus::Unknown, _) => format!("{} (not in the inventory)", g.name),
        (GroupStatus::Unidentified, _) => g.name.clone(),
    };
    let n = g.leaks.len();
    format!(
        "{name}: {n} leak{} in {} file{}",
        if n == 1 { "" } else { "s" },
        g.files,
        if g.files == 1 { "" } else { "s" }
    )
}
