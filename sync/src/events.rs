//! What a running node reports: the event stream ([`SyncEvent`]), per-peer status
//! ([`PeerStatus`]) and the result of a catch-up ([`SyncReport`]). All are serde-serialisable
//! for the CLI's `--json` and the bindings, and carry no personal data.

use std::net::SocketAddr;

use serde::Serialize;

use crate::error::RefusalReason;
use crate::identity::NodeId;

/// The outcome of catching up with one peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    /// The peer.
    pub node_id: NodeId,
    /// Its address.
    pub addr: SocketAddr,
    /// Documents sent to it during the catch-up.
    pub docs_sent: u64,
    /// Documents received from it.
    pub docs_received: u64,
    /// Bytes sent (sync messages with their frame headers; QUIC and TLS add a few percent).
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Of `millis`, how long this node's store spent applying what it received.
    pub apply_millis: u64,
    /// How long the catch-up took, in milliseconds.
    pub millis: u64,
}

/// The state of one known peer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerStatus {
    /// The peer.
    pub node_id: NodeId,
    /// Its last known address.
    pub addr: Option<SocketAddr>,
    /// Whether a session with it is open now.
    pub connected: bool,
    /// When the last catch-up with it completed (Unix milliseconds).
    pub last_sync: Option<i64>,
    /// Documents sent to it, all sessions together.
    pub docs_sent: u64,
    /// Documents received from it.
    pub docs_received: u64,
    /// Bytes sent to it.
    pub bytes_sent: u64,
    /// Bytes received from it.
    pub bytes_received: u64,
    /// How far the current catch-up from it is, 0.0 to 1.0 (1.0 when caught up).
    pub progress: f64,
    /// Connections with it this node has kept since it started: more than one means the link
    /// dropped and came back (or a duplicate connection replaced another).
    pub connections: u64,
}

/// Something that happened on a node, for the CLI and the bindings to show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SyncEvent {
    /// A session with a peer started.
    Connected {
        /// The peer.
        node_id: NodeId,
        /// Its address.
        addr: SocketAddr,
    },
    /// A session with a peer ended.
    Disconnected {
        /// The peer.
        node_id: NodeId,
        /// Its address.
        addr: SocketAddr,
        /// Why, in words.
        reason: String,
    },
    /// Progress of a long catch-up from a peer.
    Progress {
        /// The peer.
        node_id: NodeId,
        /// 0.0 to 1.0.
        fraction: f64,
        /// Documents received so far in this session.
        docs_received: u64,
    },
    /// The node is caught up with a peer both ways.
    Synced(SyncReport),
    /// A peer was refused, or refused this node.
    Refused {
        /// The peer, when its key is known.
        node_id: Option<NodeId>,
        /// Its address, when known.
        addr: Option<SocketAddr>,
        /// Why, as a code.
        reason: RefusalReason,
        /// Why, in words.
        detail: String,
        /// Whether the peer refused this node (rather than this node the peer).
        by_peer: bool,
    },
    /// Changes received from a peer were applied to the store.
    RemoteChangeApplied {
        /// The peer.
        node_id: NodeId,
        /// Documents that changed here.
        docs: usize,
        /// Visitor key records that changed here.
        keys: usize,
    },
    /// A new PC joined the office through an invite code of this node.
    MemberJoined {
        /// The new member.
        node_id: NodeId,
        /// Its device code.
        device_code: String,
    },
}
