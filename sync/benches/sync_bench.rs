//! Sync benchmarks: two nodes in two processes on loopback, one JSON line per workload.
//!
//! ```text
//! cargo bench -p amer-sync --bench sync_bench                 # every workload
//! cargo bench -p amer-sync --bench sync_bench -- --docs 10000 # only stores of 10,000
//! cargo bench -p amer-sync --bench sync_bench -- --workload catch_up
//! ```
//!
//! The binary is an orchestrator: for each workload it re-executes itself twice, as the
//! server process and as the client process, each with its own database and key, and prints
//! what both report: milliseconds, bytes of sync messages on the wire (both ways; QUIC and TLS
//! framing add a few percent), and each process's peak resident memory (VmHWM).
//!
//! Stores of session-sized documents (about 1 KiB of Indonesian text each, with a sealed
//! visitor record) take a while to generate, so they are cached in `AMER_BENCH_CACHE`
//! (default: the system temp folder, `amer-sync-bench`), generated on tmpfs when available.
//! Workload runs copy them to a fresh folder on the real disk.

#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use amer_core::model::{Member, Nip, StaffRole};
use amer_core::store::{Actor, FeedKind, InitOptions, JoinOptions, NewSession, NewStaff, VisitorInput};
use amer_core::Store;
use amer_sync::events::SyncEvent;
use amer_sync::node::{NodeConfig, SyncNode};
use amer_sync::NodeIdentity;

const ADMIN: &str = "198503122010011003";
const KASUBAG: &str = "197901152005012001";
const OFFICER: &str = "199002202015031002";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    match value("--role").as_deref() {
        Some("server") => return server(&args),
        Some("client") => return client(&args),
        Some("measure") => return measure(&args),
        _ => {}
    }
    let docs_filter: Option<usize> = value("--docs").and_then(|d| d.parse().ok());
    let workload_filter = value("--workload");
    let wanted = |workload: &str, docs: usize| {
        docs_filter.is_none_or(|d| d == docs)
            && workload_filter.as_deref().is_none_or(|w| workload.starts_with(w))
    };
    let plan: &[(&str, usize)] = &[
        ("initial_sync", 10_000),
        ("initial_sync", 100_000),
        ("catch_up_10", 1_000),
        ("catch_up_10", 10_000),
        ("catch_up_10", 100_000),
        ("in_sync", 100_000),
        ("live", 1_000),
    ];
    match docs_filter {
        // With --docs N, every workload runs on stores of N.
        Some(n) => {
            for workload in ["initial_sync", "catch_up_10", "in_sync", "live"] {
                if wanted(workload, n) {
                    run_workload(workload, n);
                }
            }
        }
        None => {
            for (workload, docs) in plan {
                if wanted(workload, *docs) {
                    run_workload(workload, *docs);
                }
            }
        }
    }
}

// ----- Orchestrator -----

