//! `amer backup` and `amer restore`.
//!
//! A backup is SQLite's online copy, consistent while the node keeps writing. It holds visitors'
//! data sealed under keys that only this PC's `secret.key` opens, so a lost USB stick leaks no
//! personal data. A restore never writes into the live database: the backup is checked in a
//! scratch copy inside the home folder, given a fresh feed epoch (so the other PCs re-offer
//! everything instead of trusting checkpoints the backup never saw), given the erasures the
//! current database holds (an erased visitor stays erased), then renamed over `amer.db` in one
//! step.

use amer_core::store::{FeedKind, KeyRecord, SessionFilter};
use amer_core::Store;
use anyhow::Context;
use serde::Serialize;

use super::Ctx;
use crate::args::{BackupArgs, RestoreArgs};
use crate::exit::refuse;
use crate::home;
use crate::output::write_fields;

#[derive(Debug, Serialize)]
struct BackedUp {
    out: String,
    bytes: u64,
    feed_seq: i64,
}

pub fn backup(ctx: &Ctx, a: BackupArgs) -> anyhow::Result<()> {
    let store = ctx.open()?;
    if a.out.exists() && !a.force {
        return Err(refuse(format!("{} exists; choose another file or add --force", a.out.display())));
    }
    if a.out.exists() {
        std::fs::remove_file(&a.out).with_context(|| format!("cannot replace {}", a.out.display()))?;
    }
    let seq = store.current_seq()?;
    store.backup_to(&a.out).with_context(|| format!("cannot write the backup to {}", a.out.display()))?;
    let bytes = std::fs::metadata(&a.out).map(|m| m.len()).unwrap_or(0);
    tracing::info!(bytes, seq, "backup written");
    let out = BackedUp { out: a.out.display().to_string(), bytes, feed_seq: seq };
    ctx.out.emit(&out, |w| {
        write_fields(
            w,
            &[
                ("backup", Some(out.out.clone())),
                ("size", Some(format!("{} bytes", out.bytes))),
                ("feed position", Some(out.feed_seq.to_string())),
            ],
        )?;
        ctx.out.note(
            w,
            format_args!(
                "Keep secret.key from {} safe as well: without it, visitors' data in the backup cannot be read.",
                ctx.home.display()
            ),
        )
    })
}

#[derive(Debug, Serialize)]
struct Restored {
    restored_from: String,
    home: String,
    office_id: String,
    device_code: String,
    epoch: String,
    counts: Counts,
}

#[derive(Debug, Serialize)]
struct Counts {
    sessions: i64,
    risks: i64,
    staff: i64,
}

pub fn restore(ctx: &Ctx, a: RestoreArgs) -> anyhow::Result<()> {
    let db = ctx.db_path();
    let mut erasures = Vec::new();
    if !a.file.is_file() {
        return Err(refuse(format!("{} is not a file", a.file.display())));
    }
    if db.exists() {
        if !a.force {
            return Err(refuse(format!(
                "{} already holds a database; add --force to replace it with the backup \
                 (what this PC recorded since the backup comes back only from the other PCs)",
                ctx.home.display()
            )));
        }
        // Open and close the current database once: this folds a WAL left by a crash into it,
        // reads the erasures to carry over, and tells whether another program still has it open.
        let current = ctx.open_uninitialised()?;
        erasures = match erasures_in(&current) {
            Ok(e) => e,
            Err(e) => {
                // A damaged database is a reason to restore; the other PCs still hold the
                // erasures and send them at the next sync.
                tracing::warn!("cannot read the erasures of the current database: {e:#}");
                Vec::new()
            }
        };
        drop(current);
        if home::in_use(&db) {
            anyhow::bail!(
                "another AMER program is using {}; stop it and run the command again",
                db.display()
            );
        }
    }
    std::fs::create_dir_all(&ctx.home).with_context(|| format!("cannot create {}", ctx.home.display()))?;
    let source = ctx.home.join("amer.db.restore-source");
    let staged = ctx.home.join("amer.db.restore");
    home::remove_scratch(&source)?;
    home::remove_scratch(&staged)?;
    let key = ctx.home.join("secret.key");
    let key_existed = key.exists();
    let result = stage(ctx, &a, &source, &staged, &erasures);
    home::remove_scratch(&source)?;
    let restored = match result {
        Ok(r) => r,
        Err(e) => {
            home::remove_scratch(&staged)?;
            if !key_existed {
                // Made by opening the backup here; it belongs to nothing.
                let _ = std::fs::remove_file(&key);
            }
            return Err(e);
        }
    };
    // Deliberately no copy of the replaced database is kept: it would hold visitors' keys that
    // may since have been erased.
    if let Err(e) = home::replace_database(&staged, &db) {
        home::remove_scratch(&staged)?;
        return Err(e);
    }
    tracing::info!(epoch = %restored.epoch, "database restored");
    ctx.out.emit(&restored, |w| {
        write_fields(
            w,
            &[
                ("restored from", Some(restored.restored_from.clone())),
                ("into", Some(restored.home.clone())),
                ("device code", Some(restored.device_code.clone())),
                (
                    "records",
                    Some(format!(
                        "{} sessions, {} risks, {} staff",
                        restored.counts.sessions, restored.counts.risks, restored.counts.staff
                    )),
                ),
            ],
        )?;
        ctx.out.note(w, "At the next synchronisation the other PCs send this PC whatever it lacks.")
    })
}

