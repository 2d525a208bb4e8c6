//! The command line: every command, option and example, as clap definitions. Enumerated values
//! (categories, roles, stages...) come from the library's code tables, so the CLI accepts exactly
//! what the library does and completions offer the same list.

use std::path::PathBuf;

use amer_core::model::{
    Category, Coded, RiskCategory, RiskResponse, SessionStatus, StaffRole, Stage, VisitorRole,
};
use chrono::NaiveDate;
use clap::builder::PossibleValuesParser;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

const ABOUT: &str = "AMER: walk-in service log and procurement risk register of the procurement office, \
offline on each PC and synchronised between them.";

const MAIN_EXAMPLES: &str = "\
Examples:
  amer init --office \"Bagian Pengadaan Barang/Jasa\" --device \"PC Loket\"
  amer staff add --nip 198503122010011003 --name \"Andi\" --role admin
  amer session new --category konsultasi --visitor \"Rina\" --subject \"Jadwal tender\"
  amer --by 197901152005012001 session assign K-261127-A-001 --officer 199002202015031002
  amer session list --status in_service --json
  amer --home /data/amer status

Every command accepts --home, --json, --by, --lang, -v and -q before or after its name.
Environment: AMER_HOME (home folder), AMER_USER (NIP for --by), AMER_LANG (id|en), AMER_LOG (log filter).";

/// Parses the process arguments; the error carries clap's exit status (2 for usage errors).
pub fn parse() -> Result<Cli, clap::Error> {
    let matches = command().try_get_matches()?;
    Cli::from_arg_matches(&matches)
}

/// The full command definition, with the exit-code table appended to the top-level help.
pub fn command() -> clap::Command {
    Cli::command().after_help(format!("{MAIN_EXAMPLES}\n\n{}", crate::exit::help_text()))
}

