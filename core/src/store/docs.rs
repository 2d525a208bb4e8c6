//! Document bytes in SQLite: load a document on demand from its snapshot plus pending changes,
//! and commit a changed document together with its projection and a new feed position (or,
//! for what peers send, with its projection deferred to the next read).

use automerge::{ActorId, ChangeHash};
use rusqlite::{params, OptionalExtension, Transaction};

use super::CachedExt;
use super::{projection, ChangeEvent, Origin, WriteCtx, COMPACT_AFTER};
use crate::doc::{decode_heads, encode_heads, Document};
use crate::ids::{DocId, DocKind};
use crate::{Error, Result};

/// A document loaded for a write, with the heads it had when loaded.
pub(crate) struct Loaded {
    pub doc: Document,
    pub before: Vec<ChangeHash>,
    pub is_new: bool,
    /// Bytes received whole from a peer for a new document: stored as they are instead of
    /// saving the document again.
    pub raw: Option<Vec<u8>>,
}

/// Reads the stored bytes (snapshot followed by pending changes) of a document.
pub(crate) fn doc_bytes(tx: &Transaction<'_>, id: &str) -> Result<Option<(DocKind, Vec<u8>)>> {
    let row: Option<(String, Vec<u8>)> = tx
        .row("SELECT kind, snapshot FROM docs WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((kind, mut bytes)) = row else {
        return Ok(None);
    };
    let kind = stored_kind(id, &kind)?;
    append_changes(tx, id, &mut bytes)?;
    Ok(Some((kind, bytes)))
}

/// The kind stored in a `docs` row (`Corrupt` when this build does not know it).
pub(crate) fn stored_kind(id: &str, code: &str) -> Result<DocKind> {
    DocKind::from_code(code)
        .ok_or_else(|| Error::Corrupt { doc: id.into(), reason: format!("unknown kind {code}") })
}

/// Appends a document's pending changes (saved after its snapshot) to `bytes`.
pub(crate) fn append_changes(tx: &Transaction<'_>, id: &str, bytes: &mut Vec<u8>) -> Result<()> {
    let mut st = tx.prepare_cached("SELECT bytes FROM doc_changes WHERE doc_id = ?1 ORDER BY n")?;
    let mut rows = st.query([id])?;
    while let Some(r) = rows.next()? {
        let chunk: Vec<u8> = r.get(0)?;
        bytes.extend_from_slice(&chunk);
    }
    Ok(())
}

/// Loads a document; `NotFound` when it does not exist.
pub(crate) fn load_doc(tx: &Transaction<'_>, id: &str, actor: &ActorId) -> Result<Document> {
    let (kind, bytes) = doc_bytes(tx, id)?.ok_or_else(|| Error::not_found("document", id))?;
    let doc_id = DocId::parse(id)?;
    Document::load(doc_id, kind, &bytes, actor)
}

/// Loads a document for writing.
pub(crate) fn load_for_write(ctx: &WriteCtx<'_, '_>, id: DocId) -> Result<Loaded> {
    let mut doc = load_doc(ctx.tx, &id.to_text(), &ctx.store.actor)?;
    let before = doc.heads();
    Ok(Loaded { doc, before, is_new: false, raw: None })
}

/// A new document for writing.
pub(crate) fn new_for_write(ctx: &WriteCtx<'_, '_>, id: DocId, kind: DocKind) -> Loaded {
    Loaded { doc: Document::new(id, kind, &ctx.store.actor), before: Vec::new(), is_new: true, raw: None }
}

/// Stores what changed in `l` since it was loaded, updates the projection and the feed.
/// Returns the new feed position, or `None` when nothing changed.
pub(crate) fn commit(ctx: &mut WriteCtx<'_, '_>, l: &mut Loaded, origin: Origin) -> Result<Option<i64>> {
    let was_new = l.is_new;
    let Some(seq) = store(ctx, l)? else {
        return Ok(None);
    };
    let id = l.doc.id.to_text();
    let invalid = projection::project(ctx, &l.doc)?;
    // A new row starts valid (NULL): write the flag only when it is or may have been set.
    if invalid.is_some() || !was_new {
        ctx.tx.exec("UPDATE docs SET invalid_reason = ?2 WHERE id = ?1", params![id, invalid])?;
    }
    ctx.last_invalid = invalid;
    ctx.events.push(ChangeEvent { seq, id, kind: l.doc.kind.code(), origin });
    Ok(Some(seq))
}

