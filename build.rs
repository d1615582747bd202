//! Embeds every `rules/*.toml` into the binary. Each file is also converted here, once, into what
//! a scan needs at run time (on every pre-commit hook): JSON, several times faster to parse than
//! TOML, without the examples (only `rules check` reads them, from the TOML), and the line of each
//! `[[rules]]` header. The TOML text is embedded too: a file that does not convert is reported at
//! run time by the TOML parser, with its line.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

#[path = "src/rules/lines.rs"]
#[allow(dead_code)]
mod lines;

fn main() {
    let manifest = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
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
    let mut code = String::from("pub static FILES: &[BuiltinFile] = &[\n");
    for name in &names {
        let path = rules_dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(&path).expect("rule file is UTF-8 text");
        let json = text
            .parse::<toml::Table>()
            .ok()
            .map(without_examples)
            .and_then(|t| serde_json::to_string(&t).ok());
        let json_expr = match json {
            Some(json) => {
                let json_path = Path::new(&out_dir).join(format!("{name}.json"));
                fs::write(&json_path, json).expect("writing JSON rule file");
                format!("Some(include_str!({:?}))", json_path.display().to_string())
            }
            None => "None".to_string(),
        };
        writeln!(
            code,
            "    BuiltinFile {{ name: {name:?}, toml: include_str!({:?}), json: {json_expr}, lines: &{:?} }},",
            path.display().to_string(),
            lines::rule_lines(&text),
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out = Path::new(&out_dir).join("builtin_rules.rs");
    fs::write(out, code).expect("writing builtin_rules.rs");
}

/// The file without its rules' `examples` and `negative_examples`.
fn without_examples(mut file: toml::Table) -> toml::Table {
    if let Some(toml::Value::Array(rules)) = file.get_mut("rules") {
        for rule in rules.iter_mut().filter_map(toml::Value::as_table_mut) {
            rule.remove("examples");
            rule.remove("negative_examples");
        }
    }
    file
}
