//! gitleaks rules and allowlists (already merged across `[extend]`) turned into leakhound ones,
//! each loss or difference recorded with its place.

use regex_automata::meta;

use super::extend::Resolved;
use super::read::{Allowlist, Rule, Target};
use super::{Issues, equivalents, goregex, pathglob};
use crate::rules::id_matches;
use crate::rules::matcher::{GroupSel, Matcher, MatcherError, MatcherSpec};

/// Prefix of every converted rule id: no built-in id starts with it, and it says where the rule
/// came from.
pub const ID_PREFIX: &str = "gitleaks.";
/// The provider of converted rules.
pub const PROVIDER: &str = "gitleaks";

/// The converted configuration, ready to be written.
#[derive(Debug, Default)]
pub struct Converted {
    pub extend_default: bool,
    pub disabled_rules: Vec<String>,
    pub rules: Vec<OutRule>,
    pub allowlists: Vec<OutAllowlist>,
}

#[derive(Debug)]
pub struct OutRule {
    /// Where it came from, for a comment.
    pub origin: String,
    pub id: String,
    pub name: String,
    pub description: String,
    pub pattern: String,
    pub secret_group: Option<i64>,
    pub keywords: Vec<String>,
    pub min_entropy: Option<f64>,
    pub confidence: String,
}

#[derive(Debug, Default)]
pub struct OutAllowlist {
    pub origin: String,
    pub description: Option<String>,
    pub rules: Vec<String>,
    pub all: bool,
    pub paths: Vec<String>,
    pub secrets: Vec<String>,
    pub lines: Vec<String>,
    pub stopwords: Vec<String>,
    pub commits: Vec<String>,
}

/// What converting needs to know about the rest of the configuration.
pub struct Context<'a> {
    pub extend_default: bool,
    /// The built-in rule ids (empty unless `extend_default`).
    pub builtin: &'a [String],
}

impl Context<'_> {
    /// The built-in rules standing in for gitleaks default rule `id`, if the pack runs.
    fn equivalents(&self, id: &str) -> Vec<String> {
        if !self.extend_default {
            return Vec::new();
        }
        equivalents::of(id)
            .iter()
            .filter(|ours| self.builtin.iter().any(|b| id_matches(ours, b)))
            .map(|s| s.to_string())
            .collect()
    }

    /// ` (leakhound's own rules for it: aws.*)`, when the id's first word names a provider.
    fn hint(&self, id: &str) -> String {
        let provider = id.split(['-', '_', '.']).next().unwrap_or_default();
        let prefix = format!("{provider}.");
        if !provider.is_empty() && self.builtin.iter().any(|b| b.starts_with(&prefix)) {
            format!(" (leakhound's own rules for it: {prefix}*)")
        } else {
            String::new()
        }
    }
}

pub fn convert(resolved: &Resolved, ctx: &Context<'_>, issues: &mut Issues) -> Converted {
    let mut out = Converted {
        extend_default: ctx.extend_default,
        ..Converted::default()
    };
    let ids = assign_ids(resolved, issues);
    for a in &resolved.global {
        out.allowlists
            .extend(convert_allowlist(a, Vec::new(), issues));
    }
    for rule in &resolved.rules {
        let Some((_, id)) = ids.iter().find(|(gl, _)| *gl == rule.id) else {
            tune_default_rule(rule, ctx, &mut out, issues);
            continue;
        };
        if rule.skip_report {
            issues.lost(
                &rule.place,
                format!(
                    "skipped{}: `skipReport` rules only feed gitleaks' composite rules, which \
                     leakhound does not have",
                    with_allowlists(rule)
                ),
            );
            continue;
        }
        let Some(converted) = convert_rule(rule, id, ctx, issues) else {
            continue;
        };
        out.rules.push(converted);
        for a in &rule.allowlists {
            out.allowlists
                .extend(convert_allowlist(a, vec![id.clone()], issues));
        }
    }
    for a in &resolved.targeted {
        let targets = target_rules(a, &ids, &out.rules, ctx, issues);
        if targets.is_empty() {
            // Empty `rules` would mean every rule: never widen an allowlist that way.
            issues.lost(
                &a.place,
                "allowlist skipped: none of its targetRules converted",
            );
        } else {
            out.allowlists.extend(convert_allowlist(a, targets, issues));
        }
    }
    for (id, place) in &resolved.default_disabled {
        let ours = ctx.equivalents(id);
        if ours.is_empty() {
            let hint = ctx.hint(id);
            issues.lost(
                place,
                format!("disabledRules {id:?}: no known leakhound counterpart to disable{hint}"),
            );
            continue;
        }
        issues.note(place, format!("disabledRules {id:?} becomes {ours:?}"));
        for o in ours {
            if !out.disabled_rules.contains(&o) {
                out.disabled_rules.push(o);
            }
        }
    }
    out
}

