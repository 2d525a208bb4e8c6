//! The SQLite store: one database file per node (WAL). Each write loads the record's document,
//! applies the operation, appends the new change bytes, updates the projection row and the change
//! feed, all in one transaction: a crash at any moment keeps every committed change.
//!
//! Reads for lists and reports are SQL over projections and never load documents.

mod ahead;
mod docs;
mod feed;
mod office;
mod projection;
mod risks;
pub mod schema;
mod sessions;
mod staff;
mod visitors;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use automerge::ActorId;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

pub use feed::{ApplyOutcome, Erasure, FeedBody, FeedItem, FeedKind, FeedRecord, KeyRecord};
pub use office::{child_device_code, InitOptions, JoinOptions, LocalInfo};
pub use risks::{NewRisk, RiskRow};
pub use sessions::{day_start, NewSession, Registered, SessionEdit, SessionFilter, SessionRow, VisitorInput};
pub use staff::{NewStaff, StaffRow};
pub use visitors::{VisitorExport, VisitorSummary};

use crate::model::{Nip, StaffRole, Stamp};
use crate::privacy::MasterKey;
use crate::{Error, Result};

/// Who performs an operation: a staff member, or the PC itself (a visitor at a kiosk).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    /// The staff member's NIP, if a person is identified.
    pub nip: Option<Nip>,
}

impl Actor {
    /// An anonymous action of this PC (self-registration).
    pub fn device() -> Self {
        Actor { nip: None }
    }
    /// An action of a staff member.
    pub fn staff(nip: Nip) -> Self {
        Actor { nip: Some(nip) }
    }
}

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Written on this PC.
    Local,
    /// Received from a peer.
    Remote,
}

/// A change of the store, delivered to listeners after its transaction committed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangeEvent {
    /// The feed position after the change.
    pub seq: i64,
    /// The document (or visitor key) that changed.
    pub id: String,
    /// Document kind code, or "key".
    pub kind: &'static str,
    /// Local or remote.
    pub origin: Origin,
}

type Listener = Arc<dyn Fn(&ChangeEvent) + Send + Sync>;

/// The store of one node.
pub struct Store {
    conn: Mutex<Connection>,
    actor: ActorId,
    master: MasterKey,
    path: Option<PathBuf>,
    listeners: Mutex<Vec<(u64, Listener)>>,
    next_listener: std::sync::atomic::AtomicU64,
    data_version: Mutex<i64>,
    /// The thread copying the WAL into the database file after bulk work, if one was started
    /// (see [`Store::checkpoint_in_background`]).
    checkpointer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for Store {
    fn drop(&mut self) {
        // A checkpoint still running finishes before the database is let go.
        let running = self.checkpointer.get_mut().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(running) = running {
            let _ = running.join();
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({:?})", self.path)
    }
}

/// Documents with more pending incremental changes than this are compacted into one snapshot.
const COMPACT_AFTER: i64 = 32;

impl Store {
    /// Opens (creating if needed) the database at `path`. The master key that wraps visitors'
    /// data keys is kept beside it in `secret.key` (readable only by the user).
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref().to_path_buf();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let master = MasterKey::load_or_create(&path.with_file_name("secret.key"))?;
        let conn = Connection::open(&path)?;
        Self::setup(conn, master, Some(path))
    }

    /// A store that lives in memory (tests, examples).
    pub fn open_in_memory() -> Result<Store> {
        Self::setup(Connection::open_in_memory()?, MasterKey::ephemeral()?, None)
    }

    fn setup(mut conn: Connection, master: MasterKey, path: Option<PathBuf>) -> Result<Store> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.set_prepared_statement_cache_capacity(64);
        // WAL with synchronous=NORMAL: a committed transaction survives the process being
        // killed at any moment and the file is never corrupted; after a power cut the last
        // transactions before it may be missing (they come back from the other PCs at the next
        // sync). FULL would fsync every commit: about 0.4 ms more per write on this hardware.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted keys are overwritten with zeros, not left in free pages.
        conn.pragma_update(None, "secure_delete", "ON")?;
        schema::migrate(&mut conn)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if get_meta(&tx, "epoch")?.is_none() {
            set_meta(&tx, "epoch", uuid::Uuid::new_v4().to_string().as_bytes())?;
            set_meta(&tx, "seq", b"0")?;
        }
        tx.commit()?;
        let data_version = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        Ok(Store {
            conn: Mutex::new(conn),
            actor: ActorId::random(),
            master,
            path,
            listeners: Mutex::new(Vec::new()),
            next_listener: std::sync::atomic::AtomicU64::new(1),
            data_version: Mutex::new(data_version),
            checkpointer: Mutex::new(None),
        })
    }

