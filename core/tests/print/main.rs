#![cfg(feature = "print")]
//! Renders every template with realistic sample data (`tests/print/data/*.json`) and checks the PDFs as a
//! reader would: text extracted with poppler's `pdftotext`, page counts from `pdfinfo`.
//! Needs Debian's `poppler-utils`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use amer_core::print::{embedded_files, PrintError, Printer, Template};
use amer_core::Lang;
use serde_json::{json, Value};

fn printer() -> &'static Printer {
    static PRINTER: OnceLock<Printer> = OnceLock::new();
    PRINTER.get_or_init(|| Printer::new(None))
}

fn sample(template: Template) -> Value {
    let stem = template.file_name().trim_end_matches(".typ");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/print/data/{stem}.json"));
    let text = std::fs::read_to_string(&path).expect("sample data file");
    serde_json::from_str(&text).expect("sample data is JSON")
}

/// A fresh folder under the test target's tmp dir.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// A rendered PDF written to disk, with helpers to read it back through poppler.
struct Pdf {
    path: PathBuf,
}

impl Pdf {
    fn write(name: &str, bytes: &[u8]) -> Pdf {
        assert!(bytes.starts_with(b"%PDF-"), "{name}: output is not a PDF");
        let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.pdf"));
        std::fs::write(&path, bytes).expect("write pdf");
        Pdf { path }
    }

    fn render(name: &str, template: Template, data: &Value) -> Pdf {
        let bytes = printer().render(template, data).unwrap_or_else(|e| panic!("{name}: {e}"));
        Pdf::write(name, &bytes)
    }

