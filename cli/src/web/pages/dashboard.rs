//! Dasbor: officer performance, the satisfaction index with its grade, what comes up most (SVG
//! bar charts drawn here), the 5×5 risk map, period filters and downloads (CSV/XLSX through the
//! library's export, PDF through its printer).

use std::collections::HashMap;

use amer_core::export::{export_report, export_risks, export_sessions, ExportFormat};
use amer_core::model::Lang;
use amer_core::print::reports::{print_report, ReportKind};
use amer_core::report::{self, Period, ReportFilter};
use amer_core::store::SessionFilter;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::{Datelike, NaiveDate};

use crate::web::auth;
use crate::web::charts;
use crate::web::render::{core_error, error_page, html, FieldErrors, Page};
use crate::web::{ReqLang, Shared};

/// The period asked for: `from`/`to` dates, or `period=today|month|year|all` (default: this month).
fn period_of(
    q: &HashMap<String, String>,
    today: NaiveDate,
    lang: Lang,
) -> Result<(Period, String), (String, String)> {
    let date = |k: &str| -> Result<Option<NaiveDate>, (String, String)> {
        match q.get(k).map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d").map(Some).map_err(|_| {
                let label = crate::web::i18n::tr(lang, if k == "from" { "dash.from" } else { "dash.to" });
                (k.to_string(), format!("{label}: {}", crate::web::i18n::tr(lang, "f.date_format")))
            }),
        }
    };
    let (from, to) = (date("from")?, date("to")?);
    let month_start = today.with_day(1).unwrap_or(today);
    let (period, key) = if from.is_some() || to.is_some() {
        (Period { from, to }, "custom")
    } else {
        match q.get("period").map(String::as_str).unwrap_or("month") {
            "today" => (Period { from: Some(today), to: Some(today) }, "today"),
            "year" => (Period { from: NaiveDate::from_ymd_opt(today.year(), 1, 1), to: Some(today) }, "year"),
            "all" => (Period::all(), "all"),
            _ => (Period { from: Some(month_start), to: Some(today) }, "month"),
        }
    };
    period.check().map_err(|e| ("to".to_string(), crate::web::i18n::error_message(lang, &e)))?;
    Ok((period, key.to_string()))
}

fn query_of(p: &Period) -> String {
    match (p.from, p.to) {
        (None, None) => "?period=all".into(),
        (f, t) => format!(
            "?from={}&to={}",
            f.map(|d| d.to_string()).unwrap_or_default(),
            t.map(|d| d.to_string()).unwrap_or_default()
        ),
    }
}

/// An officer's line.
pub struct PerfRow {
    pub name: String,
    pub assigned: i64,
    pub served: i64,
    pub wait: String,
    pub duration: String,
    pub mean: String,
    pub index: String,
}

/// A cell of the risk map.
pub struct Cell {
    pub l: u8,
    pub i: u8,
    pub level: String,
    pub count: i64,
}

/// A row of the risk map.
pub struct MapRow {
    pub label: String,
    pub cells: Vec<Cell>,
}

/// What the dashboard shows.
pub struct Dash {
    pub sessions: i64,
    pub ratings: i64,
    pub index: String,
    pub grade: String,
    pub mean: String,
    pub perf: Vec<PerfRow>,
    pub total: PerfRow,
    pub topics_svg: String,
    pub categories_svg: String,
    pub map: Vec<MapRow>,
    pub impacts: Vec<String>,
}

fn num(v: Option<f64>, d: usize) -> String {
    v.map(|x| format!("{x:.d$}")).unwrap_or_else(|| "–".into())
}

fn perf_row(name: String, f: &report::PerformanceFigures) -> PerfRow {
    PerfRow {
        name,
        assigned: f.sessions_assigned,
        served: f.sessions_served,
        wait: f.waiting.mean_text.clone().unwrap_or_else(|| "–".into()),
        duration: f.duration.mean_text.clone().unwrap_or_else(|| "–".into()),
        mean: num(f.rating.mean, 2),
        index: num(f.rating.index, 2),
    }
}

