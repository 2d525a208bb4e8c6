//! The data of the documents printed for one session (intake form, service report) and for one
//! visitor (the personal-data export), prepared from the store: labels in the requested language
//! (Indonesian by default, English on request), times in the office's time zone, durations as
//! words (or the warning when the clocks disagree), the NIK masked.

use chrono::TimeZone;
use serde_json::{json, Value};

use super::{Printer, Template};
use crate::ids::VisitorId;
use crate::model::{Coded, Lang, Millis, Office, Session, VisitorPersonal};
use crate::report::dates;
use crate::store::Store;
use crate::{Error, Result};

/// The two documents of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionForm {
    /// *Formulir Pendaftaran Layanan*, printed at registration.
    Intake,
    /// *Laporan Hasil Layanan*, printed after the rating.
    Report,
}

impl SessionForm {
    /// Parses `intake` or `report`.
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "intake" => Ok(SessionForm::Intake),
            "report" => Ok(SessionForm::Report),
            other => Err(Error::invalid("form", format!("'{other}' is not a form; use intake or report"))),
        }
    }
}

/// "27-11-2026 09:12 WITA".
pub fn format_time(tz: chrono_tz::Tz, at: Millis) -> String {
    tz.timestamp_millis_opt(at)
        .single()
        .map(|t| t.format("%d-%m-%Y %H:%M %Z").to_string())
        .unwrap_or_default()
}

/// "27 November 2026": the date of an instant in the office's time zone, in Indonesian.
pub fn format_date_long(tz: chrono_tz::Tz, at: Millis) -> String {
    format_date_in(tz, at, Lang::Id)
}

/// The date of an instant in the office's time zone in `lang` ("2 Maret 2026", "2 March 2026").
pub fn format_date_in(tz: chrono_tz::Tz, at: Millis, lang: Lang) -> String {
    tz.timestamp_millis_opt(at).single().map(|t| dates::date_long(t.date_naive(), lang)).unwrap_or_default()
}

/// The letterhead part shared by every document.
pub fn office_json(office: &Office) -> Value {
    json!({ "name": office.name, "unit": office.unit, "address": office.address })
}

fn person(store: &Store, nip: Option<&str>) -> Result<Value> {
    Ok(match nip {
        Some(nip) => json!({ "nip": nip, "name": store.staff_name(nip)?.unwrap_or_else(|| "-".into()) }),
        None => Value::Null,
    })
}

/// The JSON of the session forms (see `templates/intake.typ` and `service_report.typ`), with
/// labels, dates and durations in `lang`.
pub fn session_json(store: &Store, office: &Office, s: &Session, lang: Lang) -> Result<Value> {
    let tz = office.tz();
    let t = |m: Option<Millis>| m.map(|m| format_time(tz, m));
    let timing = s.timing();
    let v = &s.visitor;
    let package = s.package.as_ref().map(|p| {
        json!({ "code": p.code, "name": p.name, "opd": p.opd, "stage_label": s.stage.map(|x| x.label(lang)) })
    });
    let follow = s.finish.as_ref().and_then(|f| f.follow_up.as_ref()).map(|f| {
        let mut parts = Vec::new();
        if let Some(t) = f.target {
            parts.push(match lang {
                Lang::Id => format!("Dirujuk ke {}", t.label_id()),
                Lang::En => format!("Referred to {}", t.label_en()),
            });
        }
        if let Some(n) = &f.tracking {
            parts.push(match lang {
                Lang::Id => format!("nomor {n}"),
                Lang::En => format!("number {n}"),
            });
        }
        if let Some(n) = &f.note {
            parts.push(n.clone());
        }
        parts.join("; ")
    });
    let now = crate::model::now_millis();
    let figure = |f: crate::model::TimingFigure| f.seconds().map(|x| dates::format_duration(x, lang));
    let warning = |f: crate::model::TimingFigure| f.flag().map(|_| dates::timing_text(f, lang));
    Ok(json!({
        "lang": lang.code(),
        "office": office_json(office),
        "printed_at": format_time(tz, now),
        "place_date": format_date_in(tz, now, lang),
        "session": {
            "ticket": s.ticket,
            "category_label": s.category.label(lang),
            "channel_label": s.channel.label(lang),
            "status_label": s.status().label(lang),
            "arrived_at": format_time(tz, s.registered.at),
            "assigned_at": t(s.assignment.as_ref().map(|a| a.stamp.at)),
            "started_at": t(s.started.as_ref().map(|x| x.at)),
            "finished_at": t(s.finish.as_ref().map(|x| x.stamp.at)),
            "waiting": figure(timing.waiting),
            "waiting_flag": warning(timing.waiting),
            "duration": figure(timing.duration),
            "duration_flag": warning(timing.duration),
            "visitor": {
                "name": v.name(),
                "org": v.org,
                "role_label": v.role.map(|r| r.label(lang)),
                "phone": v.show(|p| p.phone.as_deref().and_then(|x| crate::model::Phone::parse(x).ok()).map(|x| x.national())),
                "nik_masked": v.nik_masked(),
            },
            "package": package,
            "subject": s.subject,
            "description": s.description,
            "officer": person(store, s.assignment.as_ref().map(|a| a.officer.as_str()))?,
            "assigned_by": person(store, s.assignment.as_ref().and_then(|a| a.stamp.by.as_deref()))?,
            "notes": s.notes,
            "recommendation": s.finish.as_ref().and_then(|f| f.recommendation.clone()),
            "follow_up": follow,
            "rating": s.rating.as_ref().map(|r| json!({
                "score": crate::model::OneToFive::value(r.score),
                "label": r.score.label(lang),
                "comment": r.comment,
                "signed": r.signed,
            })),
        }
    }))
}

