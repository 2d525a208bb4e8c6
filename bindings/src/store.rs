//! [`AmerStore`]: one node's store (its folder holds `amer.db`, `secret.key` and `node.key`)
//! and every operation on it: the office, staff, the session flow, visitors, risks, holidays,
//! reports, exports, backups and change listeners.
//!
//! Methods that write take `by`, the NIP of the staff member who acts, last and optional:
//! none means the PC itself (a visitor registering at a kiosk, a rating typed from the paper
//! form). The core checks roles against it: assigning needs admin, pimpinan or kasubag; changing
//! a rated session or erasing a visitor needs an admin.
//!
//! Every method here is blocking and safe to call from any thread; each is one SQLite
//! transaction (a write waits for the disk to confirm it: about 0.7 ms in a release build on this
//! kind of machine). Methods whose work grows with the data (lists, reports, exports, backups)
//! also come as `*_async`, which run on AMER's background threads and suspend the caller instead
//! of blocking it. Printing lives in `print.rs`, starting a sync node in `sync.rs`.

use std::path::PathBuf;
use std::sync::Arc;

use amer_core::model::{Holiday as CoreHoliday, Nip};
use amer_core::store::{self as s, Actor};
use amer_core::{OfficeId, Store, VisitorId};

use crate::codes::{RiskResponse, StaffRole};
use crate::error::{ApiError, ApiResult};
use crate::listener::{ChangeListener, Subscription};
use crate::records::*;
use crate::reports::{self, ExportFormat, Exported, ReportQuery};
use crate::runtime::off_thread;

/// The database file inside a node's folder (the same name the `amer` command uses).
pub const DB_FILE: &str = "amer.db";
/// The node's private key inside its folder.
pub const NODE_KEY_FILE: &str = "node.key";

/// A node's store. Open one per folder and share it: it is thread-safe, and every copy of the
/// handle is the same store.
#[derive(uniffi::Object)]
pub struct AmerStore {
    inner: Arc<Store>,
    /// The node's folder (none in memory): `templates/` for printing, `node.key` for sync.
    home: Option<PathBuf>,
    /// The node's key when the store lives in memory (on disk it is `HOME/node.key`).
    memory_identity: std::sync::OnceLock<amer_sync::NodeIdentity>,
    /// The PDF engine, made on the first print.
    #[cfg(feature = "print")]
    printer: std::sync::OnceLock<Arc<amer_core::print::Printer>>,
}

impl std::fmt::Debug for AmerStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AmerStore").field("inner", &self.inner).finish()
    }
}

/// The acting person: a staff member's NIP, or the PC itself when none or empty.
fn actor(by: Option<String>) -> ApiResult<Actor> {
    match by.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(nip) => Ok(Actor::staff(Nip::parse(nip)?)),
        None => Ok(Actor::device()),
    }
}

fn visitor_id(id: &str) -> ApiResult<VisitorId> {
    Ok(VisitorId::parse(id)?)
}

impl AmerStore {
    fn new(inner: Store, home: Option<PathBuf>) -> Arc<Self> {
        Arc::new(AmerStore {
            inner: Arc::new(inner),
            home,
            memory_identity: std::sync::OnceLock::new(),
            #[cfg(feature = "print")]
            printer: std::sync::OnceLock::new(),
        })
    }

    /// The core store, for Rust callers (tests, benches, the sync wrapper).
    pub fn core(&self) -> &Arc<Store> {
        &self.inner
    }

    /// The node's folder, or none for a store in memory.
    pub fn home(&self) -> Option<&std::path::Path> {
        self.home.as_deref()
    }

    /// This node's key pair: `HOME/node.key` (created on first use, readable only by the user),
    /// or one kept in memory for a store in memory.
    pub(crate) fn identity(&self) -> ApiResult<amer_sync::NodeIdentity> {
        if let Some(home) = &self.home {
            return Ok(amer_sync::NodeIdentity::load_or_create(home.join(NODE_KEY_FILE))?);
        }
        if let Some(id) = self.memory_identity.get() {
            return Ok(id.clone());
        }
        let id = amer_sync::NodeIdentity::generate()?;
        Ok(self.memory_identity.get_or_init(|| id).clone())
    }

