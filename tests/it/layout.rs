//! The library's modules depend on each other one way only: the data flows from sources through
//! the scan to reports, and no module reaches back up (docs/architecture.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module -> the top-level modules its files name as `crate::X`.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&src).unwrap();
            let first = rel.iter().next().unwrap().to_string_lossy();
            let module = first.trim_end_matches(".rs").to_string();
            if module == "lib" || module == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let mine = deps.entry(module.clone()).or_default();
            for (i, _) in text.match_indices("crate::") {
                let name: String = text[i + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    mine.insert(name);
                }
            }
        }
    }
    deps
}

#[test]
fn modules_have_no_dependency_cycles() {
    let deps = dependencies();
    assert!(deps.len() > 10, "{deps:?}");
    // Depth-first search for a back edge.
    fn visit(
        m: &str,
        deps: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if let Some(at) = path.iter().position(|p| p == m) {
            panic!("module cycle: {} -> {m}", path[at..].join(" -> "));
        }
        if done.contains(m) {
            return;
        }
        path.push(m.to_string());
        for d in deps.get(m).into_iter().flatten() {
            visit(d, deps, path, done);
        }
        path.pop();
        done.insert(m.to_string());
    }
    let mut done = BTreeSet::new();
    for m in deps.keys() {
        visit(m, &deps, &mut Vec::new(), &mut done);
    }
    // The seams the architecture names, checked directly.
    let uses = |a: &str, b: &str| deps.get(a).is_some_and(|d| d.contains(b));
    assert!(
        !uses("rules", "engine"),
        "rules must not depend on the engine"
    );
    assert!(!uses("source", "report") && !uses("source", "engine"));
    assert!(!uses("engine", "source") && !uses("engine", "finding"));
    assert!(!uses("report", "scan") && !uses("report", "source"));
    assert!(!uses("scan", "report") && !uses("scan", "triage"));
}

/// leakhound's own tree scans clean with its committed `.leakhound.toml` (rule examples allowed
/// by path; no rule turned off), so the project can run itself as its pre-commit hook.
#[test]
fn the_repository_scans_clean_with_its_own_configuration() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = crate::harness::run_in(
        root,
        crate::harness::leakhound(),
        ["dir", ".", "--format", "json"],
        None,
    );
    let doc = run.json();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0, "{doc:#}");
    // The allowlists did real work: the rule files' examples were found and held back.
    assert!(
        doc["summary"]["ignored"]["allowlist"].as_u64().unwrap() > 1000,
        "{doc:#}"
    );
    run.expect_code(0);
}
