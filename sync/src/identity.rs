//! Node identity: the Ed25519 key pair a node is known by, its self-signed certificate, the key
//! file it lives in, and the [`NodeId`] derived from its public key.
//!
//! A node id is the SHA-256 digest of the DER-encoded SubjectPublicKeyInfo of the node's key.
//! Peers are pinned by node id (no certificate authority): a certificate is only a carrier for
//! the key during the TLS handshake. The full id is 32 bytes, written as 64 hex digits; people
//! see the short form, the first 80 bits in base32 (`abcd-efgh-ijkl-mnop`), which names a node
//! on screen but is never used to decide whom to trust.

use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PublicKeyData};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::{IdentityError, NodeIdParseError};

/// RFC 4648 base32 alphabet, lowercase, as used by the short form.
const BASE32_ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// The identity of a node: SHA-256 of its public key's SubjectPublicKeyInfo DER.
///
/// `Display` gives the short form for people (`abcd-efgh-ijkl-mnop`); [`NodeId::full_hex`] and
/// serde give the full 64 hex digits, which is what configuration and the wire carry.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId([u8; NodeId::LEN]);

impl NodeId {
    /// Length of a node id in bytes.
    pub const LEN: usize = 32;

    /// Derives the node id of a public key given as SubjectPublicKeyInfo DER.
    pub fn from_spki(spki_der: &[u8]) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, spki_der);
        let mut bytes = [0u8; Self::LEN];
        bytes.copy_from_slice(digest.as_ref());
        Self(bytes)
    }

    /// Wraps raw node id bytes (as stored or sent on the wire).
    pub const fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }

    /// The full id as 64 lowercase hex digits.
    pub fn full_hex(&self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(Self::LEN * 2);
        for byte in self.0 {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        out
    }

    /// The short form shown to people.
    pub fn short(&self) -> ShortNodeId {
        let mut bytes = [0u8; ShortNodeId::LEN];
        bytes.copy_from_slice(&self.0[..ShortNodeId::LEN]);
        ShortNodeId(bytes)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.short(), f)
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({})", self.short())
    }
}

impl FromStr for NodeId {
    type Err = NodeIdParseError;

    /// Reads the full form (64 hex digits, either case). The short form is refused with
    /// [`NodeIdParseError::ShortForm`]: 80 bits name a node but are too few to pin one; parse
    /// it as a [`ShortNodeId`] and look it up among known ids instead.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if trimmed.len() != Self::LEN * 2 {
            return Err(if trimmed.parse::<ShortNodeId>().is_ok() {
                NodeIdParseError::ShortForm { text: text.to_owned() }
            } else {
                NodeIdParseError::Length { text: text.to_owned(), len: trimmed.chars().count() }
            });
        }
        let mut bytes = [0u8; Self::LEN];
        let digits = trimmed.as_bytes();
        for (i, byte) in bytes.iter_mut().enumerate() {
            let hi = hex_value(digits[2 * i]);
            let lo = hex_value(digits[2 * i + 1]);
            match (hi, lo) {
                (Some(hi), Some(lo)) => *byte = (hi << 4) | lo,
                _ => {
                    let found = trimmed.chars().find(|c| !c.is_ascii_hexdigit()).unwrap_or('?');
                    return Err(NodeIdParseError::Character { text: text.to_owned(), found });
                }
            }
        }
        Ok(Self(bytes))
    }
}

impl serde::Serialize for NodeId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.full_hex())
    }
}

impl<'de> serde::Deserialize<'de> for NodeId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The short, readable form of a node id: its first 10 bytes in lowercase base32 (RFC 4648
/// alphabet, no padding), grouped in fours: `abcd-efgh-ijkl-mnop`.
///
/// It is for people (screens, logs, reading aloud) and for looking a node up among known ids
/// with [`ShortNodeId::matches`]; trust decisions always use the full [`NodeId`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ShortNodeId([u8; ShortNodeId::LEN]);

impl ShortNodeId {
    /// Bytes of the node id the short form covers (80 bits, 16 base32 characters).
    pub const LEN: usize = 10;

    /// Wraps the first 10 bytes of a node id (as carried by an invite code).
    pub const fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }

    /// Whether `id` has this short form.
    pub fn matches(&self, id: &NodeId) -> bool {
        id.0[..Self::LEN] == self.0
    }
}

