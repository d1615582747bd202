//! `leakhound config import-gitleaks`: converting a gitleaks configuration, and scanning with it.

use crate::harness::{TestDir, fake, rule_ids, secrets};

const B62: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A tuned gitleaks configuration of the kind a team keeps in its repository: custom rules, the
/// default rules with one disabled, a global allowlist, a per-rule allowlist on the line, an
/// AND-allowlist scoped to a rule, a Go-only regex and a path-only rule.
const GITLEAKS_TOML: &str = r#"
title = "Payments service gitleaks config"

[extend]
useDefault = true
disabledRules = ["generic-api-key"]

[[rules]]
id = "payhub-api-key"
description = "PayHub API key"
regex = '''(?i)payhub[\w.-]{0,20}\s*[:=]\s*["']?(phk_(?:live|test)_[A-Za-z0-9]{32})["']?'''
secretGroup = 1
entropy = 3.5
keywords = ["phk_live_", "phk_test_"]
tags = ["payments"]

[[rules.allowlists]]
description = "documented sample keys"
regexTarget = "line"
regexes = ['''#\s*sample key''']

[[rules]]
id = "internal-ledger-token"
description = "Ledger service token"
regex = '''\Qledger://\E[a-z]+:(lgt_[a-f0-9]{40})'''
keywords = ["ledger://"]

[[rules]]
id = "ssh-key-files"
description = "SSH private key files"
path = '''(^|/)id_(rsa|ed25519)$'''

[[allowlists]]
description = "vendored code, lock files, fixtures"
paths = [
  '''(^|/)vendor/''',
  '''\.lock$''',
  '''^tests/fixtures/''',
  '''(?:build|dist)/.*\.map$''',
  '''\d{8}\.bak$''',
]
regexes = ['''^phk_test_DOCS''']
stopwords = ["sandbox"]
commits = ["0123456789abcdef0123456789abcdef01234567"]

[[allowlists]]
description = "staging keys in the deploy docs"
condition = "AND"
targetRules = ["payhub-api-key"]
paths = ['''^deploy/staging/''']
regexes = ['''^phk_test_''']
"#;

fn payhub(kind: &str, seed: u64) -> String {
    format!("phk_{kind}_{}", fake::chars(seed, 32, B62))
}

fn ledger(seed: u64) -> String {
    format!("lgt_{}", fake::chars(seed, 40, "0123456789abcdef"))
}

/// Converts GITLEAKS_TOML in a fresh dir into `converted.toml`.
fn converted() -> (TestDir, String) {
    let t = TestDir::new();
    t.write(".gitleaks.toml", GITLEAKS_TOML);
    let run = t.run([
        "config",
        "import-gitleaks",
        ".gitleaks.toml",
        "-o",
        "converted.toml",
    ]);
    // Two items cannot be converted: exit 1, the file is written all the same.
    run.expect_code(1);
    let text = std::fs::read_to_string(t.join("converted.toml")).expect("converted.toml");
    (t, text)
}

