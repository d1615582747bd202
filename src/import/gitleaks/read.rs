//! Reading one gitleaks configuration file as gitleaks does: keys in any case (viper ignores
//! case), the old `[allowlist]` and new `[[allowlists]]` forms, Betterleaks' extra keys known by
//! name. Nothing is dropped silently: a key that is not read is reported.

use toml::{Table, Value};

use super::Issues;

/// One gitleaks file, as written.
#[derive(Debug, Default)]
pub struct File {
    pub title: Option<String>,
    pub extend: Option<Extend>,
    pub rules: Vec<Rule>,
    /// `[allowlist]` and `[[allowlists]]`, in that order.
    pub allowlists: Vec<Allowlist>,
}

#[derive(Debug, Default)]
pub struct Extend {
    pub path: Option<String>,
    pub url: Option<String>,
    pub use_default: bool,
    pub disabled_rules: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Rule {
    pub id: String,
    pub description: Option<String>,
    pub regex: Option<String>,
    pub path: Option<String>,
    /// 0: not set.
    pub secret_group: i64,
    /// 0: not set.
    pub entropy: f64,
    pub keywords: Vec<String>,
    pub tags: Vec<String>,
    pub allowlists: Vec<Allowlist>,
    /// Ids of `[[rules.required]]` (composite rules).
    pub required: Vec<String>,
    pub skip_report: bool,
    /// Betterleaks' `confidence` (`low`, `medium`, `high`).
    pub confidence: Option<String>,
    /// Betterleaks' `filter` expression (true: drop the finding).
    pub filter: Option<String>,
    /// Keys leakhound has no counterpart for (Betterleaks' `validate`, `filter`...), with what
    /// they held, to be reported if the rule is converted.
    pub unsupported: Vec<String>,
    /// Where the rule is (`FILE rule "id"`), for reports.
    pub place: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    #[default]
    Secret,
    Match,
    Line,
}

#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    pub description: Option<String>,
    /// `condition = "AND"`.
    pub all: bool,
    pub commits: Vec<String>,
    pub paths: Vec<String>,
    pub target: Target,
    pub regexes: Vec<String>,
    pub stopwords: Vec<String>,
    /// `targetRules` (global allowlists only).
    pub target_rules: Vec<String>,
    pub place: String,
}

/// Parses `text` (the file `label`). A file that is not TOML is an error (with its line); every
/// other problem is recorded in `issues` and the rest of the file is still read.
pub fn parse(label: &str, text: &str, issues: &mut Issues) -> Result<File, String> {
    let table: Table = toml::from_str(text).map_err(|e| match e.span() {
        Some(span) => format!(
            "{label}:{}: {}",
            crate::rules::line_of(text, span.start),
            e.message().trim()
        ),
        None => format!("{label}: {}", e.message().trim()),
    })?;
    let mut top = Fields::new(table, label.to_string());
    let mut file = File {
        title: top.string("title", issues),
        ..File::default()
    };
    // Informational only: they change nothing about what is found.
    top.take("description");
    top.take("minVersion");
    top.take("betterleaksMinVersion");
    for key in ["prefilter", "filter"] {
        if let Some(v) = top.string(key, issues) {
            issues.lost(
                label,
                format!("Betterleaks `{key}` expression {v:?} (leakhound has no expressions)"),
            );
        }
    }
    if let Some(t) = top.table("extend", issues) {
        file.extend = Some(read_extend(t, &format!("{label} [extend]"), issues));
    }
    for (i, t) in top.tables("rules", issues).into_iter().enumerate() {
        file.rules.push(read_rule(t, label, i + 1, issues));
    }
    let old = top.tables("allowlist", issues);
    let new = top.tables("allowlists", issues);
    if !old.is_empty() && !new.is_empty() {
        issues.note(
            label,
            "gitleaks refuses [allowlist] alongside [[allowlists]]; both are converted",
        );
    }
    for (i, t) in old.into_iter().enumerate() {
        let place = format!("{label} [allowlist]{}", nth(i));
        file.allowlists
            .extend(read_allowlist(t, place, true, issues));
    }
    for (i, t) in new.into_iter().enumerate() {
        let place = format!("{label} [[allowlists]] #{}", i + 1);
        file.allowlists
            .extend(read_allowlist(t, place, true, issues));
    }
    top.finish(issues);
    Ok(file)
}

fn nth(i: usize) -> String {
    if i == 0 {
        String::new()
    } else {
        format!(" #{}", i + 1)
    }
}

fn read_extend(table: Table, place: &str, issues: &mut Issues) -> Extend {
    let mut f = Fields::new(table, place.to_string());
    let extend = Extend {
        path: f.string("path", issues),
        url: f.string("url", issues),
        use_default: f.boolean("useDefault", issues).unwrap_or(false),
        disabled_rules: f.strings("disabledRules", issues),
    };
    f.finish(issues);
    extend
}

