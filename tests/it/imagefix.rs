//! Images built in code for the image tests: layers written with `tar` + `flate2`/`zstd`, config,
//! manifest and index JSON, and the three archive forms (OCI layout directory, OCI layout tar,
//! `docker save` output).

use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// A blob and how it is named.
#[derive(Debug, Clone)]
pub struct Blob {
    pub media_type: String,
    pub digest: String,
    pub data: Vec<u8>,
}

impl Blob {
    pub fn new(media_type: &str, data: Vec<u8>) -> Blob {
        Blob {
            media_type: media_type.to_string(),
            digest: sha256(&data),
            data,
        }
    }

    pub fn hex(&self) -> &str {
        self.digest.strip_prefix("sha256:").unwrap()
    }

    pub fn descriptor(&self) -> Value {
        json!({ "mediaType": self.media_type, "digest": self.digest, "size": self.data.len() })
    }
}

pub fn sha256(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

/// A tar entry of a test layer.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: Vec<u8>,
    pub content: Vec<u8>,
    pub raw: bool,
}

/// A layer: its entries (a name ending in `/` is a directory; `.wh.` names are whiteouts, written
/// as empty files) and the build step that made it.
#[derive(Debug, Clone)]
pub struct Layer {
    pub created_by: String,
    /// Names with `raw` set go into the header byte for byte, unchecked.
    pub entries: Vec<Entry>,
    pub compression: Compression,
}

impl Layer {
    pub fn new(created_by: &str) -> Layer {
        Layer {
            created_by: created_by.to_string(),
            entries: Vec::new(),
            compression: Compression::Gzip,
        }
    }

    pub fn file(mut self, name: &str, content: impl AsRef<[u8]>) -> Layer {
        self.entries.push(Entry {
            name: name.as_bytes().to_vec(),
            content: content.as_ref().to_vec(),
            raw: false,
        });
        self
    }

    /// An entry whose name is written into the header as raw bytes (`..`, control characters,
    /// bytes that are not UTF-8: what a hostile image may hold).
    pub fn raw_file(mut self, name: &[u8], content: impl AsRef<[u8]>) -> Layer {
        self.entries.push(Entry {
            name: name.to_vec(),
            content: content.as_ref().to_vec(),
            raw: true,
        });
        self
    }

    pub fn zstd(mut self) -> Layer {
        self.compression = Compression::Zstd;
        self
    }

    /// The uncompressed tar.
    pub fn tar(&self) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for Entry { name, content, raw } in &self.entries {
            let mut h = tar::Header::new_ustar();
            h.set_mtime(1_700_000_000);
            if *raw {
                let mut h = tar::Header::new_gnu();
                h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o644);
                h.set_size(content.len() as u64);
                h.set_mtime(1_700_000_000);
                h.set_cksum();
                b.append(&h, &content[..]).unwrap();
                continue;
            }
            let name = std::str::from_utf8(name).unwrap();
            if name.ends_with('/') {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                h.set_size(0);
                b.append_data(&mut h, name, &[][..]).unwrap();
            } else {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o644);
                h.set_size(content.len() as u64);
                b.append_data(&mut h, name, &content[..]).unwrap();
            }
        }
        b.into_inner().unwrap()
    }

    pub fn blob(&self) -> Blob {
        let tar = self.tar();
        match self.compression {
            Compression::Gzip => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(&tar).unwrap();
                Blob::new(
                    "application/vnd.oci.image.layer.v1.tar+gzip",
                    e.finish().unwrap(),
                )
            }
            Compression::Zstd => Blob::new(
                "application/vnd.oci.image.layer.v1.tar+zstd",
                zstd::encode_all(&tar[..], 3).unwrap(),
            ),
        }
    }
}

/// An image built from layers and a config.
#[derive(Debug, Clone)]
pub struct TestImage {
    pub layers: Vec<Layer>,
    pub layer_blobs: Vec<Blob>,
    pub config: Blob,
    pub manifest: Blob,
    pub platform: (String, String),
}

/// What goes in the config besides the layers.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    pub env: Vec<String>,
    /// History entries that made no layer (`ARG`, `ENV`), put before the layers' entries.
    pub empty_history: Vec<String>,
}

