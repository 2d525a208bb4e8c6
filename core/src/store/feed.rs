//! The change feed and what sync needs: every change of a document's heads (local edit or
//! merge) and of a visitor key gets a new local sequence number; sync asks for what changed
//! since a peer's checkpoint, moves document bytes, and applies what it receives.

use automerge::ChangeHash;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::CachedExt;
use super::{docs, get_meta_str, projection, ChangeEvent, Origin, Store};
use crate::doc::{decode_heads, Document};
use crate::ids::{DocId, DocKind, VisitorId};
use crate::privacy::DataKey;
use crate::{Error, Result};

/// A `visitor_keys` row: wrapped key, phone hash, NIK hash, created, erased at, erased by,
/// request, known sessions.
type KeyRow = (
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// What a feed entry is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedKind {
    /// A document, with its heads now.
    Doc {
        /// Id.
        id: DocId,
        /// Kind.
        kind: DocKind,
        /// Heads.
        heads: Vec<ChangeHash>,
    },
    /// A visitor key record (live or tombstone).
    Key(VisitorId),
}

/// One entry of the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedItem {
    /// Local sequence number.
    pub seq: i64,
    /// What changed.
    pub kind: FeedKind,
}

/// A feed entry with what it is about, ready to send (see [`Store::feed_records`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRecord {
    /// Local sequence number.
    pub seq: i64,
    /// The document or key record as it stands now.
    pub body: FeedBody,
}

/// The content of a [`FeedRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedBody {
    /// A document: id, kind, heads and its whole stored bytes (snapshot and pending changes).
    Doc {
        /// Id.
        id: DocId,
        /// Kind.
        kind: DocKind,
        /// Heads.
        heads: Vec<ChangeHash>,
        /// The whole document as stored.
        bytes: Vec<u8>,
    },
    /// A visitor key record (the key opened, for a member).
    Key(KeyRecord),
}

/// A visitor key as replicated among members: the key itself (plain, sent only over the
/// members' mutual-TLS channel) or a tombstone, which always wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// Visitor.
    pub visitor_id: VisitorId,
    /// The 32-byte key; `None` once erased.
    pub key: Option<Vec<u8>>,
    /// Keyed hash of the phone.
    pub phone_hash: Option<Vec<u8>>,
    /// Keyed hash of the NIK.
    pub nik_hash: Option<Vec<u8>>,
    /// Creation time.
    pub created_at: i64,
    /// Erasure: when, by whom, under which request, which sessions the eraser knew.
    pub erased: Option<Erasure>,
}

/// The tombstone part of a key record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Erasure {
    /// When (ms).
    pub at: i64,
    /// Who (NIP).
    pub by: Option<String>,
    /// Request reference.
    pub request: Option<String>,
    /// Session ids known to the eraser.
    pub known_sessions: Vec<String>,
}

/// The result of applying received bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOutcome {
    /// Whether the document changed.
    pub changed: bool,
    /// The new feed position, when it changed.
    pub seq: Option<i64>,
    /// Why the merged document breaks a rule (kept, flagged, left out of reports).
    pub invalid: Option<String>,
}

impl Store {
    /// The last feed sequence number.
    pub fn current_seq(&self) -> Result<i64> {
        self.read_raw(|tx| super::stored_seq(tx))
    }

    /// This database's feed epoch: a new one after a restore, so peers drop their checkpoints.
    pub fn epoch(&self) -> Result<String> {
        self.read_raw(|tx| get_meta_str(tx, "epoch")?.ok_or(Error::NotInitialised))
    }

    /// Feed entries after `after`, in order, at most `limit`.
    pub fn changes_since(&self, after: i64, limit: usize) -> Result<Vec<FeedItem>> {
        self.read_raw(|tx| {
            let mut st = tx.prepare_cached(
                "SELECT seq, id, kind, heads FROM docs WHERE seq > ?1
                 UNION ALL SELECT seq, visitor_id, 'key', NULL FROM visitor_keys WHERE seq > ?1
                 ORDER BY 1 LIMIT ?2",
            )?;
            let rows = st
                .query_map(params![after, limit as i64], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<Vec<u8>>>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(seq, id, kind, heads)| {
                    let kind = if kind == "key" {
                        FeedKind::Key(VisitorId::parse(&id)?)
                    } else {
                        FeedKind::Doc {
                            id: DocId::parse(&id)?,
                            kind: docs::stored_kind(&id, &kind)?,
                            heads: decode_heads(&heads.unwrap_or_default())?,
                        }
                    };
                    Ok(FeedItem { seq, kind })
                })
                .collect()
        })
    }

