//! *Rekap Layanan*, the period summary: sessions by category and status, mean waiting time and
//! service duration, ratings, and the list of the period's sessions (the same rows as the
//! session list and its export).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};
use serde::Serialize;

use super::satisfaction::RatingSummary;
use super::topics::CountRow;
use super::{dates, mean, share, CodeLabel, Context, Period, ReportFilter, ReportHeader, UNKNOWN_STAFF};
use crate::export::{Cell, Table, Tabular};
use crate::ids::{SessionId, VisitorId};
use crate::model::session::format_duration_id;
use crate::model::{Category, Coded, OneToFive, Score, SessionStatus, TimingFigure};
use crate::store::{SessionFilter, SessionRow};
use crate::{Result, Store};

/// A session as listed and exported: the store's list row with labels, names and local times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionListRow {
    /// Id.
    pub id: SessionId,
    /// Ticket.
    pub ticket: String,
    /// Category.
    pub category: CodeLabel,
    /// Status.
    pub status: CodeLabel,
    /// Visitor id (a pseudonym: the same on every recognised visit).
    pub visitor_id: VisitorId,
    /// Visitor's name as this PC shows it ("[dihapus]" after erasure).
    pub visitor_name: String,
    /// Organisation.
    pub visitor_org: Option<String>,
    /// Subject.
    pub subject: String,
    /// Officer's NIP.
    pub officer_nip: Option<String>,
    /// Officer's name.
    pub officer_name: Option<String>,
    /// Arrival, RFC 3339 in the office's time zone.
    pub arrived_at: String,
    /// Start of service.
    pub started_at: Option<String>,
    /// End of service.
    pub finished_at: Option<String>,
    /// Waiting time, seconds (absent when unknown or flagged).
    pub waiting_seconds: Option<i64>,
    /// Waiting time as text, or the warning when flagged.
    pub waiting_text: Option<String>,
    /// Service duration, seconds (absent when unknown or flagged).
    pub duration_seconds: Option<i64>,
    /// Duration as text, or the warning when flagged.
    pub duration_text: Option<String>,
    /// "negative" / "absurd" when a time was flagged.
    pub timing_flag: Option<String>,
    /// Rating 1..5.
    pub score: Option<i64>,
    /// Its label ("Sangat Baik").
    pub score_label: Option<String>,
    /// Fields with concurrent values.
    pub conflicts: i64,
    /// Why the merged document is invalid (only in lists that include invalid sessions).
    pub invalid_reason: Option<String>,
    /// Why a person should look at it.
    pub review_reason: Option<String>,
}

fn flagged_text(flag: Option<&str>) -> String {
    match flag {
        Some("negative") => TimingFigure::Negative.text_id(),
        Some("absurd") => TimingFigure::Absurd.text_id(),
        _ => "PERIKSA: waktu tidak wajar (jam komputer tidak sesuai)".to_string(),
    }
}

impl SessionListRow {
    fn new(r: SessionRow, tz: chrono_tz::Tz, staff: &HashMap<String, String>) -> SessionListRow {
        let time = |t: Option<i64>| t.and_then(|t| dates::rfc3339(tz, t));
        // The projection keeps one flag: the duration's when it is flagged, else the waiting's.
        let duration_flagged = r.finished_at.is_some() && r.duration_seconds.is_none();
        let duration_text = match r.duration_seconds {
            Some(s) => Some(format_duration_id(s)),
            None if duration_flagged => Some(flagged_text(r.timing_flag.as_deref())),
            None => None,
        };
        let waiting_text = match r.waiting_seconds {
            Some(s) => Some(format_duration_id(s)),
            None if r.started_at.is_some() => {
                Some(flagged_text(if duration_flagged { None } else { r.timing_flag.as_deref() }))
            }
            None => None,
        };
        SessionListRow {
            id: r.id,
            ticket: r.ticket,
            category: CodeLabel::of(r.category),
            status: CodeLabel::of(r.status),
            visitor_id: r.visitor_id,
            visitor_name: r.visitor_name,
            visitor_org: r.visitor_org,
            subject: r.subject,
            officer_name: r
                .officer_nip
                .as_ref()
                .map(|n| staff.get(n).cloned().unwrap_or_else(|| UNKNOWN_STAFF.to_string())),
            officer_nip: r.officer_nip,
            arrived_at: time(Some(r.arrived_at)).unwrap_or_default(),
            started_at: time(r.started_at),
            finished_at: time(r.finished_at),
            waiting_seconds: r.waiting_seconds,
            waiting_text,
            duration_seconds: r.duration_seconds,
            duration_text,
            timing_flag: r.timing_flag,
            score_label: r.score.and_then(|s| Score::from_value(s).ok()).map(|s| s.label_id().to_string()),
            score: r.score,
            conflicts: r.conflicts,
            invalid_reason: r.invalid_reason,
            review_reason: r.review_reason,
        }
    }
}

