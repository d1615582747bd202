//! `leakhound dir`: what is found, where, and what is skipped.

use crate::harness::{TestDir, fake, is_root, require_tool, rule_ids};

#[test]
fn planted_secrets_are_found_with_rule_line_and_column() {
    let t = TestDir::new();
    let key = fake::aws_key_id(1);
    let secret = fake::aws_secret(2);
    let pat = fake::github_pat(3);
    t.write(
        "app/settings.py",
        format!(
            "import os\n\nAWS_ACCESS_KEY_ID = \"{key}\"\naws_secret_access_key = \"{secret}\"\n"
        ),
    );
    t.write(
        "deploy.yaml",
        format!("steps:\n  - env:\n      GH: {pat}\n"),
    );
    let run = t.run(["dir", ".", "--format", "json"]);
    run.expect_code(1);
    let findings = run.findings();
    assert_eq!(
        rule_ids(&findings),
        [
            "aws.access-key-id",
            "aws.secret-access-key",
            "github.pat-classic"
        ]
    );
    let by_rule = |id: &str| {
        findings
            .iter()
            .find(|f| f["rule_id"] == id)
            .unwrap_or_else(|| panic!("no {id}"))
            .clone()
    };
    let k = by_rule("aws.access-key-id");
    assert_eq!(k["path"], "app/settings.py");
    assert_eq!(
        (k["line"].as_u64(), k["column"].as_u64()),
        (Some(3), Some(22))
    );
    assert_eq!(k["end_column"].as_u64(), Some(42));
    let s = by_rule("aws.secret-access-key");
    assert_eq!(
        (s["line"].as_u64(), s["column"].as_u64()),
        (Some(4), Some(26))
    );
    let g = by_rule("github.pat-classic");
    assert_eq!(g["path"], "deploy.yaml");
    assert_eq!(
        (g["line"].as_u64(), g["column"].as_u64()),
        (Some(3), Some(11))
    );
    assert_eq!(g["provider"], "github");
    assert_eq!(g["confidence"], "high");
}

#[test]
fn columns_count_characters_not_bytes() {
    let t = TestDir::new();
    let key = fake::aws_key_id(4);
    // "é" and "→" are multi-byte in UTF-8; the column counts them once each.
    t.write("notes.txt", format!("café → {key}\n"));
    let run = t.run(["dir", ".", "--format", "json"]);
    let f = &run.expect_code(1).findings()[0];
    assert_eq!(f["column"].as_u64(), Some(8));
    assert_eq!(f["offset"].as_u64(), Some(10));
}

#[test]
fn placeholders_and_near_misses_are_not_reported() {
    let t = TestDir::new();
    let pat = fake::github_pat(5);
    let bad_checksum = format!(
        "{}{}",
        &pat[..39],
        if pat.ends_with('A') { 'B' } else { 'A' }
    );
    t.write(
        "config.env",
        format!(
            "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n\
             aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
             DB_PASSWORD=${{DB_PASSWORD}}\n\
             password = changeme\n\
             api_key = \"<your-api-key>\"\n\
             token = os.getenv(\"TOKEN\")\n\
             see {bad_checksum}\n\
             secret = xxxxxxxxxxxxxxxxxxxx\n\
             password_field = PasswordInputWidget\n"
        ),
    );
    let run = t.run(["dir", ".", "--format", "json"]);
    run.expect_code(0);
    assert!(run.findings().is_empty(), "{}", run.stdout);
}

#[test]
fn provider_rule_wins_over_the_generic_rule() {
    let t = TestDir::new();
    let pat = fake::github_pat(6);
    t.write(
        "ci.env",
        format!(
            "GITHUB_TOKEN={pat}\napi_token = \"{}\"\n",
            fake::password(7)
        ),
    );
    let run = t.run(["dir", ".", "--format", "json"]);
    let findings = run.expect_code(1).findings();
    assert_eq!(
        rule_ids(&findings),
        ["generic.assigned-secret", "github.pat-classic"],
        "the token line must give only the GitHub finding"
    );
    let generic = findings
        .iter()
        .find(|f| f["rule_id"] == "generic.assigned-secret")
        .unwrap();
    assert_eq!(generic["line"].as_u64(), Some(2));
}

