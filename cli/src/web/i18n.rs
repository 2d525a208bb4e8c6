//! The web app's own labels in Indonesian (default) and English. Labels of coded values (categories,
//! roles, statuses, scores) come from the library's `Coded::label`.

use amer_core::model::Lang;

/// The label `key` in `lang`; an unknown key shows itself (visible in review, never a panic).
pub fn tr(lang: Lang, key: &str) -> &'static str {
    let (id, en) = match key {
        "app.name" => ("AMER Layanan", "AMER Front Desk"),
        "nav.intake" => ("Pendaftaran", "Registration"),
        "nav.queue" => ("Antrian", "Queue"),
        "nav.service" => ("Layanan", "My service"),
        "nav.dashboard" => ("Dasbor", "Dashboard"),
        "nav.risk" => ("Risiko", "Risks"),
        "nav.sync" => ("Sinkronisasi", "Synchronisation"),
        "login" => ("Masuk", "Sign in"),
        "logout" => ("Keluar", "Sign out"),
        "login.title" => ("Masuk sebagai petugas", "Staff sign-in"),
        "login.name" => ("Nama", "Name"),
        "login.pin" => ("PIN", "PIN"),
        "login.choose" => ("— pilih nama —", "— choose your name —"),
        "login.wrong" => ("Nama atau PIN salah.", "Wrong name or PIN."),
        "login.locked" => (
            "Terlalu banyak PIN salah. Coba lagi dalam 1 menit.",
            "Too many wrong PINs. Try again in a minute.",
        ),
        "login.required" => ("Silakan masuk terlebih dahulu.", "Please sign in first."),
        "intake.title" => ("Pendaftaran Layanan", "Service registration"),
        "intake.lead" => (
            "Silakan isi data Anda. Petugas akan memanggil nomor antrian Anda.",
            "Please fill in your details. An officer will call your ticket number.",
        ),
        "f.name" => ("Nama lengkap", "Full name"),
        "f.org" => ("Instansi / perusahaan", "Organisation / company"),
        "f.role" => ("Sebagai", "Role"),
        "f.phone" => ("Nomor HP", "Phone number"),
        "f.nik" => ("NIK (bila diperlukan)", "NIK (only if needed)"),
        "f.category" => ("Jenis layanan", "Service"),
        "f.subject" => ("Pokok masalah", "Subject"),
        "f.description" => ("Uraian", "Description"),
        "f.package_code" => ("Kode paket (opsional)", "Package code (optional)"),
        "f.package_name" => ("Nama paket (opsional)", "Package name (optional)"),
        "f.package_opd" => ("OPD pemilik paket (opsional)", "Agency of the package (optional)"),
        "f.consent" => (
            "Saya telah membaca pemberitahuan data pribadi dan setuju.",
            "I have read the personal-data notice and agree.",
        ),
        "f.choose" => ("— pilih —", "— choose —"),
        "f.title" => ("Judul risiko", "Risk title"),
        "f.reason" => ("Alasan batal", "Reason"),
        "f.officer" => ("Petugas", "Officer"),
        "f.stage" => ("Tahap pengadaan", "Procurement stage"),
        "f.event" => ("Peristiwa risiko", "Risk event"),
        "f.cause" => ("Penyebab", "Cause"),
        "f.consequence" => ("Dampak / akibat", "Consequence"),
        "f.owner" => ("Pemilik risiko / penanggung jawab", "Owner"),
        "f.likelihood" => ("Kemungkinan (1–5)", "Likelihood (1–5)"),
        "f.impact" => ("Dampak (1–5)", "Impact (1–5)"),
        "f.response" => ("Respons", "Response"),
        "f.action" => ("Tindakan penanganan", "Treatment action"),
        "f.due" => ("Tenggat", "Due"),
        "f.note" => ("Catatan pemantauan", "Monitoring note"),
        "f.session" => ("Nomor layanan (tiket)", "Session ticket"),
        "f.kind" => ("Penilaian", "Assessment"),
        "lf.email" => ("E-mail", "E-mail"),
        "lf.address" => ("Alamat", "Address"),
        "lf.package_year" => ("Tahun anggaran paket", "Package year"),
        "lf.package_value" => ("Nilai paket", "Package value"),
        "lf.objection" => ("Sanggahan", "Objection"),
        "lf.arrival" => ("Waktu kedatangan", "Arrival time"),
        "lf.search" => ("Pencarian", "Search"),
        "lf.staff_role" => ("Peran pegawai", "Staff role"),
        "lf.timezone" => ("Zona waktu", "Time zone"),
        "lf.member_address" => ("Alamat PC", "PC address"),
        "lf.value" => ("Nilai yang dipilih", "Chosen value"),
        "f.assessment" => ("Kemungkinan dan dampak", "Likelihood and impact"),
        "f.score" => ("Penilaian", "Rating"),
        "f.date_format" => ("gunakan tanggal seperti 2026-12-15", "use a date like 2026-12-15"),
        "risk.inherent" => ("Inheren", "Inherent"),
        "risk.residual" => ("Residual", "Residual"),
        "risk.assess" => ("Nilai risiko", "Assess"),
        "risk.respond" => ("Tetapkan respons", "Set the response"),
        "risk.treat" => ("Tambah penanganan", "Add treatment"),
        "risk.done" => ("Selesai", "Done"),
        "risk.monitor" => ("Tambah catatan pemantauan", "Add monitoring note"),
        "risk.link" => ("Tautkan layanan", "Link a session"),
        "risk.close" => ("Tutup risiko", "Close the risk"),
        "risk.treatments" => ("Penanganan", "Treatment"),
        "risk.monitoring" => ("Pemantauan", "Monitoring"),
        "risk.links" => ("Layanan terkait", "Linked sessions"),
        "risk.code" => ("Kode", "Code"),
        "risk.category" => ("Kategori risiko", "Risk category"),
        "risk.level" => ("Tingkat", "Level"),
        "privacy.title" => ("Pemberitahuan data pribadi", "Personal-data notice"),
        "privacy.text" => (
            "Nama, nomor HP dan NIK Anda disimpan terenkripsi hanya untuk layanan ini dan laporan \
             kantor (UU 27/2022 tentang Pelindungan Data Pribadi). Anda berhak melihat, memperbaiki \
             dan meminta penghapusan data Anda kepada petugas.",
            "Your name, phone number and NIK are stored encrypted, only for this service and the \
             office's reports (Law 27/2022 on Personal Data Protection). You may see, correct and \
             ask for the erasure of your data at the desk.",
        ),
        "intake.recognise" => ("Cari data saya", "Find my details"),
        "intake.recognise_hint" => (
            "Pernah datang? Isi nomor HP lalu tekan “Cari data saya”.",
            "Been here before? Enter your phone number and press “Find my details”.",
        ),
        "intake.returning" => (
            "Selamat datang kembali. Data Anda sebelumnya sudah diisikan; periksa dan ubah bila perlu.",
            "Welcome back. Your earlier details are filled in; check and change them if needed.",
        ),
        "intake.not_found" => (
            "Nomor HP ini belum terdaftar; silakan isi data Anda.",
            "This phone number is not known yet; please fill in your details.",
        ),
        "intake.submit" => ("Daftar", "Register"),
        "intake.lookup_limit" => (
            "Terlalu banyak pencarian; coba lagi sebentar lagi atau isi data Anda.",
            "Too many look-ups; try again in a minute or fill in your details.",
        ),
        "intake.consent_needed" => (
            "Centang persetujuan pemberitahuan data pribadi.",
            "Tick the box to agree to the personal-data notice.",
        ),
        "intake.token" => (
            "Formulir kedaluwarsa; muat ulang halaman dan kirim lagi.",
            "The form expired; reload the page and send it again.",
        ),
        "ticket.title" => ("Nomor antrian Anda", "Your ticket number"),
        "ticket.lead" => (
            "Simpan nomor ini dan tunggu dipanggil. Formulir pendaftaran siap dicetak.",
            "Keep this number and wait to be called. The registration form is ready to print.",
        ),
        "ticket.pdf" => ("Cetak formulir pendaftaran (PDF)", "Print the registration form (PDF)"),
        "ticket.new" => ("Pendaftaran baru", "New registration"),
        "queue.title" => ("Antrian", "Queue"),
        "queue.waiting" => ("Menunggu", "Waiting"),
        "queue.serving" => ("Sedang dilayani", "Being served"),
        "queue.empty" => ("Tidak ada.", "None."),
        "col.ticket" => ("Nomor", "Ticket"),
        "col.visitor" => ("Pengunjung", "Visitor"),
        "col.category" => ("Layanan", "Service"),
        "col.subject" => ("Pokok masalah", "Subject"),
        "col.waiting" => ("Lama menunggu", "Waiting for"),
        "col.officer" => ("Petugas", "Officer"),
        "col.duration" => ("Lama dilayani", "Served for"),
        "col.status" => ("Status", "Status"),
        "col.action" => ("Tindakan", "Action"),
        "queue.assign" => ("Tugaskan", "Assign"),
        "queue.cancel" => ("Batalkan", "Cancel"),
        "queue.cancel_reason" => ("Alasan batal", "Reason"),
        "queue.choose_officer" => ("— pilih petugas —", "— choose officer —"),
        "queue.assigned" => ("Petugas ditugaskan.", "Officer assigned."),
        "queue.cancelled" => ("Layanan dibatalkan.", "Session cancelled."),
        "service.title" => ("Layanan saya", "My sessions"),
        "service.none" => ("Belum ada layanan untuk Anda.", "No sessions for you yet."),
        "service.open" => ("Buka", "Open"),
        "service.start" => ("Mulai layanan", "Start the service"),
        "service.notes" => ("Catatan layanan", "Service notes"),
        "service.notes_help" => (
            "Tersimpan otomatis; suntingan dari PC lain digabungkan.",
            "Saved automatically; edits from other PCs are merged in.",
        ),
        "service.finish" => ("Selesaikan layanan", "Finish the service"),
        "service.recommendation" => ("Rekomendasi / jawaban", "Recommendation / answer"),
        "service.followup" => ("Tindak lanjut / rujukan", "Follow-up / referral"),
        "service.tracking" => ("Nomor tiket rujukan", "Referral tracking number"),
        "service.followup_note" => ("Catatan tindak lanjut", "Follow-up note"),
        "service.rate" => ("Layar penilaian pengunjung", "Visitor rating screen"),
        "service.report" => ("Cetak laporan hasil layanan (PDF)", "Print the service report (PDF)"),
        "service.intake_pdf" => ("Formulir pendaftaran (PDF)", "Registration form (PDF)"),
        "service.started" => ("Layanan dimulai.", "Service started."),
        "service.description" => ("Uraian", "Description"),
        "rate.title" => ("Bagaimana pelayanan kami?", "How was our service?"),
        "rate.lead" => ("Sentuh salah satu pilihan di bawah.", "Tap one of the choices below."),
        "rate.comment" => ("Saran / komentar (opsional)", "Suggestions / comment (optional)"),
        "rate.signed" => ("Pengunjung menandatangani formulir", "The visitor signed the paper form"),
        "thanks.title" => ("Terima kasih atas penilaian Anda", "Thank you for your rating"),
        "dash.title" => ("Dasbor", "Dashboard"),
        "dash.period" => ("Periode", "Period"),
        "dash.from" => ("Dari", "From"),
        "dash.to" => ("Sampai", "To"),
        "dash.show" => ("Tampilkan", "Show"),
        "dash.today" => ("Hari ini", "Today"),
        "dash.month" => ("Bulan ini", "This month"),
        "dash.year" => ("Tahun ini", "This year"),
        "dash.all" => ("Semua", "All"),
        "dash.ikm" => ("Indeks Kepuasan Masyarakat (IKM)", "Satisfaction index (IKM)"),
        "dash.grade" => ("Mutu", "Grade"),
        "dash.responses" => ("penilaian", "ratings"),
        "dash.perf" => ("Kinerja petugas", "Officer performance"),
        "dash.sessions" => ("Layanan", "Sessions"),
        "dash.finished" => ("Selesai", "Finished"),
        "dash.mean_wait" => ("Rata-rata menunggu", "Mean waiting"),
        "dash.mean_service" => ("Rata-rata layanan", "Mean service"),
        "dash.mean_score" => ("Rata-rata nilai", "Mean score"),
        "dash.topics" => ("Pokok masalah terbanyak", "Most frequent subjects"),
        "dash.categories" => ("Jenis layanan", "Services"),
        "dash.riskmap" => ("Peta risiko (residual)", "Risk map (residual)"),
        "dash.likelihood" => ("Kemungkinan", "Likelihood"),
        "dash.impact" => ("Dampak", "Impact"),
        "dash.downloads" => ("Unduh", "Downloads"),
        "dash.total" => ("Jumlah", "Total"),
        "dash.bad_period" => ("Periode tidak sah.", "The period is not valid."),
        "dl.sessions" => ("Rekap layanan", "Sessions"),
        "dl.performance" => ("Kinerja petugas", "Officer performance"),
        "dl.satisfaction" => ("IKM", "Satisfaction index"),
        "dl.topics" => ("Permasalahan", "Topics"),
        "dl.risks" => ("Daftar risiko", "Risk register"),
        "dl.riskmap" => ("Peta risiko", "Risk map"),
        "risk.title" => ("Daftar Risiko", "Risk register"),
        "risk.add" => ("Tambah risiko", "Add a risk"),
        "risk.none" => ("Belum ada risiko.", "No risks yet."),
        "sync.title" => ("Sinkronisasi", "Synchronisation"),
        "sync.node" => ("PC ini", "This PC"),
        "sync.peers" => ("PC lain", "Other PCs"),
        "sync.connected" => ("Terhubung", "Connected"),
        "sync.offline" => ("Tidak terhubung", "Not connected"),
        "sync.last" => ("Terakhir sinkron", "Last synced"),
        "sync.never" => ("belum pernah", "never"),
        "sync.progress" => ("Kemajuan", "Progress"),
        "sync.invite" => ("Undang PC baru", "Invite a new PC"),
        "sync.invite_help" => (
            "Berikan kode ini kepada petugas TI: ia menjalankan di PC baru (aplikasi web belum dapat \
             bergabung sendiri): amer peer join KODE --device \"Nama PC\". Kode berlaku 1 jam.",
            "Give this code to the IT person: they run on the new PC (the web app cannot join by \
             itself yet): amer peer join CODE --device \"PC name\". The code is valid for 1 hour.",
        ),
        "sync.off" => ("sinkronisasi tidak aktif", "synchronisation is off"),
        "sync.off_help" => (
            "Aplikasi web tetap berjalan; data tersimpan di PC ini dan dikirim ke PC lain setelah \
             sinkronisasi aktif kembali. Dicoba lagi tiap 30 detik.",
            "The web app keeps working; records are kept on this PC and sent to the other PCs once \
             synchronisation is back. Retried every 30 s.",
        ),
        "sync.docs" => ("Data ↑/↓", "Records ↑/↓"),
        "sync.docs_help" => (
            "Jumlah dokumen dikirim (↑) ke dan diterima (↓) dari PC ini",
            "Records sent (↑) to and received (↓) from this PC",
        ),
        "sync.now" => ("Sinkronkan sekarang", "Sync now"),
        "sync.done" => ("Sinkronisasi selesai.", "Synchronisation finished."),
        "sync.conflicts" => {
            ("Konflik (nilai berbeda dari dua PC)", "Conflicts (different values from two PCs)")
        }
        "sync.no_conflicts" => ("Tidak ada konflik.", "No conflicts."),
        "sync.winner" => ("Nilai yang tampil", "Value shown"),
        "sync.other" => ("Nilai lain", "Other value"),
        "sync.choose" => ("Pakai nilai ini", "Use this value"),
        "sync.chosen" => ("Nilai dipilih.", "Value chosen."),
        "sync.field" => ("Isian", "Field"),
        "sync.note_registration" => (
            "Ditetapkan saat pendaftaran; tidak dapat dipilih di sini.",
            "Set at registration; it cannot be chosen here.",
        ),
        "sync.note_step" => (
            "Langkah yang dicatat sekali; pustaka tidak dapat mengubahnya, jadi tidak ada yang dipilih.",
            "A step recorded once; the library cannot change it, so there is nothing to choose.",
        ),
        "sync.note_no_setter" => (
            "Pustaka belum dapat mengubah isian ini; tidak ada yang dipilih di sini.",
            "The library cannot change this field yet; nothing to choose here.",
        ),
        "sync.invite_failed" => ("Undangan tidak dapat dibuat", "The invite could not be made"),
        "sync.failed" => ("Sinkronisasi gagal", "Synchronisation failed"),
        "sync.cannot_choose" => {
            ("Isian ini tidak dapat dipilih di sini.", "This field cannot be chosen here.")
        }
        "error.title" => ("Tidak dapat diproses", "Cannot be done"),
        "error.back" => ("Kembali", "Back"),
        "not_found" => ("Halaman atau catatan ini tidak ada.", "This page or record does not exist."),
        "saved" => ("tersimpan", "saved"),
        "saving" => ("menyimpan…", "saving…"),
        "save_failed" => ("gagal menyimpan", "could not save"),
        "yes" => ("ya", "yes"),
        "no" => ("tidak", "no"),
        _ => return "?",
    };
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

