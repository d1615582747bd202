//! Images on disk: an OCI layout (a directory, or a tar of one) and `docker save` output, each
//! read in place.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, bail};

use super::Image;
use super::digest::{is_sha256, layout_path, sha256_of};
use super::resolve::{Resolver, image_of, parse};
use super::spec::{DockerSaved, ImageConfig, Platform};
use super::store::{Blobs, DirBlobs, TarBlobs};

/// Which archive form a tar file holds, told by its members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Docker,
    Oci,
}

/// Opens a tar file and tells its form (`manifest.json` means `docker save` output, which
/// newer Docker writes as an OCI layout too; `index.json` alone an OCI layout).
pub fn open_tar(path: &Path) -> anyhow::Result<(TarBlobs, Form)> {
    let blobs = TarBlobs::open(path)?;
    let form = if blobs.exists("manifest.json") {
        Form::Docker
    } else if blobs.exists("index.json") {
        Form::Oci
    } else {
        bail!(
            "{}: neither `docker save` output (manifest.json) nor an OCI layout (index.json)",
            path.display()
        );
    };
    Ok((blobs, form))
}

pub fn open_dir(path: &Path) -> anyhow::Result<DirBlobs> {
    let blobs = DirBlobs::new(path.to_path_buf());
    if !blobs.exists("index.json") {
        bail!("{}: not an OCI layout (no index.json)", path.display());
    }
    Ok(blobs)
}

const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// `DIR:TAG` (as skopeo writes it) -> (`DIR`, `TAG`), when `DIR` exists and `DIR:TAG` does not.
pub fn split_tag(text: &str) -> (&str, Option<&str>) {
    if Path::new(text).exists() {
        return (text, None);
    }
    match text.rsplit_once(':') {
        Some((path, tag)) if !tag.contains('/') && Path::new(path).exists() => (path, Some(tag)),
        _ => (text, None),
    }
}

/// The images of an OCI layout: all of its index's entries, or those named `tag`.
pub fn oci_images(
    blobs: Arc<dyn Blobs>,
    name: &str,
    tag: Option<&str>,
    wanted: &[Platform],
) -> anyhow::Result<Vec<Image>> {
    let mut index = parse(&blobs.read("index.json")?).context("index.json")?;
    if let (Some(tag), Some(entries)) = (tag, index.manifests.as_mut()) {
        let tags: Vec<String> = entries
            .iter()
            .filter_map(|d| d.annotations.get(REF_NAME).cloned())
            .collect();
        entries.retain(|d| d.annotations.get(REF_NAME).is_some_and(|t| t == tag));
        if entries.is_empty() {
            bail!(
                "no image named {tag:?} in the layout (it has: {})",
                tags.join(", ")
            );
        }
    }
    let fetch = |digest: &str| -> anyhow::Result<Vec<u8>> {
        let key = layout_path(digest).with_context(|| format!("bad digest {digest:?}"))?;
        blobs.read(&key)
    };
    let found = Resolver {
        fetch: &fetch,
        wanted,
    }
    .index(&index)?;
    let several = found.len() > 1;
    let mut images = Vec::new();
    for f in found {
        let reference = match (&f.ref_name, several && tag.is_none()) {
            (Some(tag), true) => format!("{name}:{tag}"),
            _ => name.to_string(),
        };
        images.push(image_of(f, reference, blobs.clone(), |d| {
            layout_path(d).with_context(|| format!("bad digest {d:?}"))
        })?);
    }
    Ok(images)
}

/// The images of `docker save` output, from its `manifest.json`.
pub fn docker_images(blobs: Arc<dyn Blobs>, name: &str) -> anyhow::Result<Vec<Image>> {
    let saved: Vec<DockerSaved> =
        serde_json::from_slice(&blobs.read("manifest.json")?).context("manifest.json")?;
    let several = saved.len() > 1;
    let mut images = Vec::new();
    for s in saved {
        let config_bytes = blobs.read(&s.config)?;
        let config: ImageConfig =
            serde_json::from_slice(&config_bytes).with_context(|| s.config.clone())?;
        let diff_ids = config.rootfs.map(|r| r.diff_ids).unwrap_or_default();
        let layers = s
            .layers
            .iter()
            .enumerate()
            .map(|(i, key)| super::LayerRef {
                digest: digest_in_path(key)
                    .or_else(|| diff_ids.get(i).cloned())
                    .unwrap_or_default(),
                key: key.clone(),
                media_type: String::new(),
            })
            .collect();
        let tag = s.repo_tags.as_ref().and_then(|t| t.first());
        let reference = match tag {
            Some(tag) if several => format!("{name}:{tag}"),
            _ => name.to_string(),
        };
        images.push(Image {
            reference,
            manifest_digest: None,
            platform: None,
            config_key: s.config.clone(),
            config_digest: Some(sha256_of(&config_bytes)),
            layers,
            blobs: blobs.clone(),
        });
    }
    Ok(images)
}

/// `blobs/sha256/HEX` (Docker 25+) names its digest; `HEX/layer.tar` (older) does not.
fn digest_in_path(key: &str) -> Option<String> {
    let hex = key.strip_prefix("blobs/sha256/")?;
    let digest = format!("sha256:{hex}");
    is_sha256(&digest).then_some(digest)
}