/// `amer`.
#[derive(Debug, Parser)]
#[command(name = "amer", version, about = ABOUT, propagate_version = true)]
pub struct Cli {
    /// Options of every command.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted by every command, before or after its name.
#[derive(Debug, Args)]
pub struct Global {
    /// The node's folder (database, keys); default: the platform's data folder
    #[arg(long, env = "AMER_HOME", global = true, value_name = "DIR")]
    pub home: Option<PathBuf>,
    /// Print one JSON document on stdout and nothing else
    #[arg(long, global = true)]
    pub json: bool,
    /// The NIP of the staff member acting (needed where a role is checked)
    #[arg(long, env = "AMER_USER", global = true, value_name = "NIP")]
    pub by: Option<String>,
    /// Language of labels in the output
    #[arg(long, env = "AMER_LANG", global = true, value_enum, default_value_t = LangArg::Id)]
    pub lang: LangArg,
    /// More log detail on stderr (-v, -vv, -vvv)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Fewer words: no confirmations, only errors in the log (-qq: no log at all)
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    pub quiet: u8,
}

/// Label language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    /// Bahasa Indonesia
    Id,
    /// English
    En,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the office on this founding PC
    #[command(
        after_help = "Examples:\n  amer init --office \"Bagian Pengadaan Barang/Jasa\" --device \"PC Loket\"\n  \
        amer --home D:\\amer init --office \"UKPBJ Kutai Barat\" --device \"PC Kasubag\" --timezone Asia/Makassar --json"
    )]
    Init(InitArgs),
    /// This node: office, device code, record counts, member PCs
    #[command(after_help = "Examples:\n  amer status\n  amer status --json")]
    Status,
    /// Staff members (pegawai)
    #[command(
        subcommand,
        after_help = "Examples:\n  amer staff add --nip 198503122010011003 --name \"Andi\" --role admin\n  \
        amer staff list --json\n  amer --by 198503122010011003 staff update 199105102016041001 --inactive"
    )]
    Staff(StaffCommand),
    /// Walk-in service sessions (layanan)
    #[command(
        subcommand,
        after_help = "Examples:\n  amer session new --category pengaduan --visitor \"Hadi\" --subject \"Keterlambatan\"\n  \
        amer --by 197901152005012001 session assign P-261127-A-002 --officer 199002202015031002\n  \
        amer session start P-261127-A-002\n  amer session finish P-261127-A-002 --notes \"Diteruskan ke PPK\"\n  \
        amer session rate P-261127-A-002 --score 4 --signed\n  amer session show P-261127-A-002 --json"
    )]
    Session(SessionCommand),
    /// The procurement risk register
    #[command(
        subcommand,
        after_help = "Examples:\n  amer risk add --title \"Persekongkolan\" --stage pemilihan --event \"...\" --likelihood 4 --impact 4\n  \
        amer risk treat R26-A-001 --action \"Reviu APIP\" --owner Inspektorat --due 2026-12-15\n  \
        amer risk assess R26-A-001 --likelihood 2 --impact 3 --residual\n  amer risk list"
    )]
    Risk(RiskCommand),
    /// Visitors' personal data: find, export, erase (UU 27/2022)
    #[command(
        subcommand,
        after_help = "Examples:\n  amer visitor find --phone 0812-3456-7890\n  \
        amer visitor export VISITOR_ID --out data.json\n  \
        amer --by 198503122010011003 visitor erase VISITOR_ID --reason \"Permohonan no. 12/2026\""
    )]
    Visitor(VisitorCommand),
    /// Holidays and cuti bersama (non-working days)
    #[command(
        subcommand,
        after_help = "Examples:\n  amer holidays list --year 2026\n  \
        amer --by 197901152005012001 holidays import libur-2027.csv"
    )]
    Holidays(HolidaysCommand),
    /// Bring in past sessions from a JSON-lines file (all lines or none)
    #[command(after_help = IMPORT_HELP)]
    Import(ImportArgs),
    /// Reports of a period: staff performance, satisfaction index, topics, objections, risks,
    /// summary; as tables, JSON, A4 PDF, CSV or XLSX
    #[command(subcommand, after_help = REPORT_HELP)]
    Report(ReportCommand),
    /// Write sessions (or the risk register) to a JSON, CSV or XLSX file
    #[command(
        after_help = "Examples:\n  amer export --format xlsx --out layanan-2026-11.xlsx --from 2026-11-01 --to 2026-11-30\n  \
        amer export --format csv --out pengaduan.csv --category pengaduan --status rated\n  \
        amer export --format json --out risiko.json --what risks\n\n\
        CSV is UTF-8 with a byte-order mark (Excel reads it as it is); times are in the office's time zone."
    )]
    Export(ExportArgs),
    /// Look inside the store: document history, conflicts, the change feed
    #[command(
        subcommand,
        after_help = "Examples:\n  amer inspect doc K-261127-A-001\n  amer inspect conflicts\n  \
        amer inspect feed --since 100 --json"
    )]
    Inspect(InspectCommand),
    /// Check the database and every document for damage
    #[command(
        after_help = "Examples:\n  amer doctor\n  amer doctor --json\n\nExits with 4 when a problem is found."
    )]
    Doctor,
    /// Write a consistent copy of the database while AMER keeps running
    #[command(after_help = "Examples:\n  amer backup --out E:\\cadangan\\amer-2026-11-27.db\n  \
        amer backup --out /media/usb/amer.db --force\n\n\
        The copy holds visitors' data encrypted; it can be read only with this PC's secret.key.")]
    Backup(BackupArgs),
    /// Replace this PC's database with a backup (needs --force when one exists)
    #[command(after_help = "Examples:\n  amer restore E:\\cadangan\\amer-2026-11-27.db\n  \
        amer restore /media/usb/amer.db --force\n\n\
        The restored copy gets a new change-feed epoch, so the other PCs send it everything it lacks \
        at the next synchronisation. Stop any running AMER program on this PC first.")]
    Restore(RestoreArgs),
    /// Print a shell completion script
    #[command(after_help = "Examples:\n  amer completions bash > /etc/bash_completion.d/amer\n  \
        amer completions powershell >> $PROFILE\n  amer completions zsh > \"${fpath[1]}/_amer\"")]
    Completions(CompletionsArgs),
    /// The office's member PCs: invite a new PC, join an office, list, add an address, remove
    #[command(
        after_help = "Examples:\n  amer peer invite --ttl 10m\n  amer --home D:\\amer peer join AMER-XXXX-XXXX-... --device \"PC Kasubag\"\n  \
        amer peer list\n  amer peer add abcd-efgh-ijkl-mnop 192.168.1.20:7450\n  amer peer remove A12 --by 198503122010011003"
    )]
    Peer {
        #[command(subcommand)]
        cmd: PeerCommand,
    },
    /// Synchronise with the other PCs over QUIC
    #[command(
        after_help = "Examples:\n  amer sync serve --listen 0.0.0.0:7450\n  amer sync now --peer 192.168.1.20:7450 --json"
    )]
    Sync {
        #[command(subcommand)]
        cmd: SyncCommand,
    },
    /// The front desk: the sync node plus the local web app (http://127.0.0.1:8470/) in one
    /// process, until Ctrl+C / SIGTERM
    #[command(
        after_help = "Examples:\n  amer serve\n  amer serve --listen 0.0.0.0:7450 --http 127.0.0.1:8470 --peer 192.168.1.20:7450\n\n\
        Open http://127.0.0.1:8470/ in a browser on this PC. Staff sign in with a PIN set by\n\
        `amer staff pin NIP`. The web app listens on this PC only (loopback)."
    )]
    Serve(ServeArgs),
    /// The main job on the embedded default: three PCs of one office work apart, sync over QUIC
    /// on loopback, show the merged result and a conflict, print a service report
    #[command(after_help = "Examples:\n  amer demo\n  amer demo --dir /tmp/amer-demo --json")]
    Demo(DemoArgs),
    /// Copy the built-in A4 templates into a folder, to adjust them without recompiling
    #[command(after_help = "Examples:\n  amer templates export ~/.local/share/amer/templates\n\n\
        Edited files in HOME/templates/ (same names) are used instead of the built-in ones;\n\
        delete a file to go back to the built-in template.")]
    Templates {
        #[command(subcommand)]
        cmd: TemplatesCommand,
    },
}

