//! `leakhound identities`: tools for the identity inventory. `fingerprint` prints the hash an
//! inventory's `secret_fingerprints` lists for each secret read on standard input, so a secret
//! store can export hashes without the secrets leaving it.

use std::io::{BufRead, Write};

use clap::Subcommand;

use super::Exit;
use crate::finding::{fingerprint, secret_hash};

#[derive(Debug, Subcommand)]
pub enum IdentitiesCommand {
    /// Read secrets on standard input, one per line, and print the SHA-256 (hex) of each: what
    /// `secret_fingerprints` in an inventory matches (docs/identities.md).
    Fingerprint {
        /// Print the rule-scoped finding fingerprint for this rule id instead (the
        /// `fingerprint` field of a report).
        #[arg(long = "rule", value_name = "ID")]
        rule: Option<String>,
    },
}

pub fn run(command: IdentitiesCommand) -> anyhow::Result<Exit> {
    match command {
        IdentitiesCommand::Fingerprint { rule } => {
            let stdin = std::io::stdin().lock();
            let mut out = std::io::stdout().lock();
            for line in stdin.split(b'\n') {
                let mut line = line?;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if line.is_empty() {
                    continue;
                }
                let hash = match &rule {
                    Some(id) => fingerprint(id, &line),
                    None => secret_hash(&line),
                };
                writeln!(out, "{hash}")?;
            }
            out.flush()?;
            Ok(Exit::Clean)
        }
    }
}
