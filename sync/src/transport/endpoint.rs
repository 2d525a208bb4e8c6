//! The transport endpoint: one QUIC socket that listens and dials, admitting only peers whose
//! keys the [`PeerPolicy`] allows, and the established [`PeerConnection`]s it hands out.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use quinn::crypto::rustls::{HandshakeData, QuicClientConfig, QuicServerConfig};
use quinn::{RecvStream, SendStream, TransportErrorCode};

use super::close::CloseCode;
use super::policy::{PeerPolicy, PeerRole};
use super::tls::{
    peer_node_id, ServerPin, ServerRejection, TlsIdentity, ALERT_ACCESS_DENIED, ALERT_BAD_CERTIFICATE,
    ALERT_DECRYPT_ERROR, ALERT_NO_APPLICATION_PROTOCOL,
};
use super::ALPN;
use crate::error::{AcceptError, BindError, ConnectError, LinkError};
use crate::identity::{NodeId, NodeIdentity};

/// The TLS server name clients send. Peers are pinned by key, so it is the same for all.
const SERVER_NAME: &str = "amer-node";

/// Timing of connections. The defaults suit a LAN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportSettings {
    /// How often an otherwise silent connection sends a keep-alive packet. Must be shorter than
    /// `idle_timeout`.
    pub keep_alive: Duration,
    /// How long a connection (or a handshake) may go without hearing from the peer before it
    /// is given up. The shorter of both sides' values applies.
    pub idle_timeout: Duration,
}

impl Default for TransportSettings {
    fn default() -> Self {
        Self { keep_alive: Duration::from_secs(5), idle_timeout: Duration::from_secs(30) }
    }
}

impl TransportSettings {
    fn quinn_config(&self) -> Result<quinn::TransportConfig, BindError> {
        if self.keep_alive.is_zero() || self.keep_alive >= self.idle_timeout {
            return Err(BindError::Settings {
                detail: format!(
                    "the keep-alive interval ({:?}) must be above zero and shorter than the idle \
                     timeout ({:?})",
                    self.keep_alive, self.idle_timeout
                ),
            });
        }
        let idle = quinn::IdleTimeout::try_from(self.idle_timeout).map_err(|_| BindError::Settings {
            detail: format!("the idle timeout {:?} is too long", self.idle_timeout),
        })?;
        let mut config = quinn::TransportConfig::default();
        config.keep_alive_interval(Some(self.keep_alive));
        config.max_idle_timeout(Some(idle));
        Ok(config)
    }
}

