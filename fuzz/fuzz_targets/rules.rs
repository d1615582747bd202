//! A rule file (`[[rules]]` tables) read by the rule loader: any text must load or be refused
//! with errors, never panic.
#![no_main]

use leakhound::rules::RuleLoader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loader = RuleLoader {
        builtin: false,
        embedded: vec![("fuzz.toml".to_string(), text.to_string())],
        ..RuleLoader::default()
    };
    let _ = loader.load();
});