fn read(s: &amer_core::Store, period: &Period, lang: Lang) -> amer_core::Result<Dash> {
    let filter = ReportFilter::default();
    let perf = report::staff_performance(s, period, &filter)?;
    let sat = report::satisfaction(s, period, &filter)?;
    let topics = report::topics(s, period, &filter, 10)?;
    let risks = report::risk_report(s, period)?;
    let t = |k| crate::web::i18n::tr(lang, k);
    let rows = |v: &[report::CountRow]| v.iter().map(|r| (r.label.clone(), r.count)).collect::<Vec<_>>();
    let o = &sat.overall;
    Ok(Dash {
        sessions: topics.sessions,
        ratings: o.count,
        index: num(o.index, 2),
        grade: o
            .grade
            .as_ref()
            .map(|g| format!("{} ({})", g.letter, if lang == Lang::En { &g.label_en } else { &g.label }))
            .unwrap_or_else(|| "–".into()),
        mean: num(o.mean, 2),
        perf: perf.officers.iter().map(|x| perf_row(x.officer.name.clone(), &x.figures)).collect(),
        total: perf_row(t("dash.total").into(), &perf.total),
        topics_svg: charts::bars("chart-topics", t("dash.topics"), &rows(&topics.by_topic)),
        categories_svg: charts::bars("chart-categories", t("dash.categories"), &rows(&topics.by_category)),
        impacts: risks.residual_map.impacts.iter().map(|x| format!("{} {}", x.value, x.label)).collect(),
        map: risks
            .residual_map
            .rows
            .iter()
            .map(|r| MapRow {
                label: format!("{} {}", r.likelihood.value, r.likelihood.label),
                cells: r
                    .cells
                    .iter()
                    .map(|c| Cell {
                        l: c.likelihood,
                        i: c.impact,
                        level: c.level.code.clone(),
                        count: c.count,
                    })
                    .collect(),
            })
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashPage<'a> {
    p: &'a Page,
    d: Option<Dash>,
    from: String,
    to: String,
    key: String,
    q: String,
    errors: FieldErrors,
}

/// `GET /dasbor`.
pub async fn page(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let me = match auth::require(&app, &h, "/dasbor") {
        Ok(m) => m,
        Err(r) => return r,
    };
    let mut p = Page::new(lang, Some(me), "dashboard", "/dasbor");
    p.live = "reload";
    let tz = app.store.timezone().unwrap_or(chrono_tz::Asia::Makassar);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let from = q.get("from").cloned().unwrap_or_default();
    let to = q.get("to").cloned().unwrap_or_default();
    let (period, key) = match period_of(&q, today, lang) {
        Ok(x) => x,
        Err((field, msg)) => {
            let mut errors = FieldErrors::default();
            errors.add(&field, msg);
            let page = DashPage { p: &p, d: None, from, to, key: "custom".into(), q: String::new(), errors };
            return html(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let shown_from = period.from.map(|d| d.to_string()).unwrap_or_default();
    let shown_to = period.to.map(|d| d.to_string()).unwrap_or_default();
    let qs = query_of(&period);
    match app.run(move |s| read(s, &period, lang)).await {
        Ok(d) => html(
            StatusCode::OK,
            &DashPage {
                p: &p,
                d: Some(d),
                from: shown_from,
                to: shown_to,
                key,
                q: qs,
                errors: FieldErrors::default(),
            },
        ),
        Err(e) => core_error(&p, &e, "/dasbor"),
    }
}

/// `GET /dasbor/unduh/{what}.{fmt}`.
pub async fn download(
    State(app): State<Shared>,
    Extension(ReqLang(lang)): Extension<ReqLang>,
    h: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let me = match auth::require(&app, &h, "/dasbor") {
        Ok(m) => m,
        Err(r) => return r,
    };
    let p = Page::new(lang, Some(me), "dashboard", "/dasbor");
    let tz = app.store.timezone().unwrap_or(chrono_tz::Asia::Makassar);
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let Ok((period, _)) = period_of(&q, today, lang) else {
        return error_page(&p, StatusCode::UNPROCESSABLE_ENTITY, p.t("dash.bad_period"), "/dasbor");
    };
    let Some((what, fmt)) = file.split_once('.') else {
        return error_page(&p, StatusCode::NOT_FOUND, p.t("not_found"), "/dasbor");
    };
    let (what, fmt) = (what.to_string(), fmt.to_string());
    let printer = app.printer();
    let tmp = app.home.join("tmp");
    let name = format!("{what}.{fmt}");
    let result = app
        .run(move |s| {
            let filter = ReportFilter::default();
            if fmt == "pdf" {
                let kind = match what.as_str() {
                    "sessions" => ReportKind::ServiceSummary,
                    "performance" => ReportKind::StaffPerformance,
                    "satisfaction" => ReportKind::Satisfaction,
                    "risks" => ReportKind::RiskRegister,
                    "riskmap" => ReportKind::RiskMap,
                    _ => return Ok(None),
                };
                return Ok(Some(print_report(s, &printer, kind, &period, &filter, lang)?));
            }
            let format = match fmt.as_str() {
                "csv" => ExportFormat::Csv,
                "xlsx" => ExportFormat::Xlsx,
                _ => return Ok(None),
            };
            std::fs::create_dir_all(&tmp)?;
            let dir = tmp.join(format!("export-{}", auth::form_token()));
            std::fs::create_dir_all(&dir)?;
            let path = dir.join(format!("{what}.{fmt}"));
            let exported = match what.as_str() {
                "sessions" => export_sessions(
                    s,
                    format,
                    &path,
                    &SessionFilter { from: period.from, to: period.to, ..Default::default() },
                ),
                "performance" => {
                    export_report(&report::staff_performance(s, &period, &filter)?, format, &path)
                }
                "satisfaction" => export_report(&report::satisfaction(s, &period, &filter)?, format, &path),
                "topics" => export_report(&report::topics(s, &period, &filter, 20)?, format, &path),
                "risks" => export_risks(s, format, &path),
                _ => {
                    let _ = std::fs::remove_dir_all(&dir);
                    return Ok(None);
                }
            };
            let bytes = exported.and_then(|e| {
                let first = e.files.first().cloned().unwrap_or(path.clone());
                Ok(std::fs::read(first)?)
            });
            let _ = std::fs::remove_dir_all(&dir);
            bytes.map(Some)
        })
        .await;
    let content_type = match name.rsplit('.').next() {
        Some("pdf") => "application/pdf",
        Some("csv") => "text/csv; charset=utf-8",
        _ => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    match result {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, content_type.to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => error_page(&p, StatusCode::NOT_FOUND, p.t("not_found"), "/dasbor"),
        Err(e) => core_error(&p, &e, "/dasbor"),
    }
}