const IMPORT_HELP: &str = "\
One session per line, as JSON, for example:
  {\"category\": \"konsultasi\", \"subject\": \"Jadwal tender\", \"description\": \"...\",
   \"visitor\": {\"name\": \"Rina\", \"org\": \"CV Maju\", \"role\": \"penyedia\",
                \"phone\": \"0812...\", \"nik\": \"6407...\"},
   \"officer_nip\": \"1990...\", \"assigned_by_nip\": \"1979...\",
   \"arrived_at\": \"2026-11-02T09:00:00+08:00\", \"assigned_at\": \"...\",
   \"started_at\": \"...\", \"finished_at\": \"...\", \"notes\": \"...\",
   \"rating\": {\"score\": 5, \"comment\": \"...\", \"signed\": true}}
Only category, visitor.name and subject are required; stage, package_code, package_name,
recommendation and follow_up may be given too. Every line is checked like live input first;
a bad line is reported with its number and nothing is stored. The import works on a copy of
the database that replaces it only once every line is in, so even a power cut stores all or
nothing.

Examples:
  amer import buku-tamu-2025.jsonl
  amer --by 198503122010011003 import kantor-lain.jsonl --json";

/// `amer init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The office's name (letterhead)
    #[arg(long, value_name = "NAME")]
    pub office: String,
    /// This PC's name
    #[arg(long, value_name = "NAME")]
    pub device: String,
    /// IANA time zone of the office
    #[arg(long, value_name = "TZ", default_value = "Asia/Makassar")]
    pub timezone: String,
}

const REPORT_HELP: &str = "\
Examples:
  amer report performance --from 2026-11-01 --to 2026-11-30
  amer report performance --from 2026-11-01 --to 2026-11-30 --pdf rekap-kinerja.pdf
  amer report satisfaction --category konsultasi --json
  amer report summary --from 2026-11-01 --to 2026-11-30 --xlsx rekap-layanan.xlsx
  amer report risk-map --pdf peta-risiko.pdf
  amer report search \"jaminan penawaran\"

Periods are days in the office's time zone and select sessions by their arrival (risks by the day
they were recorded). Without a file option the report is printed as tables, or as JSON with --json.";

/// `amer report ...`.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Rekap Kinerja Petugas: per officer, sessions served, service and waiting time, ratings, index
    #[command(after_help = "Examples:\n  amer report performance --from 2026-11-01 --to 2026-11-30\n  \
        amer report performance --officer 199002202015031002 --json\n  \
        amer report performance --from 2026-11-01 --to 2026-11-30 --pdf rekap-kinerja.pdf")]
    Performance(ReportArgs),
    /// The satisfaction index: 1–5 ratings converted to the IKM range, with the grade
    #[command(after_help = "Examples:\n  amer report satisfaction --from 2026-01-01 --to 2026-12-31\n  \
        amer report satisfaction --category pengaduan --pdf ikm-pengaduan.pdf")]
    Satisfaction(ReportArgs),
    /// What comes up most: categories, topics, stages, OPDs, package types, methods, words
    #[command(after_help = "Examples:\n  amer report topics --from 2026-11-01 --to 2026-11-30\n  \
        amer report topics --limit 20 --xlsx topik.xlsx\n\nThere is no printed form of this report: use --csv, --xlsx or --json.")]
    Topics(TopicsArgs),
    /// Objections (sanggahan): filing and answer deadlines, late filings and answers
    #[command(after_help = "Examples:\n  amer report objections --from 2026-01-01 --to 2026-12-31\n  \
        amer report objections --csv sanggahan.csv\n\nThere is no printed form of this report: use --csv, --xlsx or --json.")]
    Objections(ReportArgs),
    /// Daftar Risiko: the risk register with inherent and residual levels
    #[command(
        after_help = "Examples:\n  amer report risk-register\n  amer report risk-register --pdf daftar-risiko.pdf\n  \
        amer report risk-register --from 2026-01-01 --to 2026-12-31 --xlsx risiko-2026.xlsx"
    )]
    RiskRegister(RiskReportArgs),
    /// Peta Risiko: the 5×5 maps (inherent and residual) with the number of risks per cell
    #[command(
        after_help = "Examples:\n  amer report risk-map\n  amer report risk-map --pdf peta-risiko.pdf"
    )]
    RiskMap(RiskReportArgs),
    /// Rekap Layanan: sessions by category and status, times, ratings and the list of sessions
    #[command(after_help = "Examples:\n  amer report summary --from 2026-11-01 --to 2026-11-30\n  \
        amer report summary --from 2026-11-01 --to 2026-11-30 --pdf rekap-layanan.pdf")]
    Summary(ReportArgs),
    /// Sessions whose subject, description or notes contain every word of QUERY
    #[command(after_help = "Examples:\n  amer report search \"jaminan penawaran\"\n  \
        amer report search \"e-purchasing\" --from 2026-11-01 --to 2026-11-30 --json\n\n\
        A trailing * searches a prefix: `amer report search \"sangga*\"`.")]
    Search(SearchArgs),
}

/// The days a report covers.
#[derive(Debug, Args)]
pub struct PeriodArgs {
    /// First day (YYYY-MM-DD, office time)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Last day (YYYY-MM-DD, office time)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<NaiveDate>,
}

/// Which sessions a report looks at.
#[derive(Debug, Args)]
pub struct SessionScopeArgs {
    /// Only this category
    #[arg(long, value_parser = codes::<Category>(), ignore_case = true)]
    pub category: Option<String>,
    /// Only sessions assigned to this officer
    #[arg(long, value_name = "NIP")]
    pub officer: Option<String>,
}