/// One QUIC endpoint bound to a UDP socket, both listening and dialling, speaking only to
/// peers whose keys the policy allows. Cheap to clone; clones share the endpoint.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: quinn::Endpoint,
    tls: TlsIdentity,
    policy: Arc<dyn PeerPolicy>,
    transport_config: Arc<quinn::TransportConfig>,
    node_id: NodeId,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("node_id", &self.inner.node_id)
            .field("local_addr", &self.inner.endpoint.local_addr().ok())
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// Binds to `addr` with the default (LAN) settings. Must be called within a tokio runtime.
    pub fn bind(
        addr: SocketAddr,
        identity: &NodeIdentity,
        policy: Arc<dyn PeerPolicy>,
    ) -> Result<Self, BindError> {
        Self::bind_with(addr, identity, policy, TransportSettings::default())
    }

    /// Binds to `addr` (port 0 picks a free port). Must be called within a tokio runtime.
    pub fn bind_with(
        addr: SocketAddr,
        identity: &NodeIdentity,
        policy: Arc<dyn PeerPolicy>,
        settings: TransportSettings,
    ) -> Result<Self, BindError> {
        tokio::runtime::Handle::try_current().map_err(|_| BindError::NoRuntime)?;
        let transport_config = Arc::new(settings.quinn_config()?);
        let tls_error = |e: &dyn fmt::Display| BindError::Tls { detail: e.to_string() };
        let tls = TlsIdentity::new(identity).map_err(|e| tls_error(&e))?;
        let server_crypto = tls.server_config(policy.clone()).map_err(|e| tls_error(&e))?;
        let server_crypto = QuicServerConfig::try_from(server_crypto).map_err(|e| tls_error(&e))?;
        let mut server_config = quinn::ServerConfig::with_crypto(Arc::new(server_crypto));
        server_config.transport_config(transport_config.clone());
        let endpoint = quinn::Endpoint::server(server_config, addr)
            .map_err(|source| BindError::Socket { addr, source })?;
        let node_id = identity.node_id();
        tracing::debug!(node = %node_id, addr = ?endpoint.local_addr().ok(), "sync transport bound");
        Ok(Self { inner: Arc::new(Inner { endpoint, tls, policy, transport_config, node_id }) })
    }

    /// This node's id.
    pub fn node_id(&self) -> NodeId {
        self.inner.node_id
    }

    /// The address the socket is bound to (with the actual port if 0 was asked for).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.inner.endpoint.local_addr()
    }

    /// The policy deciding which peers are let in.
    pub fn policy(&self) -> &Arc<dyn PeerPolicy> {
        &self.inner.policy
    }

    /// Connects to the member at `addr`. The server must be allowed by the policy and, if
    /// `expected` is given, be exactly that node; otherwise the handshake fails before any data
    /// moves.
    ///
    /// If the *server* refuses this node's key, TLS 1.3 lets this call succeed anyway (the
    /// client finishes its handshake first): the refusal then shows on the first stream as
    /// [`LinkError::RefusedByPeer`]. The protocol layer should treat the first exchange as the
    /// verdict.
    pub async fn connect(
        &self,
        addr: SocketAddr,
        expected: Option<NodeId>,
    ) -> Result<PeerConnection, ConnectError> {
        self.dial(addr, ServerPin::Member { expected }, ALPN).await
    }

    /// Connects to the node that invited this one, identified by the id from the invite code,
    /// whether or not the policy lists it yet. The inviter admits this node as a
    /// [`PeerRole::Joiner`] only while its invitation is open; the join handshake then runs on
    /// the connection.
    pub async fn connect_to_inviter(
        &self,
        addr: SocketAddr,
        inviter: NodeId,
    ) -> Result<PeerConnection, ConnectError> {
        self.dial(addr, ServerPin::Exactly(inviter), ALPN).await
    }

    /// Connects to the node that invited this one when only the short form of its id is known
    /// (an invite code carries the first 10 bytes): the server must present a key whose id
    /// has that short form. Otherwise as [`Transport::connect_to_inviter`].
    pub async fn connect_to_inviter_by_short_id(
        &self,
        addr: SocketAddr,
        inviter: crate::identity::ShortNodeId,
    ) -> Result<PeerConnection, ConnectError> {
        self.dial(addr, ServerPin::ShortForm(inviter), ALPN).await
    }

    /// Waits for the next incoming connection; `None` once the transport is closed. The
    /// handshake runs in [`IncomingPeer::establish`], so a slow peer does not hold up others:
    /// spawn a task per incoming peer.
    pub async fn accept(&self) -> Option<IncomingPeer> {
        let incoming = self.inner.endpoint.accept().await?;
        Some(IncomingPeer { incoming, policy: self.inner.policy.clone() })
    }

    /// Closes every connection and the socket, telling peers the node is shutting down, and
    /// waits (briefly) for the goodbyes to be sent.
    pub async fn close(&self) {
        self.inner.endpoint.close(CloseCode::ShuttingDown.varint(), b"node shutting down");
        self.inner.endpoint.wait_idle().await;
    }

    async fn dial(
        &self,
        addr: SocketAddr,
        pin: ServerPin,
        alpn: &[u8],
    ) -> Result<PeerConnection, ConnectError> {
        let setup_error = |e: &dyn fmt::Display| ConnectError::Setup { detail: e.to_string() };
        let (crypto, rejection) = self
            .inner
            .tls
            .client_config(self.inner.policy.clone(), pin, alpn)
            .map_err(|e| setup_error(&e))?;
        let crypto = QuicClientConfig::try_from(crypto).map_err(|e| setup_error(&e))?;
        let mut config = quinn::ClientConfig::new(Arc::new(crypto));
        config.transport_config(self.inner.transport_config.clone());
        let connecting =
            self.inner.endpoint.connect_with(config, addr, SERVER_NAME).map_err(|e| match e {
                quinn::ConnectError::EndpointStopping => ConnectError::EndpointClosed,
                quinn::ConnectError::InvalidRemoteAddress(_) => ConnectError::InvalidAddress { addr },
                other => setup_error(&other),
            })?;
        let connection = match connecting.await {
            Ok(connection) => connection,
            Err(error) => {
                let error = explain_connect_failure(addr, error, rejection.take());
                tracing::debug!(%addr, %error, "could not connect");
                return Err(error);
            }
        };
        if !negotiated_alpn(&connection) {
            connection.close(CloseCode::IncompatibleProtocol.varint(), b"no common protocol version");
            return Err(ConnectError::IncompatibleProtocol { addr });
        }
        let Some(peer) = peer_node_id(&connection) else {
            connection.close(CloseCode::ProtocolViolation.varint(), b"no certificate");
            return Err(ConnectError::BadCertificate { addr, detail: "no readable certificate".to_owned() });
        };
        tracing::debug!(%peer, %addr, "connected");
        Ok(PeerConnection { connection, peer, role: PeerRole::Member })
    }

    #[cfg(test)]
    pub(crate) async fn connect_offering_alpn(
        &self,
        addr: SocketAddr,
        expected: NodeId,
        alpn: &[u8],
    ) -> Result<PeerConnection, ConnectError> {
        self.dial(addr, ServerPin::Exactly(expected), alpn).await
    }
}

