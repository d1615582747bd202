//! `leakhound image`: images built in code, pushed to a real local registry (plain and behind
//! htpasswd) or written as `docker save` output, OCI layout archives and directories.

use std::path::Path;

use serde_json::{Value, json};

use crate::harness::{Run, TestDir, by_secret, fake, leakhound, run_in, secrets};
use crate::imagefix::{
    Blob, Extras, Layer, TestImage, tar_dir, write_docker_archive, write_oci_dir,
};
use crate::registry::Registry;

/// `leakhound image ARGS` with a Docker config of its own (empty unless the test wrote one).
fn image_run(t: &TestDir, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let docker_config = t.join("docker-config");
    std::fs::create_dir_all(&docker_config).unwrap();
    let mut cmd = leakhound();
    cmd.env("DOCKER_CONFIG", &docker_config);
    let mut full = vec!["image", "--no-progress"];
    full.extend_from_slice(args);
    run_in(t.path(), cmd, full, stdin)
}

/// A JSON scan with secrets shown; checks the exit code and returns the findings.
fn scan(t: &TestDir, args: &[&str], code: i32) -> Vec<Value> {
    let mut full = args.to_vec();
    full.extend_from_slice(&["--format", "json", "--show-secrets"]);
    let run = image_run(t, &full, None);
    run.expect_code(code);
    run.findings()
}

/// A JSON scan of a registry image over plain HTTP.
fn scan_registry(
    t: &TestDir,
    reg: &Registry,
    repo_tag: &str,
    extra: &[&str],
    code: i32,
) -> Vec<Value> {
    let reference = reg.reference(repo_tag);
    let mut args = vec![reference.as_str(), "--insecure-registry", reg.addr.as_str()];
    args.extend_from_slice(extra);
    scan(t, &args, code)
}

