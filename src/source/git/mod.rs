//! Git repositories: every object in the object database, the objects a range of commits
//! introduced, or the changes staged in the index.
//!
//! Repositories are opened isolated (only their own config is read) and nothing is ever checked
//! out, so no hook, filter or `core.fsmonitor` program can run.

mod clone;
mod history;
mod objects;
mod origin;
mod provenance;
mod range;
mod staged;
mod trees;

pub use origin::{CommitInfo, GitObject, GitProvenance, History, Occurrence, line_link};
pub use staged::WhenClean;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};

use super::{BlobSink, Diagnostics, Source, Target};
use crate::finding::{Finding, Origin, Snippet};

/// Which part of a repository to scan.
#[derive(Debug, Clone)]
pub enum GitMode {
    /// Every blob in the object database once, plus commit and tag messages.
    Everything,
    /// What the selected commits introduced (ranges, branches, recent history).
    Commits(Selection),
    /// The index compared with HEAD (the pre-commit hook); with `Tracked`, every tracked file
    /// when nothing is staged.
    Staged(staged::WhenClean),
}

/// The commits a scoped scan covers: reachable from `tips` (all refs when empty), not from
/// `hidden`, at or after `since`, at most `max_commits` of them (newest first).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub tips: Vec<String>,
    pub hidden: Vec<String>,
    pub since: Option<i64>,
    pub max_commits: Option<usize>,
}

/// Where to link findings on a hosting platform.
#[derive(Debug, Clone)]
pub enum Platform {
    GitHub(String),
    GitLab(String),
}

impl Platform {
    /// The URL of `path` at `commit` (a line anchor is added per finding).
    fn link(&self, commit: &str, path: &[u8]) -> String {
        let path = String::from_utf8_lossy(path);
        match self {
            Platform::GitHub(base) => {
                format!("{}/blob/{commit}/{path}", base.trim_end_matches('/'))
            }
            Platform::GitLab(base) => {
                format!("{}/-/blob/{commit}/{path}", base.trim_end_matches('/'))
            }
        }
    }
}

/// What `leakhound git` scans: each repository is a target of its own.
pub struct GitSource {
    /// Repository paths (work tree or bare) or clone URLs.
    pub targets: Vec<String>,
    pub mode: GitMode,
    /// Where clones go (kept); a temporary directory otherwise (removed after the scan).
    pub clone_dir: Option<PathBuf>,
    /// List every commit and path that introduced a blob, not only how many.
    pub all_occurrences: bool,
    pub platform: Option<Platform>,
    /// Threads for decoding packs.
    pub threads: usize,
}

impl GitSource {
    pub fn new(targets: Vec<String>, mode: GitMode) -> GitSource {
        GitSource {
            targets,
            mode,
            clone_dir: None,
            all_occurrences: false,
            platform: None,
            threads: 0,
        }
    }
}

impl Source for GitSource {
    fn targets(&self) -> Box<dyn Iterator<Item = Box<dyn Target + '_>> + '_> {
        let mut targets = self.targets.clone();
        targets.dedup();
        Box::new(targets.into_iter().map(move |name| {
            Box::new(GitTarget {
                source: self,
                name,
                opened: None,
            }) as Box<dyn Target + '_>
        }))
    }
}

/// One repository of a [`GitSource`].
struct GitTarget<'a> {
    source: &'a GitSource,
    name: String,
    /// The repository once opened, kept until provenance is resolved.
    opened: Option<Opened>,
}

struct Opened {
    repo: gix::ThreadSafeRepository,
    /// What the full scan noted (commits, tree entries).
    noted: Option<history::Noted>,
    /// Keeps a temporary clone alive until provenance is resolved.
    _clone: Option<tempfile::TempDir>,
}

