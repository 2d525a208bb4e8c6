//! The records that cross the boundary: what the store returns (sessions, staff, risks,
//! visitors, the office) and what it takes (a registration, a new risk, a list filter).
//!
//! They mirror `amer_core`'s types with three translations:
//! - instants are `SystemTime` (Python `datetime`, Kotlin `java.time.Instant`, Swift `Date`);
//! - calendar dates (a filter's first and last day, a treatment's due date, holidays) are ISO
//!   strings `YYYY-MM-DD` in the office's time zone, because no foreign type fits all three
//!   languages and a date is not an instant;
//! - every enum field that people read comes with a `*_label` [`Label`] (code, Indonesian and
//!   English), so a list can be shown without a second lookup.
//!
//! A visitor's personal data leaves the library only as the PC can show it: a name, phone,
//! e-mail and address when the key is here, "[dihapus]" once erased, "menunggu sinkronisasi"
//! while the key has not arrived; a NIK only masked (6407********0001), except in
//! [`VisitorExport`], which is the visitor's own copy of their data.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use amer_core::model::{self as m, Coded, OneToFive};
use amer_core::store as s;
use chrono::NaiveDate;

use crate::codes::*;
use crate::error::{ApiError, ApiResult};

// ---------------------------------------------------------------------------------------------
// Conversions

/// Milliseconds since the epoch (how the core stores instants) as a `SystemTime`.
pub(crate) fn instant(ms: m::Millis) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

/// A `SystemTime` as milliseconds since the epoch.
pub(crate) fn millis(t: SystemTime) -> m::Millis {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// Parses an ISO date `YYYY-MM-DD`.
pub(crate) fn parse_date(field: &str, text: &str) -> ApiResult<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, "is not a date written as YYYY-MM-DD (e.g. 2026-03-31)"))
}

/// Parses an optional ISO date; an empty string counts as none.
pub(crate) fn parse_opt_date(field: &str, text: Option<&str>) -> ApiResult<Option<NaiveDate>> {
    text.filter(|t| !t.trim().is_empty()).map(|t| parse_date(field, t)).transpose()
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

// ---------------------------------------------------------------------------------------------
// The office and this node

/// What `init` needs on the founding PC.
#[derive(Debug, Clone, uniffi::Record)]
pub struct InitOptions {
    /// The office's name ("Bagian Pengadaan Barang/Jasa").
    pub office_name: String,
    /// This PC's name ("PC Loket 1").
    pub device_name: String,
    /// IANA time zone; none means Asia/Makassar (WITA).
    #[uniffi(default)]
    pub timezone: Option<String>,
}

/// What joining an existing office records (given by the inviting PC; the sync node's invite
/// flow fills it in).
#[derive(Debug, Clone, uniffi::Record)]
pub struct JoinOptions {
    /// The office id.
    pub office_id: String,
    /// The device code the inviter allotted to this PC.
    pub device_code: String,
    /// This node's id.
    pub node_id: String,
    /// This PC's name.
    pub device_name: String,
}

/// This node's identity within its office.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LocalInfo {
    /// The node id.
    pub node_id: String,
    /// The short device code used in ticket numbers ("A", "A1").
    pub device_code: String,
    /// The office id.
    pub office_id: String,
    /// This PC's name.
    pub device_name: String,
}

impl From<s::LocalInfo> for LocalInfo {
    fn from(l: s::LocalInfo) -> Self {
        LocalInfo {
            node_id: l.node_id,
            device_code: l.device_code,
            office_id: l.office_id.to_text(),
            device_name: l.device_name,
        }
    }
}

/// A PC that belongs to the office.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Member {
    /// Its node id.
    pub node_id: String,
    /// Its name.
    pub name: String,
    /// Its device code.
    pub device_code: String,
    /// The node that invited it (none for the founding PC).
    pub invited_by: Option<String>,
    /// When it joined.
    pub added_at: SystemTime,
    /// When it was removed, if it was.
    pub removed_at: Option<SystemTime>,
    /// Whether it is a current member.
    pub active: bool,
}

/// The office as this PC knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Office {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The unit above it, for the letterhead.
    pub unit: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// IANA time zone of every date shown and printed.
    pub timezone: String,
    /// Member PCs (including removed ones).
    pub members: Vec<Member>,
}

impl From<m::Office> for Office {
    fn from(o: m::Office) -> Self {
        Office {
            id: o.id.to_text(),
            name: o.name,
            unit: o.unit,
            address: o.address,
            timezone: o.timezone,
            members: o
                .members
                .into_iter()
                .map(|mb| Member {
                    active: mb.is_active(),
                    node_id: mb.node_id,
                    name: mb.name,
                    device_code: mb.device_code,
                    invited_by: mb.invited_by,
                    added_at: instant(mb.added_at),
                    removed_at: mb.removed_at.map(instant),
                })
                .collect(),
        }
    }
}

/// The kind of a non-working day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HolidayKind {
    /// A national public holiday (libur nasional).
    LiburNasional,
    /// A collective leave day for civil servants (cuti bersama).
    CutiBersama,
}

/// A non-working day besides weekends.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Holiday {
    /// The date, `YYYY-MM-DD`.
    pub date: String,
    /// Its kind.
    pub kind: HolidayKind,
    /// Its Indonesian name.
    pub name: String,
}