/// (gitleaks id, leakhound id) of every rule with a regex, decided before any allowlist is
/// converted so that allowlists anywhere can name them.
fn assign_ids(resolved: &Resolved, issues: &mut Issues) -> Vec<(String, String)> {
    let mut ids: Vec<(String, String)> = Vec::new();
    for rule in &resolved.rules {
        if rule.regex.is_none() || rule.id.is_empty() {
            continue;
        }
        let id = leakhound_id(&rule.id, &ids);
        if id != format!("{ID_PREFIX}{}", rule.id) {
            issues.note(&rule.place, format!("id becomes {id:?}"));
        }
        ids.push((rule.id.clone(), id));
    }
    ids
}

/// The leakhound rules an allowlist's `targetRules` name: converted rules, or the built-in
/// counterparts of gitleaks default rules. Each target that maps to nothing is reported.
fn target_rules(
    a: &Allowlist,
    ids: &[(String, String)],
    converted: &[OutRule],
    ctx: &Context<'_>,
    issues: &mut Issues,
) -> Vec<String> {
    let mut targets = Vec::new();
    for t in &a.target_rules {
        if let Some((_, id)) = ids.iter().find(|(gl, _)| gl == t) {
            if converted.iter().any(|r| &r.id == id) {
                targets.push(id.clone());
            } else {
                issues.lost(&a.place, format!("target rule {t:?} was not converted"));
            }
            continue;
        }
        let ours = ctx.equivalents(t);
        if ours.is_empty() {
            let hint = ctx.hint(t);
            issues.lost(
                &a.place,
                format!("target rule {t:?} has no leakhound counterpart{hint}"),
            );
        } else {
            issues.note(&a.place, format!("target rule {t:?} becomes {ours:?}"));
            targets.extend(ours);
        }
    }
    targets
}

/// `gitleaks.` + the id in leakhound's alphabet, unique among `taken`.
fn leakhound_id(id: &str, taken: &[(String, String)]) -> String {
    let mut clean: String = id
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean.is_empty() {
        clean.push_str("rule");
    }
    let base = format!("{ID_PREFIX}{clean}");
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.iter().any(|(_, t)| *t == candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}

fn convert_rule(rule: &Rule, id: &str, ctx: &Context<'_>, issues: &mut Issues) -> Option<OutRule> {
    let place = &rule.place;
    let go = rule.regex.as_deref().unwrap_or_default();
    let keywords = keywords(rule, issues);
    let group = (rule.secret_group > 0).then_some(GroupSel::Index(rule.secret_group as usize));
    let (pattern, matcher) = match compile_rule_pattern(go, group, &keywords) {
        Ok((pattern, matcher, unicode)) => {
            if unicode {
                issues.note(
                    place,
                    "regex uses Unicode classes: `(?u)` added, which also makes \\w, \\d, \\b \
                     Unicode-aware (gitleaks keeps them ASCII)",
                );
            }
            (pattern, matcher)
        }
        Err(why) => {
            let with = with_allowlists(rule);
            issues.lost(place, format!("skipped{with}: regex {go:?}: {why}"));
            return None;
        }
    };
    report_unconverted_parts(rule, ctx, issues);
    let name = rule
        .description
        .as_deref()
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| rule.id.clone());
    let mut description = format!("Converted from gitleaks rule {:?}.", rule.id);
    if !rule.tags.is_empty() {
        description.push_str(&format!(" Tags: {}.", rule.tags.join(", ")));
    }
    Some(OutRule {
        origin: place.clone(),
        id: id.to_string(),
        name,
        description,
        pattern,
        secret_group: secret_group(rule, &matcher, issues),
        keywords,
        min_entropy: min_entropy(rule, issues),
        confidence: confidence(rule, issues),
    })
}

