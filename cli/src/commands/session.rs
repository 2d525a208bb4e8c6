//! `amer session new|assign|start|finish|notes|rate|cancel|show|list`.

use amer_core::model::{
    Category, Coded, FollowUp, Objection, OneToFive, Package, Phone, Session, SessionStatus, VisitorRole,
};
use amer_core::store::{NewSession, SessionFilter, SessionRow, VisitorInput};
use amer_core::Store;
use serde::Serialize;

use super::audit::{ConflictView, HistoryView, StampView};
use super::Ctx;
use crate::args::{ListSessionsArgs, NewSessionArgs, SessionCommand};
use crate::output::{write_fields, Clock, Output, Table};

pub fn run(ctx: &Ctx, cmd: SessionCommand) -> anyhow::Result<()> {
    let store = ctx.open()?;
    match cmd {
        SessionCommand::New(a) => new(ctx, &store, *a),
        SessionCommand::Assign { ticket, officer } => {
            let s = store.assign(&ctx.actor()?, &ticket, &officer)?;
            tracing::info!(ticket = %s.ticket, officer = %officer, "officer assigned");
            step_done(ctx, &store, &s)
        }
        SessionCommand::Start { ticket } => {
            let s = store.start(&ctx.actor()?, &ticket)?;
            tracing::info!(ticket = %s.ticket, "service started");
            step_done(ctx, &store, &s)
        }
        SessionCommand::Finish { ticket, notes, recommendation, follow_up } => {
            let follow_up = follow_up.map(|note| FollowUp { target: None, tracking: None, note: Some(note) });
            let s =
                store.finish(&ctx.actor()?, &ticket, Some(&notes), recommendation.as_deref(), follow_up)?;
            tracing::info!(ticket = %s.ticket, "service finished");
            step_done(ctx, &store, &s)
        }
        SessionCommand::Notes { ticket, append, replace } => {
            let actor = ctx.actor()?;
            let s = match (append, replace) {
                (Some(text), _) => store.append_notes(&actor, &ticket, &text)?,
                (None, Some(text)) => store.edit_notes(&actor, &ticket, &text)?,
                // clap requires one of the two.
                (None, None) => return Err(crate::exit::refuse("give --append TEXT or --replace TEXT")),
            };
            tracing::info!(ticket = %s.ticket, "notes changed");
            step_done(ctx, &store, &s)
        }
        SessionCommand::Rate { ticket, score, comment, signed } => {
            let s = store.rate(&ctx.actor()?, &ticket, score, comment.as_deref(), signed)?;
            tracing::info!(ticket = %s.ticket, score, "rating recorded");
            step_done(ctx, &store, &s)
        }
        SessionCommand::Cancel { ticket, reason } => {
            let s = store.cancel(&ctx.actor()?, &ticket, &reason)?;
            tracing::info!(ticket = %s.ticket, "session cancelled");
            step_done(ctx, &store, &s)
        }
        SessionCommand::Show { ticket } => {
            let s = store.session(&ticket)?;
            let v = SessionView::build(&store, &s, &ctx.clock(&store)?, &ctx.out)?;
            ctx.out.emit(&v, |w| v.write(w, &ctx.out))
        }
        SessionCommand::List(a) => list(ctx, &store, a),
        SessionCommand::Print { ticket, form, out, force } => {
            let form = amer_core::print::SessionForm::parse(&form)?;
            let pdf = store.print_session(&ctx.printer(), &ticket, form, ctx.out.lang)?;
            super::write_new_file(&out, &pdf, force)?;
            let result = Printed { file: out.display().to_string(), bytes: pdf.len() };
            ctx.out.emit(&result, |w| writeln!(w, "PDF written to {} ({} bytes)", result.file, result.bytes))
        }
    }
}

#[derive(Debug, Serialize)]
struct Printed {
    file: String,
    bytes: usize,
}

#[derive(Debug, Serialize)]
struct Registration {
    id: String,
    ticket: String,
    visitor_id: String,
}

