//! Membership: who may connect (the office document's active members), invite codes (made,
//! stored hashed, redeemed once), and the join handshake's messages.
//!
//! An invite code is 25 bytes written as 40 base32 letters and digits in groups of five
//! (`abcde-fghij-…`), short enough to read aloud: the inviter's IPv4 address and port, the
//! first 10 bytes of its node id (the joiner pins the inviter's key by it), an 8-byte random
//! secret, and a check byte that catches typing mistakes. The inviter keeps only a hash of the
//! secret, with the expiry and the device code allotted to the new PC.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amer_core::model::Office;
use amer_core::Store;
use serde::{Deserialize, Serialize};

use crate::error::{InviteCodeError, InviteError};
use crate::identity::{NodeId, ShortNodeId};
use crate::protocol::message::WireId;

/// `peer_state` owner under which invitations are kept.
const INVITES: &str = "~invites";

/// `peer_state` key listing the invitations (`hash expires` lines).
const INVITE_INDEX: &str = "index";

/// How long after its expiry an invitation is still recognised, so that a late or reused code
/// is refused with its real reason rather than a bare handshake failure.
pub const INVITE_GRACE: Duration = Duration::from_secs(3600);

/// Bytes of the invite secret.
const SECRET_LEN: usize = 8;

/// Bytes of an encoded invite code.
const CODE_LEN: usize = 4 + 2 + ShortNodeId::LEN + SECRET_LEN + 1;

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// A one-time invite code: where the inviting PC listens, who it is, and a secret.
#[derive(Clone, PartialEq, Eq)]
pub struct InviteCode {
    /// The inviting PC's address.
    pub addr: SocketAddrV4,
    /// The short form of the inviting PC's node id.
    pub inviter: ShortNodeId,
    secret: [u8; SECRET_LEN],
}

impl fmt::Debug for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteCode")
            .field("addr", &self.addr)
            .field("inviter", &self.inviter)
            .finish_non_exhaustive()
    }
}

impl InviteCode {
    /// The secret the joiner presents.
    pub fn secret(&self) -> [u8; SECRET_LEN] {
        self.secret
    }

    fn to_bytes(&self) -> [u8; CODE_LEN] {
        let mut bytes = [0u8; CODE_LEN];
        bytes[..4].copy_from_slice(&self.addr.ip().octets());
        bytes[4..6].copy_from_slice(&self.addr.port().to_be_bytes());
        bytes[6..16].copy_from_slice(self.inviter.as_bytes());
        bytes[16..24].copy_from_slice(&self.secret);
        bytes[24] = check_byte(&bytes[..24]);
        bytes
    }
}

fn check_byte(bytes: &[u8]) -> u8 {
    ring::digest::digest(&ring::digest::SHA256, bytes).as_ref()[0]
}

impl fmt::Display for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 25 bytes = 200 bits = 40 symbols of 5 bits, no padding.
        let bytes = self.to_bytes();
        let mut out = String::with_capacity(47);
        let mut buffer: u32 = 0;
        let mut bits = 0;
        let mut symbols = 0;
        for byte in bytes {
            buffer = (buffer << 8) | u32::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                if symbols > 0 && symbols % 5 == 0 {
                    out.push('-');
                }
                out.push(char::from(BASE32[((buffer >> bits) & 0x1f) as usize]));
                symbols += 1;
            }
        }
        f.write_str(&out)
    }
}

impl FromStr for InviteCode {
    type Err = InviteCodeError;

    /// Reads a code, ignoring case, dashes and spaces (and reading 0 as o, 1 as l).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut bytes = Vec::with_capacity(CODE_LEN);
        let mut buffer: u32 = 0;
        let mut bits = 0;
        let mut count = 0;
        for c in text.chars() {
            if c == '-' || c.is_whitespace() {
                continue;
            }
            let value = match c.to_ascii_lowercase() {
                l @ 'a'..='z' => u32::from(l) - u32::from('a'),
                d @ '2'..='7' => u32::from(d) - u32::from('2') + 26,
                '0' => u32::from('o') - u32::from('a'),
                '1' => u32::from('l') - u32::from('a'),
                other => return Err(InviteCodeError::Character { found: other }),
            };
            count += 1;
            buffer = (buffer << 5) | value;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                bytes.push(((buffer >> bits) & 0xff) as u8);
            }
        }
        if count != CODE_LEN * 8 / 5 {
            return Err(InviteCodeError::Length { found: count, expected: CODE_LEN * 8 / 5 });
        }
        if check_byte(&bytes[..24]) != bytes[24] {
            return Err(InviteCodeError::Mistyped);
        }
        let ip = Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]);
        let port = u16::from_be_bytes([bytes[4], bytes[5]]);
        let mut short = [0u8; ShortNodeId::LEN];
        short.copy_from_slice(&bytes[6..16]);
        let mut secret = [0u8; SECRET_LEN];
        secret.copy_from_slice(&bytes[16..24]);
        Ok(Self { addr: SocketAddrV4::new(ip, port), inviter: ShortNodeId::from_bytes(short), secret })
    }
}

