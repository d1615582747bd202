//! The CI formats: GitHub workflow commands, JUnit XML and Markdown (SARIF is in `sarif`), on
//! real scans of directories and repositories.

pub(crate) mod sarif;

use serde_json::Value;

use crate::harness::{GitRepo, TestDir, fake};

fn planted(t: &TestDir) -> Vec<String> {
    crate::harness::plant_creds(t, 40)
}

/// Fails when any secret, or its second half, appears in `text`.
fn assert_redacted(text: &str, secrets: &[String], what: &str) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "{what} leaks {s}:\n{text}");
        assert!(
            !text.contains(&s[s.len() / 2..]),
            "{what} leaks part of {s}"
        );
    }
}

/// The finding of a `--format json` run by path and rule, for comparisons.
fn json_finding<'a>(findings: &'a [Value], path: &str, rule: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| f["path"] == path && f["rule_id"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {path}: {findings:#?}"))
}

/// The first 16 hex digits of that finding's fingerprint, as the short formats show it.
fn short_fingerprint(findings: &[Value], path: &str, rule: &str) -> String {
    json_finding(findings, path, rule)["fingerprint"]
        .as_str()
        .unwrap()[..16]
        .to_string()
}

fn leaked_then_deleted(repo: &GitRepo, key: &str) -> String {
    repo.leak_then_delete(key)
}

#[test]
fn github_annotations_point_at_file_line_and_column() {
    let t = TestDir::new();
    let (key, password) = (fake::aws_key_id(46), fake::password(47));
    let name = "conf/we,ird:100%.env";
    t.write(
        name,
        format!("# test\nAWS_ACCESS_KEY_ID={key}\nDB_PASSWORD=\"{password}\"\n"),
    );
    t.write(
        "allowed.env",
        format!("K={} # leakhound:allow\n", fake::aws_key_id(48)),
    );
    let findings = t.run(["dir", ".", "--format", "json"]).findings();
    let fp = |rule: &str| short_fingerprint(&findings, name, rule);
    let run = t.run(["dir", ".", "--format", "github"]);
    run.expect_code(1);
    assert_redacted(&run.stdout, &[key, password], "github");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        vec![
            format!(
                "::error file=conf/we%2Cird%3A100%25.env,line=2,col=19,endLine=2,endColumn=39,\
                 title=AWS access key ID::aws.access-key-id: AKIA\u{2026} (fingerprint {}). \
                 Rotate or revoke it, then remove it.",
                fp("aws.access-key-id")
            ),
            format!(
                "::warning file=conf/we%2Cird%3A100%25.env,line=3,col=14,endLine=3,endColumn=30,\
                 title=Generic secret assignment::generic.assigned-secret: {}\u{2026} \
                 (fingerprint {}). Rotate or revoke it, then remove it.",
                &fake::password(47)[..4],
                fp("generic.assigned-secret")
            ),
            format!(
                "::notice title=leakhound::2 findings in 1 file (1 error, 1 warning); \
                 1 ignored (1 leakhound:allow); scanned 2 blobs with {} rules; 0 scan errors",
                findings_rules(&t)
            ),
        ]
    );
}

/// The elements named `tag` in `node`.
fn elements<'a, 'i>(node: roxmltree::Node<'a, 'i>, tag: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    node.descendants().filter(|n| n.has_tag_name(tag)).collect()
}

/// How many rules a scan of `t` runs.
fn findings_rules(t: &TestDir) -> u64 {
    t.run(["dir", ".", "--format", "json"]).json()["summary"]["rules"]
        .as_u64()
        .unwrap()
}

