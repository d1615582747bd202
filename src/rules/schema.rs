//! The on-disk shape of a rule file, exactly as serde reads it, from TOML (user files) or from the
//! JSON the build script makes of the built-in pack.

use serde::Deserialize;

/// One `rules/<provider>.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFileSpec {
    /// Default provider for the rules in this file.
    pub provider: Option<String>,
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: String,
    pub provider: Option<String>,
    pub description: Option<String>,
    pub pattern: String,
    pub secret_group: Option<GroupRef>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub min_entropy: Option<f64>,
    pub confidence: String,
    pub validator: Option<String>,
    #[serde(default)]
    pub fallback: bool,
    #[serde(default)]
    pub stopwords: Vec<String>,
    pub window: Option<i64>,
    pub max_match_len: Option<i64>,
    #[serde(default)]
    pub examples: Vec<ExampleSpec>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// What to keep around a match for enrichers: `json-object`.
    pub context: Option<String>,
}

/// `secret_group = 1` or `secret_group = "secret"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum GroupRef {
    Index(i64),
    Name(String),
}

/// `"tok_abc"` (the text is the secret) or `{ text = "...", secret = "..." }`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ExampleSpec {
    Bare(String),
    Full(FullExample),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FullExample {
    pub text: String,
    pub secret: Option<String>,
}
