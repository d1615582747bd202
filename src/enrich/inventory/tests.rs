//! Reading the inventory: a complete example, and errors that name the line and the field.

use super::*;

const EXAMPLE: &str = "\
identities:
  - name: ci-deployer
    kind: aws-iam-user
    owner: team platform
    contact: \"#platform-oncall\"
    environment: production
    match:
      aws_key_ids: [AKIAIOSFODNN7EXAMPLE]
      aws_account_ids: [123456789012, '000000000042']
      emails: [deployer@acme-prod.iam.gserviceaccount.com]
      public_key_fingerprints: ['SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8']
      secret_fingerprints: [1A7674EB4EE78DF7E1AC439A93C3FA8E3C945784D4DEC9FD8E3011738B2F1D62]
      token_ids: [key-7]
";

#[test]
fn inventory_reads_every_field() {
    let inv = Inventory::parse(EXAMPLE).unwrap();
    let e = &inv.identities[0];
    assert_eq!(e.name, "ci-deployer");
    assert_eq!(e.contact.as_deref(), Some("#platform-oncall"));
    let m = &e.matchers;
    assert_eq!(m.aws_account_ids[0].0, "123456789012");
    assert_eq!(m.aws_account_ids[1].0, "000000000042");
    assert_eq!(
        m.secret_fingerprints[0].0,
        "1a7674eb4ee78df7e1ac439a93c3fa8e3c945784d4dec9fd8e3011738b2f1d62"
    );
    let json = r#"{"identities": [{"name": "x", "match": {"token_ids": ["t"]}}]}"#;
    assert_eq!(Inventory::parse(json).unwrap().identities[0].name, "x");
}

#[test]
fn inventory_errors_name_the_line_and_the_field() {
    let cases = [
        (
            "identities:\n  - name: a\n    match:\n      emial: [x]\n",
            "identities[0].match: unknown field `emial`",
            "line 4",
        ),
        (
            "identities:\n  - name: a\n    match:\n      aws_account_ids: ['12a']\n",
            "identities[0].match.aws_account_ids",
            "line 4",
        ),
        (
            "identities:\n  - name: a\n    match: {}\n  - name: b\n    match:\n      public_key_fingerprints: [MD5:x]\n",
            "identities[1].match.public_key_fingerprints",
            "line 6",
        ),
        (
            "identities:\n  - owner: a\n    match: {}\n",
            "missing field `name`",
            "line 2",
        ),
        (
            "identities:\n  - name: a\n    match:\n      aws_key_ids: [akia]\n",
            "aws_key_ids",
            "line 4",
        ),
        (
            "identities:\n  - name: a\n    match:\n      secret_fingerprints: [abc]\n",
            "secret_fingerprints",
            "line 4",
        ),
    ];
    for (text, field, line) in cases {
        let e = Inventory::parse(text).unwrap_err().to_string();
        assert!(e.contains(field) && e.contains(line), "{e}");
    }
}

fn facts<'a>(identity: Option<&'a Identity>, secret: &'a [u8]) -> Facts<'a> {
    Facts {
        secret,
        secret_hash: secret_hash(secret),
        fingerprint: "f",
        identity,
    }
}

#[test]
fn inventory_links_by_each_field_most_specific_first() {
    let inv = Inventory::parse(EXAMPLE).unwrap();
    let by =
        |id: Option<&Identity>, secret: &[u8]| inv.link(&facts(id, secret)).map(|l| l.matched_by);
    let mut aws = Identity::offline("aws-access-key");
    aws.account = Some("123456789012".into());
    assert_eq!(
        by(Some(&aws), b"AKIAIOSFODNN7EXAMPLE").as_deref(), // leakhound:allow (made up)
        Some("aws_key_ids")
    );
    assert_eq!(
        by(Some(&aws), b"AKIAOTHEROTHEROTHER2").as_deref(), // leakhound:allow (made up)
        Some("aws_account_ids")
    );
    assert_eq!(by(None, b"tok").as_deref(), Some("secret_fingerprints"));
    let mut key = Identity::offline("ed25519-private-key");
    key.public_key_fingerprint = Some("SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8".into());
    assert_eq!(
        by(Some(&key), b"k").as_deref(),
        Some("public_key_fingerprints")
    );
    let mut sa = Identity::offline("gcp-service-account-key");
    sa.email = Some("Deployer@acme-prod.iam.gserviceaccount.com".into());
    assert_eq!(by(Some(&sa), b"k").as_deref(), Some("emails"));
    sa.token_id = Some("key-7".into());
    assert_eq!(by(Some(&sa), b"k").as_deref(), Some("token_ids"));
    let mut other = Identity::offline("jwt");
    other.account = Some("123456789012".into());
    assert_eq!(
        by(Some(&other), b"k"),
        None,
        "accounts match only AWS identities"
    );
}
