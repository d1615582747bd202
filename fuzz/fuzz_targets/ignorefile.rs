//! A `.leakhoundignore` file.
#![no_main]

use leakhound::triage::IgnoreList;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = IgnoreList::parse(".leakhoundignore", text);
});
