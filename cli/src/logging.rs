//! Diagnostic logs on stderr, by `-v`/`-q` (or `AMER_LOG` with tracing's filter syntax), and for
//! the long-running node a rotating log file in the node's folder (`logs/amer.log`, rotated at
//! 5 MiB, three old files kept). Log lines carry ids, tickets, codes and counts, never visitors'
//! personal data.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Rotate the log file at this size.
const MAX_BYTES: u64 = 5 * 1024 * 1024;
/// Old files kept: amer.log.1 … amer.log.3.
const KEEP: u32 = 3;

/// Installs the loggers: stderr with warnings by default, `-v` info, `-vv` debug, `-vvv` trace,
/// `-q` errors only, `-qq` nothing; and, when `file` is given, that file at info level or more.
pub fn init(verbose: u8, quiet: u8, file: Option<PathBuf>) {
    let level = match (verbose, quiet) {
        (_, q) if q >= 2 => "off",
        (_, 1) => "error",
        (0, _) => "warn",
        (1, _) => "info",
        (2, _) => "debug",
        _ => "trace",
    };
    let filter = std::env::var("AMER_LOG")
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(format!("{level},automerge=warn")));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_filter(filter);
    let file_layer = file.and_then(|path| RotatingFile::open(&path).ok()).map(|f| {
        tracing_subscriber::fmt::layer()
            .with_writer(Mutex::new(f))
            .with_ansi(false)
            .with_target(false)
            .with_filter(EnvFilter::new("info,automerge=warn"))
    });
    let _ = tracing_subscriber::registry().with(stderr).with(file_layer).try_init();
}

/// A log file that moves itself aside when it grows past [`MAX_BYTES`].
pub struct RotatingFile {
    path: PathBuf,
    file: std::fs::File,
    size: u64,
}

impl RotatingFile {
    /// Opens (appending) or creates the file and its folder.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(RotatingFile { path: path.to_path_buf(), file, size })
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        let numbered = |n: u32| PathBuf::from(format!("{}.{n}", self.path.display()));
        for n in (1..KEEP).rev() {
            let _ = std::fs::rename(numbered(n), numbered(n + 1));
        }
        std::fs::rename(&self.path, numbered(1))?;
        self.file = std::fs::OpenOptions::new().create(true).append(true).open(&self.path)?;
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.size + buf.len() as u64 > MAX_BYTES && self.size > 0 {
            self.rotate()?;
        }
        let n = self.file.write(buf)?;
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotates_and_keeps_three_old_files() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("logs").join("amer.log");
        let mut f = RotatingFile::open(&path).expect("open");
        let line = vec![b'x'; 1024 * 1024];
        for _ in 0..30 {
            f.write_all(&line).expect("write");
        }
        assert!(std::fs::metadata(&path).expect("current").len() <= MAX_BYTES);
        for n in 1..=KEEP {
            assert!(dir.path().join(format!("logs/amer.log.{n}")).exists(), "old file {n}");
        }
        assert!(!dir.path().join(format!("logs/amer.log.{}", KEEP + 1)).exists());
    }
}
