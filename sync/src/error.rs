//! Errors of the sync crate: one enum per operation, each variant saying what went wrong and
//! what the user can do about it.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::identity::NodeId;

/// Any error of this crate, for callers that handle them all alike (the CLI, the bindings).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Loading, creating or saving the node identity failed.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// A node id could not be read from text.
    #[error(transparent)]
    NodeIdParse(#[from] NodeIdParseError),
    /// The network endpoint could not be opened.
    #[error(transparent)]
    Bind(#[from] BindError),
    /// Connecting to a peer failed.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// Accepting a peer's connection failed.
    #[error(transparent)]
    Accept(#[from] AcceptError),
    /// An established connection failed.
    #[error(transparent)]
    Link(#[from] LinkError),
    /// Sending or receiving a frame failed.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// A sync session failed.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// An invite code could not be read.
    #[error(transparent)]
    InviteCode(#[from] InviteCodeError),
    /// An invite code could not be made.
    #[error(transparent)]
    Invite(#[from] InviteError),
    /// Joining failed.
    #[error(transparent)]
    Join(#[from] JoinError),
    /// The node failed.
    #[error(transparent)]
    Node(#[from] NodeError),
}

/// Result of this crate; the error defaults to [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the node identity (its key pair) could not be loaded, created or saved.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The key file exists but could not be read.
    #[error("could not read the node key file {path}: {source}")]
    Read {
        /// The key file.
        path: PathBuf,
        /// What the operating system reported.
        #[source]
        source: std::io::Error,
    },
    /// The key file (or its folder) could not be written.
    #[error("could not write the node key file {path}: {source}; check that its folder is writable")]
    Write {
        /// The key file.
        path: PathBuf,
        /// What the operating system reported.
        #[source]
        source: std::io::Error,
    },
    /// Saving would replace an existing key file, and with it this PC's identity.
    #[error(
        "a node key file already exists at {path}; it was left untouched, because replacing it \
         would give this PC a new identity that the office does not know"
    )]
    AlreadyExists {
        /// The existing key file.
        path: PathBuf,
    },
    /// The key file does not hold a usable private key.
    #[error(
        "the node key file {path} is damaged or not a key file ({detail}); restore it from a \
         backup, or move it away to create a new identity (this PC must then be invited again)"
    )]
    MalformedFile {
        /// The key file.
        path: PathBuf,
        /// What was wrong with its content.
        detail: String,
    },
    /// The PEM text does not hold a usable private key.
    #[error("the node key is not a valid PEM-encoded PKCS#8 private key: {detail}")]
    Malformed {
        /// What was wrong with it.
        detail: String,
    },
    /// The key is valid but not of the kind AMER uses for nodes.
    #[error("the node key is not an Ed25519 key (found {algorithm:?}); AMER node keys are Ed25519")]
    UnsupportedAlgorithm {
        /// The algorithm that was found.
        algorithm: String,
    },
    /// Creating a key pair or its certificate failed (the system's random source or the
    /// certificate builder refused).
    #[error("could not create the node key or its certificate: {detail}")]
    Generate {
        /// What the key or certificate library reported.
        detail: String,
    },
}

/// Why a text could not be read as a node id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeIdParseError {
    /// The text is the short display form, which is too short to identify a node securely.
    #[error(
        "{text:?} is the short form of a node id; it only names a node for display. Give the \
         full id (64 hex digits), or look the short form up among the members"
    )]
    ShortForm {
        /// The text given.
        text: String,
    },
    /// The text has the wrong length.
    #[error(
        "{text:?} is not a node id: expected 64 hex digits (full form) or 16 letters and digits \
         like abcd-efgh-ijkl-mnop (short form), found {len} characters"
    )]
    Length {
        /// The text given.
        text: String,
        /// How many significant characters it had.
        len: usize,
    },
    /// The text has a character that cannot occur in a node id.
    #[error(
        "{text:?} is not a node id: {found:?} cannot occur in it (the full form uses 0-9 and \
         a-f; the short form uses a-z and 2-7)"
    )]
    Character {
        /// The text given.
        text: String,
        /// The first offending character.
        found: char,
    },
}

