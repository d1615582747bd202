//! Diagnostics as data: what could not be read, and what is worth telling, item by item. Every
//! stage reports through [`Diagnostics`]; the run keeps the records for every output format
//! (JSON fields, SARIF notifications), and the command line may echo them to stderr as they
//! happen. Nothing below the command line prints.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// Where stages report what went wrong or is worth knowing, item by item.
pub trait Diagnostics: Sync {
    /// Something (a file, an object, a target) could not be read; the scan goes on without it.
    fn error(&self, subject: &str, message: &str);
    /// Something worth telling the user once (a submodule not followed, a file skipped).
    fn note(&self, message: &str);
}

/// A problem in a file leakhound reads (configuration, ignore file, baseline), with its line when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.file, l, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for FileError {}

/// Something that went wrong with one item; the scan continued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ErrorRecord {
    pub subject: String,
    pub message: String,
}

/// Called with each record as it happens (the command line prints them to stderr).
pub type Echo = Box<dyn Fn(Record<'_>) + Send + Sync>;

/// A record on its way to the echo.
#[derive(Debug, Clone, Copy)]
pub enum Record<'a> {
    Error { subject: &'a str, message: &'a str },
    Note(&'a str),
}

/// The run's diagnostics: kept for the reports, counted, and echoed.
pub struct Log {
    errors: Mutex<Vec<ErrorRecord>>,
    notes: Mutex<Vec<String>>,
    error_count: AtomicU64,
    echo: Option<Echo>,
}

impl Log {
    pub fn new(echo: Option<Echo>) -> Log {
        Log {
            errors: Mutex::new(Vec::new()),
            notes: Mutex::new(Vec::new()),
            error_count: AtomicU64::new(0),
            echo,
        }
    }

    pub fn error_count(&self) -> u64 {
        self.error_count.load(Ordering::Relaxed)
    }

    /// The records so far, taken out (the log keeps counting).
    pub fn take(&self) -> (Vec<ErrorRecord>, Vec<String>) {
        (
            std::mem::take(&mut *self.errors.lock().expect("error log poisoned")),
            std::mem::take(&mut *self.notes.lock().expect("note log poisoned")),
        )
    }
}

impl Diagnostics for Log {
    fn error(&self, subject: &str, message: &str) {
        self.error_count.fetch_add(1, Ordering::Relaxed);
        if let Some(echo) = &self.echo {
            echo(Record::Error { subject, message });
        }
        self.errors
            .lock()
            .expect("error log poisoned")
            .push(ErrorRecord {
                subject: subject.to_string(),
                message: message.to_string(),
            });
    }

    fn note(&self, message: &str) {
        if let Some(echo) = &self.echo {
            echo(Record::Note(message));
        }
        self.notes
            .lock()
            .expect("note log poisoned")
            .push(message.to_string());
    }
}

/// `1.5 MiB`-style sizes for messages.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
