//! Report benchmarks over 1,000,000 sessions (a bench binary; run
//! `cargo bench -p amer-core --bench reports`, release build).
//!
//! Builds a file store with an office, 30 officers and a few hundred visitors registered
//! through the API (their sealed names are real), then bulk-inserts synthetic **projection
//! rows** (`sessions`, `session_fts`, `risks`, `risk_links`) through a plain SQLite connection
//! in one transaction: reports read only projections, so they see exactly what they would see
//! had the sessions been recorded one by one (no session documents exist for the synthetic
//! rows). Distributions: 30 officers, 70/20/10 % konsultasi/pengaduan/sanggahan over two years
//! of working days, lifecycle states, skewed ratings, waiting and service times with a few
//! flagged ones, subjects and notes from a vocabulary, OPDs, package types and methods, stages,
//! repeat visitors, 0.1 % invalid sessions, 2,000 risks.
//!
//! The day aggregates (schema 4) are first rebuilt from the projection (timed); then every
//! report is timed several times (median and min printed), over the whole two years and over
//! one month; then a report right after 1 and after 100 writes (which pays for refreshing the
//! written days), and what the dirty-day triggers add to one projection upsert. Peak RSS is
//! measured per report (Linux `clear_refs`).
//!
//! Options: `--sessions N` (default 1,000,000), `--runs N` (default 5), `--keep DIR` (build or
//! reuse the database in DIR instead of a temporary folder).

use std::time::{Duration, Instant};

use amer_core::export::{export_report, export_sessions, ExportFormat};
use amer_core::model::{Category, StaffRole};
use amer_core::report::{self, Period, ReportFilter};
use amer_core::store::{Actor, InitOptions, NewSession, NewStaff, SessionFilter, VisitorInput};
use amer_core::Store;
use chrono::{Datelike, Duration as Days, NaiveDate, Weekday};
use rusqlite::params;

const ADMIN: &str = "198503122010011003";

/// The schema-3 report index, for a database kept from a bench run before it was a migration.
const PROPOSED_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS sessions_report ON sessions(arrived_at, category, officer_nip, status, started_at,
    waiting_s, duration_s, score, stage, package_type, package_method, opd, visitor_id, subject)
    WHERE invalid_reason IS NULL;
";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// Index by cumulative weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as u64) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
    /// Roughly log-normal seconds around `median`.
    fn duration(&mut self, median: f64) -> i64 {
        let g: f64 = (0..4).map(|_| self.unit()).sum::<f64>() - 2.0; // ~N(0, 0.58)
        (median * (g * 0.9).exp()).round().max(30.0) as i64
    }
}

const TOPICS: &[&str] = &[
    "Tata cara e-purchasing katalog elektronik",
    "Penyusunan HPS pekerjaan konstruksi",
    "Sanggah hasil evaluasi tender",
    "Keterlambatan pembayaran termin",
    "Jaminan penawaran dan jaminan pelaksanaan",
    "Persyaratan kualifikasi penyedia",
    "Pengadaan langsung di bawah 200 juta",
    "Penunjukan langsung keadaan darurat",
    "Kontrak payung dan kontrak harga satuan",
    "Addendum kontrak pekerjaan",
    "Serah terima pekerjaan (PHO)",
    "Denda keterlambatan pekerjaan",
    "Akun SPSE terkunci",
    "Reviu dokumen persiapan pengadaan",
    "RUP belum diumumkan",
    "Tender cepat jasa lainnya",
    "Seleksi jasa konsultansi perencanaan",
    "Dugaan persekongkolan tender",
    "Pengaduan kualitas barang",
    "Konsolidasi paket pengadaan",
    "Toko daring dan katalog lokal",
    "Swakelola tipe III",
    "Pemutusan kontrak",
    "Daftar hitam penyedia",
];

