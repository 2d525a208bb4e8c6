//! Exports read back: CSV through an independent parser, XLSX through its zip container, JSON
//! through serde; sessions with visitors' names as the store shows them, risks and reports.

use std::io::Read;
use std::path::Path;

use amer_core::export::{export_report, export_risks, export_sessions, ExportFormat};
use amer_core::model::VisitorPersonal;
use amer_core::report::{risk_report, staff_performance, topics, Period, ReportFilter};
use amer_core::store::{NewRisk, NewSession, SessionFilter, VisitorInput};
use amer_core::{Error, Store};

use crate::*;

/// Three real sessions through the store's API: one rated, one with a name full of CSV
/// specials, one whose visitor's data is then erased.
fn fixture(s: &Store) -> Vec<String> {
    let mut tickets = Vec::new();
    for (name, phone, subject) in [
        ("Rina Wulandari", "0812-3456-7890", "Tata cara e-purchasing"),
        ("Siti \"Ani\", S.E.", "0813-1111-2222", "Jaminan penawaran,\nbaris kedua"),
        ("Yohanes Ñandú", "0814-3333-4444", "=1+1 bukan rumus"),
    ] {
        let r = s
            .register(
                &amer_core::store::Actor::device(),
                NewSession {
                    category: "konsultasi".into(),
                    visitor: VisitorInput {
                        name: name.into(),
                        phone: Some(phone.into()),
                        org: Some("CV Maju Jaya".into()),
                        ..Default::default()
                    },
                    subject: subject.into(),
                    ..Default::default()
                },
            )
            .expect("register");
        tickets.push(r.ticket);
    }
    let t = &tickets[0];
    s.assign(&actor(KASUBAG), t, BUDI).expect("assign");
    s.start(&actor(BUDI), t).expect("start");
    s.finish(&actor(BUDI), t, Some("Dijelaskan alur katalog."), None, None).expect("finish");
    s.rate(&actor(BUDI), t, 5, None, true).expect("rate");
    let erased = s.session(&tickets[2]).expect("session").visitor.id;
    s.erase_visitor(&actor(ADMIN), &erased, "Permohonan 01/2026").expect("erase");
    assert!(matches!(s.session(&tickets[2]).expect("session").visitor.personal, VisitorPersonal::Erased));
    s.add_risk(
        &actor(KASUBAG),
        NewRisk {
            title: "Persekongkolan tender".into(),
            stage: "pemilihan".into(),
            event: "Peserta mengatur harga".into(),
            likelihood: Some(4),
            impact: Some(4),
            ..Default::default()
        },
    )
    .expect("risk");
    tickets
}

fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).expect("read");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 byte-order mark for Excel");
    let text = std::str::from_utf8(&bytes[3..]).expect("utf8");
    assert!(text.contains("\r\n"), "CRLF line ends");
    let mut r = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = r.headers().expect("header").iter().map(String::from).collect();
    let rows = r.records().map(|x| x.expect("record").iter().map(String::from).collect()).collect();
    (header, rows)
}

fn zip_text(bytes: &[u8], name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("xlsx is a zip");
    let mut out = String::new();
    z.by_name(name).expect(name).read_to_string(&mut out).expect("read");
    out
}

#[test]
fn sessions_round_trip_through_csv_xlsx_and_json() {
    let s = office();
    let tickets = fixture(&s);
    let dir = tempfile::tempdir().expect("dir");

    let csv_path = dir.path().join("layanan.csv");
    let out = export_sessions(&s, ExportFormat::Csv, &csv_path, &SessionFilter::default()).expect("csv");
    assert_eq!((out.rows, out.files.len()), (3, 1));
    let (header, rows) = read_csv(&csv_path);
    assert_eq!(
        &header[..6],
        ["No. tiket", "Kategori", "Status", "Nama pengunjung", "Instansi/perusahaan", "Perihal"]
    );
    assert_eq!(header[8], "Datang (WITA)");
    assert_eq!(rows.len(), 3);
    let by_ticket = |t: &str| rows.iter().find(|r| r[0] == t).expect("row").clone();
    let rina = by_ticket(&tickets[0]);
    assert_eq!(
        (rina[1].as_str(), rina[2].as_str(), rina[3].as_str()),
        ("Konsultasi", "Dinilai", "Rina Wulandari")
    );
    assert_eq!((rina[6].as_str(), rina[7].as_str()), (BUDI, "Budi Petugas"));
    assert_eq!((rina[14].as_str(), rina[15].as_str()), ("5", "Sangat Baik"));
    // Arrival as a local time in the office's zone, minute precision.
    let arrived = chrono::NaiveDateTime::parse_from_str(&rina[8], "%Y-%m-%d %H:%M").expect("local time");
    let now_wita = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Makassar).naive_local();
    assert!((now_wita - arrived).num_minutes().abs() <= 2, "{arrived} vs {now_wita}");
    let siti = by_ticket(&tickets[1]);
    assert_eq!(siti[3], "Siti \"Ani\", S.E.", "quotes and commas survive");
    assert_eq!(siti[5], "Jaminan penawaran,\nbaris kedua", "line breaks survive");
    let erased = by_ticket(&tickets[2]);
    assert_eq!(erased[3], "[dihapus]", "an erased visitor's name is never exported");
    assert_eq!(erased[5], "'=1+1 bukan rumus", "text never runs as a formula");
    assert!(!std::fs::read_to_string(&csv_path).expect("text").contains("Ñandú"));

    let xlsx_path = dir.path().join("layanan.xlsx");
    let out = export_sessions(&s, ExportFormat::Xlsx, &xlsx_path, &SessionFilter::default()).expect("xlsx");
    assert_eq!(out.rows, 3);
    let bytes = std::fs::read(&xlsx_path).expect("read");
    assert!(bytes.starts_with(b"PK\x03\x04"), "an XLSX file is a zip");
    let strings = zip_text(&bytes, "xl/sharedStrings.xml");
    for known in
        ["No. tiket", "Datang (WITA)", "Rina Wulandari", "[dihapus]", "Budi Petugas", "=1+1 bukan rumus"]
    {
        assert!(strings.contains(known), "{known} in the shared strings");
    }
    assert!(zip_text(&bytes, "xl/workbook.xml").contains("name=\"Layanan\""));
    assert!(zip_text(&bytes, "xl/styles.xml").contains("dd/mm/yyyy hh:mm"), "real Excel dates");
    let sheet = zip_text(&bytes, "xl/worksheets/sheet1.xml");
    assert!(sheet.contains("<pane") && sheet.contains("autoFilter"), "frozen, filterable header");
    assert!(!sheet.contains("<f>"), "no formulas");

    let json_path = dir.path().join("layanan.json");
    export_sessions(&s, ExportFormat::Json, &json_path, &SessionFilter::default()).expect("json");
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).expect("read")).expect("json");
    let rows = v.as_array().expect("array");
    assert_eq!(rows.len(), 3);
    let rina = rows.iter().find(|r| r["ticket"] == tickets[0].as_str()).expect("row");
    assert_eq!(rina["category"]["code"], "konsultasi");
    assert_eq!(rina["status"]["label"], "Dinilai");
    assert_eq!(rina["visitor_name"], "Rina Wulandari");
    assert!(rina["arrived_at"].as_str().expect("time").ends_with("+08:00"), "office time zone");

    // No temporary file is left behind.
    let left: Vec<_> =
        std::fs::read_dir(dir.path()).expect("dir").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(left.len(), 3, "{left:?}");
}

