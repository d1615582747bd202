//! Container images: pulled from a registry, or read from `docker save` output, an OCI layout
//! archive or an OCI layout directory. Each image (each platform of a multi-platform image) is a
//! target: its config's text and every regular file of every layer are scanned, streamed and
//! never unpacked; a layer shared by several images is scanned once per run. After the scan,
//! findings in files that a later layer deleted or overwrote are marked so.

mod archive;
mod auth;
mod config;
mod digest;
mod layer;
mod origin;
mod registry;
mod resolve;
mod spec;
mod store;
mod whiteout;

pub use auth::Auth;
pub use origin::{ConfigProvenance, Fate, ImageInfo, LayerInfo, LayerProvenance};
pub use registry::RegistryOptions;
pub use spec::Platform;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use anyhow::Context;

use super::{BlobSink, Diagnostics, Source, Target};
use crate::finding::Finding;
use layer::LayerJob;
use registry::Registry;
use spec::ImageConfig;
use store::Blobs;
use whiteout::LayerPaths;

/// One image to scan, as its manifest (or `docker save`'s `manifest.json`) describes it.
pub struct Image {
    /// How reports name it (as the user did).
    pub reference: String,
    pub manifest_digest: Option<String>,
    /// From the index entry; otherwise read from the config.
    pub platform: Option<Platform>,
    /// The config's key in `blobs`, and its digest when known.
    pub config_key: String,
    pub config_digest: Option<String>,
    /// Lowest first.
    pub layers: Vec<LayerRef>,
    pub blobs: Arc<dyn Blobs>,
}

/// A layer blob.
#[derive(Debug, Clone)]
pub struct LayerRef {
    pub key: String,
    /// The digest it is verified against (empty when unknown).
    pub digest: String,
    pub media_type: String,
}

/// What `leakhound image` scans.
pub struct ImageSource {
    /// Image references (`alpine:3.20`, `host:5000/repo@sha256:...`) or archives
    /// (`docker-archive:PATH`, `oci-archive:PATH`, `oci:DIR`, or a path to a `.tar`).
    pub refs: Vec<String>,
    /// Only these platforms of a multi-platform image; every one when empty.
    pub platforms: Vec<Platform>,
    pub registry: RegistryOptions,
    /// Layers streamed at once (per image).
    pub jobs: usize,
    client: OnceLock<Result<Arc<Registry>, String>>,
    /// The layers scanned so far in the run, by digest, with the paths each touched.
    layers: Mutex<HashMap<String, Option<Arc<LayerPaths>>>>,
}

impl ImageSource {
    pub fn new(refs: Vec<String>) -> ImageSource {
        ImageSource {
            refs,
            platforms: Vec::new(),
            registry: RegistryOptions::default(),
            jobs: 4,
            client: OnceLock::new(),
            layers: Mutex::new(HashMap::new()),
        }
    }

    fn client(&self) -> anyhow::Result<Arc<Registry>> {
        let client = self.client.get_or_init(|| {
            Registry::new(self.registry.clone())
                .map(Arc::new)
                .map_err(|e| format!("{e:#}"))
        });
        client.clone().map_err(anyhow::Error::msg)
    }

