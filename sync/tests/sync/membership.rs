//! Invite, join, removal and every refusal, with the reason visible on both sides.

use std::time::Duration;

use amer_core::model::Member;
use amer_sync::error::{JoinError, RefusalReason};
use amer_sync::events::SyncEvent;
use amer_sync::node::SyncNode;
use amer_sync::protocol::PROTOCOL_VERSION;

use crate::support::*;

fn refused(reason: RefusalReason, by_peer: bool) -> impl Fn(&SyncEvent) -> bool {
    move |e| matches!(e, SyncEvent::Refused { reason: r, by_peer: b, .. } if *r == reason && *b == by_peer)
}

fn refused_any(reason: RefusalReason) -> impl Fn(&SyncEvent) -> bool {
    move |e| matches!(e, SyncEvent::Refused { reason: r, .. } if *r == reason)
}

fn detail(event: &SyncEvent) -> String {
    match event {
        SyncEvent::Refused { detail, .. } => detail.clone(),
        other => format!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_pc_joins_with_an_invite_code_and_syncs() {
    within(60, async {
        let mut a = Pc::new();
        a.found("Bagian Pengadaan Barang/Jasa");
        register(&a.store, 5, "before join");
        a.start(config()).await;
        let code = a.node().invite(Duration::from_secs(300)).await.unwrap();
        let text = code.to_string();
        assert_eq!(text.len(), 47, "short enough to read aloud: {text}");
        let code = text.parse().unwrap();

        let mut j = Pc::new();
        let node = SyncNode::join(
            j.store.clone(),
            j.identity.clone(),
            &code,
            "PC Loket 2",
            config(),
            Duration::from_secs(20),
        )
        .await
        .unwrap();
        j.events = Some(node.events());
        j.node = Some(node);
        let local = j.store.local().unwrap();
        assert_eq!(local.device_code, "A1");
        assert_eq!(local.office_id, a.store.local().unwrap().office_id);
        let (a_store, j_store) = (a.store.clone(), j.store.clone());
        eventually(10, "the joiner holds everything", || same(&a_store, &j_store)).await;
        let member = a.store.office().unwrap().member(&j.hex()).cloned().unwrap();
        assert_eq!(member.name, "PC Loket 2");
        assert_eq!(member.invited_by.as_deref(), Some(a.hex().as_str()));
        assert!(!member.public_key.is_empty());
        let joined = a.wait_event(5, "member joined", |e| matches!(e, SyncEvent::MemberJoined { .. })).await;
        assert!(matches!(joined, SyncEvent::MemberJoined { device_code, .. } if device_code == "A1"));

        // The new member is a full member: its changes reach the inviter live.
        let ticket = register(&j.store, 1, "from the new PC")[0].clone();
        let a_store = a.store.clone();
        eventually(10, "the new PC's change on A", || a_store.session(&ticket).is_ok()).await;
        j.shutdown().await;
        a.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_reused_codes_are_refused_on_both_sides() {
    within(60, async {
        let mut a = Pc::new();
        a.found("Bagian Pengadaan Barang/Jasa");
        a.start(config()).await;

        let expired = a.node().invite(Duration::from_millis(1)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let late = Pc::new();
        let error = SyncNode::join(
            late.store.clone(),
            late.identity.clone(),
            &expired,
            "PC Late",
            config(),
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
        assert!(matches!(&error, JoinError::Refused { reason } if reason.contains("expired")), "{error}");
        let event = a
            .wait_event(5, "refusal of the expired code", refused(RefusalReason::InviteRefused, false))
            .await;
        assert!(detail(&event).contains("expired"), "{event:?}");
        assert!(!late.store.is_initialised().unwrap(), "the refused PC recorded nothing");

        let code = a.node().invite(Duration::from_secs(300)).await.unwrap();
        let first = Pc::new();
        let node = SyncNode::join(
            first.store.clone(),
            first.identity.clone(),
            &code,
            "PC One",
            config(),
            Duration::from_secs(20),
        )
        .await
        .unwrap();
        let second = Pc::new();
        let error = SyncNode::join(
            second.store.clone(),
            second.identity.clone(),
            &code,
            "PC Two",
            config(),
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
        assert!(
            matches!(&error, JoinError::Refused { reason } if reason.contains("already used")),
            "{error}"
        );
        let event =
            a.wait_event(5, "refusal of the reused code", refused(RefusalReason::InviteRefused, false)).await;
        assert!(detail(&event).contains("already used"), "{event:?}");
        node.shutdown().await;
        a.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_member_is_refused_everywhere() {
    within(90, async {
        let mut pcs = office(3).await;
        for pc in &pcs[1..] {
            pc.node().sync_now(None, Duration::from_secs(20)).await.unwrap();
        }
        let b_hex = pcs[1].hex();
        let b_id = pcs[1].node().node_id();
        pcs[0].store.remove_member(&actor(ADMIN), &b_hex).unwrap();
        // Generous waits: with every test of this binary and a build sharing two cores, the
        // membership refresh and the close once took over 10 s.
        let event = pcs[0].wait_event(30, "A closes B", refused(RefusalReason::NotAMember, false)).await;
        assert!(matches!(event, SyncEvent::Refused { node_id: Some(id), .. } if id == b_id));
        let event =
            pcs[1].wait_event(30, "B told it was refused", refused(RefusalReason::NotAMember, true)).await;
        assert!(detail(&event).contains("removed") || detail(&event).contains("member"), "{event:?}");
        // C learns of the removal and refuses B too.
        let c_store = pcs[2].store.clone();
        eventually(10, "C learns of the removal", || {
            c_store.office().unwrap().member(&b_hex).is_some_and(|m| m.removed_at.is_some())
        })
        .await;
        // B's edits no longer reach anyone.
        let ticket = register(&pcs[1].store, 1, "after removal")[0].clone();
        let reports = pcs[1].node().sync_now(Some(pcs[0].addr()), Duration::from_secs(2)).await;
        assert!(reports.map(|r| r.is_empty()).unwrap_or(true));
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(pcs[0].store.session(&ticket).is_err() && pcs[2].store.session(&ticket).is_err());
        let c_status = pcs[2].node().status();
        assert!(c_status.iter().all(|s| s.node_id != b_id || !s.connected), "{c_status:?}");
        shutdown_all(&pcs).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_member_is_refused_on_both_sides() {
    within(60, async {
        let mut a = Pc::new();
        a.found("Bagian Pengadaan Barang/Jasa");
        a.start(config()).await;
        // X knows the office (an old copy) but was never made a member.
        let mut x = Pc::new();
        x.store
            .join(amer_core::store::JoinOptions {
                office_id: a.store.local().unwrap().office_id,
                device_code: "Z9".into(),
                node_id: x.hex(),
                device_name: "PC X".into(),
            })
            .unwrap();
        copy_all(&a.store, &x.store);
        let mut c = config();
        c.static_peers = vec![a.addr()];
        x.start(c).await;
        a.wait_event(10, "A refuses X", refused(RefusalReason::NotAMember, false)).await;
        let event = x.wait_event(10, "X is told", refused(RefusalReason::NotAMember, true)).await;
        assert!(detail(&event).contains("member"), "{event:?}");
        x.shutdown().await;
        a.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pc_of_another_office_is_refused_on_both_sides() {
    within(60, async {
        let mut a = Pc::new();
        a.found("Bagian Pengadaan Barang/Jasa");
        let mut x = Pc::new();
        x.found("Bagian Umum");
        // Each trusts the other's key, so the handshake passes and the offices are compared.
        for (host, guest) in [(&a, &x), (&x, &a)] {
            host.store
                .put_member(&Member {
                    node_id: guest.hex(),
                    name: "PC lain".into(),
                    device_code: "Q".into(),
                    public_key: String::new(),
                    invited_by: None,
                    added_at: 1,
                    removed_at: None,
                    addresses: Vec::new(),
                })
                .unwrap();
        }
        a.start(config()).await;
        let mut c = config();
        c.static_peers = vec![a.addr()];
        x.start(c).await;
        let ea = a.wait_event(10, "A refuses X", refused_any(RefusalReason::OtherOffice)).await;
        let ex = x.wait_event(10, "X refuses A", refused_any(RefusalReason::OtherOffice)).await;
        for e in [ea, ex] {
            assert!(detail(&e).contains("another office"), "{e:?}");
        }
        assert!(x.store.session("K-000000-A-001").is_err());
        x.shutdown().await;
        a.shutdown().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pc_with_another_protocol_version_is_refused_on_both_sides() {
    within(60, async {
        let mut pcs = office(1).await;
        let mut b = Pc::new();
        b.admit_directly(&pcs[0], "A1");
        let mut c = config();
        c.static_peers = vec![pcs[0].addr()];
        c.session.version = PROTOCOL_VERSION + 1;
        b.start(c).await;
        let ea = pcs[0].wait_event(10, "A refuses B", refused_any(RefusalReason::IncompatibleVersion)).await;
        let eb = b.wait_event(10, "B refuses A", refused_any(RefusalReason::IncompatibleVersion)).await;
        for e in [ea, eb] {
            assert!(detail(&e).contains("version"), "{e:?}");
        }
        b.shutdown().await;
        pcs.push(b);
        shutdown_all(&pcs).await;
    })
    .await;
}
