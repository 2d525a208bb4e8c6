//! *Rekap Kinerja Petugas*: per officer, the sessions served, service duration (mean and median,
//! flagged timings left out and counted), waiting time, ratings and the converted satisfaction
//! index. The figures feed the civil servants' (ASN) performance assessment.

use std::collections::HashMap;

use serde::Serialize;

use super::days::{self, DayRow, Multiset};
use super::satisfaction::{index_cells, RatingSummary};
use super::{dates, mean, Context, OfficerRef, Period, ReportFilter, ReportHeader};
use crate::export::{Cell, Table, Tabular};
use crate::{Result, Store};

/// Waiting times or service durations of a set of sessions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimingStats {
    /// Sessions whose time is plausible and counted.
    pub counted: i64,
    /// Sessions whose time was flagged (negative or over 12 hours: clocks of two PCs disagree
    /// or a session was never finished) and left out of the figures.
    pub flagged: i64,
    /// Mean, seconds.
    pub mean_seconds: Option<f64>,
    /// Median, seconds.
    pub median_seconds: Option<f64>,
    /// Mean as text ("12 menit").
    pub mean_text: Option<String>,
    /// Median as text.
    pub median_text: Option<String>,
}

impl TimingStats {
    fn from_multiset(values: &Multiset, flagged: i64) -> TimingStats {
        let mean_seconds = mean(values.sum(), values.count());
        let median_seconds = values.median();
        TimingStats {
            counted: values.count(),
            flagged,
            mean_seconds,
            median_seconds,
            mean_text: dates::duration_text(mean_seconds),
            median_text: dates::duration_text(median_seconds),
        }
    }
}

/// The figures of one officer (or of all of them together).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformanceFigures {
    /// Sessions assigned to the officer that arrived in the period.
    pub sessions_assigned: i64,
    /// Of those, finished (served), rated or not.
    pub sessions_served: i64,
    /// Of those, cancelled (the visitor left).
    pub sessions_cancelled: i64,
    /// Service duration (finished − started) of the sessions served.
    pub duration: TimingStats,
    /// Waiting time (started − arrived) of the sessions served.
    pub waiting: TimingStats,
    /// Ratings of the sessions served, with the converted index and grade.
    pub rating: RatingSummary,
}

/// One officer's line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfficerPerformance {
    /// Who.
    pub officer: OfficerRef,
    /// Their figures.
    #[serde(flatten)]
    pub figures: PerformanceFigures,
}

/// The staff performance report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StaffPerformance {
    /// Title, office, period, filter.
    pub header: ReportHeader,
    /// One line per officer with sessions in the period, by name.
    pub officers: Vec<OfficerPerformance>,
    /// All officers together.
    pub total: PerformanceFigures,
}

/// One officer's sums over the aggregate rows of a report.
#[derive(Default)]
struct Tally {
    assigned: i64,
    served: i64,
    cancelled: i64,
    durations: Multiset,
    duration_flagged: i64,
    waits: Multiset,
    wait_flagged: i64,
    scores: [i64; 5],
}

impl Tally {
    fn add_row(&mut self, row: &DayRow<'_>) -> Result<()> {
        self.assigned += row.sessions();
        self.served += row.status[3] + row.status[4];
        self.cancelled += row.status[5];
        self.durations.add_encoded(row.served_durations)?;
        // A served session without a duration is a flagged one (the day counts them for all).
        self.duration_flagged += row.duration[2];
        self.waits.add_encoded(row.served_waits)?;
        self.wait_flagged += row.served_wait_flagged;
        for (a, b) in self.scores.iter_mut().zip(row.served_scores) {
            *a += b;
        }
        Ok(())
    }
    fn add(&mut self, other: &Tally) {
        self.assigned += other.assigned;
        self.served += other.served;
        self.cancelled += other.cancelled;
        self.durations.merge(&other.durations);
        self.duration_flagged += other.duration_flagged;
        self.waits.merge(&other.waits);
        self.wait_flagged += other.wait_flagged;
        for (a, b) in self.scores.iter_mut().zip(other.scores) {
            *a += b;
        }
    }
    fn figures(self) -> PerformanceFigures {
        PerformanceFigures {
            sessions_assigned: self.assigned,
            sessions_served: self.served,
            sessions_cancelled: self.cancelled,
            duration: TimingStats::from_multiset(&self.durations, self.duration_flagged),
            waiting: TimingStats::from_multiset(&self.waits, self.wait_flagged),
            rating: RatingSummary::from_counts(self.scores),
        }
    }
}

