//! Protocol tests on the in-memory harness: convergence of 2, 3 and 5 peers, partitions,
//! multi-hop, live push, cuts at random points, lost checkpoints, concurrent edits, refusals
//! and bad input.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use amer_core::model::{Nip, StaffRole};
use amer_core::store::{Actor, InitOptions, JoinOptions, NewSession, NewStaff, VisitorInput};
use amer_core::Store;
use proptest::prelude::*;

use super::harness::{fingerprint, incompressible_words, Harness, HarnessError};
use super::message::{Blob, Data, Message};
use super::session::{Session, SessionConfig};
use crate::error::{RefusalReason, SessionError};

const ADMIN: &str = "198503122010011003";
const KASUBAG: &str = "197901152005012001";
const OFFICER: &str = "199002202015031002";
const OFFICER2: &str = "199105102016041001";

const STEPS: u64 = 200_000;

fn actor(nip: &str) -> Actor {
    Actor::staff(Nip::parse(nip).unwrap())
}

fn founder(name: &str) -> Arc<Store> {
    let store = Store::open_in_memory().unwrap();
    store
        .init(InitOptions {
            office_name: "Bagian Pengadaan Barang/Jasa".into(),
            device_name: format!("PC {name}"),
            timezone: None,
            node_id: Some(Harness::node_id_of(name).full_hex()),
            public_key: None,
        })
        .unwrap();
    store
        .add_staff(
            &Actor::device(),
            NewStaff { nip: ADMIN.into(), name: "Andi Admin".into(), title: None, role: StaffRole::Admin },
        )
        .unwrap();
    for (nip, name, role) in [
        (KASUBAG, "Sari Kasubag", StaffRole::Kasubag),
        (OFFICER, "Budi Petugas", StaffRole::Petugas),
        (OFFICER2, "Dewi Petugas", StaffRole::Petugas),
    ] {
        store
            .add_staff(&actor(ADMIN), NewStaff { nip: nip.into(), name: name.into(), title: None, role })
            .unwrap();
    }
    Arc::new(store)
}

fn member(of: &Store, name: &str, n: i64) -> Arc<Store> {
    let store = Store::open_in_memory().unwrap();
    store
        .join(JoinOptions {
            office_id: of.local().unwrap().office_id,
            device_code: amer_core::store::child_device_code("A", n),
            node_id: Harness::node_id_of(name).full_hex(),
            device_name: format!("PC {name}"),
        })
        .unwrap();
    Arc::new(store)
}

/// A harness with a founder and `n - 1` joined members, none connected.
fn office(n: usize, seed: u64) -> Harness {
    let mut harness = Harness::new(seed);
    let names = ["A", "B", "C", "D", "E", "F", "G"];
    let first = founder(names[0]);
    harness.add_peer(names[0], first.clone());
    for (i, name) in names.iter().enumerate().take(n).skip(1) {
        harness.add_peer(name, member(&first, name, i as i64));
    }
    harness
}

fn session_input(subject: &str) -> NewSession {
    NewSession {
        category: "konsultasi".into(),
        visitor: VisitorInput {
            name: "Rina Wulandari".into(),
            org: Some("CV Maju Jaya".into()),
            role: Some("penyedia".into()),
            phone: None,
            nik: None,
            ..Default::default()
        },
        subject: subject.into(),
        description: Some("Pertanyaan tentang dokumen pemilihan dan jadwal tender".into()),
        ..Default::default()
    }
}

fn register(store: &Store, count: usize, tag: &str) -> Vec<String> {
    (0..count)
        .map(|i| store.register(&Actor::device(), session_input(&format!("{tag} topik {i}"))).unwrap().ticket)
        .collect()
}

fn assert_converged(harness: &Harness) {
    let first = fingerprint(harness.store(0)).unwrap();
    for peer in 1..harness.peer_count() {
        let other = fingerprint(harness.store(peer)).unwrap();
        assert_eq!(
            first.len(),
            other.len(),
            "{} and {} hold different counts",
            harness.name(0),
            harness.name(peer)
        );
        assert!(first == other, "{} and {} differ", harness.name(0), harness.name(peer));
    }
}

