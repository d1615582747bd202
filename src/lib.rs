//! leakhound finds leaked credentials of non-human identities (API keys, cloud access keys, tokens,
//! private keys) in directories and git history, and says whose identity leaked.
//!
//! The data flows one way (docs/architecture.md):
//! source → targets → blobs with provenance → worker (extractors, decoders) → engine → findings
//! → enrichment → triage → finding sinks (reports).
//!
//! - [`source`]: inputs as targets (a directory, a repository) that hand blobs with their
//!   provenance to the scan.
//! - [`finding`]: findings, the open provenance chain, fingerprints, redaction, and the typed
//!   view every output format renders from.
//! - [`scan`]: scanning one target on worker threads.
//! - [`extract`]: archive members and encoded text, opened inside any blob, under limits.
//! - [`engine`]: bytes to matches (keyword prefilter, regex, entropy, validators).
//! - [`rules`]: the rule pack (data files) and its loader.
//! - [`enrich`]: what can be learned about each unique secret (offline identity).
//! - [`triage`]: inline allows, ignore file, allowlists, baseline.
//! - [`pipeline`]: the run, target by target, through every stage.
//! - [`report`]: output formats, as finding sinks.
//! - [`diag`]: errors and notes as data.
//! - [`config`]: the project configuration file (`.leakhound.toml`).
//! - [`import`]: other scanners' configurations converted (gitleaks).
//! - [`check`]: `rules check`, every rule run over its examples (above rules and engine).
//! - [`escape`]: scanned text made safe for terminals and logs.
//! - [`cli`]: the command line, turned into validated configuration.

pub mod check;
pub mod cli;
pub mod config;
pub mod diag;
pub mod engine;
pub mod enrich;
pub mod escape;
pub mod extract;
pub mod finding;
pub mod import;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod triage;