/// A field named in a library refusal → the form field that shows the message (its `name`) and
/// the label key of the message. The label follows the library's field, not the form field's
/// name: two forms use `category` (the service of a session, the category of a risk).
pub fn library_field(library_field: &str) -> (&'static str, &'static str) {
    match library_field {
        "visitor name" => ("name", "f.name"),
        "phone" => ("phone", "f.phone"),
        "NIK" => ("nik", "f.nik"),
        "organisation" => ("org", "f.org"),
        "visitor role" => ("role", "f.role"),
        "category" => ("category", "f.category"),
        "subject" => ("subject", "f.subject"),
        "description" => ("description", "f.description"),
        "package code" => ("package_code", "f.package_code"),
        "package name" => ("package_name", "f.package_name"),
        "OPD" => ("package_opd", "f.package_opd"),
        "notes" => ("notes", "service.notes"),
        "recommendation" => ("recommendation", "service.recommendation"),
        "referral" => ("followup_target", "service.followup"),
        "tracking number" => ("followup_tracking", "service.tracking"),
        "follow-up" => ("followup_note", "service.followup_note"),
        "rating" => ("score", "f.score"),
        "comment" => ("comment", "rate.comment"),
        "reason" | "cancellation reason" => ("reason", "f.reason"),
        "officer" | "NIP" => ("officer", "f.officer"),
        "PIN" => ("pin", "login.pin"),
        "title" => ("title", "f.title"),
        "event" | "risk event" => ("event", "f.event"),
        "stage" => ("stage", "f.stage"),
        "assessment" => ("likelihood", "f.assessment"),
        "likelihood" => ("likelihood", "f.likelihood"),
        "impact" => ("impact", "f.impact"),
        "risk category" => ("category", "risk.category"),
        "cause" => ("cause", "f.cause"),
        "consequence" => ("consequence", "f.consequence"),
        "owner" => ("owner", "f.owner"),
        "action" => ("action", "f.action"),
        "monitoring note" => ("note", "f.note"),
        "risk response" => ("response", "f.response"),
        "due date" | "due" => ("due", "f.due"),
        "session id" => ("session", "f.session"),
        // Fields no form here shows: the message goes to the form's own, still labelled.
        "e-mail" => ("", "lf.email"),
        "address" => ("", "lf.address"),
        "package year" => ("", "lf.package_year"),
        "package value" => ("", "lf.package_value"),
        "objection" => ("", "lf.objection"),
        "arrival time" => ("", "lf.arrival"),
        "search" => ("", "lf.search"),
        "staff role" => ("", "lf.staff_role"),
        "time zone" => ("", "lf.timezone"),
        "member address" => ("", "lf.member_address"),
        "period" => ("", "dash.period"),
        "value" => ("", "lf.value"),
        _ => ("", ""),
    }
}

