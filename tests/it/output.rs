//! Output formats, redaction, exit codes.

use crate::harness::{TestDir, fake};

fn planted(t: &TestDir) -> Vec<String> {
    crate::harness::plant_creds(t, 30)
}

#[test]
fn secrets_are_redacted_in_every_format_unless_show_secrets() {
    let t = TestDir::new();
    let secrets = planted(&t);
    for format in ["human", "json", "jsonl"] {
        let run = t.run(["dir", ".", "--format", format, "--color", "always"]);
        run.expect_code(1);
        for s in &secrets {
            assert!(
                !run.stdout.contains(s.as_str()),
                "{format} leaks {s}:\n{}",
                run.stdout
            );
            assert!(
                !run.stderr.contains(s.as_str()),
                "{format} leaks {s} on stderr"
            );
            // Not even the second half of a secret shows.
            assert!(
                !run.stdout.contains(&s[s.len() / 2..]),
                "{format} leaks part of {s}"
            );
        }
        assert!(
            run.stdout.contains("AKIA\u{2026}"),
            "{format}: {}",
            run.stdout
        );
        let run = t.run(["dir", ".", "--format", format, "--show-secrets"]);
        for s in &secrets {
            assert!(
                run.stdout.contains(s.as_str()),
                "{format} --show-secrets hides {s}"
            );
        }
    }
    // The report file gets the same treatment as stdout.
    let run = t.run(["dir", ".", "--format", "json", "--output", "report.json"]);
    run.expect_code(1);
    assert!(run.stdout.is_empty());
    let report = std::fs::read_to_string(t.join("report.json")).unwrap();
    assert!(secrets.iter().all(|s| !report.contains(s.as_str())));
    assert!(report.contains("\"findings\""));
}

#[test]
fn json_findings_carry_every_documented_field() {
    let t = TestDir::new();
    let secrets = planted(&t);
    let run = t.run(["dir", ".", "--format", "json"]);
    let doc = run.expect_code(1).json();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["summary"]["findings"], 4);
    assert_eq!(doc["summary"]["blobs"], 1);
    assert!(doc["errors"].as_array().unwrap().is_empty());
    let f = &doc["findings"][0];
    for field in [
        "rule_id",
        "rule_name",
        "provider",
        "confidence",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "offset",
        "secret",
        "redacted",
        "fingerprint",
        "entropy",
        "snippet",
        "source",
    ] {
        assert!(f.get(field).is_some(), "missing {field}: {f}");
    }
    assert_eq!(f["redacted"], true);
    let fp = f["fingerprint"].as_str().unwrap();
    assert_eq!(fp.len(), 64);
    assert!(fp.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(f["entropy"].as_f64().unwrap() > 3.0);
    assert_eq!(f["snippet"], "id=AKIA\u{2026}");
    // The fingerprint follows the secret, not the line: moving it keeps the fingerprint.
    t.write("creds.txt", format!("\n\n\n   moved {}\n", secrets[0]));
    let moved = t.run(["dir", ".", "--format", "json"]).findings();
    assert_eq!(moved[0]["fingerprint"].as_str(), Some(fp));
    assert_eq!(moved[0]["line"].as_u64(), Some(4));
}

#[test]
fn jsonl_is_one_finding_per_line() {
    let t = TestDir::new();
    planted(&t);
    let run = t.run(["dir", ".", "--format", "jsonl"]);
    let lines: Vec<serde_json::Value> = run
        .expect_code(1)
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(lines.iter().all(|l| l["rule_id"].is_string()));
}

#[test]
fn human_output_groups_by_file_and_summarises() {
    let t = TestDir::new();
    planted(&t);
    t.write("other/b.txt", fake::aws_key_id(34));
    let run = t.run(["dir", "."]);
    let out = &run.expect_code(1).stdout;
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    let creds = out.find("creds.txt\n").expect("file header");
    let other = out.find("other/b.txt\n").expect("file header");
    assert!(creds < other);
    assert!(
        out.contains("1:4  AWS access key ID [aws.access-key-id] high"),
        "{out}"
    );
    let summary = out.lines().last().unwrap();
    assert!(
        summary.starts_with("5 findings in 2 files; scanned 2 blobs"),
        "{summary}"
    );
    assert!(summary.ends_with("0 errors"), "{summary}");
    let run = t.run(["dir", ".", "--color", "always"]);
    assert!(run.stdout.contains("\x1b[1;35mcreds.txt"), "{}", run.stdout);
}

#[test]
fn exit_codes_are_documented_ones() {
    let t = TestDir::new();
    t.write("clean.txt", "hello\n");
    t.run(["dir", "."]).expect_code(0);
    t.write("dirty.txt", fake::aws_key_id(35));
    t.run(["dir", "."]).expect_code(1);
    // Findings plus an error: 2 wins, and the summary says both.
    let run = t.run(["dir", ".", "missing-dir", "--format", "json"]);
    run.expect_code(2);
    let doc = run.json();
    assert_eq!(doc["summary"]["findings"], 1);
    assert_eq!(doc["summary"]["errors"], 1);
    let run = t.run(["dir", ".", "missing-dir"]);
    assert!(
        run.expect_code(2)
            .stdout
            .contains("1 error (the scan is incomplete)")
    );
    // Bad flags and values.
    t.run(["dir", "--no-such-flag"]).expect_code(2);
    t.run(["dir", "--max-file-size", "lots"]).expect_code(2);
    t.run(["dir", "--format", "xml"]).expect_code(2);
    t.run(["dir", ".", "--output", "no/such/dir/out.json"])
        .expect_code(2);
    t.run(["--version"]).expect_code(0);
}
