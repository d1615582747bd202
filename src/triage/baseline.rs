//! Baselines: the findings a project already knows about, so a gate fails only on new ones.
//!
//! A baseline is a leakhound `json` report (or `jsonl`), as `--baseline-out` writes it. A finding
//! is in the baseline when an entry has the same fingerprint (rule and secret) and path: moving
//! the secret within its file keeps it baselined, a new secret anywhere does not.

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use crate::diag::FileError as ConfigError;
use crate::finding::Finding;

#[derive(Debug, Default)]
pub struct Baseline {
    entries: HashSet<(String, String)>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, ConfigError> {
        let label = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: label.clone(),
            line: None,
            message: format!("cannot read baseline: {e}"),
        })?;
        Baseline::parse(&label, &text)
    }

    /// Reads a `json` report (an object with `findings`) or `jsonl` (one finding per line).
    pub fn parse(label: &str, text: &str) -> Result<Baseline, ConfigError> {
        let err = |line: Option<usize>, message: String| ConfigError {
            file: label.to_string(),
            line,
            message,
        };
        let mut baseline = Baseline::default();
        let mut add = |v: &Value, line: Option<usize>| -> Result<(), ConfigError> {
            let field = |k: &str| v.get(k).and_then(Value::as_str);
            match (field("fingerprint"), field("path")) {
                (Some(fp), Some(path)) => {
                    baseline.entries.insert((fp.to_string(), path.to_string()));
                    Ok(())
                }
                _ => Err(err(
                    line,
                    "a baseline finding needs `fingerprint` and `path` (write baselines with \
                     --baseline-out or --format json)"
                        .into(),
                )),
            }
        };
        let trimmed = text.trim_start();
        if trimmed.is_empty() {
            return Ok(baseline);
        }
        match serde_json::from_str::<Value>(text) {
            Ok(doc) if doc.is_object() && doc.get("findings").is_some() => {
                let Some(list) = doc["findings"].as_array() else {
                    return Err(err(None, "`findings` is not an array".into()));
                };
                for v in list {
                    add(v, None)?;
                }
            }
            Ok(Value::Array(list)) => {
                for v in &list {
                    add(v, None)?;
                }
            }
            _ => {
                for (i, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let v: Value = serde_json::from_str(line).map_err(|e| {
                        err(
                            Some(i + 1),
                            format!("not a leakhound json or jsonl report: {e}"),
                        )
                    })?;
                    add(&v, Some(i + 1))?;
                }
            }
        }
        Ok(baseline)
    }

    pub fn contains(&self, f: &Finding) -> bool {
        self.entries
            .contains(&(f.fingerprint.clone(), f.origin.path_lossy()))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