/// A library refusal in words for the page: the field's label in the page's language, then the
/// library's reason (the library's texts carry no personal data).
pub fn field_message(lang: Lang, label_key: &str, reason: &str) -> String {
    let reason = reason_text(lang, reason);
    match label_key {
        "" => capitalised(&reason),
        k => format!("{}: {reason}", tr(lang, k)),
    }
}

/// A library error in the page's language: the form field it belongs to ("" = none) and the
/// message. Only the words are translated here; the rules stay in the library.
pub fn refusal(lang: Lang, e: &amer_core::Error) -> (&'static str, String) {
    use amer_core::Error as E;
    let pick = |id: &str, en: &str| -> String {
        match lang {
            Lang::Id => id.to_string(),
            Lang::En => en.to_string(),
        }
    };
    match e {
        E::Invalid { field, reason } => {
            let (name, label) = library_field(field);
            (name, field_message(lang, label, reason))
        }
        E::IllegalStep { step, reason } => {
            let doing = words(lang, STEPS, step);
            let head = pick(&format!("Tidak dapat {doing}"), &format!("Cannot {doing}"));
            ("", format!("{head}: {}", reason_text(lang, reason)))
        }
        E::Forbidden { action, reason } => {
            let doing = words(lang, STEPS, action);
            let head = pick(&format!("Tidak diizinkan {doing}"), &format!("Not allowed to {doing}"));
            ("", format!("{head}: {}", reason_text(lang, reason)))
        }
        E::NotFound { what, key, hint } => {
            let what = words(lang, RECORDS, what);
            let hint = match hint.strip_prefix("; ") {
                Some(h) => format!("; {}", reason_text(lang, h)),
                None => String::new(),
            };
            let msg = pick(&format!("{what} {key} tidak ditemukan"), &format!("{what} {key} not found"));
            ("", capitalised(&format!("{msg}{hint}")))
        }
        E::NotInitialised => (
            "",
            pick(
                "PC ini belum disiapkan: jalankan `amer init` terlebih dahulu.",
                "This PC is not set up yet: run `amer init` first.",
            ),
        ),
        E::AlreadyInitialised(office) => (
            "",
            pick(
                &format!("PC ini sudah disiapkan untuk kantor {office}."),
                &format!("This PC is already set up for the office {office}."),
            ),
        ),
        other => (
            "",
            pick(
                &format!("Terjadi gangguan di PC ini; coba lagi atau hubungi admin ({other})."),
                &format!("Something went wrong on this PC; try again or call the admin ({other})."),
            ),
        ),
    }
}

