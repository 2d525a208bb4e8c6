//! Sinkronisasi: this PC and the others, last sync and progress, inviting a new PC (the code is
//! shown), sync now, and records with concurrent values from two PCs with a way to choose one
//! (choosing writes the value again through the library, which resolves the conflict).

use std::collections::HashMap;
use std::time::Duration;

use amer_core::model::{
    Coded, Conflict, Lang, Method, Objection, ObjectionGround, ObjectionMode, ObjectionOutcome, Package,
    PackageType,
};
use amer_core::store::{SessionEdit, SessionFilter};
use amer_core::Store;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};

use crate::web::auth::{self, Login};
use crate::web::render::{core_error, html, FieldErrors, Fields, Page};
use crate::web::{ReqLang, Shared};

/// A peer line.
pub struct PeerLine {
    pub name: String,
    pub node: String,
    pub addr: String,
    pub connected: bool,
    pub last: String,
    pub progress: String,
    pub docs: String,
}

/// One value of a conflicted field.
pub struct Val {
    pub text: String,
    /// The value to send back when chosen.
    pub choose: String,
    pub by: String,
}

/// A conflicted field of a record.
pub struct ConflictLine {
    pub kind: &'static str,
    pub key: String,
    pub label: String,
    pub field: String,
    pub values: Vec<Val>,
    /// Whether a value can be chosen here (the library has a setter for the field).
    pub offer: bool,
    /// Why no value can be chosen ("" when one can).
    pub note: &'static str,
}

/// The page's data.
pub struct SyncView {
    pub node_id: String,
    pub addr: String,
    pub device: String,
    pub peers: Vec<PeerLine>,
    pub conflicts: Vec<ConflictLine>,
    /// Why sync is off (the node could not start), while it is.
    pub off: Option<String>,
}

fn clock(tz: chrono_tz::Tz, at: i64) -> String {
    use chrono::TimeZone;
    tz.timestamp_millis_opt(at).single().map(|t| t.format("%d-%m-%Y %H:%M").to_string()).unwrap_or_default()
}

/// The value to send back when `v` is chosen, per record kind and field: `None` when the
/// library has no setter for the field (see `no_setter` for why).
fn choice(kind: &str, field: &str, v: &serde_json::Value) -> Option<String> {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    Some(match (kind, field) {
        ("session", "assignment") => v.get("officer").map(text).unwrap_or_default(),
        ("session", "subject" | "description" | "stage") | ("staff", "name" | "title" | "role") => text(v),
        ("session", "package" | "objection") => v.to_string(),
        ("risk", "inherent" | "residual") => {
            let n = |k: &str| v.get(k).and_then(serde_json::Value::as_i64).unwrap_or(0);
            format!("{},{}", n("likelihood"), n("impact"))
        }
        ("risk", "response") => v.get("response").map(text).unwrap_or_default(),
        ("staff", "active") => v.as_bool().unwrap_or(true).to_string(),
        _ => return None,
    })
}

/// Why a conflicted field without a setter offers no choice (a label key).
fn no_setter(kind: &str, field: &str) -> &'static str {
    match (kind, field) {
        ("session", "ticket" | "category" | "channel" | "visitor") => "sync.note_registration",
        ("session", "registered" | "started" | "finish" | "rating" | "cancellation" | "erasure")
        | ("risk", "closed" | "created") => "sync.note_step",
        _ => "sync.note_no_setter",
    }
}

