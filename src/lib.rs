//! leakhound finds leaked credentials of non-human identities (API keys, cloud access keys, tokens,
//! private keys) in directories and git history, and says whose identity leaked.
//!
//! The data flows one way:
//! source → blobs with provenance → engine → findings → triage → reporters.
//!
//! - [`source`]: inputs (files, stdin, git) turned into blobs with their origin.
//! - [`engine`]: bytes to matches (keyword prefilter, regex, entropy, validators).
//! - [`rules`]: the rule pack (data files) and its checker.
//! - [`scan`]: the pipeline tying a source to the engine on worker threads.
//! - [`finding`]: findings, fingerprints, redaction.
//! - [`triage`]: inline allows, ignore file, allowlists, baseline.
//! - [`config`]: the project configuration file (`.leakhound.toml`).
//! - [`report`]: output formats.
//! - [`escape`]: scanned text made safe for terminals and logs.
//! - [`cli`]: the command line, turned into validated configuration.

pub mod cli;
pub mod config;
pub mod diag;
pub mod engine;
pub mod enrich;
pub mod escape;
pub mod extract;
pub mod finding;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod scan;
pub mod source;
pub mod triage;