/// The message of a library error in the page's language (no field).
pub fn error_message(lang: Lang, e: &amer_core::Error) -> String {
    refusal(lang, e).1
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A library word (a step, an action, a kind of record) in `lang`; unknown words stay as the
/// library wrote them.
fn words(lang: Lang, table: &[(&str, &str, &str)], lib: &str) -> String {
    match table.iter().find(|(l, _, _)| *l == lib) {
        Some((_, id, en)) => match lang {
            Lang::Id => (*id).to_string(),
            Lang::En => (*en).to_string(),
        },
        None => lib.to_string(),
    }
}

/// The steps and actions of `IllegalStep` and `Forbidden`: library word, Indonesian, English.
const STEPS: &[(&str, &str, &str)] = &[
    ("assign", "menugaskan petugas", "assign an officer"),
    ("assign an officer", "menugaskan petugas", "assign an officer"),
    ("start", "memulai layanan", "start the service"),
    ("finish", "menyelesaikan layanan", "finish the service"),
    ("rate", "memberi penilaian", "rate the service"),
    ("cancel", "membatalkan layanan", "cancel the session"),
    ("edit the notes", "mengubah catatan layanan", "edit the notes"),
    ("edit", "mengubah layanan", "change the session"),
    ("erase", "menghapus data pengunjung", "erase the visitor's data"),
    ("change the risk", "mengubah risiko", "change the risk"),
    ("change a risk", "mengubah risiko", "change a risk"),
    ("mark done", "menandai selesai", "mark it done"),
    ("print the service report", "mencetak laporan hasil layanan", "print the service report"),
    ("remove member", "mengeluarkan PC dari kantor", "remove the PC from the office"),
    ("publish a member's address", "mengumumkan alamat PC", "publish the PC's address"),
    ("add a risk", "menambah risiko", "add a risk"),
    ("add staff", "menambah pegawai", "add staff"),
    ("change a rated session", "mengubah layanan yang sudah dinilai", "change a rated session"),
    ("change staff", "mengubah data pegawai", "change staff details"),
    ("erase a visitor's data", "menghapus data pengunjung", "erase a visitor's data"),
    ("register a session", "mendaftarkan layanan", "register a session"),
    ("set a PIN", "membuat PIN", "set a PIN"),
    ("set another person's PIN", "membuat PIN orang lain", "set another person's PIN"),
    ("sign in", "masuk", "sign in"),
];

/// The kinds of record of `NotFound`: library word, Indonesian, English.
const RECORDS: &[(&str, &str, &str)] = &[
    ("session", "layanan", "session"),
    ("risk", "risiko", "risk"),
    ("treatment item", "butir penanganan", "treatment item"),
    ("officer", "petugas", "officer"),
    ("staff member", "pegawai", "staff member"),
    ("record", "catatan", "record"),
    ("member", "PC anggota", "member PC"),
    ("visitor", "pengunjung", "visitor"),
    ("document", "dokumen", "document"),
    ("office document", "dokumen kantor", "office document"),
];

/// The library's reasons (of every refusal a form can lead to) in Indonesian and in English for
/// the web (the library's English speaks to the command line: `--by`, `amer staff …`). `{}` is
/// a part that varies (a number, a code, a ticket, a NIP); the parts fill the words in order.
/// A reason not listed here is shown as the library wrote it.
const REASONS: &[(&str, &str, &str)] = &[
    ("must not be empty", "wajib diisi", "must not be empty"),
    ("is longer than {} characters", "lebih dari {} karakter", "is longer than {} characters"),
    (
        "contains control characters",
        "berisi karakter yang tidak diizinkan",
        "contains characters that are not allowed",
    ),
    ("'{}' is not one of: {}", "'{}' tidak dikenal; pilih salah satu: {}", "'{}' is not one of: {}"),
    (
        "{} is outside the scale; give a whole number from 1 to 5",
        "{} di luar skala; pilih angka bulat 1 sampai 5",
        "{} is outside the scale; choose a whole number from 1 to 5",
    ),
    ("a NIK has exactly 16 digits", "NIK terdiri dari tepat 16 angka", "a NIK has exactly 16 digits"),
    (
        "digits 1–2 must be a province code (11–96)",
        "angka 1–2 harus kode provinsi (11–96)",
        "digits 1–2 must be a province code (11–96)",
    ),
    (
        "digits 7–12 must be a birth date DDMMYY (day + 40 for women)",
        "angka 7–12 harus tanggal lahir DDMMYY (tanggal + 40 untuk perempuan)",
        "digits 7–12 must be a birth date DDMMYY (day + 40 for women)",
    ),
    (
        "the last 4 digits (serial) cannot be 0000",
        "4 angka terakhir tidak boleh 0000",
        "the last 4 digits (serial) cannot be 0000",
    ),
    (
        "an Indonesian number starts with 08…, +628… or an area code 0xx…",
        "nomor Indonesia diawali 08…, +628… atau kode area 0xx…",
        "an Indonesian number starts with 08…, +628… or an area code 0xx…",
    ),
    (
        "a phone number may contain only digits after the prefix",
        "nomor HP hanya boleh berisi angka",
        "a phone number may contain only digits after the prefix",
    ),
    (
        "the number has too few or too many digits",
        "jumlah angka terlalu sedikit atau terlalu banyak",
        "the number has too few or too many digits",
    ),
    ("a NIP has exactly 18 digits", "NIP terdiri dari tepat 18 angka", "a NIP has exactly 18 digits"),
    (
        "digits 1–8 must be a valid birth date YYYYMMDD",
        "angka 1–8 harus tanggal lahir YYYYMMDD yang sah",
        "digits 1–8 must be a valid birth date YYYYMMDD",
    ),
    (
        "digits 9–14 must be the start of service YYYYMM, at least 15 years after birth",
        "angka 9–14 harus awal masa kerja YYYYMM, paling cepat 15 tahun sesudah lahir",
        "digits 9–14 must be the start of service YYYYMM, at least 15 years after birth",
    ),
    (
        "digit 15 (sex) must be 1 or 2",
        "angka ke-15 (jenis kelamin) harus 1 atau 2",
        "digit 15 (sex) must be 1 or 2",
    ),
    (
        "staff member {} already exists; use `amer staff update`",
        "pegawai {} sudah terdaftar",
        "staff member {} already exists",
    ),
    ("a PIN has 4 to 12 digits", "PIN terdiri dari 4 sampai 12 angka", "a PIN has 4 to 12 digits"),
    (
        "give both likelihood and impact, or neither",
        "isi kemungkinan dan dampak sekaligus, atau kosongkan keduanya",
        "give both likelihood and impact, or neither",
    ),
    (
        "is not an e-mail address like nama@contoh.go.id",
        "bukan alamat e-mail seperti nama@contoh.go.id",
        "is not an e-mail address like nama@contoh.go.id",
    ),
    (
        "must be a year between 2000 and 2100",
        "harus tahun antara 2000 dan 2100",
        "must be a year between 2000 and 2100",
    ),
    ("must not be negative", "tidak boleh negatif", "must not be negative"),
    (
        "objection details belong to a sanggahan session",
        "rincian sanggahan hanya untuk layanan sanggahan",
        "objection details belong to a sanggahan session",
    ),
    ("is in the future", "berada di masa depan", "is in the future"),
    ("not a valid id (expected a UUID)", "bukan id yang sah", "is not a valid id"),
    ("give a phone number or a NIK", "isi nomor HP atau NIK", "give a phone number or a NIK"),
    (
        "'{}' is not a language; use id or en",
        "'{}' bukan bahasa; pilih id atau en",
        "'{}' is not a language; use id or en",
    ),
    (
        "'{}' is not an IANA time zone such as Asia/Makassar",
        "'{}' bukan zona waktu seperti Asia/Makassar",
        "'{}' is not a time zone such as Asia/Makassar",
    ),
    (
        "'{}' is not an address with a port such as 192.168.1.20:7450",
        "'{}' bukan alamat dengan port seperti 192.168.1.20:7450",
        "'{}' is not an address with a port such as 192.168.1.20:7450",
    ),
    ("the month must be 1–12", "bulan harus 1–12", "the month must be 1–12"),
    (
        "the first day is after the last day; swap them",
        "tanggal awal sesudah tanggal akhir; tukar keduanya",
        "the first day is after the last day; swap them",
    ),
    (
        "give at least one word (letters or digits) to search for",
        "isi paling sedikit satu kata (huruf atau angka) untuk dicari",
        "give at least one word (letters or digits) to search for",
    ),
    (
        "'{}' is not a form; use intake or report",
        "'{}' bukan formulir; pilih intake atau report",
        "'{}' is not a form; use intake or report",
    ),
    // Lifecycle steps.
    ("session {} was cancelled", "layanan {} sudah dibatalkan", "session {} was cancelled"),
    ("session {} is already finished", "layanan {} sudah selesai", "session {} is already finished"),
    ("officer {} is inactive", "petugas {} tidak aktif", "officer {} is inactive"),
    (
        "staff member {} has the role {}, which cannot serve visitors",
        "pegawai {} berperan {}, yang tidak melayani pengunjung",
        "staff member {} has the role {}, which cannot serve visitors",
    ),
    (
        "no officer is assigned to session {} yet",
        "layanan {} belum ditugaskan kepada petugas",
        "no officer is assigned to session {} yet",
    ),
    ("session {} has already started", "layanan {} sudah dimulai", "session {} has already started"),
    ("session {} has not started", "layanan {} belum dimulai", "session {} has not started"),
    (
        "session {} is not finished yet; rate after the service",
        "layanan {} belum selesai; penilaian diberikan sesudah layanan",
        "session {} is not finished yet; rate after the service",
    ),
    (
        "session {} is not finished yet; print the intake form instead",
        "layanan {} belum selesai; cetak formulir pendaftarannya saja",
        "session {} is not finished yet; print the registration form instead",
    ),
    ("risk {} is closed", "risiko {} sudah ditutup", "risk {} is closed"),
    (
        "this treatment item is already done",
        "penanganan ini sudah selesai",
        "this treatment item is already done",
    ),
    (
        "a PC cannot remove itself; remove it from another member",
        "PC tidak dapat mengeluarkan dirinya sendiri; lakukan dari PC lain",
        "a PC cannot remove itself; remove it from another PC",
    ),
    (
        "this PC was removed from the office",
        "PC ini sudah dikeluarkan dari kantor",
        "this PC was removed from the office",
    ),
    (
        "this visitor's data was already erased",
        "data pengunjung ini sudah dihapus",
        "this visitor's data was already erased",
    ),
    // Roles and sign-in.
    (
        "a staff member must be identified (give their NIP)",
        "petugas harus masuk terlebih dahulu",
        "a staff member must be signed in",
    ),
    ("staff member {} is inactive", "pegawai {} tidak aktif", "staff member {} is inactive"),
    ("needs the role {}", "memerlukan peran {}", "needs the role {}"),
    (
        "session {} is already rated; an admin must make the change (--by ADMIN_NIP)",
        "layanan {} sudah dinilai; hanya admin yang dapat mengubahnya",
        "session {} is already rated; only an admin can change it",
    ),
    (
        "give the NIP of an admin, pimpinan or kasubag (--by)",
        "hanya admin, pimpinan atau kasubag yang dapat melakukannya",
        "only an admin, pimpinan or kasubag can do this",
    ),
    ("unknown staff member or wrong PIN", "nama atau PIN salah", "wrong name or PIN"),
    (
        "no PIN is set for {}; set one with `amer staff pin {}`",
        "PIN untuk {} belum dibuat; minta admin membuatnya",
        "no PIN is set for {} yet; ask an admin to set one",
    ),
    // Hints of `NotFound` (after "; ").
    (
        "give a ticket number like K-261127-A-001 or a session id",
        "isi nomor tiket seperti K-261127-A-001",
        "give a ticket number like K-261127-A-001",
    ),
    (
        "give a risk code like R26-A-001 (see `amer risk list`)",
        "isi kode risiko seperti R26-A-001",
        "give a risk code like R26-A-001",
    ),
    ("add them with `amer staff add`", "minta admin menambahkannya", "ask an admin to add them"),
    ("sync with a member first", "sinkronkan dulu dengan PC lain", "sync with another PC first"),
];

/// The parts of `text` that fill the `{}` of `pattern`, when the fixed words match.
fn captures<'a>(pattern: &str, text: &'a str) -> Option<Vec<&'a str>> {
    let mut fixed = pattern.split("{}");
    let first = fixed.next().unwrap_or_default();
    let mut rest = text.strip_prefix(first)?;
    let mut parts = Vec::new();
    let fixed: Vec<&str> = fixed.collect();
    for (i, word) in fixed.iter().enumerate() {
        let last = i + 1 == fixed.len();
        let at = if last {
            if !rest.ends_with(word) {
                return None;
            }
            rest.len() - word.len()
        } else {
            rest.find(word)?
        };
        parts.push(&rest[..at]);
        rest = &rest[at + word.len()..];
    }
    if fixed.is_empty() && !rest.is_empty() {
        return None;
    }
    Some(parts)
}

