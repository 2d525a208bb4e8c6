//! Transport: QUIC connections between nodes that pin each other's keys, and length-delimited
//! frames over their streams.
//!
//! - [`Transport`] owns one UDP socket that both listens and dials. Every connection is mutual
//!   TLS 1.3 with self-signed certificates; each side accepts the other only if its [`NodeId`]
//!   is allowed by a [`PeerPolicy`] that the node may change at any time.
//! - A server may also let unknown keys in while an invitation is open
//!   ([`PeerPolicy::admits_joiners`]); such connections are marked [`PeerRole::Joiner`] and the
//!   protocol layer must allow nothing on them but the join handshake.
//! - Framing ([`write_frame`], [`read_frame`], [`FrameDecoder`]) is a 4-byte big-endian length
//!   followed by the payload, with a hard size limit.
//!
//! A TLS 1.3 client finishes its handshake before the server has checked the client's
//! certificate, so a client that the server refuses still sees [`Transport::connect`] succeed;
//! the refusal shows on its first stream as [`LinkError::RefusedByPeer`].
//!
//! [`NodeId`]: crate::identity::NodeId
//! [`LinkError::RefusedByPeer`]: crate::error::LinkError::RefusedByPeer

mod close;
mod endpoint;
mod framing;
mod policy;
#[cfg(feature = "fault-injection")]
pub mod relay;
pub(crate) mod tls;

pub use close::CloseCode;
pub use endpoint::{IncomingPeer, PeerConnection, Transport, TransportSettings};
pub use framing::{encode_frame, read_frame, write_frame, FrameDecoder, FRAME_HEADER_LEN, MAX_FRAME_LEN};
pub use policy::{AllowList, PeerPolicy, PeerRole};
pub use tls::{node_id_from_certificate, peer_node_id, peer_public_key};

/// The ALPN protocol id of this version of the sync protocol. A peer that offers anything else
/// is refused during the handshake; a new incompatible protocol gets a new id (`amer/2`).
pub const ALPN: &[u8] = b"amer/1";

/// [`ALPN`] as text, for messages.
pub const ALPN_STR: &str = "amer/1";