/// Where a report goes instead of the screen.
#[derive(Debug, Args)]
pub struct ReportFileArgs {
    /// Write the printed A4 document (PDF) to FILE
    #[arg(long, value_name = "FILE", conflicts_with_all = ["csv", "xlsx"])]
    pub pdf: Option<PathBuf>,
    /// Write the report's tables as CSV (further tables beside FILE, as FILE-<table>.csv)
    #[arg(long, value_name = "FILE", conflicts_with = "xlsx")]
    pub csv: Option<PathBuf>,
    /// Write the report's tables as an Excel workbook, one sheet per table
    #[arg(long, value_name = "FILE")]
    pub xlsx: Option<PathBuf>,
    /// Replace an existing file
    #[arg(long)]
    pub force: bool,
}

/// A report over sessions.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The period.
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Category and officer.
    #[command(flatten)]
    pub scope: SessionScopeArgs,
    /// Output file.
    #[command(flatten)]
    pub file: ReportFileArgs,
}

/// `amer report topics`.
#[derive(Debug, Args)]
pub struct TopicsArgs {
    /// The report's options.
    #[command(flatten)]
    pub report: ReportArgs,
    /// How many topics, OPDs and words to list (the rest are summed as "(lainnya)")
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub limit: usize,
}

/// A report over risks (recorded in the period).
#[derive(Debug, Args)]
pub struct RiskReportArgs {
    /// The period (the day each risk was recorded).
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Output file.
    #[command(flatten)]
    pub file: ReportFileArgs,
}

/// `amer report search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The words to find
    pub query: String,
    /// The period.
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Category and officer.
    #[command(flatten)]
    pub scope: SessionScopeArgs,
    /// At most this many sessions
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// What `amer export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportWhat {
    /// One row per session, the columns of the session list
    Sessions,
    /// The risk register
    Risks,
}

/// `amer export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// File format (default: from the extension of --out)
    #[arg(long, value_parser = ["json", "csv", "xlsx"], ignore_case = true)]
    pub format: Option<String>,
    /// The file to write
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Sessions or risks
    #[arg(long, value_enum, default_value_t = ExportWhat::Sessions)]
    pub what: ExportWhat,
    /// The period (sessions, by arrival).
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Only this category (sessions)
    #[arg(long, value_parser = codes::<Category>(), ignore_case = true)]
    pub category: Option<String>,
    /// Only this status (sessions)
    #[arg(long, value_parser = codes::<SessionStatus>(), ignore_case = true)]
    pub status: Option<String>,
    /// Only sessions assigned to this officer
    #[arg(long, value_name = "NIP")]
    pub officer: Option<String>,
    /// Replace an existing file
    #[arg(long)]
    pub force: bool,
}

/// `amer staff ...`.
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a staff member (the first one needs no --by; later ones an admin, pimpinan or kasubag)
    #[command(
        after_help = "Examples:\n  amer staff add --nip 198503122010011003 --name \"Andi Admin\" --role admin\n  \
        amer --by 198503122010011003 staff add --nip 199002202015031002 --name \"Budi\" --role petugas --title \"Analis\""
    )]
    Add {
        /// NIP, 18 digits (spaces allowed)
        #[arg(long, value_name = "NIP")]
        nip: String,
        /// Full name
        #[arg(long)]
        name: String,
        /// Role in AMER
        #[arg(long, value_parser = codes::<StaffRole>(), ignore_case = true)]
        role: String,
        /// Job title
        #[arg(long)]
        title: Option<String>,
    },
    /// List staff members
    #[command(after_help = "Examples:\n  amer staff list\n  amer staff list --json")]
    List,
    /// Change a staff member's name, title, role or active flag
    #[command(
        after_help = "Examples:\n  amer --by 198503122010011003 staff update 199105102016041001 --inactive\n  \
        amer --by 198503122010011003 staff update 199002202015031002 --role kasubag --title \"Kasubag Layanan\""
    )]
    Update {
        /// The staff member's NIP
        nip: String,
        /// New name
        #[arg(long)]
        name: Option<String>,
        /// New title (empty text removes it)
        #[arg(long)]
        title: Option<String>,
        /// New role
        #[arg(long, value_parser = codes::<StaffRole>(), ignore_case = true)]
        role: Option<String>,
        /// Allow them to act and be assigned again
        #[arg(long, conflicts_with = "inactive")]
        active: bool,
        /// Stop them from acting and being assigned
        #[arg(long)]
        inactive: bool,
    },
    /// Show one staff member
    #[command(after_help = "Examples:\n  amer staff show 199002202015031002")]
    Show {
        /// The staff member's NIP
        nip: String,
    },
    /// Set the PIN a staff member signs in to the front desk with (`amer serve`); read from
    /// stdin (one line) or asked for; stored hashed. The person themselves or an admin,
    /// pimpinan or kasubag (--by)
    #[command(after_help = "Examples:\n  amer --by 199002202015031002 staff pin 199002202015031002\n  \
        echo 482913 | amer --by 198503122010011003 staff pin 199002202015031002")]
    Pin {
        /// The staff member's NIP
        nip: String,
    },
}

