//! Pulling from a registry with `oci-client`. It is async: this file owns a small tokio runtime
//! and turns each blob's byte stream into a blocking reader, so the rest of the scan stays
//! synchronous and a layer is never held whole in memory.

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, anyhow};
use futures_util::{Stream, StreamExt};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference, client::ClientConfig, client::ClientProtocol};

use super::Image;
use super::auth::{Auth, Credential};
use super::resolve::{Found, Resolver, image_of, parse};
use super::spec::{MANIFEST_TYPES, Platform};
use super::store::Blobs;

/// How registries are reached.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// `host[:port]` reached over plain HTTP; every other registry over HTTPS only.
    pub insecure: Vec<String>,
    pub auth: Auth,
}

/// A registry client and the runtime it runs on; shared by every image of a run.
pub struct Registry {
    runtime: tokio::runtime::Runtime,
    client: Client,
    auth: Auth,
    credentials: Mutex<HashMap<String, RegistryAuth>>,
}

impl Registry {
    pub fn new(options: RegistryOptions) -> anyhow::Result<Registry> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("leakhound-registry")
            .enable_all()
            .build()
            .context("starting the registry client")?;
        let config = ClientConfig {
            protocol: ClientProtocol::HttpsExcept(options.insecure),
            platform_resolver: None,
            connect_timeout: Some(Duration::from_secs(20)),
            read_timeout: Some(Duration::from_secs(120)),
            user_agent: concat!("leakhound/", env!("CARGO_PKG_VERSION")),
            ..ClientConfig::default()
        };
        Ok(Registry {
            runtime,
            client: Client::new(config),
            auth: options.auth,
            credentials: Mutex::new(HashMap::new()),
        })
    }

    fn credential(&self, reference: &Reference) -> anyhow::Result<RegistryAuth> {
        let host = reference.registry().to_string();
        let mut cache = self.credentials.lock().expect("credential cache poisoned");
        if let Some(c) = cache.get(&host) {
            return Ok(c.clone());
        }
        let auth = match self.auth.for_registry(&host)? {
            Credential::Anonymous => RegistryAuth::Anonymous,
            Credential::Basic { username, password } => RegistryAuth::Basic(username, password),
            // Token services take a refresh token as the password of the user `<token>`.
            Credential::IdentityToken(t) => RegistryAuth::Basic("<token>".into(), t),
        };
        cache.insert(host, auth.clone());
        Ok(auth)
    }

    /// A manifest or index by reference, and its digest.
    fn manifest(&self, reference: &Reference) -> anyhow::Result<(Vec<u8>, String)> {
        let auth = self.credential(reference)?;
        let (body, digest) = self
            .runtime
            .block_on(
                self.client
                    .pull_manifest_raw(reference, &auth, &MANIFEST_TYPES),
            )
            .map_err(|e| explain(e, &format!("manifest {}", reference.whole())))?;
        Ok((body.to_vec(), digest))
    }

    /// The images `name` stands for: one, or one per platform of an index.
    pub fn images(self: &Arc<Self>, name: &str, wanted: &[Platform]) -> anyhow::Result<Vec<Image>> {
        let reference: Reference = name
            .parse()
            .with_context(|| format!("{name:?} is not an image reference"))?;
        let (body, digest) = self.manifest(&reference)?;
        let root = parse(&body)?;
        let found = if root.is_index() {
            let fetch = |d: &str| {
                let by_digest = Reference::with_digest(
                    reference.registry().to_string(),
                    reference.repository().to_string(),
                    d.to_string(),
                );
                self.manifest(&by_digest).map(|(b, _)| b)
            };
            Resolver {
                fetch: &fetch,
                wanted,
            }
            .index(&root)?
        } else {
            vec![Found {
                digest: Some(digest),
                platform: None,
                manifest: root,
                ref_name: None,
            }]
        };
        let blobs: Arc<dyn Blobs> = Arc::new(RegistryBlobs {
            registry: self.clone(),
            reference: reference.clone(),
        });
        found
            .into_iter()
            .map(|f| image_of(f, name.to_string(), blobs.clone(), |d| Ok(d.to_string())))
            .collect()
    }
}

