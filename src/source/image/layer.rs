//! Streaming one layer: its blob is hashed as it is read (the digest is checked at the end),
//! decompressed (gzip, zstd, or none, told by the first bytes), and each regular tar entry is
//! handed to the sink with its own provenance. Nothing is written to disk.

use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use crossbeam_channel::Sender;

use super::digest::{HashingReader, is_sha256};
use super::origin::{ImageInfo, LayerInfo, LayerProvenance};
use super::store::Blobs;
use super::whiteout::{LayerPaths, is_whiteout, normalize};
use crate::finding::Origin;
use crate::source::BlobSink;

/// One layer to stream.
pub struct LayerJob<'a> {
    pub blobs: &'a dyn Blobs,
    /// The blob's key in `blobs`.
    pub key: &'a str,
    pub media_type: &'a str,
    pub image: Arc<ImageInfo>,
    pub layer: Arc<LayerInfo>,
    /// Where small files go to be scanned by other threads while this one decompresses.
    pub small: &'a Sender<SmallFile>,
}

/// A file read whole from a layer, for a scanning thread.
pub type SmallFile = (Arc<Origin>, Vec<u8>);

/// Files up to this size are read whole and scanned on other threads; larger ones are streamed
/// by the layer's own thread.
pub const SMALL_FILE: u64 = 1024 * 1024;

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Whether a media type names a layer this scan can read (an empty one, as `docker save`
/// leaves it, is told by the bytes).
fn is_layer_type(media_type: &str) -> bool {
    media_type.is_empty()
        || media_type.starts_with("application/vnd.oci.image.layer.")
        || media_type.starts_with("application/vnd.docker.image.rootfs.")
}

fn sniff(head: &[u8]) -> Compression {
    match head {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression::Zstd,
        _ => Compression::None,
    }
}

impl LayerJob<'_> {
    /// How errors name the layer.
    fn subject(&self) -> String {
        format!(
            "{} layer {} ({})",
            self.image.display(),
            self.layer.number,
            self.layer.digest
        )
    }

    /// Streams the layer into `sink`; returns the paths it touched (what it could read of them
    /// when it is corrupt). Errors are reported to the sink, named by the layer.
    pub fn run(&self, sink: &dyn BlobSink) -> Option<LayerPaths> {
        if !is_layer_type(self.media_type) {
            sink.note(&format!(
                "{}: skipped, media type {} is not a layer leakhound reads",
                self.subject(),
                self.media_type
            ));
            return None;
        }
        let raw = match self.blobs.open(self.key) {
            Ok(r) => r,
            Err(e) => {
                sink.error(&self.subject(), &format!("{e:#}"));
                return None;
            }
        };
        let mut hashed = HashingReader::new(raw);
        let mut paths = LayerPaths::default();
        if let Err(e) = self.entries(&mut hashed, &mut paths, sink) {
            sink.error(&self.subject(), &format!("corrupt layer: {e}"));
        }
        match hashed.drain() {
            Ok(_) => self.check_digest(hashed, sink),
            Err(e) => sink.error(&self.subject(), &format!("reading the layer: {e}")),
        }
        Some(paths)
    }

    fn check_digest(&self, hashed: HashingReader<Box<dyn Read + Send + '_>>, sink: &dyn BlobSink) {
        let expected = &self.layer.digest;
        if !is_sha256(expected) {
            return;
        }
        let actual = hashed.finish();
        if &actual != expected {
            sink.error(
                &self.subject(),
                &format!("digest mismatch: the layer's content is {actual}"),
            );
        }
    }

    /// Decompresses and walks the tar entries.
    fn entries(
        &self,
        raw: &mut dyn Read,
        paths: &mut LayerPaths,
        sink: &dyn BlobSink,
    ) -> io::Result<()> {
        let mut buffered = BufReader::with_capacity(256 * 1024, raw);
        let compression = sniff(buffered.fill_buf()?);
        let decoded: Box<dyn Read + '_> = match compression {
            Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buffered)?),
            Compression::None => Box::new(buffered),
        };
        let mut archive = tar::Archive::new(decoded);
        for entry in archive.entries()? {
            let mut entry = entry?;
            let path = normalize(&entry.path_bytes());
            paths.record(&path);
            let kind = entry.header().entry_type();
            if !(kind.is_file() || kind == tar::EntryType::Continuous) || is_whiteout(&path) {
                continue;
            }
            let origin = Origin::new(LayerProvenance::new(
                self.image.clone(),
                self.layer.clone(),
                path,
            ));
            let size = entry.size();
            if !sink.admit(&origin, size) {
                continue;
            }
            if size <= SMALL_FILE {
                let mut data = Vec::with_capacity(size as usize);
                entry.read_to_end(&mut data)?;
                // The scanning threads live until every layer is done, so a send cannot fail.
                let _ = self.small.send((Arc::new(origin), data));
            } else {
                sink.scan_reader(Arc::new(origin), &mut entry);
            }
        }
        // Read the compressed stream to its end: a truncated gzip or zstd frame shows here, and
        // the digest must cover every byte.
        io::copy(&mut archive.into_inner(), &mut io::sink())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_is_told_by_the_first_bytes() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd]), Compression::Zstd);
        assert_eq!(sniff(b"etc/"), Compression::None);
        assert!(is_layer_type("application/vnd.oci.image.layer.v1.tar+zstd"));
        assert!(!is_layer_type("application/vnd.in-toto+json"));
    }
}
