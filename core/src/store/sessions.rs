//! Service sessions: registration, the lifecycle steps with their rules, reading, listing,
//! searching and the audit trail.

use chrono::{NaiveDate, TimeZone};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};

use super::CachedExt;
use super::{docs, get_meta_str, Actor, Origin, Store, WriteCtx};
use crate::doc::session::{SessionInit, SessionOp};
use crate::doc::{self, HistoryEntry};
use crate::ids::{DocKind, SessionId, VisitorId};
use crate::model::*;
use crate::{Error, Result};

/// The visitor's details as typed at registration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VisitorInput {
    /// Full name (required).
    pub name: String,
    /// Organisation.
    #[serde(default)]
    pub org: Option<String>,
    /// Role code.
    #[serde(default)]
    pub role: Option<String>,
    /// Phone (08…, +628…).
    #[serde(default)]
    pub phone: Option<String>,
    /// NIK (16 digits), only where needed.
    #[serde(default)]
    pub nik: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Option<String>,
}

/// A registration.
#[derive(Debug, Clone, Default)]
pub struct NewSession {
    /// Category code.
    pub category: String,
    /// Channel code (default tatap_muka).
    pub channel: Option<String>,
    /// The visitor.
    pub visitor: VisitorInput,
    /// Subject (required).
    pub subject: String,
    /// Description.
    pub description: Option<String>,
    /// Package, if any.
    pub package: Option<Package>,
    /// Stage code.
    pub stage: Option<String>,
    /// Objection detail (sanggahan).
    pub objection: Option<Objection>,
    /// Arrival time, when entered later from paper (ms); default now.
    pub arrived_at: Option<Millis>,
}

/// Changes to a session's descriptive fields; `None` leaves a field as it is, `Some(None)`
/// clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct SessionEdit {
    /// New subject.
    pub subject: Option<String>,
    /// New description.
    pub description: Option<Option<String>>,
    /// New stage code.
    pub stage: Option<Option<String>>,
    /// New package.
    pub package: Option<Package>,
    /// New objection detail.
    pub objection: Option<Objection>,
}

/// Filters for listing sessions.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Status.
    pub status: Option<SessionStatus>,
    /// Category.
    pub category: Option<Category>,
    /// Officer NIP.
    pub officer: Option<String>,
    /// Arrival on or after this date (office time zone).
    pub from: Option<NaiveDate>,
    /// Arrival on or before this date.
    pub to: Option<NaiveDate>,
    /// Only this visitor.
    pub visitor: Option<VisitorId>,
    /// Full-text query over subject, description and notes.
    pub text: Option<String>,
    /// Include sessions flagged invalid.
    pub include_invalid: bool,
    /// At most this many rows (default: all).
    pub limit: Option<usize>,
}

/// A session as listed (from the projection; no document is loaded).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRow {
    /// Id.
    pub id: SessionId,
    /// Ticket.
    pub ticket: String,
    /// Category.
    pub category: Category,
    /// Status.
    pub status: SessionStatus,
    /// Visitor's name as this PC can show it.
    pub visitor_name: String,
    /// Visitor id.
    pub visitor_id: VisitorId,
    /// Organisation.
    pub visitor_org: Option<String>,
    /// Subject.
    pub subject: String,
    /// Officer NIP.
    pub officer_nip: Option<String>,
    /// Arrival (ms).
    pub arrived_at: Millis,
    /// Start (ms).
    pub started_at: Option<Millis>,
    /// Finish (ms).
    pub finished_at: Option<Millis>,
    /// Waiting seconds.
    pub waiting_seconds: Option<i64>,
    /// Duration seconds.
    pub duration_seconds: Option<i64>,
    /// Timing flag.
    pub timing_flag: Option<String>,
    /// Rating.
    pub score: Option<i64>,
    /// Fields with concurrent values.
    pub conflicts: i64,
    /// Why the merged document is invalid.
    pub invalid_reason: Option<String>,
    /// Why a person should look at it.
    pub review_reason: Option<String>,
}

