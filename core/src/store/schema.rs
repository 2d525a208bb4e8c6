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
    Ok(())
}
