//! Pendaftaran: the kiosk's intake form, the returning visitor, the ticket and its PDF.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use amer_core::model::{Category, Package, VisitorRole};
use amer_core::print::SessionForm;
use amer_core::store::{NewSession, VisitorInput};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};

use super::{options, session_key, Opt};
use crate::web::auth;
use crate::web::render::{core_error, error_page, html, FieldErrors, Fields, Page};
use crate::web::{ReqLang, Shared};

#[derive(Template)]
#[template(path = "intake.html")]
struct IntakePage<'a> {
    p: &'a Page,
    f: Fields,
    errors: FieldErrors,
    token: String,
    roles: Vec<Opt>,
    categories: Vec<Opt>,
    /// Some(true): recognised; Some(false): not found.
    returning: Option<bool>,
}

fn page(lang: amer_core::model::Lang, h: &HeaderMap, app: &Shared) -> Page {
    let mut p = Page::new(lang, auth::current(app, h), "intake", "/pendaftaran");
    p.kiosk = p.user.is_none();
    p
}

fn render(p: &Page, status: StatusCode, f: Fields, errors: FieldErrors, returning: Option<bool>) -> Response {
    let token = match f.get("form_token") {
        "" => auth::form_token(),
        t => t.to_string(),
    };
    html(
        status,
        &IntakePage {
            p,
            f,
            errors,
            token,
            roles: options::<VisitorRole>(p.lang),
            categories: options::<Category>(p.lang),
            returning,
        },
    )
}

/// `GET /pendaftaran`.
pub async fn form(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let p = page(lang, &h, &app);
    let mut f = Fields::default();
    f.0.insert("category".into(), "konsultasi".into());
    render(&p, StatusCode::OK, f, FieldErrors::default(), None)
}

/// `POST /pendaftaran/kenali`: the visitor's earlier details, found by phone number, offered
/// back in the form (name, organisation, role; the NIK is not shown on a kiosk screen).
pub async fn recognise(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let p = page(lang, &h, &app);
    let mut f = Fields(f);
    let phone = f.get("phone").trim().to_string();
    if phone.is_empty() {
        let mut e = FieldErrors::default();
        e.add("phone", p.t("intake.not_found"));
        return render(&p, StatusCode::UNPROCESSABLE_ENTITY, f, e, None);
    }
    if !app.lookup_allowed() {
        let mut e = FieldErrors::default();
        e.add("phone", p.t("intake.lookup_limit"));
        return render(&p, StatusCode::TOO_MANY_REQUESTS, f, e, None);
    }
    match app.run(move |s| s.returning_visitor(&phone)).await {
        Ok(Some((_, personal, org, role))) => {
            f.0.insert("name".into(), personal.name);
            if let Some(o) = org {
                f.0.insert("org".into(), o);
            }
            if let Some(r) = role {
                f.0.insert("role".into(), r);
            }
            render(&p, StatusCode::OK, f, FieldErrors::default(), Some(true))
        }
        Ok(None) => render(&p, StatusCode::OK, f, FieldErrors::default(), Some(false)),
        Err(e) => {
            let errors = FieldErrors::from_core(lang, &e).within(SHOWN);
            render(&p, crate::web::render::status_of(&e), f, errors, None)
        }
    }
}

/// The fields of the intake form that show a message (others go to the form's message).
const SHOWN: &[&str] = &[
    "name",
    "org",
    "role",
    "phone",
    "nik",
    "category",
    "subject",
    "description",
    "package_code",
    "package_name",
    "package_opd",
    "consent",
    "form",
];

/// Intake tokens are kept this long (a double submit comes within seconds).
const TOKEN_FOR: Duration = Duration::from_secs(24 * 3600);