fn cache_dir() -> PathBuf {
    std::env::var_os("AMER_BENCH_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("amer-sync-bench"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// The cached generated office of `docs` sessions: `server/`, `server.pem`, `client.pem`. Kept
/// per schema version: a store cached by an older AMER would be migrated again at every run.
fn generated(docs: usize) -> PathBuf {
    let dir = cache_dir().join(format!("office-{docs}-schema{}", amer_core::store::schema::LATEST));
    if dir.join("done").exists() {
        return dir;
    }
    let scratch = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm").join(format!("amer-bench-gen-{}", std::process::id()))
    } else {
        cache_dir().join(format!("gen-{}", std::process::id()))
    };
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(scratch.join("server")).unwrap();
    eprintln!("generating a store of {docs} sessions (cached in {})...", dir.display());
    let started = Instant::now();
    let server_id = NodeIdentity::generate().unwrap();
    let client_id = NodeIdentity::generate().unwrap();
    {
        let store = Store::open(scratch.join("server").join("amer.db")).unwrap();
        store
            .init(InitOptions {
                office_name: "Bagian Pengadaan Barang/Jasa Setda Kabupaten Kutai Barat".into(),
                device_name: "PC Loket Utama".into(),
                timezone: None,
                node_id: Some(server_id.node_id().full_hex()),
                public_key: None,
            })
            .unwrap();
        store
            .add_staff(
                &Actor::device(),
                NewStaff {
                    nip: ADMIN.into(),
                    name: "Andi Saputra".into(),
                    title: None,
                    role: StaffRole::Admin,
                },
            )
            .unwrap();
        let admin = Actor::staff(Nip::parse(ADMIN).unwrap());
        for (nip, name, role) in
            [(KASUBAG, "Sari Wulandari", StaffRole::Kasubag), (OFFICER, "Budi Santoso", StaffRole::Petugas)]
        {
            store
                .add_staff(&admin, NewStaff { nip: nip.into(), name: name.into(), title: None, role })
                .unwrap();
        }
        store
            .put_member(&Member {
                node_id: client_id.node_id().full_hex(),
                name: "PC Loket 2".into(),
                device_code: "A1".into(),
                public_key: String::new(),
                invited_by: Some(server_id.node_id().full_hex()),
                added_at: 1,
                removed_at: None,
                addresses: Vec::new(),
            })
            .unwrap();
        let mut rng = Rng(docs as u64 ^ 0x5eed);
        for i in 0..docs {
            store.register(&Actor::device(), session(&mut rng, i)).unwrap();
        }
    }
    std::fs::write(scratch.join("server.pem"), server_id.to_pem()).unwrap();
    std::fs::write(scratch.join("client.pem"), client_id.to_pem()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&scratch, &dir);
    copy_dir(&scratch.join("server"), &dir.join("server"));
    std::fs::write(dir.join("done"), b"").unwrap();
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!("generated in {:.1} s", started.elapsed().as_secs_f64());
    dir
}

/// The cached pair of stores after an initial sync: `synced/server/`, `synced/client/`.
fn synced(docs: usize) -> PathBuf {
    let base = generated(docs);
    let dir = base.join("synced");
    if dir.join("done").exists() {
        return dir;
    }
    eprintln!("making a synced pair of {docs} sessions...");
    let run = run_dir("prepare");
    copy_dir(&base.join("server"), &run.join("server"));
    let outcome = run_pair(&base, &run, "initial_sync", None);
    assert!(outcome.client.get("ok").and_then(|v| v.as_bool()) == Some(true), "{:?}", outcome.client);
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&run.join("server"), &dir.join("server"));
    copy_dir(&run.join("client"), &dir.join("client"));
    std::fs::write(dir.join("done"), b"").unwrap();
    let _ = std::fs::remove_dir_all(&run);
    dir
}

fn run_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("amer-bench-run-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Outcome {
    client: serde_json::Value,
    server_hwm_kb: u64,
    server_cpu_ms: u64,
    server_applied: Vec<u64>,
}

/// Runs the server and the client processes over the stores in `run/server` and `run/client`.
fn run_pair(keys: &Path, run: &Path, workload: &str, modify: Option<usize>) -> Outcome {
    let exe = std::env::current_exe().unwrap();
    let mut server = Command::new(&exe);
    server
        .args(["--role", "server", "--db"])
        .arg(run.join("server").join("amer.db"))
        .arg("--key")
        .arg(keys.join("server.pem"))
        .args(["--workload", workload]);
    if let Some(n) = modify {
        server.args(["--modify", &n.to_string()]);
    }
    let mut server = server.stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut server_out = BufReader::new(server.stdout.take().unwrap());
    let addr = read_tagged(&mut server_out, "listening");
    let client = Command::new(&exe)
        .args(["--role", "client", "--db"])
        .arg(run.join("client").join("amer.db"))
        .arg("--key")
        .arg(keys.join("client.pem"))
        .args(["--workload", workload, "--server", addr.trim()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let output = client.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let client_json = text
        .lines()
        .find_map(|l| l.strip_prefix("result "))
        .map(|l| serde_json::from_str(l).unwrap())
        .unwrap_or_else(|| serde_json::json!({ "ok": false, "output": text }));
    let (server_hwm_kb, server_cpu_ms, server_applied) = stop_server(&mut server, server_out);
    Outcome { client: client_json, server_hwm_kb, server_cpu_ms, server_applied }
}

fn read_tagged(out: &mut BufReader<ChildStdout>, tag: &str) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("the server process ended before saying {tag}");
        }
        if let Some(rest) = line.strip_prefix(tag) {
            return rest.trim().to_owned();
        }
    }
}