fn connect_all(harness: &mut Harness) {
    for a in 0..harness.peer_count() {
        for b in a + 1..harness.peer_count() {
            harness.connect(a, b).unwrap();
        }
    }
}

#[test]
fn two_peers_converge_both_ways() {
    let mut h = office(2, 1);
    // The member receives the office first (a push to an empty store), then both edit.
    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    assert_converged(&h);
    assert!(h.is_caught_up(0, 1) && h.is_caught_up(1, 0));
    h.disconnect(0, 1);
    register(h.store(0), 20, "A");
    register(h.store(1), 15, "B");
    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    assert_converged(&h);
    assert!(h.is_caught_up(0, 1) && h.is_caught_up(1, 0));
    let stats = h.stats(0, 1).unwrap();
    assert_eq!(stats.docs_received, 15, "only B's sessions came back: {stats:?}");
    assert_eq!(stats.docs_sent, 20, "{stats:?}");
}

#[test]
fn an_empty_store_gets_everything_pushed_and_offers_nothing_back() {
    let mut h = office(2, 2);
    register(h.store(0), 40, "A");
    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    assert_converged(&h);
    let a = h.stats(0, 1).unwrap();
    let b = h.stats(1, 0).unwrap();
    assert!(a.docs_sent >= 45, "{a:?}");
    assert_eq!(a.docs_received, 0, "nothing is echoed back: {a:?}");
    assert_eq!(b.docs_sent, 0, "{b:?}");
    // The member offered its applied items back to nobody: only small control messages.
    assert!(b.bytes_sent < 200, "{b:?}");
}

#[test]
fn stores_in_sync_confirm_it_in_one_round_trip_and_few_bytes() {
    let mut h = office(2, 3);
    register(h.store(0), 30, "A");
    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    register(h.store(1), 10, "B");
    h.run(STEPS).unwrap();
    h.disconnect(0, 1);
    // Let the echoes settle in a second session, as a live connection would.
    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    h.disconnect(0, 1);

    let (a, b) = (h.store(0).clone(), h.store(1).clone());
    let node = |name: &str| Harness::node_id_of(name);
    let mut sa = Session::new(&a, node("B"), node("A"), SessionConfig::default()).unwrap();
    let mut sb = Session::new(&b, node("A"), node("B"), SessionConfig::default()).unwrap();
    let hello_a = sa.poll_transmit_bytes(&a).unwrap().unwrap();
    let hello_b = sb.poll_transmit_bytes(&b).unwrap().unwrap();
    sa.handle_bytes(&a, &hello_b).unwrap();
    sb.handle_bytes(&b, &hello_a).unwrap();
    // One round trip: each side knows from the other's Hello.
    assert!(sa.is_caught_up() && sb.is_caught_up());
    // The rest of the exchange is a few tiny messages.
    let mut total = (hello_a.len() + hello_b.len() + 8) as u64;
    for _ in 0..10 {
        let mut moved = false;
        while let Some(bytes) = sa.poll_transmit_bytes(&a).unwrap() {
            total += bytes.len() as u64 + 4;
            sb.handle_bytes(&b, &bytes).unwrap();
            moved = true;
        }
        while let Some(bytes) = sb.poll_transmit_bytes(&b).unwrap() {
            total += bytes.len() as u64 + 4;
            sa.handle_bytes(&a, &bytes).unwrap();
            moved = true;
        }
        if !moved {
            break;
        }
    }
    assert_eq!(sa.stats().docs_sent + sb.stats().docs_sent, 0);
    assert!(total < 400, "{total} bytes");
    assert!(sa.is_caught_up() && sb.is_caught_up());
}

#[test]
fn live_changes_flow_while_connected() {
    let mut h = office(2, 4);
    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    for round in 0..5 {
        register(h.store(round % 2), 2, &format!("live {round}"));
        h.run(STEPS).unwrap();
        assert_converged(&h);
    }
    assert!(h.is_caught_up(0, 1));
}

