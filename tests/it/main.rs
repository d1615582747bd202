//! The one integration-test binary: every test runs the real `leakhound` in a fresh temp dir.

mod harness;

mod dir;
mod formats;
mod gate;
mod git;
mod hook;
mod identity;
mod image;
mod imagefix;
mod import;
mod layout;
mod nested;
mod output;
mod registry;
mod rules;
mod schema;
mod security;
mod triage;