fn fingerprints(findings: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// A gzip layer blob of arbitrary bytes.
fn gzip_blob(data: &[u8]) -> Blob {
    Blob::new("application/vnd.oci.image.layer.v1.tar+gzip", data.to_vec())
}

/// Four layers: three secret files in the first, then a whiteout, an opaque directory and an
/// overwrite above them.
fn layered(keys: &[String; 4]) -> TestImage {
    TestImage::simple(vec![
        Layer::new("ADD rootfs.tar /")
            .file("app/", "")
            .file("app/creds.env", format!("AWS_ACCESS_KEY_ID={}\n", keys[0]))
            .file("conf/", "")
            .file("conf/key.txt", format!("key {}\n", keys[1]))
            .file("etc/app.ini", format!("aws_key = {}\n", keys[2]))
            .file("./etc/kept.txt", format!("kept {}\n", keys[3])),
        Layer::new("RUN rm /app/creds.env").file("app/.wh.creds.env", ""),
        Layer::new("RUN rm -rf /conf && mkdir /conf")
            .file("conf/.wh..wh..opq", "")
            .file("conf/new.txt", "nothing\n"),
        Layer::new("COPY app.ini /etc/app.ini").file("etc/app.ini", "aws_key = none\n"),
    ])
}

#[test]
fn image_files_deleted_or_overwritten_later_are_reported_with_their_layer() {
    let Some(reg) = Registry::start() else { return };
    let t = TestDir::new();
    let keys = [700, 701, 702, 703].map(fake::aws_key_id);
    let image = layered(&keys);
    reg.push("team/app", Some("1.0"), &image);
    let findings = scan_registry(&t, &reg, "team/app:1.0", &[], 1);
    assert_eq!(secrets(&findings), {
        let mut k = keys.to_vec();
        k.sort();
        k
    });
    let deleted = by_secret(&findings, &keys[0]);
    assert_eq!(deleted["path"], "app/creds.env");
    let src = &deleted["source"];
    assert_eq!(src["kind"], "image-layer");
    assert_eq!(src["image"], reg.reference("team/app:1.0"));
    assert_eq!(src["manifest_digest"], image.manifest.digest);
    assert_eq!(src["config_digest"], image.config.digest);
    assert_eq!(src["platform"], "linux/amd64");
    assert_eq!(src["layer"], 1);
    assert_eq!(src["layer_digest"], image.layer_blobs[0].digest);
    assert_eq!(src["created_by"], "ADD rootfs.tar /");
    assert_eq!(src["deleted_in_layer"], 2);
    assert_eq!(src["overwritten_in_layer"], Value::Null);
    let opaque = &by_secret(&findings, &keys[1])["source"];
    assert_eq!(opaque["deleted_in_layer"], 3, "opaque directory whiteout");
    let over = &by_secret(&findings, &keys[2])["source"];
    assert_eq!(over["overwritten_in_layer"], 4);
    assert_eq!(over["deleted_in_layer"], Value::Null);
    let kept = by_secret(&findings, &keys[3]);
    assert_eq!(kept["path"], "etc/kept.txt");
    assert_eq!(kept["source"]["deleted_in_layer"], Value::Null);
    assert_eq!(kept["source"]["overwritten_in_layer"], Value::Null);
    // The human format says where each came from.
    let reference = reg.reference("team/app:1.0");
    let human = image_run(
        &t,
        &[
            &reference,
            "--insecure-registry",
            &reg.addr,
            "--color",
            "never",
        ],
        None,
    );
    human.expect_code(1);
    assert!(
        human
            .stdout
            .contains("in layer 1 (`ADD rootfs.tar /`), deleted in layer 2"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("overwritten in layer 4"),
        "{}",
        human.stdout
    );
}

#[test]
fn image_secrets_only_in_env_or_build_history_are_found_and_provenance_is_redacted() {
    let t = TestDir::new();
    let (in_env, in_arg, in_run) = (
        fake::aws_key_id(710),
        fake::github_pat(711),
        fake::aws_key_id(712),
    );
    let extras = Extras {
        env: vec![format!("AWS_ACCESS_KEY_ID={in_env}")],
        empty_history: vec![format!("ARG GH_TOKEN={in_arg}")],
    };
    let image = TestImage::build(
        vec![
            Layer::new(&format!("RUN echo {in_run} > /root/.key"))
                .file("root/.key", format!("{in_run}\n")),
        ],
        &extras,
        ("linux", "amd64"),
    );
    write_oci_dir(&t.join("layout"), &image, "latest");
    let findings = scan(&t, &["oci:layout"], 1);
    let env = by_secret(&findings, &in_env);
    assert_eq!(env["path"], "config:Env[1]");
    assert_eq!(env["source"]["kind"], "image-config");
    assert_eq!(env["source"]["field"], "config:Env[1]");
    assert_eq!(by_secret(&findings, &in_arg)["path"], "history[0]");
    let run_findings: Vec<&Value> = findings.iter().filter(|f| f["secret"] == in_run).collect();
    let paths: Vec<&str> = run_findings
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"root/.key") && paths.contains(&"history[1]"),
        "{paths:?}"
    );
    // Without --show-secrets no output quotes the secret, the layer's build step included.
    let run = image_run(&t, &["oci:layout", "--format", "json"], None);
    run.expect_code(1);
    for s in [&in_env, &in_arg, &in_run] {
        assert!(
            !run.stdout.contains(s.as_str()),
            "json leaks {s}:\n{}",
            run.stdout
        );
    }
    let human = image_run(&t, &["oci:layout", "--color", "never"], None);
    assert!(!human.stdout.contains(in_run.as_str()), "{}", human.stdout);
    assert!(human.stdout.contains("RUN echo AKIA"), "{}", human.stdout);
}

