//! The image config's text that ships with the image: each `Env` entry, each label, the
//! entrypoint and command, and every history line (`docker history` shows them, build arguments
//! included), scanned as blobs of their own.

use std::sync::Arc;

use super::origin::{ConfigProvenance, ImageInfo};
use super::spec::ImageConfig;
use crate::finding::Origin;
use crate::source::BlobSink;

/// Scans every text field of `config` that can hold a secret.
pub fn scan(config: &ImageConfig, image: &Arc<ImageInfo>, sink: &dyn BlobSink) {
    let emit = |field: String, text: &str| {
        let origin = Origin::new(ConfigProvenance {
            image: image.clone(),
            field,
        });
        sink.scan_bytes(Arc::new(origin), text.as_bytes());
    };
    if let Some(run) = &config.config {
        for (i, env) in run.env.iter().flatten().enumerate() {
            emit(format!("config:Env[{i}]"), env);
        }
        for (key, value) in run.labels.iter().flatten() {
            emit(format!("config:Labels[{key}]"), &format!("{key}={value}"));
        }
        if let Some(entrypoint) = &run.entrypoint {
            emit("config:Entrypoint".into(), &entrypoint.join(" "));
        }
        if let Some(cmd) = &run.cmd {
            emit("config:Cmd".into(), &cmd.join(" "));
        }
    }
    for (i, h) in config.history.iter().enumerate() {
        if let Some(created_by) = &h.created_by {
            emit(format!("history[{i}]"), created_by);
        }
    }
}
