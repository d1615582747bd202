//! `.leakhound.toml`: any text must parse or be refused with errors, never panic.
#![no_main]

use leakhound::config::ProjectConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ProjectConfig::parse("fuzz.toml", text, std::path::Path::new("/nonexistent/fuzz"));
});
