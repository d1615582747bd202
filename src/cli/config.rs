//! [`ScanConfig`]: every setting of a scan, validated and defaulted, and the components it builds.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::args::{ColorArg, LevelArg, OutputArgs, RuleArgs, ScanArgs, ScanFlags, TriageArgs};
use crate::config::{ConfigError, ProjectConfig, parse_size};
use crate::engine::Engine;
use crate::enrich::Inventory;
use crate::extract::Limits;
use crate::report::{Format, ReportOptions};
use crate::rules::{Confidence, RuleLoader, RuleSelection};
use crate::scan::{DEFAULT_CHUNK_SIZE, DEFAULT_MAX_FILE_SIZE, ScanOptions};
use crate::triage::{Baseline, IGNORE_FILE_NAME, IgnoreList, Triage};

/// Where and how the report is written.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    pub format: Format,
    pub path: Option<PathBuf>,
    pub report: ReportOptions,
}

impl OutputConfig {
    /// Opens the destination now, so a bad `--output` fails before any scanning.
    pub fn open(&self) -> anyhow::Result<Destination> {
        match &self.path {
            Some(p) => Destination::file(p),
            None => Ok(Destination::Stdout),
        }
    }
}

/// Where a report goes. A file is written beside its final place and renamed over it only when
/// the report is complete: an interrupted scan never leaves a truncated report or destroys the
/// previous one, and a report naming a file being scanned does not empty it first.
pub enum Destination {
    Stdout,
    File {
        temp: tempfile::NamedTempFile,
        path: PathBuf,
    },
}

impl Destination {
    pub fn file(path: &Path) -> anyhow::Result<Destination> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let temp = tempfile::Builder::new()
            .prefix(".leakhound-")
            .suffix(".partial")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Destination::File {
            temp,
            path: path.to_path_buf(),
        })
    }

    /// A writer for the report (a second handle to the same file).
    pub fn writer(&self) -> anyhow::Result<Box<dyn Write>> {
        Ok(match self {
            Destination::Stdout => Box::new(BufWriter::new(io::stdout())),
            Destination::File { temp, path } => Box::new(BufWriter::new(
                temp.as_file()
                    .try_clone()
                    .with_context(|| format!("cannot write {}", path.display()))?,
            )),
        })
    }

    /// Puts a finished report in place.
    pub fn commit(self) -> anyhow::Result<()> {
        if let Destination::File { temp, path } = self {
            temp.persist(&path)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }
}

/// The validated settings of one scanning command.
#[derive(Debug)]
pub struct ScanConfig {
    pub rules: RuleLoader,
    pub scan: ScanOptions,
    pub output: OutputConfig,
    /// More reports to write (`--report FORMAT=FILE`).
    pub extra_reports: Vec<(Format, PathBuf)>,
    pub triage: Triage,
    /// Findings at or above this confidence make the exit code 1.
    pub fail_on: Confidence,
    /// Where to write a new baseline.
    pub baseline_out: Option<PathBuf>,
    /// The identity inventory findings are linked to (`--identities`).
    pub inventory: Option<Inventory>,
}

/// `--ignore-file`, or `.leakhoundignore` at the project root when there is one.
fn ignore_list(flag: Option<&Path>, root: Option<&Path>) -> anyhow::Result<IgnoreList> {
    Ok(match (flag, root) {
        (Some(p), _) => IgnoreList::load(p)?,
        (None, Some(root)) if root.join(IGNORE_FILE_NAME).is_file() => {
            let path = root.join(IGNORE_FILE_NAME);
            // Found in the scanned tree: a link could make leakhound read (and quote, in an
            // error) a file outside it.
            if path.symlink_metadata()?.file_type().is_symlink() {
                bail!(
                    "{}: is a symbolic link; an ignore file found in the scanned tree is read \
                     only when it is a regular file (pass it with --ignore-file to trust it)",
                    path.display()
                );
            }
            IgnoreList::load(&path)?
        }
        _ => IgnoreList::default(),
    })
}

impl ScanConfig {
    /// Validates the flags and reads the project's files (`.leakhound.toml`, `.leakhoundignore`,
    /// the baseline) from `root` (the scanned directory or repository) unless flags name others.
    /// Flags win over the configuration file.
    pub fn new(flags: &ScanFlags, root: Option<&Path>) -> anyhow::Result<Self> {
        let ScanFlags {
            rules,
            scan,
            output,
            triage,
            identity,
        } = flags;
        let project = if triage.no_config {
            ProjectConfig::none()
        } else {
            ProjectConfig::discover(triage.config.as_deref(), root).map_err(config_errors)?
        };
        let extra_reports = output
            .reports
            .iter()
            .map(|r| parse_report(r))
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(ScanConfig {
            rules: rule_loader_for(rules, &project),
            scan: scan_options(scan, &project)?,
            output: output_config(output),
            extra_reports,
            fail_on: level(triage.fail_on),
            baseline_out: triage.baseline_out.clone(),
            inventory: identity
                .identities
                .as_deref()
                .map(Inventory::load)
                .transpose()?,
            triage: triage_config(triage, project, root)?,
        })
    }

