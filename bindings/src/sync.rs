//! Synchronisation between the office's PCs: [`AmerSyncNode`] wraps `amer_sync::node::SyncNode`
//! (QUIC with pinned keys, tokio) and runs it on AMER's background runtime.
//!
//! A store starts its node with `AmerStore.start_sync(config)` (a PC that belongs to an office)
//! or joins an office with `AmerStore.join_office(code, device_name, config, timeout_ms)` (a
//! fresh PC, with an invite code made by a member's `invite()`). Both are async: they bind a
//! socket and talk to peers. The node then serves, dials static peers and the addresses members
//! publish, pushes local changes live and applies remote ones; the store's change listeners
//! hear those with origin `Remote`. `subscribe()` adds a listener for the node's own events
//! (connected, synced, refused...), delivered in order on a background thread.
//!
//! The node's key lives in the store's folder as `node.key` (readable only by the user); a store
//! in memory gets a key in memory. `init_office` records the key's node id, so a store made by
//! these bindings can sync from its first day.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use amer_sync::events::{PeerStatus as CorePeer, SyncEvent as CoreEvent, SyncReport as CoreReport};
use amer_sync::membership::InviteCode;
use amer_sync::node::{NodeConfig, SyncNode};
use amer_sync::NodeId;
use tokio::sync::broadcast::error::RecvError;

use crate::error::{ApiError, ApiResult};
use crate::listener::{deliver, Subscription};
use crate::records::instant;
use crate::runtime::{on_runtime, runtime};
use crate::store::AmerStore;

/// The UDP port AMER listens on by default.
pub const DEFAULT_PORT: u16 = 7313;

/// How a node runs.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncConfig {
    /// Where to listen (UDP), `IP:PORT`; port 0 picks a free one.
    #[uniffi(default = "0.0.0.0:7313")]
    pub listen: String,
    /// Peers to dial whatever the office document says (`IP:PORT`); static addresses always
    /// work, also where the network blocks discovery.
    #[uniffi(default)]
    pub static_peers: Vec<String>,
    /// Addresses to publish and to put into invite codes; none means the listen address when it
    /// is a specific one.
    #[uniffi(default)]
    pub advertise: Vec<String>,
    /// Dial the addresses other members publish.
    #[uniffi(default = true)]
    pub dial_members: bool,
    /// Publish this node's addresses in the office document.
    #[uniffi(default = true)]
    pub publish_address: bool,
    /// Announce this node and find the office's other PCs on the LAN by mDNS; off where the
    /// network blocks multicast or the office wants only static peers (like `--no-mdns`).
    #[uniffi(default = true)]
    pub mdns: bool,
}

fn socket_addr(field: &str, text: &str) -> ApiResult<SocketAddr> {
    text.trim()
        .parse()
        .map_err(|_| ApiError::invalid(field, format!("'{text}' is not an address like 192.168.1.20:7313")))
}

impl SyncConfig {
    fn to_core(&self) -> ApiResult<NodeConfig> {
        let mut c = NodeConfig::new(socket_addr("listen", &self.listen)?);
        c.static_peers =
            self.static_peers.iter().map(|a| socket_addr("static peer", a)).collect::<ApiResult<_>>()?;
        c.advertise = self.advertise.iter().map(|a| socket_addr("advertise", a)).collect::<ApiResult<_>>()?;
        c.dial_members = self.dial_members;
        c.publish_address = self.publish_address;
        c.mdns = self.mdns;
        Ok(c)
    }
}

/// The outcome of catching up with one peer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// The peer's node id (64 hex digits).
    pub node_id: String,
    /// Its address.
    pub addr: String,
    /// Documents sent to it.
    pub docs_sent: u64,
    /// Documents received from it.
    pub docs_received: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Of `millis`, the time this store spent applying what it received.
    pub apply_millis: u64,
    /// How long the catch-up took.
    pub millis: u64,
}

impl From<CoreReport> for SyncReport {
    fn from(r: CoreReport) -> Self {
        SyncReport {
            node_id: r.node_id.full_hex(),
            addr: r.addr.to_string(),
            docs_sent: r.docs_sent,
            docs_received: r.docs_received,
            bytes_sent: r.bytes_sent,
            bytes_received: r.bytes_received,
            apply_millis: r.apply_millis,
            millis: r.millis,
        }
    }
}

/// The state of one known peer.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PeerStatus {
    /// The peer's node id (64 hex digits).
    pub node_id: String,
    /// The short form people see (`abcd-efgh-ijkl-mnop`).
    pub short_id: String,
    /// Its last known address.
    pub addr: Option<String>,
    /// Whether a session with it is open now.
    pub connected: bool,
    /// When the last catch-up with it completed.
    pub last_sync: Option<SystemTime>,
    /// Documents sent to it, all sessions together.
    pub docs_sent: u64,
    /// Documents received from it.
    pub docs_received: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// How far the current catch-up from it is, 0.0 to 1.0.
    pub progress: f64,
    /// Connections with it kept since the node started (more than one: it reconnected).
    pub connections: u64,
}

