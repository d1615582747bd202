//! `leakhound git`: whole history, ranges, staged changes, provenance and bad repositories, on
//! real repositories built with `git`.

use crate::harness::{GitRepo, TestDir, by_secret, fake, secrets};

/// `leakhound git <args> --format json --show-secrets` in the repository; returns its findings.
fn scan(repo: &GitRepo, args: &[&str], code: i32) -> Vec<serde_json::Value> {
    let mut full = vec!["git"];
    full.extend_from_slice(args);
    full.extend_from_slice(&["--format", "json", "--show-secrets"]);
    let run = repo.run(full);
    run.expect_code(code);
    run.findings()
}

#[test]
fn a_secret_added_then_deleted_is_found_with_its_commit() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(100);
    let added = repo.leak_then_delete(&key);
    let findings = scan(&repo, &["."], 1);
    assert_eq!(secrets(&findings), std::slice::from_ref(&key));
    let f = by_secret(&findings, &key);
    assert_eq!(f["path"], "config/prod.env");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(2), Some(19))
    );
    let src = &f["source"];
    assert_eq!(src["kind"], "git");
    assert_eq!(src["object"], "blob");
    assert_eq!(src["commit"]["id"], added);
    assert_eq!(src["commit"]["author_name"], "Alice Example");
    assert_eq!(src["commit"]["author_email"], "alice@example.com");
    assert_eq!(src["commit"]["summary"], "Add production config");
    assert!(
        src["commit"]["date"]
            .as_str()
            .unwrap()
            .starts_with("2024-01-01T")
    );
    assert_eq!(src["in_head"], false, "the file was deleted");
    assert_eq!(src["reachable"], true);
    // Human output shows commit:path and the line.
    let run = repo.run(["git", "."]);
    let short = &added[..12];
    assert!(
        run.stdout.contains(&format!("{short}:config/prod.env")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("2:19"), "{}", run.stdout);
    assert!(run.stdout.contains("not in HEAD"), "{}", run.stdout);
}

#[test]
fn secrets_only_on_an_unmerged_branch_in_a_stash_and_in_a_dangling_blob() {
    let Some(repo) = GitRepo::new() else { return };
    let (on_branch, stashed, dangling) = (
        fake::aws_key_id(101),
        fake::aws_key_id(102),
        fake::aws_key_id(103),
    );
    repo.write("a.txt", "a\n");
    repo.commit_all("init");
    repo.git(&["checkout", "-q", "-b", "experiment"]);
    repo.write("exp.txt", format!("key {on_branch}\n"));
    let branch_commit = repo.commit_all("try things");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a.txt", format!("a\nwip {stashed}\n"));
    repo.git(&["stash", "-q"]);
    repo.write("loose.txt", format!("{dangling}\n"));
    let blob = repo.git(&["hash-object", "-w", "loose.txt"]);
    std::fs::remove_file(repo.path().join("loose.txt")).unwrap();
    let findings = scan(&repo, &["."], 1);
    assert_eq!(secrets(&findings).len(), 3, "{findings:#?}");
    assert_eq!(
        by_secret(&findings, &on_branch)["source"]["commit"]["id"],
        branch_commit
    );
    assert_eq!(by_secret(&findings, &stashed)["source"]["reachable"], true);
    let d = by_secret(&findings, &dangling);
    assert_eq!(d["source"]["reachable"], false);
    assert_eq!(d["source"]["object_id"], blob);
    assert!(d["source"]["commit"].is_null());
    assert_eq!(d["path"], format!("(unreachable blob {blob})"));
}

