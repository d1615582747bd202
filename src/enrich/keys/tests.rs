//! Keys made by `ssh-keygen` at test time; their fingerprints must equal `ssh-keygen -lf`'s.

use std::path::Path;
use std::process::Command;

use super::*;

/// Whether ssh-keygen can be run: a missing tool fails the test under CI and is reported as a
/// skip elsewhere (the integration harness's `require_tool` pattern).
fn have_ssh_keygen() -> bool {
    let found = Command::new("ssh-keygen").arg("-?").output().is_ok();
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "ssh-keygen is required for this test and is not installed (CI is set)"
        );
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "SKIPPED: ssh-keygen is not installed");
    }
    found
}

fn ssh_keygen(args: &[&str]) -> String {
    let out = Command::new("ssh-keygen")
        .args(args)
        .output()
        .expect("run ssh-keygen");
    assert!(
        out.status.success(),
        "ssh-keygen {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Generates a key of `kind` in `format` (empty: OpenSSH's own) and returns its text and
/// the fingerprint `ssh-keygen -lf` prints for it.
fn generate(dir: &Path, name: &str, kind: &[&str], format: &str) -> (String, String) {
    let path = dir.join(name);
    let file = path.to_str().unwrap();
    let mut args = vec!["-q", "-N", "", "-C", "ci@example", "-f", file];
    if !format.is_empty() {
        args.extend(["-m", format]);
    }
    args.extend_from_slice(kind);
    ssh_keygen(&args);
    let printed = ssh_keygen(&["-lf", &format!("{file}.pub")]);
    let fingerprint = printed.split_whitespace().nth(1).unwrap().to_string();
    (std::fs::read_to_string(&path).unwrap(), fingerprint)
}

#[test]
fn private_key_fingerprints_equal_ssh_keygens() {
    if !have_ssh_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str, &str, &str)] = &[
        (&["-t", "ed25519"], "", "ed25519-private-key", "256"),
        (&["-t", "rsa", "-b", "2048"], "", "rsa-private-key", "2048"),
        (
            &["-t", "rsa", "-b", "2048"],
            "PEM",
            "rsa-private-key",
            "2048",
        ),
        (
            &["-t", "rsa", "-b", "3072"],
            "PKCS8",
            "rsa-private-key",
            "3072",
        ),
        (
            &["-t", "ecdsa", "-b", "256"],
            "PEM",
            "ecdsa-p256-private-key",
            "256",
        ),
        (
            &["-t", "ecdsa", "-b", "384"],
            "PKCS8",
            "ecdsa-p384-private-key",
            "384",
        ),
    ];
    for (i, (kind, format, want_kind, want_bits)) in cases.iter().enumerate() {
        let (text, fingerprint) = generate(dir.path(), &format!("k{i}"), kind, format);
        let id = identify(text.as_bytes()).unwrap_or_else(|| panic!("{kind:?} {format}"));
        assert_eq!(id.kind, *want_kind, "{kind:?} {format}");
        assert_eq!(id.attributes["bits"], *want_bits, "{kind:?} {format}");
        assert_eq!(
            id.public_key_fingerprint.as_deref(),
            Some(fingerprint.as_str()),
            "{kind:?} {format}"
        );
    }
}

#[test]
fn openssh_keys_keep_comment_and_encrypted_ones_their_fingerprint() {
    if !have_ssh_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (text, fingerprint) = generate(dir.path(), "plain", &["-t", "ed25519"], "");
    let id = identify(text.as_bytes()).unwrap();
    assert_eq!(id.attributes["comment"], "ci@example");
    let file = dir.path().join("locked");
    let file = file.to_str().unwrap();
    ssh_keygen(&["-q", "-t", "ed25519", "-N", "hunter22", "-f", file]);
    let printed = ssh_keygen(&["-lf", &format!("{file}.pub")]);
    let locked = identify(&std::fs::read(file).unwrap()).unwrap();
    assert_eq!(locked.attributes["encrypted"], "true");
    assert_eq!(
        locked.public_key_fingerprint.as_deref(),
        printed.split_whitespace().nth(1)
    );
    assert_ne!(
        locked.public_key_fingerprint.as_deref(),
        Some(&*fingerprint)
    );
}

#[test]
fn a_key_escaped_inside_a_json_string_still_reads() {
    if !have_ssh_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (text, fingerprint) = generate(dir.path(), "k", &["-t", "rsa", "-b", "2048"], "PKCS8");
    let escaped = serde_json::to_string(&text).unwrap();
    let id = identify(escaped.trim_matches('"').as_bytes()).unwrap();
    assert_eq!(id.public_key_fingerprint.as_deref(), Some(&*fingerprint));
    let split = text.replacen('\n', "\" +\n  \"", 3);
    let id = identify(split.as_bytes()).unwrap();
    assert_eq!(id.public_key_fingerprint.as_deref(), Some(&*fingerprint));
}

#[test]
fn encrypted_pem_keys_give_their_kind_only() {
    let text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----";
    let id = identify(text.as_bytes()).unwrap();
    assert_eq!(id.kind, "private-key");
    assert_eq!(id.public_key_fingerprint, None);
    assert!(identify(b"not a key").is_none());
}
