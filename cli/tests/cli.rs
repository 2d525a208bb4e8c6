//! End-to-end tests of the `amer` binary: each test runs the real program in its own temporary
//! home folder and checks exit codes, stdout JSON field by field, and stderr messages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const ADMIN: &str = "198503122010011003";
const KASUBAG: &str = "197901152005012001";
const OFFICER: &str = "199002202015031002";
const OFFICER2: &str = "199105102016041001";
const NIK: &str = "6407015203900001";
const PHONE: &str = "0812-3456-7890";

/// A temporary home folder and a way to run `amer` in it.
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    /// An empty folder.
    fn empty() -> Home {
        Home { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// An initialised office with an admin, a kasubag and two officers.
    fn office() -> Home {
        let h = Home::empty();
        h.json(&["init", "--office", "Bagian Pengadaan Barang/Jasa", "--device", "PC Loket"]);
        h.json(&["staff", "add", "--nip", ADMIN, "--name", "Andi Admin", "--role", "admin"]);
        for (nip, name, role) in [
            (KASUBAG, "Sari Kasubag", "kasubag"),
            (OFFICER, "Budi Petugas", "petugas"),
            (OFFICER2, "Dewi Petugas", "petugas"),
        ] {
            h.json(&["--by", ADMIN, "staff", "add", "--nip", nip, "--name", name, "--role", role]);
        }
        h
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `amer` with this home and a clean environment.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_amer"))
            .args(args)
            .env("AMER_HOME", self.path())
            .env_remove("AMER_USER")
            .env_remove("AMER_LANG")
            .env_remove("AMER_LOG")
            .env("NO_COLOR", "1")
            .output()
            .expect("run amer")
    }

    /// Runs with `--json`, expects exit 0 and exactly one JSON document on stdout.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.run(&all);
        assert_eq!(
            out.status.code(),
            Some(0),
            "amer {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "amer {args:?}: stdout is not one JSON document ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs and expects the exit code; returns stderr.
    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "amer {args:?}: stderr {stderr}");
        assert!(!stderr.trim().is_empty(), "amer {args:?}: an error must be explained on stderr");
        stderr
    }

    /// The whole change feed: equal before and after means nothing was stored.
    fn feed(&self) -> Value {
        self.json(&["inspect", "feed"])
    }

    /// Registers a konsultasi session for Rina; returns its ticket.
    fn new_session(&self) -> String {
        let r = self.json(&[
            "session",
            "new",
            "--category",
            "konsultasi",
            "--visitor",
            "Rina Wulandari",
            "--org",
            "CV Maju Jaya",
            "--visitor-role",
            "penyedia",
            "--phone",
            PHONE,
            "--nik",
            NIK,
            "--subject",
            "Jadwal sanggah",
        ]);
        r["ticket"].as_str().expect("ticket").to_string()
    }

    /// A session that went all the way to finished (not rated).
    fn finished_session(&self) -> String {
        let t = self.new_session();
        self.json(&["--by", KASUBAG, "session", "assign", &t, "--officer", OFFICER]);
        self.json(&["session", "start", &t, "--by", OFFICER]);
        self.json(&["session", "finish", &t, "--notes", "Menjelaskan jadwal sanggah"]);
        t
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path().join(name);
        std::fs::write(&p, text).expect("write file");
        p
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// `2026-11-27T09:15:00+08:00`: RFC 3339 with the office's (WITA) offset.
fn assert_wita(v: &Value, what: &str) {
    let t = v.as_str().unwrap_or_else(|| panic!("{what} is not a string: {v}"));
    assert!(chrono::DateTime::parse_from_rfc3339(t).is_ok(), "{what} is not RFC 3339: {t}");
    assert!(t.ends_with("+08:00"), "{what} is not in office time: {t}");
}

mod flow {
    use super::*;

    #[test]
    fn init_and_status() {
        let h = Home::empty();
        let init = h.json(&["init", "--office", "UKPBJ Kutai Barat", "--device", "PC Loket"]);
        assert!(init["node_id"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(init["device_code"], "A");
        assert_eq!(init["office_id"].as_str().map(str::len), Some(36));

        let st = h.json(&["status"]);
        assert_eq!(st["node_id"], init["node_id"]);
        assert_eq!(st["office"], "UKPBJ Kutai Barat");
        assert_eq!(st["device_code"], "A");
        assert_eq!(st["counts"], serde_json::json!({"sessions": 0, "risks": 0, "staff": 0}));
        assert_eq!(st["peers"], serde_json::json!([]));
        assert_eq!(st["timezone"], "Asia/Makassar");

        // A second init is refused and changes nothing.
        let before = h.feed();
        let err = h.fails(&["init", "--office", "Lain", "--device", "PC 2"], 1);
        assert!(err.contains("already initialised"), "{err}");
        assert_eq!(h.feed(), before);
    }

    #[test]
    fn whole_session_flow_and_show_shape() {
        let h = Home::office();
        let new = h.json(&[
            "session",
            "new",
            "--category",
            "konsultasi",
            "--visitor",
            "Rina Wulandari",
            "--org",
            "CV Maju Jaya",
            "--visitor-role",
            "penyedia",
            "--phone",
            PHONE,
            "--nik",
            NIK,
            "--subject",
            "Jadwal sanggah",
            "--description",
            "Pertanyaan dokumen pemilihan",
            "--package-code",
            "12345678",
            "--stage",
            "pemilihan",
        ]);
        let ticket = new["ticket"].as_str().expect("ticket").to_string();
        let id = new["id"].as_str().expect("id").to_string();
        assert!(ticket.starts_with("K-") && ticket.ends_with("-A-001"), "{ticket}");
        assert_eq!(id.len(), 36);

        let assigned = h.json(&["--by", KASUBAG, "session", "assign", &ticket, "--officer", OFFICER]);
        assert_eq!(assigned["status"], "assigned");
        // Global options after the subcommand work too; the id is accepted where a ticket is.
        assert_eq!(h.json(&["session", "start", &id, "--by", OFFICER])["status"], "in_service");
        h.json(&["session", "notes", &ticket, "--append", "Pengunjung membawa dokumen"]);
        let fin = h.json(&[
            "session",
            "finish",
            &ticket,
            "--notes",
            "Menjelaskan jadwal sanggah",
            "--recommendation",
            "Ajukan melalui SPSE",
            "--follow-up",
            "Pokja menjawab 3 hari",
        ]);
        assert_eq!(fin["status"], "finished");
        h.json(&["session", "rate", &ticket, "--score", "5", "--comment", "Sangat membantu", "--signed"]);

        let v = h.json(&["session", "show", &ticket]);
        assert_eq!(v["id"], id.as_str());
        assert_eq!(v["ticket"], ticket.as_str());
        assert_eq!(v["category"], "konsultasi");
        assert_eq!(v["status"], "rated");
        let visitor = &v["visitor"];
        assert_eq!(visitor["name"], "Rina Wulandari");
        assert_eq!(visitor["org"], "CV Maju Jaya");
        assert_eq!(visitor["role"], "penyedia");
        assert_eq!(visitor["phone"], "081234567890");
        assert_eq!(visitor["nik"], "6407********0001");
        assert_eq!(visitor["id"].as_str().map(str::len), Some(36));
        assert_eq!(v["subject"], "Jadwal sanggah");
        assert_eq!(v["description"], "Pertanyaan dokumen pemilihan");
        assert_eq!(v["stage"], "pemilihan");
        assert_eq!(v["package"]["code"], "12345678");
        assert_eq!(v["officer"], serde_json::json!({"nip": OFFICER, "name": "Budi Petugas"}));
        assert_eq!(v["assigned_by"], KASUBAG);
        for field in ["arrived_at", "assigned_at", "started_at", "finished_at"] {
            assert_wita(&v[field], field);
        }
        assert!(v["waiting_seconds"].as_i64().is_some_and(|s| s >= 0), "{}", v["waiting_seconds"]);
        assert!(v["duration_seconds"].as_i64().is_some_and(|s| s >= 0), "{}", v["duration_seconds"]);
        assert_eq!(v["timing_flags"], serde_json::json!({"waiting": null, "duration": null}));
        let notes = v["notes"].as_str().expect("notes");
        assert!(notes.contains("membawa dokumen") && notes.contains("Menjelaskan jadwal"), "{notes}");
        assert_eq!(v["recommendation"], "Ajukan melalui SPSE");
        let rating = &v["rating"];
        assert_eq!(rating["score"], 5);
        assert_eq!(rating["label"], "Sangat Baik");
        assert_eq!(rating["comment"], "Sangat membantu");
        assert_eq!(rating["signed"], true);
        assert_eq!(v["conflicts"], serde_json::json!([]));
        let ops: Vec<&str> =
            v["history"].as_array().expect("history").iter().filter_map(|h| h["op"].as_str()).collect();
        assert_eq!(ops, ["register", "assign", "start", "notes_append", "notes_append", "finish", "rate"]);
        let assign = &v["history"][1];
        assert_eq!(assign["by"], KASUBAG);
        assert_eq!(assign["device"], "A");
        assert_wita(&assign["at"], "history at");

        // Labels follow --lang; codes do not.
        let en = h.json(&["--lang", "en", "session", "show", &ticket]);
        assert_eq!(en["rating"]["label"], "Very good");
        assert_eq!(en["status"], "rated");

        // People get text, not JSON.
        let out = h.run(&["session", "show", &ticket]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("6407********0001") && !text.contains(NIK), "{text}");
    }

    #[test]
    fn listing_and_filters() {
        let h = Home::office();
        let done = h.finished_session();
        h.json(&[
            "session",
            "new",
            "--category",
            "pengaduan",
            "--visitor",
            "Hadi",
            "--subject",
            "Keterlambatan bayar",
        ]);
        let all = h.json(&["session", "list"]);
        assert_eq!(all.as_array().map(Vec::len), Some(2));
        let row = &all
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["ticket"] == done.as_str())
            .expect("row")
            .clone();
        assert_eq!(row["status"], "finished");
        assert_eq!(row["visitor_name"], "Rina Wulandari");
        assert_eq!(row["officer_nip"], OFFICER);
        assert_wita(&row["arrived_at"], "arrived_at");
        let finished = h.json(&["session", "list", "--status", "finished"]);
        assert_eq!(finished.as_array().map(Vec::len), Some(1));
        assert_eq!(h.json(&["session", "list", "--category", "pengaduan"]).as_array().map(Vec::len), Some(1));
        assert_eq!(h.json(&["session", "list", "--officer", OFFICER]).as_array().map(Vec::len), Some(1));
        assert_eq!(
            h.json(&["session", "list", "--from", "2000-01-01", "--to", "2000-12-31"])
                .as_array()
                .map(Vec::len),
            Some(0)
        );
        assert_eq!(
            h.json(&["session", "list", "--search", "keterlambatan"]).as_array().map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn cancel_a_session() {
        let h = Home::office();
        let t = h.new_session();
        let v = h.json(&["session", "cancel", &t, "--reason", "Pengunjung pulang"]);
        assert_eq!(v["status"], "cancelled");
        assert_eq!(v["cancellation"]["reason"], "Pengunjung pulang");
    }

    #[test]
    fn staff_list_update_show() {
        let h = Home::office();
        let list = h.json(&["staff", "list"]);
        assert_eq!(list.as_array().map(Vec::len), Some(4));
        let andi = list.as_array().expect("rows").iter().find(|r| r["nip"] == ADMIN).expect("admin").clone();
        assert_eq!(andi["role"], "admin");
        assert_eq!(andi["active"], true);
        let upd = h.json(&["--by", ADMIN, "staff", "update", OFFICER2, "--inactive", "--title", "Analis"]);
        assert_eq!(upd["active"], false);
        assert_eq!(upd["title"], "Analis");
        assert_eq!(h.json(&["staff", "show", OFFICER2])["name"], "Dewi Petugas");
    }

    #[test]
    fn risk_register() {
        let h = Home::office();
        let added = h.json(&[
            "--by",
            KASUBAG,
            "risk",
            "add",
            "--title",
            "Persekongkolan tender",
            "--stage",
            "pemilihan",
            "--event",
            "Peserta mengatur harga",
            "--likelihood",
            "4",
            "--impact",
            "4",
            "--category",
            "fraud",
            "--owner",
            "Pokja",
        ]);
        let code = added["code"].as_str().expect("code").to_string();
        assert!(code.starts_with('R') && code.ends_with("-A-001"), "{code}");
        assert_eq!(added["id"].as_str().map(str::len), Some(36));
        h.json(&["risk", "respond", &code, "--response", "kurangi"]);
        let treated = h.json(&[
            "risk",
            "treat",
            &code,
            "--action",
            "Reviu APIP",
            "--owner",
            "Inspektorat",
            "--due",
            "2026-12-15",
        ]);
        let item = treated["treatments"][0]["id"].as_str().expect("item").to_string();
        assert_eq!(treated["treatments"][0]["due"], "2026-12-15");
        h.json(&["risk", "done", &code, &item]);
        h.json(&["risk", "assess", &code, "--likelihood", "2", "--impact", "3", "--residual"]);
        let t = h.new_session();
        h.json(&["risk", "link", &code, &t]);
        h.json(&["risk", "monitor", &code, "--note", "Tidak ada indikasi baru"]);

        let r = h.json(&["risk", "show", &code]);
        assert_eq!(r["inherent"]["score"], 19);
        assert_eq!(r["inherent"]["level"], "tinggi");
        assert_eq!(r["residual"]["score"], 11);
        assert_eq!(r["residual"]["level"], "rendah");
        assert_eq!(r["response"], "kurangi");
        assert_eq!(r["status"], "monitored");
        assert_eq!(r["linked_sessions"], serde_json::json!([t]));
        assert!(r["treatments"][0]["done"]["at"].is_string());
        let rows = h.json(&["risk", "list"]);
        assert_eq!(rows[0]["code"], code.as_str());
        assert_eq!(
            (rows[0]["treatments_done"].as_i64(), rows[0]["treatments_total"].as_i64()),
            (Some(1), Some(1))
        );
        assert_eq!(h.json(&["risk", "close", &code])["status"], "closed");
    }

    #[test]
    fn holidays() {
        let h = Home::office();
        assert_eq!(h.json(&["holidays", "list", "--year", "2026"]).as_array().map(Vec::len), Some(25));
        let csv =
            h.write("libur-2027.csv", "date,kind,name\n2027-01-01,libur_nasional,Tahun Baru 2027 Masehi\n");
        assert_eq!(h.json(&["--by", KASUBAG, "holidays", "import", s(&csv)])["imported"], 1);
        let y2027 = h.json(&["holidays", "list", "--year", "2027"]);
        assert_eq!(
            y2027[0],
            serde_json::json!({"date": "2027-01-01", "kind": "libur_nasional", "name": "Tahun Baru 2027 Masehi"})
        );
    }
}

/// Every refusal exits 1, says why on stderr and stores nothing.
mod refusals {
    use super::*;

    fn refused(h: &Home, args: &[&str], says: &str) {
        let feed = h.feed();
        let status = h.json(&["status"]);
        let err = h.fails(args, 1);
        assert!(err.contains(says), "amer {args:?}: expected '{says}' in: {err}");
        assert_eq!(h.feed(), feed, "amer {args:?} changed the store");
        assert_eq!(h.json(&["status"]), status);
    }

    #[test]
    fn lifecycle_refusals_change_nothing() {
        let h = Home::office();
        let fresh = h.new_session();
        let done = h.finished_session();
        refused(&h, &["session", "rate", &done, "--score", "9"], "1 to 5");
        refused(&h, &["session", "rate", &done, "--score", "0"], "1 to 5");
        refused(&h, &["session", "rate", &fresh, "--score", "4"], "not finished");
        refused(&h, &["session", "start", &fresh], "no officer is assigned");
        refused(&h, &["session", "show", "K-000000-A-999"], "not found");
        refused(&h, &["session", "start", "K-000000-A-999"], "not found");
        refused(&h, &["--by", KASUBAG, "session", "assign", &fresh, "--officer", "12345"], "18 digits");
        refused(&h, &["--by", "12345", "session", "assign", &fresh, "--officer", OFFICER], "18 digits");
        refused(
            &h,
            &["--by", KASUBAG, "session", "assign", &fresh, "--officer", "198001012005011999"],
            "not found",
        );
        refused(&h, &["--by", OFFICER, "session", "assign", &fresh, "--officer", OFFICER2], "needs the role");
        refused(&h, &["session", "finish", &fresh, "--notes", "x"], "not started");
        refused(&h, &["risk", "assess", "R99-A-001", "--likelihood", "3", "--impact", "3"], "not found");
        refused(
            &h,
            &["staff", "add", "--nip", "199201012019031001", "--name", "X", "--role", "petugas"],
            "--by NIP",
        );
    }

    #[test]
    fn assigning_an_inactive_officer_is_refused() {
        let h = Home::office();
        let t = h.new_session();
        h.json(&["--by", ADMIN, "staff", "update", OFFICER2, "--inactive"]);
        refused(&h, &["--by", KASUBAG, "session", "assign", &t, "--officer", OFFICER2], "inactive");
    }

    #[test]
    fn rated_sessions_need_an_admin() {
        let h = Home::office();
        let t = h.finished_session();
        h.json(&["session", "rate", &t, "--score", "3"]);
        refused(&h, &["--by", OFFICER, "session", "notes", &t, "--append", "tambahan"], "admin");
        assert_eq!(h.json(&["--by", ADMIN, "session", "rate", &t, "--score", "4"])["rating"]["score"], 4);
    }

    #[test]
    fn personal_data_stays_out_of_errors_and_logs() {
        let h = Home::office();
        let bad_nik = "6407015203900000";
        let err = h.fails(
            &[
                "session",
                "new",
                "--category",
                "konsultasi",
                "--visitor",
                "Rina",
                "--nik",
                bad_nik,
                "--subject",
                "x",
            ],
            1,
        );
        assert!(err.contains("NIK") && !err.contains(bad_nik), "{err}");
        let out = h.run(&[
            "-vvv",
            "session",
            "new",
            "--category",
            "konsultasi",
            "--visitor",
            "Rina Rahasia",
            "--phone",
            PHONE,
            "--nik",
            NIK,
            "--subject",
            "x",
        ]);
        assert_eq!(out.status.code(), Some(0));
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(!log.is_empty(), "-vvv logs something");
        for secret in [NIK, "Rina Rahasia", "81234567890"] {
            assert!(!log.contains(secret), "personal data in the log: {log}");
        }
    }

    #[test]
    fn a_folder_without_a_store_is_exit_3_and_stays_empty() {
        let h = Home::empty();
        for args in [&["status"][..], &["session", "list"], &["doctor"], &["session", "show", "K-1"]] {
            let err = h.fails(args, 3);
            assert!(err.contains("amer init"), "{err}");
        }
        assert_eq!(std::fs::read_dir(h.path()).expect("dir").count(), 0, "nothing may be created");
    }
}

mod usage {
    use super::*;

    #[test]
    fn usage_errors_exit_2() {
        let h = Home::office();
        let feed = h.feed();
        for args in [
            &[][..],
            &["frobnicate"],
            &["session", "new", "--category", "konsultasi", "--visitor", "X"],
            &["session", "new", "--category", "bogus", "--visitor", "X", "--subject", "y"],
            &["session", "list", "--from", "27-11-2026"],
            &["session", "rate", "K-1", "--score", "lima"],
            &["session", "notes", "K-1"],
            &["risk", "treat", "R", "--action", "a", "--owner", "o", "--due", "besok"],
            &["status", "-v", "-q"],
        ] {
            h.fails(args, 2);
        }
        assert_eq!(h.feed(), feed);
    }

    #[test]
    fn help_lists_examples_and_exit_codes() {
        let h = Home::empty();
        let out = h.run(&["--help"]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        for needle in ["Examples:", "Exit codes:", "  3  ", "AMER_HOME"] {
            assert!(text.contains(needle), "--help lacks {needle}: {text}");
        }
        for cmd in
            [&["session", "rate"][..], &["import"], &["risk", "add"], &["visitor", "erase"], &["restore"]]
        {
            let mut args = cmd.to_vec();
            args.push("--help");
            let out = h.run(&args);
            assert_eq!(out.status.code(), Some(0));
            assert!(String::from_utf8_lossy(&out.stdout).contains("Examples:"), "{cmd:?}");
        }
    }

    #[test]
    fn completions() {
        let h = Home::empty();
        for shell in ["bash", "zsh", "fish", "powershell"] {
            let out = h.run(&["completions", shell]);
            assert_eq!(out.status.code(), Some(0), "{shell}");
            assert!(String::from_utf8_lossy(&out.stdout).contains("amer"), "{shell}");
        }
    }
}

mod import {
    use super::*;

    const PAPER: &str = r#"{"category":"konsultasi","visitor":{"name":"Joko","org":"CV A","role":"penyedia","phone":"0813-1111-2222"},"subject":"HPS","arrived_at":"2025-11-03T09:00:00+08:00","officer_nip":"199002202015031002","assigned_by_nip":"197901152005012001","assigned_at":"2025-11-03T09:05:00+08:00","started_at":"2025-11-03T09:10:00+08:00","finished_at":"2025-11-03T09:40:00+08:00","notes":"Dijelaskan cara menghitung HPS","rating":{"score":4,"comment":"Jelas","signed":true},"stage":"persiapan","package_code":"RUP-991","recommendation":"Gunakan harga pasar"}
{"category":"pengaduan","visitor":{"name":"Sri"},"subject":"Keluhan jadwal","arrived_at":"2025-11-03T10:00:00+08:00"}

{"category":"sanggahan","visitor":{"name":"Hadi","nik":"6407015203900001"},"subject":"Hasil evaluasi","arrived_at":"2025-11-04T08:00:00+08:00","officer_nip":"199002202015031002","assigned_at":"2025-11-04T08:00:00+08:00","started_at":"2025-11-04T08:30:00+08:00","finished_at":"2025-11-04T21:30:00+08:00"}
"#;

    #[test]
    fn paper_history_keeps_its_times_and_people() {
        let h = Home::office();
        let file = h.write("buku-tamu.jsonl", PAPER);
        let out = h.json(&["import", s(&file)]);
        assert_eq!(out["imported"], 3);
        let tickets: Vec<String> = out["tickets"]
            .as_array()
            .expect("tickets")
            .iter()
            .filter_map(|t| t.as_str().map(String::from))
            .collect();
        assert_eq!(tickets, ["K-251103-A-001", "P-251103-A-002", "S-251104-A-001"]);

        let v = h.json(&["session", "show", "K-251103-A-001"]);
        assert_eq!(v["status"], "rated");
        assert_eq!(v["arrived_at"], "2025-11-03T09:00:00+08:00");
        assert_eq!(v["assigned_at"], "2025-11-03T09:05:00+08:00");
        assert_eq!(v["finished_at"], "2025-11-03T09:40:00+08:00");
        assert_eq!(v["waiting_seconds"], 600);
        assert_eq!(v["duration_seconds"], 1800);
        assert_eq!(v["officer"]["nip"], OFFICER);
        assert_eq!(v["assigned_by"], KASUBAG);
        assert_eq!(v["rating"]["score"], 4);
        assert_eq!(v["rating"]["signed"], true);
        assert_eq!(v["notes"], "Dijelaskan cara menghitung HPS");
        assert_eq!(v["recommendation"], "Gunakan harga pasar");
        assert_eq!(v["stage"], "persiapan");
        assert_eq!(v["package"]["code"], "RUP-991");
        let by: Vec<(&str, Option<&str>)> = v["history"]
            .as_array()
            .expect("history")
            .iter()
            .map(|e| (e["op"].as_str().unwrap_or(""), e["by"].as_str()))
            .collect();
        assert!(by.contains(&("assign", Some(KASUBAG))) && by.contains(&("finish", Some(OFFICER))), "{by:?}");

        // Thirteen hours of service: flagged, shown as null, never as a number.
        let long = h.json(&["session", "show", "S-251104-A-001"]);
        assert_eq!(long["duration_seconds"], Value::Null);
        assert_eq!(long["timing_flags"]["duration"], "absurd");
        assert_eq!(long["waiting_seconds"], 1800);
        assert_eq!(long["visitor"]["nik"], "6407********0001");
        assert_eq!(h.json(&["status"])["counts"]["sessions"], 3);
        assert_eq!(h.json(&["doctor"])["ok"], true);
    }

    #[test]
    fn a_bad_line_stores_nothing_and_is_named() {
        let h = Home::office();
        let lines = [
            r#"{"category":"konsultasi","visitor":{"name":"Joko"},"subject":"HPS"}"#,
            r#"{"category":"pengaduan","visitor":{"name":"Sri"},"subject":"Keluhan"}"#,
            r#"{"category":"pengaduan","visitor":{"name":"Sri"},"subject":"Keluhan","arrived_at":"2025-11-03T10:00:00+08:00","officer_nip":"199002202015031002","assigned_at":"2025-11-03T10:01:00+08:00","started_at":"2025-11-03T10:02:00+08:00","finished_at":"2025-11-03T10:30:00+08:00","rating":{"score":9}}"#,
            r#"{"category":"konsultasi","visitor":{"name":"Ani"},"subject":"Jadwal"}"#,
        ];
        let file = h.write("rusak.jsonl", &(lines.join("\n") + "\n"));
        let feed = h.feed();
        let err = h.fails(&["import", s(&file)], 1);
        assert!(err.contains("line 3") && err.contains("1 to 5"), "{err}");
        assert!(!err.contains("line 1") && !err.contains("line 2") && !err.contains("line 4"), "{err}");
        assert!(err.contains("nothing was imported"), "{err}");
        assert_eq!(h.feed(), feed);
        let leftovers: Vec<String> = std::fs::read_dir(h.path())
            .expect("dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.starts_with("amer.db."))
            .collect();
        assert!(leftovers.is_empty(), "scratch files left: {leftovers:?}");
    }

    #[test]
    fn rules_of_live_input_apply_to_every_line() {
        let h = Home::office();
        h.json(&["--by", ADMIN, "staff", "update", OFFICER2, "--inactive"]);
        let cases = [
            (r#"{"category":"konsultasi","visitor":{"name":"A"},"subject":"x"#, "not valid JSON"),
            (r#"{"category":"kunjungan","visitor":{"name":"A"},"subject":"x"}"#, "category"),
            (r#"{"category":"konsultasi","visitor":{"name":"A"},"subjek":"x"}"#, "unknown field"),
            (r#"{"category":"konsultasi","visitor":{"name":"A","phone":"12345"},"subject":"x"}"#, "phone"),
            (
                r#"{"category":"konsultasi","visitor":{"name":"A"},"subject":"x","arrived_at":"2025-11-03T10:00:00+08:00","officer_nip":"199105102016041001","assigned_at":"2025-11-03T10:01:00+08:00"}"#,
                "inactive",
            ),
            (
                r#"{"category":"konsultasi","visitor":{"name":"A"},"subject":"x","arrived_at":"2025-11-03T10:00:00+08:00","started_at":"2025-11-03T09:00:00+08:00"}"#,
                "officer",
            ),
            (
                r#"{"category":"konsultasi","visitor":{"name":"A"},"subject":"x","arrived_at":"2025-11-03T10:00:00+08:00","officer_nip":"199002202015031002","assigned_at":"2025-11-03T09:00:00+08:00"}"#,
                "before",
            ),
            (
                r#"{"category":"konsultasi","visitor":{"name":"A"},"subject":"x","arrived_at":"2999-01-01T10:00:00+08:00"}"#,
                "future",
            ),
        ];
        let feed = h.feed();
        for (line, says) in cases {
            let file = h.write("satu.jsonl", &format!("{line}\n"));
            let err = h.fails(&["import", s(&file)], 1);
            assert!(err.contains("line 1") && err.contains(says), "{line}: {err}");
        }
        assert_eq!(h.feed(), feed);
        h.fails(&["import", "/nonexistent/amer.jsonl"], 4);
    }
}

mod backup {
    use super::*;

    #[test]
    fn backup_and_restore_round_trip() {
        let h = Home::office();
        let kept = h.finished_session();
        let file = h.path().join("cadangan.db");
        let b = h.json(&["backup", "--out", s(&file)]);
        assert!(file.is_file() && b["bytes"].as_u64().is_some_and(|n| n > 0));
        h.fails(&["backup", "--out", s(&file)], 1);

        let later = h.new_session();
        let before = h.json(&["status"]);
        assert_eq!(before["counts"]["sessions"], 2);
        let err = h.fails(&["restore", s(&file)], 1);
        assert!(err.contains("--force"), "{err}");
        assert_eq!(h.json(&["status"]), before, "a refused restore changes nothing");

        let r = h.json(&["restore", s(&file), "--force"]);
        assert_eq!(r["counts"]["sessions"], 1);
        let after = h.json(&["status"]);
        assert_eq!(after["counts"]["sessions"], 1);
        assert_eq!(after["node_id"], before["node_id"]);
        assert_eq!(h.json(&["session", "show", &kept])["visitor"]["name"], "Rina Wulandari");
        h.fails(&["session", "show", &later], 1);
        assert_eq!(h.json(&["doctor"])["ok"], true);

        // Another PC's folder has another secret.key: the backup's visitor data cannot be opened
        // there, so the restore is refused and leaves the folder as it was.
        let elsewhere = Home::empty();
        let err = elsewhere.fails(&["restore", s(&file)], 1);
        assert!(err.contains("secret.key"), "{err}");
        assert_eq!(std::fs::read_dir(elsewhere.path()).expect("dir").count(), 0);

        let junk = h.write("bukan.db", "bukan database");
        let err = h.fails(&["restore", s(&junk), "--force"], 1);
        assert!(err.contains("not an AMER backup"), "{err}");
        assert_eq!(h.json(&["status"])["counts"]["sessions"], 1);
    }
}

mod privacy {
    use super::*;

    #[test]
    fn erasure_shows_dihapus_everywhere() {
        let h = Home::office();
        let t = h.finished_session();
        let visitor =
            h.json(&["session", "show", &t])["visitor"]["id"].as_str().expect("visitor id").to_string();
        let found = h.json(&["visitor", "find", "--phone", PHONE]);
        assert_eq!(found[0]["id"], visitor.as_str());
        assert_eq!(found[0]["nik"], "6407********0001");

        let export = h.path().join("data-pengunjung.json");
        let e = h.json(&["visitor", "export", &visitor, "--out", s(&export)]);
        assert_eq!(e["sessions"], 1);
        let content = std::fs::read_to_string(&export).expect("export file");
        assert!(content.contains("Rina Wulandari"), "{content}");
        h.fails(&["visitor", "export", &visitor, "--out", s(&export)], 1);

        let feed = h.feed();
        h.fails(&["visitor", "erase", &visitor, "--reason", "Permohonan 12/2026"], 1);
        h.fails(&["--by", OFFICER, "visitor", "erase", &visitor, "--reason", "Permohonan 12/2026"], 1);
        assert_eq!(h.feed(), feed);
        let erased = h.json(&["--by", ADMIN, "visitor", "erase", &visitor, "--reason", "Permohonan 12/2026"]);
        assert_eq!(erased["sessions"], 1);

        let v = h.json(&["session", "show", &t]);
        for field in ["name", "phone", "nik"] {
            assert_eq!(v["visitor"][field], "[dihapus]", "{field}");
        }
        assert_eq!(v["visitor"]["org"], "CV Maju Jaya", "organisation is not personal data");
        assert_eq!(v["erasure"]["request"], "Permohonan 12/2026");
        assert_eq!(v["erasure"]["by"], ADMIN);
        assert_eq!(h.json(&["session", "list"])[0]["visitor_name"], "[dihapus]");
        assert_eq!(h.json(&["visitor", "find", "--phone", PHONE]), serde_json::json!([]));
        h.fails(&["--by", ADMIN, "visitor", "erase", &visitor, "--reason", "lagi"], 1);
    }

    #[test]
    fn restoring_an_older_backup_keeps_erasures() {
        let h = Home::office();
        let t = h.finished_session();
        let visitor =
            h.json(&["session", "show", &t])["visitor"]["id"].as_str().expect("visitor id").to_string();
        let file = h.path().join("sebelum-hapus.db");
        h.json(&["backup", "--out", s(&file)]);
        h.json(&["--by", ADMIN, "visitor", "erase", &visitor, "--reason", "Permohonan 13/2026"]);
        h.json(&["restore", s(&file), "--force"]);
        assert_eq!(h.json(&["session", "show", &t])["visitor"]["name"], "[dihapus]");
        assert_eq!(h.json(&["visitor", "find", "--phone", PHONE]), serde_json::json!([]));
    }
}

mod inspect {
    use super::*;

    #[test]
    fn doc_feed_conflicts_doctor() {
        let h = Home::office();
        let t = h.finished_session();
        let doc = h.json(&["inspect", "doc", &t]);
        assert_eq!(doc["kind"], "session");
        assert_eq!(doc["heads"].as_array().map(Vec::len), Some(1));
        assert_eq!(doc["heads"][0].as_str().map(str::len), Some(64));
        let first = &doc["history"][0];
        assert_eq!(first["op"], "register");
        assert_eq!(first["device"], "A");
        assert_wita(&first["at"], "history at");
        assert_eq!(h.json(&["inspect", "doc", OFFICER])["kind"], "staff");
        h.fails(&["inspect", "doc", "tidak-ada"], 1);

        let feed = h.feed();
        let items = feed.as_array().expect("feed");
        assert!(items.iter().any(|i| i["kind"] == "key"), "visitor keys are in the feed");
        let last = items.last().expect("entries")["seq"].as_i64().expect("seq");
        assert_eq!(h.json(&["inspect", "feed", "--since", &last.to_string()]), serde_json::json!([]));
        assert_eq!(h.json(&["status"])["feed_seq"], last);

        assert_eq!(h.json(&["inspect", "conflicts"]), serde_json::json!([]));
        let d = h.json(&["doctor"]);
        assert_eq!(d["ok"], true);
        assert_eq!(d["problems"], serde_json::json!([]));
    }
}

mod printing {
    use super::*;

    fn pdftotext(p: &Path) -> String {
        let out = Command::new("pdftotext").arg(p).arg("-").output().expect("pdftotext (poppler-utils)");
        String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn intake_and_report_pdfs() {
        let h = Home::office();
        let t = h.finished_session();
        h.json(&["session", "rate", &t, "--score", "4", "--signed"]);
        let intake = h.path().join("formulir.pdf");
        let v = h.json(&["session", "print", &t, "--form", "intake", "--out", s(&intake)]);
        assert!(v["bytes"].as_u64().unwrap_or(0) > 1000);
        let text = pdftotext(&intake);
        assert!(
            text.contains(&t) && text.contains("Rina Wulandari") && text.contains("6407********0001"),
            "{text}"
        );
        let report = h.path().join("laporan.pdf");
        h.json(&["session", "print", &t, "--form", "report", "--out", s(&report)]);
        let text = pdftotext(&report);
        assert!(text.contains("Budi Petugas") && text.contains(OFFICER) && text.contains("Baik"), "{text}");
        // No silent overwrite.
        let err = h.fails(&["session", "print", &t, "--form", "report", "--out", s(&report)], 1);
        assert!(err.contains("--force"), "{err}");
        h.json(&["session", "print", &t, "--form", "report", "--out", s(&report), "--force"]);
    }

    #[test]
    fn a_template_in_the_home_replaces_the_built_in_one() {
        let h = Home::office();
        let t = h.new_session();
        let dir = h.path().join("templates");
        let files = h.json(&["templates", "export", s(&dir)]);
        assert!(files.as_array().is_some_and(|a| a.len() >= 9), "{files}");
        let intake = dir.join("intake.typ");
        let text = std::fs::read_to_string(&intake).expect("read");
        std::fs::write(&intake, format!("{text}\n#text[CETAKAN KHUSUS KANTOR]\n")).expect("write");
        let out = h.path().join("f.pdf");
        h.json(&["session", "print", &t, "--form", "intake", "--out", s(&out)]);
        assert!(pdftotext(&out).contains("CETAKAN KHUSUS KANTOR"));
        let err =
            h.fails(&["session", "print", &t, "--form", "report", "--out", s(&h.path().join("r.pdf"))], 1);
        assert!(err.contains("not finished"), "{err}");
    }
}

/// Several PCs over real QUIC sockets on loopback, through the commands a person would type.
mod network {
    use std::process::{Child, Stdio};
    use std::time::{Duration, Instant};

    use super::*;

    fn free_port() -> u16 {
        std::net::UdpSocket::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
    }

    /// `amer sync serve` running in the background until dropped.
    struct Serving(Child);

    impl Drop for Serving {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn serve(h: &Home, port: u16) -> Serving {
        let serving = Serving(
            Command::new(env!("CARGO_BIN_EXE_amer"))
                .args(["sync", "serve", "--listen", &format!("127.0.0.1:{port}")])
                .env("AMER_HOME", h.path())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn sync serve"),
        );
        // Wait until the node has published its address in the office document.
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let peers = h.json(&["peer", "list"]);
            if peers.as_array().into_iter().flatten().any(|m| {
                m["this_pc"] == true
                    && m["addresses"]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(&format!("127.0.0.1:{port}"))))
            }) {
                return serving;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("sync serve did not publish its address");
    }

    fn tickets(h: &Home) -> Vec<String> {
        let mut t: Vec<String> = h
            .json(&["session", "list"])
            .as_array()
            .expect("array")
            .iter()
            .map(|r| r["ticket"].as_str().expect("ticket").to_string())
            .collect();
        t.sort();
        t
    }

    #[test]
    fn invite_join_work_apart_and_sync() {
        let a = Home::office();
        let port = free_port();
        let _node = serve(&a, port);
        let code = a.json(&["peer", "invite", "--ttl", "5m"])["code"].as_str().expect("code").to_string();
        // The running node notices the invitation made by this other process at its next poll of
        // the database (150 ms); a person reading the code aloud takes longer than that.
        std::thread::sleep(Duration::from_millis(600));

        let b = Home::empty();
        let joined = b.json(&["peer", "join", &code, "--device", "PC Kasubag", "--timeout", "30"]);
        assert_eq!(joined["device_code"], "A1");
        assert_eq!(b.json(&["staff", "list"]).as_array().map(|a| a.len()), Some(4), "staff arrived");
        // The code was for one use only.
        let c = Home::empty();
        let err = c.fails(&["peer", "join", &code, "--device", "PC 3", "--timeout", "10"], 5);
        assert!(err.to_lowercase().contains("used") || err.to_lowercase().contains("refused"), "{err}");

        // Apart: each PC registers; then B catches up with A through `sync now`.
        let ta = a.new_session();
        let tb = b.new_session();
        let report = b.json(&["sync", "now", "--peer", &format!("127.0.0.1:{port}"), "--timeout", "30"]);
        let peer = &report["peers"][0];
        assert!(
            peer["docs_sent"].as_u64().unwrap_or(0) >= 1 && peer["docs_received"].as_u64().unwrap_or(0) >= 1,
            "{report}"
        );
        assert!(peer["bytes_sent"].as_u64().unwrap_or(0) > 0 && peer["millis"].as_u64().is_some());
        let expected = {
            let mut v = vec![ta, tb];
            v.sort();
            v
        };
        assert_eq!(tickets(&b), expected);
        // A's running node received B's session too.
        let deadline = Instant::now() + Duration::from_secs(10);
        while tickets(&a) != expected && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(tickets(&a), expected);
        assert_eq!(b.json(&["peer", "list"]).as_array().map(|m| m.len()), Some(2));
        // The node logs to a rotating file in its folder, without personal data.
        let log = std::fs::read_to_string(a.path().join("logs").join("amer.log")).expect("log file");
        assert!(log.contains("sync node started"), "{log}");
        for secret in [PHONE, NIK, "Rina Wulandari"] {
            assert!(!log.contains(secret), "the log holds personal data");
        }
    }

    #[test]
    fn three_pcs_converge_through_sync_serve_and_sync_now() {
        let a = Home::office();
        let port = free_port();
        let _node = serve(&a, port);
        let (b, c) = (Home::empty(), Home::empty());
        for (h, name) in [(&b, "PC B"), (&c, "PC C")] {
            let code = a.json(&["peer", "invite"])["code"].as_str().expect("code").to_string();
            std::thread::sleep(Duration::from_millis(600));
            h.json(&["peer", "join", &code, "--device", name, "--timeout", "30"]);
        }
        let mut all: Vec<String> = [&a, &b, &c].iter().map(|h| h.new_session()).collect();
        all.sort();
        let peer = format!("127.0.0.1:{port}");
        for h in [&b, &c, &b] {
            h.json(&["sync", "now", "--peer", &peer, "--timeout", "30"]);
        }
        assert_eq!(tickets(&b), all);
        assert_eq!(tickets(&c), all);
        assert_eq!(tickets(&a), all);
        let codes: Vec<String> = c
            .json(&["peer", "list"])
            .as_array()
            .expect("members")
            .iter()
            .map(|m| m["device_code"].as_str().expect("code").to_string())
            .collect();
        assert_eq!(codes.len(), 3);
        assert!(codes.contains(&"A1".to_string()) && codes.contains(&"A2".to_string()), "{codes:?}");
    }

    #[test]
    fn sync_now_without_a_reachable_peer_fails_with_code_5() {
        let a = Home::office();
        let err =
            a.fails(&["sync", "now", "--peer", &format!("127.0.0.1:{}", free_port()), "--timeout", "2"], 5);
        assert!(!err.is_empty());
    }

    #[test]
    fn the_demo_runs_and_converges() {
        let h = Home::empty();
        let dir = h.path().join("demo");
        let out = h.json(&["demo", "--dir", s(&dir)]);
        assert_eq!(out["converged"], true, "{out}");
        assert_eq!(out["pcs"].as_array().map(|p| p.len()), Some(3));
        assert!(out["conflict"]["other_officers"].as_array().is_some_and(|o| o.len() == 1), "{out}");
        assert!(std::path::Path::new(out["report_pdf"].as_str().expect("pdf")).exists());
    }
}

/// `amer report` and `amer export`: figures of a small known flow, and the files they write.
mod reports {
    use super::*;

    /// Two sessions served by Budi (OFFICER) and rated 4 and 5.
    fn two_rated_sessions() -> Home {
        let h = Home::office();
        for score in ["4", "5"] {
            let t = h.finished_session();
            h.json(&["session", "rate", &t, "--score", score, "--signed"]);
        }
        h
    }

    fn pdftotext(p: &Path) -> String {
        let out = Command::new("pdftotext").arg(p).arg("-").output().expect("pdftotext (poppler-utils)");
        String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn performance_figures_of_a_known_flow() {
        let h = two_rated_sessions();
        let r = h.json(&["report", "performance"]);
        assert_eq!(r["header"]["title"], "Rekap Kinerja Petugas");
        let officers = r["officers"].as_array().expect("officers");
        assert_eq!(officers.len(), 1, "{r}");
        let budi = &officers[0];
        assert_eq!(budi["officer"]["nip"], OFFICER);
        assert_eq!(budi["officer"]["name"], "Budi Petugas");
        assert_eq!(budi["sessions_served"], 2);
        assert_eq!(budi["rating"]["count"], 2);
        assert_eq!(budi["rating"]["mean"], 4.5);
        // 25 + (4.5 − 1) × 18.75 = 90.625: grade A (88.31–100).
        assert_eq!(budi["rating"]["index"], 90.625);
        assert_eq!(budi["rating"]["grade"]["letter"], "A");
        assert_eq!(budi["rating"]["grade"]["label"], "Sangat Baik");
        assert_eq!(r["total"]["sessions_served"], 2);

        // The same figures for people, and the filters narrow them.
        let out = h.run(&["report", "performance"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Budi Petugas") && text.contains("90.63") && text.contains("A (Sangat Baik)"),
            "{text}"
        );
        let other = h.json(&["report", "performance", "--officer", OFFICER2]);
        assert_eq!(other["officers"].as_array().map(Vec::len), Some(0), "{other}");
        let tomorrow = h.json(&["report", "satisfaction", "--from", "2099-01-01"]);
        assert_eq!(tomorrow["overall"]["count"], 0);
    }

    #[test]
    fn printed_and_tabular_files() {
        let h = two_rated_sessions();
        let pdf = h.path().join("rekap-kinerja.pdf");
        let v = h.json(&["report", "performance", "--pdf", s(&pdf)]);
        assert_eq!(v["format"], "pdf");
        let text = pdftotext(&pdf);
        assert!(text.contains("REKAP KINERJA PETUGAS") && text.contains("Budi Petugas"), "{text}");
        assert!(text.contains(OFFICER) && text.contains("90,63"), "{text}");
        let err = h.fails(&["report", "performance", "--pdf", s(&pdf)], 1);
        assert!(err.contains("--force"), "{err}");

        let summary = h.path().join("rekap.pdf");
        h.json(&["report", "summary", "--pdf", s(&summary)]);
        assert!(pdftotext(&summary).contains("Jadwal sanggah"));

        let csv = h.path().join("kinerja.csv");
        h.json(&["report", "performance", "--csv", s(&csv)]);
        let text = std::fs::read_to_string(&csv).expect("csv");
        let header = text.trim_start_matches('\u{feff}').lines().next().unwrap_or_default();
        assert!(header.starts_with("NIP,Nama petugas,"), "{header}");
        assert!(text.contains("Budi Petugas"), "{text}");

        let xlsx = h.path().join("layanan.xlsx");
        let v = h.json(&["export", "--format", "xlsx", "--out", s(&xlsx)]);
        assert_eq!(v["rows"], 2);
        let bytes = std::fs::read(&xlsx).expect("xlsx");
        assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip archive");
        let json = h.path().join("risiko.json");
        h.json(&["export", "--out", s(&json), "--what", "risks"]);
        let risks: Value = serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("JSON file");
        assert_eq!(risks, Value::Array(Vec::new()), "no risks recorded");
    }

    #[test]
    fn refusals_and_usage_errors() {
        let h = two_rated_sessions();
        let pdf = h.path().join("topik.pdf");
        let err = h.fails(&["report", "topics", "--pdf", s(&pdf)], 1);
        assert!(err.contains("no printed form") && err.contains("--csv"), "{err}");
        assert!(!pdf.exists(), "nothing written");
        h.fails(&["report", "objections", "--pdf", s(&pdf)], 1);

        let err = h.fails(&["report", "performance", "--from", "2026-13-01"], 2);
        assert!(err.contains("expected a date like 2026-11-27"), "{err}");
        let err = h.fails(&["report", "summary", "--from", "2026-12-01", "--to", "2026-11-01"], 1);
        assert!(err.contains("swap them"), "{err}");
        let err = h.fails(&["report", "performance", "--officer", "123"], 1);
        assert!(err.contains("--officer") && err.contains("18 digits"), "{err}");
        h.fails(&["report", "risk-map", "--category", "konsultasi"], 2);
        h.fails(&["report", "performance", "--pdf", "a.pdf", "--csv", "a.csv"], 2);
        let err = h.fails(&["export", "--out", s(&h.path().join("x.txt"))], 1);
        assert!(err.contains("--format"), "{err}");
    }

    #[test]
    fn search_and_the_other_reports() {
        let h = two_rated_sessions();
        let hits = h.json(&["report", "search", "jadwal"]);
        assert_eq!(hits.as_array().map(Vec::len), Some(2), "{hits}");
        assert_wita(&hits[0]["arrived_at"], "arrived_at");
        assert_eq!(h.json(&["report", "search", "tidakada"]), Value::Array(Vec::new()));
        h.fails(&["report", "search", "!!"], 1);

        let topics = h.json(&["report", "topics"]);
        assert_eq!(topics["sessions"], 2);
        assert_eq!(topics["by_topic"][0]["label"], "Jadwal sanggah");
        let summary = h.json(&["report", "summary"]);
        assert_eq!(summary["sessions_total"], 2);
        assert_eq!(summary["sessions"].as_array().map(Vec::len), Some(2));
        h.json(&[
            "risk",
            "add",
            "--title",
            "Persekongkolan",
            "--stage",
            "pemilihan",
            "--event",
            "x",
            "--likelihood",
            "4",
            "--impact",
            "4",
        ]);
        let risks = h.json(&["report", "risk-map"]);
        assert_eq!(risks["inherent_map"]["assessed"], 1);
        let map = h.path().join("peta.pdf");
        h.json(&["report", "risk-map", "--pdf", s(&map)]);
        assert!(pdftotext(&map).contains("PETA RISIKO"));
        let out = h.run(&["report", "objections"]);
        assert_eq!(out.status.code(), Some(0));
    }
}

mod visitor_export {
    use super::*;

    #[test]
    fn the_access_right_as_json_and_pdf() {
        let h = Home::office();
        let t = h.new_session();
        let id = h.json(&["session", "show", &t])["visitor"]["id"].as_str().expect("id").to_string();
        let json = h.path().join("v.json");
        h.json(&["visitor", "export", &id, "--out", s(&json)]);
        let data: Value = serde_json::from_slice(&std::fs::read(&json).expect("read")).expect("json");
        assert_eq!(data["sessions"].as_array().map(|a| a.len()), Some(1));
        let pdf = h.path().join("v.pdf");
        h.json(&["--by", ADMIN, "visitor", "export", &id, "--out", s(&pdf)]);
        let out = Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Rina Wulandari") && text.contains(&t), "{text}");
    }
}
