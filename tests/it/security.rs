//! Hardening: what a scanned tree or repository must not be able to do to leakhound's output, its
//! memory, or its verdict. Each test guards one case of the security-hardening issue.

use std::process::Command;

use crate::harness::{GitRepo, TestDir, fake};

/// Every format a person or a log reads, and the machine ones.
const FORMATS: [&str; 7] = [
    "human", "json", "jsonl", "sarif", "github", "markdown", "junit",
];

// --- 1. Terminal and log injection -------------------------------------------------------------

#[test]
fn control_characters_in_file_names_are_shown_not_obeyed() {
    let t = TestDir::new();
    let key = fake::aws_key_id(901);
    t.write("\u{1b}]0;PWNED\u{7}\u{1b}[2Jx.env", format!("id={key}\n"));
    t.write("a\n0 findings in 0 files\n.env", format!("id={key}\n"));
    t.write(
        "b\n::error file=forged.rs,line=1::forged\n.env",
        format!("id={key}\n"),
    );
    for format in ["human", "github", "markdown", "junit"] {
        let run = t.run(["dir", ".", "--format", format, "--color", "never"]);
        run.expect_code(1);
        assert!(
            !run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{7}'),
            "{format} prints raw control characters:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("\\x1b]0;PWNED\\x07"),
            "{format}:\n{}",
            run.stdout
        );
        for line in run.stdout.lines() {
            assert!(
                !line.starts_with("0 findings") && !line.starts_with("::error file=forged"),
                "{format}: a file name forged a line: {line:?}\n{}",
                run.stdout
            );
        }
    }
}

#[test]
fn control_characters_in_stderr_messages_are_shown_not_obeyed() {
    let t = TestDir::new();
    t.write("\u{1b}[2Jbig\r\nleakhound: 0 errors.txt", "x".repeat(4096));
    let run = t.run(["dir", ".", "--max-file-size", "1KiB"]);
    run.expect_code(0);
    assert!(
        !run.stderr.contains('\u{1b}') && !run.stderr.contains('\r'),
        "{:?}",
        run.stderr
    );
    run.expect_stderr("\\x1b[2Jbig\\r\\nleakhound: 0 errors.txt");
    assert!(
        run.stderr
            .lines()
            .all(|l| !l.starts_with("leakhound: 0 errors")),
        "{}",
        run.stderr
    );
}

#[test]
fn control_characters_in_git_authors_and_subjects_are_shown_not_obeyed() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(902);
    repo.write("config.env", format!("id={key}\n"));
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "--author",
        "Mallory \u{1b}]0;PWNED\u{7} <m@example.com>",
        "-m",
        "subject \u{1b}[2J cleared",
    ]);
    for format in ["human", "github", "markdown", "junit"] {
        let run = repo.run(["git", ".", "--format", format, "--color", "never"]);
        run.expect_code(1);
        assert!(
            !run.stdout.contains('\u{1b}'),
            "{format} prints raw escapes:\n{}",
            run.stdout
        );
    }
    let run = repo.run(["git", ".", "--color", "always"]);
    assert!(run.stdout.contains("\\x1b]0;PWNED"), "{}", run.stdout);
    assert!(
        run.stdout.contains("subject \\x1b[2J cleared"),
        "{}",
        run.stdout
    );
    // Only leakhound's own colour codes remain: no OSC, no screen clearing.
    assert!(!run.stdout.contains("\u{1b}]") && !run.stdout.contains("\u{1b}[2J"));
}

#[test]
fn github_annotations_cannot_be_forged_by_a_path_or_a_snippet() {
    let t = TestDir::new();
    let key = fake::aws_key_id(903);
    t.write(
        "x,title=fake::y%0A.env",
        format!("id={key}\r::error::forged\n"),
    );
    let run = t.run(["dir", ".", "--format", "github"]);
    run.expect_code(1);
    let annotations: Vec<&str> = run.stdout.lines().filter(|l| l.starts_with("::")).collect();
    assert!(
        annotations
            .iter()
            .all(|l| !l.starts_with("::error::forged")),
        "{}",
        run.stdout
    );
    let finding = annotations
        .iter()
        .find(|l| l.starts_with("::error file="))
        .expect("an annotation for the finding");
    assert!(
        finding.contains("file=x%2Ctitle=fake%3A%3Ay%250A.env,"),
        "{finding}"
    );
}

// --- 2. Snippets never leak a secret -----------------------------------------------------------