    /// The text of all pages (or of page `page` only), with runs of whitespace collapsed.
    fn text_of(&self, page: Option<u32>) -> String {
        let mut cmd = Command::new("pdftotext");
        if let Some(p) = page {
            cmd.args(["-f", &p.to_string(), "-l", &p.to_string()]);
        }
        let out = cmd
            .arg(&self.path)
            .arg("-")
            .output()
            .expect("pdftotext not found: apt-get install poppler-utils");
        assert!(out.status.success(), "pdftotext failed on {}", self.path.display());
        String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn text(&self) -> String {
        self.text_of(None)
    }

    fn info(&self, key: &str) -> String {
        let out = Command::new("pdfinfo")
            .arg(&self.path)
            .output()
            .expect("pdfinfo not found: apt-get install poppler-utils");
        let info = String::from_utf8_lossy(&out.stdout).into_owned();
        info.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:")))
            .map(|v| v.trim().to_owned())
            .unwrap_or_else(|| panic!("pdfinfo has no {key}: {info}"))
    }

    fn pages(&self) -> u32 {
        self.info("Pages").parse().expect("page count")
    }

    fn is_landscape(&self) -> bool {
        self.info("Page size").starts_with("841.89 x 595.276")
    }
}

#[track_caller]
fn assert_contains(text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn intake_form_shows_the_visitor_and_the_assignment_box() {
    let pdf = Pdf::render("intake", Template::Intake, &sample(Template::Intake));
    let text = pdf.text();
    assert_contains(
        &text,
        &[
            "FORMULIR PENDAFTARAN LAYANAN",
            "LYN-2611-B-0142",
            "27-11-2026 09:12 WITA",
            "Yohanes Andrés Lung",
            "CV Karya Bénua Mandiri",
            "6407********0001",
            "Konsultasi",
            "Persyaratan SBU pada tender jalan usaha tani",
            "Tahap II (pagu Rp 1.250.000.000)",
            "Linggang Melapeh – Tahap II",
            "Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi",
            "penghapusan",
            "Petugas yang ditugaskan",
            "Kasubag",
            "Pengguna Layanan",
            "Dicetak: 27-11-2026 09:15 WITA",
            "Halaman 1 dari 1",
            "PEMERINTAH KABUPATEN KUTAI BARAT",
            "BAGIAN PENGADAAN BARANG/JASA",
        ],
    );
    assert_eq!(pdf.pages(), 1, "the intake form fits on one page");
}

#[test]
fn service_report_shows_times_rating_and_signatures() {
    let pdf = Pdf::render("service_report", Template::ServiceReport, &sample(Template::ServiceReport));
    let text = pdf.text();
    assert_contains(
        &text,
        &[
            "LAPORAN HASIL LAYANAN",
            "LYN-2611-B-0142",
            "6407********0001",
            "Rina Hapsari, S.T.",
            "NIP. 198503122010012004",
            "NIP. 197811052006041002",
            "09:24 WITA",
            "10:02 WITA",
            "12 menit",
            "38 menit",
            "5 (Sangat Baik)",
            "café",
            "Ditandatangani",
            ": Ya",
            "Pengguna Layanan,",
            "Petugas,",
            "Mengetahui,",
            "Kasubag,",
            "Sendawar, 27 November 2026",
            "Rp 1.250.000.000",
        ],
    );
    assert_eq!(pdf.pages(), 1, "a typical report fits on one page");
    assert_eq!(pdf.info("Title"), "Laporan Hasil Layanan");
}

#[test]
fn service_report_prints_the_duration_flag_instead_of_the_figure() {
    let mut data = sample(Template::ServiceReport);
    data["session"]["duration"] = json!("-17 menit");
    data["session"]["duration_flag"] = json!("Durasi tidak wajar: jam PC berbeda");
    let text = Pdf::render("service_report_flag", Template::ServiceReport, &data).text();
    assert_contains(&text, &["Durasi tidak wajar: jam PC berbeda", "12 menit"]);
    assert!(!text.contains("-17 menit"), "a flagged duration must not be printed");
}

#[test]
fn service_report_without_officer_or_rating_still_prints() {
    let mut data = sample(Template::ServiceReport);
    data["session"]["officer"] = Value::Null;
    data["session"]["rating"] = Value::Null;
    data["session"]["package"] = Value::Null;
    data["session"]["notes"] = Value::Null;
    let text = Pdf::render("service_report_sparse", Template::ServiceReport, &data).text();
    assert_contains(&text, &["Belum dinilai", "Tidak terkait paket tertentu", "Petugas,", "Mengetahui,"]);
}

#[test]
fn long_notes_flow_onto_further_pages_and_are_never_cut() {
    let words = [
        "penyedia",
        "dijelaskan",
        "dokumen",
        "kualifikasi",
        "SPSE",
        "jaminan",
        "penawaran",
        "evaluasi",
        "pokja",
        "kontrak",
        "addendum",
        "serah",
        "terima",
        "pekerjaan",
        "café",
    ];
    let mut notes = String::new();
    for i in 0..6000 {
        notes.push_str(words[i % words.len()]);
        notes.push(if i % 97 == 96 { '\n' } else { ' ' });
        if i % 600 == 599 {
            notes.push('\n');
        }
    }
    notes.push_str("AKHIR-CATATAN kalimat penutup terakhir.");
    let mut data = sample(Template::ServiceReport);
    data["session"]["notes"] = json!(notes);
    let pdf = Pdf::render("service_report_long", Template::ServiceReport, &data);
    let pages = pdf.pages();
    assert!(pages >= 2, "6,000 words fit on {pages} page(s)?");
    let text = pdf.text();
    assert_contains(&text, &["AKHIR-CATATAN kalimat penutup terakhir.", "Mengetahui,"]);
    let last = pdf.text_of(Some(pages));
    assert_contains(&last, &[&format!("Halaman {pages} dari {pages}"), "LYN-2611-B-0142"]);
}

#[test]
fn service_summary_table_breaks_across_pages_with_its_header() {
    let data = sample(Template::ServiceSummary);
    let pdf = Pdf::render("service_summary", Template::ServiceSummary, &data);
    let pages = pdf.pages();
    assert!(pages >= 2, "60 sessions should need more than one page");
    for page in 1..=pages {
        assert_contains(&pdf.text_of(Some(page)), &["Pokok Permasalahan", "Petugas", "Nilai"]);
    }
    let text = pdf.text();
    assert_contains(
        &text,
        &[
            "REKAP LAYANAN",
            "November 2026",
            "LYN-2611-A-0100",
            "LYN-2611-C-0159",
            "Menurut kategori",
            "Menurut status",
            "Konsultasi 45 75,0%",
            "Tidak wajar (jam PC berbeda)",
            "Kepala Bagian Pengadaan Barang/Jasa",
        ],
    );
}

#[test]
fn staff_performance_lists_every_officer() {
    let text =
        Pdf::render("staff_performance", Template::StaffPerformance, &sample(Template::StaffPerformance))
            .text();
    assert_contains(
        &text,
        &[
            "REKAP KINERJA PETUGAS",
            "Rina Hapsari, S.T.",
            "NIP. 198503122010012004",
            "NIP. 199505032020122001",
            "28 menit",
            "4,63",
            "92%",
            "93,0",
            "Seluruh petugas",
            "85,2",
        ],
    );
}

#[test]
fn satisfaction_report_shows_distribution_index_and_grade() {
    let text = Pdf::render("satisfaction", Template::Satisfaction, &sample(Template::Satisfaction)).text();
    assert_contains(
        &text,
        &[
            "INDEKS KEPUASAN PENGGUNA LAYANAN",
            "53",
            "4,15",
            "84,08",
            "B (Baik)",
            "Nilai setara IKM (konversi skala 1–5)",
            "Sangat Baik 24 45,3%",
            "Sangat Buruk 1 1,9%",
            "88,31 – 100,00",
        ],
    );
}

#[test]
fn risk_register_is_landscape_with_levels() {
    let pdf = Pdf::render("risk_register", Template::RiskRegister, &sample(Template::RiskRegister));
    assert!(pdf.is_landscape());
    let text = pdf.text();
    assert_contains(
        &text,
        &[
            "DAFTAR RISIKO",
            "R-2026-001",
            "R-2026-008",
            "Persekongkolan antarpeserta tender",
            "Sangat Tinggi",
            "Kurangi",
            "2 dari 3 (67%)",
            "Risiko Inheren",
            "Risiko Residual",
        ],
    );
}

#[test]
fn risk_map_draws_both_grids_with_axis_labels() {
    let pdf = Pdf::render("risk_map", Template::RiskMap, &sample(Template::RiskMap));
    assert!(pdf.is_landscape());
    let text = pdf.text();
    assert_contains(
        &text,
        &[
            "PETA RISIKO",
            "RISIKO INHEREN (8 risiko)",
            "RISIKO RESIDUAL (7 risiko)",
            "KEMUNGKINAN",
            "DAMPAK",
            "Hampir pasti",
            "Hampir tidak terjadi",
            "Tidak signifikan",
            "Sangat signifikan",
            "Sangat Rendah (1–5)",
            "Sangat Tinggi (20–25)",
        ],
    );

    let mut inherent_only = sample(Template::RiskMap);
    inherent_only["residual"] = Value::Null;
    let text = Pdf::render("risk_map_inherent", Template::RiskMap, &inherent_only).text();
    assert!(text.contains("RISIKO INHEREN") && !text.contains("RISIKO RESIDUAL"));
}

#[test]
fn visitor_data_lists_fields_and_sessions() {
    let text = Pdf::render("visitor_data", Template::VisitorData, &sample(Template::VisitorData)).text();
    assert_contains(
        &text,
        &[
            "DATA PRIBADI PENGUNJUNG",
            "Yohanes Andrés Lung",
            "6407********0001",
            "yohanes.lung@example.co.id",
            "LYN-2603-A-0021",
            "LYN-2611-B-0142",
            "Undang-Undang Nomor 27 Tahun 2022",
        ],
    );
}

#[test]
fn every_template_tolerates_missing_data() {
    for template in Template::ALL {
        let bytes = printer()
            .render(template, &json!({}))
            .unwrap_or_else(|e| panic!("{template} with empty data: {e}"));
        assert!(bytes.starts_with(b"%PDF-"));
    }
}

#[test]
fn an_override_folder_replaces_a_template_without_recompiling() {
    let dir = scratch_dir("overrides-intake");
    let edited = Template::Intake
        .embedded_source()
        .replace("tr(\"Data Pengguna Layanan\", \"Visitor\")", "\"Identitas Tamu Khusus\"");
    assert_ne!(edited, Template::Intake.embedded_source());
    std::fs::write(dir.join("intake.typ"), edited).expect("write override");
    let printer = Printer::new(Some(dir.clone()));
    let data = sample(Template::Intake);

    let text =
        Pdf::write("intake_override", &printer.render(Template::Intake, &data).expect("render")).text();
    assert!(text.contains("IDENTITAS TAMU KHUSUS"));
    assert!(!text.contains("DATA PENGGUNA LAYANAN"));

    // Other templates still come from the binary.
    let text = Pdf::write(
        "report_with_intake_override",
        &printer.render(Template::ServiceReport, &sample(Template::ServiceReport)).expect("render"),
    )
    .text();
    assert!(text.contains("PENGGUNA LAYANAN"));

    // An edit is picked up on the next render, and removing the file restores the built-in one.
    std::fs::write(
        dir.join("intake.typ"),
        "#import \"common.typ\": *\n#let data = json(\"data.json\")\nVersi kedua #data.session.ticket\n",
    )
    .expect("rewrite override");
    let text =
        Pdf::write("intake_override2", &printer.render(Template::Intake, &data).expect("render")).text();
    assert!(text.contains("Versi kedua LYN-2611-B-0142"), "{text}");
    std::fs::remove_file(dir.join("intake.typ")).expect("remove override");
    let text =
        Pdf::write("intake_override3", &printer.render(Template::Intake, &data).expect("render")).text();
    assert!(text.contains("DATA PENGGUNA LAYANAN"));
}

#[test]
fn an_override_of_common_changes_every_letterhead() {
    let dir = scratch_dir("overrides-common");
    let common = embedded_files()
        .find(|(name, _)| *name == "common.typ")
        .map(|(_, text)| text)
        .expect("common.typ is embedded");
    let edited = common.replace(
        "text(8.5pt, val(get(office, \"address\")))",
        "text(8.5pt, val(get(office, \"address\")) + \" · Telp. kantor: lihat papan informasi\")",
    );
    assert_ne!(edited, common);
    std::fs::write(dir.join("common.typ"), edited).expect("write override");
    let printer = Printer::new(Some(dir));
    for template in [Template::Satisfaction, Template::RiskMap] {
        let pdf = printer.render(template, &sample(template)).expect("render");
        let text = Pdf::write(&format!("common_override_{template}"), &pdf).text();
        assert!(text.contains("Telp. kantor: lihat papan informasi"), "{template}");
    }
}

#[test]
fn a_template_error_names_the_template_and_the_line() {
    let dir = scratch_dir("overrides-broken");
    std::fs::write(
        dir.join("service_report.typ"),
        "#import \"common.typ\": *\n#let data = json(\"data.json\")\n\n#let x = (1 +\n",
    )
    .expect("write broken override");
    let printer = Printer::new(Some(dir.clone()));
    let err = printer
        .render(Template::ServiceReport, &sample(Template::ServiceReport))
        .expect_err("a broken template must fail");
    assert_eq!(err.template(), Template::ServiceReport);
    let PrintError::Compile { message, .. } = &err else {
        panic!("expected a compile error, got {err:?}");
    };
    assert!(message.contains("service_report.typ:4:"), "{message}");
    let shown = err.to_string();
    assert!(shown.starts_with("template service_report.typ could not be laid out"), "{shown}");

    // A runtime error (unknown field) also names the file and the line.
    std::fs::write(
        dir.join("service_report.typ"),
        "#let data = json(\"data.json\")\n#data.session.no_such_field\n",
    )
    .expect("write override");
    let err =
        printer.render(Template::ServiceReport, &sample(Template::ServiceReport)).expect_err("unknown field");
    assert!(err.to_string().contains("service_report.typ:2:"), "{err}");
    assert!(err.to_string().contains("no_such_field"), "{err}");

    // A template that imports a package fails: nothing is downloaded.
    std::fs::write(dir.join("service_report.typ"), "#import \"@preview/tablex:0.0.9\": tablex\n")
        .expect("write override");
    let err = printer
        .render(Template::ServiceReport, &sample(Template::ServiceReport))
        .expect_err("packages are unavailable");
    assert!(err.to_string().contains("service_report.typ:1:"), "{err}");
}

#[test]
fn templates_cannot_read_outside_the_override_folder() {
    let root = scratch_dir("overrides-escape");
    std::fs::write(root.join("secret.txt"), "RAHASIA").expect("write secret");
    let dir = root.join("templates");
    std::fs::create_dir_all(&dir).expect("create dir");
    std::fs::write(dir.join("intake.typ"), "#read(\"../secret.txt\")\n").expect("write override");
    let err = Printer::new(Some(dir))
        .render(Template::Intake, &json!({}))
        .expect_err("reading outside the folder must fail");
    assert!(!err.to_string().contains("RAHASIA"), "{err}");
    assert!(err.to_string().contains("intake.typ:1:"), "{err}");
}

#[test]
fn one_printer_serves_several_threads() {
    let data = sample(Template::ServiceReport);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..3)
            .map(|i| {
                let mut data = data.clone();
                data["session"]["ticket"] = json!(format!("LYN-TEST-{i}"));
                scope.spawn(move || printer().render(Template::ServiceReport, &data))
            })
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            let pdf = handle.join().expect("thread").expect("render");
            let text = Pdf::write(&format!("threaded_{i}"), &pdf).text();
            assert!(text.contains(&format!("LYN-TEST-{i}")));
        }
    });
}

