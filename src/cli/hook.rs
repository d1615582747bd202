//! `leakhound hook`: the pre-commit check. Scans what is staged; when nothing is staged (as under
//! `pre-commit run --all-files`), scans every tracked file instead, so that run is meaningful.

use std::path::PathBuf;

use clap::Args;

use super::Exit;
use super::args::{OutputArgs, RuleArgs, ScanArgs, TriageArgs};
use super::config::{CommonArgs, ScanConfig};
use super::dir::finish;
use crate::scan;
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
    pub rules: RuleArgs,
    #[command(flatten)]
    pub scan: ScanArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub triage: TriageArgs,
}

pub fn run(args: HookArgs) -> anyhow::Result<Exit> {
    let config = ScanConfig::new(
        CommonArgs {
            rules: &args.rules,
            scan: &args.scan,
            output: &args.output,
            triage: &args.triage,
        },
        Some(&args.repo),
    )?;
    let engine = config.engine()?;
    let mut out = config.output.open()?;
    let when_clean = if args.staged_only {
        WhenClean::Nothing
    } else {
        WhenClean::Tracked
    };
    let source = GitSource::new(
        vec![args.repo.to_string_lossy().into_owned()],
        GitMode::Staged(when_clean),
    );
    let result = scan::run(&source, &engine, &config.scan)?;
    let exit = finish(&config, result, &mut *out)?;
    if exit == Exit::Findings {
        eprintln!(
            "leakhound: commit blocked: a secret is staged (see above). Remove it and rotate it \
             if it was ever pushed. A false alarm? Add `leakhound:allow` in a comment on its \
             line, or its fingerprint to .leakhoundignore."
        );
    }
    Ok(exit)
}