impl fmt::Display for ShortNodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // 10 bytes = 80 bits = exactly 16 five-bit symbols, so no padding is ever needed.
        let mut bits: u128 = 0;
        for byte in self.0 {
            bits = (bits << 8) | u128::from(byte);
        }
        let mut text = String::with_capacity(19);
        for i in 0..16 {
            if i > 0 && i % 4 == 0 {
                text.push('-');
            }
            let shift = 5 * (15 - i);
            // The mask keeps the index below 32.
            let index = ((bits >> shift) & 0x1f) as usize;
            text.push(char::from(BASE32_ALPHABET[index]));
        }
        f.write_str(&text)
    }
}

impl fmt::Debug for ShortNodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShortNodeId({self})")
    }
}

impl FromStr for ShortNodeId {
    type Err = NodeIdParseError;

    /// Reads the short form, ignoring case, dashes and spaces; a full hex id is accepted too and
    /// shortened.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        if trimmed.len() == NodeId::LEN * 2 {
            if let Ok(id) = trimmed.parse::<NodeId>() {
                return Ok(id.short());
            }
        }
        let mut bits: u128 = 0;
        let mut count = 0usize;
        for c in trimmed.chars() {
            if c == '-' || c == ' ' {
                continue;
            }
            let lower = c.to_ascii_lowercase();
            let value = match lower {
                'a'..='z' => u32::from(lower) - u32::from('a'),
                '2'..='7' => u32::from(lower) - u32::from('2') + 26,
                _ => return Err(NodeIdParseError::Character { text: text.to_owned(), found: c }),
            };
            count += 1;
            if count <= 16 {
                bits = (bits << 5) | u128::from(value);
            }
        }
        if count != 16 {
            return Err(NodeIdParseError::Length { text: text.to_owned(), len: count });
        }
        let mut bytes = [0u8; Self::LEN];
        for (i, byte) in bytes.iter_mut().enumerate() {
            // Take byte i of the 80-bit big-endian value; the mask makes the cast lossless.
            *byte = ((bits >> (8 * (Self::LEN - 1 - i))) & 0xff) as u8;
        }
        Ok(Self(bytes))
    }
}

/// A node's key pair and the self-signed certificate that carries its public key in TLS.
///
/// The private key is kept as PKCS#8 DER; `Debug` shows only the node id.
#[derive(Clone)]
pub struct NodeIdentity {
    pkcs8_der: Vec<u8>,
    certificate: CertificateDer<'static>,
    node_id: NodeId,
}

impl fmt::Debug for NodeIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeIdentity").field("node_id", &self.node_id).finish_non_exhaustive()
    }
}

impl NodeIdentity {
    /// Creates a new random Ed25519 identity.
    pub fn generate() -> Result<Self, IdentityError> {
        let key_pair = KeyPair::generate_for(&rcgen::PKCS_ED25519)
            .map_err(|e| IdentityError::Generate { detail: e.to_string() })?;
        Self::from_key_pair(&key_pair)
    }

    /// Reads an identity from PEM text (a PKCS#8 "PRIVATE KEY" block holding an Ed25519 key).
    pub fn from_pem(pem: &str) -> Result<Self, IdentityError> {
        let key_pair =
            KeyPair::from_pem(pem).map_err(|e| IdentityError::Malformed { detail: e.to_string() })?;
        if key_pair.algorithm() != &rcgen::PKCS_ED25519 {
            return Err(IdentityError::UnsupportedAlgorithm {
                algorithm: format!("{:?}", key_pair.algorithm()),
            });
        }
        Self::from_key_pair(&key_pair)
    }

