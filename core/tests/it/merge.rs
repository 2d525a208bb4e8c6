//! Several PCs working apart, then merging: tickets, conflicts, notes, invalid documents,
//! document schema migration and the database migration from an old file.

use std::collections::HashSet;

use amer_core::doc::{self, session::SessionOp, Document};
use amer_core::ids::{DocId, DocKind, SessionId, VisitorId};
use amer_core::model::{Score, Stamp};
use amer_core::store::{Actor, KeyRecord, SessionFilter};

use super::*;

#[test]
fn tickets_stay_unique_when_three_pcs_issue_them_apart() {
    let a = office();
    let b = join(&a, "A1");
    let c = join(&a, "A2");
    let stores = [&a, &b, &c];
    std::thread::scope(|scope| {
        for s in stores {
            scope.spawn(move || {
                for i in 0..25 {
                    let cat = ["konsultasi", "pengaduan", "sanggahan"][i % 3];
                    s.register(&Actor::device(), new_session(cat, &format!("topik {i}"))).expect("register");
                }
            });
        }
    });
    merge(&a, &b);
    merge(&b, &c);
    merge(&a, &b);
    for s in stores {
        let rows = s.list_sessions(&SessionFilter::default()).expect("list");
        assert_eq!(rows.len(), 75);
        let tickets: HashSet<&str> = rows.iter().map(|r| r.ticket.as_str()).collect();
        assert_eq!(tickets.len(), 75, "every ticket is unique");
        for t in &tickets {
            let parts: Vec<&str> = t.split('-').collect();
            assert_eq!(parts.len(), 4, "{t}");
            assert!(["K", "P", "S"].contains(&parts[0]) && parts[1].len() == 6 && parts[3].len() == 3, "{t}");
        }
    }
}

#[test]
fn concurrent_assignments_conflict_deterministically_until_resolved() {
    let a = office();
    let r = a.register(&Actor::device(), new_session("konsultasi", "Kontrak")).expect("register");
    let b = join(&a, "A1");
    a.assign(&actor(KASUBAG), &r.ticket, OFFICER).expect("assign on A");
    b.assign(&actor(ADMIN), &r.ticket, OFFICER2).expect("assign on B");
    merge(&a, &b);
    let (sa, sb) = (a.session(&r.ticket).expect("a"), b.session(&r.ticket).expect("b"));
    assert_eq!(sa.assignment, sb.assignment, "the same winner on every replica");
    let conflict = sa.conflicts.iter().find(|c| c.field == "assignment").expect("conflict reported");
    assert_eq!(conflict.others.len(), 1);
    let loser = &conflict.others[0];
    let winner_officer = sa.assignment.as_ref().map(|x| x.officer.clone()).expect("assigned");
    let loser_officer = loser.value["officer"].as_str().expect("officer").to_string();
    assert_ne!(winner_officer, loser_officer);
    let expected_by = if loser_officer == OFFICER { KASUBAG } else { ADMIN };
    assert_eq!(
        loser.stamp.as_ref().and_then(|s| s.by.as_deref()),
        Some(expected_by),
        "who wrote the losing value"
    );
    assert_eq!(a.list_sessions(&SessionFilter::default()).expect("list")[0].conflicts, 1);

    a.assign(&actor(KASUBAG), &r.ticket, OFFICER).expect("resolve by writing again");
    merge(&a, &b);
    assert!(b.session(&r.ticket).expect("b").conflicts.is_empty());
    assert_eq!(b.session(&r.ticket).expect("b").assignment.map(|x| x.officer), Some(OFFICER.to_string()));
}

#[test]
fn notes_written_on_two_pcs_keep_both_texts() {
    let a = office();
    let r = a.register(&Actor::device(), new_session("konsultasi", "Addendum")).expect("register");
    a.assign(&actor(KASUBAG), &r.ticket, OFFICER).expect("assign");
    a.start(&Actor::device(), &r.ticket).expect("start");
    a.append_notes(&actor(OFFICER), &r.ticket, "Awal: pengunjung menanyakan addendum.").expect("notes");
    let b = join(&a, "A1");
    a.append_notes(&actor(OFFICER), &r.ticket, "Dari PC A: nilai addendum maksimal 10%.").expect("a");
    b.append_notes(&actor(OFFICER2), &r.ticket, "Dari PC B: perlu persetujuan PA.").expect("b");
    b.edit_notes(
        &actor(OFFICER2),
        &r.ticket,
        &b.session(&r.ticket).expect("b").notes.replace("Awal:", "Pembuka:"),
    )
    .expect("edit");
    merge(&a, &b);
    let (na, nb) = (a.session(&r.ticket).expect("a").notes, b.session(&r.ticket).expect("b").notes);
    assert_eq!(na, nb);
    for words in ["Pembuka: pengunjung", "maksimal 10%", "persetujuan PA"] {
        assert!(na.contains(words), "{words} kept in {na:?}");
    }
    let found = a
        .list_sessions(&SessionFilter { text: Some("persetujuan".into()), ..Default::default() })
        .expect("fts");
    assert_eq!(found.len(), 1, "the merged notes are searchable");
}

