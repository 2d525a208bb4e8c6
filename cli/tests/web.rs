//! The front desk over HTTP: each test starts the real `amer serve` on ephemeral ports in its own
//! home folder (a real SQLite file) and talks to it with a small HTTP/1.1 client over a loopback
//! socket, as a browser would (forms, cookies, redirects).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const ADMIN: &str = "198503122010011003";
const KASUBAG: &str = "197901152005012001";
const OFFICER: &str = "199002202015031002";
const VIEWER: &str = "199105102016041001";
const NAME: &str = "Rina Wulandari";
const PHONE: &str = "081234567890";
const NIK: &str = "6407015203900001";

fn amer(home: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_amer"))
        .args(args)
        .env("AMER_HOME", home)
        .env_remove("AMER_USER")
        .env_remove("AMER_LANG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run amer");
    if let Some(text) = stdin {
        child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("amer output")
}

fn ok(home: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let out = amer(home, args, stdin);
    assert!(out.status.success(), "amer {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A running `amer serve`; killed when dropped.
struct Server {
    home: tempfile::TempDir,
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// An office with an admin, a kasubag, an officer and a viewer, PINs set, then `amer serve`.
    fn start() -> Server {
        Server::serve(Server::office())
    }

    /// The home folder of [`Server::start`], not served yet.
    fn office() -> tempfile::TempDir {
        let home = tempfile::tempdir().expect("temp dir");
        let h = home.path();
        ok(h, &["init", "--office", "Bagian Pengadaan Barang/Jasa", "--device", "PC Loket"], None);
        ok(h, &["staff", "add", "--nip", ADMIN, "--name", "Andi Admin", "--role", "admin"], None);
        for (nip, name, role) in [
            (KASUBAG, "Sari Kasubag", "kasubag"),
            (OFFICER, "Budi Petugas", "petugas"),
            (VIEWER, "Vina Viewer", "viewer"),
        ] {
            ok(h, &["--by", ADMIN, "staff", "add", "--nip", nip, "--name", name, "--role", role], None);
        }
        for (nip, pin) in [(KASUBAG, "111111"), (OFFICER, "222222")] {
            ok(h, &["--by", ADMIN, "staff", "pin", nip], Some(&format!("{pin}\n")));
        }
        home
    }

    /// `amer serve` on an existing home.
    fn serve(home: tempfile::TempDir) -> Server {
        Server::serve_on(home, "127.0.0.1:0", &mut Vec::new())
    }

    /// `amer serve` with its QUIC node on `listen`; `early` gets the stderr lines printed before
    /// the web app was ready.
    fn serve_on(home: tempfile::TempDir, listen: &str, early: &mut Vec<String>) -> Server {
        let h = home.path();
        let mut child = Command::new(env!("CARGO_BIN_EXE_amer"))
            .args(["serve", "--listen", listen, "--http", "127.0.0.1:0", "--no-mdns"])
            .env("AMER_HOME", h)
            .env_remove("AMER_USER")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start amer serve");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let addr = loop {
            let line = lines.next().expect("amer serve ended before it was ready").expect("stderr line");
            if let Some(rest) = line.strip_prefix("web app on http://") {
                break rest.split('/').next().unwrap_or_default().to_string();
            }
            early.push(line);
        };
        // Keep draining stderr so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        let addr: SocketAddr = addr.parse().expect("socket address");
        Server { home, child, addr }
    }

    fn home(&self) -> &Path {
        self.home.path()
    }

    fn get(&self, path: &str, cookie: Option<&str>) -> Resp {
        request(self.addr, "GET", path, cookie, None, &[])
    }

    fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Resp {
        let origin = format!("http://{}", self.addr);
        request(self.addr, "POST", path, cookie, Some(form), &[("Origin", &origin)])
    }

    /// Signs in and returns the cookie.
    fn login(&self, nip: &str, pin: &str) -> String {
        let r = self.post("/masuk", None, &[("nip", nip), ("pin", pin), ("next", "/antrian")]);
        assert_eq!(r.status, 303, "login: {}", r.body);
        r.set_cookie("amer_sid").expect("session cookie")
    }

    fn sessions(&self) -> Vec<Value> {
        let out = ok(self.home(), &["session", "list", "--json"], None);
        serde_json::from_str::<Value>(&out).expect("json").as_array().cloned().unwrap_or_default()
    }

    fn session(&self, key: &str) -> Value {
        serde_json::from_str(&ok(self.home(), &["session", "show", key, "--json"], None)).expect("json")
    }
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
    bytes: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }
    fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie")).find_map(|(_, v)| {
            v.split(';').next().filter(|kv| kv.starts_with(&format!("{name}="))).map(str::to_string)
        })
    }
    /// The text of the element with `data-testid="ID"` (first one).
    fn testid(&self, id: &str) -> Option<String> {
        let at = self.body.find(&format!("data-testid=\"{id}\""))?;
        let open_end = at + self.body[at..].find('>')? + 1;
        let close = open_end + self.body[open_end..].find('<')?;
        Some(self.body[open_end..close].trim().to_string())
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".into(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    form: Option<&[(&str, &str)]>,
    extra: &[(&str, &str)],
) -> Resp {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60))).expect("timeout");
    let body = form
        .map(|f| {
            f.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&")
        })
        .unwrap_or_default();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if form.is_some() {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    parse(&raw)
}

