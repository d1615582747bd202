//! `leakhound image`: container images from a registry, `docker save` output or OCI layouts.

use std::io::Read;

use anyhow::{Context, bail};
use clap::Args;

use super::Exit;
use super::args::ScanFlags;
use super::run::scan_and_report;
use crate::source::image::{Auth, ImageSource, Platform, RegistryOptions};

#[derive(Debug, Args)]
pub struct ImageArgs {
    /// Images: `alpine:3.20`, `host:5000/repo:tag`, `repo@sha256:...`, `docker-archive:PATH`
    /// (`docker save` output), `oci-archive:PATH[:TAG]`, `oci:DIR[:TAG]`, or a path to a `.tar`.
    #[arg(value_name = "REF", required = true)]
    pub refs: Vec<String>,
    /// Only this platform of a multi-platform image, `os/arch[/variant]` (repeatable; default:
    /// every platform).
    #[arg(long = "platform", value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Vec<String>,
    /// Reach this registry (`host[:port]`) over plain HTTP (repeatable). Never done otherwise.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    pub insecure_registry: Vec<String>,
    /// Log in to registries as USER; the password is read from standard input
    /// (with --registry-password-stdin).
    #[arg(
        long = "registry-username",
        value_name = "USER",
        requires = "registry_password_stdin"
    )]
    pub registry_username: Option<String>,
    /// Read the registry password (or token) from standard input.
    #[arg(long = "registry-password-stdin", requires = "registry_username")]
    pub registry_password_stdin: bool,
    /// Layers downloaded and scanned at once, per image.
    #[arg(long = "jobs", value_name = "N", default_value_t = 4)]
    pub jobs: usize,
    #[command(flatten)]
    pub flags: ScanFlags,
}

pub fn run(args: ImageArgs) -> anyhow::Result<Exit> {
    let platforms = args
        .platform
        .iter()
        .map(|p| {
            Platform::parse(p)
                .with_context(|| format!("--platform takes os/arch[/variant], got {p:?}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let explicit = match args.registry_username {
        Some(user) => Some((user, read_password()?)),
        None => None,
    };
    scan_and_report(&args.flags, Some(std::path::Path::new(".")), |_| {
        let mut source = ImageSource::new(args.refs);
        source.platforms = platforms;
        source.jobs = args.jobs.max(1);
        source.registry = RegistryOptions {
            insecure: args.insecure_registry,
            auth: Auth {
                explicit,
                docker_config: None,
            },
        };
        Ok(Box::new(source))
    })
}

/// The password from standard input, without the line end a pipe or here-string adds.
fn read_password() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the registry password from standard input")?;
    let password = text.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        bail!("--registry-password-stdin: standard input is empty");
    }
    Ok(password)
}