/// Stores what changed in `l` (bytes, heads, a new feed position) and leaves its projection to
/// `projection::catch_up` (documents received from peers). Returns the new feed position, or
/// `None` when nothing changed.
pub(crate) fn commit_deferred(ctx: &mut WriteCtx<'_, '_>, l: &mut Loaded) -> Result<Option<i64>> {
    let Some(seq) = store(ctx, l)? else {
        return Ok(None);
    };
    projection::defer(ctx, seq)?;
    ctx.events.push(ChangeEvent {
        seq,
        id: l.doc.id.to_text(),
        kind: l.doc.kind.code(),
        origin: Origin::Remote,
    });
    Ok(Some(seq))
}

/// Stores a document new here, received whole from a peer and checked already (its bytes load
/// to `heads`), as [`commit_deferred`] would: the bytes as received, a new feed position, the
/// projection left to `projection::catch_up`.
pub(crate) fn commit_received_new(
    ctx: &mut WriteCtx<'_, '_>,
    id: DocId,
    kind: DocKind,
    bytes: Vec<u8>,
    heads: &[ChangeHash],
) -> Result<i64> {
    let id = id.to_text();
    let seq = ctx.next_seq()?;
    insert_new(ctx, &id, kind, bytes, heads, seq)?;
    projection::defer(ctx, seq)?;
    ctx.events.push(ChangeEvent { seq, id, kind: kind.code(), origin: Origin::Remote });
    Ok(seq)
}

fn insert_new(
    ctx: &WriteCtx<'_, '_>,
    id: &str,
    kind: DocKind,
    snapshot: Vec<u8>,
    heads: &[ChangeHash],
    seq: i64,
) -> Result<()> {
    ctx.tx.exec(
        "INSERT INTO docs(id, kind, snapshot, heads, seq, pending) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
        params![id, kind.code(), snapshot, encode_heads(heads), seq],
    )?;
    Ok(())
}

/// Writes the document bytes and heads with a new feed position, compacting when many changes
/// are pending.
fn store(ctx: &mut WriteCtx<'_, '_>, l: &mut Loaded) -> Result<Option<i64>> {
    let heads = l.doc.heads();
    if heads == l.before {
        return Ok(None);
    }
    let id = l.doc.id.to_text();
    let seq = ctx.next_seq()?;
    if l.is_new {
        let snapshot = match l.raw.take() {
            Some(bytes) => bytes,
            None => l.doc.save(),
        };
        insert_new(ctx, &id, l.doc.kind, snapshot, &heads, seq)?;
    } else {
        let pending: i64 = ctx.tx.row("SELECT pending FROM docs WHERE id = ?1", [&id], |r| r.get(0))?;
        if pending + 1 > COMPACT_AFTER {
            let snapshot = l.doc.save();
            ctx.tx.exec("DELETE FROM doc_changes WHERE doc_id = ?1", [&id])?;
            ctx.tx.exec(
                "UPDATE docs SET snapshot = ?2, heads = ?3, seq = ?4, pending = 0 WHERE id = ?1",
                params![id, snapshot, encode_heads(&heads), seq],
            )?;
        } else {
            let changes = l.doc.save_after(&l.before);
            ctx.tx.exec(
                "INSERT INTO doc_changes(doc_id, n, bytes) VALUES (?1, (SELECT COALESCE(MAX(n), 0) + 1 FROM doc_changes WHERE doc_id = ?1), ?2)",
                params![id, changes],
            )?;
            ctx.tx.exec(
                "UPDATE docs SET heads = ?2, seq = ?3, pending = pending + 1 WHERE id = ?1",
                params![id, encode_heads(&heads), seq],
            )?;
        }
    }
    l.before = heads;
    l.is_new = false;
    Ok(Some(seq))
}

/// The stored heads of a document.
pub(crate) fn heads(tx: &Transaction<'_>, id: &str) -> Result<Option<Vec<ChangeHash>>> {
    let h: Option<Vec<u8>> = tx.row("SELECT heads FROM docs WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    h.map(|b| decode_heads(&b)).transpose()
}
