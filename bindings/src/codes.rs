//! The domain's closed sets (category, status, roles, stages, risk scales...) as foreign enums,
//! each with its stable code and its Indonesian and English labels, plus [`code_list`] for
//! filling a form's drop-down lists.
//!
//! Each enum mirrors one `amer_core::model` enum variant for variant; the `From` impls in both
//! directions are generated together with it, so a new core variant fails to compile here until
//! it is mirrored.

use amer_core::model::{self as m, Coded, OneToFive};

/// A coded value as shown to people: its stable code and both labels.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Label {
    /// The stable code, as stored, exported and accepted by the command line ("konsultasi").
    pub code: String,
    /// The Indonesian label, what the office reads ("Konsultasi").
    pub label_id: String,
    /// The English label ("Consultation").
    pub label_en: String,
}

impl Label {
    pub(crate) fn of<C: Coded>(c: C) -> Label {
        Label { code: c.code().into(), label_id: c.label_id().into(), label_en: c.label_en().into() }
    }
}

macro_rules! coded {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl From<m::$name> for $name {
            fn from(c: m::$name) -> Self {
                match c { $(m::$name::$variant => $name::$variant),+ }
            }
        }

        impl From<$name> for m::$name {
            fn from(c: $name) -> Self {
                match c { $($name::$variant => m::$name::$variant),+ }
            }
        }

        impl $name {
            /// The code and both labels.
            pub fn label(self) -> Label {
                Label::of(m::$name::from(self))
            }
            /// Every value with its labels, in display order.
            pub fn all() -> Vec<Label> {
                <m::$name as Coded>::ALL.iter().map(|c| Label::of(*c)).collect()
            }
        }

        #[uniffi::export]
        impl $name {
            /// The stable code ("konsultasi", "in_service"...).
            pub fn code(&self) -> String {
                m::$name::from(*self).code().to_string()
            }
            /// The Indonesian label.
            pub fn label_id(&self) -> String {
                m::$name::from(*self).label_id().to_string()
            }
            /// The English label.
            pub fn label_en(&self) -> String {
                m::$name::from(*self).label_en().to_string()
            }
        }
    };
}

coded!(
    /// The kind of walk-in service.
    Category { Konsultasi, Pengaduan, Sanggahan }
);
coded!(
    /// How the visitor reached the office (walk-in by default).
    Channel { TatapMuka, Telepon, Surat, Daring }
);
coded!(
    /// The role a visitor plays in procurement.
    VisitorRole { Penyedia, PaKpa, Ppk, PejabatPengadaan, Pokja, Pphp, Apip, Masyarakat, LsmMedia, Lainnya }
);
coded!(
    /// What a staff member may do: admin, pimpinan and kasubag assign officers; viewers cannot
    /// serve visitors; only an admin may change a rated session or erase a visitor's data.
    StaffRole { Admin, Pimpinan, Kasubag, Petugas, Viewer }
);
coded!(
    /// The procurement stage a session or risk concerns.
    Stage { Perencanaan, Persiapan, Pemilihan, PelaksanaanKontrak, SerahTerima }
);
coded!(
    /// The type of a procurement package.
    PackageType { Barang, PekerjaanKonstruksi, JasaKonsultansi, JasaLainnya, Terintegrasi }
);
coded!(
    /// The procurement method of a package.
    Method { EPurchasing, PengadaanLangsung, PenunjukanLangsung, TenderCepat, Tender, Seleksi }
);
coded!(
    /// Where a session's issue was referred to.
    ReferralTarget { Apip, Lkpp, Lapor, Pokja, Ppk, Lainnya }
);
coded!(
    /// The status of a session, derived from its recorded facts:
    /// registered → assigned → in service → finished → rated; or cancelled.
    SessionStatus { Registered, Assigned, InService, Finished, Rated, Cancelled }
);
coded!(
    /// How a walk-in objection relates to the formal SPSE procedure.
    ObjectionMode { ProcedureHelp, Kahar, AsComplaint }
);
coded!(
    /// Grounds of an objection.
    ObjectionGround { EvaluationError, ProceduralDeviation, Collusion, AbuseOfAuthority }
);
coded!(
    /// The outcome of an objection.
    ObjectionOutcome { Upheld, Rejected }
);
coded!(
    /// Category of a procurement risk.
    RiskCategory { Kebijakan, Kepatuhan, Fraud, Operasional, Keuangan, Reputasi, Hukum, Bencana }
);
coded!(
    /// The chosen response to a risk.
    RiskResponse { Hindari, Kurangi, Alihkan, Terima }
);
coded!(
    /// The status of a risk, derived from its facts:
    /// identified → analysed → treated → monitored → closed.
    RiskStatus { Identified, Analysed, Treated, Monitored, Closed }
);
coded!(
    /// A level band of the office's risk matrix.
    RiskLevel { SangatRendah, Rendah, Sedang, Tinggi, SangatTinggi }
);