/// The sessions of a filter as list rows, newest first (the store's list, with officers' names
/// and times in the office's time zone).
pub fn session_list(store: &Store, filter: &SessionFilter) -> Result<Vec<SessionListRow>> {
    let tz = store.timezone()?;
    let staff: HashMap<String, String> = store.list_staff()?.into_iter().map(|s| (s.nip, s.name)).collect();
    Ok(store.list_sessions(filter)?.into_iter().map(|r| SessionListRow::new(r, tz, &staff)).collect())
}

/// Waiting times or durations summed in SQL: their mean and how many were flagged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeanTiming {
    /// Sessions counted.
    pub counted: i64,
    /// Sessions whose time was flagged and left out.
    pub flagged: i64,
    /// Mean, seconds.
    pub mean_seconds: Option<f64>,
    /// Mean as text ("12 menit").
    pub mean_text: Option<String>,
}

impl MeanTiming {
    fn new(sum: i64, counted: i64, flagged: i64) -> MeanTiming {
        let mean_seconds = mean(sum, counted);
        MeanTiming { counted, flagged, mean_seconds, mean_text: dates::duration_text(mean_seconds) }
    }
}

/// Sessions of one category by status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryStatus {
    /// The category.
    pub category: CodeLabel,
    /// Its sessions.
    pub total: i64,
    /// By status, every status in lifecycle order.
    pub by_status: Vec<CountRow>,
}

/// The period summary (*Rekap Layanan*).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodSummary {
    /// Title, office, period, filter.
    pub header: ReportHeader,
    /// Sessions in the period.
    pub sessions_total: i64,
    /// By category, each by status.
    pub by_category: Vec<CategoryStatus>,
    /// By status over all categories.
    pub by_status: Vec<CountRow>,
    /// Waiting time of the sessions that started.
    pub waiting: MeanTiming,
    /// Service duration of the sessions that finished.
    pub duration: MeanTiming,
    /// Ratings, with the converted index.
    pub rating: RatingSummary,
    /// The sessions, newest first (`None` from [`period_totals`]).
    pub sessions: Option<Vec<SessionListRow>>,
}