/// `amer session ...`.
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Register a visitor's session; prints its id and ticket number
    #[command(
        after_help = "Examples:\n  amer session new --category konsultasi --visitor \"Rina Wulandari\" --org \"CV Maju Jaya\" \\\n      \
        --visitor-role penyedia --phone 0812-3456-7890 --subject \"Jadwal sanggah\"\n  \
        amer session new --category sanggahan --visitor \"Hadi\" --subject \"Hasil evaluasi\" \\\n      \
        --package-code 12345678 --package-name \"Jalan Barong Tongkok\" --stage pemilihan --json"
    )]
    New(Box<NewSessionArgs>),
    /// Assign an officer (by a kasubag, pimpinan or admin given with --by)
    #[command(
        after_help = "Examples:\n  amer session assign K-261127-A-001 --officer 199002202015031002 --by 197901152005012001"
    )]
    Assign {
        /// Ticket number or session id
        ticket: String,
        /// The officer's NIP
        #[arg(long, value_name = "NIP")]
        officer: String,
    },
    /// Start the service
    #[command(after_help = "Examples:\n  amer session start K-261127-A-001 --by 199002202015031002")]
    Start {
        /// Ticket number or session id
        ticket: String,
    },
    /// Finish the service with the officer's notes
    #[command(
        after_help = "Examples:\n  amer session finish K-261127-A-001 --notes \"Menjelaskan jadwal sanggah\" \\\n      \
        --recommendation \"Ajukan melalui SPSE\" --follow-up \"Pokja menjawab paling lambat 3 hari\""
    )]
    Finish {
        /// Ticket number or session id
        ticket: String,
        /// What was discussed (appended to the notes)
        #[arg(long)]
        notes: String,
        /// The officer's recommendation
        #[arg(long)]
        recommendation: Option<String>,
        /// Follow-up or referral
        #[arg(long, value_name = "TEXT")]
        follow_up: Option<String>,
    },
    /// Add to (or replace) the officer's notes
    #[command(
        after_help = "Examples:\n  amer session notes K-261127-A-001 --append \"Pengunjung membawa dokumen kontrak\"\n  \
        amer session notes K-261127-A-001 --replace \"Catatan yang sudah diperbaiki\""
    )]
    Notes {
        /// Ticket number or session id
        ticket: String,
        /// A paragraph to add at the end
        #[arg(long, value_name = "TEXT", required_unless_present = "replace", conflicts_with = "replace")]
        append: Option<String>,
        /// The whole new text (only the changed part is rewritten, so edits elsewhere merge)
        #[arg(long, value_name = "TEXT")]
        replace: Option<String>,
    },
    /// Record the visitor's rating, 1 (sangat buruk) to 5 (sangat baik), after finishing
    #[command(
        after_help = "Examples:\n  amer session rate K-261127-A-001 --score 5 --comment \"Sangat membantu\" --signed"
    )]
    Rate {
        /// Ticket number or session id
        ticket: String,
        /// 1..5
        #[arg(long, allow_negative_numbers = true)]
        score: i64,
        /// The visitor's comment
        #[arg(long)]
        comment: Option<String>,
        /// The visitor signed the paper form
        #[arg(long)]
        signed: bool,
    },
    /// Cancel a session that has not finished (the visitor left)
    #[command(
        after_help = "Examples:\n  amer session cancel K-261127-A-002 --reason \"Pengunjung pulang sebelum dilayani\""
    )]
    Cancel {
        /// Ticket number or session id
        ticket: String,
        /// Why
        #[arg(long)]
        reason: String,
    },
    /// Print the intake form or the service report to an A4 PDF file
    #[command(
        after_help = "Examples:\n  amer session print K-261127-A-001 --form intake --out formulir.pdf\n  \
        amer session print K-261127-A-001 --form report --out laporan.pdf\n\n\
        Templates can be adjusted without recompiling: put an edited copy of a template (see\n\
        `amer templates export DIR`) in the node's folder under templates/."
    )]
    Print {
        /// Ticket number or session id
        ticket: String,
        /// Which document: intake (Formulir Pendaftaran Layanan) or report (Laporan Hasil Layanan)
        #[arg(long, value_parser = ["intake", "report"])]
        form: String,
        /// Where to write the PDF
        #[arg(long, value_name = "FILE.pdf")]
        out: std::path::PathBuf,
        /// Replace an existing file
        #[arg(long)]
        force: bool,
    },
    /// Show the whole record: visitor (NIK masked), times, notes, rating, conflicts, history
    #[command(
        after_help = "Examples:\n  amer session show K-261127-A-001\n  amer session show K-261127-A-001 --json --lang en"
    )]
    Show {
        /// Ticket number or session id
        ticket: String,
    },
    /// List sessions, newest first
    #[command(after_help = "Examples:\n  amer session list --from 2026-11-01 --to 2026-11-30\n  \
        amer session list --status rated --category pengaduan --officer 199002202015031002 --json\n  \
        amer session list --search \"jaminan penawaran\"")]
    List(ListSessionsArgs),
}

/// `amer session new`.
#[derive(Debug, Args)]
pub struct NewSessionArgs {
    /// Service category
    #[arg(long, value_parser = codes::<Category>(), ignore_case = true)]
    pub category: String,
    /// The visitor's full name
    #[arg(long, value_name = "NAME")]
    pub visitor: String,
    /// The visitor's organisation
    #[arg(long)]
    pub org: Option<String>,
    /// The visitor's role in procurement
    #[arg(long, value_name = "ROLE", value_parser = codes::<VisitorRole>(), ignore_case = true)]
    pub visitor_role: Option<String>,
    /// Phone (08..., +628...)
    #[arg(long, value_name = "P")]
    pub phone: Option<String>,
    /// NIK, 16 digits (only where needed; always shown masked)
    #[arg(long, value_name = "NIK")]
    pub nik: Option<String>,
    /// E-mail
    #[arg(long)]
    pub email: Option<String>,
    /// Short topic
    #[arg(long, value_name = "TEXT")]
    pub subject: String,
    /// What the visitor wants to discuss
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// RUP or tender code of the package concerned
    #[arg(long, value_name = "C")]
    pub package_code: Option<String>,
    /// Name of the package concerned
    #[arg(long, value_name = "N")]
    pub package_name: Option<String>,
    /// Procurement stage
    #[arg(long, value_parser = codes::<Stage>(), ignore_case = true)]
    pub stage: Option<String>,
}

