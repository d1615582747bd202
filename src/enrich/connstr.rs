//! Credentials inside connection strings, read from the finding's line: Azure connection strings
//! (`AccountName=...;AccountKey=...`, `Endpoint=sb://...;SharedAccessKeyName=...`) give the
//! account and endpoint; URLs with a password (`postgres://user:pass@host/db`) give the user, the
//! host and the database. Only the string that holds the secret is read.

use super::Enricher;
use crate::finding::{Enrichment, Finding, Identity};

pub struct ConnectionString;

impl Enricher for ConnectionString {
    fn enrich(&self, finding: &Finding, into: &mut Enrichment) {
        let line = String::from_utf8_lossy(finding.snippet.text());
        let Ok(secret) = std::str::from_utf8(finding.secret.expose()) else {
            return;
        };
        if secret.is_empty() || into.identity.is_some() {
            return;
        }
        into.identity = azure(&line, secret).or_else(|| url_credential(&line, secret));
    }
}

/// The `Key=Value;...` string around `secret` on `line`, when it is an Azure connection string.
pub fn azure(line: &str, secret: &str) -> Option<Identity> {
    let at = line.find(secret)?;
    let start = line[..at]
        .rfind(|c: char| c == '"' || c == '\'' || c.is_whitespace())
        .map_or(0, |p| p + 1);
    let end = line[at..]
        .find(|c: char| c == '"' || c == '\'' || c.is_whitespace())
        .map_or(line.len(), |p| at + p);
    let pairs: Vec<(String, &str)> = line[start..end]
        .split(';')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_ascii_lowercase(), v))
        .collect();
    let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| *v);
    if let Some(account) = get("accountname") {
        let mut id = Identity::offline("azure-storage-account-key");
        id.account = Some(account.to_string());
        let suffix = get("endpointsuffix").unwrap_or("core.windows.net");
        let endpoint = get("blobendpoint").map_or_else(
            || format!("https://{account}.blob.{suffix}"),
            str::to_string,
        );
        id.attribute("endpoint", Some(endpoint));
        return Some(id);
    }
    let endpoint = get("endpoint")?;
    let mut id = Identity::offline("azure-shared-access-key");
    let host = endpoint.split("://").nth(1).unwrap_or(endpoint);
    id.account = host.split(['.', '/']).next().map(str::to_string);
    id.principal = get("sharedaccesskeyname").map(str::to_string);
    id.attribute("endpoint", Some(endpoint));
    id.attribute("entity_path", get("entitypath"));
    Some(id)
}

/// `scheme://user:secret@host[:port][/database]` on `line`.
pub fn url_credential(line: &str, secret: &str) -> Option<Identity> {
    for (sep, _) in line.match_indices("://") {
        let scheme_start = line[..sep]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
            .map_or(0, |p| p + 1);
        let scheme = &line[scheme_start..sep];
        let rest = &line[sep + 3..];
        let end = rest
            .find(|c: char| c.is_whitespace() || "\"'`<>".contains(c))
            .unwrap_or(rest.len());
        let url = &rest[..end];
        let Some((userinfo, after)) = url.rsplit_once('@') else {
            continue;
        };
        let Some((user, password)) = userinfo.split_once(':') else {
            continue;
        };
        if password != secret || scheme.is_empty() {
            continue;
        }
        let host_end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let host = &after[..host_end];
        let database = after[host_end..]
            .strip_prefix('/')
            .map(|p| &p[..p.find(['?', '#', '/']).unwrap_or(p.len())])
            .filter(|d| !d.is_empty());
        let base = scheme
            .split('+')
            .next()
            .unwrap_or(scheme)
            .to_ascii_lowercase();
        let mut id = Identity::offline(format!("{base}-password"));
        id.principal = Some(user.to_string());
        id.account = Some(host.to_string());
        id.attribute("user", Some(user));
        id.attribute("host", Some(host));
        id.attribute("database", database);
        return Some(id);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_storage_connection_strings_name_account_and_endpoint() {
        let line = r#"conn = "DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey=bWFkZS11cC1rZXk=;EndpointSuffix=core.windows.net""#;
        let id = azure(line, "bWFkZS11cC1rZXk=").unwrap();
        assert_eq!(id.kind, "azure-storage-account-key");
        assert_eq!(id.account.as_deref(), Some("acmelogs"));
        assert_eq!(
            id.attributes["endpoint"],
            "https://acmelogs.blob.core.windows.net"
        );
        let sb = "Endpoint=sb://acme-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=bWFkZS11cA==";
        let id = azure(sb, "bWFkZS11cA==").unwrap();
        assert_eq!(id.account.as_deref(), Some("acme-bus"));
        assert_eq!(id.principal.as_deref(), Some("RootManageSharedAccessKey"));
    }

    #[test]
    fn database_urls_name_user_host_and_database() {
        let line = "DATABASE_URL=postgres://app_rw:Xk29fqLm7Tzw@db.internal:5432/orders?ssl=1"; // leakhound:allow (made up)
        let id = url_credential(line, "Xk29fqLm7Tzw").unwrap();
        assert_eq!(id.kind, "postgres-password");
        assert_eq!(id.principal.as_deref(), Some("app_rw"));
        assert_eq!(id.attributes["host"], "db.internal:5432");
        assert_eq!(id.attributes["database"], "orders");
        let id = url_credential("postgresql+psycopg2://etl:Tr7v@10.0.3.12", "Tr7v").unwrap(); // leakhound:allow (made up)
        assert_eq!(id.kind, "postgresql-password");
        assert!(!id.attributes.contains_key("database"));
        assert!(url_credential(line, "other").is_none());
    }
}