    /// Feed entries after `after`, in order, at most `limit`, each with the document's bytes
    /// or the key record: what a peer with an empty store is sent, read in one transaction
    /// with two range scans instead of a query per entry.
    pub fn feed_records(&self, after: i64, limit: usize) -> Result<Vec<FeedRecord>> {
        self.read_raw(|tx| {
            let mut out = Vec::with_capacity(limit.min(4096));
            {
                let mut st = tx.prepare_cached(
                    "SELECT seq, id, kind, heads, pending, snapshot FROM docs WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?;
                let mut rows = st.query(params![after, limit as i64])?;
                while let Some(r) = rows.next()? {
                    let seq: i64 = r.get(0)?;
                    let text: String = r.get(1)?;
                    let code: String = r.get(2)?;
                    let heads: Vec<u8> = r.get(3)?;
                    let pending: i64 = r.get(4)?;
                    let mut bytes: Vec<u8> = r.get(5)?;
                    let kind = docs::stored_kind(&text, &code)?;
                    if pending > 0 {
                        docs::append_changes(tx, &text, &mut bytes)?;
                    }
                    let id = DocId::parse(&text)?;
                    out.push(FeedRecord { seq, body: FeedBody::Doc { id, kind, heads: decode_heads(&heads)?, bytes } });
                }
            }
            let keys: Vec<(i64, String)> = {
                let mut st = tx.prepare_cached(
                    "SELECT seq, visitor_id FROM visitor_keys WHERE seq > ?1 ORDER BY seq LIMIT ?2",
                )?;
                let rows = st.query_map(params![after, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()?
            };
            // Only keys before the last document taken (or all, when fewer than `limit`
            // documents came): the merged list must be a prefix of the feed.
            let docs_full = out.len() >= limit;
            let last_doc = out.last().map(|r| r.seq);
            for (seq, text) in keys {
                if docs_full && last_doc.is_some_and(|last| seq > last) {
                    break;
                }
                if let Some(record) = self.key_record_in(tx, &VisitorId::parse(&text)?, true)? {
                    out.push(FeedRecord { seq, body: FeedBody::Key(record) });
                }
            }
            out.sort_by_key(|r| r.seq);
            out.truncate(limit);
            Ok(out)
        })
    }

    /// The number of documents and key records (for progress figures).
    pub fn item_count(&self) -> Result<i64> {
        self.read_raw(|tx| {
            Ok(tx.query_row(
                "SELECT (SELECT COUNT(*) FROM docs) + (SELECT COUNT(*) FROM visitor_keys)",
                [],
                |r| r.get(0),
            )?)
        })
    }

    /// A document's heads, if it exists here.
    pub fn doc_heads(&self, id: &DocId) -> Result<Option<Vec<ChangeHash>>> {
        self.read_raw(|tx| docs::heads(tx, &id.to_text()))
    }

    /// The heads of several documents (`None` where one does not exist here), in one read.
    pub fn doc_heads_many(&self, ids: &[DocId]) -> Result<Vec<Option<Vec<ChangeHash>>>> {
        self.read_raw(|tx| ids.iter().map(|id| docs::heads(tx, &id.to_text())).collect())
    }

    /// A document's kind and full bytes.
    pub fn doc_bytes(&self, id: &DocId) -> Result<Option<(DocKind, Vec<u8>)>> {
        self.read_raw(|tx| docs::doc_bytes(tx, &id.to_text()))
    }

    /// Whether this PC has every change in `heads` of a document.
    pub fn has_heads(&self, id: &DocId, heads: &[ChangeHash]) -> Result<bool> {
        if heads.is_empty() {
            return Ok(true);
        }
        self.read_raw(|tx| match docs::load_doc(tx, &id.to_text(), &self.actor) {
            Ok(mut d) => Ok(d.has_all(heads)),
            Err(Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        })
    }

    /// Applies document bytes received from a peer (a whole document or changes). Malformed
    /// bytes are refused and nothing is stored; a merged document that breaks a rule is kept
    /// (replicas must converge) and flagged. The projection is updated at once.
    pub fn apply_doc(&self, id: &DocId, kind: DocKind, bytes: &[u8]) -> Result<ApplyOutcome> {
        self.write(|ctx| apply_one(ctx, id, kind, bytes, None, Projection::Now))
    }

    /// Applies a batch of received documents in one transaction: all of them, or none when any
    /// is malformed (the error names it). The documents are stored as they arrive and their
    /// projections brought up to date before the next query (see
    /// [`Store::catch_up_projections`]), so `invalid` is not known yet in the outcomes.
    pub fn apply_docs(&self, batch: &[(DocId, DocKind, Vec<u8>)]) -> Result<Vec<ApplyOutcome>> {
        // No WAL checkpoint (an fsync of the database file) in the middle of a stream of
        // large batches: the catch-up of the projections checkpoints once at the end. Commits
        // stay as durable as ever (the WAL holds them); only their copy into the main file
        // waits. A few documents (a live change) are written like a local edit instead: a
        // forced checkpoint would cost them more than everything else.
        if batch.len() >= projection::BULK_BATCH {
            projection::hold_checkpoints(self)?;
        }
        // Checking a whole document (an Automerge load: format, checksums, change hashes) is
        // most of the cost of receiving it: CHECKERS other threads check the batch ahead
        // of the writes, and only each document's heads (or its error) cross over, so the
        // loaded documents are built and freed on the checking threads. One checking thread
        // was itself the bottleneck (the writer waited for it 2 s of a 100,000-document sync).
        let actor = self.actor.clone();
        let outcomes = self.write_raw(|ctx| {
            let mut outcomes = Vec::with_capacity(batch.len());
            let checked_ahead = batch.len() >= CHECK_AHEAD_MIN
                && projection::spare_core()
                && super::ahead::in_order(
                    "amer-check",
                    batch,
                    CHECKERS,
                    CHECK_GROUP,
                    CHECK_AHEAD / CHECK_GROUP,
                    |(id, kind, bytes)| check_whole(id, *kind, bytes, &actor),
                    |(id, kind, bytes), checked| {
                        outcomes.push(apply_one(ctx, id, *kind, bytes, checked, Projection::Deferred)?);
                        Ok(())
                    },
                )?;
            if !checked_ahead {
                for (id, kind, bytes) in batch {
                    outcomes.push(apply_one(ctx, id, *kind, bytes, None, Projection::Deferred)?);
                }
            }
            Ok(outcomes)
        });
        if !matches!(&outcomes, Ok(o) if o.iter().any(|o| o.changed)) {
            // Nothing deferred, so no catch-up will come to release them.
            projection::release_checkpoints(self)?;
        }
        outcomes
    }

    /// What a peer needs of each requested document: the changes after the heads it has when
    /// every one of them is known here, else the whole document. Unknown ids are skipped.
    pub fn docs_for_peer(
        &self,
        requests: &[(DocId, Vec<ChangeHash>)],
    ) -> Result<Vec<(DocId, DocKind, Vec<u8>)>> {
        self.read_raw(|tx| {
            let mut out = Vec::with_capacity(requests.len());
            for (id, their_heads) in requests {
                let text = id.to_text();
                if their_heads.is_empty() {
                    if let Some((kind, bytes)) = docs::doc_bytes(tx, &text)? {
                        out.push((*id, kind, bytes));
                    }
                    continue;
                }
                let mut d = match docs::load_doc(tx, &text, &self.actor) {
                    Ok(d) => d,
                    Err(Error::NotFound { .. }) => continue,
                    Err(e) => return Err(e),
                };
                let bytes = if d.has_all(their_heads) { d.save_after(their_heads) } else { d.save() };
                out.push((*id, d.kind, bytes));
            }
            Ok(out)
        })
    }

    /// A visitor key record for sending to a member.
    pub fn key_record(&self, visitor: &VisitorId) -> Result<Option<KeyRecord>> {
        self.read_raw(|tx| self.key_record_in(tx, visitor, true))
    }

    /// A visitor key record as it stands without opening the key (`key` is `Some` and empty
    /// when the key is live): enough to compare records, for example by a digest, at a
    /// fraction of the cost.
    pub fn key_record_state(&self, visitor: &VisitorId) -> Result<Option<KeyRecord>> {
        self.read_raw(|tx| self.key_record_in(tx, visitor, false))
    }

    fn key_record_in(
        &self,
        tx: &rusqlite::Transaction<'_>,
        visitor: &VisitorId,
        open: bool,
    ) -> Result<Option<KeyRecord>> {
        let row: Option<KeyRow> = tx
            .row(
                "SELECT wrapped_key, phone_hash, nik_hash, created_at, erased_at, erased_by, erase_request, known_sessions
                 FROM visitor_keys WHERE visitor_id = ?1",
                [visitor.to_text()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)),
            )
            .optional()?;
        let Some((wrapped, phone_hash, nik_hash, created_at, erased_at, by, request, known)) = row else {
            return Ok(None);
        };
        let key = match (&erased_at, wrapped) {
            (None, Some(_)) if !open => Some(Vec::new()),
            (None, Some(w)) => {
                Some(self.master.unwrap_key(visitor.to_text().as_bytes(), &w)?.bytes().to_vec())
            }
            _ => None,
        };
        Ok(Some(KeyRecord {
            visitor_id: *visitor,
            key,
            phone_hash,
            nik_hash,
            created_at,
            erased: erased_at.map(|at| Erasure {
                at,
                by,
                request,
                known_sessions: known
                    .unwrap_or_default()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
            }),
        }))
    }

    /// Applies a key record from a peer; a tombstone always wins. Returns whether anything
    /// changed here.
    pub fn apply_key_record(&self, rec: &KeyRecord) -> Result<bool> {
        Ok(self.apply_key_records(std::slice::from_ref(rec))? > 0)
    }

    /// Applies key records in one transaction (all or none); returns how many changed.
    pub fn apply_key_records(&self, recs: &[KeyRecord]) -> Result<usize> {
        // Without catching up deferred projections first: keys arrive in the same batches as
        // the documents whose projections are deferred.
        let (changed, erased) = self.write_raw(|ctx| {
            let mut changed = 0;
            let mut erased = false;
            for rec in recs {
                if apply_key(ctx, rec)? {
                    changed += 1;
                    erased |= rec.erased.is_some();
                }
            }
            Ok((changed, erased))
        })?;
        if erased {
            self.purge_free_pages()?;
        }
        Ok(changed)
    }

    /// Key records for sending, skipping unknown ids.
    pub fn key_records(&self, ids: &[VisitorId]) -> Result<Vec<KeyRecord>> {
        self.read_raw(|tx| ids.iter().filter_map(|id| self.key_record_in(tx, id, true).transpose()).collect())
    }
}

/// When a received document's projection is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Projection {
    /// In the same transaction.
    Now,
    /// Before the next query (`projection::catch_up`).
    Deferred,
}

/// Received documents checked ahead of the writer (below this many, on the writing thread).
const CHECK_AHEAD_MIN: usize = 16;

/// Documents handed from a checking thread to the writer at a time (a hand-off is a futex
/// wake-up).
const CHECK_GROUP: usize = 8;

/// How far each checking thread may run ahead of the writer, in documents.
const CHECK_AHEAD: usize = 64;

/// Threads checking received documents ahead of the writer.
const CHECKERS: usize = 2;

/// What a checking thread learned of a received document: `None` when its bytes are not a
/// whole document (changes to apply to the stored one), else the heads it loads to, or why it
/// does not load.
type Checked = Option<Result<Vec<ChangeHash>>>;

/// Loads bytes that start with a document chunk (a whole document, perhaps followed by
/// changes) as a new document, the same check [`apply_one`] makes for a document not stored
/// here yet.
fn check_whole(id: &DocId, kind: DocKind, bytes: &[u8], actor: &automerge::ActorId) -> Checked {
    // A chunk: 4 magic bytes, a 4-byte checksum, then its type (0: a document).
    if bytes.get(8) != Some(&0) {
        return None;
    }
    // A load that panics on hostile bytes refuses the batch like any malformed document.
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut doc = Document::new(*id, kind, actor);
        doc.apply(bytes).map(|_| doc.heads())
    }));
    Some(checked.unwrap_or_else(|_| {
        Err(Error::Corrupt { doc: id.to_text(), reason: "the document could not be loaded".into() })
    }))
}

