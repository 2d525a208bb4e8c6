//! A staff member (*pegawai*).

use serde::Serialize;

use super::codes::StaffRole;
use super::identity_numbers::Nip;
use super::session::{Conflict, Stamp};

/// A staff member as read from their document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Staff {
    /// NIP, the key.
    pub nip: Nip,
    /// Full name (staff names are public official data, not visitor personal data).
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Role in AMER.
    pub role: StaffRole,
    /// Whether they may be assigned and act.
    pub active: bool,
    /// Who added them.
    pub created: Stamp,
    /// Whether a PIN is set (for signing in to the front desk); the hash itself is never read
    /// out of the store.
    pub has_pin: bool,
    /// Concurrent values.
    pub conflicts: Vec<Conflict>,
}

/// PIN hashing: PBKDF2-HMAC-SHA256 with a random 16-byte salt per PIN, so the stored record
/// (which reaches every PC) does not give the PIN away cheaply.
pub mod pin {
    use std::num::NonZeroU32;

    use ring::rand::SecureRandom;

    use crate::{Error, Result};

    /// The algorithm name stored beside the hash.
    pub const ALGORITHM: &str = "pbkdf2-sha256";
    /// Iterations for new PINs.
    pub const ITERATIONS: u32 = 100_000;
    const SALT_LEN: usize = 16;
    const HASH_LEN: usize = 32;

    /// A stored PIN hash.
    #[derive(Clone, PartialEq, Eq)]
    pub struct PinHash {
        /// Algorithm name ([`ALGORITHM`]).
        pub algorithm: String,
        /// PBKDF2 iterations.
        pub iterations: u32,
        /// Random salt.
        pub salt: Vec<u8>,
        /// Derived key.
        pub hash: Vec<u8>,
    }

    impl std::fmt::Debug for PinHash {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "PinHash({}, {} iterations)", self.algorithm, self.iterations)
        }
    }

    /// Checks the form of a PIN: 4 to 12 digits.
    pub fn validate(pin: &str) -> Result<()> {
        if !(4..=12).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid("PIN", "a PIN has 4 to 12 digits"));
        }
        Ok(())
    }

    /// Hashes a valid PIN with a fresh salt.
    pub fn hash(pin: &str) -> Result<PinHash> {
        validate(pin)?;
        let mut salt = vec![0u8; SALT_LEN];
        ring::rand::SystemRandom::new().fill(&mut salt).map_err(|_| Error::Crypto("no random numbers"))?;
        let mut out = vec![0u8; HASH_LEN];
        let iterations = NonZeroU32::new(ITERATIONS).ok_or(Error::Crypto("bad iteration count"))?;
        ring::pbkdf2::derive(ring::pbkdf2::PBKDF2_HMAC_SHA256, iterations, &salt, pin.as_bytes(), &mut out);
        Ok(PinHash { algorithm: ALGORITHM.into(), iterations: ITERATIONS, salt, hash: out })
    }

    /// Whether `pin` matches (constant-time comparison).
    pub fn verify(stored: &PinHash, pin: &str) -> bool {
        let Some(iterations) = NonZeroU32::new(stored.iterations) else { return false };
        stored.algorithm == ALGORITHM
            && ring::pbkdf2::verify(
                ring::pbkdf2::PBKDF2_HMAC_SHA256,
                iterations,
                &stored.salt,
                pin.as_bytes(),
                &stored.hash,
            )
            .is_ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn hash_and_verify() {
            let h = hash("482913").expect("hash");
            assert!(verify(&h, "482913"));
            assert!(!verify(&h, "482914"));
            assert_ne!(h.salt, hash("482913").expect("hash").salt, "every PIN gets its own salt");
            assert!(validate("12a4").is_err());
            assert!(validate("123").is_err());
            assert!(validate("1234567890123").is_err());
            assert!(!format!("{h:?}").contains(&format!("{:?}", h.hash)));
        }
    }
}
