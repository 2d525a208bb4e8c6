//! Risk records: add, assess, treat, monitor, link, close, list.

use chrono::{Datelike, NaiveDate, TimeZone};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

use super::CachedExt;
use super::{docs, get_meta_str, Actor, Origin, Store};
use crate::doc;
use crate::doc::risk::{RiskInit, RiskOp};
use crate::ids::{DocKind, RiskId};
use crate::model::*;
use crate::{Error, Result};

/// A new risk.
#[derive(Debug, Clone, Default)]
pub struct NewRisk {
    /// Short title (required).
    pub title: String,
    /// Stage code (required).
    pub stage: String,
    /// The risk event (required).
    pub event: String,
    /// Inherent likelihood 1..5.
    pub likelihood: Option<i64>,
    /// Inherent impact 1..5.
    pub impact: Option<i64>,
    /// Category code.
    pub category: Option<String>,
    /// Cause.
    pub cause: Option<String>,
    /// Consequence.
    pub consequence: Option<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Agency.
    pub opd: Option<String>,
    /// Package.
    pub package: Option<Package>,
    /// Existing controls.
    pub controls: Option<String>,
    /// Whether they are adequate.
    pub controls_adequate: Option<bool>,
}

/// A risk as listed, with scores and levels from the office's matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskRow {
    /// Id.
    pub id: RiskId,
    /// Code.
    pub code: String,
    /// Title.
    pub title: String,
    /// Stage.
    pub stage: Stage,
    /// OPD.
    pub opd: Option<String>,
    /// Category.
    pub category: Option<RiskCategory>,
    /// Owner.
    pub owner: Option<String>,
    /// Inherent (likelihood, impact, score, level).
    pub inherent: Option<(u8, u8, u8, RiskLevel)>,
    /// Residual (likelihood, impact, score, level).
    pub residual: Option<(u8, u8, u8, RiskLevel)>,
    /// Response.
    pub response: Option<RiskResponse>,
    /// Status.
    pub status: RiskStatus,
    /// Treatment items done.
    pub treatments_done: i64,
    /// Treatment items in all.
    pub treatments_total: i64,
    /// Sessions linked.
    pub linked_sessions: i64,
    /// Concurrent values.
    pub conflicts: i64,
}

fn resolve_risk(tx: &Transaction<'_>, key: &str) -> Result<RiskId> {
    if let Ok(id) = RiskId::parse(key) {
        return Ok(id);
    }
    let id: Option<String> = tx
        .query_row("SELECT id FROM risks WHERE code = ?1 COLLATE NOCASE", [key.trim()], |r| r.get(0))
        .optional()?;
    id.map(|i| RiskId::parse(&i)).transpose()?.ok_or(Error::NotFound {
        what: "risk",
        key: key.to_string(),
        hint: "; give a risk code like R26-A-001 (see `amer risk list`)",
    })
}

const RISK_EDITORS: &[StaffRole] =
    &[StaffRole::Admin, StaffRole::Pimpinan, StaffRole::Kasubag, StaffRole::Petugas];

