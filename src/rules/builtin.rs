//! The built-in rule pack: every `rules/*.toml` file, embedded at build time by `build.rs`, with
//! a JSON copy for fast loading.

/// One embedded rule file.
pub struct BuiltinFile {
    pub name: &'static str,
    pub toml: &'static str,
    /// The same content as JSON; `None` if the TOML did not parse at build time.
    pub json: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