impl From<&m::Holiday> for Holiday {
    fn from(h: &m::Holiday) -> Self {
        Holiday {
            date: date_text(h.date),
            kind: match h.kind {
                m::HolidayKind::LiburNasional => HolidayKind::LiburNasional,
                m::HolidayKind::CutiBersama => HolidayKind::CutiBersama,
            },
            name: h.name.clone(),
        }
    }
}

impl HolidayKind {
    pub(crate) fn to_core(self) -> m::HolidayKind {
        match self {
            HolidayKind::LiburNasional => m::HolidayKind::LiburNasional,
            HolidayKind::CutiBersama => m::HolidayKind::CutiBersama,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared parts

/// Who recorded a fact, on which PC, and when.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Stamp {
    /// When.
    pub at: SystemTime,
    /// The NIP of the staff member who acted; none for an action of the PC itself (a visitor
    /// registering at a kiosk).
    pub by: Option<String>,
    /// The device code of the PC.
    pub device: String,
}

impl From<m::Stamp> for Stamp {
    fn from(s: m::Stamp) -> Self {
        Stamp { at: instant(s.at), by: s.by, device: s.device }
    }
}

/// One value of a field that two PCs wrote at the same time.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConflictValue {
    /// The value as JSON text.
    pub value_json: String,
    /// Who wrote it, where, when (when the value carries a stamp).
    pub stamp: Option<Stamp>,
}

/// A field with concurrent values: every PC shows the same winner; the others are kept until
/// someone writes the field again.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Conflict {
    /// The field ("assignment", "rating"...).
    pub field: String,
    /// The value every PC shows.
    pub winner: ConflictValue,
    /// The values that lost.
    pub others: Vec<ConflictValue>,
}

impl From<m::ConflictValue> for ConflictValue {
    fn from(v: m::ConflictValue) -> Self {
        ConflictValue { value_json: v.value.to_string(), stamp: v.stamp.map(Stamp::from) }
    }
}

impl From<m::Conflict> for Conflict {
    fn from(c: m::Conflict) -> Self {
        Conflict {
            field: c.field,
            winner: c.winner.into(),
            others: c.others.into_iter().map(ConflictValue::from).collect(),
        }
    }
}

/// A procurement package a session or risk concerns (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct Package {
    /// RUP or tender code.
    #[uniffi(default)]
    pub code: Option<String>,
    /// Package name.
    #[uniffi(default)]
    pub name: Option<String>,
    /// The agency (OPD).
    #[uniffi(default)]
    pub opd: Option<String>,
    /// Budget year.
    #[uniffi(default)]
    pub year: Option<i32>,
    /// Package type.
    #[uniffi(default)]
    pub kind: Option<PackageType>,
    /// Procurement method.
    #[uniffi(default)]
    pub method: Option<Method>,
    /// Ceiling (pagu) or owner's estimate (HPS), in rupiah.
    #[uniffi(default)]
    pub value: Option<i64>,
}

impl From<m::Package> for Package {
    fn from(p: m::Package) -> Self {
        Package {
            code: p.code,
            name: p.name,
            opd: p.opd,
            year: p.year,
            kind: p.kind.map(PackageType::from),
            method: p.method.map(Method::from),
            value: p.value,
        }
    }
}

impl From<Package> for m::Package {
    fn from(p: Package) -> Self {
        m::Package {
            code: p.code,
            name: p.name,
            opd: p.opd,
            year: p.year,
            kind: p.kind.map(Into::into),
            method: p.method.map(Into::into),
            value: p.value,
        }
    }
}

/// The objection detail of a *sanggahan* session.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct Objection {
    /// How the walk-in objection relates to SPSE.
    #[uniffi(default)]
    pub mode: Option<ObjectionMode>,
    /// The tender result announcement, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub announced_on: Option<String>,
    /// When the objection was filed, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub filed_on: Option<String>,
    /// Filed through SPSE.
    #[uniffi(default)]
    pub via_spse: bool,
    /// Grounds.
    #[uniffi(default)]
    pub grounds: Vec<ObjectionGround>,
    /// When the pokja answered, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub answered_on: Option<String>,
    /// Outcome.
    #[uniffi(default)]
    pub outcome: Option<ObjectionOutcome>,
}

impl From<m::Objection> for Objection {
    fn from(o: m::Objection) -> Self {
        Objection {
            mode: o.mode.map(Into::into),
            announced_on: o.announced_on.map(date_text),
            filed_on: o.filed_on.map(date_text),
            via_spse: o.via_spse,
            grounds: o.grounds.into_iter().map(Into::into).collect(),
            answered_on: o.answered_on.map(date_text),
            outcome: o.outcome.map(Into::into),
        }
    }
}