#[test]
fn gitignore_and_ignore_files_are_honoured_unless_no_ignore() {
    let t = TestDir::new();
    t.write(".gitignore", "build/\n*.log\n");
    t.write(".ignore", "vendor/\n");
    t.write("build/out.txt", fake::aws_key_id(10));
    t.write("debug.log", fake::aws_key_id(11));
    t.write("vendor/lib.txt", fake::aws_key_id(12));
    t.write("src/main.txt", fake::aws_key_id(13));
    t.write(".env", format!("KEY={}\n", fake::aws_key_id(14)));
    let paths = |args: &[&str]| {
        let mut full = vec!["dir", ".", "--format", "json"];
        full.extend_from_slice(args);
        let mut p: Vec<String> = t
            .run(full)
            .findings()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect();
        p.sort();
        p
    };
    assert_eq!(
        paths(&[]),
        [".env", "src/main.txt"],
        "hidden files are scanned, ignored ones not"
    );
    assert_eq!(
        paths(&["--no-ignore"]),
        [
            ".env",
            "build/out.txt",
            "debug.log",
            "src/main.txt",
            "vendor/lib.txt"
        ]
    );
    assert_eq!(paths(&["--exclude", "src/**"]), [".env"]);
}

#[test]
fn the_git_directory_is_never_scanned() {
    let t = TestDir::new();
    let token = fake::github_pat(15);
    t.write(".git/config", format!("token = {token}\n"));
    t.write("readme.txt", "nothing here\n");
    t.run(["dir", ".", "--no-ignore"]).expect_code(0);
    // Positive control: the same file outside `.git` is found, so the silence above is the walk
    // leaving `.git` out, not the token going unnoticed.
    t.write("git/config", format!("token = {token}\n"));
    let run = t.run(["dir", ".", "--no-ignore", "--format", "json"]);
    let findings = run.expect_code(1).findings();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["path"], "git/config");
}

#[test]
fn explicit_files_and_stdin_are_scanned() {
    let t = TestDir::new();
    t.write(".gitignore", "secret.txt\n");
    t.write("secret.txt", fake::aws_key_id(16));
    let run = t.run(["dir", "secret.txt", "--format", "json"]);
    assert_eq!(
        run.expect_code(1).findings().len(),
        1,
        "named files bypass ignore files"
    );
    let input = format!("line one\nkey={}\n", fake::aws_key_id(17));
    let run = t.run_stdin(["dir", "-", "--format", "json"], input.as_bytes());
    let f = &run.expect_code(1).findings()[0];
    assert_eq!(
        (f["path"].as_str(), f["line"].as_u64()),
        (Some("-"), Some(2))
    );
    assert_eq!(f["source"]["kind"], "stdin");
}

#[test]
fn a_secret_across_a_chunk_boundary_is_found_once() {
    let t = TestDir::new();
    let chunk = 1024 * 1024;
    let pat = fake::github_pat(18);
    let mut data = Vec::new();
    // Fill with short lines of text, then place the token so a read boundary splits it.
    while data.len() < chunk - 20 {
        data.extend_from_slice(b"lorem ipsum dolor sit amet\n");
    }
    data.truncate(chunk - 21);
    data.push(b'\n');
    data.extend_from_slice(pat.as_bytes());
    data.extend_from_slice(b"\n");
    while data.len() < 3 * chunk {
        data.extend_from_slice(b"consectetur adipiscing elit\n");
    }
    let lines_before = data[..chunk - 20].iter().filter(|&&b| b == b'\n').count() as u64;
    t.write("big.txt", &data);
    let run = t.run(["dir", ".", "--format", "json", "--chunk-size", "1MiB"]);
    let findings = run.expect_code(1).findings();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["line"].as_u64(), Some(lines_before + 1));
    assert_eq!(findings[0]["offset"].as_u64(), Some(chunk as u64 - 20));
    // Secrets in every chunk, including the overlap regions, are each reported exactly once.
    let mut data = Vec::new();
    let mut planted = 0;
    while data.len() < 5 * chunk {
        data.extend_from_slice(
            format!("k{} = {}\n", planted, fake::aws_key_id(planted)).as_bytes(),
        );
        data.extend_from_slice(&[b'.'; 4000]);
        data.push(b'\n');
        planted += 1;
    }
    t.write("big.txt", &data);
    let run = t.run(["dir", ".", "--format", "json", "--chunk-size", "1MiB"]);
    assert_eq!(run.expect_code(1).findings().len() as u64, planted);
}

