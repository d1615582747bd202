//! The one typed view of a finding that every output format renders from. Its serialised form is
//! the JSON/JSONL finding object (docs/output.md); its JSON Schema is generated from these types
//! (`docs/finding.schema.json`, checked by a test).

use base64::Engine as _;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Finding, Identity, Origin};
use crate::rules::Confidence;

/// A finding as the output formats see it. Secrets in every text field come redacted unless the
/// view was made with `reveal`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct FindingView {
    pub rule_id: String,
    pub rule_name: String,
    pub provider: String,
    pub confidence: Confidence,
    /// The whole path: inside an archive, the archive's path, `!`, then the member's.
    pub path: String,
    /// The path's raw bytes (standard base64) when they are not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_base64: Option<String>,
    /// 1-based; columns count characters. In decoded content: the encoded span's place.
    pub line: u64,
    pub column: u64,
    pub end_line: u64,
    /// Exclusive.
    pub end_column: u64,
    /// Byte offset in the outermost content that has positions.
    pub offset: u64,
    pub secret: String,
    /// Whether `secret`, `snippet` and quoted text are redacted (the default).
    pub redacted: bool,
    /// SHA-256 (hex) of the rule id and the secret.
    pub fingerprint: String,
    /// SHA-256 (hex) of the secret alone, whichever rule found it: what an identity inventory's
    /// `secret_fingerprints` lists (`leakhound identities fingerprint`).
    pub secret_hash: String,
    pub entropy: f64,
    pub snippet: String,
    /// The outermost provenance level: the target's file, git object or image entry.
    pub source: SourceView,
    /// The levels inside it, outermost first (archive members, decoded spans).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nested: Vec<SourceView>,
    /// Whose credential it is, as far as leakhound could tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// What the human formats show; not serialised.
    #[serde(skip)]
    pub place: Place,
}

/// One provenance level: its kind and what it says about itself.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SourceView {
    /// `file`, `stdin`, `git`, `archive-member`, `decoded`, ...
    pub kind: String,
    #[serde(flatten)]
    pub properties: Map<String, Value>,
}

/// The human side of a finding's provenance.
#[derive(Debug, Clone, Default)]
pub struct Place {
    /// How a person names where it is (`3f2a9c1e0b7d:config/prod.env`).
    pub label: String,
    /// The same with the line (`3f2a9c1e0b7d:config/prod.env:12`, `a.env:3 (staged)`).
    pub label_at_line: String,
    /// Lines that say more (who introduced it, which layer, what was decoded).
    pub details: Vec<String>,
    /// Secret-free one-line accounts for messages, outermost first.
    pub brief: Vec<String>,
    /// A web link to the line.
    pub link: Option<String>,
    /// Whether `path` names a file a code host can show at a line.
    pub names_a_file: bool,
    /// The outermost level's path, raw (the file an archive member is in).
    pub root_path: Vec<u8>,
    /// Whether the line and column are positions in the outermost level's content (not inside an
    /// archive member).
    pub positions_in_root: bool,
    /// Flat, secret-free properties of every level (SARIF property bags).
    pub flat: Map<String, Value>,
}

impl FindingView {
    pub fn new(f: &Finding, reveal: bool) -> FindingView {
        let path = f.origin.path();
        let path_lossy = String::from_utf8_lossy(&path).into_owned();
        let path_base64 = std::str::from_utf8(&path)
            .is_err()
            .then(|| base64::engine::general_purpose::STANDARD.encode(&path));
        let chain = f.origin.chain();
        let (root, inner) = chain.split_first().expect("a chain has its root");
        let source = SourceView {
            kind: root.level().kind().to_string(),
            properties: root.level().properties(reveal, &f.location),
        };
        let nested = inner.iter().map(|o| nested_view(o, reveal, f)).collect();
        FindingView {
            rule_id: f.rule.id.clone(),
            rule_name: f.rule.name.clone(),
            provider: f.rule.provider.clone(),
            confidence: f.rule.confidence,
            path: path_lossy,
            path_base64,
            line: f.location.line,
            column: f.location.column,
            end_line: f.location.end_line,
            end_column: f.location.end_column,
            offset: f.location.offset,
            secret: f.secret.render(reveal),
            redacted: !reveal,
            fingerprint: f.fingerprint.clone(),
            secret_hash: super::secret_hash(f.secret.expose()),
            entropy: (f.entropy * 1000.0).round() / 1000.0,
            snippet: f.snippet.render(reveal),
            source,
            nested,
            identity: f.enrichment.identity.clone().map(|mut i| {
                // A GCP key's id is the secret its rule reports: it stays redacted with it.
                if !reveal && i.token_id.as_deref().map(str::as_bytes) == Some(f.secret.expose()) {
                    i.token_id = Some(f.secret.redacted());
                }
                i
            }),
            place: place(f, &chain, reveal),
        }
    }

    /// The view as a JSON object (the `json` and `jsonl` finding).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a finding view serialises")
    }
}

fn nested_view(o: &Origin, reveal: bool, f: &Finding) -> SourceView {
    let mut properties = Map::new();
    if let Some(p) = o.level().path() {
        properties.insert("path".into(), Value::from(String::from_utf8_lossy(&p)));
    }
    properties.extend(o.level().properties(reveal, &f.location));
    SourceView {
        kind: o.level().kind().to_string(),
        properties,
    }
}

fn place(f: &Finding, chain: &[&Origin], reveal: bool) -> Place {
    let root = chain[0].level();
    // Inside an archive member the position is the member's, not a line of the outermost file;
    // a decoded span is placed in its parent, so it still points into the file.
    let in_root = chain[1..]
        .iter()
        .all(|o| o.level().place_in_parent().is_some());
    let mut flat = Map::new();
    for o in chain {
        flat.extend(o.level().flat_properties());
    }
    Place {
        label: f.origin.label(),
        label_at_line: root.label(&format!("{}:{}", f.origin.path_lossy(), f.location.line)),
        details: chain
            .iter()
            .flat_map(|o| o.level().details(reveal))
            .collect(),
        brief: chain.iter().filter_map(|o| o.level().brief()).collect(),
        link: in_root.then(|| root.link(&f.location)).flatten(),
        names_a_file: in_root && root.names_a_file(),
        root_path: root.path().map(|p| p.into_owned()).unwrap_or_default(),
        positions_in_root: in_root,
        flat,
    }
}
