//! Objection deadlines from the store's holiday table (the 2026 list shipped at init): a weekend
//! and a holiday roll-over, late filings and a late answer; outcomes once the projection has
//! them.

use amer_core::model::{Category, Objection, ObjectionOutcome};
use amer_core::report::{objections, Period, ReportFilter};
use amer_core::Store;

use crate::*;

fn objection(announced: &str, filed: Option<&str>, answered: Option<&str>) -> Objection {
    Objection {
        mode: None,
        announced_on: Some(date(announced)),
        filed_on: filed.map(date),
        via_spse: true,
        grounds: Vec::new(),
        answered_on: answered.map(date),
        outcome: Some(ObjectionOutcome::Rejected),
    }
}

fn sanggahan(store: &Store, subject: &str, arrived: &str, o: Objection) {
    let mut s = Spec::new(Category::Sanggahan, subject, arrived);
    s.objection = Some(o);
    craft(store, &s);
}

fn fixture(store: &Store) {
    // Mon 2 Nov + 5 = Sat 7 Nov (weekend) → Mon 9 Nov; + 3 = Thu 12 Nov. Filed on the last day,
    // answered a day late.
    sanggahan(
        store,
        "Sanggah paket jalan",
        "2026-11-03 09:00",
        objection("2026-11-02", Some("2026-11-09"), Some("2026-11-13")),
    );
    // Thu 12 Mar + 5 = Tue 17 Mar; + 3 = Fri 20 Mar (cuti bersama Idulfitri), weekend, Mon 23 and
    // Tue 24 (cuti bersama) → Wed 25 Mar. Filed a day late, answered on the last day.
    sanggahan(
        store,
        "Sanggah paket sekolah",
        "2026-03-13 09:00",
        objection("2026-03-12", Some("2026-03-18"), Some("2026-03-25")),
    );
    // Wed 12 Aug + 5 = Mon 17 Aug (Proklamasi) → Tue 18 Aug; + 3 = Fri 21 Aug. Filed late (19
    // Aug), never answered.
    sanggahan(
        store,
        "Sanggah paket puskesmas",
        "2026-08-13 09:00",
        objection("2026-08-12", Some("2026-08-19"), None),
    );
    // A sanggahan without an announcement date is not in the report; an invalid one neither.
    let mut no_date = objection("2026-08-12", None, None);
    no_date.announced_on = None;
    sanggahan(store, "Tanya prosedur sanggah", "2026-08-14 09:00", no_date);
    let mut bad = Spec::new(Category::Sanggahan, "Rusak", "2026-08-14 10:00");
    bad.objection = Some(objection("2026-08-12", Some("2026-08-30"), None));
    craft_invalid(store, bad);
}

#[test]
fn deadlines_roll_over_weekends_and_holidays_and_late_filings_show() {
    let s = office();
    fixture(&s);
    let r = objections(&s, &Period::all(), &ReportFilter::default()).expect("report");
    type Line<'a> = (&'a str, String, String, Option<bool>, Option<bool>);
    let got: Vec<Line> = r
        .rows
        .iter()
        .map(|o| {
            (
                o.subject.as_str(),
                o.filing_deadline.to_string(),
                o.answer_deadline.to_string(),
                o.filed_late,
                o.answered_late,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("Sanggah paket sekolah", "2026-03-17".into(), "2026-03-25".into(), Some(true), Some(false)),
            ("Sanggah paket puskesmas", "2026-08-18".into(), "2026-08-21".into(), Some(true), None),
            ("Sanggah paket jalan", "2026-11-09".into(), "2026-11-12".into(), Some(false), Some(true)),
        ]
    );
    assert_eq!(
        r.rows[2].deadline_notes,
        ["Batas akhir sanggah 7 November 2026 jatuh pada akhir pekan, digeser ke 9 November 2026"]
    );
    assert_eq!(
        r.rows[0].deadline_notes,
        ["Batas jawaban 20 Maret 2026 jatuh pada hari libur (Cuti bersama Idulfitri 1447 H), digeser ke 25 Maret 2026"]
    );
    assert!(r.rows[1].deadline_notes[0].contains("Proklamasi"), "{:?}", r.rows[1].deadline_notes);
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Makassar).date_naive();
    assert_eq!(r.rows[1].answer_overdue, today > date("2026-08-21"), "unanswered after its deadline");
    assert!(!r.rows[0].answer_overdue && !r.rows[2].answer_overdue, "answered ones are not overdue");
    let sum = &r.summary;
    assert_eq!((sum.total, sum.filed, sum.filed_late, sum.not_filed), (3, 3, 2, 0));
    assert_eq!((sum.answered, sum.answered_late), (2, 1));
    // Schema 3 projects the outcome recorded in each document (all three were rejected).
    assert!(r.outcomes_available);
    assert_eq!((sum.upheld, sum.rejected, sum.outcome_unknown), (0, 3, 0));
    // Periods select by arrival.
    let march =
        objections(&s, &Period::month(2026, 3).expect("p"), &ReportFilter::default()).expect("report");
    assert_eq!(march.rows.len(), 1);
}

#[test]
fn outcomes_are_read_once_the_projection_holds_them() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("amer.db");
    let s = Store::open(&path).expect("open");
    init(&s);
    fixture(&s);
    // Outcomes are read from the projection column of schema 3 (changed here behind the store's
    // back to show the report reads the column, not the documents).
    let conn = rusqlite::Connection::open(&path).expect("conn");
    conn.execute_batch(
        "UPDATE sessions SET objection_outcome = 'rejected' WHERE subject = 'Sanggah paket sekolah';
         UPDATE sessions SET objection_outcome = 'upheld' WHERE subject = 'Sanggah paket jalan';",
    )
    .expect("alter");
    drop(conn);
    let r = objections(&s, &Period::all(), &ReportFilter::default()).expect("report");
    assert!(r.outcomes_available);
    assert_eq!(r.rows[0].outcome.as_ref().map(|o| o.label.as_str()), Some("Sanggah tidak benar"));
    assert_eq!(r.rows[2].outcome.as_ref().map(|o| o.code.as_str()), Some("upheld"));
    assert_eq!((r.summary.upheld, r.summary.rejected, r.summary.outcome_unknown), (1, 2, 0));
}
