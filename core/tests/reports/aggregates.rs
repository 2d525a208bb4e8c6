//! The day aggregates (schema 4) against a direct computation over the projection.
//!
//! A file store receives a few hundred sessions as documents (the feed API, as from a peer),
//! then rounds of changes: ratings added later, reassignments, sessions started, finished with
//! sane, negative and absurd times, cancelled, made invalid, a visitor erased, arrival dates
//! changed by merging a concurrently created document, and projection rows deleted. After each
//! round the performance, satisfaction and period-total reports (summed from the aggregates)
//! must equal figures computed here straight from the `sessions` table, for several periods
//! (including single days around midnight) and filters, to the last bit of every mean.

use std::collections::BTreeMap;

use amer_core::doc::session::{SessionInit, SessionOp};
use amer_core::doc::{self, Document};
use amer_core::model::{
    Category, Channel, Coded, Method, Nip, OneToFive, Package, PackageType, Score, Stage, Stamp,
};
use amer_core::report::topics::topics_from_projection;
use amer_core::report::{period_totals, satisfaction, staff_performance, topics, Period, ReportFilter};
use amer_core::store::{NewSession, VisitorInput};
use amer_core::{DocKind, SessionId, Store, VisitorId};

use crate::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const OFFICERS: [&str; 2] = [BUDI, DEWI];

/// An arrival: one of 40 days of March–April 2026, often right around local or UTC midnight.
fn arrival(rng: &mut Rng) -> i64 {
    let day = date("2026-03-01") + chrono::Duration::days(rng.below(40) as i64);
    let base = wita(&format!("{} 00:00", day.format("%Y-%m-%d")));
    let offset_s = match rng.below(5) {
        0 => rng.below(120) as i64,                 // just after local midnight
        1 => 86_400 - 1 - rng.below(120) as i64,    // just before it
        2 => 8 * 3600 + rng.below(120) as i64 - 60, // around UTC midnight (08:00 WITA)
        _ => 8 * 3600 + rng.below(8 * 3600) as i64, // office hours
    };
    base + offset_s * 1000
}

struct Live {
    id: SessionId,
    doc: Document,
    visitor: VisitorId,
    arrived: i64,
    started: Option<i64>,
    finished: bool,
    rated: bool,
}

fn stamp(at: i64) -> Stamp {
    Stamp { at, by: None, device: "T".into() }
}

const SUBJECTS: [&str; 6] = [
    "Tata cara e-purchasing",
    "tata  cara E-Purchasing.",
    "Jaminan penawaran",
    "Sanggah hasil évaluasi",
    " ",
    "Akun SPSE terkunci",
];
const WORDS: [&str; 10] =
    ["kontrak", "yang", "Évaluasi", "pokja", "dan", "jaminan", "HPS", "2026", "katalog", "di"];
const OPDS: [&str; 4] = ["Dinas PUPR", "Dinas Kesehatan ", "", "BPBD"];

fn new_doc(id: SessionId, category: Category, visitor: VisitorId, arrived: i64, n: u64) -> Document {
    let mut d = Document::new(id.doc(), DocKind::Session, &automerge::ActorId::random());
    let init = SessionInit {
        ticket: format!("{}-260302-Q-{n:04}", category.ticket_letter()),
        category,
        channel: Channel::TatapMuka,
        visitor,
        org: None,
        role: None,
        sealed: vec![0; 40],
        package: (!n.is_multiple_of(4)).then(|| Package {
            code: Some(format!("RUP-{n}")),
            name: None,
            opd: Some(OPDS[(n % 4) as usize].to_string()).filter(|o| !o.is_empty()),
            year: None,
            kind: PackageType::ALL.get((n % 5) as usize).copied(),
            method: Method::ALL.get((n % 7) as usize).copied(),
            value: None,
        }),
        stage: Stage::ALL.get((n % 6) as usize).copied(),
        subject: SUBJECTS[(n % 6) as usize].to_string(),
        description: None,
        objection: None,
        notes: (0..n % 5).map(|k| WORDS[((n + k * 3) % 10) as usize]).collect::<Vec<_>>().join(" "),
    };
    doc::session::create(&mut d, &init, &stamp(arrived)).expect("create");
    d
}

