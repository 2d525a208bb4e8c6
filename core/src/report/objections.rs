//! Objections (*sanggahan*): for each objection session with an announcement date, the filing
//! and answer deadlines from the office's holiday table (5 calendar days to file, the pokja's
//! answer within 3 more; a deadline on a weekend or holiday moves to the next working day),
//! whether the filing and the answer were late, and the outcome.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;

use super::{dates, CodeLabel, Context, Period, ReportFilter, ReportHeader, Scope};
use crate::export::{Cell, Table, Tabular};
use crate::ids::SessionId;
use crate::model::{HolidayTable, ObjectionOutcome, SessionStatus};
use crate::{Result, Store};

/// One objection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectionRow {
    /// Session id.
    pub session_id: SessionId,
    /// Ticket.
    pub ticket: String,
    /// Subject.
    pub subject: String,
    /// Tender/RUP code.
    pub package_code: Option<String>,
    /// Package name.
    pub package_name: Option<String>,
    /// OPD.
    pub opd: Option<String>,
    /// Session status.
    pub status: CodeLabel,
    /// The announcement of the tender result.
    pub announced: NaiveDate,
    /// Last day to file.
    pub filing_deadline: NaiveDate,
    /// Last day for the pokja's answer.
    pub answer_deadline: NaiveDate,
    /// Why a deadline moved ("… jatuh pada akhir pekan, digeser ke …"), for the printout.
    pub deadline_notes: Vec<String>,
    /// When the objection was filed, if recorded.
    pub filed_on: Option<NaiveDate>,
    /// Filed after the deadline (`None` when not filed).
    pub filed_late: Option<bool>,
    /// When the pokja answered, if recorded.
    pub answered_on: Option<NaiveDate>,
    /// Answered after the deadline (`None` when not answered).
    pub answered_late: Option<bool>,
    /// No answer recorded and the answer deadline has passed (office's today).
    pub answer_overdue: bool,
    /// Upheld or rejected, when known (see [`ObjectionReport::outcomes_available`]).
    pub outcome: Option<CodeLabel>,
}

/// Counts over the objections of the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObjectionSummary {
    /// Objections with an announcement date.
    pub total: i64,
    /// With a filing date.
    pub filed: i64,
    /// Filed late.
    pub filed_late: i64,
    /// Without a filing date.
    pub not_filed: i64,
    /// With an answer date.
    pub answered: i64,
    /// Answered late.
    pub answered_late: i64,
    /// Unanswered after the answer deadline.
    pub answer_overdue: i64,
    /// Upheld (*sanggah benar*).
    pub upheld: i64,
    /// Rejected (*sanggah tidak benar*).
    pub rejected: i64,
    /// Outcome not recorded.
    pub outcome_unknown: i64,
}

/// The objections report (*Rekap Sanggahan*).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectionReport {
    /// Title, office, period, filter.
    pub header: ReportHeader,
    /// Objections by announcement date.
    pub rows: Vec<ObjectionRow>,
    /// Counts.
    pub summary: ObjectionSummary,
    /// Whether this store's projection holds objection outcomes (schema with
    /// `sessions.objection_outcome`); without it every outcome is `None`.
    pub outcomes_available: bool,
}

/// Why a date is not a working day ("akhir pekan", the holiday's name), if it is not.
fn non_working_reason(h: &HolidayTable, d: NaiveDate) -> Option<String> {
    if let Some(day) = h.get(d) {
        return Some(format!("hari libur ({})", day.name));
    }
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun).then(|| "akhir pekan".to_string())
}

fn moved_note(h: &HolidayTable, what: &str, raw: NaiveDate, deadline: NaiveDate) -> Option<String> {
    (raw != deadline).then(|| {
        let why = non_working_reason(h, raw).unwrap_or_else(|| "hari libur".into());
        format!("{what} {} jatuh pada {why}, digeser ke {}", dates::date_id(raw), dates::date_id(deadline))
    })
}

