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
