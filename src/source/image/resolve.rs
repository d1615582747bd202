//! From an index (manifest list) or a manifest to the images to scan: every platform, or those
//! `--platform` asked for; attestation manifests (build provenance, SBOMs) are not images.

use anyhow::{Context, bail};

use super::Image;
use super::digest::verify;
use super::spec::{AnyManifest, Descriptor, Platform};

/// How deep indexes may nest (an index of indexes of manifests is already unusual).
const MAX_DEPTH: usize = 4;

/// A manifest found by following an index.
#[derive(Debug)]
pub struct Found {
    pub digest: Option<String>,
    pub platform: Option<Platform>,
    pub manifest: AnyManifest,
    /// An OCI layout's name for it (`org.opencontainers.image.ref.name`).
    pub ref_name: Option<String>,
}

/// Follows indexes, reading each document through `fetch` (by digest, verified).
pub struct Resolver<'a> {
    pub fetch: &'a dyn Fn(&str) -> anyhow::Result<Vec<u8>>,
    pub wanted: &'a [Platform],
}

fn is_attestation(d: &Descriptor) -> bool {
    d.annotations
        .get("vnd.docker.reference.type")
        .is_some_and(|t| t == "attestation-manifest")
        || d.platform
            .as_ref()
            .is_some_and(|p| p.os == "unknown" && p.architecture == "unknown")
}

impl Resolver<'_> {
    /// The images an index names, after the platform choice.
    pub fn index(&self, index: &AnyManifest) -> anyhow::Result<Vec<Found>> {
        let mut out = Vec::new();
        let mut seen_platforms = Vec::new();
        self.entries(index, 0, &mut out, &mut seen_platforms)?;
        if out.is_empty() && !self.wanted.is_empty() {
            let wanted: Vec<String> = self.wanted.iter().map(|p| p.to_string()).collect();
            bail!(
                "no image for platform {} (the index has: {})",
                wanted.join(", "),
                if seen_platforms.is_empty() {
                    "none".to_string()
                } else {
                    seen_platforms.join(", ")
                }
            );
        }
        Ok(out)
    }

    fn entries(
        &self,
        index: &AnyManifest,
        depth: usize,
        out: &mut Vec<Found>,
        seen: &mut Vec<String>,
    ) -> anyhow::Result<()> {
        if depth > MAX_DEPTH {
            bail!("indexes nested deeper than {MAX_DEPTH}");
        }
        for d in index.manifests.iter().flatten() {
            if is_attestation(d) {
                continue;
            }
            if let Some(p) = &d.platform {
                seen.push(p.to_string());
                if !self.wanted.is_empty() && !self.wanted.iter().any(|w| p.matches(w)) {
                    continue;
                }
            }
            let manifest = self.manifest(&d.digest)?;
            if manifest.is_index() {
                self.entries(&manifest, depth + 1, out, seen)?;
                continue;
            }
            out.push(Found {
                digest: Some(d.digest.clone()),
                platform: d.platform.clone(),
                manifest,
                ref_name: d
                    .annotations
                    .get("org.opencontainers.image.ref.name")
                    .cloned(),
            });
        }
        Ok(())
    }

    fn manifest(&self, digest: &str) -> anyhow::Result<AnyManifest> {
        let data = (self.fetch)(digest).with_context(|| format!("manifest {digest}"))?;
        verify(&data, digest).with_context(|| format!("manifest {digest}"))?;
        parse(&data).with_context(|| format!("manifest {digest}"))
    }
}

pub fn parse(data: &[u8]) -> anyhow::Result<AnyManifest> {
    serde_json::from_slice(data).context("not an image index or manifest")
}

/// The image a manifest describes; `key` turns a digest into the blob's key in `image.blobs`.
pub fn image_of(
    found: Found,
    reference: String,
    blobs: std::sync::Arc<dyn super::store::Blobs>,
    key: impl Fn(&str) -> anyhow::Result<String>,
) -> anyhow::Result<Image> {
    let Some(config) = found.manifest.config else {
        bail!("the manifest has no config: not an image (schema 1 manifests are not supported)");
    };
    let mut layers = Vec::new();
    for l in found.manifest.layers.unwrap_or_default() {
        layers.push(super::LayerRef {
            key: key(&l.digest)?,
            digest: l.digest,
            media_type: l.media_type,
        });
    }
    Ok(Image {
        reference,
        manifest_digest: found.digest,
        platform: found.platform,
        config_key: key(&config.digest)?,
        config_digest: Some(config.digest),
        layers,
        blobs,
    })
}