#[test]
fn risks_and_reports_export() {
    let s = office();
    fixture(&s);
    crate::performance::march(&s);
    let dir = tempfile::tempdir().expect("dir");

    let p = dir.path().join("risiko.csv");
    export_risks(&s, ExportFormat::Csv, &p).expect("risks");
    let (header, rows) = read_csv(&p);
    assert_eq!(header[0], "Kode");
    assert_eq!(rows.len(), 1);
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert_eq!(
        (rows[0][col("Skor inheren")].as_str(), rows[0][col("Tingkat inheren")].as_str()),
        ("19", "Tinggi")
    );

    let perf =
        staff_performance(&s, &Period::month(2026, 3).expect("p"), &ReportFilter::default()).expect("perf");
    let p = dir.path().join("kinerja.csv");
    let out = export_report(&perf, ExportFormat::Csv, &p).expect("csv");
    assert_eq!(out.files, std::slice::from_ref(&p));
    let (header, rows) = read_csv(&p);
    assert_eq!(header[..2], ["NIP", "Nama petugas"]);
    assert_eq!(rows.len(), 3, "two officers and the total");
    let budi = &rows[0];
    assert_eq!((budi[1].as_str(), budi[3].as_str()), ("Budi Petugas", "4"));
    assert_eq!(budi[header.iter().position(|h| h.starts_with("Rata-rata lama")).expect("col")], "25.0");
    assert_eq!(budi[header.iter().position(|h| h.starts_with("Indeks")).expect("col")], "85.94");
    assert_eq!(budi[header.iter().position(|h| h == "Mutu").expect("col")], "B");
    assert_eq!(rows[2][1], "Semua petugas");

    // A report of several tables: one CSV per table, all sheets in one workbook, JSON whole.
    let t = topics(&s, &Period::all(), &ReportFilter::default(), 10).expect("topics");
    let out = export_report(&t, ExportFormat::Csv, &dir.path().join("topik.csv")).expect("csv");
    assert_eq!(out.files.len(), 8);
    assert!(out.files.iter().any(|f| f.ends_with("topik-kata-tersering.csv")), "{:?}", out.files);
    assert!(out.files.iter().all(|f| f.exists()));
    let x = dir.path().join("topik.xlsx");
    export_report(&t, ExportFormat::Xlsx, &x).expect("xlsx");
    let wb = zip_text(&std::fs::read(&x).expect("read"), "xl/workbook.xml");
    assert_eq!(wb.matches("<sheet ").count(), 8, "{wb}");
    let r = risk_report(&s, &Period::all()).expect("risk");
    let j = dir.path().join("risiko.json");
    export_report(&r, ExportFormat::Json, &j).expect("json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&j).expect("read")).expect("json");
    assert_eq!(v["inherent_map"]["rows"][1]["cells"][3]["count"], 1);
    assert_eq!(v["register"][0]["inherent"]["level"]["label"], "Tinggi");
    let x = dir.path().join("peta.xlsx");
    export_report(&r, ExportFormat::Xlsx, &x).expect("xlsx");
    assert!(zip_text(&std::fs::read(&x).expect("read"), "xl/sharedStrings.xml").contains("skor 19 · Tinggi"));

    // An export that cannot be written says so and leaves nothing.
    let bad = dir.path().join("tidak-ada").join("x.csv");
    let err = export_risks(&s, ExportFormat::Csv, &bad).expect_err("no folder");
    assert!(matches!(err, Error::Export(_)), "{err}");
    assert!(!bad.with_file_name(".x.csv.part").exists());
}
