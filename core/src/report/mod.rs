//! Analytics over the store's projections: what the office prints and exports about its work.
//!
//! Every report is SQL over the projection tables (`sessions`, `staff`, `risks`, `risk_links`,
//! `holidays`, `session_fts`) and never loads a document; sessions flagged invalid
//! (`invalid_reason` set) are left out of every figure. A report is a plain `Serialize` struct
//! that carries both the stable codes and the Indonesian labels, so a print template or a
//! frontend can use it as it is, and it implements [`crate::export::Tabular`] for CSV and XLSX.
//!
//! Periods are dates in the office's time zone and select sessions by their **arrival** (the
//! same rule as [`Store::list_sessions`]): a session belongs to the day the visitor came, so
//! every report of a month counts the same sessions as that month's list.
//!
//! - [`performance`]: *Rekap Kinerja Petugas*, per officer.
//! - [`satisfaction`]: the satisfaction index (1–5 ratings converted to the IKM range).
//! - [`topics`]: what comes up most, repeat visitors, frequent words, search.
//! - [`objections`]: objection (*sanggahan*) deadlines and late filings.
//! - [`risk`]: the risk register, the 5×5 maps and the risks linked to sessions.
//! - [`summary`]: *Rekap Layanan*, the period summary with its session list.
//!
//! The performance, satisfaction and period-total figures are summed from per-day aggregates
//! ([`days`]) that the next report brings up to date from the projection, so they cost the same
//! over two years as over a month and stay exactly what the projection says.

pub mod dates;
pub mod days;
pub mod objections;
pub mod performance;
pub mod risk;
pub mod satisfaction;
pub mod summary;
pub mod topics;
pub mod words;

use chrono::NaiveDate;
use rusqlite::types::Value;
use serde::Serialize;

pub use days::refresh_days;
pub use objections::{objections, ObjectionReport, ObjectionRow, ObjectionSummary};
pub use performance::{staff_performance, OfficerPerformance, PerformanceFigures, StaffPerformance};
pub use risk::{risk_report, RiskMap, RiskReport};
pub use satisfaction::{satisfaction, Grade, RatingSummary, SatisfactionReport};
pub use summary::{period_summary, period_totals, session_list, PeriodSummary, SessionListRow};
pub use topics::{normalise_topic, search, topics, CountRow, TopicsReport, WordCount};

use crate::model::{Category, Coded, Nip, Office};
use crate::store::day_start;
use crate::{Error, Result, Store};

/// The dates a report covers, inclusive, in the office's time zone; `None` leaves that side
/// open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Period {
    /// First day (arrival on or after its start).
    pub from: Option<NaiveDate>,
    /// Last day (arrival before the end of it).
    pub to: Option<NaiveDate>,
}

impl Period {
    /// Everything recorded.
    pub fn all() -> Period {
        Period::default()
    }
    /// From `from` to `to` inclusive; refuses a start after the end.
    pub fn between(from: NaiveDate, to: NaiveDate) -> Result<Period> {
        let p = Period { from: Some(from), to: Some(to) };
        p.check()?;
        Ok(p)
    }
    /// One calendar month.
    pub fn month(year: i32, month: u32) -> Result<Period> {
        let from = NaiveDate::from_ymd_opt(year, month, 1)
            .ok_or_else(|| Error::invalid("period", "the month must be 1–12"))?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        };
        let to = next.and_then(|d| d.pred_opt()).unwrap_or(from);
        Period::between(from, to)
    }
    /// Refuses a start after the end.
    pub fn check(&self) -> Result<()> {
        match (self.from, self.to) {
            (Some(f), Some(t)) if f > t => {
                Err(Error::invalid("period", "the first day is after the last day; swap them"))
            }
            _ => Ok(()),
        }
    }
    /// The UTC millisecond bounds `[start, end)` in the time zone.
    pub fn bounds(&self, tz: chrono_tz::Tz) -> (Option<i64>, Option<i64>) {
        (self.from.map(|d| day_start(tz, d)), self.to.and_then(|d| d.succ_opt()).map(|d| day_start(tz, d)))
    }
}

/// Which sessions a report looks at, besides the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFilter {
    /// Only this category.
    pub category: Option<Category>,
    /// Only sessions assigned to this officer.
    pub officer: Option<Nip>,
}

