//! Projections: one SQL row per session, staff member and risk, rewritten in the same
//! transaction as the document bytes, so lists and reports never load documents.
//!
//! Documents received from peers are stored as they arrive and their projections are brought
//! up to date later, like an index built on read: the store notes the lowest feed position
//! whose projection may be stale (`meta.stale_from`, in the same transaction as the bytes),
//! and every query and local write first calls [`catch_up`] (a single indexed lookup when
//! nothing is pending), so no read ever sees a stale row. The sync node also catches up in the
//! background once a batch stream ends. A crash in between loses nothing: the marker is
//! committed with the bytes and the next reader finishes the work.

use chrono::TimeZone;
use rusqlite::params;

use rusqlite::OptionalExtension;

use super::CachedExt;
use super::{docs, get_meta_str, set_meta, Store, WriteCtx};
use crate::doc::{self, Document};
use crate::ids::DocKind;
use crate::model::{Coded, OneToFive, Session};
use crate::Result;

/// The meta key holding the lowest feed position whose projection may be stale.
const STALE_FROM: &str = "stale_from";

/// Documents projected per transaction while catching up. The write lock is released between
/// chunks (sync's reads and received batches get their turn; a local write or a query runs
/// the catch-up to its end first anyway). Each chunk costs a commit, a search-index segment
/// (merged later) and a start and end of the decoding thread: 10,000 received sessions are
/// projected in 1.38 / 1.17 / 1.05 s (median) with chunks of 128 / 512 / 2,048. A chunk of
/// 1,024 holds the lock for about 0.1 s.
const CATCH_UP_CHUNK: i64 = 1024;

/// SQLite's default: checkpoint once the WAL holds this many pages.
const AUTO_CHECKPOINT_PAGES: i64 = 1000;

/// Received batches of at least this many documents are applied as bulk work (checkpoints
/// held, a larger page cache); smaller ones like local edits.
pub(crate) const BULK_BATCH: usize = 32;

/// Stops automatic WAL checkpoints on this connection while received batches are applied.
pub(crate) fn hold_checkpoints(store: &Store) -> Result<()> {
    let conn = store.lock();
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    bulk_cache(&conn)
}

/// Page cache for bulk work (receiving and projecting many documents), whose working set
/// (the documents' and projections' B-trees and FTS segments) outgrows SQLite's default 2 MB
/// at once. Pages are only allocated as they are used.
const BULK_CACHE_KIB: i64 = 32 * 1024;

fn bulk_cache(conn: &rusqlite::Connection) -> Result<()> {
    conn.pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
    Ok(())
}

/// Turns automatic checkpoints back on and copies the WAL into the database file (without
/// waiting for readers): for a store in a file on a thread of its own (see
/// [`Store::checkpoint_in_background`]), so that whoever waited for the catch-up does not wait
/// for the copy too (a quarter of a second after 10,000 received documents).
pub(crate) fn release_checkpoints(store: &Store) -> Result<()> {
    let conn = store.lock();
    let held: i64 = conn.pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))?;
    if held == 0 {
        conn.pragma_update(None, "wal_autocheckpoint", AUTO_CHECKPOINT_PAGES)?;
        if !store.checkpoint_in_background() {
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        }
    }
    Ok(())
}

/// Notes that the document stored at feed position `seq` has not been projected.
pub(crate) fn defer(ctx: &mut WriteCtx<'_, '_>, seq: i64) -> Result<()> {
    if ctx.deferred {
        // Feed positions only grow within a transaction: the first one noted is the lowest.
        return Ok(());
    }
    ctx.deferred = true;
    // Keep the lowest: everything from there on gets looked at.
    ctx.tx.exec(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = \
         MIN(CAST(value AS INTEGER), excluded.value)",
        rusqlite::params![STALE_FROM, seq],
    )?;
    Ok(())
}

fn stale_from(tx: &rusqlite::Connection) -> Result<Option<i64>> {
    Ok(tx
        .row("SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1", [STALE_FROM], |r| r.get(0))
        .optional()?)
}

/// A stored document read back for its projection: loaded and, for sessions (nearly all of
/// them), already read into the model. This is the CPU half of a projection, done apart from
/// the SQL half (see [`catch_up_chunk`]).
struct Decoded {
    id: String,
    kind: DocKind,
    doc: Result<DecodedDoc>,
}

