//! `amer demo`: the main job on the embedded default, for a new user. Three PCs of one office
//! (three homes in one folder, real SQLite files, real QUIC on loopback) are set up by invitation,
//! work apart for a morning of walk-in sessions, meet again and sync; the merged result, a
//! conflict (two supervisors assigned different officers), both officers' notes and a printed
//! service report are shown, with where the files are.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use amer_core::model::{Coded, Nip, StaffRole};
use amer_core::print::SessionForm;
use amer_core::store::{Actor, InitOptions, NewSession, NewStaff, SessionFilter, VisitorInput};
use amer_core::Store;
use amer_sync::{NodeConfig, NodeIdentity, SyncNode};
use anyhow::Context;
use serde::Serialize;

use super::sync::{failure, runtime};
use super::Ctx;
use crate::args::DemoArgs;

const ADMIN: &str = "198503122010011003";
const KASUBAG: &str = "197901152005012001";
const OFFICER_1: &str = "199002202015031002";
const OFFICER_2: &str = "199105102016041001";
const TIMEOUT: Duration = Duration::from_secs(30);

struct Pc {
    name: &'static str,
    home: PathBuf,
    store: Arc<Store>,
    identity: NodeIdentity,
    addr: SocketAddr,
}

#[derive(Debug, Serialize)]
struct PcSummary {
    name: &'static str,
    home: String,
    device_code: String,
    sessions: usize,
    tickets_written_here: Vec<String>,
}

#[derive(Debug, Serialize)]
struct SyncFigure {
    between: String,
    docs_sent: u64,
    docs_received: u64,
    bytes: u64,
    millis: u64,
}

#[derive(Debug, Serialize)]
struct ConflictShown {
    ticket: String,
    winner_officer: String,
    other_officers: Vec<String>,
    notes: String,
}

#[derive(Debug, Serialize)]
struct DemoResult {
    folder: String,
    pcs: Vec<PcSummary>,
    syncs: Vec<SyncFigure>,
    converged: bool,
    conflict: ConflictShown,
    report_pdf: String,
}

fn actor(nip: &str) -> anyhow::Result<Actor> {
    Ok(Actor::staff(Nip::parse(nip)?))
}

fn visitor(name: &str, org: &str, phone: &str) -> VisitorInput {
    VisitorInput {
        name: name.into(),
        org: Some(org.into()),
        role: Some("penyedia".into()),
        phone: Some(phone.into()),
        ..Default::default()
    }
}

fn walk_in(category: &str, v: VisitorInput, subject: &str, description: &str) -> NewSession {
    NewSession {
        category: category.into(),
        visitor: v,
        subject: subject.into(),
        description: Some(description.into()),
        ..Default::default()
    }
}

/// Serves one walk-in from registration to rating on `store`.
fn serve(store: &Store, s: NewSession, officer: &str, notes: &str, score: i64) -> anyhow::Result<String> {
    let r = store.register(&Actor::device(), s)?;
    store.assign(&actor(KASUBAG)?, &r.ticket, officer)?;
    store.start(&actor(officer)?, &r.ticket)?;
    store.finish(&actor(officer)?, &r.ticket, Some(notes), Some("Ikuti jadwal pada SPSE"), None)?;
    store.rate(&Actor::device(), &r.ticket, score, Some("Terima kasih"), true)?;
    Ok(r.ticket)
}

pub fn run(ctx: &Ctx, a: DemoArgs) -> anyhow::Result<()> {
    let folder = match a.dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("amer-demo-{}", std::process::id())),
    };
    if folder.join("pc-a").exists() {
        return Err(crate::exit::refuse(format!(
            "{} already holds a demo; give another --dir",
            folder.display()
        )));
    }
    std::fs::create_dir_all(&folder).with_context(|| format!("cannot create {}", folder.display()))?;
    let say = |line: &str| {
        if !ctx.out.json {
            println!("{line}");
        }
    };
    let rt = runtime()?;
    let result = rt.block_on(demo(&folder, &say))?;
    ctx.out.emit(&result, |w| {
        writeln!(w, "\nWhere the files are:")?;
        for pc in &result.pcs {
            writeln!(
                w,
                "  {} ({}): {}  — try: amer --home {} session list",
                pc.name, pc.device_code, pc.home, pc.home
            )?;
        }
        writeln!(w, "  service report: {}", result.report_pdf)
    })
}