    /// The database file, if not in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Starts copying the WAL into the database file on a thread with a connection of its own
    /// (a PASSIVE checkpoint: readers and writers go on meanwhile; a checkpoint already running
    /// is left to finish, and automatic checkpoints copy what it leaves). False when the store
    /// is in memory or no thread can be had: the caller copies it then.
    pub(crate) fn checkpoint_in_background(&self) -> bool {
        let Some(path) = self.path.clone() else { return false };
        let mut slot = self.checkpointer.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|running| !running.is_finished()) {
            return true;
        }
        if let Some(finished) = slot.take() {
            let _ = finished.join();
        }
        let copy = move || {
            let result = Connection::open(&path)
                .and_then(|conn| conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())));
            if let Err(error) = result {
                tracing::debug!(%error, "background WAL checkpoint failed; automatic checkpoints copy it later");
            }
        };
        match std::thread::Builder::new().name("amer-checkpoint".into()).spawn(copy) {
            Ok(running) => {
                *slot = Some(running);
                true
            }
            Err(_) => false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` in a read transaction, after bringing any deferred projections up to date (see
    /// `projection::catch_up`), so that no query sees stale rows.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.catch_up_projections()?;
        self.read_raw(f)
    }

    /// Runs `f` in a read transaction as the database stands, deferred projections included
    /// (for reads of document bytes and the feed, which never look at projections).
    pub(crate) fn read_raw<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` in a write transaction; commits only when it succeeds (so a refused operation
    /// changes nothing), then tells listeners.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut WriteCtx<'_, '_>) -> Result<T>) -> Result<T> {
        self.catch_up_projections()?;
        self.write_raw(f)
    }

    /// Like [`Store::write`] without bringing deferred projections up to date first (applying
    /// what peers send, which defers them).
    pub(crate) fn write_raw<T>(&self, f: impl FnOnce(&mut WriteCtx<'_, '_>) -> Result<T>) -> Result<T> {
        let events;
        let out;
        {
            let mut conn = self.lock();
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut ctx = WriteCtx {
                tx: &tx,
                store: self,
                events: Vec::new(),
                last_invalid: None,
                deferred: false,
                last_seq: None,
                search_rows: std::collections::BTreeMap::new(),
                report_days: std::collections::HashSet::new(),
                timezone: None,
            };
            out = f(&mut ctx)?;
            events = std::mem::take(&mut ctx.events);
            projection::write_search_rows(&mut ctx)?;
            ctx.save_seq()?;
            tx.commit()?;
            // `data_version` is deliberately not refreshed here: SQLite leaves it unchanged by
            // this connection's own commits, so reading it now could only absorb a commit made
            // by another process since the last poll, and that change would never be reported.
        }
        self.notify(&events);
        Ok(out)
    }

    fn notify(&self, events: &[ChangeEvent]) {
        if events.is_empty() {
            return;
        }
        let listeners: Vec<Listener> =
            self.listeners.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|(_, l)| l.clone()).collect();
        for e in events {
            for l in &listeners {
                l(e);
            }
        }
    }

    /// Calls `f` after every committed change of this store object; returns an id for
    /// [`Store::unsubscribe`].
    pub fn subscribe(&self, f: impl Fn(&ChangeEvent) + Send + Sync + 'static) -> u64 {
        let id = self.next_listener.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.listeners.lock().unwrap_or_else(|p| p.into_inner()).push((id, Arc::new(f)));
        id
    }

    /// Stops a listener.
    pub fn unsubscribe(&self, id: u64) {
        self.listeners.lock().unwrap_or_else(|p| p.into_inner()).retain(|(i, _)| *i != id);
    }

    /// Whether another process (the CLI, an embedding app) wrote to the database since this
    /// store last looked; cheap enough to poll. Each outside commit is reported once, whatever
    /// this store wrote in between (SQLite's `data_version` counts only other connections'
    /// commits).
    pub fn changed_externally(&self) -> Result<bool> {
        let conn = self.lock();
        let v: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        let mut last = self.data_version.lock().unwrap_or_else(|p| p.into_inner());
        let changed = v != *last;
        *last = v;
        Ok(changed)
    }

    /// A consistent copy of the database to `dest` while the store stays in use (SQLite's
    /// online backup).
    pub fn backup_to(&self, dest: impl AsRef<Path>) -> Result<()> {
        let conn = self.lock();
        let mut out = Connection::open(dest.as_ref())?;
        {
            let backup = rusqlite::backup::Backup::new(&conn, &mut out)?;
            backup.run_to_completion(256, std::time::Duration::from_millis(0), None)?;
        }
        // The copy gets a fresh feed epoch: peers then re-offer everything instead of trusting
        // checkpoints that the restored file never saw.
        out.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'epoch'",
            [uuid::Uuid::new_v4().to_string().as_bytes()],
        )?;
        Ok(())
    }

    /// Runs SQLite's integrity check and reads every document; returns the problems found.
    pub fn doctor(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let ids: Vec<(String, String, Option<String>)> = self.read(|tx| {
            let ok: String = tx.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            if ok != "ok" {
                problems.push(format!("database integrity: {ok}"));
            }
            let mut st = tx.prepare("SELECT id, kind, invalid_reason FROM docs")?;
            let rows = st
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })?;
        // The master key must open the stored visitor keys (a secret.key from another database
        // would make every visitor's data unreadable).
        let wrapped: Option<(String, Vec<u8>)> = self.read(|tx| {
            Ok(tx
                .query_row(
                    "SELECT visitor_id, wrapped_key FROM visitor_keys WHERE wrapped_key IS NOT NULL LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })?;
        if let Some((vid, w)) = wrapped {
            if self.master.unwrap_key(vid.as_bytes(), &w).is_err() {
                problems.push(
                    "secret.key does not open the visitors' keys: it belongs to another database; put back the \
                     secret.key that was beside this database"
                        .to_string(),
                );
            }
        }
        for (id, kind, invalid) in ids {
            if let Some(reason) = invalid {
                problems.push(format!("{kind} {id}: flagged invalid: {reason}"));
            }
            let res = self.read(|tx| docs::load_doc(tx, &id, &self.actor).map(|_| ()));
            if let Err(e) = res {
                problems.push(format!("{kind} {id}: {e}"));
            }
        }
        Ok(problems)
    }

    /// Reads a sync bookkeeping value for a peer.
    pub fn peer_state(&self, node_id: &str, key: &str) -> Result<Option<Vec<u8>>> {
        self.read_raw(|tx| {
            Ok(tx
                .query_row(
                    "SELECT value FROM peer_state WHERE node_id = ?1 AND key = ?2",
                    [node_id, key],
                    |r| r.get(0),
                )
                .optional()?
                .flatten())
        })
    }

    /// Writes a sync bookkeeping value for a peer.
    pub fn set_peer_state(&self, node_id: &str, key: &str, value: &[u8]) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO peer_state(node_id, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT(node_id, key) DO UPDATE SET value = excluded.value",
            rusqlite::params![node_id, key, value],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// The state of one write transaction.
pub(crate) struct WriteCtx<'t, 's> {
    pub tx: &'t Transaction<'t>,
    pub store: &'s Store,
    pub events: Vec<ChangeEvent>,
    /// The validation problem of the document committed last (see `docs::commit`).
    pub last_invalid: Option<String>,
    /// Whether this transaction already noted a deferred projection (the first, lowest feed
    /// position is the one that counts).
    pub deferred: bool,
    /// The last feed sequence number handed out in this transaction, written back to `meta`
    /// once before the commit (a batch of 500 received documents takes 500 numbers).
    last_seq: Option<i64>,
    /// Sessions' texts for the search index by row, not written yet: they are written in
    /// groups, after the rows they belong to, and before the commit (see
    /// [`projection::write_search_rows`]).
    pub(crate) search_rows: std::collections::BTreeMap<i64, projection::SearchRow>,
    /// The reports' days this transaction marked for recounting already.
    pub(crate) report_days: std::collections::HashSet<i64>,
    /// The office's time zone, once read in this transaction (see [`WriteCtx::timezone`]).
    pub(crate) timezone: Option<chrono_tz::Tz>,
}

impl WriteCtx<'_, '_> {
    /// The office's time zone (Asia/Makassar, WITA, until the office document names one),
    /// read once per transaction: a catch-up projects a thousand sessions in one.
    pub fn timezone(&mut self) -> Result<chrono_tz::Tz> {
        if let Some(tz) = self.timezone {
            return Ok(tz);
        }
        let tz = get_meta_str(self.tx, "timezone")?
            .and_then(|t| t.parse().ok())
            .unwrap_or(chrono_tz::Asia::Makassar);
        self.timezone = Some(tz);
        Ok(tz)
    }

    /// The next feed sequence number.
    pub fn next_seq(&mut self) -> Result<i64> {
        let last = match self.last_seq {
            Some(last) => last,
            None => stored_seq(self.tx)?,
        };
        self.last_seq = Some(last + 1);
        Ok(last + 1)
    }

    /// Writes the feed position handed out last (called before the commit).
    fn save_seq(&mut self) -> Result<()> {
        if let Some(last) = self.last_seq {
            self.tx.exec("UPDATE meta SET value = ?1 WHERE key = 'seq'", [last])?;
        }
        Ok(())
    }

    /// A stamp for an action of `actor` on this device now.
    pub fn stamp(&self, actor: &Actor) -> Result<Stamp> {
        let device = get_meta_str(self.tx, "device_code")?.ok_or(Error::NotInitialised)?;
        Ok(Stamp { at: crate::model::now_millis(), by: actor.nip.as_ref().map(|n| n.to_string()), device })
    }

    /// Checks that the actor is an active staff member with one of the roles, when a person
    /// is identified; anonymous device actions are allowed only where `allow_device`.
    pub fn require_role(
        &self,
        actor: &Actor,
        action: &'static str,
        allowed: &[StaffRole],
        allow_device: bool,
    ) -> Result<()> {
        let Some(nip) = &actor.nip else {
            return if allow_device {
                Ok(())
            } else {
                Err(Error::Forbidden {
                    action,
                    reason: "a staff member must be identified (give their NIP)".into(),
                })
            };
        };
        let row: Option<(String, bool)> = self
            .tx
            .query_row("SELECT role, active FROM staff WHERE nip = ?1", [nip.as_str()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((role, active)) = row else {
            return Err(Error::NotFound {
                what: "staff member",
                key: nip.to_string(),
                hint: "; add them with `amer staff add`",
            });
        };
        if !active {
            return Err(Error::Forbidden { action, reason: format!("staff member {nip} is inactive") });
        }
        let role = <StaffRole as crate::model::Coded>::from_code(&role).unwrap_or(StaffRole::Viewer);
        if !allowed.is_empty() && !allowed.contains(&role) {
            let names: Vec<&str> = allowed.iter().map(|r| crate::model::Coded::code(*r)).collect();
            return Err(Error::Forbidden {
                action,
                reason: format!("needs the role {}", names.join(" or ")),
            });
        }
        Ok(())
    }
}

/// Statement-cached variants of `execute` and `query_row`: the write path runs the same few
/// statements for every document, so they are prepared once per connection.
pub(crate) trait CachedExt {
    /// `execute` through the statement cache.
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    /// `query_row` through the statement cache.
    fn row<T, P: rusqlite::Params, F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T>;
}

impl CachedExt for Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }
    fn row<T, P: rusqlite::Params, F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>>(
        &self,
        sql: &str,
        params: P,
        f: F,
    ) -> rusqlite::Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

/// The last feed sequence number written to `meta` (a write transaction may hold later ones
/// until its commit, see [`WriteCtx::next_seq`]).
pub(crate) fn stored_seq(tx: &Connection) -> Result<i64> {
    Ok(tx.row("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'seq'", [], |r| r.get(0))?)
}

pub(crate) fn get_meta(tx: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(tx.row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get::<_, Vec<u8>>(0)).optional()?)
}

pub(crate) fn get_meta_str(tx: &Connection, key: &str) -> Result<Option<String>> {
    Ok(get_meta(tx, key)?.map(|v| String::from_utf8_lossy(&v).into_owned()))
}

pub(crate) fn set_meta(tx: &Connection, key: &str, value: &[u8]) -> Result<()> {
    tx.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        rusqlite::params![key, value],
    )?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{Actor, InitOptions, NewSession, Store, VisitorInput};

    fn register(s: &Store, subject: &str) {
        s.register(
            &Actor::device(),
            NewSession {
                category: "konsultasi".into(),
                visitor: VisitorInput { name: "Rina".into(), ..Default::default() },
                subject: subject.into(),
                ..Default::default()
            },
        )
        .unwrap();
    }

    #[test]
    fn a_write_by_another_process_is_noticed_even_after_a_local_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("amer.db");
        let node = Store::open(&path).unwrap();
        node.init(InitOptions {
            office_name: "Bagian Pengadaan Barang/Jasa".into(),
            device_name: "PC Loket".into(),
            timezone: Some("Asia/Jakarta".into()),
            node_id: None,
            public_key: None,
        })
        .unwrap();
        let _ = node.changed_externally().unwrap();
        assert!(!node.changed_externally().unwrap(), "nothing happened");
        register(&node, "local");
        assert!(!node.changed_externally().unwrap(), "its own writes are not outside changes");
        // The CLI writes, then this store writes before its next poll: the CLI's change must
        // still be reported (the poll is the only thing that tells the sync node about it).
        let cli = Store::open(&path).unwrap();
        register(&cli, "from the CLI");
        drop(cli);
        register(&node, "local again");
        assert!(node.changed_externally().unwrap(), "the CLI's write is reported");
        assert!(!node.changed_externally().unwrap(), "and only once");
    }
}
