//! Personal data: sealed in documents, recognised by keyed hashes, erased by deleting the key.

use amer_core::model::{VisitorPersonal, ERASED_TEXT, PENDING_TEXT};
use amer_core::store::{Actor, SessionFilter};

use super::*;

const NIK: &str = "6407015203900001";
const PHONE_LOCAL: &str = "081234567890";
const PHONE_E164: &str = "+6281234567890";
const NAME: &str = "Siti Nurhaliza Rahmawati";

fn file_contains(path: &std::path::Path, needle: &[u8]) -> bool {
    std::fs::read(path).map(|b| b.windows(needle.len()).any(|w| w == needle)).unwrap_or(false)
}

fn db_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir).expect("dir").filter_map(|e| e.ok().map(|e| e.path())).collect()
}

#[test]
fn personal_fields_never_reach_the_database_in_plain_text() {
    let dir = tempfile::tempdir().expect("tmp");
    let s = Store::open(dir.path().join("amer.db")).expect("open");
    init(&s);
    let r = s
        .register(
            &Actor::device(),
            NewSession {
                visitor: visitor(NAME, Some(PHONE_LOCAL), Some(NIK)),
                ..new_session("pengaduan", "Dugaan KKN")
            },
        )
        .expect("register");
    let got = s.session(&r.ticket).expect("get");
    assert_eq!(got.visitor.name(), NAME);
    assert_eq!(got.visitor.nik_masked().as_deref(), Some("6407********0001"));
    drop(s);
    for f in db_files(dir.path()) {
        for needle in [NIK, PHONE_LOCAL, PHONE_E164, NAME, "Nurhaliza"] {
            assert!(!file_contains(&f, needle.as_bytes()), "{} holds {needle}", f.display());
        }
    }
}

#[test]
fn returning_visitors_are_recognised_by_keyed_hash() {
    let s = office();
    let a = s
        .register(
            &Actor::device(),
            NewSession {
                visitor: visitor(NAME, Some(PHONE_LOCAL), None),
                ..new_session("konsultasi", "satu")
            },
        )
        .expect("a");
    let b = s
        .register(
            &Actor::device(),
            NewSession {
                visitor: visitor(NAME, Some("+62 812-3456-7890"), Some(NIK)),
                ..new_session("konsultasi", "dua")
            },
        )
        .expect("b");
    let c = s
        .register(
            &Actor::device(),
            NewSession {
                visitor: visitor("Orang Lain", Some("081300000000"), None),
                ..new_session("konsultasi", "tiga")
            },
        )
        .expect("c");
    assert_eq!(a.visitor_id, b.visitor_id);
    assert_ne!(a.visitor_id, c.visitor_id);
    let found = s.find_visitors(None, Some(NIK)).expect("by nik");
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].id, found[0].sessions), (a.visitor_id, 2));
    assert_eq!(found[0].nik.as_deref(), Some("6407********0001"));
    let back = s.returning_visitor(PHONE_LOCAL).expect("lookup").expect("known");
    assert_eq!(back.1.name, NAME);
}

