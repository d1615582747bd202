//! The gitleaks configuration importer on any file.
#![no_main]

use leakhound::config::gitleaks::{ImportOptions, import};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("gitleaks.toml");
    std::fs::write(&path, data).expect("write input");
    let _ = import(&path, &ImportOptions::default());
});