impl Store {
    /// Adds a risk and returns it with its code.
    pub fn add_risk(&self, actor: &Actor, r: NewRisk) -> Result<Risk> {
        let title = required_text("title", &r.title, 200)?;
        let event = required_text("risk event", &r.event, 2000)?;
        let stage = Stage::parse(&r.stage)?;
        let inherent = match (r.likelihood, r.impact) {
            (Some(l), Some(i)) => Some((Likelihood::from_value(l)?, Impact::from_value(i)?)),
            (None, None) => None,
            _ => return Err(Error::invalid("assessment", "give both likelihood and impact, or neither")),
        };
        let t = |f, v: &Option<String>, max| optional_text(f, v.as_deref().unwrap_or(""), max);
        let init_base = (
            r.category.as_deref().filter(|c| !c.is_empty()).map(RiskCategory::parse).transpose()?,
            t("cause", &r.cause, 2000)?,
            t("consequence", &r.consequence, 2000)?,
            t("owner", &r.owner, 200)?,
            t("OPD", &r.opd, 200)?,
            t("controls", &r.controls, 2000)?,
        );
        self.write(|ctx| {
            ctx.require_role(actor, "add a risk", RISK_EDITORS, true)?;
            let stamp = ctx.stamp(actor)?;
            let device = get_meta_str(ctx.tx, "device_code")?.ok_or(Error::NotInitialised)?;
            let tz = ctx.timezone()?;
            let year = tz.timestamp_millis_opt(stamp.at).single().map(|t| t.year()).unwrap_or(2026);
            let counter = format!("risk:{device}:{year}");
            let n: i64 = ctx.tx.row("SELECT value FROM counters WHERE name = ?1", [&counter], |r| r.get(0)).optional()?.unwrap_or(0) + 1;
            ctx.tx.exec("INSERT INTO counters(name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value", params![counter, n])?;
            let code = format!("R{:02}-{device}-{n:03}", year % 100);
            let (category, cause, consequence, owner, opd, controls) = init_base.clone();
            let init = RiskInit {
                code,
                title: title.clone(),
                stage,
                opd,
                package: r.package.clone().filter(|p| !p.is_empty()),
                event: event.clone(),
                category,
                cause,
                consequence,
                owner,
                controls,
                controls_adequate: r.controls_adequate,
                inherent,
            };
            let id = RiskId::random();
            let mut l = docs::new_for_write(ctx, id.doc(), DocKind::Risk);
            doc::risk::create(&mut l.doc, &init, &stamp)?;
            docs::commit(ctx, &mut l, Origin::Local)?;
            doc::risk::read(&l.doc)
        })
    }

    fn risk_step(&self, actor: &Actor, key: &str, op: RiskOp) -> Result<Risk> {
        self.write(|ctx| {
            ctx.require_role(actor, "change a risk", RISK_EDITORS, true)?;
            let id = resolve_risk(ctx.tx, key)?;
            let mut l = docs::load_for_write(ctx, id.doc())?;
            let current = doc::risk::read(&l.doc)?;
            if current.closed.is_some() && !matches!(op, RiskOp::Monitor { .. }) {
                return Err(Error::illegal("change the risk", format!("risk {} is closed", current.code)));
            }
            if let RiskOp::TreatmentDone { id } = &op {
                match current.treatments.iter().find(|t| &t.id == id) {
                    None => return Err(Error::not_found("treatment item", id.clone())),
                    Some(t) if t.done.is_some() => {
                        return Err(Error::illegal("mark done", "this treatment item is already done"))
                    }
                    _ => {}
                }
            }
            if let RiskOp::Link(s) = &op {
                let exists: Option<i64> = ctx
                    .tx
                    .row("SELECT 1 FROM sessions WHERE id = ?1", [s.to_text()], |r| r.get(0))
                    .optional()?;
                if exists.is_none() {
                    return Err(Error::not_found("session", s.to_text()));
                }
            }
            let stamp = ctx.stamp(actor)?;
            doc::risk::apply(&mut l.doc, &op, &stamp)?;
            docs::commit(ctx, &mut l, Origin::Local)?;
            doc::risk::read(&l.doc)
        })
    }

    /// Records an inherent or residual assessment.
    pub fn assess_risk(
        &self,
        actor: &Actor,
        key: &str,
        likelihood: i64,
        impact: i64,
        residual: bool,
    ) -> Result<Risk> {
        let op = RiskOp::Assess {
            likelihood: Likelihood::from_value(likelihood)?,
            impact: Impact::from_value(impact)?,
            residual,
        };
        self.risk_step(actor, key, op)
    }

    /// Chooses the response.
    pub fn respond_risk(&self, actor: &Actor, key: &str, response: &str) -> Result<Risk> {
        let r = RiskResponse::parse(response)?;
        self.risk_step(actor, key, RiskOp::Respond(r))
    }