/// A member as sync sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberEntry {
    /// Its node id.
    pub node_id: NodeId,
    /// Addresses it published.
    pub addresses: Vec<SocketAddr>,
    /// Whether it is a member now (not removed).
    pub active: bool,
}

/// The members recorded in the office document whose node ids are real node ids (PCs set up
/// without a key pair have none and cannot sync).
pub fn members_of(office: &Office) -> Vec<MemberEntry> {
    office
        .members
        .iter()
        .filter_map(|m| {
            let node_id = m.node_id.parse::<NodeId>().ok()?;
            let addresses = m.addresses.iter().filter_map(|a| a.trim().parse().ok()).collect();
            Some(MemberEntry { node_id, addresses, active: m.is_active() })
        })
        .collect()
}

/// One stored invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoredInvite {
    expires_ms: i64,
    device_code: String,
    used_by: Option<String>,
}

impl StoredInvite {
    fn encode(&self) -> Vec<u8> {
        format!("{}\n{}\n{}", self.expires_ms, self.device_code, self.used_by.as_deref().unwrap_or(""))
            .into_bytes()
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let text = String::from_utf8_lossy(bytes);
        let mut lines = text.split('\n');
        let expires_ms = lines.next()?.parse().ok()?;
        let device_code = lines.next()?.to_owned();
        let used_by = lines.next().filter(|u| !u.is_empty()).map(str::to_owned);
        Some(Self { expires_ms, device_code, used_by })
    }
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

fn secret_hash(secret: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, secret);
    digest.as_ref()[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes and records an invitation for one new PC, valid for `ttl`. Allots the new PC's
/// device code now (in the office document, so it is unique across the office). Blocking.
pub fn create_invite(
    store: &Store,
    addr: SocketAddrV4,
    inviter: NodeId,
    ttl: Duration,
) -> Result<InviteCode, InviteError> {
    use ring::rand::SecureRandom;
    let mut secret = [0u8; SECRET_LEN];
    ring::rand::SystemRandom::new().fill(&mut secret).map_err(|_| InviteError::Random)?;
    let device_code = store.next_invite_device_code()?;
    let expires_ms = now_ms().saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX / 2));
    let hash = secret_hash(&secret);
    let invite = StoredInvite { expires_ms, device_code, used_by: None };
    store.set_peer_state(INVITES, &hash, &invite.encode())?;
    let mut index = store.peer_state(INVITES, INVITE_INDEX)?.unwrap_or_default();
    index.extend_from_slice(format!("{hash} {expires_ms}\n").as_bytes());
    store.set_peer_state(INVITES, INVITE_INDEX, &index)?;
    tracing::info!(expires_in_s = ttl.as_secs(), "made an invite code");
    Ok(InviteCode { addr, inviter: inviter.short(), secret })
}

/// Why a presented invite code is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRefusal {
    /// No invitation has this secret.
    Unknown,
    /// It expired.
    Expired,
    /// It was used already.
    Used,
}

impl InviteRefusal {
    /// What to tell both sides.
    pub fn explain(self) -> &'static str {
        match self {
            Self::Unknown => {
                "the invite code is not valid on the inviting PC: it was mistyped, or made by another PC; \
                 ask for a new code"
            }
            Self::Expired => "the invite code has expired; ask the inviting PC for a new code",
            Self::Used => {
                "the invite code was already used (each code admits one PC); ask the inviting PC for a new code"
            }
        }
    }
}

