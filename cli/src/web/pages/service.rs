//! Layanan: the officer's sessions, start, the notes editor (merged with edits from other PCs),
//! finish with recommendation and follow-up, the visitor's rating screen, the service report.

use std::collections::HashMap;

use amer_core::model::{Coded, FollowUp, Lang, ReferralTarget, Score, Session, SessionStatus};
use amer_core::print::SessionForm;
use amer_core::store::SessionFilter;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form, Json};

use super::intake::pdf;
use super::{options, session_key, Opt};
use crate::web::auth::{self, Login};
use crate::web::render::{core_error, error_page, html, FieldErrors, Fields, Page};
use crate::web::{notes, ReqLang, Shared};

/// A row of "my sessions".
#[derive(Debug, Clone)]
pub struct MyRow {
    pub id: String,
    pub ticket: String,
    pub visitor: String,
    pub category: String,
    pub subject: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub since: i64,
}

fn my_rows(s: &amer_core::Store, nip: &str, lang: Lang) -> amer_core::Result<Vec<MyRow>> {
    let mut out = Vec::new();
    for status in [SessionStatus::InService, SessionStatus::Assigned, SessionStatus::Finished] {
        let rows = s.list_sessions(&SessionFilter {
            status: Some(status),
            officer: Some(nip.to_string()),
            ..Default::default()
        })?;
        out.extend(rows.iter().map(|r| MyRow {
            id: r.id.to_text(),
            ticket: r.ticket.clone(),
            visitor: r.visitor_name.clone(),
            category: r.category.label(lang).to_string(),
            subject: r.subject.clone(),
            status: r.status.code(),
            status_label: r.status.label(lang),
            since: r.started_at.unwrap_or(r.arrived_at),
        }));
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "service_list.html")]
struct ListPage<'a> {
    p: &'a Page,
    rows: Vec<MyRow>,
}

#[derive(Template)]
#[template(path = "service_rows.html")]
struct ListRows<'a> {
    p: &'a Page,
    rows: Vec<MyRow>,
}

macro_rules! signed_in {
    ($app:expr, $h:expr, $back:expr) => {
        match auth::require(&$app, &$h, $back) {
            Ok(m) => m,
            Err(r) => return r,
        }
    };
}

/// `GET /layanan`.
pub async fn list(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let me = signed_in!(app, h, "/layanan");
    let p = Page::new(lang, Some(me.clone()), "service", "/layanan");
    match app.run(move |s| my_rows(s, &me.nip, lang)).await {
        Ok(rows) => html(StatusCode::OK, &ListPage { p: &p, rows }),
        Err(e) => core_error(&p, &e, "/layanan"),
    }
}

/// `GET /layanan/isi`.
pub async fn list_fragment(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let Some(me) = auth::current(&app, &h) else { return StatusCode::UNAUTHORIZED.into_response() };
    let p = Page::new(lang, Some(me.clone()), "service", "/layanan");
    match app.run(move |s| my_rows(s, &me.nip, lang)).await {
        Ok(rows) => html(StatusCode::OK, &ListRows { p: &p, rows }),
        Err(e) => core_error(&p, &e, "/layanan"),
    }
}

/// What the detail page shows of a session.
pub struct View {
    pub id: String,
    pub s: Session,
    pub status: &'static str,
    pub status_label: String,
    pub category: String,
    pub officer: String,
    pub visitor: String,
    pub started_at: i64,
}

async fn load(app: &Shared, id: &str, lang: Lang) -> amer_core::Result<View> {
    let key = id.to_string();
    let (s, officer) = app
        .run(move |st| {
            let s = st.session(&key)?;
            let officer = match &s.assignment {
                Some(a) => st.staff_name(&a.officer)?.unwrap_or_else(|| a.officer.clone()),
                None => String::new(),
            };
            Ok((s, officer))
        })
        .await?;
    let status = s.status();
    Ok(View {
        id: id.to_string(),
        status: status.code(),
        status_label: status.label(lang).to_string(),
        category: s.category.label(lang).to_string(),
        visitor: s.visitor.name(),
        started_at: s.started.as_ref().map_or(0, |x| x.at),
        officer,
        s,
    })
}