#[test]
fn a_change_reaches_c_through_b() {
    let mut h = office(3, 5);
    h.connect(0, 1).unwrap();
    h.connect(1, 2).unwrap();
    h.run(STEPS).unwrap();
    let tickets = register(h.store(0), 3, "multi-hop");
    h.run(STEPS).unwrap();
    assert_converged(&h);
    assert!(!h.is_connected(0, 2));
    for ticket in &tickets {
        assert!(h.store(2).session(ticket).is_ok(), "{ticket} reached C");
    }
    // And back: a change on C reaches A.
    let back = register(h.store(2), 1, "back");
    h.run(STEPS).unwrap();
    assert!(h.store(0).session(&back[0]).is_ok());
}

#[test]
fn five_peers_converge_over_a_ring_and_a_mesh() {
    let mut h = office(5, 6);
    for i in 0..5 {
        h.connect(i, (i + 1) % 5).unwrap();
    }
    h.run(STEPS).unwrap();
    for i in 0..5 {
        register(h.store(i), 6, &format!("peer {i}"));
    }
    h.run(STEPS).unwrap();
    assert_converged(&h);
    h.disconnect_all();
    for i in 0..5 {
        register(h.store(i), 3, &format!("again {i}"));
    }
    connect_all(&mut h);
    h.run(STEPS).unwrap();
    assert_converged(&h);
    assert_eq!(h.store(3).list_sessions(&Default::default()).unwrap().len(), 45);
}

#[test]
fn partitions_heal() {
    let mut h = office(5, 7);
    connect_all(&mut h);
    h.run(STEPS).unwrap();
    h.disconnect_all();
    // {A, B} and {C, D, E} work apart.
    h.connect(0, 1).unwrap();
    h.connect(2, 3).unwrap();
    h.connect(3, 4).unwrap();
    let ticket = register(h.store(0), 1, "shared")[0].clone();
    h.run(STEPS).unwrap();
    for i in 0..5 {
        register(h.store(i), 4, &format!("apart {i}"));
    }
    h.run(STEPS).unwrap();
    assert!(h.store(4).session(&ticket).is_err(), "the partition holds");
    h.connect(1, 4).unwrap();
    h.run(STEPS).unwrap();
    assert_converged(&h);
}

#[test]
fn connections_cut_at_random_points_lose_nothing() {
    for seed in 0..4 {
        let mut h = Harness::with_config(
            seed,
            SessionConfig { batch_bytes: 4 * 1024, offer_chunk: 16, ..Default::default() },
        );
        let first = founder("A");
        h.add_peer("A", first.clone());
        h.add_peer("B", member(&first, "B", 1));
        h.add_peer("C", member(&first, "C", 2));
        connect_all(&mut h);
        h.run(STEPS).unwrap();
        h.disconnect_all();
        register(h.store(0), 60, "A");
        register(h.store(1), 20, "B");
        connect_all(&mut h);
        h.run_with_cuts(STEPS, 0.05, 30).unwrap();
        register(h.store(2), 10, "C");
        h.run_with_cuts(STEPS, 0.05, 30).unwrap();
        // Whatever state the cuts left, the next complete sessions converge.
        h.disconnect_all();
        connect_all(&mut h);
        h.run(STEPS).unwrap();
        assert_converged(&h);
    }
}

#[test]
fn a_lost_checkpoint_or_a_restored_backup_falls_back_to_a_full_offer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.db");
    let a = founder("A");
    let b = Arc::new(Store::open(&path).unwrap());
    b.join(JoinOptions {
        office_id: a.local().unwrap().office_id,
        device_code: "A1".into(),
        node_id: Harness::node_id_of("B").full_hex(),
        device_name: "PC B".into(),
    })
    .unwrap();
    let mut h = Harness::new(8);
    h.add_peer("A", a.clone());
    h.add_peer("B", b.clone());
    register(&a, 10, "A");
    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    assert_converged(&h);

    // B is restored from a backup taken now (new epoch), then A writes more.
    let backup = dir.path().join("backup.db");
    b.backup_to(&backup).unwrap();
    h.disconnect_all();
    register(&a, 5, "later");
    let restored = Arc::new(Store::open(&backup).unwrap());
    let mut h2 = Harness::new(9);
    h2.add_peer("A", a.clone());
    h2.add_peer("B", restored.clone());
    register(&restored, 2, "after restore");
    h2.connect(0, 1).unwrap();
    h2.run(STEPS).unwrap();
    assert_converged(&h2);

    // A's checkpoint for B is damaged: A catches up from the start and still converges.
    a.set_peer_state(&Harness::node_id_of("B").full_hex(), super::CHECKPOINT_KEY, b"garbage").unwrap();
    h2.disconnect_all();
    register(&restored, 1, "one more");
    h2.connect(0, 1).unwrap();
    h2.run(STEPS).unwrap();
    assert_converged(&h2);
}

