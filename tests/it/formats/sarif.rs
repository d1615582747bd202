//! SARIF: the log's rules, results, locations and fingerprints, checked against GitHub's
//! documented requirements and limits and validated with Microsoft's SARIF multitool.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use super::{assert_redacted, json_finding, leaked_then_deleted, planted};
use crate::harness::{GitRepo, Run, TestDir, fake};

/// The SARIF log a run printed.
fn sarif(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", run.stdout))
}

/// The first element of `array` whose `key` is `value`.
fn by<'a>(array: &'a Value, key: &str, value: &str) -> &'a Value {
    let found = array
        .as_array()
        .and_then(|a| a.iter().find(|x| x[key] == value));
    found.unwrap_or_else(|| panic!("no {key} = {value} in {array:#}"))
}

/// A result's `artifactLocation.uri`.
fn uri(result: &Value) -> &str {
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .expect("uri")
}

/// What GitHub code scanning requires of an upload, and its hard limits.
fn assert_github_accepts(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().expect("runs");
    assert!(!runs.is_empty() && runs.len() <= 20, "1 to 20 runs");
    for run in runs {
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "leakhound");
        assert!(driver["version"].is_string() && driver["semanticVersion"].is_string());
        let rules = driver["rules"].as_array().expect("rules");
        assert!(rules.len() <= 25_000);
        for rule in rules {
            for field in ["id", "name"] {
                assert!(rule[field].is_string(), "rule without {field}: {rule}");
            }
            for field in ["shortDescription", "fullDescription"] {
                assert!(rule[field]["text"].is_string(), "{field}: {rule}");
            }
            assert!(rule["help"]["text"].is_string() && rule["help"]["markdown"].is_string());
            assert!(
                ["error", "warning", "note"]
                    .contains(&rule["defaultConfiguration"]["level"].as_str().unwrap())
            );
            let tags = rule["properties"]["tags"].as_array().expect("tags");
            assert!(tags.len() <= 10, "GitHub keeps 10 tags: {rule}");
            let severity: f64 = rule["properties"]["security-severity"]
                .as_str()
                .expect("security-severity is a string")
                .parse()
                .expect("security-severity is a number");
            assert!((0.0..=10.0).contains(&severity));
        }
        let results = run["results"].as_array().expect("results");
        assert!(results.len() <= 25_000);
        for r in results {
            let id = r["ruleId"].as_str().expect("ruleId");
            let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(rules[index]["id"], id, "ruleIndex points at its rule");
            assert!(r["message"]["text"].is_string());
            assert!(r["partialFingerprints"]["leakhound/v1"].is_string());
            let locations = r["locations"].as_array().expect("locations");
            assert!(!locations.is_empty() && locations.len() <= 1000);
            let phys = &locations[0]["physicalLocation"];
            let uri = phys["artifactLocation"]["uri"].as_str().expect("uri");
            assert!(
                !uri.starts_with('/') && !uri.contains('\\') && !uri.contains(' '),
                "a relative reference or an absolute URI: {uri}"
            );
            assert!(phys["region"]["startLine"].as_u64().unwrap() >= 1);
        }
    }
}

/// The multitool: `LEAKHOUND_SARIF_MULTITOOL`, or the copy `.ci/run` installs under target/.
fn multitool() -> Option<PathBuf> {
    let path = match std::env::var_os("LEAKHOUND_SARIF_MULTITOOL") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/tools/node_modules/.bin/sarif-multitool"),
    };
    if path.exists() {
        return Some(path);
    }
    let hint = "install it with `npm install --prefix target/tools @microsoft/sarif-multitool` \
                (.ci/run does) or point LEAKHOUND_SARIF_MULTITOOL at it";
    if std::env::var_os("CI").is_some() {
        panic!(
            "the SARIF multitool is missing at {} (CI is set): {hint}",
            path.display()
        );
    }
    eprintln!(
        "skipped: SARIF validation, no multitool at {}: {hint}",
        path.display()
    );
    None
}

/// The multitool's settings: the SARIF SDK's own GitHub policy (policies/github.config.xml in
/// microsoft/sarif-sdk: GitHub's requirements raised to errors), and no check that every URI is
/// reachable, which needs the network and takes a minute.
fn github_policy() -> String {
    let rules = [
        ("SARIF2006.UrisShouldBeReachable", "Disabled"),
        ("SARIF2007.ExpressPathsRelativeToRepoRoot", "Error"),
        ("SARIF2012.ProvideHelpUris", "Warning"),
        ("SARIF2016.FileUrisShouldBeRelative", "Disabled"),
        ("GH1001.ProvideRequiredLocationProperties", "Error"),
        ("GH1002.InlineThreadFlowLocations", "Error"),
        ("GH1003.ProvideRequiredRegionProperties", "Error"),
        ("GH1004.ReviewArraysThatExceedConfigurableDefaults", "Error"),
        ("GH1005.LocationsMustBeRelativeUrisOrFilePaths", "Error"),
        ("GH1006.ProvideCheckoutPath", "Error"),
    ];
    let body: String = rules
        .iter()
        .map(|(rule, state)| {
            format!(
                "  <Properties Key='{rule}.Options'><Property Key='RuleEnabled' Value='{state}' />\
                 </Properties>\n"
            )
        })
        .collect();
    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<Properties>\n{body}</Properties>\n")
}

