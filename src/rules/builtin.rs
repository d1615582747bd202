//! The built-in rule pack: every `rules/*.toml` file, embedded at build time by `build.rs`, with
//! a JSON copy for fast loading by scans.

/// One embedded rule file.
pub struct BuiltinFile {
    pub name: &'static str,
    pub toml: &'static str,
    /// The same rules as JSON, without their examples; `None` if the TOML did not parse at build
    /// time.
    pub json: Option<&'static str>,
    /// The line of each `[[rules]]` header in `toml`.
    pub lines: &'static [usize],
}

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
