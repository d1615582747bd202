//! `leakhound git`: a repository's whole history, a commit range, or the staged changes.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use super::Exit;
use super::args::ScanFlags;
use super::run::scan_and_report;
use crate::source::git::{GitMode, GitSource, Platform, Selection, WhenClean};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlatformArg {
    Github,
    Gitlab,
}

#[derive(Debug, Args)]
pub struct GitArgs {
    /// Repositories (work tree or bare) or clone URLs (https://, ssh://, git://, file://).
    #[arg(value_name = "REPO", default_value = ".")]
    pub repos: Vec<String>,
    /// Only what commits reachable from HEAD but not from BASE introduced (a pull request).
    #[arg(long, value_name = "BASE..HEAD", conflicts_with_all = ["staged", "since_commit"])]
    pub range: Option<String>,
    /// Shorthand for --range SHA..HEAD.
    #[arg(long = "since-commit", value_name = "SHA", conflicts_with = "staged")]
    pub since_commit: Option<String>,
    /// Only the history of this branch (or any revision).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["staged", "range", "since_commit"])]
    pub branch: Option<String>,
    /// Only the newest N commits of the selected history (N is at least 1: to scan no commit,
    /// scan nothing).
    #[arg(
        long = "max-commits",
        value_name = "N",
        conflicts_with = "staged",
        value_parser = parse_max_commits
    )]
    pub max_commits: Option<usize>,
    /// Only commits made at or after DATE (2024-01-31, "2 weeks ago", RFC 2822...).
    #[arg(long, value_name = "DATE", conflicts_with = "staged")]
    pub since: Option<String>,
    /// Scan what is staged in the index compared with HEAD (the pre-commit check).
    #[arg(long)]
    pub staged: bool,
    /// Keep clones of URLs in this directory instead of a temporary one.
    #[arg(long = "clone-dir", value_name = "DIR")]
    pub clone_dir: Option<PathBuf>,
    /// List every commit and path that introduced each blob with findings.
    #[arg(long = "all-occurrences")]
    pub all_occurrences: bool,
    /// Link findings to the hosting platform (needs --repo-url).
    #[arg(long, value_enum, requires = "repo_url")]
    pub platform: Option<PlatformArg>,
    /// The repository's web URL, e.g. https://github.com/org/repo.
    #[arg(long = "repo-url", value_name = "URL", requires = "platform")]
    pub repo_url: Option<String>,
    #[command(flatten)]
    pub flags: ScanFlags,
}

/// `--max-commits`: a positive count. Zero would select no commit at all, which is never what a
/// caller means (and used to behave like 1), so it is refused.
fn parse_max_commits(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1 (0 would scan no commit)".to_string()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

pub fn run(args: GitArgs) -> anyhow::Result<Exit> {
    let mode = mode(&args)?;
    // The project's own files live in its work tree (the first repository named, when local).
    let root = args.repos.first().map(PathBuf::from).filter(|p| p.is_dir());
    scan_and_report(&args.flags, root.as_deref(), |config| {
        let mut source = GitSource::new(args.repos, mode);
        source.clone_dir = args.clone_dir;
        source.all_occurrences = args.all_occurrences;
        source.threads = config.scan.threads;
        source.platform = match (args.platform, args.repo_url) {
            (Some(PlatformArg::Github), Some(url)) => Some(Platform::GitHub(url)),
            (Some(PlatformArg::Gitlab), Some(url)) => Some(Platform::GitLab(url)),
            _ => None,
        };
        Ok(Box::new(source))
    })
}

fn mode(args: &GitArgs) -> anyhow::Result<GitMode> {
    if args.staged {
        return Ok(GitMode::Staged(WhenClean::Nothing));
    }
    let mut sel = Selection::default();
    if let Some(range) = &args.range {
        let Some((base, head)) = range.split_once("..") else {
            bail!("--range takes BASE..HEAD, got {range:?}");
        };
        if head.starts_with('.') {
            bail!("--range takes BASE..HEAD (two dots); symmetric differences are not supported");
        }
        if base.is_empty() {
            bail!("--range needs a BASE before '..'");
        }
        sel.hidden.push(base.to_string());
        sel.tips
            .push(if head.is_empty() { "HEAD" } else { head }.to_string());
    }
    if let Some(sha) = &args.since_commit {
        sel.hidden.push(sha.clone());
        sel.tips.push("HEAD".to_string());
    }
    if let Some(branch) = &args.branch {
        sel.tips.push(branch.clone());
    }
    sel.max_commits = args.max_commits;
    if let Some(date) = &args.since {
        let t = gix::date::parse(date, Some(gix::date::Zoned::now()))
            .with_context(|| format!("--since: cannot read {date:?} as a date"))?;
        sel.since = Some(t.seconds);
    }
    let scoped = args.range.is_some()
        || args.since_commit.is_some()
        || args.branch.is_some()
        || args.max_commits.is_some()
        || args.since.is_some();
    Ok(if scoped {
        GitMode::Commits(sel)
    } else {
        GitMode::Everything
    })
}