    /// Loads and compiles the rules; every rule-file problem is printed with its file and line.
    pub fn engine(&self) -> anyhow::Result<Engine> {
        load_engine(&self.rules)
    }
}

/// The rules: the flags' selection, with the project's extra and disabled rules.
fn rule_loader_for(rules: &RuleArgs, project: &ProjectConfig) -> RuleLoader {
    let mut loader = rule_loader(rules);
    loader.builtin &= project.extend_default;
    loader.paths.extend(project.rule_files.iter().cloned());
    loader
        .selection
        .disabled
        .extend(project.disabled_rules.iter().cloned());
    if let (Some(text), Some(path)) = (&project.inline_rules, &project.path) {
        loader
            .embedded
            .push((path.display().to_string(), text.clone()));
    }
    loader
}

/// What to read and how: flags first, then the project's `max_file_size`, then defaults.
fn scan_options(scan: &ScanArgs, project: &ProjectConfig) -> anyhow::Result<ScanOptions> {
    let max_file_size = match &scan.max_file_size {
        Some(s) => parse_size(s)
            .map_err(anyhow::Error::msg)
            .context("--max-file-size")?,
        None => project.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
    };
    let chunk_size = match &scan.chunk_size {
        Some(s) => usize::try_from(
            parse_size(s)
                .map_err(anyhow::Error::msg)
                .context("--chunk-size")?,
        )?,
        None => DEFAULT_CHUNK_SIZE,
    };
    Ok(ScanOptions {
        max_file_size,
        scan_binary: scan.scan_binary,
        chunk_size,
        threads: scan.threads,
        progress: !scan.no_progress && io::stderr().is_terminal(),
        limits: Limits {
            max_archive_depth: scan.max_archive_depth,
            max_decode_depth: scan.max_decode_depth,
            ..Limits::default()
        },
    })
}

fn output_config(output: &OutputArgs) -> OutputConfig {
    let to_terminal = output.output.is_none() && io::stdout().is_terminal();
    let color = match output.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    OutputConfig {
        format: output.format,
        path: output.output.clone(),
        report: ReportOptions {
            reveal: output.show_secrets,
            color,
        },
    }
}

/// Triage: the ignore file (from the flag, or at the project root), the baseline, the project's
/// allowlists and minimum confidence.
fn triage_config(
    triage: &TriageArgs,
    project: ProjectConfig,
    root: Option<&Path>,
) -> anyhow::Result<Triage> {
    let ignore = ignore_list(triage.ignore_file.as_deref(), root)?;
    Ok(Triage {
        root: root.map(Path::to_path_buf),
        inline: !triage.no_inline_allow,
        ignore,
        min_confidence: triage.min_confidence.map(level).or(project.min_confidence),
        allowlists: project.allowlists,
        baseline: triage.baseline.as_deref().map(Baseline::load).transpose()?,
    })
}

fn config_errors(errors: Vec<ConfigError>) -> anyhow::Error {
    for e in &errors {
        eprintln!(
            "leakhound: configuration error: {}",
            crate::escape::visible(&e.to_string())
        );
    }
    anyhow::anyhow!(
        "{} problem{} in the configuration",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    )
}

fn level(l: LevelArg) -> Confidence {
    match l {
        LevelArg::Low => Confidence::Low,
        LevelArg::Medium => Confidence::Medium,
        LevelArg::High => Confidence::High,
    }
}

/// `sarif=out.sarif` -> (Sarif, "out.sarif").
fn parse_report(spec: &str) -> anyhow::Result<(Format, PathBuf)> {
    let Some((name, path)) = spec.split_once('=') else {
        bail!("--report takes FORMAT=FILE (e.g. sarif=leakhound.sarif), got {spec:?}");
    };
    if path.is_empty() {
        bail!("--report {spec:?}: no file after '='");
    }
    let format = name.parse::<Format>().map_err(anyhow::Error::msg)?;
    Ok((format, PathBuf::from(path)))
}

pub fn rule_loader(args: &RuleArgs) -> RuleLoader {
    RuleLoader {
        builtin: !args.no_builtin_rules,
        paths: args.rules.clone(),
        embedded: Vec::new(),
        selection: RuleSelection {
            only: args.only_rules.clone(),
            disabled: args.disable_rule.clone(),
        },
        examples: false,
    }
}

pub fn load_engine(loader: &RuleLoader) -> anyhow::Result<Engine> {
    match loader.load() {
        Ok(set) if set.is_empty() => bail!("no rules to scan with"),
        Ok(set) => Ok(Engine::new(set)),
        Err(errors) => {
            for e in &errors {
                eprintln!(
                    "leakhound: rule error: {}",
                    crate::escape::visible(&e.to_string())
                );
            }
            bail!(
                "{} problem{} in the rules",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            )
        }
    }
}
