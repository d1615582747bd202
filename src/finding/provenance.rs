//! Where a blob came from, as an open chain: a file in a directory, a blob in a repository's
//! history, an entry of an image layer, a member of an archive inside any of those, a span of
//! encoded text decoded. Each kind is a type of its own that implements [`Provenance`] and renders
//! its own label, details and properties, so reports, triage and fingerprints never ask which
//! kind it is: a new source or container format is one new type.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::Location;

/// One level of where content came from. The outermost level (the target's: a file, a git
/// object, an image layer entry) has no parent; nested levels (archive members, decoded spans)
/// point at the level they were found in.
pub trait Provenance: fmt::Debug + Send + Sync + Any {
    /// What machine formats call this kind (`file`, `git`, `archive-member`, `decoded`, ...).
    fn kind(&self) -> &'static str;

    /// This level's own path (raw bytes, so non-UTF-8 names survive): a file path, a path in a
    /// repository or a layer, a member's name. `None` for a level without one (decoded text).
    fn path(&self) -> Option<Cow<'_, [u8]>>;

    /// How a person names the place, given the whole path (a history blob prefixes its commit).
    fn label(&self, path: &str) -> String {
        path.to_string()
    }

    /// Lines that tell a person more (who introduced a blob, which layer made a file). Text that
    /// quotes a secret comes redacted unless `reveal`.
    fn details(&self, _reveal: bool) -> Vec<String> {
        Vec::new()
    }

    /// A one-line, secret-free account for messages (annotations, SARIF results, JUnit).
    fn brief(&self) -> Option<String> {
        None
    }

    /// Properties for the JSON formats, beyond `kind` (and `path` for nested levels).
    fn properties(&self, _reveal: bool, _location: &Location) -> Map<String, Value> {
        Map::new()
    }

    /// Flat, secret-free properties for formats that carry a property bag (SARIF), named in
    /// camelCase.
    fn flat_properties(&self) -> Map<String, Value> {
        Map::new()
    }

    /// What tells apart two contents at the same path (a git object id, a layer digest): kept
    /// apart when findings are sorted and deduplicated.
    fn version(&self) -> Cow<'_, str> {
        Cow::Borrowed("")
    }

    /// The commit the content belongs to, for commit allowlists.
    fn commit_id(&self) -> Option<String> {
        None
    }

    /// Redacts `secrets` wherever this level quotes scanned text (a commit summary, an image's
    /// build history), so provenance never shows a secret the scan found.
    fn redact_secrets(&self, _secrets: &[&[u8]]) {}

    /// A web link to the lines of `location`, when the target knows its hosting platform.
    fn link(&self, _location: &Location) -> Option<String> {
        None
    }

    /// Whether the path names a file on this machine as the user named it (so triage can make it
    /// relative to the project root).
    fn is_local_file(&self) -> bool {
        false
    }

    /// Whether the path names a file that a code host can show at a line (a file in the work
    /// tree, a committed or staged blob); not standard input, a message or an unreachable blob.
    fn names_a_file(&self) -> bool {
        false
    }

    /// Where this level sits in its parent, when its own positions are not the parent's (a
    /// decoded span): findings inside are reported at that place of the parent.
    fn place_in_parent(&self) -> Option<Location> {
        None
    }

    /// For a source's own code to find its concrete type again (to fill in provenance after the
    /// scan); reports and triage never use it.
    fn as_any(&self) -> &dyn Any;
}

/// A chain of provenance levels, innermost first. Shared (`Arc`) between the findings of a blob.
#[derive(Debug)]
pub struct Origin {
    level: Box<dyn Provenance>,
    parent: Option<Arc<Origin>>,
}

/// Joins an archive member's name to the path of the archive holding it.
pub const MEMBER_SEPARATOR: u8 = b'!';

impl Origin {
    /// An outermost level (a target's blob).
    pub fn new(level: impl Provenance) -> Origin {
        Origin {
            level: Box::new(level),
            parent: None,
        }
    }

    /// A level found inside `parent`.
    pub fn nested(parent: Arc<Origin>, level: impl Provenance) -> Origin {
        Origin {
            level: Box::new(level),
            parent: Some(parent),
        }
    }

    pub fn level(&self) -> &dyn Provenance {
        &*self.level
    }

    pub fn parent(&self) -> Option<&Arc<Origin>> {
        self.parent.as_ref()
    }

    /// The outermost level: the target's (file, git object, image entry).
    pub fn root(&self) -> &Origin {
        let mut o = self;
        while let Some(p) = &o.parent {
            o = p;
        }
        o
    }

    /// The levels from the outermost in.
    pub fn chain(&self) -> Vec<&Origin> {
        let mut out = vec![self];
        let mut o = self;
        while let Some(p) = &o.parent {
            out.push(p);
            o = p;
        }
        out.reverse();
        out
    }

    /// Nesting depth: 0 for an outermost level.
    pub fn depth(&self) -> usize {
        self.chain().len() - 1
    }

    /// The whole path: the outermost path, then each member's name after a `!`
    /// (`lib/app.jar!BOOT-INF/application.properties`). Levels without a path add nothing.
    pub fn path(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for o in self.chain() {
            if let Some(p) = o.level.path() {
                if !out.is_empty() {
                    out.push(MEMBER_SEPARATOR);
                }
                out.extend_from_slice(&p);
            }
        }
        out
    }

    pub fn path_lossy(&self) -> String {
        String::from_utf8_lossy(&self.path()).into_owned()
    }

    /// How a person names where the content is.
    pub fn label(&self) -> String {
        self.root().level.label(&self.path_lossy())
    }