const WORDS: &[&str] = &[
    "dokumen",
    "pemilihan",
    "penyedia",
    "kontrak",
    "pembayaran",
    "katalog",
    "elektronik",
    "tender",
    "evaluasi",
    "kualifikasi",
    "jaminan",
    "penawaran",
    "harga",
    "pekerjaan",
    "konstruksi",
    "konsultansi",
    "barang",
    "jasa",
    "spse",
    "akun",
    "pokja",
    "ppk",
    "anggaran",
    "termin",
    "addendum",
    "denda",
    "keterlambatan",
    "serah",
    "terima",
    "pemeriksaan",
    "hasil",
    "sanggah",
    "banding",
    "pengumuman",
    "jadwal",
    "persyaratan",
    "teknis",
    "administrasi",
    "lokal",
    "daring",
    "toko",
    "usaha",
    "kecil",
    "koperasi",
    "rencana",
    "umum",
    "pengadaan",
    "swakelola",
    "darurat",
    "bencana",
    "inspektorat",
    "apip",
    "lkpp",
    "regulasi",
    "perpres",
    "peraturan",
    "lembaga",
    "surat",
    "permohonan",
    "klarifikasi",
    "pembuktian",
    "kualifikasi",
    "negosiasi",
    "reviu",
    "konsolidasi",
    "paket",
    "nilai",
    "pagu",
    "hps",
    "rincian",
    "volume",
    "spesifikasi",
    "gambar",
    "lokasi",
    "jalan",
    "jembatan",
    "sekolah",
    "puskesmas",
    "irigasi",
    "gedung",
    "kantor",
    "kendaraan",
    "obat",
    "alat",
];

const STOP: &[&str] =
    &["yang", "dan", "di", "ke", "dari", "untuk", "dengan", "atau", "ini", "itu", "pada", "sudah"];

const OPDS: &[&str] = &[
    "Dinas PUPR",
    "Dinas Kesehatan",
    "Dinas Pendidikan",
    "RSUD Harapan Insani",
    "Dinas Perhubungan",
    "Dinas Pertanian",
    "BPBD",
    "Dinas Lingkungan Hidup",
    "Bappelitbangda",
    "Dinas Perkim",
    "Dinas Sosial",
    "Dinas Kominfo",
    "Sekretariat Daerah",
    "Sekretariat DPRD",
    "Inspektorat",
    "BPKAD",
    "Dinas Pariwisata",
    "Dinas Perikanan",
    "Dinas Koperasi dan UKM",
    "Satpol PP",
    "Kecamatan Barong Tongkok",
    "Kecamatan Melak",
];

fn nip(i: usize) -> String {
    format!(
        "{:04}{:02}{:02}{:04}{:02}{}{:03}",
        1975 + i % 20,
        1 + i % 12,
        1 + i % 28,
        2005 + i % 10,
        1 + i % 12,
        1 + i % 2,
        i + 1
    )
}