impl Target for GitTarget<'_> {
    fn name(&self) -> String {
        origin::display_repository(&self.name)
    }

    fn scan(&mut self, sink: &dyn BlobSink) -> anyhow::Result<()> {
        let target = self.name.as_str();
        let (path, temp) = if clone::is_url(target) {
            clone::clone_bare(target, self.source.clone_dir.as_deref())?
        } else {
            (PathBuf::from(target), None)
        };
        let repo = open(&path).with_context(|| format!("{target}: not a git repository"))?;
        let ctx = RepoCtx::new(self.source, target, &repo);
        let noted = match &self.source.mode {
            GitMode::Everything => Some(history::scan(&ctx, sink)?),
            GitMode::Commits(sel) => {
                range::scan(&ctx, sel, sink)?;
                None
            }
            GitMode::Staged(when_clean) => {
                staged::scan(&ctx, sink, *when_clean)?;
                None
            }
        };
        self.opened = Some(Opened {
            repo,
            noted,
            _clone: temp,
        });
        Ok(())
    }

    fn resolve(&mut self, findings: &[Finding], diag: &dyn Diagnostics) -> anyhow::Result<()> {
        if !matches!(self.source.mode, GitMode::Everything) {
            return Ok(());
        }
        let Some(opened) = &mut self.opened else {
            return Ok(());
        };
        let mut seen = std::collections::HashSet::new();
        let mine: Vec<&GitProvenance> = findings
            .iter()
            .filter_map(|f| {
                f.origin
                    .root()
                    .level()
                    .as_any()
                    .downcast_ref::<GitProvenance>()
            })
            .filter(|g| seen.insert(*g as *const GitProvenance))
            .collect();
        if mine.is_empty() {
            return Ok(());
        }
        let repo = opened.repo.to_thread_local();
        let ctx = RepoCtx::new(self.source, &self.name, &opened.repo);
        provenance::resolve(
            &ctx,
            &repo,
            opened.noted.take(),
            &mine,
            self.source.all_occurrences,
            diag,
        )
    }
}

/// What the scanning modes share about one repository.
struct RepoCtx<'a> {
    /// The repository as reports show it.
    label: Arc<str>,
    repo: &'a gix::ThreadSafeRepository,
    threads: usize,
    platform: Option<&'a Platform>,
}

impl<'a> RepoCtx<'a> {
    fn new(source: &'a GitSource, target: &str, repo: &'a gix::ThreadSafeRepository) -> Self {
        RepoCtx {
            label: origin::display_repository(target).into(),
            repo,
            threads: source.threads,
            platform: source.platform.as_ref(),
        }
    }

    /// The provenance of an object, with nothing known of its history yet.
    fn provenance(&self, object: GitObject, id: &gix::hash::oid, path: Vec<u8>) -> GitProvenance {
        GitProvenance::new(self.label.clone(), object, id.to_string(), path)
    }

    fn origin(&self, object: GitObject, id: &gix::hash::oid, path: Vec<u8>) -> Origin {
        Origin::new(self.provenance(object, id, path))
    }
}

/// Opens a repository (work tree, `.git` directory or bare) reading only its own configuration.
pub fn open(path: &Path) -> anyhow::Result<gix::ThreadSafeRepository> {
    let opts = gix::open::Options::isolated();
    let repo = match gix::ThreadSafeRepository::open_opts(path, opts.clone()) {
        Ok(r) => r,
        Err(open_err) => {
            // A subdirectory of a work tree: find the repository above it, as git does.
            match gix::ThreadSafeRepository::discover_opts(
                path,
                Default::default(),
                gix::sec::trust::Mapping {
                    full: opts.clone(),
                    reduced: opts,
                },
            ) {
                Ok(r) => r,
                Err(_) => bail!("{open_err}"),
            }
        }
    };
    Ok(repo)
}

/// The placeholder path shown for a message finding.
fn message_path(object: GitObject) -> Vec<u8> {
    match object {
        GitObject::CommitMessage => b"(commit message)".to_vec(),
        GitObject::TagMessage => b"(tag message)".to_vec(),
        GitObject::Blob => Vec::new(),
    }
}

/// Commit metadata for provenance, from a decoded commit.
fn commit_info(id: &gix::hash::oid, commit: &gix::objs::CommitRef<'_>) -> CommitInfo {
    let (name, email, date) = match commit.author() {
        Ok(sig) => (
            sig.name.to_string(),
            sig.email.to_string(),
            sig.time()
                .ok()
                .map(|t| format_time(t.seconds))
                .unwrap_or_default(),
        ),
        Err(_) => Default::default(),
    };
    let summary = commit
        .message
        .split(|&b| b == b'\n')
        .next()
        .unwrap_or_default()
        .to_vec();
    CommitInfo {
        id: id.to_string(),
        author_name: name,
        author_email: email,
        date,
        summary: Snippet::plain(summary),
    }
}

/// Seconds since the epoch as RFC 3339 UTC (`2024-01-31T10:00:00Z`).
pub fn format_time(seconds: i64) -> String {
    match jiff::Timestamp::from_second(seconds) {
        Ok(t) => t.to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::format_time;

    #[test]
    fn rfc3339() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_time(1_706_695_200), "2024-01-31T10:00:00Z");
        assert_eq!(format_time(951_782_400), "2000-02-29T00:00:00Z");
    }
}
