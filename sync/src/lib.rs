//! AMER sync: how office PCs find, trust and talk to each other, and how their stores converge.
//!
//! Layers, bottom up:
//!
//! - [`identity`]: a node's Ed25519 key pair, kept in a private key file, and the [`NodeId`]
//!   derived from its public key, shown to people in a short form (`abcd-efgh-ijkl-mnop`).
//! - [`transport`]: QUIC (quinn) with mutual TLS 1.3 where each side pins the other's key
//!   through a [`PeerPolicy`] the node updates as membership changes, and length-delimited
//!   frames over streams with a hard size limit.
//! - [`protocol`]: the sync protocol as a sans-I/O state machine over an `amer_core::Store`
//!   (change-feed checkpoints, offers, needs, deflated batches, live push) and its message
//!   codec; a deterministic in-memory harness runs it in tests.
//! - [`membership`]: who may connect (the office document's active members), invite codes and
//!   the join handshake.
//! - [`node`]: [`SyncNode`], which drives it all with tokio: serves, dials static and learned
//!   peers, reconnects with backoff, pushes changes live, reports status and [`events`].
//! - [`discovery`]: LAN discovery with mDNS (on by default, never required).
//! - [`error`]: one error enum per operation.
//!
//! [`NodeId`]: identity::NodeId
//! [`PeerPolicy`]: transport::PeerPolicy
//! [`SyncNode`]: node::SyncNode

pub mod discovery;
pub mod error;
pub mod events;
pub mod identity;
pub mod membership;
pub mod node;
pub mod protocol;
pub mod transport;

pub use error::{Error, Result};
pub use events::{PeerStatus, SyncEvent, SyncReport};
pub use identity::{NodeId, NodeIdentity, ShortNodeId};
pub use membership::InviteCode;
pub use node::{NodeConfig, SyncNode};