/// Validates `log` with the SARIF multitool: the schema and the SARIF rules, then GitHub's rules.
/// The tool exits 0 whatever it finds, so its own output log is read: no error and no warning may
/// be in it (but the missing `informationUri` while Cargo.toml names no repository).
pub(crate) fn validate(t: &TestDir, log: &Value) {
    let Some(tool) = multitool() else { return };
    let input = t.join("leakhound.sarif");
    std::fs::write(&input, serde_json::to_vec_pretty(log).unwrap()).unwrap();
    let policy = t.write("github.config.xml", github_policy());
    // Two runs: the npm wrapper passes arguments through a shell, so "Sarif;Gh" cannot be one.
    for kind in ["Sarif", "Gh"] {
        let report = t.join(format!("validation-{kind}.sarif"));
        let out = Command::new(&tool)
            .arg("validate")
            .arg(&input)
            .arg("--output")
            .arg(&report)
            .arg("--config")
            .arg(&policy)
            .args(["--rule-kind", kind, "--log", "ForceOverwrite"])
            .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
            .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .output()
            .expect("run the SARIF multitool");
        let console = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "multitool failed:\n{console}");
        let text = std::fs::read_to_string(&report)
            .unwrap_or_else(|e| panic!("no validation log ({e}):\n{console}"));
        let report: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
        let run = &report["runs"][0];
        assert_eq!(
            run["invocations"][0]["executionSuccessful"], true,
            "the validator did not finish:\n{console}"
        );
        let problems: Vec<&Value> = run["results"]
            .as_array()
            .map(|r| r.iter().collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|r| {
                // An absent level means "warning".
                let level = r["level"].as_str().unwrap_or("warning");
                let no_repository = env!("CARGO_PKG_REPOSITORY").is_empty()
                    && env!("CARGO_PKG_HOMEPAGE").is_empty();
                let tolerated = no_repository
                    && r["ruleId"] == "SARIF2005"
                    && r["message"]["id"] == "Warning_ProvideToolnformationUri";
                matches!(level, "error" | "warning") && !tolerated
            })
            .collect();
        assert!(
            problems.is_empty(),
            "the multitool ({kind} rules) reports:\n{console}\n{problems:#?}"
        );
    }
}

