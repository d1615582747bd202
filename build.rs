//! Embeds every `rules/*.toml` into the binary, so the built-in pack needs no files at run time.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let rules_dir = Path::new(&manifest).join("rules");
    println!("cargo:rerun-if-changed={}", rules_dir.display());
    let mut names: Vec<String> = fs::read_dir(&rules_dir)
        .expect("rules/ directory is readable")
        .map(|e| {
            e.expect("rules/ entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut code = String::from("pub static FILES: &[(&str, &str)] = &[\n");
    for name in &names {
        let path = rules_dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            code,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin_rules.rs");
    fs::write(out, code).expect("writing builtin_rules.rs");
}
