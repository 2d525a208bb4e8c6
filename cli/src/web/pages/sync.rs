//! Sinkronisasi (filled in below).
use std::collections::HashMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Form};

use crate::web::auth;
use crate::web::render::{error_page, Page};
use crate::web::{ReqLang, Shared};

pub async fn page(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let me = match auth::require(&app, &h, "/sinkronisasi") {
        Ok(m) => m,
        Err(r) => return r,
    };
    let p = Page::new(lang, Some(me), "sync", "/sinkronisasi");
    error_page(&p, StatusCode::NOT_IMPLEMENTED, "-", "/")
}
pub async fn invite(State(app): State<Shared>, Extension(l): Extension<ReqLang>, h: HeaderMap) -> Response {
    page(State(app), Extension(l), h).await
}
pub async fn now(State(app): State<Shared>, Extension(l): Extension<ReqLang>, h: HeaderMap) -> Response {
    page(State(app), Extension(l), h).await
}
pub async fn choose(
    State(app): State<Shared>,
    Extension(l): Extension<ReqLang>,
    h: HeaderMap,
    Form(_f): Form<HashMap<String, String>>,
) -> Response {
    page(State(app), Extension(l), h).await
}