#[test]
fn an_invalid_merged_document_is_kept_flagged_and_left_out_of_lists() {
    let a = office();
    // A peer sends a session that was rated without being finished.
    let id = SessionId::random();
    let mut d = Document::new(id.doc(), DocKind::Session, &automerge::ActorId::random());
    let stamp = Stamp { at: 1_700_000_000_000, by: None, device: "Z".into() };
    let init = doc::session::SessionInit {
        ticket: "K-231114-Z-001".into(),
        category: amer_core::model::Category::Konsultasi,
        channel: amer_core::model::Channel::TatapMuka,
        visitor: VisitorId::random(),
        org: None,
        role: None,
        sealed: vec![0; 40],
        package: None,
        stage: None,
        subject: "x".into(),
        description: None,
        objection: None,
        notes: String::new(),
    };
    doc::session::create(&mut d, &init, &stamp).expect("create");
    doc::session::apply(&mut d, &SessionOp::Rate { score: Score::S5, comment: None, signed: false }, &stamp)
        .expect("rate");
    let out = a.apply_doc(&id.doc(), DocKind::Session, &d.save()).expect("stored");
    assert!(out.changed);
    assert!(out.invalid.as_deref().unwrap_or("").contains("rated before"), "{out:?}");
    assert!(
        a.list_sessions(&SessionFilter::default()).expect("list").is_empty(),
        "left out of lists and reports"
    );
    let all = a.list_sessions(&SessionFilter { include_invalid: true, ..Default::default() }).expect("list");
    assert_eq!(all.len(), 1);
    assert!(a.doctor().expect("doctor").iter().any(|p| p.contains("flagged invalid")));

    // Garbage from a peer is refused and stores nothing.
    let seq = a.current_seq().expect("seq");
    assert!(a.apply_doc(&SessionId::random().doc(), DocKind::Session, b"not automerge").is_err());
    assert_eq!(a.current_seq().expect("seq"), seq);
}

#[test]
fn version_1_documents_are_read_and_upgraded_on_write() {
    use automerge::transaction::Transactable;
    let a = office();
    let id = SessionId::random();
    let mut raw = automerge::AutoCommit::new();
    raw.put(automerge::ROOT, "schema", 1_i64).expect("put");
    raw.put(automerge::ROOT, "kind", "session").expect("put");
    raw.put(automerge::ROOT, "ticket", "K-180914-A-001").expect("put");
    raw.put(automerge::ROOT, "category", "konsultasi").expect("put");
    raw.put(automerge::ROOT, "subject", "Simulasi 2018").expect("put");
    raw.put(automerge::ROOT, "arrived", 1_536_892_200_i64).expect("put");
    raw.put(automerge::ROOT, "notes", "Catatan lama").expect("put");
    let v = raw.put_object(automerge::ROOT, "visitor", automerge::ObjType::Map).expect("map");
    raw.put(&v, "id", VisitorId::random().to_text()).expect("put");
    a.apply_doc(&id.doc(), DocKind::Session, &raw.save()).expect("apply");
    let s = a.session("K-180914-A-001").expect("read v1");
    assert_eq!((s.schema, s.registered.at, s.notes.as_str()), (1, 1_536_892_200_000, "Catatan lama"));
    a.append_notes(&actor(OFFICER), "K-180914-A-001", "Catatan baru").expect("write upgrades");
    let s = a.session("K-180914-A-001").expect("read v2");
    assert_eq!(s.schema, amer_core::doc::SCHEMA_VERSION);
    assert_eq!(s.registered.at, 1_536_892_200_000);
    assert_eq!(s.notes, "Catatan lama\nCatatan baru");
}