/// The totals of the period summary, without the session list (cheap over any period).
pub fn period_totals(store: &Store, period: &Period, filter: &ReportFilter) -> Result<PeriodSummary> {
    let ctx = Context::new(store, "Rekap Layanan", period, filter)?;
    // Summed from the day aggregates (see `days`).
    let mut timing = [0i64; 6];
    let mut scores = [0i64; 5];
    let mut pairs: Vec<(String, String, i64)> = Vec::new();
    super::days::for_each(store, period, filter, |row| {
        for (i, n) in row.status.iter().enumerate().filter(|(_, n)| **n > 0) {
            // Statuses this build does not know count in the totals only, as a code no row has.
            let status = super::days::STATUSES.get(i).copied().unwrap_or("\u{0}");
            match pairs.iter_mut().find(|(c, s, _)| c == row.category && s == status) {
                Some(p) => p.2 += n,
                None => pairs.push((row.category.to_string(), status.to_string(), *n)),
            }
        }
        for (t, v) in timing.iter_mut().zip(row.wait.iter().chain(&row.duration)) {
            *t += v;
        }
        for (a, b) in scores.iter_mut().zip(row.scores) {
            *a += b;
        }
        Ok(())
    })?;
    let counts: HashMap<(String, String), i64> = pairs.into_iter().map(|(c, s, n)| ((c, s), n)).collect();
    let total: i64 = counts.values().sum();
    let status_rows = |of: &dyn Fn(&str) -> bool, whole: i64| -> Vec<CountRow> {
        SessionStatus::ALL
            .iter()
            .map(|st| {
                let n: i64 =
                    counts.iter().filter(|((c, s), _)| of(c) && s == st.code()).map(|(_, n)| n).sum();
                CountRow {
                    code: Some(st.code().into()),
                    label: st.label_id().into(),
                    count: n,
                    share: share(n, whole),
                }
            })
            .collect()
    };
    let by_category = Category::ALL
        .iter()
        .filter(|c| filter.category.is_none_or(|f| f == **c))
        .map(|c| {
            let n: i64 = counts.iter().filter(|((k, _), _)| k == c.code()).map(|(_, n)| n).sum();
            CategoryStatus {
                category: CodeLabel::of(*c),
                total: n,
                by_status: status_rows(&|k: &str| k == c.code(), n),
            }
        })
        .collect();
    Ok(PeriodSummary {
        header: ctx.header,
        sessions_total: total,
        by_category,
        by_status: status_rows(&|_: &str| true, total),
        waiting: MeanTiming::new(timing[0], timing[1], timing[2]),
        duration: MeanTiming::new(timing[3], timing[4], timing[5]),
        rating: RatingSummary::from_counts(scores),
        sessions: None,
    })
}

/// The period summary with the list of the period's sessions.
pub fn period_summary(store: &Store, period: &Period, filter: &ReportFilter) -> Result<PeriodSummary> {
    let mut summary = period_totals(store, period, filter)?;
    summary.sessions = Some(session_list(
        store,
        &SessionFilter {
            category: filter.category,
            officer: filter.officer.as_ref().map(|n| n.to_string()),
            from: period.from,
            to: period.to,
            ..Default::default()
        },
    )?);
    Ok(summary)
}

fn local_time(rfc3339: Option<&str>) -> Cell {
    Cell::opt_datetime(rfc3339.and_then(naive_local))
}

/// The session list as a table (also the sessions export); `zone` names the time zone in the
/// time columns' headers ("WITA").
pub(crate) fn sessions_table(rows: &[SessionListRow], zone: &str) -> Table {
    let (arrived, started, finished) =
        (format!("Datang ({zone})"), format!("Mulai ({zone})"), format!("Selesai ({zone})"));
    let mut t = Table::new(
        "Layanan",
        "Daftar Layanan",
        &[
            ("No. tiket", 18.0),
            ("Kategori", 12.0),
            ("Status", 14.0),
            ("Nama pengunjung", 24.0),
            ("Instansi/perusahaan", 24.0),
            ("Perihal", 36.0),
            ("NIP petugas", 20.0),
            ("Nama petugas", 24.0),
            (&arrived, 17.0),
            (&started, 17.0),
            (&finished, 17.0),
            ("Waktu tunggu (menit)", 10.0),
            ("Lama layanan (menit)", 10.0),
            ("Catatan waktu", 24.0),
            ("Nilai (1–5)", 8.0),
            ("Keterangan nilai", 12.0),
            ("Konflik", 8.0),
            ("Perlu ditinjau", 24.0),
            ("Tidak valid", 16.0),
            ("ID layanan", 38.0),
            ("ID pengunjung", 38.0),
        ],
    );
    let minutes = |s: Option<i64>| Cell::opt_num(s.map(|s| s as f64 / 60.0), 1);
    for r in rows {
        let flagged = r.timing_flag.as_ref().map(|_| {
            if r.duration_seconds.is_none() && r.finished_at.is_some() {
                r.duration_text.clone().unwrap_or_default()
            } else {
                r.waiting_text.clone().unwrap_or_default()
            }
        });
        t.push(vec![
            Cell::text(&r.ticket),
            Cell::text(&r.category.label),
            Cell::text(&r.status.label),
            Cell::text(&r.visitor_name),
            Cell::opt_text(r.visitor_org.clone()),
            Cell::text(&r.subject),
            Cell::opt_text(r.officer_nip.clone()),
            Cell::opt_text(r.officer_name.clone()),
            local_time(Some(&r.arrived_at)),
            local_time(r.started_at.as_deref()),
            local_time(r.finished_at.as_deref()),
            minutes(r.waiting_seconds),
            minutes(r.duration_seconds),
            Cell::opt_text(flagged),
            Cell::opt_int(r.score),
            Cell::opt_text(r.score_label.clone()),
            Cell::Int(r.conflicts),
            Cell::opt_text(r.review_reason.clone()),
            Cell::opt_text(r.invalid_reason.clone()),
            Cell::Text(r.id.to_text()),
            Cell::Text(r.visitor_id.to_text()),
        ]);
    }
    t
}

