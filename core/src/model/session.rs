//! The service session (*layanan*): the main record, as the domain sees it once read from its
//! document. Its status and durations are derived from recorded facts, never stored.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::codes::*;
use super::Millis;
use crate::ids::{SessionId, VisitorId};

/// Who recorded a fact, on which device, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// When, in milliseconds since the epoch (UTC).
    pub at: Millis,
    /// The NIP of the staff member who acted, if one did (a visitor at a kiosk has none).
    pub by: Option<String>,
    /// The device code of the PC that recorded it.
    pub device: String,
}

/// A procurement package a session or risk concerns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// RUP or tender code.
    pub code: Option<String>,
    /// Package name.
    pub name: Option<String>,
    /// The agency (OPD).
    pub opd: Option<String>,
    /// Budget year.
    pub year: Option<i32>,
    /// Package type.
    pub kind: Option<PackageType>,
    /// Procurement method.
    pub method: Option<Method>,
    /// Ceiling (pagu) or owner's estimate (HPS), in rupiah.
    pub value: Option<i64>,
}

impl Package {
    /// Whether nothing is known about the package.
    pub fn is_empty(&self) -> bool {
        *self == Package::default()
    }
}

/// The officer's assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The officer's NIP.
    pub officer: String,
    /// Who assigned, when, where.
    pub stamp: Stamp,
}

/// A referral or follow-up of a finished session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    /// Where it was referred to, if anywhere.
    pub target: Option<ReferralTarget>,
    /// A tracking number (e.g. SP4N-LAPOR!).
    pub tracking: Option<String>,
    /// Free text.
    pub note: Option<String>,
}

/// The end of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finish {
    /// The officer's recommendation.
    pub recommendation: Option<String>,
    /// Follow-up or referral.
    pub follow_up: Option<FollowUp>,
    /// Who finished, when, where.
    pub stamp: Stamp,
}

/// The visitor's rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// 1..5.
    pub score: Score,
    /// The visitor's comment.
    pub comment: Option<String>,
    /// Whether the visitor signed the paper form.
    pub signed: bool,
    /// When it was entered, by whom, where.
    pub stamp: Stamp,
}

/// A cancellation (the visitor left).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cancellation {
    /// Why.
    pub reason: String,
    /// Who cancelled, when, where.
    pub stamp: Stamp,
}

/// The objection detail of a *sanggahan* session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    /// How the walk-in objection relates to SPSE.
    pub mode: Option<ObjectionMode>,
    /// The tender result announcement.
    pub announced_on: Option<NaiveDate>,
    /// When the objection was filed.
    pub filed_on: Option<NaiveDate>,
    /// Filed through SPSE.
    pub via_spse: bool,
    /// Grounds.
    pub grounds: Vec<ObjectionGround>,
    /// When the pokja answered.
    pub answered_on: Option<NaiveDate>,
    /// Outcome.
    pub outcome: Option<ObjectionOutcome>,
}

/// One value of a field that two PCs wrote concurrently.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictValue {
    /// The value as JSON.
    pub value: serde_json::Value,
    /// Who wrote it, on which device, when (when the value carries a stamp).
    pub stamp: Option<Stamp>,
}

/// A field with concurrent values: every replica shows the same winner, and the losers are kept
/// until someone writes the field again.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// The field ("assignment", "rating"...).
    pub field: String,
    /// The value every replica shows.
    pub winner: ConflictValue,
    /// The values that lost.
    pub others: Vec<ConflictValue>,
}

/// A personal field as this PC can show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "value", rename_all = "snake_case")]
pub enum VisitorPersonal {
    /// Readable.
    Known(Box<PersonalFields>),
    /// The visitor's key has not reached this PC yet ("menunggu sinkronisasi").
    Pending,
    /// The visitor's data was erased ("[dihapus]").
    Erased,
}

/// A visitor's personal fields (UU 27/2022): only ever stored encrypted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalFields {
    /// Full name.
    pub name: String,
    /// Phone, E.164.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// NIK, 16 digits (never shown unmasked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nik: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Postal address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// The visitor of a session as shown on screens and printouts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VisitorView {
    /// The visitor's id (the same on every visit recognised by phone or NIK).
    pub id: VisitorId,
    /// Organisation (not personal data).
    pub org: Option<String>,
    /// Role in procurement.
    pub role: Option<VisitorRole>,
    /// Personal fields, or why they cannot be shown.
    pub personal: VisitorPersonal,
}

impl VisitorView {
    /// Text shown for a personal field: the value, "[dihapus]" or "menunggu sinkronisasi".
    pub fn show(&self, pick: impl Fn(&PersonalFields) -> Option<String>) -> Option<String> {
        match &self.personal {
            VisitorPersonal::Known(p) => pick(p),
            VisitorPersonal::Pending => Some(PENDING_TEXT.to_string()),
            VisitorPersonal::Erased => Some(ERASED_TEXT.to_string()),
        }
    }
    /// The name as shown.
    pub fn name(&self) -> String {
        self.show(|p| Some(p.name.clone())).unwrap_or_default()
    }
    /// The phone as shown.
    pub fn phone(&self) -> Option<String> {
        self.show(|p| p.phone.clone())
    }
    /// The NIK, masked, as shown.
    pub fn nik_masked(&self) -> Option<String> {
        self.show(|p| p.nik.as_deref().map(super::mask_nik))
    }
}

/// Shown where personal data was erased.
pub const ERASED_TEXT: &str = "[dihapus]";
/// Shown where the key of personal data has not arrived yet.
pub const PENDING_TEXT: &str = "menunggu sinkronisasi";