#[test]
fn an_old_database_file_migrates_and_keeps_its_records() {
    let dir = tempfile::tempdir().expect("tmp");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1");
    for f in ["amer.db", "secret.key"] {
        std::fs::copy(src.join(f), dir.path().join(f)).expect("copy fixture");
    }
    let conn = rusqlite::Connection::open(dir.path().join("amer.db")).expect("open raw");
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
    assert_eq!(v, 1, "the fixture is a schema-1 file");
    drop(conn);
    let s = Store::open(dir.path().join("amer.db")).expect("open migrates");
    let conn = rusqlite::Connection::open(dir.path().join("amer.db")).expect("open raw");
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
    assert_eq!(v, amer_core::store::schema::LATEST);
    let rows = s.list_sessions(&SessionFilter::default()).expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].visitor_name, "Rina", "personal data still opens with the node's key");
    assert_eq!(rows[0].score, Some(5));
    let next = s.register(&Actor::device(), new_session("konsultasi", "baru")).expect("register");
    assert_ne!(next.ticket, rows[0].ticket);
}

#[test]
fn a_database_from_a_newer_amer_is_refused() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("amer.db");
    drop(Store::open(&path).expect("create"));
    let conn = rusqlite::Connection::open(&path).expect("raw");
    conn.pragma_update(None, "user_version", 99).expect("bump");
    drop(conn);
    let err = Store::open(&path).expect_err("newer");
    assert!(err.to_string().contains("update AMER"), "{err}");
}

#[test]
fn feed_records_read_in_pages_are_the_feed_item_by_item() {
    use amer_core::store::{FeedBody, FeedRecord};
    let a = office();
    let kasubag = actor(KASUBAG);
    let mut tickets = Vec::new();
    for i in 0..9 {
        let mut s = new_session("konsultasi", &format!("Jadwal paket {i}"));
        s.visitor = visitor(&format!("Pengunjung {i}"), Some(&format!("0812-0000-00{i:02}")), None);
        tickets.push(a.register(&Actor::device(), s).expect("register").ticket);
    }
    // Pending changes after snapshots, and a key tombstone, in the middle of the feed.
    for t in tickets.iter().step_by(2) {
        a.assign(&kasubag, t, OFFICER).expect("assign");
    }
    let erased = a.session(&tickets[3]).expect("session").visitor.id;
    a.erase_visitor(&actor(ADMIN), &erased, "SURAT/01/2026").expect("erase");

    let expected: Vec<FeedRecord> = a
        .changes_since(0, usize::MAX)
        .expect("feed")
        .into_iter()
        .map(|item| {
            let body = match item.kind {
                FeedKind::Doc { id, kind, heads } => {
                    let (_, bytes) = a.doc_bytes(&id).expect("bytes").expect("exists");
                    FeedBody::Doc { id, kind, heads, bytes }
                }
                FeedKind::Key(v) => FeedBody::Key(a.key_record(&v).expect("key").expect("exists")),
            };
            FeedRecord { seq: item.seq, body }
        })
        .collect();
    assert!(expected.iter().any(|r| matches!(&r.body, FeedBody::Key(k) if k.erased.is_some())));
    for page in [1, 2, 3, 7, 64] {
        let mut got = Vec::new();
        let mut after = 0;
        loop {
            let records = a.feed_records(after, page).expect("records");
            assert!(records.len() <= page);
            let Some(last) = records.last() else { break };
            after = last.seq;
            got.extend(records);
        }
        assert_eq!(got, expected, "pages of {page}");
    }
}

/// A large received batch (its new documents loaded on two threads before its transaction) is
/// all or nothing: one damaged document among forty refuses the batch, names the document and
/// stores nothing; undamaged, the same batch, mixing documents this PC knew with new ones,
/// leaves it with exactly the sender's documents.
#[test]
fn a_large_batch_with_one_damaged_document_stores_nothing() {
    let a = office();
    let b = join(&a, "A1");
    for i in 0..40 {
        a.register(&Actor::device(), new_session("konsultasi", &format!("Paket {i}"))).expect("register");
    }
    let first = a.list_sessions(&SessionFilter::default()).expect("list")[0].ticket.clone();
    a.assign(&actor(KASUBAG), &first, OFFICER).expect("assign");
    let (mut batch, keys) = everything(&a);
    assert!(batch.len() > 40);
    b.apply_key_records(&keys).expect("keys");

    let bad = batch.len() / 2;
    let original = batch[bad].2.clone();
    let middle = original.len() / 2;
    batch[bad].2[middle] ^= 0x5a;
    let seq = b.current_seq().expect("seq");
    let error = b.apply_docs(&batch).expect_err("a damaged document refuses the batch");
    assert!(error.to_string().contains(&batch[bad].0.to_text()), "{error}");
    assert_eq!(b.current_seq().expect("seq"), seq, "nothing stored");
    assert_eq!(b.list_sessions(&SessionFilter::default()).expect("list").len(), 0);

    batch[bad].2 = original;
    b.apply_docs(&batch).expect("the undamaged batch");
    for (id, _, _) in &batch {
        assert_eq!(b.doc_heads(id).expect("heads"), a.doc_heads(id).expect("heads"), "{id:?}");
    }
    assert_eq!(b.list_sessions(&SessionFilter::default()).expect("list").len(), 40);
    assert_eq!(b.session(&first).expect("session").assignment.map(|x| x.officer), Some(OFFICER.to_owned()));
}