#[test]
fn image_multi_platform_index_scans_every_platform_or_those_asked_for() {
    let Some(reg) = Registry::start() else { return };
    let t = TestDir::new();
    let (shared, amd, arm) = (
        fake::aws_key_id(720),
        fake::aws_key_id(721),
        fake::aws_key_id(722),
    );
    let base = Layer::new("ADD base.tar /").file("etc/base.env", format!("K={shared}\n"));
    let build = |key: &str, arch: &str| {
        TestImage::build(
            vec![
                base.clone(),
                Layer::new("COPY . /app").file("app/key", format!("{key}\n")),
            ],
            &Extras::default(),
            ("linux", arch),
        )
    };
    let (a, b) = (build(&amd, "amd64"), build(&arm, "arm64"));
    reg.push("multi", None, &a);
    reg.push("multi", None, &b);
    let index = crate::imagefix::index_of(&[&a, &b]);
    reg.push_manifest("multi", "1", &index);
    let all = scan_registry(&t, &reg, "multi:1", &[], 1);
    assert_eq!(
        secrets(&all),
        {
            let mut v = vec![shared.clone(), amd.clone(), arm.clone()];
            v.sort();
            v
        },
        "the shared base layer is scanned once"
    );
    assert_eq!(by_secret(&all, &arm)["source"]["platform"], "linux/arm64");
    assert_eq!(
        by_secret(&all, &arm)["source"]["manifest_digest"],
        b.manifest.digest
    );
    let arm_only = scan_registry(&t, &reg, "multi:1", &["--platform", "linux/arm64"], 1);
    assert_eq!(secrets(&arm_only), {
        let mut v = vec![shared.clone(), arm.clone()];
        v.sort();
        v
    });
    let reference = reg.reference("multi:1");
    image_run(
        &t,
        &[
            &reference,
            "--insecure-registry",
            &reg.addr,
            "--platform",
            "windows/amd64",
        ],
        None,
    )
    .expect_code(2)
    .expect_stderr("no image for platform windows/amd64");
}

#[test]
fn image_zstd_layers_are_read() {
    let Some(reg) = Registry::start() else { return };
    let t = TestDir::new();
    let key = fake::aws_key_id(730);
    let image = TestImage::simple(vec![
        Layer::new("ADD x /")
            .file("srv/.env", format!("AWS_ACCESS_KEY_ID={key}\n"))
            .zstd(),
    ]);
    reg.push("zstd", Some("1"), &image);
    let findings = scan_registry(&t, &reg, "zstd:1", &[], 1);
    assert_eq!(secrets(&findings), [key]);
}

#[test]
fn image_registry_credentials_from_flags_or_docker_config() {
    let Some(reg) = Registry::start_with_auth("alice", "correct-horse") else {
        return;
    };
    let t = TestDir::new();
    let key = fake::aws_key_id(740);
    let image = TestImage::simple(vec![
        Layer::new("ADD x /").file("a.env", format!("K={key}\n")),
    ]);
    reg.push("private/app", Some("1"), &image);
    let reference = reg.reference("private/app:1");
    let base = [
        reference.as_str(),
        "--insecure-registry",
        reg.addr.as_str(),
        "--format",
        "json",
    ];
    image_run(&t, &base, None)
        .expect_code(2)
        .expect_stderr("401");
    let with = |user: &str, password: &[u8]| {
        let mut args = base.to_vec();
        args.extend_from_slice(&["--registry-username", user, "--registry-password-stdin"]);
        image_run(&t, &args, Some(password))
    };
    assert_eq!(
        with("alice", b"correct-horse\n")
            .expect_code(1)
            .findings()
            .len(),
        1
    );
    with("alice", b"wrong\n")
        .expect_code(2)
        .expect_stderr("401");
    // `docker login` stores base64 of user:password under the registry's host.
    let auth = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        "alice:correct-horse",
    );
    t.write(
        "docker-config/config.json",
        serde_json::to_vec(&json!({ "auths": { reg.addr.clone(): { "auth": auth } } })).unwrap(),
    );
    assert_eq!(
        image_run(&t, &base, None).expect_code(1).findings().len(),
        1
    );
    // A credential helper named in `credHelpers` is asked (`docker-credential-NAME get`).
    let helper = t.write(
        "bin/docker-credential-leakhoundtest",
        format!(
            "#!/bin/sh\nread host\n[ \"$host\" = \"{}\" ] || exit 1\n\
             echo '{{\"ServerURL\":\"'$host'\",\"Username\":\"alice\",\"Secret\":\"correct-horse\"}}'\n",
            reg.addr
        ),
    );
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    t.write(
        "docker-config/config.json",
        serde_json::to_vec(&json!({ "credHelpers": { reg.addr.clone(): "leakhoundtest" } }))
            .unwrap(),
    );
    let mut cmd = leakhound();
    cmd.env("DOCKER_CONFIG", t.join("docker-config"));
    let path = std::env::var("PATH").unwrap_or_default();
    cmd.env("PATH", format!("{}:{path}", t.join("bin").display()));
    let mut args = vec!["image", "--no-progress"];
    args.extend_from_slice(&base);
    let run = run_in(t.path(), cmd, args, None);
    assert_eq!(run.expect_code(1).findings().len(), 1);
}