/// Three PCs share a session, then, apart, two assign it differently and both add notes; they
/// meet again all at once. Returns the harness and the ticket after the last meeting's run.
fn concurrent_edits(seed: u64) -> (Harness, String, Result<u64, HarnessError>) {
    let mut h = office(3, seed);
    let ticket = register(h.store(0), 1, "Kontrak")[0].clone();
    connect_all(&mut h);
    h.run(STEPS).unwrap();
    h.store(0).assign(&actor(KASUBAG), &ticket, OFFICER).unwrap();
    h.store(0).start(&Actor::device(), &ticket).unwrap();
    h.run(STEPS).unwrap();
    h.disconnect_all();
    h.store(1).assign(&actor(ADMIN), &ticket, OFFICER2).unwrap();
    h.store(2).assign(&actor(KASUBAG), &ticket, OFFICER).unwrap();
    h.store(1).append_notes(&actor(OFFICER2), &ticket, "Catatan dari PC B: perlu persetujuan PA.").unwrap();
    h.store(2)
        .append_notes(&actor(OFFICER), &ticket, "Catatan dari PC C: nilai addendum maksimal 10%.")
        .unwrap();
    connect_all(&mut h);
    let result = h.run(STEPS);
    (h, ticket, result)
}

#[test]
fn concurrent_edits_keep_the_conflict_and_both_notes() {
    let (h, ticket, result) = concurrent_edits(10);
    result.unwrap();
    assert_converged(&h);
    for peer in 0..3 {
        let session = h.store(peer).session(&ticket).unwrap();
        assert!(
            session.conflicts.iter().any(|c| c.field == "assignment"),
            "conflict visible on {}",
            h.name(peer)
        );
        assert!(session.notes.contains("persetujuan PA") && session.notes.contains("maksimal 10%"));
    }
}

/// The Automerge exchanges about a document changed on several sides end, whatever the order
/// of messages. (Two PCs that both closed their exchange and then each received the other's
/// last "we are equal" message used to answer each other forever: 2 % of orders.)
#[test]
fn exchanges_end_in_every_message_order() {
    for seed in 100..164 {
        let (h, _, result) = concurrent_edits(seed);
        if let Err(e) = result {
            panic!("seed {seed}: {e:?}");
        }
        assert_converged(&h);
    }
}

#[test]
fn key_erasure_wins_everywhere() {
    let mut h = office(2, 11);
    let a = h.store(0).clone();
    let registered = a
        .register(
            &Actor::device(),
            NewSession {
                visitor: VisitorInput { phone: Some("0812-3456-7890".into()), ..session_input("x").visitor },
                ..session_input("erase me")
            },
        )
        .unwrap();
    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    h.disconnect_all();
    h.store(1).erase_visitor(&actor(ADMIN), &registered.visitor_id, "REQ-1").unwrap();
    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    assert_converged(&h);
    let record = a.key_record(&registered.visitor_id).unwrap().unwrap();
    assert!(record.erased.is_some() && record.key.is_none());
}

#[test]
fn another_office_is_refused_on_both_sides() {
    let a = founder("A");
    let x = founder("X");
    let mut sa =
        Session::new(&a, Harness::node_id_of("X"), Harness::node_id_of("A"), SessionConfig::default())
            .unwrap();
    let mut sx =
        Session::new(&x, Harness::node_id_of("A"), Harness::node_id_of("X"), SessionConfig::default())
            .unwrap();
    let hello_a = sa.poll_transmit_bytes(&a).unwrap().unwrap();
    let hello_x = sx.poll_transmit_bytes(&x).unwrap().unwrap();
    let ea = sa.handle_bytes(&a, &hello_x).unwrap_err();
    let ex = sx.handle_bytes(&x, &hello_a).unwrap_err();
    for e in [&ea, &ex] {
        assert!(matches!(e, SessionError::Refused { reason: RefusalReason::OtherOffice, .. }), "{e}");
        assert!(e.to_string().contains("another office"), "{e}");
    }
}

