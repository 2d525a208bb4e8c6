//! `amer serve`: the sync node and the front desk web app in one process, stopped together by
//! Ctrl+C or SIGTERM.
//!
//! The web app does not depend on the node: when the QUIC socket cannot be created (Wine 8 and
//! some Windows 10 builds refuse an option quinn-udp sets), the web app runs anyway, the
//! Sinkronisasi page says why sync is off, and the node is tried again every 30 s.

use std::sync::Arc;
use std::time::Duration;

use amer_sync::error::NodeError;
use amer_sync::{NodeConfig, SyncNode};
use anyhow::Context;

use super::sync::{failure, identity, runtime, shutdown_signal};
use super::Ctx;
use crate::args::ServeArgs;
use crate::web::NodeSlot;

/// How long to wait before trying to start a node that failed again.
const RETRY: Duration = Duration::from_secs(30);

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
        let ident = identity(&ctx.home)?;
        let make_config = {
            let (listen, peers, mdns) = (a.listen, a.peer.clone(), !a.no_mdns);
            move || {
                let mut config = NodeConfig::new(listen);
                config.static_peers = peers.clone();
                config.mdns = mdns;
                config
            }
        };
        let slot = Arc::new(NodeSlot::default());
        let http = listener.local_addr()?;
        // The first attempt before the web app announces itself, so a working node is listed
        // (and tested) at once; a failing one is retried in the background.
        let first = SyncNode::start(store.clone(), ident.clone(), make_config()).await;
        // A database of no office or of another key will not get better by waiting.
        if let Err(e @ (NodeError::NotInitialised | NodeError::IdentityMismatch { .. })) = &first {
            return Err(failure(e));
        }
        let starter = {
            let (slot, store) = (slot.clone(), store.clone());
            tokio::spawn(async move {
                let mut attempt = first;
                loop {
                    match attempt {
                        Ok(node) => {
                            eprintln!("node {} listening on {}", node.node_id(), node.local_addr());
                            tracing::info!(quic = %node.local_addr(), "sync node started");
                            let mut events = node.events();
                            slot.set(node);
                            loop {
                                match events.recv().await {
                                    Ok(ev) => super::sync::log_event(&ev),
                                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                                    Err(_) => break,
                                }
                            }
                            return;
                        }
                        Err(e) => {
                            // The error names a socket address and an OS error: nothing personal.
                            let reason = e.to_string();
                            // Said once on the terminal; every retry goes to the log.
                            if slot.error().is_none() {
                                eprintln!(
                                    "sync node not started: {reason}; the web app runs without sync, \
                                 retrying every {} s",
                                    RETRY.as_secs()
                                );
                            }
                            tracing::warn!(error = %reason, "sync node not started; retrying");
                            slot.fail(reason);
                        }
                    }
                    tokio::time::sleep(RETRY).await;
                    attempt = SyncNode::start(store.clone(), ident.clone(), make_config()).await;
                }
            })
        };
        // Give the starter a moment to publish a node that started at once.
        for _ in 0..50 {
            if slot.get().is_some() || slot.error().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        eprintln!("web app on http://{http}/ (Ctrl+C to stop)");
        tracing::info!(http = %http, "front desk started");
        let result =
            crate::web::serve(store, slot.clone(), ctx.home.clone(), listener, shutdown_signal()).await;
        eprintln!("stopping…");
        starter.abort();
        if let Some(node) = slot.get() {
            node.shutdown().await;
        }
        tracing::info!("front desk stopped");
        result
    })
}