impl Objection {
    pub(crate) fn to_core(&self) -> ApiResult<m::Objection> {
        Ok(m::Objection {
            mode: self.mode.map(Into::into),
            announced_on: parse_opt_date("announcement date", self.announced_on.as_deref())?,
            filed_on: parse_opt_date("filing date", self.filed_on.as_deref())?,
            via_spse: self.via_spse,
            grounds: self.grounds.iter().map(|g| (*g).into()).collect(),
            answered_on: parse_opt_date("answer date", self.answered_on.as_deref())?,
            outcome: self.outcome.map(Into::into),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Staff

/// A new staff member.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewStaff {
    /// NIP, 18 digits (spaces allowed).
    pub nip: String,
    /// Full name.
    pub name: String,
    /// Role.
    pub role: StaffRole,
    /// Job title.
    #[uniffi(default)]
    pub title: Option<String>,
}

/// Changes to a staff member; a field left as none stays as it is.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct StaffChanges {
    /// New name.
    #[uniffi(default)]
    pub name: Option<String>,
    /// New job title; an empty string removes it.
    #[uniffi(default)]
    pub title: Option<String>,
    /// New role.
    #[uniffi(default)]
    pub role: Option<StaffRole>,
    /// Active (may be assigned and act) or not.
    #[uniffi(default)]
    pub active: Option<bool>,
}

/// A staff member.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Staff {
    /// NIP.
    pub nip: String,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Role.
    pub role: StaffRole,
    /// Role's code and labels.
    pub role_label: Label,
    /// Whether they may be assigned and act.
    pub active: bool,
    /// Who added them, where, when.
    pub created: Stamp,
    /// Fields with concurrent values.
    pub conflicts: Vec<Conflict>,
}

impl From<m::Staff> for Staff {
    fn from(st: m::Staff) -> Self {
        let role = StaffRole::from(st.role);
        Staff {
            nip: st.nip.to_string(),
            name: st.name,
            title: st.title,
            role,
            role_label: role.label(),
            active: st.active,
            created: st.created.into(),
            conflicts: st.conflicts.into_iter().map(Conflict::from).collect(),
        }
    }
}

/// A staff member as listed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StaffRow {
    /// NIP.
    pub nip: String,
    /// Name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Role.
    pub role: StaffRole,
    /// Role's code and labels.
    pub role_label: Label,
    /// Active.
    pub active: bool,
    /// Number of fields with concurrent values.
    pub conflicts: i64,
}

impl From<s::StaffRow> for StaffRow {
    fn from(r: s::StaffRow) -> Self {
        let role = StaffRole::from(r.role);
        StaffRow {
            nip: r.nip,
            name: r.name,
            title: r.title,
            role,
            role_label: role.label(),
            active: r.active,
            conflicts: r.conflicts,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions

/// The visitor's details as typed at registration. A returning visitor is recognised by their
/// phone or NIK (through keyed hashes; the values themselves are stored only encrypted).
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct VisitorInput {
    /// Full name (required).
    pub name: String,
    /// Organisation (company, agency).
    #[uniffi(default)]
    pub org: Option<String>,
    /// Role in procurement.
    #[uniffi(default)]
    pub role: Option<VisitorRole>,
    /// Phone, 08… or +628….
    #[uniffi(default)]
    pub phone: Option<String>,
    /// NIK, 16 digits; only where needed.
    #[uniffi(default)]
    pub nik: Option<String>,
    /// E-mail.
    #[uniffi(default)]
    pub email: Option<String>,
    /// Postal address.
    #[uniffi(default)]
    pub address: Option<String>,
}

/// A registration: a visitor arrives and says what they want to discuss.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewSession {
    /// Konsultasi, pengaduan or sanggahan.
    pub category: Category,
    /// The visitor.
    pub visitor: VisitorInput,
    /// Short topic (required).
    pub subject: String,
    /// What the visitor wants to discuss.
    #[uniffi(default)]
    pub description: Option<String>,
    /// How the visitor came; none means walk-in (tatap muka).
    #[uniffi(default)]
    pub channel: Option<Channel>,
    /// The package concerned, if any.
    #[uniffi(default)]
    pub package: Option<Package>,
    /// The procurement stage.
    #[uniffi(default)]
    pub stage: Option<Stage>,
    /// Objection detail (sanggahan only).
    #[uniffi(default)]
    pub objection: Option<Objection>,
    /// Arrival time when entered later from a paper form; none means now.
    #[uniffi(default)]
    pub arrived_at: Option<SystemTime>,
}

impl NewSession {
    pub(crate) fn to_core(&self) -> ApiResult<s::NewSession> {
        let v = &self.visitor;
        Ok(s::NewSession {
            category: m::Category::from(self.category).code().into(),
            channel: self.channel.map(|c| m::Channel::from(c).code().to_string()),
            visitor: s::VisitorInput {
                name: v.name.clone(),
                org: v.org.clone(),
                role: v.role.map(|r| m::VisitorRole::from(r).code().to_string()),
                phone: v.phone.clone(),
                nik: v.nik.clone(),
                email: v.email.clone(),
                address: v.address.clone(),
            },
            subject: self.subject.clone(),
            description: self.description.clone(),
            package: self.package.clone().map(Into::into),
            stage: self.stage.map(|st| m::Stage::from(st).code().to_string()),
            objection: self.objection.as_ref().map(Objection::to_core).transpose()?,
            arrived_at: self.arrived_at.map(millis),
        })
    }
}

/// What registration returns.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Registered {
    /// The session id.
    pub id: String,
    /// The ticket number printed on the intake form ("K-260311-A-001").
    pub ticket: String,
    /// The visitor's id (the same for a recognised returning visitor).
    pub visitor_id: String,
}

impl From<s::Registered> for Registered {
    fn from(r: s::Registered) -> Self {
        Registered { id: r.id.to_text(), ticket: r.ticket, visitor_id: r.visitor_id.to_text() }
    }
}

/// Whether this PC can show a visitor's personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum VisitorDataState {
    /// Readable here.
    Known,
    /// The visitor's key has not reached this PC yet: "menunggu sinkronisasi".
    Pending,
    /// The visitor's data was erased: "[dihapus]".
    Erased,
}

