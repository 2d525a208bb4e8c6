//! `amer risk add|assess|respond|treat|done|monitor|link|close|list|show`.

use amer_core::model::{Assessment, Coded, OneToFive, Package, Risk, RiskLevel, RiskMatrix};
use amer_core::store::{NewRisk, RiskRow};
use amer_core::Store;
use chrono::NaiveDate;
use serde::Serialize;

use super::audit::{ConflictView, HistoryView, StampView};
use super::Ctx;
use crate::args::{AddRiskArgs, RiskCommand};
use crate::output::{write_fields, Clock, Output, Table};

pub fn run(ctx: &Ctx, cmd: RiskCommand) -> anyhow::Result<()> {
    let store = ctx.open()?;
    let risk = match cmd {
        RiskCommand::Add(a) => return add(ctx, &store, *a),
        RiskCommand::List => return list(ctx, &store),
        RiskCommand::Show { code } => return show(ctx, &store, &store.risk(&code)?),
        RiskCommand::Assess { code, likelihood, impact, residual } => {
            store.assess_risk(&ctx.actor()?, &code, likelihood, impact, residual)?
        }
        RiskCommand::Respond { code, response } => store.respond_risk(&ctx.actor()?, &code, &response)?,
        RiskCommand::Treat { code, action, owner, due } => {
            store.treat_risk(&ctx.actor()?, &code, &action, &owner, due)?
        }
        RiskCommand::Done { code, item } => store.treatment_done(&ctx.actor()?, &code, &item)?,
        RiskCommand::Monitor { code, note } => store.monitor_risk(&ctx.actor()?, &code, &note)?,
        RiskCommand::Link { code, ticket } => store.link_risk(&ctx.actor()?, &code, &ticket)?,
        RiskCommand::Close { code } => store.close_risk(&ctx.actor()?, &code)?,
    };
    tracing::info!(code = %risk.code, status = risk.status().code(), "risk changed");
    show(ctx, &store, &risk)
}

#[derive(Debug, Serialize)]
struct Added {
    id: String,
    code: String,
}

fn add(ctx: &Ctx, store: &Store, a: AddRiskArgs) -> anyhow::Result<()> {
    let package = a.package_code.map(|code| Package { code: Some(code), ..Default::default() });
    let r = store.add_risk(
        &ctx.actor()?,
        NewRisk {
            title: a.title,
            stage: a.stage,
            event: a.event,
            likelihood: Some(a.likelihood),
            impact: Some(a.impact),
            category: a.category,
            cause: a.cause,
            consequence: a.consequence,
            owner: a.owner,
            opd: a.opd,
            package,
            controls: None,
            controls_adequate: None,
        },
    )?;
    tracing::info!(code = %r.code, "risk added");
    let out = Added { id: r.id.to_text(), code: r.code };
    ctx.out.emit(&out, |w| write_fields(w, &[("code", Some(out.code.clone())), ("id", Some(out.id.clone()))]))
}

/// Likelihood × impact with the score and level from the office's matrix.
#[derive(Debug, Serialize)]
struct Cell {
    likelihood: u8,
    impact: u8,
    score: u8,
    level: &'static str,
    level_label: &'static str,
}

impl Cell {
    fn of(l: u8, i: u8, score: u8, level: RiskLevel, out: &Output) -> Self {
        Cell { likelihood: l, impact: i, score, level: level.code(), level_label: out.label(level) }
    }
    fn text(&self) -> String {
        format!("L{} × I{} = {} ({})", self.likelihood, self.impact, self.score, self.level_label)
    }
}

#[derive(Debug, Serialize)]
struct AssessmentView {
    #[serde(flatten)]
    cell: Cell,
    assessed: StampView,
}

impl AssessmentView {
    fn of(a: &Assessment, m: &RiskMatrix, clock: &Clock, out: &Output) -> Self {
        let (score, level) = a.rate(m);
        AssessmentView {
            cell: Cell::of(a.likelihood.value(), a.impact.value(), score, level, out),
            assessed: StampView::of(&a.stamp, clock),
        }
    }
}