    /// The images one reference stands for.
    fn open(&self, name: &str) -> anyhow::Result<Vec<Image>> {
        let wanted = &self.platforms;
        // `oci:DIR:TAG` and `oci-archive:PATH:TAG` pick one image of a layout, as in skopeo.
        let tar = |text: &str, form: Option<archive::Form>| -> anyhow::Result<Vec<Image>> {
            let (path, tag) = archive::split_tag(text);
            let (blobs, found) = archive::open_tar(Path::new(path))?;
            let blobs: Arc<dyn Blobs> = Arc::new(blobs);
            match form.unwrap_or(found) {
                archive::Form::Docker => archive::docker_images(blobs, name),
                archive::Form::Oci => archive::oci_images(blobs, name, tag, wanted),
            }
        };
        if let Some(path) = name.strip_prefix("docker-archive:") {
            return tar(path, Some(archive::Form::Docker));
        }
        if let Some(path) = name.strip_prefix("oci-archive:") {
            return tar(path, Some(archive::Form::Oci));
        }
        if let Some(text) = name.strip_prefix("oci:") {
            let (path, tag) = archive::split_tag(text);
            let blobs = archive::open_dir(Path::new(path))?;
            return archive::oci_images(Arc::new(blobs), name, tag, wanted);
        }
        let path = PathBuf::from(name);
        if path.is_file() {
            return tar(name, None);
        }
        if path.is_dir() {
            return archive::oci_images(Arc::new(archive::open_dir(&path)?), name, None, wanted);
        }
        let reference = name.strip_prefix("docker://").unwrap_or(name);
        self.client()?.images(reference, wanted)
    }
}

impl Source for ImageSource {
    fn targets(&self) -> Box<dyn Iterator<Item = Box<dyn Target + '_>> + '_> {
        Box::new(self.refs.iter().flat_map(move |name| {
            let targets: Vec<Box<dyn Target + '_>> = match self.open(name) {
                Ok(images) => images
                    .into_iter()
                    .map(|image| Box::new(ImageTarget::new(self, image)) as Box<dyn Target>)
                    .collect(),
                Err(error) => vec![Box::new(Unopened {
                    name: name.clone(),
                    error: Some(error),
                })],
            };
            targets
        }))
    }
}

/// A reference that could not be opened: its target fails with the reason.
struct Unopened {
    name: String,
    error: Option<anyhow::Error>,
}

impl Target for Unopened {
    fn name(&self) -> String {
        self.name.clone()
    }

    fn scan(&mut self, _sink: &dyn BlobSink) -> anyhow::Result<()> {
        Err(self
            .error
            .take()
            .unwrap_or_else(|| anyhow::anyhow!("cannot open")))
    }
}

/// One image (one platform).
struct ImageTarget<'a> {
    source: &'a ImageSource,
    image: Image,
    info: Option<Arc<ImageInfo>>,
}

impl<'a> ImageTarget<'a> {
    fn new(source: &'a ImageSource, image: Image) -> ImageTarget<'a> {
        ImageTarget {
            source,
            image,
            info: None,
        }
    }

    fn read_config(&self) -> anyhow::Result<ImageConfig> {
        let data = self.image.blobs.read(&self.image.config_key)?;
        if let Some(d) = &self.image.config_digest {
            digest::verify(&data, d).context("image config")?;
        }
        serde_json::from_slice(&data).context("image config: not JSON of an image config")
    }

    /// Claims the layers no earlier image of the run has scanned.
    fn claim(&self, layers: &[LayerRef]) -> Vec<bool> {
        let mut seen = self.source.layers.lock().expect("layer table poisoned");
        layers
            .iter()
            .map(|l| l.digest.is_empty() || seen.insert(l.digest.clone(), None).is_none())
            .collect()
    }

    /// Streams the claimed layers, `jobs` at a time.
    fn scan_layers(&self, infos: &[Arc<LayerInfo>], info: &Arc<ImageInfo>, sink: &dyn BlobSink) {
        let claimed = self.claim(&self.image.layers);
        let todo: Vec<usize> = (0..infos.len()).filter(|&i| claimed[i]).collect();
        let next = AtomicUsize::new(0);
        let finished = AtomicUsize::new(0);
        let total = todo.len() as u64;
        sink.parts("layers", 0, total);
        let finished = &finished;
        let workers = self.source.jobs.clamp(1, todo.len().max(1));
        let (small, files) = crossbeam_channel::bounded::<layer::SmallFile>(64);
        let (todo, next) = (&todo, &next);
        std::thread::scope(|s| {
            // Decompression is sequential within a layer: scanning its files on other threads
            // keeps every core busy even for an image with one big layer.
            for _ in 0..rayon::current_num_threads().max(1) {
                let files = files.clone();
                s.spawn(move || {
                    for (origin, data) in files {
                        sink.scan_bytes(origin, &data);
                    }
                });
            }
            for _ in 0..workers {
                let small = small.clone();
                s.spawn(move || {
                    while let Some(&i) = todo.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let l = &self.image.layers[i];
                        let paths = LayerJob {
                            blobs: &*self.image.blobs,
                            key: &l.key,
                            media_type: &l.media_type,
                            image: info.clone(),
                            layer: infos[i].clone(),
                            small: &small,
                        }
                        .run(sink);
                        self.remember(l, paths);
                        let done = finished.fetch_add(1, Ordering::Relaxed) as u64 + 1;
                        sink.parts("layers", done, total);
                    }
                });
            }
            // The scanning threads end when the last layer thread drops its sender.
            drop(small);
        });
    }