    /// The PDF engine (made on first use; templates in `HOME/templates` override the built-in
    /// ones, as with the `amer` command).
    #[cfg(feature = "print")]
    pub(crate) fn printer(&self) -> Arc<amer_core::print::Printer> {
        self.printer
            .get_or_init(|| {
                Arc::new(amer_core::print::Printer::new(self.home.as_ref().map(|h| h.join("templates"))))
            })
            .clone()
    }

    fn risk_matrix(&self) -> amer_core::model::RiskMatrix {
        self.inner.office().map(|o| o.matrix).unwrap_or_default()
    }
}

#[uniffi::export]
impl AmerStore {
    // -- opening -------------------------------------------------------------------------

    /// Opens the store in the folder `home`, creating the folder, the database (`amer.db`) and
    /// the key file (`secret.key`, which protects visitors' personal data) when missing.
    #[uniffi::constructor]
    pub fn open(home: String) -> ApiResult<Arc<Self>> {
        if home.trim().is_empty() {
            return Err(ApiError::invalid("home", "give the folder of the store"));
        }
        let home = PathBuf::from(home);
        let store = Store::open(home.join(DB_FILE))?;
        Ok(Self::new(store, Some(home)))
    }

    /// A store that lives in memory only (tests, demos); everything is lost when it is dropped.
    #[uniffi::constructor]
    pub fn open_in_memory() -> ApiResult<Arc<Self>> {
        Ok(Self::new(Store::open_in_memory()?, None))
    }

    /// The database file, or none for a store in memory.
    pub fn path(&self) -> Option<String> {
        self.inner.path().map(|p| p.display().to_string())
    }

    // -- the office and this node --------------------------------------------------------

    /// Creates the office on its founding PC (`amer init`): this PC becomes its first member
    /// (device code "A") under the node id of its key (`node.key`, made now if missing), the
    /// 2026 holidays are loaded. Refused when the store already belongs
    /// to an office. (Not called `init`, which Swift reserves for initialisers.)
    pub fn init_office(&self, options: InitOptions) -> ApiResult<LocalInfo> {
        if self.inner.is_initialised()? {
            return Err(amer_core::Error::AlreadyInitialised(String::new()).into());
        }
        // The office records this node's id, derived from its key, so the store can sync.
        let node_id = self.identity()?.node_id().full_hex();
        Ok(self
            .inner
            .init(s::InitOptions {
                office_name: options.office_name,
                device_name: options.device_name,
                timezone: options.timezone.filter(|t| !t.trim().is_empty()),
                node_id: Some(node_id),
                public_key: None,
            })?
            .into())
    }

    /// Records that this PC joined an existing office (normally done by the sync node's join);
    /// the office's records arrive with the first sync.
    pub fn join(&self, options: JoinOptions) -> ApiResult<LocalInfo> {
        Ok(self
            .inner
            .join(s::JoinOptions {
                office_id: OfficeId::parse(&options.office_id)?,
                device_code: options.device_code,
                node_id: options.node_id,
                device_name: options.device_name,
            })?
            .into())
    }

    /// Whether `init_office` or `join` has run.
    pub fn is_initialised(&self) -> ApiResult<bool> {
        Ok(self.inner.is_initialised()?)
    }

    /// This node's identity in its office.
    pub fn local(&self) -> ApiResult<LocalInfo> {
        Ok(self.inner.local()?.into())
    }

    /// The office (NotFound on a PC that joined, until the first sync brings it).
    pub fn office(&self) -> ApiResult<Office> {
        Ok(self.inner.office()?.into())
    }

    /// Number of sessions, risks and staff members.
    pub fn counts(&self) -> ApiResult<Counts> {
        let (sessions, risks, staff) = self.inner.counts()?;
        Ok(Counts { sessions, risks, staff })
    }

    /// Whether another process (the `amer` command, another app) wrote to the database since
    /// this store last looked. Cheap enough to poll; listeners only hear this store's writes.
    pub fn changed_externally(&self) -> ApiResult<bool> {
        Ok(self.inner.changed_externally()?)
    }