fn parse(raw: &[u8]) -> Resp {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("header end");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 =
        lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|c| c.parse().ok()).expect("status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_string(), v.trim().to_string())))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked =
        headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    Resp { status, headers, body: String::from_utf8_lossy(&body).into_owned(), bytes: body }
}

/// The hidden intake token of the form page.
fn form_token(page: &str) -> String {
    let at = page.find("name=\"form_token\" value=\"").expect("form token") + 25;
    page[at..at + page[at..].find('"').expect("token end")].to_string()
}

fn intake<'a>(token: &'a str, name: &'a str, phone: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("form_token", token),
        ("name", name),
        ("org", "CV Maju Jaya"),
        ("role", "penyedia"),
        ("phone", phone),
        ("nik", NIK),
        ("category", "konsultasi"),
        ("subject", "Jadwal sanggah"),
        ("description", "Bertanya tentang jadwal"),
        ("consent", "1"),
    ]
}

/// Every URL a page links to (href, action, src, data-*-url).
fn urls(page: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "action=\"", "src=\"", "url=\"", "formaction=\""] {
        let mut rest = page;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].to_string());
            }
        }
    }
    out
}

fn assert_nothing_personal(what: &str, text: &str) {
    for secret in [NAME, "Rina", PHONE, "81234567890", NIK] {
        assert!(!text.contains(secret), "{what} contains personal data ({secret}): {text}");
    }
}