fn args() -> (usize, usize, Option<std::path::PathBuf>) {
    let a: Vec<String> = std::env::args().collect();
    let val = |name: &str| a.iter().position(|x| x == name).and_then(|i| a.get(i + 1)).cloned();
    (
        val("--sessions").and_then(|v| v.parse().ok()).unwrap_or(1_000_000),
        val("--runs").and_then(|v| v.parse().ok()).unwrap_or(5),
        val("--keep").map(Into::into),
    )
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Builds the store: office, officers, real visitors through the API, then bulk projection rows.
fn build(dir: &std::path::Path, n: usize) -> anyhow::Result<Store> {
    let path = dir.join("amer.db");
    let marker = dir.join("built");
    if marker.exists() && std::fs::read_to_string(&marker)?.trim() == n.to_string() {
        eprintln!("reusing {}", path.display());
        return Ok(Store::open(&path)?);
    }
    let _ = std::fs::remove_file(&path);
    let t0 = Instant::now();
    let store = Store::open(&path)?;
    store.init(InitOptions {
        office_name: "Bagian Pengadaan Barang/Jasa".into(),
        device_name: "PC Bench".into(),
        timezone: None,
        node_id: None,
        public_key: None,
    })?;
    store.add_staff(
        &Actor::device(),
        NewStaff { nip: ADMIN.into(), name: "Andi Admin".into(), title: None, role: StaffRole::Admin },
    )?;
    let admin = Actor::staff(amer_core::model::Nip::parse(ADMIN)?);
    let officers: Vec<String> = (0..30).map(nip).collect();
    for (i, o) in officers.iter().enumerate() {
        store.add_staff(
            &admin,
            NewStaff {
                nip: o.clone(),
                name: format!("Petugas {:02}", i + 1),
                title: None,
                role: StaffRole::Petugas,
            },
        )?;
    }
    // 300 real visitors: their sealed personal data is opened when lists show names.
    let mut real: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..300 {
        store.register(
            &Actor::device(),
            NewSession {
                category: "konsultasi".into(),
                visitor: VisitorInput {
                    name: format!("Pengunjung {i}"),
                    phone: Some(format!("0812{:08}", i)),
                    ..Default::default()
                },
                subject: "Registrasi".into(),
                arrived_at: Some(1_700_000_000_000),
                ..Default::default()
            },
        )?;
    }
    let mut conn = rusqlite::Connection::open(&path)?;
    conn.busy_timeout(Duration::from_secs(30))?;
    {
        let mut st = conn.prepare("SELECT visitor_id, visitor_sealed FROM sessions")?;
        real.extend(st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?);
    }
    conn.execute("DELETE FROM session_fts", [])?;
    conn.execute("DELETE FROM sessions", [])?;
    eprintln!("office, 30 officers, 300 visitors through the API: {:.1} s", t0.elapsed().as_secs_f64());

    let t1 = Instant::now();
    let mut rng = Rng(0xA3E2_2026);
    let end = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let start = end - Days::days(730);
    let days: Vec<NaiveDate> = (0..=730)
        .map(|d| start + Days::days(d))
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    let visitors = 200_000u64;
    let tx = conn.transaction()?;
    {
        let mut ins = tx.prepare(
            "INSERT INTO sessions(rowid, id, ticket, category, channel, status, visitor_id, visitor_org, visitor_role,
               visitor_sealed, package_code, package_name, opd, package_type, package_method, stage, subject, officer_nip,
               assigned_by, device, day, arrived_at, assigned_at, started_at, finished_at, rated_at, cancelled_at,
               waiting_s, duration_s, timing_flag, score, signed, follow_target, objection_announced, objection_filed,
               objection_answered, conflicts, invalid_reason, review_reason)
             VALUES (?1, ?2, ?3, ?4, 'tatap_muka', ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, 'B',
               ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, NULL, ?31, ?32, ?33, 0, ?34, NULL)",
        )?;
        let mut fts = tx
            .prepare("INSERT INTO session_fts(rowid, subject, description, notes) VALUES (?1, ?2, ?3, ?4)")?;
        let mut fake_sealed = vec![0u8; 160];
        for i in 0..n {
            let day = days[i * days.len() / n];
            let cat =
                [Category::Konsultasi, Category::Pengaduan, Category::Sanggahan][rng.weighted(&[70, 20, 10])];
            let day_ms = (day.and_hms_opt(0, 0, 0).expect("t").and_utc().timestamp() - 8 * 3600) * 1000;
            let arrived = day_ms + (8 * 3600 + rng.below(7 * 3600) as i64) * 1000;
            // Visitors: a skewed pool, the first 300 being real.
            let v = ((rng.unit().powf(3.0)) * visitors as f64) as u64;
            let (vid, sealed) = if (v as usize) < real.len() {
                real[v as usize].clone()
            } else {
                for b in fake_sealed.iter_mut() {
                    *b = rng.next() as u8;
                }
                (uuid::Uuid::from_u128(v as u128 | 0xB000 << 112).to_string(), fake_sealed.clone())
            };
            let officer = &officers[rng.weighted(&(0..30).map(|k| 10 + k % 7).collect::<Vec<u32>>())];
            // Lifecycle: rated 85 %, finished 7 %, cancelled 5 %, waiting/assigned/in service 3 %.
            let state = rng.weighted(&[85, 7, 5, 1, 1, 1]);
            let waiting = rng.duration(600.0);
            let duration = rng.duration(1500.0);
            let started = arrived + waiting * 1000;
            let flag_roll = rng.below(1000);
            let finished = match flag_roll {
                0..=4 => started - 120_000,          // clocks disagree: negative
                5..=6 => started + 13 * 3600 * 1000, // never finished: absurd
                _ => started + duration * 1000,
            };
            let (status, assigned, start_at, finish_at, cancel_at) = match state {
                0 => ("rated", true, Some(started), Some(finished), None),
                1 => ("finished", true, Some(started), Some(finished), None),
                2 => ("cancelled", rng.below(2) == 0, None, None, Some(arrived + 900_000)),
                3 => ("registered", false, None, None, None),
                4 => ("assigned", true, None, None, None),
                _ => ("in_service", true, Some(started), None, None),
            };
            let (dur_s, flag) = match finish_at {
                Some(_) if flag_roll <= 4 => (None, Some("negative")),
                Some(_) if flag_roll <= 6 => (None, Some("absurd")),
                Some(_) => (Some(duration), None),
                None => (None, None),
            };
            let score = (status == "rated").then(|| [1, 2, 3, 4, 5][rng.weighted(&[3, 5, 15, 40, 37])]);
            let topic = *rng.pick(TOPICS);
            let subject = if rng.below(10) == 0 { topic.to_lowercase() } else { topic.to_string() };
            let mut notes = String::new();
            for k in 0..(8 + rng.below(14)) {
                if k > 0 {
                    notes.push(' ');
                }
                let list = if rng.below(4) == 0 { STOP } else { WORDS };
                notes.push_str(rng.pick::<&str>(list));
            }
            let description = format!("Menanyakan {} {}", rng.pick(WORDS), rng.pick(WORDS));
            let has_pkg = rng.below(10) < 7;
            let announced = (cat == Category::Sanggahan).then(|| day - Days::days(1 + rng.below(4) as i64));
            let filed = announced.map(|a| a + Days::days(rng.below(8) as i64));
            let answered = filed.filter(|_| rng.below(3) > 0).map(|f| f + Days::days(rng.below(7) as i64));
            let fmt = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
            ins.execute(params![
                i as i64 + 1,
                uuid::Uuid::from_u128(rng.next() as u128 | ((i as u128) << 64)).to_string(),
                format!("{}-{}-B-{:04}", cat.ticket_letter(), day.format("%y%m%d"), i % 10_000),
                amer_core::model::Coded::code(cat),
                status,
                vid,
                "CV Mahakam Jaya",
                "penyedia",
                sealed,
                has_pkg.then(|| format!("RUP-{}", 30_000_000 + rng.below(5000))),
                has_pkg.then(|| format!("Paket {}", rng.pick(WORDS))),
                has_pkg.then(|| *rng.pick(OPDS)),
                has_pkg.then(|| *rng.pick(&[
                    "barang",
                    "pekerjaan_konstruksi",
                    "jasa_konsultansi",
                    "jasa_lainnya"
                ])),
                has_pkg.then(|| *rng.pick(&[
                    "e_purchasing",
                    "pengadaan_langsung",
                    "tender",
                    "tender_cepat",
                    "seleksi"
                ])),
                (rng.below(10) < 8).then(|| *rng.pick(&[
                    "perencanaan",
                    "persiapan",
                    "pemilihan",
                    "pelaksanaan_kontrak",
                    "serah_terima"
                ])),
                subject,
                assigned.then_some(officer.as_str()),
                assigned.then_some(ADMIN),
                day.format("%Y-%m-%d").to_string(),
                arrived,
                assigned.then_some(arrived + 60_000),
                start_at,
                finish_at,
                score.map(|_| finished + 60_000),
                cancel_at,
                start_at.map(|_| waiting),
                dur_s,
                flag,
                score,
                score.map(|_| true),
                fmt(announced),
                fmt(filed),
                fmt(answered),
                (rng.below(1000) == 0).then_some("rated before the service was finished"),
            ])?;
            fts.execute(params![i as i64 + 1, topic, description, notes])?;
            if i % 200_000 == 199_999 {
                eprintln!("  {} sessions…", i + 1);
            }
        }
        let mut risk = tx.prepare(
            "INSERT INTO risks(id, code, title, stage, opd, category, inherent_l, inherent_i, residual_l, residual_i,
               response, status, treat_total, treat_done, linked_sessions, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'fraud', ?6, ?7, ?8, ?9, 'kurangi', ?10, ?11, ?12, ?13, ?14)",
        )?;
        let mut link = tx.prepare("INSERT OR IGNORE INTO risk_links(risk_id, session_id) SELECT ?1, id FROM sessions WHERE rowid = ?2")?;
        for r in 0..2000u64 {
            let id = uuid::Uuid::from_u128(0xC000 << 112 | r as u128).to_string();
            let total = rng.below(5) as i64;
            let links = rng.below(4);
            risk.execute(params![
                id,
                format!("R26-B-{:04}", r + 1),
                format!("Risiko {}", rng.pick(TOPICS)),
                *rng.pick(&["perencanaan", "persiapan", "pemilihan", "pelaksanaan_kontrak", "serah_terima"]),
                *rng.pick(OPDS),
                1 + rng.below(5) as i64,
                1 + rng.below(5) as i64,
                (rng.below(2) == 0).then(|| 1 + rng.below(3) as i64),
                (rng.below(2) == 0).then(|| 1 + rng.below(3) as i64),
                *rng.pick(&["analysed", "treated", "monitored", "closed"]),
                total,
                rng.below(total as u64 + 1) as i64,
                links as i64,
                1_735_660_800_000 + rng.below(700 * 86_400_000) as i64,
            ])?;
            for _ in 0..links {
                link.execute(params![id, 1 + rng.below(n as u64) as i64])?;
            }
        }
    }
    tx.commit()?;
    eprintln!(
        "{n} synthetic sessions, FTS rows and 2,000 risks inserted: {:.1} s",
        t1.elapsed().as_secs_f64()
    );
    let t2 = Instant::now();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    eprintln!(
        "checkpoint: {:.1} s; file {:.0} MB",
        t2.elapsed().as_secs_f64(),
        std::fs::metadata(&path)?.len() as f64 / 1e6
    );
    std::fs::write(&marker, n.to_string())?;
    Ok(store)
}