/// What the SQL half of a projection needs of a document.
// Nearly every value is a session: boxing it would only add an allocation to each.
#[allow(clippy::large_enum_variant)]
enum DecodedDoc {
    /// A session read into the model. The document itself is dropped where it was loaded: an
    /// Automerge document is thousands of allocations, and freeing them on the writing thread
    /// (the glibc allocator hands them back to the decoding thread's arena) was a sixth of
    /// its time.
    Session(SessionRead),
    /// Any other record (a few per office), projected from the document.
    Other(Box<Document>),
}

/// What [`doc::session::read`] gives.
type SessionRead = Result<(Session, Option<Vec<u8>>)>;

fn decode(id: String, kind: DocKind, bytes: &[u8], actor: &automerge::ActorId) -> Decoded {
    let doc =
        crate::DocId::parse(&id).and_then(|doc_id| Document::load(doc_id, kind, bytes, actor)).map(|d| {
            if d.kind == DocKind::Session {
                DecodedDoc::Session(doc::session::read(&d))
            } else {
                DecodedDoc::Other(Box::new(d))
            }
        });
    Decoded { id, kind, doc }
}

/// Writes the projection of one decoded document and records its validation flag.
fn project_decoded(ctx: &mut WriteCtx<'_, '_>, decoded: Decoded) -> Result<()> {
    let id = decoded.id;
    let doc = match decoded.doc {
        Ok(doc) => doc,
        Err(error @ crate::Error::Corrupt { .. }) => {
            // One unreadable document must not make every query fail: flag it (the doctor
            // reports it) and go on with the others.
            tracing::warn!(doc = %id, %error, "a stored document cannot be read; flagged, left out of the lists");
            ctx.tx.exec(
                "UPDATE docs SET invalid_reason = ?2 WHERE id = ?1",
                rusqlite::params![id, format!("cannot be read: {error}")],
            )?;
            return Ok(());
        }
        Err(error) => return Err(error),
    };
    let invalid = match doc {
        DecodedDoc::Session(read) => project_session_read(ctx, read)?,
        DecodedDoc::Other(d) => project(ctx, &d)?,
    };
    if let Some(reason) = &invalid {
        tracing::warn!(doc = %id, kind = decoded.kind.code(), %reason, "merged document breaks a rule; kept and flagged");
    }
    ctx.tx.exec(
        "UPDATE docs SET invalid_reason = ?2 WHERE id = ?1 AND invalid_reason IS NOT ?2",
        rusqlite::params![id, invalid],
    )?;
    Ok(())
}

/// Reads a stored document's bytes and decodes it; `None` when it is gone.
fn read_and_decode(ctx: &WriteCtx<'_, '_>, id: &str) -> Result<Option<Decoded>> {
    Ok(docs::doc_bytes(ctx.tx, id)?
        .map(|(kind, bytes)| decode(id.to_string(), kind, &bytes, &ctx.store.actor)))
}

/// Documents each decoding thread may have ready ahead of the SQL writes (when the machine has
/// a core to spare): loading a document and reading it is about half of a projection's work.
const DECODE_AHEAD: usize = 32;

/// Decoded documents handed to the writing thread at a time.
const DECODE_GROUP: usize = 8;

/// Threads decoding ahead of the SQL writes. Two: decoding costs a little more than writing,
/// and with two the writer waits less (10,000 received sessions projected in 0.87 s instead
/// of 0.91 s, median of 11; 0.76 s instead of 0.83 s at best), for no more CPU in all.
const DECODERS: usize = 2;

/// Whether this machine has more than one core (asked once: the answer reads cgroup files).
pub(crate) fn spare_core() -> bool {
    static SPARE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SPARE.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() > 1))
}

/// Writes the projections of `raw` (id, kind, stored bytes) in order while [`DECODERS`] other
/// threads decode them; false, with nothing written, when no thread can be had.
fn project_decoded_ahead(ctx: &mut WriteCtx<'_, '_>, raw: &[(String, DocKind, Vec<u8>)]) -> Result<bool> {
    let actor = ctx.store.actor.clone();
    super::ahead::in_order(
        "amer-project",
        raw,
        DECODERS,
        DECODE_GROUP,
        DECODE_AHEAD / DECODE_GROUP,
        |(id, kind, bytes)| decode(id.clone(), *kind, bytes, &actor),
        |_, decoded| project_decoded(ctx, decoded),
    )
}

