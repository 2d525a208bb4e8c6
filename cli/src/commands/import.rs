//! `amer import FILE`: past sessions from a JSON-lines file (the paper log typed in, another
//! office's export), all of them or none.
//!
//! Two passes. First every line is read and checked like live input (codes, NIK, phone, NIPs
//! of active staff who may serve or assign, times in order and not in the future); any bad line
//! stops the import before anything is written, and every bad line is named by its number.
//!
//! Then the lines are stored. The library writes one session per transaction, so a process
//! killed half-way would leave part of the file in the database. To stay all-or-nothing even
//! then, the import writes into a copy: an online backup of the database into a scratch file in
//! the home folder, every line stored there, and only when all are in is the copy renamed over
//! `amer.db` in one atomic step. A crash before the rename leaves the old database untouched
//! (the scratch file is removed by the next import); after it, the new one is complete. The
//! copy has a fresh feed epoch, so the other PCs re-offer their documents at the next sync:
//! a cost in traffic, not in data.
//!
//! Registration goes through the library (tickets, visitor keys, sealing). The later facts of a
//! paper record (assignment, start, notes, finish, rating) happened in the past and must keep
//! their own times and people, while the library's lifecycle calls stamp "now"; so they are
//! written as document changes with those stamps and merged through `Store::apply_doc`, after
//! the first pass has checked the same rules the lifecycle calls enforce.

use amer_core::doc::session::{self as session_doc, SessionOp};
use amer_core::doc::Document;
use amer_core::model::{
    now_millis, optional_text, required_text, Category, Coded, FollowUp, Millis, Nik, Nip, OneToFive,
    Package, Phone, Score, StaffRole, Stage, Stamp, VisitorRole,
};
use amer_core::store::{Actor, NewSession, VisitorInput};
use amer_core::{SessionId, Store};
use anyhow::Context;
use automerge::ActorId;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::args::ImportArgs;
use crate::exit::refuse;
use crate::home;

/// One line of the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    category: String,
    visitor: VisitorLine,
    subject: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    officer_nip: Option<String>,
    #[serde(default)]
    assigned_by_nip: Option<String>,
    #[serde(default)]
    arrived_at: Option<String>,
    #[serde(default)]
    assigned_at: Option<String>,
    #[serde(default)]
    started_at: Option<String>,
    #[serde(default)]
    finished_at: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    rating: Option<RatingLine>,
    // Beyond the issue's list: what `session new` and `session finish` also take.
    #[serde(default)]
    stage: Option<String>,
    #[serde(default)]
    package_code: Option<String>,
    #[serde(default)]
    package_name: Option<String>,
    #[serde(default)]
    recommendation: Option<String>,
    #[serde(default)]
    follow_up: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VisitorLine {
    name: String,
    #[serde(default)]
    org: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    phone: Option<String>,
    #[serde(default)]
    nik: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    address: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RatingLine {
    score: i64,
    #[serde(default)]
    comment: Option<String>,
    #[serde(default)]
    signed: bool,
}

/// A checked line, ready to store.
struct Planned {
    line: usize,
    session: NewSession,
    /// Facts after registration, each with its own stamp, in order.
    facts: Vec<(SessionOp, Stamp)>,
}

#[derive(Debug, Serialize)]
struct Imported {
    imported: usize,
    tickets: Vec<String>,
}

/// Bad lines listed in the refusal at most.
const MAX_REPORTED: usize = 20;
/// Arrival times this far ahead of the clock are refused (clock skew between PCs).
const FUTURE_SLACK_MS: Millis = 5 * 60_000;

pub fn run(ctx: &Ctx, a: ImportArgs) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let store = ctx.open()?;
    let actor = ctx.actor()?;
    let device = store.local()?.device_code;
    let planned = check_all(&store, &device, &text, &a.file)?;
    tracing::info!(lines = planned.len(), "every line checked");
    if planned.is_empty() {
        let out = Imported { imported: 0, tickets: Vec::new() };
        return ctx.out.emit(&out, |w| writeln!(w, "The file holds no sessions; nothing was imported."));
    }

    let db = ctx.db_path();
    let scratch = ctx.home.join("amer.db.import");
    home::remove_scratch(&scratch)?;
    store.backup_to(&scratch).context("cannot make the working copy for the import")?;
    drop(store);
    if home::in_use(&db) {
        home::remove_scratch(&scratch)?;
        anyhow::bail!(
            "another AMER program is using {} (for example `amer sync serve`); stop it and import again",
            db.display()
        );
    }
    let stored = store_all(ctx, &scratch, &actor, planned);
    let tickets = match stored {
        Ok(t) => t,
        Err(e) => {
            home::remove_scratch(&scratch)?;
            return Err(e.context("nothing was imported"));
        }
    };
    if let Err(e) = home::replace_database(&scratch, &db) {
        home::remove_scratch(&scratch)?;
        return Err(e.context("nothing was imported"));
    }
    tracing::info!(sessions = tickets.len(), "import complete");
    let out = Imported { imported: tickets.len(), tickets };
    ctx.out.emit(&out, |w| {
        let first = out.tickets.first().cloned().unwrap_or_default();
        let last = out.tickets.last().cloned().unwrap_or_default();
        writeln!(w, "Imported {} session(s): {first} … {last}", out.imported)
    })
}