/// A coded value with its Indonesian label, as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeLabel {
    /// The stable code (as stored and exchanged).
    pub code: String,
    /// The Indonesian label.
    pub label: String,
}

impl CodeLabel {
    /// The code and label of a coded value.
    pub fn of<C: Coded>(c: C) -> CodeLabel {
        CodeLabel { code: c.code().to_string(), label: c.label_id().to_string() }
    }
    /// The label of a stored code, or the code itself when this build does not know it.
    pub fn from_code<C: Coded>(code: &str) -> CodeLabel {
        match C::from_code(code) {
            Some(c) => CodeLabel::of(c),
            None => CodeLabel { code: code.to_string(), label: code.to_string() },
        }
    }
}

/// A staff member as named on a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfficerRef {
    /// NIP, 18 digits.
    pub nip: String,
    /// NIP grouped as printed (`19850312 201001 1 003`).
    pub nip_formatted: String,
    /// Name, or "(NIP tidak terdaftar)" when the NIP is not in the staff list.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
}

impl OfficerRef {
    pub(crate) fn new(nip: &str, name: Option<String>, title: Option<String>) -> OfficerRef {
        OfficerRef {
            nip: nip.to_string(),
            nip_formatted: Nip::parse(nip).map(|n| n.formatted()).unwrap_or_else(|_| nip.to_string()),
            name: name.unwrap_or_else(|| UNKNOWN_STAFF.to_string()),
            title,
        }
    }
}

/// Shown for an officer NIP that is not in the staff list (not synced yet, or removed).
pub const UNKNOWN_STAFF: &str = "(NIP tidak terdaftar)";
/// Shown for a value that was not filled in.
pub const NOT_FILLED: &str = "(tidak diisi)";

/// The letterhead of the office, for printed reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Letterhead {
    /// "Bagian Pengadaan Barang/Jasa".
    pub name: String,
    /// "Sekretariat Daerah Kabupaten Kutai Barat".
    pub unit: Option<String>,
    /// Postal address.
    pub address: Option<String>,
}

/// What every report starts with: its title, the office, the period and filter, the time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportHeader {
    /// The report's Indonesian title ("Rekap Kinerja Petugas").
    pub title: String,
    /// The office, when this PC has its document.
    pub office: Option<Letterhead>,
    /// The period.
    pub period: Period,
    /// The period as printed ("1 Maret 2026 s.d. 31 Maret 2026", "Semua periode").
    pub period_label: String,
    /// The category filter.
    pub category: Option<CodeLabel>,
    /// The officer filter.
    pub officer: Option<OfficerRef>,
    /// IANA time zone of every date and time in the report.
    pub timezone: String,
    /// Its Indonesian abbreviation ("WITA").
    pub timezone_abbr: String,
    /// When the report was made, RFC 3339 in the office's time zone.
    pub generated_at: String,
}

/// What a report needs from the store before its queries: time zone, header, session scope.
pub(crate) struct Context {
    pub tz: chrono_tz::Tz,
    pub header: ReportHeader,
    pub office: Option<Office>,
}

impl Context {
    pub(crate) fn new(store: &Store, title: &str, period: &Period, filter: &ReportFilter) -> Result<Context> {
        period.check()?;
        let tz = store.timezone()?;
        let office = match store.office() {
            Ok(o) => Some(o),
            Err(Error::NotFound { .. } | Error::NotInitialised) => None,
            Err(e) => return Err(e),
        };
        let officer = match &filter.officer {
            Some(nip) => {
                let (name, title) = store
                    .read(|tx| {
                        use rusqlite::OptionalExtension;
                        Ok(tx
                            .query_row("SELECT name, title FROM staff WHERE nip = ?1", [nip.as_str()], |r| {
                                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
                            })
                            .optional()?)
                    })?
                    .map_or((None, None), |(n, t)| (Some(n), t));
                Some(OfficerRef::new(nip.as_str(), name, title))
            }
            None => None,
        };
        let header = ReportHeader {
            title: title.to_string(),
            office: office.as_ref().map(|o| Letterhead {
                name: o.name.clone(),
                unit: o.unit.clone(),
                address: o.address.clone(),
            }),
            period: *period,
            period_label: dates::period_label(period),
            category: filter.category.map(CodeLabel::of),
            officer,
            timezone: tz.name().to_string(),
            timezone_abbr: dates::tz_abbr(tz),
            generated_at: dates::now_rfc3339(tz),
        };
        Ok(Context { tz, header, office })
    }
}

