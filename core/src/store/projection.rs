//! Projections: one SQL row per session, staff member and risk, rewritten in the same
//! transaction as the document bytes, so lists and reports never load documents.

use chrono::TimeZone;
use rusqlite::params;

use super::CachedExt;
use super::{get_meta_str, set_meta, WriteCtx};
use crate::doc::{self, Document};
use crate::ids::DocKind;
use crate::model::{Coded, OneToFive, Session};
use crate::Result;

/// Rewrites the projection of `d`; returns the validation problem when the document breaks a
/// rule (it is then kept out of reports).
pub(crate) fn project(ctx: &mut WriteCtx<'_, '_>, d: &Document) -> Result<Option<String>> {
    match d.kind {
        DocKind::Session => match doc::session::read(d) {
            Ok((s, sealed)) => project_session(ctx, &s, sealed.as_deref()),
            Err(e) => Ok(Some(e.to_string())),
        },
        DocKind::Staff => match doc::staff::read(d) {
            Ok(s) => {
                ctx.tx.exec(
                    "INSERT INTO staff(nip, doc_id, name, title, role, active, conflicts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT(nip) DO UPDATE SET doc_id = excluded.doc_id, name = excluded.name, title = excluded.title,
                       role = excluded.role, active = excluded.active, conflicts = excluded.conflicts",
                    params![s.nip.as_str(), d.id.to_text(), s.name, s.title, s.role.code(), s.active, s.conflicts.len() as i64],
                )?;
                Ok(None)
            }
            Err(e) => Ok(Some(e.to_string())),
        },
        DocKind::Risk => match doc::risk::read(d) {
            Ok(r) => {
                let (done, total) = r.treatment_progress();
                let invalid = r.validate();
                ctx.tx.exec(
                    "INSERT INTO risks(id, code, title, stage, opd, package_code, category, owner, inherent_l, inherent_i,
                       residual_l, residual_i, response, status, treat_total, treat_done, linked_sessions, created_at, conflicts, invalid_reason)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)
                     ON CONFLICT(id) DO UPDATE SET code = excluded.code, title = excluded.title, stage = excluded.stage,
                       opd = excluded.opd, package_code = excluded.package_code, category = excluded.category, owner = excluded.owner,
                       inherent_l = excluded.inherent_l, inherent_i = excluded.inherent_i, residual_l = excluded.residual_l,
                       residual_i = excluded.residual_i, response = excluded.response, status = excluded.status,
                       treat_total = excluded.treat_total, treat_done = excluded.treat_done, linked_sessions = excluded.linked_sessions,
                       created_at = excluded.created_at, conflicts = excluded.conflicts, invalid_reason = excluded.invalid_reason",
                    params![
                        r.id.to_text(),
                        r.code,
                        r.title,
                        r.stage.code(),
                        r.opd.as_deref().or(r.package.as_ref().and_then(|p| p.opd.as_deref())),
                        r.package.as_ref().and_then(|p| p.code.clone()),
                        r.category.map(|c| c.code()),
                        r.owner,
                        r.inherent.as_ref().map(|a| a.likelihood.value()),
                        r.inherent.as_ref().map(|a| a.impact.value()),
                        r.residual.as_ref().map(|a| a.likelihood.value()),
                        r.residual.as_ref().map(|a| a.impact.value()),
                        r.response.map(|x| x.code()),
                        r.status().code(),
                        total as i64,
                        done as i64,
                        r.linked_sessions.len() as i64,
                        r.created.at,
                        r.conflicts.len() as i64,
                        invalid,
                    ],
                )?;
                ctx.tx.exec("DELETE FROM risk_links WHERE risk_id = ?1", [r.id.to_text()])?;
                for s in &r.linked_sessions {
                    ctx.tx.exec(
                        "INSERT OR IGNORE INTO risk_links(risk_id, session_id) VALUES (?1, ?2)",
                        [r.id.to_text(), s.to_text()],
                    )?;
                }
                Ok(invalid)
            }
            Err(e) => Ok(Some(e.to_string())),
        },
        DocKind::Office => match doc::office::read(d) {
            Ok(o) => {
                // Only this store's own office is projected.
                if get_meta_str(ctx.tx, "office_id")?.as_deref() == Some(d.id.to_text().as_str()) {
                    set_meta(ctx.tx, "timezone", o.timezone.as_bytes())?;
                    ctx.tx.exec("DELETE FROM holidays", [])?;
                    for h in &o.holidays {
                        ctx.tx.exec(
                            "INSERT INTO holidays(date, kind, name) VALUES (?1, ?2, ?3)",
                            params![h.date.format("%Y-%m-%d").to_string(), h.kind.code(), h.name],
                        )?;
                    }
                }
                Ok(None)
            }
            Err(e) => Ok(Some(e.to_string())),
        },
    }
}

