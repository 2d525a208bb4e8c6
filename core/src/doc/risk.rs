//! The risk record document. Treatment items, monitoring entries and session links are maps
//! keyed by a fresh id, so additions on two PCs both survive a merge.

use chrono::NaiveDate;

use super::fields::{MapReader, MapWriter};
use super::session::read_package;
use super::{Document, SCHEMA_VERSION};
use crate::ids::{RiskId, SessionId};
use crate::model::*;
use crate::Result;

/// The validated facts of a new risk.
#[derive(Debug, Clone)]
pub struct RiskInit {
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Stage.
    pub stage: Stage,
    /// Agency.
    pub opd: Option<String>,
    /// Package.
    pub package: Option<Package>,
    /// Event.
    pub event: String,
    /// Category.
    pub category: Option<RiskCategory>,
    /// Cause.
    pub cause: Option<String>,
    /// Consequence.
    pub consequence: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Existing controls.
    pub controls: Option<String>,
    /// Whether adequate.
    pub controls_adequate: Option<bool>,
    /// Inherent assessment.
    pub inherent: Option<(Likelihood, Impact)>,
}

/// An operation on a risk.
#[derive(Debug, Clone)]
pub enum RiskOp {
    /// Inherent or residual assessment.
    Assess {
        /// L.
        likelihood: Likelihood,
        /// I.
        impact: Impact,
        /// Residual (after treatment) rather than inherent.
        residual: bool,
    },
    /// Choose the response.
    Respond(RiskResponse),
    /// Add a treatment item.
    Treat {
        /// Item id.
        id: String,
        /// Action.
        action: String,
        /// Owner.
        owner: String,
        /// Due date.
        due: Option<NaiveDate>,
    },
    /// Mark a treatment item done.
    TreatmentDone {
        /// Item id.
        id: String,
    },
    /// Add a monitoring entry.
    Monitor {
        /// Entry id.
        id: String,
        /// Note.
        note: String,
    },
    /// Link a session.
    Link(SessionId),
    /// Close the risk.
    Close,
}

impl RiskOp {
    fn name(&self) -> &'static str {
        match self {
            RiskOp::Assess { residual: false, .. } => "assess_inherent",
            RiskOp::Assess { residual: true, .. } => "assess_residual",
            RiskOp::Respond(_) => "respond",
            RiskOp::Treat { .. } => "treat",
            RiskOp::TreatmentDone { .. } => "treatment_done",
            RiskOp::Monitor { .. } => "monitor",
            RiskOp::Link(_) => "link_session",
            RiskOp::Close => "close",
        }
    }
}

/// Writes a new risk.
pub fn create(d: &mut Document, init: &RiskInit, stamp: &Stamp) -> Result<()> {
    let mut w = MapWriter::root(&mut d.doc);
    w.i64("schema", SCHEMA_VERSION)?;
    w.str("kind", "risk")?;
    w.str("code", &init.code)?;
    w.str("title", &init.title)?;
    w.str("stage", init.stage.code())?;
    w.opt_str("opd", init.opd.as_deref())?;
    if let Some(p) = &init.package {
        let mut m = w.new_map("package")?;
        m.opt_str("code", p.code.as_deref())?;
        m.opt_str("name", p.name.as_deref())?;
        m.opt_str("opd", p.opd.as_deref())?;
        m.opt_i64("year", p.year.map(i64::from))?;
        m.opt_str("type", p.kind.map(|k| k.code()))?;
        m.opt_str("method", p.method.map(|k| k.code()))?;
        m.opt_i64("value", p.value)?;
    }
    w.str("event", &init.event)?;
    w.opt_str("category", init.category.map(|c| c.code()))?;
    w.opt_str("cause", init.cause.as_deref())?;
    w.opt_str("consequence", init.consequence.as_deref())?;
    w.opt_str("owner", init.owner.as_deref())?;
    w.opt_str("controls", init.controls.as_deref())?;
    if let Some(a) = init.controls_adequate {
        w.bool("controls_adequate", a)?;
    }
    if let Some((l, i)) = init.inherent {
        w.fact("inherent", stamp, |m| {
            m.i64("likelihood", i64::from(l.value()))?;
            m.i64("impact", i64::from(i.value()))
        })?;
    }
    w.new_map("treatments")?;
    w.new_map("monitoring")?;
    w.new_map("links")?;
    w.fact("created", stamp, |_| Ok(()))?;
    d.commit("risk_add", stamp, Some(format!("code {}", init.code)));
    Ok(())
}

