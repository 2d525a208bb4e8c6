//! A process killed during a stream of writes loses no acknowledged write.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use amer_core::store::{Actor, SessionFilter};

use super::*;

/// The child: registers sessions forever, printing each ticket after its commit returns.
#[test]
fn crash_child() {
    let Ok(path) = std::env::var("AMER_CRASH_DB") else { return };
    let s = Store::open(&path).expect("open");
    if !s.is_initialised().expect("init?") {
        init(&s);
    }
    println!("READY");
    for i in 0.. {
        let r =
            s.register(&Actor::device(), new_session("konsultasi", &format!("crash {i}"))).expect("register");
        if i % 3 == 0 {
            s.assign(&actor(KASUBAG), &r.ticket, OFFICER).expect("assign");
        }
        println!("ACK {}", r.ticket);
    }
}

#[test]
fn killed_writer_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("amer.db");
    let mut acked: Vec<String> = Vec::new();
    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .args(["--exact", "durability::crash_child", "--nocapture", "--test-threads", "1"])
            .env("AMER_CRASH_DB", &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let out = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        let target = 40 + round * 17;
        let mut n = 0;
        for line in lines.by_ref() {
            let line = line.expect("line");
            if let Some(t) = line.strip_prefix("ACK ") {
                acked.push(t.to_string());
                n += 1;
                if n == target {
                    break;
                }
            }
        }
        // SIGKILL in the middle of the stream of writes.
        child.kill().expect("kill -9");
        child.wait().expect("reap");
        let s = Store::open(&db).expect("reopens cleanly after the crash");
        assert!(s.doctor().expect("doctor").is_empty());
        let tickets: std::collections::HashSet<String> =
            s.list_sessions(&SessionFilter::default()).expect("list").into_iter().map(|r| r.ticket).collect();
        for t in &acked {
            assert!(tickets.contains(t), "acknowledged {t} survived round {round}");
        }
        assert!(tickets.len() >= acked.len());
    }
}
