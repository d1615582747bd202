//! The command line: clap structs, turned into one validated [`ScanConfig`] per command.
//! Clap types never leave this module.

mod args;
mod config;
mod dir;
mod git;
mod hook;
mod identities;
mod image;
mod project;
mod rules;
mod run;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use config::{OutputConfig, ScanConfig};

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Nothing found, no errors.
    Clean = 0,
    /// Findings, and the scan was complete.
    Findings = 1,
    /// The scan could not be completed: bad flags, bad rules, an unreadable target, or errors on
    /// some items. Wins over `Findings`; the summary says whether there were findings too.
    Error = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "leakhound",
    version,
    about = "Find leaked credentials in files, directories, git history and container images",
    after_help = "Exit codes: 0 nothing found, 1 findings, 2 the scan could not be completed \
                  (errors win over findings; the summary says both)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Scan files and directories (`-` reads standard input).
    Dir(Box<dir::DirArgs>),
    /// Scan a git repository: its whole history, a commit range, or the staged changes.
    Git(Box<git::GitArgs>),
    /// Scan container images: from a registry, `docker save` output or an OCI layout.
    Image(Box<image::ImageArgs>),
    /// The pre-commit check: staged changes, or every tracked file when nothing is staged.
    Hook(Box<hook::HookArgs>),
    /// Work with the project configuration (.leakhound.toml).
    Config {
        #[command(subcommand)]
        command: project::ConfigCommand,
    },
    /// Work with the identity inventory (`--identities`).
    Identities {
        #[command(subcommand)]
        command: identities::IdentitiesCommand,
    },
    /// List the rules, or check that every rule matches its examples.
    Rules {
        #[command(subcommand)]
        command: rules::RulesCommand,
    },
}

/// Parses `argv`, runs the command, and says how the process should exit.
pub fn run<I, T>(argv: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let result = match cli.command {
        Command::Dir(args) => dir::run(*args),
        Command::Git(args) => git::run(*args),
        Command::Hook(args) => hook::run(*args),
        Command::Image(args) => image::run(*args),
        Command::Rules { command } => rules::run(command),
        Command::Identities { command } => identities::run(command),
        Command::Config { command } => project::run(command),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            eprintln!(
                "leakhound: error: {}",
                crate::escape::visible(&format!("{e:#}"))
            );
            Exit::Error.into()
        }
    }
}