#[test]
fn binary_files_are_skipped_unless_scan_binary() {
    let t = TestDir::new();
    let mut data = b"\x7fELF\x00\x00\x01".to_vec();
    data.extend_from_slice(fake::aws_key_id(20).as_bytes());
    data.extend_from_slice(b"\x00\x00");
    t.write("tool.bin", &data);
    let run = t.run(["dir", ".", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(run.json()["summary"]["skipped_binary"], 1);
    let run = t.run(["dir", ".", "--format", "json", "--scan-binary"]);
    assert_eq!(run.expect_code(1).findings().len(), 1);
}

#[test]
fn oversized_files_are_skipped_and_reported() {
    let t = TestDir::new();
    let mut big = vec![b'a'; 2048];
    big.extend_from_slice(format!("\n{}\n", fake::aws_key_id(21)).as_bytes());
    t.write("big.txt", &big);
    t.write("small.txt", fake::aws_key_id(22));
    let run = t.run(["dir", ".", "--format", "json", "--max-file-size", "1K"]);
    // Skipping by size is a documented limit, not an error: the exit code reflects the findings.
    run.expect_code(1);
    assert_eq!(run.findings().len(), 1);
    assert_eq!(run.json()["summary"]["skipped_large"], 1);
    run.expect_stderr("skipped big.txt");
    run.expect_stderr("--max-file-size");
}

#[test]
fn an_unreadable_file_is_an_error_and_the_scan_goes_on() {
    use std::os::unix::fs::PermissionsExt;
    let t = TestDir::new();
    t.write("ok.txt", fake::aws_key_id(23));
    let locked = t.write("locked.txt", fake::aws_key_id(24));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let run = if is_root() {
        // root reads anything; drop to nobody so the permission check is real.
        if !require_tool("setpriv") {
            return;
        }
        std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(t.join("ok.txt"), std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_leakhound"));
        crate::harness::run_in(t.path(), cmd, ["dir", ".", "--format", "json"], None)
    } else {
        t.run(["dir", ".", "--format", "json"])
    };
    run.expect_code(2);
    assert_eq!(
        run.findings().len(),
        1,
        "the readable file is still scanned"
    );
    assert_eq!(run.json()["summary"]["errors"], 1);
    run.expect_stderr("locked.txt");
    assert!(
        run.stderr.to_lowercase().contains("permission denied"),
        "{}",
        run.stderr
    );
}

#[test]
fn non_utf8_paths_and_content_are_kept() {
    use std::os::unix::ffi::OsStrExt;
    let t = TestDir::new();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    let mut content = b"r\xe9sum\xe9 ".to_vec();
    content.extend_from_slice(fake::aws_key_id(25).as_bytes());
    t.write(name, &content);
    let run = t.run(["dir", ".", "--format", "json"]);
    let f = &run.expect_code(1).findings()[0];
    assert_eq!(f["path"], "caf\u{FFFD}.txt");
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(
            f["path_base64"]
                .as_str()
                .expect("path_base64 for a non-UTF-8 name"),
        )
        .unwrap();
    assert_eq!(raw, b"caf\xe9.txt");
    assert_eq!(f["column"].as_u64(), Some(8));
}

#[test]
fn a_missing_target_is_an_error() {
    let t = TestDir::new();
    let run = t.run(["dir", "does-not-exist"]);
    run.expect_code(2);
    run.expect_stderr("does-not-exist");
}

#[test]
fn the_same_secret_twice_on_a_line_is_one_finding() {
    let t = TestDir::new();
    let key = fake::aws_key_id(26);
    t.write("a.txt", format!("{key} {key}\n{key}\n"));
    let run = t.run(["dir", ".", "--format", "json"]);
    let lines: Vec<u64> = run
        .expect_code(1)
        .findings()
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 2]);
}
