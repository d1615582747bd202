//! The test harness: a fresh temp dir per test, the real `leakhound` binary, and fake secrets.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// A temp dir that lives as long as the test.
pub struct TestDir {
    dir: tempfile::TempDir,
}

impl TestDir {
    pub fn new() -> TestDir {
        TestDir {
            dir: tempfile::Builder::new()
                .prefix("leakhound-it-")
                .tempdir()
                .expect("create temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes `contents` to `rel`, creating parent directories.
    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent dirs");
        }
        std::fs::write(&path, contents).expect("write fixture file");
        path
    }

    /// Runs `leakhound ARGS` with this dir as the working directory.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run_in(self.path(), leakhound(), args, None)
    }

    /// Like [`TestDir::run`] with `stdin` fed to the process.
    pub fn run_stdin<I, S>(&self, args: I, stdin: &[u8]) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        run_in(self.path(), leakhound(), args, Some(stdin))
    }
}

pub fn leakhound() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_leakhound"));
    cmd.env_remove("NO_COLOR");
    cmd
}

pub fn run_in<I, S>(cwd: &Path, mut cmd: Command, args: I, stdin: Option<&[u8]>) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    cmd.current_dir(cwd).args(args);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn leakhound");
    if let Some(data) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(data).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for leakhound");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, printing the output when it differs.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts that standard error mentions `needle` (showing it when it does not).
    pub fn expect_stderr(&self, needle: &str) -> &Run {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    /// The `findings` of a `--format json` run.
    pub fn findings(&self) -> Vec<Value> {
        let doc: Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout));
        doc["findings"].as_array().expect("findings array").clone()
    }

    /// The whole JSON document of a `--format json` run.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// The rule ids of `findings`, sorted.
pub fn rule_ids(findings: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = findings
        .iter()
        .map(|f| f["rule_id"].as_str().expect("rule_id").to_string())
        .collect();
    ids.sort();
    ids
}

/// True when this process runs as root (permission tests then drop to `nobody`).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Fails the test when a tool it needs is missing under CI; elsewhere says so in the test output
/// and returns false (the test then returns early: skipped).
pub fn require_tool(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("{tool} is required for this test and is not installed (CI is set)");
        }
        report_skip(&format!("{tool} is not installed"));
    }
    found
}

/// Says a test was skipped where the person running the tests sees it: straight to the
/// process's stderr, which the test runner does not capture (its capture takes only the print
/// macros).
pub fn report_skip(why: &str) {
    use std::io::Write as _;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// The commit clock: one second per commit from 2024-01-01T00:00:00Z, strictly increasing.
pub fn commit_date(tick: u32) -> String {
    format!(
        "2024-01-01T{:02}:{:02}:{:02}Z",
        tick / 3600,
        tick / 60 % 60,
        tick % 60
    )
}

/// Fake, well-formed credentials made at run time (never real).
pub mod fake {
    /// An AWS access key id: AKIA + 16 base32 characters derived from `seed`.
    pub fn aws_key_id(seed: u64) -> String {
        format!(
            "AKIA{}",
            chars(seed, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        )
    }

    /// A 40-character AWS secret access key.
    pub fn aws_secret(seed: u64) -> String {
        chars(
            seed,
            40,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+",
        )
    }

    /// A GitHub classic token with a correct checksum.
    pub fn github_pat(seed: u64) -> String {
        let body = chars(seed, 30, B62);
        let crc = crc32fast::hash(body.as_bytes());
        format!(
            "ghp_{body}{}",
            leakhound::rules::validator::base62_encode(u64::from(crc), 6)
        )
    }

    /// A random-looking password for the generic rule.
    pub fn password(seed: u64) -> String {
        format!("{}#9", chars(seed, 14, B62))
    }

    const B62: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// `len` characters of `alphabet` from a small PRNG seeded with `seed`.
    pub fn chars(seed: u64, len: usize, alphabet: &str) -> String {
        let alphabet = alphabet.as_bytes();
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize] as char
            })
            .collect()
    }
}

/// Four secrets in `creds.txt`, made from `seed` (high: AWS id, AWS secret, GitHub token; low: a
/// password).
pub fn plant_creds(t: &TestDir, seed: u64) -> Vec<String> {
    let secrets = vec![
        fake::aws_key_id(seed),
        fake::aws_secret(seed + 1),
        fake::github_pat(seed + 2),
        fake::password(seed + 3),
    ];
    t.write(
        "creds.txt",
        format!(
            "id={}\naws_secret_access_key={}\ntoken: {}\nDB_PASSWORD=\"{}\"\n",
            secrets[0], secrets[1], secrets[2], secrets[3]
        ),
    );
    secrets
}

/// A git repository built with the real `git` in a temp dir, with a fixed identity and clock.
pub struct GitRepo {
    pub dir: TestDir,
    /// Seconds added to the commit clock per commit, so history has a stable order.
    tick: std::cell::Cell<u32>,
}

impl GitRepo {
    /// `git init` in a fresh temp dir (default branch `main`). Panics under CI if git is missing.
    pub fn new() -> Option<GitRepo> {
        if !require_tool("git") {
            return None;
        }
        let repo = GitRepo {
            dir: TestDir::new(),
            tick: std::cell::Cell::new(0),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        Some(repo)
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git here with an isolated environment; panics with git's stderr on failure.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(self.path(), args)
    }

    pub fn git_in(&self, cwd: &Path, args: &[&str]) -> String {
        let date = commit_date(self.tick.get());
        let out = Command::new("git")
            .current_dir(cwd)
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", self.path())
            .env("GIT_AUTHOR_NAME", "Alice Example")
            .env("GIT_AUTHOR_EMAIL", "alice@example.com")
            .env("GIT_COMMITTER_NAME", "Alice Example")
            .env("GIT_COMMITTER_EMAIL", "alice@example.com")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env("GIT_TERMINAL_PROMPT", "0")
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Writes a file (relative to the work tree).
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) {
        self.dir.write(rel, contents);
    }

    /// Stages everything and commits; returns the commit id.
    pub fn commit_all(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.commit(message)
    }

    /// Commits what is staged (empty commits allowed); returns the commit id.
    pub fn commit(&self, message: &str) -> String {
        self.tick.set(self.tick.get() + 1);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Commits `config/prod.env` with `key` in a second commit and removes it in a third;
    /// returns the commit that added it.
    pub fn leak_then_delete(&self, key: &str) -> String {
        self.write("README.md", "hello\n");
        self.commit_all("init");
        self.write("config/prod.env", format!("A=1\nAWS_ACCESS_KEY_ID={key}\n"));
        let added = self.commit_all("Add production config");
        self.git(&["rm", "-q", "config/prod.env"]);
        self.commit("Remove credentials");
        added
    }

    /// Runs `leakhound ARGS` in the repository.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.dir.run(args)
    }
}

/// The finding whose secret (revealed) is `secret`, from a `--show-secrets --format json` run.
pub fn by_secret<'a>(findings: &'a [Value], secret: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| f["secret"] == secret)
        .unwrap_or_else(|| panic!("no finding for {secret}: {findings:#?}"))
}

/// The revealed secrets of `findings`, sorted.
pub fn secrets(findings: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .map(|f| f["secret"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}