/// Why the network endpoint could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// The UDP socket could not be bound.
    #[error(
        "could not listen on {addr}: {source}; another program (or another AMER node) may \
         already use this port, or the address is not on this PC"
    )]
    Socket {
        /// The requested address.
        addr: SocketAddr,
        /// What the operating system reported.
        #[source]
        source: std::io::Error,
    },
    /// The transport was created outside a tokio runtime.
    #[error("the sync transport must be started from within a tokio runtime")]
    NoRuntime,
    /// The timeouts given are out of range.
    #[error("invalid transport settings: {detail}")]
    Settings {
        /// Which setting and why.
        detail: String,
    },
    /// The TLS configuration could not be built from this node's key.
    #[error("could not set up TLS with this node's key: {detail}")]
    Tls {
        /// What rustls reported.
        detail: String,
    },
}

/// Why connecting to a peer failed.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// This node's endpoint is closed or closing.
    #[error("this node's network endpoint is closed; no new connections can be made")]
    EndpointClosed,
    /// The address cannot be dialled from this endpoint.
    #[error(
        "cannot connect to {addr}: not a usable address (port 0, or an address family this \
         node's socket does not speak)"
    )]
    InvalidAddress {
        /// The address given.
        addr: SocketAddr,
    },
    /// The peer presented another key than the one we were told to expect.
    #[error(
        "the PC at {addr} is {presented}, not the expected {expected}; the address may now belong \
         to another PC. Check the peer list or the invite code"
    )]
    UnexpectedPeer {
        /// The address dialled.
        addr: SocketAddr,
        /// The node id we expected.
        expected: NodeId,
        /// The node id it presented.
        presented: NodeId,
    },
    /// The PC at the invite code's address is not the one that made the code.
    #[error(
        "the PC at {addr} is {presented}, not the inviting PC {expected} named by the invite code; \
         check the code, or whether the inviting PC's address changed"
    )]
    UnexpectedInviter {
        /// The address dialled.
        addr: SocketAddr,
        /// The short id from the code.
        expected: crate::identity::ShortNodeId,
        /// The node id it presented.
        presented: NodeId,
    },
    /// The peer's key is not a member of this office.
    #[error(
        "the PC at {addr} ({presented}) is not a member of this office; it was refused. Invite \
         it first if it should sync"
    )]
    NotAMember {
        /// The address dialled.
        addr: SocketAddr,
        /// The node id it presented.
        presented: NodeId,
    },
    /// The peer refused our key during the handshake.
    #[error(
        "the PC at {addr} refused this PC: it does not count this PC as a member of the office \
         (it may have been removed, or not yet learned of the invitation)"
    )]
    RefusedByPeer {
        /// The address dialled.
        addr: SocketAddr,
    },
    /// The peer speaks another version of the sync protocol.
    #[error(
        "the PC at {addr} does not speak the sync protocol {protocol}; update AMER so that both \
         PCs run compatible versions",
        protocol = crate::transport::ALPN_STR
    )]
    IncompatibleProtocol {
        /// The address dialled.
        addr: SocketAddr,
    },
    /// The peer's certificate could not be read.
    #[error("the PC at {addr} sent a certificate that is not valid: {detail}")]
    BadCertificate {
        /// The address dialled.
        addr: SocketAddr,
        /// What was wrong with it.
        detail: String,
    },
    /// Nothing answered in time.
    #[error(
        "no answer from {addr}; check that the PC is on, that AMER is running there, and that \
         no firewall blocks UDP to that port"
    )]
    TimedOut {
        /// The address dialled.
        addr: SocketAddr,
    },
    /// The connection failed for another reason.
    #[error("the connection to {addr} failed: {source}")]
    Link {
        /// The address dialled.
        addr: SocketAddr,
        /// How it failed.
        #[source]
        source: LinkError,
    },
    /// The connection could not be set up locally (a bug in AMER, not a network problem).
    #[error("could not set up a connection: {detail}")]
    Setup {
        /// What rustls or quinn reported.
        detail: String,
    },
}