/// The visitor of a session as shown on screens.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Visitor {
    /// The visitor's id.
    pub id: String,
    /// Whether the personal fields below are readable.
    pub state: VisitorDataState,
    /// The name, or "[dihapus]", or "menunggu sinkronisasi".
    pub name: String,
    /// Organisation (not personal data; kept after erasure).
    pub org: Option<String>,
    /// Role in procurement.
    pub role: Option<VisitorRole>,
    /// Role's code and labels.
    pub role_label: Option<Label>,
    /// Phone as shown.
    pub phone: Option<String>,
    /// NIK, masked (6407********0001).
    pub nik_masked: Option<String>,
    /// E-mail as shown.
    pub email: Option<String>,
    /// Address as shown.
    pub address: Option<String>,
}

impl From<m::VisitorView> for Visitor {
    fn from(v: m::VisitorView) -> Self {
        let state = match v.personal {
            m::VisitorPersonal::Known(_) => VisitorDataState::Known,
            m::VisitorPersonal::Pending => VisitorDataState::Pending,
            m::VisitorPersonal::Erased => VisitorDataState::Erased,
        };
        let role = v.role.map(VisitorRole::from);
        Visitor {
            id: v.id.to_text(),
            state,
            name: v.name(),
            org: v.org.clone(),
            role,
            role_label: role.map(VisitorRole::label),
            phone: v.phone(),
            nik_masked: v.nik_masked(),
            email: v.show(|p| p.email.clone()),
            address: v.show(|p| p.address.clone()),
        }
    }
}

/// The officer's assignment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Assignment {
    /// The officer's NIP.
    pub officer_nip: String,
    /// Who assigned, where, when.
    pub stamp: Stamp,
}

/// A referral or follow-up of a finished session.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct FollowUp {
    /// Where it was referred to.
    #[uniffi(default)]
    pub target: Option<ReferralTarget>,
    /// A tracking number (e.g. SP4N-LAPOR!).
    #[uniffi(default)]
    pub tracking: Option<String>,
    /// Free text.
    #[uniffi(default)]
    pub note: Option<String>,
}

impl From<m::FollowUp> for FollowUp {
    fn from(f: m::FollowUp) -> Self {
        FollowUp { target: f.target.map(Into::into), tracking: f.tracking, note: f.note }
    }
}

impl From<FollowUp> for m::FollowUp {
    fn from(f: FollowUp) -> Self {
        m::FollowUp { target: f.target.map(Into::into), tracking: f.tracking, note: f.note }
    }
}

/// The end of the service.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Finish {
    /// The officer's recommendation.
    pub recommendation: Option<String>,
    /// Follow-up or referral.
    pub follow_up: Option<FollowUp>,
    /// Who finished, where, when.
    pub stamp: Stamp,
}

/// The visitor's rating.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Rating {
    /// 1 (sangat buruk) to 5 (sangat baik).
    pub score: u8,
    /// The score's labels ("Sangat Baik").
    pub score_label: Label,
    /// The visitor's comment.
    pub comment: Option<String>,
    /// Whether the visitor signed the paper form.
    pub signed: bool,
    /// When it was entered, by whom, where.
    pub stamp: Stamp,
}

/// A cancellation (the visitor left).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Cancellation {
    /// Why.
    pub reason: String,
    /// Who cancelled, where, when.
    pub stamp: Stamp,
}

/// The erasure of the visitor's personal data from this session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Erasure {
    /// The request it was made under (a letter number).
    pub request: String,
    /// Who erased, where, when.
    pub stamp: Stamp,
}

/// How a waiting time or duration reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum TimingState {
    /// Not applicable yet (not started, not finished).
    Unknown,
    /// A plausible number of seconds.
    Plausible,
    /// End before start: two PCs' clocks disagree; shown as a warning, never as a number.
    Negative,
    /// Longer than 12 hours: a clock error or a forgotten finish.
    Absurd,
}

/// A waiting time or service duration.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TimingFigure {
    /// Whether it is plausible.
    pub state: TimingState,
    /// The seconds, when plausible.
    pub seconds: Option<i64>,
    /// As printed: "1 jam 5 menit", "-", or a "PERIKSA: …" warning.
    pub text_id: String,
}

impl From<m::TimingFigure> for TimingFigure {
    fn from(t: m::TimingFigure) -> Self {
        let state = match t {
            m::TimingFigure::Unknown => TimingState::Unknown,
            m::TimingFigure::Seconds(_) => TimingState::Plausible,
            m::TimingFigure::Negative => TimingState::Negative,
            m::TimingFigure::Absurd => TimingState::Absurd,
        };
        TimingFigure { state, seconds: t.seconds(), text_id: t.text_id() }
    }
}

