//! Provider tokens whose prefix says what they are: GitHub, GitLab, Slack, Stripe, Shopify and
//! npm. The kind and environment come from the prefix; Slack tokens also carry the workspace
//! (team) and user or app ids in their dash-separated fields.

use super::Enricher;
use crate::finding::{Enrichment, Finding, Identity};

/// Prefix, kind, environment. Longer prefixes first where one is a prefix of another.
const PREFIXES: &[(&str, &str, Option<&str>)] = &[
    ("github_pat_", "github-pat-fine-grained", None),
    ("ghp_", "github-pat-classic", None),
    ("gho_", "github-oauth-token", None),
    ("ghu_", "github-user-to-server-token", None),
    ("ghs_", "github-server-to-server-token", None),
    ("ghr_", "github-refresh-token", None),
    ("glpat-", "gitlab-personal-access-token", None),
    ("gldt-", "gitlab-deploy-token", None),
    ("glrt-", "gitlab-runner-authentication-token", None),
    ("GR1348941", "gitlab-runner-registration-token", None),
    ("glptt-", "gitlab-pipeline-trigger-token", None),
    ("glft-", "gitlab-feed-token", None),
    ("glimt-", "gitlab-incoming-email-token", None),
    ("gloas-", "gitlab-oauth-application-secret", None),
    ("glcbt-", "gitlab-ci-job-token", None),
    ("glagent-", "gitlab-agent-token", None),
    ("glsoat-", "gitlab-scim-token", None),
    ("glffct-", "gitlab-feature-flags-client-token", None),
    ("xoxb-", "slack-bot-token", None),
    ("xoxp-", "slack-user-token", None),
    ("xoxa-", "slack-workspace-access-token", None),
    ("xoxe.xoxp-", "slack-rotating-user-token", None),
    ("xoxe.xoxb-", "slack-rotating-bot-token", None),
    ("xoxe-", "slack-refresh-token", None),
    ("xapp-", "slack-app-level-token", None),
    ("sk_live_", "stripe-secret-key", Some("live")),
    ("sk_test_", "stripe-secret-key", Some("test")),
    ("rk_live_", "stripe-restricted-key", Some("live")),
    ("rk_test_", "stripe-restricted-key", Some("test")),
    ("whsec_", "stripe-webhook-signing-secret", None),
    ("shpat_", "shopify-admin-api-access-token", None),
    ("shpca_", "shopify-custom-app-access-token", None),
    ("shppa_", "shopify-private-app-access-token", None),
    ("shpss_", "shopify-shared-secret", None),
    ("npm_", "npm-access-token", None),
];

pub struct PrefixedToken;

impl Enricher for PrefixedToken {
    fn enrich(&self, finding: &Finding, into: &mut Enrichment) {
        let Ok(secret) = std::str::from_utf8(finding.secret.expose()) else {
            return;
        };
        if let Some(id) = identify(secret) {
            into.identity = Some(id);
        }
    }
}

pub fn identify(secret: &str) -> Option<Identity> {
    let (prefix, kind, env) = PREFIXES.iter().find(|(p, _, _)| secret.starts_with(p))?;
    let mut id = Identity::offline(*kind);
    id.environment = env.map(str::to_string);
    if kind.starts_with("slack-") {
        slack_ids(&secret[prefix.len()..], kind, &mut id);
    }
    Some(id)
}

/// `xoxb-TEAM-BOTUSER-random`, `xoxp-TEAM-USER-...`, `xapp-1-APPID-...`: numeric team and user
/// ids (or the app id) where the token carries them.
fn slack_ids(rest: &str, kind: &str, id: &mut Identity) {
    let fields: Vec<&str> = rest.split('-').collect();
    let numeric = |s: &&&str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match kind {
        "slack-app-level-token" => {
            if let Some(app) = fields.get(1).filter(|a| a.starts_with('A')) {
                id.principal = Some(app.to_string());
                id.attribute("app_id", Some(*app));
            }
        }
        "slack-bot-token"
        | "slack-user-token"
        | "slack-rotating-bot-token"
        | "slack-rotating-user-token" => {
            if let Some(team) = fields.first().filter(numeric) {
                id.account = Some(team.to_string());
                id.attribute("team_id", Some(*team));
            }
            if let Some(user) = fields.get(1).filter(numeric) {
                id.principal = Some(user.to_string());
                id.attribute("user_id", Some(*user));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_token_kinds_come_from_the_prefix() {
        for (token, kind) in [
            (
                "ghp_madeUpMadeUpMadeUp0000000000000000",
                "github-pat-classic",
            ),
            (
                "github_pat_11AAAAAAA0madeup_madeup",
                "github-pat-fine-grained",
            ),
            ("gho_madeUpMadeUp", "github-oauth-token"),
            ("ghu_madeUpMadeUp", "github-user-to-server-token"),
            ("ghs_madeUpMadeUp", "github-server-to-server-token"),
            ("ghr_madeUpMadeUp", "github-refresh-token"),
            ("glpat-madeUpMadeUp0000", "gitlab-personal-access-token"),
            (
                "shpat_0123456789abcdef0123456789abcdef",
                "shopify-admin-api-access-token",
            ),
            ("npm_madeUpMadeUpMadeUp", "npm-access-token"),
        ] {
            assert_eq!(identify(token).unwrap().kind, kind, "{token}");
        }
        assert!(identify("hello").is_none());
    }

    #[test]
    fn stripe_keys_say_live_or_test() {
        let live = identify("sk_live_madeUpMadeUpMadeUp").unwrap();
        assert_eq!(
            (live.kind.as_str(), live.environment.as_deref()),
            ("stripe-secret-key", Some("live"))
        );
        let test = identify("rk_test_madeUpMadeUpMadeUp").unwrap();
        assert_eq!(
            (test.kind.as_str(), test.environment.as_deref()),
            ("stripe-restricted-key", Some("test"))
        );
    }

    #[test]
    fn slack_tokens_carry_team_user_and_app_ids() {
        let bot = identify("xoxb-1234567890-9876543210-madeUpMadeUpMadeUp").unwrap();
        assert_eq!(bot.kind, "slack-bot-token");
        assert_eq!(bot.account.as_deref(), Some("1234567890"));
        assert_eq!(bot.attributes["user_id"], "9876543210");
        let user = identify("xoxp-111-222-333-0123456789abcdef").unwrap();
        assert_eq!(user.kind, "slack-user-token");
        assert_eq!(user.attributes["team_id"], "111");
        let app = identify("xapp-1-A0123ABCD-4567-0123456789abcdef").unwrap();
        assert_eq!(app.kind, "slack-app-level-token");
        assert_eq!(app.principal.as_deref(), Some("A0123ABCD"));
    }
}
