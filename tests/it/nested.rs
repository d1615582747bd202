//! Content inside content: gzip members and base64-encoded text are opened and scanned, with the
//! provenance chain on each finding, under limits that make bombs cheap.

use std::io::Write as _;

use base64::Engine as _;
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::harness::{TestDir, by_secret, fake};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
fn a_secret_in_a_gzip_file_is_found_with_the_member_path() {
    let t = TestDir::new();
    let key = fake::aws_key_id(301);
    t.write(
        "logs/deploy.log.gz",
        gzip(format!("line one\nexport AWS_ACCESS_KEY_ID={key}\n").as_bytes()),
    );
    let run = t.run(["dir", ".", "--format", "json", "--show-secrets"]);
    let findings = run.expect_code(1).findings();
    let f = by_secret(&findings, &key);
    assert_eq!(f["path"], "logs/deploy.log.gz!deploy.log");
    assert_eq!(f["line"], 2);
    assert_eq!(f["source"]["kind"], "file");
    assert_eq!(f["nested"][0]["kind"], "archive-member");
    assert_eq!(f["nested"][0]["format"], "gzip");
    // With archives off the gzip file is binary and skipped.
    t.run(["dir", ".", "--max-archive-depth", "0"])
        .expect_code(0);
}

#[test]
fn a_gzip_inside_a_gzip_is_opened_to_the_depth_limit() {
    let t = TestDir::new();
    let key = fake::aws_key_id(302);
    let inner = gzip(format!("AWS_ACCESS_KEY_ID={key}\n").as_bytes());
    t.write("bundle.gz", gzip(&inner));
    let run = t.run(["dir", ".", "--format", "json"]);
    let findings = run.expect_code(1).findings();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["path"], "bundle.gz!bundle!(gzip)");
    assert_eq!(findings[0]["nested"].as_array().unwrap().len(), 2);
    t.run(["dir", ".", "--max-archive-depth", "1"])
        .expect_code(0);
}

#[test]
fn a_gzip_bomb_is_cut_off_and_reported_not_an_error() {
    let t = TestDir::new();
    // 512 MiB of zeros in half a megabyte: one gzip member of 1 MiB of zeros, repeated (a
    // multi-member gzip is one stream to a reader, as `cat a.gz b.gz` is).
    let member = gzip(&vec![0u8; 1 << 20]);
    t.write("bomb.gz", member.repeat(512));
    let key = fake::aws_key_id(303);
    t.write("next.env", format!("AWS_ACCESS_KEY_ID={key}\n"));
    let run = t.run(["dir", ".", "--format", "json"]);
    run.expect_code(1).expect_stderr("bomb.gz");
    let doc = run.json();
    assert_eq!(doc["summary"]["skipped_limits"], 1, "{doc:#}");
    assert_eq!(doc["summary"]["errors"], 0);
    assert!(
        doc["notes"][0]
            .as_str()
            .unwrap()
            .contains("compression bomb"),
        "{doc:#}"
    );
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn a_corrupt_gzip_is_an_error_and_the_scan_goes_on() {
    let t = TestDir::new();
    let mut data = gzip(&vec![b'a'; 100_000]);
    let cut = data.len() / 2;
    data.truncate(cut);
    t.write("broken.gz", data);
    let key = fake::aws_key_id(304);
    t.write("ok.env", format!("AWS_ACCESS_KEY_ID={key}\n"));
    let run = t.run(["dir", ".", "--format", "json"]);
    run.expect_code(2).expect_stderr("broken.gz");
    assert_eq!(run.json()["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn base64_encoded_secrets_are_decoded_and_point_at_the_encoded_span() {
    let t = TestDir::new();
    let key = fake::aws_key_id(305);
    let secret = fake::aws_secret(306);
    let plain = format!("aws_access_key_id = {key}\naws_secret_access_key = {secret}\n");
    let encoded = base64::engine::general_purpose::STANDARD.encode(&plain);
    t.write(
        "secret.yaml",
        format!("service: billing\nregion: eu\nsettings:\n  credentials: {encoded}\n"),
    );
    let run = t.run(["dir", ".", "--format", "json"]);
    let findings = run.expect_code(1).findings();
    assert_eq!(findings.len(), 2, "{findings:#?}");
    for f in &findings {
        assert_eq!(f["path"], "secret.yaml");
        assert_eq!(f["line"], 4);
        assert_eq!(f["column"], 16);
        assert_eq!(f["nested"][0]["kind"], "decoded");
        assert_eq!(f["nested"][0]["encoding"], "base64");
        // Redacted everywhere, and the encoded form is not printed either.
        assert!(!run.stdout.contains(&key) && !run.stdout.contains(&encoded));
    }
    t.run(["dir", ".", "--max-decode-depth", "0"])
        .expect_code(0);
}

#[test]
fn base64_inside_a_gzip_records_the_whole_chain() {
    let t = TestDir::new();
    let key = fake::aws_key_id(307);
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!(
        "config: AWS_ACCESS_KEY_ID={key} region=eu-west-1\n"
    ));
    t.write("app.conf.gz", gzip(format!("blob={encoded}\n").as_bytes()));
    let run = t.run(["dir", ".", "--format", "json"]);
    let findings = run.expect_code(1).findings();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let kinds: Vec<&str> = findings[0]["nested"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["archive-member", "decoded"]);
    assert_eq!(findings[0]["path"], "app.conf.gz!app.conf");
    assert_eq!(findings[0]["column"], 6);
}