#[test]
fn a_second_copy_of_a_secret_on_the_line_is_redacted_too() {
    let t = TestDir::new();
    let token = fake::github_pat(904);
    t.write(
        "a.sh",
        format!(
            "TOKEN=\"{token}\" # was xx{token}yy\nJSON={{\"t\": \"{}\"}}\n",
            token
        ),
    );
    for format in FORMATS {
        let run = t.run(["dir", ".", "--format", format]);
        run.expect_code(1);
        assert!(
            !run.stdout.contains(&token) && !run.stderr.contains(&token),
            "{format} leaks the token:\n{}",
            run.stdout
        );
    }
}

/// Property: for random lines holding a secret one or more times (glued to other text, quoted,
/// at a long line's cut), no default output contains it. A seeded loop: the same cases every run.
#[test]
fn property_no_default_format_ever_prints_a_secret() {
    let t = TestDir::new();
    let mut rng = 0x5eed_u64;
    let mut next = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let glue = [
        "", " ", "\"", "'", "xx", "yy", "=", ":", "/", "\\", "`", "(", ")", "#", "\t", "%",
    ];
    let mut secrets = Vec::new();
    let mut text = String::new();
    for case in 0..120u64 {
        let secret = match next(3) {
            0 => fake::github_pat(1000 + case),
            1 => fake::aws_key_id(1000 + case),
            _ => fake::aws_secret(1000 + case),
        };
        let mut line = String::new();
        if next(4) == 0 {
            // A long line, so the snippet is cut around the first copy.
            line.push_str(&fake::chars(case, 200 + next(200) as usize, "abc xyz.,;"));
        }
        let label = if secret.len() == 40 {
            "aws_secret_access_key="
        } else {
            "token: "
        };
        line.push_str(label);
        line.push_str(&secret);
        // The first copy is delimited, so the rule's secret is exactly this one; the later
        // copies are glued to anything.
        line.push_str([" ", "\"", "'", "\t", ";"][next(5) as usize]);
        for _ in 0..next(4) {
            line.push_str(glue[next(glue.len() as u64) as usize]);
            line.push_str(&fake::chars(case + 7, next(120) as usize, "abcdefgh .="));
            line.push_str(glue[next(glue.len() as u64) as usize]);
            line.push_str(&secret);
            line.push_str(glue[next(glue.len() as u64) as usize]);
        }
        text.push_str(&line);
        text.push('\n');
        secrets.push(secret);
    }
    t.write("lines.txt", &text);
    for format in FORMATS {
        let run = t.run(["dir", ".", "--format", format]);
        run.expect_code(1);
        for s in &secrets {
            let leaked: Vec<&str> = run
                .stdout
                .lines()
                .chain(run.stderr.lines())
                .filter(|l| l.contains(s.as_str()))
                .collect();
            let line = text.lines().find(|l| l.contains(s.as_str()));
            assert!(
                leaked.is_empty(),
                "{format} leaks {s} from line {line:?}:\n{leaked:#?}"
            );
        }
    }
}

// --- 3. Git blob size is bounded ---------------------------------------------------------------

/// Writes a blob of `size` zero bytes to the repository and commits it as `big.bin`.
fn commit_zero_blob(repo: &GitRepo, size: u64) {
    let script = format!("head -c {size} /dev/zero | git hash-object -w --stdin");
    let out = Command::new("sh")
        .current_dir(repo.path())
        .args(["-c", &script])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run git hash-object");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    repo.git(&[
        "update-index",
        "--add",
        "--cacheinfo",
        &format!("100644,{id},big.bin"),
    ]);
    repo.commit("Add a big blob");
}

#[test]
fn a_git_blob_over_max_file_size_is_skipped_by_its_stored_size_loose_and_packed() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(905);
    repo.write("config.env", format!("id={key}\n"));
    repo.commit_all("config");
    commit_zero_blob(&repo, 200 << 20);
    for packed in [false, true] {
        if packed {
            repo.git(&["repack", "-a", "-d", "-q"]);
        }
        let run = repo.run(["git", ".", "--max-file-size", "1MiB", "--color", "never"]);
        run.expect_code(1);
        assert!(
            run.stdout.contains("1 over the size limit"),
            "packed={packed}:\n{}\n{}",
            run.stdout,
            run.stderr
        );
        run.expect_stderr("200.0 MiB is over --max-file-size");
        assert!(run.stdout.contains("config.env"), "{}", run.stdout);
        // With its heap limited to less than the blob, the scan still completes: the blob is
        // never inflated (before the fix it was, whole, and then skipped).
        let bin = env!("CARGO_BIN_EXE_leakhound");
        let run = crate::harness::run_in(
            repo.path(),
            Command::new("sh"),
            [
                "-c",
                &format!(
                    "ulimit -d 150000 && exec '{bin}' git . --max-file-size 1MiB --color never"
                ),
            ],
            None,
        );
        run.expect_code(1);
        assert!(
            run.stdout.contains("1 over the size limit"),
            "{}",
            run.stdout
        );
        // The same limit applies to a commit range.
        let run = repo.run([
            "git",
            ".",
            "--max-commits",
            "1",
            "--max-file-size",
            "1MiB",
            "--color",
            "never",
        ]);
        run.expect_code(0);
        assert!(
            run.stdout.contains("1 over the size limit"),
            "{}",
            run.stdout
        );
    }
}

