//! The document layer: each record (office, staff member, session, risk) is one Automerge
//! document. This module maps the domain types to and from documents; no other code touches raw
//! Automerge paths. Every change carries an audit message (what, who, which device, when).

pub(crate) mod fields;
pub mod office;
pub mod risk;
pub mod session;
pub mod staff;

use automerge::transaction::CommitOptions;
use automerge::{ActorId, AutoCommit, ChangeHash};
use serde::{Deserialize, Serialize};

use crate::ids::{DocId, DocKind};
use crate::model::{Millis, Stamp};
use crate::{Error, Result};

/// The document schema version this build writes. Version 1 documents (timestamps in seconds
/// under flat keys) are read and upgraded on their next write.
pub const SCHEMA_VERSION: i64 = 2;

/// One document with its id and kind.
pub struct Document {
    /// Which record.
    pub id: DocId,
    /// What kind of record.
    pub kind: DocKind,
    pub(crate) doc: AutoCommit,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Document({:?} {})", self.kind, self.id)
    }
}

/// What a change was, recorded in the change's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeNote {
    /// The operation ("register", "assign"...).
    pub op: String,
    /// The staff NIP who acted, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    /// The device code.
    pub dev: String,
    /// When, in milliseconds.
    pub at: Millis,
    /// A short non-personal detail ("officer 1985…", "score 5").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// One entry of a record's audit trail, read from its change history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// What happened.
    pub op: String,
    /// Who (NIP).
    pub by: Option<String>,
    /// Which PC (device code).
    pub device: String,
    /// When (milliseconds).
    pub at: Millis,
    /// Detail.
    pub detail: Option<String>,
    /// The change hash (hex).
    pub change: String,
}

impl Document {
    /// A new empty document written by `actor`.
    pub fn new(id: DocId, kind: DocKind, actor: &ActorId) -> Self {
        Document { id, kind, doc: AutoCommit::new().with_actor(actor.clone()) }
    }
    /// Loads saved bytes (a snapshot followed by any incremental changes).
    pub fn load(id: DocId, kind: DocKind, bytes: &[u8], actor: &ActorId) -> Result<Self> {
        let doc = AutoCommit::load(bytes)
            .map_err(|e| Error::Corrupt { doc: id.to_text(), reason: e.to_string() })?
            .with_actor(actor.clone());
        Ok(Document { id, kind, doc })
    }
    /// The current heads.
    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }
    /// A full compact save.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }
    /// The changes since the last save or load.
    pub fn save_incremental(&mut self) -> Vec<u8> {
        self.doc.save_incremental()
    }
    /// The changes a peer at `heads` lacks.
    pub fn save_after(&mut self, heads: &[ChangeHash]) -> Vec<u8> {
        self.doc.save_after(heads)
    }
    /// Applies changes or a whole document received from elsewhere; returns whether anything new
    /// arrived.
    pub fn apply(&mut self, bytes: &[u8]) -> Result<bool> {
        let before = self.doc.get_heads();
        self.doc
            .load_incremental(bytes)
            .map_err(|e| Error::Corrupt { doc: self.id.to_text(), reason: e.to_string() })?;
        Ok(self.doc.get_heads() != before)
    }
    /// Whether every change in `heads` is known here.
    pub fn has_all(&mut self, heads: &[ChangeHash]) -> bool {
        heads.iter().all(|h| self.doc.get_change_meta_by_hash(h).is_some())
    }
    /// Commits pending operations with an audit note.
    pub(crate) fn commit(&mut self, op: &str, stamp: &Stamp, detail: Option<String>) {
        let note = ChangeNote {
            op: op.to_string(),
            by: stamp.by.clone(),
            dev: stamp.device.clone(),
            at: stamp.at,
            detail,
        };
        let msg = serde_json::to_string(&note).unwrap_or_default();
        self.doc.commit_with(CommitOptions::default().with_message(msg).with_time(stamp.at / 1000));
    }
    /// The audit trail, oldest first.
    pub fn history(&mut self) -> Vec<HistoryEntry> {
        let mut out: Vec<HistoryEntry> = self
            .doc
            .get_changes_meta(&[])
            .into_iter()
            .map(|c| {
                let note = c.message.as_deref().and_then(|m| serde_json::from_str::<ChangeNote>(m).ok());
                match note {
                    Some(n) => HistoryEntry {
                        op: n.op,
                        by: n.by,
                        device: n.dev,
                        at: n.at,
                        detail: n.detail,
                        change: c.hash.to_string(),
                    },
                    None => HistoryEntry {
                        op: "unknown".into(),
                        by: None,
                        device: String::new(),
                        at: c.timestamp * 1000,
                        detail: None,
                        change: c.hash.to_string(),
                    },
                }
            })
            .collect();
        // Time order; ties keep the causal order automerge gives.
        out.sort_by_key(|e| e.at);
        out
    }
    /// Number of changes in the document's history.
    pub fn change_count(&mut self) -> usize {
        self.doc.get_changes_meta(&[]).len()
    }
}

/// Encodes heads as concatenated 32-byte hashes.
pub fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    let mut out = Vec::with_capacity(heads.len() * 32);
    for h in heads {
        out.extend_from_slice(h.as_ref());
    }
    out
}

/// Decodes what [`encode_heads`] produced.
pub fn decode_heads(bytes: &[u8]) -> Result<Vec<ChangeHash>> {
    if !bytes.len().is_multiple_of(32) {
        return Err(Error::Corrupt {
            doc: "-".into(),
            reason: "heads are not a multiple of 32 bytes".into(),
        });
    }
    bytes
        .chunks(32)
        .map(|c| {
            ChangeHash::try_from(c)
                .map_err(|_| Error::Corrupt { doc: "-".into(), reason: "bad change hash".into() })
        })
        .collect()
}