    /// How the run's layer table knows a layer: its digest, or where it was read when it has
    /// none.
    fn layer_key(&self, layer: &LayerRef) -> String {
        if layer.digest.is_empty() {
            format!("{}#{}", self.image.reference, layer.key)
        } else {
            layer.digest.clone()
        }
    }

    fn remember(&self, layer: &LayerRef, paths: Option<LayerPaths>) {
        let key = self.layer_key(layer);
        let mut seen = self.source.layers.lock().expect("layer table poisoned");
        seen.insert(key, paths.map(Arc::new));
    }

    /// The paths each layer touched, lowest first (`None` where unknown).
    fn layer_paths(&self) -> Vec<Option<Arc<LayerPaths>>> {
        let seen = self.source.layers.lock().expect("layer table poisoned");
        self.image
            .layers
            .iter()
            .map(|l| seen.get(&self.layer_key(l)).cloned().flatten())
            .collect()
    }
}

impl Target for ImageTarget<'_> {
    fn name(&self) -> String {
        match &self.image.platform {
            Some(p) => format!("{} ({p})", self.image.reference),
            None => self.image.reference.clone(),
        }
    }

    fn scan(&mut self, sink: &dyn BlobSink) -> anyhow::Result<()> {
        let config = self.read_config()?;
        let info = Arc::new(ImageInfo {
            reference: self.image.reference.clone(),
            manifest_digest: self.image.manifest_digest.clone(),
            config_digest: self.image.config_digest.clone().unwrap_or_default(),
            platform: self.image.platform.clone().or_else(|| config.platform()),
        });
        if let Some(p) = &info.platform
            && !self.source.platforms.is_empty()
            && !self.source.platforms.iter().any(|w| p.matches(w))
        {
            sink.note(&format!(
                "{}: skipped, its platform {p} is not one --platform names",
                self.image.reference
            ));
            return Ok(());
        }
        self.info = Some(info.clone());
        config::scan(&config, &info, sink);
        let history = config.layer_history();
        let infos: Vec<Arc<LayerInfo>> = self
            .image
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let created_by = history.get(i).cloned().flatten();
                Arc::new(LayerInfo::new(i + 1, l.digest.clone(), created_by))
            })
            .collect();
        self.scan_layers(&infos, &info, sink);
        Ok(())
    }

    /// Marks findings in files that a later layer deleted or overwrote.
    fn resolve(&mut self, findings: &[Finding], _diag: &dyn Diagnostics) -> anyhow::Result<()> {
        let Some(info) = &self.info else {
            return Ok(());
        };
        let paths = self.layer_paths();
        let layers: Vec<Option<&LayerPaths>> = paths.iter().map(|p| p.as_deref()).collect();
        for f in findings {
            let root = f.origin.root().level();
            let Some(p) = root.as_any().downcast_ref::<LayerProvenance>() else {
                continue;
            };
            if Arc::ptr_eq(&p.image, info) {
                p.set_fate(whiteout::fate(&layers, p.layer.number - 1, &p.path));
            }
        }
        Ok(())
    }
}