impl TestImage {
    pub fn build(layers: Vec<Layer>, extras: &Extras, platform: (&str, &str)) -> TestImage {
        let layer_blobs: Vec<Blob> = layers.iter().map(Layer::blob).collect();
        let diff_ids: Vec<String> = layers.iter().map(|l| sha256(&l.tar())).collect();
        let mut history: Vec<Value> = extras
            .empty_history
            .iter()
            .map(|c| json!({ "created_by": c, "empty_layer": true }))
            .collect();
        history.extend(layers.iter().map(|l| json!({ "created_by": l.created_by })));
        let env: Vec<String> = std::iter::once("PATH=/usr/bin:/bin".to_string())
            .chain(extras.env.iter().cloned())
            .collect();
        let config = json!({
            "architecture": platform.1,
            "os": platform.0,
            "config": { "Env": env, "Cmd": ["/bin/sh"] },
            "rootfs": { "type": "layers", "diff_ids": diff_ids },
            "history": history,
        });
        let config = Blob::new(OCI_CONFIG, serde_json::to_vec(&config).unwrap());
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": config.descriptor(),
            "layers": layer_blobs.iter().map(Blob::descriptor).collect::<Vec<_>>(),
        });
        let manifest = Blob::new(OCI_MANIFEST, serde_json::to_vec(&manifest).unwrap());
        TestImage {
            layers,
            layer_blobs,
            config,
            manifest,
            platform: (platform.0.to_string(), platform.1.to_string()),
        }
    }

    pub fn simple(layers: Vec<Layer>) -> TestImage {
        TestImage::build(layers, &Extras::default(), ("linux", "amd64"))
    }

    /// Every blob but the manifest.
    pub fn blobs(&self) -> Vec<&Blob> {
        let mut v: Vec<&Blob> = self.layer_blobs.iter().collect();
        v.push(&self.config);
        v
    }
}

/// An index of images, one per platform.
pub fn index_of(images: &[&TestImage]) -> Blob {
    let manifests: Vec<Value> = images
        .iter()
        .map(|i| {
            let mut d = i.manifest.descriptor();
            d["platform"] = json!({ "os": i.platform.0, "architecture": i.platform.1 });
            d
        })
        .collect();
    let index = json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests });
    Blob::new(OCI_INDEX, serde_json::to_vec(&index).unwrap())
}

fn write_blob(dir: &Path, blob: &Blob) {
    let path = dir.join("blobs/sha256").join(blob.hex());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, &blob.data).unwrap();
}

/// Writes an OCI layout directory holding `image`, tagged `tag`.
pub fn write_oci_dir(dir: &Path, image: &TestImage, tag: &str) {
    std::fs::create_dir_all(dir).unwrap();
    for b in image.blobs() {
        write_blob(dir, b);
    }
    write_blob(dir, &image.manifest);
    let mut d = image.manifest.descriptor();
    d["annotations"] = json!({ "org.opencontainers.image.ref.name": tag });
    let index = json!({ "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [d] });
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
}

/// Tars a directory's files (paths relative to it) into `out`.
pub fn tar_dir(dir: &Path, out: &Path) {
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    b.append_dir_all(".", dir).unwrap();
    b.finish().unwrap();
}

/// Writes `docker save` output (the classic layout: `HEX/layer.tar`, uncompressed, and
/// `HEX.json` for the config) for `image`, tagged `tag`.
pub fn write_docker_archive(out: &Path, image: &TestImage, tag: &str) {
    let mut b = tar::Builder::new(std::fs::File::create(out).unwrap());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(1_700_000_000);
        b.append_data(&mut h, name, data).unwrap();
    };
    let mut layer_paths = Vec::new();
    for layer in &image.layers {
        let tar = layer.tar();
        let hex = sha256(&tar)["sha256:".len()..].to_string();
        let path = format!("{hex}/layer.tar");
        add(&path, &tar);
        layer_paths.push(path);
    }
    let config_name = format!("{}.json", image.config.hex());
    add(&config_name, &image.config.data);
    let manifest = json!([{ "Config": config_name, "RepoTags": [tag], "Layers": layer_paths }]);
    add("manifest.json", &serde_json::to_vec(&manifest).unwrap());
    b.finish().unwrap();
}

impl TestImage {
    /// Replaces layer `i`'s blob (the manifest follows; the config does not).
    pub fn with_layer_blob(mut self, i: usize, blob: Blob) -> TestImage {
        self.layer_blobs[i] = blob;
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": self.config.descriptor(),
            "layers": self.layer_blobs.iter().map(Blob::descriptor).collect::<Vec<_>>(),
        });
        self.manifest = Blob::new(OCI_MANIFEST, serde_json::to_vec(&manifest).unwrap());
        self
    }
}
