//! `leakhound hook`: the pre-commit check. Scans what is staged; when nothing is staged (as under
//! `pre-commit run --all-files`), scans every tracked file instead, so that run is meaningful.

use std::path::PathBuf;

use clap::Args;

use super::Exit;
use super::args::ScanFlags;
use super::run::scan_and_report;
use crate::source::git::{GitMode, GitSource, WhenClean};

#[derive(Debug, Args)]
pub struct HookArgs {
    /// The repository (its work tree).
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
    /// Scan only staged changes, even when nothing is staged (then nothing is scanned).
    #[arg(long = "staged-only")]
    pub staged_only: bool,
    #[command(flatten)]
    pub flags: ScanFlags,
}

pub fn run(args: HookArgs) -> anyhow::Result<Exit> {
    let when_clean = if args.staged_only {
        WhenClean::Nothing
    } else {
        WhenClean::Tracked
    };
    let repo = args.repo.to_string_lossy().into_owned();
    let exit = scan_and_report(&args.flags, Some(&args.repo), |_| {
        Ok(Box::new(GitSource::new(
            vec![repo],
            GitMode::Staged(when_clean),
        )))
    })?;
    if exit == Exit::Findings {
        eprintln!(
            "leakhound: commit blocked: a secret is staged (see above). Remove it and rotate it \
             if it was ever pushed. A false alarm? Add `leakhound:allow` in a comment on its \
             line, or its fingerprint to .leakhoundignore."
        );
    }
    Ok(exit)
}
