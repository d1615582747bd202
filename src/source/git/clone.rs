//! Bare clones of repositories named by URL, made with gix.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::{Context, bail};

/// A target is a URL when it has a scheme (`https://`, `ssh://`, `git://`, `file://`) or is
/// scp-like (`git@host:org/repo.git`) and is not an existing path.
pub fn is_url(target: &str) -> bool {
    if Path::new(target).exists() {
        return false;
    }
    if let Some((scheme, _)) = target.split_once("://") {
        return matches!(scheme, "https" | "http" | "ssh" | "git" | "file");
    }
    // user@host:path
    target
        .split_once(':')
        .is_some_and(|(host, _)| host.contains('@') && !host.contains('/'))
}

/// Clones `url` bare (all branches and tags) into `dir` (kept) or a temporary directory.
pub fn clone_bare(
    url: &str,
    dir: Option<&Path>,
) -> anyhow::Result<(PathBuf, Option<tempfile::TempDir>)> {
    let (dest, temp) = match dir {
        Some(d) => {
            std::fs::create_dir_all(d)
                .with_context(|| format!("cannot create --clone-dir {}", d.display()))?;
            let dest = d.join(repo_dir_name(url));
            if dest.exists() {
                bail!(
                    "{} already exists; remove it or choose another --clone-dir",
                    dest.display()
                );
            }
            (dest, None)
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("leakhound-clone-")
                .tempdir()
                .context("cannot create a temporary directory for the clone")?;
            (temp.path().join(repo_dir_name(url)), Some(temp))
        }
    };
    let interrupt = AtomicBool::new(false);
    let mut prepare = gix::prepare_clone_bare(url, &dest)
        .map_err(|e| anyhow::anyhow!("cannot clone {url}: {e}"))?;
    prepare
        .fetch_only(gix::progress::Discard, &interrupt)
        .map_err(|e| anyhow::anyhow!("cannot clone {url}: {e}"))?;
    Ok((dest, temp))
}

/// `https://host/org/repo.git` -> `repo.git`.
fn repo_dir_name(url: &str) -> String {
    let last = url
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or("repo");
    let name: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.ends_with(".git") {
        name
    } else {
        format!("{name}.git")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_names() {
        assert!(is_url("https://example.invalid/org/repo.git"));
        assert!(is_url("git@example.invalid:org/repo.git"));
        assert!(is_url("file:///tmp/x"));
        assert!(!is_url("some/dir"));
        assert!(!is_url("C:relative"));
        assert_eq!(repo_dir_name("https://h/org/repo.git"), "repo.git");
        assert_eq!(repo_dir_name("git@h:org/tool"), "tool.git");
    }
}