    // -- staff ---------------------------------------------------------------------------

    /// Adds a staff member. The first one may be added by the PC itself (`by` none); after
    /// that an admin, pimpinan or kasubag must act.
    #[uniffi::method(default(by = None))]
    pub fn add_staff(&self, staff: NewStaff, by: Option<String>) -> ApiResult<Staff> {
        let new =
            s::NewStaff { nip: staff.nip, name: staff.name, title: staff.title, role: staff.role.into() };
        Ok(self.inner.add_staff(&actor(by)?, new)?.into())
    }

    /// Changes a staff member's name, title, role or active flag (admin, pimpinan, kasubag).
    #[uniffi::method(default(by = None))]
    pub fn update_staff(&self, nip: String, changes: StaffChanges, by: Option<String>) -> ApiResult<Staff> {
        let title = changes.title.as_deref().map(|t| Some(t).filter(|t| !t.trim().is_empty()));
        Ok(self
            .inner
            .update_staff(
                &actor(by)?,
                &nip,
                changes.name.as_deref(),
                title,
                changes.role.map(StaffRole::into),
                changes.active,
            )?
            .into())
    }

    /// One staff member by NIP.
    pub fn staff(&self, nip: String) -> ApiResult<Staff> {
        Ok(self.inner.staff(&nip)?.into())
    }

    /// All staff members, by name.
    pub fn list_staff(&self) -> ApiResult<Vec<StaffRow>> {
        Ok(self.inner.list_staff()?.into_iter().map(StaffRow::from).collect())
    }

    // -- the session flow ----------------------------------------------------------------

    /// Registers a visitor's session; returns its id and ticket number. The visitor is
    /// recognised by phone or NIK when they came before.
    #[uniffi::method(default(by = None))]
    pub fn register(&self, session: NewSession, by: Option<String>) -> ApiResult<Registered> {
        Ok(self.inner.register(&actor(by)?, session.to_core()?)?.into())
    }

    /// Assigns an officer to a session (by ticket or id). When `by` names a person it must be
    /// an admin, pimpinan or kasubag.
    #[uniffi::method(default(by = None))]
    pub fn assign(&self, session: String, officer_nip: String, by: Option<String>) -> ApiResult<Session> {
        Ok(self.inner.assign(&actor(by)?, &session, &officer_nip)?.into())
    }

    /// Starts the service (needs an assigned officer).
    #[uniffi::method(default(by = None))]
    pub fn start(&self, session: String, by: Option<String>) -> ApiResult<Session> {
        Ok(self.inner.start(&actor(by)?, &session)?.into())
    }

    /// Finishes the service with the officer's notes, recommendation and follow-up; notes and
    /// the finish are stored together or not at all.
    #[uniffi::method(default(notes = None, recommendation = None, follow_up = None, by = None))]
    pub fn finish(
        &self,
        session: String,
        notes: Option<String>,
        recommendation: Option<String>,
        follow_up: Option<FollowUp>,
        by: Option<String>,
    ) -> ApiResult<Session> {
        Ok(self
            .inner
            .finish(
                &actor(by)?,
                &session,
                notes.as_deref(),
                recommendation.as_deref(),
                follow_up.map(Into::into),
            )?
            .into())
    }

    /// Appends a paragraph to the officer's notes (merges with edits made on other PCs).
    #[uniffi::method(default(by = None))]
    pub fn append_notes(&self, session: String, text: String, by: Option<String>) -> ApiResult<Session> {
        Ok(self.inner.append_notes(&actor(by)?, &session, &text)?.into())
    }

    /// Replaces the notes; only the changed part is rewritten, so concurrent edits elsewhere in
    /// the text survive the merge.
    #[uniffi::method(default(by = None))]
    pub fn edit_notes(&self, session: String, text: String, by: Option<String>) -> ApiResult<Session> {
        Ok(self.inner.edit_notes(&actor(by)?, &session, &text)?.into())
    }