#[test]
fn image_corrupt_truncated_and_unreadable_layers_are_errors_and_the_rest_is_scanned() {
    let Some(reg) = Registry::start() else { return };
    let t = TestDir::new();
    let (key, last) = (fake::aws_key_id(750), fake::aws_key_id(751));
    let mut garbage = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    garbage.extend(b"this is not deflate data at all, not even close".repeat(20));
    let big = Layer::new("ADD c /")
        .file("c.txt", "c".repeat(200_000))
        .blob();
    let truncated = gzip_blob(&big.data[..big.data.len() / 2]);
    // A valid gzip stream of bytes that are no tar header.
    let mut not_tar = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut not_tar, &[b'x'; 1024]).unwrap();
    let not_tar = gzip_blob(&not_tar.finish().unwrap());
    let image = TestImage::simple(vec![
        Layer::new("ADD a /").file("a.env", format!("K={key}\n")),
        Layer::new("ADD b /").file("b.txt", "b\n"),
        Layer::new("ADD c /").file("c.txt", "c\n"),
        Layer::new("ADD d /").file("d.txt", "d\n"),
        Layer::new("ADD e /").file("e.env", format!("K={last}\n")),
    ])
    .with_layer_blob(1, gzip_blob(&garbage))
    .with_layer_blob(2, truncated)
    .with_layer_blob(3, not_tar);
    reg.push("broken", Some("1"), &image);
    let reference = reg.reference("broken:1");
    let run = image_run(
        &t,
        &[
            &reference,
            "--insecure-registry",
            &reg.addr,
            "--format",
            "json",
            "--show-secrets",
        ],
        None,
    );
    run.expect_code(2);
    for layer in ["layer 2", "layer 3", "layer 4"] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains(layer) && l.contains("corrupt layer")),
            "no corrupt-layer error for {layer}:\n{}",
            run.stderr
        );
    }
    assert_eq!(secrets(&run.findings()), {
        let mut v = vec![key, last];
        v.sort();
        v
    });
    assert!(run.json()["summary"]["errors"].as_u64().unwrap() >= 3);
}

#[test]
fn image_blobs_that_are_not_layers_are_skipped_with_a_note() {
    let t = TestDir::new();
    let key = fake::aws_key_id(752);
    let image = TestImage::simple(vec![
        Layer::new("ADD a /").file("a.env", format!("K={key}\n")),
        Layer::new("ADD b /").file("b.txt", "b\n"),
    ])
    .with_layer_blob(1, Blob::new("application/vnd.in-toto+json", b"{}".to_vec()));
    write_oci_dir(&t.join("layout"), &image, "1");
    let run = image_run(
        &t,
        &["oci:layout", "--format", "json", "--show-secrets"],
        None,
    );
    run.expect_code(1)
        .expect_stderr("media type application/vnd.in-toto+json is not a layer");
    assert_eq!(secrets(&run.findings()), [key]);
}

