//! The on-disk shape of a rule file, exactly as serde reads it (spans kept for error messages).

use serde::Deserialize;
use toml::Spanned;

/// One `rules/<provider>.toml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFileSpec {
    /// Default provider for the rules in this file.
    pub provider: Option<String>,
    #[serde(default)]
    pub rules: Vec<Spanned<RuleSpec>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: Spanned<String>,
    pub name: String,
    pub provider: Option<String>,
    pub description: Option<String>,
    pub pattern: Spanned<String>,
    pub secret_group: Option<Spanned<GroupRef>>,
    #[serde(default)]
    pub keywords: Vec<Spanned<String>>,
    pub min_entropy: Option<Spanned<f64>>,
    pub confidence: Spanned<String>,
    pub validator: Option<Spanned<String>>,
    #[serde(default)]
    pub fallback: bool,
    #[serde(default)]
    pub stopwords: Vec<Spanned<String>>,
    pub window: Option<Spanned<i64>>,
    #[serde(default)]
    pub examples: Vec<Spanned<ExampleSpec>>,
    #[serde(default)]
    pub negative_examples: Vec<Spanned<String>>,
    #[serde(default)]
    pub references: Vec<String>,
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
