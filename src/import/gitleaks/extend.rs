//! A gitleaks file and the files it extends (`[extend] path`), merged as gitleaks merges them:
//! what gets converted.

use std::path::{Path, PathBuf};

use super::{Issues, read};

/// gitleaks follows `[extend]` from the top file and from the file it extends, no further.
const MAX_EXTEND_DEPTH: usize = 2;

/// The gitleaks configuration after `[extend]`: what gets converted.
#[derive(Debug, Default)]
pub struct Resolved {
    pub rules: Vec<read::Rule>,
    /// Allowlists for every rule.
    pub global: Vec<read::Allowlist>,
    /// Allowlists with `targetRules` (from the top file: gitleaks ignores the others').
    pub targeted: Vec<read::Allowlist>,
    pub uses_default: bool,
    /// `disabledRules` that name gitleaks default rules, with where they were written.
    pub default_disabled: Vec<(String, String)>,
    pub title: Option<String>,
}

/// Reads the gitleaks file `path` (named `label` in reports) and what it extends, merged.
pub fn resolve(path: &Path, label: &str, issues: &mut Issues) -> Result<Resolved, String> {
    let mut walk = Walk {
        chain: vec![canonical(path)],
        issues,
    };
    walk.file(path, label, 0)
}

/// The files being read, top first (to stop cycles), and where problems go.
struct Walk<'a> {
    chain: Vec<PathBuf>,
    issues: &'a mut Issues,
}

impl Walk<'_> {
    /// Reads `path`, at `depth` in the `[extend]` chain, and what it extends.
    fn file(&mut self, path: &Path, label: &str, depth: usize) -> Result<Resolved, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("{label}: cannot read: {e}"))?;
        let file = read::parse(label, &text, self.issues)?;
        let (targeted, global) = file
            .allowlists
            .into_iter()
            .partition(|a| !a.target_rules.is_empty());
        let mut out = Resolved {
            rules: last_definition_wins(file.rules, self.issues),
            global,
            targeted,
            title: file.title,
            ..Resolved::default()
        };
        if let Some(ext) = file.extend {
            self.extend(&mut out, ext, path, label, depth);
        }
        Ok(out)
    }

    /// Applies the `[extend]` of the file at `path` to its configuration `out`.
    fn extend(
        &mut self,
        out: &mut Resolved,
        ext: read::Extend,
        path: &Path,
        label: &str,
        depth: usize,
    ) {
        let place = format!("{label} [extend]");
        if depth >= MAX_EXTEND_DEPTH {
            self.issues.note(
                &place,
                "ignored, as gitleaks ignores it: [extend] is followed at most two files deep",
            );
            return;
        }
        if let Some(url) = &ext.url {
            self.issues.lost(
                &place,
                format!("url {url:?} not followed (gitleaks does not implement it either)"),
            );
        }
        if ext.use_default && ext.path.is_some() {
            self.issues.note(
                &place,
                "gitleaks refuses both useDefault and path; both are converted",
            );
        }
        let mut disabled = ext.disabled_rules;
        if let Some(p) = &ext.path
            && let Some(base) = self.base(p, path, &place, depth)
        {
            merge(out, base, &mut disabled, &place, self.issues);
        }
        out.uses_default |= ext.use_default;
        for id in disabled {
            if out.uses_default {
                out.default_disabled.push((id, place.clone()));
            } else {
                self.issues.note(
                    &place,
                    format!("disabledRules {id:?} names no rule of the extended files; no effect"),
                );
            }
        }
    }

    /// The configuration extended with `path = p` from the file `importing`, if it can be read.
    fn base(&mut self, p: &str, importing: &Path, place: &str, depth: usize) -> Option<Resolved> {
        let Some(base_path) = locate(p, importing, self.issues, place) else {
            self.issues.lost(
                place,
                format!(
                    "path {p:?} not found (relative to {} or the current directory): its rules \
                     and allowlists are not converted",
                    dir_of(importing).display()
                ),
            );
            return None;
        };
        let key = canonical(&base_path);
        if self.chain.contains(&key) {
            self.issues.lost(
                place,
                format!("path {p:?} extends itself (a cycle); not followed"),
            );
            return None;
        }
        self.chain.push(key);
        let label = base_path.display().to_string();
        let base = self.file(&base_path, &label, depth + 1);
        self.chain.pop();
        match base {
            Ok(base) => Some(base),
            Err(e) => {
                self.issues
                    .lost(place, format!("path {p:?} not converted: {e}"));
                None
            }
        }
    }
}

