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
    /// Concurrent values.
    pub conflicts: Vec<Conflict>,
}