impl From<CorePeer> for PeerStatus {
    fn from(p: CorePeer) -> Self {
        PeerStatus {
            node_id: p.node_id.full_hex(),
            short_id: p.node_id.short().to_string(),
            addr: p.addr.map(|a| a.to_string()),
            connected: p.connected,
            last_sync: p.last_sync.map(instant),
            docs_sent: p.docs_sent,
            docs_received: p.docs_received,
            bytes_sent: p.bytes_sent,
            bytes_received: p.bytes_received,
            progress: p.progress,
            connections: p.connections,
        }
    }
}

/// Something that happened on a node.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum SyncEvent {
    /// A session with a peer started.
    Connected {
        /// The peer.
        node_id: String,
        /// Its address.
        addr: String,
    },
    /// A session with a peer ended.
    Disconnected {
        /// The peer.
        node_id: String,
        /// Its address.
        addr: String,
        /// Why, in words.
        reason: String,
    },
    /// Progress of a long catch-up from a peer.
    Progress {
        /// The peer.
        node_id: String,
        /// 0.0 to 1.0.
        fraction: f64,
        /// Documents received so far in this session.
        docs_received: u64,
    },
    /// Caught up with a peer both ways.
    Synced {
        /// What moved.
        report: SyncReport,
    },
    /// A peer was refused, or refused this node.
    Refused {
        /// The peer, when its key is known.
        node_id: Option<String>,
        /// Its address, when known.
        addr: Option<String>,
        /// Why, as a code (`other_office`, `not_a_member`, `invite_refused`...).
        reason: String,
        /// Why, in words.
        detail: String,
        /// Whether the peer refused this node (rather than this node the peer).
        by_peer: bool,
    },
    /// Changes from a peer were applied to the store (its listeners heard them).
    RemoteChangeApplied {
        /// The peer.
        node_id: String,
        /// Documents that changed here.
        docs: u64,
        /// Visitor key records that changed here.
        keys: u64,
    },
    /// A new PC joined the office through an invite code of this node.
    MemberJoined {
        /// The new member.
        node_id: String,
        /// Its device code.
        device_code: String,
    },
    /// The listener fell behind and missed this many events (it keeps receiving).
    Missed {
        /// How many.
        count: u64,
    },
}

impl From<CoreEvent> for SyncEvent {
    fn from(e: CoreEvent) -> Self {
        match e {
            CoreEvent::Connected { node_id, addr } => {
                SyncEvent::Connected { node_id: node_id.full_hex(), addr: addr.to_string() }
            }
            CoreEvent::Disconnected { node_id, addr, reason } => {
                SyncEvent::Disconnected { node_id: node_id.full_hex(), addr: addr.to_string(), reason }
            }
            CoreEvent::Progress { node_id, fraction, docs_received } => {
                SyncEvent::Progress { node_id: node_id.full_hex(), fraction, docs_received }
            }
            CoreEvent::Synced(report) => SyncEvent::Synced { report: report.into() },
            CoreEvent::Refused { node_id, addr, reason, detail, by_peer } => SyncEvent::Refused {
                node_id: node_id.map(|n| n.full_hex()),
                addr: addr.map(|a| a.to_string()),
                reason: serde_json::to_value(reason)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                detail,
                by_peer,
            },
            CoreEvent::RemoteChangeApplied { node_id, docs, keys } => SyncEvent::RemoteChangeApplied {
                node_id: node_id.full_hex(),
                docs: docs as u64,
                keys: keys as u64,
            },
            CoreEvent::MemberJoined { node_id, device_code } => {
                SyncEvent::MemberJoined { node_id: node_id.full_hex(), device_code }
            }
        }
    }
}

/// Implemented by the app to follow a sync node (status bars, "last synced" labels).
#[uniffi::export(with_foreign)]
pub trait SyncListener: Send + Sync {
    /// Called once per event, in order, on a background thread; return quickly.
    fn on_sync_event(&self, event: SyncEvent);
}

/// A running sync node. Stop it with `shutdown()`; dropping the last handle stops it too.
#[derive(uniffi::Object)]
pub struct AmerSyncNode {
    node: SyncNode,
}

impl std::fmt::Debug for AmerSyncNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmerSyncNode").field("node", &self.node).finish()
    }
}

impl Drop for AmerSyncNode {
    fn drop(&mut self) {
        let node = self.node.clone();
        if let Ok(rt) = runtime() {
            rt.spawn(async move { node.shutdown().await });
        }
    }
}

const MILLIS_PER_SECOND: u64 = 1000;

#[uniffi::export]
impl AmerSyncNode {
    /// This node's id (64 hex digits).
    pub fn node_id(&self) -> String {
        self.node.node_id().full_hex()
    }

    /// The short form of the id people see (`abcd-efgh-ijkl-mnop`).
    pub fn short_id(&self) -> String {
        self.node.node_id().short().to_string()
    }