    /// Adds a treatment item; returns the risk (the new item is the last).
    pub fn treat_risk(
        &self,
        actor: &Actor,
        key: &str,
        action: &str,
        owner: &str,
        due: Option<NaiveDate>,
    ) -> Result<Risk> {
        let action = required_text("action", action, 1000)?;
        let owner = required_text("owner", owner, 200)?;
        let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        self.risk_step(actor, key, RiskOp::Treat { id, action, owner, due })
    }

    /// Marks a treatment item done.
    pub fn treatment_done(&self, actor: &Actor, key: &str, item: &str) -> Result<Risk> {
        self.risk_step(actor, key, RiskOp::TreatmentDone { id: item.trim().to_string() })
    }

    /// Adds a monitoring entry.
    pub fn monitor_risk(&self, actor: &Actor, key: &str, note: &str) -> Result<Risk> {
        let note = required_text("monitoring note", note, 2000)?;
        let id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        self.risk_step(actor, key, RiskOp::Monitor { id, note })
    }

    /// Links a session (ticket or id) that revealed the risk.
    pub fn link_risk(&self, actor: &Actor, key: &str, session: &str) -> Result<Risk> {
        let sid = self.read(|tx| super::sessions::resolve_session(tx, session))?;
        self.risk_step(actor, key, RiskOp::Link(sid))
    }

    /// Closes a risk.
    pub fn close_risk(&self, actor: &Actor, key: &str) -> Result<Risk> {
        self.risk_step(actor, key, RiskOp::Close)
    }

    /// One risk.
    pub fn risk(&self, key: &str) -> Result<Risk> {
        self.read(|tx| {
            let id = resolve_risk(tx, key)?;
            let d = docs::load_doc(tx, &id.to_text(), &self.actor)?;
            doc::risk::read(&d)
        })
    }

    /// All risks (projection), scored with the office's matrix.
    pub fn list_risks(&self) -> Result<Vec<RiskRow>> {
        let matrix = self.office().map(|o| o.matrix).unwrap_or_default();
        self.read(|tx| {
            let mut st = tx.prepare(
                "SELECT id, code, title, stage, opd, category, owner, inherent_l, inherent_i, residual_l, residual_i, response,
                   status, treat_done, treat_total, linked_sessions, conflicts
                 FROM risks WHERE invalid_reason IS NULL ORDER BY code",
            )?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?, r.get::<_, Option<String>>(4)?),
                        (r.get::<_, Option<String>>(5)?, r.get::<_, Option<String>>(6)?),
                        (r.get::<_, Option<i64>>(7)?, r.get::<_, Option<i64>>(8)?, r.get::<_, Option<i64>>(9)?, r.get::<_, Option<i64>>(10)?),
                        (r.get::<_, Option<String>>(11)?, r.get::<_, String>(12)?, r.get::<_, i64>(13)?, r.get::<_, i64>(14)?, r.get::<_, i64>(15)?, r.get::<_, i64>(16)?),
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let cell = |l: Option<i64>, i: Option<i64>| -> Option<(u8, u8, u8, RiskLevel)> {
                let (l, i) = (Likelihood::from_value(l?).ok()?, Impact::from_value(i?).ok()?);
                let (s, lvl) = matrix.assess(l, i);
                Some((l.value(), i.value(), s, lvl))
            };
            rows.into_iter()
                .map(|(a, b, c, d)| {
                    Ok(RiskRow {
                        id: RiskId::parse(&a.0)?,
                        code: a.1,
                        title: a.2,
                        stage: Stage::parse(&a.3)?,
                        opd: a.4,
                        category: b.0.and_then(|c| RiskCategory::from_code(&c)),
                        owner: b.1,
                        inherent: cell(c.0, c.1),
                        residual: cell(c.2, c.3),
                        response: d.0.and_then(|x| RiskResponse::from_code(&x)),
                        status: RiskStatus::parse(&d.1)?,
                        treatments_done: d.2,
                        treatments_total: d.3,
                        linked_sessions: d.4,
                        conflicts: d.5,
                    })
                })
                .collect()
        })
    }
}
