//! Registry credentials: given on the command line, or read the way `docker login` stores them
//! (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`: `auths` entries, `credHelpers` and
//! `credsStore` run as `docker-credential-NAME get`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use base64::Engine as _;
use serde::Deserialize;

/// What to present to one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    Anonymous,
    Basic {
        username: String,
        password: String,
    },
    /// An OAuth refresh token that `docker login` kept (`identitytoken`).
    IdentityToken(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Anonymous => f.write_str("Anonymous"),
            Credential::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
            Credential::IdentityToken(_) => f.write_str("IdentityToken(<redacted>)"),
        }
    }
}

/// Where credentials come from.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    /// `--registry-username` with the password read from standard input; used for every
    /// registry named.
    pub explicit: Option<(String, String)>,
    /// The Docker config file; `None` for the usual place.
    pub docker_config: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// The names one registry goes by in a config file (Docker Hub has several).
fn aliases(host: &str) -> Vec<&str> {
    match host {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => {
            vec!["docker.io", "index.docker.io", "registry-1.docker.io"]
        }
        h => vec![h],
    }
}

/// `https://index.docker.io/v1/` -> `index.docker.io`.
fn key_host(key: &str) -> &str {
    let rest = key.split_once("://").map_or(key, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

impl Auth {
    fn config_path(&self) -> Option<PathBuf> {
        if let Some(p) = &self.docker_config {
            return Some(p.clone());
        }
        if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
            return Some(PathBuf::from(dir).join("config.json"));
        }
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker/config.json"))
    }

    /// The credential for `host` (`host[:port]`, as in the image reference).
    pub fn for_registry(&self, host: &str) -> anyhow::Result<Credential> {
        if let Some((username, password)) = &self.explicit {
            return Ok(Credential::Basic {
                username: username.clone(),
                password: password.clone(),
            });
        }
        let Some(path) = self.config_path().filter(|p| p.is_file()) else {
            return Ok(Credential::Anonymous);
        };
        let text = std::fs::read(&path).with_context(|| format!("{}", path.display()))?;
        let config: DockerConfig =
            serde_json::from_slice(&text).with_context(|| format!("{}", path.display()))?;
        config.credential(host)
    }
}

impl DockerConfig {
    fn credential(&self, host: &str) -> anyhow::Result<Credential> {
        let names = aliases(host);
        let helper = names
            .iter()
            .find_map(|n| self.cred_helpers.get(*n))
            .or(self.creds_store.as_ref());
        if let Some(helper) = helper
            && let Some(c) = run_helper(helper, host)?
        {
            return Ok(c);
        }
        let entry = self
            .auths
            .iter()
            .find(|(k, _)| names.contains(&key_host(k)))
            .map(|(_, e)| e);
        match entry {
            Some(e) => e.credential(),
            None => Ok(Credential::Anonymous),
        }
    }
}

impl AuthEntry {
    fn credential(&self) -> anyhow::Result<Credential> {
        if let Some(token) = self.identitytoken.as_ref().filter(|t| !t.is_empty()) {
            return Ok(Credential::IdentityToken(token.clone()));
        }
        if let Some(auth) = self.auth.as_ref().filter(|a| !a.is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .context("the `auth` entry is not base64")?;
            let text = String::from_utf8(decoded).context("the `auth` entry is not UTF-8")?;
            let Some((username, password)) = text.split_once(':') else {
                bail!("the `auth` entry is not base64 of user:password");
            };
            return Ok(Credential::Basic {
                username: username.to_string(),
                password: password.to_string(),
            });
        }
        match (&self.username, &self.password) {
            (Some(u), Some(p)) => Ok(Credential::Basic {
                username: u.clone(),
                password: p.clone(),
            }),
            _ => Ok(Credential::Anonymous),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperReply {
    username: String,
    secret: String,
}

/// Asks `docker-credential-NAME get` for `host`; `None` when the helper is not installed or
/// knows no credentials for the host.
fn run_helper(name: &str, host: &str) -> anyhow::Result<Option<Credential>> {
    let program = format!("docker-credential-{name}");
    let child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("running {program}")),
    };
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(host.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    if !out.status.success() {
        // "credentials not found in native keychain": anonymous, as docker does.
        return Ok(None);
    }
    let reply: HelperReply =
        serde_json::from_slice(&out.stdout).with_context(|| format!("{program} get: reply"))?;
    Ok(Some(if reply.username == "<token>" {
        Credential::IdentityToken(reply.secret)
    } else {
        Credential::Basic {
            username: reply.username,
            password: reply.secret,
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auths_entries_are_found_under_any_name_of_the_host() {
        let config: DockerConfig = serde_json::from_str(
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"},
                "reg.example:5000":{"identitytoken":"tok"}}}"#,
        )
        .unwrap();
        assert_eq!(
            config.credential("docker.io").unwrap(),
            Credential::Basic {
                username: "u".into(),
                password: "p".into()
            }
        );
        assert_eq!(
            config.credential("reg.example:5000").unwrap(),
            Credential::IdentityToken("tok".into())
        );
        assert_eq!(
            config.credential("other.example").unwrap(),
            Credential::Anonymous
        );
    }
}