    /// The private key as PEM text. It is secret: whoever has it can act as this node.
    pub fn to_pem(&self) -> String {
        // The PEM label is fixed and the body is standard base64 in 64-column lines
        // (RFC 7468); rcgen would give the same text, but needs a parsed key pair.
        let mut out = String::from("-----BEGIN PRIVATE KEY-----\n");
        let encoded = base64_encode(&self.pkcs8_der);
        for line in encoded.as_bytes().chunks(64) {
            out.push_str(&String::from_utf8_lossy(line));
            out.push('\n');
        }
        out.push_str("-----END PRIVATE KEY-----\n");
        out
    }

    /// Loads the identity from a key file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, IdentityError> {
        let path = path.as_ref();
        let pem = fs::read_to_string(path)
            .map_err(|source| IdentityError::Read { path: path.to_owned(), source })?;
        warn_if_readable_by_others(path);
        Self::from_pem(&pem).map_err(|e| match e {
            IdentityError::Malformed { detail } => {
                IdentityError::MalformedFile { path: path.to_owned(), detail }
            }
            IdentityError::UnsupportedAlgorithm { algorithm } => IdentityError::MalformedFile {
                path: path.to_owned(),
                detail: format!("not an Ed25519 key ({algorithm})"),
            },
            other => other,
        })
    }

    /// Saves the identity to a new key file that only the owner can read (mode 0600 on unix).
    ///
    /// Refuses to replace an existing file ([`IdentityError::AlreadyExists`]): that would
    /// silently change this node's identity.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), IdentityError> {
        let path = path.as_ref();
        match self.write_new(path)? {
            SaveOutcome::Written => Ok(()),
            SaveOutcome::Exists => Err(IdentityError::AlreadyExists { path: path.to_owned() }),
        }
    }

    /// Loads the identity from `path`, or creates one and saves it there (with its folder) if
    /// the file does not exist yet. Safe against another process doing the same at once: both
    /// end up with the identity that reached the disk first.
    pub fn load_or_create(path: impl AsRef<Path>) -> Result<Self, IdentityError> {
        let path = path.as_ref();
        if path.exists() {
            return Self::load(path);
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)
                .map_err(|source| IdentityError::Write { path: path.to_owned(), source })?;
        }
        let identity = Self::generate()?;
        match identity.write_new(path)? {
            SaveOutcome::Written => {
                tracing::info!(node = %identity.node_id, path = %path.display(), "created a new node identity");
                Ok(identity)
            }
            SaveOutcome::Exists => Self::load(path),
        }
    }

    /// This node's id.
    pub fn node_id(&self) -> NodeId {
        self.node_id
    }

    /// The self-signed certificate presented in TLS handshakes.
    pub fn certificate_der(&self) -> &CertificateDer<'static> {
        &self.certificate
    }

    /// The private key for rustls.
    pub(crate) fn private_key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.pkcs8_der.clone()))
    }

    fn from_key_pair(key_pair: &KeyPair) -> Result<Self, IdentityError> {
        let node_id = NodeId::from_spki(&key_pair.subject_public_key_info());
        // The names are informational only: peers are pinned by key, never by name.
        let mut params = CertificateParams::new(vec!["amer-node".to_owned()]).map_err(generate_error)?;
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, format!("AMER node {node_id}"));
        params.distinguished_name = name;
        let certificate = params.self_signed(key_pair).map_err(generate_error)?;
        let certificate = certificate.der().clone();
        // Peers derive our id from the certificate with rustls' parser; make sure it agrees.
        match crate::transport::node_id_from_certificate(&certificate) {
            Ok(from_cert) if from_cert == node_id => {}
            Ok(other) => {
                return Err(IdentityError::Generate {
                    detail: format!("certificate carries key {other}, expected {node_id}"),
                })
            }
            Err(e) => return Err(IdentityError::Generate { detail: e.to_string() }),
        }
        Ok(Self { pkcs8_der: key_pair.serialize_der(), certificate, node_id })
    }

    /// Writes the key to `path` if no file is there, atomically: the key goes to a private
    /// temporary file first, which is then linked into place without replacing anything.
    fn write_new(&self, path: &Path) -> Result<SaveOutcome, IdentityError> {
        let write_error = |source| IdentityError::Write { path: path.to_owned(), source };
        let temp = temp_path(path);
        let result = (|| {
            let mut file = private_file_options().open(&temp)?;
            file.write_all(self.to_pem().as_bytes())?;
            file.sync_all()
        })();
        if let Err(source) = result {
            let _ = fs::remove_file(&temp);
            return Err(write_error(source));
        }
        let linked = fs::hard_link(&temp, path);
        let outcome = match linked {
            Ok(()) => {
                sync_parent(path);
                Ok(SaveOutcome::Written)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(SaveOutcome::Exists),
            // File systems without hard links: fall back to a rename, which is atomic but
            // would replace a file created meanwhile, so check just before.
            Err(_) if path.exists() => Ok(SaveOutcome::Exists),
            Err(_) => match fs::rename(&temp, path) {
                Ok(()) => {
                    sync_parent(path);
                    return Ok(SaveOutcome::Written);
                }
                Err(source) => Err(write_error(source)),
            },
        };
        let _ = fs::remove_file(&temp);
        outcome
    }
}