/// A service session, read whole.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Session {
    /// Its id.
    pub id: String,
    /// The ticket number.
    pub ticket: String,
    /// Category.
    pub category: Category,
    /// Category's code and labels.
    pub category_label: Label,
    /// Channel.
    pub channel: Channel,
    /// Channel's code and labels.
    pub channel_label: Label,
    /// Status, derived from the facts below.
    pub status: SessionStatus,
    /// Status's code and labels.
    pub status_label: Label,
    /// The visitor as this PC can show them.
    pub visitor: Visitor,
    /// The package, if any.
    pub package: Option<Package>,
    /// Procurement stage.
    pub stage: Option<Stage>,
    /// Stage's code and labels.
    pub stage_label: Option<Label>,
    /// Short topic.
    pub subject: String,
    /// What the visitor wants to discuss.
    pub description: Option<String>,
    /// Objection detail (sanggahan).
    pub objection: Option<Objection>,
    /// Registration (arrival).
    pub registered: Stamp,
    /// The assignment.
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
    /// The erasure of the visitor's data, if it happened.
    pub erasure: Option<Erasure>,
    /// started − arrived.
    pub waiting: TimingFigure,
    /// finished − started.
    pub duration: TimingFigure,
    /// Fields with concurrent values.
    pub conflicts: Vec<Conflict>,
}

impl From<m::Session> for Session {
    fn from(x: m::Session) -> Self {
        let status = SessionStatus::from(x.status());
        let timing = x.timing();
        let category = Category::from(x.category);
        let channel = Channel::from(x.channel);
        let stage = x.stage.map(Stage::from);
        Session {
            id: x.id.to_text(),
            ticket: x.ticket,
            category,
            category_label: category.label(),
            channel,
            channel_label: channel.label(),
            status,
            status_label: status.label(),
            visitor: x.visitor.into(),
            package: x.package.map(Into::into),
            stage,
            stage_label: stage.map(Stage::label),
            subject: x.subject,
            description: x.description,
            objection: x.objection.map(Into::into),
            registered: x.registered.into(),
            assignment: x.assignment.map(|a| Assignment { officer_nip: a.officer, stamp: a.stamp.into() }),
            started: x.started.map(Into::into),
            finish: x.finish.map(|f| Finish {
                recommendation: f.recommendation,
                follow_up: f.follow_up.map(Into::into),
                stamp: f.stamp.into(),
            }),
            rating: x.rating.map(|r| Rating {
                score: r.score.value(),
                score_label: scale_label(r.score),
                comment: r.comment,
                signed: r.signed,
                stamp: r.stamp.into(),
            }),
            cancellation: x.cancellation.map(|c| Cancellation { reason: c.reason, stamp: c.stamp.into() }),
            notes: x.notes,
            erasure: x.erasure.map(|(stamp, request)| Erasure { request, stamp: stamp.into() }),
            waiting: timing.waiting.into(),
            duration: timing.duration.into(),
            conflicts: x.conflicts.into_iter().map(Conflict::from).collect(),
        }
    }
}

/// A session as listed (read from the projection; cheap).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionRow {
    /// Id.
    pub id: String,
    /// Ticket number.
    pub ticket: String,
    /// Category.
    pub category: Category,
    /// Category's code and labels.
    pub category_label: Label,
    /// Status.
    pub status: SessionStatus,
    /// Status's code and labels.
    pub status_label: Label,
    /// The visitor's name as this PC can show it ("[dihapus]" once erased).
    pub visitor_name: String,
    /// The visitor's id.
    pub visitor_id: String,
    /// The visitor's organisation.
    pub visitor_org: Option<String>,
    /// Short topic.
    pub subject: String,
    /// The assigned officer's NIP.
    pub officer_nip: Option<String>,
    /// Arrival.
    pub arrived_at: SystemTime,
    /// Start of service.
    pub started_at: Option<SystemTime>,
    /// End of service.
    pub finished_at: Option<SystemTime>,
    /// Waiting time in seconds, when plausible.
    pub waiting_seconds: Option<i64>,
    /// Service duration in seconds, when plausible.
    pub duration_seconds: Option<i64>,
    /// "negative" or "absurd" when the clocks of two PCs disagree.
    pub timing_flag: Option<String>,
    /// The rating 1–5.
    pub score: Option<u8>,
    /// Number of fields with concurrent values.
    pub conflicts: i64,
    /// Why the merged record breaks a rule (such sessions are left out of reports).
    pub invalid_reason: Option<String>,
    /// Why a person should look at it.
    pub review_reason: Option<String>,
}

impl From<s::SessionRow> for SessionRow {
    fn from(r: s::SessionRow) -> Self {
        let category = Category::from(r.category);
        let status = SessionStatus::from(r.status);
        SessionRow {
            id: r.id.to_text(),
            ticket: r.ticket,
            category,
            category_label: category.label(),
            status,
            status_label: status.label(),
            visitor_name: r.visitor_name,
            visitor_id: r.visitor_id.to_text(),
            visitor_org: r.visitor_org,
            subject: r.subject,
            officer_nip: r.officer_nip,
            arrived_at: instant(r.arrived_at),
            started_at: r.started_at.map(instant),
            finished_at: r.finished_at.map(instant),
            waiting_seconds: r.waiting_seconds,
            duration_seconds: r.duration_seconds,
            timing_flag: r.timing_flag,
            score: r.score.and_then(|v| u8::try_from(v).ok()),
            conflicts: r.conflicts,
            invalid_reason: r.invalid_reason,
            review_reason: r.review_reason,
        }
    }
}