#[test]
fn a_received_session_takes_little_more_disk_than_its_text() {
    // Session documents are 1–2 KB. Each must fit in the cell of its page: stored as rows of a
    // WITHOUT ROWID table (cells of at most 1,002 bytes) every one of them spilled into an
    // overflow page of its own, 4 KB of file for 1–2 KB of document.
    let a = office();
    let mut seed = 7_u64;
    for i in 0..200 {
        let mut session = new_session("konsultasi", &format!("Paket {i}"));
        session.description = Some(long_description(&mut seed));
        a.register(&Actor::device(), session).expect("register");
    }
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("amer.db");
    let b = Store::open(&path).expect("open");
    b.join(JoinOptions {
        office_id: a.local().expect("local").office_id,
        device_code: "B1".into(),
        node_id: "node-b".into(),
        device_name: "PC B".into(),
    })
    .expect("join");
    let (batch, keys) = everything(&a);
    let doc_bytes: usize = batch.iter().map(|(_, _, bytes)| bytes.len()).sum();
    assert!(
        doc_bytes / batch.len() > 1_100,
        "documents of the size sessions have: {}",
        doc_bytes / batch.len()
    );
    b.apply_key_records(&keys).expect("keys");
    let before = std::fs::metadata(&path).expect("size").len();
    for chunk in batch.chunks(50) {
        b.apply_docs(chunk).expect("apply");
    }
    assert_eq!(b.list_sessions(&SessionFilter::default()).expect("list").len(), 200);
    drop(b);
    let grown = std::fs::metadata(&path).expect("size").len() - before;
    // The document (1.2 KB), its list row and its search index (the 1,000-character
    // description twice, and its words): 5.5 KB; 8.8 KB with the documents in overflow pages.
    let per_session = grown / 200;
    assert!(per_session < 6_500, "{per_session} bytes of file per session");
}

/// A document as a peer sends it: id, kind, bytes.
type ReceivedDoc = (DocId, DocKind, Vec<u8>);

/// Every document (whole, as stored) and key record of `from`, in feed order: what a first
/// sync sends.
fn everything(from: &Store) -> (Vec<ReceivedDoc>, Vec<KeyRecord>) {
    let mut docs = Vec::new();
    let mut keys = Vec::new();
    for item in from.changes_since(0, usize::MAX).expect("feed") {
        match item.kind {
            FeedKind::Doc { id, .. } => {
                let (kind, bytes) = from.doc_bytes(&id).expect("bytes").expect("exists");
                docs.push((id, kind, bytes));
            }
            FeedKind::Key(v) => keys.push(from.key_record(&v).expect("key").expect("exists")),
        }
    }
    (docs, keys)
}

/// A 1,000-character description that compresses about as well as real text.
fn long_description(seed: &mut u64) -> String {
    const LETTERS: &[u8] = b"aaaaeeiioouubdgkklmmnnprrsstty       ";
    (0..1000)
        .map(|_| {
            *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            char::from(LETTERS[(*seed >> 33) as usize % LETTERS.len()])
        })
        .collect()
}

