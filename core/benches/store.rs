//! Store benchmarks (a bench binary; run `cargo bench -p amer-core --bench store`).
//!
//! Prints one JSON line per workload:
//! - `write`: register a session (document + projection + feed, committed) on a file store:
//!   median and p99 latency over 2,000 registrations;
//! - `bulk`: 100,000 sessions created; bytes on disk per session compared with the Automerge
//!   saved size of one session document; peak RSS of the process while creating them;
//! - `assign`: a lifecycle step (load + change + commit) median and p99;
//! - `apply`: the bulk store's documents received by a fresh store as sync would apply them
//!   (batches of 500 whole documents, one transaction each), then their deferred projections;
//! - `apply_one_change`: then 200 times, one session changed in the bulk store and the change
//!   received by the other (as live sync moves it): apply and projection, median and p99.
//!
//! `--sessions N` changes the bulk size.

use std::time::Instant;

use amer_core::model::StaffRole;
use amer_core::store::{Actor, InitOptions, NewSession, NewStaff, VisitorInput};
use amer_core::Store;

const ADMIN: &str = "198503122010011003";
const OFFICER: &str = "199002202015031002";

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

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn session(i: usize) -> NewSession {
    const SUBJECTS: &[&str] = &[
        "Tata cara sanggah hasil tender konstruksi",
        "Pertanyaan tentang e-katalog dan e-purchasing",
        "Pengaduan keterlambatan pembayaran termin",
        "Konsultasi penyusunan HPS jasa konsultansi",
    ];
    NewSession {
        category: ["konsultasi", "pengaduan", "sanggahan"][i % 3].into(),
        visitor: VisitorInput {
            name: format!("Pengunjung Nomor {i}"),
            org: Some("CV Mahakam Jaya Konstruksi".into()),
            role: Some("penyedia".into()),
            phone: Some(format!("0812{:08}", i % 100_000_000)),
            ..Default::default()
        },
        subject: SUBJECTS[i % SUBJECTS.len()].into(),
        description: Some(
            "Pengguna layanan menanyakan prosedur dan dokumen yang diperlukan untuk paket pekerjaan \
             peningkatan jalan di Kecamatan Barong Tongkok, termasuk jadwal dan persyaratan kualifikasi."
                .into(),
        ),
        ..Default::default()
    }
}