async fn demo(folder: &Path, say: &dyn Fn(&str)) -> anyhow::Result<DemoResult> {
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let open = |name: &'static str| -> anyhow::Result<Pc> {
        let home = folder.join(format!("pc-{}", name.to_lowercase()));
        std::fs::create_dir_all(&home)?;
        Ok(Pc {
            name,
            store: Arc::new(Store::open(home.join("amer.db"))?),
            identity: NodeIdentity::load_or_create(home.join("node.key")).map_err(failure)?,
            home,
            addr: loopback,
        })
    };
    let (mut a, mut b, mut c) = (open("A")?, open("B")?, open("C")?);

    say("1. PC A creates the office and its staff; PCs B and C join by invitation (QUIC on loopback).");
    a.store.init(InitOptions {
        office_name: "Bagian Pengadaan Barang/Jasa Setda Kabupaten Kutai Barat".into(),
        device_name: "PC Loket (A)".into(),
        timezone: None,
        node_id: Some(a.identity.node_id().full_hex()),
        public_key: None,
    })?;
    a.store
        .update_office(
            &Actor::device(),
            None,
            Some("Sekretariat Daerah Kabupaten Kutai Barat"),
            Some("Jl. Sendawar Raya, Barong Tongkok, Kutai Barat"),
            None,
            None,
        )
        .ok();
    a.store.add_staff(
        &Actor::device(),
        NewStaff {
            nip: ADMIN.into(),
            name: "Andi Saputra".into(),
            title: Some("Admin AMER".into()),
            role: StaffRole::Admin,
        },
    )?;
    for (nip, name, role) in [
        (KASUBAG, "Sari Dewi, S.E.", StaffRole::Kasubag),
        (OFFICER_1, "Budi Hartono, S.T.", StaffRole::Petugas),
        (OFFICER_2, "Maria Goreti Hanyeq, S.E.", StaffRole::Petugas),
    ] {
        a.store
            .add_staff(&actor(ADMIN)?, NewStaff { nip: nip.into(), name: name.into(), title: None, role })?;
    }
    let node_a = SyncNode::start(a.store.clone(), a.identity.clone(), NodeConfig::new(loopback))
        .await
        .map_err(failure)?;
    a.addr = node_a.local_addr();
    let mut nodes = vec![node_a];
    for (pc, device) in [(&mut b, "PC Kasubag (B)"), (&mut c, "PC Ruang Layanan (C)")] {
        let code = nodes[0].invite(Duration::from_secs(600)).await.map_err(failure)?;
        let node = SyncNode::join(
            pc.store.clone(),
            pc.identity.clone(),
            &code,
            device,
            NodeConfig::new(loopback),
            TIMEOUT,
        )
        .await
        .map_err(failure)?;
        pc.addr = node.local_addr();
        say(&format!("   {} joined as device {} with code {}", pc.name, pc.store.local()?.device_code, code));
        nodes.push(node);
    }
    // One walk-in registered before the PCs part: both supervisors will act on it.
    let shared = a.store.register(
        &Actor::device(),
        walk_in(
            "sanggahan",
            visitor("Yohanes Lung", "CV Karya Benua Mandiri", "0812-5566-7788"),
            "Sanggah hasil evaluasi tender jalan usaha tani",
            "Penyedia merasa evaluasi teknis tidak sesuai dokumen pemilihan.",
        ),
    )?;
    for (i, pc) in [&b, &c].iter().enumerate() {
        nodes[0].sync_now(Some(pc.addr), TIMEOUT).await.map_err(failure)?;
        let _ = i;
    }
    for n in &nodes {
        n.shutdown().await;
    }
    drop(nodes);

    say("2. The network is down all morning: each PC serves walk-ins on its own.");
    let mut written: Vec<Vec<String>> = vec![Vec::new(), Vec::new(), Vec::new()];
    written[0].push(serve(
        &a.store,
        walk_in(
            "konsultasi",
            visitor("Rina Wulandari", "CV Maju Jaya", "0813-2222-1111"),
            "Tata cara e-purchasing katalog elektronik",
            "Menanyakan langkah pemesanan di katalog lokal.",
        ),
        OFFICER_1,
        "Dijelaskan alur e-purchasing dan negosiasi harga.",
        5,
    )?);
    written[0].push(serve(
        &a.store,
        walk_in(
            "pengaduan",
            visitor("Hendrik Lie", "PT Sendawar Abadi", "0811-5454-0000"),
            "Keterlambatan pembayaran termin",
            "Termin kedua belum dibayar.",
        ),
        OFFICER_2,
        "Dirujuk ke PPK; diminta melengkapi berita acara.",
        4,
    )?);
    written[1].push(serve(
        &b.store,
        walk_in(
            "konsultasi",
            visitor("Agustinus Ding", "CV Mahakam", "0812-7777-3333"),
            "Persyaratan SBU konstruksi",
            "SBU subklasifikasi yang berlaku.",
        ),
        OFFICER_1,
        "SBU yang diperpanjang tetap sah.",
        4,
    )?);
    written[2].push(serve(
        &c.store,
        walk_in(
            "konsultasi",
            visitor("Siti Rahmah", "Koperasi Tunas", "0852-1111-2222"),
            "Pengadaan langsung jasa lainnya",
            "Batas nilai pengadaan langsung.",
        ),
        OFFICER_2,
        "Batas nilai dijelaskan sesuai Perpres 12/2021.",
        3,
    )?);
    let waiting = c.store.register(
        &Actor::device(),
        walk_in(
            "pengaduan",
            visitor("Markus Ingan", "LSM Peduli Kubar", "0853-9999-8888"),
            "Dugaan persekongkolan tender",
            "Meminta tindak lanjut ke APIP.",
        ),
    )?;
    written[2].push(waiting.ticket.clone());
    // Two supervisors, two PCs, the same session: two different officers assigned while apart.
    a.store.assign(&actor(KASUBAG)?, &shared.ticket, OFFICER_1)?;
    b.store.assign(&actor(ADMIN)?, &shared.ticket, OFFICER_2)?;
    a.store.append_notes(
        &actor(OFFICER_1)?,
        &shared.ticket,
        "PC A: penyedia menunjukkan dokumen penawaran dan kualifikasi.",
    )?;
    b.store.append_notes(
        &actor(OFFICER_2)?,
        &shared.ticket,
        "PC B: dijelaskan batas waktu sanggah 5 hari kalender.",
    )?;
    for (pc, w) in [&a, &b, &c].iter().zip(&written) {
        say(&format!(
            "   PC {}: {} sessions here ({})",
            pc.name,
            pc.store.list_sessions(&SessionFilter::default())?.len(),
            w.join(", ")
        ));
    }

    say("3. The PCs meet again and sync over QUIC.");
    let mut nodes = Vec::new();
    for pc in [&mut a, &mut b, &mut c] {
        // A fresh port: the morning's sockets may still be closing.
        let node = SyncNode::start(pc.store.clone(), pc.identity.clone(), NodeConfig::new(loopback))
            .await
            .map_err(failure)?;
        pc.addr = node.local_addr();
        nodes.push(node);
    }
    let mut syncs = Vec::new();
    let started = Instant::now();
    for (i, j) in [(0, 1), (0, 2), (1, 2), (0, 1)] {
        let peer = [&a, &b, &c][j];
        for r in nodes[i].sync_now(Some(peer.addr), TIMEOUT).await.map_err(failure)? {
            syncs.push(SyncFigure {
                between: format!("{}-{}", ["A", "B", "C"][i], peer.name),
                docs_sent: r.docs_sent,
                docs_received: r.docs_received,
                bytes: r.bytes_sent + r.bytes_received,
                millis: r.millis,
            });
        }
    }
    for s in &syncs {
        say(&format!(
            "   {}: {} documents sent, {} received, {} bytes, {} ms",
            s.between, s.docs_sent, s.docs_received, s.bytes, s.millis
        ));
    }
    say(&format!("   all synced in {} ms", started.elapsed().as_millis()));
    for n in &nodes {
        n.shutdown().await;
    }

    say("4. The merged result is the same on every PC.");
    let lists: Vec<Vec<String>> = [&a, &b, &c]
        .iter()
        .map(|pc| {
            Ok(pc
                .store
                .list_sessions(&SessionFilter::default())?
                .into_iter()
                .map(|r| format!("{} {} {}", r.ticket, r.status.code(), r.subject))
                .collect())
        })
        .collect::<anyhow::Result<_>>()?;
    let converged = lists.windows(2).all(|w| w[0] == w[1]);
    for line in &lists[0] {
        say(&format!("   {line}"));
    }
    say(&format!("   identical on A, B and C: {}", if converged { "yes" } else { "NO" }));

    say("5. The conflict: two supervisors assigned different officers while apart.");
    let s = c.store.session(&shared.ticket)?;
    let name = |nip: &str| c.store.staff_name(nip).ok().flatten().unwrap_or_else(|| nip.to_string());
    let winner = s.assignment.as_ref().map(|x| name(&x.officer)).unwrap_or_default();
    let others: Vec<String> = s
        .conflicts
        .iter()
        .filter(|k| k.field == "assignment")
        .flat_map(|k| k.others.iter())
        .map(|v| {
            let who = v.stamp.as_ref().and_then(|st| st.by.as_deref()).map(&name).unwrap_or_default();
            format!(
                "{} (assigned by {} on PC {})",
                v.value["officer"].as_str().map(&name).unwrap_or_default(),
                who,
                v.stamp.as_ref().map(|st| st.device.as_str()).unwrap_or("?")
            )
        })
        .collect();
    say(&format!("   {}: shown officer {}; also assigned: {}", s.ticket, winner, others.join("; ")));
    say("   every PC shows the same winner; assigning again resolves it. Both officers' notes are kept:");
    for line in s.notes.lines() {
        say(&format!("     | {line}"));
    }

    say("6. A printed service report (A4 PDF).");
    let printer = amer_core::print::Printer::new(Some(c.home.join("templates")));
    let ticket = &written[0][0];
    let pdf = c.store.print_session(&printer, ticket, SessionForm::Report, amer_core::Lang::Id)?;
    let report_pdf = folder.join(format!("laporan-{ticket}.pdf"));
    std::fs::write(&report_pdf, pdf)?;
    say(&format!(
        "   {} written ({} printed on PC C from a session served on PC A)",
        report_pdf.display(),
        ticket
    ));

    let pcs = [&a, &b, &c]
        .iter()
        .zip(written)
        .map(|(pc, w)| {
            Ok(PcSummary {
                name: pc.name,
                home: pc.home.display().to_string(),
                device_code: pc.store.local()?.device_code,
                sessions: pc.store.list_sessions(&SessionFilter::default())?.len(),
                tickets_written_here: w,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(DemoResult {
        folder: folder.display().to_string(),
        pcs,
        syncs,
        converged,
        conflict: ConflictShown {
            ticket: s.ticket.clone(),
            winner_officer: winner,
            other_officers: others,
            notes: s.notes.clone(),
        },
        report_pdf: report_pdf.display().to_string(),
    })
}