/// `amer session list`.
#[derive(Debug, Args)]
pub struct ListSessionsArgs {
    /// Only this status
    #[arg(long, value_parser = codes::<SessionStatus>(), ignore_case = true)]
    pub status: Option<String>,
    /// Only this category
    #[arg(long, value_parser = codes::<Category>(), ignore_case = true)]
    pub category: Option<String>,
    /// Only this officer
    #[arg(long, value_name = "NIP")]
    pub officer: Option<String>,
    /// Arrived on or after this day (YYYY-MM-DD, office time)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Arrived on or before this day (YYYY-MM-DD, office time)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    /// Words to find in subject, description and notes
    #[arg(long, value_name = "WORDS")]
    pub search: Option<String>,
    /// Also list sessions whose merged record breaks a rule
    #[arg(long)]
    pub include_invalid: bool,
    /// At most this many
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// `amer risk ...`.
#[derive(Debug, Subcommand)]
pub enum RiskCommand {
    /// Add a risk; prints its id and code
    #[command(
        after_help = "Examples:\n  amer risk add --title \"Persekongkolan tender\" --stage pemilihan \\\n      \
        --event \"Peserta mengatur harga penawaran\" --likelihood 4 --impact 4 --category fraud --owner \"Pokja\""
    )]
    Add(Box<AddRiskArgs>),
    /// Record the inherent (or, with --residual, the residual) likelihood and impact
    #[command(after_help = "Examples:\n  amer risk assess R26-A-001 --likelihood 3 --impact 4\n  \
        amer risk assess R26-A-001 --likelihood 2 --impact 3 --residual")]
    Assess {
        /// Risk code or id
        code: String,
        /// 1 (hampir tidak terjadi) .. 5 (hampir pasti)
        #[arg(long, allow_negative_numbers = true)]
        likelihood: i64,
        /// 1 (tidak signifikan) .. 5 (sangat signifikan)
        #[arg(long, allow_negative_numbers = true)]
        impact: i64,
        /// This is the residual assessment, after treatment
        #[arg(long)]
        residual: bool,
    },
    /// Choose the response to the risk
    #[command(after_help = "Examples:\n  amer risk respond R26-A-001 --response kurangi")]
    Respond {
        /// Risk code or id
        code: String,
        /// The response
        #[arg(long, value_parser = codes::<RiskResponse>(), ignore_case = true)]
        response: String,
    },
    /// Add a treatment plan item
    #[command(
        after_help = "Examples:\n  amer risk treat R26-A-001 --action \"Reviu dokumen oleh APIP\" --owner Inspektorat --due 2026-12-15"
    )]
    Treat {
        /// Risk code or id
        code: String,
        /// What will be done
        #[arg(long)]
        action: String,
        /// Who is responsible
        #[arg(long)]
        owner: String,
        /// By when (YYYY-MM-DD)
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        due: Option<NaiveDate>,
    },
    /// Mark a treatment item done
    #[command(after_help = "Examples:\n  amer risk done R26-A-001 3f9a1c2e")]
    Done {
        /// Risk code or id
        code: String,
        /// The item's id (see `amer risk show`)
        item: String,
    },
    /// Add a monitoring entry
    #[command(after_help = "Examples:\n  amer risk monitor R26-A-001 --note \"Tidak ada indikasi baru\"")]
    Monitor {
        /// Risk code or id
        code: String,
        /// What was observed
        #[arg(long)]
        note: String,
    },
    /// Link a session that revealed the risk
    #[command(after_help = "Examples:\n  amer risk link R26-A-001 P-261127-A-003")]
    Link {
        /// Risk code or id
        code: String,
        /// Ticket number or session id
        ticket: String,
    },
    /// Close a risk
    #[command(after_help = "Examples:\n  amer risk close R26-A-001")]
    Close {
        /// Risk code or id
        code: String,
    },
    /// List the register with scores and levels
    #[command(after_help = "Examples:\n  amer risk list\n  amer risk list --json")]
    List,
    /// Show one risk in full
    #[command(after_help = "Examples:\n  amer risk show R26-A-001 --json")]
    Show {
        /// Risk code or id
        code: String,
    },
}