/// Local wall-clock time of an RFC 3339 string written by this module.
pub fn naive_local(rfc3339: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(rfc3339).ok().map(|t| t.naive_local())
}

impl Tabular for PeriodSummary {
    fn tables(&self) -> Vec<Table> {
        let mut cols: Vec<(&str, f64)> = vec![("Kategori", 16.0), ("Jumlah", 10.0)];
        let labels: Vec<&str> = SessionStatus::ALL.iter().map(|s| s.label_id()).collect();
        cols.extend(labels.iter().map(|l| (*l, 12.0)));
        let mut t = Table::new("Rekap", "Rekap Layanan", &cols);
        let mut line = |name: &str, total: i64, rows: &[CountRow]| {
            let mut cells = vec![Cell::text(name), Cell::Int(total)];
            cells.extend(rows.iter().map(|r| Cell::Int(r.count)));
            t.push(cells);
        };
        for c in &self.by_category {
            line(&c.category.label, c.total, &c.by_status);
        }
        line("Jumlah", self.sessions_total, &self.by_status);
        let mut figures = Table::new(
            "Waktu dan nilai",
            "Waktu layanan dan penilaian",
            &[("Uraian", 40.0), ("Nilai", 14.0)],
        );
        let m = |s: Option<f64>| Cell::opt_num(s.map(|s| s / 60.0), 1);
        figures.push(vec![Cell::text("Rata-rata waktu tunggu (menit)"), m(self.waiting.mean_seconds)]);
        figures.push(vec![
            Cell::text("Waktu tunggu ditandai (tidak dihitung)"),
            Cell::Int(self.waiting.flagged),
        ]);
        figures.push(vec![Cell::text("Rata-rata lama layanan (menit)"), m(self.duration.mean_seconds)]);
        figures.push(vec![
            Cell::text("Lama layanan ditandai (tidak dihitung)"),
            Cell::Int(self.duration.flagged),
        ]);
        figures.push(vec![Cell::text("Jumlah penilaian"), Cell::Int(self.rating.count)]);
        figures.push(vec![Cell::text("Rata-rata nilai (1–5)"), Cell::opt_num(self.rating.mean, 2)]);
        figures.push(vec![
            Cell::Text(format!("Indeks ({})", self.rating.index_label)),
            Cell::opt_num(self.rating.index, 2),
        ]);
        figures.push(vec![
            Cell::text("Mutu pelayanan"),
            Cell::opt_text(self.rating.grade.as_ref().map(|g| format!("{} ({})", g.letter, g.label))),
        ]);
        let mut out = vec![t, figures];
        if let Some(rows) = &self.sessions {
            out.push(sessions_table(rows, &self.header.timezone_abbr));
        }
        out
    }
}