/// Checks every line; refuses the file, naming each bad line, when any is wrong.
fn check_all(
    store: &Store,
    device: &str,
    text: &str,
    file: &std::path::Path,
) -> anyhow::Result<Vec<Planned>> {
    let mut planned = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    let mut bad_count = 0;
    let now = now_millis();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        if raw.trim().is_empty() {
            continue;
        }
        match check_line(store, device, raw, now) {
            Ok((session, facts)) => planned.push(Planned { line: n, session, facts }),
            Err(why) => {
                bad_count += 1;
                if bad.len() < MAX_REPORTED {
                    bad.push(format!("  line {n}: {why}"));
                }
            }
        }
    }
    if bad_count > 0 {
        let more = if bad_count > bad.len() {
            format!("\n  … and {} more", bad_count - bad.len())
        } else {
            String::new()
        };
        return Err(refuse(format!(
            "{} has {bad_count} bad line(s); nothing was imported. Correct them and import the whole file again:\n{}{more}",
            file.display(),
            bad.join("\n")
        )));
    }
    Ok(planned)
}

/// Checks one line like live input; the message never repeats personal data.
fn check_line(
    store: &Store,
    device: &str,
    raw: &str,
    now: Millis,
) -> Result<(NewSession, Vec<(SessionOp, Stamp)>), String> {
    let line: Line = serde_json::from_str(raw).map_err(|e| describe_json_error(&e))?;
    let lib = |e: amer_core::Error| e.to_string();

    Category::parse(&line.category).map_err(lib)?;
    let v = &line.visitor;
    required_text("visitor name", &v.name, 120).map_err(lib)?;
    optional_text("organisation", v.org.as_deref().unwrap_or(""), 200).map_err(lib)?;
    let present =
        |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    if let Some(r) = present(&v.role) {
        VisitorRole::parse(&r).map_err(lib)?;
    }
    if let Some(p) = present(&v.phone) {
        Phone::parse(&p).map_err(lib)?;
    }
    if let Some(k) = present(&v.nik) {
        Nik::parse(&k).map_err(lib)?;
    }
    required_text("subject", &line.subject, 200).map_err(lib)?;
    optional_text("description", line.description.as_deref().unwrap_or(""), 4000).map_err(lib)?;
    let notes = optional_text("notes", line.notes.as_deref().unwrap_or(""), 50_000).map_err(lib)?;
    if let Some(st) = line.stage.as_deref().filter(|x| !x.trim().is_empty()) {
        Stage::parse(st).map_err(lib)?;
    }
    let package = Package {
        code: optional_text("package code", line.package_code.as_deref().unwrap_or(""), 60).map_err(lib)?,
        name: optional_text("package name", line.package_name.as_deref().unwrap_or(""), 300).map_err(lib)?,
        ..Default::default()
    };
    let recommendation =
        optional_text("recommendation", line.recommendation.as_deref().unwrap_or(""), 4000).map_err(lib)?;
    let follow_up = optional_text("follow_up", line.follow_up.as_deref().unwrap_or(""), 2000).map_err(lib)?;

    let time = |field: &str, value: &Option<String>| -> Result<Option<Millis>, String> {
        let Some(s) = present(value) else { return Ok(None) };
        let t = chrono::DateTime::parse_from_rfc3339(&s)
            .map_err(|_| format!("{field} is not a time like 2026-11-02T09:00:00+08:00 (RFC 3339)"))?
            .timestamp_millis();
        if t > now + FUTURE_SLACK_MS {
            return Err(format!("{field} is in the future"));
        }
        Ok(Some(t))
    };
    let arrived = time("arrived_at", &line.arrived_at)?;
    let assigned = time("assigned_at", &line.assigned_at)?;
    let started = time("started_at", &line.started_at)?;
    let finished = time("finished_at", &line.finished_at)?;
    if arrived.is_none() && (assigned.is_some() || started.is_some() || finished.is_some()) {
        return Err("arrived_at is needed when other times are given".into());
    }

    let officer = present(&line.officer_nip);
    let assigned_by = present(&line.assigned_by_nip);
    match (&officer, assigned) {
        (Some(_), None) => return Err("officer_nip needs assigned_at".into()),
        (None, Some(_)) => return Err("assigned_at needs officer_nip".into()),
        _ => {}
    }
    if assigned_by.is_some() && officer.is_none() {
        return Err("assigned_by_nip needs officer_nip".into());
    }
    if started.is_some() && officer.is_none() {
        return Err("started_at needs an officer (officer_nip and assigned_at)".into());
    }
    if finished.is_some() && started.is_none() {
        return Err("finished_at needs started_at".into());
    }
    if (recommendation.is_some() || follow_up.is_some()) && finished.is_none() {
        return Err("recommendation and follow_up need finished_at".into());
    }
    if line.rating.is_some() && finished.is_none() {
        return Err("a rating needs finished_at: rate after the service".into());
    }
    let order = [
        ("arrived_at", arrived),
        ("assigned_at", assigned),
        ("started_at", started),
        ("finished_at", finished),
    ];
    let given: Vec<(&str, Millis)> = order.iter().filter_map(|(f, t)| t.map(|t| (*f, t))).collect();
    for w in given.windows(2) {
        if w[1].1 < w[0].1 {
            return Err(format!("{} is before {}", w[1].0, w[0].0));
        }
    }

    let officer = officer
        .map(|nip| staff_who_may(store, "officer_nip", &nip, StaffRole::can_serve, "serve visitors"))
        .transpose()?;
    let assigned_by = assigned_by
        .map(|nip| staff_who_may(store, "assigned_by_nip", &nip, StaffRole::can_assign, "assign officers"))
        .transpose()?;
    let rating = match &line.rating {
        Some(r) => Some((
            Score::from_value(r.score).map_err(lib)?,
            optional_text("comment", r.comment.as_deref().unwrap_or(""), 2000).map_err(lib)?,
            r.signed,
        )),
        None => None,
    };

    let stamp = |at: Millis, by: Option<&Nip>| Stamp {
        at,
        by: by.map(|n| n.to_string()),
        device: device.to_string(),
    };
    let mut facts = Vec::new();
    if let (Some(nip), Some(at)) = (&officer, assigned) {
        facts.push((SessionOp::Assign { officer: nip.to_string() }, stamp(at, assigned_by.as_ref())));
    }
    if let Some(at) = started {
        facts.push((SessionOp::Start, stamp(at, officer.as_ref())));
    }
    if let Some(text) = notes {
        let at = finished.or(started).or(assigned).or(arrived).unwrap_or(now);
        facts.push((SessionOp::AppendNotes { text }, stamp(at, officer.as_ref())));
    }
    if let Some(at) = finished {
        facts.push((
            SessionOp::Finish {
                recommendation,
                follow_up: follow_up.map(|note| FollowUp { target: None, tracking: None, note: Some(note) }),
            },
            stamp(at, officer.as_ref()),
        ));
    }
    if let (Some((score, comment, signed)), Some(at)) = (rating, finished) {
        // The visitor rates on the paper form at the end of the service.
        facts.push((SessionOp::Rate { score, comment, signed }, stamp(at, None)));
    }

    let session = NewSession {
        category: line.category,
        visitor: VisitorInput {
            name: line.visitor.name,
            org: line.visitor.org,
            role: line.visitor.role,
            phone: line.visitor.phone,
            nik: line.visitor.nik,
            email: line.visitor.email,
            address: line.visitor.address,
        },
        subject: line.subject,
        description: line.description,
        stage: line.stage,
        package: (!package.is_empty()).then_some(package),
        arrived_at: arrived,
        ..Default::default()
    };
    Ok((session, facts))
}

