//! TLS for the transport: rustls configurations (TLS 1.3 only, ring) whose certificate
//! verifiers pin peers by [`NodeId`] through a [`PeerPolicy`] instead of trusting a CA.
//!
//! A certificate here is only a carrier for the peer's public key. The verifiers parse it with
//! rustls' own parser ([`ParsedCertificate`], the same one the signature check below uses), so
//! the key that is pinned is the key that must have signed the handshake. No session tickets
//! are issued or used: a resumed session would skip the verifiers, and with them a membership
//! change.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, Resumption};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, NoServerSessionStorage, ParsedCertificate, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, SignatureScheme};

use super::policy::PeerPolicy;
use super::ALPN;
use crate::error::CertificateParseError;
use crate::identity::{NodeId, NodeIdentity};

/// TLS alerts a handshake can end with (RFC 8446 section 6). rustls sends access_denied when
/// a verifier refuses a key (`CertificateError::ApplicationVerificationFailure`), bad_certificate
/// for a certificate it cannot parse, decrypt_error for a bad handshake signature.
pub(crate) const ALERT_BAD_CERTIFICATE: u8 = 42;
pub(crate) const ALERT_ACCESS_DENIED: u8 = 49;
pub(crate) const ALERT_DECRYPT_ERROR: u8 = 51;
pub(crate) const ALERT_NO_APPLICATION_PROTOCOL: u8 = 120;

/// Derives the node id carried by a certificate: SHA-256 of its SubjectPublicKeyInfo.
pub fn node_id_from_certificate(certificate: &CertificateDer<'_>) -> Result<NodeId, CertificateParseError> {
    let parsed = ParsedCertificate::try_from(certificate)
        .map_err(|e| CertificateParseError { detail: e.to_string() })?;
    Ok(NodeId::from_spki(parsed.subject_public_key_info().as_ref()))
}

/// The public key (SubjectPublicKeyInfo DER) of the peer of an established connection.
pub fn peer_public_key(connection: &quinn::Connection) -> Option<Vec<u8>> {
    let identity = connection.peer_identity()?;
    let chain = identity.downcast::<Vec<CertificateDer<'static>>>().ok()?;
    let parsed = ParsedCertificate::try_from(chain.first()?).ok()?;
    Some(parsed.subject_public_key_info().as_ref().to_vec())
}

/// The node id of the peer of an established connection, from the end-entity certificate it
/// presented. `None` if the handshake has not completed or the peer presented no certificate
/// (which the verifiers never let happen).
pub fn peer_node_id(connection: &quinn::Connection) -> Option<NodeId> {
    let identity = connection.peer_identity()?;
    let chain = identity.downcast::<Vec<CertificateDer<'static>>>().ok()?;
    let end_entity = chain.first()?;
    node_id_from_certificate(end_entity).ok()
}

/// The crypto provider used everywhere: ring.
pub(crate) fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// This node's certificate and signing key, loaded once and shared by every configuration.
#[derive(Clone)]
pub(crate) struct TlsIdentity {
    certified_key: Arc<CertifiedKey>,
    provider: Arc<CryptoProvider>,
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity").finish_non_exhaustive()
    }
}

impl TlsIdentity {
    pub(crate) fn new(identity: &NodeIdentity) -> Result<Self, rustls::Error> {
        let provider = crypto_provider();
        let certified_key = CertifiedKey::from_der(
            vec![identity.certificate_der().clone()],
            identity.private_key_der(),
            &provider,
        )?;
        Ok(Self { certified_key: Arc::new(certified_key), provider })
    }