#[test]
fn erasure_shreds_the_data_everywhere_and_keeps_the_counts() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = Store::open(dir.path().join("a").join("amer.db")).expect("open a");
    init(&a);
    let r = a
        .register(
            &Actor::device(),
            NewSession {
                visitor: visitor(NAME, Some(PHONE_LOCAL), Some(NIK)),
                ..new_session("pengaduan", "Dugaan KKN")
            },
        )
        .expect("r");
    let b_dir = dir.path().join("b");
    let b = Store::open(b_dir.join("amer.db")).expect("open b");
    b.join(amer_core::store::JoinOptions {
        office_id: a.local().expect("l").office_id,
        device_code: "A1".into(),
        node_id: "n-b".into(),
        device_name: "B".into(),
    })
    .expect("join");
    push(&a, &b);
    assert_eq!(b.session(&r.ticket).expect("b").visitor.name(), NAME, "B can read before erasure");
    let before = a.list_sessions(&SessionFilter::default()).expect("list").len();

    assert!(a.erase_visitor(&actor(OFFICER), &r.visitor_id, "Permohonan No. 12/2026").is_err(), "admin only");
    assert_eq!(a.erase_visitor(&actor(ADMIN), &r.visitor_id, "Permohonan No. 12/2026").expect("erase"), 1);
    merge(&a, &b);
    for s in [&a, &b] {
        let got = s.session(&r.ticket).expect("get");
        assert_eq!(got.visitor.personal, VisitorPersonal::Erased);
        assert_eq!(got.visitor.name(), ERASED_TEXT);
        assert_eq!(
            s.list_sessions(&SessionFilter::default()).expect("list").len(),
            before,
            "reports still count it"
        );
        let hist = s.history(&r.ticket).expect("history");
        let e = hist.iter().find(|h| h.op == "erase_visitor").expect("erasure audited");
        assert_eq!(e.by.as_deref(), Some(ADMIN));
        assert!(s.find_visitors(Some(PHONE_LOCAL), None).expect("find").is_empty(), "hashes deleted too");
    }
    drop(a);
    drop(b);
    for sub in ["a", "b"] {
        for f in db_files(&dir.path().join(sub)) {
            for needle in [NIK, PHONE_LOCAL, PHONE_E164, NAME] {
                assert!(!file_contains(&f, needle.as_bytes()), "{} holds {needle}", f.display());
            }
        }
    }
}

#[test]
fn erasure_and_a_new_session_while_apart_flag_the_new_session() {
    let a = office();
    let first = a
        .register(
            &Actor::device(),
            NewSession {
                visitor: visitor(NAME, Some(PHONE_LOCAL), None),
                ..new_session("konsultasi", "satu")
            },
        )
        .expect("first");
    let b = join(&a, "A1");
    a.erase_visitor(&actor(ADMIN), &first.visitor_id, "Permohonan 13/2026").expect("erase on A");
    let second = b
        .register(
            &Actor::device(),
            NewSession {
                visitor: visitor(NAME, Some(PHONE_LOCAL), None),
                ..new_session("konsultasi", "dua")
            },
        )
        .expect("new on B");
    assert_eq!(second.visitor_id, first.visitor_id, "B still knew the visitor");
    merge(&a, &b);
    for s in [&a, &b] {
        assert_eq!(
            s.session(&second.ticket).expect("get").visitor.personal,
            VisitorPersonal::Erased,
            "unreadable after merge"
        );
        let (_, review) = s.session_flags(&second.id).expect("flags");
        assert!(review.unwrap_or_default().contains("erased on another PC"), "flagged for review");
        let (_, review_first) = s.session_flags(&first.id).expect("flags");
        assert!(review_first.is_none());
    }
}

#[test]
fn a_pc_without_the_key_yet_shows_pending() {
    let a = office();
    let r = a.register(&Actor::device(), new_session("konsultasi", "x")).expect("r");
    let b = Store::open_in_memory().expect("b");
    b.join(amer_core::store::JoinOptions {
        office_id: a.local().expect("l").office_id,
        device_code: "A1".into(),
        node_id: "n".into(),
        device_name: "B".into(),
    })
    .expect("join");
    for item in a.changes_since(0, usize::MAX).expect("feed") {
        if let amer_core::store::FeedKind::Doc { id, .. } = item.kind {
            let (k, bytes) = a.doc_bytes(&id).expect("b").expect("e");
            b.apply_doc(&id, k, &bytes).expect("apply");
        }
    }
    assert_eq!(b.session(&r.ticket).expect("get").visitor.name(), PENDING_TEXT);
    push(&a, &b);
    assert_eq!(b.session(&r.ticket).expect("get").visitor.name(), "Rina Wulandari");
}
