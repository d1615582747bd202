//! Enrichment: between the scan and triage, each unique secret (by fingerprint) is shown once to
//! every [`Enricher`] (offline identity, then the identity inventory; liveness checks later), and
//! what they find is attached to all of its findings. Enrichers never see where a secret was found
//! beyond the finding in hand, and never change what is printed raw.

mod aws;
mod connstr;
mod gcp;
pub mod inventory;
mod jwt;
mod keys;
mod pypi;
mod tokens;

use std::collections::HashMap;

use crate::finding::{Enrichment, Finding};

pub use crate::finding::Identity;
pub use inventory::Inventory;

/// Learns something about a secret. Called once per unique secret per run.
pub trait Enricher: Send + Sync {
    /// Looks at `finding` (one of the secret's findings) and adds what it learns to `into`.
    fn enrich(&self, finding: &Finding, into: &mut Enrichment);
}

/// The enrichers of a run, with what they found per fingerprint, so a secret found in many
/// places (or in many targets) is looked at once.
pub struct Enrichers {
    list: Vec<Box<dyn Enricher>>,
    seen: HashMap<String, Enrichment>,
}

impl Enrichers {
    /// The enrichers that need nothing but the finding (no network, no files). Each recognises
    /// its own formats; later ones may add to what earlier ones found (a service-account file's
    /// fields to its private key's).
    pub fn offline() -> Enrichers {
        Enrichers {
            list: vec![
                Box::new(aws::AccessKeyId),
                Box::new(jwt::Jwt),
                Box::new(tokens::PrefixedToken),
                Box::new(pypi::PypiToken),
                Box::new(keys::PrivateKey),
                Box::new(connstr::ConnectionString),
                Box::new(gcp::ServiceAccountKey),
            ],
            seen: HashMap::new(),
        }
    }

    /// Adds `enricher` after the others (the identity inventory, which reads what they found).
    pub fn with(mut self, enricher: Box<dyn Enricher>) -> Enrichers {
        self.list.push(enricher);
        self
    }

    pub fn none() -> Enrichers {
        Enrichers {
            list: Vec::new(),
            seen: HashMap::new(),
        }
    }

    /// Attaches every enricher's results to each finding, asking once per unique secret.
    pub fn apply(&mut self, findings: &mut [Finding]) {
        if self.list.is_empty() {
            return;
        }
        for f in findings {
            if let Some(known) = self.seen.get(&f.fingerprint) {
                f.enrichment = known.clone();
                continue;
            }
            let mut e = Enrichment::default();
            for enricher in &self.list {
                enricher.enrich(f, &mut e);
            }
            self.seen.insert(f.fingerprint.clone(), e.clone());
            f.enrichment = e;
        }
    }

    /// How many unique secrets were looked at.
    pub fn unique_secrets(&self) -> usize {
        self.seen.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::finding::{FileProvenance, Identity, Location, Origin, Secret, Snippet};
    use crate::rules::{Confidence, RuleInfo};

    struct Counting(Arc<AtomicUsize>);

    impl Enricher for Counting {
        fn enrich(&self, f: &Finding, into: &mut Enrichment) {
            self.0.fetch_add(1, Ordering::Relaxed);
            into.identity = Some(Identity {
                kind: format!("seen-{}", f.fingerprint),
                source: "test".into(),
                ..Identity::default()
            });
        }
    }

    fn finding(secret: &str, path: &str) -> Finding {
        let rule = Arc::new(RuleInfo {
            id: "t.x".into(),
            name: "T".into(),
            provider: "t".into(),
            confidence: Confidence::High,
            description: None,
            references: Vec::new(),
            origin: "test".into(),
            context: Default::default(),
        });
        Finding {
            fingerprint: crate::finding::fingerprint(&rule.id, secret.as_bytes()),
            rule,
            secret: Secret::new(secret.as_bytes().to_vec()),
            entropy: 4.0,
            location: Location::default(),
            snippet: Snippet::default(),
            origin: Arc::new(Origin::new(FileProvenance {
                path: path.as_bytes().to_vec(),
            })),
            inline_allow: false,
            enrichment: Enrichment::default(),
            context: None,
        }
    }

    #[test]
    fn each_unique_secret_is_enriched_once_and_every_finding_gets_the_result() {
        let calls = Arc::new(AtomicUsize::new(0));
        let mut enrichers = Enrichers {
            list: vec![Box::new(Counting(calls.clone()))],
            seen: HashMap::new(),
        };
        let mut first = vec![
            finding("aaa", "a"),
            finding("bbb", "b"),
            finding("aaa", "c"),
        ];
        enrichers.apply(&mut first);
        // A later target with the same secret again: still no new call.
        let mut second = vec![finding("aaa", "d")];
        enrichers.apply(&mut second);
        assert_eq!(calls.load(Ordering::Relaxed), 2);
        assert_eq!(enrichers.unique_secrets(), 2);
        let kind = |f: &Finding| f.enrichment.identity.as_ref().unwrap().kind.clone();
        assert_eq!(kind(&first[0]), kind(&first[2]));
        assert_eq!(kind(&first[0]), kind(&second[0]));
        assert_ne!(kind(&first[0]), kind(&first[1]));
    }
}