#[test]
fn another_protocol_version_is_refused_on_both_sides() {
    let a = founder("A");
    let b = member(&a, "B", 1);
    let newer = SessionConfig { version: super::PROTOCOL_VERSION + 1, ..Default::default() };
    let mut sa =
        Session::new(&a, Harness::node_id_of("B"), Harness::node_id_of("A"), SessionConfig::default())
            .unwrap();
    let mut sb = Session::new(&b, Harness::node_id_of("A"), Harness::node_id_of("B"), newer).unwrap();
    let hello_a = sa.poll_transmit_bytes(&a).unwrap().unwrap();
    let hello_b = sb.poll_transmit_bytes(&b).unwrap().unwrap();
    for e in [sa.handle_bytes(&a, &hello_b).unwrap_err(), sb.handle_bytes(&b, &hello_a).unwrap_err()] {
        assert!(matches!(e, SessionError::Refused { reason: RefusalReason::IncompatibleVersion, .. }), "{e}");
        assert!(e.to_string().contains("version"), "{e}");
    }
}

#[test]
fn a_hello_naming_another_node_is_refused() {
    let a = founder("A");
    let b = member(&a, "B", 1);
    let mut sa =
        Session::new(&a, Harness::node_id_of("B"), Harness::node_id_of("A"), SessionConfig::default())
            .unwrap();
    // B claims to be C.
    let mut sb =
        Session::new(&b, Harness::node_id_of("A"), Harness::node_id_of("C"), SessionConfig::default())
            .unwrap();
    let hello_b = sb.poll_transmit_bytes(&b).unwrap().unwrap();
    let e = sa.handle_bytes(&a, &hello_b).unwrap_err();
    assert!(matches!(e, SessionError::Refused { reason: RefusalReason::WrongIdentity, .. }), "{e}");
}

/// Runs two sessions to the point where both are running, returns them.
fn running_pair(a: &Store, b: &Store) -> (Session, Session) {
    let mut sa =
        Session::new(a, Harness::node_id_of("B"), Harness::node_id_of("A"), SessionConfig::default())
            .unwrap();
    let mut sb =
        Session::new(b, Harness::node_id_of("A"), Harness::node_id_of("B"), SessionConfig::default())
            .unwrap();
    let hello_a = sa.poll_transmit_bytes(a).unwrap().unwrap();
    let hello_b = sb.poll_transmit_bytes(b).unwrap().unwrap();
    sa.handle_bytes(a, &hello_b).unwrap();
    sb.handle_bytes(b, &hello_a).unwrap();
    (sa, sb)
}