/// Redeems an invitation: checks the secret, marks it used by `joiner`, and returns the
/// device code allotted to the new PC. Blocking.
pub fn redeem_invite(
    store: &Store,
    secret: &[u8],
    joiner: &NodeId,
) -> Result<Result<String, InviteRefusal>, InviteError> {
    let hash = secret_hash(secret);
    let Some(bytes) = store.peer_state(INVITES, &hash)? else {
        return Ok(Err(InviteRefusal::Unknown));
    };
    let Some(mut invite) = StoredInvite::decode(&bytes) else {
        return Ok(Err(InviteRefusal::Unknown));
    };
    if invite.used_by.is_some() {
        return Ok(Err(InviteRefusal::Used));
    }
    if now_ms() > invite.expires_ms {
        return Ok(Err(InviteRefusal::Expired));
    }
    invite.used_by = Some(joiner.full_hex());
    store.set_peer_state(INVITES, &hash, &invite.encode())?;
    Ok(Ok(invite.device_code))
}

/// Until when unknown keys should be let in to present a code: the latest expiry of the
/// recorded invitations plus [`INVITE_GRACE`]; `None` if that is past. Blocking.
pub fn join_window(store: &Store) -> Result<Option<Duration>, InviteError> {
    let index = store.peer_state(INVITES, INVITE_INDEX)?.unwrap_or_default();
    let latest = String::from_utf8_lossy(&index)
        .lines()
        .filter_map(|line| line.split(' ').nth(1)?.parse::<i64>().ok())
        .max();
    let grace = i64::try_from(INVITE_GRACE.as_millis()).unwrap_or(0);
    Ok(latest
        .map(|expires| expires.saturating_add(grace) - now_ms())
        .filter(|left| *left > 0)
        .map(|left| Duration::from_millis(left as u64)))
}

/// The messages of the join handshake, on the first stream of a joiner's connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinMessage {
    /// Joiner → inviter: the code's secret and the new PC's name.
    Request {
        /// The joiner's protocol version.
        version: u16,
        /// The invite secret.
        secret: [u8; SECRET_LEN],
        /// The new PC's name.
        device_name: String,
    },
    /// Inviter → joiner: welcome.
    Accepted {
        /// The office to join.
        office_id: WireId,
        /// The device code allotted to the new PC.
        device_code: String,
    },
    /// Inviter → joiner: refused, and why.
    Refused {
        /// Why, in words.
        reason: String,
    },
}

/// The largest join message accepted.
pub const MAX_JOIN_MESSAGE_LEN: usize = 4096;

impl JoinMessage {
    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes a message, refusing trailing bytes and overlong texts.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (message, rest): (Self, &[u8]) = postcard::take_from_bytes(bytes).ok()?;
        let text_ok = match &message {
            Self::Request { device_name, .. } => device_name.chars().count() <= 100,
            Self::Accepted { device_code, .. } => device_code.len() <= 64,
            Self::Refused { reason } => reason.len() <= 1024,
        };
        (rest.is_empty() && text_ok).then_some(message)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn code() -> InviteCode {
        InviteCode {
            addr: SocketAddrV4::new(Ipv4Addr::new(192, 168, 1, 20), 7313),
            inviter: ShortNodeId::from_bytes([7; 10]),
            secret: [1, 2, 3, 4, 5, 6, 7, 8],
        }
    }

    #[test]
    fn codes_are_forty_symbols_in_groups_and_round_trip() {
        let text = code().to_string();
        assert_eq!(text.len(), 47, "{text}");
        assert_eq!(text.split('-').count(), 8);
        assert_eq!(text.parse::<InviteCode>().unwrap(), code());
        assert_eq!(text.to_uppercase().replace('-', " ").parse::<InviteCode>().unwrap(), code());
    }

    #[test]
    fn typos_are_caught() {
        let text = code().to_string();
        let mut chars: Vec<char> = text.chars().collect();
        chars[3] = if chars[3] == 'a' { 'b' } else { 'a' };
        let typo: String = chars.into_iter().collect();
        assert_eq!(typo.parse::<InviteCode>(), Err(InviteCodeError::Mistyped));
        assert!(matches!(text[..20].parse::<InviteCode>(), Err(InviteCodeError::Length { .. })));
        assert!(matches!("abc!".parse::<InviteCode>(), Err(InviteCodeError::Character { found: '!' })));
    }

    #[test]
    fn join_messages_round_trip_and_garbage_is_refused() {
        let m = JoinMessage::Request { version: 1, secret: [9; 8], device_name: "PC Loket 2".into() };
        assert_eq!(JoinMessage::decode(&m.encode()), Some(m));
        assert_eq!(JoinMessage::decode(&[9, 9, 9]), None);
        let long = JoinMessage::Request { version: 1, secret: [0; 8], device_name: "x".repeat(101) };
        assert_eq!(JoinMessage::decode(&long.encode()), None);
    }
}
