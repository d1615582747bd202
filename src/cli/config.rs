//! [`ScanConfig`]: every setting of a scan, validated and defaulted, and the components it builds.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};

use super::args::{ColorArg, FormatArg, OutputArgs, RuleArgs, ScanArgs};
use crate::engine::Engine;
use crate::report::{Format, ReportOptions};
use crate::rules::{RuleLoader, RuleSelection};
use crate::scan::{DEFAULT_CHUNK_SIZE, ScanOptions};

/// Where and how the report is written.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    pub format: Format,
    pub path: Option<PathBuf>,
    pub report: ReportOptions,
}

impl OutputConfig {
    /// Opens the destination now, so a bad `--output` fails before any scanning.
    pub fn open(&self) -> anyhow::Result<Box<dyn Write>> {
        Ok(match &self.path {
            Some(p) => Box::new(BufWriter::new(
                File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
            )),
            None => Box::new(BufWriter::new(io::stdout().lock())),
        })
    }
}

/// The validated settings of one scanning command.
#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub rules: RuleLoader,
    pub scan: ScanOptions,
    pub output: OutputConfig,
}

impl ScanConfig {
    pub fn from_args(
        rules: &RuleArgs,
        scan: &ScanArgs,
        output: &OutputArgs,
    ) -> anyhow::Result<Self> {
        let max_file_size = parse_size(&scan.max_file_size).context("--max-file-size")?;
        let chunk_size = match &scan.chunk_size {
            Some(s) => usize::try_from(parse_size(s).context("--chunk-size")?)?,
            None => DEFAULT_CHUNK_SIZE,
        };
        let to_terminal = output.output.is_none() && io::stdout().is_terminal();
        let color = match output.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none(),
        };
        Ok(ScanConfig {
            rules: rule_loader(rules),
            scan: ScanOptions {
                max_file_size,
                scan_binary: scan.scan_binary,
                chunk_size,
                threads: scan.threads,
                progress: !scan.no_progress && io::stderr().is_terminal(),
            },
            output: OutputConfig {
                format: match output.format {
                    FormatArg::Human => Format::Human,
                    FormatArg::Json => Format::Json,
                    FormatArg::Jsonl => Format::Jsonl,
                    FormatArg::Sarif => Format::Sarif,
                    FormatArg::Github => Format::Github,
                    FormatArg::Junit => Format::Junit,
                    FormatArg::Markdown => Format::Markdown,
                },
                path: output.output.clone(),
                report: ReportOptions {
                    reveal: output.show_secrets,
                    color,
                },
            },
        })
    }

    /// Loads and compiles the rules; every rule-file problem is printed with its file and line.
    pub fn engine(&self) -> anyhow::Result<Engine> {
        load_engine(&self.rules)
    }
}

pub fn rule_loader(args: &RuleArgs) -> RuleLoader {
    RuleLoader {
        builtin: !args.no_builtin_rules,
        paths: args.rules.clone(),
        selection: RuleSelection {
            only: args.only_rules.clone(),
            disabled: args.disable_rule.clone(),
        },
    }
}

pub fn load_engine(loader: &RuleLoader) -> anyhow::Result<Engine> {
    match loader.load() {
        Ok(set) if set.is_empty() => bail!("no rules to scan with"),
        Ok(set) => Ok(Engine::new(set)),
        Err(errors) => {
            for e in &errors {
                eprintln!("leakhound: rule error: {e}");
            }
            bail!(
                "{} problem{} in the rules",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            )
        }
    }
}

/// `25MiB`, `512K`, `1G`, `1000` -> bytes. K, M, G (with or without `i`/`B`) are powers of 1024.
pub fn parse_size(s: &str) -> anyhow::Result<u64> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    if num.is_empty() {
        bail!("{s:?} is not a size (examples: 25MiB, 512K, 1000)");
    }
    let n: u64 = num
        .parse()
        .with_context(|| format!("{s:?} is not a size"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => bail!("unknown size unit {other:?} in {s:?} (use K, M or G)"),
    };
    n.checked_mul(mult)
        .with_context(|| format!("{s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("25MiB").unwrap(), 25 << 20);
        assert_eq!(parse_size("512K").unwrap(), 512 << 10);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert_eq!(parse_size("1 GB").unwrap(), 1 << 30);
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("10 parsecs").is_err());
    }
}