/// Registration result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registered {
    /// Id.
    pub id: SessionId,
    /// Ticket number.
    pub ticket: String,
    /// Visitor id (recognised or new).
    pub visitor_id: VisitorId,
}

struct ValidVisitor {
    personal: PersonalFields,
    phone: Option<Phone>,
    nik: Option<Nik>,
    org: Option<String>,
    role: Option<VisitorRole>,
}

fn validate_visitor(v: &VisitorInput) -> Result<ValidVisitor> {
    let name = required_text("visitor name", &v.name, 120)?;
    let phone = v.phone.as_deref().filter(|p| !p.trim().is_empty()).map(Phone::parse).transpose()?;
    let nik = v.nik.as_deref().filter(|p| !p.trim().is_empty()).map(Nik::parse).transpose()?;
    let email = optional_text("e-mail", v.email.as_deref().unwrap_or(""), 120)?;
    if let Some(e) = &email {
        let ok = e.split_once('@').is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !e.contains(' '));
        if !ok {
            return Err(Error::invalid("e-mail", "is not an e-mail address like nama@contoh.go.id"));
        }
    }
    let address = optional_text("address", v.address.as_deref().unwrap_or(""), 300)?;
    let org = optional_text("organisation", v.org.as_deref().unwrap_or(""), 200)?;
    let role = v.role.as_deref().filter(|r| !r.trim().is_empty()).map(VisitorRole::parse).transpose()?;
    Ok(ValidVisitor {
        personal: PersonalFields {
            name,
            phone: phone.as_ref().map(|p| p.expose().to_string()),
            nik: nik.as_ref().map(|n| n.expose().to_string()),
            email,
            address,
        },
        phone,
        nik,
        org,
        role,
    })
}

fn validate_package(p: &Package) -> Result<Package> {
    let t = |f, v: &Option<String>, max| optional_text(f, v.as_deref().unwrap_or(""), max);
    if let Some(y) = p.year {
        if !(2000..=2100).contains(&y) {
            return Err(Error::invalid("package year", "must be a year between 2000 and 2100"));
        }
    }
    if p.value.is_some_and(|v| v < 0) {
        return Err(Error::invalid("package value", "must not be negative"));
    }
    Ok(Package {
        code: t("package code", &p.code, 60)?,
        name: t("package name", &p.name, 300)?,
        opd: t("OPD", &p.opd, 200)?,
        ..p.clone()
    })
}

/// The part of a ticket number before the counter: `K-261127-A`.
fn ticket_prefix(category: Category, day: NaiveDate, device: &str) -> String {
    format!("{}-{}-{}", category.ticket_letter(), day.format("%y%m%d"), device)
}

fn next_ticket(ctx: &mut WriteCtx<'_, '_>, category: Category, at: Millis) -> Result<String> {
    let device = get_meta_str(ctx.tx, "device_code")?.ok_or(Error::NotInitialised)?;
    let tz = ctx.timezone()?;
    let day = tz.timestamp_millis_opt(at).single().map(|t| t.date_naive()).unwrap_or_default();
    let counter = format!("ticket:{device}:{}", day.format("%Y%m%d"));
    let stored: Option<i64> =
        ctx.tx.row("SELECT value FROM counters WHERE name = ?1", [&counter], |r| r.get(0)).optional()?;
    let n = match stored {
        Some(n) => n + 1,
        // First ticket of the day here (or a restored database): continue after any ticket of
        // this device and day that sync already brought back.
        None => {
            let mut st = ctx.tx.prepare("SELECT ticket FROM sessions WHERE device = ?1 AND day = ?2")?;
            let max = st
                .query_map(params![device, day.format("%Y-%m-%d").to_string()], |r| r.get::<_, String>(0))?
                .filter_map(|t| t.ok()?.rsplit('-').next()?.parse::<i64>().ok())
                .max()
                .unwrap_or(0);
            max + 1
        }
    };
    ctx.tx.exec(
        "INSERT INTO counters(name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        params![counter, n],
    )?;
    // Category letters share one counter per device and day, so the number alone is unique.
    Ok(format!("{}-{n:03}", ticket_prefix(category, day, &device)))
}

