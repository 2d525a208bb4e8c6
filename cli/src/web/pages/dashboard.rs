//! Dasbor (filled in below).
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;

use crate::web::auth;
use crate::web::render::{error_page, Page};
use crate::web::{ReqLang, Shared};

pub async fn page(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let me = match auth::require(&app, &h, "/dasbor") {
        Ok(m) => m,
        Err(r) => return r,
    };
    let p = Page::new(lang, Some(me), "dashboard", "/dasbor");
    error_page(&p, StatusCode::NOT_IMPLEMENTED, "-", "/")
}

pub async fn download(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(_f): Path<String>,
) -> Response {
    page(State(app), Extension(ReqLang(lang)), h).await
}