fn new(ctx: &Ctx, store: &Store, a: NewSessionArgs) -> anyhow::Result<()> {
    let package = Package { code: a.package_code, name: a.package_name, ..Default::default() };
    let r = store.register(
        &ctx.actor()?,
        NewSession {
            category: a.category,
            visitor: VisitorInput {
                name: a.visitor,
                org: a.org,
                role: a.visitor_role,
                phone: a.phone,
                nik: a.nik,
                email: a.email,
                address: None,
            },
            subject: a.subject,
            description: a.description,
            package: (!package.is_empty()).then_some(package),
            stage: a.stage,
            ..Default::default()
        },
    )?;
    tracing::info!(ticket = %r.ticket, id = %r.id, "session registered");
    let out = Registration { id: r.id.to_text(), ticket: r.ticket, visitor_id: r.visitor_id.to_text() };
    ctx.out.emit(&out, |w| {
        write_fields(w, &[("ticket", Some(out.ticket.clone())), ("id", Some(out.id.clone()))])
    })
}

/// After a lifecycle step: the whole record as JSON, one line for people.
fn step_done(ctx: &Ctx, store: &Store, s: &Session) -> anyhow::Result<()> {
    let v = SessionView::build(store, s, &ctx.clock(store)?, &ctx.out)?;
    ctx.out.emit(&v, |w| {
        let officer = v
            .officer
            .as_ref()
            .map(|o| format!(", officer {} ({})", o.name.as_deref().unwrap_or("?"), o.nip))
            .unwrap_or_default();
        writeln!(w, "{}: {}{officer}", v.ticket, v.status_label)
    })
}

/// The visitor as shown: personal fields resolved as this PC can ("[dihapus]" once erased,
/// "menunggu sinkronisasi" before the key arrives), NIK masked.
#[derive(Debug, Serialize)]
struct VisitorOut {
    id: String,
    name: String,
    org: Option<String>,
    role: Option<&'static str>,
    phone: Option<String>,
    nik: Option<String>,
}

#[derive(Debug, Serialize)]
struct Person {
    nip: String,
    name: Option<String>,
}

#[derive(Debug, Serialize)]
struct RatingOut {
    score: u8,
    label: &'static str,
    comment: Option<String>,
    signed: bool,
    rated_at: String,
}

#[derive(Debug, Serialize)]
struct TimingFlags {
    waiting: Option<&'static str>,
    duration: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct CancellationOut {
    reason: String,
    #[serde(flatten)]
    stamp: StampView,
}

#[derive(Debug, Serialize)]
struct ErasureOut {
    request: String,
    #[serde(flatten)]
    stamp: StampView,
}

/// A whole session as `session show` prints it.
#[derive(Debug, Serialize)]
pub struct SessionView {
    id: String,
    ticket: String,
    category: &'static str,
    category_label: &'static str,
    channel: &'static str,
    status: &'static str,
    status_label: &'static str,
    visitor: VisitorOut,
    subject: String,
    description: Option<String>,
    stage: Option<&'static str>,
    package: Option<Package>,
    objection: Option<Objection>,
    officer: Option<Person>,
    assigned_by: Option<String>,
    arrived_at: String,
    assigned_at: Option<String>,
    started_at: Option<String>,
    finished_at: Option<String>,
    /// Plausible figures only; a flagged one is null and named in `timing_flags`.
    waiting_seconds: Option<i64>,
    duration_seconds: Option<i64>,
    timing_flags: TimingFlags,
    notes: String,
    recommendation: Option<String>,
    follow_up: Option<FollowUp>,
    rating: Option<RatingOut>,
    cancellation: Option<CancellationOut>,
    erasure: Option<ErasureOut>,
    invalid_reason: Option<String>,
    review_reason: Option<String>,
    conflicts: Vec<ConflictView>,
    history: Vec<HistoryView>,
    #[serde(skip)]
    human: HumanTimes,
}

/// Texts only people read.
#[derive(Debug, Default)]
struct HumanTimes {
    arrived: String,
    assigned: String,
    started: String,
    finished: String,
    waiting: String,
    duration: String,
}

impl SessionView {
    pub fn build(store: &Store, s: &Session, clock: &Clock, out: &Output) -> anyhow::Result<Self> {
        let timing = s.timing();
        let officer = match &s.assignment {
            Some(a) => Some(Person { nip: a.officer.clone(), name: store.staff_name(&a.officer)? }),
            None => None,
        };
        let (invalid_reason, review_reason) = store.session_flags(&s.id)?;
        let history = HistoryView::list(&store.history(&s.id.to_text())?, clock);
        let v = &s.visitor;
        Ok(SessionView {
            id: s.id.to_text(),
            ticket: s.ticket.clone(),
            category: s.category.code(),
            category_label: out.label(s.category),
            channel: s.channel.code(),
            status: s.status().code(),
            status_label: out.label(s.status()),
            visitor: VisitorOut {
                id: v.id.to_text(),
                name: v.name(),
                org: v.org.clone(),
                role: v.role.map(VisitorRole::code),
                // Stored in E.164; shown the way people write it.
                phone: v.show(|p| {
                    p.phone.as_deref().map(|x| Phone::parse(x).map(|p| p.national()).unwrap_or_default())
                }),
                nik: v.nik_masked(),
            },
            subject: s.subject.clone(),
            description: s.description.clone(),
            stage: s.stage.map(|x| x.code()),
            package: s.package.clone(),
            objection: s.objection.clone(),
            officer,
            assigned_by: s.assignment.as_ref().and_then(|a| a.stamp.by.clone()),
            arrived_at: clock.rfc3339(s.registered.at),
            assigned_at: clock.rfc3339_opt(s.assignment.as_ref().map(|a| a.stamp.at)),
            started_at: clock.rfc3339_opt(s.started.as_ref().map(|x| x.at)),
            finished_at: clock.rfc3339_opt(s.finish.as_ref().map(|f| f.stamp.at)),
            waiting_seconds: timing.waiting.seconds(),
            duration_seconds: timing.duration.seconds(),
            timing_flags: TimingFlags { waiting: timing.waiting.flag(), duration: timing.duration.flag() },
            notes: s.notes.clone(),
            recommendation: s.finish.as_ref().and_then(|f| f.recommendation.clone()),
            follow_up: s.finish.as_ref().and_then(|f| f.follow_up.clone()),
            rating: s.rating.as_ref().map(|r| RatingOut {
                score: r.score.value(),
                label: out.label(r.score),
                comment: r.comment.clone(),
                signed: r.signed,
                rated_at: clock.rfc3339(r.stamp.at),
            }),
            cancellation: s
                .cancellation
                .as_ref()
                .map(|c| CancellationOut { reason: c.reason.clone(), stamp: StampView::of(&c.stamp, clock) }),
            erasure: s
                .erasure
                .as_ref()
                .map(|(st, req)| ErasureOut { request: req.clone(), stamp: StampView::of(st, clock) }),
            invalid_reason,
            review_reason,
            conflicts: ConflictView::list(&s.conflicts, clock),
            history,
            human: HumanTimes {
                arrived: clock.human(s.registered.at),
                assigned: clock.human_opt(s.assignment.as_ref().map(|a| a.stamp.at)),
                started: clock.human_opt(s.started.as_ref().map(|x| x.at)),
                finished: clock.human_opt(s.finish.as_ref().map(|f| f.stamp.at)),
                waiting: out.duration(timing.waiting),
                duration: out.duration(timing.duration),
            },
        })
    }

