//! What each layer wrote and removed, recorded while it streams, and what that means for a file
//! of a lower layer: deleted by a whiteout (`.wh.NAME`, or `.wh..wh..opq` for a whole directory)
//! or overwritten by a file at the same path.

use std::collections::HashSet;

use super::origin::Fate;

const WHITEOUT_PREFIX: &[u8] = b".wh.";
const OPAQUE: &[u8] = b".wh..wh..opq";

/// The paths one layer touched.
#[derive(Debug, Default)]
pub struct LayerPaths {
    /// Every entry the layer has (files, directories, links), whiteouts left out.
    written: HashSet<Vec<u8>>,
    /// Paths a whiteout removes.
    removed: HashSet<Vec<u8>>,
    /// Directories whose lower contents an opaque whiteout hides.
    opaque: HashSet<Vec<u8>>,
}

/// A path as layers name it: no leading `./` or `/`, no trailing `/`, no empty components.
pub fn normalize(path: &[u8]) -> Vec<u8> {
    let parts: Vec<&[u8]> = path
        .split(|&b| b == b'/')
        .filter(|p| !p.is_empty() && *p != b".")
        .collect();
    parts.join(&b'/')
}

/// Splits `dir/name` into its directory (empty at the top) and its name.
fn split(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&[], path),
    }
}

fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    if dir.is_empty() {
        return name.to_vec();
    }
    let mut out = dir.to_vec();
    out.push(b'/');
    out.extend_from_slice(name);
    out
}

/// Whether a (normalized) entry name is a whiteout, which holds no content of its own.
pub fn is_whiteout(path: &[u8]) -> bool {
    split(path).1.starts_with(WHITEOUT_PREFIX)
}

/// `path` itself and every directory above it, longest first.
fn self_and_ancestors(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut next = Some(path);
    std::iter::from_fn(move || {
        let current = next?;
        next = current
            .iter()
            .rposition(|&b| b == b'/')
            .map(|i| &current[..i]);
        Some(current)
    })
}

impl LayerPaths {
    /// Records an entry (its name normalized).
    pub fn record(&mut self, path: &[u8]) {
        let (dir, name) = split(path);
        if name == OPAQUE {
            self.opaque.insert(dir.to_vec());
        } else if let Some(hidden) = name.strip_prefix(WHITEOUT_PREFIX) {
            self.removed.insert(join(dir, hidden));
        } else {
            self.written.insert(path.to_vec());
        }
    }

    fn writes(&self, path: &[u8]) -> bool {
        self.written.contains(path)
    }

    fn removes(&self, path: &[u8]) -> bool {
        self_and_ancestors(path).any(|p| self.removed.contains(p))
            || self_and_ancestors(path)
                .skip(1)
                .any(|d| self.opaque.contains(d))
            || self.opaque.contains(&[][..])
    }
}

/// What the layers above `layer` (0-based in `layers`) did to `path`: the first layer that
/// writes the path overwrote it, the first that removes it deleted it. `None` stands for a layer
/// whose paths are unknown (it could not be read).
pub fn fate(layers: &[Option<&LayerPaths>], layer: usize, path: &[u8]) -> Fate {
    for (i, above) in layers.iter().enumerate().skip(layer + 1) {
        let Some(above) = above else { continue };
        // A layer that removes a directory and writes the file again replaced it.
        if above.writes(path) {
            return Fate {
                deleted_in: None,
                overwritten_in: Some(i + 1),
            };
        }
        if above.removes(path) {
            return Fate {
                deleted_in: Some(i + 1),
                overwritten_in: None,
            };
        }
    }
    Fate::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(entries: &[&str]) -> LayerPaths {
        let mut l = LayerPaths::default();
        for e in entries {
            l.record(&normalize(e.as_bytes()));
        }
        l
    }

    #[test]
    fn whiteouts_opaque_dirs_and_overwrites_are_told_apart() {
        let base = layer(&["./app/", "./app/.env", "app/conf/key.pem", "etc/x"]);
        let rm = layer(&["app/.wh..env"]);
        let opq = layer(&["app/conf/.wh..wh..opq", "app/conf/other"]);
        let over = layer(&["/etc/x"]);
        let all = [Some(&base), Some(&rm), Some(&opq), Some(&over)];
        let at = |p: &str| fate(&all, 0, p.as_bytes());
        assert_eq!(at("app/.env").deleted_in, Some(2));
        assert_eq!(at("app/conf/key.pem").deleted_in, Some(3));
        assert_eq!(at("etc/x").overwritten_in, Some(4));
        assert_eq!(at("app"), Fate::default());
        assert!(is_whiteout(b"a/.wh.b"));
        assert!(!is_whiteout(b"a/b.wh.c"));
    }

    #[test]
    fn removing_a_directory_deletes_what_is_under_it() {
        let base = layer(&["srv/www/secret.txt"]);
        let rm = layer(&["srv/.wh.www"]);
        assert_eq!(
            fate(&[Some(&base), Some(&rm)], 0, b"srv/www/secret.txt").deleted_in,
            Some(2)
        );
    }
}