/// Applies one operation and commits it.
pub fn apply(d: &mut Document, op: &RiskOp, stamp: &Stamp) -> Result<()> {
    {
        let mut w = MapWriter::root(&mut d.doc);
        match op {
            RiskOp::Assess { likelihood, impact, residual } => {
                w.fact(if *residual { "residual" } else { "inherent" }, stamp, |m| {
                    m.i64("likelihood", i64::from(likelihood.value()))?;
                    m.i64("impact", i64::from(impact.value()))
                })?;
            }
            RiskOp::Respond(r) => w.fact("response", stamp, |m| m.str("response", r.code()))?,
            RiskOp::Treat { id, action, owner, due } => {
                let mut items = w.map("treatments")?;
                items.fact(id, stamp, |m| {
                    m.str("action", action)?;
                    m.str("owner", owner)?;
                    m.opt_str("due", due.map(|d| d.format("%Y-%m-%d").to_string()).as_deref())
                })?;
            }
            RiskOp::TreatmentDone { id } => {
                let mut items = w.map("treatments")?;
                let mut item = items.map(id)?;
                item.fact("done", stamp, |_| Ok(()))?;
            }
            RiskOp::Monitor { id, note } => {
                w.map("monitoring")?.fact(id, stamp, |m| m.str("note", note))?;
            }
            RiskOp::Link(s) => {
                w.map("links")?.fact(&s.to_text(), stamp, |_| Ok(()))?;
            }
            RiskOp::Close => w.fact("closed", stamp, |_| Ok(()))?,
        }
    }
    let detail = match op {
        RiskOp::Assess { likelihood, impact, .. } => {
            Some(format!("L{} I{}", likelihood.value(), impact.value()))
        }
        RiskOp::Link(s) => Some(format!("session {s}")),
        _ => None,
    };
    d.commit(op.name(), stamp, detail);
    Ok(())
}

fn read_assessment(m: Option<MapReader<'_>>) -> Option<Assessment> {
    let m = m?;
    Some(Assessment {
        likelihood: Likelihood::from_value(m.i64("likelihood")?).ok()?,
        impact: Impact::from_value(m.i64("impact")?).ok()?,
        stamp: m.stamp()?,
    })
}

/// Reads a risk.
pub fn read(d: &Document) -> Result<Risk> {
    let r = MapReader::root(&d.doc);
    let corrupt =
        |what: &str| crate::Error::Corrupt { doc: d.id.to_text(), reason: format!("missing or bad {what}") };
    let mut treatments = Vec::new();
    if let Some(items) = r.map("treatments") {
        for id in items.keys() {
            let Some(m) = items.map(&id) else { continue };
            let Some(stamp) = m.stamp() else { continue };
            treatments.push(Treatment {
                action: m.str("action").unwrap_or_default(),
                owner: m.str("owner").unwrap_or_default(),
                due: m.str("due").and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()),
                done: m.map("done").and_then(|x| x.stamp()),
                stamp,
                id,
            });
        }
    }
    treatments.sort_by(|a, b| a.stamp.at.cmp(&b.stamp.at).then_with(|| a.id.cmp(&b.id)));
    let mut monitoring = Vec::new();
    if let Some(items) = r.map("monitoring") {
        for id in items.keys() {
            if let Some(m) = items.map(&id) {
                if let Some(stamp) = m.stamp() {
                    monitoring.push(Monitoring { note: m.str("note").unwrap_or_default(), stamp });
                }
            }
        }
    }
    monitoring.sort_by_key(|m| m.stamp.at);
    let linked_sessions = r
        .map("links")
        .map(|l| l.keys().iter().filter_map(|k| SessionId::parse(k).ok()).collect())
        .unwrap_or_default();
    Ok(Risk {
        id: RiskId(d.id.0),
        schema: r.i64("schema").unwrap_or(1),
        code: r.str("code").ok_or_else(|| corrupt("code"))?,
        title: r.str("title").unwrap_or_default(),
        stage: r.str("stage").and_then(|c| Stage::from_code(&c)).ok_or_else(|| corrupt("stage"))?,
        opd: r.str("opd"),
        package: read_package(&r),
        event: r.str("event").unwrap_or_default(),
        category: r.str("category").and_then(|c| RiskCategory::from_code(&c)),
        cause: r.str("cause"),
        consequence: r.str("consequence"),
        owner: r.str("owner"),
        controls: r.str("controls"),
        controls_adequate: r.bool("controls_adequate"),
        inherent: read_assessment(r.map("inherent")),
        residual: read_assessment(r.map("residual")),
        response: r.map("response").and_then(|m| m.str("response")).and_then(|c| RiskResponse::from_code(&c)),
        treatments,
        monitoring,
        linked_sessions,
        closed: r.map("closed").and_then(|m| m.stamp()),
        created: r.map("created").and_then(|m| m.stamp()).ok_or_else(|| corrupt("creation"))?,
        conflicts: r.conflicts(&["schema", "kind", "treatments", "monitoring", "links", "created"]),
    })
}