/// Two branches change the same line; the merge resolves the conflict with a secret no parent
/// had. `git log -p` shows no diff for a merge, so log-based scanners miss it.
fn conflict_resolved_with(repo: &GitRepo, secret: &str) -> String {
    repo.write("settings.ini", "token = none\n");
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.write("settings.ini", "token = from-topic\n");
    repo.commit_all("topic change");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("settings.ini", "token = from-main\n");
    repo.commit_all("main change");
    let out = std::process::Command::new("git")
        .current_dir(repo.path())
        .args(["merge", "-q", "topic"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the merge must conflict");
    repo.write(
        "settings.ini",
        format!("token = none\naws_access_key_id = {secret}\n"),
    );
    repo.git(&["add", "settings.ini"]);
    repo.commit("Merge branch 'topic'")
}

#[test]
fn content_that_first_appears_in_a_merge_resolution_is_found() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(104);
    let merge = conflict_resolved_with(&repo, &key);
    let findings = scan(&repo, &["."], 1);
    let f = by_secret(&findings, &key);
    assert_eq!(
        f["source"]["commit"]["id"], merge,
        "credited to the merge commit"
    );
    assert_eq!(f["path"], "settings.ini");
    assert_eq!(f["line"].as_u64(), Some(2));
    // The pull-request gate sees it too.
    let findings = scan(&repo, &[".", "--range", "HEAD~1..HEAD"], 1);
    assert_eq!(secrets(&findings), [key]);
}

#[test]
fn commit_and_annotated_tag_messages_are_scanned() {
    let Some(repo) = GitRepo::new() else { return };
    let (in_commit, in_tag) = (fake::github_pat(105), fake::github_pat(106));
    repo.write("a.txt", "a\n");
    repo.commit_all("init");
    let c = repo.commit(&format!("Rotate CI token\n\nold one was {in_commit}"));
    repo.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        &format!("release\nsigned with {in_tag}"),
    ]);
    let findings = scan(&repo, &["."], 1);
    let m = by_secret(&findings, &in_commit);
    assert_eq!(m["source"]["object"], "commit-message");
    assert_eq!(m["source"]["commit"]["id"], c);
    assert_eq!(m["path"], "(commit message)");
    assert_eq!(m["line"].as_u64(), Some(3));
    let t = by_secret(&findings, &in_tag);
    assert_eq!(t["source"]["object"], "tag-message");
    assert_eq!(t["source"]["reachable"], true);
    assert_eq!(t["path"], "(tag v1.0 message)");
}

#[test]
fn a_renamed_file_is_one_finding_and_a_blob_at_two_paths_is_one_finding() {
    let Some(repo) = GitRepo::new() else { return };
    let (moved, copied) = (fake::aws_key_id(107), fake::aws_key_id(108));
    repo.write("old/name.env", format!("K={moved}\n"));
    let first = repo.commit_all("add");
    repo.git(&["mv", "old", "new"]);
    repo.commit_all("rename");
    repo.write("a/creds.txt", format!("{copied}\n"));
    repo.write("b/creds.txt", format!("{copied}\n"));
    repo.commit_all("two copies");
    let findings = scan(&repo, &["."], 1);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    let m = by_secret(&findings, &moved);
    assert_eq!(m["path"], "old/name.env");
    assert_eq!(m["source"]["commit"]["id"], first);
    assert_eq!(m["source"]["other_occurrences"], 1);
    assert_eq!(
        m["source"]["in_head"], true,
        "the same blob is still at the new path"
    );
    let c = by_secret(&findings, &copied);
    assert_eq!(c["source"]["other_occurrences"], 1);
    // --all-occurrences lists the other places.
    let findings = scan(&repo, &[".", "--all-occurrences"], 1);
    let occ = &by_secret(&findings, &moved)["source"]["occurrences"];
    assert_eq!(occ[0]["path"], "new/name.env", "{occ}");
}

#[test]
fn ranges_include_exactly_the_commits_of_the_pull_request() {
    let Some(repo) = GitRepo::new() else { return };
    let s: Vec<String> = (110..116).map(fake::aws_key_id).collect();
    repo.write("a.txt", format!("{}\n", s[0]));
    repo.commit_all("c1 on main");
    repo.write("b.txt", format!("{}\n", s[1]));
    let base = repo.commit_all("c2 on main");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("c.txt", format!("{}\n", s[2]));
    let c3 = repo.commit_all("c3 on feature");
    repo.commit(&format!("c4 message mentions {}", s[3]));
    repo.git(&["checkout", "-q", "main"]);
    repo.write("d.txt", format!("{}\n", s[4]));
    repo.commit_all("c5 on main after the branch");
    repo.git(&["checkout", "-q", "feature"]);
    repo.git(&["merge", "-q", "--no-edit", "main"]);
    // A file that changes but keeps an old secret is not a new leak.
    repo.write("a.txt", format!("{}\nmore text\n", s[0]));
    repo.write("e.txt", format!("{}\n", s[5]));
    repo.commit_all("c6 edits a.txt, adds e.txt");
    let findings = scan(&repo, &[".", "--range", "main..feature"], 1);
    assert_eq!(
        secrets(&findings),
        {
            let mut v = vec![s[2].clone(), s[3].clone(), s[5].clone()];
            v.sort();
            v
        },
        "main's commits (merged in) and old secrets are excluded"
    );
    assert_eq!(by_secret(&findings, &s[2])["source"]["commit"]["id"], c3);
    // --since-commit BASE is BASE..HEAD.
    let findings = scan(&repo, &[".", "--since-commit", &base], 1);
    assert_eq!(
        secrets(&findings).len(),
        4,
        "c3, c4, c5 (merged in) and c6: {findings:#?}"
    );
    // --branch and --max-commits scope the walk.
    let findings = scan(&repo, &[".", "--branch", "main"], 1);
    let mut want = vec![s[0].clone(), s[1].clone(), s[4].clone()];
    want.sort();
    assert_eq!(secrets(&findings), want);
    let findings = scan(&repo, &[".", "--branch", "main", "--max-commits", "1"], 1);
    assert_eq!(secrets(&findings), std::slice::from_ref(&s[4]));
    // An empty range finds nothing and exits 0.
    scan(&repo, &[".", "--range", "feature..feature"], 0);
    // A bad revision is an error.
    let run = repo.run(["git", ".", "--range", "main..no-such-branch"]);
    run.expect_code(2);
    run.expect_stderr("no-such-branch");
}

