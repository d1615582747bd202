//! The provenance of content read from an image: a file in a layer (with the build step that
//! made the layer, and whether a later layer deleted or replaced it, filled in after the scan),
//! or a field of the image config.

use std::any::Any;
use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value, json};

use super::spec::Platform;
use crate::finding::{Location, Provenance, Snippet};

/// The image a blob came from, shared by all its blobs.
#[derive(Debug)]
pub struct ImageInfo {
    /// The image as the user named it (`alpine:3.20`, `oci-archive:app.tar`), no credentials.
    pub reference: String,
    /// The digest of the image's manifest, when it has one (`docker save` output has none).
    pub manifest_digest: Option<String>,
    /// The digest of the image's config (its image id).
    pub config_digest: String,
    pub platform: Option<Platform>,
}

impl ImageInfo {
    /// `alpine:3.20 (linux/arm64)`.
    pub fn display(&self) -> String {
        match &self.platform {
            Some(p) => format!("{} ({p})", self.reference),
            None => self.reference.clone(),
        }
    }

    fn insert_into(&self, m: &mut Map<String, Value>, camel: bool) {
        let key = |snake: &'static str, camel_name: &'static str| {
            if camel { camel_name } else { snake }
        };
        m.insert("image".into(), json!(self.reference));
        m.insert(
            key("manifest_digest", "manifestDigest").into(),
            json!(self.manifest_digest),
        );
        m.insert(
            key("config_digest", "configDigest").into(),
            json!(self.config_digest),
        );
        m.insert(
            "platform".into(),
            json!(self.platform.as_ref().map(|p| p.to_string())),
        );
    }
}

/// One layer of an image.
#[derive(Debug)]
pub struct LayerInfo {
    /// 1 for the lowest layer.
    pub number: usize,
    /// The digest of the layer blob as stored (compressed).
    pub digest: String,
    /// The history entry that made the layer; it may quote a secret, so it is redacted like a
    /// snippet.
    pub created_by: RwLock<Option<Snippet>>,
}

impl LayerInfo {
    pub fn new(number: usize, digest: String, created_by: Option<String>) -> LayerInfo {
        LayerInfo {
            number,
            digest,
            created_by: RwLock::new(created_by.map(|c| Snippet::plain(c.into_bytes()))),
        }
    }

    fn created_by(&self, reveal: bool) -> Option<String> {
        let c = self.created_by.read().expect("layer history lock poisoned");
        c.as_ref().map(|s| s.render(reveal))
    }
}

/// What became of a file in the layers above its own, worked out after the scan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fate {
    /// The layer whose whiteout removed it (or a directory above it).
    pub deleted_in: Option<usize>,
    /// The layer that wrote another file at its path.
    pub overwritten_in: Option<usize>,
}

/// A file in an image layer.
#[derive(Debug)]
pub struct LayerProvenance {
    pub image: Arc<ImageInfo>,
    pub layer: Arc<LayerInfo>,
    /// The path inside the layer (raw bytes, never used as a path on this machine).
    pub path: Vec<u8>,
    fate: RwLock<Fate>,
}

impl LayerProvenance {
    pub fn new(image: Arc<ImageInfo>, layer: Arc<LayerInfo>, path: Vec<u8>) -> LayerProvenance {
        LayerProvenance {
            image,
            layer,
            path,
            fate: RwLock::new(Fate::default()),
        }
    }

    pub fn fate(&self) -> Fate {
        *self.fate.read().expect("layer fate lock poisoned")
    }

    /// Fills in what the layers above say of the file.
    pub fn set_fate(&self, fate: Fate) {
        *self.fate.write().expect("layer fate lock poisoned") = fate;
    }

    fn fate_text(&self) -> Option<String> {
        let fate = self.fate();
        match (fate.deleted_in, fate.overwritten_in) {
            (Some(n), _) => Some(format!("deleted in layer {n}")),
            (None, Some(n)) => Some(format!("overwritten in layer {n}")),
            (None, None) => None,
        }
    }
}

/// Control characters shown as escapes, as everywhere scanned text meets a person.
fn escape_controls(text: &str) -> String {
    crate::escape::visible(text).into_owned()
}

/// `sha256:` and the first 12 hex digits.
fn short_digest(digest: &str) -> &str {
    let end = digest.find(':').map_or(0, |i| i + 1) + 12;
    &digest[..digest.len().min(end)]
}

/// Long build steps are cut for one-line messages.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('\u{2026}');
    out
}