/// `POST /pendaftaran`.
pub async fn submit(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let p = page(lang, &h, &app);
    let f = Fields(f);
    let token = f.get("form_token").to_string();
    if !(16..=128).contains(&token.len()) || !token.bytes().all(|b| b.is_ascii_alphanumeric()) {
        let mut e = FieldErrors::default();
        e.add("form", p.t("intake.token"));
        return render(&p, StatusCode::UNPROCESSABLE_ENTITY, f, e, None);
    }
    // One registration at a time on this PC; a token seen before returns its ticket.
    let mut used = app.intake.lock().await;
    used.retain(|_, (_, t)| t.elapsed() < TOKEN_FOR);
    if let Some((id, _)) = used.get(&token) {
        return Redirect::to(&format!("/tiket/{id}")).into_response();
    }
    if !f.checked("consent") {
        // Nothing is registered without consent; the other fields are checked all the same, so
        // the visitor sees every message at once.
        let mut e = field_checks(lang, &f);
        e.add("consent", p.t("intake.consent_needed"));
        return render(&p, StatusCode::UNPROCESSABLE_ENTITY, f, e, None);
    }
    let package = Package {
        code: f.opt("package_code"),
        name: f.opt("package_name"),
        opd: f.opt("package_opd"),
        year: None,
        kind: None,
        method: None,
        value: None,
    };
    let new = NewSession {
        category: f.get("category").to_string(),
        channel: None,
        visitor: VisitorInput {
            name: f.get("name").to_string(),
            org: f.opt("org"),
            role: f.opt("role"),
            phone: f.opt("phone"),
            nik: f.opt("nik"),
            email: None,
            address: None,
        },
        subject: f.get("subject").to_string(),
        description: f.opt("description"),
        package: Some(package),
        stage: None,
        objection: None,
        arrived_at: None,
    };
    let actor = p.user.as_ref().map(|u| u.actor()).unwrap_or_default();
    match app.run(move |s| s.register(&actor, new)).await {
        Ok(reg) => {
            let id = reg.id.to_text();
            tracing::info!(ticket = %reg.ticket, "session registered at the front desk");
            used.insert(token, (id.clone(), Instant::now()));
            app.mark_recent(&id);
            Redirect::to(&format!("/tiket/{id}")).into_response()
        }
        Err(e) => {
            tracing::info!(error = %e, "registration refused");
            // The library names the first refused field; the library's own validators of the
            // other fields add theirs, so every invalid field shows at once.
            let mut errors = FieldErrors::from_core(lang, &e).within(SHOWN);
            if matches!(e, amer_core::Error::Invalid { .. }) {
                for (field, message) in field_checks(lang, &f).0 {
                    if errors.get(&field).is_none() {
                        errors.add(&field, message);
                    }
                }
            }
            render(&p, crate::web::render::status_of(&e), f, errors, None)
        }
    }
}

/// The intake fields the library checks with public validators, each on its own: category,
/// visitor role, phone, NIK, and that name and subject are given (their length limits are
/// the library's `register` own, reported by it when they are the first refused field).
fn field_checks(lang: amer_core::model::Lang, f: &Fields) -> FieldErrors {
    use amer_core::model::{required_text, Coded, Nik, Phone};
    let given = |k: &str| Some(f.get(k)).filter(|v| !v.trim().is_empty());
    let checks: [amer_core::Result<()>; 6] = [
        Category::parse(f.get("category")).map(drop),
        given("role").map(VisitorRole::parse).transpose().map(drop),
        required_text("visitor name", f.get("name"), usize::MAX).map(drop),
        given("phone").map(Phone::parse).transpose().map(drop),
        given("nik").map(Nik::parse).transpose().map(drop),
        required_text("subject", f.get("subject"), usize::MAX).map(drop),
    ];
    let mut out = FieldErrors::default();
    for e in checks.iter().filter_map(|r| r.as_ref().err()) {
        for (field, message) in FieldErrors::from_core(lang, e).within(SHOWN).0 {
            if out.get(&field).is_none() {
                out.add(&field, message);
            }
        }
    }
    out
}

#[derive(Template)]
#[template(path = "ticket.html")]
struct TicketPage<'a> {
    p: &'a Page,
    id: String,
    ticket: String,
    category: String,
}

/// Whether the requester may see this session's intake: signed in, or the kiosk that
/// registered it a short while ago.
fn may_see(app: &Shared, h: &HeaderMap, id: &str) -> bool {
    auth::current(app, h).is_some() || app.is_recent(id)
}

/// `GET /tiket/{id}`.
pub async fn ticket(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let p = page(lang, &h, &app);
    let Some(id) = session_key(&raw) else {
        return error_page(&p, StatusCode::NOT_FOUND, p.t("not_found"), "/pendaftaran");
    };
    if !may_see(&app, &h, &id) {
        return Redirect::to("/masuk?next=/pendaftaran").into_response();
    }
    let key = id.clone();
    match app.run(move |s| s.session(&key)).await {
        Ok(s) => html(
            StatusCode::OK,
            &TicketPage { p: &p, id, ticket: s.ticket.clone(), category: p.label(s.category).to_string() },
        ),
        Err(e) => core_error(&p, &e, "/pendaftaran"),
    }
}

/// A PDF response.
pub fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /sesi/{id}/formulir.pdf`.
pub async fn intake_pdf(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let p = page(lang, &h, &app);
    let Some(id) = session_key(&raw) else {
        return error_page(&p, StatusCode::NOT_FOUND, p.t("not_found"), "/pendaftaran");
    };
    if !may_see(&app, &h, &id) {
        return Redirect::to("/masuk?next=/pendaftaran").into_response();
    }
    let printer = app.printer();
    let key = id.clone();
    match app.run(move |s| s.print_session(&printer, &key, SessionForm::Intake, lang)).await {
        Ok(bytes) => pdf(bytes, "formulir-pendaftaran.pdf"),
        Err(e) => core_error(&p, &e, "/pendaftaran"),
    }
}