#[test]
fn staged_changes_are_scanned_with_and_without_a_head() {
    let Some(repo) = GitRepo::new() else { return };
    let (first, old, new) = (
        fake::aws_key_id(120),
        fake::aws_key_id(121),
        fake::aws_key_id(122),
    );
    // No commits yet: everything staged is new.
    repo.write("init.env", format!("K={first}\n"));
    repo.git(&["add", "init.env"]);
    let findings = scan(&repo, &["--staged"], 1);
    assert_eq!(secrets(&findings), std::slice::from_ref(&first));
    assert_eq!(findings[0]["source"]["staged"], true);
    repo.commit("first");
    // Nothing staged: clean.
    scan(&repo, &["--staged"], 0);
    // A file that already had a secret gains a new one: only the new one, with its staged line.
    repo.write("app.cfg", format!("old={old}\n"));
    repo.commit_all("app config");
    repo.write("app.cfg", format!("# header\nold={old}\nnew={new}\n"));
    repo.write("unstaged.txt", format!("{}\n", fake::aws_key_id(123)));
    repo.git(&["add", "app.cfg"]);
    let findings = scan(&repo, &["--staged"], 1);
    assert_eq!(
        secrets(&findings),
        std::slice::from_ref(&new),
        "unstaged files and old secrets are not reported"
    );
    assert_eq!(findings[0]["line"].as_u64(), Some(3));
    assert_eq!(findings[0]["path"], "app.cfg");
    // A bare repository has no index to scan.
    let bare = TestDir::new();
    repo.git(&["clone", "-q", "--bare", ".", bare.path().to_str().unwrap()]);
    let run = bare.run(["git", ".", "--staged"]);
    run.expect_code(2);
    run.expect_stderr("bare");
}

#[test]
fn a_damaged_index_is_an_error_not_an_empty_staged_scan() {
    let Some(repo) = GitRepo::new() else { return };
    repo.write("app.env", format!("K={}\n", fake::aws_key_id(124)));
    repo.git(&["add", "app.env"]);
    std::fs::write(repo.path().join(".git/index"), b"DIRC\0\0\0\x02garbage").unwrap();
    let run = repo.run(["git", ".", "--staged"]);
    run.expect_code(2);
    run.expect_stderr("cannot read the index");
}

#[test]
fn a_corrupt_loose_object_is_reported_and_the_scan_goes_on() {
    let Some(repo) = GitRepo::new() else { return };
    let (good, bad) = (fake::aws_key_id(130), fake::aws_key_id(131));
    repo.write("good.txt", format!("{good}\n"));
    repo.write("bad.txt", format!("{bad}\n"));
    repo.commit_all("two files");
    let bad_id = repo.git(&["rev-parse", "HEAD:bad.txt"]);
    let path = repo
        .path()
        .join(".git/objects")
        .join(&bad_id[..2])
        .join(&bad_id[2..]);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, b"this is not zlib data at all").unwrap();
    let run = repo.run(["git", ".", "--format", "json", "--show-secrets"]);
    run.expect_code(2);
    assert_eq!(secrets(&run.findings()), [good]);
    assert!(
        run.stderr.contains(&bad_id),
        "the bad object is named: {}",
        run.stderr
    );
    assert!(run.json()["summary"]["errors"].as_u64().unwrap() >= 1);
}