fn lines(
    kind: &'static str,
    key: &str,
    label: &str,
    cs: &[Conflict],
    tz: chrono_tz::Tz,
    lang: Lang,
) -> Vec<ConflictLine> {
    cs.iter()
        .map(|c| ConflictLine {
            kind,
            key: key.to_string(),
            label: label.to_string(),
            field: c.field.clone(),
            offer: choice(kind, &c.field, &c.winner.value).is_some(),
            note: match choice(kind, &c.field, &c.winner.value) {
                Some(_) => "",
                None => crate::web::i18n::tr(lang, no_setter(kind, &c.field)),
            },
            values: std::iter::once(&c.winner)
                .chain(c.others.iter())
                .map(|v| {
                    let mut text = match &v.value {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    if text.chars().count() > 160 {
                        text = text.chars().take(160).collect::<String>() + "…";
                    }
                    let by = v
                        .stamp
                        .as_ref()
                        .map(|s| {
                            format!(
                                "{} · {} · {}",
                                s.by.clone().unwrap_or_default(),
                                s.device,
                                clock(tz, s.at)
                            )
                        })
                        .unwrap_or_default();
                    Val { text, choose: choice(kind, &c.field, &v.value).unwrap_or_default(), by }
                })
                .collect(),
        })
        .collect()
}

fn conflicts(s: &Store, lang: Lang) -> amer_core::Result<Vec<ConflictLine>> {
    let tz = s.timezone()?;
    let mut out = Vec::new();
    let rows = s.list_sessions(&SessionFilter { include_invalid: true, ..Default::default() })?;
    for row in rows.iter().filter(|r| r.conflicts > 0) {
        let x = s.session(&row.id.to_text())?;
        out.extend(lines("session", &x.id.to_text(), &x.ticket, &x.conflicts, tz, lang));
    }
    for row in s.list_risks()?.iter().filter(|r| r.conflicts > 0) {
        let r = s.risk(&row.id.to_text())?;
        out.extend(lines("risk", &r.id.to_text(), &r.code, &r.conflicts, tz, lang));
    }
    for row in s.list_staff()?.iter().filter(|r| r.conflicts > 0) {
        let x = s.staff(&row.nip)?;
        out.extend(lines("staff", x.nip.as_str(), &x.name, &x.conflicts, tz, lang));
    }
    Ok(out)
}

async fn view(app: &Shared, lang: Lang) -> amer_core::Result<SyncView> {
    let node = app.node.get();
    let off =
        if node.is_none() { Some(app.node.error().unwrap_or_else(|| "starting".to_string())) } else { None };
    let status = node.as_ref().map(|n| n.status()).unwrap_or_default();
    let node_id = node.as_ref().map(|n| n.node_id().to_string()).unwrap_or_else(|| "–".into());
    let addr = node.as_ref().map(|n| n.local_addr().to_string()).unwrap_or_else(|| "–".into());
    app.run(move |s| {
        let tz = s.timezone()?;
        let local = s.local()?;
        let office = s.office()?;
        let peers = status
            .iter()
            .map(|p| {
                let id = p.node_id.to_string();
                let member = office.members.iter().find(|m| {
                    m.node_id == p.node_id.full_hex() || m.node_id == id || id.starts_with(&m.node_id)
                });
                PeerLine {
                    name: member.map(|m| format!("{} ({})", m.name, m.device_code)).unwrap_or_default(),
                    node: id,
                    addr: p.addr.map(|a| a.to_string()).unwrap_or_default(),
                    connected: p.connected,
                    last: p.last_sync.map(|t| clock(tz, t)).unwrap_or_default(),
                    progress: format!("{:.0}%", p.progress * 100.0),
                    docs: format!("↑{} ↓{}", p.docs_sent, p.docs_received),
                }
            })
            .collect();
        Ok(SyncView {
            node_id,
            addr,
            device: format!("{} ({})", local.device_name, local.device_code),
            peers,
            conflicts: conflicts(s, lang)?,
            off,
        })
    })
    .await
}

#[derive(Template)]
#[template(path = "sync.html")]
struct SyncPage<'a> {
    p: &'a Page,
    v: SyncView,
    invite: Option<String>,
    errors: FieldErrors,
}

async fn render(
    app: &Shared,
    p: &Page,
    invite: Option<String>,
    errors: FieldErrors,
    status: StatusCode,
) -> Response {
    match view(app, p.lang).await {
        Ok(v) => html(status, &SyncPage { p, v, invite, errors }),
        Err(e) => core_error(p, &e, "/sinkronisasi"),
    }
}

fn signed_in(app: &Shared, h: &HeaderMap, lang: Lang) -> Result<(Login, Page), Response> {
    let me = auth::require(app, h, "/sinkronisasi")?;
    let p = Page::new(lang, Some(me.clone()), "sync", "/sinkronisasi");
    Ok((me, p))
}