/// A service session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// Document schema version it was written with.
    pub schema: i64,
    /// The ticket number printed on paper.
    pub ticket: String,
    /// Konsultasi, pengaduan or sanggahan.
    pub category: Category,
    /// How the visitor came.
    pub channel: Channel,
    /// The visitor (personal data resolved by the store).
    pub visitor: VisitorView,
    /// The package, if any.
    pub package: Option<Package>,
    /// Procurement stage.
    pub stage: Option<Stage>,
    /// Short topic.
    pub subject: String,
    /// What the visitor wants to discuss.
    pub description: Option<String>,
    /// Objection detail for sanggahan.
    pub objection: Option<Objection>,
    /// Registration (arrival).
    pub registered: Stamp,
    /// The assignment, if any.
    pub assignment: Option<Assignment>,
    /// Start of service.
    pub started: Option<Stamp>,
    /// End of service.
    pub finish: Option<Finish>,
    /// The visitor's rating.
    pub rating: Option<Rating>,
    /// Cancellation.
    pub cancellation: Option<Cancellation>,
    /// The officer's notes (merged text).
    pub notes: String,
    /// When the visitor's personal data was erased, by whom, under which request.
    pub erasure: Option<(Stamp, String)>,
    /// Fields with concurrent values.
    pub conflicts: Vec<Conflict>,
}

/// A waiting time or duration: a number of seconds, or a flag when the clocks disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimingFigure {
    /// Not applicable yet.
    Unknown,
    /// A plausible value.
    Seconds(i64),
    /// End before start: two PCs' clocks disagree.
    Negative,
    /// Longer than a working day: probably a clock error or a forgotten "finish".
    Absurd,
}

impl TimingFigure {
    /// More than this is flagged as absurd (12 hours).
    pub const ABSURD_SECONDS: i64 = 12 * 3600;

    fn between(from: Option<Millis>, to: Option<Millis>) -> TimingFigure {
        match (from, to) {
            (Some(a), Some(b)) => {
                let s = (b - a).div_euclid(1000);
                if b < a {
                    TimingFigure::Negative
                } else if s > Self::ABSURD_SECONDS {
                    TimingFigure::Absurd
                } else {
                    TimingFigure::Seconds(s)
                }
            }
            _ => TimingFigure::Unknown,
        }
    }
    /// The seconds, when plausible.
    pub fn seconds(self) -> Option<i64> {
        match self {
            TimingFigure::Seconds(s) => Some(s),
            _ => None,
        }
    }
    /// A short flag code for projections and JSON (`negative`, `absurd`), or `None`.
    pub fn flag(self) -> Option<&'static str> {
        match self {
            TimingFigure::Negative => Some("negative"),
            TimingFigure::Absurd => Some("absurd"),
            _ => None,
        }
    }
    /// Human text in Indonesian: "1 jam 5 menit", or the warning.
    pub fn text_id(self) -> String {
        match self {
            TimingFigure::Unknown => "-".into(),
            TimingFigure::Seconds(s) => format_duration_id(s),
            TimingFigure::Negative => "PERIKSA: jam komputer tidak sesuai (waktu negatif)".into(),
            TimingFigure::Absurd => {
                "PERIKSA: lebih dari 12 jam (jam komputer atau belum diselesaikan)".into()
            }
        }
    }
}

/// "2 jam 5 menit", "12 menit", "40 detik".
pub fn format_duration_id(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s} detik"),
        (0, m) => format!("{m} menit"),
        (h, 0) => format!("{h} jam"),
        (h, m) => format!("{h} jam {m} menit"),
    }
}

/// Waiting time and service duration of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Timing {
    /// started − arrived.
    pub waiting: TimingFigure,
    /// finished − started.
    pub duration: TimingFigure,
}

impl Session {
    /// The status, derived from the recorded facts.
    pub fn status(&self) -> SessionStatus {
        if self.rating.is_some() {
            SessionStatus::Rated
        } else if self.finish.is_some() {
            SessionStatus::Finished
        } else if self.cancellation.is_some() {
            SessionStatus::Cancelled
        } else if self.started.is_some() {
            SessionStatus::InService
        } else if self.assignment.is_some() {
            SessionStatus::Assigned
        } else {
            SessionStatus::Registered
        }
    }
    /// Waiting time and service duration.
    pub fn timing(&self) -> Timing {
        let started = self.started.as_ref().map(|s| s.at);
        Timing {
            waiting: TimingFigure::between(Some(self.registered.at), started),
            duration: TimingFigure::between(started, self.finish.as_ref().map(|f| f.stamp.at)),
        }
    }
    /// Checks the facts against the lifecycle rules; a merged document can break them (e.g. a
    /// rating without a finish). Returns the reason when invalid.
    pub fn validate(&self) -> Option<String> {
        if self.subject.trim().is_empty() {
            return Some("the subject is empty".into());
        }
        if self.started.is_some() && self.assignment.is_none() {
            return Some("service started without an assigned officer".into());
        }
        if self.finish.is_some() && self.started.is_none() {
            return Some("service finished without a start".into());
        }
        if self.rating.is_some() && self.finish.is_none() {
            return Some("rated before the service was finished".into());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_flags() {
        assert_eq!(TimingFigure::between(Some(0), Some(90_000)), TimingFigure::Seconds(90));
        assert_eq!(TimingFigure::between(Some(90_000), Some(0)), TimingFigure::Negative);
        assert_eq!(TimingFigure::between(Some(0), Some(13 * 3_600_000)), TimingFigure::Absurd);
        assert_eq!(TimingFigure::between(Some(0), None), TimingFigure::Unknown);
        assert_eq!(format_duration_id(3900), "1 jam 5 menit");
        assert_eq!(format_duration_id(720), "12 menit");
        assert!(TimingFigure::Negative.text_id().starts_with("PERIKSA"));
    }
}
