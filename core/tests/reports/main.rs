//! Tests of the reports and exports of amer-core: one binary, a module per report.
//!
//! Sessions with known times are built as documents with chosen stamps and handed to the store
//! through the feed API (what sync does): the store's own projection code then writes the rows
//! the reports read, so the figures are hand-computable and nothing bypasses the store.

mod aggregates;
mod exports;
mod invalid;
mod objections;
mod performance;
mod risk;
mod satisfaction;
mod topics;

use amer_core::doc::session::{SessionInit, SessionOp};
use amer_core::doc::{self, Document};
use amer_core::model::OneToFive;
use amer_core::model::{Category, Channel, Nip, Objection, Package, Score, StaffRole, Stage, Stamp};
use amer_core::store::{Actor, InitOptions, NewStaff};
use amer_core::{DocKind, SessionId, Store, VisitorId};
use chrono::{NaiveDate, TimeZone};

pub const ADMIN: &str = "198503122010011003";
pub const KASUBAG: &str = "197901152005012001";
/// Budi Petugas.
pub const BUDI: &str = "199002202015031002";
/// Dewi Petugas.
pub const DEWI: &str = "199105102016041001";

pub fn actor(nip: &str) -> Actor {
    Actor::staff(Nip::parse(nip).expect("test NIP"))
}

/// A founding store (time zone WITA, the 2026 holidays) with an admin, a kasubag and two
/// officers.
pub fn office() -> Store {
    let s = Store::open_in_memory().expect("open");
    init(&s);
    s
}

pub fn init(s: &Store) {
    s.init(InitOptions {
        office_name: "Bagian Pengadaan Barang/Jasa".into(),
        device_name: "PC Loket".into(),
        timezone: None,
        node_id: None,
        public_key: None,
    })
    .expect("init");
    s.add_staff(
        &Actor::device(),
        NewStaff { nip: ADMIN.into(), name: "Andi Admin".into(), title: None, role: StaffRole::Admin },
    )
    .expect("first staff");
    for (nip, name, role) in [
        (KASUBAG, "Sari Kasubag", StaffRole::Kasubag),
        (BUDI, "Budi Petugas", StaffRole::Petugas),
        (DEWI, "Dewi Petugas", StaffRole::Petugas),
    ] {
        s.add_staff(&actor(ADMIN), NewStaff { nip: nip.into(), name: name.into(), title: None, role })
            .expect("staff");
    }
}

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Milliseconds of a wall-clock time in WITA ("2026-03-02 09:10").
pub fn wita(s: &str) -> i64 {
    let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
    chrono_tz::Asia::Makassar.from_local_datetime(&t).single().expect("local time").timestamp_millis()
}

/// A session to craft with chosen times.
#[derive(Clone)]
pub struct Spec {
    pub category: Category,
    pub subject: String,
    pub description: Option<String>,
    pub notes: String,
    pub visitor: VisitorId,
    pub officer: Option<&'static str>,
    pub arrived: i64,
    pub started: Option<i64>,
    pub finished: Option<i64>,
    pub cancelled: Option<i64>,
    pub score: Option<i64>,
    pub stage: Option<Stage>,
    pub package: Option<Package>,
    pub objection: Option<Objection>,
    /// Rate without finishing: a document that breaks the lifecycle (flagged invalid).
    pub invalid: bool,
}

impl Spec {
    pub fn new(category: Category, subject: &str, arrived: &str) -> Spec {
        Spec {
            category,
            subject: subject.into(),
            description: None,
            notes: String::new(),
            visitor: VisitorId::random(),
            officer: None,
            arrived: wita(arrived),
            started: None,
            finished: None,
            cancelled: None,
            score: None,
            stage: None,
            package: None,
            objection: None,
            invalid: false,
        }
    }
    /// Assigned to `officer`, started and finished at these WITA times.
    pub fn served(mut self, officer: &'static str, started: &str, finished: &str) -> Spec {
        self.officer = Some(officer);
        self.started = Some(wita(started));
        self.finished = Some(wita(finished));
        self
    }
    pub fn rated(mut self, score: i64) -> Spec {
        self.score = Some(score);
        self
    }
    pub fn notes(mut self, notes: &str) -> Spec {
        self.notes = notes.into();
        self
    }
}

static TICKET: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// Stores a crafted session through the feed API; returns its id.
pub fn craft(store: &Store, s: &Spec) -> SessionId {
    let id = SessionId::random();
    let mut d = Document::new(id.doc(), DocKind::Session, &automerge::ActorId::random());
    let stamp = |at: i64| Stamp { at, by: None, device: "T".into() };
    let n = TICKET.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let init = SessionInit {
        ticket: format!("{}-260302-T-{n:03}", s.category.ticket_letter()),
        category: s.category,
        channel: Channel::TatapMuka,
        visitor: s.visitor,
        org: Some("CV Maju Jaya".into()),
        role: None,
        sealed: vec![0; 40],
        package: s.package.clone(),
        stage: s.stage,
        subject: s.subject.clone(),
        description: s.description.clone(),
        objection: s.objection.clone(),
        notes: s.notes.clone(),
    };
    doc::session::create(&mut d, &init, &stamp(s.arrived)).expect("create");
    let apply =
        |d: &mut Document, op: SessionOp, at: i64| doc::session::apply(d, &op, &stamp(at)).expect("op");
    if let Some(o) = s.officer {
        apply(&mut d, SessionOp::Assign { officer: o.into() }, s.arrived + 30_000);
    }
    if let Some(t) = s.started {
        apply(&mut d, SessionOp::Start, t);
    }
    if let Some(t) = s.finished {
        apply(&mut d, SessionOp::Finish { recommendation: None, follow_up: None }, t);
    }
    if let Some(t) = s.cancelled {
        apply(&mut d, SessionOp::Cancel { reason: "pengunjung pulang".into() }, t);
    }
    if let Some(score) = s.score {
        let at = s.finished.unwrap_or(s.arrived) + 60_000;
        let score = Score::from_value(score).expect("1..5");
        apply(&mut d, SessionOp::Rate { score, comment: None, signed: true }, at);
    }
    let out = store.apply_doc(&id.doc(), DocKind::Session, &d.save()).expect("apply");
    assert_eq!(out.invalid.is_some(), s.invalid, "invalid flag of {:?}: {:?}", s.subject, out.invalid);
    id
}

/// A session rated without being finished: stored, flagged invalid, and left out of reports.
pub fn craft_invalid(store: &Store, mut s: Spec) -> SessionId {
    s.finished = None;
    s.started = None;
    s.score = Some(s.score.unwrap_or(1));
    s.invalid = true;
    craft(store, &s)
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}