    /// Records the visitor's rating, 1 (sangat buruk) to 5 (sangat baik), after the service
    /// finished. Changing an existing rating needs an admin.
    #[uniffi::method(default(comment = None, signed = false, by = None))]
    pub fn rate(
        &self,
        session: String,
        score: u8,
        comment: Option<String>,
        signed: bool,
        by: Option<String>,
    ) -> ApiResult<Session> {
        Ok(self.inner.rate(&actor(by)?, &session, i64::from(score), comment.as_deref(), signed)?.into())
    }

    /// Cancels a session that has not finished (the visitor left).
    #[uniffi::method(default(by = None))]
    pub fn cancel(&self, session: String, reason: String, by: Option<String>) -> ApiResult<Session> {
        Ok(self.inner.cancel(&actor(by)?, &session, &reason)?.into())
    }

    /// The whole session, by ticket number or id.
    pub fn session(&self, session: String) -> ApiResult<Session> {
        Ok(self.inner.session(&session)?.into())
    }

    /// Sessions matching the filter, newest first.
    #[uniffi::method(default(filter))]
    pub fn list_sessions(&self, filter: SessionFilter) -> ApiResult<Vec<SessionRow>> {
        list_sessions(&self.inner, &filter)
    }

    /// [`list_sessions`](Self::list_sessions) on a background thread.
    #[uniffi::method(default(filter))]
    pub async fn list_sessions_async(&self, filter: SessionFilter) -> ApiResult<Vec<SessionRow>> {
        let store = self.inner.clone();
        off_thread(move || list_sessions(&store, &filter)).await
    }

    /// The audit trail of a record: a session (ticket or id), a risk (code or id) or a staff
    /// member (NIP).
    pub fn history(&self, key: String) -> ApiResult<Vec<HistoryEntry>> {
        Ok(self.inner.history(&key)?.into_iter().map(HistoryEntry::from).collect())
    }

    // -- visitors ------------------------------------------------------------------------

    /// Visitors whose phone or NIK matches (give at least one).
    #[uniffi::method(default(phone = None, nik = None))]
    pub fn find_visitors(
        &self,
        phone: Option<String>,
        nik: Option<String>,
    ) -> ApiResult<Vec<VisitorSummary>> {
        let phone = phone.filter(|p| !p.trim().is_empty());
        let nik = nik.filter(|n| !n.trim().is_empty());
        Ok(self
            .inner
            .find_visitors(phone.as_deref(), nik.as_deref())?
            .into_iter()
            .map(VisitorSummary::from)
            .collect())
    }