#[test]
fn malformed_and_unexpected_messages_end_the_session_and_store_nothing() {
    let a = founder("A");
    let b = member(&a, "B", 1);
    let seq = b.current_seq().unwrap();

    // Garbage before Hello, and a message other than Hello first.
    let mut fresh =
        Session::new(&b, Harness::node_id_of("A"), Harness::node_id_of("B"), SessionConfig::default())
            .unwrap();
    assert!(matches!(fresh.handle_bytes(&b, b"\xff\xff garbage"), Err(SessionError::Malformed(_))));
    let mut fresh =
        Session::new(&b, Harness::node_id_of("A"), Harness::node_id_of("B"), SessionConfig::default())
            .unwrap();
    let applied = Message::Applied { upto: 1 }.encode().unwrap();
    assert!(matches!(fresh.handle_bytes(&b, &applied), Err(SessionError::Unexpected { .. })));

    let (_sa, mut sb) = running_pair(&a, &b);
    // A DataEnd that answers nothing.
    let stray = Message::DataEnd { upto: 3 }.encode().unwrap();
    assert!(matches!(sb.handle_bytes(&b, &stray), Err(SessionError::Unexpected { .. })));

    // A batch that claims a size it does not inflate to.
    let (_sa, mut sb) = running_pair(&a, &b);
    let bad =
        Message::Data(Data { through: 0, docs: 1, keys: 0, raw_len: 100, deflated: Blob(vec![1, 2, 3]) });
    assert!(matches!(sb.handle_bytes(&b, &bad.encode().unwrap()), Err(SessionError::Malformed(_))));

    // A well-formed batch whose document bytes are not automerge: refused, nothing stored.
    let (_sa, mut sb) = running_pair(&a, &b);
    let body = super::message::BatchBody {
        items: vec![super::message::BatchItem::Doc(super::message::WireDoc {
            id: super::message::TextId(*amer_core::SessionId::random().0.as_bytes()),
            kind: super::message::WireKind::Session,
            heads_digest: None,
            bytes: Blob(b"not automerge".to_vec()),
        })],
    };
    let (raw_len, deflated) = super::message::deflate_batch(&body, 6).unwrap();
    let data = Message::Data(Data { through: 0, docs: 1, keys: 0, raw_len, deflated: Blob(deflated) });
    let e = sb.handle_bytes(&b, &data.encode().unwrap()).unwrap_err();
    assert!(matches!(e, SessionError::BadData { .. }), "{e}");
    assert_eq!(b.current_seq().unwrap(), seq, "nothing stored");
}

#[test]
fn sync_requests_on_an_open_session_complete() {
    let mut h = office(2, 12);
    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    register(h.store(1), 3, "B");
    h.request_sync(0, 1).unwrap();
    assert!(!h.is_caught_up(0, 1));
    h.run(STEPS).unwrap();
    assert!(h.is_caught_up(0, 1));
    assert_converged(&h);
}

/// One random operation of the property test.
#[derive(Debug, Clone)]
enum Op {
    Register { peer: usize, count: usize },
    Assign { peer: usize, officer: bool },
    Notes { peer: usize },
    Meet { a: usize, b: usize },
    Part { a: usize, b: usize },
}

fn op(peers: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..peers, 1usize..4).prop_map(|(peer, count)| Op::Register { peer, count }),
        (0..peers, any::<bool>()).prop_map(|(peer, officer)| Op::Assign { peer, officer }),
        (0..peers).prop_map(|peer| Op::Notes { peer }),
        (0..peers, 0..peers).prop_map(|(a, b)| Op::Meet { a, b }),
        (0..peers, 0..peers).prop_map(|(a, b)| Op::Part { a, b }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random edits on N peers with random meet-ups and partings (and random cuts) end, once
    /// everyone meets, in equal stores.
    #[test]
    fn random_operations_and_meetings_converge(
        peers in 2usize..5,
        ops in proptest::collection::vec(op(4), 1..25),
        seed in any::<u64>(),
    ) {
        let mut h = office(peers, seed);
        let shared = register(h.store(0), 1, "shared")[0].clone();
        // Everyone gets the shared session first.
        connect_all(&mut h);
        h.run(STEPS).unwrap();
        h.disconnect_all();
        for op in ops {
            match op {
                Op::Register { peer, count } => { register(h.store(peer % peers), count, "prop"); }
                Op::Assign { peer, officer } => {
                    let who = if officer { OFFICER } else { OFFICER2 };
                    h.store(peer % peers).assign(&actor(KASUBAG), &shared, who).unwrap();
                }
                Op::Notes { peer } => {
                    let store = h.store(peer % peers).clone();
                    let _ = store.start(&Actor::device(), &shared);
                    if store.session(&shared).unwrap().assignment.is_some() {
                        let _ = store.append_notes(&actor(OFFICER), &shared, &format!("catatan {peer}"));
                    }
                }
                Op::Meet { a, b } => { h.connect(a % peers, b % peers).unwrap(); }
                Op::Part { a, b } => h.disconnect(a % peers, b % peers),
            }
            h.run_with_cuts(STEPS, 0.01, 3).unwrap();
        }
        h.disconnect_all();
        for i in 1..peers {
            h.connect(i - 1, i).unwrap();
        }
        h.run(STEPS).unwrap();
        let first = fingerprint(h.store(0)).unwrap();
        for peer in 1..peers {
            prop_assert_eq!(&first, &fingerprint(h.store(peer)).unwrap());
        }
    }
}

