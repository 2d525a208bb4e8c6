//! Risiko: the risk register — add, assess (inherent and residual), response, treatment items,
//! monitoring, links to sessions, close.

use std::collections::HashMap;

use amer_core::model::{Coded, Impact, Lang, Likelihood, Risk, RiskCategory, RiskResponse, Stage};
use amer_core::store::{NewRisk, RiskRow};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};

use super::{options, Opt};
use crate::web::auth::{self, Login};
use crate::web::render::{core_error, error_page, html, FieldErrors, Fields, Page};
use crate::web::{ReqLang, Shared};

/// A row of the register.
pub struct Row {
    pub id: String,
    pub code: String,
    pub title: String,
    pub stage: String,
    pub inherent: String,
    pub inherent_level: String,
    pub residual: String,
    pub residual_level: String,
    pub status: String,
    pub progress: String,
    pub links: i64,
}

fn level(v: &Option<(u8, u8, u8, amer_core::model::RiskLevel)>, lang: Lang) -> (String, String) {
    match v {
        Some((l, i, score, lvl)) => {
            (format!("{l}×{i} = {score} {}", lvl.label(lang)), lvl.code().to_string())
        }
        None => ("–".into(), String::new()),
    }
}

fn row(r: &RiskRow, lang: Lang) -> Row {
    let (inherent, inherent_level) = level(&r.inherent, lang);
    let (residual, residual_level) = level(&r.residual, lang);
    Row {
        id: r.id.to_text(),
        code: r.code.clone(),
        title: r.title.clone(),
        stage: r.stage.label(lang).to_string(),
        inherent,
        inherent_level,
        residual,
        residual_level,
        status: r.status.label(lang).to_string(),
        progress: format!("{}/{}", r.treatments_done, r.treatments_total),
        links: r.linked_sessions,
    }
}

/// The add form's choices.
pub struct Choices {
    pub stages: Vec<Opt>,
    pub categories: Vec<Opt>,
    pub likelihoods: Vec<Opt>,
    pub impacts: Vec<Opt>,
    pub responses: Vec<Opt>,
}

fn choices(lang: Lang) -> Choices {
    Choices {
        stages: options::<Stage>(lang),
        categories: options::<RiskCategory>(lang),
        likelihoods: options::<Likelihood>(lang),
        impacts: options::<Impact>(lang),
        responses: options::<RiskResponse>(lang),
    }
}

#[derive(Template)]
#[template(path = "risks.html")]
struct ListPage<'a> {
    p: &'a Page,
    rows: Vec<Row>,
    c: Choices,
    f: Fields,
    errors: FieldErrors,
}

async fn list_with(app: &Shared, p: &Page, f: Fields, errors: FieldErrors, status: StatusCode) -> Response {
    let lang = p.lang;
    match app.run(move |s| s.list_risks()).await {
        Ok(rows) => {
            let rows = rows.iter().map(|r| row(r, lang)).collect();
            html(status, &ListPage { p, rows, c: choices(lang), f, errors })
        }
        Err(e) => core_error(p, &e, "/risiko"),
    }
}

fn signed_in(app: &Shared, h: &HeaderMap, lang: Lang, back: &str) -> Result<(Login, Page), Response> {
    let me = auth::require(app, h, back)?;
    let p = Page::new(lang, Some(me.clone()), "risk", back.to_string());
    Ok((me, p))
}

/// `GET /risiko`.
pub async fn list(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
) -> Response {
    let (_, mut p) = match signed_in(&app, &h, lang, "/risiko") {
        Ok(x) => x,
        Err(r) => return r,
    };
    p.live = "reload";
    list_with(&app, &p, Fields::default(), FieldErrors::default(), StatusCode::OK).await
}

/// `POST /risiko`.
pub async fn add(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let (me, p) = match signed_in(&app, &h, lang, "/risiko") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let f = Fields(f);
    let int = |k: &str| f.opt(k).and_then(|v| v.parse::<i64>().ok());
    let new = NewRisk {
        title: f.get("title").to_string(),
        stage: f.get("stage").to_string(),
        event: f.get("event").to_string(),
        likelihood: int("likelihood"),
        impact: int("impact"),
        category: f.opt("category"),
        cause: f.opt("cause"),
        consequence: f.opt("consequence"),
        owner: f.opt("owner"),
        ..Default::default()
    };
    let actor = me.actor();
    match app.run(move |s| s.add_risk(&actor, new)).await {
        Ok(r) => {
            tracing::info!(risk = %r.code, by = %me.nip, "risk added");
            Redirect::to(&format!("/risiko/{}", r.id.to_text())).into_response()
        }
        Err(e) => {
            let shown = [
                "title",
                "stage",
                "event",
                "category",
                "cause",
                "consequence",
                "owner",
                "likelihood",
                "impact",
                "form",
            ];
            let errors = FieldErrors::from_core(lang, &e).within(&shown);
            list_with(&app, &p, f, errors, crate::web::render::status_of(&e)).await
        }
    }
}

/// What the detail page shows.
pub struct View {
    pub r: Risk,
    pub id: String,
    pub stage: String,
    pub category: String,
    pub inherent: String,
    pub residual: String,
    pub response: String,
    pub status: String,
    pub sessions: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "risk_detail.html")]