#[test]
fn image_layer_digest_mismatch_is_an_error_and_its_findings_are_kept() {
    let t = TestDir::new();
    let (k1, k2) = (fake::aws_key_id(760), fake::aws_key_id(761));
    let image = TestImage::simple(vec![
        Layer::new("ADD a /").file("a.env", format!("K={k1}\n")),
        Layer::new("ADD b /").file("b.txt", "b\n"),
    ]);
    write_oci_dir(&t.join("layout"), &image, "1");
    // Another layer's bytes under layer 2's name.
    let swapped = Layer::new("ADD b /")
        .file("b.txt", format!("tampered {k2}\n"))
        .blob();
    let path = t
        .join("layout/blobs/sha256")
        .join(image.layer_blobs[1].hex());
    std::fs::write(path, &swapped.data).unwrap();
    let run = image_run(
        &t,
        &["oci:layout", "--format", "json", "--show-secrets"],
        None,
    );
    run.expect_code(2).expect_stderr("digest mismatch");
    assert_eq!(secrets(&run.findings()), {
        let mut v = vec![k1, k2];
        v.sort();
        v
    });
}

#[test]
fn image_missing_blob_unknown_tag_and_plain_http_are_errors() {
    let Some(reg) = Registry::start() else { return };
    let t = TestDir::new();
    let key = fake::aws_key_id(770);
    let image = TestImage::simple(vec![
        Layer::new("ADD a /").file("a.env", format!("K={key}\n")),
        Layer::new("ADD b /").file("b.txt", "b\n"),
    ]);
    reg.push("holes", Some("1"), &image);
    reg.delete_blob("holes", &image.layer_blobs[1].digest);
    let reference = reg.reference("holes:1");
    let run = image_run(
        &t,
        &[
            &reference,
            "--insecure-registry",
            &reg.addr,
            "--format",
            "json",
            "--show-secrets",
        ],
        None,
    );
    run.expect_code(2)
        .expect_stderr("layer 2")
        .expect_stderr("blob missing");
    assert_eq!(secrets(&run.findings()), [key]);
    let unknown = reg.reference("holes:nope");
    image_run(&t, &[&unknown, "--insecure-registry", &reg.addr], None)
        .expect_code(2)
        .expect_stderr("404");
    // Without --insecure-registry only HTTPS is tried, which a plain HTTP registry cannot answer.
    image_run(&t, &[&reference], None).expect_code(2);
}

/// Scans `target` and returns the fingerprints and each secret's fate.
fn fates(t: &TestDir, args: &[&str]) -> (Vec<String>, Vec<(String, Value, Value)>) {
    let findings = scan(t, args, 1);
    let mut fates: Vec<(String, Value, Value)> = findings
        .iter()
        .filter(|f| f["source"]["kind"] == "image-layer")
        .map(|f| {
            (
                f["secret"].as_str().unwrap().to_string(),
                f["source"]["deleted_in_layer"].clone(),
                f["source"]["overwritten_in_layer"].clone(),
            )
        })
        .collect();
    fates.sort_by(|a, b| a.0.cmp(&b.0));
    (fingerprints(&findings), fates)
}

#[test]
fn image_archive_forms_give_the_same_findings_as_the_registry() {
    let t = TestDir::new();
    let keys = [780, 781, 782, 783].map(fake::aws_key_id);
    let image = layered(&keys);
    let layout = t.join("layout");
    write_oci_dir(&layout, &image, "1.0");
    tar_dir(&layout, &t.join("oci.tar"));
    write_docker_archive(&t.join("saved.tar"), &image, "team/app:1.0");
    let expected = fates(&t, &["oci:layout"]);
    assert_eq!(expected.0.len(), 4, "{expected:?}");
    for form in [
        "oci:layout:1.0",
        "oci-archive:oci.tar:1.0",
        "oci-archive:oci.tar",
        "docker-archive:saved.tar",
        "saved.tar",
        "oci.tar",
    ] {
        assert_eq!(fates(&t, &[form]), expected, "{form}");
    }
    image_run(&t, &["oci:layout:2.0"], None)
        .expect_code(2)
        .expect_stderr("no image named \"2.0\" in the layout (it has: 1.0)");
    let Some(reg) = Registry::start() else { return };
    reg.push("team/app", Some("1.0"), &image);
    let reference = reg.reference("team/app:1.0");
    let pulled = fates(&t, &[&reference, "--insecure-registry", &reg.addr]);
    assert_eq!(pulled, expected);
}