fn read_rule(table: Table, label: &str, index: usize, issues: &mut Issues) -> Rule {
    let mut f = Fields::new(table, format!("{label} [[rules]] #{index}"));
    let id = f.string("id", issues).unwrap_or_default();
    let place = if id.is_empty() {
        f.place.clone()
    } else {
        format!("{label} rule {id:?}")
    };
    f.place = place.clone();
    let mut rule = Rule {
        description: f.string("description", issues),
        regex: f.string("regex", issues),
        path: f.string("path", issues),
        // Betterleaks 2 calls it valueGroup.
        secret_group: f
            .integer("secretGroup", issues)
            .or_else(|| f.integer("valueGroup", issues))
            .unwrap_or(0),
        entropy: f.float("entropy", issues).unwrap_or(0.0),
        keywords: f.strings("keywords", issues),
        tags: f.strings("tags", issues),
        skip_report: f.boolean("skipReport", issues).unwrap_or(false),
        confidence: f.string("confidence", issues),
        filter: f.string("filter", issues),
        id,
        place: place.clone(),
        ..Rule::default()
    };
    let old = f.tables("allowlist", issues);
    let new = f.tables("allowlists", issues);
    if !old.is_empty() && !new.is_empty() {
        issues.note(
            &place,
            "gitleaks refuses [rules.allowlist] alongside [[rules.allowlists]]; both are converted",
        );
    }
    let tables = old.into_iter().chain(new);
    for (i, t) in tables.enumerate() {
        let at = format!("{place} allowlist #{}", i + 1);
        rule.allowlists.extend(read_allowlist(t, at, false, issues));
    }
    // gitleaks' `[[rules.required]]`, Betterleaks 2's `components`.
    let required = f.tables("required", issues);
    let components = f.tables("components", issues);
    for t in required.into_iter().chain(components) {
        let mut r = Fields::new(t, format!("{place} required rule"));
        if let Some(id) = r.string("id", issues) {
            rule.required.push(id);
        }
        for key in ["withinLines", "withinColumns", "within", "optional"] {
            r.take(key);
        }
        r.finish(issues);
    }
    if f.string("validate", issues).is_some() {
        rule.unsupported
            .push("Betterleaks `validate` expression (a live check)".to_string());
    }
    for key in ["analyze", "revoke"] {
        if f.take(key).is_some() {
            rule.unsupported.push(format!("Betterleaks `{key}` script"));
        }
    }
    if f.boolean("tokenEfficiency", issues) == Some(true) {
        rule.unsupported
            .push("Betterleaks `tokenEfficiency` filter".to_string());
    }
    if let Some(v) = f.take("specificity") {
        rule.unsupported
            .push(format!("Betterleaks `specificity = {v}` (overlap ranking)"));
    }
    f.finish(issues);
    rule
}

/// One allowlist; `None` (reported) when gitleaks itself would refuse it.
fn read_allowlist(
    table: Table,
    place: String,
    global: bool,
    issues: &mut Issues,
) -> Option<Allowlist> {
    let mut f = Fields::new(table, place.clone());
    let mut a = Allowlist {
        description: f.string("description", issues),
        commits: f.strings("commits", issues),
        paths: f.strings("paths", issues),
        regexes: f.strings("regexes", issues),
        stopwords: f.strings("stopwords", issues),
        place: place.clone(),
        ..Allowlist::default()
    };
    if global {
        a.target_rules = f.strings("targetRules", issues);
    }
    let condition = f.string("condition", issues).unwrap_or_default();
    let target = f.string("regexTarget", issues).unwrap_or_default();
    f.finish(issues);
    a.all = match condition.to_ascii_uppercase().as_str() {
        "" | "OR" | "||" => false,
        "AND" | "&&" => true,
        _ => {
            issues.lost(
                &place,
                format!("unknown condition {condition:?} (gitleaks refuses it); allowlist skipped"),
            );
            return None;
        }
    };
    a.target = match target.as_str() {
        "" | "secret" => Target::Secret,
        "match" => Target::Match,
        "line" => Target::Line,
        _ => {
            issues.lost(
                &place,
                format!("unknown regexTarget {target:?} (gitleaks refuses it); allowlist skipped"),
            );
            return None;
        }
    };
    if a.commits.is_empty() && a.paths.is_empty() && a.regexes.is_empty() && a.stopwords.is_empty()
    {
        issues.lost(
            &place,
            "no commits, paths, regexes or stopwords (gitleaks refuses it); allowlist skipped",
        );
        return None;
    }
    Some(a)
}

/// A TOML table read key by key, ignoring case; what is left at the end is reported.
struct Fields {
    table: Table,
    place: String,
}

impl Fields {
    fn new(table: Table, place: String) -> Fields {
        Fields { table, place }
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        let found = self
            .table
            .keys()
            .find(|k| k.eq_ignore_ascii_case(key))
            .cloned()?;
        self.table.remove(&found)
    }

    fn wrong(&self, key: &str, want: &str, got: &Value, issues: &mut Issues) {
        issues.lost(
            &self.place,
            format!("`{key}` must be {want}, not a {}; ignored", got.type_str()),
        );
    }