/// `amer risk add`.
#[derive(Debug, Args)]
pub struct AddRiskArgs {
    /// Short title
    #[arg(long, value_name = "T")]
    pub title: String,
    /// Procurement stage
    #[arg(long, value_parser = codes::<Stage>(), ignore_case = true)]
    pub stage: String,
    /// The risk event
    #[arg(long, value_name = "TEXT")]
    pub event: String,
    /// Inherent likelihood 1..5
    #[arg(long, value_name = "L", allow_negative_numbers = true)]
    pub likelihood: i64,
    /// Inherent impact 1..5
    #[arg(long, value_name = "I", allow_negative_numbers = true)]
    pub impact: i64,
    /// RUP or tender code of the package
    #[arg(long, value_name = "C")]
    pub package_code: Option<String>,
    /// Category
    #[arg(long, value_name = "K", value_parser = codes::<RiskCategory>(), ignore_case = true)]
    pub category: Option<String>,
    /// Cause
    #[arg(long, value_name = "TEXT")]
    pub cause: Option<String>,
    /// Consequence
    #[arg(long, value_name = "TEXT")]
    pub consequence: Option<String>,
    /// Risk owner
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
    /// Agency (OPD)
    #[arg(long)]
    pub opd: Option<String>,
}

/// `amer visitor ...`.
#[derive(Debug, Subcommand)]
pub enum VisitorCommand {
    /// Find visitors by phone or NIK
    #[command(
        after_help = "Examples:\n  amer visitor find --phone 0812-3456-7890\n  amer visitor find --nik 6407015203900001 --json"
    )]
    Find {
        /// Phone (08..., +628...)
        #[arg(long, value_name = "P", required_unless_present = "nik")]
        phone: Option<String>,
        /// NIK, 16 digits
        #[arg(long, value_name = "N")]
        nik: Option<String>,
    },
    /// Erase one visitor's personal data on every PC (admin; the request is recorded)
    #[command(
        after_help = "Examples:\n  amer --by 198503122010011003 visitor erase 1b4e28ba-2fa1-11d2-883f-0016d3cca427 \\\n      \
        --reason \"Permohonan tertulis no. 12/2026\""
    )]
    Erase {
        /// The visitor id (see `amer visitor find` or `amer session show`)
        visitor_id: String,
        /// The request this erasure answers (no personal data)
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// Write everything AMER holds on one visitor to a JSON file, or a printed A4 PDF when FILE
    /// ends in .pdf (their access right)
    #[command(
        after_help = "Examples:\n  amer visitor export 1b4e28ba-2fa1-11d2-883f-0016d3cca427 --out data-pengunjung.json\n  \
        amer visitor export 1b4e28ba-2fa1-11d2-883f-0016d3cca427 --out data-pengunjung.pdf --by 198503122010011003"
    )]
    Export {
        /// The visitor id
        visitor_id: String,
        /// The file to write, .json or .pdf (holds personal data: hand it over and delete it)
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Overwrite FILE if it exists
        #[arg(long)]
        force: bool,
    },
}

/// `amer holidays ...`.
#[derive(Debug, Subcommand)]
pub enum HolidaysCommand {
    /// Load holidays from a CSV file `date,kind,name` (kind: libur_nasional or cuti_bersama)
    #[command(after_help = "Examples:\n  amer --by 197901152005012001 holidays import libur-2027.csv\n\n\
        File format (first line is a header):\n  date,kind,name\n  2027-01-01,libur_nasional,Tahun Baru 2027 Masehi")]
    Import {
        /// The CSV file
        file: PathBuf,
    },
    /// List holidays
    #[command(after_help = "Examples:\n  amer holidays list\n  amer holidays list --year 2026 --json")]
    List {
        /// Only this year
        #[arg(long)]
        year: Option<i32>,
    },
}

/// `amer import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The JSON-lines file
    pub file: PathBuf,
}

/// `amer inspect ...`.
#[derive(Debug, Subcommand)]
pub enum InspectCommand {
    /// The change history of one record (who, which PC, when) and its heads
    #[command(
        after_help = "Examples:\n  amer inspect doc K-261127-A-001\n  amer inspect doc R26-A-001 --json\n  \
        amer inspect doc 199002202015031002"
    )]
    Doc {
        /// Ticket, session id, risk code, staff NIP or document id
        key: String,
    },
    /// Records with fields that two PCs changed at the same time
    #[command(after_help = "Examples:\n  amer inspect conflicts\n  amer inspect conflicts --json")]
    Conflicts,
    /// The change feed that synchronisation reads
    #[command(after_help = "Examples:\n  amer inspect feed\n  amer inspect feed --since 120 --json")]
    Feed {
        /// Only entries after this sequence number
        #[arg(long, value_name = "N", default_value_t = 0)]
        since: i64,
        /// At most this many entries
        #[arg(long, value_name = "N", default_value_t = 10_000)]
        limit: usize,
    },
}

/// `amer backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Overwrite FILE if it exists
    #[arg(long)]
    pub force: bool,
}

/// `amer restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file
    pub file: PathBuf,
    /// Replace the database this PC has
    #[arg(long)]
    pub force: bool,
}

/// `amer completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The codes of a library enumeration as accepted values.
fn codes<T: Coded>() -> PossibleValuesParser {
    PossibleValuesParser::new(T::ALL.iter().map(|v| v.code()))
}

/// `YYYY-MM-DD`.
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| "expected a date like 2026-11-27".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn every_command_has_examples() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in cmd.get_subcommands().filter(|c| c.get_name() != "help") {
                let here = format!("{path} {}", sub.get_name());
                if !sub.get_after_help().is_some_and(|h| h.to_string().contains("Examples:")) {
                    missing.push(here.clone());
                }
                walk(sub, &here, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&command(), "amer", &mut missing);
        assert!(missing.is_empty(), "commands without examples: {missing:?}");
    }

    #[test]
    fn global_options_work_after_the_subcommand() {
        let cli = Cli::try_parse_from(["amer", "status", "--json", "--home", "/tmp/x", "--by", "1"])
            .expect("parses");
        assert!(cli.global.json);
        assert_eq!(cli.global.home.as_deref(), Some(std::path::Path::new("/tmp/x")));
    }
}