/// Bytes and messages the Automerge sync protocol needs to bring `b` level with `a` (both
/// ways), from fresh sync states: what a design moving documents that way would pay per
/// document.
fn automerge_sync_cost(a: &[u8], b: &[u8]) -> (usize, usize, Vec<automerge::ChangeHash>) {
    use automerge::sync::{self, SyncDoc};
    let mut a = automerge::AutoCommit::load(a).unwrap();
    let mut b = automerge::AutoCommit::load(b).unwrap();
    let (mut sa, mut sb) = (sync::State::new(), sync::State::new());
    let (mut bytes, mut messages) = (0, 0);
    loop {
        let mut quiet = true;
        if let Some(m) = a.sync().generate_sync_message(&mut sa) {
            let encoded = m.encode();
            bytes += encoded.len();
            messages += 1;
            quiet = false;
            b.sync().receive_sync_message(&mut sb, sync::Message::decode(&encoded).unwrap()).unwrap();
        }
        if let Some(m) = b.sync().generate_sync_message(&mut sb) {
            let encoded = m.encode();
            bytes += encoded.len();
            messages += 1;
            quiet = false;
            a.sync().receive_sync_message(&mut sa, sync::Message::decode(&encoded).unwrap()).unwrap();
        }
        if quiet {
            break;
        }
    }
    let mut heads = a.get_heads();
    heads.sort();
    let mut other = b.get_heads();
    other.sort();
    assert_eq!(heads, other, "the sync protocol converges");
    (bytes, messages, heads)
}

/// Why documents move by heads (`save_after` the heads the peer named in its Need) and not by
/// Automerge's sync protocol when one side changed them: a document the peer has an older copy
/// of costs the changes alone, in the messages of a round that serves every document at once,
/// where the sync protocol spends its own exchange of heads and Bloom filters on each document.
/// When both sides changed it, neither knows the other's heads and the sync protocol is
/// cheaper than whole documents: that case uses it (see
/// `a_document_changed_on_both_sides_moves_by_the_sync_protocol`).
#[test]
fn heads_based_transfer_costs_less_than_the_sync_protocol() {
    let a = founder("a");
    let b = member(&a, "b", 1);
    let tickets = register(&a, 1, "ukur");
    let feed = a.changes_since(0, usize::MAX).unwrap();
    let docs: Vec<_> = feed
        .into_iter()
        .filter_map(|i| match i.kind {
            amer_core::store::FeedKind::Doc { id, .. } => Some((id, Vec::new())),
            amer_core::store::FeedKind::Key(_) => None,
        })
        .collect();
    b.apply_docs(&a.docs_for_peer(&docs).unwrap()).unwrap();
    let id = a.session(&tickets[0]).unwrap().id.doc();

    // One side changed (the common case: a record edited on one PC while apart).
    a.assign(&actor(KASUBAG), &tickets[0], OFFICER).unwrap();
    let b_heads = b.doc_heads(&id).unwrap().unwrap();
    let changes = a.docs_for_peer(&[(id, b_heads)]).unwrap();
    let heads_bytes = changes[0].2.len() + 32 /* the heads named in the Need */;
    let a_bytes = a.doc_bytes(&id).unwrap().unwrap().1;
    let b_bytes = b.doc_bytes(&id).unwrap().unwrap().1;
    let (sync_bytes, sync_messages, _) = automerge_sync_cost(&a_bytes, &b_bytes);
    println!("one side changed: heads-based {heads_bytes} B; sync protocol {sync_bytes} B in {sync_messages} messages");
    assert!(heads_bytes < sync_bytes, "heads-based {heads_bytes} B vs sync protocol {sync_bytes} B");
    assert!(sync_messages >= 3, "the sync protocol needs its own round trips per document");
    b.apply_docs(&changes).unwrap();
    assert_eq!(b.doc_heads(&id).unwrap(), a.doc_heads(&id).unwrap());

    // Both sides changed while apart: each side is missing the other's heads, so each sends its
    // whole (small) document; still convergent, and the figure shows what that costs.
    b.start(&actor(OFFICER), &tickets[0]).unwrap();
    a.edit_session(
        &actor(KASUBAG),
        &tickets[0],
        amer_core::store::SessionEdit { subject: Some("ukur ulang".into()), ..Default::default() },
    )
    .unwrap();
    let a_bytes = a.doc_bytes(&id).unwrap().unwrap().1;
    let b_bytes = b.doc_bytes(&id).unwrap().unwrap().1;
    let (sync_bytes, sync_messages, sync_heads) = automerge_sync_cost(&a_bytes, &b_bytes);
    let to_b = a.docs_for_peer(&[(id, b.doc_heads(&id).unwrap().unwrap())]).unwrap();
    let to_a = b.docs_for_peer(&[(id, a.doc_heads(&id).unwrap().unwrap())]).unwrap();
    let whole = to_b[0].2.len() + to_a[0].2.len() + 64;
    println!("both sides changed: whole documents {whole} B; sync protocol {sync_bytes} B in {sync_messages} messages");
    b.apply_docs(&to_b).unwrap();
    a.apply_docs(&to_a).unwrap();
    let mut merged = a.doc_heads(&id).unwrap().unwrap();
    merged.sort();
    assert_eq!(merged, sync_heads, "both ways reach the same heads");
    assert_eq!(
        b.doc_heads(&id).unwrap().map(|mut h| {
            h.sort();
            h
        }),
        Some(merged)
    );
}