/// The session forms printed from a real store: every field comes from the records.
mod from_store {
    use amer_core::model::{Nip, StaffRole};
    use amer_core::print::SessionForm;
    use amer_core::store::{Actor, InitOptions, NewSession, NewStaff, VisitorInput};
    use amer_core::Store;

    use super::*;

    const ADMIN: &str = "198503122010011003";
    const OFFICER: &str = "199002202015031002";

    fn store_with_rated_session() -> (Store, String, amer_core::VisitorId) {
        let s = Store::open_in_memory().expect("open");
        s.init(InitOptions {
            office_name: "Bagian Pengadaan Barang/Jasa".into(),
            device_name: "PC 1".into(),
            timezone: None,
            node_id: None,
            public_key: None,
        })
        .expect("init");
        s.add_staff(
            &Actor::device(),
            NewStaff {
                nip: ADMIN.into(),
                name: "Drs. Markus Ingan".into(),
                title: None,
                role: StaffRole::Admin,
            },
        )
        .expect("admin");
        let admin = Actor::staff(Nip::parse(ADMIN).expect("nip"));
        s.add_staff(
            &admin,
            NewStaff {
                nip: OFFICER.into(),
                name: "Rina Hapsari, S.T.".into(),
                title: None,
                role: StaffRole::Petugas,
            },
        )
        .expect("officer");
        let r = s
            .register(
                &Actor::device(),
                NewSession {
                    category: "konsultasi".into(),
                    visitor: VisitorInput {
                        name: "Yohanes Lung".into(),
                        phone: Some("081255667788".into()),
                        nik: Some("6407015203900001".into()),
                        org: Some("CV Karya Benua".into()),
                        role: Some("penyedia".into()),
                        ..Default::default()
                    },
                    subject: "Persyaratan SBU pada tender jalan".into(),
                    ..Default::default()
                },
            )
            .expect("register");
        s.assign(&admin, &r.ticket, OFFICER).expect("assign");
        s.start(&Actor::device(), &r.ticket).expect("start");
        s.finish(
            &Actor::device(),
            &r.ticket,
            Some("SBU yang diperpanjang tetap sah."),
            Some("Unggah ulang SBU"),
            None,
        )
        .expect("finish");
        s.rate(&Actor::device(), &r.ticket, 5, Some("Jelas"), true).expect("rate");
        (s, r.ticket, r.visitor_id)
    }

