//! The provenance of content read from a repository: a blob, or a commit's or tag's message,
//! with the commit that brought it in. For a whole-history scan the commit is worked out after
//! the scan, and only for objects with findings, so that part is filled in later through a lock.

use std::any::Any;
use std::borrow::Cow;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value, json};

use crate::finding::{Location, Provenance, Snippet};

/// What kind of git object a secret was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitObject {
    Blob,
    CommitMessage,
    TagMessage,
}

impl GitObject {
    pub fn as_str(self) -> &'static str {
        match self {
            GitObject::Blob => "blob",
            GitObject::CommitMessage => "commit-message",
            GitObject::TagMessage => "tag-message",
        }
    }
}

/// A commit, as provenance shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    pub author_name: String,
    pub author_email: String,
    /// Author date, RFC 3339.
    pub date: String,
    /// The first line of the message; redacted like a snippet if a secret is on it.
    pub summary: Snippet,
}

/// Another place (commit and path) where the same blob was introduced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    pub commit: String,
    pub path: Vec<u8>,
}

/// What is known of an object's history: set when it is scanned (ranges, staged changes) or
/// worked out after the scan (whole history).
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The (topologically earliest) commit that introduced the blob, or the commit or tag whose
    /// message it is. `None` for an object no ref reaches, and for staged content.
    pub commit: Option<CommitInfo>,
    /// Whether any ref reaches the object.
    pub reachable: bool,
    /// Whether the blob is in HEAD's tree (at any path); `None` when not computed.
    pub in_head: Option<bool>,
    /// Other commits and paths that introduced the same blob (renames, copies, reverts).
    pub other_occurrences: usize,
    /// Those places, when asked for (`--all-occurrences`).
    pub occurrences: Vec<Occurrence>,
    /// A link to the file at the commit on the hosting platform, when asked for.
    pub link_base: Option<String>,
    /// The path the object is known by once resolved (where it was first introduced).
    pub path: Option<Vec<u8>>,
}

/// Where in a repository's history a blob or message came from.
#[derive(Debug)]
pub struct GitProvenance {
    /// The repository as the user named it, without credentials in a URL.
    pub repository: Arc<str>,
    pub object: GitObject,
    /// The id of the blob, commit or tag object scanned.
    pub object_id: String,
    /// The path it was met at during the scan.
    pub path: Vec<u8>,
    /// Staged in the index, not yet committed.
    pub staged: bool,
    history: RwLock<History>,
}

impl GitProvenance {
    pub fn new(
        repository: Arc<str>,
        object: GitObject,
        object_id: String,
        path: Vec<u8>,
    ) -> GitProvenance {
        GitProvenance {
            repository,
            object,
            object_id,
            path,
            staged: false,
            history: RwLock::new(History::default()),
        }
    }

    pub fn with_history(mut self, history: History) -> GitProvenance {
        self.history = RwLock::new(history);
        self
    }

    pub fn staged(mut self) -> GitProvenance {
        self.staged = true;
        self
    }

