//! A `--baseline` file (a previous JSON report).
#![no_main]

use leakhound::triage::Baseline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Baseline::parse("fuzz.json", text);
});
