//! Git repositories: every object in the object database, the objects a range of commits
//! introduced, or the changes staged in the index.
//!
//! Repositories are opened isolated (only their own config is read) and nothing is ever checked
//! out, so no hook, filter or `core.fsmonitor` program can run.

mod clone;
mod history;
mod objects;
mod provenance;
mod range;
mod staged;
mod trees;

pub use staged::WhenClean;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, bail};

use super::{BlobSink, Diagnostics, Source};
use crate::finding::{CommitInfo, GitObject, GitOrigin, Origin, OriginKind, Snippet};

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

/// What `leakhound git` scans.
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
    /// Repositories scanned, kept for resolving provenance after the scan.
    opened: Mutex<Vec<Opened>>,
}

struct Opened {
    label: String,
    repo: gix::ThreadSafeRepository,
    /// What the full scan noted (commits, tree entries).
    noted: Option<history::Noted>,
    /// Keeps a temporary clone alive until provenance is resolved.
    _clone: Option<tempfile::TempDir>,
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
            opened: Mutex::new(Vec::new()),
        }
    }

    fn scan_one(&self, target: &str, sink: &dyn BlobSink) -> anyhow::Result<()> {
        let (path, temp) = if clone::is_url(target) {
            let (path, temp) = clone::clone_bare(target, self.clone_dir.as_deref())?;
            (path, temp)
        } else {
            (PathBuf::from(target), None)
        };
        let repo = open(&path).with_context(|| format!("{target}: not a git repository"))?;
        let ctx = Target {
            label: target.to_string(),
            repo: &repo,
            threads: self.threads,
            platform: self.platform.as_ref(),
        };
        let noted = match &self.mode {
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
        self.opened
            .lock()
            .expect("opened list poisoned")
            .push(Opened {
                label: target.to_string(),
                repo,
                noted,
                _clone: temp,
            });
        Ok(())
    }
}

impl Source for GitSource {
    fn run(&self, sink: &dyn BlobSink) -> anyhow::Result<()> {
        let mut targets = self.targets.clone();
        targets.dedup();
        for target in &targets {
            self.scan_one(target, sink)?;
        }
        Ok(())
    }

    fn resolve(&self, origins: &mut [Origin], diag: &dyn Diagnostics) -> anyhow::Result<()> {
        if !matches!(self.mode, GitMode::Everything) {
            return Ok(());
        }
        let mut opened = self.opened.lock().expect("opened list poisoned");
        for o in opened.iter_mut() {
            let repo = o.repo.to_thread_local();
            let ctx = Target {
                label: o.label.clone(),
                repo: &o.repo,
                threads: self.threads,
                platform: self.platform.as_ref(),
            };
            let mine: Vec<&mut Origin> = origins
                .iter_mut()
                .filter(|origin| origin.git().is_some_and(|g| g.repository == o.label))
                .collect();
            if !mine.is_empty() {
                provenance::resolve(
                    &ctx,
                    &repo,
                    o.noted.take(),
                    mine,
                    self.all_occurrences,
                    diag,
                )?;
            }
        }
        Ok(())
    }
}

/// What the scanning modes share about one repository.
struct Target<'a> {
    label: String,
    repo: &'a gix::ThreadSafeRepository,
    threads: usize,
    platform: Option<&'a Platform>,
}

impl Target<'_> {
    /// A git origin with nothing resolved yet.
    fn origin(&self, object: GitObject, id: &gix::hash::oid, path: Vec<u8>) -> Origin {
        Origin {
            path,
            kind: OriginKind::Git(Box::new(GitOrigin {
                repository: self.label.clone(),
                object,
                object_id: id.to_string(),
                commit: None,
                reachable: false,
                in_head: None,
                staged: false,
                other_occurrences: 0,
                occurrences: Vec::new(),
                link_base: None,
            })),
        }
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
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
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