    pub fn history(&self) -> std::sync::RwLockReadGuard<'_, History> {
        self.history.read().expect("git history lock poisoned")
    }

    /// Fills in what was worked out after the scan.
    pub fn set_history(&self, history: History) {
        *self.history.write().expect("git history lock poisoned") = history;
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

impl Provenance for GitProvenance {
    fn kind(&self) -> &'static str {
        "git"
    }

    fn path(&self) -> Option<Cow<'_, [u8]>> {
        Some(match &self.history().path {
            Some(p) => Cow::Owned(p.clone()),
            None => Cow::Borrowed(&self.path),
        })
    }

    fn label(&self, path: &str) -> String {
        if self.staged {
            return format!("{path} (staged)");
        }
        match &self.history().commit {
            Some(c) => format!("{}:{path}", short(&c.id)),
            None => path.to_string(),
        }
    }

    /// Who introduced the blob, when, and where else it is.
    fn details(&self, reveal: bool) -> Vec<String> {
        let h = self.history();
        let mut line = match &h.commit {
            Some(c) => format!(
                "{} {} by {} <{}> on {}: {}",
                match self.object {
                    GitObject::Blob => "introduced in",
                    _ => "message of",
                },
                short(&c.id),
                c.author_name,
                c.author_email,
                &c.date[..c.date.len().min(10)],
                c.summary.render(reveal)
            ),
            None if self.staged => "staged, not committed".to_string(),
            // An annotated tag's message has no commit of its own; a ref names the tag.
            None if h.reachable => format!(
                "{} {} is reachable from a ref",
                self.object.as_str(),
                self.object_id
            ),
            None => format!(
                "{} {} is not reachable from any ref",
                self.object.as_str(),
                self.object_id
            ),
        };
        if self.object == GitObject::Blob && !self.staged {
            match h.in_head {
                Some(true) => line.push_str("; still in HEAD"),
                Some(false) => line.push_str("; not in HEAD (still in history)"),
                None => {}
            }
            if h.other_occurrences > 0 {
                let n = h.other_occurrences;
                line.push_str(&format!(
                    "; {n} other place{}",
                    if n == 1 { "" } else { "s" }
                ));
            }
        }
        let mut out = vec![line];
        for o in &h.occurrences {
            out.push(format!(
                "  also {}:{}",
                short(&o.commit),
                String::from_utf8_lossy(&o.path)
            ));
        }
        out
    }

    fn brief(&self) -> Option<String> {
        let h = self.history();
        let mut m = match &h.commit {
            Some(c) if self.object == GitObject::Blob => format!(
                "introduced in commit {} by {} on {}",
                short(&c.id),
                c.author_name,
                &c.date[..c.date.len().min(10)]
            ),
            Some(_) => String::new(),
            None if self.staged => "staged, not committed".into(),
            // The label already says the blob is unreachable.
            None => String::new(),
        };
        if h.in_head == Some(false) {
            if !m.is_empty() {
                m.push_str("; ");
            }
            m.push_str("no longer in HEAD but still in the history");
        }
        (!m.is_empty()).then_some(m)
    }

    fn properties(&self, reveal: bool, location: &Location) -> Map<String, Value> {
        let h = self.history();
        let commit = h.commit.as_ref().map(|c| {
            json!({
                "id": c.id,
                "author_name": c.author_name,
                "author_email": c.author_email,
                "date": c.date,
                "summary": c.summary.render(reveal),
            })
        });
        let mut m = Map::new();
        m.insert("repository".into(), json!(&*self.repository));
        m.insert("object".into(), json!(self.object.as_str()));
        m.insert("object_id".into(), json!(self.object_id));
        m.insert("commit".into(), json!(commit));
        m.insert("reachable".into(), json!(h.reachable));
        m.insert("in_head".into(), json!(h.in_head));
        m.insert("staged".into(), json!(self.staged));
        m.insert("other_occurrences".into(), json!(h.other_occurrences));
        if !h.occurrences.is_empty() {
            let occ: Vec<Value> = h
                .occurrences
                .iter()
                .map(|o| json!({ "commit": o.commit, "path": String::from_utf8_lossy(&o.path) }))
                .collect();
            m.insert("occurrences".into(), Value::Array(occ));
        }
        if let Some(base) = &h.link_base {
            m.insert("link".into(), json!(line_link(base, location)));
        }
        m
    }

    /// Never a secret: the commit summary (which may quote one) stays out.
    fn flat_properties(&self) -> Map<String, Value> {
        let h = self.history();
        let mut m = Map::new();
        m.insert("repository".into(), json!(&*self.repository));
        m.insert("object".into(), json!(self.object.as_str()));
        m.insert("objectId".into(), json!(self.object_id));
        if let Some(c) = &h.commit {
            m.insert("commit".into(), json!(c.id));
            m.insert(
                "author".into(),
                json!(format!("{} <{}>", c.author_name, c.author_email)),
            );
            m.insert("date".into(), json!(c.date));
        }
        if self.object == GitObject::Blob {
            m.insert("inHead".into(), json!(h.in_head));
        }
        m.insert("reachable".into(), json!(h.reachable));
        m.insert("staged".into(), json!(self.staged));
        m.insert("otherOccurrences".into(), json!(h.other_occurrences));
        m
    }

    fn version(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.object_id)
    }

    fn commit_id(&self) -> Option<String> {
        self.history().commit.as_ref().map(|c| c.id.clone())
    }

    fn link(&self, location: &Location) -> Option<String> {
        self.history()
            .link_base
            .as_ref()
            .map(|b| line_link(b, location))
    }

    fn names_a_file(&self) -> bool {
        self.object == GitObject::Blob && (self.staged || self.history().commit.is_some())
    }

    fn redact_secrets(&self, secrets: &[&[u8]]) {
        let mut h = self.history.write().expect("git history lock poisoned");
        if let Some(c) = &mut h.commit {
            c.summary.redact_secrets(secrets.iter().copied());
        }
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// `base#L12`, or `base#L12-L14` for a secret over several lines.
pub fn line_link(base: &str, location: &Location) -> String {
    if location.end_line > location.line {
        format!("{base}#L{}-L{}", location.line, location.end_line)
    } else {
        format!("{base}#L{}", location.line)
    }
}

/// A repository as shown in reports: a URL loses any `user:password@`.
pub fn display_repository(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + i);
    match url[scheme_end..authority_end].rfind('@') {
        Some(at) => format!("{}{}", &url[..scheme_end], &url[scheme_end + at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::display_repository;

    #[test]
    fn credentials_in_a_url_are_not_shown() {
        assert_eq!(
            display_repository("https://user:tok@example.com/o/r.git"),
            "https://example.com/o/r.git"
        );
        assert_eq!(
            display_repository("https://x-access-token:ghs_abc@github.com/o/r.git"),
            "https://github.com/o/r.git"
        );
        assert_eq!(display_repository("ssh://git@host/r@v"), "ssh://host/r@v");
        assert_eq!(display_repository("../repo"), "../repo");
        assert_eq!(display_repository("/tmp/repo"), "/tmp/repo");
        assert_eq!(display_repository("file:///tmp/r"), "file:///tmp/r");
    }
}
