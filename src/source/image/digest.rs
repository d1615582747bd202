//! Content digests: a reader that hashes what passes through it, so a layer is verified while it
//! streams, and the checks on config and manifest blobs read whole.

use std::io::{self, Read};

use sha2::{Digest as _, Sha256};

/// `sha256:` and the hex SHA-256 of `data`.
pub fn sha256_of(data: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(data)))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        write!(out, "{b:02x}").expect("writing to a String");
    }
    out
}

/// Whether `digest` is `sha256:` and 64 lowercase hex digits (the only algorithm checked; other
/// algorithms are read unverified).
pub fn is_sha256(digest: &str) -> bool {
    digest
        .strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Where an OCI layout keeps the blob `digest` (`blobs/sha256/HEX`), or `None` for a digest that
/// is not `algorithm:hex` (which could climb out of the layout).
pub fn layout_path(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let plain = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric());
    (plain(alg) && plain(hex)).then(|| format!("blobs/{alg}/{hex}"))
}

/// Checks a blob read whole against the digest it was named by.
pub fn verify(data: &[u8], expected: &str) -> anyhow::Result<()> {
    if !is_sha256(expected) {
        return Ok(());
    }
    let actual = sha256_of(data);
    anyhow::ensure!(
        actual == expected,
        "digest mismatch: expected {expected}, content is {actual}"
    );
    Ok(())
}

/// Hashes every byte read through it.
pub struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> HashingReader<R> {
        HashingReader {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// Reads what is left, so the digest covers the whole stream.
    pub fn drain(&mut self) -> io::Result<u64> {
        io::copy(self, &mut io::sink())
    }

    /// `sha256:HEX` of everything read.
    pub fn finish(self) -> String {
        format!("sha256:{}", hex(&self.hasher.finalize()))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hashing_reader_hashes_what_was_read() {
        let mut r = HashingReader::new(&b"hello"[..]);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(r.finish(), sha256_of(b"hello"));
        assert!(verify(b"hello", &sha256_of(b"hello")).is_ok());
        assert!(verify(b"hullo", &sha256_of(b"hello")).is_err());
    }

    #[test]
    fn layout_paths_never_climb_out() {
        assert_eq!(
            layout_path("sha256:ab12").as_deref(),
            Some("blobs/sha256/ab12")
        );
        assert_eq!(layout_path("sha256:../../etc"), None);
        assert_eq!(layout_path("nocolon"), None);
    }
}
