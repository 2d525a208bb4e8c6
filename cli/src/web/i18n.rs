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
            "Di PC baru jalankan: amer peer join KODE --device \"Nama PC\". Kode berlaku 1 jam.",
            "On the new PC run: amer peer join CODE --device \"PC name\". The code is valid for 1 hour.",
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
        "error.title" => ("Tidak dapat diproses", "Cannot be done"),
        "error.back" => ("Kembali", "Back"),
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
        _ => ("", ""),
    }
}

/// A library refusal in words for the page: the field's label in the page's language, then the
/// library's reason (the library's texts carry no personal data).
pub fn field_message(lang: Lang, label_key: &str, reason: &str) -> String {
    let reason = match lang {
        Lang::Id => reason_id(reason),
        Lang::En => reason.to_string(),
    };
    match label_key {
        "" => reason,
        k => format!("{}: {reason}", tr(lang, k)),
    }
}

/// The library's most frequent refusal reasons in Indonesian (the library speaks English to
/// logs and scripts); anything else is shown as the library wrote it.
fn reason_id(reason: &str) -> String {
    let known = match reason {
        "must not be empty" => "wajib diisi",
        "contains control characters" => "berisi karakter yang tidak diizinkan",
        "a NIK has exactly 16 digits" => "NIK terdiri dari tepat 16 angka",
        "digits 1–2 must be a province code (11–96)" => "angka 1–2 harus kode provinsi (11–96)",
        "digits 7–12 must be a birth date DDMMYY (day + 40 for women)" => {
            "angka 7–12 harus tanggal lahir DDMMYY (tanggal + 40 untuk perempuan)"
        }
        "the last 4 digits (serial) cannot be 0000" => "4 angka terakhir tidak boleh 0000",
        "an Indonesian number starts with 08…, +628… or an area code 0xx…" => {
            "nomor Indonesia diawali 08…, +628… atau kode area 0xx…"
        }
        "a phone number may contain only digits after the prefix" => "nomor HP hanya boleh berisi angka",
        "the number has too few or too many digits" => "jumlah angka terlalu sedikit atau terlalu banyak",
        "a PIN has 4 to 12 digits" => "PIN terdiri dari 4 sampai 12 angka",
        "give both likelihood and impact, or neither" => {
            "isi kemungkinan dan dampak sekaligus, atau kosongkan keduanya"
        }
        _ => "",
    };
    if !known.is_empty() {
        return known.to_string();
    }
    if let Some(n) = reason.strip_prefix("is longer than ").and_then(|r| r.strip_suffix(" characters")) {
        return format!("lebih dari {n} karakter");
    }
    if let Some(rest) = reason.split_once("' is not one of: ") {
        return format!("pilih salah satu: {}", rest.1);
    }
    reason.to_string()
}