fn open(dir: &std::path::Path) -> anyhow::Result<Store> {
    let s = Store::open(dir.join("amer.db"))?;
    s.init(InitOptions {
        office_name: "Bagian Pengadaan Barang/Jasa".into(),
        device_name: "Bench".into(),
        timezone: None,
        node_id: None,
        public_key: None,
    })?;
    s.add_staff(
        &Actor::device(),
        NewStaff { nip: ADMIN.into(), name: "Admin".into(), title: None, role: StaffRole::Admin },
    )?;
    let admin = Actor::staff(amer_core::model::Nip::parse(ADMIN)?);
    s.add_staff(
        &admin,
        NewStaff { nip: OFFICER.into(), name: "Petugas".into(), title: None, role: StaffRole::Petugas },
    )?;
    Ok(s)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let bulk: usize = args
        .iter()
        .position(|a| a == "--sessions")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;

    // Local write latency.
    let s = open(&dir.path().join("w"))?;
    let mut lat = Vec::new();
    let mut tickets = Vec::new();
    for i in 0..2_000 {
        let t = Instant::now();
        let r = s.register(&Actor::device(), session(i))?;
        lat.push(t.elapsed().as_secs_f64() * 1e3);
        tickets.push(r.ticket);
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "{{\"bench\":\"write\",\"op\":\"register\",\"n\":{},\"median_ms\":{:.3},\"p99_ms\":{:.3}}}",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    let kasubag = Actor::staff(amer_core::model::Nip::parse(ADMIN)?);
    let mut lat = Vec::new();
    for t in tickets.iter().take(1_000) {
        let start = Instant::now();
        s.assign(&kasubag, t, OFFICER)?;
        lat.push(start.elapsed().as_secs_f64() * 1e3);
    }
    lat.sort_by(f64::total_cmp);
    println!(
        "{{\"bench\":\"write\",\"op\":\"assign\",\"n\":{},\"median_ms\":{:.3},\"p99_ms\":{:.3}}}",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    let one = s.doc_bytes(&s.session(&tickets[0])?.id.doc())?.map(|(_, b)| b.len()).unwrap_or(0);
    drop(s);

    // Bulk creation.
    let bdir = dir.path().join("b");
    let s = open(&bdir)?;
    let t = Instant::now();
    let mut bulk_tickets = Vec::new();
    for i in 0..bulk {
        let r = s.register(&Actor::device(), session(i))?;
        if bulk_tickets.len() < 200 {
            bulk_tickets.push(r.ticket);
        }
    }
    let secs = t.elapsed().as_secs_f64();

    // Receiving documents from a peer: what sync's initial catch-up costs in the store.
    let feed = s.changes_since(0, usize::MAX)?;
    let ids: Vec<(amer_core::DocId, Vec<automerge::ChangeHash>)> = feed
        .iter()
        .filter_map(|i| match &i.kind {
            amer_core::store::FeedKind::Doc { id, .. } => Some((*id, Vec::new())),
            _ => None,
        })
        .collect();
    let keys: Vec<amer_core::VisitorId> = feed
        .iter()
        .filter_map(|i| match &i.kind {
            amer_core::store::FeedKind::Key(v) => Some(*v),
            _ => None,
        })
        .collect();
    let r = Store::open(dir.path().join("r").join("amer.db"))?;
    r.join(amer_core::store::JoinOptions {
        office_id: s.local()?.office_id,
        device_code: "A1".into(),
        node_id: "bench-receiver".into(),
        device_name: "Receiver".into(),
    })?;
    let t = Instant::now();
    let key_records = s.key_records(&keys)?;
    let batches: Vec<_> = ids.chunks(500).map(|chunk| s.docs_for_peer(chunk)).collect::<Result<_, _>>()?;
    let read_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    r.apply_key_records(&key_records)?;
    for batch in &batches {
        r.apply_docs(batch)?;
    }
    let apply_secs = t.elapsed().as_secs_f64();
    // The received documents' projections (lists, search), brought up to date before the
    // next query.
    let t = Instant::now();
    let projected = r.catch_up_projections()?;
    let project_secs = t.elapsed().as_secs_f64();
    let per_doc = |secs: f64| secs * 1e3 / ids.len().max(1) as f64;
    println!(
        "{{\"bench\":\"apply\",\"docs\":{},\"read_seconds\":{read_secs:.2},\"apply_seconds\":{apply_secs:.2},\"apply_per_doc_ms\":{:.3},\"projected\":{projected},\"project_seconds\":{project_secs:.2},\"project_per_doc_ms\":{:.3}}}",
        ids.len(),
        per_doc(apply_secs),
        per_doc(project_secs)
    );
    // A peer's single change while connected (live sync, or one of a catch-up's few): the
    // change after the heads the receiver has, applied, then its projection.
    let mut apply_ms = Vec::new();
    let mut project_ms = Vec::new();
    for ticket in &bulk_tickets {
        let id = s.session(ticket)?.id.doc();
        s.assign(&kasubag, ticket, OFFICER)?;
        let heads = r.doc_heads(&id)?.unwrap_or_default();
        let batch = s.docs_for_peer(&[(id, heads)])?;
        let t = Instant::now();
        r.apply_docs(&batch)?;
        apply_ms.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        r.catch_up_projections()?;
        project_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    apply_ms.sort_by(f64::total_cmp);
    project_ms.sort_by(f64::total_cmp);
    println!(
        "{{\"bench\":\"apply_one_change\",\"store_docs\":{},\"n\":{},\"apply_median_ms\":{:.3},\"apply_p99_ms\":{:.3},\"project_median_ms\":{:.3},\"project_p99_ms\":{:.3}}}",
        ids.len(),
        apply_ms.len(),
        percentile(&apply_ms, 0.5),
        percentile(&apply_ms, 0.99),
        percentile(&project_ms, 0.5),
        percentile(&project_ms, 0.99)
    );
    drop(r);
    drop(s);
    let disk: u64 = std::fs::read_dir(&bdir)?.filter_map(|e| e.ok()?.metadata().ok()).map(|m| m.len()).sum();
    println!(
        "{{\"bench\":\"bulk\",\"sessions\":{bulk},\"seconds\":{secs:.2},\"per_session_ms\":{:.3},\"disk_bytes\":{disk},\"disk_bytes_per_session\":{},\"automerge_saved_bytes_per_session\":{one},\"peak_rss_mb\":{:.1}}}",
        secs * 1e3 / bulk as f64,
        disk / bulk.max(1) as u64,
        peak_rss_kb() as f64 / 1024.0
    );
    Ok(())
}