/// The SQL condition that selects a report's sessions (table alias `s`), with its arguments.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub sql: String,
    pub args: Vec<Value>,
}

impl Scope {
    /// Valid sessions that arrived in the period and match the filter.
    pub(crate) fn sessions(tz: chrono_tz::Tz, period: &Period, filter: &ReportFilter) -> Scope {
        let mut s = Scope { sql: "s.invalid_reason IS NULL".into(), args: Vec::new() };
        // Both bounds always, open ends as the extremes: the planner then reads the period
        // through an index on arrival (a covering one where the schema has it) instead of
        // guessing at the partial index on finished sessions and looking every row up.
        let (from, to) = period.bounds(tz);
        s.push(" AND s.arrived_at >= ?", from.unwrap_or(i64::MIN).into());
        s.push(" AND s.arrived_at < ?", to.unwrap_or(i64::MAX).into());
        if let Some(c) = filter.category {
            s.push(" AND s.category = ?", c.code().to_string().into());
        }
        if let Some(o) = &filter.officer {
            s.push(" AND s.officer_nip = ?", o.as_str().to_string().into());
        }
        s
    }
    fn push(&mut self, clause: &str, v: Value) {
        self.sql.push_str(clause);
        self.args.push(v);
    }
    /// Adds a condition without arguments.
    pub(crate) fn and(mut self, cond: &str) -> Scope {
        self.sql.push_str(" AND ");
        self.sql.push_str(cond);
        self
    }
    pub(crate) fn params(&self) -> rusqlite::ParamsFromIter<std::slice::Iter<'_, Value>> {
        rusqlite::params_from_iter(self.args.iter())
    }
}

/// A text column of a row, borrowed (no allocation per row in large scans); NULL reads as "".
pub(crate) fn row_str<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> Result<&'r str> {
    let v = r.get_ref(i)?;
    v.as_str_or_null()
        .map(|s| s.unwrap_or(""))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, v.data_type(), Box::new(e)).into())
}

/// Mean of whole numbers.
pub(crate) fn mean(sum: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| sum as f64 / n as f64)
}

/// Median (the mean of the two middle values for an even count); sorts in place.
#[cfg(test)]
pub(crate) fn median(values: &mut [i64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, upper, _) = values.select_nth_unstable(n / 2);
    let upper = *upper;
    if n % 2 == 1 {
        return Some(upper as f64);
    }
    // The lower middle is the largest value left of the upper middle.
    let lower = values[..n / 2].iter().copied().max().unwrap_or(upper);
    Some((lower + upper) as f64 / 2.0)
}

/// `part / whole`, or `None` when there is no whole.
pub(crate) fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5]), Some(5.0));
        assert_eq!(median(&mut [9, 1, 5]), Some(5.0));
        assert_eq!(median(&mut [10, 1, 4, 6]), Some(5.0));
        assert_eq!(median(&mut [600, 900, 1200, 300]), Some(750.0));
    }

    #[test]
    fn periods() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        assert_eq!(
            Period::month(2026, 2).expect("feb"),
            Period { from: Some(d(2026, 2, 1)), to: Some(d(2026, 2, 28)) }
        );
        assert_eq!(Period::month(2026, 12).expect("dec").to, Some(d(2026, 12, 31)));
        assert!(Period::between(d(2026, 3, 2), d(2026, 3, 1)).is_err());
        assert!(Period::month(2026, 13).is_err());
        // WITA is UTC+8: 1 March 2026 starts at 28 Feb 16:00 UTC.
        let (from, to) = Period::month(2026, 3).expect("mar").bounds(chrono_tz::Asia::Makassar);
        assert_eq!(from, Some(1_772_294_400_000));
        assert_eq!(to.map(|t| t - from.unwrap_or(0)), Some(31 * 86_400_000));
    }
}