/// Projects one chunk of deferred documents in feed order; returns how many and whether none
/// are left.
///
/// The chunk's bytes are read first; two other threads load and read the documents while this
/// one writes the projections of those already decoded, in feed order, so the two halves of
/// the work overlap on a machine with two cores or more.
fn catch_up_chunk(ctx: &mut WriteCtx<'_, '_>) -> Result<(usize, bool)> {
    let Some(from) = stale_from(ctx.tx)? else {
        return Ok((0, true));
    };
    // The office first: the sessions' days depend on its time zone.
    if let Some(office) = get_meta_str(ctx.tx, "office_id")? {
        let stale: Option<i64> = ctx
            .tx
            .row("SELECT seq FROM docs WHERE id = ?1 AND seq >= ?2", rusqlite::params![office, from], |r| {
                r.get(0)
            })
            .optional()?;
        if stale.is_some() {
            if let Some(decoded) = read_and_decode(ctx, &office)? {
                project_decoded(ctx, decoded)?;
            }
        }
    }
    let rows: Vec<(String, i64)> = {
        let mut st =
            ctx.tx.prepare_cached("SELECT id, seq FROM docs WHERE seq >= ?1 ORDER BY seq LIMIT ?2")?;
        let rows = st
            .query_map(rusqlite::params![from, CATCH_UP_CHUNK], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows
    };
    let mut raw = Vec::with_capacity(rows.len());
    for (id, _) in &rows {
        if let Some((kind, bytes)) = docs::doc_bytes(ctx.tx, id)? {
            raw.push((id.clone(), kind, bytes));
        }
    }
    if !(raw.len() > 1 && spare_core() && project_decoded_ahead(ctx, &raw)?) {
        for (id, kind, bytes) in raw {
            project_decoded(ctx, decode(id, kind, &bytes, &ctx.store.actor))?;
        }
    }
    let done = (rows.len() as i64) < CATCH_UP_CHUNK;
    match rows.last() {
        Some((_, last)) if !done => {
            ctx.tx
                .exec("UPDATE meta SET value = ?2 WHERE key = ?1", rusqlite::params![STALE_FROM, last + 1])?;
        }
        _ => {
            ctx.tx.exec("DELETE FROM meta WHERE key = ?1", [STALE_FROM])?;
        }
    }
    Ok((rows.len(), done))
}

impl Store {
    /// Brings the projections of documents received from peers up to date (lists, reports and
    /// search see them afterwards); returns how many documents were projected. Every query
    /// does this first, so calling it is never needed for correctness: the sync node calls it
    /// when a batch stream ends so that the next query finds the work done.
    pub fn catch_up_projections(&self) -> Result<usize> {
        let pending = {
            let conn = self.lock();
            stale_from(&conn)?
        };
        if pending.is_none() {
            return Ok(0);
        }
        bulk_cache(&self.lock())?;
        let mut total = 0;
        loop {
            let (n, done) = self.write_raw(catch_up_chunk)?;
            total += n;
            if done {
                if total > 0 {
                    tracing::debug!(documents = total, "deferred projections brought up to date");
                }
                release_checkpoints(self)?;
                return Ok(total);
            }
        }
    }

    /// Whether documents received from peers wait for their projections.
    pub fn projections_pending(&self) -> Result<bool> {
        let conn = self.lock();
        Ok(stale_from(&conn)?.is_some())
    }
}

/// Rewrites the projection of `d`; returns the validation problem when the document breaks a
/// rule (it is then kept out of reports).
pub(crate) fn project(ctx: &mut WriteCtx<'_, '_>, d: &Document) -> Result<Option<String>> {
    match d.kind {
        DocKind::Session => project_session_read(ctx, doc::session::read(d)),
        DocKind::Staff => match doc::staff::read(d) {
            Ok(s) => {
                ctx.tx.exec(
                    "INSERT INTO staff(nip, doc_id, name, title, role, active, conflicts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(nip) DO UPDATE SET doc_id = excluded.doc_id, name = excluded.name, title = excluded.title,
                       role = excluded.role, active = excluded.active, conflicts = excluded.conflicts",
                    params![s.nip.as_str(), d.id.to_text(), s.name, s.title, s.role.code(), s.active, s.conflicts.len() as i64],
                )?;
                Ok(None)
            }
            Err(e) => Ok(Some(e.to_string())),
        },
        DocKind::Risk => match doc::risk::read(d) {
            Ok(r) => {
                let (done, total) = r.treatment_progress();
                let invalid = r.validate();
                ctx.tx.exec(
                    "INSERT INTO risks(id, code, title, stage, opd, package_code, category, owner, inherent_l, inherent_i,
                       residual_l, residual_i, response, status, treat_total, treat_done, linked_sessions, created_at, conflicts, invalid_reason)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
                     ON CONFLICT(id) DO UPDATE SET code = excluded.code, title = excluded.title, stage = excluded.stage,
                       opd = excluded.opd, package_code = excluded.package_code, category = excluded.category, owner = excluded.owner,
                       inherent_l = excluded.inherent_l, inherent_i = excluded.inherent_i, residual_l = excluded.residual_l,
                       residual_i = excluded.residual_i, response = excluded.response, status = excluded.status,
                       treat_total = excluded.treat_total, treat_done = excluded.treat_done, linked_sessions = excluded.linked_sessions,
                       created_at = excluded.created_at, conflicts = excluded.conflicts, invalid_reason = excluded.invalid_reason",
                    params![
                        r.id.to_text(),
                        r.code,
                        r.title,
                        r.stage.code(),
                        r.opd.as_deref().or(r.package.as_ref().and_then(|p| p.opd.as_deref())),
                        r.package.as_ref().and_then(|p| p.code.clone()),
                        r.category.map(|c| c.code()),
                        r.owner,
                        r.inherent.as_ref().map(|a| a.likelihood.value()),
                        r.inherent.as_ref().map(|a| a.impact.value()),
                        r.residual.as_ref().map(|a| a.likelihood.value()),
                        r.residual.as_ref().map(|a| a.impact.value()),
                        r.response.map(|x| x.code()),
                        r.status().code(),
                        total as i64,
                        done as i64,
                        r.linked_sessions.len() as i64,
                        r.created.at,
                        r.conflicts.len() as i64,
                        invalid,
                    ],
                )?;
                ctx.tx.exec("DELETE FROM risk_links WHERE risk_id = ?1", [r.id.to_text()])?;
                for s in &r.linked_sessions {
                    ctx.tx.exec(
                        "INSERT OR IGNORE INTO risk_links(risk_id, session_id) VALUES (?1, ?2)",
                        [r.id.to_text(), s.to_text()],
                    )?;
                }
                Ok(invalid)
            }
            Err(e) => Ok(Some(e.to_string())),
        },
        DocKind::Office => match doc::office::read(d) {
            Ok(o) => {
                // Only this store's own office is projected.
                if get_meta_str(ctx.tx, "office_id")?.as_deref() == Some(d.id.to_text().as_str()) {
                    set_meta(ctx.tx, "timezone", o.timezone.as_bytes())?;
                    ctx.timezone = None;
                    ctx.tx.exec("DELETE FROM holidays", [])?;
                    for h in &o.holidays {
                        ctx.tx.exec(
                            "INSERT INTO holidays(date, kind, name) VALUES (?1, ?2, ?3)",
                            params![h.date.format("%Y-%m-%d").to_string(), h.kind.code(), h.name],
                        )?;
                    }
                }
                Ok(None)
            }
            Err(e) => Ok(Some(e.to_string())),
        },
    }
}