/// Why an incoming connection was not established.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    /// The connecting key is not a member and no join window is open.
    #[error(
        "refused a connection from {remote}: its key is not a member of this office and no \
         invitation is open"
    )]
    NotAMember {
        /// Where it came from.
        remote: SocketAddr,
    },
    /// The connecting peer speaks another version of the sync protocol.
    #[error(
        "refused a connection from {remote}: it does not speak the sync protocol {protocol}; \
         update AMER so that both PCs run compatible versions",
        protocol = crate::transport::ALPN_STR
    )]
    IncompatibleProtocol {
        /// Where it came from.
        remote: SocketAddr,
    },
    /// The peer's certificate could not be read or its signature did not verify.
    #[error("refused a connection from {remote}: its certificate is not valid: {detail}")]
    BadCertificate {
        /// Where it came from.
        remote: SocketAddr,
        /// What was wrong with it.
        detail: String,
    },
    /// The handshake failed for another reason.
    #[error("a connection from {remote} failed during the handshake: {source}")]
    Link {
        /// Where it came from.
        remote: SocketAddr,
        /// How it failed.
        #[source]
        source: LinkError,
    },
}

/// Why an established (or establishing) connection failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The peer refused this node's key: it is not (or no longer) a member there.
    #[error("the peer refused this PC's key: it does not count this PC as a member of the office")]
    RefusedByPeer,
    /// The peer does not speak this version of the sync protocol.
    #[error(
        "the peer does not speak the sync protocol {protocol}; update AMER so that both PCs run \
         compatible versions",
        protocol = crate::transport::ALPN_STR
    )]
    IncompatibleProtocol,
    /// The peer closed the connection on purpose.
    #[error("the peer closed the connection (code {code}): {reason}")]
    ClosedByPeer {
        /// The application close code (see [`crate::transport::CloseCode`]).
        code: u64,
        /// The reason it gave.
        reason: String,
    },
    /// The peer's QUIC or TLS stack aborted the connection.
    #[error("the peer aborted the connection: {reason}")]
    AbortedByPeer {
        /// The reason it gave.
        reason: String,
    },
    /// This node aborted the connection because the peer broke the QUIC or TLS rules, or the
    /// peer's certificate was refused here.
    #[error("this PC aborted the connection: {reason}")]
    Aborted {
        /// What the local QUIC or TLS stack reported.
        reason: String,
    },
    /// Nothing was heard from the peer for the idle timeout.
    #[error(
        "the peer stopped answering (no packets within the idle timeout); the network may be \
         down or the PC asleep"
    )]
    TimedOut,
    /// The peer no longer knows this connection, usually because it restarted.
    #[error("the peer lost the connection, probably because it restarted")]
    Reset,
    /// This node closed the connection.
    #[error("this PC closed the connection")]
    LocallyClosed,
}

/// Why a frame could not be sent or received.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The frame is longer than allowed; the connection should be closed.
    #[error(
        "a frame of {len} bytes exceeds the limit of {max} bytes; the peer sent more than the \
         sync protocol allows"
    )]
    Oversized {
        /// The announced (or attempted) length.
        len: u64,
        /// The limit in force.
        max: usize,
    },
    /// The stream ended in the middle of a frame.
    #[error(
        "the stream ended in the middle of a frame ({received} of {expected} bytes arrived); the \
         peer stopped mid-message"
    )]
    Truncated {
        /// Bytes the frame (or its 4-byte header) needed.
        expected: u64,
        /// Bytes that arrived.
        received: u64,
    },
    /// The peer abandoned the stream we were reading.
    #[error("the peer abandoned the stream (code {code})")]
    Reset {
        /// The peer's reason code.
        code: u64,
    },
    /// The peer stopped reading the stream we were writing.
    #[error("the peer stopped reading the stream (code {code})")]
    Stopped {
        /// The peer's reason code.
        code: u64,
    },
    /// The stream was already finished or reset by this node.
    #[error("the stream is already closed on this side")]
    StreamClosed,
    /// The connection carrying the stream failed.
    #[error(transparent)]
    Link(#[from] LinkError),
}

/// Why a certificate could not be read to find the node id it carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the certificate cannot be read: {detail}")]
pub struct CertificateParseError {
    /// What the certificate parser reported.
    pub detail: String,
}

/// Whether a QUIC close code carries the TLS `alert`.
fn is_alert(code: quinn::TransportErrorCode, alert: u8) -> bool {
    code == quinn::TransportErrorCode::crypto(alert)
}