// --- 4. Missing objects are errors -------------------------------------------------------------

/// Deletes loose object `id` from the repository.
fn delete_object(repo: &GitRepo, id: &str) {
    let path = repo
        .path()
        .join(".git/objects")
        .join(&id[..2])
        .join(&id[2..]);
    std::fs::remove_file(&path).unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
}

#[test]
fn a_missing_blob_is_an_error_named_and_counted() {
    let Some(repo) = GitRepo::new() else { return };
    repo.write("a.txt", "hello\n");
    repo.write("b.txt", "world\n");
    repo.commit_all("init");
    let blob = repo.git(&["rev-parse", "HEAD:b.txt"]);
    delete_object(&repo, &blob);
    let run = repo.run(["git", ".", "--color", "never"]);
    run.expect_code(2);
    run.expect_stderr(&format!("blob {blob}"));
    run.expect_stderr("is missing");
    assert!(run.stdout.contains("1 error"), "{}", run.stdout);
}

#[test]
fn a_missing_tree_is_an_error_named_and_counted() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(906);
    repo.write("dir/config.env", format!("id={key}\n"));
    repo.commit_all("init");
    let tree = repo.git(&["rev-parse", "HEAD:dir"]);
    delete_object(&repo, &tree);
    let run = repo.run(["git", ".", "--color", "never"]);
    run.expect_code(2);
    run.expect_stderr(&format!("tree {tree}"));
}

// --- 6. --output is replaced only when the report is complete ----------------------------------

#[test]
fn a_failed_scan_leaves_the_previous_report_intact() {
    let t = TestDir::new();
    t.write("report.json", "previous report\n");
    // An unreadable rules file fails the run after --output is named.
    let run = t.run([
        "dir",
        ".",
        "--format",
        "json",
        "-o",
        "report.json",
        "--rules",
        "missing.toml",
    ]);
    run.expect_code(2);
    assert_eq!(
        std::fs::read_to_string(t.join("report.json")).unwrap(),
        "previous report\n"
    );
    // A scan whose target cannot be read at all still writes a complete report.
    let run = t.run([
        "git",
        "no-such-repo",
        "--format",
        "json",
        "-o",
        "report.json",
    ]);
    run.expect_code(2);
    let report = std::fs::read_to_string(t.join("report.json")).unwrap();
    assert!(report.contains("\"findings\""), "{report}");
}

#[test]
fn an_interrupted_scan_leaves_the_previous_report_intact() {
    let t = TestDir::new();
    t.write("report.json", "previous report\n");
    // stdin that never ends: the scan is still running when it is killed.
    let mut child = crate::harness::leakhound()
        .current_dir(t.path())
        .args(["dir", "-", "--format", "json", "-o", "report.json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn leakhound");
    {
        use std::io::Write as _;
        let stdin = child.stdin.as_mut().expect("stdin");
        stdin.write_all(b"some text\n").unwrap();
        stdin.flush().unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().expect("kill leakhound");
    let _ = child.wait();
    assert_eq!(
        std::fs::read_to_string(t.join("report.json")).unwrap(),
        "previous report\n"
    );
    let temps: Vec<_> = std::fs::read_dir(t.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "report.json")
        .collect();
    assert!(
        temps.is_empty() || temps.iter().all(|n| n.starts_with('.')),
        "{temps:?}"
    );
}

#[test]
fn output_naming_a_scanned_file_does_not_empty_it_first() {
    let t = TestDir::new();
    let key = fake::aws_key_id(907);
    t.write("report.txt", format!("id={key}\n"));
    let run = t.run(["dir", ".", "--format", "json", "-o", "report.txt"]);
    run.expect_code(1);
    let report = std::fs::read_to_string(t.join("report.txt")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&report).expect("a JSON report");
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(findings[0]["path"], "report.txt");
}

// --- 7. Several repositories, annotated tags, --max-commits ------------------------------------

#[test]
fn git_with_several_repositories_scans_the_rest_when_the_first_is_bad() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(908);
    repo.write("config.env", format!("id={key}\n"));
    repo.commit_all("init");
    let other = TestDir::new();
    let good = repo.path().to_string_lossy().into_owned();
    let run = other.run([
        "git",
        "not-a-repo",
        &good,
        "--format",
        "json",
        "--show-secrets",
    ]);
    run.expect_code(2);
    run.expect_stderr("not-a-repo");
    let findings = run.findings();
    assert_eq!(crate::harness::secrets(&findings), vec![key]);
}

#[test]
fn an_annotated_tag_message_is_reachable_from_its_tag_ref() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(909);
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    repo.git(&["tag", "-a", "v1", "-m", &format!("release with id={key}")]);
    let run = repo.run(["git", ".", "--format", "json", "--show-secrets"]);
    run.expect_code(1);
    let findings = run.findings();
    let f = crate::harness::by_secret(&findings, &key);
    assert_eq!(f["source"]["reachable"], true, "{f:#}");
    let run = repo.run(["git", ".", "--color", "never"]);
    assert!(!run.stdout.contains("not reachable"), "{}", run.stdout);
}