    fn write(&self, w: &mut dyn std::io::Write, out: &Output) -> std::io::Result<()> {
        let role = self.visitor.role.and_then(VisitorRole::from_code).map(|r| out.label(r));
        let org_role = match (&self.visitor.org, role) {
            (Some(o), Some(r)) => format!(" ({o}, {r})"),
            (Some(o), None) => format!(" ({o})"),
            (None, Some(r)) => format!(" ({r})"),
            (None, None) => String::new(),
        };
        let package = self.package.as_ref().map(|p| {
            [p.code.as_deref(), p.name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
        });
        let stage = self.stage.and_then(amer_core::model::Stage::from_code).map(|s| out.label(s).to_string());
        let rating = self.rating.as_ref().map(|r| {
            let signed = if r.signed { ", signed" } else { "" };
            let comment = r.comment.as_deref().map(|c| format!(": \"{c}\"")).unwrap_or_default();
            format!("{} ({}{signed}){comment}", r.score, r.label)
        });
        write_fields(
            w,
            &[
                ("ticket", Some(self.ticket.clone())),
                ("status", Some(self.status_label.to_string())),
                ("category", Some(self.category_label.to_string())),
                ("visitor", Some(format!("{}{org_role}", self.visitor.name))),
                ("visitor id", Some(self.visitor.id.clone())),
                ("phone", self.visitor.phone.clone()),
                ("NIK", self.visitor.nik.clone()),
                ("subject", Some(self.subject.clone())),
                ("description", self.description.clone()),
                ("package", package),
                ("stage", stage),
                (
                    "officer",
                    self.officer
                        .as_ref()
                        .map(|o| format!("{} ({})", o.name.clone().unwrap_or_else(|| "?".into()), o.nip)),
                ),
                ("assigned by", self.assigned_by.clone()),
                ("arrived", Some(self.human.arrived.clone())),
                ("assigned", Some(self.human.assigned.clone())),
                ("started", Some(self.human.started.clone())),
                ("finished", Some(self.human.finished.clone())),
                ("waiting time", Some(self.human.waiting.clone())),
                ("duration", Some(self.human.duration.clone())),
                ("recommendation", self.recommendation.clone()),
                ("follow-up", self.follow_up.as_ref().and_then(|f| f.note.clone())),
                ("rating", rating),
                ("cancelled", self.cancellation.as_ref().map(|c| format!("{} ({})", c.reason, c.stamp.at))),
                ("erased", self.erasure.as_ref().map(|e| format!("{} ({})", e.request, e.stamp.at))),
                ("CHECK", self.invalid_reason.clone()),
                ("review", self.review_reason.clone()),
            ],
        )?;
        if !self.notes.is_empty() {
            writeln!(w, "\nNotes:")?;
            for line in self.notes.lines() {
                writeln!(w, "  {line}")?;
            }
        }
        if !self.conflicts.is_empty() {
            writeln!(w, "\nChanged on two PCs at once:")?;
            ConflictView::write_lines(&self.conflicts, w)?;
        }
        writeln!(w, "\nHistory:")?;
        HistoryView::write_table(&self.history, w)
    }
}

/// A session as listed.
#[derive(Debug, Serialize)]
struct RowView {
    id: String,
    ticket: String,
    category: &'static str,
    status: &'static str,
    status_label: &'static str,
    visitor_id: String,
    visitor_name: String,
    visitor_org: Option<String>,
    subject: String,
    officer_nip: Option<String>,
    arrived_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    waiting_seconds: Option<i64>,
    duration_seconds: Option<i64>,
    timing_flag: Option<String>,
    score: Option<i64>,
    conflicts: i64,
    invalid_reason: Option<String>,
    review_reason: Option<String>,
    #[serde(skip)]
    arrived_human: String,
}

impl RowView {
    fn of(r: SessionRow, clock: &Clock, out: &Output) -> Self {
        RowView {
            id: r.id.to_text(),
            category: r.category.code(),
            status: r.status.code(),
            status_label: out.label(r.status),
            visitor_id: r.visitor_id.to_text(),
            arrived_at: clock.rfc3339(r.arrived_at),
            arrived_human: clock.human(r.arrived_at),
            started_at: clock.rfc3339_opt(r.started_at),
            finished_at: clock.rfc3339_opt(r.finished_at),
            ticket: r.ticket,
            visitor_name: r.visitor_name,
            visitor_org: r.visitor_org,
            subject: r.subject,
            officer_nip: r.officer_nip,
            waiting_seconds: r.waiting_seconds,
            duration_seconds: r.duration_seconds,
            timing_flag: r.timing_flag,
            score: r.score,
            conflicts: r.conflicts,
            invalid_reason: r.invalid_reason,
            review_reason: r.review_reason,
        }
    }
}

fn list(ctx: &Ctx, store: &Store, a: ListSessionsArgs) -> anyhow::Result<()> {
    let filter = SessionFilter {
        status: a.status.as_deref().map(SessionStatus::parse).transpose()?,
        category: a.category.as_deref().map(Category::parse).transpose()?,
        officer: a.officer,
        from: a.from,
        to: a.to,
        visitor: None,
        text: a.search,
        include_invalid: a.include_invalid,
        limit: a.limit,
    };
    let clock = ctx.clock(store)?;
    let rows: Vec<RowView> =
        store.list_sessions(&filter)?.into_iter().map(|r| RowView::of(r, &clock, &ctx.out)).collect();
    ctx.out.emit(&rows, |w| {
        let mut t = Table::new(&[
            "TICKET", "STATUS", "VISITOR", "SUBJECT", "OFFICER", "ARRIVED", "DURATION", "RATING",
        ]);
        for r in &rows {
            let duration = match (r.duration_seconds, &r.timing_flag) {
                (Some(s), _) => ctx.out.duration(amer_core::model::TimingFigure::Seconds(s)),
                (None, Some(flag)) => format!("CHECK ({flag})"),
                (None, None) => "-".into(),
            };
            t.row(vec![
                r.ticket.clone(),
                r.status_label.into(),
                r.visitor_name.clone(),
                r.subject.clone(),
                r.officer_nip.clone().unwrap_or_else(|| "-".into()),
                r.arrived_human.clone(),
                duration,
                r.score.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
            ]);
        }
        t.write(w)
    })
}
