//! JSON Web Tokens: the header's `alg`/`kid` and the claims that name the principal, read by
//! decoding the base64url segments (signatures are never verified). Kubernetes service-account,
//! GitHub Actions OIDC, Google and Azure AD tokens get the principal their issuer defines.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};

use super::Enricher;
use crate::finding::{Enrichment, Finding, Identity};

/// base64url with or without padding (RFC 7515 omits it; some issuers keep it).
pub(super) const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub struct Jwt;

impl Enricher for Jwt {
    fn enrich(&self, finding: &Finding, into: &mut Enrichment) {
        if let Some(token) = Token::decode(finding.secret.expose()) {
            into.identity = Some(token.identity(jiff::Timestamp::now()));
        }
    }
}

/// A decoded JWT: its header and claims.
pub struct Token {
    header: Map<String, Value>,
    claims: Map<String, Value>,
}

impl Token {
    pub fn decode(secret: &[u8]) -> Option<Token> {
        let text = std::str::from_utf8(secret).ok()?;
        let mut parts = text.split('.');
        let (header, claims) = (parts.next()?, parts.next()?);
        if !header.starts_with("eyJ") || parts.count() > 1 {
            return None;
        }
        Some(Token {
            header: json_object(header)?,
            claims: json_object(claims)?,
        })
    }

    /// What the token says about itself; `now` decides whether it has expired.
    pub fn identity(&self, now: jiff::Timestamp) -> Identity {
        let mut id = self.issuer_identity();
        id.attribute("alg", self.header_str("alg"));
        id.attribute("kid", self.header_str("kid"));
        id.attribute("iss", self.claim("iss"));
        id.attribute("sub", self.claim("sub"));
        id.attribute("aud", self.audience());
        id.token_id = id.token_id.or_else(|| self.claim("jti"));
        id.email = id.email.or_else(|| self.claim("email"));
        if let Some(exp) = self.claims.get("exp").and_then(Value::as_i64)
            && let Ok(at) = jiff::Timestamp::from_second(exp)
        {
            id.expires_at = Some(at.to_string());
            id.expired = Some(at < now);
        }
        id
    }

    /// The kind, account and principal as the issuer defines them.
    fn issuer_identity(&self) -> Identity {
        let iss = self.claim("iss").unwrap_or_default();
        if let Some(id) = self.kubernetes() {
            id
        } else if iss == "https://token.actions.githubusercontent.com" {
            let mut id = Identity::offline("github-actions-oidc-token");
            id.account = self.claim("repository_owner");
            id.principal = self.claim("sub");
            id.attribute("repository", self.claim("repository"));
            id.attribute("workflow", self.claim("workflow"));
            id.attribute("ref", self.claim("ref"));
            id
        } else if iss == "https://accounts.google.com" || iss == "accounts.google.com" {
            let mut id = Identity::offline("google-id-token");
            id.principal = self.claim("email").or_else(|| self.claim("sub"));
            id.account = self.claim("hd");
            id.attribute("azp", self.claim("azp"));
            id
        } else if iss.ends_with(".iam.gserviceaccount.com") {
            let mut id = Identity::offline("gcp-service-account-jwt");
            id.account = super::gcp::project_of(&iss);
            id.principal = Some(iss.clone());
            id.email = Some(iss);
            id
        } else if iss.starts_with("https://sts.windows.net/")
            || iss.starts_with("https://login.microsoftonline.com/")
        {
            self.azure()
        } else {
            let mut id = Identity::offline("jwt");
            id.account = self.claim("iss");
            id.principal = self.claim("sub");
            id
        }
    }

    /// Service-account tokens: bound tokens carry a `kubernetes.io` object, legacy secrets' tokens
    /// flat `kubernetes.io/serviceaccount/...` claims.
    fn kubernetes(&self) -> Option<Identity> {
        let (namespace, name) = match self.claims.get("kubernetes.io") {
            Some(k8s) => (
                k8s.get("namespace")?.as_str()?.to_string(),
                k8s.pointer("/serviceaccount/name")?.as_str()?.to_string(),
            ),
            None => (
                self.claim("kubernetes.io/serviceaccount/namespace")?,
                self.claim("kubernetes.io/serviceaccount/service-account.name")?,
            ),
        };
        let mut id = Identity::offline("kubernetes-service-account-token");
        id.principal = Some(format!("system:serviceaccount:{namespace}:{name}"));
        id.attribute("namespace", Some(namespace.clone()));
        id.attribute("service_account", Some(name));
        id.account = Some(namespace);
        Some(id)
    }

    /// Azure AD (Entra ID) access and id tokens: the tenant, and the user or the application.
    fn azure(&self) -> Identity {
        let mut id = Identity::offline("azure-ad-token");
        id.account = self.claim("tid");
        id.principal = ["upn", "unique_name", "preferred_username", "appid", "azp"]
            .iter()
            .find_map(|c| self.claim(c));
        id.attribute("oid", self.claim("oid"));
        id.attribute("appid", self.claim("appid").or_else(|| self.claim("azp")));
        id
    }

    fn claim(&self, name: &str) -> Option<String> {
        scalar(self.claims.get(name)?)
    }

    fn header_str(&self, name: &str) -> Option<String> {
        scalar(self.header.get(name)?)
    }