/// The review flag of a session whose visitor was erased while this session was unknown to
/// the eraser (recorded concurrently on another PC).
pub(crate) fn review_reason(ctx: &WriteCtx<'_, '_>, s: &Session) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    let row: Option<(Option<i64>, Option<String>)> = ctx
        .tx
        .row(
            "SELECT erased_at, known_sessions FROM visitor_keys WHERE visitor_id = ?1",
            [s.visitor.id.to_text()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((Some(_), known)) => {
            let id = s.id.to_text();
            let known = known.unwrap_or_default();
            (!known.split(',').any(|k| k == id)).then(|| {
                "visitor's personal data was erased on another PC while this session was recorded: check it and erase again if the request covers it".to_string()
            })
        }
        _ => None,
    })
}

fn project_session(ctx: &mut WriteCtx<'_, '_>, s: &Session, sealed: Option<&[u8]>) -> Result<Option<String>> {
    let tz: chrono_tz::Tz =
        get_meta_str(ctx.tx, "timezone")?.and_then(|t| t.parse().ok()).unwrap_or(chrono_tz::Asia::Makassar);
    let day = tz
        .timestamp_millis_opt(s.registered.at)
        .single()
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let timing = s.timing();
    let invalid = s.validate();
    let review = review_reason(ctx, s)?;
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let obj = s.objection.as_ref();
    let rowid: i64 = ctx.tx.row(
        "INSERT INTO sessions(id, ticket, category, channel, status, visitor_id, visitor_org, visitor_role, visitor_sealed, package_code,
           package_name, opd, package_type, package_method, stage, subject, officer_nip, assigned_by, device, day, arrived_at,
           assigned_at, started_at, finished_at, rated_at, cancelled_at, waiting_s, duration_s, timing_flag, score, signed,
           follow_target, objection_announced, objection_filed, objection_answered, conflicts, invalid_reason, review_reason, objection_outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24,
           ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39)
         ON CONFLICT(id) DO UPDATE SET ticket = excluded.ticket, category = excluded.category, channel = excluded.channel,
           status = excluded.status, visitor_id = excluded.visitor_id, visitor_org = excluded.visitor_org,
           visitor_role = excluded.visitor_role, visitor_sealed = excluded.visitor_sealed, package_code = excluded.package_code, package_name = excluded.package_name,
           opd = excluded.opd, package_type = excluded.package_type, package_method = excluded.package_method,
           stage = excluded.stage, subject = excluded.subject, officer_nip = excluded.officer_nip,
           assigned_by = excluded.assigned_by, device = excluded.device, day = excluded.day, arrived_at = excluded.arrived_at,
           assigned_at = excluded.assigned_at, started_at = excluded.started_at, finished_at = excluded.finished_at,
           rated_at = excluded.rated_at, cancelled_at = excluded.cancelled_at, waiting_s = excluded.waiting_s,
           duration_s = excluded.duration_s, timing_flag = excluded.timing_flag, score = excluded.score,
           signed = excluded.signed, follow_target = excluded.follow_target,
           objection_announced = excluded.objection_announced, objection_filed = excluded.objection_filed,
           objection_answered = excluded.objection_answered, conflicts = excluded.conflicts,
           invalid_reason = excluded.invalid_reason, review_reason = excluded.review_reason, objection_outcome = excluded.objection_outcome
         RETURNING rowid",
        params![
            s.id.to_text(),
            s.ticket,
            s.category.code(),
            s.channel.code(),
            s.status().code(),
            s.visitor.id.to_text(),
            s.visitor.org,
            s.visitor.role.map(|r| r.code()),
            sealed,
            s.package.as_ref().and_then(|p| p.code.clone()),
            s.package.as_ref().and_then(|p| p.name.clone()),
            s.package.as_ref().and_then(|p| p.opd.clone()),
            s.package.as_ref().and_then(|p| p.kind.map(|k| k.code())),
            s.package.as_ref().and_then(|p| p.method.map(|k| k.code())),
            s.stage.map(|x| x.code()),
            s.subject,
            s.assignment.as_ref().map(|a| a.officer.clone()),
            s.assignment.as_ref().and_then(|a| a.stamp.by.clone()),
            s.registered.device,
            day,
            s.registered.at,
            s.assignment.as_ref().map(|a| a.stamp.at),
            s.started.as_ref().map(|x| x.at),
            s.finish.as_ref().map(|x| x.stamp.at),
            s.rating.as_ref().map(|x| x.stamp.at),
            s.cancellation.as_ref().map(|x| x.stamp.at),
            timing.waiting.seconds(),
            timing.duration.seconds(),
            timing.duration.flag().or(timing.waiting.flag()),
            s.rating.as_ref().map(|r| r.score.value()),
            s.rating.as_ref().map(|r| r.signed),
            s.finish.as_ref().and_then(|f| f.follow_up.as_ref()).and_then(|f| f.target.map(|t| t.code())),
            date(obj.and_then(|o| o.announced_on)),
            date(obj.and_then(|o| o.filed_on)),
            date(obj.and_then(|o| o.answered_on)),
            s.conflicts.len() as i64,
            invalid,
            review,
            obj.and_then(|o| o.outcome).map(|o| o.code()),
        ],
        |r| r.get(0),
    )?;
    ctx.tx.exec(
        "INSERT OR REPLACE INTO session_fts(rowid, subject, description, notes) VALUES (?1, ?2, ?3, ?4)",
        params![rowid, s.subject, s.description, s.notes],
    )?;
    Ok(invalid)
}