impl From<quinn::ConnectionError> for LinkError {
    fn from(error: quinn::ConnectionError) -> Self {
        use crate::transport::tls::{ALERT_ACCESS_DENIED, ALERT_NO_APPLICATION_PROTOCOL};
        use crate::transport::CloseCode;
        use quinn::ConnectionError as E;

        match error {
            E::VersionMismatch => Self::IncompatibleProtocol,
            E::ConnectionClosed(close) => {
                if is_alert(close.error_code, ALERT_ACCESS_DENIED) {
                    Self::RefusedByPeer
                } else if is_alert(close.error_code, ALERT_NO_APPLICATION_PROTOCOL) {
                    Self::IncompatibleProtocol
                } else {
                    Self::AbortedByPeer { reason: close.to_string() }
                }
            }
            E::ApplicationClosed(close) => {
                let code = close.error_code.into_inner();
                match CloseCode::from_code(code) {
                    Some(CloseCode::NotAMember) => Self::RefusedByPeer,
                    Some(CloseCode::IncompatibleProtocol) => Self::IncompatibleProtocol,
                    _ => Self::ClosedByPeer {
                        code,
                        reason: String::from_utf8_lossy(&close.reason).into_owned(),
                    },
                }
            }
            E::TransportError(e) => Self::Aborted { reason: e.to_string() },
            E::Reset => Self::Reset,
            E::TimedOut => Self::TimedOut,
            E::LocallyClosed => Self::LocallyClosed,
            E::CidsExhausted => Self::Aborted { reason: "ran out of QUIC connection ids".to_owned() },
        }
    }
}

/// Why received bytes are not a valid sync protocol message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes do not decode as a message of this protocol version.
    #[error("the peer sent a malformed message: {detail}")]
    Malformed {
        /// What the decoder found.
        detail: String,
    },
    /// The message is longer than the protocol allows.
    #[error("the peer sent a message of {len} bytes; the limit is {max}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The message carries more of something than the protocol allows.
    #[error("the peer sent a message with {count} {what}; the limit is {max}")]
    Limit {
        /// What was counted.
        what: &'static str,
        /// How many there were.
        count: usize,
        /// The limit.
        max: usize,
    },
}

/// Why this PC refused a peer during a sync session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    /// The peer belongs to another office.
    OtherOffice,
    /// The peer speaks another version of the sync protocol.
    IncompatibleVersion,
    /// The peer is not (or no longer) a member of the office.
    NotAMember,
    /// The peer's messages name another node than the key it connected with.
    WrongIdentity,
    /// An invite code was refused (expired, used, unknown).
    InviteRefused,
}

/// Why a sync session with a peer ended with an error.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The peer sent bytes that are not a valid message; the connection is closed and nothing
    /// it sent in that message was stored.
    #[error(transparent)]
    Malformed(#[from] DecodeError),
    /// The peer sent a message the protocol does not allow at this point.
    #[error("the peer broke the sync protocol: {detail}")]
    Unexpected {
        /// What was wrong.
        detail: String,
    },
    /// This PC refused the peer.
    #[error("{detail}")]
    Refused {
        /// Why, as a code.
        reason: RefusalReason,
        /// Why, in words.
        detail: String,
    },
    /// The peer refused this PC or ended the session.
    #[error("the peer ended the session: {reason}")]
    PeerClosed {
        /// The close code it sent.
        code: u64,
        /// The reason it gave.
        reason: String,
    },
    /// The peer sent a document or key record that cannot be applied; nothing of that batch
    /// was stored.
    #[error("the peer sent data that cannot be applied (nothing of it was stored): {source}")]
    BadData {
        /// What the store reported.
        #[source]
        source: amer_core::Error,
    },
    /// The local store failed.
    #[error("the local database failed during sync: {source}")]
    Store {
        /// What the store reported.
        #[source]
        source: amer_core::Error,
    },
}

impl SessionError {
    /// The close code to send the peer for this error.
    pub fn close_code(&self) -> crate::transport::CloseCode {
        use crate::transport::CloseCode;
        match self {
            Self::Malformed(_) | Self::Unexpected { .. } | Self::BadData { .. } => {
                CloseCode::ProtocolViolation
            }
            Self::Refused { reason, .. } => match reason {
                RefusalReason::OtherOffice => CloseCode::OtherOffice,
                RefusalReason::IncompatibleVersion => CloseCode::IncompatibleVersion,
                RefusalReason::NotAMember => CloseCode::Removed,
                RefusalReason::WrongIdentity => CloseCode::ProtocolViolation,
                RefusalReason::InviteRefused => CloseCode::InviteRefused,
            },
            Self::PeerClosed { .. } => CloseCode::Done,
            Self::Store { .. } => CloseCode::LocalError,
        }
    }

