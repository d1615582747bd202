//! `leakhound config ...`: working with the project configuration file.

use std::path::PathBuf;

use clap::Subcommand;

use super::Exit;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Convert a gitleaks or Betterleaks configuration (.gitleaks.toml) into .leakhound.toml.
    ImportGitleaks {
        /// The gitleaks configuration file.
        #[arg(value_name = "FILE")]
        input: PathBuf,
        /// Where to write the converted configuration (default: standard output).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub fn run(command: ConfigCommand) -> anyhow::Result<Exit> {
    match command {
        ConfigCommand::ImportGitleaks { .. } => anyhow::bail!("not implemented yet"),
    }
}
