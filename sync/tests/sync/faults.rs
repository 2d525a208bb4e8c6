//! Connections cut at random moments through the fault relay during a large sync.

use std::time::{Duration, Instant};

use amer_sync::transport::relay::{RelayConfig, UdpRelay};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cuts_during_a_large_sync_lose_nothing() {
    within(110, async {
        let mut a = Pc::new();
        a.found("Bagian Pengadaan Barang/Jasa");
        let mut b = Pc::new();
        b.admit_directly(&a, "A1");
        let store = a.store.clone();
        tokio::task::spawn_blocking(move || register(&store, 2000, "besar")).await.unwrap();
        let mut ca = config();
        ca.dial_members = false;
        a.start(ca).await;
        let relay = UdpRelay::start_with(a.addr(), RelayConfig { loss: 0.02, seed: 7 }).await.unwrap();
        let mut cb = config();
        cb.dial_members = false;
        cb.static_peers = vec![relay.local_addr()];
        cb.session.batch_bytes = 32 * 1024;
        b.start(cb).await;

        // Cut at random moments: short stalls, and cuts longer than the idle timeout that kill
        // the connection (the node reconnects and resumes from its checkpoint).
        let started = Instant::now();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut kills = 0;
        let b_store = b.store.clone();
        let a_count = a.store.item_count().unwrap();
        while b_store.item_count().unwrap() < a_count && started.elapsed() < Duration::from_secs(60) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            tokio::time::sleep(Duration::from_millis(100 + seed % 400)).await;
            if kills < 3 && seed.is_multiple_of(3) {
                relay.cut_for(Duration::from_millis(2600));
                kills += 1;
                tokio::time::sleep(Duration::from_millis(2700)).await;
            } else {
                relay.cut_for(Duration::from_millis(50 + seed % 200));
            }
        }
        relay.restore();
        relay.set_loss(0.0);
        let reports = b.node().sync_now(None, Duration::from_secs(30)).await.unwrap();
        assert_eq!(reports.len(), 1, "the next sync completes: {reports:?}");
        assert!(same(&a.store, &b.store), "nothing lost");
        assert_eq!(b.store.list_sessions(&Default::default()).unwrap().len(), 2000);
        assert!(b.store.doctor().unwrap().is_empty(), "nothing corrupt");
        b.shutdown().await;
        a.shutdown().await;
    })
    .await;
}
