//! Risiko (filled in below).
use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Form};

use crate::web::auth;
use crate::web::render::{error_page, Page};
use crate::web::{ReqLang, Shared};

pub async fn list(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let me = match auth::require(&app, &h, "/risiko") {
        Ok(m) => m,
        Err(r) => return r,
    };
    let p = Page::new(lang, Some(me), "risk", "/risiko");
    error_page(&p, StatusCode::NOT_IMPLEMENTED, "-", "/")
}
pub async fn add(
    State(app): State<Shared>,
    Extension(l): Extension<ReqLang>,
    h: HeaderMap,
    Form(_f): Form<HashMap<String, String>>,
) -> Response {
    list(State(app), Extension(l), h).await
}
pub async fn detail(
    State(app): State<Shared>,
    Extension(l): Extension<ReqLang>,
    h: HeaderMap,
    Path(_id): Path<String>,
) -> Response {
    list(State(app), Extension(l), h).await
}
pub async fn act(
    State(app): State<Shared>,
    Extension(l): Extension<ReqLang>,
    h: HeaderMap,
    Path(_x): Path<(String, String)>,
    Form(_f): Form<HashMap<String, String>>,
) -> Response {
    list(State(app), Extension(l), h).await
}
