//! Where an image's blobs are read from: a directory (an OCI layout), a tar file (`docker save`
//! output, an OCI layout archive) read in place through an index of its members, or a registry
//! (see `registry.rs`). Nothing is unpacked to disk.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};

/// The largest JSON document (index, manifest, config) read whole.
pub const MAX_DOCUMENT: u64 = 64 * 1024 * 1024;

/// Blobs by key: a path inside a layout or archive, or a digest for a registry.
pub trait Blobs: Send + Sync {
    /// A stream of the blob's bytes.
    fn open(&self, key: &str) -> anyhow::Result<Box<dyn Read + Send + '_>>;

    /// A small blob read whole (a JSON document).
    fn read(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        let mut out = Vec::new();
        self.open(key)?
            .take(MAX_DOCUMENT + 1)
            .read_to_end(&mut out)
            .with_context(|| format!("reading {key}"))?;
        if out.len() as u64 > MAX_DOCUMENT {
            bail!("{key} is larger than {MAX_DOCUMENT} bytes");
        }
        Ok(out)
    }

    fn exists(&self, key: &str) -> bool;
}

/// A directory holding an OCI layout.
pub struct DirBlobs {
    root: PathBuf,
}

impl DirBlobs {
    pub fn new(root: PathBuf) -> DirBlobs {
        DirBlobs { root }
    }

    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        let rel = Path::new(key);
        if !rel.components().all(|c| matches!(c, Component::Normal(_))) {
            bail!("{key}: not a path inside the layout");
        }
        Ok(self.root.join(rel))
    }
}

impl Blobs for DirBlobs {
    fn open(&self, key: &str) -> anyhow::Result<Box<dyn Read + Send + '_>> {
        let path = self.path(key)?;
        let file = File::open(&path).with_context(|| format!("{}", path.display()))?;
        Ok(Box::new(file))
    }

    fn exists(&self, key: &str) -> bool {
        self.path(key).is_ok_and(|p| p.is_file())
    }
}

/// A member's bytes in the tar file.
#[derive(Debug, Clone, Copy)]
struct Span {
    offset: u64,
    size: u64,
}

/// An uncompressed tar file whose regular members are read in place.
pub struct TarBlobs {
    path: PathBuf,
    members: HashMap<String, Span>,
}

impl TarBlobs {
    /// Lists the archive's members once (headers only; member data is skipped by seeking).
    pub fn open(path: &Path) -> anyhow::Result<TarBlobs> {
        let file = File::open(path).with_context(|| format!("{}", path.display()))?;
        let mut archive = tar::Archive::new(file);
        let mut members = HashMap::new();
        let mut links = Vec::new();
        let entries = archive
            .entries_with_seek()
            .with_context(|| format!("{}: not a tar archive", path.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("{}: bad tar header", path.display()))?;
            let name = normalize(&String::from_utf8_lossy(&entry.path_bytes()));
            let kind = entry.header().entry_type();
            if kind.is_file() {
                let span = Span {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                };
                members.insert(name, span);
            } else if (kind.is_symlink() || kind.is_hard_link())
                && let Some(target) = entry.link_name_bytes()
            {
                let target = String::from_utf8_lossy(&target).into_owned();
                links.push((name, target, kind.is_symlink()));
            }
        }
        // `docker save` links a layer that appears twice to its first copy.
        for (name, target, relative) in links {
            let target = if relative {
                resolve_relative(&name, &target)
            } else {
                normalize(&target)
            };
            if let Some(span) = members.get(&target).copied() {
                members.insert(name, span);
            }
        }
        Ok(TarBlobs {
            path: path.to_path_buf(),
            members,
        })
    }
}

/// `./a//b` -> `a/b`.
fn normalize(name: &str) -> String {
    name.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// A symlink's target, relative to the link's directory.
fn resolve_relative(link: &str, target: &str) -> String {
    let mut parts: Vec<&str> = link.split('/').collect();
    parts.pop();
    for p in target.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

impl Blobs for TarBlobs {
    fn open(&self, key: &str) -> anyhow::Result<Box<dyn Read + Send + '_>> {
        let Some(span) = self.members.get(&normalize(key)).copied() else {
            bail!("{}: no member {key}", self.path.display());
        };
        let mut file =
            File::open(&self.path).with_context(|| format!("{}", self.path.display()))?;
        file.seek(SeekFrom::Start(span.offset))?;
        Ok(Box::new(io::BufReader::with_capacity(
            256 * 1024,
            file.take(span.size),
        )))
    }

    fn exists(&self, key: &str) -> bool {
        self.members.contains_key(&normalize(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_and_link_targets_are_normalized() {
        assert_eq!(normalize("./blobs//sha256/ab"), "blobs/sha256/ab");
        assert_eq!(
            resolve_relative("b/layer.tar", "../a/layer.tar"),
            "a/layer.tar"
        );
    }
}
