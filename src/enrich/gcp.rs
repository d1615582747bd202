//! Google Cloud service-account key files: `client_email`, `project_id` and `private_key_id`,
//! read from the JSON object the finding's rule kept around its secret (`context = "json-object"`
//! on `gcp.service-account-key` and `private-key.pem`), so both the key id and the private key
//! inside the file name the service account.

use serde_json::Value;

use super::Enricher;
use crate::finding::{Enrichment, Finding, Identity};

pub struct ServiceAccountKey;

impl Enricher for ServiceAccountKey {
    fn enrich(&self, finding: &Finding, into: &mut Enrichment) {
        let Some(context) = &finding.context else {
            return;
        };
        let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(context) else {
            return;
        };
        let field = |k: &str| doc.get(k).and_then(Value::as_str).map(str::to_string);
        let Some(email) = field("client_email") else {
            return;
        };
        if field("type").is_some_and(|t| t != "service_account") {
            return;
        }
        let id = into
            .identity
            .get_or_insert_with(|| Identity::offline("gcp-service-account-key"));
        id.account = field("project_id").or_else(|| project_of(&email));
        id.principal = Some(email.clone());
        id.email = Some(email);
        id.token_id = field("private_key_id");
        id.attribute("client_id", field("client_id"));
        id.attribute("project_id", field("project_id"));
    }
}

/// The project of a service account's e-mail (`name@PROJECT.iam.gserviceaccount.com`).
pub fn project_of(email: &str) -> Option<String> {
    let domain = email.split_once('@')?.1;
    domain
        .strip_suffix(".iam.gserviceaccount.com")
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_account_emails_name_their_project() {
        assert_eq!(
            project_of("ci@my-proj.iam.gserviceaccount.com").as_deref(),
            Some("my-proj")
        );
        assert_eq!(project_of("someone@example.com"), None);
    }
}
