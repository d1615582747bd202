//! The one integration-test binary: every test runs the real `leakhound` in a fresh temp dir.

mod harness;

mod dir;
mod formats;
mod gate;
mod git;
mod hook;
mod import;
mod nested;
mod output;
mod rules;
mod schema;
mod security;
mod triage;