    /// Classifies a store error raised while applying what the peer sent: damaged input is the
    /// peer's fault, a failing database is ours.
    pub(crate) fn from_apply(error: amer_core::Error) -> Self {
        use amer_core::Error as E;
        match error {
            E::Sqlite(_) | E::Io(_) | E::SchemaTooNew { .. } | E::NotInitialised => {
                Self::Store { source: error }
            }
            other => Self::BadData { source: other },
        }
    }
}

impl From<amer_core::Error> for SessionError {
    fn from(source: amer_core::Error) -> Self {
        Self::Store { source }
    }
}

/// Why an invite code could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteCodeError {
    /// A character that cannot occur in a code.
    #[error("{found:?} cannot occur in an invite code (codes use the letters a-z and the digits 2-7)")]
    Character {
        /// The offending character.
        found: char,
    },
    /// Too few or too many characters.
    #[error(
        "an invite code has {expected} letters and digits (dashes and spaces aside), this one has {found}"
    )]
    Length {
        /// How many there were.
        found: usize,
        /// How many there must be.
        expected: usize,
    },
    /// The check character does not match: a typo.
    #[error(
        "the invite code has a typing mistake (its check does not match); read it again from the inviting PC"
    )]
    Mistyped,
}

/// Why an invite code could not be made.
#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    /// The node has no IPv4 address the new PC could reach.
    #[error(
        "this node listens on {listen}, which a new PC cannot dial; start it with an IPv4 address \
         to advertise (a LAN address such as 192.168.1.20:7313)"
    )]
    NoAddress {
        /// What the node listens on.
        listen: SocketAddr,
    },
    /// The system's random source failed.
    #[error("could not draw a random invite secret from the system")]
    Random,
    /// The store failed.
    #[error("could not record the invitation: {0}")]
    Store(#[from] amer_core::Error),
    /// The node is shutting down.
    #[error("the sync node has stopped")]
    Stopped,
}

/// Why joining an office with an invite code failed.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    /// This store already belongs to an office.
    #[error("this PC already belongs to office {office}; joining needs a fresh database")]
    AlreadyInitialised {
        /// The office it belongs to.
        office: String,
    },
    /// The invite code names an IPv4 address this node cannot dial from its listen address.
    #[error("could not open a network endpoint to join: {0}")]
    Bind(#[from] BindError),
    /// The inviting PC could not be reached or was not the one named by the code.
    #[error("could not reach the inviting PC: {0}")]
    Connect(#[from] ConnectError),
    /// The inviting PC refused the code.
    #[error("the inviting PC refused to let this PC join: {reason}")]
    Refused {
        /// Why, as the inviting PC said.
        reason: String,
    },
    /// The connection failed during the handshake.
    #[error("the join handshake with the inviting PC failed: {detail}")]
    Handshake {
        /// What failed.
        detail: String,
    },
    /// The local store failed.
    #[error("could not record the office in this PC's database: {0}")]
    Store(#[from] amer_core::Error),
    /// The node could not start after joining.
    #[error("joined, but the sync node could not start: {0}")]
    Start(#[from] NodeError),
}

/// Why a sync node could not start or act.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The store has no office yet.
    #[error("this PC's database belongs to no office yet: initialise it (`amer init`) or join with an invite code")]
    NotInitialised,
    /// The store was set up for another key.
    #[error(
        "this database was set up for node {expected}, but the node key is {actual}; use the key \
         file that belongs to this database"
    )]
    IdentityMismatch {
        /// The node id recorded in the database.
        expected: String,
        /// The node id of the key.
        actual: NodeId,
    },
    /// The endpoint could not be opened.
    #[error(transparent)]
    Bind(#[from] BindError),
    /// Connecting to the peer asked for failed.
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The store failed.
    #[error("the database failed: {0}")]
    Store(#[from] amer_core::Error),
    /// The node has been shut down.
    #[error("the sync node has stopped")]
    Stopped,
}
