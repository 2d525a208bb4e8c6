//! The domain model: plain types and the rules they obey. No Automerge, no SQL here.

pub mod calendar;
pub mod codes;
pub mod identity_numbers;
pub mod matrix;
pub mod office;
pub mod risk;
pub mod satisfaction;
pub mod session;
pub mod staff;

pub use calendar::{Holiday, HolidayKind, HolidayTable, ObjectionDeadlines};
pub use codes::*;
pub use identity_numbers::{mask_nik, Nik, Nip, Phone};
pub use matrix::RiskMatrix;
pub use office::{Member, Office};
pub use risk::{Assessment, Monitoring, Risk, Treatment};
pub use satisfaction::{ikm_from_mean, IkmGrade};
pub use session::{
    Assignment, Cancellation, Conflict, ConflictValue, Finish, FollowUp, Objection, Package, PersonalFields,
    Rating, Session, Stamp, Timing, TimingFigure, VisitorPersonal, VisitorView,
};
pub use session::{ERASED_TEXT, PENDING_TEXT};
pub use staff::Staff;

/// Milliseconds since the Unix epoch, UTC: how instants are stored in documents.
pub type Millis = i64;

/// The current instant in milliseconds.
pub fn now_millis() -> Millis {
    chrono::Utc::now().timestamp_millis()
}

/// Trims a free-text field and refuses it when it is empty or longer than `max` characters.
pub fn required_text(field: &'static str, value: &str, max: usize) -> crate::Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(crate::Error::invalid(field, "must not be empty"));
    }
    optional_text(field, v, max).map(|o| o.unwrap_or_default())
}

/// Trims an optional free-text field: empty becomes `None`; over `max` characters is refused.
pub fn optional_text(field: &'static str, value: &str, max: usize) -> crate::Result<Option<String>> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(crate::Error::invalid(field, format!("is longer than {max} characters")));
    }
    if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(crate::Error::invalid(field, "contains control characters"));
    }
    Ok(if v.is_empty() { None } else { Some(v.to_string()) })
}