    fn string(&mut self, key: &str, issues: &mut Issues) -> Option<String> {
        match self.take(key)? {
            Value::String(s) => Some(s),
            v => {
                self.wrong(key, "a string", &v, issues);
                None
            }
        }
    }

    fn strings(&mut self, key: &str, issues: &mut Issues) -> Vec<String> {
        match self.take(key) {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    v => {
                        self.wrong(key, "a list of strings", &v, issues);
                        None
                    }
                })
                .collect(),
            Some(v) => {
                self.wrong(key, "a list of strings", &v, issues);
                Vec::new()
            }
        }
    }

    fn integer(&mut self, key: &str, issues: &mut Issues) -> Option<i64> {
        match self.take(key)? {
            Value::Integer(n) => Some(n),
            v => {
                self.wrong(key, "an integer", &v, issues);
                None
            }
        }
    }

    fn float(&mut self, key: &str, issues: &mut Issues) -> Option<f64> {
        match self.take(key)? {
            Value::Float(x) => Some(x),
            Value::Integer(n) => Some(n as f64),
            v => {
                self.wrong(key, "a number", &v, issues);
                None
            }
        }
    }

    fn boolean(&mut self, key: &str, issues: &mut Issues) -> Option<bool> {
        match self.take(key)? {
            Value::Boolean(b) => Some(b),
            v => {
                self.wrong(key, "true or false", &v, issues);
                None
            }
        }
    }

    fn table(&mut self, key: &str, issues: &mut Issues) -> Option<Table> {
        match self.take(key)? {
            Value::Table(t) => Some(t),
            v => {
                self.wrong(key, "a table", &v, issues);
                None
            }
        }
    }

    /// `[key]` or `[[key]]`: either way, the tables.
    fn tables(&mut self, key: &str, issues: &mut Issues) -> Vec<Table> {
        match self.take(key) {
            None => Vec::new(),
            Some(Value::Table(t)) => vec![t],
            Some(Value::Array(items)) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::Table(t) => Some(t),
                    v => {
                        self.wrong(key, "a list of tables", &v, issues);
                        None
                    }
                })
                .collect(),
            Some(v) => {
                self.wrong(key, "a table", &v, issues);
                Vec::new()
            }
        }
    }

    fn finish(self, issues: &mut Issues) {
        for key in self.table.keys() {
            issues.lost(&self.place, format!("unknown key `{key}` ignored"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_read_in_any_case_and_both_allowlist_forms() {
        let mut issues = Issues::default();
        let file = parse(
            "g.toml",
            r#"
title = "t"
[extend]
useDefault = true
disabledrules = ["generic-api-key"]

[[rules]]
id = "a"
regex = '''a(b)'''
SecretGroup = 1
entropy = 3
keywords = ["AB"]
[rules.allowlist]
regexes = ['''x''']
[[rules.allowlists]]
condition = "and"
regexTarget = "line"
regexes = ['''y''']
paths = ['''z''']

[allowlist]
paths = ['''vendor''']
[[allowlists]]
targetRules = ["a"]
stopwords = ["w"]
"#,
            &mut issues,
        )
        .unwrap();
        assert!(issues.not_converted.is_empty(), "{issues:?}");
        // gitleaks would refuse the mix of old and new forms; both are read.
        assert_eq!(issues.notes.len(), 2, "{issues:?}");
        let ext = file.extend.unwrap();
        assert!(ext.use_default);
        assert_eq!(ext.disabled_rules, ["generic-api-key"]);
        let r = &file.rules[0];
        assert_eq!((r.secret_group, r.entropy), (1, 3.0));
        assert_eq!(r.allowlists.len(), 2);
        assert!(r.allowlists[1].all);
        assert_eq!(r.allowlists[1].target, Target::Line);
        assert_eq!(file.allowlists.len(), 2);
        assert_eq!(file.allowlists[1].target_rules, ["a"]);
    }

    #[test]
    fn unknown_keys_wrong_types_and_refused_allowlists_are_reported() {
        let mut issues = Issues::default();
        let file = parse(
            "g.toml",
            r#"
colour = "red"
[[rules]]
id = "a"
regex = 'x'
entropy = "high"
validate = "cel"
[[rules.allowlists]]
condition = "most"
paths = ['p']
[[allowlists]]
description = "empty"
"#,
            &mut issues,
        )
        .unwrap();
        let all = issues.not_converted.join("\n");
        assert!(all.contains("unknown key `colour`"), "{all}");
        assert!(all.contains("`entropy` must be a number"), "{all}");
        assert!(all.contains("unknown condition \"most\""), "{all}");
        assert!(
            all.contains("no commits, paths, regexes or stopwords"),
            "{all}"
        );
        assert_eq!(file.rules[0].unsupported.len(), 1);
        assert!(file.rules[0].allowlists.is_empty());
        assert!(file.allowlists.is_empty());
    }

    #[test]
    fn a_file_that_is_not_toml_names_its_line() {
        let e = parse("g.toml", "title = 1\n[[rules]\n", &mut Issues::default()).unwrap_err();
        assert!(e.starts_with("g.toml:2:"), "{e}");
    }
}