#[derive(Debug, Serialize)]
struct TreatmentView {
    id: String,
    action: String,
    owner: String,
    due: Option<NaiveDate>,
    done: Option<StampView>,
    added: StampView,
}

#[derive(Debug, Serialize)]
struct MonitoringView {
    note: String,
    #[serde(flatten)]
    stamp: StampView,
}

/// A whole risk as `risk show` prints it.
#[derive(Debug, Serialize)]
struct RiskView {
    id: String,
    code: String,
    title: String,
    status: &'static str,
    status_label: &'static str,
    stage: &'static str,
    opd: Option<String>,
    package: Option<Package>,
    event: String,
    category: Option<&'static str>,
    cause: Option<String>,
    consequence: Option<String>,
    owner: Option<String>,
    controls: Option<String>,
    controls_adequate: Option<bool>,
    inherent: Option<AssessmentView>,
    residual: Option<AssessmentView>,
    response: Option<&'static str>,
    treatments: Vec<TreatmentView>,
    monitoring: Vec<MonitoringView>,
    /// Tickets of the linked sessions (the id where this PC lacks the session).
    linked_sessions: Vec<String>,
    closed: Option<StampView>,
    created: StampView,
    conflicts: Vec<ConflictView>,
    history: Vec<HistoryView>,
}

fn show(ctx: &Ctx, store: &Store, r: &Risk) -> anyhow::Result<()> {
    let out = &ctx.out;
    let clock = ctx.clock(store)?;
    let matrix = store.office().map(|o| o.matrix).unwrap_or_default();
    let mut linked = Vec::with_capacity(r.linked_sessions.len());
    for id in &r.linked_sessions {
        linked.push(store.session(&id.to_text()).map(|s| s.ticket).unwrap_or_else(|_| id.to_text()));
    }
    let v = RiskView {
        id: r.id.to_text(),
        code: r.code.clone(),
        title: r.title.clone(),
        status: r.status().code(),
        status_label: out.label(r.status()),
        stage: r.stage.code(),
        opd: r.opd.clone(),
        package: r.package.clone(),
        event: r.event.clone(),
        category: r.category.map(|c| c.code()),
        cause: r.cause.clone(),
        consequence: r.consequence.clone(),
        owner: r.owner.clone(),
        controls: r.controls.clone(),
        controls_adequate: r.controls_adequate,
        inherent: r.inherent.as_ref().map(|a| AssessmentView::of(a, &matrix, &clock, out)),
        residual: r.residual.as_ref().map(|a| AssessmentView::of(a, &matrix, &clock, out)),
        response: r.response.map(|x| x.code()),
        treatments: r
            .treatments
            .iter()
            .map(|t| TreatmentView {
                id: t.id.clone(),
                action: t.action.clone(),
                owner: t.owner.clone(),
                due: t.due,
                done: t.done.as_ref().map(|s| StampView::of(s, &clock)),
                added: StampView::of(&t.stamp, &clock),
            })
            .collect(),
        monitoring: r
            .monitoring
            .iter()
            .map(|m| MonitoringView { note: m.note.clone(), stamp: StampView::of(&m.stamp, &clock) })
            .collect(),
        linked_sessions: linked,
        closed: r.closed.as_ref().map(|s| StampView::of(s, &clock)),
        created: StampView::of(&r.created, &clock),
        conflicts: ConflictView::list(&r.conflicts, &clock),
        history: HistoryView::list(&store.history(&r.id.to_text())?, &clock),
    };
    ctx.out.emit(&v, |w| {
        write_fields(
            w,
            &[
                ("code", Some(v.code.clone())),
                ("title", Some(v.title.clone())),
                ("status", Some(v.status_label.to_string())),
                ("stage", Some(r.stage.label(out.lang).to_string())),
                ("category", r.category.map(|c| c.label(out.lang).to_string())),
                ("OPD", v.opd.clone()),
                ("package", v.package.as_ref().and_then(|p| p.code.clone())),
                ("event", Some(v.event.clone())),
                ("cause", v.cause.clone()),
                ("consequence", v.consequence.clone()),
                ("owner", v.owner.clone()),
                ("inherent", v.inherent.as_ref().map(|a| a.cell.text())),
                ("residual", v.residual.as_ref().map(|a| a.cell.text())),
                ("response", r.response.map(|x| x.label(out.lang).to_string())),
                ("linked sessions", (!v.linked_sessions.is_empty()).then(|| v.linked_sessions.join(", "))),
                ("closed", v.closed.as_ref().map(|c| c.at.clone())),
            ],
        )?;
        if !v.treatments.is_empty() {
            writeln!(w, "\nTreatment plan:")?;
            let mut t = Table::new(&["ITEM", "ACTION", "OWNER", "DUE", "DONE"]);
            for x in &v.treatments {
                t.row(vec![
                    x.id.clone(),
                    x.action.clone(),
                    x.owner.clone(),
                    x.due.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                    x.done.as_ref().map(|d| d.at.clone()).unwrap_or_else(|| "-".into()),
                ]);
            }
            t.write(w)?;
        }
        if !v.monitoring.is_empty() {
            writeln!(w, "\nMonitoring:")?;
            for m in &v.monitoring {
                writeln!(w, "  {}  {}", m.stamp.at, m.note)?;
            }
        }
        if !v.conflicts.is_empty() {
            writeln!(w, "\nChanged on two PCs at once:")?;
            ConflictView::write_lines(&v.conflicts, w)?;
        }
        writeln!(w, "\nHistory:")?;
        HistoryView::write_table(&v.history, w)
    })
}