#[test]
fn max_commits_zero_is_refused() {
    let Some(repo) = GitRepo::new() else { return };
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    let run = repo.run(["git", ".", "--max-commits", "0"]);
    run.expect_code(2);
    run.expect_stderr("--max-commits");
    run.expect_stderr("at least 1");
}

// --- 5. Unbounded matches, and what a scanned tree's configuration may do ----------------------

const LOREM_RULE: &str = r#"provider = "x"

[[rules]]
id = "x.lorem"
name = "Lorem"
pattern = '''(?s)(lorem.*)'''
keywords = ["lorem"]
confidence = "high"
"#;

#[test]
fn an_unbounded_user_rule_reports_matches_no_longer_than_its_cap() {
    let t = TestDir::new();
    t.write("rules/lorem.toml", LOREM_RULE);
    t.write(
        "rules-capped/lorem.toml",
        format!("{LOREM_RULE}max_match_len = 100\n"),
    );
    t.write(
        "scan/text.txt",
        "lorem ipsum dolor sit amet ".repeat(40_000),
    );
    for (rules, cap) in [("rules", 16 * 1024), ("rules-capped", 100)] {
        let run = t.run([
            "dir",
            "scan",
            "--no-builtin-rules",
            "--rules",
            rules,
            "--format",
            "json",
            "--show-secrets",
        ]);
        run.expect_code(1);
        let findings = run.findings();
        assert!(!findings.is_empty());
        for f in &findings {
            let len = f["secret"].as_str().unwrap().len();
            assert!(
                len <= cap,
                "{rules}: a {len}-byte match over the cap of {cap}"
            );
        }
    }
}

#[test]
fn max_match_len_must_be_in_range() {
    let t = TestDir::new();
    t.write(
        "rules/lorem.toml",
        format!("{LOREM_RULE}max_match_len = 0\n"),
    );
    let run = t.run(["dir", ".", "--no-builtin-rules", "--rules", "rules"]);
    run.expect_code(2);
    run.expect_stderr("max_match_len must be between 1 and 65536");
}

#[test]
fn a_config_in_the_scanned_tree_cannot_name_rule_files_outside_it() {
    let outside = TestDir::new();
    outside.write("rules/lorem.toml", LOREM_RULE);
    let t = TestDir::new();
    t.write(
        ".leakhound.toml",
        format!(
            "rule_files = [{:?}]\n",
            outside.join("rules").display().to_string()
        ),
    );
    t.write("a.txt", "lorem ipsum\n");
    let run = t.run(["dir", "."]);
    run.expect_code(2);
    run.expect_stderr("outside the scanned tree");
    // Named with --config, the same file is trusted.
    let run = t.run(["dir", ".", "--config", ".leakhound.toml"]);
    run.expect_code(1);
}

#[cfg(unix)]
#[test]
fn symlinked_config_and_ignore_files_in_the_scanned_tree_are_refused() {
    let outside = TestDir::new();
    outside.write("secret-notes.txt", "root:hunter2-not-a-fingerprint\n");
    let t = TestDir::new();
    std::os::unix::fs::symlink(outside.join("secret-notes.txt"), t.join(".leakhoundignore"))
        .unwrap();
    let run = t.run(["dir", "."]);
    run.expect_code(2);
    run.expect_stderr("symbolic link");
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    std::fs::remove_file(t.join(".leakhoundignore")).unwrap();
    std::os::unix::fs::symlink(outside.join("secret-notes.txt"), t.join(".leakhound.toml"))
        .unwrap();
    let run = t.run(["dir", "."]);
    run.expect_code(2);
    run.expect_stderr("symbolic link");
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
}