/// `GET /sinkronisasi`.
pub async fn page(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let (_, mut p) = match signed_in(&app, &h, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    p.live = "sync";
    render(&app, &p, None, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /sinkronisasi/undang`: a one-time code for a new PC, valid for an hour.
pub async fn invite(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let (me, p) = match signed_in(&app, &h, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(node) = app.node.get() else {
        let mut errors = FieldErrors::default();
        errors.add("invite", format!("{}: {}", p.t("sync.invite_failed"), p.t("sync.off")));
        return render(&app, &p, None, errors, StatusCode::SERVICE_UNAVAILABLE).await;
    };
    match node.invite(Duration::from_secs(3600)).await {
        Ok(code) => {
            tracing::info!(by = %me.nip, "invite code created");
            render(&app, &p, Some(code.to_string()), FieldErrors::default(), StatusCode::OK).await
        }
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("invite", format!("{}: {e}", p.t("sync.invite_failed")));
            render(&app, &p, None, errors, StatusCode::CONFLICT).await
        }
    }
}

/// `POST /sinkronisasi/sekarang`.
pub async fn now(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let (_, mut p) = match signed_in(&app, &h, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(node) = app.node.get() else {
        let mut errors = FieldErrors::default();
        errors.add("sync", format!("{}: {}", p.t("sync.failed"), p.t("sync.off")));
        return render(&app, &p, None, errors, StatusCode::SERVICE_UNAVAILABLE).await;
    };
    match node.sync_now(None, Duration::from_secs(15)).await {
        Ok(reports) => {
            p.flash = Some(format!("{} ({})", p.t("sync.done"), reports.len()));
            render(&app, &p, None, FieldErrors::default(), StatusCode::OK).await
        }
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("sync", format!("{}: {e}", p.t("sync.failed")));
            render(&app, &p, None, errors, StatusCode::OK).await
        }
    }
}

/// `POST /sinkronisasi/konflik`: `kind`, `key`, `field`, `value`.
pub async fn choose(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let (me, mut p) = match signed_in(&app, &h, lang) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let f = Fields(f);
    let (kind, key, field, value) = (
        f.get("kind").to_string(),
        f.get("key").to_string(),
        f.get("field").to_string(),
        f.get("value").to_string(),
    );
    let actor = me.actor();
    let result = app
        .run(move |s| match (kind.as_str(), field.as_str()) {
            ("session", "assignment") => s.assign(&actor, &key, &value).map(|_| true),
            ("session", "subject") => s
                .edit_session(&actor, &key, SessionEdit { subject: Some(value), ..Default::default() })
                .map(|_| true),
            ("session", "description") => s
                .edit_session(
                    &actor,
                    &key,
                    SessionEdit { description: Some(Some(value)), ..Default::default() },
                )
                .map(|_| true),
            ("staff", "name") => s.update_staff(&actor, &key, Some(&value), None, None, None).map(|_| true),
            ("staff", "title") => {
                s.update_staff(&actor, &key, None, Some(Some(&value)), None, None).map(|_| true)
            }
            ("staff", "role") => {
                let role = <amer_core::model::StaffRole as amer_core::model::Coded>::parse(&value)?;
                s.update_staff(&actor, &key, None, None, Some(role), None).map(|_| true)
            }
            ("staff", "active") => {
                s.update_staff(&actor, &key, None, None, None, Some(value == "true")).map(|_| true)
            }
            ("session", "stage") => s
                .edit_session(&actor, &key, SessionEdit { stage: Some(Some(value)), ..Default::default() })
                .map(|_| true),
            ("session", "package") => {
                let package = package_of(&json(&value)?);
                s.edit_session(&actor, &key, SessionEdit { package: Some(package), ..Default::default() })
                    .map(|_| true)
            }
            ("session", "objection") => {
                let objection = objection_of(&json(&value)?);
                s.edit_session(&actor, &key, SessionEdit { objection: Some(objection), ..Default::default() })
                    .map(|_| true)
            }
            ("risk", "inherent" | "residual") => {
                let (l, i) = value.split_once(',').unwrap_or((&value, ""));
                let n = |x: &str| x.trim().parse::<i64>().unwrap_or(0);
                s.assess_risk(&actor, &key, n(l), n(i), field == "residual").map(|_| true)
            }
            ("risk", "response") => s.respond_risk(&actor, &key, &value).map(|_| true),
            _ => Ok(false),
        })
        .await;
    match result {
        Ok(true) => {
            tracing::info!(by = %me.nip, "conflict resolved by choosing a value");
            Redirect::to("/sinkronisasi").into_response()
        }
        Ok(false) => {
            let mut errors = FieldErrors::default();
            errors.add("form", p.t("sync.cannot_choose"));
            render(&app, &p, None, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => {
            p.flash = None;
            let errors = FieldErrors::from_core(lang, &e);
            let mut moved = FieldErrors::default();
            if let Some((_, m)) = errors.0.iter().next() {
                moved.add("form", m.clone());
            }
            render(&app, &p, None, moved, crate::web::render::status_of(&e)).await
        }
    }
}

/// A chosen value sent back as JSON (a package, an objection).
fn json(value: &str) -> amer_core::Result<serde_json::Value> {
    serde_json::from_str(value).map_err(|_| amer_core::Error::Invalid {
        field: "value",
        reason: "is not a value of this field".into(),
    })
}

/// A package as the conflict list shows it (the library's stored form).
fn package_of(v: &serde_json::Value) -> Package {
    let text = |k: &str| v.get(k).and_then(serde_json::Value::as_str).map(str::to_string);
    Package {
        code: text("code"),
        name: text("name"),
        opd: text("opd"),
        year: v.get("year").and_then(serde_json::Value::as_i64).and_then(|y| i32::try_from(y).ok()),
        kind: text("type").and_then(|c| PackageType::from_code(&c)),
        method: text("method").and_then(|c| Method::from_code(&c)),
        value: v.get("value").and_then(serde_json::Value::as_i64),
    }
}

/// An objection as the conflict list shows it (the library's stored form).
fn objection_of(v: &serde_json::Value) -> Objection {
    let text = |k: &str| v.get(k).and_then(serde_json::Value::as_str).map(str::to_string);
    let date = |k: &str| text(k).and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    Objection {
        mode: text("mode").and_then(|c| ObjectionMode::from_code(&c)),
        announced_on: date("announced_on"),
        filed_on: date("filed_on"),
        via_spse: v.get("via_spse").and_then(serde_json::Value::as_bool).unwrap_or(false),
        grounds: text("grounds")
            .map(|g| g.split(',').filter_map(ObjectionGround::from_code).collect())
            .unwrap_or_default(),
        answered_on: date("answered_on"),
        outcome: text("outcome").and_then(|c| ObjectionOutcome::from_code(&c)),
    }
}
