//! Integration tests of amer-core: one binary, a module per feature.

mod durability;
mod lifecycle;
mod merge;
mod privacy;
mod props;

use amer_core::model::{Nip, StaffRole};
use amer_core::store::{Actor, FeedKind, InitOptions, JoinOptions, NewSession, NewStaff, VisitorInput};
use amer_core::Store;

pub const ADMIN: &str = "198503122010011003";
pub const KASUBAG: &str = "197901152005012001";
pub const OFFICER: &str = "199002202015031002";
pub const OFFICER2: &str = "199105102016041001";

pub fn actor(nip: &str) -> Actor {
    Actor::staff(Nip::parse(nip).expect("test NIP"))
}

/// A founding store with an admin, a kasubag and two officers.
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
    let a = actor(ADMIN);
    for (nip, name, role) in [
        (KASUBAG, "Sari Kasubag", StaffRole::Kasubag),
        (OFFICER, "Budi Petugas", StaffRole::Petugas),
        (OFFICER2, "Dewi Petugas", StaffRole::Petugas),
    ] {
        s.add_staff(&a, NewStaff { nip: nip.into(), name: name.into(), title: None, role }).expect("staff");
    }
}

/// Another PC of the same office (device code `code`), holding everything `from` has.
pub fn join(from: &Store, code: &str) -> Store {
    let s = Store::open_in_memory().expect("open");
    let local = from.local().expect("local");
    s.join(JoinOptions {
        office_id: local.office_id,
        device_code: code.into(),
        node_id: format!("node-{code}"),
        device_name: format!("PC {code}"),
    })
    .expect("join");
    push(from, &s);
    s
}

/// Sends everything `from` has to `to` through the feed API (what sync does, without sockets).
pub fn push(from: &Store, to: &Store) {
    for item in from.changes_since(0, usize::MAX).expect("feed") {
        match item.kind {
            FeedKind::Doc { id, .. } => {
                let (kind, bytes) = from.doc_bytes(&id).expect("bytes").expect("exists");
                to.apply_doc(&id, kind, &bytes).expect("apply");
            }
            FeedKind::Key(v) => {
                let rec = from.key_record(&v).expect("key").expect("exists");
                to.apply_key_record(&rec).expect("apply key");
            }
        }
    }
}

pub fn merge(a: &Store, b: &Store) {
    push(a, b);
    push(b, a);
}

pub fn visitor(name: &str, phone: Option<&str>, nik: Option<&str>) -> VisitorInput {
    VisitorInput {
        name: name.into(),
        org: Some("CV Maju Jaya".into()),
        role: Some("penyedia".into()),
        phone: phone.map(String::from),
        nik: nik.map(String::from),
        ..Default::default()
    }
}

pub fn new_session(category: &str, subject: &str) -> NewSession {
    NewSession {
        category: category.into(),
        visitor: visitor("Rina Wulandari", Some("0812-3456-7890"), None),
        subject: subject.into(),
        description: Some("Pertanyaan tentang dokumen pemilihan".into()),
        ..Default::default()
    }
}
