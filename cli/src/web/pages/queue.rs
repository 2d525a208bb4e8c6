//! Antrian: the queue board for the Kasubag — who waits and for how long, who is served by whom
//! and for how long, assign an active officer, cancel.

use std::collections::HashMap;

use amer_core::model::{Coded, Lang, Session, SessionStatus};
use amer_core::store::{Actor, SessionFilter, SessionRow, StaffRow};
use amer_core::Store;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};

use super::{session_key, Opt};
use crate::web::auth;
use crate::web::render::{core_error, error_page, html, FieldErrors, Page};
use crate::web::{ReqLang, Shared};

/// A row of the board.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: String,
    pub ticket: String,
    pub visitor: String,
    pub category: String,
    pub subject: String,
    pub status: &'static str,
    pub officer: String,
    pub officer_nip: String,
    pub arrived_at: i64,
    pub started_at: i64,
}

/// What the board shows.
#[derive(Debug, Clone, Default)]
pub struct Board {
    pub waiting: Vec<Row>,
    pub serving: Vec<Row>,
    pub officers: Vec<Opt>,
}

fn row(r: &SessionRow, names: &HashMap<String, String>, lang: Lang) -> Row {
    let officer_nip = r.officer_nip.clone().unwrap_or_default();
    Row {
        id: r.id.to_text(),
        ticket: r.ticket.clone(),
        visitor: r.visitor_name.clone(),
        category: r.category.label(lang).to_string(),
        subject: r.subject.clone(),
        status: r.status.code(),
        officer: names.get(&officer_nip).cloned().unwrap_or_else(|| officer_nip.clone()),
        officer_nip,
        arrived_at: r.arrived_at,
        started_at: r.started_at.unwrap_or(r.arrived_at),
    }
}

/// Reads the board (also used by the service list).
pub fn read_board(s: &Store, lang: Lang) -> amer_core::Result<Board> {
    let staff: Vec<StaffRow> = s.list_staff()?;
    let names: HashMap<String, String> = staff.iter().map(|s| (s.nip.clone(), s.name.clone())).collect();
    let list = |status| s.list_sessions(&SessionFilter { status: Some(status), ..Default::default() });
    let mut waiting: Vec<Row> = list(SessionStatus::Registered)?
        .iter()
        .chain(list(SessionStatus::Assigned)?.iter())
        .map(|r| row(r, &names, lang))
        .collect();
    waiting.sort_by_key(|r| r.arrived_at);
    let mut serving: Vec<Row> =
        list(SessionStatus::InService)?.iter().map(|r| row(r, &names, lang)).collect();
    serving.sort_by_key(|r| r.started_at);
    let officers = staff
        .iter()
        .filter(|s| s.active && s.role.can_serve())
        .map(|s| Opt { value: s.nip.clone(), label: s.name.clone() })
        .collect();
    Ok(Board { waiting, serving, officers })
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueuePage<'a> {
    p: &'a Page,
    b: Board,
    /// A refused assignment or cancellation: its row and the message next to the field.
    err_row: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "queue_rows.html")]
struct QueueRows<'a> {
    p: &'a Page,
    b: Board,
    err_row: String,
    errors: FieldErrors,
}

/// `GET /antrian`.
pub async fn board(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let me = match auth::require(&app, &h, "/antrian") {
        Ok(m) => m,
        Err(r) => return r,
    };
    let p = Page::new(lang, Some(me), "queue", "/antrian");
    board_with(&app, &p, String::new(), FieldErrors::default(), StatusCode::OK).await
}

async fn board_with(
    app: &Shared,
    p: &Page,
    err_row: String,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    let lang = p.lang;
    match app.run(move |s| read_board(s, lang)).await {
        Ok(b) => html(status, &QueuePage { p, b, err_row, errors }),
        Err(e) => core_error(p, &e, "/antrian"),
    }
}

/// A refused step shown on the board, next to the field of its row.
async fn refused(app: &Shared, p: &Page, id: String, field: &str, e: &amer_core::Error) -> Response {
    tracing::info!(error = %e, "queue step refused");
    let mut errors = FieldErrors::default();
    let msg = FieldErrors::from_core(p.lang, e).0.into_values().next().unwrap_or_default();
    errors.add(field, msg);
    board_with(app, p, id, errors, crate::web::render::status_of(e)).await
}

/// `GET /antrian/isi`: the live part only.
pub async fn fragment(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let me = match auth::require(&app, &h, "/antrian") {
        Ok(m) => m,
        Err(_) => return StatusCode::UNAUTHORIZED.into_response(),
    };
    let p = Page::new(lang, Some(me), "queue", "/antrian");
    match app.run(move |s| read_board(s, lang)).await {
        Ok(b) => html(
            StatusCode::OK,
            &QueueRows { p: &p, b, err_row: String::new(), errors: FieldErrors::default() },
        ),
        Err(e) => core_error(&p, &e, "/antrian"),
    }
}

/// `POST /antrian/{id}/tugaskan`.
pub async fn assign(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let officer = f.get("officer").cloned().unwrap_or_default();
    step(app, lang, &h, &raw, "officer", "officer assigned", move |s, actor, key| {
        s.assign(actor, key, &officer)
    })
    .await
}

/// `POST /antrian/{id}/batal`.
pub async fn cancel(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let reason = f.get("reason").cloned().unwrap_or_default();
    step(app, lang, &h, &raw, "reason", "session cancelled", move |s, actor, key| {
        s.cancel(actor, key, &reason)
    })
    .await
}

/// One action on a queued session by the signed-in person: back to the board when done, the
/// board with the library's refusal next to `field` when refused; `done` is the log line.
async fn step(
    app: Shared,
    lang: Lang,
    h: &HeaderMap,
    raw: &str,
    field: &str,
    done: &'static str,
    op: impl FnOnce(&Store, &Actor, &str) -> amer_core::Result<Session> + Send + 'static,
) -> Response {
    let me = match auth::require(&app, h, "/antrian") {
        Ok(m) => m,
        Err(r) => return r,
    };
    let p = Page::new(lang, Some(me.clone()), "queue", "/antrian");
    let Some(id) = session_key(raw) else {
        return error_page(&p, StatusCode::NOT_FOUND, p.t("not_found"), "/antrian");
    };
    let actor = me.actor();
    let key = id.clone();
    match app.run(move |s| op(s, &actor, &key)).await {
        Ok(s) => {
            tracing::info!(ticket = %s.ticket, by = %me.nip, "{done}");
            Redirect::to("/antrian").into_response()
        }
        Err(e) => refused(&app, &p, id, field, &e).await,
    }
}