    #[test]
    fn intake_and_report_from_the_store() {
        let (s, ticket, visitor) = store_with_rated_session();
        let intake = Pdf::write(
            "store_intake",
            &s.print_session(printer(), &ticket, SessionForm::Intake, Lang::Id).expect("intake"),
        );
        assert_contains(&intake.text(), &[&ticket, "Yohanes Lung", "6407********0001", "Persyaratan SBU"]);
        assert!(!intake.text().contains("6407015203900001"), "NIK is masked");
        let report = Pdf::write(
            "store_report",
            &s.print_session(printer(), &ticket, SessionForm::Report, Lang::Id).expect("report"),
        );
        let text = report.text();
        assert_contains(
            &text,
            &[
                &ticket,
                "Rina Hapsari",
                OFFICER,
                "Drs. Markus Ingan",
                "Sangat Baik",
                "SBU yang diperpanjang",
                "Unggah ulang SBU",
            ],
        );
        assert!(text.contains("WITA"), "times in the office time zone");

        s.erase_visitor(&Actor::staff(Nip::parse(ADMIN).expect("nip")), &visitor, "Permohonan 1/2026")
            .expect("erase");
        let after = Pdf::write(
            "store_report_erased",
            &s.print_session(printer(), &ticket, SessionForm::Report, Lang::Id).expect("report"),
        );
        let text = after.text();
        assert!(text.contains("[dihapus]") && !text.contains("Yohanes"), "{text}");
        assert_contains(&text, &[&ticket, "Sangat Baik"]);
    }