#[test]
fn a_corrupt_pack_is_read_object_by_object() {
    let Some(repo) = GitRepo::new() else { return };
    let keys: Vec<String> = (140..150).map(fake::aws_key_id).collect();
    for (i, k) in keys.iter().enumerate() {
        // Incompressible filler keeps each object's data apart in the pack.
        let filler = fake::chars(
            i as u64 + 1000,
            4000,
            "abcdefghijklmnopqrstuvwxyz0123456789",
        );
        repo.write(&format!("f{i}.txt"), format!("{k}\n{filler}\n"));
    }
    repo.commit_all("many files");
    repo.git(&["gc", "-q", "--aggressive"]);
    let pack = std::fs::read_dir(repo.path().join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .expect("a pack after gc");
    let mut data = std::fs::read(&pack).unwrap();
    // Damage bytes in the middle of the pack (inside some object's compressed data).
    let mid = data.len() / 2;
    for b in &mut data[mid..mid + 64] {
        *b ^= 0xA5;
    }
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    std::fs::write(&pack, &data).unwrap();
    let run = repo.run(["git", ".", "--format", "json", "--show-secrets"]);
    run.expect_code(2);
    let found = secrets(&run.findings());
    assert!(
        found.len() >= 8,
        "most objects are still read: {found:?}\n{}",
        run.stderr
    );
    assert!(
        found.len() < keys.len(),
        "the damaged object cannot be: {found:?}"
    );
    run.expect_stderr("one by one");
    assert!(
        run.stderr.contains("error: object "),
        "bad objects are named: {}",
        run.stderr
    );
}

#[test]
fn a_path_that_is_not_a_repository_is_a_clear_error() {
    let t = TestDir::new();
    t.write("x.txt", "x\n");
    let run = t.run(["git", "."]);
    run.expect_code(2);
    run.expect_stderr("not a git repository");
    let run = t.run(["git", "missing-dir"]);
    run.expect_code(2);
    run.expect_stderr("missing-dir");
}

#[test]
fn opening_a_repository_runs_nothing_it_configures() {
    let Some(repo) = GitRepo::new() else { return };
    let marker = repo.path().join("ran");
    let script = repo.path().join("evil.sh");
    std::fs::write(&script, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let s = script.to_str().unwrap();
    repo.git(&["config", "core.fsmonitor", s]);
    repo.git(&["config", "core.hooksPath", repo.path().to_str().unwrap()]);
    repo.git(&["config", "filter.evil.clean", s]);
    repo.git(&["config", "filter.evil.smudge", s]);
    repo.git(&["config", "diff.external", s]);
    repo.git(&["config", "core.pager", s]);
    repo.write(".gitattributes", "* filter=evil\n");
    repo.write("a.txt", format!("{}\n", fake::aws_key_id(150)));
    repo.git(&[
        "-c",
        "core.fsmonitor=false",
        "-c",
        "filter.evil.clean=cat",
        "add",
        "-A",
    ]);
    std::fs::remove_file(&marker).ok();
    repo.run(["git", ".", "--staged"]).expect_code(1);
    repo.git(&[
        "-c",
        "core.fsmonitor=false",
        "-c",
        "core.hooksPath=/nonexistent",
        "commit",
        "-q",
        "-m",
        "x",
    ]);
    std::fs::remove_file(&marker).ok();
    repo.run(["git", "."]).expect_code(1);
    repo.run(["git", ".", "--range", "HEAD~0..HEAD"])
        .expect_code(0);
    assert!(
        !marker.exists(),
        "leakhound ran a program from the repository's config"
    );
}

#[test]
fn urls_are_cloned_and_unreachable_ones_fail_clearly() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(160);
    repo.write("a.txt", format!("{key}\n"));
    repo.commit_all("add");
    let url = format!("file://{}", repo.path().display());
    let elsewhere = TestDir::new();
    let run = elsewhere.run(["git", &url, "--format", "json", "--show-secrets"]);
    assert_eq!(
        secrets(&run.expect_code(1).findings()),
        std::slice::from_ref(&key)
    );
    assert_eq!(run.findings()[0]["source"]["repository"], url);
    // --clone-dir keeps the clone.
    elsewhere
        .run(["git", &url, "--clone-dir", "clones"])
        .expect_code(1);
    assert!(
        elsewhere
            .join("clones")
            .read_dir()
            .unwrap()
            .next()
            .is_some()
    );
    // Nothing listens on port 1 of the loopback address: refused at once.
    let run = elsewhere.run(["git", "https://127.0.0.1:1/org/repo.git"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("cannot clone https://127.0.0.1:1/org/repo.git"),
        "{}",
        run.stderr
    );
}

#[test]
fn bare_shallow_and_alternates_repositories_are_scanned() {
    let Some(repo) = GitRepo::new() else { return };
    let (old, new) = (fake::aws_key_id(170), fake::aws_key_id(171));
    repo.write("a.txt", format!("{old}\n"));
    repo.commit_all("old");
    repo.write("b.txt", format!("{new}\n"));
    repo.commit_all("new");
    let src = repo.path().to_str().unwrap().to_string();
    let dirs = TestDir::new();
    let bare = dirs.join("bare.git");
    repo.git(&["clone", "-q", "--bare", &src, bare.to_str().unwrap()]);
    let findings = dirs
        .run(["git", "bare.git", "--format", "json", "--show-secrets"])
        .findings();
    assert_eq!(secrets(&findings).len(), 2);
    // A shallow clone has only the newest commit's objects, and says so.
    let shallow = dirs.join("shallow");
    repo.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &format!("file://{src}"),
        shallow.to_str().unwrap(),
    ]);
    let run = dirs.run(["git", "shallow", "--format", "json", "--show-secrets"]);
    run.expect_code(1);
    assert!(secrets(&run.findings()).contains(&new));
    run.expect_stderr("shallow");
    // A clone sharing objects through alternates: its history lives in the source's store.
    let shared = dirs.join("shared");
    repo.git(&["clone", "-q", "--shared", &src, shared.to_str().unwrap()]);
    let findings = dirs
        .run(["git", "shared", "--format", "json", "--show-secrets"])
        .findings();
    assert_eq!(secrets(&findings).len(), 2, "{findings:#?}");
}