    /// Erases a visitor's personal data on every PC (admin only; `request` names the letter or
    /// request it was made under). Their sessions stay, showing "[dihapus]". Returns the number
    /// of sessions touched.
    #[uniffi::method(default(by = None))]
    pub fn erase_visitor(&self, visitor_id: String, request: String, by: Option<String>) -> ApiResult<u32> {
        let n = self.inner.erase_visitor(&actor(by)?, &self::visitor_id(&visitor_id)?, &request)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Everything held on one visitor, for their own copy (NIK in full).
    pub fn export_visitor(&self, visitor_id: String) -> ApiResult<VisitorExport> {
        Ok(self.inner.export_visitor(&self::visitor_id(&visitor_id)?)?.into())
    }

    // -- risks ---------------------------------------------------------------------------

    /// Adds a risk to the register; returns it with its code ("R26-A-001").
    #[uniffi::method(default(by = None))]
    pub fn add_risk(&self, risk: NewRisk, by: Option<String>) -> ApiResult<Risk> {
        let r = self.inner.add_risk(&actor(by)?, risk.to_core())?;
        Ok(Risk::from_core(r, &self.risk_matrix()))
    }

    /// Records an inherent (or, with `residual`, residual) assessment, likelihood and impact
    /// 1–5.
    #[uniffi::method(default(residual = false, by = None))]
    pub fn assess_risk(
        &self,
        risk: String,
        likelihood: u8,
        impact: u8,
        residual: bool,
        by: Option<String>,
    ) -> ApiResult<Risk> {
        let r =
            self.inner.assess_risk(&actor(by)?, &risk, i64::from(likelihood), i64::from(impact), residual)?;
        Ok(Risk::from_core(r, &self.risk_matrix()))
    }

    /// Chooses the response (hindari, kurangi, alihkan, terima).
    #[uniffi::method(default(by = None))]
    pub fn respond_risk(&self, risk: String, response: RiskResponse, by: Option<String>) -> ApiResult<Risk> {
        let r = self.inner.respond_risk(&actor(by)?, &risk, &response.code())?;
        Ok(Risk::from_core(r, &self.risk_matrix()))
    }

    /// Adds a treatment item (the new item is the last of `treatments`); `due` is `YYYY-MM-DD`.
    #[uniffi::method(default(due = None, by = None))]
    pub fn treat_risk(
        &self,
        risk: String,
        action: String,
        owner: String,
        due: Option<String>,
        by: Option<String>,
    ) -> ApiResult<Risk> {
        let due = parse_opt_date("due date", due.as_deref())?;
        let r = self.inner.treat_risk(&actor(by)?, &risk, &action, &owner, due)?;
        Ok(Risk::from_core(r, &self.risk_matrix()))
    }

    /// Marks a treatment item done.
    #[uniffi::method(default(by = None))]
    pub fn treatment_done(&self, risk: String, item: String, by: Option<String>) -> ApiResult<Risk> {
        let r = self.inner.treatment_done(&actor(by)?, &risk, &item)?;
        Ok(Risk::from_core(r, &self.risk_matrix()))
    }

    /// Adds a monitoring entry.
    #[uniffi::method(default(by = None))]
    pub fn monitor_risk(&self, risk: String, note: String, by: Option<String>) -> ApiResult<Risk> {
        let r = self.inner.monitor_risk(&actor(by)?, &risk, &note)?;
        Ok(Risk::from_core(r, &self.risk_matrix()))
    }

    /// Links a session (ticket or id) that revealed the risk.
    #[uniffi::method(default(by = None))]
    pub fn link_risk(&self, risk: String, session: String, by: Option<String>) -> ApiResult<Risk> {
        let r = self.inner.link_risk(&actor(by)?, &risk, &session)?;
        Ok(Risk::from_core(r, &self.risk_matrix()))
    }

    /// Closes a risk (monitoring entries may still be added).
    #[uniffi::method(default(by = None))]
    pub fn close_risk(&self, risk: String, by: Option<String>) -> ApiResult<Risk> {
        let r = self.inner.close_risk(&actor(by)?, &risk)?;
        Ok(Risk::from_core(r, &self.risk_matrix()))
    }

    /// One risk, by code or id.
    pub fn risk(&self, risk: String) -> ApiResult<Risk> {
        let r = self.inner.risk(&risk)?;
        Ok(Risk::from_core(r, &self.risk_matrix()))
    }

    /// The register, by code, scored with the office's matrix.
    pub fn list_risks(&self) -> ApiResult<Vec<RiskRow>> {
        list_risks(&self.inner)
    }

    /// [`list_risks`](Self::list_risks) on a background thread.
    pub async fn list_risks_async(&self) -> ApiResult<Vec<RiskRow>> {
        let store = self.inner.clone();
        off_thread(move || list_risks(&store)).await
    }

    // -- holidays ------------------------------------------------------------------------

    /// The non-working days besides weekends, by date.
    pub fn holidays(&self) -> ApiResult<Vec<Holiday>> {
        Ok(self.inner.holidays()?.iter().map(Holiday::from).collect())
    }

    /// Adds (or renames) a holiday (admin, pimpinan, kasubag).
    #[uniffi::method(default(by = None))]
    pub fn add_holiday(&self, holiday: Holiday, by: Option<String>) -> ApiResult<()> {
        let h = CoreHoliday {
            date: parse_date("holiday date", &holiday.date)?,
            kind: holiday.kind.to_core(),
            name: amer_core::model::required_text("holiday name", &holiday.name, 200)?,
        };
        Ok(self.inner.add_holiday(&actor(by)?, h)?)
    }

    /// Removes a holiday (`YYYY-MM-DD`).
    #[uniffi::method(default(by = None))]
    pub fn remove_holiday(&self, date: String, by: Option<String>) -> ApiResult<()> {
        Ok(self.inner.remove_holiday(&actor(by)?, parse_date("holiday date", &date)?)?)
    }

    /// Imports holidays from CSV text (`date,kind,name` with a header line); all lines or none.
    /// Returns the number imported.
    #[uniffi::method(default(by = None))]
    pub fn import_holidays(&self, csv: String, by: Option<String>) -> ApiResult<u32> {
        let n = self.inner.import_holidays(&actor(by)?, &csv)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    // -- reports and exports -------------------------------------------------------------

    /// A report as JSON text (codes and Indonesian labels side by side).
    pub fn report_json(&self, query: ReportQuery) -> ApiResult<String> {
        reports::report_json(&self.inner, &query)
    }

    /// [`report_json`](Self::report_json) on a background thread.
    pub async fn report_json_async(&self, query: ReportQuery) -> ApiResult<String> {
        let store = self.inner.clone();
        off_thread(move || reports::report_json(&store, &query)).await
    }

    /// Writes a report to a file (written beside it and renamed into place).
    pub fn export_report(
        &self,
        query: ReportQuery,
        format: ExportFormat,
        path: String,
    ) -> ApiResult<Exported> {
        reports::export_report(&self.inner, &query, format, &path)
    }

    /// [`export_report`](Self::export_report) on a background thread.
    pub async fn export_report_async(
        &self,
        query: ReportQuery,
        format: ExportFormat,
        path: String,
    ) -> ApiResult<Exported> {
        let store = self.inner.clone();
        off_thread(move || reports::export_report(&store, &query, format, &path)).await
    }

    /// Writes the sessions matching `filter` to a file.
    pub fn export_sessions(
        &self,
        filter: SessionFilter,
        format: ExportFormat,
        path: String,
    ) -> ApiResult<Exported> {
        reports::export_sessions(&self.inner, &filter, format, &path)
    }

    /// [`export_sessions`](Self::export_sessions) on a background thread.
    pub async fn export_sessions_async(
        &self,
        filter: SessionFilter,
        format: ExportFormat,
        path: String,
    ) -> ApiResult<Exported> {
        let store = self.inner.clone();
        off_thread(move || reports::export_sessions(&store, &filter, format, &path)).await
    }

    /// Writes the risk register to a file.
    pub fn export_risks(&self, format: ExportFormat, path: String) -> ApiResult<Exported> {
        reports::export_risks(&self.inner, format, &path)
    }

    /// [`export_risks`](Self::export_risks) on a background thread.
    pub async fn export_risks_async(&self, format: ExportFormat, path: String) -> ApiResult<Exported> {
        let store = self.inner.clone();
        off_thread(move || reports::export_risks(&store, format, &path)).await
    }

    // -- backups -------------------------------------------------------------------------

    /// A consistent copy of the database to `dest` while the store stays in use. The copy's
    /// visitor data can be read only with this folder's `secret.key`.
    pub fn backup_to(&self, dest: String) -> ApiResult<()> {
        Ok(self.inner.backup_to(&dest)?)
    }

    /// [`backup_to`](Self::backup_to) on a background thread.
    pub async fn backup_to_async(&self, dest: String) -> ApiResult<()> {
        let store = self.inner.clone();
        off_thread(move || Ok(store.backup_to(&dest)?)).await
    }

    // -- listening -----------------------------------------------------------------------

    /// Calls `listener` after every committed change of this store (local writes, and changes
    /// from other PCs once the sync node runs). Keep the returned handle: dropping it, or
    /// calling `cancel()`, stops the listener.
    pub fn subscribe(&self, listener: Arc<dyn ChangeListener>) -> Arc<Subscription> {
        Subscription::on_store(&self.inner, listener)
    }
}

fn list_sessions(store: &Store, filter: &SessionFilter) -> ApiResult<Vec<SessionRow>> {
    Ok(store.list_sessions(&filter.to_core()?)?.into_iter().map(SessionRow::from).collect())
}

fn list_risks(store: &Store) -> ApiResult<Vec<RiskRow>> {
    Ok(store.list_risks()?.into_iter().map(RiskRow::from).collect())
}
