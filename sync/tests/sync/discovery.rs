//! LAN discovery with mDNS: two members that know nothing of each other's address find each
//! other and sync; where mDNS cannot run, static peers still sync.

use std::net::UdpSocket;
use std::time::Duration;

use amer_sync::node::NodeConfig;

use crate::support::*;

/// An mDNS port of this test's own (multicast group on a non-standard port), so that parallel
/// test runs and a real responder on 5353 stay apart.
fn private_mdns_port() -> u16 {
    let socket = UdpSocket::bind("0.0.0.0:0").unwrap();
    socket.local_addr().unwrap().port()
}

fn discovering(mdns_port: u16) -> NodeConfig {
    let mut c = config();
    c.mdns = true;
    c.mdns_port = mdns_port;
    // No published addresses, no static peers: only mDNS can bring them together.
    c.dial_members = false;
    c.publish_address = false;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_find_each_other_on_the_lan_and_sync() {
    within(60, async {
        let port = private_mdns_port();
        let mut a = Pc::new();
        a.found("Bagian Pengadaan Barang/Jasa");
        let mut b = Pc::new();
        b.admit_directly(&a, "A1");
        // A stranger of another office announcing on the same LAN is ignored.
        let mut stranger = Pc::new();
        stranger.found("Kantor Lain");
        stranger.start(discovering(port)).await;

        a.start(discovering(port)).await;
        b.start(discovering(port)).await;
        let tickets = register(&a.store, 3, "lan");
        eventually(40, "the session to reach B through mDNS discovery", || {
            b.store.list_sessions(&Default::default()).unwrap().len() == tickets.len()
        })
        .await;
        assert!(same(&a.store, &b.store));
        let peers: Vec<_> =
            a.node().status().into_iter().filter(|p| p.connected).map(|p| p.node_id).collect();
        assert_eq!(peers, vec![b.identity.node_id()], "A talks to B only, never to the other office");
        assert!(stranger.node().status().iter().all(|p| !p.connected));
        assert!(stranger.store.list_sessions(&Default::default()).unwrap().is_empty());
        shutdown_all(&[a, b, stranger]).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_peers_sync_when_mdns_cannot_run() {
    within(60, async {
        // Hold the mDNS port without address reuse: the daemon cannot open its socket, as on a
        // PC where another program owns it or multicast is refused.
        let port = private_mdns_port();
        let _blocker = UdpSocket::bind(("0.0.0.0", port)).unwrap();
        let mut a = Pc::new();
        a.found("Bagian Pengadaan Barang/Jasa");
        let mut b = Pc::new();
        b.admit_directly(&a, "A1");
        a.start(with_blocked_mdns(port)).await;
        let mut cb = with_blocked_mdns(port);
        cb.static_peers = vec![a.addr()];
        b.start(cb).await;
        register(&a.store, 2, "statis");
        let reports = b.node().sync_now(None, Duration::from_secs(20)).await.unwrap();
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert!(same(&a.store, &b.store));
        shutdown_all(&[a, b]).await;
    })
    .await;
}

fn with_blocked_mdns(port: u16) -> NodeConfig {
    let mut c = config();
    c.mdns = true;
    c.mdns_port = port;
    c.dial_members = false;
    c
}

#[test]
fn mdns_is_on_by_default() {
    let config = NodeConfig::new("127.0.0.1:0".parse().unwrap());
    assert!(config.mdns);
    assert_eq!(config.mdns_port, amer_sync::discovery::MDNS_PORT);
}