struct Timing {
    name: String,
    median_ms: f64,
    min_ms: f64,
    peak_rss_mb: f64,
    note: String,
}

fn time<T>(
    runs: usize,
    name: &str,
    mut f: impl FnMut() -> anyhow::Result<T>,
    note: impl Fn(&T) -> String,
) -> anyhow::Result<Timing> {
    let mut ms = Vec::with_capacity(runs);
    let mut last = None;
    reset_peak();
    let before = peak_rss_kb();
    for _ in 0..runs {
        let t = Instant::now();
        let out = f()?;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(out);
    }
    let peak = peak_rss_kb().max(before);
    ms.sort_by(f64::total_cmp);
    let t = Timing {
        name: name.to_string(),
        median_ms: ms[ms.len() / 2],
        min_ms: ms[0],
        peak_rss_mb: peak as f64 / 1024.0,
        note: last.as_ref().map(note).unwrap_or_default(),
    };
    println!(
        "{:<46} median {:>8.1} ms  min {:>8.1} ms  peak RSS {:>6.0} MB  {}",
        t.name, t.median_ms, t.min_ms, t.peak_rss_mb, t.note
    );
    Ok(t)
}

fn suite(store: &Store, runs: usize, label: &str) -> anyhow::Result<Vec<Timing>> {
    println!("\n== {label} ==");
    let all = Period::all();
    let month = Period::month(2026, 10)?;
    let none = ReportFilter::default();
    let konsultasi = ReportFilter { category: Some(Category::Konsultasi), ..Default::default() };
    let mut out = Vec::new();
    for (pname, p) in [("2 years", &all), ("1 month", &month)] {
        out.push(time(
            runs,
            &format!("staff_performance [{pname}]"),
            || Ok(report::staff_performance(store, p, &none)?),
            |r| format!("{} officers, {} served", r.officers.len(), r.total.sessions_served),
        )?);
        out.push(time(
            runs,
            &format!("satisfaction [{pname}]"),
            || Ok(report::satisfaction(store, p, &none)?),
            |r| format!("{} ratings, index {:.2}", r.overall.count, r.overall.index.unwrap_or(0.0)),
        )?);
        out.push(time(
            runs,
            &format!("topics [{pname}]"),
            || Ok(report::topics(store, p, &none, 20)?),
            |r| {
                format!(
                    "{} sessions, {} repeat visitors, top word {:?}",
                    r.sessions,
                    r.repeat_visitors.repeat_visitors,
                    r.top_words.first().map(|w| &w.word)
                )
            },
        )?);
        out.push(time(
            runs,
            &format!("topics konsultasi [{pname}]"),
            || Ok(report::topics(store, p, &konsultasi, 20)?),
            |r| format!("{} sessions", r.sessions),
        )?);
        out.push(time(
            runs,
            &format!("objections [{pname}]"),
            || Ok(report::objections(store, p, &none)?),
            |r| format!("{} objections, {} filed late", r.summary.total, r.summary.filed_late),
        )?);
        out.push(time(
            runs,
            &format!("period_totals [{pname}]"),
            || Ok(report::period_totals(store, p, &none)?),
            |r| format!("{} sessions", r.sessions_total),
        )?);
    }
    out.push(time(
        runs,
        "risk_report [all 2,000 risks]",
        || Ok(report::risk_report(store, &all)?),
        |r| format!("{} risks, {} linked", r.register.len(), r.linked.len()),
    )?);
    out.push(time(
        runs,
        "search 'jaminan penawaran' [1 month]",
        || Ok(report::search(store, "jaminan penawaran", &month, &none, None)?),
        |r| format!("{} hits", r.len()),
    )?);
    out.push(time(
        runs.min(3),
        "period_summary with list [1 month]",
        || Ok(report::period_summary(store, &month, &none)?),
        |r| format!("{} rows listed", r.sessions.as_ref().map_or(0, Vec::len)),
    )?);
    Ok(out)
}

