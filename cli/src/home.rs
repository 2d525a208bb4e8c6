//! The node's folder ("home"): where it is by default, which files it holds, and replacing the
//! database file whole (for `import` and `restore`) so that a crash leaves either the old or the
//! new database, never a mixture.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// The database file inside the home folder.
pub const DB_FILE: &str = "amer.db";

/// The platform's data folder for AMER: `%APPDATA%\amer` on Windows,
/// `~/Library/Application Support/amer` on macOS, `$XDG_DATA_HOME/amer` or
/// `~/.local/share/amer` elsewhere; `./amer-data` when none of these can be found.
pub fn default_home() -> PathBuf {
    let env = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let base = if cfg!(windows) {
        env("APPDATA")
    } else if cfg!(target_os = "macos") {
        env("HOME").map(|h| h.join("Library").join("Application Support"))
    } else {
        env("XDG_DATA_HOME").or_else(|| env("HOME").map(|h| h.join(".local").join("share")))
    };
    base.map(|b| b.join("amer")).unwrap_or_else(|| PathBuf::from("amer-data"))
}

/// The files SQLite keeps beside a database in WAL mode.
fn sidecars(db: &Path) -> [PathBuf; 2] {
    let with = |suffix: &str| {
        let mut s = db.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    [with("-wal"), with("-shm")]
}

/// Removes a scratch database and its WAL files, if present.
pub fn remove_scratch(db: &Path) -> anyhow::Result<()> {
    for p in std::iter::once(db.to_path_buf()).chain(sidecars(db)) {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("cannot remove the scratch file {}", p.display()))
            }
        }
    }
    Ok(())
}

/// Whether some process still has the database open. SQLite deletes the `-wal` file when the
/// last connection closes cleanly, and every `Store` of this process must be dropped before
/// asking; a `-wal` left by a crash is cleaned up by opening and closing the store once, which
/// every caller does first.
pub fn in_use(db: &Path) -> bool {
    sidecars(db)[0].exists()
}

/// Moves the complete database `new` over `db` in one atomic rename. Every `Store` on either file
/// must be closed. Refuses when another process still has `db` open (e.g. `amer sync serve`):
/// renaming under a running node would lose what it writes.
pub fn replace_database(new: &Path, db: &Path) -> anyhow::Result<()> {
    if in_use(db) {
        anyhow::bail!(
            "another AMER program is using {} (for example `amer sync serve` or the desktop app); \
             stop it and run the command again",
            db.display()
        );
    }
    if in_use(new) {
        anyhow::bail!("the new database {} is still open; nothing was replaced", new.display());
    }
    // The new file must be on disk before the rename makes it the database. Opened for writing:
    // Windows flushes (FlushFileBuffers) only through a handle with write access.
    std::fs::OpenOptions::new()
        .write(true)
        .open(new)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot flush {} to disk", new.display()))?;
    std::fs::rename(new, db)
        .with_context(|| format!("cannot move the new database into {}", db.display()))?;
    // A stale shared-memory index of the old file must not be read with the new one.
    let [_, shm] = sidecars(db);
    let _ = std::fs::remove_file(shm);
    sync_dir(db.parent().unwrap_or(Path::new(".")));
    Ok(())
}

/// Makes a rename in `dir` durable (POSIX); a no-op where directories cannot be opened.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}