#[test]
fn the_walk_in_flow_over_http_and_a_double_submit_makes_one_session() {
    let srv = Server::start();
    let form = srv.get("/pendaftaran", None);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("data-testid=\"privacy-notice\""));
    assert!(form.header("content-security-policy").is_some_and(|c| c.contains("default-src 'self'")));
    let token = form_token(&form.body);
    let fields = intake(&token, NAME, PHONE);
    let first = srv.post("/pendaftaran", None, &fields);
    assert_eq!(first.status, 303, "{}", first.body);
    let again = srv.post("/pendaftaran", None, &fields);
    assert_eq!(again.location(), first.location(), "a double submit returns the same ticket");
    assert_eq!(srv.sessions().len(), 1, "a double submit creates one session");
    let ticket_url = first.location().to_string();
    let id = ticket_url.trim_start_matches("/tiket/").to_string();
    assert_nothing_personal("the ticket URL", &ticket_url);

    // The kiosk sees its ticket and prints the intake form without signing in.
    let ticket = srv.get(&ticket_url, None);
    let number = ticket.testid("ticket-number").expect("ticket number");
    assert!(number.starts_with("K-"), "{number}");
    let pdf = srv.get(&format!("/sesi/{id}/formulir.pdf"), None);
    assert_eq!(pdf.status, 200);
    assert!(pdf.bytes.starts_with(b"%PDF"), "intake form is a PDF");

    // The Kasubag assigns on the queue board.
    let kasubag = srv.login(KASUBAG, "111111");
    let board = srv.get("/antrian", Some(&kasubag));
    assert_eq!(board.status, 200);
    assert!(board.body.contains(&format!("data-ticket=\"{number}\"")));
    assert!(board.body.contains("data-testid=\"wait-timer\""));
    for u in urls(&board.body) {
        assert_nothing_personal("a queue board link", &u);
    }
    // Only active officers are offered (the viewer is not).
    assert!(board.body.contains(OFFICER) && !board.body.contains(VIEWER));
    let r = srv.post(&format!("/antrian/{id}/tugaskan"), Some(&kasubag), &[("officer", OFFICER)]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(srv.session(&number)["status"], "assigned");

    // The officer starts, writes notes (autosave), finishes.
    let officer = srv.login(OFFICER, "222222");
    let mine = srv.get("/layanan", Some(&officer));
    assert!(mine.body.contains(&format!("data-id=\"{id}\"")));
    let r = srv.post(&format!("/layanan/{id}/mulai"), Some(&officer), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let saved = srv.post(
        &format!("/layanan/{id}/catatan"),
        Some(&officer),
        &[("base", ""), ("notes", "Dijelaskan jadwal.")],
    );
    assert_eq!(saved.status, 200, "{}", saved.body);
    // Meanwhile another PC (here: the CLI) appends a paragraph; the editor's next save keeps it.
    ok(srv.home(), &["--by", OFFICER, "session", "notes", &number, "--append", "Dari PC lain."], None);
    let saved = srv.post(
        &format!("/layanan/{id}/catatan"),
        Some(&officer),
        &[("base", "Dijelaskan jadwal."), ("notes", "Dijelaskan jadwal sanggah.")],
    );
    let merged: Value = serde_json::from_str(&saved.body).expect("json");
    let text = merged["notes"].as_str().expect("notes");
    assert!(text.contains("Dijelaskan jadwal sanggah.") && text.contains("Dari PC lain."), "{text}");
    let r = srv.post(
        &format!("/layanan/{id}/selesai"),
        Some(&officer),
        &[
            ("recommendation", "Ikuti jadwal di SPSE"),
            ("followup_target", ""),
            ("followup_tracking", ""),
            ("followup_note", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("/layanan/{id}/nilai"));
    let rate = srv.get(&format!("/layanan/{id}/nilai"), Some(&officer));
    for n in 1..=5 {
        assert!(rate.body.contains(&format!("data-testid=\"rate-{n}\"")));
    }
    assert!(rate.body.contains("Sangat Baik") && rate.body.contains("Sangat Buruk"), "Indonesian labels");
    let r = srv.post(
        &format!("/layanan/{id}/nilai"),
        Some(&officer),
        &[("score", "5"), ("comment", ""), ("signed", "1")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let shown = srv.session(&number);
    assert_eq!(shown["status"], "rated");
    let report = srv.get(&format!("/sesi/{id}/laporan.pdf"), Some(&officer));
    assert_eq!(report.status, 200);
    assert!(report.bytes.starts_with(b"%PDF"), "service report is a PDF");

    // English on request, Indonesian by default.
    let en = srv.get("/pendaftaran?lang=en", None);
    assert!(en.body.contains("Service registration") && en.set_cookie("amer_lang").is_some());

    // The audit trail names the people who acted through the web app.
    let hist = ok(srv.home(), &["inspect", "doc", &number, "--json"], None);
    assert!(hist.contains(KASUBAG) && hist.contains(OFFICER), "{hist}");
}

#[test]
fn refused_input_shows_the_message_next_to_the_field_and_stores_nothing() {
    let srv = Server::start();
    let token = form_token(&srv.get("/pendaftaran", None).body);
    let mut bad = intake(&token, NAME, "12ab");
    let r = srv.post("/pendaftaran", None, &bad);
    assert_eq!(r.status, 422);
    let msg = r.testid("error-phone").expect("message next to the phone field");
    assert!(msg.contains("Nomor HP") && (msg.contains("diawali") || msg.contains("angka")), "{msg}");
    let en = srv.post("/pendaftaran?lang=en", None, &bad);
    let msg = en.testid("error-phone").expect("message next to the phone field");
    assert!(msg.starts_with("Phone number:"), "{msg}");
    assert!(r.body.contains(&format!("value=\"{}\"", "CV Maju Jaya")), "typed values are kept");
    bad[1] = ("name", "  ");
    bad[4] = ("phone", PHONE);
    let r = srv.post("/pendaftaran", None, &bad);
    assert_eq!(r.status, 422);
    assert!(r.testid("error-name").is_some(), "{}", r.body);
    let mut no_consent = intake(&token, NAME, PHONE);
    no_consent.retain(|(k, _)| *k != "consent");
    let r = srv.post("/pendaftaran", None, &no_consent);
    assert_eq!(r.status, 422);
    assert!(r.testid("error-consent").is_some());
    // Every refused field shows at once, not only the first.
    let mut many = intake(&token, "  ", "12ab");
    for (k, v) in many.iter_mut() {
        match *k {
            "nik" => *v = "123",
            "subject" => *v = " ",
            _ => {}
        }
    }
    let r = srv.post("/pendaftaran", None, &many);
    assert_eq!(r.status, 422);
    for field in ["name", "phone", "nik", "subject"] {
        assert!(r.testid(&format!("error-{field}")).is_some(), "error-{field}: {}", r.body);
    }
    many.retain(|(k, _)| *k != "consent");
    let r = srv.post("/pendaftaran", None, &many);
    for field in ["consent", "name", "phone", "nik", "subject"] {
        assert!(r.testid(&format!("error-{field}")).is_some(), "without consent, error-{field}");
    }
    let r = srv.post(
        "/pendaftaran",
        None,
        &[("name", NAME), ("subject", "x"), ("category", "konsultasi"), ("consent", "1")],
    );
    assert_eq!(r.status, 422, "a form without its token is refused");
    assert!(srv.sessions().is_empty(), "nothing was stored");
}

#[test]
fn staff_actions_need_a_login_and_a_wrong_pin_is_refused() {
    let srv = Server::start();
    let out = ok(
        srv.home(),
        &[
            "session",
            "new",
            "--category",
            "pengaduan",
            "--visitor",
            NAME,
            "--subject",
            "Keterlambatan",
            "--json",
        ],
        None,
    );
    let reg: Value = serde_json::from_str(&out).expect("json");
    let id = reg["id"].as_str().expect("id").to_string();
    let ticket = reg["ticket"].as_str().expect("ticket").to_string();

    // Setting a PIN: the person themselves or a supervisor, 4 to 12 digits; refusals exit 1.
    for (by, nip, pin) in [(OFFICER, KASUBAG, "333333"), (VIEWER, VIEWER, "987"), (VIEWER, VIEWER, "98a765")]
    {
        let out = amer(srv.home(), &["--by", by, "staff", "pin", nip], Some(&format!("{pin}\n")));
        assert_eq!(out.status.code(), Some(1), "{by} {nip} {pin}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains(pin), "the PIN is not echoed in errors");
    }
    assert_eq!(
        amer(srv.home(), &["staff", "pin", OFFICER], Some("123456\n")).status.code(),
        Some(1),
        "needs --by"
    );
    assert_eq!(srv.post("/masuk", None, &[("nip", KASUBAG), ("pin", "333333")]).status, 401, "unchanged");
    ok(srv.home(), &["--by", VIEWER, "staff", "pin", VIEWER], Some("444444\n"));
    let shown = ok(srv.home(), &["staff", "show", VIEWER, "--json"], None);
    assert!(!shown.contains("444444") && !shown.to_lowercase().contains("hash"), "{shown}");
    let v: Value = serde_json::from_str(&shown).expect("json");
    assert_eq!(v["pin_set"], true);
    let admin: Value =
        serde_json::from_str(&ok(srv.home(), &["staff", "show", ADMIN, "--json"], None)).expect("json");
    assert_eq!(admin["pin_set"], false);

    let r = srv.get("/antrian", None);
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/masuk"));
    let r = srv.post(&format!("/antrian/{id}/tugaskan"), None, &[("officer", OFFICER)]);
    assert_eq!(r.status, 303);
    assert!(r.location().starts_with("/masuk"));
    assert!(
        srv.get(&format!("/sesi/{id}/formulir.pdf"), None).location().starts_with("/masuk"),
        "not this kiosk's"
    );
    assert_eq!(srv.session(&ticket)["status"], "registered", "nothing changed");

    let r = srv.post("/masuk", None, &[("nip", KASUBAG), ("pin", "999999")]);
    assert_eq!(r.status, 401);
    assert!(r.testid("error-pin").is_some());
    assert!(r.set_cookie("amer_sid").is_none());
    let r = srv.post("/masuk", None, &[("nip", ADMIN), ("pin", "111111")]);
    assert_eq!(r.status, 401, "no PIN set for the admin");
    // Five wrong PINs lock the name for a minute, even with the right PIN.
    for _ in 0..5 {
        srv.post("/masuk", None, &[("nip", OFFICER), ("pin", "000000")]);
    }
    assert_eq!(srv.post("/masuk", None, &[("nip", OFFICER), ("pin", "222222")]).status, 401);

    // An officer may not assign (the library's rule), and a POST from another origin is refused.
    let kasubag = srv.login(KASUBAG, "111111");
    let r = request(
        srv.addr,
        "POST",
        &format!("/antrian/{id}/tugaskan"),
        Some(&kasubag),
        Some(&[("officer", OFFICER)]),
        &[("Origin", "http://evil.example")],
    );
    assert_eq!(r.status, 403);
    assert_eq!(srv.session(&ticket)["status"], "registered");
    // Refusals of the library appear next to the field in the session's row.
    let viewer = srv.login(VIEWER, "444444");
    let r = srv.post(&format!("/antrian/{id}/tugaskan"), Some(&viewer), &[("officer", OFFICER)]);
    assert_eq!(r.status, 403, "a viewer may not assign");
    let msg = r.testid("error-officer").expect("message next to the officer");
    assert!(msg.starts_with("Tidak diizinkan menugaskan petugas: memerlukan peran"), "{msg}");
    assert!(msg.contains(" atau ") && !msg.contains("--by"), "{msg}");
    let r = srv.post(&format!("/antrian/{id}/tugaskan?lang=en"), Some(&viewer), &[("officer", OFFICER)]);
    let msg = r.testid("error-officer").expect("message next to the officer");
    assert!(msg.starts_with("Not allowed to assign an officer: needs the role"), "{msg}");
    // A session that was not started cannot be finished: the step's refusal in both languages.
    let r = srv.post(&format!("/layanan/{id}/selesai"), Some(&kasubag), &[("recommendation", "x")]);
    assert_eq!(r.status, 409, "{}", r.body);
    let msg = r.testid("form-error").expect("the form's message");
    assert_eq!(msg, format!("Tidak dapat menyelesaikan layanan: layanan {ticket} belum dimulai"));
    let r = srv.post(&format!("/layanan/{id}/selesai?lang=en"), Some(&kasubag), &[("recommendation", "x")]);
    let msg = r.testid("form-error").expect("the form's message");
    assert_eq!(msg, format!("Cannot finish the service: session {ticket} has not started"));
    let r = srv.post(&format!("/antrian/{id}/batal"), Some(&kasubag), &[("reason", " ")]);
    assert_eq!(r.status, 422);
    assert!(r.testid("error-reason").is_some_and(|m| m.contains("Alasan batal")), "{}", r.body);
    assert_eq!(srv.session(&ticket)["status"], "registered", "nothing changed");
    let r = srv.post(&format!("/antrian/{id}/tugaskan"), Some(&kasubag), &[("officer", OFFICER)]);
    assert_eq!(r.status, 303);
    assert_eq!(srv.session(&ticket)["status"], "assigned");
    // Signing out ends the session cookie.
    srv.post("/keluar", Some(&kasubag), &[]);
    assert_eq!(srv.get("/antrian", Some(&kasubag)).status, 303);
}

#[test]
fn the_event_stream_reports_a_session_created_by_another_process() {
    let srv = Server::start();
    let mut s = TcpStream::connect(srv.addr).expect("connect");
    write!(s, "GET /peristiwa HTTP/1.1\r\nHost: {}\r\nAccept: text/event-stream\r\n\r\n", srv.addr)
        .expect("send");
    s.set_read_timeout(Some(Duration::from_millis(500))).expect("timeout");
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    // Wait for the stream to open before the other process writes.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.contains("event: hello") && Instant::now() < deadline {
        if let Ok(n) = s.read(&mut buf) {
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    assert!(seen.contains("text/event-stream"), "{seen}");
    ok(
        srv.home(),
        &[
            "session",
            "new",
            "--category",
            "konsultasi",
            "--visitor",
            NAME,
            "--phone",
            PHONE,
            "--subject",
            "Tanya",
        ],
        None,
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    while !seen.contains("\"kind\":\"session\"") && Instant::now() < deadline {
        if let Ok(n) = s.read(&mut buf) {
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    assert!(seen.contains("event: change") && seen.contains("\"kind\":\"session\""), "{seen}");
    assert_nothing_personal("the event stream", &seen);
}

#[test]
fn no_personal_data_in_links_or_the_log_and_the_server_stops_cleanly() {
    let mut srv = Server::start();
    let token = form_token(&srv.get("/pendaftaran", None).body);
    let r = srv.post("/pendaftaran", None, &intake(&token, NAME, PHONE));
    let id = r.location().trim_start_matches("/tiket/").to_string();
    // A returning visitor is recognised by phone (POST body, not the URL), details offered back.
    let token2 = form_token(&srv.get("/pendaftaran", None).body);
    let back = srv.post("/pendaftaran/kenali", None, &[("form_token", &token2), ("phone", PHONE)]);
    assert_eq!(back.status, 200);
    assert!(back.testid("returning").is_some(), "{}", back.body);
    assert!(back.body.contains(&format!("value=\"{NAME}\"")));
    assert!(!back.body.contains(NIK), "the NIK is not offered back on a kiosk");
    // Look-ups are limited: a kiosk is not a phone-number directory.
    let mut limited = false;
    for _ in 0..12 {
        let r = srv.post("/pendaftaran/kenali", None, &[("form_token", &token2), ("phone", PHONE)]);
        if r.status == 429 {
            assert!(r.testid("error-phone").is_some());
            assert!(!r.body.contains(&format!("value=\"{NAME}\"")), "nothing offered back when limited");
            limited = true;
            break;
        }
    }
    assert!(limited, "the 11th look-up within a minute is refused");
    let kasubag = srv.login(KASUBAG, "111111");
    let mut pages = vec![back.body.clone(), srv.get(&format!("/tiket/{id}"), None).body];
    for path in ["/antrian", "/layanan", &format!("/layanan/{id}"), "/dasbor", "/risiko", "/sinkronisasi"] {
        let r = srv.get(path, Some(&kasubag));
        assert!(r.status == 200, "{path}: {}", r.status);
        pages.push(r.body);
    }
    assert!(pages.iter().any(|p| p.contains(NAME)), "the name is shown on the pages");
    for p in &pages {
        for u in urls(p) {
            assert_nothing_personal("a link", &u);
        }
    }
    // Stop with SIGTERM while a browser holds the event stream open: the process ends by
    // itself, cleanly.
    let mut events = TcpStream::connect(srv.addr).expect("connect");
    write!(events, "GET /peristiwa HTTP/1.1\r\nHost: {}\r\n\r\n", srv.addr).expect("send");
    events.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    let mut first = [0u8; 256];
    assert!(events.read(&mut first).expect("stream opens") > 0);
    #[cfg(unix)]
    {
        let pid = srv.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Some(s) = srv.child.try_wait().expect("wait") {
                break s;
            }
            assert!(Instant::now() < deadline, "amer serve did not stop");
            std::thread::sleep(Duration::from_millis(100));
        };
        assert!(status.success(), "{status:?}");
    }
    let log = std::fs::read_to_string(srv.home().join("logs").join("amer.log")).expect("log file");
    assert!(log.contains("front desk started"), "{log}");
    assert!(log.contains("session registered"), "{log}");
    assert_nothing_personal("the log file", &log);
    let _ = HashMap::<String, String>::new();
}

#[test]
fn dashboard_downloads_risk_register_and_an_invited_pc() {
    let srv = Server::start();
    let h = srv.home();
    let reg: Value = serde_json::from_str(&ok(
        h,
        &[
            "session",
            "new",
            "--category",
            "konsultasi",
            "--visitor",
            NAME,
            "--subject",
            "Jadwal tender",
            "--json",
        ],
        None,
    ))
    .expect("json");
    let ticket = reg["ticket"].as_str().expect("ticket").to_string();
    ok(h, &["--by", KASUBAG, "session", "assign", &ticket, "--officer", OFFICER], None);
    ok(h, &["--by", OFFICER, "session", "start", &ticket], None);
    ok(h, &["--by", OFFICER, "session", "finish", &ticket, "--notes", "Selesai"], None);
    ok(h, &["--by", OFFICER, "session", "rate", &ticket, "--score", "5"], None);
    let c = srv.login(KASUBAG, "111111");

    // Dashboard: figures, charts drawn as SVG, the 5×5 map, a refused period.
    let d = srv.get("/dasbor?period=all", Some(&c));
    assert_eq!(d.status, 200);
    let ikm: f64 = d.testid("ikm-value").expect("ikm").parse().expect("a number");
    assert!((ikm - 100.0).abs() < 0.01, "one rating of 5 gives 100: {ikm}");
    assert!(d.body.contains("<svg data-testid=\"chart-topics\""));
    assert!(d.body.contains("Jadwal tender") || d.body.contains("jadwal tender"), "the topic is charted");
    assert_eq!(d.body.matches("data-testid=\"risk-cell-").count(), 25);
    let bad = srv.get("/dasbor?from=2026-13-01", Some(&c));
    assert_eq!(bad.status, 422);
    assert!(bad.testid("error-from").is_some());
    let csv = srv.get("/dasbor/unduh/sessions.csv?period=all", Some(&c));
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.header("content-type").is_some_and(|t| t.starts_with("text/csv")));
    assert!(csv.body.contains(&ticket), "{}", csv.body);
    let xlsx = srv.get("/dasbor/unduh/performance.xlsx?period=all", Some(&c));
    assert!(xlsx.bytes.starts_with(b"PK"), "an XLSX is a zip");
    let pdf = srv.get("/dasbor/unduh/satisfaction.pdf?period=all", Some(&c));
    assert!(pdf.bytes.starts_with(b"%PDF"));
    assert_eq!(srv.get("/dasbor/unduh/sessions.csv", None).status, 303, "downloads need a login");
    assert!(std::fs::read_dir(h.join("tmp")).map(|d| d.count()).unwrap_or(0) == 0, "no export left behind");

    // Risk register: a refused form stores nothing; add, assess residual, link the session.
    let risks = || -> usize {
        serde_json::from_str::<Value>(&ok(h, &["risk", "list", "--json"], None))
            .expect("json")
            .as_array()
            .map_or(0, Vec::len)
    };
    let r =
        srv.post("/risiko", Some(&c), &[("title", ""), ("stage", "pemilihan"), ("event", "Persekongkolan")]);
    assert_eq!(r.status, 422);
    assert!(r.testid("error-title").is_some(), "{}", r.body);
    // A risk category is labelled as one (not as the service of an intake form).
    let bad_category =
        [("title", "Kolusi"), ("stage", "pemilihan"), ("event", "Pengaturan"), ("category", "x")];
    let r = srv.post("/risiko", Some(&c), &bad_category);
    assert_eq!(r.status, 422);
    let msg = r.testid("error-category").expect("message next to the category");
    assert!(msg.starts_with("Kategori risiko:"), "{msg}");
    let r = srv.post("/risiko?lang=en", Some(&c), &bad_category);
    let msg = r.testid("error-category").expect("message next to the category");
    assert!(msg.starts_with("Risk category:"), "{msg}");
    assert_eq!(risks(), 0);
    let r = srv.post(
        "/risiko",
        Some(&c),
        &[
            ("title", "Persekongkolan tender"),
            ("stage", "pemilihan"),
            ("event", "Peserta mengatur harga"),
            ("likelihood", "4"),
            ("impact", "4"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let risk_url = r.location().to_string();
    assert_eq!(risks(), 1);
    assert_eq!(
        srv.post(
            &format!("{risk_url}/nilai"),
            Some(&c),
            &[("kind", "residual"), ("likelihood", "2"), ("impact", "3")]
        )
        .status,
        303
    );
    let bad = srv.post(
        &format!("{risk_url}/penanganan"),
        Some(&c),
        &[("action", "Reviu"), ("owner", "APIP"), ("due", "15/12/2026")],
    );
    assert_eq!(bad.status, 422);
    assert!(bad.testid("error-due").is_some_and(|m| m.starts_with("Tenggat:")), "{}", bad.body);
    let missing = "K-200101-A-999";
    let r = srv.post(&format!("{risk_url}/tautan"), Some(&c), &[("session", missing)]);
    assert_eq!(r.status, 404);
    let msg = r.testid("error-session").expect("message next to the session");
    assert_eq!(msg, format!("Layanan {missing} tidak ditemukan; isi nomor tiket seperti K-261127-A-001"));
    assert!(r.testid("form-error").is_none(), "shown once");
    let r = srv.post(&format!("{risk_url}/tautan?lang=en"), Some(&c), &[("session", missing)]);
    let msg = r.testid("error-session").expect("message next to the session");
    assert_eq!(msg, format!("Session {missing} not found; give a ticket number like K-261127-A-001"));
    assert_eq!(srv.post(&format!("{risk_url}/tautan"), Some(&c), &[("session", &ticket)]).status, 303);
    let detail = srv.get(&risk_url, Some(&c));
    assert!(detail.testid("risk-residual").is_some_and(|t| t.contains("2") && t.contains("3")));
    assert!(detail.body.contains(&ticket), "linked session shown");

    // Sinkronisasi: an invite code that a new PC really joins with over QUIC on loopback.
    let page = srv.post("/sinkronisasi/undang", Some(&c), &[]);
    assert_eq!(page.status, 200, "{}", page.body);
    let code = page.testid("invite-code").expect("invite code");
    assert!(!code.is_empty());
    let pc2 = tempfile::tempdir().expect("temp dir");
    ok(
        pc2.path(),
        &["peer", "join", &code, "--device", "PC Kasubag", "--listen", "127.0.0.1:0", "--timeout", "30"],
        None,
    );
    let list = ok(pc2.path(), &["session", "list", "--json"], None);
    assert!(list.contains(&ticket), "the new PC received the sessions");
    let sync = srv.get("/sinkronisasi", Some(&c));
    assert!(sync.body.contains("PC Kasubag"), "the new member is listed");
}

#[test]
fn a_second_pc_sees_a_registration_live_and_its_staff_sign_in_with_the_same_pin() {
    let pc1 = Server::start();
    let c1 = pc1.login(KASUBAG, "111111");
    let code = pc1.post("/sinkronisasi/undang", Some(&c1), &[]).testid("invite-code").expect("invite code");
    let home2 = tempfile::tempdir().expect("temp dir");
    ok(
        home2.path(),
        &["peer", "join", &code, "--device", "PC Kasubag", "--listen", "127.0.0.1:0", "--timeout", "30"],
        None,
    );
    let pc2 = Server::serve(home2);
    // The PIN set on PC 1 works on PC 2: it travelled in the staff record.
    let c2 = pc2.login(KASUBAG, "111111");

    let mut s = TcpStream::connect(pc2.addr).expect("connect");
    write!(s, "GET /peristiwa HTTP/1.1\r\nHost: {}\r\n\r\n", pc2.addr).expect("send");
    s.set_read_timeout(Some(Duration::from_millis(500))).expect("timeout");
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.contains("event: hello") && Instant::now() < deadline {
        if let Ok(n) = s.read(&mut buf) {
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    let token = form_token(&pc1.get("/pendaftaran", None).body);
    let r = pc1.post("/pendaftaran", None, &intake(&token, NAME, PHONE));
    assert_eq!(r.status, 303);
    let id = r.location().trim_start_matches("/tiket/").to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !seen.contains("\"kind\":\"session\"") && Instant::now() < deadline {
        if let Ok(n) = s.read(&mut buf) {
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    assert!(seen.contains("event: change") && seen.contains("\"kind\":\"session\""), "{seen}");
    assert_nothing_personal("PC 2's event stream", &seen);
    let board = pc2.get("/antrian/isi", Some(&c2));
    assert!(board.body.contains(&format!("data-id=\"{id}\"")), "PC 2's queue shows the visitor from PC 1");
    // The Kasubag assigns on PC 2; PC 1 sees it.
    assert_eq!(pc2.post(&format!("/antrian/{id}/tugaskan"), Some(&c2), &[("officer", OFFICER)]).status, 303);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = pc1.session(&id);
        if v["status"] == "assigned" {
            break;
        }
        assert!(Instant::now() < deadline, "the assignment did not reach PC 1: {v}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_conflict_on_a_risk_assessment_is_resolved_on_the_sync_page() {
    let pc1 = Server::start();
    let c1 = pc1.login(KASUBAG, "111111");
    let status: Value = serde_json::from_str(&pc1.get("/api/status", None).body).expect("json");
    let quic = status["quic_addr"].as_str().expect("QUIC address").to_string();
    let code = pc1.post("/sinkronisasi/undang", Some(&c1), &[]).testid("invite-code").expect("invite code");
    let pc2 = tempfile::tempdir().expect("temp dir");
    let h2 = pc2.path();
    ok(
        h2,
        &["peer", "join", &code, "--device", "PC Kasubag", "--listen", "127.0.0.1:0", "--timeout", "30"],
        None,
    );
    let add = |title: &str| -> String {
        let out = ok(
            pc1.home(),
            &[
                "--by",
                KASUBAG,
                "risk",
                "add",
                "--title",
                title,
                "--stage",
                "pemilihan",
                "--event",
                "Kolusi",
                "--likelihood",
                "3",
                "--impact",
                "3",
                "--json",
            ],
            None,
        );
        let v: Value = serde_json::from_str(&out).expect("json");
        v["code"].as_str().expect("risk code").to_string()
    };
    let (assessed, closed) = (add("Persekongkolan tender"), add("Dokumen palsu"));
    let sync = || ok(h2, &["sync", "now", "--peer", &quic, "--timeout", "30"], None);
    sync();
    // Both PCs write the same fields while apart: the residual assessment, and closing a risk.
    for (home, l, i) in [(pc1.home(), "4", "5"), (h2, "2", "3")] {
        ok(
            home,
            &["--by", KASUBAG, "risk", "assess", &assessed, "--residual", "--likelihood", l, "--impact", i],
            None,
        );
        ok(home, &["--by", KASUBAG, "risk", "close", &closed], None);
    }
    sync();
    let show = |key: &str| -> Value {
        serde_json::from_str(&ok(pc1.home(), &["risk", "show", key, "--json"], None)).expect("json")
    };
    let risk = show(&assessed);
    let id = risk["id"].as_str().expect("risk id").to_string();
    assert!(risk["conflicts"].as_array().is_some_and(|c| !c.is_empty()), "merged into a conflict: {risk}");

    let page = pc1.get("/sinkronisasi", Some(&c1));
    assert_eq!(page.status, 200);
    let row = |field: &str| -> String {
        let at = page.body.find(&format!("data-kind=\"risk\" data-field=\"{field}\"")).expect(field);
        let end = page.body[at..].find("</tr>").map_or(page.body.len(), |e| at + e);
        page.body[at..end].to_string()
    };
    let residual = row("residual");
    assert_eq!(residual.matches("data-testid=\"conflict-choose\"").count(), 2, "{residual}");
    assert!(residual.contains("value=\"2,3\"") && residual.contains("value=\"4,5\""), "{residual}");
    // Closing is a step recorded once: no button, a note says why.
    let closing = row("closed");
    assert!(!closing.contains("conflict-choose"), "{closing}");
    assert!(closing.contains("data-testid=\"conflict-note\""), "{closing}");

    let r = pc1.post(
        "/sinkronisasi/konflik",
        Some(&c1),
        &[("kind", "risk"), ("key", &id), ("field", "residual"), ("value", "2,3")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let risk = show(&assessed);
    let text = risk.to_string();
    assert!(
        !risk["conflicts"].as_array().expect("conflicts").iter().any(|c| c["field"] == "residual"),
        "resolved: {text}"
    );
    assert_eq!(risk["residual"]["likelihood"], 2, "{text}");
    assert_eq!(risk["residual"]["impact"], 3, "{text}");
    let page = pc1.get("/sinkronisasi", Some(&c1));
    assert!(!page.body.contains("data-field=\"residual\""), "no longer listed");
}

#[test]
fn the_web_app_runs_when_the_sync_node_cannot_start_and_says_so_on_the_sync_page() {
    // Another program holds the QUIC port (as when Wine refuses the socket option): the node
    // cannot start, the front desk still serves.
    let blocker = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port");
    let listen = blocker.local_addr().expect("udp addr").to_string();
    let mut early = Vec::new();
    let srv = Server::serve_on(Server::office(), &listen, &mut early);
    let said = early.join("\n");
    assert!(said.contains("sync node not started") && said.contains("retrying every 30 s"), "{said}");
    let status = srv.get("/api/status", None);
    assert_eq!(status.status, 200);
    let json: Value = serde_json::from_str(&status.body).expect("json");
    assert_eq!(json["ok"], true);
    assert_eq!(json["sync"], false);
    // Registration works without sync.
    let token = form_token(&srv.get("/pendaftaran", None).body);
    let r = srv.post("/pendaftaran", None, &intake(&token, NAME, PHONE));
    assert_eq!(r.status, 303, "{}", r.body);
    let kasubag = srv.login(KASUBAG, "111111");
    let page = srv.get("/sinkronisasi", Some(&kasubag));
    assert_eq!(page.status, 200);
    let off = page.testid("sync-off").expect("the notice that sync is off");
    assert!(off.contains("sinkronisasi tidak aktif"), "{off}");
    assert!(srv.get("/antrian", Some(&kasubag)).body.contains(NAME));
    // Sync actions explain themselves instead of failing obscurely.
    let invite = srv.post("/sinkronisasi/undang", Some(&kasubag), &[]);
    assert_eq!(invite.status, 503);
    assert!(invite.testid("error-invite").expect("invite error").contains("sinkronisasi tidak aktif"));
    let log = std::fs::read_to_string(srv.home().join("logs").join("amer.log")).expect("log file");
    assert!(log.contains("sync node not started"), "{log}");
    assert_nothing_personal("the log file", &log);
    drop(blocker);
}