#[test]
fn sarif_lists_every_rule_and_locates_each_finding() {
    let t = TestDir::new();
    let secrets = planted(&t);
    let json = t.run(["dir", ".", "--format", "json"]);
    let json_doc = json.expect_code(1).json();
    let findings = json_doc["findings"].as_array().unwrap();
    let run = t.run(["dir", ".", "--format", "sarif"]);
    run.expect_code(1);
    assert_redacted(&run.stdout, &secrets, "sarif");
    let log = sarif(&run);
    assert_github_accepts(&log);
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let r = &log["runs"][0];
    assert_eq!(r["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(r["columnKind"], "unicodeCodePoints");
    assert_eq!(r["invocations"][0]["executionSuccessful"], true);
    // Every rule the scan ran is described, not only those that found something, while the
    // pack fits GitHub's 1,000 descriptors; a larger pack describes the rules with results.
    let rules = r["tool"]["driver"]["rules"].as_array().unwrap();
    let ran = json_doc["summary"]["rules"].as_u64().unwrap();
    if ran <= 1000 {
        assert_eq!(rules.len() as u64, ran);
    } else {
        let mut with_results: Vec<&str> = findings
            .iter()
            .map(|f| f["rule_id"].as_str().unwrap())
            .collect();
        with_results.sort_unstable();
        with_results.dedup();
        let described: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(described, with_results);
    }
    // Under 1,000 rules every one is described.
    let few = t.run([
        "dir",
        ".",
        "--format",
        "sarif",
        "--only-rules",
        "aws.*,generic.*,github.*",
    ]);
    let few_log = sarif(&few);
    let few_rules = few_log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert!(
        few_rules.iter().any(|r| r["id"] == "github.oauth-token"),
        "{few_rules:?}"
    );
    let aws = by(&r["tool"]["driver"]["rules"], "id", "aws.access-key-id");
    assert_eq!(aws["name"], "AWSAccessKeyID");
    assert_eq!(aws["shortDescription"]["text"], "AWS access key ID");
    assert_eq!(aws["defaultConfiguration"]["level"], "error");
    assert_eq!(aws["properties"]["security-severity"], "8.9");
    assert_eq!(
        aws["properties"]["tags"],
        serde_json::json!(["security", "secret", "aws"])
    );
    assert!(aws["helpUri"].as_str().unwrap().starts_with("https://"));
    assert!(
        aws["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("Rotate or revoke")
    );
    let generic = by(
        &r["tool"]["driver"]["rules"],
        "id",
        "generic.assigned-secret",
    );
    assert_eq!(generic["defaultConfiguration"]["level"], "warning");
    assert_eq!(generic["properties"]["security-severity"], "4.0");

    let results = r["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    assert_eq!(results.len(), 4);
    let key_id = by(&r["results"], "ruleId", "aws.access-key-id");
    let expected = json_finding(findings, "creds.txt", "aws.access-key-id");
    assert_eq!(key_id["level"], "error");
    assert_eq!(
        key_id["message"]["text"],
        "AWS access key ID: AKIA\u{2026} found. Rotate or revoke it, then remove it from the code."
    );
    assert_eq!(
        key_id["partialFingerprints"]["leakhound/v1"],
        expected["fingerprint"]
    );
    let phys = &key_id["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "creds.txt");
    let region = &phys["region"];
    for (sarif, json) in [
        ("startLine", "line"),
        ("startColumn", "column"),
        ("endLine", "end_line"),
        ("endColumn", "end_column"),
    ] {
        assert_eq!(region[sarif], expected[json], "{sarif}");
    }
    assert_eq!(
        (&region["startLine"], &region["startColumn"]),
        (&1.into(), &4.into())
    );
    assert_eq!(region["snippet"]["text"], "AKIA\u{2026}");
    assert_eq!(phys["contextRegion"]["snippet"]["text"], "id=AKIA\u{2026}");
    let password = by(&r["results"], "ruleId", "generic.assigned-secret");
    assert_eq!(password["level"], "warning");
    validate(&t, &log);

    // --show-secrets is the only way to see them.
    let shown = t.run(["dir", ".", "--format", "sarif", "--show-secrets"]);
    assert!(secrets.iter().all(|s| shown.stdout.contains(s.as_str())));
}

#[test]
fn sarif_uris_are_percent_encoded_relative_references() {
    let t = TestDir::new();
    let key = fake::aws_key_id(44);
    t.write("a dir/x#1+y:z.env", format!("k={key}\n"));
    t.write("caf\u{e9}/k.txt", format!("k={key}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        t.write(
            std::ffi::OsStr::from_bytes(b"raw\xff.txt"),
            format!("k={key}\n"),
        );
    }
    let run = t.run(["dir", ".", "--format", "sarif"]);
    run.expect_code(1);
    let log = sarif(&run);
    assert_github_accepts(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let mut uris: Vec<&str> = results.iter().map(uri).collect();
    uris.sort();
    let mut expected = vec!["a%20dir/x%231%2By%3Az.env", "caf%C3%A9/k.txt"];
    if cfg!(unix) {
        expected.push("raw%FF.txt");
    }
    expected.sort();
    assert_eq!(uris, expected);
    validate(&t, &log);

    // An absolute path becomes a file URI, and the working directory tells GitHub where the
    // checkout is.
    let dir = t.path().canonicalize().unwrap();
    let run = crate::harness::run_in(
        Path::new("/"),
        crate::harness::leakhound(),
        [
            std::ffi::OsStr::new("dir"),
            dir.join("caf\u{e9}").as_os_str(),
            "--format".as_ref(),
            "sarif".as_ref(),
        ],
        None,
    );
    run.expect_code(1);
    let log = sarif(&run);
    assert_github_accepts(&log);
    if cfg!(unix) {
        let expected = format!("file://{}/caf%C3%A9/k.txt", dir.display());
        assert_eq!(uri(&log["runs"][0]["results"][0]), expected);
    }
    assert_eq!(
        log["runs"][0]["invocations"][0]["workingDirectory"]["uri"],
        "file:///"
    );
    validate(&t, &log);
}

#[test]
fn sarif_reports_scan_errors_as_tool_notifications() {
    let t = TestDir::new();
    let secrets = planted(&t);
    let run = t.run(["dir", ".", "missing-dir", "--format", "sarif"]);
    run.expect_code(2);
    assert_redacted(&run.stdout, &secrets, "sarif");
    let log = sarif(&run);
    let inv = &log["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(notes[0]["level"], "error");
    assert!(
        notes[0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("missing-dir")
    );
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 4);
    validate(&t, &log);
}

#[test]
fn sarif_for_git_history_carries_the_commit() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(45);
    let added = leaked_then_deleted(&repo, &key);
    let run = repo.run(["git", ".", "--format", "sarif"]);
    run.expect_code(1);
    assert_redacted(&run.stdout, std::slice::from_ref(&key), "sarif");
    let log = sarif(&run);
    assert_github_accepts(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{results:#?}");
    let r = &results[0];
    let phys = &r["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "config/prod.env");
    assert_eq!(phys["region"]["startLine"], 2);
    assert_eq!(phys["region"]["startColumn"], 19);
    let p = &r["properties"];
    assert_eq!(p["commit"], added);
    assert_eq!(p["author"], "Alice Example <alice@example.com>");
    assert!(p["date"].as_str().unwrap().starts_with("2024-01-01T"));
    assert_eq!(p["object"], "blob");
    assert_eq!(p["objectId"].as_str().map(str::len), Some(40));
    assert_eq!(p["inHead"], false);
    assert!(
        r["message"]["text"]
            .as_str()
            .unwrap()
            .contains(&added[..12]),
        "{r}"
    );
    validate(&repo.dir, &log);
}
