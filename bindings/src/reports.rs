//! Reports and exports: what to compute ([`ReportQuery`]), the report as JSON text, and writing
//! sessions, risks or a report to CSV, XLSX or JSON files.
//!
//! Reports cross the boundary as JSON (the same document `amer report … --json` prints, with
//! stable codes and Indonesian labels side by side) rather than as dozens of mirrored records:
//! the report structures still grow, and JSON lets every language read a new figure without a
//! new release of the bindings. Typed records for individual reports can be added beside it.

use std::path::Path;

use amer_core::export::{self, ExportFormat as CoreFormat};
use amer_core::model::{self as m, Nip};
use amer_core::report::{self, Period, ReportFilter};
use amer_core::Store;

use crate::codes::Category;
use crate::error::{ApiError, ApiResult};
use crate::records::{parse_opt_date, SessionFilter};

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReportKind {
    /// *Rekap Layanan*: the period summary with its session list.
    Summary,
    /// *Rekap Kinerja Petugas*: per officer, sessions served, durations, ratings.
    Performance,
    /// The satisfaction index from the visitors' ratings.
    Satisfaction,
    /// What comes up most: topics, repeat visitors, frequent words.
    Topics,
    /// Objection (sanggahan) deadlines and late filings.
    Objections,
    /// The risk register and the 5×5 risk maps.
    Risk,
}

/// What a report covers.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ReportQuery {
    /// Which report.
    pub kind: ReportKind,
    /// First day, `YYYY-MM-DD` in the office's time zone (sessions by arrival); none = from
    /// the start.
    #[uniffi(default)]
    pub first_day: Option<String>,
    /// Last day, inclusive, `YYYY-MM-DD`; none = up to now.
    #[uniffi(default)]
    pub last_day: Option<String>,
    /// Only this category (not used by the risk report).
    #[uniffi(default)]
    pub category: Option<Category>,
    /// Only this officer's sessions, by NIP (not used by the risk report).
    #[uniffi(default)]
    pub officer: Option<String>,
    /// How many topics and words the topics report lists (default 10).
    #[uniffi(default)]
    pub limit: Option<u32>,
}

/// A file format for exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ExportFormat {
    /// CSV, UTF-8 with a byte-order mark (Excel reads Indonesian text correctly); a report with
    /// several tables writes one file per table beside the first.
    Csv,
    /// An Excel workbook, one sheet per table.
    Xlsx,
    /// The whole structure as JSON.
    Json,
}

impl From<ExportFormat> for CoreFormat {
    fn from(f: ExportFormat) -> Self {
        match f {
            ExportFormat::Csv => CoreFormat::Csv,
            ExportFormat::Xlsx => CoreFormat::Xlsx,
            ExportFormat::Json => CoreFormat::Json,
        }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Exported {
    /// The files written (several for a multi-table report in CSV).
    pub files: Vec<String>,
    /// Data rows of the main table.
    pub rows: u64,
}

impl From<export::Exported> for Exported {
    fn from(e: export::Exported) -> Self {
        Exported { files: e.files.iter().map(|p| p.display().to_string()).collect(), rows: e.rows as u64 }
    }
}

const DEFAULT_TOPICS: usize = 10;

impl ReportQuery {
    fn period(&self) -> ApiResult<Period> {
        let p = Period {
            from: parse_opt_date("first day", self.first_day.as_deref())?,
            to: parse_opt_date("last day", self.last_day.as_deref())?,
        };
        p.check()?;
        Ok(p)
    }
    fn filter(&self) -> ApiResult<ReportFilter> {
        Ok(ReportFilter {
            category: self.category.map(m::Category::from),
            officer: self.officer.as_deref().filter(|o| !o.trim().is_empty()).map(Nip::parse).transpose()?,
        })
    }
}

/// Computes the report of `q` and hands it to `$body` as `$r` (each report is its own type).
macro_rules! with_report {
    ($store:expr, $q:expr, |$r:ident| $body:expr) => {{
        let (store, q): (&Store, &ReportQuery) = ($store, $q);
        let (period, filter) = (q.period()?, q.filter()?);
        match q.kind {
            ReportKind::Summary => {
                let $r = report::period_summary(store, &period, &filter)?;
                $body
            }
            ReportKind::Performance => {
                let $r = report::staff_performance(store, &period, &filter)?;
                $body
            }
            ReportKind::Satisfaction => {
                let $r = report::satisfaction(store, &period, &filter)?;
                $body
            }
            ReportKind::Topics => {
                let limit = q.limit.map_or(DEFAULT_TOPICS, |n| n as usize);
                let $r = report::topics(store, &period, &filter, limit)?;
                $body
            }
            ReportKind::Objections => {
                let $r = report::objections(store, &period, &filter)?;
                $body
            }
            ReportKind::Risk => {
                let $r = report::risk_report(store, &period)?;
                $body
            }
        }
    }};
}

/// The report as pretty JSON.
pub(crate) fn report_json(store: &Store, q: &ReportQuery) -> ApiResult<String> {
    with_report!(store, q, |r| serde_json::to_string_pretty(&r)
        .map_err(|e| ApiError::Output { reason: format!("cannot encode the report: {e}") }))
}

/// Writes the report to `path`.
pub(crate) fn export_report(
    store: &Store,
    q: &ReportQuery,
    format: ExportFormat,
    path: &str,
) -> ApiResult<Exported> {
    let path = output_path(path)?;
    with_report!(store, q, |r| Ok(export::export_report(&r, format.into(), path)?.into()))
}

/// Writes the sessions matching `filter` to `path`.
pub(crate) fn export_sessions(
    store: &Store,
    filter: &SessionFilter,
    format: ExportFormat,
    path: &str,
) -> ApiResult<Exported> {
    let path = output_path(path)?;
    Ok(export::export_sessions(store, format.into(), path, &filter.to_core()?)?.into())
}

/// Writes the risk register to `path`.
pub(crate) fn export_risks(store: &Store, format: ExportFormat, path: &str) -> ApiResult<Exported> {
    let path = output_path(path)?;
    Ok(export::export_risks(store, format.into(), path)?.into())
}

fn output_path(path: &str) -> ApiResult<&Path> {
    if path.trim().is_empty() {
        return Err(ApiError::invalid("path", "give the file to write"));
    }
    Ok(Path::new(path))
}
