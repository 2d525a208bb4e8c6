//! Export of sessions, risks and reports to files the office opens elsewhere: CSV (RFC 4180,
//! UTF-8 with a byte-order mark so Excel reads Indonesian text correctly), XLSX (one sheet per
//! table, header row in Indonesian, real Excel dates) and JSON (the full serialised structure).
//!
//! All dates and times are in the office's time zone. A file is written beside its destination
//! and renamed into place, so a failed export never leaves half a file under the asked name.
//!
//! CSV holds one table per file: a report with several tables writes the first to the path
//! given and each further one to `<stem>-<table>.csv` beside it.

pub mod csv;
pub mod json;
pub mod table;
pub mod xlsx;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use table::{Cell, Column, Table, Tabular};

use crate::report::{dates, risk, summary, Period};
use crate::store::SessionFilter;
use crate::{Error, Result, Store};

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Comma-separated values, UTF-8 with BOM, CRLF line ends.
    Csv,
    /// Excel workbook.
    Xlsx,
    /// JSON, pretty-printed.
    Json,
}

impl ExportFormat {
    /// Parses "csv", "xlsx" or "json".
    pub fn parse(code: &str) -> Result<ExportFormat> {
        match code.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "xlsx" | "excel" => Ok(ExportFormat::Xlsx),
            "json" => Ok(ExportFormat::Json),
            _ => Err(Error::invalid("export format", format!("'{code}' is not one of: csv, xlsx, json"))),
        }
    }
    /// The format a file name asks for by its extension.
    pub fn from_path(path: &Path) -> Option<ExportFormat> {
        ExportFormat::parse(path.extension()?.to_str()?).ok()
    }
    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Json => "json",
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exported {
    /// The format.
    pub format: ExportFormat,
    /// The files written (several for a multi-table report in CSV).
    pub files: Vec<PathBuf>,
    /// Data rows of the main table (sessions, risks, report lines).
    pub rows: usize,
}

/// Writes the sessions matching `filter` (one row per session, the list's columns, newest first,
/// visitors' names as this PC shows them).
pub fn export_sessions(
    store: &Store,
    format: ExportFormat,
    path: &Path,
    filter: &SessionFilter,
) -> Result<Exported> {
    let rows = summary::session_list(store, filter)?;
    let zone = dates::tz_abbr(store.timezone()?);
    write(format, path, || vec![summary::sessions_table(&rows, &zone)], &rows, rows.len())
}

/// Writes the risk register (risks flagged invalid left out), scored with the office's matrix.
pub fn export_risks(store: &Store, format: ExportFormat, path: &Path) -> Result<Exported> {
    let report = crate::report::risk_report(store, &Period::all())?;
    write(
        format,
        path,
        || vec![risk::register_table(&report.register)],
        &report.register,
        report.register.len(),
    )
}

/// Writes a report: its tables in CSV and XLSX, the whole report structure in JSON (counted as
/// one row).
pub fn export_report<R: Tabular + Serialize>(
    report: &R,
    format: ExportFormat,
    path: &Path,
) -> Result<Exported> {
    write(format, path, || report.tables(), report, 1)
}

fn write<J: Serialize + ?Sized>(
    format: ExportFormat,
    path: &Path,
    tables: impl FnOnce() -> Vec<Table>,
    json: &J,
    json_rows: usize,
) -> Result<Exported> {
    match format {
        ExportFormat::Json => {
            let rows = json_rows;
            write_atomic(path, |f| json::write(f, json))?;
            Ok(Exported { format, files: vec![path.to_path_buf()], rows })
        }
        ExportFormat::Xlsx => {
            let tables = tables();
            let rows = tables.first().map_or(0, |t| t.rows.len());
            let bytes = xlsx::workbook(&tables)?;
            write_atomic(path, |f| std::io::Write::write_all(f, &bytes).map_err(|e| io_error(path, e)))?;
            Ok(Exported { format, files: vec![path.to_path_buf()], rows })
        }
        ExportFormat::Csv => {
            let tables = tables();
            let rows = tables.first().map_or(0, |t| t.rows.len());
            let mut files = Vec::with_capacity(tables.len());
            for (n, t) in tables.iter().enumerate() {
                let p = if n == 0 { path.to_path_buf() } else { sibling(path, &t.name) };
                write_atomic(&p, |f| csv::write(f, t))?;
                files.push(p);
            }
            Ok(Exported { format, files, rows })
        }
    }
}

/// `<dir>/<stem>-<slug>.csv` for a further table of a CSV export.
fn sibling(path: &Path, table: &str) -> PathBuf {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("laporan");
    let slug: String = table
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    path.with_file_name(format!("{stem}-{slug}.csv"))
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Export(format!("cannot write {}: {e}", path.display()))
}

/// Writes through a temporary file beside `path`, renamed into place when complete.
fn write_atomic(
    path: &Path,
    f: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> Result<()>,
) -> Result<()> {
    let name = path.file_name().ok_or_else(|| Error::invalid("export path", "give a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".part");
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let file = std::fs::File::create(&tmp).map_err(|e| io_error(path, e))?;
        let mut w = std::io::BufWriter::new(file);
        f(&mut w)?;
        let file = w.into_inner().map_err(|e| io_error(path, e.error()))?;
        file.sync_all().map_err(|e| io_error(path, e))?;
        std::fs::rename(&tmp, path).map_err(|e| io_error(path, e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_sibling_names() {
        assert_eq!(ExportFormat::from_path(Path::new("/tmp/a.XLSX")), Some(ExportFormat::Xlsx));
        assert_eq!(ExportFormat::from_path(Path::new("/tmp/a")), None);
        assert!(ExportFormat::parse("pdf").is_err());
        assert_eq!(
            sibling(Path::new("/tmp/rekap.csv"), "Jenis paket"),
            PathBuf::from("/tmp/rekap-jenis-paket.csv")
        );
        assert_eq!(
            sibling(Path::new("/tmp/rekap.csv"), "Peta Risiko Inheren"),
            PathBuf::from("/tmp/rekap-peta-risiko-inheren.csv")
        );
    }
}