fn negotiated_alpn(connection: &quinn::Connection) -> bool {
    connection
        .handshake_data()
        .and_then(|data| data.downcast::<HandshakeData>().ok())
        .and_then(|data| data.protocol)
        .is_some_and(|protocol| protocol == ALPN)
}

/// The TLS alert a failed handshake ended with, if it was one this node sent.
fn local_alert(error: &quinn::ConnectionError) -> Option<TransportErrorCode> {
    match error {
        quinn::ConnectionError::TransportError(e) => Some(e.code),
        _ => None,
    }
}

fn explain_connect_failure(
    addr: SocketAddr,
    error: quinn::ConnectionError,
    rejection: Option<ServerRejection>,
) -> ConnectError {
    match rejection {
        Some(ServerRejection::NotExpected { expected, presented }) => {
            return ConnectError::UnexpectedPeer { addr, expected, presented }
        }
        Some(ServerRejection::NotExpectedShort { expected, presented }) => {
            return ConnectError::UnexpectedInviter { addr, expected, presented }
        }
        Some(ServerRejection::NotAMember { presented }) => {
            return ConnectError::NotAMember { addr, presented }
        }
        Some(ServerRejection::BadCertificate(e)) => {
            return ConnectError::BadCertificate { addr, detail: e.detail }
        }
        None => {}
    }
    if local_alert(&error) == Some(TransportErrorCode::crypto(ALERT_DECRYPT_ERROR)) {
        return ConnectError::BadCertificate {
            addr,
            detail: "the handshake signature does not match the certificate's key".to_owned(),
        };
    }
    match LinkError::from(error) {
        LinkError::RefusedByPeer => ConnectError::RefusedByPeer { addr },
        LinkError::IncompatibleProtocol => ConnectError::IncompatibleProtocol { addr },
        LinkError::TimedOut => ConnectError::TimedOut { addr },
        LinkError::LocallyClosed => ConnectError::EndpointClosed,
        source => ConnectError::Link { addr, source },
    }
}

fn explain_accept_failure(remote: SocketAddr, error: quinn::ConnectionError) -> AcceptError {
    let alert = local_alert(&error);
    let is = |code: u8| alert == Some(TransportErrorCode::crypto(code));
    if is(ALERT_ACCESS_DENIED) {
        AcceptError::NotAMember { remote }
    } else if is(ALERT_NO_APPLICATION_PROTOCOL) {
        AcceptError::IncompatibleProtocol { remote }
    } else if is(ALERT_BAD_CERTIFICATE) || is(ALERT_DECRYPT_ERROR) {
        AcceptError::BadCertificate { remote, detail: error.to_string() }
    } else {
        AcceptError::Link { remote, source: error.into() }
    }
}

/// A connection attempt that has arrived but not yet completed its handshake.
pub struct IncomingPeer {
    incoming: quinn::Incoming,
    policy: Arc<dyn PeerPolicy>,
}

impl fmt::Debug for IncomingPeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IncomingPeer")
            .field("remote", &self.incoming.remote_address())
            .finish_non_exhaustive()
    }
}

impl IncomingPeer {
    /// Where the attempt comes from.
    pub fn remote_address(&self) -> SocketAddr {
        self.incoming.remote_address()
    }

    /// Runs the handshake. Succeeds only for a member, or for an unknown key while the policy
    /// admits joiners (then the connection is a [`PeerRole::Joiner`]). The policy is asked
    /// again once the handshake is done, so a member removed meanwhile is refused too.
    pub async fn establish(self) -> Result<PeerConnection, AcceptError> {
        let remote = self.incoming.remote_address();
        let connecting = self.incoming.accept().map_err(|error| explain_accept_failure(remote, error))?;
        let connection = match connecting.await {
            Ok(connection) => connection,
            Err(error) => {
                let error = explain_accept_failure(remote, error);
                tracing::info!(%remote, %error, "incoming connection failed");
                return Err(error);
            }
        };
        if !negotiated_alpn(&connection) {
            connection.close(CloseCode::IncompatibleProtocol.varint(), b"no common protocol version");
            return Err(AcceptError::IncompatibleProtocol { remote });
        }
        let Some(peer) = peer_node_id(&connection) else {
            connection.close(CloseCode::ProtocolViolation.varint(), b"no certificate");
            return Err(AcceptError::BadCertificate { remote, detail: "no readable certificate".to_owned() });
        };
        let role = if self.policy.allows(&peer) {
            PeerRole::Member
        } else if self.policy.admits_joiners() {
            PeerRole::Joiner
        } else {
            tracing::warn!(%peer, %remote, "refused a connection: the key is not a member of this office");
            connection.close(CloseCode::NotAMember.varint(), b"not a member of this office");
            return Err(AcceptError::NotAMember { remote });
        };
        tracing::debug!(%peer, %remote, ?role, "accepted a connection");
        Ok(PeerConnection { connection, peer, role })
    }

