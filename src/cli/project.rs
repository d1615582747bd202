//! `leakhound config ...`: working with the project configuration file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::Subcommand;

use super::Exit;
use crate::import::gitleaks::{self, ImportOptions};

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Convert a gitleaks or Betterleaks configuration (.gitleaks.toml) into .leakhound.toml.
    ///
    /// Rules become `gitleaks.<id>` rules, allowlists become [[allowlists]]; path regexes become
    /// globs where an exact glob exists. Whatever cannot be converted is listed on stderr and in
    /// the header of the output. See docs/config.md.
    #[command(
        after_help = "Exit codes: 0 everything converted; 1 written, but some items \
                            could not be converted (listed on stderr and in the file's header); \
                            2 nothing written (unreadable input, an existing output without \
                            --force)."
    )]
    ImportGitleaks {
        /// The gitleaks configuration file.
        #[arg(value_name = "FILE")]
        input: PathBuf,
        /// Where to write the converted configuration (default: standard output).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Overwrite the output file if it exists.
        #[arg(long = "force", requires = "output")]
        force: bool,
        /// Keep leakhound's built-in rules even when the gitleaks file replaces gitleaks' default
        /// rules (no `[extend] useDefault`).
        #[arg(long = "keep-builtin")]
        keep_builtin: bool,
    },
}

pub fn run(command: ConfigCommand) -> anyhow::Result<Exit> {
    match command {
        ConfigCommand::ImportGitleaks {
            input,
            output,
            force,
            keep_builtin,
        } => import_gitleaks(&input, output.as_deref(), force, keep_builtin),
    }
}

fn import_gitleaks(
    input: &Path,
    output: Option<&Path>,
    force: bool,
    keep_builtin: bool,
) -> anyhow::Result<Exit> {
    // Refuse before converting, so a forgotten --force costs nothing.
    if let Some(out) = output
        && !force
        && out.exists()
    {
        anyhow::bail!("{} exists; pass --force to overwrite it", out.display());
    }
    let opts = ImportOptions {
        keep_builtin,
        output: output.map(Path::to_path_buf),
    };
    let import = gitleaks::import(input, &opts)?;
    match output {
        Some(path) => write_file(path, &import.text, force)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(import.text.as_bytes())
                .and_then(|()| stdout.flush())
                .context("cannot write to standard output")?;
        }
    }
    let issues = &import.issues;
    eprintln!(
        "leakhound: converted {}: {} rule{}, {} allowlist{}, extend_default = {}{}",
        input.display(),
        import.rules,
        if import.rules == 1 { "" } else { "s" },
        import.allowlists,
        if import.allowlists == 1 { "" } else { "s" },
        import.extend_default,
        output.map_or(String::new(), |p| format!(" -> {}", p.display())),
    );
    if import.allowed_lines > 0 {
        eprintln!(
            "leakhound: {} line{} of the result hold values leakhound would report (allowlisted \
             values, patterns); marked `# leakhound:allow` so scanning the project skips them",
            import.allowed_lines,
            if import.allowed_lines == 1 { "" } else { "s" },
        );
    }
    if !issues.not_converted.is_empty() {
        eprintln!(
            "leakhound: not converted ({}; review them, they are also in the file's header):",
            issues.not_converted.len()
        );
        for item in &issues.not_converted {
            eprintln!("  - {}", crate::escape::visible(item));
        }
    }
    if !issues.notes.is_empty() {
        eprintln!(
            "leakhound: converted with a difference ({}):",
            issues.notes.len()
        );
        for item in &issues.notes {
            eprintln!("  - {}", crate::escape::visible(item));
        }
    }
    Ok(if issues.not_converted.is_empty() {
        Exit::Clean
    } else {
        Exit::Findings
    })
}

fn write_file(path: &Path, text: &str, force: bool) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        // Checked above too; this closes the window between the check and the write.
        options.create_new(true);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}