/// The staff performance of the sessions that arrived in `period` and match `filter`.
///
/// Served means finished (status finished or rated). A served session's duration is NULL in the
/// projection exactly when it was flagged (finishing requires a start), and so is its waiting
/// time. One pass over the period's rows; medians from the collected values.
pub fn staff_performance(store: &Store, period: &Period, filter: &ReportFilter) -> Result<StaffPerformance> {
    let ctx = Context::new(store, "Rekap Kinerja Petugas", period, filter)?;
    let mut tallies: HashMap<String, Tally> = HashMap::new();
    // The day aggregates (see `days`): unassigned sessions are counted there under "".
    days::for_each(store, period, filter, |row| {
        if row.officer.is_empty() {
            return Ok(());
        }
        let t = match tallies.get_mut(row.officer) {
            Some(t) => t,
            None => tallies.entry(row.officer.to_string()).or_default(),
        };
        t.add_row(row)
    })?;
    let staff: HashMap<String, (String, Option<String>)> = store.read(|tx| {
        let mut st = tx.prepare("SELECT nip, name, title FROM staff")?;
        let staff = st
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(staff)
    })?;
    let mut total = Tally::default();
    let mut officers: Vec<OfficerPerformance> = tallies
        .into_iter()
        .map(|(nip, t)| {
            total.add(&t);
            let (name, title) = staff.get(&nip).cloned().map_or((None, None), |(n, t)| (Some(n), t));
            OfficerPerformance { officer: OfficerRef::new(&nip, name, title), figures: t.figures() }
        })
        .collect();
    officers.sort_by(|a, b| a.officer.name.cmp(&b.officer.name).then(a.officer.nip.cmp(&b.officer.nip)));
    Ok(StaffPerformance { header: ctx.header, officers, total: total.figures() })
}

fn figure_cells(f: &PerformanceFigures) -> Vec<Cell> {
    let minutes = |s: Option<f64>| Cell::opt_num(s.map(|s| s / 60.0), 1);
    let mut cells = vec![
        Cell::Int(f.sessions_assigned),
        Cell::Int(f.sessions_served),
        Cell::Int(f.sessions_cancelled),
        minutes(f.duration.mean_seconds),
        minutes(f.duration.median_seconds),
        Cell::Int(f.duration.flagged),
        minutes(f.waiting.mean_seconds),
    ];
    cells.extend(index_cells(&f.rating));
    cells
}

impl Tabular for StaffPerformance {
    fn tables(&self) -> Vec<Table> {
        let mut t = Table::new(
            "Kinerja petugas",
            "Rekap Kinerja Petugas",
            &[
                ("NIP", 22.0),
                ("Nama petugas", 26.0),
                ("Ditugaskan", 11.0),
                ("Dilayani (selesai)", 11.0),
                ("Dibatalkan", 11.0),
                ("Rata-rata lama layanan (menit)", 14.0),
                ("Median lama layanan (menit)", 14.0),
                ("Waktu ditandai (tidak dihitung)", 14.0),
                ("Rata-rata waktu tunggu (menit)", 14.0),
                ("Jumlah penilaian", 11.0),
                ("Rata-rata nilai (1–5)", 11.0),
                ("Nilai ≥ 4", 10.0),
                ("Indeks (setara IKM, konversi skala 1–5)", 16.0),
                ("Mutu", 8.0),
                ("Kinerja", 14.0),
            ],
        );
        for o in &self.officers {
            let mut row = vec![Cell::text(&o.officer.nip_formatted), Cell::text(&o.officer.name)];
            row.extend(figure_cells(&o.figures));
            t.push(row);
        }
        let mut row = vec![Cell::Empty, Cell::text("Semua petugas")];
        row.extend(figure_cells(&self.total));
        t.push(row);
        vec![t]
    }
}
