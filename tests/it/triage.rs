//! Triage: project configuration, inline allows, `.leakhoundignore`, baselines, `--fail-on`.

use crate::harness::{GitRepo, TestDir, fake, secrets};

fn json_scan(dir: &TestDir, extra: &[&str], code: i32) -> crate::harness::Run {
    let mut args = vec!["dir", ".", "--format", "json", "--show-secrets"];
    args.extend_from_slice(extra);
    let run = dir.run(&args);
    run.expect_code(code);
    run
}

#[test]
fn inline_allow_comments_ignore_their_line_and_are_counted() {
    let dir = TestDir::new();
    let (a, b, c) = (
        fake::aws_key_id(1),
        fake::aws_key_id(2),
        fake::aws_key_id(3),
    );
    dir.write(
        "app.py",
        format!("A = \"{a}\"  # leakhound:allow test fixture\nB = \"{b}\"\n"),
    );
    dir.write("deploy.yaml", format!("key: {c} # leakhound:allow\n"));
    dir.write(
        "main.c",
        format!("/* leakhound:allow */ const char *k = \"{c}\";\n"),
    );
    let run = json_scan(&dir, &[], 1);
    assert_eq!(secrets(&run.findings()), vec![b.clone()]);
    assert_eq!(run.json()["summary"]["ignored"]["inline"], 3);
    // The human summary says how many were ignored, so they are never invisible.
    let human = dir.run(["dir", ".", "--color", "never"]);
    human.expect_code(1);
    assert!(
        human.stdout.contains("3 ignored (3 leakhound:allow)"),
        "{}",
        human.stdout
    );
    // --no-inline-allow audits what the comments hide.
    let all = json_scan(&dir, &["--no-inline-allow"], 1);
    assert_eq!(all.findings().len(), 4, "{:#?}", all.findings());
}

#[test]
fn an_ignore_file_follows_the_secret_not_the_line() {
    let dir = TestDir::new();
    let (old, new) = (fake::github_pat(7), fake::github_pat(8));
    dir.write("src/config.rs", format!("const T: &str = \"{old}\";\n"));
    let first = json_scan(&dir, &[], 1).findings();
    let fp = first[0]["fingerprint"].as_str().unwrap().to_string();
    dir.write(
        ".leakhoundignore",
        format!("# fixtures\n{fp}  # revoked test token\n"),
    );
    json_scan(&dir, &[], 0);
    // The code moves (other lines, another file): still ignored.
    dir.write(
        "src/config.rs",
        format!("// header\n\n\nfn f() {{}}\nconst T: &str = \"{old}\";\n"),
    );
    dir.write("src/moved.rs", format!("let t = \"{old}\";\n"));
    let run = json_scan(&dir, &[], 0);
    assert_eq!(run.json()["summary"]["ignored"]["ignore_file"], 2);
    // A new secret on the ignored line is reported.
    dir.write(
        "src/config.rs",
        format!("// header\n\n\nfn f() {{}}\nconst T: &str = \"{new}\";\n"),
    );
    let run = json_scan(&dir, &[], 1);
    assert_eq!(secrets(&run.findings()), vec![new.clone()]);
    // The 16-digit prefix the human format prints works too.
    dir.write(".leakhoundignore", format!("{}\n", &fp[..16]));
    let run = json_scan(&dir, &[], 1);
    assert_eq!(secrets(&run.findings()), vec![new]);
    // A malformed ignore file is an error naming the line.
    dir.write(".leakhoundignore", "# ok\nnot a fingerprint\n");
    let run = dir.run(["dir", "."]);
    run.expect_code(2);
    run.expect_stderr(".leakhoundignore:2");
}

