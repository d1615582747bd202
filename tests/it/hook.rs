//! The pre-commit hook, run by the real pre-commit framework (PyPI `pre-commit`) in a real repo.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::harness::{GitRepo, TestDir, fake, require_tool};

/// This repository's hook manifest, the file pre-commit reads from a hook repository.
fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml")
}

/// A command with the test repository's isolated git identity, pre-commit's cache in `cache`,
/// and the freshly built `leakhound` first on PATH (what the `leakhound-system` hook runs).
fn command(program: &str, cwd: &Path, cache: &Path) -> Command {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_leakhound"))
        .parent()
        .expect("binary dir")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let mut cmd = Command::new(program);
    cmd.current_dir(cwd)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", cache)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Alice Example")
        .env("GIT_AUTHOR_EMAIL", "alice@example.com")
        .env("GIT_COMMITTER_NAME", "Alice Example")
        .env("GIT_COMMITTER_EMAIL", "alice@example.com")
        .env("NO_COLOR", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE");
    cmd
}

fn run(mut cmd: Command) -> Output {
    cmd.output().expect("spawn")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A hook repository holding this project's `.pre-commit-hooks.yaml`, committed; returns its rev.
fn hook_repo(dir: &TestDir, cache: &Path) -> String {
    std::fs::copy(manifest(), dir.join(".pre-commit-hooks.yaml")).expect("copy manifest");
    for args in [
        &["init", "-q", "-b", "main"][..],
        &["add", "-A"],
        &["commit", "-q", "-m", "hooks"],
    ] {
        let mut cmd = command("git", dir.path(), cache);
        cmd.args(args);
        let out = run(cmd);
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    }
    let mut cmd = command("git", dir.path(), cache);
    cmd.args(["rev-parse", "HEAD"]);
    String::from_utf8_lossy(&run(cmd).stdout).trim().to_string()
}

#[test]
fn the_manifest_is_valid_for_pre_commit() {
    if !require_tool("pre-commit") {
        return;
    }
    let out = run({
        let mut c = Command::new("pre-commit");
        c.args(["validate-manifest"]).arg(manifest());
        c
    });
    assert!(out.status.success(), "{}", text(&out));
}

#[test]
fn pre_commit_blocks_a_secret_and_passes_clean_and_allowed_commits() {
    if !require_tool("pre-commit") {
        return;
    }
    let Some(repo) = GitRepo::new() else { return };
    let cache = TestDir::new();
    let hooks = TestDir::new();
    let rev = hook_repo(&hooks, cache.path());
    repo.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n- repo: {}\n  rev: {rev}\n  hooks:\n  - id: leakhound-system\n",
            hooks.path().display()
        ),
    );
    repo.write("README.md", "a project\n");
    repo.commit_all("initial");
    let git = |args: &[&str]| -> Output {
        let mut c = command("git", repo.path(), cache.path());
        c.args(args);
        run(c)
    };
    let mut install = command("pre-commit", repo.path(), cache.path());
    install.arg("install");
    let out = run(install);
    assert!(out.status.success(), "{}", text(&out));

    // A commit that adds a secret is blocked, with a readable message.
    let key = fake::aws_key_id(900);
    repo.write("deploy/prod.env", format!("AWS_ACCESS_KEY_ID={key}\n"));
    git(&["add", "deploy/prod.env"]);
    let out = git(&["commit", "-m", "add prod env"]);
    let msg = text(&out);
    assert!(!out.status.success(), "the commit must be blocked:\n{msg}");
    assert!(msg.contains("deploy/prod.env"), "{msg}");
    assert!(msg.contains("AWS access key ID"), "{msg}");
    assert!(msg.contains("commit blocked"), "{msg}");
    assert!(!msg.contains(&key), "the secret is redacted:\n{msg}");
    let head = git(&["rev-list", "--count", "HEAD"]);
    assert_eq!(String::from_utf8_lossy(&head.stdout).trim(), "1");

    // The same file without the secret commits.
    repo.write("deploy/prod.env", "AWS_ACCESS_KEY_ID=${FROM_VAULT}\n");
    git(&["add", "deploy/prod.env"]);
    let out = git(&["commit", "-m", "add prod env"]);
    assert!(
        out.status.success(),
        "a clean commit passes:\n{}",
        text(&out)
    );

    // A line marked leakhound:allow commits.
    repo.write(
        "tests/fixture.py",
        format!(
            "KEY = \"{}\"  # leakhound:allow documented test key\n",
            fake::aws_key_id(901)
        ),
    );
    git(&["add", "tests/fixture.py"]);
    let out = git(&["commit", "-m", "add fixture"]);
    assert!(
        out.status.success(),
        "an allowed line passes:\n{}",
        text(&out)
    );

    // `pre-commit run --all-files` scans the tracked tree, not nothing: a secret committed
    // past the hook is found.
    let hidden = fake::github_pat(902);
    repo.write("old/notes.txt", format!("token {hidden}\n"));
    git(&["add", "old/notes.txt"]);
    let out = git(&["commit", "--no-verify", "-m", "bypass"]);
    assert!(out.status.success(), "{}", text(&out));
    let mut all = command("pre-commit", repo.path(), cache.path());
    all.args(["run", "--all-files"]);
    let out = run(all);
    let msg = text(&out);
    assert!(!out.status.success(), "{msg}");
    assert!(msg.contains("old/notes.txt"), "{msg}");
    assert!(msg.contains("tracked files"), "{msg}");
    assert!(
        !msg.contains("tests/fixture.py"),
        "allowed line stays quiet: {msg}"
    );
}
