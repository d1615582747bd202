//! `rules list`, `rules check`, user rules and rule selection.

use crate::harness::{TestDir, fake, rule_ids};

const USER_RULE: &str = r#"provider = "acme"

[[rules]]
id = "acme.api-key"
name = "Acme API key"
pattern = '''\b(acme_[a-z0-9]{24})\b'''
keywords = ["acme_"]
confidence = "high"
examples = ["acme_7qk2m9x4v8r1t5w3z6p0n2b4"]
negative_examples = ["acme_tooshort"]
"#;

#[test]
fn the_builtin_pack_passes_its_own_examples() {
    let t = TestDir::new();
    let run = t.run(["rules", "check"]);
    run.expect_code(0);
    assert!(run.stdout.contains("all pass"), "{}", run.stdout);
    assert!(!run.stdout.contains("FAIL"), "{}", run.stdout);
    // Scans load the built-in pack without its examples; the check must still read every one.
    let counts: Vec<usize> = run
        .stdout
        .lines()
        .last()
        .unwrap()
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let [rules, examples, negatives] = counts[..] else {
        panic!("no counts in {:?}", run.stdout)
    };
    assert!(
        rules > 200 && examples >= rules && negatives >= rules,
        "{}",
        run.stdout
    );
}

#[test]
fn rules_list_shows_every_rule() {
    let t = TestDir::new();
    let run = t.run(["rules", "list", "--json"]);
    let rules: Vec<serde_json::Value> = serde_json::from_str(&run.expect_code(0).stdout).unwrap();
    assert!(rules.iter().any(|r| r["id"] == "aws.access-key-id"));
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "generic.assigned-secret" && r["fallback"] == true)
    );
    let run = t.run(["rules", "list"]);
    assert!(run.stdout.contains("github.pat-classic"));
}

#[test]
fn user_rules_add_to_the_pack_and_are_checked() {
    let t = TestDir::new();
    t.write("my-rules/acme.toml", USER_RULE);
    t.write("src/a.txt", "key acme_9z8y7x6w5v4u3t2s1r0q9p8o\n");
    let run = t.run(["dir", "src", "--rules", "my-rules", "--format", "json"]);
    assert_eq!(rule_ids(&run.expect_code(1).findings()), ["acme.api-key"]);
    t.run(["rules", "check", "my-rules"]).expect_code(0);
    // A failing example makes `rules check` exit 1 and name the rule.
    t.write(
        "bad-rules/acme.toml",
        USER_RULE.replace(
            "negative_examples = [\"acme_tooshort\"]",
            "negative_examples = [\"acme_7qk2m9x4v8r1t5w3z6p0n2b4\"]",
        ),
    );
    let run = t.run(["rules", "check", "bad-rules"]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("FAIL") && run.stdout.contains("acme.api-key"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_broken_rule_file_names_the_file_and_line() {
    let t = TestDir::new();
    t.write(
        "rules/broken.toml",
        "provider = \"x\"\n\n[[rules]]\nid = \"x.one\"\nname = \"One\"\npattern = '(unclosed'\nkeywords = [\"ab\"]\nconfidence = \"high\"\n",
    );
    t.write("a.txt", "hello\n");
    let run = t.run(["dir", "a.txt", "--rules", "rules"]);
    run.expect_code(2);
    run.expect_stderr("rules/broken.toml:6:");
    run.expect_stderr("bad pattern");
    // A TOML syntax error and an unknown field are located the same way.
    t.write(
        "rules/broken.toml",
        "provider = \"x\"\n[[rules]]\nid = \"x.one\"\nname = \"One\"\nconfidnce = \"high\"\n",
    );
    let run = t.run(["rules", "check", "rules"]);
    run.expect_code(2);
    run.expect_stderr("rules/broken.toml:5:");
    t.write("rules/broken.toml", "provider = \"x\"\n[[rules]\n");
    let run = t.run(["rules", "check", "rules"]);
    run.expect_code(2);
    run.expect_stderr("rules/broken.toml:2:");
}

#[test]
fn duplicate_ids_are_rejected() {
    let t = TestDir::new();
    t.write("r/a.toml", USER_RULE);
    t.write("r/b.toml", USER_RULE);
    let run = t.run(["rules", "check", "r"]);
    run.expect_code(2);
    run.expect_stderr("duplicate rule id \"acme.api-key\"");
}

#[test]
fn only_and_disable_narrow_the_pack() {
    let t = TestDir::new();
    t.write(
        "a.txt",
        format!("{}\n{}\n", fake::aws_key_id(40), fake::github_pat(41)),
    );
    let ids = |args: &[&str]| {
        let mut full = vec!["dir", ".", "--format", "json"];
        full.extend_from_slice(args);
        rule_ids(&t.run(full).findings())
    };
    assert_eq!(ids(&[]), ["aws.access-key-id", "github.pat-classic"]);
    assert_eq!(ids(&["--only-rules", "aws.*"]), ["aws.access-key-id"]);
    assert_eq!(
        ids(&["--disable-rule", "aws.access-key-id"]),
        ["github.pat-classic"]
    );
    let run = t.run(["dir", ".", "--only-rules", "aws.acess-key-id"]);
    run.expect_code(2);
    run.expect_stderr("no rule has an id matching");
}
