//! Front desk figures: `amer serve` (the binary of this build) on loopback with a seeded store;
//! a small HTTP/1.1 client measures page loads, registrations, sign-in (PBKDF2), the intake PDF
//! and how long a registration takes to reach an open event stream. One JSON line per figure.
//!
//! `cargo bench -p amer-cli --bench web -- --waiting 200`

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use amer_core::model::StaffRole;
use amer_core::store::{Actor, NewSession, NewStaff, VisitorInput};
use amer_core::Store;

const ADMIN: &str = "198503122010011003";
const KASUBAG: &str = "197901152005012001";

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: &str,
) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nOrigin: http://{addr}\r\n");
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("status");
    (status, head, raw[split + 4..].to_vec())
}

fn stats(name: &str, extra: &str, mut ms: Vec<f64>) {
    ms.sort_by(|a, b| a.total_cmp(b));
    let median = ms[ms.len() / 2];
    let p99 = ms[((ms.len() as f64 * 0.99).ceil() as usize).min(ms.len()) - 1];
    println!("{{\"bench\":\"web\",\"op\":\"{name}\",{extra}\"n\":{},\"median_ms\":{median:.3},\"p99_ms\":{p99:.3}}}", ms.len());
}

fn time(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let waiting: usize = args
        .iter()
        .position(|a| a == "--waiting")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path();
    {
        let init = Command::new(env!("CARGO_BIN_EXE_amer"))
            .args(["init", "--office", "Bagian Pengadaan Barang/Jasa", "--device", "PC Bench", "-q"])
            .env("AMER_HOME", home)
            .stdout(Stdio::null())
            .status()
            .expect("amer init");
        assert!(init.success());
        let store = Store::open(home.join("amer.db")).expect("store");
        let dev = Actor::device();
        store
            .add_staff(
                &dev,
                NewStaff {
                    nip: ADMIN.into(),
                    name: "Andi Admin".into(),
                    title: None,
                    role: StaffRole::Admin,
                },
            )
            .expect("admin");
        let admin = Actor::staff(amer_core::model::Nip::parse(ADMIN).expect("nip"));
        store
            .add_staff(
                &admin,
                NewStaff {
                    nip: KASUBAG.into(),
                    name: "Sari Kasubag".into(),
                    title: None,
                    role: StaffRole::Kasubag,
                },
            )
            .expect("kasubag");
        store.set_staff_pin(&admin, KASUBAG, "111111").expect("pin");
        for i in 0..waiting {
            store
                .register(
                    &dev,
                    NewSession {
                        category: "konsultasi".into(),
                        visitor: VisitorInput { name: format!("Pengunjung {i}"), ..Default::default() },
                        subject: format!("Pertanyaan {i}"),
                        ..Default::default()
                    },
                )
                .expect("register");
        }
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_amer"))
        .args(["serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--no-mdns", "-q"])
        .env("AMER_HOME", home)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("amer serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr: SocketAddr = loop {
        let line = lines.next().expect("amer serve ended").expect("line");
        if let Some(rest) = line.strip_prefix("web app on http://") {
            break rest.split('/').next().unwrap_or_default().parse().expect("addr");
        }
    };
    std::thread::spawn(move || for _ in lines.by_ref() {});

    let mut ms = Vec::new();
    let mut cookie = String::new();
    for _ in 0..10 {
        ms.push(time(|| {
            let (status, head, _) =
                request(addr, "POST", "/masuk", None, &format!("nip={KASUBAG}&pin=111111"));
            assert_eq!(status, 303);
            let c = head.split("\r\n").find_map(|l| l.strip_prefix("set-cookie: amer_sid=")).expect("cookie");
            cookie = format!("amer_sid={}", c.split(';').next().unwrap_or_default());
        }));
    }
    stats("sign_in", "", ms);

    let mut ms = Vec::new();
    for _ in 0..50 {
        ms.push(time(|| assert_eq!(request(addr, "GET", "/antrian", Some(&cookie), "").0, 200)));
    }
    stats("queue_page", &format!("\"waiting\":{waiting},"), ms);

    let mut ms = Vec::new();
    let mut last = String::new();
    for i in 0..100 {
        let body = format!(
            "form_token=benchtoken{i:08}xx&name=Tamu+{i}&phone=0812{:08}&category=konsultasi&subject=Tanya+{i}&consent=1",
            i
        );
        ms.push(time(|| {
            let (status, head, _) = request(addr, "POST", "/pendaftaran", None, &body);
            assert_eq!(status, 303);
            last = head
                .split("\r\n")
                .find_map(|l| l.strip_prefix("location: /tiket/"))
                .expect("location")
                .to_string();
        }));
    }
    stats("register", "", ms);

    let mut ms = Vec::new();
    for _ in 0..10 {
        ms.push(time(|| {
            let (status, _, body) =
                request(addr, "GET", &format!("/sesi/{last}/formulir.pdf"), Some(&cookie), "");
            assert_eq!(status, 200);
            assert!(body.starts_with(b"%PDF"));
        }));
    }
    stats("intake_pdf", "", ms);

    // A registration until an open event stream reports it.
    let mut ms = Vec::new();
    let mut sse = TcpStream::connect(addr).expect("connect");
    write!(sse, "GET /peristiwa HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("send");
    sse.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let mut buf = [0u8; 8192];
    let mut seen = String::new();
    while !seen.contains("event: hello") {
        let n = sse.read(&mut buf).expect("read");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    for i in 0..20 {
        let body =
            format!("form_token=ssetoken{i:08}xxxx&name=Tamu&category=konsultasi&subject=Tanya&consent=1");
        let t = Instant::now();
        assert_eq!(request(addr, "POST", "/pendaftaran", None, &body).0, 303);
        let mut got = String::new();
        while !got.contains("\"kind\":\"session\"") {
            let n = sse.read(&mut buf).expect("read");
            got.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    stats("register_to_event", "", ms);
    let _ = child.kill();
    let _ = child.wait();
}