fn main() -> anyhow::Result<()> {
    let (n, runs, keep) = args();
    let tmp = tempfile::tempdir()?;
    let dir = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    println!("AMER report bench: {n} sessions (synthetic projection rows; reports read only projections), {runs} runs each");
    let store = build(&dir, n)?;
    let path = dir.join("amer.db");
    // A database kept from an older bench run may lack the schema-3 index (it used to be added
    // here as a proposal); the migrations create it on a fresh one.
    rusqlite::Connection::open(&path)?.execute_batch(PROPOSED_INDEXES)?;

    // The day aggregates (schema 4): built once from the projection (here: by the bulk insert,
    // which the triggers marked dirty; in an office: by the migration's first report).
    let t = Instant::now();
    let days = report::refresh_days(&store)?;
    println!(
        "\nday aggregates rebuilt from the projection: {days} days in {:.2} s",
        t.elapsed().as_secs_f64()
    );

    let timings = suite(&store, runs, "reports (day aggregates up to date)")?;
    let slow: Vec<&Timing> = timings.iter().filter(|t| t.median_ms > 200.0).collect();
    println!("\n{} of {} timings over the 200 ms target", slow.len(), timings.len());
    for t in slow {
        println!("  over: {} ({:.0} ms)", t.name, t.median_ms);
    }

    // A report right after a write pays for refreshing the written day.
    let none = ReportFilter::default();
    let conn = rusqlite::Connection::open(&path)?;
    let mut k = 0i64;
    let mut day = 0i64;
    time(
        runs,
        "staff_performance [2 years] after 1 registration",
        || {
            // Through the store's own connection, as the desk and the sync node write.
            day += 1;
            store.register(
                &Actor::device(),
                NewSession {
                    category: "konsultasi".into(),
                    visitor: VisitorInput { name: "Pengunjung Bench".into(), ..Default::default() },
                    subject: "Registrasi".into(),
                    arrived_at: Some(1_780_000_000_000 + day * 86_400_000),
                    ..Default::default()
                },
            )?;
            Ok(report::staff_performance(&store, &Period::all(), &none)?)
        },
        |r| format!("{} served", r.total.sessions_served),
    )?;
    time(
        runs,
        "staff_performance [2 years] after 1 write by another process",
        || {
            k += 1;
            conn.execute("UPDATE sessions SET score = score WHERE rowid = ?1", [n as i64 - k * 997])?;
            Ok(report::staff_performance(&store, &Period::all(), &none)?)
        },
        |r| format!("{} served", r.total.sessions_served),
    )?;
    time(
        runs,
        "staff_performance [2 years] after 100 writes by another process",
        || {
            for j in 0..100i64 {
                k += 1;
                let row = 1 + (k * 7919 + j * 104_729) % n as i64;
                conn.execute("UPDATE sessions SET score = score WHERE rowid = ?1", [row])?;
            }
            Ok(report::staff_performance(&store, &Period::all(), &none)?)
        },
        |r| format!("{} served", r.total.sessions_served),
    )?;

    // What the triggers add to a write: the same 20,000 single-row upserts with and without them.
    let triggers: Vec<String> = conn
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'report_dirty_%'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let upserts = |conn: &mut rusqlite::Connection| -> anyhow::Result<f64> {
        let tx = conn.transaction()?;
        let t = Instant::now();
        {
            let mut st = tx.prepare(
                "INSERT INTO sessions(id, ticket, category, channel, status, visitor_id, subject, device, day, arrived_at)
                 SELECT id, ticket, category, channel, status, visitor_id, subject, device, day, arrived_at
                 FROM sessions WHERE rowid = ?1
                 ON CONFLICT(id) DO UPDATE SET status = excluded.status, subject = excluded.subject",
            )?;
            for i in 0..20_000i64 {
                st.execute([1 + (i * 48_271) % n as i64])?;
            }
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / 20_000.0;
        tx.rollback()?;
        Ok(us)
    };
    let mut conn = conn;
    let drop_triggers =
        "DROP TRIGGER report_dirty_insert; DROP TRIGGER report_dirty_update; DROP TRIGGER report_dirty_delete;";
    // Warm the cache first, then alternate, keeping the best of three each.
    upserts(&mut conn)?;
    let (mut with, mut without) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        with = with.min(upserts(&mut conn)?);
        conn.execute_batch(drop_triggers)?;
        without = without.min(upserts(&mut conn)?);
        for sql in &triggers {
            conn.execute_batch(sql)?;
        }
    }
    // The statement each trigger runs (twice for an update), alone: less noisy than the above.
    let marks = {
        let tx = conn.transaction()?;
        let t = Instant::now();
        {
            let mut st = tx.prepare(
                "INSERT INTO report_dirty(utc_day) SELECT ?1
                 WHERE NOT EXISTS (SELECT 1 FROM report_dirty WHERE utc_day = ?1)",
            )?;
            for i in 0..200_000i64 {
                st.execute([20_000 + (i * 48_271) % 730])?;
            }
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / 200_000.0;
        tx.rollback()?;
        us
    };
    println!("dirty-day mark (the trigger's statement) alone: {marks:.2} µs");
    println!(
        "projection upsert of one session row: {with:.1} µs with the dirty-day triggers, {without:.1} µs without ({:+.1} µs)",
        with - without
    );

    let out = dir.join("export");
    std::fs::create_dir_all(&out)?;
    let month = Period::month(2026, 10)?;
    let f = SessionFilter { from: month.from, to: month.to, ..Default::default() };
    time(
        1,
        "export_sessions CSV [1 month]",
        || Ok(export_sessions(&store, ExportFormat::Csv, &out.join("l.csv"), &f)?),
        |e| format!("{} rows", e.rows),
    )?;
    time(
        1,
        "export_sessions XLSX [1 month]",
        || Ok(export_sessions(&store, ExportFormat::Xlsx, &out.join("l.xlsx"), &f)?),
        |e| format!("{} rows", e.rows),
    )?;
    let perf = report::staff_performance(&store, &Period::all(), &ReportFilter::default())?;
    time(
        1,
        "export_report XLSX staff_performance",
        || Ok(export_report(&perf, ExportFormat::Xlsx, &out.join("k.xlsx"))?),
        |e| format!("{} rows", e.rows),
    )?;
    Ok(())
}
