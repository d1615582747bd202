//! The rule pack: what a rule is, loading rule files (built-in and user), and checking their examples.
//!
//! A rule is data (`rules/*.toml`); this module turns it into a [`Rule`] whose regex is compiled and
//! whose every field has been validated, so the engine never has to second-guess a rule.

mod builtin;
mod lines;
mod load;
pub mod matcher;
mod schema;
pub mod validator;

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use lines::{key_line, line_of};
pub use load::{RuleError, RuleLoader, RuleSelection, id_matches};
pub use matcher::{LazyMatcher, MAX_REACH, Matcher};
pub use validator::Validator;

/// How sure a rule is that a match is a real credential.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Deserialize,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "high" => Ok(Confidence::High),
            other => Err(format!(
                "unknown confidence {other:?} (expected low, medium or high)"
            )),
        }
    }
}

/// The descriptive half of a rule: what findings and reports carry around.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInfo {
    pub id: String,
    pub name: String,
    pub provider: String,
    pub confidence: Confidence,
    /// What the credential is and how to rotate it; used as help text in SARIF.
    pub description: Option<String>,
    pub references: Vec<String>,
    /// Where the rule was defined (`builtin:aws.toml:12` or a user file path and line).
    pub origin: String,
    /// Text around a match that enrichers get to read (`context` in the rule file).
    #[serde(skip)]
    pub context: RuleContext,
}

/// What a rule keeps around its secret for enrichers (never printed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RuleContext {
    /// Nothing beyond the snippet's line.
    #[default]
    None,
    /// The innermost JSON object that encloses the secret (`context = "json-object"`), up to
    /// [`RuleContext::MAX_BYTES`]: a service-account key file's other fields.
    JsonObject,
}

impl RuleContext {
    /// The most context kept per finding.
    pub const MAX_BYTES: usize = 16 * 1024;

    pub fn named(name: &str) -> Option<RuleContext> {
        match name {
            "json-object" => Some(RuleContext::JsonObject),
            _ => None,
        }
    }
}

/// An example a rule must match, with the secret it must extract.
#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    pub secret: String,
}

/// A validated rule.
#[derive(Debug)]
pub struct Rule {
    pub info: Arc<RuleInfo>,
    /// The compiled pattern and how to search with it.
    pub matcher: LazyMatcher,
    /// Lower-case literals; at least one must occur within `reach` bytes of a match.
    pub keywords: Vec<String>,
    pub min_entropy: Option<f64>,
    pub validator: Option<Validator>,
    /// A fallback rule (the generic rule) is dropped when another rule matched the same secret.
    pub fallback: bool,
    /// Lower-case words that, in the name a secret is assigned to (`NextToken`, `password_len`),
    /// show the value is not a credential.
    pub stopwords: Vec<String>,
    pub examples: Vec<Example>,
    pub negative_examples: Vec<String>,
}

impl Rule {
    pub fn id(&self) -> &str {
        &self.info.id
    }
}

/// The rules one scan uses, in a stable order (by id). A rule's index is its identity in the engine.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// Non-fatal remarks found while loading (a rule without keywords, a rule without examples).
    pub warnings: Vec<String>,
}

impl RuleSet {
    pub fn new(mut rules: Vec<Rule>, warnings: Vec<String>) -> RuleSet {
        rules.sort_by(|a, b| a.info.id.cmp(&b.info.id));
        RuleSet { rules, warnings }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.info.id == id)
    }

    /// Distinct providers, sorted.
    pub fn providers(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self
            .rules
            .iter()
            .map(|r| r.info.provider.as_str())
            .collect();
        p.sort_unstable();
        p.dedup();
        p
    }
}