fn store_doc(s: &Store, l: &mut Live) {
    s.apply_doc(&l.id.doc(), DocKind::Session, &l.doc.save()).expect("apply");
}

fn op(l: &mut Live, op: SessionOp, at: i64) {
    doc::session::apply(&mut l.doc, &op, &stamp(at)).expect("op");
}

/// One step forward in a session's life, or a change of an earlier fact.
fn change(rng: &mut Rng, l: &mut Live) {
    let officer = OFFICERS[rng.below(2) as usize];
    match rng.below(10) {
        // Reassignment (or a first assignment).
        0 | 1 => op(l, SessionOp::Assign { officer: officer.into() }, l.arrived + 60_000),
        2 | 3 if l.started.is_none() => {
            op(l, SessionOp::Assign { officer: officer.into() }, l.arrived + 30_000);
            let at = l.arrived + (rng.below(3600) as i64) * 1000;
            op(l, SessionOp::Start, at);
            l.started = Some(at);
        }
        4 | 5 if l.started.is_some() && !l.finished => {
            let start = l.started.unwrap_or(l.arrived);
            let at = match rng.below(10) {
                0 => start - 120_000,          // clocks disagree: negative
                1 => start + 13 * 3600 * 1000, // absurd
                _ => start + (60 + rng.below(5400) as i64) * 1000,
            };
            op(l, SessionOp::Finish { recommendation: None, follow_up: None }, at);
            l.finished = true;
        }
        // A rating added later (or changed).
        6 | 7 if l.finished => {
            let score = Score::from_value(1 + rng.below(5) as i64).expect("score");
            op(l, SessionOp::Rate { score, comment: None, signed: true }, l.arrived + 7_200_000);
            l.rated = true;
        }
        // A rating without a finish: the document breaks the lifecycle (invalid).
        8 if !l.finished && rng.chance(30) => {
            let score = Score::from_value(1 + rng.below(5) as i64).expect("score");
            op(l, SessionOp::Rate { score, comment: None, signed: false }, l.arrived + 600_000);
        }
        9 if !l.rated && rng.chance(40) => {
            op(l, SessionOp::Cancel { reason: "pulang".into() }, l.arrived + 900_000)
        }
        _ => {
            let text = format!("catatan {} {}", WORDS[rng.below(10) as usize], WORDS[rng.below(10) as usize]);
            op(l, SessionOp::AppendNotes { text }, l.arrived + 1_000)
        }
    }
}

/// What the reports must say, computed straight from the projection.
#[derive(Default, Debug)]
struct Officer {
    assigned: i64,
    served: i64,
    cancelled: i64,
    durations: Vec<i64>,
    duration_flagged: i64,
    waits: Vec<i64>,
    wait_flagged: i64,
    scores: [i64; 5],
}

fn median(values: &mut [i64]) -> Option<f64> {
    values.sort_unstable();
    let n = values.len();
    match n {
        0 => None,
        n if n % 2 == 1 => Some(values[n / 2] as f64),
        n => Some((values[n / 2 - 1] + values[n / 2]) as f64 / 2.0),
    }
}

fn mean(values: &[i64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<i64>() as f64 / values.len() as f64)
}

type Row = (String, Option<String>, String, bool, Option<i64>, Option<i64>, Option<i64>);

fn projection_rows(
    db: &rusqlite::Connection,
    tz: chrono_tz::Tz,
    period: &Period,
    filter: &ReportFilter,
) -> Vec<Row> {
    let (from, to) = period.bounds(tz);
    let mut st = db
        .prepare(
            "SELECT category, officer_nip, status, started_at IS NOT NULL, waiting_s, duration_s, score
             FROM sessions WHERE invalid_reason IS NULL AND arrived_at >= ?1 AND arrived_at < ?2
               AND (?3 IS NULL OR category = ?3) AND (?4 IS NULL OR officer_nip = ?4)",
        )
        .expect("prepare");
    let category = filter.category.map(|c| amer_core::model::Coded::code(c).to_string());
    let officer = filter.officer.as_ref().map(|o| o.as_str().to_string());
    let rows = st
        .query_map(
            rusqlite::params![from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX), category, officer],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .expect("query");
    rows.collect::<rusqlite::Result<_>>().expect("rows")
}

