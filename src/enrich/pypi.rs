//! PyPI API tokens: `pypi-` and a base64url macaroon (libmacaroons' version 2 binary format).
//! Its identifier is the token's id; its caveats name the projects it may upload to, the user
//! it belongs to and its expiry (PyPI's caveat forms: the older `{"version": 1, "permissions":
//! ...}` objects and the newer `[tag, ...]` arrays).

use base64::Engine as _;
use serde_json::Value;

use super::Enricher;
use super::jwt::BASE64URL;
use crate::finding::{Enrichment, Finding, Identity};

pub struct PypiToken;

impl Enricher for PypiToken {
    fn enrich(&self, finding: &Finding, into: &mut Enrichment) {
        if let Some(id) = identify(finding.secret.expose()) {
            into.identity = Some(id);
        }
    }
}

/// The location, identifier and caveat identifiers of a macaroon.
#[derive(Debug, Default, PartialEq)]
pub struct Macaroon {
    pub location: Option<String>,
    pub identifier: Vec<u8>,
    pub caveats: Vec<Vec<u8>>,
}

pub fn identify(secret: &[u8]) -> Option<Identity> {
    let body = secret.strip_prefix(b"pypi-")?;
    let m = parse(&BASE64URL.decode(body).ok()?)?;
    let mut id = Identity::offline("pypi-api-token");
    id.environment = m.location.clone();
    id.account = m.location.clone();
    id.token_id = String::from_utf8(m.identifier).ok();
    let mut projects = Vec::new();
    for caveat in &m.caveats {
        let Ok(v) = serde_json::from_slice::<Value>(caveat) else {
            continue;
        };
        read_caveat(&v, &mut id, &mut projects);
    }
    if !projects.is_empty() {
        id.attribute("projects", Some(projects.join(",")));
        id.principal = Some(format!("projects {}", projects.join(",")));
    }
    Some(id)
}

fn read_caveat(v: &Value, id: &mut Identity, projects: &mut Vec<String>) {
    let names = |list: Option<&Value>| -> Vec<String> {
        list.and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|p| p.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    match v {
        Value::Object(o) => match o.get("permissions") {
            Some(Value::String(s)) if s == "user" => id.attribute("scope", Some("user")),
            Some(p) => projects.extend(names(p.get("projects"))),
            None => {}
        },
        Value::Array(a) => match a.first().and_then(Value::as_u64) {
            Some(0) => {
                if let Some(at) = a.get(1).and_then(Value::as_i64)
                    && let Ok(t) = jiff::Timestamp::from_second(at)
                {
                    id.expires_at = Some(t.to_string());
                    id.expired = Some(t < jiff::Timestamp::now());
                }
            }
            Some(1) => projects.extend(names(a.get(1))),
            Some(3) => {
                let user = a.get(1).and_then(Value::as_str);
                id.attribute("user_id", user);
                if id.principal.is_none() {
                    id.principal = user.map(|u| format!("user {u}"));
                }
            }
            _ => {}
        },
        _ => {}
    }
}

/// Parses the version 2 binary format: fields of (varint type, varint length, bytes); the
/// macaroon's own fields end with an end-of-section (type 0), then each caveat's, then an empty
/// section, then the signature.
pub fn parse(bytes: &[u8]) -> Option<Macaroon> {
    let (&version, mut rest) = bytes.split_first()?;
    if version != 2 {
        return None;
    }
    let mut m = Macaroon::default();
    for (kind, data) in section(&mut rest)? {
        match kind {
            1 => m.location = String::from_utf8(data.to_vec()).ok(),
            2 => m.identifier = data.to_vec(),
            _ => {}
        }
    }
    loop {
        let fields = section(&mut rest)?;
        if fields.is_empty() {
            break;
        }
        if let Some((_, data)) = fields.iter().find(|(k, _)| *k == 2) {
            m.caveats.push(data.to_vec());
        }
    }
    Some(m)
}

/// The fields up to the next end-of-section.
fn section<'a>(rest: &mut &'a [u8]) -> Option<Vec<(u64, &'a [u8])>> {
    let mut fields = Vec::new();
    loop {
        let kind = varint(rest)?;
        if kind == 0 {
            return Some(fields);
        }
        let len = usize::try_from(varint(rest)?).ok()?;
        if len > rest.len() {
            return None;
        }
        let (data, tail) = rest.split_at(len);
        fields.push((kind, data));
        *rest = tail;
    }
}

fn varint(rest: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, tail) = rest.split_first()?;
        *rest = tail;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(out: &mut Vec<u8>, kind: u8, data: &[u8]) {
        out.push(kind);
        out.push(u8::try_from(data.len()).unwrap());
        out.extend_from_slice(data);
    }

    /// A made-up PyPI token built the way the v2 format lays a macaroon out.
    fn make_token(caveats: &[&str]) -> String {
        let mut m = vec![2u8];
        field(&mut m, 1, b"pypi.org");
        field(&mut m, 2, b"5f0c6a1e-made-up0-0000-identifier00");
        m.push(0);
        for c in caveats {
            field(&mut m, 2, c.as_bytes());
            m.push(0);
        }
        m.push(0);
        field(&mut m, 6, &[7u8; 32]);
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&m);
        format!("pypi-{body}")
    }

    #[test]
    fn pypi_tokens_name_their_id_projects_and_user() {
        let token = make_token(&[
            r#"{"version": 1, "permissions": {"projects": ["acme-tools"]}}"#,
            r#"[3, "user-uuid-1"]"#,
            r#"[0, 1600000000, 1500000000]"#,
        ]);
        let id = identify(token.as_bytes()).unwrap();
        assert_eq!(id.kind, "pypi-api-token");
        assert_eq!(id.environment.as_deref(), Some("pypi.org"));
        assert_eq!(
            id.token_id.as_deref(),
            Some("5f0c6a1e-made-up0-0000-identifier00")
        );
        assert_eq!(id.attributes["projects"], "acme-tools");
        assert_eq!(id.attributes["user_id"], "user-uuid-1");
        assert_eq!(id.expired, Some(true));
        let newer = identify(make_token(&[r#"[1, ["a", "b"]]"#]).as_bytes()).unwrap();
        assert_eq!(newer.attributes["projects"], "a,b");
        assert!(identify(b"pypi-notamacaroon").is_none());
    }
}