    /// Refuses the attempt without a handshake (for example when the node is overloaded).
    pub fn refuse(self) {
        self.incoming.refuse();
    }
}

/// An established connection with a peer whose key has been checked.
#[derive(Debug, Clone)]
pub struct PeerConnection {
    connection: quinn::Connection,
    peer: NodeId,
    role: PeerRole,
}

impl PeerConnection {
    /// The peer's node id, from the key it proved it holds.
    pub fn peer(&self) -> NodeId {
        self.peer
    }

    /// What the peer may do on this connection.
    pub fn role(&self) -> PeerRole {
        self.role
    }

    /// The peer's public key (SubjectPublicKeyInfo DER), from its certificate.
    pub fn public_key(&self) -> Option<Vec<u8>> {
        super::tls::peer_public_key(&self.connection)
    }

    /// The peer's current address.
    pub fn remote_address(&self) -> SocketAddr {
        self.connection.remote_address()
    }

    /// The underlying QUIC connection, for what this type does not wrap.
    pub fn connection(&self) -> &quinn::Connection {
        &self.connection
    }

    /// Opens a bidirectional stream. The peer learns of it when the first bytes are written.
    pub async fn open_bi(&self) -> Result<(SendStream, RecvStream), LinkError> {
        self.connection.open_bi().await.map_err(LinkError::from)
    }

    /// Waits for the peer to open a bidirectional stream.
    pub async fn accept_bi(&self) -> Result<(SendStream, RecvStream), LinkError> {
        self.connection.accept_bi().await.map_err(LinkError::from)
    }

    /// Closes the connection at once, telling the peer why. Unfinished streams are abandoned.
    pub fn close(&self, code: CloseCode, reason: &str) {
        self.connection.close(code.varint(), reason.as_bytes());
    }

    /// Waits until the connection is closed, and says why.
    pub async fn closed(&self) -> LinkError {
        self.connection.closed().await.into()
    }

    /// Why the connection is closed, or `None` while it is open.
    pub fn close_reason(&self) -> Option<LinkError> {
        self.connection.close_reason().map(LinkError::from)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::{Ipv4Addr, SocketAddrV4};

    use super::*;
    use crate::transport::AllowList;

    fn loopback() -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
    }

    #[tokio::test]
    async fn a_peer_offering_another_protocol_version_is_refused_on_both_sides() {
        let server_id = NodeIdentity::generate().unwrap();
        let client_id = NodeIdentity::generate().unwrap();
        let server_policy = Arc::new(AllowList::with_members([client_id.node_id()]));
        let client_policy = Arc::new(AllowList::with_members([server_id.node_id()]));
        let server = Transport::bind(loopback(), &server_id, server_policy).unwrap();
        let client = Transport::bind(loopback(), &client_id, client_policy).unwrap();
        let addr = server.local_addr().unwrap();

        let accept = tokio::spawn({
            let server = server.clone();
            async move { server.accept().await.unwrap().establish().await }
        });
        let result = client.connect_offering_alpn(addr, server_id.node_id(), b"amer/2").await;
        assert!(matches!(result, Err(ConnectError::IncompatibleProtocol { .. })), "{result:?}");
        let accepted = accept.await.unwrap();
        assert!(matches!(accepted, Err(AcceptError::IncompatibleProtocol { .. })), "{accepted:?}");
    }

    #[tokio::test]
    async fn settings_are_checked() {
        let identity = NodeIdentity::generate().unwrap();
        let settings =
            TransportSettings { keep_alive: Duration::from_secs(30), idle_timeout: Duration::from_secs(5) };
        let result = Transport::bind_with(loopback(), &identity, Arc::new(AllowList::new()), settings);
        assert!(matches!(result, Err(BindError::Settings { .. })));
    }

    #[test]
    fn binding_outside_a_runtime_is_an_error_not_a_panic() {
        let identity = NodeIdentity::generate().unwrap();
        let result = Transport::bind(loopback(), &identity, Arc::new(AllowList::new()));
        assert!(matches!(result, Err(BindError::NoRuntime)));
    }
}