pub(crate) fn resolve_session(tx: &Transaction<'_>, key: &str) -> Result<SessionId> {
    let key = key.trim();
    if let Ok(id) = SessionId::parse(key) {
        return Ok(id);
    }
    let id: Option<String> = tx
        .query_row(
            "SELECT id FROM sessions WHERE ticket = ?1 COLLATE NOCASE ORDER BY arrived_at LIMIT 1",
            [key],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => SessionId::parse(&id),
        None => Err(Error::NotFound {
            what: "session",
            key: key.to_string(),
            hint: "; give a ticket number like K-261127-A-001 or a session id",
        }),
    }
}

impl Store {
    /// Registers a visitor's session and returns its id and ticket number.
    pub fn register(&self, actor: &Actor, s: NewSession) -> Result<Registered> {
        let category = Category::parse(&s.category)?;
        let channel = s.channel.as_deref().map(Channel::parse).transpose()?.unwrap_or(Channel::TatapMuka);
        let visitor = validate_visitor(&s.visitor)?;
        let subject = required_text("subject", &s.subject, 200)?;
        let description = optional_text("description", s.description.as_deref().unwrap_or(""), 4000)?;
        let package = s.package.as_ref().map(validate_package).transpose()?.filter(|p| !p.is_empty());
        let stage = s.stage.as_deref().filter(|x| !x.trim().is_empty()).map(Stage::parse).transpose()?;
        if s.objection.is_some() && category != Category::Sanggahan {
            return Err(Error::invalid("objection", "objection details belong to a sanggahan session"));
        }
        let now = now_millis();
        if let Some(a) = s.arrived_at {
            if a > now + 5 * 60_000 {
                return Err(Error::invalid("arrival time", "is in the future"));
            }
        }
        self.write(|ctx| {
            ctx.require_role(actor, "register a session", &[], true)?;
            let mut stamp = ctx.stamp(actor)?;
            if let Some(a) = s.arrived_at {
                stamp.at = a;
            }
            let (visitor_id, key) = self.visitor_for(ctx, visitor.phone.as_ref(), visitor.nik.as_ref())?;
            let plain = serde_json::to_vec(&visitor.personal)
                .map_err(|_| Error::Crypto("cannot encode personal data"))?;
            let sealed = key.seal(visitor_id.to_text().as_bytes(), &plain)?;
            let ticket = next_ticket(ctx, category, stamp.at)?;
            let id = SessionId::random();
            let init = SessionInit {
                ticket: ticket.clone(),
                category,
                channel,
                visitor: visitor_id,
                org: visitor.org.clone(),
                role: visitor.role,
                sealed,
                package: package.clone(),
                stage,
                subject: subject.clone(),
                description: description.clone(),
                objection: s.objection.clone(),
                notes: String::new(),
            };
            let mut l = docs::new_for_write(ctx, id.doc(), DocKind::Session);
            doc::session::create(&mut l.doc, &init, &stamp)?;
            docs::commit(ctx, &mut l, Origin::Local)?;
            Ok(Registered { id, ticket, visitor_id })
        })
    }

    /// Applies a lifecycle step after checking it against the session's current facts.
    fn session_step(&self, actor: &Actor, key: &str, op: SessionOp) -> Result<Session> {
        self.write(|ctx| {
            let id = resolve_session(ctx.tx, key)?;
            let mut l = docs::load_for_write(ctx, id.doc()).map_err(|e| match e {
                Error::NotFound { .. } => Error::not_found("session", key),
                e => e,
            })?;
            let (current, _) = doc::session::read(&l.doc)?;
            check_step(ctx, actor, &current, &op)?;
            let stamp = ctx.stamp(actor)?;
            doc::session::apply(&mut l.doc, &op, &stamp)?;
            docs::commit(ctx, &mut l, Origin::Local)?;
            let (mut s, sealed) = doc::session::read(&l.doc)?;
            s.visitor.personal = self.open_personal(ctx.tx, &s.visitor.id, sealed.as_deref())?;
            Ok(s)
        })
    }