#[test]
fn a_baseline_reports_only_new_findings() {
    let dir = TestDir::new();
    let (old, new) = (fake::aws_key_id(20), fake::aws_key_id(21));
    dir.write("a.env", format!("KEY={old}\n"));
    let base = dir.join("baseline.json");
    let run = dir.run([
        "dir".as_ref(),
        ".".as_ref(),
        "--baseline-out".as_ref(),
        base.as_os_str(),
    ]);
    run.expect_code(1);
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    assert_eq!(written["findings"].as_array().unwrap().len(), 1);
    assert!(
        !std::fs::read_to_string(&base).unwrap().contains(&old),
        "the baseline is redacted"
    );
    let base_arg = base.to_str().unwrap();
    // Same findings: clean. Moving the secret within its file: still clean.
    json_scan(&dir, &["--baseline", base_arg], 0);
    dir.write("a.env", format!("# moved\nOTHER=1\nKEY={old}\n"));
    let run = json_scan(&dir, &["--baseline", base_arg], 0);
    assert_eq!(run.json()["summary"]["ignored"]["baseline"], 1);
    // A new secret, on the very line of the old one, fails.
    dir.write("a.env", format!("# moved\nOTHER=1\nKEY={new}\n"));
    let run = json_scan(&dir, &["--baseline", base_arg], 1);
    assert_eq!(secrets(&run.findings()), vec![new.clone()]);
    // The old secret copied into another file is a new place: reported.
    dir.write("a.env", format!("KEY={old}\n"));
    dir.write("b.env", format!("KEY={old}\n"));
    let run = json_scan(&dir, &["--baseline", base_arg], 1);
    assert_eq!(run.findings()[0]["path"], "b.env");
    // A jsonl report works as a baseline too; a file that is not a report is an error.
    let jsonl = dir.run(["dir", ".", "--format", "jsonl"]).stdout;
    dir.write("base.jsonl", jsonl);
    json_scan(&dir, &["--baseline", "base.jsonl"], 0);
    dir.write("bad.json", "{\"hello\": 1}\nnot json\n");
    let run = dir.run(["dir", ".", "--baseline", "bad.json"]);
    run.expect_code(2);
    run.expect_stderr("bad.json");
}

#[test]
fn project_configuration_tunes_rules_allowlists_and_limits() {
    let dir = TestDir::new();
    let key = fake::aws_key_id(30);
    let pat = fake::github_pat(31);
    let documented = format!("AKIA2JX7{}", &fake::aws_key_id(32)[8..]);
    dir.write(
        "src/app.env",
        format!("AWS={key}\nGH={pat}\nDOC={documented}\n"),
    );
    dir.write(
        "tests/fixtures/keys.env",
        format!("AWS={}\n", fake::aws_key_id(33)),
    );
    dir.write(
        "docs/guide.md",
        format!("Use {} in the guide\n", fake::aws_key_id(34)),
    );
    dir.write("secret.acme", "acme_live_Zq8vN3kP0wXy7Rt2Lm5s\n");
    dir.write(
        ".leakhound.toml",
        r#"
# Project tuning for leakhound.
disabled_rules = ["github.*"]

[allowlist]
description = "fixtures and the documented key"
paths = ["tests/fixtures/"]
secrets = ['^AKIA2JX7']

[[allowlists]]
rules = ["aws.access-key-id"]
condition = "all"
paths = ["docs/**"]
lines = ["in the guide"]

[[rules]]
id = "acme.live-key"
name = "Acme live key"
provider = "Acme"
pattern = '''\b(acme_live_[A-Za-z0-9]{20})\b'''
keywords = ["acme_live_"]
confidence = "high"
# Rule examples are text like any other: the comment keeps this fake one out of reports.
examples = ["acme_live_Aa1Bb2Cc3Dd4Ee5Ff6Gg"]  # leakhound:allow
"#,
    );
    let run = json_scan(&dir, &[], 1);
    let mut found: Vec<String> = run
        .findings()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["rule_id"].as_str().unwrap(),
                f["secret"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        vec![
            "acme.live-key:acme_live_Zq8vN3kP0wXy7Rt2Lm5s".to_string(),
            format!("aws.access-key-id:{key}"),
        ]
    );
    assert_eq!(run.json()["summary"]["ignored"]["allowlist"], 3);
    // --no-config scans with the defaults.
    let run = json_scan(&dir, &["--no-config"], 1);
    assert!(secrets(&run.findings()).contains(&pat));
    // A configuration elsewhere, with extend_default = false and min_confidence.
    dir.write(
        "other.toml",
        "extend_default = false\nrule_files = [\"rules\"]\nmax_file_size = \"1K\"\n",
    );
    dir.write(
        "rules/acme.toml",
        r#"provider = "Acme"
[[rules]]
id = "acme.live-key"
name = "Acme live key"
pattern = '''\b(acme_live_[A-Za-z0-9]{20})\b'''
keywords = ["acme_live_"]
confidence = "low"
examples = ["acme_live_Aa1Bb2Cc3Dd4Ee5Ff6Gg"]  # leakhound:allow
"#,
    );
    dir.write(
        "big.txt",
        format!("{}\nacme_live_Zq8vN3kP0wXy7Rt2Lm5t\n", "x".repeat(2000)),
    );
    let run = json_scan(&dir, &["--config", "other.toml"], 1);
    assert_eq!(
        secrets(&run.findings()),
        vec!["acme_live_Zq8vN3kP0wXy7Rt2Lm5s".to_string()],
        "only the configured rule runs, and big.txt is over the configured size limit"
    );
    assert_eq!(run.json()["summary"]["skipped_large"], 1);
    let run = json_scan(
        &dir,
        &["--config", "other.toml", "--min-confidence", "medium"],
        0,
    );
    assert_eq!(run.json()["summary"]["ignored"]["below_min_confidence"], 1);
}