#[test]
fn github_annotations_escape_messages_and_report_errors() {
    let t = TestDir::new();
    planted(&t);
    let run = t.run(["dir", ".", "no\nsuch", "--format", "github"]);
    run.expect_code(2);
    let lines: Vec<&str> = run.stdout.lines().collect();
    // Four findings, one error, the summary: a newline in a name cannot start a line of its own.
    assert_eq!(lines.len(), 6, "{}", run.stdout);
    assert!(lines.iter().all(|l| l.starts_with("::")), "{}", run.stdout);
    let error = lines[4];
    // Shown as `\n`, not obeyed: not even as a line break inside the annotation.
    assert!(
        error.starts_with("::error title=leakhound scan error::no\\nsuch"),
        "{error}"
    );
    assert!(
        lines[5].ends_with("; 1 scan error (the scan is incomplete)"),
        "{}",
        lines[5]
    );
}

#[test]
fn history_findings_name_their_commit_in_github_junit_and_markdown() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(49);
    let added = leaked_then_deleted(&repo, &key);
    let short = &added[..12];
    let run = repo.run(["git", ".", "--format", "github"]);
    let line = run
        .expect_code(1)
        .stdout
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(
        line.starts_with("::error file=config/prod.env,line=2,col=19,"),
        "{line}"
    );
    assert!(
        line.contains(&format!(
            "introduced in commit {short} by Alice Example on 2024-01-01"
        )),
        "{line}"
    );
    let run = repo.run(["git", ".", "--format", "junit"]);
    let xml = run.expect_code(1).stdout.clone();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let failure = elements(doc.root(), "failure")[0];
    assert!(
        failure
            .text()
            .unwrap()
            .contains(&format!("commit: {added}"))
    );
    let run = repo.run([
        "git",
        ".",
        "--format",
        "markdown",
        "--platform",
        "github",
        "--repo-url",
        "https://github.com/acme/app",
    ]);
    let md = run.expect_code(1).stdout.clone();
    assert_redacted(&md, std::slice::from_ref(&key), "markdown");
    assert!(
        md.contains(&format!(
            "| [`{short}:config/prod.env:2`](https://github.com/acme/app/blob/{added}/config/prod.env#L2) |"
        )),
        "{md}"
    );
}

#[test]
fn junit_has_a_case_per_rule_and_a_failure_per_finding() {
    let t = TestDir::new();
    let secrets = planted(&t);
    let key = fake::aws_key_id(50);
    t.write("odd/a&b<c>\".txt", format!("k={key}\n"));
    let rules = findings_rules(&t);
    let run = t.run(["dir", ".", "--format", "junit"]);
    run.expect_code(1);
    assert_redacted(&run.stdout, &secrets, "junit");
    let doc = roxmltree::Document::parse(&run.stdout).expect("well-formed XML");
    let suite = elements(doc.root(), "testsuite")[0];
    assert_eq!(suite.attribute("name"), Some("leakhound"));
    let cases = elements(suite, "testcase");
    // One case per rule, and the scan-errors case.
    assert_eq!(cases.len() as u64, rules + 1);
    assert_eq!(
        suite.attribute("tests"),
        Some((rules + 1).to_string().as_str())
    );
    let failing: Vec<_> = cases
        .iter()
        .filter(|&&c| !elements(c, "failure").is_empty())
        .collect();
    // aws.access-key-id (two findings), aws.secret-access-key, github token, generic.
    assert_eq!(failing.len(), 4);
    assert_eq!(suite.attribute("failures"), Some("4"));
    assert_eq!(suite.attribute("errors"), Some("0"));
    let aws = cases
        .iter()
        .find(|c| c.attribute("name") == Some("aws.access-key-id"))
        .unwrap();
    assert_eq!(aws.attribute("classname"), Some("aws"));
    let failures = elements(*aws, "failure");
    assert_eq!(failures.len(), 2);
    assert_eq!(
        failures[0].attribute("message"),
        Some("AWS access key ID at creds.txt:1:4")
    );
    let body = failures[0].text().unwrap();
    assert!(body.starts_with("creds.txt:1:4\n"), "{body}");
    assert!(body.contains("secret: AKIA\u{2026}\n"), "{body}");
    let findings = t.run(["dir", ".", "--format", "json"]).findings();
    let fp = json_finding(&findings, "creds.txt", "aws.access-key-id")["fingerprint"]
        .as_str()
        .unwrap();
    assert!(body.contains(&format!("fingerprint: {fp}\n")), "{body}");
    assert_eq!(
        failures[1].attribute("message"),
        Some("AWS access key ID at odd/a&b<c>\".txt:1:3")
    );
    let errors_case = cases.last().unwrap();
    assert_eq!(errors_case.attribute("name"), Some("scan-errors"));
    assert_eq!(errors_case.children().filter(|n| n.is_element()).count(), 0);

    // An unreadable target: an <error> in scan-errors, counted on the suite.
    let run = t.run(["dir", ".", "missing-dir", "--format", "junit"]);
    run.expect_code(2);
    let doc = roxmltree::Document::parse(&run.stdout).expect("well-formed XML");
    assert_eq!(
        elements(doc.root(), "testsuite")[0].attribute("errors"),
        Some("1")
    );
    let error = elements(doc.root(), "error")[0];
    assert_eq!(
        error.parent().unwrap().attribute("name"),
        Some("scan-errors")
    );
    assert!(error.text().unwrap().contains("missing-dir"));
}