    /// Assigns an officer (by a supervisor when `actor` names one).
    pub fn assign(&self, actor: &Actor, key: &str, officer_nip: &str) -> Result<Session> {
        let officer = Nip::parse(officer_nip)?;
        self.session_step(actor, key, SessionOp::Assign { officer: officer.to_string() })
    }

    /// Starts the service.
    pub fn start(&self, actor: &Actor, key: &str) -> Result<Session> {
        self.session_step(actor, key, SessionOp::Start)
    }

    /// Finishes the service with notes, recommendation and follow-up.
    pub fn finish(
        &self,
        actor: &Actor,
        key: &str,
        notes: Option<&str>,
        recommendation: Option<&str>,
        follow_up: Option<FollowUp>,
    ) -> Result<Session> {
        let notes = optional_text("notes", notes.unwrap_or(""), 50_000)?;
        let recommendation = optional_text("recommendation", recommendation.unwrap_or(""), 4000)?;
        let follow_up = match follow_up {
            Some(f) => Some(FollowUp {
                target: f.target,
                tracking: optional_text("tracking number", f.tracking.as_deref().unwrap_or(""), 100)?,
                note: optional_text("follow-up", f.note.as_deref().unwrap_or(""), 2000)?,
            }),
            None => None,
        }
        .filter(|f| f.target.is_some() || f.tracking.is_some() || f.note.is_some());
        // Notes and the finish fact commit together: both or neither.
        self.write(|ctx| {
            let id = resolve_session(ctx.tx, key)?;
            let mut l = docs::load_for_write(ctx, id.doc())?;
            let (current, _) = doc::session::read(&l.doc)?;
            let op =
                SessionOp::Finish { recommendation: recommendation.clone(), follow_up: follow_up.clone() };
            check_step(ctx, actor, &current, &op)?;
            let stamp = ctx.stamp(actor)?;
            if let Some(n) = &notes {
                doc::session::apply(&mut l.doc, &SessionOp::AppendNotes { text: n.clone() }, &stamp)?;
            }
            doc::session::apply(&mut l.doc, &op, &stamp)?;
            docs::commit(ctx, &mut l, Origin::Local)?;
            let (mut s, sealed) = doc::session::read(&l.doc)?;
            s.visitor.personal = self.open_personal(ctx.tx, &s.visitor.id, sealed.as_deref())?;
            Ok(s)
        })
    }

    /// Appends a paragraph to the officer's notes (merges with edits on other PCs).
    pub fn append_notes(&self, actor: &Actor, key: &str, text: &str) -> Result<Session> {
        let text = required_text("notes", text, 50_000)?;
        self.session_step(actor, key, SessionOp::AppendNotes { text })
    }

    /// Replaces the notes; only the changed part is rewritten, so concurrent edits elsewhere in
    /// the text survive the merge.
    pub fn edit_notes(&self, actor: &Actor, key: &str, text: &str) -> Result<Session> {
        let text = optional_text("notes", text, 50_000)?.unwrap_or_default();
        self.session_step(actor, key, SessionOp::ReplaceNotes { text })
    }

    /// Records the visitor's rating.
    pub fn rate(
        &self,
        actor: &Actor,
        key: &str,
        score: i64,
        comment: Option<&str>,
        signed: bool,
    ) -> Result<Session> {
        let score = Score::from_value(score)?;
        let comment = optional_text("comment", comment.unwrap_or(""), 2000)?;
        self.session_step(actor, key, SessionOp::Rate { score, comment, signed })
    }

    /// Cancels a session that has not finished (the visitor left).
    pub fn cancel(&self, actor: &Actor, key: &str, reason: &str) -> Result<Session> {
        let reason = required_text("reason", reason, 500)?;
        self.session_step(actor, key, SessionOp::Cancel { reason })
    }

    /// Edits descriptive fields.
    pub fn edit_session(&self, actor: &Actor, key: &str, edit: SessionEdit) -> Result<Session> {
        let subject = edit.subject.as_deref().map(|s| required_text("subject", s, 200)).transpose()?;
        let description = edit
            .description
            .map(|d| optional_text("description", d.as_deref().unwrap_or(""), 4000))
            .transpose()?;
        let stage = edit
            .stage
            .map(|s| s.filter(|x| !x.trim().is_empty()).map(|x| Stage::parse(&x)).transpose())
            .transpose()?;
        let package = edit.package.as_ref().map(validate_package).transpose()?;
        let objection = edit.objection;
        self.session_step(actor, key, SessionOp::Edit { subject, description, stage, package, objection })
    }