/// Which sessions to list; every field is optional and narrows the list.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct SessionFilter {
    /// Only this status.
    #[uniffi(default)]
    pub status: Option<SessionStatus>,
    /// Only this category.
    #[uniffi(default)]
    pub category: Option<Category>,
    /// Only sessions assigned to this officer (NIP).
    #[uniffi(default)]
    pub officer: Option<String>,
    /// Arrival on or after this day, `YYYY-MM-DD` in the office's time zone.
    #[uniffi(default)]
    pub first_day: Option<String>,
    /// Arrival on or before this day, `YYYY-MM-DD`.
    #[uniffi(default)]
    pub last_day: Option<String>,
    /// Only this visitor (id).
    #[uniffi(default)]
    pub visitor_id: Option<String>,
    /// Words that must all occur in the subject, description or notes (`word*` for a prefix).
    #[uniffi(default)]
    pub text: Option<String>,
    /// Include sessions whose merged record breaks a rule.
    #[uniffi(default)]
    pub include_invalid: bool,
    /// At most this many rows, newest first.
    #[uniffi(default)]
    pub limit: Option<u32>,
}

impl SessionFilter {
    pub(crate) fn to_core(&self) -> ApiResult<s::SessionFilter> {
        Ok(s::SessionFilter {
            status: self.status.map(Into::into),
            category: self.category.map(Into::into),
            officer: self.officer.clone().filter(|o| !o.trim().is_empty()),
            from: parse_opt_date("first day", self.first_day.as_deref())?,
            to: parse_opt_date("last day", self.last_day.as_deref())?,
            visitor: self
                .visitor_id
                .as_deref()
                .filter(|v| !v.trim().is_empty())
                .map(amer_core::VisitorId::parse)
                .transpose()?,
            text: self.text.clone(),
            include_invalid: self.include_invalid,
            limit: self.limit.map(|n| n as usize),
        })
    }
}

/// One entry of a record's audit trail.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryEntry {
    /// What happened ("register", "assign", "rate"...).
    pub op: String,
    /// Who (NIP), if a staff member acted.
    pub by: Option<String>,
    /// On which PC (device code).
    pub device: String,
    /// When.
    pub at: SystemTime,
    /// Detail.
    pub detail: Option<String>,
    /// The change's hash (hex).
    pub change: String,
}

