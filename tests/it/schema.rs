//! Real output validates against the published JSON Schema (docs/report.schema.json), which is
//! generated from the report types: the `json` document as a whole, and each `jsonl` line as a
//! finding.

use std::io::Write as _;

use base64::Engine as _;
use serde_json::Value;

use crate::harness::{GitRepo, TestDir, fake};

fn schema() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/report.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read the schema")).unwrap()
}

fn assert_valid(schema: &Value, doc: &Value) {
    let validator = jsonschema::validator_for(schema).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
}

/// A tree with findings of every provenance kind a directory scan makes.
fn varied_tree() -> TestDir {
    let t = TestDir::new();
    t.write(
        "a.env",
        format!("AWS_ACCESS_KEY_ID={}\n", fake::aws_key_id(401)),
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("token: {}\n", fake::github_pat(402)).as_bytes())
        .unwrap();
    t.write("b.log.gz", gz.finish().unwrap());
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!(
        "aws_secret_access_key = {} # for prod\n",
        fake::aws_secret(403)
    ));
    t.write("c.yaml", format!("settings:\n  blob: {encoded}\n"));
    t
}

#[test]
fn json_reports_validate_against_the_published_schema() {
    let schema = schema();
    let t = varied_tree();
    let run = t.run(["dir", ".", "--format", "json"]);
    let doc = run.expect_code(1).json();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 3, "{doc:#}");
    assert_valid(&schema, &doc);
    // A scan with an error and a note validates too.
    t.write("bomb.gz", {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 8 << 20]).unwrap();
        gz.finish().unwrap()
    });
    let run = t.run(["dir", ".", "missing-file", "--format", "json"]);
    let doc = run.expect_code(2).json();
    assert!(!doc["notes"].as_array().unwrap().is_empty(), "{doc:#}");
    assert!(!doc["errors"].as_array().unwrap().is_empty(), "{doc:#}");
    assert_valid(&schema, &doc);
}

#[test]
fn jsonl_lines_and_git_findings_validate_as_findings() {
    let mut schema = schema();
    // The finding definition, with the document's definitions beside it for its references.
    let defs = schema["$defs"].clone();
    let mut finding = defs["FindingView"].clone();
    finding["$defs"] = defs;
    schema = finding;
    let t = varied_tree();
    let run = t.run(["dir", ".", "--format", "jsonl"]);
    run.expect_code(1);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for line in &lines {
        assert_valid(&schema, line);
    }
    let Some(repo) = GitRepo::new() else { return };
    repo.leak_then_delete(&fake::aws_key_id(404));
    let run = repo.run(["git", ".", "--format", "jsonl"]);
    run.expect_code(1);
    for line in run.stdout.lines() {
        assert_valid(&schema, &serde_json::from_str(line).unwrap());
    }
}

#[test]
fn identities_json_reports_validate_against_their_published_schema() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/identities.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read the schema")).unwrap();
    let t = varied_tree();
    let key = fake::aws_key_id(401);
    t.write(
        "inv/ids.yaml",
        format!("identities:\n  - name: k\n    owner: o\n    match: {{aws_key_ids: [{key}]}}\n"),
    );
    let run = t.run([
        "dir",
        "a.env",
        "b.log.gz",
        "c.yaml",
        "--identities",
        "inv/ids.yaml",
        "--format",
        "identities-json",
    ]);
    let doc: Value = serde_json::from_str(&run.expect_code(1).stdout).unwrap();
    assert_eq!(doc["summary"]["known"], 1, "{doc:#}");
    assert_valid(&schema, &doc);
    let json = t.run([
        "dir",
        "a.env",
        "--identities",
        "inv/ids.yaml",
        "--format",
        "json",
    ]);
    assert_valid(&self::schema(), &json.expect_code(1).json());
}
