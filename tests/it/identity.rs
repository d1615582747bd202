//! Identity: offline identity in every output, the inventory (`--identities`) matching by each
//! field kind, the identities report in both formats, `identities fingerprint`, and bad
//! inventory files.

use std::process::Command;

use base64::Engine as _;
use serde_json::Value;

use crate::harness::{GitRepo, TestDir, by_secret, fake, require_tool};

/// A JWT with made-up claims and signature.
fn make_jwt(claims: Value) -> String {
    let enc = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        enc(serde_json::json!({"alg": "RS256", "kid": "signing-key-3"})),
        enc(claims),
        fake::chars(
            77,
            43,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
        )
    )
}

/// Runs ssh-keygen with `args` in `t`; returns the fingerprint `ssh-keygen -lf FILE.pub` prints.
fn keygen(t: &TestDir, file: &str, args: &[&str]) -> String {
    if let Some(parent) = t.join(file).parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    let mut all = vec!["-q", "-N", "", "-C", "deploy@ci", "-f", file];
    all.extend_from_slice(args);
    let ok = Command::new("ssh-keygen")
        .current_dir(t.path())
        .args(&all)
        .status()
        .expect("run ssh-keygen");
    assert!(ok.success());
    let out = Command::new("ssh-keygen")
        .current_dir(t.path())
        .args(["-lf", &format!("{file}.pub")])
        .output()
        .expect("run ssh-keygen -lf");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split_whitespace()
        .nth(1)
        .expect("a fingerprint")
        .to_string()
}

/// A service-account key file around a freshly generated RSA key; returns its key id.
fn write_service_account(t: &TestDir) -> String {
    keygen(t, "gen/sa-key", &["-t", "rsa", "-b", "2048", "-m", "PKCS8"]);
    let pem = std::fs::read_to_string(t.join("gen/sa-key")).unwrap();
    std::fs::remove_dir_all(t.join("gen")).unwrap();
    write_service_account_with(t, &pem)
}

/// `keys/sa.json` around `pem`; returns its key id.
fn write_service_account_with(t: &TestDir, pem: &str) -> String {
    let doc = serde_json::json!({
        "type": "service_account",
        "project_id": "acme-prod",
        "private_key_id": "3f9a1c0d5e7b2a4f6c8d0e1f2a3b4c5d6e7f8a9b", // leakhound:allow (made up)
        "private_key": pem,
        "client_email": "deployer@acme-prod.iam.gserviceaccount.com",
        "client_id": "109876543210987654321",
    });
    t.write("keys/sa.json", serde_json::to_string_pretty(&doc).unwrap());
    "3f9a1c0d5e7b2a4f6c8d0e1f2a3b4c5d6e7f8a9b".into()
}

fn fingerprint_of(t: &TestDir, secret: &str) -> String {
    let run = t.run_stdin(
        ["identities", "fingerprint"],
        format!("{secret}\n").as_bytes(),
    );
    run.expect_code(0);
    run.stdout.trim().to_string()
}

#[test]
fn identities_fingerprint_prints_plain_sha256_of_each_line() {
    let t = TestDir::new();
    let run = t.run_stdin(["identities", "fingerprint"], b"tok\r\n\nother\n");
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        "1a7674eb4ee78df7e1ac439a93c3fa8e3c945784d4dec9fd8e3011738b2f1d62"
    );
    let rule = t.run_stdin(["identities", "fingerprint", "--rule", "x.a"], b"tok\n");
    assert_ne!(rule.stdout.trim(), lines[0]);
}