impl From<amer_core::doc::HistoryEntry> for HistoryEntry {
    fn from(h: amer_core::doc::HistoryEntry) -> Self {
        HistoryEntry {
            op: h.op,
            by: h.by,
            device: h.device,
            at: instant(h.at),
            detail: h.detail,
            change: h.change,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Visitors

/// A visitor found by phone or NIK.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VisitorSummary {
    /// The visitor id.
    pub id: String,
    /// Name as shown.
    pub name: String,
    /// Organisation of the latest session.
    pub org: Option<String>,
    /// Role code of the latest session.
    pub role: Option<String>,
    /// Phone, national form.
    pub phone: Option<String>,
    /// NIK, masked.
    pub nik_masked: Option<String>,
    /// Number of sessions.
    pub sessions: i64,
    /// Latest visit.
    pub last_visit: Option<SystemTime>,
}

impl From<s::VisitorSummary> for VisitorSummary {
    fn from(v: s::VisitorSummary) -> Self {
        VisitorSummary {
            id: v.id.to_text(),
            name: v.name,
            org: v.org,
            role: v.role,
            phone: v.phone,
            nik_masked: v.nik,
            sessions: v.sessions,
            last_visit: v.last_visit.map(instant),
        }
    }
}

/// Everything AMER holds on one visitor: their own copy (the access right of UU 27/2022), so
/// the NIK is in full here.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct VisitorExport {
    /// The visitor id.
    pub id: String,
    /// Whether the fields below are readable.
    pub state: VisitorDataState,
    /// Name (or "[dihapus]" / "menunggu sinkronisasi").
    pub name: String,
    /// Phone.
    pub phone: Option<String>,
    /// NIK, in full.
    pub nik: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Their sessions.
    pub sessions: Vec<SessionRow>,
}

impl From<s::VisitorExport> for VisitorExport {
    fn from(v: s::VisitorExport) -> Self {
        let sessions = v.sessions.into_iter().map(SessionRow::from).collect();
        let id = v.id.to_text();
        match v.personal {
            m::VisitorPersonal::Known(p) => VisitorExport {
                id,
                state: VisitorDataState::Known,
                name: p.name,
                phone: p.phone,
                nik: p.nik,
                email: p.email,
                address: p.address,
                sessions,
            },
            m::VisitorPersonal::Pending => VisitorExport {
                id,
                state: VisitorDataState::Pending,
                name: m::PENDING_TEXT.into(),
                phone: None,
                nik: None,
                email: None,
                address: None,
                sessions,
            },
            m::VisitorPersonal::Erased => VisitorExport {
                id,
                state: VisitorDataState::Erased,
                name: m::ERASED_TEXT.into(),
                phone: None,
                nik: None,
                email: None,
                address: None,
                sessions,
            },
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Risks

/// A new risk for the register.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewRisk {
    /// Short title (required).
    pub title: String,
    /// The procurement stage (required).
    pub stage: Stage,
    /// The risk event (required).
    pub event: String,
    /// Inherent likelihood 1–5 (give both or neither).
    #[uniffi(default)]
    pub likelihood: Option<u8>,
    /// Inherent impact 1–5.
    #[uniffi(default)]
    pub impact: Option<u8>,
    /// Category.
    #[uniffi(default)]
    pub category: Option<RiskCategory>,
    /// Cause.
    #[uniffi(default)]
    pub cause: Option<String>,
    /// Consequence.
    #[uniffi(default)]
    pub consequence: Option<String>,
    /// Risk owner.
    #[uniffi(default)]
    pub owner: Option<String>,
    /// The agency (OPD).
    #[uniffi(default)]
    pub opd: Option<String>,
    /// The package concerned.
    #[uniffi(default)]
    pub package: Option<Package>,
    /// Existing controls.
    #[uniffi(default)]
    pub controls: Option<String>,
    /// Whether the existing controls are adequate.
    #[uniffi(default)]
    pub controls_adequate: Option<bool>,
}

impl NewRisk {
    pub(crate) fn to_core(&self) -> s::NewRisk {
        s::NewRisk {
            title: self.title.clone(),
            stage: m::Stage::from(self.stage).code().into(),
            event: self.event.clone(),
            likelihood: self.likelihood.map(i64::from),
            impact: self.impact.map(i64::from),
            category: self.category.map(|c| m::RiskCategory::from(c).code().to_string()),
            cause: self.cause.clone(),
            consequence: self.consequence.clone(),
            owner: self.owner.clone(),
            opd: self.opd.clone(),
            package: self.package.clone().map(Into::into),
            controls: self.controls.clone(),
            controls_adequate: self.controls_adequate,
        }
    }
}

/// A cell of the risk matrix: likelihood × impact → score → level.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RiskCell {
    /// Likelihood 1–5.
    pub likelihood: u8,
    /// Likelihood's labels ("Sering").
    pub likelihood_label: Label,
    /// Impact 1–5.
    pub impact: u8,
    /// Impact's labels ("Signifikan").
    pub impact_label: Label,
    /// Score 1–25 under the office's matrix.
    pub score: u8,
    /// Level band.
    pub level: RiskLevel,
    /// Level's labels ("Tinggi").
    pub level_label: Label,
}

impl RiskCell {
    fn new(l: u8, i: u8, score: u8, level: m::RiskLevel) -> Self {
        let label = |n: u8, f: fn(i64) -> Option<Label>| f(i64::from(n)).unwrap_or_else(|| unknown(n));
        let level = RiskLevel::from(level);
        RiskCell {
            likelihood: l,
            likelihood_label: label(l, |n| m::Likelihood::from_value(n).ok().map(scale_label)),
            impact: i,
            impact_label: label(i, |n| m::Impact::from_value(n).ok().map(scale_label)),
            score,
            level,
            level_label: level.label(),
        }
    }
}

fn unknown(n: u8) -> Label {
    Label { code: n.to_string(), label_id: n.to_string(), label_en: n.to_string() }
}

/// An assessment of a risk: the cell and who assessed it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Assessment {
    /// Likelihood, impact, score and level.
    pub cell: RiskCell,
    /// Who assessed, where, when.
    pub stamp: Stamp,
}

/// One item of a risk's treatment plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Treatment {
    /// The item's id within the risk (for `treatment_done`).
    pub id: String,
    /// What will be done.
    pub action: String,
    /// Who is responsible.
    pub owner: String,
    /// Due date, `YYYY-MM-DD`.
    pub due: Option<String>,
    /// When it was marked done.
    pub done: Option<Stamp>,
    /// Who added it.
    pub stamp: Stamp,
}

/// A monitoring entry.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Monitoring {
    /// What was observed.
    pub note: String,
    /// Who, where, when.
    pub stamp: Stamp,
}

/// A risk record, read whole.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Risk {
    /// Its id.
    pub id: String,
    /// Readable code, unique across PCs ("R26-A-001").
    pub code: String,
    /// Short title.
    pub title: String,
    /// Procurement stage.
    pub stage: Stage,
    /// Stage's labels.
    pub stage_label: Label,
    /// Agency.
    pub opd: Option<String>,
    /// Package.
    pub package: Option<Package>,
    /// The risk event.
    pub event: String,
    /// Category.
    pub category: Option<RiskCategory>,
    /// Category's labels.
    pub category_label: Option<Label>,
    /// Cause.
    pub cause: Option<String>,
    /// Consequence.
    pub consequence: Option<String>,
    /// Risk owner.
    pub owner: Option<String>,
    /// Existing controls.
    pub controls: Option<String>,
    /// Whether they are adequate.
    pub controls_adequate: Option<bool>,
    /// Inherent assessment, scored with the office's matrix.
    pub inherent: Option<Assessment>,
    /// Residual assessment.
    pub residual: Option<Assessment>,
    /// Chosen response.
    pub response: Option<RiskResponse>,
    /// Response's labels.
    pub response_label: Option<Label>,
    /// Status, derived from the facts.
    pub status: RiskStatus,
    /// Status's labels.
    pub status_label: Label,
    /// Treatment plan.
    pub treatments: Vec<Treatment>,
    /// Monitoring entries.
    pub monitoring: Vec<Monitoring>,
    /// Ids of the sessions that revealed the risk.
    pub linked_sessions: Vec<String>,
    /// Closure.
    pub closed: Option<Stamp>,
    /// Creation.
    pub created: Stamp,
    /// Fields with concurrent values.
    pub conflicts: Vec<Conflict>,
}