impl Provenance for LayerProvenance {
    fn kind(&self) -> &'static str {
        "image-layer"
    }

    fn path(&self) -> Option<Cow<'_, [u8]>> {
        Some(Cow::Borrowed(&self.path))
    }

    /// Entry names come from whoever built the image: control characters are shown escaped so
    /// a name cannot drive the terminal.
    fn label(&self, path: &str) -> String {
        format!(
            "{} layer {}:{}",
            self.image.display(),
            self.layer.number,
            escape_controls(path)
        )
    }

    /// "in layer 3 (`RUN ...`), deleted in layer 5".
    fn details(&self, reveal: bool) -> Vec<String> {
        let mut line = format!("in layer {}", self.layer.number);
        if let Some(c) = self.layer.created_by(reveal) {
            line.push_str(&format!(
                " (`{}`)",
                escape_controls(&shorten(c.trim(), 100))
            ));
        }
        if let Some(fate) = self.fate_text() {
            line.push_str(", ");
            line.push_str(&fate);
        }
        line.push_str(&format!("; layer {}", short_digest(&self.layer.digest)));
        vec![line]
    }

    fn brief(&self) -> Option<String> {
        let mut m = format!(
            "in layer {} of image {}",
            self.layer.number,
            self.image.display()
        );
        if let Some(fate) = self.fate_text() {
            m.push_str(&format!(" ({fate}, still in the image's history)"));
        }
        Some(m)
    }

    fn properties(&self, reveal: bool, _location: &Location) -> Map<String, Value> {
        let fate = self.fate();
        let mut m = Map::new();
        self.image.insert_into(&mut m, false);
        m.insert("layer".into(), json!(self.layer.number));
        m.insert("layer_digest".into(), json!(self.layer.digest));
        m.insert("created_by".into(), json!(self.layer.created_by(reveal)));
        m.insert("deleted_in_layer".into(), json!(fate.deleted_in));
        m.insert("overwritten_in_layer".into(), json!(fate.overwritten_in));
        m
    }

    /// Never a secret: the build step (which may quote one) stays out.
    fn flat_properties(&self) -> Map<String, Value> {
        let fate = self.fate();
        let mut m = Map::new();
        self.image.insert_into(&mut m, true);
        m.insert("layer".into(), json!(self.layer.number));
        m.insert("layerDigest".into(), json!(self.layer.digest));
        m.insert("deletedInLayer".into(), json!(fate.deleted_in));
        m.insert("overwrittenInLayer".into(), json!(fate.overwritten_in));
        m
    }

    /// The layer digest: the same file in the same layer sorts and deduplicates the same however
    /// the image was fetched.
    fn version(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.layer.digest)
    }

    fn redact_secrets(&self, secrets: &[&[u8]]) {
        let mut c = self
            .layer
            .created_by
            .write()
            .expect("layer history lock poisoned");
        if let Some(s) = c.as_mut() {
            s.redact_secrets(secrets.iter().copied());
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A field of the image config (`config:Env[3]`, `history[7]`): text that ships with the image
/// and that `docker inspect` or `docker history` shows to anyone who pulls it.
#[derive(Debug)]
pub struct ConfigProvenance {
    pub image: Arc<ImageInfo>,
    pub field: String,
}

impl Provenance for ConfigProvenance {
    fn kind(&self) -> &'static str {
        "image-config"
    }

    fn path(&self) -> Option<Cow<'_, [u8]>> {
        Some(Cow::Borrowed(self.field.as_bytes()))
    }

    fn label(&self, path: &str) -> String {
        format!("{} {path}", self.image.display())
    }

    fn details(&self, _reveal: bool) -> Vec<String> {
        vec![format!(
            "in the image config ({}), shown by `docker inspect` / `docker history`",
            self.image.config_digest
        )]
    }

    fn brief(&self) -> Option<String> {
        Some(format!(
            "in the config of image {} ({})",
            self.image.display(),
            self.field
        ))
    }

    fn properties(&self, _reveal: bool, _location: &Location) -> Map<String, Value> {
        let mut m = Map::new();
        self.image.insert_into(&mut m, false);
        m.insert("field".into(), json!(self.field));
        m
    }

    fn flat_properties(&self) -> Map<String, Value> {
        let mut m = Map::new();
        self.image.insert_into(&mut m, true);
        m.insert("field".into(), json!(self.field));
        m
    }

    fn version(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.image.config_digest)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_escape_control_characters_and_details_shorten_digests() {
        assert_eq!(escape_controls("a\u{1b}[2Jb"), "a\\x1b[2Jb");
        assert_eq!(
            short_digest("sha256:0123456789abcdef"),
            "sha256:0123456789ab"
        );
        assert_eq!(short_digest(""), "");
    }
}