    /// The whole session, visitor's personal fields resolved as this PC can.
    pub fn session(&self, key: &str) -> Result<Session> {
        self.read(|tx| {
            let id = resolve_session(tx, key)?;
            let d = docs::load_doc(tx, &id.to_text(), &self.actor).map_err(|e| match e {
                Error::NotFound { .. } => Error::not_found("session", key),
                e => e,
            })?;
            if d.kind != DocKind::Session {
                return Err(Error::not_found("session", key));
            }
            let (mut s, sealed) = doc::session::read(&d)?;
            s.visitor.personal = self.open_personal(tx, &s.visitor.id, sealed.as_deref())?;
            Ok(s)
        })
    }

    /// The flags of a session's projection: (invalid reason, review reason).
    pub fn session_flags(&self, id: &SessionId) -> Result<(Option<String>, Option<String>)> {
        self.read(|tx| {
            Ok(tx
                .query_row(
                    "SELECT invalid_reason, review_reason FROM sessions WHERE id = ?1",
                    [id.to_text()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .unwrap_or((None, None)))
        })
    }

    /// The audit trail of any record (session ticket or id, risk code or id, staff NIP).
    pub fn history(&self, key: &str) -> Result<Vec<HistoryEntry>> {
        self.read(|tx| {
            let id = self.resolve_any(tx, key)?;
            let mut d = docs::load_doc(tx, &id, &self.actor)?;
            Ok(d.history())
        })
    }

    /// Which document a key names: a document id, a staff NIP, a risk code or a session ticket.
    pub fn resolve(&self, key: &str) -> Result<(crate::ids::DocId, DocKind)> {
        self.read(|tx| {
            let id = self.resolve_any(tx, key)?;
            let kind: Option<String> =
                tx.query_row("SELECT kind FROM docs WHERE id = ?1", [&id], |r| r.get(0)).optional()?;
            let kind = kind.as_deref().and_then(DocKind::from_code).ok_or(Error::NotFound {
                what: "record",
                key: key.to_string(),
                hint: "",
            })?;
            Ok((crate::ids::DocId::parse(&id)?, kind))
        })
    }

    pub(crate) fn resolve_any(&self, tx: &Transaction<'_>, key: &str) -> Result<String> {
        if let Ok(id) = crate::ids::DocId::parse(key) {
            return Ok(id.to_text());
        }
        if let Ok(nip) = Nip::parse(key) {
            return Ok(crate::ids::StaffDocId::for_nip(&nip).to_text());
        }
        if let Some(id) = tx
            .query_row("SELECT id FROM risks WHERE code = ?1 COLLATE NOCASE", [key.trim()], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
        {
            return Ok(id);
        }
        resolve_session(tx, key).map(|s| s.to_text())
    }

    /// Sessions matching a filter, newest first (SQL over the projection).
    pub fn list_sessions(&self, f: &SessionFilter) -> Result<Vec<SessionRow>> {
        let tz = self.timezone()?;
        let mut sql = String::from(
            "SELECT s.id, s.ticket, s.category, s.status, s.visitor_id, s.visitor_org, s.subject, s.officer_nip, s.arrived_at,
               s.started_at, s.finished_at, s.waiting_s, s.duration_s, s.timing_flag, s.score, s.conflicts, s.invalid_reason,
               s.review_reason, s.visitor_sealed
             FROM sessions s WHERE 1 = 1",
        );
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut arg = |sql: &mut String, clause: &str, v: rusqlite::types::Value| {
            args.push(v);
            sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
        };
        if let Some(s) = f.status {
            arg(&mut sql, " AND s.status = ?", s.code().to_string().into());
        }
        if let Some(c) = f.category {
            arg(&mut sql, " AND s.category = ?", c.code().to_string().into());
        }
        if let Some(o) = &f.officer {
            arg(&mut sql, " AND s.officer_nip = ?", Nip::parse(o)?.to_string().into());
        }
        if let Some(d) = f.from {
            arg(&mut sql, " AND s.arrived_at >= ?", day_start(tz, d).into());
        }
        if let Some(d) = f.to {
            arg(&mut sql, " AND s.arrived_at < ?", day_start(tz, d + chrono::Duration::days(1)).into());
        }
        if let Some(v) = f.visitor {
            arg(&mut sql, " AND s.visitor_id = ?", v.to_text().into());
        }
        if let Some(q) = f.text.as_deref().map(fts_query).filter(|q| !q.is_empty()) {
            arg(
                &mut sql,
                " AND s.rowid IN (SELECT rowid FROM session_fts WHERE session_fts MATCH ?)",
                q.into(),
            );
        }
        if !f.include_invalid {
            sql.push_str(" AND s.invalid_reason IS NULL");
        }
        sql.push_str(" ORDER BY s.arrived_at DESC, s.ticket DESC");
        if let Some(n) = f.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        self.read(|tx| {
            let mut st = tx.prepare(&sql)?;
            let rows = st
                .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, String>(6)?,
                        r.get::<_, Option<String>>(7)?,
                        r.get::<_, i64>(8)?,
                        (
                            r.get::<_, Option<i64>>(9)?,
                            r.get::<_, Option<i64>>(10)?,
                            r.get::<_, Option<i64>>(11)?,
                            r.get::<_, Option<i64>>(12)?,
                        ),
                        (
                            r.get::<_, Option<String>>(13)?,
                            r.get::<_, Option<i64>>(14)?,
                            r.get::<_, i64>(15)?,
                            r.get::<_, Option<String>>(16)?,
                            r.get::<_, Option<String>>(17)?,
                        ),
                        r.get::<_, Option<Vec<u8>>>(18)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut out = Vec::with_capacity(rows.len());
            for (id, ticket, cat, status, vid, org, subject, officer, arrived, times, flags, sealed) in rows {
                let visitor_id = VisitorId::parse(&vid)?;
                let view = VisitorView {
                    id: visitor_id,
                    org: org.clone(),
                    role: None,
                    personal: self.open_personal(tx, &visitor_id, sealed.as_deref())?,
                };
                out.push(SessionRow {
                    id: SessionId::parse(&id)?,
                    ticket,
                    category: Category::parse(&cat)?,
                    status: SessionStatus::parse(&status)?,
                    visitor_name: view.name(),
                    visitor_id,
                    visitor_org: org,
                    subject,
                    officer_nip: officer,
                    arrived_at: arrived,
                    started_at: times.0,
                    finished_at: times.1,
                    waiting_seconds: times.2,
                    duration_seconds: times.3,
                    timing_flag: flags.0,
                    score: flags.1,
                    conflicts: flags.2,
                    invalid_reason: flags.3,
                    review_reason: flags.4,
                });
            }
            Ok(out)
        })
    }

    /// Counts of records: (sessions, risks, staff).
    pub fn counts(&self) -> Result<(i64, i64, i64)> {
        self.read(|tx| {
            let c = |sql: &str| tx.query_row(sql, [], |r| r.get::<_, i64>(0));
            Ok((
                c("SELECT COUNT(*) FROM sessions")?,
                c("SELECT COUNT(*) FROM risks")?,
                c("SELECT COUNT(*) FROM staff")?,
            ))
        })
    }
}

/// The first millisecond of a date in the office's time zone.
pub fn day_start(tz: chrono_tz::Tz, d: NaiveDate) -> i64 {
    tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.timestamp_millis())
        .unwrap_or(0)
}

/// Turns user words into a safe FTS5 query: each word quoted, all required; a trailing `*` on
/// a word keeps prefix search.
pub(crate) fn fts_query(q: &str) -> String {
    // Split where the index's tokenizer splits (anything not a letter or digit), so that
    // "e-purchasing" finds what the index holds as "e" "purchasing".
    q.split_whitespace()
        .flat_map(|w| {
            let prefix = w.ends_with('*');
            let parts: Vec<&str> =
                w.split(|c: char| !c.is_alphanumeric()).filter(|p| !p.is_empty()).collect();
            let last = parts.len().saturating_sub(1);
            parts
                .into_iter()
                .enumerate()
                .map(move |(i, p)| if prefix && i == last { format!("\"{p}\"*") } else { format!("\"{p}\"") })
                .collect::<Vec<_>>()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The lifecycle rules.
fn check_step(ctx: &WriteCtx<'_, '_>, actor: &Actor, s: &Session, op: &SessionOp) -> Result<()> {
    let status = s.status();
    let step: &'static str = match op {
        SessionOp::Assign { .. } => "assign",
        SessionOp::Start => "start",
        SessionOp::Finish { .. } => "finish",
        SessionOp::Rate { .. } => "rate",
        SessionOp::Cancel { .. } => "cancel",
        SessionOp::AppendNotes { .. } | SessionOp::ReplaceNotes { .. } => "edit the notes",
        SessionOp::Edit { .. } => "edit",
        SessionOp::EraseVisitor { .. } => "erase",
    };
    if status == SessionStatus::Cancelled && !matches!(op, SessionOp::AppendNotes { .. }) {
        return Err(Error::illegal(step, format!("session {} was cancelled", s.ticket)));
    }
    // A rated session is the shared record: changing it needs an admin and leaves an audit entry.
    if status == SessionStatus::Rated {
        ctx.require_role(actor, "change a rated session", &[StaffRole::Admin], false).map_err(|_| {
            Error::Forbidden {
                action: "change a rated session",
                reason: format!(
                    "session {} is already rated; an admin must make the change (--by ADMIN_NIP)",
                    s.ticket
                ),
            }
        })?;
    } else {
        ctx.require_role(actor, step, &[], true)?;
    }
    match op {
        SessionOp::Assign { officer } => {
            if actor.nip.is_some() {
                ctx.require_role(
                    actor,
                    "assign an officer",
                    &[StaffRole::Admin, StaffRole::Pimpinan, StaffRole::Kasubag],
                    false,
                )?;
            }
            if matches!(status, SessionStatus::Finished | SessionStatus::Rated) {
                return Err(Error::illegal(step, format!("session {} is already finished", s.ticket)));
            }
            let row: Option<(String, bool)> = ctx
                .tx
                .row("SELECT role, active FROM staff WHERE nip = ?1", [officer], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            match row {
                None => {
                    return Err(Error::NotFound {
                        what: "officer",
                        key: officer.clone(),
                        hint: "; add them with `amer staff add`",
                    })
                }
                Some((_, false)) => {
                    return Err(Error::illegal(step, format!("officer {officer} is inactive")))
                }
                Some((role, true)) if !StaffRole::from_code(&role).is_some_and(|r| r.can_serve()) => {
                    return Err(Error::illegal(
                        step,
                        format!("staff member {officer} has the role {role}, which cannot serve visitors"),
                    ))
                }
                _ => {}
            }
        }
        SessionOp::Start => {
            if s.assignment.is_none() {
                return Err(Error::illegal(
                    step,
                    format!("no officer is assigned to session {} yet", s.ticket),
                ));
            }
            if s.started.is_some() {
                return Err(Error::illegal(step, format!("session {} has already started", s.ticket)));
            }
        }
        SessionOp::Finish { .. } => {
            if s.started.is_none() {
                return Err(Error::illegal(step, format!("session {} has not started", s.ticket)));
            }
            if s.finish.is_some() {
                return Err(Error::illegal(step, format!("session {} is already finished", s.ticket)));
            }
        }
        SessionOp::Rate { .. } if s.finish.is_none() => {
            return Err(Error::illegal(
                step,
                format!("session {} is not finished yet; rate after the service", s.ticket),
            ));
        }
        SessionOp::Cancel { .. } if s.finish.is_some() => {
            return Err(Error::illegal(step, format!("session {} is already finished", s.ticket)));
        }
        _ => {}
    }
    Ok(())
}