#[derive(Template)]
#[template(path = "service_detail.html")]
struct DetailPage<'a> {
    p: &'a Page,
    v: View,
    f: Fields,
    errors: FieldErrors,
    targets: Vec<Opt>,
}

async fn detail_with(
    app: &Shared,
    p: &Page,
    id: &str,
    f: Fields,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    match load(app, id, p.lang).await {
        Ok(v) => html(status, &DetailPage { p, v, f, errors, targets: options::<ReferralTarget>(p.lang) }),
        Err(e) => core_error(p, &e, "/layanan"),
    }
}

fn ctx(app: &Shared, h: &HeaderMap, raw: &str, lang: Lang) -> Result<(Login, Page, String), Response> {
    let back = format!("/layanan/{}", session_key(raw).unwrap_or_default());
    let me = auth::require(app, h, &back)?;
    let p = Page::new(lang, Some(me.clone()), "service", back);
    match session_key(raw) {
        Some(id) => Ok((me, p, id)),
        None => Err(error_page(&p, StatusCode::NOT_FOUND, p.t("not_found"), "/layanan")),
    }
}

/// `GET /layanan/{id}`.
pub async fn detail(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let (_, p, id) = match ctx(&app, &h, &raw, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    detail_with(&app, &p, &id, Fields::default(), FieldErrors::default(), StatusCode::OK).await
}

/// `POST /layanan/{id}/mulai`.
pub async fn start(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let (me, p, id) = match ctx(&app, &h, &raw, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let actor = me.actor();
    let key = id.clone();
    match app.run(move |s| s.start(&actor, &key)).await {
        Ok(s) => {
            tracing::info!(ticket = %s.ticket, by = %me.nip, "service started");
            Redirect::to(&format!("/layanan/{id}")).into_response()
        }
        Err(e) => core_error(&p, &e, &format!("/layanan/{id}")),
    }
}

/// `GET /layanan/{id}/catatan`.
pub async fn notes_get(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let (_, p, id) = match ctx(&app, &h, &raw, lang) {
        Ok(x) => x,
        Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
    };
    match app.run(move |s| s.session(&id)).await {
        Ok(s) => Json(serde_json::json!({"notes": s.notes, "status": s.status().code()})).into_response(),
        Err(e) => core_error(&p, &e, "/layanan"),
    }
}

/// Saves the editor's text: the edit since `base` applied to the stored notes.
async fn save_notes(
    app: &Shared,
    me: &Login,
    id: &str,
    base: String,
    mine: String,
) -> amer_core::Result<String> {
    let actor = me.actor();
    let key = id.to_string();
    app.run(move |s| {
        let current = s.session(&key)?.notes;
        let merged = notes::merge(&base, &mine, &current);
        if merged == current {
            return Ok(current);
        }
        Ok(s.edit_notes(&actor, &key, &merged)?.notes)
    })
    .await
}

/// `POST /layanan/{id}/catatan` (the editor's autosave): JSON in, JSON out.
pub async fn notes_save(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let (me, _, id) = match ctx(&app, &h, &raw, lang) {
        Ok(x) => x,
        Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
    };
    let f = Fields(f);
    match save_notes(&app, &me, &id, f.get("base").to_string(), f.get("notes").to_string()).await {
        Ok(notes) => Json(serde_json::json!({"notes": notes})).into_response(),
        Err(e) => {
            let status = crate::web::render::status_of(&e);
            let message = crate::web::i18n::error_message(lang, &e);
            (status, Json(serde_json::json!({"error": message}))).into_response()
        }
    }
}

/// The fields of the finish form that show a message (others go to the form's message).
const FINISH_FIELDS: &[&str] =
    &["notes", "recommendation", "followup_target", "followup_tracking", "followup_note", "form"];

/// `POST /layanan/{id}/selesai`.
pub async fn finish(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let (me, p, id) = match ctx(&app, &h, &raw, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let f = Fields(f);
    let target = match f.opt("followup_target").map(|c| ReferralTarget::parse(&c)).transpose() {
        Ok(t) => t,
        Err(e) => {
            let errors = FieldErrors::from_core(lang, &e).within(FINISH_FIELDS);
            return detail_with(&app, &p, &id, f, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    // The editor's last text first (the finish itself adds no notes).
    if f.0.contains_key("notes") {
        if let Err(e) =
            save_notes(&app, &me, &id, f.get("base").to_string(), f.get("notes").to_string()).await
        {
            let errors = FieldErrors::from_core(lang, &e).within(FINISH_FIELDS);
            return detail_with(&app, &p, &id, f, errors, crate::web::render::status_of(&e)).await;
        }
    }
    let follow = FollowUp { target, tracking: f.opt("followup_tracking"), note: f.opt("followup_note") };
    let rec = f.opt("recommendation");
    let actor = me.actor();
    let key = id.clone();
    match app.run(move |s| s.finish(&actor, &key, None, rec.as_deref(), Some(follow))).await {
        Ok(s) => {
            tracing::info!(ticket = %s.ticket, by = %me.nip, "service finished");
            Redirect::to(&format!("/layanan/{id}/nilai")).into_response()
        }
        Err(e) => {
            let errors = FieldErrors::from_core(lang, &e).within(FINISH_FIELDS);
            detail_with(&app, &p, &id, f, errors, crate::web::render::status_of(&e)).await
        }
    }
}

/// A rating button.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "rate.html")]
struct RatePage<'a> {
    p: &'a Page,
    id: String,
    ticket: String,
    choices: Vec<Choice>,
    errors: FieldErrors,
}

async fn rate_with(app: &Shared, p: &Page, id: &str, errors: FieldErrors, status: StatusCode) -> Response {
    let key = id.to_string();
    match app.run(move |s| s.session(&key)).await {
        Ok(s) => {
            let choices =
                Score::ALL.iter().rev().map(|c| Choice { value: c.code(), label: c.label(p.lang) }).collect();
            html(status, &RatePage { p, id: id.to_string(), ticket: s.ticket, choices, errors })
        }
        Err(e) => core_error(p, &e, "/layanan"),
    }
}

/// `GET /layanan/{id}/nilai`.
pub async fn rate_page(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let (_, mut p, id) = match ctx(&app, &h, &raw, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    p.path = format!("/layanan/{id}/nilai");
    p.kiosk = true;
    rate_with(&app, &p, &id, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /layanan/{id}/nilai`.
pub async fn rate(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let (me, mut p, id) = match ctx(&app, &h, &raw, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    p.path = format!("/layanan/{id}/nilai");
    p.kiosk = true;
    let f = Fields(f);
    let score: i64 = f.get("score").trim().parse().unwrap_or(0);
    let comment = f.opt("comment");
    let signed = f.checked("signed");
    let actor = me.actor();
    let key = id.clone();
    match app.run(move |s| s.rate(&actor, &key, score, comment.as_deref(), signed)).await {
        Ok(s) => {
            tracing::info!(ticket = %s.ticket, "rating recorded");
            Redirect::to(&format!("/layanan/{id}/terima-kasih")).into_response()
        }
        Err(e) => {
            let errors = FieldErrors::from_core(lang, &e).within(&["score", "comment", "form"]);
            rate_with(&app, &p, &id, errors, crate::web::render::status_of(&e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "thanks.html")]
struct ThanksPage<'a> {
    p: &'a Page,
    id: String,
    ticket: String,
    score: String,
}

/// `GET /layanan/{id}/terima-kasih`.
pub async fn thanks(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let (_, p, id) = match ctx(&app, &h, &raw, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let key = id.clone();
    match app.run(move |s| s.session(&key)).await {
        Ok(s) => {
            let score = s.rating.as_ref().map(|r| r.score.label(lang).to_string()).unwrap_or_default();
            html(StatusCode::OK, &ThanksPage { p: &p, id, ticket: s.ticket, score })
        }
        Err(e) => core_error(&p, &e, "/layanan"),
    }
}

/// `GET /sesi/{id}/laporan.pdf`.
pub async fn report_pdf(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let (_, p, id) = match ctx(&app, &h, &raw, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let printer = app.printer();
    match app.run(move |s| s.print_session(&printer, &id, SessionForm::Report, lang)).await {
        Ok(bytes) => pdf(bytes, "laporan-hasil-layanan.pdf"),
        Err(e) => core_error(&p, &e, "/layanan"),
    }
}