impl Risk {
    pub(crate) fn from_core(r: m::Risk, matrix: &m::RiskMatrix) -> Risk {
        let assessment = |a: m::Assessment| {
            let (score, level) = a.rate(matrix);
            Assessment {
                cell: RiskCell::new(a.likelihood.value(), a.impact.value(), score, level),
                stamp: a.stamp.into(),
            }
        };
        let status = RiskStatus::from(r.status());
        let stage = Stage::from(r.stage);
        let category = r.category.map(RiskCategory::from);
        let response = r.response.map(RiskResponse::from);
        Risk {
            id: r.id.to_text(),
            code: r.code,
            title: r.title,
            stage,
            stage_label: stage.label(),
            opd: r.opd,
            package: r.package.map(Into::into),
            event: r.event,
            category,
            category_label: category.map(RiskCategory::label),
            cause: r.cause,
            consequence: r.consequence,
            owner: r.owner,
            controls: r.controls,
            controls_adequate: r.controls_adequate,
            inherent: r.inherent.map(assessment),
            residual: r.residual.map(assessment),
            response,
            response_label: response.map(RiskResponse::label),
            status,
            status_label: status.label(),
            treatments: r
                .treatments
                .into_iter()
                .map(|t| Treatment {
                    id: t.id,
                    action: t.action,
                    owner: t.owner,
                    due: t.due.map(date_text),
                    done: t.done.map(Into::into),
                    stamp: t.stamp.into(),
                })
                .collect(),
            monitoring: r
                .monitoring
                .into_iter()
                .map(|x| Monitoring { note: x.note, stamp: x.stamp.into() })
                .collect(),
            linked_sessions: r.linked_sessions.iter().map(|s| s.to_text()).collect(),
            closed: r.closed.map(Into::into),
            created: r.created.into(),
            conflicts: r.conflicts.into_iter().map(Conflict::from).collect(),
        }
    }
}

/// A risk as listed, scored with the office's matrix.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RiskRow {
    /// Id.
    pub id: String,
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Stage.
    pub stage: Stage,
    /// Stage's labels.
    pub stage_label: Label,
    /// Agency.
    pub opd: Option<String>,
    /// Category.
    pub category: Option<RiskCategory>,
    /// Category's labels.
    pub category_label: Option<Label>,
    /// Owner.
    pub owner: Option<String>,
    /// Inherent cell.
    pub inherent: Option<RiskCell>,
    /// Residual cell.
    pub residual: Option<RiskCell>,
    /// Response.
    pub response: Option<RiskResponse>,
    /// Response's labels.
    pub response_label: Option<Label>,
    /// Status.
    pub status: RiskStatus,
    /// Status's labels.
    pub status_label: Label,
    /// Treatment items done.
    pub treatments_done: i64,
    /// Treatment items in all.
    pub treatments_total: i64,
    /// Sessions linked.
    pub linked_sessions: i64,
    /// Number of fields with concurrent values.
    pub conflicts: i64,
}

impl From<s::RiskRow> for RiskRow {
    fn from(r: s::RiskRow) -> Self {
        let cell = |c: Option<(u8, u8, u8, m::RiskLevel)>| c.map(|(l, i, s, lv)| RiskCell::new(l, i, s, lv));
        let stage = Stage::from(r.stage);
        let category = r.category.map(RiskCategory::from);
        let response = r.response.map(RiskResponse::from);
        let status = RiskStatus::from(r.status);
        RiskRow {
            id: r.id.to_text(),
            code: r.code,
            title: r.title,
            stage,
            stage_label: stage.label(),
            opd: r.opd,
            category,
            category_label: category.map(RiskCategory::label),
            owner: r.owner,
            inherent: cell(r.inherent),
            residual: cell(r.residual),
            response,
            response_label: response.map(RiskResponse::label),
            status,
            status_label: status.label(),
            treatments_done: r.treatments_done,
            treatments_total: r.treatments_total,
            linked_sessions: r.linked_sessions,
            conflicts: r.conflicts,
        }
    }
}

/// The number of records in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct Counts {
    /// Sessions.
    pub sessions: i64,
    /// Risks.
    pub risks: i64,
    /// Staff members.
    pub staff: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_both_sides_of_the_epoch() {
        for ms in [0, 1, 1_772_294_400_123, -86_400_000] {
            assert_eq!(millis(instant(ms)), ms);
        }
    }

    #[test]
    fn dates_are_iso_and_refused_clearly() {
        assert_eq!(
            parse_opt_date("from", Some(" 2026-03-01 ")).ok().flatten().map(date_text).as_deref(),
            Some("2026-03-01")
        );
        assert_eq!(parse_opt_date("from", Some("")).ok(), Some(None));
        let err = parse_date("to", "31/03/2026").expect_err("not ISO");
        assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
    }
}