struct DetailPage<'a> {
    p: &'a Page,
    v: View,
    c: Choices,
    errors: FieldErrors,
}

async fn detail_with(app: &Shared, p: &Page, id: &str, errors: FieldErrors, status: StatusCode) -> Response {
    let key = id.to_string();
    let lang = p.lang;
    let loaded = app
        .run(move |s| {
            let r = s.risk(&key)?;
            let m = amer_core::model::RiskMatrix::default();
            let rate = |a: &Option<amer_core::model::Assessment>| match a {
                Some(a) => {
                    let (score, lvl) = a.rate(&m);
                    format!(
                        "{} {} × {} {} = {score} ({})",
                        a.likelihood.code(),
                        a.likelihood.label(lang),
                        a.impact.code(),
                        a.impact.label(lang),
                        lvl.label(lang)
                    )
                }
                None => "–".into(),
            };
            let mut sessions = Vec::new();
            for sid in &r.linked_sessions {
                let t = s.session(&sid.to_text()).map(|x| x.ticket).unwrap_or_else(|_| sid.to_text());
                sessions.push((sid.to_text(), t));
            }
            Ok(View {
                id: r.id.to_text(),
                stage: r.stage.label(lang).to_string(),
                category: r.category.map(|c| c.label(lang).to_string()).unwrap_or_default(),
                inherent: rate(&r.inherent),
                residual: rate(&r.residual),
                response: r.response.map(|c| c.label(lang).to_string()).unwrap_or_else(|| "–".into()),
                status: r.status().label(lang).to_string(),
                sessions,
                r,
            })
        })
        .await;
    match loaded {
        Ok(v) => html(status, &DetailPage { p, v, c: choices(lang), errors }),
        Err(e) => core_error(p, &e, "/risiko"),
    }
}

fn risk_key(raw: &str) -> Option<String> {
    amer_core::RiskId::parse(raw).ok().map(|id| id.to_text())
}

/// `GET /risiko/{id}`.
pub async fn detail(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(raw): Path<String>,
) -> Response {
    let Some(id) = risk_key(&raw) else { return StatusCode::NOT_FOUND.into_response() };
    let (_, mut p) = match signed_in(&app, &h, lang, &format!("/risiko/{id}")) {
        Ok(x) => x,
        Err(r) => return r,
    };
    p.live = "reload";
    detail_with(&app, &p, &id, FieldErrors::default(), StatusCode::OK).await
}

/// `POST /risiko/{id}/{action}`: nilai, respon, penanganan, penanganan-selesai, pantau, tautan, tutup.
pub async fn act(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path((raw, action)): Path<(String, String)>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let Some(id) = risk_key(&raw) else { return StatusCode::NOT_FOUND.into_response() };
    let (me, p) = match signed_in(&app, &h, lang, &format!("/risiko/{id}")) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let f = Fields(f);
    let actor = me.actor();
    let key = id.clone();
    let int = |k: &str| f.get(k).trim().parse::<i64>().unwrap_or(0);
    let (l, i, residual) = (int("likelihood"), int("impact"), f.get("kind") == "residual");
    let due = match f.opt("due").map(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d")) {
        Some(Err(_)) => {
            let mut e = FieldErrors::default();
            e.add("due", format!("{}: {}", p.t("f.due"), p.t("f.date_format")));
            return detail_with(&app, &p, &id, e, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Some(Ok(d)) => Some(d),
        None => None,
    };
    let (response, action_text, owner, item, note, session) = (
        f.get("response").to_string(),
        f.get("action").to_string(),
        f.get("owner").to_string(),
        f.get("item").to_string(),
        f.get("note").to_string(),
        f.get("session").to_string(),
    );
    let op = action.clone();
    let result = app
        .run(move |s| match op.as_str() {
            "nilai" => s.assess_risk(&actor, &key, l, i, residual).map(Some),
            "respon" => s.respond_risk(&actor, &key, &response).map(Some),
            "penanganan" => s.treat_risk(&actor, &key, &action_text, &owner, due).map(Some),
            "penanganan-selesai" => s.treatment_done(&actor, &key, &item).map(Some),
            "pantau" => s.monitor_risk(&actor, &key, &note).map(Some),
            "tautan" => s.link_risk(&actor, &key, &session).map(Some),
            "tutup" => s.close_risk(&actor, &key).map(Some),
            _ => Ok(None),
        })
        .await;
    match result {
        Ok(Some(r)) => {
            tracing::info!(risk = %r.code, action = %action, by = %me.nip, "risk updated");
            Redirect::to(&format!("/risiko/{id}")).into_response()
        }
        Ok(None) => error_page(&p, StatusCode::NOT_FOUND, p.t("not_found"), "/risiko"),
        Err(e) => {
            let shown: &[&str] = match action.as_str() {
                "nilai" => &["likelihood", "impact"],
                "respon" => &["response"],
                "penanganan" => &["action", "owner", "due"],
                "pantau" => &["note"],
                "tautan" => &["session"],
                _ => &[],
            };
            let mut errors = FieldErrors::from_core(lang, &e).within(shown);
            if action == "tautan" {
                if let Some(m) = errors.0.remove("form") {
                    errors.add("session", m);
                }
            }
            detail_with(&app, &p, &id, errors, crate::web::render::status_of(&e)).await
        }
    }
}
