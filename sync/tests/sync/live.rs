//! Live push between connected nodes, including changes written by another process.

use std::time::{Duration, Instant};

use amer_core::Store;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_on_a_appears_on_b_without_sync_now() {
    within(60, async {
        let pcs = office(2).await;
        pcs[1].node().sync_now(None, Duration::from_secs(20)).await.unwrap();
        let b = pcs[1].store.clone();
        let mut worst = Duration::ZERO;
        for i in 0..5 {
            let started = Instant::now();
            let ticket = register(&pcs[0].store, 1, &format!("live {i}"))[0].clone();
            eventually(10, "the change on B", || b.session(&ticket).is_ok()).await;
            worst = worst.max(started.elapsed());
        }
        assert!(worst < Duration::from_secs(2), "live push took {worst:?}");
        shutdown_all(&pcs).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_written_by_another_process_is_noticed_and_pushed() {
    within(60, async {
        let pcs = office(2).await;
        pcs[1].node().sync_now(None, Duration::from_secs(20)).await.unwrap();
        // The CLI opens the same database file with its own connection and writes.
        let cli = Store::open(pcs[0].db_path()).unwrap();
        let ticket = register(&cli, 1, "from the CLI")[0].clone();
        drop(cli);
        let b = pcs[1].store.clone();
        eventually(10, "the CLI's change on B", || b.session(&ticket).is_ok()).await;
        shutdown_all(&pcs).await;
    })
    .await;
}
