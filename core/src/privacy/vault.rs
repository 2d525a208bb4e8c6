//! Keys and the two primitives on them: ChaCha20-Poly1305 sealing and HMAC-SHA256 lookup hashes
//! (both from `ring`).

use std::path::Path;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};

use crate::{Error, Result};

/// Bytes of a lookup hash kept in the store (128 bits).
pub const HASH_LEN: usize = 16;

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    SystemRandom::new().fill(&mut out).map_err(|_| Error::Crypto("the system random source failed"))?;
    Ok(out)
}

fn seal_with(key: &[u8; 32], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
    let key = LessSafeKey::new(
        UnboundKey::new(&CHACHA20_POLY1305, key).map_err(|_| Error::Crypto("bad key length"))?,
    );
    let nonce_bytes = random_bytes::<NONCE_LEN>()?;
    let mut buf = plain.to_vec();
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce_bytes), Aad::from(aad), &mut buf)
        .map_err(|_| Error::Crypto("sealing failed"))?;
    let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&buf);
    Ok(out)
}

fn open_with(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
    if sealed.len() < NONCE_LEN + 16 {
        return Err(Error::Crypto("sealed data is too short"));
    }
    let key = LessSafeKey::new(
        UnboundKey::new(&CHACHA20_POLY1305, key).map_err(|_| Error::Crypto("bad key length"))?,
    );
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Error::Crypto("bad nonce"))?;
    let mut buf = body.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(aad), &mut buf)
        .map_err(|_| Error::Crypto("the data does not match its key (tampered or wrong key)"))?;
    Ok(plain.to_vec())
}

/// A visitor's data key. `Debug` never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

impl DataKey {
    /// A fresh random key.
    pub fn generate() -> Result<Self> {
        random_bytes().map(DataKey)
    }
    /// From raw bytes (as received from a peer).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        <[u8; 32]>::try_from(bytes).map(DataKey).map_err(|_| Error::Crypto("a data key has 32 bytes"))
    }
    /// The raw bytes (to wrap at rest or send to a member).
    pub fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// Seals `plain`, bound to `context` (the visitor id), as nonce ‖ ciphertext ‖ tag.
    pub fn seal(&self, context: &[u8], plain: &[u8]) -> Result<Vec<u8>> {
        seal_with(&self.0, context, plain)
    }
    /// Opens what [`DataKey::seal`] produced with the same context.
    pub fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        open_with(&self.0, context, sealed)
    }
}

/// The node's master key: wraps data keys at rest, so the database file alone (a copied backup)
/// does not reveal personal data. Kept in a file only the user can read.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// A key that lives only in memory (in-memory stores, tests).
    pub fn ephemeral() -> Result<Self> {
        random_bytes().map(MasterKey)
    }
    /// Reads the key file, creating it (mode 0600 on Unix) when missing.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => <[u8; 32]>::try_from(bytes.as_slice())
                .map(MasterKey)
                .map_err(|_| Error::Crypto("the master key file is damaged (expected 32 bytes)")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = Self::ephemeral()?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let mut opts = std::fs::OpenOptions::new();
                opts.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    opts.mode(0o600);
                }
                use std::io::Write;
                let mut f = opts.open(path)?;
                f.write_all(&key.0)?;
                f.sync_all()?;
                Ok(key)
            }
            Err(e) => Err(e.into()),
        }
    }
    /// Wraps a data key for storage.
    pub fn wrap(&self, context: &[u8], key: &DataKey) -> Result<Vec<u8>> {
        seal_with(&self.0, context, key.bytes())
    }
    /// Unwraps a stored data key.
    pub fn unwrap_key(&self, context: &[u8], wrapped: &[u8]) -> Result<DataKey> {
        DataKey::from_bytes(&open_with(&self.0, context, wrapped)?)
    }
}

/// The keyed hash by which a visitor is recognised (HMAC-SHA256 under the office's lookup key,
/// truncated to [`HASH_LEN`]); `kind` separates phone from NIK hashes.
pub fn lookup_hash(office_key: &[u8], kind: &str, value: &str) -> Vec<u8> {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, office_key);
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(kind.as_bytes());
    ctx.update(&[0]);
    ctx.update(value.as_bytes());
    ctx.sign().as_ref()[..HASH_LEN].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_tamper() {
        let key = DataKey::generate().expect("rng");
        let sealed = key.seal(b"visitor-1", b"Siti Rahma").expect("seal");
        assert!(!sealed.windows(4).any(|w| w == b"Siti"), "ciphertext hides the plaintext");
        assert_eq!(key.open(b"visitor-1", &sealed).expect("open"), b"Siti Rahma");
        assert!(key.open(b"visitor-2", &sealed).is_err(), "bound to its visitor");
        let mut bad = sealed.clone();
        bad[20] ^= 1;
        assert!(key.open(b"visitor-1", &bad).is_err());
        assert!(DataKey::generate().expect("rng").open(b"visitor-1", &sealed).is_err());
    }

    #[test]
    fn master_key_file_is_private_and_stable() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("secret.key");
        let a = MasterKey::load_or_create(&path).expect("create");
        let b = MasterKey::load_or_create(&path).expect("load");
        let k = DataKey::generate().expect("rng");
        let wrapped = a.wrap(b"v", &k).expect("wrap");
        assert_eq!(b.unwrap_key(b"v", &wrapped).expect("unwrap"), k);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o077, 0, "no access for group or others");
        }
    }

    #[test]
    fn lookup_hash_is_keyed() {
        let h1 = lookup_hash(b"office-a", "phone", "+6281234567890");
        assert_eq!(h1.len(), HASH_LEN);
        assert_eq!(h1, lookup_hash(b"office-a", "phone", "+6281234567890"));
        assert_ne!(h1, lookup_hash(b"office-b", "phone", "+6281234567890"));
        assert_ne!(h1, lookup_hash(b"office-a", "nik", "+6281234567890"));
    }
}
