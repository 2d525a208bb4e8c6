//! Personal data protection (UU 27/2022): visitor fields are sealed under a per-visitor data key
//! that lives outside the CRDT history, so deleting the key erases the data on every PC, in every
//! old document version and backup. Visitors are recognised again by a keyed hash, never by the
//! plain phone or NIK.

mod vault;

pub use vault::{lookup_hash, DataKey, MasterKey, HASH_LEN};