    /// The address the node listens on, with the actual port.
    pub fn local_addr(&self) -> String {
        self.node.local_addr().to_string()
    }

    /// Every peer seen since the node started.
    pub fn status(&self) -> Vec<PeerStatus> {
        self.node.status().into_iter().map(PeerStatus::from).collect()
    }

    /// Catches up both ways with one peer (`peer`, an address, dialled now if needed) or with
    /// every connected peer (none); returns a report per peer that completed within
    /// `timeout_ms`.
    #[uniffi::method(default(peer = None, timeout_ms = 10000))]
    pub async fn sync_now(&self, peer: Option<String>, timeout_ms: u32) -> ApiResult<Vec<SyncReport>> {
        let peer = peer.as_deref().map(|p| socket_addr("peer", p)).transpose()?;
        let node = self.node.clone();
        let timeout = Duration::from_millis(u64::from(timeout_ms));
        on_runtime(async move { Ok(node.sync_now(peer, timeout).await?) })
            .await
            .map(|reports| reports.into_iter().map(SyncReport::from).collect())
    }

    /// Makes a one-time invite code valid for `ttl_seconds`, for a new PC's `join_office`.
    #[uniffi::method(default(ttl_seconds = 900))]
    pub async fn invite(&self, ttl_seconds: u32) -> ApiResult<String> {
        let node = self.node.clone();
        let ttl = Duration::from_millis(u64::from(ttl_seconds) * MILLIS_PER_SECOND);
        on_runtime(async move { Ok(node.invite(ttl).await?.to_string()) }).await
    }

    /// Adds a peer address to dial from now on and after restarts; `node_id` (64 hex digits)
    /// pins the key expected there, if known.
    #[uniffi::method(default(node_id = None))]
    pub async fn add_static_peer(&self, addr: String, node_id: Option<String>) -> ApiResult<()> {
        let addr = socket_addr("peer", &addr)?;
        let id = node_id.as_deref().map(str::parse::<NodeId>).transpose()?;
        let node = self.node.clone();
        on_runtime(async move { Ok(node.add_static_peer(id, addr).await?) }).await
    }

    /// Calls `listener` for each of the node's events, in order, on a background thread. Keep
    /// the returned handle: dropping it or calling `cancel()` stops the listener.
    pub fn subscribe(&self, listener: Arc<dyn SyncListener>) -> ApiResult<Arc<Subscription>> {
        let mut events = self.node.events();
        let task = runtime()?.spawn(async move {
            loop {
                let event = match events.recv().await {
                    Ok(e) => SyncEvent::from(e),
                    Err(RecvError::Lagged(n)) => SyncEvent::Missed { count: n },
                    Err(RecvError::Closed) => break,
                };
                let listener = listener.clone();
                // The foreign callback may block (a GIL, a lock): keep it off the workers.
                let _ = tokio::task::spawn_blocking(move || deliver(|| listener.on_sync_event(event))).await;
            }
        });
        let (abort, alive) = (task.abort_handle(), task.abort_handle());
        Ok(Subscription::new(move || abort.abort(), move || !alive.is_finished()))
    }

    /// Stops the node: closes every connection (telling peers) and its tasks. Idempotent.
    pub async fn shutdown(&self) -> ApiResult<()> {
        let node = self.node.clone();
        on_runtime(async move {
            node.shutdown().await;
            Ok(())
        })
        .await
    }
}

#[uniffi::export]
impl AmerStore {
    /// Starts synchronising this store (which must belong to an office) with the office's other
    /// PCs; see [`SyncConfig`].
    pub async fn start_sync(&self, config: SyncConfig) -> ApiResult<Arc<AmerSyncNode>> {
        let config = config.to_core()?;
        let identity = self.identity()?;
        let store = self.core().clone();
        let node = on_runtime(async move { Ok(SyncNode::start(store, identity, config).await?) }).await?;
        Ok(Arc::new(AmerSyncNode { node }))
    }

    /// Joins an office with an invite code on a fresh store: reaches the inviting PC, records
    /// the office and the device code it allots, starts the node and catches up with the
    /// inviting PC (waiting at most `timeout_ms` for that first sync; it goes on in the
    /// background after).
    #[uniffi::method(default(timeout_ms = 30000))]
    pub async fn join_office(
        &self,
        code: String,
        device_name: String,
        config: SyncConfig,
        timeout_ms: u32,
    ) -> ApiResult<Arc<AmerSyncNode>> {
        let code: InviteCode = code.parse()?;
        let device_name = amer_core::model::required_text("device name", &device_name, 100)?;
        let config = config.to_core()?;
        let identity = self.identity()?;
        let store = self.core().clone();
        let timeout = Duration::from_millis(u64::from(timeout_ms));
        let node = on_runtime(async move {
            Ok(SyncNode::join(store, identity, &code, &device_name, config, timeout).await?)
        })
        .await?;
        Ok(Arc::new(AmerSyncNode { node }))
    }
}