#[test]
fn lfs_pointers_and_submodules_are_noted_not_scanned() {
    let Some(repo) = GitRepo::new() else { return };
    let sub = GitRepo::new().unwrap();
    sub.write("s.txt", "inner\n");
    sub.commit_all("sub");
    repo.write(
        "model.bin",
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n",
    );
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        sub.path().to_str().unwrap(),
        "vendor/sub",
    ]);
    repo.write("k.txt", format!("{}\n", fake::aws_key_id(180)));
    repo.commit_all("lfs and submodule");
    let run = repo.run(["git", "."]);
    run.expect_code(1);
    run.expect_stderr("Git LFS pointer");
    run.expect_stderr("submodule at vendor/sub");
}

#[test]
fn findings_link_to_the_line_on_the_platform() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(190);
    repo.write("src/app.py", format!("\n\nKEY = '{key}'\n"));
    let c = repo.commit_all("add");
    let findings = scan(
        &repo,
        &[
            ".",
            "--platform",
            "github",
            "--repo-url",
            "https://github.com/acme/app",
        ],
        1,
    );
    assert_eq!(
        findings[0]["source"]["link"],
        format!("https://github.com/acme/app/blob/{c}/src/app.py#L3")
    );
    let findings = scan(
        &repo,
        &[
            ".",
            "--platform",
            "gitlab",
            "--repo-url",
            "https://gitlab.example/acme/app/",
        ],
        1,
    );
    assert_eq!(
        findings[0]["source"]["link"],
        format!("https://gitlab.example/acme/app/-/blob/{c}/src/app.py#L3")
    );
    repo.run(["git", ".", "--platform", "github"])
        .expect_code(2);
}

#[test]
fn git_findings_are_redacted_everywhere_including_commit_summaries() {
    let Some(repo) = GitRepo::new() else { return };
    let token = fake::github_pat(195);
    repo.write("ci.env", format!("GH={token}\n"));
    repo.commit_all(&format!("use {token} for CI"));
    for format in ["human", "json", "jsonl"] {
        let run = repo.run(["git", ".", "--format", format]);
        run.expect_code(1);
        assert!(
            !run.stdout.contains(&token),
            "{format} leaks the token:\n{}",
            run.stdout
        );
        assert!(
            !run.stdout.contains(&token[10..]),
            "{format} leaks part of the token"
        );
    }
}