/// A document changed on both sides while apart: neither side knows the other's heads, so
/// instead of each sending its whole document, the two run Automerge's sync protocol on it
/// (Bloom filters of what each has), and only the changes each lacks move.
#[test]
fn a_document_changed_on_both_sides_moves_by_the_sync_protocol() {
    let mut h = office(2, 14);
    let ticket = register(h.store(0), 1, "Addendum")[0].clone();
    let long_note = format!("jadwal pemasukan {}", incompressible_words(3000));
    h.store(0).append_notes(&actor(OFFICER), &ticket, &long_note).unwrap();
    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    h.disconnect(0, 1);
    h.store(0).assign(&actor(KASUBAG), &ticket, OFFICER).unwrap();
    h.store(1).append_notes(&actor(OFFICER2), &ticket, "Catatan dari PC B: perlu persetujuan PA.").unwrap();
    let id = h.store(0).session(&ticket).unwrap().id.doc();
    // What sending a whole document costs, expanded and deflated as a batch carries it (the
    // smaller of the two; before, at least one whole document moved, usually both).
    let whole: usize = [0, 1]
        .iter()
        .map(|&p| {
            let (kind, bytes) = h.store(p).doc_bytes(&id).unwrap().unwrap();
            let body = super::message::BatchBody {
                items: vec![super::message::BatchItem::Doc(super::message::WireDoc {
                    id: super::message::TextId(*id.0.as_bytes()),
                    kind: kind.into(),
                    heads_digest: None,
                    bytes: Blob(super::docbytes::inflate_columns(bytes)),
                })],
            };
            super::message::deflate_batch(&body, 6).unwrap().1.len()
        })
        .min()
        .unwrap();

    h.connect(0, 1).unwrap();
    h.run(STEPS).unwrap();
    assert_converged(&h);
    assert!(h.is_caught_up(0, 1) && h.is_caught_up(1, 0));
    for peer in 0..2 {
        let session = h.store(peer).session(&ticket).unwrap();
        assert!(session.notes.contains("persetujuan PA") && session.notes.contains("jadwal pemasukan"));
        assert_eq!(session.assignment.as_ref().map(|a| a.officer.as_str()), Some(OFFICER));
    }
    let (a, b) = (h.stats(0, 1).unwrap(), h.stats(1, 0).unwrap());
    let moved = a.bytes_sent + b.bytes_sent;
    println!("both sides changed: {moved} B for the whole session, one whole document {whole} B");
    assert!(moved < whole as u64, "{moved} B moved; one whole document alone is {whole} B");
}