fn stop_server(server: &mut Child, out: BufReader<ChildStdout>) -> (u64, u64, Vec<u64>) {
    let mut stdin = server.stdin.take().unwrap();
    let _ = writeln!(stdin, "quit");
    drop(stdin);
    let mut hwm = 0;
    let mut cpu = 0;
    let mut applied = Vec::new();
    for line in out.lines() {
        let line = line.unwrap();
        if let Some(kb) = line.strip_prefix("hwm ") {
            hwm = kb.trim().parse().unwrap_or(0);
        } else if let Some(ms) = line.strip_prefix("cpu ") {
            cpu = ms.trim().parse().unwrap_or(0);
        } else if let Some(at) = line.strip_prefix("applied ") {
            applied.push(at.trim().parse().unwrap_or(0));
        }
    }
    let _ = server.wait();
    (hwm, cpu, applied)
}

fn run_workload(workload: &str, docs: usize) {
    let run = run_dir(workload);
    let (keys, modify) = match workload {
        "initial_sync" => {
            let base = generated(docs);
            copy_dir(&base.join("server"), &run.join("server"));
            (base, None)
        }
        "catch_up_10" | "in_sync" | "live" => {
            let pair = synced(docs);
            copy_dir(&pair.join("server"), &run.join("server"));
            copy_dir(&pair.join("client"), &run.join("client"));
            (generated(docs), if workload == "catch_up_10" { Some(10) } else { None })
        }
        other => panic!("unknown workload {other}"),
    };
    let outcome = run_pair(&keys, &run, workload, modify);
    let mut line = serde_json::json!({
        "workload": workload,
        "docs": docs,
        "server_peak_rss_mb": (outcome.server_hwm_kb as f64 / 1024.0 * 10.0).round() / 10.0,
        "server_cpu_ms": outcome.server_cpu_ms,
    });
    if let (Some(map), Some(client)) = (line.as_object_mut(), outcome.client.as_object()) {
        for (k, v) in client {
            if k != "changed_at" {
                map.insert(k.clone(), v.clone());
            }
        }
        if workload == "live" {
            let changed: Vec<u64> = client
                .get("changed_at")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_u64()).collect())
                .unwrap_or_default();
            let mut latencies: Vec<f64> = changed
                .iter()
                .filter_map(|at| {
                    outcome.server_applied.iter().find(|t| *t >= at).map(|t| (t - at) as f64 / 1000.0)
                })
                .collect();
            latencies.sort_by(|a, b| a.total_cmp(b));
            let median = latencies.get(latencies.len() / 2).copied();
            map.insert("changes".into(), serde_json::json!(changed.len()));
            map.insert("median_ms".into(), serde_json::json!(median.map(|m| (m * 100.0).round() / 100.0)));
            map.insert(
                "max_ms".into(),
                serde_json::json!(latencies.last().map(|m| (m * 100.0).round() / 100.0)),
            );
        }
    }
    println!("{line}");
    let _ = std::fs::remove_dir_all(&run);
}

// ----- Processes -----

/// `AMER_BENCH_LOG=amer_sync=debug` logs each process's steps with times to stderr.
fn trace_if_asked() {
    if let Ok(filter) = std::env::var("AMER_BENCH_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_timer(WallClock)
            .with_writer(std::io::stderr)
            .try_init();
    }
}

/// Wall-clock milliseconds (within the last 100 s), the same clock in both processes, so that
/// their logs can be merged and compared.
struct WallClock;

impl tracing_subscriber::fmt::time::FormatTime for WallClock {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        write!(w, "{:9.3}", (micros_now() % 100_000_000) as f64 / 1000.0)
    }
}

/// CPU time this process used (user + system), in milliseconds: on a machine shared with
/// other work, the figure that wall time cannot give.
fn cpu_ms() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime the 13th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = [11, 12].iter().filter_map(|i| fields.get(*i)?.parse::<u64>().ok()).sum();
    ticks * 10
}

fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_owned()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

fn micros_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

fn bench_config() -> NodeConfig {
    let mut config = NodeConfig::new("127.0.0.1:0".parse().unwrap());
    config.publish_address = false;
    config.dial_members = false;
    config.mdns = false;
    config
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn arg(args: &[String], name: &str) -> String {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_default()
}

fn server(args: &[String]) {
    trace_if_asked();
    let db = PathBuf::from(arg(args, "--db"));
    let key = NodeIdentity::from_pem(&std::fs::read_to_string(arg(args, "--key")).unwrap()).unwrap();
    let store = Arc::new(Store::open(&db).unwrap());
    if let Ok(n) = arg(args, "--modify").parse::<usize>() {
        // Documents changed while the PCs were apart.
        let kasubag = Actor::staff(Nip::parse(KASUBAG).unwrap());
        let ids: Vec<String> = store
            .changes_since(0, 50_000)
            .unwrap()
            .into_iter()
            .filter_map(|item| match item.kind {
                FeedKind::Doc { id, kind: amer_core::DocKind::Session, .. } => Some(id.to_text()),
                _ => None,
            })
            .step_by(97)
            .take(n)
            .collect();
        for id in ids {
            store.assign(&kasubag, &id, OFFICER).unwrap();
        }
    }
    let live = arg(args, "--workload") == "live";
    runtime().block_on(async {
        let node = SyncNode::start(store, key, bench_config()).await.unwrap();
        let mut events = node.events();
        println!("listening {}", node.local_addr());
        let _ = std::io::stdout().flush();
        let (quit_tx, mut quit_rx) = tokio::sync::oneshot::channel::<()>();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
            let _ = quit_tx.send(());
        });
        loop {
            tokio::select! {
                _ = &mut quit_rx => break,
                event = events.recv() => {
                    if let Ok(SyncEvent::RemoteChangeApplied { .. }) = event {
                        if live {
                            println!("applied {}", micros_now());
                            let _ = std::io::stdout().flush();
                        }
                    }
                }
            }
        }
        node.shutdown().await;
    });
    println!("hwm {}", peak_rss_kb());
    println!("cpu {}", cpu_ms());
}