/// The NIP of an active staff member whose role allows `what`.
fn staff_who_may(
    store: &Store,
    field: &str,
    nip: &str,
    allowed: fn(StaffRole) -> bool,
    what: &str,
) -> Result<Nip, String> {
    let parsed = Nip::parse(nip).map_err(|e| format!("{field}: {e}"))?;
    let s = store.staff(parsed.as_str()).map_err(|e| format!("{field}: {e}"))?;
    if !s.active {
        return Err(format!("{field}: staff member {} is inactive", s.nip));
    }
    if !allowed(s.role) {
        return Err(format!(
            "{field}: staff member {} has the role {}, which may not {what}",
            s.nip,
            s.role.code()
        ));
    }
    Ok(s.nip)
}

/// Stores every planned line in the working copy, with a progress bar on a terminal.
fn store_all(
    ctx: &Ctx,
    scratch: &std::path::Path,
    actor: &Actor,
    planned: Vec<Planned>,
) -> anyhow::Result<Vec<String>> {
    let store = Store::open(scratch).context("cannot open the working copy for the import")?;
    let bar = if ctx.out.progress_allowed() {
        let bar = indicatif::ProgressBar::new(planned.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} sessions ({eta} left)")
        {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    // One writer identity for the whole import, like a Store has for its lifetime.
    let writer = ActorId::random();
    let mut tickets = Vec::with_capacity(planned.len());
    for p in planned {
        let n = p.line;
        let reg = store.register(actor, p.session).with_context(|| format!("line {n}"))?;
        if !p.facts.is_empty() {
            record_facts(&store, &writer, reg.id, &p.facts).with_context(|| format!("line {n}"))?;
        }
        tracing::debug!(line = n, ticket = %reg.ticket, "imported");
        tickets.push(reg.ticket);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(tickets)
}

/// Writes the later facts of a registered session with their own stamps and merges them in.
fn record_facts(
    store: &Store,
    writer: &ActorId,
    id: SessionId,
    facts: &[(SessionOp, Stamp)],
) -> anyhow::Result<()> {
    let doc_id = id.doc();
    let (kind, bytes) = store.doc_bytes(&doc_id)?.ok_or_else(|| amer_core::Error::NotFound {
        what: "session",
        key: id.to_text(),
        hint: "",
    })?;
    let mut doc = Document::load(doc_id, kind, &bytes, writer)?;
    let before = doc.heads();
    for (op, stamp) in facts {
        session_doc::apply(&mut doc, op, stamp)?;
    }
    let outcome = store.apply_doc(&doc_id, kind, &doc.save_after(&before))?;
    if let Some(reason) = outcome.invalid {
        return Err(refuse(format!("the session breaks a rule: {reason}")));
    }
    Ok(())
}

/// A JSON error in words, without the offending value (it may be a NIK or a phone number).
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category as C;
    let column = e.column();
    match e.classify() {
        C::Syntax | C::Eof => format!("not valid JSON (column {column})"),
        C::Io => "could not be read".into(),
        C::Data => {
            let full = e.to_string();
            let msg = full.rsplit_once(" at line ").map_or(full.as_str(), |(m, _)| m);
            let expected = msg.split_once(", expected ").map(|(_, x)| x);
            if msg.starts_with("missing field")
                || msg.starts_with("unknown field")
                || msg.starts_with("duplicate field")
            {
                msg.to_string()
            } else if let Some(x) = expected {
                format!("a value is not accepted (expected {x}, column {column})")
            } else {
                format!("a value is not accepted (column {column})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::describe_json_error;

    #[test]
    fn json_errors_do_not_repeat_values() {
        let e =
            serde_json::from_str::<super::Line>(r#"{"category": 6407015203900001}"#).expect_err("bad type");
        let msg = describe_json_error(&e);
        assert!(!msg.contains("6407"), "{msg}");
        assert!(msg.contains("expected"), "{msg}");
        let e = serde_json::from_str::<super::Line>(r#"{"category": "konsultasi", "subjek": "x"}"#)
            .expect_err("typo");
        assert!(describe_json_error(&e).contains("unknown field `subjek`"));
    }
}