    /// The rustls server configuration: requires a client certificate that `policy` allows
    /// (or admits as a joiner), offers only [`ALPN`].
    pub(crate) fn server_config(
        &self,
        policy: Arc<dyn PeerPolicy>,
    ) -> Result<rustls::ServerConfig, rustls::Error> {
        let verifier = ClientVerifier { policy, algorithms: self.provider.signature_verification_algorithms };
        let mut config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_cert_resolver(Arc::new(FixedKey(self.certified_key.clone())));
        config.alpn_protocols = vec![ALPN.to_vec()];
        config.session_storage = Arc::new(NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
        Ok(config)
    }

    /// A rustls client configuration for one connection, offering `alpn`, accepting the server
    /// only as `pin` says. The verifier's verdict can be read afterwards through the returned
    /// slot, to explain a failed handshake.
    pub(crate) fn client_config(
        &self,
        policy: Arc<dyn PeerPolicy>,
        pin: ServerPin,
        alpn: &[u8],
    ) -> Result<(rustls::ClientConfig, RejectionSlot), rustls::Error> {
        let rejection = RejectionSlot::default();
        let verifier = ServerVerifier {
            policy,
            pin,
            rejection: rejection.clone(),
            algorithms: self.provider.signature_verification_algorithms,
        };
        let mut config = rustls::ClientConfig::builder_with_provider(self.provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_cert_resolver(Arc::new(FixedKey(self.certified_key.clone())));
        config.alpn_protocols = vec![alpn.to_vec()];
        config.resumption = Resumption::disabled();
        Ok((config, rejection))
    }
}

/// Always presents this node's certificate, as client and as server.
#[derive(Debug)]
struct FixedKey(Arc<CertifiedKey>);

impl ResolvesClientCert for FixedKey {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

impl ResolvesServerCert for FixedKey {
    fn resolve(&self, _client_hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

/// Which server a client accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ServerPin {
    /// A member allowed by the policy, and if given, exactly this one.
    Member { expected: Option<NodeId> },
    /// Exactly this node, member or not yet (the inviter, when joining).
    Exactly(NodeId),
    /// Any node whose id has this short form, member or not yet (the inviter, when joining
    /// with a code that carries only the first 10 bytes of its id).
    ShortForm(crate::identity::ShortNodeId),
}

/// Why the client refused the server's certificate.
#[derive(Debug, Clone)]
pub(crate) enum ServerRejection {
    NotExpected { expected: NodeId, presented: NodeId },
    NotExpectedShort { expected: crate::identity::ShortNodeId, presented: NodeId },
    NotAMember { presented: NodeId },
    BadCertificate(CertificateParseError),
}

/// Where a client's server verifier leaves its reason for refusing.
#[derive(Debug, Clone, Default)]
pub(crate) struct RejectionSlot(Arc<Mutex<Option<ServerRejection>>>);

impl RejectionSlot {
    fn set(&self, rejection: ServerRejection) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(rejection);
    }

    pub(crate) fn take(&self) -> Option<ServerRejection> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// The client's check of the server.
struct ServerVerifier {
    policy: Arc<dyn PeerPolicy>,
    pin: ServerPin,
    rejection: RejectionSlot,
    algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for ServerVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerVerifier").field("pin", &self.pin).finish_non_exhaustive()
    }
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // Validity dates and names are ignored on purpose: trust comes from the pinned key alone.
        let presented = match node_id_from_certificate(end_entity) {
            Ok(id) => id,
            Err(e) => {
                self.rejection.set(ServerRejection::BadCertificate(e));
                return Err(rustls::Error::InvalidCertificate(CertificateError::BadEncoding));
            }
        };
        let verdict = match self.pin {
            ServerPin::Exactly(expected) | ServerPin::Member { expected: Some(expected) }
                if presented != expected =>
            {
                Err(ServerRejection::NotExpected { expected, presented })
            }
            ServerPin::Member { .. } if !self.policy.allows(&presented) => {
                Err(ServerRejection::NotAMember { presented })
            }
            ServerPin::ShortForm(short) if !short.matches(&presented) => {
                Err(ServerRejection::NotExpectedShort { expected: short, presented })
            }
            _ => Ok(()),
        };
        match verdict {
            Ok(()) => Ok(ServerCertVerified::assertion()),
            Err(rejection) => {
                self.rejection.set(rejection);
                Err(rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(tls12_refused())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The server's check of each client.
struct ClientVerifier {
    policy: Arc<dyn PeerPolicy>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for ClientVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientVerifier").finish_non_exhaustive()
    }
}

impl ClientCertVerifier for ClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let presented = match node_id_from_certificate(end_entity) {
            Ok(id) => id,
            Err(e) => {
                tracing::warn!(error = %e, "refused a connection: the client's certificate cannot be read");
                return Err(rustls::Error::InvalidCertificate(CertificateError::BadEncoding));
            }
        };
        if self.policy.allows(&presented) {
            Ok(ClientCertVerified::assertion())
        } else if self.policy.admits_joiners() {
            tracing::info!(peer = %presented, "letting in an unknown key as a joiner: an invitation is open");
            Ok(ClientCertVerified::assertion())
        } else {
            tracing::warn!(
                peer = %presented,
                full_id = %presented.full_hex(),
                "refused a connection: the key is not a member of this office"
            );
            Err(rustls::Error::InvalidCertificate(CertificateError::ApplicationVerificationFailure))
        }
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(tls12_refused())
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

fn tls12_refused() -> rustls::Error {
    // Unreachable in practice: the configurations only enable TLS 1.3.
    rustls::Error::General("TLS 1.2 is not used between AMER nodes".to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::transport::AllowList;

    #[test]
    fn alert_numbers_match_rustls() {
        use rustls::AlertDescription as A;
        assert_eq!(u8::from(A::BadCertificate), ALERT_BAD_CERTIFICATE);
        assert_eq!(u8::from(A::AccessDenied), ALERT_ACCESS_DENIED);
        assert_eq!(u8::from(A::DecryptError), ALERT_DECRYPT_ERROR);
        assert_eq!(u8::from(A::NoApplicationProtocol), ALERT_NO_APPLICATION_PROTOCOL);
    }

    #[test]
    fn garbage_certificates_are_refused_without_panicking() {
        for bytes in [&b""[..], b"\x30", b"\x30\x03\x02\x01\x00", &[0xff; 64]] {
            let cert = CertificateDer::from(bytes.to_vec());
            assert!(node_id_from_certificate(&cert).is_err());
        }
    }

    fn verify_as_client(pin: ServerPin, policy: AllowList, server: &NodeIdentity) -> bool {
        let verifier = ServerVerifier {
            policy: Arc::new(policy),
            pin,
            rejection: RejectionSlot::default(),
            algorithms: crypto_provider().signature_verification_algorithms,
        };
        let name = ServerName::try_from("amer-node").unwrap();
        verifier.verify_server_cert(server.certificate_der(), &[], &name, &[], UnixTime::now()).is_ok()
    }

    #[test]
    fn server_pins() {
        let server = NodeIdentity::generate().unwrap();
        let other = NodeIdentity::generate().unwrap().node_id();
        let id = server.node_id();
        let member = || AllowList::with_members([id]);
        let stranger = AllowList::new;
        assert!(verify_as_client(ServerPin::Member { expected: None }, member(), &server));
        assert!(verify_as_client(ServerPin::Member { expected: Some(id) }, member(), &server));
        assert!(!verify_as_client(ServerPin::Member { expected: Some(other) }, member(), &server));
        assert!(!verify_as_client(ServerPin::Member { expected: None }, stranger(), &server));
        assert!(!verify_as_client(ServerPin::Member { expected: Some(id) }, stranger(), &server));
        assert!(verify_as_client(ServerPin::Exactly(id), stranger(), &server));
        assert!(!verify_as_client(ServerPin::Exactly(other), member(), &server));
    }

    #[test]
    fn client_verifier_follows_the_policy() {
        let client = NodeIdentity::generate().unwrap();
        let policy = Arc::new(AllowList::new());
        let verifier = ClientVerifier {
            policy: policy.clone(),
            algorithms: crypto_provider().signature_verification_algorithms,
        };
        let check = || verifier.verify_client_cert(client.certificate_der(), &[], UnixTime::now()).is_ok();
        assert!(!check());
        policy.open_join_window(std::time::Instant::now() + std::time::Duration::from_secs(60));
        assert!(check());
        policy.close_join_window();
        policy.insert(client.node_id());
        assert!(check());
        policy.remove(&client.node_id());
        assert!(!check());
    }
}