/// A risk as listed.
#[derive(Debug, Serialize)]
struct RowView {
    id: String,
    code: String,
    title: String,
    stage: &'static str,
    opd: Option<String>,
    category: Option<&'static str>,
    owner: Option<String>,
    inherent: Option<Cell>,
    residual: Option<Cell>,
    response: Option<&'static str>,
    status: &'static str,
    status_label: &'static str,
    treatments_done: i64,
    treatments_total: i64,
    linked_sessions: i64,
    conflicts: i64,
}

fn list(ctx: &Ctx, store: &Store) -> anyhow::Result<()> {
    let out = &ctx.out;
    let cell = |c: Option<(u8, u8, u8, RiskLevel)>| c.map(|(l, i, s, lv)| Cell::of(l, i, s, lv, out));
    let rows: Vec<RowView> = store
        .list_risks()?
        .into_iter()
        .map(|r: RiskRow| RowView {
            id: r.id.to_text(),
            code: r.code,
            title: r.title,
            stage: r.stage.code(),
            opd: r.opd,
            category: r.category.map(|c| c.code()),
            owner: r.owner,
            inherent: cell(r.inherent),
            residual: cell(r.residual),
            response: r.response.map(|x| x.code()),
            status: r.status.code(),
            status_label: out.label(r.status),
            treatments_done: r.treatments_done,
            treatments_total: r.treatments_total,
            linked_sessions: r.linked_sessions,
            conflicts: r.conflicts,
        })
        .collect();
    ctx.out.emit(&rows, |w| {
        let mut t = Table::new(&["CODE", "TITLE", "STAGE", "INHERENT", "RESIDUAL", "STATUS", "TREATED"]);
        for r in &rows {
            let score = |c: &Option<Cell>| {
                c.as_ref().map(|c| format!("{} {}", c.score, c.level_label)).unwrap_or_else(|| "-".into())
            };
            t.row(vec![
                r.code.clone(),
                r.title.clone(),
                r.stage.into(),
                score(&r.inherent),
                score(&r.residual),
                r.status_label.into(),
                format!("{}/{}", r.treatments_done, r.treatments_total),
            ]);
        }
        t.write(w)
    })
}