/// `amer templates ...`.
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Write the built-in templates (common.typ, intake.typ, service_report.typ...) to DIR
    #[command(
        after_help = "Examples:\n  amer templates export ~/.local/share/amer/templates\n  amer templates export templates --force"
    )]
    Export {
        /// The folder (created if missing); existing files are kept unless --force
        dir: std::path::PathBuf,
        /// Replace existing files
        #[arg(long)]
        force: bool,
    },
}

/// `amer peer ...`.
#[derive(Debug, Subcommand)]
pub enum PeerCommand {
    /// Make a one-time code for a new PC (this PC must be running `amer sync serve`)
    #[command(
        after_help = "Examples:\n  amer peer invite\n  amer peer invite --ttl 30m --addr 192.168.1.10:7450 --json"
    )]
    Invite {
        /// How long the code stays valid (e.g. 10m, 1h)
        #[arg(long, default_value = "10m", value_parser = crate::commands::peer::parse_ttl)]
        ttl: std::time::Duration,
        /// The address the new PC should reach this one at (default: the one `sync serve` published)
        #[arg(long, value_name = "IP:PORT")]
        addr: Option<std::net::SocketAddrV4>,
    },
    /// Join an office with a code from one of its PCs (run in an empty --home)
    #[command(
        after_help = "Examples:\n  amer --home D:\\amer peer join AMER-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XX --device \"PC Loket 2\""
    )]
    Join {
        /// The invite code
        code: String,
        /// This PC's name
        #[arg(long, value_name = "NAME", default_value = "PC")]
        device: String,
        /// Where this PC will listen for the others (published to the office)
        #[arg(long, value_name = "IP:PORT", default_value = "0.0.0.0:0")]
        listen: std::net::SocketAddr,
        /// Seconds to wait for the first catch-up
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// Do not look for the office's PCs on the LAN with mDNS (static and published addresses
        /// still work)
        #[arg(long)]
        no_mdns: bool,
    },
    /// List the office's member PCs
    #[command(after_help = "Examples:\n  amer peer list\n  amer peer list --json")]
    List,
    /// Remember a static address for a member (always works, with or without LAN discovery)
    #[command(after_help = "Examples:\n  amer peer add abcd-efgh-ijkl-mnop 192.168.1.20:7450")]
    Add {
        /// The member's node id (full hex, short form, or device code)
        node_id: String,
        /// Its address
        addr: std::net::SocketAddr,
    },
    /// Remove a member PC (admin or pimpinan, --by): every PC refuses it from the next sync on
    #[command(after_help = "Examples:\n  amer peer remove A12 --by 198503122010011003")]
    Remove {
        /// The member's node id (full hex, short form, or device code)
        node_id: String,
    },
}

/// `amer serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where the sync node listens (UDP)
    #[arg(long, value_name = "IP:PORT", default_value = "0.0.0.0:7450")]
    pub listen: std::net::SocketAddr,
    /// Where the web app listens; loopback only (port 0 picks a free port)
    #[arg(long, value_name = "IP:PORT", default_value = "127.0.0.1:8470")]
    pub http: std::net::SocketAddr,
    /// Extra peer addresses to dial
    #[arg(long, value_name = "IP:PORT")]
    pub peer: Vec<std::net::SocketAddr>,
    /// Do not look for other PCs on the LAN with mDNS (static and published addresses only)
    #[arg(long)]
    pub no_mdns: bool,
}

/// `amer sync ...`.
#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Run the node in the foreground until Ctrl+C / SIGTERM: listen, dial known peers, live sync
    #[command(
        after_help = "Examples:\n  amer sync serve\n  amer sync serve --listen 0.0.0.0:7450 --peer 192.168.1.20:7450 -v\n  amer sync serve --no-mdns --peer 192.168.1.20:7450"
    )]
    Serve {
        /// Where to listen (UDP)
        #[arg(long, value_name = "IP:PORT", default_value = "0.0.0.0:7450")]
        listen: std::net::SocketAddr,
        /// Extra peer addresses to dial
        #[arg(long, value_name = "IP:PORT")]
        peer: Vec<std::net::SocketAddr>,
        /// Do not look for the office's PCs on the LAN with mDNS (static and published addresses
        /// still work)
        #[arg(long)]
        no_mdns: bool,
    },
    /// Catch up both ways with the reachable peers, then exit
    #[command(
        after_help = "Examples:\n  amer sync now\n  amer sync now --peer 192.168.1.20:7450 --timeout 30 --json"
    )]
    Now {
        /// One peer to sync with (default: every member that answers)
        #[arg(long, value_name = "IP:PORT")]
        peer: Option<std::net::SocketAddr>,
        /// Seconds to wait
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        /// Do not look for the office's PCs on the LAN with mDNS (static and published addresses
        /// still work)
        #[arg(long)]
        no_mdns: bool,
    },
}

/// `amer demo`.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Folder for the demo's three PCs (default: a new temporary folder, kept afterwards)
    #[arg(long, value_name = "DIR")]
    pub dir: Option<std::path::PathBuf>,
}
