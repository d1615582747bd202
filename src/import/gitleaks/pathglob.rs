//! gitleaks' path allowlists are Go regexes searched in the path; leakhound's are gitignore-style
//! globs matched against the whole path. This converts the regexes that have a glob equivalent
//! and refuses, with the reason, the ones that have none: a wrong guess would hide findings.
//!
//! A regex is read as a head anchor (`^` the root, `(^|/)` a name's start, or none: anywhere), a
//! body, and a tail anchor (`$` the end, `(/|$)` a name's end, or none). The body may hold
//! literals, `.`, classes, `[^/]*`, `[^/]+`, `x?`, groups of alternatives and `.*`; anything else
//! (counted repetitions, flags such as `(?i)`, `\s`...) is refused. Top-level `a|b` gives the
//! globs of each side.
//!
//! The globs are exact for real paths (no empty components, no newlines) with one exception, on
//! the safe side: `.` becomes `?`, which does not match `/`, so `go.mod` no longer matches
//! `go/mod`. A glob never matches a path the regex does not.

use regex_syntax::ast::{self, AssertionKind, Ast};

/// More globs than this from one regex (through `x?` and alternatives) is refused.
const MAX_GLOBS: usize = 32;

/// leakhound path globs (as written in `.leakhound.toml`) equivalent to the Go regex `re`.
pub fn to_globs(re: &str) -> Result<Vec<String>, String> {
    // `(?i)` on the whole regex: letters become `[xX]`.
    let (icase, re) = match re.strip_prefix("(?i)") {
        Some(rest) => (true, rest),
        None => (false, re),
    };
    let branches = Parser { icase }.parse(re)?;
    let mut globs: Vec<String> = Vec::new();
    for branch in branches {
        for g in branch_globs(&branch)? {
            let g = leakhound_form(&g);
            if !globs.contains(&g) {
                globs.push(g);
            }
        }
    }
    if globs.len() > MAX_GLOBS {
        return Err(format!("it would take {} globs", globs.len()));
    }
    Ok(globs)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Lit(char),
    /// `.`
    Any,
    /// A glob class, `[a-z]`, `[!.]`.
    Class(String),
    /// `[^/]`
    NotSlash,
    Group(Vec<Vec<Tok>>),
    Rep(Box<Tok>, Rep),
    Start,
    End,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Rep {
    Star,
    Plus,
    Opt,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Head {
    Root,
    Name,
    Anywhere,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tail {
    End,
    Name,
    Anywhere,
}

/// The globs (full-path, globset syntax) of one top-level alternative.
fn branch_globs(toks: &[Tok]) -> Result<Vec<String>, String> {
    let mut t = toks;
    let mut head = Head::Anywhere;
    if t.first() == Some(&Tok::Start) {
        head = Head::Root;
        t = &t[1..];
    } else if t.first().is_some_and(|g| is_pair(g, &Tok::Start)) {
        head = Head::Name;
        t = &t[1..];
    }
    while t.first().is_some_and(is_dot_star) {
        head = Head::Anywhere;
        t = &t[1..];
    }
    let mut tail = Tail::Anywhere;
    if t.last() == Some(&Tok::End) {
        tail = Tail::End;
        t = &t[..t.len() - 1];
        // `(?:/.*)?$`: the name ends here, or a directory does.
        if t.last().is_some_and(is_opt_rest) {
            tail = Tail::Name;
            t = &t[..t.len() - 1];
        }
    } else if t.last().is_some_and(|g| is_pair(g, &Tok::End)) {
        tail = Tail::Name;
        t = &t[..t.len() - 1];
    }
    while t.last().is_some_and(is_dot_star) {
        tail = Tail::Anywhere;
        t = &t[..t.len() - 1];
    }
    // `dir/.+` without `$`: something follows the slash, as it always does in a file path.
    if tail == Tail::Anywhere
        && t.len() >= 2
        && t[t.len() - 1] == Tok::Rep(Box::new(Tok::Any), Rep::Plus)
        && t[t.len() - 2] == Tok::Lit('/')
    {
        t = &t[..t.len() - 1];
    }
    let mut out = Vec::new();
    for body in bodies(t, false)? {
        if body.is_empty() {
            return Err("it matches every path".into());
        }
        if body.starts_with('/') && head != Head::Anywhere {
            return Err("a relative path never starts with '/'".into());
        }
        let prefix = match head {
            Head::Root => "",
            Head::Name => "**/",
            Head::Anywhere if body.starts_with('*') => "**/",
            Head::Anywhere => "**/*",
        };
        let full = format!("{prefix}{body}");
        let ends_dir = body.ends_with('/');
        match tail {
            Tail::End | Tail::Name if ends_dir => {
                return Err("a file path never ends with '/'".into());
            }
            Tail::End => out.push(full),
            Tail::Name => {
                out.push(full.clone());
                out.push(format!("{full}/**"));
            }
            Tail::Anywhere if ends_dir => out.push(format!("{full}**")),
            Tail::Anywhere if body.ends_with('*') => {
                out.push(full.clone());
                out.push(format!("{full}/**"));
            }
            Tail::Anywhere => {
                out.push(format!("{full}*"));
                out.push(format!("{full}*/**"));
            }
        }
    }
    Ok(out)
}

/// `(^|/)` (with `edge` = Start) or `(/|$)` (with `edge` = End), in either order.
fn is_pair(tok: &Tok, edge: &Tok) -> bool {
    let Tok::Group(alts) = tok else { return false };
    alts.len() == 2 && alts.contains(&vec![edge.clone()]) && alts.contains(&vec![Tok::Lit('/')])
}

/// `(/.*)?`.
fn is_opt_rest(tok: &Tok) -> bool {
    let Tok::Rep(inner, Rep::Opt) = tok else {
        return false;
    };
    let Tok::Group(alts) = &**inner else {
        return false;
    };
    alts.len() == 1 && alts[0].len() == 2 && alts[0][0] == Tok::Lit('/') && is_dot_star(&alts[0][1])
}

/// `.*`, or `(.*)`.
fn is_dot_star(tok: &Tok) -> bool {
    match tok {
        Tok::Rep(inner, Rep::Star) => **inner == Tok::Any,
        Tok::Group(alts) => alts.len() == 1 && alts[0].len() == 1 && is_dot_star(&alts[0][0]),
        _ => false,
    }
}

/// The glob bodies a token sequence stands for (several when it holds `x?` or alternatives that
/// cannot share one `{a,b}`). `nested`: inside a group, where `.*` is refused.
fn bodies(toks: &[Tok], nested: bool) -> Result<Vec<String>, String> {
    let mut acc = vec![String::new()];
    for tok in toks {
        let mut next = Vec::new();
        for s in &acc {
            for piece in pieces(tok, s, nested)? {
                let mut joined = s.clone();
                // `[^/]*` then `.*`: one `*` is enough.
                if joined.ends_with('*') && piece.starts_with('*') && !joined.ends_with("**") {
                    joined.push_str(&piece[1..]);
                } else {
                    joined.push_str(&piece);
                }
                if !next.contains(&joined) {
                    next.push(joined);
                }
            }
        }
        if next.len() > MAX_GLOBS {
            return Err(format!("it would take more than {MAX_GLOBS} globs"));
        }
        acc = next;
    }
    Ok(acc)
}

/// The glob pieces one token can be, after the glob text `before`.
fn pieces(tok: &Tok, before: &str, nested: bool) -> Result<Vec<String>, String> {
    Ok(match tok {
        Tok::Lit(c) => vec![glob_literal(*c)],
        Tok::Any | Tok::NotSlash => vec!["?".into()],
        Tok::Class(c) => vec![c.clone()],
        Tok::Start | Tok::End => {
            return Err("'^' or '$' in the middle has no glob equivalent".into());
        }
        Tok::Rep(inner, rep) => match (&**inner, rep) {
            (Tok::NotSlash, Rep::Star) => vec!["*".into()],
            (Tok::NotSlash, Rep::Plus) => vec!["?*".into()],
            (Tok::Any, Rep::Star) if nested => {
                return Err("'.*' inside a group has no glob equivalent".into());
            }
            // Within the name it starts in, or across directories into a later name.
            (Tok::Any, Rep::Star) if before.is_empty() || before.ends_with('/') => {
                vec!["**/*".into()]
            }
            (Tok::Any, Rep::Star) => vec!["*".into(), "*/**/*".into()],
            (inner, Rep::Opt) => {
                let mut v = bodies(std::slice::from_ref(inner), true)?;
                v.push(String::new());
                v
            }
            _ => {
                return Err(
                    "a repeated character other than '.*' or '[^/]*' has no glob equivalent".into(),
                );
            }
        },
        Tok::Group(alts) => {
            let mut each = Vec::new();
            for alt in alts {
                each.push(bodies(alt, true)?);
            }
            let braced = each.len() > 1
                && each
                    .iter()
                    .all(|v| v.len() == 1 && !v[0].is_empty() && !v[0].contains(['{', '}', '/']));
            if braced {
                let inner: Vec<&str> = each.iter().map(|v| v[0].as_str()).collect();
                vec![format!("{{{}}}", inner.join(","))]
            } else {
                each.into_iter().flatten().collect()
            }
        }
    })
}

/// A literal character, escaped where globs give it a meaning.
fn glob_literal(c: char) -> String {
    if "*?[]{}\\,!".contains(c) {
        format!("\\{c}")
    } else {
        c.to_string()
    }
}

/// A full-path glob in `.leakhound.toml`'s gitignore-like spelling: `**/x` is `x` when `x` has no
/// `/`, `x/**` is `x/`, and a glob anchored at the root starts with `/`.
fn leakhound_form(g: &str) -> String {
    if let Some(rest) = g.strip_prefix("**/") {
        let core = rest.strip_suffix("/**").unwrap_or(rest);
        if !core.is_empty() && !core.contains('/') && !core.starts_with("**") {
            return if core.len() < rest.len() {
                format!("{core}/")
            } else {
                core.to_string()
            };
        }
        return match g.strip_suffix("/**") {
            Some(dir) => format!("{dir}/"),
            None => g.to_string(),
        };
    }
    match g.strip_suffix("/**") {
        Some(dir) => format!("/{dir}/"),
        None => format!("/{g}"),
    }
}

/// Turns regex-syntax's AST of the regex into tokens, refusing what has no glob equivalent.
struct Parser {
    /// Letters match in either case.
    icase: bool,
}

impl Parser {
    /// The top-level alternatives of `re`.
    fn parse(&self, re: &str) -> Result<Vec<Vec<Tok>>, String> {
        let ast = ast::parse::Parser::new()
            .parse(re)
            .map_err(|e| e.kind().to_string())?;
        self.alternatives(&ast)
    }

    fn alternatives(&self, node: &Ast) -> Result<Vec<Vec<Tok>>, String> {
        match node {
            Ast::Alternation(alt) => alt.asts.iter().map(|a| self.sequence(a)).collect(),
            other => Ok(vec![self.sequence(other)?]),
        }
    }

    fn sequence(&self, node: &Ast) -> Result<Vec<Tok>, String> {
        match node {
            Ast::Concat(c) => c
                .asts
                .iter()
                .filter_map(|a| self.token(a).transpose())
                .collect(),
            other => Ok(self.token(other)?.into_iter().collect()),
        }
    }

    /// One token, or none for an empty piece.
    fn token(&self, node: &Ast) -> Result<Option<Tok>, String> {
        Ok(Some(match node {
            Ast::Empty(_) => return Ok(None),
            Ast::Literal(l) => self.literal(l.c),
            Ast::Dot(_) => Tok::Any,
            Ast::Assertion(a) => match a.kind {
                AssertionKind::StartLine | AssertionKind::StartText => Tok::Start,
                AssertionKind::EndLine | AssertionKind::EndText => Tok::End,
                _ => return Err("word boundaries have no glob equivalent".into()),
            },
            Ast::ClassPerl(c) => Tok::Class(self.perl_class(c)?),
            Ast::ClassBracketed(c) => self.bracketed(c)?,
            Ast::ClassUnicode(_) => return Err("\\p classes have no glob equivalent".into()),
            Ast::Repetition(r) => self.repetition(r)?,
            Ast::Group(g) => {
                if let ast::GroupKind::NonCapturing(flags) = &g.kind
                    && !flags.items.is_empty()
                {
                    return Err("flags such as (?i) have no glob equivalent".into());
                }
                Tok::Group(self.alternatives(&g.ast)?)
            }
            Ast::Flags(_) => return Err("flags such as (?i) have no glob equivalent".into()),
            Ast::Alternation(_) | Ast::Concat(_) => Tok::Group(self.alternatives(node)?),
        }))
    }

    fn literal(&self, c: char) -> Tok {
        if self.icase && c.is_ascii_alphabetic() {
            Tok::Class(format!(
                "[{}{}]",
                c.to_ascii_lowercase(),
                c.to_ascii_uppercase()
            ))
        } else {
            Tok::Lit(c)
        }
    }

    fn repetition(&self, r: &ast::Repetition) -> Result<Tok, String> {
        let rep = match &r.op.kind {
            ast::RepetitionKind::ZeroOrMore => Rep::Star,
            ast::RepetitionKind::OneOrMore => Rep::Plus,
            ast::RepetitionKind::ZeroOrOne => Rep::Opt,
            ast::RepetitionKind::Range(_) => {
                return Err("counted repetitions ({n,m}) have no glob equivalent".into());
            }
        };
        // Lazy or greedy, the same paths match.
        let atom = match self.token(&r.ast)? {
            Some(t) => t,
            None => return Err("a repetition of nothing".into()),
        };
        match atom {
            Tok::Start | Tok::End => Err("a repeated anchor".into()),
            Tok::Rep(..) => Err("nested repetition".into()),
            atom => Ok(Tok::Rep(Box::new(atom), rep)),
        }
    }

    fn perl_class(&self, c: &ast::ClassPerl) -> Result<String, String> {
        if c.negated {
            return Err("negated \\D, \\W or \\S have no glob equivalent".into());
        }
        match c.kind {
            ast::ClassPerlKind::Digit => Ok("[0-9]".into()),
            ast::ClassPerlKind::Word => Ok("[0-9A-Za-z_]".into()),
            ast::ClassPerlKind::Space => Err("\\s has no glob equivalent".into()),
        }
    }

    /// A `[...]` class as a glob class.
    fn bracketed(&self, c: &ast::ClassBracketed) -> Result<Tok, String> {
        let mut ranges: Vec<(char, char)> = Vec::new();
        class_ranges(&c.kind, &mut ranges)?;
        if c.negated && ranges == [('/', '/')] {
            return Ok(Tok::NotSlash);
        }
        if self.icase {
            ranges = fold_case(&ranges)?;
        }
        glob_class(c.negated, &ranges).map(Tok::Class)
    }
}

/// The ranges of a class set; nested classes, set operations and POSIX classes are refused.
fn class_ranges(set: &ast::ClassSet, out: &mut Vec<(char, char)>) -> Result<(), String> {
    use ast::ClassSetItem as Item;
    let item = match set {
        ast::ClassSet::Item(item) => item,
        ast::ClassSet::BinaryOp(_) => {
            return Err("class set operations have no glob equivalent".into());
        }
    };
    match item {
        Item::Empty(_) => {}
        Item::Literal(l) => out.push((l.c, l.c)),
        Item::Range(r) => out.push((r.start.c, r.end.c)),
        Item::Perl(p) if !p.negated && p.kind == ast::ClassPerlKind::Digit => out.push(('0', '9')),
        Item::Perl(p) if !p.negated && p.kind == ast::ClassPerlKind::Word => {
            out.extend([('0', '9'), ('A', 'Z'), ('a', 'z'), ('_', '_')]);
        }
        Item::Union(u) => {
            for i in &u.items {
                class_ranges(&ast::ClassSet::Item(i.clone()), out)?;
            }
        }
        Item::Perl(_) | Item::Ascii(_) | Item::Unicode(_) | Item::Bracketed(_) => {
            return Err("a nested, POSIX or \\s class has no glob equivalent".into());
        }
    }
    Ok(())
}

/// The ranges plus their other-case letters, for `(?i)`.
fn fold_case(ranges: &[(char, char)]) -> Result<Vec<(char, char)>, String> {
    let mut out = ranges.to_vec();
    for &(lo, hi) in ranges {
        let lower = lo.is_ascii_lowercase() && hi.is_ascii_lowercase();
        let upper = lo.is_ascii_uppercase() && hi.is_ascii_uppercase();
        if lower || upper {
            let flip = |c: char| {
                if lower {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            };
            let other = (flip(lo), flip(hi));
            if !out.contains(&other) {
                out.push(other);
            }
        } else if (lo..=hi).any(|c| c.is_ascii_alphabetic()) {
            return Err("a class mixing letters and other characters under (?i)".into());
        }
    }
    Ok(out)
}

/// `[...]` in glob syntax: ranges first, then single characters, `-` last, and never a leading
/// `!`/`^` that would read as negation.
fn glob_class(negated: bool, ranges: &[(char, char)]) -> Result<String, String> {
    let mut body = String::new();
    let mut tail = String::new();
    for &(lo, hi) in ranges {
        if [lo, hi].iter().any(|c| matches!(c, ']' | '[' | '\\')) {
            return Err(format!("'{lo}' in a class has no reliable glob spelling"));
        }
        if lo != hi {
            body.push_str(&format!("{lo}-{hi}"));
        } else if matches!(lo, '-' | '!' | '^') {
            tail.push(lo);
        } else {
            body.push(lo);
        }
    }
    // `-` must come last; `!` or `^` must not come first.
    let mut tail: Vec<char> = tail.chars().collect();
    tail.sort_by_key(|&c| c == '-');
    if body.is_empty() && tail.first().is_some_and(|&c| c != '-') && tail.len() == 1 {
        return Err("a class of just '!' or '^' has no reliable glob spelling".into());
    }
    if body.is_empty() {
        tail.sort_by_key(|&c| c == '!' || c == '^');
        if tail.first().is_some_and(|&c| c == '!' || c == '^') {
            return Err("a class of just '!' and '^' has no reliable glob spelling".into());
        }
    }
    body.extend(tail);
    Ok(format!("[{}{body}]", if negated { "!" } else { "" }))
}

#[cfg(test)]
mod tests {
    use super::to_globs;

    /// The meaning `.leakhound.toml` gives a path glob: the allowlists' own translation.
    fn leakhound_matches(glob: &str, path: &str) -> bool {
        globset::GlobBuilder::new(&crate::triage::path_glob(glob))
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .unwrap_or_else(|e| panic!("{glob}: {e}"))
            .compile_matcher()
            .is_match(path)
    }

    const PATHS: &[&str] = &[
        "vendor/a.go",
        "src/vendor/b.go",
        "src/vendored.go",
        "myvendor/x/y.txt",
        "go.mod",
        "sub/go.sum",
        "gomod",
        "a.lock",
        "deep/dir/Cargo.lock",
        "lock",
        "a.lock/inner.txt",
        "tests/fixtures/key.pem",
        "src/tests/fixtures/key.pem",
        "tests/fixturesX/key.pem",
        "test/a.txt",
        "docs/readme.md",
        "docs/api/x.md",
        "mydocs/a.md",
        "docs.md",
        "img/logo.jpg",
        "logo.JPG",
        "photo.jpeg",
        "node_modules/p/index.js",
        "a/node_modules/q.js",
        "config/secrets.yml",
        "config/secrets.yaml",
        "app/config/secrets.yml",
        "x.pub",
        "keys/id_rsa.pub",
        "id_rsa",
        "README",
        "src/main.rs",
        "data/1/x.csv",
        "data/x.csv",
        "vendor/bundle/gems/x.rb",
        "app/vendor/ruby",
        "app/vendor/rubyx/y.rb",
        "node_modules",
    ];

    /// Every converted regex must agree with its globs on every sample path (modulo `.`, which
    /// the samples never exercise across a `/`).
    fn check(re: &str) -> Vec<String> {
        let globs = to_globs(re).unwrap_or_else(|e| panic!("{re}: {e}"));
        let regex = regex_automata::meta::Regex::new(re).unwrap();
        for path in PATHS {
            let by_regex = regex.is_match(path);
            let by_glob = globs.iter().any(|g| leakhound_matches(g, path));
            assert_eq!(by_regex, by_glob, "{re} vs {globs:?} on {path}");
        }
        globs
    }

    #[test]
    fn common_gitleaks_path_regexes_convert_exactly() {
        assert_eq!(check(r"(^|/)vendor/"), ["vendor/"]);
        assert_eq!(check(r"\.lock$"), ["*.lock"]);
        assert_eq!(check(r"^tests/fixtures/"), ["/tests/fixtures/"]);
        assert_eq!(check(r"vendor"), ["*vendor*", "*vendor*/"]);
        assert_eq!(check(r"(go.mod|go.sum)$"), ["*{go?mod,go?sum}"]);
        assert_eq!(check(r"(.*?)(jpg|gif|doc)$"), ["*{jpg,gif,doc}"]);
        assert_eq!(check(r"^tests?/"), ["/tests/", "/test/"]);
        assert_eq!(check(r"\.(md|txt)$"), ["*.{md,txt}"]);
        assert_eq!(
            check(r"config/secrets\.ya?ml$"),
            ["**/*config/secrets.yaml", "**/*config/secrets.yml"]
        );
        assert_eq!(
            check(r"(^|/)node_modules(/|$)"),
            ["node_modules", "node_modules/"]
        );
        assert_eq!(check(r"^docs/.*\.md$"), ["/docs/**/*.md"]);
        assert_eq!(check(r"^docs/.+"), ["/docs/"]);
        assert_eq!(check(r"id_[^/]+\.pub$|^README$"), ["*id_?*.pub", "/README"]);
        assert_eq!(check(r"^data/[^/]+/[^/]*\.csv$"), ["/data/?*/*.csv"]);
        assert_eq!(check(r"^src/.*main"), ["/src/**/*main*", "/src/**/*main*/"]);
        assert_eq!(check(r"s.*\.rs$"), ["*s*.rs", "**/*s*/**/*.rs"]);
        check(r"^(?:docs|tests)/");
        check(r"[0-9]/x\.csv$");
        check(r"\.(?:jpe?g|JPG)$");
        assert_eq!(check(r"(?i)\.jpg$"), ["*.[jJ][pP][gG]"]);
        assert_eq!(
            check(r"(?:^|/)node_modules(?:/.*)?$"),
            ["node_modules", "node_modules/"]
        );
        assert_eq!(
            check(r"(?:^|/)vendor/(?:bundle|ruby)(?:/.*?)?$"),
            ["**/vendor/{bundle,ruby}", "**/vendor/{bundle,ruby}/"]
        );
        assert_eq!(
            check(r"(?i)^read[a-z]"),
            ["/[rR][eE][aA][dD][a-zA-Z]*", "/[rR][eE][aA][dD][a-zA-Z]*/"]
        );
    }

    #[test]
    fn regexes_without_a_glob_equivalent_are_refused() {
        for re in [
            r"(?s)readme\.md",
            r"(?i)[0-z]x",
            r"\d{4}\.log$",
            r"a+\.txt",
            r"^.*",
            r"^/etc/",
            r"docs/$",
            r"(a|.*b)",
            r"\sfoo",
            r"[[:alpha:]]x",
            r"(unclosed",
        ] {
            assert!(to_globs(re).is_err(), "{re} -> {:?}", to_globs(re));
        }
    }

    #[test]
    fn glob_syntax_in_literals_is_escaped() {
        assert_eq!(check(r"\[draft\]\.md$"), [r"*\[draft\].md"]);
        assert_eq!(to_globs(r"a\*b\{c,d\}$").unwrap(), [r"*a\*b\{c\,d\}"]);
        assert!(leakhound_matches(r"*a\*b\{c\,d\}", "x/a*b{c,d}"));
    }
}
