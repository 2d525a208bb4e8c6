//! Application close codes the transport sends, so that the other side can tell a refusal from
//! a normal goodbye.

use quinn::VarInt;

/// Why a connection was closed on purpose. Sent as the QUIC application error code; the
/// protocol layer may define further codes from [`CloseCode::FIRST_PROTOCOL_CODE`] on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloseCode {
    /// Work done; a normal goodbye.
    Done,
    /// The node is shutting down.
    ShuttingDown,
    /// The peer's key is not (or no longer) a member.
    NotAMember,
    /// The peer negotiated no or another protocol version.
    IncompatibleProtocol,
    /// The peer sent something the protocol does not allow (malformed or oversized input).
    ProtocolViolation,
    /// The peer belongs to another office.
    OtherOffice,
    /// The peer speaks another version of the sync protocol (same ALPN, other message version).
    IncompatibleVersion,
    /// The peer was removed from the office.
    Removed,
    /// An invite code was refused (expired, already used, unknown or wrong).
    InviteRefused,
    /// This node's database failed; the peer should try again later.
    LocalError,
    /// Another connection with the same peer is kept instead of this one.
    Duplicate,
}

impl CloseCode {
    /// Every code.
    pub const ALL: [Self; 11] = [
        Self::Done,
        Self::ShuttingDown,
        Self::NotAMember,
        Self::IncompatibleProtocol,
        Self::ProtocolViolation,
        Self::OtherOffice,
        Self::IncompatibleVersion,
        Self::Removed,
        Self::InviteRefused,
        Self::LocalError,
        Self::Duplicate,
    ];

    /// The first code left to the protocol layer (the codes from here on are the sync
    /// protocol's).
    pub const FIRST_PROTOCOL_CODE: u32 = 0x100;

    /// The numeric code.
    pub const fn code(self) -> u32 {
        match self {
            Self::Done => 0,
            Self::ShuttingDown => 1,
            Self::NotAMember => 2,
            Self::IncompatibleProtocol => 3,
            Self::ProtocolViolation => 4,
            Self::OtherOffice => 0x100,
            Self::IncompatibleVersion => 0x101,
            Self::Removed => 0x102,
            Self::InviteRefused => 0x103,
            Self::LocalError => 0x104,
            Self::Duplicate => 0x105,
        }
    }

    /// The close code for a numeric code, if it is one of these.
    pub fn from_code(code: u64) -> Option<Self> {
        Self::ALL.into_iter().find(|c| u64::from(c.code()) == code)
    }

    /// The code as a QUIC variable-length integer.
    pub fn varint(self) -> VarInt {
        VarInt::from_u32(self.code())
    }
}

impl From<CloseCode> for VarInt {
    fn from(code: CloseCode) -> Self {
        code.varint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for code in CloseCode::ALL {
            assert_eq!(CloseCode::from_code(u64::from(code.code())), Some(code));
        }
        assert_eq!(CloseCode::from_code(0x1000), None);
    }
}