/// An error a person can act on, from what the client returned.
fn explain(e: OciDistributionError, what: &str) -> anyhow::Error {
    let text = match &e {
        OciDistributionError::UnauthorizedError { .. } => {
            "401 unauthorized: the registry wants credentials (docker login, or \
             --registry-username with --registry-password-stdin), or refused the ones given"
                .to_string()
        }
        OciDistributionError::AuthenticationFailure(m) => format!("authentication failed: {m}"),
        OciDistributionError::ImageManifestNotFoundError(_) => "404 not found".to_string(),
        OciDistributionError::RegistryError { envelope, .. } => {
            let codes: Vec<String> = envelope
                .errors
                .iter()
                .map(|err| match err.code {
                    OciErrorCode::ManifestUnknown | OciErrorCode::NameUnknown => {
                        "404 not found (no such image or tag)".to_string()
                    }
                    OciErrorCode::BlobUnknown => "404 blob missing from the registry".to_string(),
                    OciErrorCode::Denied => "403 access denied".to_string(),
                    OciErrorCode::Unauthorized => "401 unauthorized".to_string(),
                    OciErrorCode::Toomanyrequests => {
                        "429 too many requests (rate limited; try later or log in)".to_string()
                    }
                    _ => format!("{:?}: {}", err.code, err.message),
                })
                .collect();
            codes.join("; ")
        }
        OciDistributionError::ServerError { code, message, .. } => match code {
            403 => "403 forbidden".to_string(),
            404 => "404 not found".to_string(),
            429 => "429 too many requests (rate limited; try later or log in)".to_string(),
            c if *c >= 500 => format!("{c} registry server error: {}", message.trim()),
            c => format!("HTTP {c}: {}", message.trim()),
        },
        other => format!("{other}"),
    };
    anyhow!("{what}: {text}")
}

/// Blobs of one repository, by digest.
struct RegistryBlobs {
    registry: Arc<Registry>,
    reference: Reference,
}

impl Blobs for RegistryBlobs {
    fn open(&self, key: &str) -> anyhow::Result<Box<dyn Read + Send + '_>> {
        let r = &self.registry;
        r.credential(&self.reference)?;
        let sized = r
            .runtime
            .block_on(r.client.pull_blob_stream(&self.reference, key))
            .map_err(|e| explain(e, &format!("blob {key}")))?;
        Ok(Box::new(StreamReader {
            handle: r.runtime.handle().clone(),
            stream: sized.stream,
            chunk: Vec::new(),
            pos: 0,
            done: false,
        }))
    }

    fn exists(&self, _key: &str) -> bool {
        true
    }
}

/// A blob's byte stream read one chunk at a time from a blocking thread.
struct StreamReader<S> {
    handle: tokio::runtime::Handle,
    stream: S,
    chunk: Vec<u8>,
    pos: usize,
    /// The stream ended: it must not be polled again (a verifying stream would check again).
    done: bool,
}

impl<S, B> Read for StreamReader<S>
where
    S: Stream<Item = io::Result<B>> + Unpin,
    B: AsRef<[u8]>,
{
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.chunk.len() {
            if self.done {
                return Ok(0);
            }
            match self.handle.block_on(self.stream.next()) {
                Some(Ok(bytes)) => {
                    self.chunk.clear();
                    self.chunk.extend_from_slice(bytes.as_ref());
                    self.pos = 0;
                }
                Some(Err(e)) => return Err(e),
                None => self.done = true,
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_errors_say_what_the_status_means() {
        let server = |code: u16| {
            let e = OciDistributionError::ServerError {
                code,
                url: "https://r.example/v2/a/manifests/1".into(),
                message: "busy ".into(),
            };
            explain(e, "manifest r.example/a:1").to_string()
        };
        assert_eq!(server(403), "manifest r.example/a:1: 403 forbidden");
        assert!(server(429).contains("429 too many requests"));
        assert_eq!(
            server(503),
            "manifest r.example/a:1: 503 registry server error: busy"
        );
        let unauthorized = OciDistributionError::UnauthorizedError { url: String::new() };
        assert!(
            explain(unauthorized, "x")
                .to_string()
                .contains("401 unauthorized")
        );
    }

    #[test]
    fn docker_hub_short_names_are_completed() {
        let r: Reference = "alpine:3.20".parse().unwrap();
        assert_eq!(r.whole(), "docker.io/library/alpine:3.20");
        let r: Reference = "host:5000/team/app@sha256:0123456789012345678901234567890123456789012345678901234567890123"
            .parse()
            .unwrap();
        assert_eq!(r.registry(), "host:5000");
        assert_eq!(r.repository(), "team/app");
    }
}