/// What a converted rule leaves behind: its path condition, required rules, Betterleaks scripts.
fn report_unconverted_parts(rule: &Rule, ctx: &Context<'_>, issues: &mut Issues) {
    let place = &rule.place;
    if let Some(p) = &rule.path {
        issues.lost(
            place,
            format!(
                "`path` {p:?} not converted: leakhound rules have no path condition, so this \
                 rule now applies to every file"
            ),
        );
    }
    if !rule.required.is_empty() {
        issues.lost(
            place,
            format!(
                "required rules {:?} not converted: the rule reports on its own",
                rule.required
            ),
        );
    }
    for u in &rule.unsupported {
        issues.lost(place, format!("{u} not converted"));
    }
    let ours = ctx.equivalents(&rule.id);
    if !ours.is_empty() {
        issues.note(
            place,
            format!(
                "replaces gitleaks' default rule of that id; leakhound's counterpart {ours:?} \
                 still runs (add it to disabled_rules to run only this one)"
            ),
        );
    }
}

/// `secret_group`: gitleaks' when set; else group 1 when the regex has groups (gitleaks takes
/// the first that matched; leakhound's own default would prefer a group named `secret`).
fn secret_group(rule: &Rule, matcher: &Matcher, issues: &mut Issues) -> Option<i64> {
    if rule.secret_group > 0 {
        return Some(rule.secret_group);
    }
    let groups = matcher
        .regex()
        .map_or(0, |r| r.captures_len())
        .saturating_sub(1);
    if groups >= 2 {
        issues.note(
            &rule.place,
            "no secretGroup: gitleaks takes the first group that matched, leakhound takes group 1",
        );
    }
    (groups >= 1 && matcher.secret_group != 1).then_some(1)
}

/// `entropy`, or the entropy term of a Betterleaks `filter` (whose other terms are reported).
fn min_entropy(rule: &Rule, issues: &mut Issues) -> Option<f64> {
    let mut entropy = rule.entropy;
    if let Some(expr) = &rule.filter {
        let (from_filter, rest) = filter_entropy(expr);
        if let Some(e) = from_filter
            && entropy <= 0.0
        {
            entropy = e;
        }
        if !rest.is_empty() {
            issues.lost(
                &rule.place,
                format!(
                    "Betterleaks `filter` terms not converted: {}",
                    rest.join(" || ")
                ),
            );
        }
    }
    match entropy {
        e if e > 8.0 => {
            issues.note(
                &rule.place,
                format!("entropy {e} is above 8 bits per byte; set to 8"),
            );
            Some(8.0)
        }
        e if e > 0.0 => Some(e),
        _ => None,
    }
}

/// Betterleaks' `confidence`, else `medium`.
fn confidence(rule: &Rule, issues: &mut Issues) -> String {
    match rule.confidence.as_deref().map(str::to_ascii_lowercase) {
        None => "medium".to_string(),
        Some(c) if ["low", "medium", "high"].contains(&c.as_str()) => c,
        Some(c) => {
            issues.lost(
                &rule.place,
                format!("confidence {c:?} is not low, medium or high; medium used"),
            );
            "medium".to_string()
        }
    }
}

/// The entropy floor in a Betterleaks filter (`entropy(finding["secret"]) <= 3.5`, or `<`, one
/// of the `||` terms), and the terms left over. `<=` is read as `min_entropy`, as gitleaks'
/// `entropy` is (they differ only at equality). A filter drops a finding when any term holds, so
/// converting some terms and reporting the rest never drops more than Betterleaks did.
fn filter_entropy(expr: &str) -> (Option<f64>, Vec<String>) {
    let mut floor = None;
    let mut rest = Vec::new();
    for term in expr.split("||").map(str::trim).filter(|t| !t.is_empty()) {
        let value = term
            .strip_prefix("entropy(finding[\"secret\"])")
            .and_then(|t| t.trim_start().strip_prefix('<'))
            .map(|t| t.strip_prefix('=').unwrap_or(t))
            .and_then(|t| t.trim().parse::<f64>().ok());
        match value {
            Some(v) if floor.is_none() => floor = Some(v),
            _ => rest.push(term.split_whitespace().collect::<Vec<_>>().join(" ")),
        }
    }
    (floor, rest)
}

/// ` (with its 2 allowlists)`, to say what goes with a skipped rule.
fn with_allowlists(rule: &Rule) -> String {
    match rule.allowlists.len() {
        0 => String::new(),
        n => format!(" (with its {n} allowlist{})", if n == 1 { "" } else { "s" }),
    }
}