/// The lists of codes a frontend can ask for with [`code_list`], including the 1–5 scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CodeList {
    /// [`Category`].
    Category,
    /// [`Channel`].
    Channel,
    /// [`VisitorRole`].
    VisitorRole,
    /// [`StaffRole`].
    StaffRole,
    /// [`Stage`].
    Stage,
    /// [`PackageType`].
    PackageType,
    /// [`Method`].
    Method,
    /// [`ReferralTarget`].
    ReferralTarget,
    /// [`SessionStatus`].
    SessionStatus,
    /// [`ObjectionMode`].
    ObjectionMode,
    /// [`ObjectionGround`].
    ObjectionGround,
    /// [`ObjectionOutcome`].
    ObjectionOutcome,
    /// [`RiskCategory`].
    RiskCategory,
    /// [`RiskResponse`].
    RiskResponse,
    /// [`RiskStatus`].
    RiskStatus,
    /// [`RiskLevel`].
    RiskLevel,
    /// Likelihood 1–5 (codes "1".."5": hampir tidak terjadi … hampir pasti).
    Likelihood,
    /// Impact 1–5 (tidak signifikan … sangat signifikan).
    Impact,
    /// The visitor's rating 1–5 (sangat buruk … sangat baik).
    Score,
}

/// Every value of a list with its code and labels, in display order (for drop-down lists).
#[uniffi::export]
pub fn code_list(list: CodeList) -> Vec<Label> {
    fn scale<C: Coded>() -> Vec<Label> {
        C::ALL.iter().map(|c| Label::of(*c)).collect()
    }
    match list {
        CodeList::Category => Category::all(),
        CodeList::Channel => Channel::all(),
        CodeList::VisitorRole => VisitorRole::all(),
        CodeList::StaffRole => StaffRole::all(),
        CodeList::Stage => Stage::all(),
        CodeList::PackageType => PackageType::all(),
        CodeList::Method => Method::all(),
        CodeList::ReferralTarget => ReferralTarget::all(),
        CodeList::SessionStatus => SessionStatus::all(),
        CodeList::ObjectionMode => ObjectionMode::all(),
        CodeList::ObjectionGround => ObjectionGround::all(),
        CodeList::ObjectionOutcome => ObjectionOutcome::all(),
        CodeList::RiskCategory => RiskCategory::all(),
        CodeList::RiskResponse => RiskResponse::all(),
        CodeList::RiskStatus => RiskStatus::all(),
        CodeList::RiskLevel => RiskLevel::all(),
        CodeList::Likelihood => scale::<m::Likelihood>(),
        CodeList::Impact => scale::<m::Impact>(),
        CodeList::Score => scale::<m::Score>(),
    }
}

/// The label of a 1–5 scale value.
pub(crate) fn scale_label<C: OneToFive>(c: C) -> Label {
    Label::of(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_and_carry_labels() {
        assert_eq!(Category::Konsultasi.label_id(), "Konsultasi");
        assert_eq!(SessionStatus::InService.code(), "in_service");
        assert_eq!(StaffRole::from(m::StaffRole::Viewer).label_id(), "Peninjau");
        assert_eq!(m::Stage::from(Stage::SerahTerima), m::Stage::SerahTerima);
        let scores = code_list(CodeList::Score);
        assert_eq!(scores.len(), 5);
        assert_eq!(scores[4].label_id, "Sangat Baik");
        assert_eq!(code_list(CodeList::RiskCategory).len(), 8);
    }
}
