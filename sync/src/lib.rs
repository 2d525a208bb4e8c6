//! AMER sync: how office PCs find, trust and talk to each other.
//!
//! This crate does not depend on `amer-core`; it moves bytes between nodes that trust each
//! other's keys. Layers, bottom up:
//!
//! - [`identity`]: a node's Ed25519 key pair, kept in a private key file, and the [`NodeId`]
//!   derived from its public key, shown to people in a short form (`abcd-efgh-ijkl-mnop`).
//! - [`transport`]: QUIC (quinn) with mutual TLS 1.3 where each side pins the other's key
//!   through a [`PeerPolicy`] the node updates as membership changes, and length-delimited
//!   frames over streams with a hard size limit.
//! - [`error`]: one error enum per operation.
//!
//! The sync protocol and the node that drives it build on these.
//!
//! [`NodeId`]: identity::NodeId
//! [`PeerPolicy`]: transport::PeerPolicy

pub mod error;
pub mod identity;
pub mod transport;

pub use error::{Error, Result};
pub use identity::{NodeId, NodeIdentity, ShortNodeId};
