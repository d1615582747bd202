//! The built-in rule pack: every `rules/*.toml` file, embedded at build time by `build.rs`.

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