    #[test]
    fn session_forms_in_english_on_request_and_indonesian_by_default() {
        let (s, ticket, _) = store_with_rated_session();
        let report = Pdf::write(
            "store_report_en",
            &s.print_session(printer(), &ticket, SessionForm::Report, Lang::En).expect("report"),
        );
        let text = report.text();
        assert_contains(
            &text,
            &[
                "SERVICE REPORT",
                "Ticket Number",
                "SERVICE NOTES",
                "Waiting time",
                "Service duration",
                "Very good",
                "Consultation",
                "Acknowledged",
                "Page 1 of",
                &ticket,
            ],
        );
        for indonesian in
            ["LAPORAN HASIL LAYANAN", "CATATAN HASIL LAYANAN", "Sangat Baik", "Halaman", "Ditugaskan"]
        {
            assert!(!text.contains(indonesian), "English report still says {indonesian:?}: {text}");
        }
        let intake = Pdf::write(
            "store_intake_en",
            &s.print_session(printer(), &ticket, SessionForm::Intake, Lang::En).expect("intake"),
        );
        assert_contains(
            &intake.text(),
            &[
                "SERVICE REGISTRATION FORM",
                "TICKET NUMBER",
                "Personal Data Protection Notice",
                "6407********0001",
            ],
        );
        // Without a language the same session prints in Indonesian.
        let default = Pdf::write(
            "store_report_id",
            &s.print_session(printer(), &ticket, SessionForm::Report, Lang::default()).expect("report"),
        );
        let text = default.text();
        assert_contains(
            &text,
            &["LAPORAN HASIL LAYANAN", "CATATAN HASIL LAYANAN", "Sangat Baik", "Halaman 1 dari"],
        );
        assert!(!text.contains("SERVICE NOTES"), "{text}");
    }