fn parse_date(s: Option<&str>) -> Option<NaiveDate> {
    let s = s?;
    // The projection writes `YYYY-MM-DD`; read that shape directly (a report reads 100,000s of
    // them), anything else through the general parser.
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) {
            return NaiveDate::from_ymd_opt(y as i32, m, d);
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The objections of the sanggahan sessions that arrived in `period` and match `filter`.
pub fn objections(store: &Store, period: &Period, filter: &ReportFilter) -> Result<ObjectionReport> {
    let ctx = Context::new(store, "Rekap Sanggahan", period, filter)?;
    let holidays = store.holidays()?;
    let today = dates::today(ctx.tz);
    let scope = Scope::sessions(ctx.tz, period, filter)
        .and("s.category = 'sanggahan' AND s.objection_announced IS NOT NULL");
    let mut summary = ObjectionSummary::default();
    // Many objections share an announcement day (one tender result, several bidders).
    // Deadlines and their notes depend on the announcement day alone: computed once per day.
    type Deadlines = (crate::model::ObjectionDeadlines, Vec<String>);
    let mut deadlines: std::collections::HashMap<NaiveDate, Deadlines> = std::collections::HashMap::new();
    let mut statuses: Vec<(String, CodeLabel)> = Vec::new();
    let mut rows = Vec::new();
    // One pass over the rows as SQLite returns them: ids, codes and dates are read in place.
    let outcomes_available = store.read(|tx| {
        let has_outcome: bool = tx.query_row(
            "SELECT COUNT(*) FROM pragma_table_info('sessions') WHERE name = 'objection_outcome'",
            [],
            |r| r.get(0),
        )?;
        let outcome = if has_outcome { "s.objection_outcome" } else { "NULL" };
        // The partial covering index of schema 4 holds exactly these rows, in this order; the
        // planner would otherwise walk the period through the report index and sort.
        let mut st = tx.prepare(&format!(
            "SELECT s.id, s.ticket, s.subject, s.package_code, s.package_name, s.opd, s.status,
                    s.objection_announced, s.objection_filed, s.objection_answered, {outcome}
             FROM sessions s INDEXED BY sessions_objections WHERE {} ORDER BY s.objection_announced, s.ticket",
            scope.sql
        ))?;
        let mut query = st.query(scope.params())?;
        while let Some(r) = query.next()? {
            let text = |i: usize| super::row_str(r, i).map(|t| (!t.is_empty()).then_some(t));
            let Some(announced) = parse_date(text(7)?) else { continue };
            let (dl, notes) = deadlines.entry(announced).or_insert_with(|| {
                let dl = holidays.objection_deadlines(announced);
                let notes = [
                    moved_note(&holidays, "Batas akhir sanggah", announced + Duration::days(5), dl.filing_deadline),
                    moved_note(&holidays, "Batas jawaban", dl.filing_deadline + Duration::days(3), dl.answer_deadline),
                ]
                .into_iter()
                .flatten()
                .collect();
                (dl, notes)
            });
            let dl = *dl;
            let filed_on = parse_date(text(8)?);
            let answered_on = parse_date(text(9)?);
            let outcome = text(10)?.and_then(<ObjectionOutcome as crate::model::Coded>::from_code);
            let status_code = super::row_str(r, 6)?;
            let status = match statuses.iter().find(|(c, _)| c == status_code) {
                Some((_, label)) => label.clone(),
                None => {
                    let label = CodeLabel::from_code::<SessionStatus>(status_code);
                    statuses.push((status_code.to_string(), label.clone()));
                    label
                }
            };
            let row = ObjectionRow {
                session_id: SessionId::parse(super::row_str(r, 0)?)?,
                ticket: r.get(1)?,
                subject: r.get(2)?,
                package_code: r.get(3)?,
                package_name: r.get(4)?,
                opd: r.get(5)?,
                status,
                announced,
                filing_deadline: dl.filing_deadline,
                answer_deadline: dl.answer_deadline,
                deadline_notes: notes.clone(),
                filed_on,
                filed_late: filed_on.map(|d| dl.filed_late(d)),
                answered_on,
                answered_late: answered_on.map(|d| dl.answered_late(d)),
                answer_overdue: answered_on.is_none() && today > dl.answer_deadline,
                outcome: outcome.map(CodeLabel::of),
            };
            summary.total += 1;
            match row.filed_late {
                Some(late) => {
                    summary.filed += 1;
                    summary.filed_late += late as i64;
                }
                None => summary.not_filed += 1,
            }
            if let Some(late) = row.answered_late {
                summary.answered += 1;
                summary.answered_late += late as i64;
            }
            summary.answer_overdue += row.answer_overdue as i64;
            match outcome {
                Some(ObjectionOutcome::Upheld) => summary.upheld += 1,
                Some(ObjectionOutcome::Rejected) => summary.rejected += 1,
                None => summary.outcome_unknown += 1,
            }
            rows.push(row);
        }
        Ok(has_outcome)
    })?;
    Ok(ObjectionReport { header: ctx.header, rows, summary, outcomes_available })
}

impl Tabular for ObjectionReport {
    fn tables(&self) -> Vec<Table> {
        let mut t = Table::new(
            "Sanggahan",
            "Rekap Sanggahan",
            &[
                ("No. tiket", 18.0),
                ("Perihal", 30.0),
                ("Kode paket", 14.0),
                ("Nama paket", 30.0),
                ("OPD", 20.0),
                ("Pengumuman", 12.0),
                ("Batas akhir sanggah", 12.0),
                ("Tanggal sanggah", 12.0),
                ("Terlambat sanggah", 10.0),
                ("Batas jawaban", 12.0),
                ("Tanggal jawaban", 12.0),
                ("Jawaban terlambat", 10.0),
                ("Belum dijawab lewat batas", 10.0),
                ("Hasil", 18.0),
                ("Keterangan", 40.0),
            ],
        );
        for r in &self.rows {
            t.push(vec![
                Cell::text(&r.ticket),
                Cell::text(&r.subject),
                Cell::opt_text(r.package_code.clone()),
                Cell::opt_text(r.package_name.clone()),
                Cell::opt_text(r.opd.clone()),
                Cell::Date(r.announced),
                Cell::Date(r.filing_deadline),
                Cell::opt_date(r.filed_on),
                Cell::yes_no(r.filed_late),
                Cell::Date(r.answer_deadline),
                Cell::opt_date(r.answered_on),
                Cell::yes_no(r.answered_late),
                Cell::yes_no(Some(r.answer_overdue)),
                Cell::opt_text(r.outcome.as_ref().map(|o| o.label.clone())),
                Cell::text(r.deadline_notes.join("; ")),
            ]);
        }
        let s = &self.summary;
        let mut sum = Table::new("Ringkasan", "Ringkasan sanggahan", &[("Uraian", 36.0), ("Jumlah", 10.0)]);
        for (what, n) in [
            ("Sanggahan (dengan tanggal pengumuman)", s.total),
            ("Diajukan", s.filed),
            ("Diajukan terlambat", s.filed_late),
            ("Belum/tidak diajukan", s.not_filed),
            ("Dijawab", s.answered),
            ("Dijawab terlambat", s.answered_late),
            ("Belum dijawab melewati batas", s.answer_overdue),
            ("Sanggah benar", s.upheld),
            ("Sanggah tidak benar", s.rejected),
            ("Hasil belum tercatat", s.outcome_unknown),
        ] {
            sum.push(vec![Cell::text(what), Cell::Int(n)]);
        }
        vec![t, sum]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projected_dates_parse_like_the_general_parser() {
        let d = |s: &str| parse_date(Some(s));
        assert_eq!(d("2026-03-02"), NaiveDate::from_ymd_opt(2026, 3, 2));
        assert_eq!(d("2026-02-30"), None, "an impossible date");
        assert_eq!(d("2026-3-2"), NaiveDate::from_ymd_opt(2026, 3, 2), "other shapes still parse");
        assert_eq!(d("2026-0a-02"), None);
        assert_eq!(parse_date(None), None);
    }
}