    /// `aud`: one string or a list of them.
    fn audience(&self) -> Option<String> {
        match self.claims.get("aud")? {
            Value::Array(list) => {
                Some(list.iter().filter_map(scalar).collect::<Vec<_>>().join(","))
            }
            other => scalar(other),
        }
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn json_object(segment: &str) -> Option<Map<String, Value>> {
    let bytes = BASE64URL.decode(segment).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A token with `header` and `claims` and a made-up signature.
    pub fn make_jwt(header: Value, claims: Value) -> String {
        let enc = |v: &Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
        };
        format!(
            "{}.{}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk",
            enc(&header),
            enc(&claims)
        )
    }

    fn identity_of(header: Value, claims: Value) -> Identity {
        let token = make_jwt(header, claims);
        let now = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        Token::decode(token.as_bytes())
            .expect("decodes")
            .identity(now)
    }

    #[test]
    fn jwt_header_and_claims_are_read_and_expiry_judged() {
        let id = identity_of(
            json!({"alg": "RS256", "kid": "key-7", "typ": "JWT"}),
            json!({"iss": "https://auth.example.com", "sub": "svc-billing", "aud": ["api", "web"],
                   "exp": 1_600_000_000, "jti": "tok-42"}),
        );
        assert_eq!(id.kind, "jwt");
        assert_eq!(id.account.as_deref(), Some("https://auth.example.com"));
        assert_eq!(id.principal.as_deref(), Some("svc-billing"));
        assert_eq!(id.attributes["alg"], "RS256");
        assert_eq!(id.attributes["kid"], "key-7");
        assert_eq!(id.attributes["aud"], "api,web");
        assert_eq!(id.token_id.as_deref(), Some("tok-42"));
        assert_eq!(id.expires_at.as_deref(), Some("2020-09-13T12:26:40Z"));
        assert_eq!(id.expired, Some(true));
        let live = identity_of(json!({"alg": "HS256"}), json!({"exp": 1_800_000_000}));
        assert_eq!(live.expired, Some(false));
        assert_eq!(live.kind, "jwt");
    }

    #[test]
    fn kubernetes_service_account_tokens_name_namespace_and_account() {
        let bound = identity_of(
            json!({"alg": "RS256", "kid": "k"}),
            json!({"iss": "https://kubernetes.default.svc.cluster.local",
                   "kubernetes.io": {"namespace": "payments",
                                      "serviceaccount": {"name": "deployer", "uid": "u-1"}}}),
        );
        assert_eq!(bound.kind, "kubernetes-service-account-token");
        assert_eq!(
            bound.principal.as_deref(),
            Some("system:serviceaccount:payments:deployer")
        );
        assert_eq!(bound.attributes["namespace"], "payments");
        let legacy = identity_of(
            json!({"alg": "RS256"}),
            json!({"iss": "kubernetes/serviceaccount",
                   "kubernetes.io/serviceaccount/namespace": "kube-system",
                   "kubernetes.io/serviceaccount/service-account.name": "ci-bot"}),
        );
        assert_eq!(legacy.attributes["service_account"], "ci-bot");
        assert_eq!(legacy.account.as_deref(), Some("kube-system"));
    }

    #[test]
    fn oidc_tokens_name_their_principal() {
        let gha = identity_of(
            json!({"alg": "RS256"}),
            json!({"iss": "https://token.actions.githubusercontent.com",
                   "sub": "repo:acme/api:ref:refs/heads/main", "repository": "acme/api",
                   "repository_owner": "acme"}),
        );
        assert_eq!(gha.kind, "github-actions-oidc-token");
        assert_eq!(gha.account.as_deref(), Some("acme"));
        assert_eq!(
            gha.principal.as_deref(),
            Some("repo:acme/api:ref:refs/heads/main")
        );
        let google = identity_of(
            json!({"alg": "RS256"}),
            json!({"iss": "https://accounts.google.com", "sub": "1099",
                   "email": "runner@build-42.iam.gserviceaccount.com"}),
        );
        assert_eq!(google.kind, "google-id-token");
        assert_eq!(
            google.email.as_deref(),
            Some("runner@build-42.iam.gserviceaccount.com")
        );
        let sa = identity_of(
            json!({"alg": "RS256"}),
            json!({"iss": "signer@proj-7.iam.gserviceaccount.com"}),
        );
        assert_eq!(sa.account.as_deref(), Some("proj-7"));
        let azure = identity_of(
            json!({"alg": "RS256"}),
            json!({"iss": "https://sts.windows.net/72f988bf-0000-0000-0000-2d7cd011db47/",
                   "tid": "72f988bf-0000-0000-0000-2d7cd011db47", "appid": "app-123",
                   "oid": "o-9"}),
        );
        assert_eq!(azure.kind, "azure-ad-token");
        assert_eq!(
            azure.account.as_deref(),
            Some("72f988bf-0000-0000-0000-2d7cd011db47")
        );
        assert_eq!(azure.principal.as_deref(), Some("app-123"));
    }

    #[test]
    fn non_tokens_are_left_alone() {
        assert!(Token::decode(b"eyJhbGciOiJub25lIn0").is_none());
        assert!(Token::decode(b"not.a.jwt").is_none());
        assert!(Token::decode(b"eyJhbGciOiJub25lIn0.bm90LWpzb24.sig").is_none());
    }
}
