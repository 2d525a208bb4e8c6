//! `amer sync serve|now` and the pieces the other network commands share: the node's key pair,
//! the runtime, starting a node.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use amer_core::Store;
use amer_sync::{NodeConfig, NodeIdentity, SyncEvent, SyncNode};
use anyhow::Context;
use serde::Serialize;

use super::Ctx;
use crate::args::SyncCommand;

/// A synchronisation failure (exit code 5): the network, a peer's refusal, a timeout.
#[derive(Debug)]
pub struct SyncFailure(pub String);

impl std::fmt::Display for SyncFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SyncFailure {}

/// Wraps a sync library error so that it exits with code 5.
pub fn failure(e: impl std::fmt::Display) -> anyhow::Error {
    anyhow::Error::new(SyncFailure(e.to_string()))
}

/// This node's key pair, created on first use in `HOME/node.key` (mode 0600).
pub fn identity(home: &Path) -> anyhow::Result<NodeIdentity> {
    NodeIdentity::load_or_create(home.join("node.key"))
        .with_context(|| format!("cannot read or create the node key in {}", home.display()))
}

/// A tokio runtime for one command.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the network runtime")
}

/// Starts a node on `listen` for the store in `ctx`'s home.
pub async fn start(ctx: &Ctx, store: Store, config: NodeConfig) -> anyhow::Result<SyncNode> {
    let identity = identity(&ctx.home)?;
    SyncNode::start(Arc::new(store), identity, config).await.map_err(failure)
}

/// A node that only dials out for one command: it listens on an ephemeral port and does not
/// publish that port to the office.
pub fn transient_config(peers: Vec<SocketAddr>) -> NodeConfig {
    let mut config = NodeConfig::new(SocketAddr::from(([0, 0, 0, 0], 0)));
    config.static_peers = peers;
    config.publish_address = false;
    config
}

#[derive(Debug, Serialize)]
struct PeerReport {
    node_id: String,
    addr: String,
    docs_sent: u64,
    docs_received: u64,
    bytes_sent: u64,
    bytes_received: u64,
    millis: u64,
}

#[derive(Debug, Serialize)]
struct SyncNowResult {
    peers: Vec<PeerReport>,
}

pub fn run(ctx: &Ctx, cmd: SyncCommand) -> anyhow::Result<()> {
    match cmd {
        SyncCommand::Serve { listen, peer, no_mdns } => serve(ctx, listen, peer, !no_mdns),
        SyncCommand::Now { peer, timeout, no_mdns } => now(ctx, peer, timeout, !no_mdns),
    }
}

fn serve(ctx: &Ctx, listen: SocketAddr, peers: Vec<SocketAddr>, mdns: bool) -> anyhow::Result<()> {
    let store = ctx.open()?;
    let rt = runtime()?;
    rt.block_on(async {
        let mut config = NodeConfig::new(listen);
        config.static_peers = peers;
        config.mdns = mdns;
        let node = start(ctx, store, config).await?;
        let mut events = node.events();
        eprintln!("node {} listening on {} (Ctrl+C to stop)", node.node_id(), node.local_addr());
        let stop = shutdown_signal();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => break,
                ev = events.recv() => match ev {
                    Ok(ev) => log_event(&ev),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::debug!(missed = n, "event stream lagged");
                    }
                    Err(_) => break,
                },
            }
        }
        eprintln!("stopping…");
        node.shutdown().await;
        Ok(())
    })
}

/// Resolves on Ctrl+C, or SIGTERM on Unix.
pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub(crate) fn log_event(ev: &SyncEvent) {
    // Events carry ids, addresses and counts only: no personal data.
    tracing::info!(event = ?ev, "sync");
}

fn now(ctx: &Ctx, peer: Option<SocketAddr>, timeout: u64, mdns: bool) -> anyhow::Result<()> {
    let store = ctx.open()?;
    let rt = runtime()?;
    let reports = rt.block_on(async {
        // With --peer, that peer is the only one: the catch-up (and its figures) happen in the
        // session `sync_now` opens. Without it, the members that answer are dialled.
        let mut config = transient_config(Vec::new());
        config.dial_members = peer.is_none();
        // LAN discovery finds members too, unless one peer was named or it is turned off.
        config.mdns = mdns && peer.is_none();
        let node = start(ctx, store, config).await?;
        let result = node.sync_now(peer, Duration::from_secs(timeout)).await;
        node.shutdown().await;
        result.map_err(failure)
    })?;
    if reports.is_empty() {
        return Err(failure(format!(
            "no peer could be reached within {timeout} s; check that `amer sync serve` runs on another PC \
             and give its address with --peer IP:PORT"
        )));
    }
    let result = SyncNowResult {
        peers: reports
            .iter()
            .map(|r| PeerReport {
                node_id: r.node_id.to_string(),
                addr: r.addr.to_string(),
                docs_sent: r.docs_sent,
                docs_received: r.docs_received,
                bytes_sent: r.bytes_sent,
                bytes_received: r.bytes_received,
                millis: r.millis,
            })
            .collect(),
    };
    ctx.out.emit(&result, |w| {
        for p in &result.peers {
            writeln!(
                w,
                "{} ({}): sent {} documents ({} bytes), received {} ({} bytes) in {} ms",
                p.node_id, p.addr, p.docs_sent, p.bytes_sent, p.docs_received, p.bytes_received, p.millis
            )?;
        }
        Ok(())
    })
}