fn check(
    s: &Store,
    db: &rusqlite::Connection,
    tz: chrono_tz::Tz,
    period: &Period,
    filter: &ReportFilter,
    what: &str,
) {
    let rows = projection_rows(db, tz, period, filter);
    let served = |status: &str| status == "finished" || status == "rated";

    // Staff performance.
    let mut officers: BTreeMap<String, Officer> = BTreeMap::new();
    for (_, nip, status, _, waiting, duration, score) in &rows {
        let Some(nip) = nip.as_deref().filter(|n| !n.is_empty()) else { continue };
        let o = officers.entry(nip.to_string()).or_default();
        o.assigned += 1;
        o.cancelled += (status == "cancelled") as i64;
        if !served(status) {
            continue;
        }
        o.served += 1;
        match duration {
            Some(d) => o.durations.push(*d),
            None => o.duration_flagged += 1,
        }
        match waiting {
            Some(w) => o.waits.push(*w),
            None => o.wait_flagged += 1,
        }
        if let Some(sc) = score {
            o.scores[(*sc - 1) as usize] += 1;
        }
    }
    let report = staff_performance(s, period, filter).expect("performance");
    let got: Vec<&str> = report.officers.iter().map(|o| o.officer.nip.as_str()).collect();
    let want: Vec<&str> = officers.keys().map(String::as_str).collect();
    let mut sorted = got.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, want, "{what}: officers");
    let mut total = Officer::default();
    let compare = |f: &amer_core::report::PerformanceFigures, o: &mut Officer, who: &str| {
        assert_eq!(
            (f.sessions_assigned, f.sessions_served, f.sessions_cancelled),
            (o.assigned, o.served, o.cancelled),
            "{what} {who}: counts"
        );
        let d = &f.duration;
        assert_eq!((d.counted, d.flagged), (o.durations.len() as i64, o.duration_flagged), "{what} {who}");
        assert_eq!(d.mean_seconds, mean(&o.durations), "{what} {who}: mean duration");
        assert_eq!(d.median_seconds, median(&mut o.durations), "{what} {who}: median duration");
        let w = &f.waiting;
        assert_eq!((w.counted, w.flagged), (o.waits.len() as i64, o.wait_flagged), "{what} {who}");
        assert_eq!(w.mean_seconds, mean(&o.waits), "{what} {who}: mean waiting");
        assert_eq!(w.median_seconds, median(&mut o.waits), "{what} {who}: median waiting");
        let counts: Vec<i64> = f.rating.distribution.iter().map(|x| x.count).collect();
        assert_eq!(counts, o.scores, "{what} {who}: ratings");
    };
    for o in &report.officers {
        let mut want = officers.remove(&o.officer.nip).expect("officer");
        total.assigned += want.assigned;
        total.served += want.served;
        total.cancelled += want.cancelled;
        total.durations.extend(&want.durations);
        total.duration_flagged += want.duration_flagged;
        total.waits.extend(&want.waits);
        total.wait_flagged += want.wait_flagged;
        for (a, b) in total.scores.iter_mut().zip(want.scores) {
            *a += b;
        }
        compare(&o.figures, &mut want, &o.officer.nip);
    }
    compare(&report.total, &mut total, "total");

    // Satisfaction.
    let mut overall = [0i64; 5];
    let mut per: BTreeMap<String, [i64; 5]> = BTreeMap::new();
    for (cat, _, _, _, _, _, score) in &rows {
        if let Some(sc) = score {
            overall[(*sc - 1) as usize] += 1;
            per.entry(cat.clone()).or_default()[(*sc - 1) as usize] += 1;
        }
    }
    let sat = satisfaction(s, period, filter).expect("satisfaction");
    let counts = |r: &amer_core::report::RatingSummary| -> Vec<i64> {
        r.distribution.iter().map(|x| x.count).collect()
    };
    assert_eq!(counts(&sat.overall), overall, "{what}: satisfaction");
    for c in &sat.by_category {
        assert_eq!(counts(&c.rating), per.get(&c.category.code).copied().unwrap_or_default(), "{what}");
    }

    // Period totals.
    let totals = period_totals(s, period, filter).expect("totals");
    assert_eq!(totals.sessions_total, rows.len() as i64, "{what}: total");
    for c in &totals.by_category {
        for st in &c.by_status {
            let n = rows
                .iter()
                .filter(|r| r.0 == c.category.code && Some(r.2.as_str()) == st.code.as_deref())
                .count() as i64;
            assert_eq!(st.count, n, "{what}: {} {:?}", c.category.code, st.code);
        }
    }
    let waits: Vec<i64> = rows.iter().filter_map(|r| r.4).collect();
    let wait_flagged = rows.iter().filter(|r| r.4.is_none() && r.3).count() as i64;
    let durations: Vec<i64> = rows.iter().filter_map(|r| r.5).collect();
    let duration_flagged = rows.iter().filter(|r| r.5.is_none() && served(&r.2)).count() as i64;
    assert_eq!(
        (totals.waiting.counted, totals.waiting.flagged, totals.waiting.mean_seconds),
        (waits.len() as i64, wait_flagged, mean(&waits)),
        "{what}: waiting"
    );
    assert_eq!(
        (totals.duration.counted, totals.duration.flagged, totals.duration.mean_seconds),
        (durations.len() as i64, duration_flagged, mean(&durations)),
        "{what}: duration"
    );
    assert_eq!(counts(&totals.rating), overall, "{what}: ratings in the totals");

    // What comes up most, against the report computed from every row and the full-text index.
    let (a, b) = (
        topics(s, period, filter, 5).expect("topics"),
        topics_from_projection(s, period, filter, 5).expect("topics from the projection"),
    );
    assert_eq!(a.sessions, b.sessions, "{what}: topics sessions");
    assert_eq!(a.by_category, b.by_category, "{what}: by category");
    assert_eq!(a.by_topic, b.by_topic, "{what}: by topic");
    assert_eq!(a.by_stage, b.by_stage, "{what}: by stage");
    assert_eq!(a.by_opd, b.by_opd, "{what}: by OPD");
    assert_eq!(a.by_package_type, b.by_package_type, "{what}: by package type");
    assert_eq!(a.by_method, b.by_method, "{what}: by method");
    assert_eq!(a.repeat_visitors, b.repeat_visitors, "{what}: repeat visitors");
    assert_eq!(a.top_words, b.top_words, "{what}: top words");
}

