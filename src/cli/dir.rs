//! `leakhound dir`: scan files, directories and standard input.

use std::path::PathBuf;

use clap::Args;

use super::Exit;
use super::args::ScanFlags;
use super::run::scan_and_report;
use crate::source::fs::FsSource;

#[derive(Debug, Args)]
pub struct DirArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Scan files that .gitignore, .ignore or .git/info/exclude would skip.
    #[arg(long = "no-ignore")]
    pub no_ignore: bool,
    /// Skip paths matching this gitignore-style glob, relative to each directory (repeatable).
    #[arg(long = "exclude", value_name = "GLOB")]
    pub exclude: Vec<String>,
    #[command(flatten)]
    pub flags: ScanFlags,
}

pub fn run(args: DirArgs) -> anyhow::Result<Exit> {
    let root = project_root(&args.paths);
    scan_and_report(&args.flags, root.as_deref(), |_| {
        Ok(Box::new(FsSource {
            paths: args.paths,
            respect_ignore: !args.no_ignore,
            excludes: args.exclude,
        }))
    })
}

/// Where `.leakhound.toml` and `.leakhoundignore` are looked for: the directory scanned (the
/// first one named), or the current directory when only files or stdin are scanned.
fn project_root(paths: &[PathBuf]) -> Option<PathBuf> {
    paths
        .iter()
        .find(|p| p.is_dir())
        .cloned()
        .or_else(|| Some(PathBuf::from(".")))
}
