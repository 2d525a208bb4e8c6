//! The printable documents: one `.typ` template each, embedded in the binary, plus the shared `common.typ`.

use std::fmt;

/// The shared letterhead, page set-up and helpers imported by every template.
pub const COMMON_FILE: &str = "common.typ";

/// The virtual file through which a render's data reaches the template (`json("data.json")`).
pub const DATA_FILE: &str = "data.json";

const COMMON_SOURCE: &str = include_str!("templates/common.typ");

/// A printable A4 document. Each has a stable template file name, which is also the name an
/// override must have in the override folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// *Formulir Pendaftaran Layanan*: the intake form printed when a visitor registers.
    Intake,
    /// *Laporan Hasil Layanan*: the service report the visitor keeps.
    ServiceReport,
    /// *Rekap Layanan*: sessions of a period, with totals.
    ServiceSummary,
    /// *Rekap Kinerja Petugas*: per-officer figures of a period.
    StaffPerformance,
    /// *Indeks Kepuasan*: rating distribution and the IKM-equivalent index.
    Satisfaction,
    /// *Daftar Risiko*: the risk register (landscape).
    RiskRegister,
    /// *Peta Risiko*: the 5×5 heat map, inherent and optionally residual (landscape).
    RiskMap,
    /// *Data Pribadi Pengunjung*: one visitor's personal data and sessions, for an access request.
    VisitorData,
}

impl Template {
    /// Every template, in menu order.
    pub const ALL: [Template; 8] = [
        Template::Intake,
        Template::ServiceReport,
        Template::ServiceSummary,
        Template::StaffPerformance,
        Template::Satisfaction,
        Template::RiskRegister,
        Template::RiskMap,
        Template::VisitorData,
    ];

    /// The template's file name, stable across versions (the override folder uses it).
    pub fn file_name(self) -> &'static str {
        match self {
            Template::Intake => "intake.typ",
            Template::ServiceReport => "service_report.typ",
            Template::ServiceSummary => "service_summary.typ",
            Template::StaffPerformance => "staff_performance.typ",
            Template::Satisfaction => "satisfaction.typ",
            Template::RiskRegister => "risk_register.typ",
            Template::RiskMap => "risk_map.typ",
            Template::VisitorData => "visitor_data.typ",
        }
    }

    /// The document's Indonesian title, as printed on it.
    pub fn title(self) -> &'static str {
        match self {
            Template::Intake => "Formulir Pendaftaran Layanan",
            Template::ServiceReport => "Laporan Hasil Layanan",
            Template::ServiceSummary => "Rekap Layanan",
            Template::StaffPerformance => "Rekap Kinerja Petugas",
            Template::Satisfaction => "Indeks Kepuasan Pengguna Layanan",
            Template::RiskRegister => "Daftar Risiko",
            Template::RiskMap => "Peta Risiko",
            Template::VisitorData => "Data Pribadi Pengunjung",
        }
    }

    /// The built-in template text, e.g. to give the IT person a starting point for an override.
    pub fn embedded_source(self) -> &'static str {
        match self {
            Template::Intake => include_str!("templates/intake.typ"),
            Template::ServiceReport => include_str!("templates/service_report.typ"),
            Template::ServiceSummary => include_str!("templates/service_summary.typ"),
            Template::StaffPerformance => include_str!("templates/staff_performance.typ"),
            Template::Satisfaction => include_str!("templates/satisfaction.typ"),
            Template::RiskRegister => include_str!("templates/risk_register.typ"),
            Template::RiskMap => include_str!("templates/risk_map.typ"),
            Template::VisitorData => include_str!("templates/visitor_data.typ"),
        }
    }

    /// The template whose file name is `name`, if any.
    pub fn from_file_name(name: &str) -> Option<Template> {
        Template::ALL.into_iter().find(|t| t.file_name() == name)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// Every built-in file (the eight templates and `common.typ`) as `(file name, text)`, e.g. for a
/// command that writes them into the override folder for editing.
pub fn embedded_files() -> impl Iterator<Item = (&'static str, &'static str)> {
    std::iter::once((COMMON_FILE, COMMON_SOURCE))
        .chain(Template::ALL.into_iter().map(|t| (t.file_name(), t.embedded_source())))
}

/// The built-in text of the file `name`, if it is one of ours.
pub(super) fn embedded_file(name: &str) -> Option<&'static str> {
    embedded_files().find(|(n, _)| *n == name).map(|(_, text)| text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_stable_and_unique() {
        let names: Vec<_> = Template::ALL.iter().map(|t| t.file_name()).collect();
        assert_eq!(
            names,
            [
                "intake.typ",
                "service_report.typ",
                "service_summary.typ",
                "staff_performance.typ",
                "satisfaction.typ",
                "risk_register.typ",
                "risk_map.typ",
                "visitor_data.typ"
            ]
        );
        for t in Template::ALL {
            assert_eq!(Template::from_file_name(t.file_name()), Some(t));
        }
    }

    #[test]
    fn every_template_imports_common_and_reads_data() {
        for t in Template::ALL {
            let src = t.embedded_source();
            assert!(src.contains("#import \"common.typ\""), "{t} must import common.typ");
            assert!(src.contains("json(\"data.json\")"), "{t} must read data.json");
        }
        assert_eq!(embedded_files().count(), 9);
        assert!(embedded_file(COMMON_FILE).is_some());
    }
}