fn check_all(s: &Store, db: &rusqlite::Connection, tz: chrono_tz::Tz, round: usize) {
    let periods = [
        Period::all(),
        Period::month(2026, 3).expect("march"),
        Period::between(date("2026-03-10"), date("2026-04-03")).expect("range"),
        Period::between(date("2026-03-15"), date("2026-03-15")).expect("one day"),
        Period { from: Some(date("2026-03-20")), to: None },
        Period { from: None, to: Some(date("2026-03-05")) },
    ];
    let budi = Nip::parse(BUDI).expect("nip");
    let filters = [
        ReportFilter::default(),
        ReportFilter { category: Some(Category::Konsultasi), officer: None },
        ReportFilter { category: None, officer: Some(budi.clone()) },
        ReportFilter { category: Some(Category::Pengaduan), officer: Some(budi) },
    ];
    for (i, p) in periods.iter().enumerate() {
        for (j, f) in filters.iter().enumerate() {
            check(s, db, tz, p, f, &format!("round {round}, period {i}, filter {j}"));
        }
    }
}

#[test]
fn aggregated_reports_equal_the_projection_through_random_changes() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("amer.db");
    let s = Store::open(&path).expect("open");
    init(&s);
    let db = rusqlite::Connection::open(&path).expect("second connection");
    let mut rng = Rng(0xA93E_0004);
    let visitors: Vec<VisitorId> = (0..40).map(|_| VisitorId::random()).collect();
    let mut live: Vec<Live> = Vec::new();
    let mut n = 0u64;
    let mut arrivals_moved = 0;
    for round in 0..6 {
        // New sessions.
        for _ in 0..60 {
            n += 1;
            let id = SessionId::random();
            let category =
                [Category::Konsultasi, Category::Pengaduan, Category::Sanggahan][rng.below(3) as usize];
            let visitor = visitors[rng.below(40) as usize];
            let arrived = arrival(&mut rng);
            let mut l = Live {
                id,
                doc: new_doc(id, category, visitor, arrived, n),
                visitor,
                arrived,
                started: None,
                finished: false,
                rated: false,
            };
            store_doc(&s, &mut l);
            live.push(l);
        }
        // Changes to earlier ones, each stored as a peer's newer version.
        for _ in 0..150 {
            let i = rng.below(live.len() as u64) as usize;
            let l = &mut live[i];
            for _ in 0..1 + rng.below(3) {
                change(&mut rng, l);
            }
            store_doc(&s, l);
        }
        // Everything aggregated, so that what follows is all that is dirty at the next report.
        amer_core::report::refresh_days(&s).expect("refresh");
        // Arrival dates changed by merge: the same session created concurrently on another PC
        // with another arrival; whichever creation wins the merge sets the projected arrival.
        for _ in 0..8 {
            let i = rng.below(live.len() as u64) as usize;
            let before: i64 = db
                .query_row("SELECT arrived_at FROM sessions WHERE id = ?1", [live[i].id.to_text()], |r| {
                    r.get(0)
                })
                .expect("row");
            let mut twin =
                new_doc(live[i].id, Category::Pengaduan, live[i].visitor, arrival(&mut rng), 9000 + n);
            let bytes = twin.save();
            s.apply_doc(&live[i].id.doc(), DocKind::Session, &bytes).expect("merge");
            live[i].doc.apply(&bytes).expect("merge locally");
            let after: i64 = db
                .query_row("SELECT arrived_at FROM sessions WHERE id = ?1", [live[i].id.to_text()], |r| {
                    r.get(0)
                })
                .expect("row");
            arrivals_moved += (before != after) as usize;
        }
        if round == 2 {
            // A visitor registered through the API, then erased: their sessions are rewritten.
            let r = s
                .register(
                    &actor(ADMIN),
                    NewSession {
                        category: "konsultasi".into(),
                        visitor: VisitorInput { name: "Rina Wulandari".into(), ..Default::default() },
                        subject: "Jadwal".into(),
                        arrived_at: Some(wita("2026-03-16 09:00")),
                        ..Default::default()
                    },
                )
                .expect("register");
            s.assign(&actor(KASUBAG), &r.ticket, BUDI).expect("assign");
            s.erase_visitor(&actor(ADMIN), &r.visitor_id, "permintaan pengunjung").expect("erase");
        }
        if round == 4 {
            // Projection rows deleted with their full-text rows (as a restore or a repair
            // would): the delete trigger.
            let doomed = "SELECT rowid FROM sessions ORDER BY arrived_at LIMIT 5";
            db.execute(&format!("DELETE FROM session_fts WHERE rowid IN ({doomed})"), []).expect("delete");
            db.execute(&format!("DELETE FROM sessions WHERE rowid IN ({doomed})"), []).expect("delete");
        }
        check_all(&s, &db, chrono_tz::Asia::Makassar, round);
    }
    assert!(arrivals_moved > 0, "some merges moved an arrival to another day");
    // The office moves to another time zone: days now start an hour earlier, every aggregate is
    // rebuilt for the new days.
    s.update_office(&actor(ADMIN), None, None, None, Some("Asia/Jakarta"), None).expect("time zone");
    check_all(&s, &db, chrono_tz::Asia::Jakarta, 6);
    let invalid: i64 = db
        .query_row("SELECT COUNT(*) FROM sessions WHERE invalid_reason IS NOT NULL", [], |r| r.get(0))
        .expect("count");
    assert!(invalid > 0, "the scenario includes invalid sessions");
    let dirty: i64 = db.query_row("SELECT COUNT(*) FROM report_dirty", [], |r| r.get(0)).expect("count");
    assert_eq!(dirty, 0, "the last report left nothing dirty");
}