fn client(args: &[String]) {
    trace_if_asked();
    let db = PathBuf::from(arg(args, "--db"));
    let key = NodeIdentity::from_pem(&std::fs::read_to_string(arg(args, "--key")).unwrap()).unwrap();
    let server: SocketAddr = arg(args, "--server").parse().unwrap();
    let workload = arg(args, "--workload");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let store = Arc::new(Store::open(&db).unwrap());
    if !store.is_initialised().unwrap() {
        // A freshly joined PC: the office id and device code, nothing else yet.
        let office = {
            let server_db = db.parent().unwrap().parent().unwrap().join("server").join("amer.db");
            Store::open(server_db).unwrap().local().unwrap().office_id
        };
        store
            .join(JoinOptions {
                office_id: office,
                device_code: "A1".into(),
                node_id: key.node_id().full_hex(),
                device_name: "PC Loket 2".into(),
            })
            .unwrap();
        let server_key = std::path::Path::new(&arg(args, "--key")).with_file_name("server.pem");
        let server_id =
            NodeIdentity::from_pem(&std::fs::read_to_string(server_key).unwrap()).unwrap().node_id();
        SyncNode::add_bootstrap_peer(&store, server_id, server).unwrap();
    }
    let result = runtime().block_on(async {
        let mut config = bench_config();
        config.static_peers = Vec::new();
        let node = SyncNode::start(store.clone(), key, config).await.unwrap();
        let outcome = match workload.as_str() {
            "live" => {
                let first = node.sync_now(Some(server), Duration::from_secs(60)).await.unwrap();
                assert_eq!(first.len(), 1);
                let mut changed_at = Vec::new();
                let kasubag = Actor::staff(Nip::parse(KASUBAG).unwrap());
                let ids: Vec<String> = store
                    .changes_since(0, 5_000)
                    .unwrap()
                    .into_iter()
                    .filter_map(|item| match item.kind {
                        FeedKind::Doc { id, kind: amer_core::DocKind::Session, .. } => Some(id.to_text()),
                        _ => None,
                    })
                    .take(21)
                    .collect();
                for id in ids {
                    tokio::time::sleep(Duration::from_millis(60)).await;
                    let store = store.clone();
                    let kasubag = kasubag.clone();
                    changed_at.push(micros_now());
                    tokio::task::spawn_blocking(move || store.assign(&kasubag, &id, OFFICER).map(|_| ()))
                        .await
                        .unwrap()
                        .unwrap();
                }
                tokio::time::sleep(Duration::from_millis(300)).await;
                serde_json::json!({ "ok": true, "changed_at": changed_at })
            }
            _ => {
                let started = Instant::now();
                tracing::debug!("bench: sync_now starts");
                let reports = node.sync_now(Some(server), Duration::from_secs(600)).await.unwrap();
                let elapsed = started.elapsed();
                tracing::debug!("bench: sync_now returned");
                let cpu_at_sync = cpu_ms();
                // Received documents are stored at once and projected (lists, search) before
                // the next query; the node starts that in the background. Wait for it too.
                let catch_up_store = store.clone();
                tokio::task::spawn_blocking(move || catch_up_store.catch_up_projections())
                    .await
                    .unwrap()
                    .unwrap();
                let projected = started.elapsed();
                tracing::debug!("bench: projections caught up");
                let report = reports.first().cloned();
                let mut json = serde_json::json!({
                    "projections_done_ms": (projected.as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
                    "client_cpu_ms_at_sync": cpu_at_sync,
                    "ok": report.is_some(),
                    "ms": (elapsed.as_secs_f64() * 1000.0 * 100.0).round() / 100.0,
                    "docs_sent": report.as_ref().map(|r| r.docs_sent),
                    "docs_received": report.as_ref().map(|r| r.docs_received),
                    "bytes_on_wire": report.as_ref().map(|r| r.bytes_sent + r.bytes_received),
                    "client_apply_ms": report.as_ref().map(|r| r.apply_millis),
                });
                if workload == "in_sync" {
                    // Once more on the open connection (no handshake): one request, one answer.
                    let started = Instant::now();
                    let again = node.sync_now(Some(server), Duration::from_secs(60)).await.unwrap();
                    let elapsed = started.elapsed();
                    if let Some(map) = json.as_object_mut() {
                        map.insert(
                            "open_connection_ms".into(),
                            serde_json::json!((elapsed.as_secs_f64() * 1000.0 * 100.0).round() / 100.0),
                        );
                        map.insert(
                            "open_connection_bytes".into(),
                            serde_json::json!(again.first().map(|r| r.bytes_sent + r.bytes_received)),
                        );
                    }
                }
                json
            }
        };
        node.shutdown().await;
        outcome
    });
    let mut result = result;
    if let Some(map) = result.as_object_mut() {
        map.insert(
            "client_peak_rss_mb".into(),
            serde_json::json!((peak_rss_kb() as f64 / 1024.0 * 10.0).round() / 10.0),
        );
        map.insert("client_cpu_ms".into(), serde_json::json!(cpu_ms()));
    }
    println!("result {result}");
}

// ----- Measurements of the pieces -----

fn measure(args: &[String]) {
    let docs: usize = arg(args, "--docs").parse().unwrap_or(10_000);
    let base = generated(docs);
    let run = run_dir("measure");
    copy_dir(&base.join("server"), &run.join("server"));
    let store = Store::open(run.join("server").join("amer.db")).unwrap();
    let feed = store.changes_since(0, 50_000).unwrap();
    let items: Vec<(amer_core::DocId, Vec<automerge::ChangeHash>)> = feed
        .iter()
        .filter_map(|item| match &item.kind {
            FeedKind::Doc { id, kind: amer_core::DocKind::Session, heads } => Some((*id, heads.clone())),
            _ => None,
        })
        .step_by(97)
        .take(50)
        .collect();
    let n = items.len() as f64;
    let time = |what: &str, f: &mut dyn FnMut()| {
        let started = Instant::now();
        f();
        println!("{what}: {:.1} µs per doc", started.elapsed().as_secs_f64() * 1e6 / n);
    };
    time("doc_heads", &mut || {
        for (id, _) in &items {
            store.doc_heads(id).unwrap();
        }
    });
    time("has_heads", &mut || {
        for (id, heads) in &items {
            assert!(store.has_heads(id, heads).unwrap());
        }
    });
    time("docs_for_peer whole", &mut || {
        for (id, _) in &items {
            store.docs_for_peer(&[(*id, Vec::new())]).unwrap();
        }
    });
    time("docs_for_peer after own heads", &mut || {
        for (id, heads) in &items {
            store.docs_for_peer(&[(*id, heads.clone())]).unwrap();
        }
    });
    time("docs_for_peer 50 at once after own heads", &mut || {
        store.docs_for_peer(&items).unwrap();
    });
    time("doc_bytes + AutoCommit::load", &mut || {
        for (id, _) in &items {
            let (_, bytes) = store.doc_bytes(id).unwrap().unwrap();
            automerge::AutoCommit::load(&bytes).unwrap();
        }
    });
    composition(&store);
    let _ = std::fs::remove_dir_all(&run);
}

/// What the initial sync's batches are made of, per session document.
fn composition(store: &Store) {
    use amer_sync::protocol::docbytes;
    use amer_sync::protocol::message::{
        deflate_batch, BatchBody, BatchItem, Blob, TextId, WireDoc, WireKey, WireKind,
    };
    let feed = store.changes_since(0, 1_000_000).unwrap();
    let started = Instant::now();
    let mut items = Vec::new();
    for chunk in feed.chunks(64) {
        let requests: Vec<_> = chunk
            .iter()
            .filter_map(|i| match &i.kind {
                FeedKind::Doc { id, .. } => Some((*id, Vec::new())),
                FeedKind::Key(_) => None,
            })
            .collect();
        let keys: Vec<_> = chunk
            .iter()
            .filter_map(|i| match &i.kind {
                FeedKind::Key(v) => Some(*v),
                FeedKind::Doc { .. } => None,
            })
            .collect();
        let mut docs: std::collections::HashMap<_, _> =
            store.docs_for_peer(&requests).unwrap().into_iter().map(|(id, k, b)| (id, (k, b))).collect();
        let mut records: std::collections::HashMap<_, _> =
            store.key_records(&keys).unwrap().into_iter().map(|r| (r.visitor_id, r)).collect();
        for item in chunk {
            match &item.kind {
                FeedKind::Doc { id, .. } => {
                    let (kind, bytes) = docs.remove(id).unwrap();
                    items.push((Some((*id, kind, bytes)), None));
                }
                FeedKind::Key(v) => items.push((None, records.remove(v))),
            }
        }
    }
    let read_s = started.elapsed().as_secs_f64();
    let n = items.iter().filter(|i| i.0.is_some()).count() as f64;
    let stored: usize = items.iter().filter_map(|i| i.0.as_ref().map(|d| d.2.len())).sum();
    let started = Instant::now();
    let expanded: Vec<Option<Vec<u8>>> =
        items.iter().map(|i| i.0.as_ref().map(|d| docbytes::inflate_columns(d.2.clone()))).collect();
    let expand_s = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for (id, _, bytes) in items.iter().filter_map(|i| i.0.as_ref()).take(2000) {
        let mut doc = automerge::AutoCommit::load(bytes).unwrap();
        let _ = (id, doc.save_nocompress());
    }
    let load_save_s = started.elapsed().as_secs_f64() * n / 2000.0_f64.min(n);
    let mut sealed = 0usize;
    for (_, _, bytes) in items.iter().filter_map(|i| i.0.as_ref()) {
        use automerge::ReadDoc;
        let doc = automerge::AutoCommit::load(bytes).unwrap();
        if let Ok(Some((_, visitor))) = doc.get(automerge::ROOT, "visitor") {
            if let Ok(Some((automerge::Value::Scalar(s), _))) = doc.get(&visitor, "sealed") {
                if let automerge::ScalarValue::Bytes(b) = s.as_ref() {
                    sealed += b.len();
                }
            }
        }
    }
    let key_fields: usize = items
        .iter()
        .filter_map(|i| i.1.as_ref())
        .map(|r| {
            r.key.as_ref().map_or(0, Vec::len)
                + r.phone_hash.as_ref().map_or(0, Vec::len)
                + r.nik_hash.as_ref().map_or(0, Vec::len)
        })
        .sum();
    println!("documents {n} items {}", items.len());
    println!(
        "read {:.0} ms, expand on the bytes {:.0} ms (load + save_nocompress would take {:.0} ms)",
        read_s * 1e3,
        expand_s * 1e3,
        load_save_s * 1e3
    );
    println!("stored bytes per doc {:.1}", stored as f64 / n);
    println!(
        "expanded bytes per doc {:.1}",
        expanded.iter().flatten().map(Vec::len).sum::<usize>() as f64 / n
    );
    println!(
        "sealed visitor data per doc {:.1} B; key record key+hashes per doc {:.1} B",
        sealed as f64 / n,
        key_fields as f64 / n
    );
    let batches = |with_docs: bool, with_keys: bool, expand: bool, batch: usize, level: u32| {
        let mut total = 0usize;
        let mut raw_total = 0usize;
        let mut body = BatchBody::default();
        let mut raw = 0usize;
        let started = Instant::now();
        let mut flush = |body: &mut BatchBody, raw: &mut usize| {
            if body.items.is_empty() {
                return;
            }
            if let (Ok(path), true) = (
                std::env::var("AMER_DUMP_RAW"),
                with_docs && with_keys && expand && batch == 1 << 20 && level == 6,
            ) {
                let bytes = postcard::to_allocvec(&*body).unwrap();
                let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap();
                f.write_all(&bytes).unwrap();
            }
            let (len, deflated) = deflate_batch(body, level).unwrap();
            raw_total += len as usize;
            total += deflated.len() + 20;
            *body = BatchBody::default();
            *raw = 0;
        };
        for (i, (doc, key)) in items.iter().enumerate() {
            if let (Some((id, kind, bytes)), true) = (doc, with_docs) {
                let bytes = if expand { expanded[i].clone().unwrap() } else { bytes.clone() };
                raw += bytes.len() + 60;
                body.items.push(BatchItem::Doc(WireDoc {
                    id: TextId(*id.0.as_bytes()),
                    kind: WireKind::from(*kind),
                    heads_digest: None,
                    bytes: Blob(bytes),
                }));
            }
            if let (Some(record), true) = (key, with_keys) {
                raw += 150;
                body.items.push(BatchItem::Key(WireKey::from_record(record.clone())));
            }
            if raw >= batch {
                flush(&mut body, &mut raw);
            }
        }
        flush(&mut body, &mut raw);
        (total as f64 / n, raw_total as f64 / n, started.elapsed().as_secs_f64() * 1e3)
    };
    for (label, d, k, e, b, l) in [
        (
            "protocol 2 (docs+keys in feed order, ids as text, expanded, 1 MiB, level 6)",
            true,
            true,
            true,
            1 << 20,
            6,
        ),
        ("256 KiB batches", true, true, true, 256 << 10, 6),
        ("level 1", true, true, true, 1 << 20, 1),
        ("level 9", true, true, true, 1 << 20, 9),
        ("not expanded", true, true, false, 1 << 20, 6),
        ("documents only", true, false, true, 1 << 20, 6),
        ("key records only", false, true, true, 1 << 20, 6),
    ] {
        let (wire, raw, ms) = batches(d, k, e, b, l);
        println!("{label}: {wire:.1} B per doc on the wire ({raw:.1} raw), deflate {ms:.0} ms");
    }
}

// ----- Realistic sessions -----

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const NAMES: &[&str] = &[
    "Rina Wulandari",
    "Ahmad Fauzi",
    "Dewi Lestari",
    "Yohanes Bria",
    "Siti Aminah",
    "Markus Lawing",
    "Agustinus Ding",
    "Nur Hasanah",
    "Paulus Hanyeq",
    "Eka Pratama",
    "Maria Yuliana",
    "Fransiskus Ajang",
];
const ORGS: &[&str] = &[
    "CV Maju Jaya",
    "PT Borneo Konstruksi Abadi",
    "CV Sendawar Mandiri",
    "PT Mahakam Hulu Sejahtera",
    "CV Tunas Karya",
    "Dinas Pekerjaan Umum",
    "PT Kutai Barat Lestari",
    "CV Linggang Bigung",
];
const OPD: &[&str] = &[
    "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Dinas Kesehatan",
    "Dinas Pendidikan dan Kebudayaan",
    "Badan Perencanaan Pembangunan Daerah",
    "Dinas Perhubungan",
    "Sekretariat Daerah",
];
const SUBJECTS: &[&str] = &[
    "Pertanyaan jadwal tender",
    "Konsultasi dokumen pemilihan",
    "Klarifikasi persyaratan kualifikasi",
    "Sanggahan hasil evaluasi",
    "Pendaftaran akun SPSE",
    "Addendum kontrak pekerjaan jalan",
    "Perubahan harga perkiraan sendiri",
    "Jaminan penawaran dan jaminan pelaksanaan",
];
const SENTENCES: &[&str] = &[
    "Penyedia menanyakan jadwal pemasukan dokumen penawaran untuk paket pekerjaan ini.",
    "Pengunjung meminta penjelasan tentang persyaratan kualifikasi teknis dan pengalaman pekerjaan sejenis.",
    "Telah dijelaskan bahwa dokumen pemilihan dapat diunduh melalui aplikasi SPSE versi terbaru.",
    "Penyedia keberatan atas hasil evaluasi administrasi karena surat dukungan dianggap tidak sah.",
    "Petugas menyarankan agar penyedia melengkapi sertifikat badan usaha dan NIB yang masih berlaku.",
    "Disampaikan bahwa nilai jaminan penawaran sebesar satu sampai tiga persen dari nilai HPS.",
    "Pengunjung menanyakan apakah pekerjaan dapat disubkontrakkan kepada penyedia usaha kecil setempat.",
    "Kelompok kerja pemilihan akan menjawab pertanyaan melalui berita acara pemberian penjelasan.",
    "Penyedia diminta mengunggah ulang dokumen penawaran karena file terenkripsi tidak dapat dibuka.",
    "Dijelaskan tata cara penyampaian sanggahan dan sanggah banding sesuai Peraturan LKPP.",
    "Pengunjung mengeluhkan akses internet yang terbatas di kecamatan sehingga sulit mengikuti tender.",
    "Petugas mencatat nomor paket RUP dan meneruskan pertanyaan kepada pejabat pembuat komitmen.",
];

fn session(rng: &mut Rng, i: usize) -> NewSession {
    let category = ["konsultasi", "konsultasi", "konsultasi", "pengaduan"][(rng.next() % 4) as usize];
    let mut description = String::new();
    while description.len() < 700 {
        if !description.is_empty() {
            description.push(' ');
        }
        description.push_str(rng.pick(SENTENCES));
    }
    NewSession {
        category: category.into(),
        channel: None,
        visitor: VisitorInput {
            name: rng.pick(NAMES).into(),
            org: Some(rng.pick(ORGS).into()),
            role: Some("penyedia".into()),
            phone: Some(format!("0812{:08}", rng.next() % 100_000_000)),
            nik: None,
            email: None,
            address: Some("Jl. Sendawar Raya No. 12, Barong Tongkok, Kutai Barat".into()),
        },
        subject: format!("{} nomor {}", rng.pick(SUBJECTS), i),
        description: Some(description),
        package: Some(amer_core::model::Package {
            code: Some(format!("RUP-{}", 40_000_000 + rng.next() % 9_000_000)),
            name: Some(format!(
                "Pembangunan jalan usaha tani kampung {}",
                rng.pick(&["Linggang", "Mencimai", "Sekolaq", "Tering", "Melak"])
            )),
            opd: Some(rng.pick(OPD).into()),
            year: Some(2026),
            kind: None,
            method: None,
            value: Some(((rng.next() % 5_000) as i64 + 100) * 1_000_000),
        }),
        stage: None,
        objection: None,
        arrived_at: None,
    }
}