/// A library reason in `lang` (see `REASONS`).
fn reason_text(lang: Lang, reason: &str) -> String {
    for (lib, id, en) in REASONS {
        if let Some(parts) = captures(lib, reason) {
            let words = match lang {
                Lang::Id => id,
                Lang::En => en,
            };
            let mut out = String::new();
            let mut parts = parts.into_iter();
            for (i, piece) in words.split("{}").enumerate() {
                if i > 0 {
                    let part = parts.next().unwrap_or_default();
                    match lang {
                        Lang::Id => out.push_str(&part.replace(" or ", " atau ")),
                        Lang::En => out.push_str(part),
                    }
                }
                out.push_str(piece);
            }
            return out;
        }
    }
    reason.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use amer_core::model::{required_text, Category, Coded, Likelihood, Nik, Nip, OneToFive, Phone, Score};

    fn refused<T: std::fmt::Debug>(r: amer_core::Result<T>) -> amer_core::Error {
        match r {
            Err(e) => e,
            Ok(v) => panic!("accepted: {v:?}"),
        }
    }

    /// The library's own refusals (made by its validators, not copied here) are all known: a
    /// reason the library rewords shows up here rather than in English on a page.
    #[test]
    fn the_library_refusals_are_translated() {
        let errors = [
            refused(required_text("subject", " ", 10)),
            refused(required_text("subject", "abcdefghijkl", 10)),
            refused(required_text("subject", "a\u{7}", 10)),
            refused(Nik::parse("123")),
            refused(Nik::parse("0007015203900001")),
            refused(Nik::parse("6407019903900001")),
            refused(Nik::parse("6407015203900000")),
            refused(Phone::parse("12ab")),
            refused(Phone::parse("08123x567890")),
            refused(Phone::parse("0812")),
            refused(Nip::parse("123")),
            refused(Category::parse("x")),
            refused(Score::from_value(9)),
            refused(Likelihood::from_value(0)),
        ];
        for e in &errors {
            let amer_core::Error::Invalid { reason, .. } = e else { panic!("{e}") };
            assert_ne!(reason_text(Lang::Id, reason), *reason, "no Indonesian for: {reason}");
            let (_, en) = refusal(Lang::En, e);
            assert!(!en.contains("amer ") && !en.contains("--"), "{en}");
        }
        let (field, msg) = refusal(Lang::Id, &refused(Category::parse("x")));
        assert_eq!(field, "category");
        assert!(msg.starts_with("Jenis layanan: 'x' tidak dikenal; pilih salah satu: "), "{msg}");
        let (field, msg) = refusal(Lang::Id, &refused(amer_core::model::RiskCategory::parse("x")));
        assert_eq!(field, "category");
        assert!(msg.starts_with("Kategori risiko: "), "{msg}");
    }

    #[test]
    fn varying_parts_fill_the_words_in_order() {
        assert_eq!(captures("a {} b {}", "a 1 b 2 3"), Some(vec!["1", "2 3"]));
        assert_eq!(captures("exact", "exact"), Some(vec![]));
        assert_eq!(captures("exact", "exactly"), None);
        assert_eq!(captures("staff member {} is inactive", "staff member 1 has the role x"), None);
        assert_eq!(
            reason_text(Lang::Id, "needs the role admin or kasubag"),
            "memerlukan peran admin atau kasubag"
        );
    }
}
