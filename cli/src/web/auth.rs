//! Staff sign-in: a name and a PIN (checked by the library against the hash in the staff
//! record), a random session token in an HttpOnly, SameSite=Strict cookie, kept in memory.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use amer_core::model::{Nip, StaffRole};
use amer_core::store::{Actor, StaffRow};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use ring::rand::SecureRandom;

use super::render::{html, FieldErrors, Page};
use super::{cookie, ReqLang, Shared};

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct Login {
    /// NIP.
    pub nip: String,
    /// Name (public official data).
    pub name: String,
    /// Role.
    pub role: StaffRole,
    /// When the login was made.
    since: Instant,
}

impl Login {
    /// The library actor of this person.
    pub fn actor(&self) -> Actor {
        Nip::parse(&self.nip).map(Actor::staff).unwrap_or_default()
    }
}

const COOKIE: &str = "amer_sid";
/// A login lasts a working day.
const LOGIN_FOR: Duration = Duration::from_secs(12 * 3600);
const MAX_FAILURES: u32 = 5;
const LOCK_FOR: Duration = Duration::from_secs(60);

fn new_token() -> Option<String> {
    let mut b = [0u8; 32];
    ring::rand::SystemRandom::new().fill(&mut b).ok()?;
    Some(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// A random token for forms (idempotency).
pub fn form_token() -> String {
    new_token().unwrap_or_default()
}

/// The signed-in person of a request.
pub fn current(app: &Shared, h: &HeaderMap) -> Option<Login> {
    let token = cookie(h, COOKIE)?;
    let mut logins = app.logins.lock().unwrap_or_else(|p| p.into_inner());
    logins.retain(|_, l| l.since.elapsed() < LOGIN_FOR);
    logins.get(token).cloned()
}

/// The signed-in person, or a redirect to the sign-in page that comes back to `back`.
pub fn require(app: &Shared, h: &HeaderMap, back: &str) -> Result<Login, Response> {
    current(app, h).ok_or_else(|| {
        let next: String =
            back.chars().filter(|c| c.is_ascii_alphanumeric() || "/-_.".contains(*c)).collect();
        Redirect::to(&format!("/masuk?next={next}")).into_response()
    })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    p: &'a Page,
    staff: Vec<StaffRow>,
    chosen: String,
    next: String,
    errors: FieldErrors,
}

fn safe_next(n: Option<&String>) -> String {
    n.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains(['\\', '?', '#']))
        .cloned()
        .unwrap_or_else(|| "/antrian".into())
}

async fn staff_list(app: &Shared) -> Vec<StaffRow> {
    app.run(|s| s.list_staff()).await.unwrap_or_default().into_iter().filter(|s| s.active).collect()
}

pub async fn login_page(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let p = Page::new(lang, None, "login", "/masuk");
    let staff = staff_list(&app).await;
    html(
        StatusCode::OK,
        &LoginPage {
            p: &p,
            staff,
            chosen: String::new(),
            next: safe_next(q.get("next")),
            errors: FieldErrors::default(),
        },
    )
}

pub async fn login(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let p = Page::new(lang, None, "login", "/masuk");
    let nip = f.get("nip").cloned().unwrap_or_default();
    let pin = f.get("pin").cloned().unwrap_or_default();
    let next = safe_next(f.get("next"));
    let locked = {
        let fails = app.failures.lock().unwrap_or_else(|p| p.into_inner());
        fails.get(&nip).and_then(|(_, until)| *until).is_some_and(|u| Instant::now() < u)
    };
    let outcome = if locked {
        Err("login.locked")
    } else {
        let n = nip.clone();
        match app.run(move |s| s.verify_staff_pin(&n, &pin)).await {
            Ok(staff) => Ok(staff),
            Err(e) => {
                tracing::info!(error = %e, "sign-in refused");
                let mut fails = app.failures.lock().unwrap_or_else(|p| p.into_inner());
                let entry = fails.entry(nip.clone()).or_insert((0, None));
                entry.0 += 1;
                if entry.0 >= MAX_FAILURES {
                    *entry = (0, Some(Instant::now() + LOCK_FOR));
                }
                Err("login.wrong")
            }
        }
    };
    match outcome {
        Ok(staff) => {
            app.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(&nip);
            let Some(token) = new_token() else {
                return (StatusCode::INTERNAL_SERVER_ERROR, "no random numbers").into_response();
            };
            let login = Login {
                nip: staff.nip.to_string(),
                name: staff.name.clone(),
                role: staff.role,
                since: Instant::now(),
            };
            tracing::info!(nip = %staff.nip, "staff member signed in");
            app.logins.lock().unwrap_or_else(|p| p.into_inner()).insert(token.clone(), login);
            let mut r = Redirect::to(&next).into_response();
            if let Ok(v) =
                HeaderValue::from_str(&format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"))
            {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(key) => {
            let mut errors = FieldErrors::default();
            errors.add("pin", p.t(key));
            let staff = staff_list(&app).await;
            html(StatusCode::UNAUTHORIZED, &LoginPage { p: &p, staff, chosen: nip, next, errors })
        }
    }
}

pub async fn logout(State(app): State<Shared>, h: HeaderMap) -> Response {
    if let Some(token) = cookie(&h, COOKIE) {
        app.logins.lock().unwrap_or_else(|p| p.into_inner()).remove(token);
    }
    let mut r = Redirect::to("/masuk").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("amer_sid=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    r
}