#[test]
fn image_findings_honour_inline_allows_ignore_files_baselines_and_validate_as_sarif() {
    let t = TestDir::new();
    let (allowed, ignored, reported, in_env) = (
        fake::aws_key_id(790),
        fake::aws_key_id(791),
        fake::aws_key_id(792),
        fake::aws_key_id(793),
    );
    let layer = Layer::new("ADD app /").file(
        "app/settings.py",
        format!(
            "A = \"{allowed}\"  # leakhound:allow test fixture\nB = \"{ignored}\"\nC = \"{reported}\"\n"
        ),
    );
    let extras = Extras {
        env: vec![format!("AWS_ACCESS_KEY_ID={in_env}")],
        ..Extras::default()
    };
    let image = TestImage::build(vec![layer], &extras, ("linux", "amd64"));
    write_oci_dir(&t.join("layout"), &image, "1");
    let all = scan(&t, &["oci:layout", "--no-inline-allow"], 1);
    let fp = by_secret(&all, &ignored)["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    t.write(".leakhoundignore", format!("{fp}\n"));
    let findings = scan(&t, &["oci:layout"], 1);
    assert_eq!(secrets(&findings), {
        let mut v = vec![reported, in_env];
        v.sort();
        v
    });
    // One provider's rules: GitHub flags a SARIF rule list over 1,000 entries, whatever the pack.
    let sarif = image_run(
        &t,
        &["oci:layout", "--format", "sarif", "--only-rules", "aws.*"],
        None,
    );
    sarif.expect_code(1);
    let log: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let mut uris: Vec<&str> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    uris.sort();
    assert_eq!(uris, ["app/settings.py", "config%3AEnv%5B1%5D"]);
    crate::formats::sarif::validate(&t, &log);
    // A baseline taken now holds back the same findings next time.
    image_run(&t, &["oci:layout", "--baseline-out", "base.json"], None).expect_code(1);
    image_run(&t, &["oci:layout", "--baseline", "base.json"], None).expect_code(0);
}

#[test]
fn image_entry_names_with_dot_dots_control_characters_and_bad_utf8_are_kept_as_bytes() {
    let t = TestDir::new();
    let key = fake::aws_key_id(795);
    let name: &[u8] = b"../../etc/cron.d/\x1b[2Jevil\xff.env";
    let image = TestImage::simple(vec![
        Layer::new("ADD x /").raw_file(name, format!("AWS_ACCESS_KEY_ID={key}\n")),
    ]);
    write_oci_dir(&t.join("layout"), &image, "1");
    let findings = scan(&t, &["oci:layout"], 1);
    let f = by_secret(&findings, &key);
    let raw = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        f["path_base64"]
            .as_str()
            .expect("path_base64 for a non-UTF-8 name"),
    )
    .unwrap();
    assert_eq!(raw, name);
    // Nothing was written where the name points, and the terminal gets no escape sequence.
    assert!(!t.join("etc").exists() && !Path::new("/etc/cron.d/\x1b[2Jevil").exists());
    let human = image_run(&t, &["oci:layout", "--color", "never"], None);
    assert!(!human.stdout.contains('\x1b'), "{:?}", human.stdout);
    assert!(
        human.stdout.contains("../../etc/cron.d/\\x1b[2Jevil"),
        "{}",
        human.stdout
    );
}