/// Lower-cased, deduplicated keywords; all of them are dropped (the rule then runs everywhere,
/// which finds more, never less) when one is unusable in leakhound.
fn keywords(rule: &Rule, issues: &mut Issues) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in &rule.keywords {
        let k = k.to_lowercase();
        if k.len() < 2 || !k.is_ascii() {
            issues.note(
                &rule.place,
                format!(
                    "keyword {k:?} is not 2+ ASCII bytes, as leakhound needs: keywords dropped, \
                     so the rule runs on every file"
                ),
            );
            return Vec::new();
        }
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// The Rust spelling of gitleaks regex `go`, built as the rule loader builds it. The flag says
/// `(?u)` had to be added.
fn compile_rule_pattern(
    go: &str,
    secret_group: Option<GroupSel>,
    keywords: &[String],
) -> Result<(String, Matcher, bool), String> {
    let rust = goregex::to_rust(go)?;
    let build = |pattern: &str| {
        Matcher::build(&MatcherSpec {
            pattern: pattern.to_string(),
            secret_group: secret_group.clone(),
            window: None,
            keywords: keywords.to_vec(),
            max_match_len: None,
        })
    };
    match build(&rust) {
        Ok(m) => Ok((rust, m, false)),
        Err(MatcherError::Pattern(e)) if e.contains("Unicode") => {
            let unicode = format!("(?u){rust}");
            match build(&unicode) {
                Ok(m) => Ok((unicode, m, true)),
                Err(_) => Err(last_line(&e)),
            }
        }
        Err(MatcherError::Pattern(e)) => Err(last_line(&e)),
        Err(MatcherError::SecretGroup(e)) => Err(format!("secretGroup: {e}")),
    }
}

/// regex-syntax errors draw the pattern with a caret over three lines; the last says what.
fn last_line(e: &str) -> String {
    e.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(e)
        .trim()
        .trim_start_matches("error: ")
        .to_string()
}

/// A rule with no regex: under `useDefault` it tunes the gitleaks default rule of that id.
fn tune_default_rule(rule: &Rule, ctx: &Context<'_>, out: &mut Converted, issues: &mut Issues) {
    let place = &rule.place;
    if rule.id.is_empty() {
        issues.lost(place, "skipped: no id (gitleaks refuses it)");
        return;
    }
    if let Some(p) = &rule.path {
        issues.lost(
            place,
            format!(
                "skipped: a path-only rule ({p:?}) reports files by name; leakhound rules match \
                 content"
            ),
        );
        return;
    }
    if !ctx.extend_default {
        issues.lost(place, "skipped: no regex and no path (gitleaks refuses it)");
        return;
    }
    let ours = ctx.equivalents(&rule.id);
    let mut tweaks = Vec::new();
    if rule.description.is_some() {
        tweaks.push("description");
    }
    if rule.entropy != 0.0 {
        tweaks.push("entropy");
    }
    if rule.secret_group != 0 {
        tweaks.push("secretGroup");
    }
    if !rule.keywords.is_empty() {
        tweaks.push("keywords");
    }
    if !rule.tags.is_empty() {
        tweaks.push("tags");
    }
    if ours.is_empty() {
        issues.lost(
            place,
            format!(
                "tunes gitleaks' default rule {:?}, which has no known leakhound counterpart{}; \
                 its allowlists and settings are not converted",
                rule.id,
                ctx.hint(&rule.id)
            ),
        );
        return;
    }
    if !tweaks.is_empty() {
        issues.lost(
            place,
            format!("{} of the default rule not converted", tweaks.join(", ")),
        );
    }
    if !rule.allowlists.is_empty() {
        issues.note(
            place,
            format!("allowlists of gitleaks' default rule now apply to {ours:?}"),
        );
    }
    for a in &rule.allowlists {
        out.allowlists
            .extend(convert_allowlist(a, ours.clone(), issues));
    }
}

/// One allowlist for `rules` (empty: every rule); `None` (reported) when nothing of it converts,
/// or when what is lost would make it allow more than in gitleaks.
fn convert_allowlist(
    a: &Allowlist,
    rules: Vec<String>,
    issues: &mut Issues,
) -> Option<OutAllowlist> {
    let place = &a.place;
    let mut out = OutAllowlist {
        origin: place.clone(),
        description: a.description.clone(),
        rules,
        all: a.all,
        ..OutAllowlist::default()
    };
    for p in &a.paths {
        match pathglob::to_globs(p) {
            Ok(globs) => {
                for g in globs {
                    if !out.paths.contains(&g) {
                        out.paths.push(g);
                    }
                }
            }
            Err(why) => issues.lost(place, format!("path regex {p:?} not converted: {why}")),
        }
    }
    for r in &a.regexes {
        match allowlist_regex(r) {
            Ok(rust) if a.target == Target::Line => out.lines.push(rust),
            Ok(rust) => out.secrets.push(rust),
            Err(why) => issues.lost(place, format!("regex {r:?}: {why}")),
        }
    }
    if a.target == Target::Match && !out.secrets.is_empty() {
        issues.note(
            place,
            "regexTarget = \"match\" becomes `secrets`: the regexes see the secret, not the whole \
             match (a regex on text around the secret no longer allows)",
        );
    }
    out.stopwords = a
        .stopwords
        .iter()
        .filter(|w| !w.is_empty())
        .cloned()
        .collect();
    for c in &a.commits {
        let c = c.trim().to_ascii_lowercase();
        if c.len() >= 7 && c.bytes().all(|b| b.is_ascii_hexdigit()) {
            out.commits.push(c);
        } else {
            issues.lost(place, format!("commit {c:?} is not a commit id"));
        }
    }
    kept_enough(a, &out, issues).then_some(out)
}

/// The Rust spelling of an allowlist regex, checked as the allowlist will compile it.
fn allowlist_regex(go: &str) -> Result<String, String> {
    let rust = goregex::to_rust(go)?;
    meta::Regex::new(&rust).map_err(|e| last_line(&e.to_string()))?;
    Ok(rust)
}

/// Whether the converted allowlist `out` may stand for `a`: something of it converted and, under
/// AND, no kind of criterion vanished (leaving it out would allow more than gitleaks did).
fn kept_enough(a: &Allowlist, out: &OutAllowlist, issues: &mut Issues) -> bool {
    let kinds = [
        ("paths", a.paths.len(), out.paths.len()),
        (
            "regexes",
            a.regexes.len(),
            out.secrets.len() + out.lines.len(),
        ),
        ("stopwords", a.stopwords.len(), out.stopwords.len()),
        ("commits", a.commits.len(), out.commits.len()),
    ];
    if a.all
        && let Some((kind, _, _)) = kinds.iter().find(|(_, had, kept)| *had > 0 && *kept == 0)
    {
        issues.lost(
            &a.place,
            format!(
                "allowlist skipped: none of its {kind} converted, and with condition AND leaving \
                 them out would allow more than gitleaks does"
            ),
        );
        return false;
    }
    if kinds.iter().all(|(_, _, kept)| *kept == 0) {
        issues.lost(&a.place, "allowlist skipped: nothing in it converted");
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_made_valid_and_unique() {
        assert_eq!(
            leakhound_id("AWS Access_Token", &[]),
            "gitleaks.aws-access_token"
        );
        assert_eq!(leakhound_id("", &[]), "gitleaks.rule");
        let taken = vec![
            ("a".to_string(), "gitleaks.slack".to_string()),
            ("b".to_string(), "gitleaks.slack-2".to_string()),
        ];
        assert_eq!(leakhound_id("Slack", &taken), "gitleaks.slack-3");
    }

    #[test]
    fn entropy_filters_become_min_entropy_and_the_rest_is_kept() {
        let (floor, rest) = filter_entropy("entropy(finding[\"secret\"]) <= 3.5");
        assert_eq!((floor, rest.len()), (Some(3.5), 0));
        let (floor, rest) = filter_entropy(
            "entropy(finding[\"secret\"]) < 3 || finding[\"secret\"].startsWith(\"x\")",
        );
        assert_eq!(floor, Some(3.0));
        assert_eq!(rest, ["finding[\"secret\"].startsWith(\"x\")"]);
        assert_eq!(filter_entropy("  ").0, None);
    }

    #[test]
    fn regex_errors_keep_only_their_last_line() {
        let e = "regex parse error:\n    (a\n    ^\nerror: unclosed group\n";
        assert_eq!(last_line(e), "unclosed group");
        assert_eq!(last_line("plain"), "plain");
    }
}
