//! Flag groups shared by the scanning commands.

use std::path::PathBuf;

use crate::report::Format;
use clap::builder::TypedValueParser as _;
use clap::{Args, ValueEnum};

/// The flag groups every scanning command (`dir`, `git`, `hook`) has.
#[derive(Debug, Clone, Args)]
pub struct ScanFlags {
    #[command(flatten)]
    pub rules: RuleArgs,
    #[command(flatten)]
    pub scan: ScanArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub triage: TriageArgs,
    #[command(flatten)]
    pub identity: IdentityArgs,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Identity")]
pub struct IdentityArgs {
    /// Link findings to the identities in this inventory (YAML or JSON; docs/identities.md).
    #[arg(long = "identities", value_name = "FILE")]
    pub identities: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Rules")]
pub struct RuleArgs {
    /// Add user rules from a rule file or a directory of *.toml files (repeatable).
    #[arg(long = "rules", value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Use only these rules (comma-separated ids; a trailing `*` matches a prefix: `aws.*`).
    #[arg(long = "only-rules", value_name = "IDS", value_delimiter = ',')]
    pub only_rules: Vec<String>,
    /// Do not use this rule (repeatable or comma-separated; `*` as above).
    #[arg(long = "disable-rule", value_name = "ID", value_delimiter = ',')]
    pub disable_rule: Vec<String>,
    /// Leave out the built-in rule pack (use only --rules).
    #[arg(long = "no-builtin-rules")]
    pub no_builtin_rules: bool,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Scanning")]
pub struct ScanArgs {
    /// Skip files larger than this (e.g. 25MiB, 512K, 1G; K/M/G are powers of 1024)
    /// [default: 25MiB, or max_file_size from the configuration].
    #[arg(long = "max-file-size", value_name = "SIZE")]
    pub max_file_size: Option<String>,
    /// Scan files that look binary (a NUL byte in the first 8 KiB) instead of skipping them.
    #[arg(long = "scan-binary")]
    pub scan_binary: bool,
    /// Worker threads (default: one per core).
    #[arg(short = 'j', long = "threads", value_name = "N", default_value_t = 0)]
    pub threads: usize,
    /// Never draw the progress line.
    #[arg(long = "no-progress")]
    pub no_progress: bool,
    /// Open archives and compressed files (gzip) inside files, blobs and layers this many levels
    /// deep; 0 scans them as they are.
    #[arg(long = "max-archive-depth", value_name = "N", default_value_t = 3)]
    pub max_archive_depth: u8,
    /// Decode encoded text (base64) and scan what it holds, this many levels deep; 0 turns
    /// decoding off.
    #[arg(long = "max-decode-depth", value_name = "N", default_value_t = 2)]
    pub max_decode_depth: u8,
    /// Bytes read per step of a large file (tests use it to force chunk boundaries).
    #[arg(long = "chunk-size", value_name = "SIZE", hide = true)]
    pub chunk_size: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format.
    #[arg(
        short = 'f',
        long = "format",
        default_value = "human",
        value_parser = clap::builder::PossibleValuesParser::new(Format::names())
            .map(|name: String| Format::named(&name).expect("a listed format"))
    )]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print secrets in clear. Without it every output shows only a secret's first characters.
    #[arg(long = "show-secrets")]
    pub show_secrets: bool,
    /// When to colour the human format.
    #[arg(long = "color", value_enum, default_value = "auto")]
    pub color: ColorArg,
    /// Also write the report in FORMAT to FILE (repeatable): `--report sarif=leakhound.sarif`.
    #[arg(long = "report", value_name = "FORMAT=FILE")]
    pub reports: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LevelArg {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Triage")]
pub struct TriageArgs {
    /// Read the project configuration from FILE [default: .leakhound.toml at the project root].
    #[arg(long = "config", value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Do not read .leakhound.toml.
    #[arg(long = "no-config")]
    pub no_config: bool,
    /// Fingerprints to ignore [default: .leakhoundignore at the project root].
    #[arg(long = "ignore-file", value_name = "FILE")]
    pub ignore_file: Option<PathBuf>,
    /// Report `leakhound:allow` lines too (an audit of what the comments hide).
    #[arg(long = "no-inline-allow")]
    pub no_inline_allow: bool,
    /// Report only findings that are not in this baseline (a leakhound json or jsonl report).
    #[arg(long = "baseline", value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the findings (all of them, baselined ones included) as a new baseline to FILE.
    #[arg(long = "baseline-out", value_name = "FILE")]
    pub baseline_out: Option<PathBuf>,
    /// Drop findings of rules below this confidence [default: low, or min_confidence from the
    /// configuration].
    #[arg(long = "min-confidence", value_enum, value_name = "LEVEL")]
    pub min_confidence: Option<LevelArg>,
    /// Exit 1 only for findings at or above this confidence; weaker ones are still reported.
    #[arg(
        long = "fail-on",
        value_enum,
        value_name = "LEVEL",
        default_value = "low"
    )]
    pub fail_on: LevelArg,
}