/// Merges the extended configuration `base` into `out` as gitleaks does. Ids in `disabled` that
/// name base rules are consumed; the rest are left for the default pack.
fn merge(
    out: &mut Resolved,
    base: Resolved,
    disabled: &mut Vec<String>,
    place: &str,
    issues: &mut Issues,
) {
    let mut used = vec![false; disabled.len()];
    for b in base.rules {
        if let Some(i) = disabled.iter().position(|d| *d == b.id) {
            used[i] = true;
            continue;
        }
        match out.rules.iter_mut().find(|r| r.id == b.id) {
            Some(top) => *top = combine(b, std::mem::take(top)),
            None => out.rules.push(b),
        }
    }
    let mut i = 0;
    disabled.retain(|_| {
        i += 1;
        !used[i - 1]
    });
    out.global.extend(base.global);
    out.uses_default |= base.uses_default;
    out.default_disabled.extend(base.default_disabled);
    for a in base.targeted {
        issues.note(
            &a.place,
            format!(
                "not converted, as gitleaks ignores targetRules allowlists in extended files \
                 (extended from {place})"
            ),
        );
    }
}

/// A rule defined in both files: the extending file's settings win, lists add up (gitleaks).
fn combine(base: read::Rule, top: read::Rule) -> read::Rule {
    let mut r = base;
    if top.description.is_some() {
        r.description = top.description;
    }
    if top.entropy != 0.0 {
        r.entropy = top.entropy;
    }
    if top.secret_group != 0 {
        r.secret_group = top.secret_group;
    }
    if top.regex.is_some() {
        r.regex = top.regex;
    }
    if top.path.is_some() {
        r.path = top.path;
    }
    if top.confidence.is_some() {
        r.confidence = top.confidence;
    }
    if top.filter.is_some() {
        r.filter = top.filter;
    }
    r.tags.extend(top.tags);
    r.keywords.extend(top.keywords);
    r.allowlists.extend(top.allowlists);
    r.required.extend(top.required);
    r.unsupported.extend(top.unsupported);
    r.place = top.place;
    r
}

/// gitleaks keeps rules in a map by id: a second definition in one file replaces the first.
fn last_definition_wins(rules: Vec<read::Rule>, issues: &mut Issues) -> Vec<read::Rule> {
    let mut out: Vec<read::Rule> = Vec::new();
    for r in rules {
        match out.iter_mut().find(|o| o.id == r.id && !r.id.is_empty()) {
            Some(o) => {
                issues.note(
                    &r.place,
                    "defined twice in one file: the last definition wins, as in gitleaks",
                );
                *o = r;
            }
            None => out.push(r),
        }
    }
    out
}

/// An `[extend] path`: relative to the importing file, else (as gitleaks reads it) to the
/// current directory.
fn locate(p: &str, importing: &Path, issues: &mut Issues, place: &str) -> Option<PathBuf> {
    let given = Path::new(p);
    if given.is_absolute() {
        return given.is_file().then(|| given.to_path_buf());
    }
    let beside = match importing.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(given),
        _ => given.to_path_buf(),
    };
    if beside.is_file() {
        return Some(beside);
    }
    if given.is_file() {
        issues.note(
            place,
            format!("path {p:?} found relative to the current directory"),
        );
        return Some(given.to_path_buf());
    }
    None
}

pub fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}