    #[test]
    fn the_report_of_an_unfinished_session_is_refused() {
        let (s, _, _) = store_with_rated_session();
        let r = s
            .register(
                &Actor::device(),
                NewSession {
                    category: "pengaduan".into(),
                    visitor: VisitorInput { name: "X".into(), ..Default::default() },
                    subject: "y".into(),
                    ..Default::default()
                },
            )
            .expect("register");
        let err =
            s.print_session(printer(), &r.ticket, SessionForm::Report, Lang::Id).expect_err("not finished");
        assert!(err.to_string().contains("intake form"), "{err}");
    }

    #[test]
    fn visitor_data_export_pdf() {
        let (s, ticket, visitor) = store_with_rated_session();
        let pdf = Pdf::write(
            "store_visitor",
            &s.print_visitor_data(printer(), &visitor, Some(ADMIN)).expect("pdf"),
        );
        assert_contains(&pdf.text(), &["Yohanes Lung", &ticket, "6407********0001"]);
    }
}

/// The period reports printed from a real store: sessions with known times (crafted documents
/// handed to the store as sync would), risks added through the store, every figure traced to
/// the PDF's text.
mod reports_from_store {
    use amer_core::doc::session::{SessionInit, SessionOp};
    use amer_core::doc::{self, Document};
    use amer_core::model::{Category, Channel, Nip, OneToFive, Package, Score, StaffRole, Stamp};
    use amer_core::print::reports::{print_report, staff_performance_json, ReportKind};
    use amer_core::report::{staff_performance, Period, ReportFilter};
    use amer_core::store::{Actor, InitOptions, NewRisk, NewStaff};
    use amer_core::{DocKind, SessionId, Store, VisitorId};
    use chrono::TimeZone;

    use super::*;

    const ADMIN: &str = "198503122010011003";
    const KASUBAG: &str = "197901152005012001";
    const BUDI: &str = "199002202015031002";
    const DEWI: &str = "199105102016041001";

    fn actor(nip: &str) -> Actor {
        Actor::staff(Nip::parse(nip).expect("nip"))
    }

    /// Milliseconds of a wall-clock time in WITA ("2026-03-02 09:10").
    fn wita(s: &str) -> i64 {
        let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("time");
        chrono_tz::Asia::Makassar.from_local_datetime(&t).single().expect("local").timestamp_millis()
    }

    /// A session served by `officer` (arrival, start, finish in WITA), rated when `score` is set.
    fn served(
        s: &Store,
        n: u32,
        category: Category,
        subject: &str,
        officer: &str,
        times: [&str; 3],
        score: Option<u8>,
    ) {
        let id = SessionId::random();
        let mut d = Document::new(id.doc(), DocKind::Session, &automerge::ActorId::random());
        let stamp = |at: i64| Stamp { at, by: None, device: "T".into() };
        let init = SessionInit {
            ticket: format!("{}-260302-T-{n:03}", category.ticket_letter()),
            category,
            channel: Channel::TatapMuka,
            visitor: VisitorId::random(),
            org: None,
            role: None,
            sealed: vec![0; 40],
            package: None::<Package>,
            stage: None,
            subject: subject.into(),
            description: None,
            objection: None,
            notes: String::new(),
        };
        let [arrived, started, finished] = times.map(wita);
        doc::session::create(&mut d, &init, &stamp(arrived)).expect("create");
        let mut apply = |op: SessionOp, at: i64| doc::session::apply(&mut d, &op, &stamp(at)).expect("op");
        apply(SessionOp::Assign { officer: officer.into() }, arrived + 30_000);
        apply(SessionOp::Start, started);
        apply(SessionOp::Finish { recommendation: None, follow_up: None }, finished);
        if let Some(score) = score {
            let score = Score::from_value(i64::from(score)).expect("1..5");
            apply(SessionOp::Rate { score, comment: None, signed: true }, finished.max(started) + 60_000);
        }
        s.apply_doc(&id.doc(), DocKind::Session, &d.save()).expect("apply");
    }