/// The erasure records (key tombstones) of a database.
fn erasures_in(store: &Store) -> anyhow::Result<Vec<KeyRecord>> {
    let mut out = Vec::new();
    for item in store.changes_since(0, usize::MAX)? {
        if let FeedKind::Key(visitor) = item.kind {
            if let Some(rec) = store.key_record(&visitor)?.filter(|r| r.erased.is_some()) {
                out.push(rec);
            }
        }
    }
    Ok(out)
}

/// Copies the backup into the home folder, checks it is an AMER database of an office, and
/// writes the copy to install (with a new feed epoch) to `staged`.
fn stage(
    ctx: &Ctx,
    a: &RestoreArgs,
    source: &std::path::Path,
    staged: &std::path::Path,
    erasures: &[KeyRecord],
) -> anyhow::Result<Restored> {
    // Work on a copy: opening the backup itself would convert it to WAL mode and could put a new
    // secret.key beside it.
    std::fs::copy(&a.file, source).with_context(|| format!("cannot read {}", a.file.display()))?;
    let not_amer = |why: String| refuse(format!("{} is not an AMER backup: {why}", a.file.display()));
    let store = match Store::open(source) {
        Ok(s) => s,
        Err(e) if matches!(e, amer_core::Error::SchemaTooNew { .. }) => return Err(e.into()),
        Err(e) => return Err(not_amer(e.to_string())),
    };
    let local = match store.local() {
        Ok(l) => l,
        Err(amer_core::Error::NotInitialised) => return Err(not_amer("it holds no office".into())),
        Err(e) => return Err(e.into()),
    };
    // Visitors' keys in the backup are wrapped with the secret.key of the PC that made it; with
    // another key here every session would be unreadable.
    match store.list_sessions(&SessionFilter { include_invalid: true, ..Default::default() }) {
        Ok(_) => {}
        Err(amer_core::Error::Crypto(_)) => {
            return Err(refuse(format!(
                "{} was made on a PC with another secret.key, so visitors' data in it cannot be read here; \
                 copy that PC's secret.key into {} and restore again",
                a.file.display(),
                ctx.home.display()
            )))
        }
        Err(e) => return Err(e.into()),
    }
    // Erasures made since the backup stay made: a visitor's key that an admin deleted must
    // not come back with an older copy of the database.
    store.apply_key_records(erasures)?;
    store.backup_to(staged)?;
    let (sessions, risks, staff) = store.counts()?;
    drop(store);
    let epoch = Store::open(staged)?.epoch()?;
    Ok(Restored {
        restored_from: a.file.display().to_string(),
        home: ctx.home.display().to_string(),
        office_id: local.office_id.to_text(),
        device_code: local.device_code,
        epoch,
        counts: Counts { sessions, risks, staff },
    })
}
