//! Files and directories (`.gitignore`-aware walk) and standard input.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crossbeam_channel::bounded;
use ignore::overrides::OverrideBuilder;
use ignore::{WalkBuilder, WalkState};
use rayon::iter::{ParallelBridge, ParallelIterator};

use super::{BlobSink, Source, Target};
use crate::finding::{FileProvenance, Origin, StdinProvenance, path_bytes};

/// What `leakhound dir` walks.
#[derive(Debug, Clone)]
pub struct FsSource {
    /// Files, directories, or `-` for standard input.
    pub paths: Vec<PathBuf>,
    /// Honour `.gitignore`, `.ignore` and `.git/info/exclude` (the user's global excludes file is
    /// not read, so a scan gives the same result on every machine).
    pub respect_ignore: bool,
    /// Gitignore-style globs, relative to each directory scanned, whose matches are skipped.
    pub excludes: Vec<String>,
}

impl FsSource {
    fn walker(&self, root: &Path) -> anyhow::Result<WalkBuilder> {
        let mut builder = WalkBuilder::new(root);
        builder
            .hidden(false)
            .git_ignore(self.respect_ignore)
            .git_exclude(self.respect_ignore)
            .ignore(self.respect_ignore)
            .parents(self.respect_ignore)
            .git_global(false)
            .require_git(false)
            .follow_links(false)
            .threads(2)
            .filter_entry(|e| e.file_name() != ".git");
        if !self.excludes.is_empty() {
            let mut ov = OverrideBuilder::new(root);
            for glob in &self.excludes {
                ov.add(&format!("!{glob}"))
                    .map_err(|e| anyhow::anyhow!("bad --exclude glob {glob:?}: {e}"))?;
            }
            builder.overrides(ov.build()?);
        }
        Ok(builder)
    }

    fn scan_dir(&self, root: &Path, sink: &dyn BlobSink) -> anyhow::Result<()> {
        let walker = self.walker(root)?.build_parallel();
        let (tx, rx) = bounded::<PathBuf>(4096);
        std::thread::scope(|s| {
            s.spawn(move || {
                walker.run(|| {
                    let tx = tx.clone();
                    Box::new(move |entry| {
                        match entry {
                            Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                                if tx.send(display_path(e.into_path())).is_err() {
                                    return WalkState::Quit;
                                }
                            }
                            Ok(_) => {}
                            Err(err) => report_walk_error(sink, &err),
                        }
                        WalkState::Continue
                    })
                });
            });
            rx.into_iter()
                .par_bridge()
                .for_each(|path| scan_file(&path, sink));
        });
        Ok(())
    }
}

/// `./src/a.rs` -> `src/a.rs`, as people write paths under the current directory.
fn display_path(path: PathBuf) -> PathBuf {
    match path.strip_prefix(".") {
        Ok(rest) if !rest.as_os_str().is_empty() => rest.to_path_buf(),
        _ => path,
    }
}

fn report_walk_error(sink: &dyn BlobSink, err: &ignore::Error) {
    // The walker's own error text already names the path.
    sink.error("walk", &err.to_string());
}

fn scan_file(path: &Path, sink: &dyn BlobSink) {
    let error = |e: std::io::Error| sink.error(&path.display().to_string(), &e.to_string());
    // Open, then fstat the descriptor: one path lookup per file instead of two.
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return error(e),
    };
    let size = match file.metadata() {
        Ok(m) => m.len(),
        Err(e) => return error(e),
    };
    let origin = Origin::new(FileProvenance {
        path: path_bytes(path),
    });
    if !sink.admit(&origin, size) {
        return;
    }
    // Reading exactly the size found spares the read that would only confirm the end of file;
    // bytes appended during the scan are not read.
    sink.scan_reader(Arc::new(origin), &mut file.take(size));
}

/// The files and directories named on one command line are one target.
impl Source for FsSource {
    fn targets(&self) -> Box<dyn Iterator<Item = Box<dyn Target + '_>> + '_> {
        Box::new(std::iter::once(Box::new(self) as Box<dyn Target + '_>))
    }
}

impl Target for &FsSource {
    fn name(&self) -> String {
        let names: Vec<String> = self.paths.iter().map(|p| p.display().to_string()).collect();
        names.join(" ")
    }

    fn scan(&mut self, sink: &dyn BlobSink) -> anyhow::Result<()> {
        for path in &self.paths {
            if path.as_os_str() == "-" {
                let stdin = std::io::stdin();
                sink.scan_reader(Arc::new(Origin::new(StdinProvenance)), &mut stdin.lock());
                continue;
            }
            match std::fs::metadata(path) {
                // A file named on the command line is scanned even if an ignore file lists it.
                Ok(m) if m.is_file() => scan_file(path, sink),
                Ok(m) if m.is_dir() => self.scan_dir(path, sink)?,
                Ok(_) => sink.error(
                    &path.display().to_string(),
                    "not a regular file or directory",
                ),
                Err(e) => sink.error(&path.display().to_string(), &e.to_string()),
            }
        }
        Ok(())
    }
}
