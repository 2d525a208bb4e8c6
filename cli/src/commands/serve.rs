//! `amer serve`: the sync node and the front desk web app in one process, stopped together by
//! Ctrl+C or SIGTERM.

use std::sync::Arc;

use amer_sync::{NodeConfig, SyncNode};
use anyhow::Context;

use super::sync::{failure, identity, runtime, shutdown_signal};
use super::Ctx;
use crate::args::ServeArgs;

pub fn run(ctx: &Ctx, a: ServeArgs) -> anyhow::Result<()> {
    if !a.http.ip().is_loopback() {
        return Err(crate::exit::refuse(format!(
            "the web app listens on this PC only: give a loopback address such as 127.0.0.1:{}",
            a.http.port()
        )));
    }
    let store = Arc::new(ctx.open()?);
    let rt = runtime()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(a.http)
            .await
            .with_context(|| format!("cannot listen on {} (is another `amer serve` running?)", a.http))?;
        let mut config = NodeConfig::new(a.listen);
        config.static_peers = a.peer;
        config.mdns = !a.no_mdns;
        let node = SyncNode::start(store.clone(), identity(&ctx.home)?, config).await.map_err(failure)?;
        let http = listener.local_addr()?;
        eprintln!("node {} listening on {}", node.node_id(), node.local_addr());
        eprintln!("web app on http://{http}/ (Ctrl+C to stop)");
        tracing::info!(quic = %node.local_addr(), http = %http, "front desk started");
        let mut events = node.events();
        let logger = tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(ev) => super::sync::log_event(&ev),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                }
            }
        });
        let result =
            crate::web::serve(store, node.clone(), ctx.home.clone(), listener, shutdown_signal()).await;
        eprintln!("stopping…");
        node.shutdown().await;
        logger.abort();
        tracing::info!("front desk stopped");
        result
    })
}
