//! Database schema migrations: numbered SQL files applied one at a time, each inside its own
//! transaction, recorded in `PRAGMA user_version`.

use rusqlite::Connection;

use crate::{Error, Result};

/// The migrations in order; index + 1 is the schema version they produce.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_indexes.sql"),
    include_str!("migrations/0003_reports.sql"),
    include_str!("migrations/0004_report_days.sql"),
    include_str!("migrations/0005_report_day_marks.sql"),
    include_str!("migrations/0006_docs_rowid.sql"),
];

/// The newest schema version this build knows.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`LATEST`]; refuses a database from a newer AMER.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > LATEST {
        return Err(Error::SchemaTooNew { found: current, supported: LATEST });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    if (1..DOCS_ROWID).contains(&current) {
        give_back_free_pages(conn)?;
    }
    Ok(())
}

/// The schema that moved the documents out of overflow pages.
const DOCS_ROWID: i64 = 6;

/// Rewrites the file when most of it is free pages (once, after the documents moved to a
/// table that holds them in about a third of the space): the space goes back to the disk.
fn give_back_free_pages(conn: &Connection) -> Result<()> {
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
    if free * 4 > pages {
        tracing::info!(pages, free, "giving the space of the old document table back to the disk");
        // Best effort: another process with the file open can hold the rewrite off; the free
        // pages are then reused by later writes instead.
        if let Err(error) = conn.execute_batch("VACUUM") {
            tracing::warn!(%error, "the file was not rewritten; its free pages stay for later writes");
        }
    }
    Ok(())
}