#[test]
fn inventory_links_findings_by_each_field_kind() {
    if !require_tool("ssh-keygen") {
        return;
    }
    let t = TestDir::new();
    write_service_account(&t);
    let ssh_fp = keygen(&t, "home/id_ed25519", &["-t", "ed25519"]);
    let key_a = fake::aws_key_id(901);
    let pat = fake::github_pat(903);
    let jwt = make_jwt(
        serde_json::json!({"iss": "https://auth.acme.test", "sub": "batch", "jti": "tok-881"}),
    );
    t.write(
        "app/.env",
        format!("AWS_ACCESS_KEY_ID={key_a}\nGH_TOKEN={pat}\nSESSION={jwt}\n"),
    );
    // A second AWS key whose account (as leakhound decodes it) is a real account's 12 digits.
    let candidates: Vec<String> = (904..930).map(fake::aws_key_id).collect();
    t.write(
        "probe/keys.txt",
        candidates
            .iter()
            .map(|k| format!("key_id={k}\n"))
            .collect::<String>(),
    );
    let probe = t
        .run(["dir", "probe", "--format", "json", "--show-secrets"])
        .findings();
    std::fs::remove_dir_all(t.join("probe")).unwrap();
    let (key_b, account) = candidates
        .iter()
        .find_map(|k| {
            let account = by_secret(&probe, k)["identity"]["account"]
                .as_str()?
                .to_string();
            (account.len() == 12).then(|| (k.clone(), account))
        })
        .expect("a key id with a 12-digit account");
    t.write("app/backup.env", format!("BACKUP_AWS_KEY_ID={key_b}\n"));
    let inventory = format!(
        "identities:
  - name: prod-key
    match: {{ aws_key_ids: [{key_a}] }}
  - name: backup-account
    owner: team storage
    match: {{ aws_account_ids: ['{account}'] }}
  - name: gcp-deployer
    match: {{ emails: [deployer@acme-prod.iam.gserviceaccount.com] }}
  - name: ssh-deploy
    match: {{ public_key_fingerprints: ['{ssh_fp}'] }}
  - name: github-bot
    match: {{ secret_fingerprints: [{}] }}
  - name: batch-session
    match: {{ token_ids: [tok-881] }}
",
        fingerprint_of(&t, &pat)
    );
    t.write("inv/ids.yaml", inventory);
    let run = t.run([
        "dir",
        "app",
        "keys",
        "home",
        "--format",
        "json",
        "--show-secrets",
        "--identities",
        "inv/ids.yaml",
    ]);
    let findings = run.expect_code(1).findings();
    let linked = |secret: &str| by_secret(&findings, secret)["identity"]["inventory"].clone();
    for (secret, name, field) in [
        (key_a.as_str(), "prod-key", "aws_key_ids"),
        (key_b.as_str(), "backup-account", "aws_account_ids"),
        (
            "3f9a1c0d5e7b2a4f6c8d0e1f2a3b4c5d6e7f8a9b",
            "gcp-deployer",
            "emails",
        ),
        (pat.as_str(), "github-bot", "secret_fingerprints"),
        (jwt.as_str(), "batch-session", "token_ids"),
    ] {
        let link = linked(secret);
        assert_eq!(link["name"], name, "{secret}: {link}");
        assert_eq!(link["matched_by"], field, "{secret}");
    }
    assert_eq!(linked(&key_b)["owner"], "team storage");
    let ssh = findings
        .iter()
        .find(|f| f["path"] == "home/id_ed25519")
        .expect("the ssh key is found");
    assert_eq!(ssh["identity"]["public_key_fingerprint"], ssh_fp.as_str());
    assert_eq!(ssh["identity"]["inventory"]["name"], "ssh-deploy");
}

#[test]
fn gcp_service_account_files_name_the_service_account_and_stay_redacted() {
    if !require_tool("ssh-keygen") {
        return;
    }
    let t = TestDir::new();
    let key_id = write_service_account(&t);
    let findings = t
        .run(["dir", ".", "--format", "json"])
        .expect_code(1)
        .findings();
    let sa = findings
        .iter()
        .find(|f| f["rule_id"] == "gcp.service-account-key")
        .expect("the key id is found");
    let id = &sa["identity"];
    assert_eq!(id["kind"], "gcp-service-account-key");
    assert_eq!(id["email"], "deployer@acme-prod.iam.gserviceaccount.com");
    assert_eq!(id["account"], "acme-prod");
    assert_ne!(
        id["token_id"],
        key_id.as_str(),
        "the key id is the secret: redacted"
    );
    let pem = findings
        .iter()
        .find(|f| f["rule_id"] == "private-key.pem")
        .expect("the private key is found");
    assert_eq!(pem["identity"]["kind"], "rsa-private-key");
    assert_eq!(pem["identity"]["email"], id["email"]);
    assert!(
        pem["identity"]["public_key_fingerprint"]
            .as_str()
            .unwrap()
            .starts_with("SHA256:")
    );
    assert_eq!(pem["secret_hash"].as_str().unwrap().len(), 64);
}