    /// March 2026: Budi serves three visitors (12 and 20 minutes, and one whose PCs' clocks
    /// disagree: finished before started), rated 5, 4, 5; Dewi serves one complaint in 10
    /// minutes, rated 3. Three risks, two of them in the same cell (likelihood 4, impact 4).
    fn march() -> (Store, Vec<String>) {
        let s = Store::open_in_memory().expect("open");
        s.init(InitOptions {
            office_name: "Bagian Pengadaan Barang/Jasa".into(),
            device_name: "PC Loket".into(),
            timezone: None,
            node_id: None,
            public_key: None,
        })
        .expect("init");
        s.add_staff(
            &Actor::device(),
            NewStaff { nip: ADMIN.into(), name: "Andi Admin".into(), title: None, role: StaffRole::Admin },
        )
        .expect("admin");
        for (nip, name, role) in [
            (KASUBAG, "Sari Kasubag", StaffRole::Kasubag),
            (BUDI, "Budi Santoso, S.Kom.", StaffRole::Petugas),
            (DEWI, "Dewi Lestari, S.E.", StaffRole::Petugas),
        ] {
            s.add_staff(&actor(ADMIN), NewStaff { nip: nip.into(), name: name.into(), title: None, role })
                .expect("staff");
        }
        s.update_office(
            &actor(ADMIN),
            Some("Pemerintah Kabupaten Kutai Barat"),
            Some("Bagian Pengadaan Barang/Jasa"),
            Some("Jalan Sendawar Raya No. 1, Barong Tongkok"),
            None,
            None,
        )
        .expect("letterhead");
        let k = Category::Konsultasi;
        served(
            &s,
            1,
            k,
            "Tata cara e-purchasing",
            BUDI,
            ["2026-03-02 09:00", "2026-03-02 09:10", "2026-03-02 09:22"],
            Some(5),
        );
        served(
            &s,
            2,
            k,
            "Dokumen pemilihan",
            BUDI,
            ["2026-03-02 09:05", "2026-03-02 09:30", "2026-03-02 09:50"],
            Some(4),
        );
        served(
            &s,
            3,
            k,
            "Jaminan penawaran",
            BUDI,
            ["2026-03-04 11:00", "2026-03-04 11:10", "2026-03-04 11:05"],
            Some(5),
        );
        served(
            &s,
            4,
            Category::Pengaduan,
            "Keterlambatan pembayaran",
            DEWI,
            ["2026-03-03 10:00", "2026-03-03 10:05", "2026-03-03 10:15"],
            Some(3),
        );
        let mut codes = Vec::new();
        for (title, event, l, i) in [
            ("Persekongkolan tender", "Peserta mengatur harga penawaran", 4, 4),
            ("Kontrak tidak sesuai", "Spesifikasi kontrak berbeda dari dokumen pemilihan", 4, 4),
            ("Salah ketik dokumen", "Nilai HPS salah ketik", 1, 3),
        ] {
            let r = s
                .add_risk(
                    &actor(KASUBAG),
                    NewRisk {
                        title: title.into(),
                        stage: "pemilihan".into(),
                        event: event.into(),
                        likelihood: Some(l),
                        impact: Some(i),
                        category: Some("fraud".into()),
                        cause: Some("Pasar penyedia lokal terbatas".into()),
                        owner: Some("Pokja Pemilihan 3".into()),
                        opd: Some("Dinas PUPR".into()),
                        ..Default::default()
                    },
                )
                .expect("risk");
            codes.push(r.code);
        }
        s.assess_risk(&actor(KASUBAG), &codes[0], 2, 3, true).expect("residual");
        (s, codes)
    }

    /// Sessions of March 2026; risks of every period (they are recorded today).
    fn print(s: &Store, kind: ReportKind, name: &str) -> Pdf {
        let period = match kind {
            ReportKind::RiskRegister | ReportKind::RiskMap => Period::all(),
            _ => Period::month(2026, 3).expect("march"),
        };
        let bytes = print_report(s, printer(), kind, &period, &ReportFilter::default(), Lang::Id)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        Pdf::write(name, &bytes)
    }

    #[test]
    fn staff_performance_figures_reach_the_paper() {
        let (s, _) = march();
        let period = Period::month(2026, 3).expect("march");
        let data = staff_performance_json(
            &staff_performance(&s, &period, &ReportFilter::default()).expect("report"),
            Lang::Id,
        );
        let budi = &data["officers"][0];
        assert_eq!(budi["name"], "Budi Santoso, S.Kom.");
        assert_eq!(budi["served"], 3);
        assert_eq!(
            budi["mean_duration"], "16 menit (1 ditandai)",
            "the flagged duration is left out, and said so"
        );
        assert_eq!(budi["median_duration"], "16 menit");
        assert_eq!(budi["mean_rating"], "4,67");
        assert_eq!(budi["share_good"], "100%");
        // 25 + (14/3 − 1) × 18.75 = 93.75.
        assert_eq!((budi["index"].as_str(), budi["grade"].as_str()), (Some("93,75"), Some("A")));
        assert_eq!(data["total"]["served"], 4);
        assert_eq!(
            data["period"],
            json!({ "label": "Maret 2026", "from": "01-03-2026", "to": "31-03-2026" })
        );

        let pdf = print(&s, ReportKind::StaffPerformance, "store_staff_performance");
        assert_contains(
            &pdf.text(),
            &[
                "REKAP KINERJA PETUGAS",
                "Maret 2026",
                "Budi Santoso, S.Kom.",
                BUDI,
                "Dewi Lestari, S.E.",
                "93,75",
                "4,67",
                "16 menit (1 ditandai)",
                "10 menit",
                "Seluruh petugas",
            ],
        );
    }