#[test]
fn import_gitleaks_converts_rules_and_allowlists() {
    let (t, text) = converted();
    for want in [
        "# leakhound configuration converted from .gitleaks.toml",
        "# gitleaks title: \"Payments service gitleaks config\"",
        "extend_default = true",
        r#"disabled_rules = ["generic.assigned-secret"]"#,
        r#"id = "gitleaks.payhub-api-key""#,
        r#"name = "PayHub API key""#,
        r#"pattern = '''(?i)payhub[\w.-]{0,20}\s*[:=]\s*["']?(phk_(?:live|test)_[A-Za-z0-9]{32})["']?'''"#,
        "secret_group = 1",
        "min_entropy = 3.5",
        r#"keywords = ["phk_live_", "phk_test_"]"#,
        r#"confidence = "medium""#,
        // The Go-only \Q...\E quoting, respelled for Rust.
        r#"id = "gitleaks.internal-ledger-token""#,
        r"pattern = 'ledger://[a-z]+:(lgt_[a-f0-9]{40})'",
        // The global allowlist: path regexes as globs.
        "rules = [\"gitleaks.payhub-api-key\"]\nlines = ['#\\s*sample key']",
        "'vendor/'",
        "'*.lock'",
        "'/tests/fixtures/'",
        "'**/*{build,dist}/**/*.map'",
        "secrets = ['^phk_test_DOCS']",
        r#"stopwords = ["sandbox"]"#,
        r#"commits = ["0123456789abcdef0123456789abcdef01234567"]"#,
        // The AND allowlist, scoped to the converted rule.
        "rules = [\"gitleaks.payhub-api-key\"]\ncondition = \"all\"\npaths = ['/deploy/staging/']\nsecrets = ['^phk_test_']",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    assert!(!text.contains("id = \"gitleaks.ssh-key-files\""), "{text}");
    // What could not be converted is in the file's header and on stderr.
    let header: String = text
        .lines()
        .take_while(|l| l.starts_with('#'))
        .map(|l| format!("{}\n", l.trim_start_matches('#').trim()))
        .collect::<String>()
        .replace('\n', " ");
    assert!(header.contains("2 items NOT converted"), "{header}");
    assert!(
        header.contains(r#"path regex "\\d{8}\\.bak$" not converted"#),
        "{header}"
    );
    assert!(
        header.contains(r#"rule "ssh-key-files": skipped: a path-only rule"#),
        "{header}"
    );
    let run = t.run(["config", "import-gitleaks", ".gitleaks.toml"]);
    run.expect_code(1);
    assert_eq!(run.stdout, text, "stdout holds the same conversion");
    assert!(run.stderr.contains("not converted (2;"), "{}", run.stderr);
    run.expect_stderr("ssh-key-files");
    run.expect_stderr(r"\\d{8}\\.bak$");
    assert!(
        run.stderr
            .contains(r#"disabledRules "generic-api-key" becomes ["generic.assigned-secret"]"#),
        "{}",
        run.stderr
    );
}

#[test]
fn imported_config_finds_and_allows_what_gitleaks_did() {
    let (t, _) = converted();
    let found_live = payhub("live", 1);
    let found_prod_test = payhub("test", 2);
    let found_ledger = ledger(3);
    let aws = fake::aws_key_id(4);
    let allowed = [
        (
            "src/sample.py",
            format!("PAYHUB_KEY = \"{}\"  # sample key\n", payhub("live", 5)),
        ),
        (
            "vendor/sdk/client.py",
            format!("payhub_key = '{}'\n", payhub("live", 6)),
        ),
        (
            "tests/fixtures/keys.env",
            format!("PAYHUB_KEY={}\n", payhub("live", 7)),
        ),
        (
            "deploy/staging/app.env",
            format!("PAYHUB_KEY={}\n", payhub("test", 8)),
        ),
        (
            "src/docs.env",
            format!("PAYHUB_KEY=phk_test_DOCS{}\n", fake::chars(13, 28, B62)),
        ),
        (
            "src/sandbox.env",
            format!("PAYHUB_KEY=phk_live_SandBox{}\n", fake::chars(9, 25, B62)),
        ),
    ];
    t.write(
        "proj/src/payments.py",
        format!("PAYHUB_KEY = \"{found_live}\"\n"),
    );
    t.write(
        "proj/deploy/prod/app.env",
        format!("PAYHUB_KEY={found_prod_test}\n"),
    );
    t.write(
        "proj/src/ledger.cfg",
        format!("url = ledger://main:{found_ledger}\n"),
    );
    t.write("proj/src/aws.env", format!("AWS_ACCESS_KEY_ID={aws}\n"));
    // generic-api-key was disabled: its counterpart must not report this.
    t.write(
        "proj/src/db.py",
        format!("password = \"{}\"\n", fake::password(10)),
    );
    for (path, text) in &allowed {
        t.write(format!("proj/{path}"), text);
    }
    let run = t.run([
        "dir",
        "proj",
        "--config",
        "converted.toml",
        "--format",
        "json",
        "--show-secrets",
    ]);
    run.expect_code(1);
    let findings = run.findings();
    let mut want = vec![found_live, found_prod_test, found_ledger, aws];
    want.sort();
    assert_eq!(secrets(&findings), want, "{findings:#?}");
    assert_eq!(
        rule_ids(&findings),
        [
            "aws.access-key-id",
            "gitleaks.internal-ledger-token",
            "gitleaks.payhub-api-key",
            "gitleaks.payhub-api-key"
        ]
    );
    // Without the configuration the generic rule does report the password: disabling it took.
    let plain = t.run(["dir", "proj/src/db.py", "--no-config", "--format", "json"]);
    assert_eq!(
        rule_ids(&plain.expect_code(1).findings()),
        ["generic.assigned-secret"]
    );
    // Each allowed secret was found, then allowed (not missed by the rule).
    assert_eq!(
        run.json()["summary"]["ignored"]["allowlist"],
        allowed.len(),
        "{}",
        run.stdout
    );
}

#[test]
fn import_gitleaks_without_use_default_replaces_the_builtin_pack() {
    let t = TestDir::new();
    t.write(
        ".gitleaks.toml",
        r#"
[[rules]]
id = "ledger-token"
regex = '''ledger://[a-z]+:(lgt_[a-f0-9]{40})'''
keywords = ["ledger://"]
"#,
    );
    let run = t.run([
        "config",
        "import-gitleaks",
        ".gitleaks.toml",
        "-o",
        "only.toml",
    ]);
    run.expect_code(0);
    assert!(!run.stderr.contains("not converted"), "{}", run.stderr);
    let run = t.run([
        "config",
        "import-gitleaks",
        ".gitleaks.toml",
        "-o",
        "both.toml",
        "--keep-builtin",
    ]);
    run.expect_code(0);
    let (token, aws) = (ledger(11), fake::aws_key_id(12));
    t.write(
        "proj/app.cfg",
        format!("url = ledger://main:{token}\nAWS_KEY={aws}\n"),
    );
    let scan = |config: &str| {
        let run = t.run([
            "dir",
            "proj",
            "--config",
            config,
            "--format",
            "json",
            "--show-secrets",
        ]);
        run.expect_code(1);
        secrets(&run.findings())
    };
    assert_eq!(scan("only.toml"), std::slice::from_ref(&token));
    let mut both = vec![token, aws];
    both.sort();
    assert_eq!(scan("both.toml"), both);
}

#[test]
fn import_gitleaks_never_overwrites_without_force() {
    let t = TestDir::new();
    t.write(
        ".gitleaks.toml",
        "[[rules]]\nid = \"x\"\nregex = 'xtok_[a-z0-9]{20}'\nkeywords = [\"xtok_\"]\n",
    );
    t.write(".leakhound.toml", "# mine\n");
    let run = t.run([
        "config",
        "import-gitleaks",
        ".gitleaks.toml",
        "-o",
        ".leakhound.toml",
    ]);
    run.expect_code(2);
    run.expect_stderr("--force");
    assert_eq!(
        std::fs::read_to_string(t.join(".leakhound.toml")).unwrap(),
        "# mine\n"
    );
    t.run([
        "config",
        "import-gitleaks",
        ".gitleaks.toml",
        "-o",
        ".leakhound.toml",
        "--force",
    ])
    .expect_code(0);
    let text = std::fs::read_to_string(t.join(".leakhound.toml")).unwrap();
    assert!(text.contains("gitleaks.x"), "{text}");
}

#[test]
fn import_gitleaks_fails_on_an_unreadable_or_broken_input() {
    let t = TestDir::new();
    let run = t.run(["config", "import-gitleaks", "missing.toml"]);
    run.expect_code(2);
    run.expect_stderr("missing.toml");
    t.write("broken.toml", "[[rules]\nid = 'x'\n");
    let run = t.run(["config", "import-gitleaks", "broken.toml", "-o", "out.toml"]);
    run.expect_code(2);
    run.expect_stderr("broken.toml:1:");
    assert!(!t.join("out.toml").exists());
}
