//! Coded enumerations: every value has a stable code (stored and exchanged), an Indonesian label
//! (what the office reads) and an English label (for frontends that ask for it).

use serde::{Deserialize, Serialize};

/// The language a label is wanted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Bahasa Indonesia, the default for everything users read.
    #[default]
    Id,
    /// English.
    En,
}

impl Lang {
    /// The code used on command lines and in data (`id`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// Parses `id` or `en` (case-insensitive).
    pub fn parse(code: &str) -> Result<Self, crate::Error> {
        match code.trim().to_ascii_lowercase().as_str() {
            "id" => Ok(Lang::Id),
            "en" => Ok(Lang::En),
            other => Err(crate::Error::invalid("lang", format!("'{other}' is not a language; use id or en"))),
        }
    }
}

/// Behaviour shared by every coded enumeration.
pub trait Coded: Sized + Copy + 'static {
    /// Every value, in display order.
    const ALL: &'static [Self];
    /// What the enumeration is called, for error messages.
    const WHAT: &'static str;
    /// The stable code stored in documents and printed in JSON.
    fn code(self) -> &'static str;
    /// The Indonesian label.
    fn label_id(self) -> &'static str;
    /// The English label.
    fn label_en(self) -> &'static str;
    /// The label in the requested language.
    fn label(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Id => self.label_id(),
            Lang::En => self.label_en(),
        }
    }
    /// Parses a code (case-insensitive; `-` and ` ` are read as `_`).
    fn from_code(code: &str) -> Option<Self> {
        let wanted = code.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Self::ALL.iter().copied().find(|v| v.code() == wanted)
    }
    /// Parses a code or returns an error that lists the accepted codes.
    fn parse(code: &str) -> Result<Self, crate::Error> {
        Self::from_code(code).ok_or_else(|| crate::Error::Invalid {
            field: Self::WHAT,
            reason: format!(
                "'{}' is not one of: {}",
                code,
                Self::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", ")
            ),
        })
    }
}

macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $id:literal, $en:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl Coded for $name {
            const ALL: &'static [Self] = &[$(Self::$variant),+];
            const WHAT: &'static str = $what;
            fn code(self) -> &'static str { match self { $(Self::$variant => $code),+ } }
            fn label_id(self) -> &'static str { match self { $(Self::$variant => $id),+ } }
            fn label_en(self) -> &'static str { match self { $(Self::$variant => $en),+ } }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.code()) }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> { <Self as Coded>::parse(s) }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.code()) }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <Self as Coded>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

coded_enum!(
    /// The kind of walk-in service.
    Category, "category" {
        Konsultasi = ("konsultasi", "Konsultasi", "Consultation"),
        Pengaduan = ("pengaduan", "Pengaduan", "Complaint"),
        Sanggahan = ("sanggahan", "Sanggahan", "Objection"),
    }
);

impl Category {
    /// The letter that opens a ticket number.
    pub fn ticket_letter(self) -> char {
        match self {
            Category::Konsultasi => 'K',
            Category::Pengaduan => 'P',
            Category::Sanggahan => 'S',
        }
    }
}

coded_enum!(
    /// How the visitor reached the office.
    Channel, "channel" {
        TatapMuka = ("tatap_muka", "Tatap muka", "Walk-in"),
        Telepon = ("telepon", "Telepon", "Telephone"),
        Surat = ("surat", "Surat", "Letter"),
        Daring = ("daring", "Daring", "Online"),
    }
);

coded_enum!(
    /// The role a visitor plays in procurement.
    VisitorRole, "visitor role" {
        Penyedia = ("penyedia", "Penyedia", "Supplier"),
        PaKpa = ("pa_kpa", "PA/KPA", "Budget user (PA/KPA)"),
        Ppk = ("ppk", "PPK", "Commitment officer (PPK)"),
        PejabatPengadaan = ("pejabat_pengadaan", "Pejabat Pengadaan", "Procurement official"),
        Pokja = ("pokja", "Pokja Pemilihan", "Selection working group"),
        Pphp = ("pphp", "PjPHP/PPHP", "Handover examiner (PjPHP/PPHP)"),
        Apip = ("apip", "APIP", "Internal auditor (APIP)"),
        Masyarakat = ("masyarakat", "Masyarakat", "Member of the public"),
        LsmMedia = ("lsm_media", "LSM/Media", "NGO/press"),
        Lainnya = ("lainnya", "Lainnya", "Other"),
    }
);

coded_enum!(
    /// What a staff member may do.
    StaffRole, "staff role" {
        Admin = ("admin", "Admin", "Administrator"),
        Pimpinan = ("pimpinan", "Pimpinan", "Head of section"),
        Kasubag = ("kasubag", "Kasubag", "Head of sub-section"),
        Petugas = ("petugas", "Petugas", "Officer"),
        Viewer = ("viewer", "Peninjau", "Viewer"),
    }
);

impl StaffRole {
    /// Whether this role may assign officers to sessions.
    pub fn can_assign(self) -> bool {
        matches!(self, StaffRole::Admin | StaffRole::Pimpinan | StaffRole::Kasubag)
    }
    /// Whether this role may serve visitors.
    pub fn can_serve(self) -> bool {
        !matches!(self, StaffRole::Viewer)
    }
}

coded_enum!(
    /// The procurement stage a session or risk concerns.
    Stage, "stage" {
        Perencanaan = ("perencanaan", "Perencanaan", "Planning"),
        Persiapan = ("persiapan", "Persiapan", "Preparation"),
        Pemilihan = ("pemilihan", "Pemilihan", "Selection"),
        PelaksanaanKontrak = ("pelaksanaan_kontrak", "Pelaksanaan kontrak", "Contract execution"),
        SerahTerima = ("serah_terima", "Serah terima", "Handover"),
    }
);

coded_enum!(
    /// The type of a procurement package.
    PackageType, "package type" {
        Barang = ("barang", "Barang", "Goods"),
        PekerjaanKonstruksi = ("pekerjaan_konstruksi", "Pekerjaan Konstruksi", "Construction works"),
        JasaKonsultansi = ("jasa_konsultansi", "Jasa Konsultansi", "Consultancy services"),
        JasaLainnya = ("jasa_lainnya", "Jasa Lainnya", "Other services"),
        Terintegrasi = ("terintegrasi", "Terintegrasi", "Integrated"),
    }
);

coded_enum!(
    /// The procurement method of a package.
    Method, "procurement method" {
        EPurchasing = ("e_purchasing", "E-purchasing", "E-purchasing"),
        PengadaanLangsung = ("pengadaan_langsung", "Pengadaan Langsung", "Direct procurement"),
        PenunjukanLangsung = ("penunjukan_langsung", "Penunjukan Langsung", "Direct appointment"),
        TenderCepat = ("tender_cepat", "Tender Cepat", "Fast tender"),
        Tender = ("tender", "Tender", "Tender"),
        Seleksi = ("seleksi", "Seleksi", "Selection (consultancy)"),
    }
);

coded_enum!(
    /// Where a session's issue was referred to.
    ReferralTarget, "referral" {
        Apip = ("apip", "APIP/Inspektorat", "Internal audit (APIP/Inspektorat)"),
        Lkpp = ("lkpp", "LKPP", "LKPP"),
        Lapor = ("lapor", "SP4N-LAPOR!", "SP4N-LAPOR!"),
        Pokja = ("pokja", "Pokja Pemilihan", "Selection working group"),
        Ppk = ("ppk", "PPK", "Commitment officer"),
        Lainnya = ("lainnya", "Lainnya", "Other"),
    }
);

coded_enum!(
    /// The status of a service session, derived from its facts.
    SessionStatus, "status" {
        Registered = ("registered", "Terdaftar", "Registered"),
        Assigned = ("assigned", "Ditugaskan", "Assigned"),
        InService = ("in_service", "Sedang dilayani", "In service"),
        Finished = ("finished", "Selesai", "Finished"),
        Rated = ("rated", "Dinilai", "Rated"),
        Cancelled = ("cancelled", "Dibatalkan", "Cancelled"),
    }
);

coded_enum!(
    /// How a walk-in objection relates to the formal SPSE procedure.
    ObjectionMode, "objection mode" {
        ProcedureHelp = ("procedure_help", "Bantuan prosedur sanggah", "Help with the objection procedure"),
        Kahar = ("kahar", "Sanggah saat gangguan SPSE (kahar)", "Filed during an SPSE outage (force majeure)"),
        AsComplaint = ("as_complaint", "Dianggap pengaduan", "Treated as a complaint"),
    }
);

coded_enum!(
    /// Grounds of an objection.
    ObjectionGround, "objection ground" {
        EvaluationError = ("evaluation_error", "Kesalahan evaluasi", "Evaluation error"),
        ProceduralDeviation = ("procedural_deviation", "Penyimpangan prosedur", "Procedural deviation"),
        Collusion = ("collusion", "Rekayasa/persaingan tidak sehat (KKN)", "Collusion"),
        AbuseOfAuthority = ("abuse_of_authority", "Penyalahgunaan wewenang", "Abuse of authority"),
    }
);

coded_enum!(
    /// The outcome of an objection.
    ObjectionOutcome, "objection outcome" {
        Upheld = ("upheld", "Sanggah benar", "Upheld"),
        Rejected = ("rejected", "Sanggah tidak benar", "Rejected"),
    }
);

coded_enum!(
    /// Category of a procurement risk.
    RiskCategory, "risk category" {
        Kebijakan = ("kebijakan", "Kebijakan", "Policy"),
        Kepatuhan = ("kepatuhan", "Kepatuhan", "Compliance"),
        Fraud = ("fraud", "Fraud", "Fraud"),
        Operasional = ("operasional", "Operasional", "Operational"),
        Keuangan = ("keuangan", "Keuangan", "Financial"),
        Reputasi = ("reputasi", "Reputasi", "Reputation"),
        Hukum = ("hukum", "Hukum", "Legal"),
        Bencana = ("bencana", "Bencana", "Disaster"),
    }
);

coded_enum!(
    /// The chosen response to a risk.
    RiskResponse, "risk response" {
        Hindari = ("hindari", "Hindari", "Avoid"),
        Kurangi = ("kurangi", "Kurangi", "Reduce"),
        Alihkan = ("alihkan", "Alihkan", "Transfer"),
        Terima = ("terima", "Terima", "Accept"),
    }
);

coded_enum!(
    /// The status of a risk record, derived from its facts.
    RiskStatus, "risk status" {
        Identified = ("identified", "Teridentifikasi", "Identified"),
        Analysed = ("analysed", "Dianalisis", "Analysed"),
        Treated = ("treated", "Ditangani", "Treated"),
        Monitored = ("monitored", "Dipantau", "Monitored"),
        Closed = ("closed", "Ditutup", "Closed"),
    }
);

coded_enum!(
    /// A risk level band of the matrix.
    RiskLevel, "risk level" {
        SangatRendah = ("sangat_rendah", "Sangat Rendah", "Very low"),
        Rendah = ("rendah", "Rendah", "Low"),
        Sedang = ("sedang", "Sedang", "Medium"),
        Tinggi = ("tinggi", "Tinggi", "High"),
        SangatTinggi = ("sangat_tinggi", "Sangat Tinggi", "Very high"),
    }
);

coded_enum!(
    /// Likelihood of a risk, 1..5.
    Likelihood, "likelihood" {
        L1 = ("1", "Hampir tidak terjadi", "Rare"),
        L2 = ("2", "Jarang", "Unlikely"),
        L3 = ("3", "Kadang-kadang", "Possible"),
        L4 = ("4", "Sering", "Likely"),
        L5 = ("5", "Hampir pasti", "Almost certain"),
    }
);

coded_enum!(
    /// Impact of a risk, 1..5.
    Impact, "impact" {
        I1 = ("1", "Tidak signifikan", "Insignificant"),
        I2 = ("2", "Minor", "Minor"),
        I3 = ("3", "Moderat", "Moderate"),
        I4 = ("4", "Signifikan", "Major"),
        I5 = ("5", "Sangat signifikan", "Severe"),
    }
);

coded_enum!(
    /// The visitor's rating of a service, 1..5.
    Score, "rating" {
        S1 = ("1", "Sangat Buruk", "Very bad"),
        S2 = ("2", "Buruk", "Bad"),
        S3 = ("3", "Cukup", "Fair"),
        S4 = ("4", "Baik", "Good"),
        S5 = ("5", "Sangat Baik", "Very good"),
    }
);

/// The numeric value of a 1..5 scale.
pub trait OneToFive: Coded {
    /// The value as a number 1..=5.
    fn value(self) -> u8 {
        Self::ALL.iter().position(|v| v.code() == self.code()).map_or(0, |p| p as u8 + 1)
    }
    /// The scale value for a number, or an error that says the accepted range.
    fn from_value(n: i64) -> Result<Self, crate::Error> {
        if (1..=5).contains(&n) {
            Ok(Self::ALL[(n - 1) as usize])
        } else {
            Err(crate::Error::Invalid {
                field: Self::WHAT,
                reason: format!("{n} is outside the scale; give a whole number from 1 to 5"),
            })
        }
    }
}
impl OneToFive for Likelihood {}
impl OneToFive for Impact {}
impl OneToFive for Score {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_labels_exist() {
        fn check<T: Coded + PartialEq + std::fmt::Debug>() {
            for v in T::ALL {
                assert_eq!(T::from_code(v.code()), Some(*v));
                assert!(!v.label_id().is_empty() && !v.label_en().is_empty());
            }
        }
        check::<Category>();
        check::<VisitorRole>();
        check::<StaffRole>();
        check::<Stage>();
        check::<PackageType>();
        check::<Method>();
        check::<RiskCategory>();
        check::<RiskLevel>();
        check::<Score>();
        assert_eq!(Category::from_code("Pengaduan"), Some(Category::Pengaduan));
        assert_eq!(Stage::from_code("pelaksanaan-kontrak"), Some(Stage::PelaksanaanKontrak));
    }

    #[test]
    fn scales_reject_out_of_range() {
        assert!(Score::from_value(0).is_err());
        assert!(Score::from_value(6).is_err());
        assert_eq!(Score::from_value(5).map(|s| s.label_id()).ok(), Some("Sangat Baik"));
        assert_eq!(Likelihood::L3.value(), 3);
    }
}