fn apply_one(
    ctx: &mut super::WriteCtx<'_, '_>,
    id: &DocId,
    kind: DocKind,
    bytes: &[u8],
    checked: Checked,
    projection: Projection,
) -> Result<ApplyOutcome> {
    let existing: Option<String> =
        ctx.tx.row("SELECT kind FROM docs WHERE id = ?1", [id.to_text()], |r| r.get(0)).optional()?;
    let mut l = match (existing, checked) {
        (Some(k), _) if k != kind.code() => {
            return Err(Error::Corrupt {
                doc: id.to_text(),
                reason: format!("received as {} but stored as {k}", kind.code()),
            })
        }
        (Some(_), _) => docs::load_for_write(ctx, *id)?,
        // New here and checked on another thread already: stored as received.
        (None, Some(heads)) => {
            let heads = heads?;
            if heads.is_empty() {
                return Ok(ApplyOutcome { changed: false, seq: None, invalid: None });
            }
            let seq = docs::commit_received_new(ctx, *id, kind, bytes.to_vec(), &heads)?;
            return Ok(ApplyOutcome { changed: true, seq: Some(seq), invalid: None });
        }
        (None, None) => docs::Loaded {
            doc: Document::new(*id, kind, &ctx.store.actor),
            before: Vec::new(),
            is_new: true,
            raw: Some(bytes.to_vec()),
        },
    };
    // Loading checks the bytes (format, checksums, change hashes): malformed input is refused
    // here, before anything is written.
    let changed = l.doc.apply(bytes)?;
    if !changed {
        return Ok(ApplyOutcome { changed: false, seq: None, invalid: None });
    }
    if projection == Projection::Deferred {
        let seq = docs::commit_deferred(ctx, &mut l)?;
        return Ok(ApplyOutcome { changed: true, seq, invalid: None });
    }
    let seq = docs::commit(ctx, &mut l, Origin::Remote)?;
    let invalid = ctx.last_invalid.take();
    if let Some(reason) = &invalid {
        tracing::warn!(doc = %id, kind = kind.code(), %reason, "merged document breaks a rule; kept and flagged");
    }
    Ok(ApplyOutcome { changed: true, seq, invalid })
}