    #[test]
    fn period_reports_in_english() {
        let (s, _) = march();
        let period = Period::month(2026, 3).expect("march");
        let f = ReportFilter::default();
        let en = |kind: ReportKind, name: &str| {
            Pdf::write(name, &print_report(&s, printer(), kind, &period, &f, Lang::En).expect("pdf")).text()
        };
        let text = en(ReportKind::StaffPerformance, "store_staff_performance_en");
        assert_contains(
            &text,
            &[
                "STAFF PERFORMANCE SUMMARY",
                "March 2026",
                "All officers",
                "93.75",
                "4.67",
                "16 min (1 flagged)",
            ],
        );
        assert!(!text.contains("menit") && !text.contains("Maret"), "{text}");
        let text = en(ReportKind::Satisfaction, "store_satisfaction_en");
        assert_contains(
            &text,
            &["VISITOR SATISFACTION INDEX", "4.25", "85.94", "B (Good)", "All categories"],
        );
        let text = en(ReportKind::ServiceSummary, "store_service_summary_en");
        assert_contains(&text, &["SERVICE SUMMARY", "By category", "Consultation", "12 min", "CHECK"]);
        assert!(!text.contains("PERIKSA"), "{text}");
        let all = Period::all();
        let risks = |kind: ReportKind, name: &str| {
            Pdf::write(name, &print_report(&s, printer(), kind, &all, &f, Lang::En).expect("pdf")).text()
        };
        let text = risks(ReportKind::RiskRegister, "store_risk_register_en");
        assert_contains(
            &text,
            &["PROCUREMENT RISK REGISTER", "Inherent Risk", "High", "Every recorded risk"],
        );
        assert!(!text.contains("Tinggi") && !text.contains("Keterangan"), "{text}");
        let text = risks(ReportKind::RiskMap, "store_risk_map_en");
        assert_contains(
            &text,
            &["PROCUREMENT RISK MAP", "INHERENT RISK", "(3 risks)", "LIKELIHOOD", "Almost certain"],
        );
    }

    #[test]
    fn satisfaction_index_with_grade() {
        let (s, _) = march();
        let pdf = print(&s, ReportKind::Satisfaction, "store_satisfaction");
        // Ratings 5, 4, 5, 3: mean 4.25, index 25 + 3.25 × 18.75 = 85.9375, grade B.
        assert_contains(&pdf.text(), &["INDEKS KEPUASAN", "4,25", "85,94", "B (Baik)", "Semua kategori"]);
    }

    #[test]
    fn service_summary_lists_sessions_and_prints_the_clock_warning() {
        let (s, _) = march();
        let text = print(&s, ReportKind::ServiceSummary, "store_service_summary").text();
        assert_contains(
            &text,
            &[
                "REKAP LAYANAN",
                "K-260302-T-001",
                "Tata cara e-purchasing",
                "Budi Santoso, S.Kom.",
                "12 menit",
                "Keterlambatan pembayaran",
                "PERIKSA",
                "02-03-2026",
            ],
        );
    }

    #[test]
    fn risk_register_and_map() {
        let (s, codes) = march();
        let text = print(&s, ReportKind::RiskRegister, "store_risk_register").text();
        assert_contains(
            &text,
            &[
                "DAFTAR RISIKO",
                &codes[0],
                &codes[2],
                "Persekongkolan tender:",
                "Peserta mengatur harga penawaran",
                "Pasar penyedia lokal terbatas",
                "Pokja Pemilihan 3",
                "Tinggi",
            ],
        );
        let map = print(&s, ReportKind::RiskMap, "store_risk_map");
        assert!(map.is_landscape());
        let text = map.text();
        assert_contains(
            &text,
            &["PETA RISIKO", "RISIKO INHEREN", "(3 risiko)", "RISIKO RESIDUAL", "(1 risiko)"],
        );
        // Read row by row: likelihood 4 (Sering) holds two risks under impact 4 on the inherent
        // map, none on the residual one.
        let out =
            Command::new("pdftotext").arg("-layout").arg(&map.path).arg("-").output().expect("pdftotext");
        let layout = String::from_utf8_lossy(&out.stdout).into_owned();
        let sering = layout
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .find(|l| l.starts_with("Sering 4"))
            .unwrap_or_default();
        assert_eq!(sering, "Sering 4 0 0 0 2 0 Sering 4 0 0 0 0 0", "{layout}");
    }
}