#[test]
fn markdown_table_lists_findings_with_escaped_cells() {
    let t = TestDir::new();
    let secrets = planted(&t);
    let key = fake::aws_key_id(51);
    t.write("a|b`c.txt", format!("k={key}\n"));
    t.write(
        "ok.txt",
        format!("k={} # leakhound:allow\n", fake::aws_key_id(52)),
    );
    let findings = t.run(["dir", ".", "--format", "json"]).findings();
    let run = t.run(["dir", ".", "--format", "markdown"]);
    run.expect_code(1);
    assert_redacted(&run.stdout, &secrets, "markdown");
    let md = &run.stdout;
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines[0], "## leakhound: 5 leaked secrets");
    assert!(
        lines[2].starts_with("**5 findings** in 2 files; scanned 3 blobs with "),
        "{md}"
    );
    assert!(
        lines[2].ends_with("; 1 ignored (1 leakhound:allow); 0 errors"),
        "{md}"
    );
    assert_eq!(
        lines[4],
        "| Confidence | Rule | Location | Secret | Fingerprint |"
    );
    let rows: Vec<&str> = lines[6..]
        .iter()
        .copied()
        .filter(|l| l.starts_with("| "))
        .collect();
    assert_eq!(rows.len(), 5, "{md}");
    // Sorted by path: `a|b`c.txt` first; its `|` is escaped and its backtick fenced.
    assert_eq!(
        rows[0],
        format!(
            "| high | AWS access key ID (`aws.access-key-id`) | ``a\\|b`c.txt:1`` | `AKIA\u{2026}` | `{}` |",
            short_fingerprint(&findings, "a|b`c.txt", "aws.access-key-id")
        )
    );
    assert_eq!(
        rows[1],
        format!(
            "| high | AWS access key ID (`aws.access-key-id`) | `creds.txt:1` | `AKIA\u{2026}` | `{}` |",
            short_fingerprint(&findings, "creds.txt", "aws.access-key-id")
        )
    );
    // Every row has five cells once escaped pipes are set aside.
    for row in &rows {
        assert_eq!(row.replace("\\|", "").matches('|').count(), 6, "{row}");
    }
    assert!(
        rows.iter()
            .any(|r| r.starts_with("| low | Generic secret assignment"))
    );
}

#[test]
fn markdown_says_when_nothing_was_found() {
    let t = TestDir::new();
    t.write("clean.txt", "nothing here\n");
    let run = t.run(["dir", ".", "--format", "markdown"]);
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "## leakhound");
    assert_eq!(lines[2], "No leaked secrets found.");
    assert!(
        lines[4].starts_with("**0 findings** in 0 files; scanned 1 blob with "),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("| Confidence |"));
}
