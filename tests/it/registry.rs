//! A real registry for the image tests: Debian's `docker-registry` on a free loopback port with
//! temporary storage (optionally behind htpasswd), and pushes through its HTTP API (monolithic
//! blob uploads, manifest PUTs) over a plain TCP connection.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;

use crate::harness::{TestDir, require_tool};
use crate::imagefix::{Blob, TestImage};

const REGISTRY: &str = "docker-registry";

/// A running registry, stopped when dropped.
pub struct Registry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// `user:password` for a registry behind htpasswd.
    basic: Option<(String, String)>,
    _dir: TestDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A response: status and body.
pub struct Response {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

impl Registry {
    /// Starts a registry; `None` (after saying so) when `docker-registry` is missing outside CI.
    pub fn start() -> Option<Registry> {
        Registry::start_with(None)
    }

    /// Starts a registry that wants `user`/`password` (htpasswd, bcrypt).
    pub fn start_with_auth(user: &str, password: &str) -> Option<Registry> {
        if !require_tool("htpasswd") {
            return None;
        }
        Registry::start_with(Some((user.to_string(), password.to_string())))
    }

    fn start_with(basic: Option<(String, String)>) -> Option<Registry> {
        if !require_tool(REGISTRY) {
            return None;
        }
        let dir = TestDir::new();
        let port = free_port();
        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n\
             storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
             http:\n  addr: 127.0.0.1:{port}\n",
            dir.join("storage").display()
        );
        if let Some((user, password)) = &basic {
            let out = Command::new("htpasswd")
                .args(["-Bbn", user, password])
                .output()
                .expect("run htpasswd");
            assert!(out.status.success(), "htpasswd failed");
            let file = dir.write("htpasswd", &out.stdout);
            config.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: leakhound-test\n    path: {}\n",
                file.display()
            ));
        }
        let config_path = dir.write("config.yml", config);
        let child = Command::new(REGISTRY)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let registry = Registry {
            child,
            addr: format!("127.0.0.1:{port}"),
            basic,
            _dir: dir,
        };
        registry.wait_ready();
        Some(registry)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(r) = self.request("GET", "/v2/", &[], &[])
                && (r.status == 200 || r.status == 401)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("docker-registry did not answer on {} within 20s", self.addr);
    }

    /// One HTTP/1.1 request (the connection is closed after it).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Response> {
        let mut stream = TcpStream::connect(&self.addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        if let Some((user, password)) = &self.basic {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            head.push_str(&format!("Authorization: Basic {token}\r\n"));
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        stream.write_all(body)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP response");
        let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
        let status = headers
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status code");
        Ok(Response {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        })
    }

    /// Uploads a blob in one request (POST, then PUT with the digest).
    pub fn push_blob(&self, repo: &str, blob: &Blob) {
        let r = self
            .request("POST", &format!("/v2/{repo}/blobs/uploads/"), &[], &[])
            .unwrap();
        assert_eq!(r.status, 202, "upload start: {}", r.headers);
        let location = r.header("Location").expect("Location");
        let path = match location.find("/v2/") {
            Some(i) => location[i..].to_string(),
            None => location,
        };
        let sep = if path.contains('?') { '&' } else { '?' };
        let put = format!("{path}{sep}digest={}", blob.digest);
        let r = self
            .request(
                "PUT",
                &put,
                &[("Content-Type", "application/octet-stream")],
                &blob.data,
            )
            .unwrap();
        assert_eq!(r.status, 201, "blob upload: {}", r.headers);
    }

    pub fn push_manifest(&self, repo: &str, reference: &str, manifest: &Blob) {
        let r = self
            .request(
                "PUT",
                &format!("/v2/{repo}/manifests/{reference}"),
                &[("Content-Type", &manifest.media_type)],
                &manifest.data,
            )
            .unwrap();
        assert_eq!(
            r.status,
            201,
            "manifest PUT: {}\n{}",
            r.headers,
            String::from_utf8_lossy(&r.body)
        );
    }

    /// Pushes an image's blobs and manifest, tagged `tag` (or only by digest when `None`).
    pub fn push(&self, repo: &str, tag: Option<&str>, image: &TestImage) {
        for b in image.blobs() {
            self.push_blob(repo, b);
        }
        self.push_manifest(repo, tag.unwrap_or(&image.manifest.digest), &image.manifest);
    }

    /// Removes a blob from a repository (its manifest stays).
    pub fn delete_blob(&self, repo: &str, digest: &str) {
        let r = self
            .request("DELETE", &format!("/v2/{repo}/blobs/{digest}"), &[], &[])
            .unwrap();
        assert_eq!(r.status, 202, "blob DELETE: {}", r.headers);
    }

    /// `127.0.0.1:PORT/repo:tag`.
    pub fn reference(&self, repo_tag: &str) -> String {
        format!("{}/{repo_tag}", self.addr)
    }
}
