//! The pull-request gate: this repository's GitHub Action (`action.yml`), its scan and gate steps
//! run as the runner would run them, on a fixture repository whose pull request has a merge.

use std::path::Path;
use std::process::Command;

use crate::harness::{GitRepo, TestDir, fake, require_tool};

/// The `run:` script of the step with this `id` (or `name`) in action.yml, read with PyYAML
/// (which the pre-commit framework the tests also need brings along).
fn step_script(key: &str) -> String {
    let action = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, yaml\n\
             steps = yaml.safe_load(open(sys.argv[1]))['runs']['steps']\n\
             s = [s for s in steps if s.get('id') == sys.argv[2] or s.get('name') == sys.argv[2]]\n\
             sys.stdout.write(s[0]['run'])\n",
        )
        .arg(&action)
        .arg(key)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "cannot read action.yml: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 script")
}

fn python_has_yaml() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("python3 with PyYAML is required (installed with pre-commit by .ci/run)");
        }
        eprintln!("skipping: python3 with PyYAML is not installed");
    }
    ok
}

#[test]
fn the_action_gates_a_pull_request_with_a_merge() {
    if !require_tool("bash") || !python_has_yaml() {
        return;
    }
    let Some(repo) = GitRepo::new() else { return };
    let (old, on_branch, on_main, in_merge) = (
        fake::aws_key_id(700),
        fake::aws_key_id(701),
        fake::github_pat(702),
        fake::aws_key_id(703),
    );
    repo.write("config.env", format!("OLD={old}\nMODE=a\n"));
    repo.commit_all("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("app/settings.py", format!("KEY = \"{on_branch}\"\n"));
    repo.write("config.env", format!("OLD={old}\nMODE=feature\n"));
    repo.commit_all("feature work");
    repo.git(&["checkout", "-q", "main"]);
    repo.write("main.txt", format!("token {on_main}\n"));
    repo.write("config.env", format!("OLD={old}\nMODE=main\n"));
    let base = repo.commit_all("main moves on");
    repo.git(&["checkout", "-q", "feature"]);
    // Merge main into the branch; the conflict's resolution adds a secret of its own.
    let merge = Command::new("git")
        .current_dir(repo.path())
        .args(["merge", "-q", "main"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git merge");
    assert!(!merge.status.success(), "the fixture needs a conflict");
    repo.write(
        "config.env",
        format!("OLD={old}\nMODE=both\nNEW={in_merge}\n"),
    );
    repo.git(&["add", "config.env"]);
    let head = repo.commit("merge main into feature");

    let runner = TestDir::new();
    let output = runner.write("output", "");
    let summary = runner.write("summary.md", "");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_leakhound")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let scan = Command::new("bash")
        .arg("-c")
        .arg(step_script("scan"))
        .current_dir(repo.path())
        .env("PATH", &path)
        .env("RUNNER_TEMP", runner.path())
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("LH_RANGE", "")
        .env("LH_EVENT", "pull_request")
        .env("LH_PR_BASE", &base)
        .env("LH_PR_HEAD", &head)
        .env("LH_FAIL_ON", "low")
        .env("LH_BASELINE", "")
        .env("LH_ARGS", "")
        .env("LH_SERVER", "https://github.com")
        .env("LH_REPO", "acme/widgets")
        .output()
        .expect("run the scan step");
    let stdout = String::from_utf8_lossy(&scan.stdout);
    let stderr = String::from_utf8_lossy(&scan.stderr);
    assert!(
        scan.status.success(),
        "the scan step itself succeeds:\n{stdout}\n{stderr}"
    );

    // Annotations: the branch's secret and the merge resolution's, not main's, not the old one.
    let annotations: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect();
    assert_eq!(annotations.len(), 2, "{stdout}\n{stderr}");
    assert!(
        annotations
            .iter()
            .any(|l| l.contains("file=app/settings.py,line=1")),
        "{stdout}"
    );
    assert!(
        annotations
            .iter()
            .any(|l| l.contains("file=config.env,line=3")),
        "{stdout}"
    );
    for secret in [&old, &on_branch, &on_main, &in_merge] {
        assert!(!stdout.contains(secret.as_str()), "redacted: {stdout}");
    }
    let outputs = std::fs::read_to_string(&output).unwrap();
    assert!(outputs.contains("exit-code=1"), "{outputs}");

    // The job summary and the SARIF report hold the same two findings.
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("app/settings.py"), "{md}");
    assert!(md.contains("config.env"), "{md}");
    assert!(!md.contains("main.txt"), "{md}");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(runner.join("leakhound.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);

    // The gate step turns the exit code into the job's result.
    for (code, want) in [("1", 1), ("0", 0), ("2", 2)] {
        let gate = Command::new("bash")
            .arg("-c")
            .arg(step_script("Gate"))
            .env("LH_CODE", code)
            .output()
            .expect("run the gate step");
        assert_eq!(gate.status.code(), Some(want));
    }
}