/// The review flag of a session whose visitor was erased while this session was unknown to
/// the eraser (recorded concurrently on another PC).
pub(crate) fn review_reason(ctx: &WriteCtx<'_, '_>, s: &Session) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    let row: Option<(Option<i64>, Option<String>)> = ctx
        .tx
        .row(
            "SELECT erased_at, known_sessions FROM visitor_keys WHERE visitor_id = ?1",
            [s.visitor.id.to_text()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((Some(_), known)) => {
            let id = s.id.to_text();
            let known = known.unwrap_or_default();
            (!known.split(',').any(|k| k == id)).then(|| {
                "visitor's personal data was erased on another PC while this session was recorded: check it and erase again if the request covers it".to_string()
            })
        }
        _ => None,
    })
}

/// Projects a session as read from its document; a document that does not read as a session
/// gives its validation problem instead.
fn project_session_read(ctx: &mut WriteCtx<'_, '_>, read: SessionRead) -> Result<Option<String>> {
    match read {
        Ok((s, sealed)) => project_session(ctx, &s, sealed.as_deref()),
        Err(e) => Ok(Some(e.to_string())),
    }
}

fn project_session(ctx: &mut WriteCtx<'_, '_>, s: &Session, sealed: Option<&[u8]>) -> Result<Option<String>> {
    let tz = ctx.timezone()?;
    let day = tz
        .timestamp_millis_opt(s.registered.at)
        .single()
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let timing = s.timing();
    let invalid = s.validate();
    let review = review_reason(ctx, s)?;
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let obj = s.objection.as_ref();
    let id = s.id.to_text();
    // The row's id first, then a plain upsert: `RETURNING` would run the statement into a
    // temporary table each time, a good part of a projection's cost.
    let existing: Option<(i64, i64)> = ctx
        .tx
        .row("SELECT rowid, arrived_at FROM sessions WHERE id = ?1", [&id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    // The reports' days of the row as it was and as it will be need recounting.
    if let Some((_, arrived_before)) = existing {
        mark_report_day(ctx, arrived_before)?;
    }
    mark_report_day(ctx, s.registered.at)?;
    ctx.tx.exec(
        "INSERT INTO sessions(id, ticket, category, channel, status, visitor_id, visitor_org, visitor_role, visitor_sealed, package_code,
           package_name, opd, package_type, package_method, stage, subject, officer_nip, assigned_by, device, day, arrived_at,
           assigned_at, started_at, finished_at, rated_at, cancelled_at, waiting_s, duration_s, timing_flag, score, signed,
           follow_target, objection_announced, objection_filed, objection_answered, conflicts, invalid_reason, review_reason, objection_outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24,
           ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39)
         ON CONFLICT(id) DO UPDATE SET ticket = excluded.ticket, category = excluded.category, channel = excluded.channel,
           status = excluded.status, visitor_id = excluded.visitor_id, visitor_org = excluded.visitor_org,
           visitor_role = excluded.visitor_role, visitor_sealed = excluded.visitor_sealed, package_code = excluded.package_code, package_name = excluded.package_name,
           opd = excluded.opd, package_type = excluded.package_type, package_method = excluded.package_method,
           stage = excluded.stage, subject = excluded.subject, officer_nip = excluded.officer_nip,
           assigned_by = excluded.assigned_by, device = excluded.device, day = excluded.day, arrived_at = excluded.arrived_at,
           assigned_at = excluded.assigned_at, started_at = excluded.started_at, finished_at = excluded.finished_at,
           rated_at = excluded.rated_at, cancelled_at = excluded.cancelled_at, waiting_s = excluded.waiting_s,
           duration_s = excluded.duration_s, timing_flag = excluded.timing_flag, score = excluded.score,
           signed = excluded.signed, follow_target = excluded.follow_target,
           objection_announced = excluded.objection_announced, objection_filed = excluded.objection_filed,
           objection_answered = excluded.objection_answered, conflicts = excluded.conflicts,
           invalid_reason = excluded.invalid_reason, review_reason = excluded.review_reason, objection_outcome = excluded.objection_outcome",
        params![
            id,
            s.ticket,
            s.category.code(),
            s.channel.code(),
            s.status().code(),
            s.visitor.id.to_text(),
            s.visitor.org,
            s.visitor.role.map(|r| r.code()),
            sealed,
            s.package.as_ref().and_then(|p| p.code.clone()),
            s.package.as_ref().and_then(|p| p.name.clone()),
            s.package.as_ref().and_then(|p| p.opd.clone()),
            s.package.as_ref().and_then(|p| p.kind.map(|k| k.code())),
            s.package.as_ref().and_then(|p| p.method.map(|k| k.code())),
            s.stage.map(|x| x.code()),
            s.subject,
            s.assignment.as_ref().map(|a| a.officer.clone()),
            s.assignment.as_ref().and_then(|a| a.stamp.by.clone()),
            s.registered.device,
            day,
            s.registered.at,
            s.assignment.as_ref().map(|a| a.stamp.at),
            s.started.as_ref().map(|x| x.at),
            s.finish.as_ref().map(|x| x.stamp.at),
            s.rating.as_ref().map(|x| x.stamp.at),
            s.cancellation.as_ref().map(|x| x.stamp.at),
            timing.waiting.seconds(),
            timing.duration.seconds(),
            timing.duration.flag().or(timing.waiting.flag()),
            s.rating.as_ref().map(|r| r.score.value()),
            s.rating.as_ref().map(|r| r.signed),
            s.finish.as_ref().and_then(|f| f.follow_up.as_ref()).and_then(|f| f.target.map(|t| t.code())),
            date(obj.and_then(|o| o.announced_on)),
            date(obj.and_then(|o| o.filed_on)),
            date(obj.and_then(|o| o.answered_on)),
            s.conflicts.len() as i64,
            invalid,
            review,
            obj.and_then(|o| o.outcome).map(|o| o.code()),
        ],
    )?;
    // Inserted when it was not there.
    let rowid = existing.map_or_else(|| ctx.tx.last_insert_rowid(), |(rowid, _)| rowid);
    // Most changes (assignment, start, finish, rating) leave the text alone: re-indexing it
    // would tokenise it twice (out and in) for nothing.
    let unchanged = match ctx.search_rows.get(&rowid) {
        Some(pending) => pending.holds(s),
        // A new row: nothing to compare with (INSERT OR REPLACE also covers an index row left
        // by a deleted session whose row number came back).
        None if existing.is_none() => false,
        None => ctx
            .tx
            .row(
                "SELECT subject IS ?2 AND description IS ?3 AND notes IS ?4 FROM session_fts WHERE rowid = ?1",
                params![rowid, s.subject, s.description, s.notes],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false),
    };
    if !unchanged {
        let row = SearchRow {
            subject: s.subject.clone(),
            description: s.description.clone(),
            notes: s.notes.clone(),
        };
        ctx.search_rows.insert(rowid, row);
        if ctx.search_rows.len() >= SEARCH_ROWS_AT_ONCE {
            write_search_rows(ctx)?;
        }
    }
    Ok(invalid)
}

/// Notes that the reports' UTC day of `arrived_at` (milliseconds) must be recounted (see
/// `report::days`), once per day and transaction.
fn mark_report_day(ctx: &mut WriteCtx<'_, '_>, arrived_at: i64) -> Result<()> {
    // Truncated like the SQL that reads these days (`arrived_at / 86400000`).
    let day = arrived_at / 86_400_000;
    if ctx.report_days.insert(day) {
        ctx.tx.exec("INSERT OR IGNORE INTO report_dirty(utc_day) VALUES (?1)", [day])?;
    }
    Ok(())
}

/// A session's text as the search index holds it.
pub(crate) struct SearchRow {
    subject: String,
    description: Option<String>,
    notes: String,
}

impl SearchRow {
    /// Whether this is `s`'s text.
    fn holds(&self, s: &Session) -> bool {
        self.subject == s.subject && self.description == s.description && self.notes == s.notes
    }
}

/// Search-index rows collected before they are written (see [`write_search_rows`]).
const SEARCH_ROWS_AT_ONCE: usize = 32;

/// Writes the search-index rows a transaction collected: every [`SEARCH_ROWS_AT_ONCE`] rows
/// and before the commit.
///
/// FTS5 keeps new rows in memory and writes them out as one segment at the commit, unless a
/// statement of the same transaction opens a statement journal: SQLite then announces a
/// savepoint to the index, which writes out what it holds at once. The sessions upsert did,
/// through the report triggers (schema 5 replaced them), and interleaved with it the index
/// wrote one tiny segment per document and kept merging them (half the cost of projecting a
/// received session). No statement of a projection opens a statement journal now; written in
/// groups, rows would still make at most one segment per group if one came back. Not all at
/// the commit: the decoding thread of a catch-up would idle meanwhile.
pub(crate) fn write_search_rows(ctx: &mut WriteCtx<'_, '_>) -> Result<()> {
    for (rowid, row) in std::mem::take(&mut ctx.search_rows) {
        ctx.tx.exec(
            "INSERT OR REPLACE INTO session_fts(rowid, subject, description, notes) VALUES (?1, ?2, ?3, ?4)",
            params![rowid, row.subject, row.description, row.notes],
        )?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::model::StaffRole;
    use crate::store::{
        Actor, FeedKind, InitOptions, JoinOptions, NewSession, NewStaff, SessionFilter, VisitorInput,
    };
    use crate::Store;

    const ADMIN: &str = "198503122010011003";

    fn founder(path: &std::path::Path) -> Store {
        let s = Store::open(path).unwrap();
        s.init(InitOptions {
            office_name: "Bagian Pengadaan Barang/Jasa".into(),
            device_name: "PC Loket".into(),
            timezone: Some("Asia/Jakarta".into()),
            node_id: None,
            public_key: None,
        })
        .unwrap();
        s.add_staff(
            &Actor::device(),
            NewStaff { nip: ADMIN.into(), name: "Andi".into(), title: None, role: StaffRole::Admin },
        )
        .unwrap();
        register(&s, 5, "Jadwal sanggah paket jalan");
        s
    }

    /// Registers `n` konsultasi sessions with subjects `"{subject} {i}"`.
    fn register(s: &Store, n: usize, subject: &str) {
        for i in 0..n {
            s.register(
                &Actor::device(),
                NewSession {
                    category: "konsultasi".into(),
                    visitor: VisitorInput { name: format!("Pengunjung {subject} {i}"), ..Default::default() },
                    subject: format!("{subject} {i}"),
                    ..Default::default()
                },
            )
            .unwrap();
        }
    }

    /// Receives everything of `from` the way sync does: keys, then documents in one batch.
    fn receive_all(from: &Store, to: &Store) {
        let feed = from.changes_since(0, usize::MAX).unwrap();
        let mut docs = Vec::new();
        let mut keys = Vec::new();
        for item in feed {
            match item.kind {
                FeedKind::Doc { id, .. } => docs.push((id, Vec::new())),
                FeedKind::Key(v) => keys.push(v),
            }
        }
        to.apply_key_records(&from.key_records(&keys).unwrap()).unwrap();
        to.apply_docs(&from.docs_for_peer(&docs).unwrap()).unwrap();
    }

    fn joined(from: &Store, path: &std::path::Path) -> Store {
        let s = Store::open(path).unwrap();
        s.join(JoinOptions {
            office_id: from.local().unwrap().office_id,
            device_code: "A1".into(),
            node_id: "peer".into(),
            device_name: "PC Kasubag".into(),
        })
        .unwrap();
        s
    }

    #[test]
    fn received_documents_are_projected_before_any_query() {
        let dir = tempfile::tempdir().unwrap();
        let a = founder(&dir.path().join("a").join("amer.db"));
        let b = joined(&a, &dir.path().join("b").join("amer.db"));
        receive_all(&a, &b);
        assert!(b.projections_pending().unwrap(), "stored now, projected later");
        // Queries of every kind catch up first: lists, staff, search, the time zone.
        assert_eq!(b.list_sessions(&SessionFilter::default()).unwrap().len(), 5);
        assert!(!b.projections_pending().unwrap());
        assert_eq!(b.list_staff().unwrap().len(), 1);
        assert_eq!(b.timezone().unwrap(), chrono_tz::Asia::Jakarta);
        let rows = |s: &Store| {
            let mut rows: Vec<(String, String, String)> = s
                .list_sessions(&SessionFilter::default())
                .unwrap()
                .into_iter()
                .map(|r| (r.ticket, r.subject, format!("{:?}", r.status)))
                .collect();
            rows.sort();
            rows
        };
        assert_eq!(rows(&a), rows(&b), "the same rows as where they were written");
        assert_eq!(b.catch_up_projections().unwrap(), 0, "nothing left to do");
    }

    /// After a large received batch, the WAL (which held everything received: checkpoints
    /// wait during bulk work) is copied into the database file by a thread of its own; the
    /// store waits for it when dropped, and nothing is lost.
    #[test]
    fn the_wal_is_copied_in_the_background_after_a_catch_up() {
        let dir = tempfile::tempdir().unwrap();
        let a = founder(&dir.path().join("a").join("amer.db"));
        register(&a, 60, "Pertanyaan");
        let path = dir.path().join("b").join("amer.db");
        let b = joined(&a, &path);
        receive_all(&a, &b);
        let file_before = std::fs::metadata(&path).unwrap().len();
        assert_eq!(b.catch_up_projections().unwrap(), 65 + 2);
        let copier = b.checkpointer.lock().unwrap().take().expect("a checkpoint thread was started");
        copier.join().unwrap();
        let file_after = std::fs::metadata(&path).unwrap().len();
        assert!(
            file_after > file_before,
            "the received documents are in the database file: {file_before} -> {file_after}"
        );

        // Dropped while a copy runs: the drop waits for it; everything is there on reopening.
        receive_all(&a, &b);
        register(&a, 1, "Terakhir");
        receive_all(&a, &b);
        b.catch_up_projections().unwrap();
        drop(b);
        let b = Store::open(&path).unwrap();
        assert_eq!(b.list_sessions(&SessionFilter::default()).unwrap().len(), 66);
    }

    #[test]
    fn a_catch_up_over_several_chunks_projects_every_document() {
        let dir = tempfile::tempdir().unwrap();
        let a = founder(&dir.path().join("a").join("amer.db"));
        // More than two chunks, so decoding runs ahead of the writes across chunk borders.
        for i in 0..(2 * super::CATCH_UP_CHUNK + 7) {
            a.register(
                &Actor::device(),
                NewSession {
                    category: if i % 3 == 0 { "pengaduan" } else { "konsultasi" }.into(),
                    visitor: VisitorInput { name: format!("Pengunjung banyak {i}"), ..Default::default() },
                    subject: format!("Pertanyaan nomor {i}"),
                    ..Default::default()
                },
            )
            .unwrap();
        }
        let b = joined(&a, &dir.path().join("b").join("amer.db"));
        receive_all(&a, &b);
        let rows = |s: &Store| {
            let mut rows: Vec<(String, String, String, String)> = s
                .list_sessions(&SessionFilter::default())
                .unwrap()
                .into_iter()
                .map(|r| (r.ticket, r.subject, format!("{:?}", r.category), format!("{:?}", r.status)))
                .collect();
            rows.sort();
            rows
        };
        let expected = rows(&a);
        assert_eq!(expected.len() as i64, 2 * super::CATCH_UP_CHUNK + 12);
        assert_eq!(rows(&b), expected);
        assert!(!b.projections_pending().unwrap());
        assert!(b.doctor().unwrap().is_empty(), "{:?}", b.doctor());
    }

    #[test]
    fn search_follows_text_edits_and_not_other_steps() {
        let dir = tempfile::tempdir().unwrap();
        let a = founder(&dir.path().join("a").join("amer.db"));
        let admin = Actor::staff(crate::model::Nip::parse(ADMIN).unwrap());
        let ticket = a.list_sessions(&SessionFilter::default()).unwrap()[0].ticket.clone();
        let found = |s: &Store, word: &str| {
            s.list_sessions(&SessionFilter { text: Some(word.into()), ..Default::default() }).unwrap().len()
        };
        a.edit_notes(&admin, &ticket, "dokumen kualifikasi lengkap").unwrap();
        assert_eq!(found(&a, "kualifikasi"), 1);
        // A step that leaves the text alone keeps it searchable.
        a.assign(&admin, &ticket, ADMIN).unwrap();
        assert_eq!(found(&a, "kualifikasi"), 1);
        a.edit_notes(&admin, &ticket, "jaminan penawaran kurang").unwrap();
        assert_eq!(found(&a, "kualifikasi"), 0, "the old words are gone from the index");
        assert_eq!(found(&a, "jaminan"), 1);
        // The same on a PC that receives the changes.
        let b = joined(&a, &dir.path().join("b").join("amer.db"));
        receive_all(&a, &b);
        assert_eq!(found(&b, "jaminan"), 1);
        assert_eq!(found(&b, "kualifikasi"), 0);
    }

    #[test]
    fn a_crash_before_the_catch_up_loses_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = founder(&dir.path().join("a").join("amer.db"));
        let b_path = dir.path().join("b").join("amer.db");
        {
            let b = joined(&a, &b_path);
            receive_all(&a, &b);
            assert!(b.projections_pending().unwrap());
            // Dropped without any query: as if the process died here.
        }
        let b = Store::open(&b_path).unwrap();
        assert!(b.projections_pending().unwrap(), "the marker was committed with the documents");
        assert_eq!(b.list_sessions(&SessionFilter::default()).unwrap().len(), 5);
        assert!(b.doctor().unwrap().is_empty(), "{:?}", b.doctor());
    }

    #[test]
    fn an_unreadable_stored_document_is_flagged_and_the_others_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let a = founder(&dir.path().join("a").join("amer.db"));
        let b_path = dir.path().join("b").join("amer.db");
        let b = joined(&a, &b_path);
        receive_all(&a, &b);
        // Damage one received session's bytes on disk before it was projected.
        let raw = rusqlite::Connection::open(&b_path).unwrap();
        let damaged: String = raw
            .query_row("SELECT id FROM docs WHERE kind = 'session' ORDER BY seq LIMIT 1", [], |r| r.get(0))
            .unwrap();
        raw.execute("UPDATE docs SET snapshot = x'00010203' WHERE id = ?1", [&damaged]).unwrap();
        drop(raw);
        assert_eq!(b.list_sessions(&SessionFilter::default()).unwrap().len(), 4, "the readable ones");
        assert!(!b.projections_pending().unwrap());
        let problems = b.doctor().unwrap();
        assert!(
            problems.iter().any(|p| p.contains(&damaged) && p.contains("cannot be read")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_local_write_after_receiving_sees_the_received_staff() {
        let dir = tempfile::tempdir().unwrap();
        let a = founder(&dir.path().join("a").join("amer.db"));
        let b = joined(&a, &dir.path().join("b").join("amer.db"));
        receive_all(&a, &b);
        // Adding staff needs the received admin's role: the write catches up first.
        let admin = Actor::staff(crate::model::Nip::parse(ADMIN).unwrap());
        b.add_staff(
            &admin,
            NewStaff {
                nip: "199002202015031002".into(),
                name: "Budi".into(),
                title: None,
                role: StaffRole::Petugas,
            },
        )
        .unwrap();
        assert_eq!(b.list_staff().unwrap().len(), 2);
    }
}