fn plant_known_and_unknown(t: &TestDir) -> (String, String) {
    let (known, unknown) = (fake::aws_key_id(911), fake::aws_key_id(912));
    t.write("deploy/a.env", format!("AWS_ACCESS_KEY_ID={known}\n"));
    t.write(
        "deploy/b.env",
        format!("AWS_ACCESS_KEY_ID={known}\nOTHER_KEY={unknown}\n"),
    );
    t.write(
        "inv/ids.yaml",
        format!(
            "identities:\n  - name: ci-deployer\n    kind: aws-iam-user\n    owner: team platform\n    contact: \"#platform-oncall\"\n    environment: production\n    match:\n      aws_key_ids: [{known}]\n"
        ),
    );
    (known, unknown)
}

#[test]
fn human_report_groups_leaks_by_identity() {
    let t = TestDir::new();
    plant_known_and_unknown(&t);
    let run = t.run([
        "dir",
        "deploy",
        "--identities",
        "inv/ids.yaml",
        "--color",
        "never",
    ]);
    run.expect_code(1);
    assert!(
        run.stdout
            .contains("ci-deployer (team platform, #platform-oncall): 2 leaks in 2 files"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("(not in the inventory): 1 leak in 1 file"),
        "{}",
        run.stdout
    );
}

#[test]
fn identities_report_in_table_and_json() {
    let t = TestDir::new();
    plant_known_and_unknown(&t);
    let table = t.run([
        "dir",
        "deploy",
        "--identities",
        "inv/ids.yaml",
        "--format",
        "identities",
    ]);
    table.expect_code(1);
    let out = &table.stdout;
    assert!(out.starts_with("IDENTITY"), "{out}");
    assert!(out.contains("known") && out.contains("unknown"), "{out}");
    assert!(
        out.contains("deploy/a.env:1") && out.contains("deploy/b.env:2"),
        "{out}"
    );
    assert!(
        out.contains("next step: rotate it with team platform (#platform-oncall): https://"),
        "{out}"
    );
    assert!(
        out.contains("next step: find its owner and rotate it"),
        "{out}"
    );
    let json = t.run([
        "dir",
        "deploy",
        "--identities",
        "inv/ids.yaml",
        "--format",
        "identities-json",
    ]);
    let doc: Value = serde_json::from_str(&json.expect_code(1).stdout).unwrap();
    assert_eq!(doc["summary"]["known"], 1);
    assert_eq!(doc["summary"]["unknown"], 1);
    let known = &doc["identities"][0];
    assert_eq!(known["name"], "ci-deployer");
    assert_eq!(known["status"], "known");
    assert_eq!(known["contact"], "#platform-oncall");
    assert_eq!(known["environment"], "production");
    assert_eq!(known["files"], 2);
    assert_eq!(known["leaks"].as_array().unwrap().len(), 2);
    let unknown = &doc["identities"][1];
    assert_eq!(unknown["status"], "unknown");
    assert!(
        unknown["name"]
            .as_str()
            .unwrap()
            .starts_with("aws-access-key ")
    );
    assert!(
        !json.stdout.contains(&fake::aws_key_id(912)),
        "secrets stay redacted"
    );
}

#[test]
fn identities_report_shows_when_git_history_first_saw_a_leak() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(921);
    let added = repo.leak_then_delete(&key);
    repo.write(
        ".git/ids.yaml",
        format!("identities:\n  - name: old-key\n    match: {{aws_key_ids: [{key}]}}\n"),
    );
    let ids = repo.path().join(".git/ids.yaml");
    let ids = ids.to_str().unwrap();
    let run = repo.run([
        "git",
        ".",
        "--identities",
        ids,
        "--format",
        "identities-json",
    ]);
    let doc: Value = serde_json::from_str(&run.expect_code(1).stdout).unwrap();
    let leak = &doc["identities"][0]["leaks"][0];
    assert_eq!(doc["identities"][0]["name"], "old-key");
    assert_eq!(leak["commit"], added.as_str());
    assert!(
        leak["first_seen"]
            .as_str()
            .unwrap()
            .starts_with("2024-01-01T"),
        "{leak}"
    );
    assert!(!leak["provenance"].as_array().unwrap().is_empty());
    let sarif = repo.run(["git", ".", "--identities", ids, "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif.expect_code(1).stdout).unwrap();
    let props = &sarif["runs"][0]["results"][0]["properties"];
    assert_eq!(props["identity"]["inventory"]["name"], "old-key", "{props}");
    let jsonl = repo.run(["git", ".", "--identities", ids, "--format", "jsonl"]);
    let line: Value = serde_json::from_str(jsonl.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(line["identity"]["inventory"]["matched_by"], "aws_key_ids");
}

#[test]
fn bad_inventory_is_an_error_naming_line_and_field() {
    let t = TestDir::new();
    crate::harness::plant_creds(&t, 930);
    t.write(
        "ids.yaml",
        "identities:\n  - name: a\n    match:\n      aws_key_ids: [AKIAIOSFODNN7EXAMPLE]\n  - name: b\n    match:\n      emial: [x@example.com]\n",
    );
    let run = t.run(["dir", ".", "--identities", "ids.yaml"]);
    run.expect_code(2)
        .expect_stderr("ids.yaml")
        .expect_stderr("identities[1].match: unknown field `emial`")
        .expect_stderr("line 7");
    t.write(
        "bad.json",
        r#"{"identities": [{"name": "k", "match": {"public_key_fingerprints": ["MD5:00"]}}]}"#,
    );
    let run = t.run(["dir", ".", "--identities", "bad.json"]);
    run.expect_code(2)
        .expect_stderr("public_key_fingerprints")
        .expect_stderr("line 1");
    t.run(["dir", ".", "--identities", "missing.yaml"])
        .expect_code(2)
        .expect_stderr("missing.yaml");
}

#[test]
fn staged_leaks_are_linked_in_the_identities_report() {
    let Some(repo) = GitRepo::new() else { return };
    let key = fake::aws_key_id(941);
    repo.write("README.md", "hello\n");
    repo.commit_all("init");
    repo.write("deploy.env", format!("AWS_ACCESS_KEY_ID={key}\n"));
    repo.git(&["add", "deploy.env"]);
    repo.write(".git/ids.yaml", format!("identities:\n  - name: staged-key\n    owner: team ci\n    match: {{aws_key_ids: [{key}]}}\n"));
    let ids = repo.path().join(".git/ids.yaml");
    let run = repo.run([
        "git",
        ".",
        "--staged",
        "--identities",
        ids.to_str().unwrap(),
        "--format",
        "identities",
    ]);
    run.expect_code(1);
    assert!(
        run.stdout
            .contains("staged-key (team ci): 1 leak in 1 file"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("deploy.env:1 (staged)"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_key_found_twice_joins_the_identity_one_copy_was_linked_to() {
    if !require_tool("ssh-keygen") {
        return;
    }
    let t = TestDir::new();
    keygen(
        &t,
        "gen/sa-key",
        &["-t", "rsa", "-b", "2048", "-m", "PKCS8"],
    );
    let pem = std::fs::read_to_string(t.join("gen/sa-key")).unwrap();
    write_service_account_with(&t, &pem);
    t.write("backup/sa-key.pem", &pem);
    std::fs::remove_dir_all(t.join("gen")).unwrap();
    t.write(
        "inv/ids.yaml",
        "identities:\n  - name: gcp-deployer\n    owner: team data\n    match:\n      emails: [deployer@acme-prod.iam.gserviceaccount.com]\n",
    );
    let run = t.run([
        "dir",
        "keys",
        "backup",
        "--identities",
        "inv/ids.yaml",
        "--format",
        "identities-json",
    ]);
    let doc: Value = serde_json::from_str(&run.expect_code(1).stdout).unwrap();
    let groups = doc["identities"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{doc:#}");
    assert_eq!(groups[0]["name"], "gcp-deployer");
    assert_eq!(groups[0]["owner"], "team data");
    assert_eq!(groups[0]["files"], 2);
    let matched = groups[0]["matched_by"].as_array().unwrap();
    assert!(
        matched.contains(&Value::from("same public key")),
        "{matched:?}"
    );
}