    /// The outermost level's version (a git object id, a layer digest).
    pub fn version(&self) -> Cow<'_, str> {
        self.root().level.version()
    }

    /// The position of `location` (found in this level's bytes) in the outermost content that
    /// has positions of its own: a finding in decoded text points at the encoded span.
    pub fn outer_location(&self, location: Location) -> Location {
        let mut loc = location;
        let mut o = self;
        while let Some(place) = o.level.place_in_parent() {
            loc = place;
            match &o.parent {
                Some(p) => o = p,
                None => break,
            }
        }
        loc
    }
}

impl PartialEq for Origin {
    /// Two origins are the same place when their chains render the same: same kinds, paths and
    /// versions (used to group findings by place).
    fn eq(&self, other: &Origin) -> bool {
        std::ptr::eq(self, other)
            || (self.level.kind() == other.level.kind()
                && self.level.path() == other.level.path()
                && self.level.version() == other.level.version()
                && self.parent.as_deref() == other.parent.as_deref())
    }
}

/// A file read from disk, named as the user named it (or as the walk found it).
#[derive(Debug, Clone)]
pub struct FileProvenance {
    pub path: Vec<u8>,
}

impl Provenance for FileProvenance {
    fn kind(&self) -> &'static str {
        "file"
    }
    fn path(&self) -> Option<Cow<'_, [u8]>> {
        Some(Cow::Borrowed(&self.path))
    }
    fn is_local_file(&self) -> bool {
        true
    }
    fn names_a_file(&self) -> bool {
        true
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Standard input (`-`).
#[derive(Debug, Clone)]
pub struct StdinProvenance;

impl Provenance for StdinProvenance {
    fn kind(&self) -> &'static str {
        "stdin"
    }
    fn path(&self) -> Option<Cow<'_, [u8]>> {
        Some(Cow::Borrowed(b"-"))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A member of an archive or a compressed stream (`app.jar!config.properties`).
#[derive(Debug, Clone)]
pub struct MemberProvenance {
    /// The member's name in the archive (raw bytes).
    pub name: Vec<u8>,
    /// The container format (`gzip`, `zip`, `tar`).
    pub format: &'static str,
}

impl Provenance for MemberProvenance {
    fn kind(&self) -> &'static str {
        "archive-member"
    }
    fn path(&self) -> Option<Cow<'_, [u8]>> {
        Some(Cow::Borrowed(&self.name))
    }
    fn properties(&self, _reveal: bool, _location: &Location) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("format".into(), Value::from(self.format));
        m
    }
    fn flat_properties(&self) -> Map<String, Value> {
        self.properties(false, &Location::default())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Encoded text that was decoded and scanned: findings inside point at the encoded span.
#[derive(Debug, Clone)]
pub struct DecodedProvenance {
    /// The encoding undone (`base64`, `hex`, ...).
    pub encoding: &'static str,
    /// Where the encoded text is in its parent.
    pub span: Location,
}

impl Provenance for DecodedProvenance {
    fn kind(&self) -> &'static str {
        "decoded"
    }
    fn path(&self) -> Option<Cow<'_, [u8]>> {
        None
    }
    fn details(&self, _reveal: bool) -> Vec<String> {
        vec![format!(
            "decoded from {} at {}:{}",
            self.encoding, self.span.line, self.span.column
        )]
    }
    fn brief(&self) -> Option<String> {
        Some(format!("in {}-encoded text", self.encoding))
    }
    fn properties(&self, _reveal: bool, _location: &Location) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("encoding".into(), Value::from(self.encoding));
        m.insert("offset".into(), Value::from(self.span.offset));
        m.insert("line".into(), Value::from(self.span.line));
        m.insert("column".into(), Value::from(self.span.column));
        m.insert("end_line".into(), Value::from(self.span.end_line));
        m.insert("end_column".into(), Value::from(self.span.end_column));
        m
    }
    fn flat_properties(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("encoding".into(), Value::from(self.encoding));
        m
    }
    fn place_in_parent(&self) -> Option<Location> {
        Some(self.span)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str) -> Arc<Origin> {
        Arc::new(Origin::new(FileProvenance {
            path: p.as_bytes().to_vec(),
        }))
    }

    #[test]
    fn member_paths_join_with_a_bang_and_decoded_levels_add_nothing() {
        let jar = file("lib/app.jar");
        let member = Arc::new(Origin::nested(
            jar.clone(),
            MemberProvenance {
                name: b"BOOT-INF/application.properties".to_vec(),
                format: "zip",
            },
        ));
        assert_eq!(
            member.path_lossy(),
            "lib/app.jar!BOOT-INF/application.properties"
        );
        let span = Location {
            offset: 10,
            line: 2,
            column: 5,
            end_line: 2,
            end_column: 45,
        };
        let decoded = Origin::nested(
            member.clone(),
            DecodedProvenance {
                encoding: "base64",
                span,
            },
        );
        assert_eq!(decoded.path(), member.path());
        assert_eq!(decoded.depth(), 2);
        assert!(std::ptr::eq(decoded.root(), &*jar));
        let inner = Location {
            offset: 3,
            line: 1,
            column: 4,
            end_line: 1,
            end_column: 9,
        };
        assert_eq!(decoded.outer_location(inner), span);
        assert_eq!(member.outer_location(inner), inner);
    }

    #[test]
    fn origins_compare_by_what_they_render() {
        assert_eq!(*file("a"), *file("a"));
        assert_ne!(*file("a"), *file("b"));
        let stdin = Origin::new(StdinProvenance);
        assert_ne!(*file("-"), stdin);
    }
}
