//! The office: its identity, settings, member PCs and holidays.

use serde::{Deserialize, Serialize};

use super::calendar::Holiday;
use super::matrix::RiskMatrix;
use super::Millis;
use crate::ids::OfficeId;

/// The default time zone of Kutai Barat (WITA).
pub const DEFAULT_TIMEZONE: &str = "Asia/Makassar";

/// A PC that belongs to the office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The node id (derived from its public key), as text.
    pub node_id: String,
    /// The device's name ("PC Loket 1").
    pub name: String,
    /// The short per-office device code used in ticket numbers.
    pub device_code: String,
    /// The public key (SubjectPublicKeyInfo DER), hex.
    pub public_key: String,
    /// The node id of the member that invited it (none for the founding PC).
    pub invited_by: Option<String>,
    /// When it joined.
    pub added_at: Millis,
    /// When it was removed, if it was.
    pub removed_at: Option<Millis>,
    /// Last known addresses (host:port) for reaching it.
    pub addresses: Vec<String>,
}

impl Member {
    /// Whether the member is current.
    pub fn is_active(&self) -> bool {
        self.removed_at.is_none()
    }
}

/// The office document as the domain sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Office {
    /// Its id.
    pub id: OfficeId,
    /// "Bagian Pengadaan Barang/Jasa".
    pub name: String,
    /// "Sekretariat Daerah Kabupaten Kutai Barat".
    pub unit: Option<String>,
    /// Postal address for the letterhead.
    pub address: Option<String>,
    /// IANA time zone, default Asia/Makassar.
    pub timezone: String,
    /// Member PCs.
    pub members: Vec<Member>,
    /// Non-working days.
    pub holidays: Vec<Holiday>,
    /// The risk matrix in force.
    pub matrix: RiskMatrix,
}

impl Office {
    /// The time zone, falling back to WITA if the stored name is unknown.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Asia::Makassar)
    }
    /// The member with this node id.
    pub fn member(&self, node_id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.node_id == node_id)
    }
}