#[test]
fn configuration_errors_name_the_file_and_line() {
    let dir = TestDir::new();
    dir.write("a.txt", "nothing\n");
    dir.write(
        ".leakhound.toml",
        "min_confidence = \"low\"\n\n[allowlist]\npaths = [\"x/\"]\nsecret = [\"y\"]\n",
    );
    let run = dir.run(["dir", "."]);
    run.expect_code(2);
    run.expect_stderr(".leakhound.toml:5");
    run.expect_stderr("unknown field `secret`");
    dir.write(
        ".leakhound.toml",
        "[[rules]]\nid = \"x.y\"\nname = \"X\"\nprovider = \"X\"\npattern = '(unclosed'\nconfidence = \"high\"\n",
    );
    let run = dir.run(["dir", "."]);
    run.expect_code(2);
    run.expect_stderr(".leakhound.toml:5");
    dir.write(".leakhound.toml", "[allowlist]\nsecrets = ['(unclosed']\n");
    let run = dir.run(["dir", "."]);
    run.expect_code(2);
    run.expect_stderr(".leakhound.toml:2");
    let run = dir.run(["dir", ".", "--config", "missing.toml"]);
    run.expect_code(2);
    run.expect_stderr("missing.toml");
}

#[test]
fn fail_on_sets_the_threshold_for_exit_1_but_reports_everything() {
    let dir = TestDir::new();
    // A generic password assignment is low or medium confidence; an AWS key id is high.
    dir.write("db.ini", format!("password = \"{}\"\n", fake::password(40)));
    let run = json_scan(&dir, &[], 1);
    let conf = run.findings()[0]["confidence"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(conf, "high");
    let run = json_scan(&dir, &["--fail-on", "high"], 0);
    assert_eq!(run.findings().len(), 1, "still reported");
    dir.write("k.env", format!("K={}\n", fake::aws_key_id(41)));
    json_scan(&dir, &["--fail-on", "high"], 1);
}

#[test]
fn extra_reports_are_written_alongside_the_main_one() {
    let dir = TestDir::new();
    dir.write("k.env", format!("K={}\n", fake::aws_key_id(50)));
    let run = dir.run([
        "dir",
        ".",
        "--report",
        "jsonl=out.jsonl",
        "--report",
        "json=out.json",
    ]);
    run.expect_code(1);
    assert!(run.stdout.contains("1 finding"), "{}", run.stdout);
    let jsonl = std::fs::read_to_string(dir.join("out.jsonl")).unwrap();
    assert_eq!(jsonl.lines().count(), 1);
    assert!(
        std::fs::read_to_string(dir.join("out.json"))
            .unwrap()
            .contains("\"findings\"")
    );
    let run = dir.run(["dir", ".", "--report", "yaml=x"]);
    run.expect_code(2);
    run.expect_stderr("unknown format");
}

#[test]
fn history_scans_read_the_repository_configuration_and_commit_allowlists() {
    let Some(repo) = GitRepo::new() else { return };
    let (a, b) = (fake::aws_key_id(60), fake::aws_key_id(61));
    repo.write("one.env", format!("K={a}\n"));
    let c1 = repo.commit_all("first");
    repo.write("two.env", format!("K={b}\n"));
    repo.commit_all("second");
    repo.write(
        ".leakhound.toml",
        format!("[allowlist]\ncommits = [\"{}\"]\n", &c1[..10]),
    );
    let run = repo.run(["git", ".", "--format", "json", "--show-secrets"]);
    run.expect_code(1);
    assert_eq!(secrets(&run.findings()), vec![b]);
    assert_eq!(run.json()["summary"]["ignored"]["allowlist"], 1);
}