#[test]
fn documents_kept_in_overflow_pages_move_out_and_the_space_goes_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("amer.db");
    let s = Store::open(&path).expect("open");
    init(&s);
    let mut seed = 11_u64;
    for i in 0..100 {
        let mut session = new_session("pengaduan", &format!("Paket {i}"));
        session.description = Some(long_description(&mut seed));
        s.register(&Actor::device(), session).expect("register");
    }
    let feed = s.changes_since(0, usize::MAX).expect("feed");
    let heads: Vec<_> = feed
        .iter()
        .filter_map(|item| match &item.kind {
            FeedKind::Doc { id, .. } => Some((*id, s.doc_heads(id).expect("heads"))),
            FeedKind::Key(_) => None,
        })
        .collect();
    drop(s);
    // The documents back as schema 5 kept them: rows of a WITHOUT ROWID table.
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    conn.execute_batch(
        "BEGIN;
         CREATE TABLE docs_old (id TEXT PRIMARY KEY, kind TEXT NOT NULL, snapshot BLOB NOT NULL,
             heads BLOB NOT NULL, seq INTEGER NOT NULL, pending INTEGER NOT NULL DEFAULT 0,
             invalid_reason TEXT) WITHOUT ROWID;
         INSERT INTO docs_old SELECT id, kind, snapshot, heads, seq, pending, invalid_reason FROM docs;
         DROP TABLE docs;
         ALTER TABLE docs_old RENAME TO docs;
         CREATE INDEX docs_seq ON docs(seq);
         PRAGMA user_version = 5;
         COMMIT;
         VACUUM;",
    )
    .expect("schema 5 documents");
    drop(conn);
    let old_size = std::fs::metadata(&path).expect("size").len();

    let s = Store::open(&path).expect("open migrates");
    let conn = rusqlite::Connection::open(&path).expect("open raw");
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).expect("version");
    assert_eq!(version, amer_core::store::schema::LATEST);
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0)).expect("free pages");
    assert_eq!(free, 0, "the space the old table took is given back");
    drop(conn);
    for (id, before) in heads {
        assert_eq!(s.doc_heads(&id).expect("heads"), before, "{id:?}");
    }
    assert_eq!(s.list_sessions(&SessionFilter::default()).expect("list").len(), 100);
    let next = s.register(&Actor::device(), new_session("konsultasi", "sesudah")).expect("register after");
    assert!(s.session(&next.ticket).is_ok());
    drop(s);
    let new_size = std::fs::metadata(&path).expect("size").len();
    assert!(new_size * 10 < old_size * 7, "{old_size} bytes before, {new_size} after");
}

#[test]
fn a_large_batch_of_new_documents_changes_and_repeats_is_applied_whole() {
    // Batches of 16 documents or more are checked on other threads ahead of the writer; what
    // is not a new whole document (changes to a stored one, a second copy of a document the
    // batch already brought) is merged by the writer.
    let a = office();
    let b = join(&a, "A1");
    let known = a.register(&Actor::device(), new_session("konsultasi", "sudah ada")).expect("register");
    push(&a, &b);
    let known_id = a.session(&known.ticket).expect("session").id.doc();
    let b_heads = b.doc_heads(&known_id).expect("heads").expect("known on B");
    a.assign(&actor(KASUBAG), &known.ticket, OFFICER).expect("assign the known one");

    let first = a.register(&Actor::device(), new_session("pengaduan", "dua kali")).expect("register");
    let first_id = a.session(&first.ticket).expect("session").id.doc();
    let before_assign = a.doc_bytes(&first_id).expect("bytes").expect("exists");
    a.assign(&actor(KASUBAG), &first.ticket, OFFICER2).expect("assign");
    let mut batch = vec![(first_id, before_assign.0, before_assign.1)];
    for i in 0..30 {
        let r =
            a.register(&Actor::device(), new_session("konsultasi", &format!("baru {i}"))).expect("register");
        let id = a.session(&r.ticket).expect("session").id.doc();
        let (kind, bytes) = a.doc_bytes(&id).expect("bytes").expect("exists");
        batch.push((id, kind, bytes));
    }
    let changes = a.docs_for_peer(&[(known_id, b_heads)]).expect("changes");
    assert_eq!(changes.len(), 1);
    assert_ne!(changes[0].2.get(8), Some(&0), "changes, not a whole document");
    batch.extend(changes);
    let (kind, bytes) = a.doc_bytes(&first_id).expect("bytes").expect("exists");
    batch.push((first_id, kind, bytes));
    b.apply_key_records(&everything(&a).1).expect("keys");
    let outcomes = b.apply_docs(&batch).expect("apply");
    assert!(outcomes.iter().all(|o| o.changed));
    for (id, _, _) in &batch {
        assert_eq!(b.doc_heads(id).expect("heads"), a.doc_heads(id).expect("heads"), "{id:?}");
    }
    assert_eq!(b.list_sessions(&SessionFilter::default()).expect("list").len(), 32);
    let officer = |t: &str| b.session(t).expect("session").assignment.map(|x| x.officer);
    assert_eq!(officer(&first.ticket), Some(OFFICER2.to_owned()));
    assert_eq!(officer(&known.ticket), Some(OFFICER.to_owned()));
}