enum SaveOutcome {
    Written,
    Exists,
}

fn generate_error(e: rcgen::Error) -> IdentityError {
    IdentityError::Generate { detail: e.to_string() }
}

/// A fresh name beside `path`; random, so that neither another thread nor a stale file left by
/// a crash can collide with it.
fn temp_path(path: &Path) -> PathBuf {
    use ring::rand::SecureRandom;
    let mut nonce = [0u8; 8];
    // If the system's random source fails, the process id still separates processes.
    let _ = ring::rand::SystemRandom::new().fill(&mut nonce);
    let nonce = u64::from_le_bytes(nonce);
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}-{nonce:016x}.tmp", std::process::id()));
    path.with_file_name(name)
}

/// Makes a new directory entry durable (best effort: not every platform can sync a folder).
fn sync_parent(path: &Path) {
    #[cfg(unix)]
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(dir) = fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn private_file_options() -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = fs::metadata(path) {
            let mode = metadata.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format_args!("{:o}", mode & 0o777),
                    "the node key file can be read by other users; run `chmod 600` on it"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Standard base64 with padding (RFC 4648 section 4), for the PEM body.
fn base64_encode(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let symbols = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
        for (i, symbol) in symbols.iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[*symbol as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn short_form_is_grouped_lowercase_base32_of_first_ten_bytes() {
        let mut bytes = [0u8; 32];
        let id = NodeId::from_bytes(bytes);
        assert_eq!(id.to_string(), "aaaa-aaaa-aaaa-aaaa");
        bytes[..10].copy_from_slice(&[0xff; 10]);
        assert_eq!(NodeId::from_bytes(bytes).to_string(), "7777-7777-7777-7777");
        // RFC 4648 test vector: BASE32("fooba") = "MZXW6YTB" (5 bytes, no padding).
        bytes[..10].copy_from_slice(b"foobafooba");
        assert_eq!(NodeId::from_bytes(bytes).to_string(), "mzxw-6ytb-mzxw-6ytb");
    }

    #[test]
    fn full_hex_round_trips_and_short_form_is_refused_by_node_id() {
        let identity = NodeIdentity::generate().unwrap();
        let id = identity.node_id();
        let hex = id.full_hex();
        assert_eq!(hex.len(), 64);
        assert_eq!(hex.parse::<NodeId>().unwrap(), id);
        assert_eq!(hex.to_uppercase().parse::<NodeId>().unwrap(), id);
        let short = id.to_string();
        assert!(matches!(short.parse::<NodeId>(), Err(NodeIdParseError::ShortForm { .. })));
        let parsed_short: ShortNodeId = short.parse().unwrap();
        assert!(parsed_short.matches(&id));
        assert_eq!(parsed_short, id.short());
        assert_eq!(short.to_uppercase().replace('-', " ").parse::<ShortNodeId>(), Ok(id.short()));
        assert_eq!(hex.parse::<ShortNodeId>(), Ok(id.short()));
        assert!(matches!("abcd-efgh".parse::<ShortNodeId>(), Err(NodeIdParseError::Length { len: 8, .. })));
        assert!(matches!(
            "abcd-efgh-ijkl-mno1".parse::<ShortNodeId>(),
            Err(NodeIdParseError::Character { found: '1', .. })
        ));
        let bad_hex = format!("{}g", &hex[..63]);
        assert!(matches!(bad_hex.parse::<NodeId>(), Err(NodeIdParseError::Character { found: 'g', .. })));
        assert!(matches!("héllo".parse::<NodeId>(), Err(NodeIdParseError::Length { .. })));
    }

    #[test]
    fn serde_uses_the_full_hex_form() {
        let id = NodeIdentity::generate().unwrap().node_id();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{}\"", id.full_hex()));
        assert_eq!(serde_json::from_str::<NodeId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<NodeId>("\"abcd-efgh-ijkl-mnop\"").is_err());
    }

    #[test]
    fn node_id_is_sha256_of_the_certificate_spki() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let identity = NodeIdentity::from_pem(&key.serialize_pem()).unwrap();
        let spki = key.subject_public_key_info();
        assert_eq!(identity.node_id(), NodeId::from_spki(&spki));
        assert_eq!(
            crate::transport::node_id_from_certificate(identity.certificate_der()).unwrap(),
            identity.node_id()
        );
    }

    #[test]
    fn pem_round_trips_and_matches_rcgen() {
        let key = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        let identity = NodeIdentity::from_pem(&key.serialize_pem()).unwrap();
        assert_eq!(identity.to_pem().replace("\r\n", "\n"), key.serialize_pem().replace("\r\n", "\n"));
        let again = NodeIdentity::from_pem(&identity.to_pem()).unwrap();
        assert_eq!(again.node_id(), identity.node_id());
    }

    #[test]
    fn other_key_kinds_and_garbage_are_refused() {
        let ecdsa = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        assert!(matches!(
            NodeIdentity::from_pem(&ecdsa.serialize_pem()),
            Err(IdentityError::UnsupportedAlgorithm { .. })
        ));
        assert!(matches!(NodeIdentity::from_pem("not a key"), Err(IdentityError::Malformed { .. })));
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let vectors: [(&[u8], &str); 7] = [
            (b"", ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
        ];
        for (input, expected) in vectors {
            assert_eq!(base64_encode(input), expected);
        }
    }

    #[test]
    fn load_or_create_creates_a_private_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys").join("node.pem");
        let created = NodeIdentity::load_or_create(&path).unwrap();
        let loaded = NodeIdentity::load_or_create(&path).unwrap();
        assert_eq!(created.node_id(), loaded.node_id());
        assert_eq!(NodeIdentity::load(&path).unwrap().node_id(), created.node_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary files left behind.
        let names: Vec<_> =
            fs::read_dir(path.parent().unwrap()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("node.pem")]);
    }

    #[test]
    fn save_refuses_to_replace_an_identity() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.pem");
        let first = NodeIdentity::generate().unwrap();
        first.save(&path).unwrap();
        let second = NodeIdentity::generate().unwrap();
        assert!(matches!(second.save(&path), Err(IdentityError::AlreadyExists { .. })));
        assert_eq!(NodeIdentity::load(&path).unwrap().node_id(), first.node_id());
    }

    #[test]
    fn a_damaged_key_file_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.pem");
        fs::write(&path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").unwrap();
        let err = NodeIdentity::load_or_create(&path).unwrap_err();
        assert!(matches!(err, IdentityError::MalformedFile { .. }), "{err}");
        assert!(err.to_string().contains("node.pem"));
    }

    #[test]
    fn debug_does_not_show_the_key() {
        let identity = NodeIdentity::generate().unwrap();
        let debug = format!("{identity:?}");
        assert!(debug.contains(&identity.node_id().to_string()));
        assert!(!debug.contains("PRIVATE"));
    }
}