impl Store {
    /// Renders a session's intake form or service report to PDF bytes, labelled in `lang`
    /// (Indonesian, [`Lang::Id`], is what the office files; English on request).
    pub fn print_session(
        &self,
        printer: &Printer,
        key: &str,
        form: SessionForm,
        lang: Lang,
    ) -> Result<Vec<u8>> {
        let session = self.session(key)?;
        if form == SessionForm::Report && session.finish.is_none() {
            return Err(Error::illegal(
                "print the service report",
                format!("session {} is not finished yet; print the intake form instead", session.ticket),
            ));
        }
        let office = self.office()?;
        let data = session_json(self, &office, &session, lang)?;
        let template = match form {
            SessionForm::Intake => Template::Intake,
            SessionForm::Report => Template::ServiceReport,
        };
        printer.render(template, &data).map_err(|e| Error::Print(e.to_string()))
    }

    /// Renders one visitor's personal data and sessions (the access right) to PDF bytes.
    pub fn print_visitor_data(
        &self,
        printer: &Printer,
        visitor: &VisitorId,
        handled_by: Option<&str>,
    ) -> Result<Vec<u8>> {
        let export = self.export_visitor(visitor)?;
        let office = self.office()?;
        let tz = office.tz();
        let now = crate::model::now_millis();
        let p = match &export.personal {
            VisitorPersonal::Known(p) => json!({
                "name": p.name, "phone": p.phone, "email": p.email, "address": p.address,
                "nik_masked": p.nik.as_deref().map(crate::model::mask_nik),
            }),
            VisitorPersonal::Erased => json!({ "name": crate::model::ERASED_TEXT }),
            VisitorPersonal::Pending => json!({ "name": crate::model::PENDING_TEXT }),
        };
        let mut visitor = p;
        let first = export.sessions.iter().map(|s| s.arrived_at).min();
        if let Some(obj) = visitor.as_object_mut() {
            obj.insert("org".into(), json!(export.sessions.first().and_then(|s| s.visitor_org.clone())));
            obj.insert("first_visit".into(), json!(first.map(|m| format_date_long(tz, m))));
        }
        let mut sessions = Vec::new();
        for s in &export.sessions {
            sessions.push(json!({
                "ticket": s.ticket,
                "date": format_date_long(tz, s.arrived_at),
                "category_label": s.category.label_id(),
                "subject": s.subject,
                "status_label": s.status.label_id(),
                "officer": match &s.officer_nip { Some(n) => self.staff_name(n)?, None => None },
                "rating": s.score,
            }));
        }
        let data = json!({
            "office": office_json(&office),
            "printed_at": format_time(tz, now),
            "place_date": format_date_long(tz, now),
            "request": { "received_at": format_time(tz, now), "handled_by": person(self, handled_by)? },
            "visitor": visitor,
            "sessions": sessions,
        });
        printer.render(Template::VisitorData, &data).map_err(|e| Error::Print(e.to_string()))
    }
}