fn apply_key(ctx: &mut super::WriteCtx<'_, '_>, rec: &KeyRecord) -> Result<bool> {
    let key = match (&rec.erased, &rec.key) {
        (None, Some(k)) => Some(DataKey::from_bytes(k)?),
        (None, None) => return Err(Error::invalid("key record", "a live key record must carry a key")),
        _ => None,
    };
    let vid = rec.visitor_id.to_text();
    let local: Option<(Option<i64>, Option<String>)> = ctx
        .tx
        .row("SELECT erased_at, known_sessions FROM visitor_keys WHERE visitor_id = ?1", [&vid], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let changed = match (local, &rec.erased) {
        (None, None) => {
            let seq = ctx.next_seq()?;
            let wrapped = key.as_ref().map(|k| ctx.store.master.wrap(vid.as_bytes(), k)).transpose()?;
            ctx.tx.exec(
                        "INSERT INTO visitor_keys(visitor_id, wrapped_key, phone_hash, nik_hash, created_at, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        params![vid, wrapped, rec.phone_hash, rec.nik_hash, rec.created_at, seq],
                    )?;
            ctx.events.push(ChangeEvent { seq, id: vid.clone(), kind: "key", origin: Origin::Remote });
            true
        }
        (Some((None, _)), None) if key.is_some() && !local_key_opens(ctx, &vid)? => {
            // The local copy is unreadable (a database restored under another secret.key): heal
            // it from the peer's copy.
            let seq = ctx.next_seq()?;
            let wrapped = key.as_ref().map(|k| ctx.store.master.wrap(vid.as_bytes(), k)).transpose()?;
            ctx.tx.exec(
                "UPDATE visitor_keys SET wrapped_key = ?2, seq = ?3 WHERE visitor_id = ?1",
                params![vid, wrapped, seq],
            )?;
            ctx.events.push(ChangeEvent { seq, id: vid.clone(), kind: "key", origin: Origin::Remote });
            true
        }
        (Some((None, _)), None) => {
            // Both live: learn any identifier hash this PC lacked.
            let n = ctx.tx.exec(
                        "UPDATE visitor_keys SET phone_hash = COALESCE(phone_hash, ?2), nik_hash = COALESCE(nik_hash, ?3)
                         WHERE visitor_id = ?1 AND ((phone_hash IS NULL AND ?2 IS NOT NULL) OR (nik_hash IS NULL AND ?3 IS NOT NULL))",
                        params![vid, rec.phone_hash, rec.nik_hash],
                    )?;
            n > 0
        }
        (Some((Some(_), known)), Some(e)) => {
            // Two erasures: keep the union of the sessions they knew.
            let mut all: Vec<String> =
                known.unwrap_or_default().split(',').filter(|s| !s.is_empty()).map(String::from).collect();
            let before = all.len();
            all.extend(e.known_sessions.iter().cloned());
            all.sort();
            all.dedup();
            if all.len() == before {
                false
            } else {
                let seq = ctx.next_seq()?;
                ctx.tx.exec(
                    "UPDATE visitor_keys SET known_sessions = ?2, seq = ?3 WHERE visitor_id = ?1",
                    params![vid, all.join(","), seq],
                )?;
                ctx.events.push(ChangeEvent { seq, id: vid.clone(), kind: "key", origin: Origin::Remote });
                true
            }
        }
        (Some((Some(_), _)), None) => false, // the tombstone here wins
        (_, Some(e)) => {
            let seq = ctx.next_seq()?;
            ctx.tx.exec(
                        "INSERT INTO visitor_keys(visitor_id, wrapped_key, phone_hash, nik_hash, created_at, erased_at, erased_by, erase_request, known_sessions, seq)
                         VALUES (?1, NULL, NULL, NULL, ?2, ?3, ?4, ?5, ?6, ?7)
                         ON CONFLICT(visitor_id) DO UPDATE SET wrapped_key = NULL, phone_hash = NULL, nik_hash = NULL,
                           erased_at = excluded.erased_at, erased_by = excluded.erased_by, erase_request = excluded.erase_request,
                           known_sessions = excluded.known_sessions, seq = excluded.seq",
                        params![vid, rec.created_at, e.at, e.by, e.request, e.known_sessions.join(","), seq],
                    )?;
            ctx.events.push(ChangeEvent { seq, id: vid.clone(), kind: "key", origin: Origin::Remote });
            true
        }
    };
    if changed && rec.erased.is_some() {
        // Re-project this visitor's sessions: their review flags depend on the tombstone.
        let ids: Vec<String> = {
            let mut st = ctx.tx.prepare("SELECT id FROM sessions WHERE visitor_id = ?1")?;
            let rows = st.query_map([&vid], |r| r.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
            rows
        };
        for id in ids {
            let d = docs::load_doc(ctx.tx, &id, &ctx.store.actor)?;
            projection::project(ctx, &d)?;
        }
    }
    Ok(changed)
}

/// Whether this node's master key opens its stored copy of a visitor key.
fn local_key_opens(ctx: &super::WriteCtx<'_, '_>, vid: &str) -> Result<bool> {
    let wrapped: Option<Vec<u8>> =
        ctx.tx
            .query_row("SELECT wrapped_key FROM visitor_keys WHERE visitor_id = ?1", [vid], |r| r.get(0))?;
    Ok(wrapped.is_some_and(|w| ctx.store.master.unwrap_key(vid.as_bytes(), &w).is_ok()))
}
