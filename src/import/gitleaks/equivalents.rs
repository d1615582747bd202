//! gitleaks default rules with a clear counterpart in leakhound's built-in pack: data, used only
//! when the built-in pack runs (`extend_default`), for `disabledRules`, `targetRules` and rules
//! that only tune a default rule. A counterpart that no longer exists in the pack is ignored, and
//! a gitleaks id not listed here is reported, never guessed.

const TABLE: &[(&str, &[&str])] = &[
    ("generic-api-key", &["generic.assigned-secret"]),
    (
        "private-key",
        &["private-key.pem", "private-key.pem-encrypted"],
    ),
    ("jwt", &["jwt.token"]),
    ("aws-access-token", &["aws.access-key-id"]),
    ("github-pat", &["github.pat-classic"]),
    ("github-fine-grained-pat", &["github.pat-fine-grained"]),
    ("github-oauth", &["github.oauth-token"]),
    (
        "github-app-token",
        &["github.app-user-token", "github.app-installation-token"],
    ),
    ("github-refresh-token", &["github.refresh-token"]),
    ("gitlab-pat", &["gitlab.personal-access-token"]),
    ("gitlab-deploy-token", &["gitlab.deploy-token"]),
    ("gitlab-feed-token", &["gitlab.feed-token"]),
    ("gitlab-cicd-job-token", &["gitlab.ci-job-token"]),
    (
        "gitlab-runner-authentication-token",
        &["gitlab.runner-authentication-token"],
    ),
    ("gitlab-scim-token", &["gitlab.scim-token"]),
    ("gitlab-session-cookie", &["gitlab.session-cookie"]),
    ("gitlab-kubernetes-agent-token", &["gitlab.agent-token"]),
    (
        "gitlab-incoming-mail-token",
        &["gitlab.incoming-email-token"],
    ),
    (
        "gitlab-feature-flag-client-token",
        &["gitlab.feature-flags-client-token"],
    ),
    (
        "gitlab-oauth-app-secret",
        &["gitlab.oauth-application-secret"],
    ),
    ("slack-bot-token", &["slack.bot-token"]),
    ("slack-user-token", &["slack.user-token"]),
    ("slack-app-token", &["slack.app-level-token"]),
    ("slack-webhook-url", &["slack.incoming-webhook-url"]),
    (
        "slack-legacy-workspace-token",
        &["slack.legacy-workspace-token"],
    ),
    (
        "stripe-access-token",
        &[
            "stripe.secret-key",
            "stripe.restricted-key",
            "stripe.test-secret-key",
        ],
    ),
    ("anthropic-api-key", &["anthropic.api-key"]),
    ("anthropic-admin-api-key", &["anthropic.admin-key"]),
    ("age-secret-key", &["age.secret-key"]),
    ("airtable-api-key", &["airtable.api-key"]),
    (
        "airtable-personnal-access-token",
        &["airtable.personal-access-token"],
    ),
    ("alibaba-access-key-id", &["alibaba.access-key-id"]),
    ("alibaba-secret-key", &["alibaba.access-key-secret"]),
    ("artifactory-api-key", &["artifactory.api-key"]),
    (
        "artifactory-reference-token",
        &["artifactory.reference-token"],
    ),
    ("atlassian-api-token", &["atlassian.api-token"]),
    ("azure-ad-client-secret", &["azure.entra-client-secret"]),
    ("cloudflare-global-api-key", &["cloudflare.global-api-key"]),
    ("cloudflare-origin-ca-key", &["cloudflare.origin-ca-key"]),
    (
        "databricks-api-token",
        &["databricks.personal-access-token"],
    ),
    ("digitalocean-pat", &["digitalocean.personal-access-token"]),
    ("digitalocean-access-token", &["digitalocean.oauth-token"]),
    (
        "digitalocean-refresh-token",
        &["digitalocean.refresh-token"],
    ),
    ("doppler-api-token", &["doppler.api-token"]),
    (
        "dropbox-short-lived-api-token",
        &["dropbox.short-lived-access-token"],
    ),
    (
        "dropbox-long-lived-api-token",
        &["dropbox.long-lived-access-token"],
    ),
    ("gcp-api-key", &["gcp.api-key"]),
    ("grafana-api-key", &["grafana.api-key"]),
    ("grafana-cloud-api-token", &["grafana.cloud-token"]),
    (
        "grafana-service-account-token",
        &["grafana.service-account-token"],
    ),
    ("hashicorp-tf-api-token", &["terraform-cloud.api-token"]),
    (
        "huggingface-access-token",
        &["huggingface.user-access-token"],
    ),
    (
        "huggingface-organization-api-token",
        &["huggingface.org-api-token"],
    ),
    ("kubernetes-secret-yaml", &["kubernetes.secret-data"]),
    ("linear-api-key", &["linear.api-key"]),
    ("mailchimp-api-key", &["mailchimp.api-key"]),
    (
        "microsoft-teams-webhook",
        &["microsoft-teams.incoming-webhook-url"],
    ),
    ("notion-api-token", &["notion.integration-token"]),
    ("npm-access-token", &["npm.access-token"]),
    ("planetscale-password", &["planetscale.password"]),
    ("planetscale-oauth-token", &["planetscale.oauth-token"]),
    ("postman-api-token", &["postman.api-key"]),
    ("pulumi-api-token", &["pulumi.access-token"]),
    ("pypi-upload-token", &["pypi.api-token"]),
    ("rubygems-api-token", &["rubygems.api-key"]),
    ("sendgrid-api-token", &["sendgrid.api-key"]),
    ("sentry-org-token", &["sentry.org-auth-token"]),
    ("sentry-user-token", &["sentry.user-auth-token"]),
    (
        "shopify-custom-access-token",
        &["shopify.custom-app-access-token"],
    ),
    (
        "shopify-private-app-access-token",
        &["shopify.private-app-access-token"],
    ),
    ("shopify-shared-secret", &["shopify.app-secret"]),
    ("telegram-bot-api-token", &["telegram.bot-token"]),
    ("vault-service-token", &["hashicorp-vault.service-token"]),
    ("vault-batch-token", &["hashicorp-vault.batch-token"]),
    ("curl-auth-user", &["http-auth.curl-user"]),
];

/// The leakhound rule ids (a trailing `*` for a prefix) standing in for gitleaks rule `id`.
pub fn of(id: &str) -> &'static [&'static str] {
    TABLE
        .iter()
        .find(|(gl, _)| *gl == id)
        .map_or(&[], |(_, ours)| *ours)
}

#[cfg(test)]
mod tests {
    use crate::rules::{RuleLoader, id_matches};

    #[test]
    fn every_counterpart_is_a_builtin_rule() {
        let set = RuleLoader::default().load().unwrap();
        for (gitleaks, ours) in super::TABLE {
            for id in *ours {
                assert!(
                    set.rules().iter().any(|r| id_matches(id, r.id())),
                    "{gitleaks} -> {id}: no such built-in rule"
                );
            }
        }
    }
}
