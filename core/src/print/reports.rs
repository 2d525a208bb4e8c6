//! The printed period reports (*Rekap Layanan*, *Rekap Kinerja Petugas*, the satisfaction index,
//! *Daftar Risiko*, *Peta Risiko*): each report of [`crate::report`] mapped onto the JSON its
//! template documents, and rendered.
//!
//! The mapping only formats: figures come from the report as computed (the same numbers as its
//! JSON and spreadsheet export), labels are the report's Indonesian ones, decimals get a comma
//! ("4,63"), durations are words ("12 menit"), and a flagged duration prints as its warning
//! instead of a figure. Means that leave flagged timings out say how many ("31 menit
//! (1 ditandai)"), so a printed figure never hides a clock problem.

use chrono::{DateTime, Datelike, NaiveDate};
use serde_json::{json, Map, Value};

use super::{Printer, Template};
use crate::model::RiskCategory;
use crate::model::{Category, Coded, Lang, RiskLevel, RiskResponse, RiskStatus, SessionStatus, Stage};
use crate::report::risk::{RiskMap, RiskRating};
use crate::report::summary::naive_local;
use crate::report::CodeLabel;
use crate::report::{
    dates, period_summary, risk_report, satisfaction, staff_performance, PerformanceFigures, Period,
    PeriodSummary, ReportFilter, ReportHeader, RiskReport, SatisfactionReport, StaffPerformance,
};
use crate::{Error, Result, Store};

/// A printable period report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// *Rekap Layanan*: the period summary with its sessions.
    ServiceSummary,
    /// *Rekap Kinerja Petugas*: per officer.
    StaffPerformance,
    /// *Indeks Kepuasan Pengguna Layanan*.
    Satisfaction,
    /// *Daftar Risiko*: the risk register.
    RiskRegister,
    /// *Peta Risiko*: the 5×5 maps with counts per cell.
    RiskMap,
}

impl ReportKind {
    /// Every printable report.
    pub const ALL: [ReportKind; 5] = [
        ReportKind::ServiceSummary,
        ReportKind::StaffPerformance,
        ReportKind::Satisfaction,
        ReportKind::RiskRegister,
        ReportKind::RiskMap,
    ];

    /// The template it prints with.
    pub fn template(self) -> Template {
        match self {
            ReportKind::ServiceSummary => Template::ServiceSummary,
            ReportKind::StaffPerformance => Template::StaffPerformance,
            ReportKind::Satisfaction => Template::Satisfaction,
            ReportKind::RiskRegister => Template::RiskRegister,
            ReportKind::RiskMap => Template::RiskMap,
        }
    }
}

/// Computes the report of `kind` for `period` and `filter` and renders it to PDF bytes, labelled
/// in `lang` (Indonesian, [`Lang::Id`], by default).
///
/// The risk documents cover the risks recorded in the period; `filter` (category, officer)
/// selects sessions and does not apply to them.
pub fn print_report(
    store: &Store,
    printer: &Printer,
    kind: ReportKind,
    period: &Period,
    filter: &ReportFilter,
    lang: Lang,
) -> Result<Vec<u8>> {
    let data = match kind {
        ReportKind::ServiceSummary => service_summary_json(&period_summary(store, period, filter)?, lang),
        ReportKind::StaffPerformance => {
            staff_performance_json(&staff_performance(store, period, filter)?, lang)
        }
        ReportKind::Satisfaction => satisfaction_json(&satisfaction(store, period, filter)?, lang),
        ReportKind::RiskRegister => risk_register_json(store, &risk_report(store, period)?, lang)?,
        ReportKind::RiskMap => risk_map_json(&risk_report(store, period)?, lang),
    };
    printer.render(kind.template(), &data).map_err(|e| Error::Print(e.to_string()))
}

/// `service_summary.typ`: totals, counts by category and status, the sessions in arrival order.
pub fn service_summary_json(s: &PeriodSummary, lang: Lang) -> Value {
    let counts = |rows: Vec<(String, i64)>| -> Vec<Value> {
        rows.into_iter().map(|(label, count)| json!({ "label": label, "count": count })).collect()
    };
    let by_category = s.by_category.iter().map(|c| (label::<Category>(&c.category, lang), c.total)).collect();
    // Every status would print a column of zeros; only those that occur.
    let by_status = s
        .by_status
        .iter()
        .filter(|r| r.count > 0)
        .map(|r| (code_label::<SessionStatus>(r.code.as_deref(), &r.label, lang), r.count))
        .collect();
    // The report lists newest first; paper reads in the order the visitors came.
    let sessions: Vec<Value> = s
        .sessions
        .iter()
        .flatten()
        .rev()
        .map(|r| {
            let flagged = r.finished_at.is_some() && r.duration_seconds.is_none();
            let duration = match (lang, flagged) {
                (Lang::Id, _) => r.duration_text.clone(),
                (Lang::En, false) => r.duration_seconds.map(|x| dates::format_duration(x, lang)),
                (Lang::En, true) => Some(flag_text(r.timing_flag.as_deref())),
            };
            json!({
                "ticket": r.ticket,
                "date": naive_local(&r.arrived_at).map(|t| t.format("%d-%m-%Y").to_string()),
                "category_label": label::<Category>(&r.category, lang),
                "subject": r.subject,
                "officer": r.officer_name,
                "duration": if flagged { None } else { duration.clone() },
                "duration_flag": if flagged { duration } else { None },
                "rating": r.score,
            })
        })
        .collect();
    let mut data = frame(&s.header, session_scope(&s.header, lang), lang);
    data.extend([
        ("total".into(), json!(s.sessions_total)),
        ("rated".into(), json!(s.rating.count)),
        ("mean_waiting".into(), json!(mean_text(s.waiting.mean_seconds, s.waiting.flagged, lang))),
        ("mean_duration".into(), json!(mean_text(s.duration.mean_seconds, s.duration.flagged, lang))),
        ("mean_rating".into(), json!(s.rating.mean.map(|m| decimal(m, 2, lang)))),
        ("by_category".into(), json!(counts(by_category))),
        ("by_status".into(), json!(counts(by_status))),
        ("sessions".into(), json!(sessions)),
    ]);
    Value::Object(data)
}

/// `staff_performance.typ`: one row per officer and the all-officers row.
pub fn staff_performance_json(r: &StaffPerformance, lang: Lang) -> Value {
    let officers: Vec<Value> = r
        .officers
        .iter()
        .map(|o| {
            let mut row = performance_figures(&o.figures, lang);
            row.insert("name".into(), json!(o.officer.name));
            row.insert("nip".into(), json!(o.officer.nip));
            Value::Object(row)
        })
        .collect();
    let mut data = frame(&r.header, session_scope(&r.header, lang), lang);
    data.insert("officers".into(), json!(officers));
    data.insert(
        "total".into(),
        if r.officers.is_empty() { Value::Null } else { Value::Object(performance_figures(&r.total, lang)) },
    );
    Value::Object(data)
}

fn performance_figures(f: &PerformanceFigures, lang: Lang) -> Map<String, Value> {
    let rating = &f.rating;
    let map = json!({
        "served": f.sessions_served,
        "mean_duration": mean_text(f.duration.mean_seconds, f.duration.flagged, lang),
        "median_duration": f.duration.median_seconds.map(|m| dates::format_duration(m.round() as i64, lang)),
        "mean_waiting": mean_text(f.waiting.mean_seconds, f.waiting.flagged, lang),
        "mean_rating": rating.mean.map(|m| decimal(m, 2, lang)),
        "share_good": rating.share_4_plus.map(percent),
        "index": rating.index.map(|i| decimal(i, 2, lang)),
        "grade": rating.grade.as_ref().map(|g| g.letter.clone()),
    });
    match map {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `satisfaction.typ`: ratings per score, the mean, the converted index and its grade.
pub fn satisfaction_json(r: &SatisfactionReport, lang: Lang) -> Value {
    let o = &r.overall;
    let mut data = frame(&r.header, session_scope(&r.header, lang), lang);
    data.extend([
        ("count".into(), json!(o.count)),
        ("distribution".into(), json!(o.distribution.iter().map(|d| d.count).collect::<Vec<_>>())),
        ("mean".into(), json!(o.mean.map(|m| decimal(m, 2, lang)))),
        ("index".into(), json!(o.index.map(|i| decimal(i, 2, lang)))),
        ("grade".into(), json!(o.grade.as_ref().map(|g| g.letter.clone()))),
        (
            "grade_label".into(),
            json!(o.grade.as_ref().map(|g| if lang == Lang::En {
                g.label_en.clone()
            } else {
                g.label.clone()
            })),
        ),
    ]);
    Value::Object(data)
}

/// `risk_register.typ`: the register with each risk's event, cause and consequence, which the
/// report's projection does not hold: they are read from the risk records (a register is a few
/// dozen risks).
pub fn risk_register_json(store: &Store, r: &RiskReport, lang: Lang) -> Result<Value> {
    let mut risks = Vec::with_capacity(r.register.len());
    for row in &r.register {
        let risk = store.risk(&row.id.to_text())?;
        let package = risk.package.as_ref().and_then(|p| match (&p.code, &p.name) {
            (Some(c), Some(n)) => Some(format!("{c} – {n}")),
            (c, n) => c.clone().or_else(|| n.clone()),
        });
        // The short title is what the office calls the risk; the event says what happens.
        let event = if risk.event.trim().is_empty() || risk.event == row.title {
            row.title.clone()
        } else {
            format!("{}: {}", row.title, risk.event)
        };
        let treatment = &row.treatment;
        risks.push(json!({
            "code": row.code,
            "package": package,
            "stage_label": label::<Stage>(&row.stage, lang),
            "opd": row.opd,
            "event": event,
            "category_label": row.category.as_ref().map(|c| label::<RiskCategory>(c, lang)),
            "cause": risk.cause,
            "consequence": risk.consequence,
            "owner": row.owner,
            "inherent": row.inherent.as_ref().map(|a| rating_json(a, lang)),
            "response_label": row.response.as_ref().map(|c| label::<RiskResponse>(c, lang)),
            "residual": row.residual.as_ref().map(|a| rating_json(a, lang)),
            "treatment": treatment.share.map(|s| match lang {
                Lang::Id => format!("{} dari {} ({})", treatment.done, treatment.total, percent(s)),
                Lang::En => format!("{} of {} ({})", treatment.done, treatment.total, percent(s)),
            }),
            "status_label": label::<RiskStatus>(&row.status, lang),
        }));
    }
    let mut data = frame(&r.header, risk_scope(&r.header, None, lang), lang);
    data.insert("risks".into(), json!(risks));
    Ok(Value::Object(data))
}

fn rating_json(a: &RiskRating, lang: Lang) -> Value {
    json!({
        "likelihood": a.likelihood.value,
        "impact": a.impact.value,
        "score": a.score,
        "level": a.level.code,
        "level_label": label::<RiskLevel>(&a.level, lang),
    })
}

/// `risk_map.typ`: the level legend and the inherent map, plus the residual one when any risk
/// has a residual assessment.
pub fn risk_map_json(r: &RiskReport, lang: Lang) -> Value {
    let cells = |m: &RiskMap| -> Value {
        let cells: Vec<Value> = m
            .rows
            .iter()
            .flat_map(|row| &row.cells)
            .map(|c| {
                json!({
                    "likelihood": c.likelihood, "impact": c.impact, "score": c.score,
                    "level": c.level.code, "count": c.count,
                })
            })
            .collect();
        json!({ "cells": cells })
    };
    let levels: Vec<Value> = r
        .levels
        .iter()
        .map(|l| {
            json!({ "code": l.level.code, "label": label::<RiskLevel>(&l.level, lang), "range": format!("{}–{}", l.from_score, l.to_score) })
        })
        .collect();
    let unmapped = r.inherent_map.not_assessed;
    let mut data = frame(&r.header, risk_scope(&r.header, Some(unmapped), lang), lang);
    data.extend([
        ("levels".into(), json!(levels)),
        ("inherent".into(), cells(&r.inherent_map)),
        ("residual".into(), if r.residual_map.assessed > 0 { cells(&r.residual_map) } else { Value::Null }),
    ]);
    Value::Object(data)
}

/// What every period report reads: letterhead, print time, period, scope; no signature block,
/// since the store does not know who signs the office's reports.
fn frame(h: &ReportHeader, filters: String, lang: Lang) -> Map<String, Value> {
    let made = DateTime::parse_from_rfc3339(&h.generated_at).ok();
    let printed_at = made.map(|t| format!("{} {}", t.format("%d-%m-%Y %H:%M"), h.timezone_abbr));
    let place_date = made.map(|t| dates::date_long(t.date_naive(), lang));
    let office = h.office.as_ref().map(|o| json!({ "name": o.name, "unit": o.unit, "address": o.address }));
    let map = json!({
        "lang": lang.code(),
        "office": office,
        "printed_at": printed_at,
        "place_date": place_date,
        "period": period_json(&h.period, &h.period_label, lang),
        "filters": filters,
        "signatory": null,
    });
    match map {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// A calendar month or year by its name with its first and last day; any other period by the
/// report's label alone (which already names both days).
fn period_json(p: &Period, label: &str, lang: Lang) -> Value {
    let day = |d: NaiveDate| d.format("%d-%m-%Y").to_string();
    let label = match lang {
        Lang::Id => label.to_string(),
        Lang::En => dates::period_label_en(p),
    };
    let (Some(from), Some(to)) = (p.from, p.to) else {
        return json!({ "label": label, "from": null, "to": null });
    };
    let name = if Period::month(from.year(), from.month()).is_ok_and(|m| m == *p) {
        Some(dates::month_year(from, lang))
    } else if from.ordinal() == 1
        && to.year() == from.year()
        && to.succ_opt().is_some_and(|n| n.ordinal() == 1)
    {
        Some(match lang {
            Lang::Id => format!("Tahun {}", from.year()),
            Lang::En => format!("Year {}", from.year()),
        })
    } else {
        None
    };
    match name {
        Some(name) => json!({ "label": name, "from": day(from), "to": day(to) }),
        None => json!({ "label": label, "from": null, "to": null }),
    }
}

/// "Semua kategori, semua petugas", "Kategori Pengaduan, petugas Budi Petugas" (or English).
fn session_scope(h: &ReportHeader, lang: Lang) -> String {
    let category = h.category.as_ref().map(|c| label::<Category>(c, lang));
    let officer = h.officer.as_ref().map(|o| o.name.clone());
    match lang {
        Lang::Id => format!(
            "{}, {}",
            category.map_or("Semua kategori".to_string(), |c| format!("Kategori {c}")),
            officer.map_or("semua petugas".to_string(), |o| format!("petugas {o}"))
        ),
        Lang::En => format!(
            "{}, {}",
            category.map_or("All categories".to_string(), |c| format!("Category {c}")),
            officer.map_or("all officers".to_string(), |o| format!("officer {o}"))
        ),
    }
}

/// Which risks a risk document covers, and how many it could not place on the map.
fn risk_scope(h: &ReportHeader, unmapped: Option<i64>, lang: Lang) -> String {
    let all = h.period.from.is_none() && h.period.to.is_none();
    let mut s = match (lang, all) {
        (Lang::Id, true) => "Semua risiko yang tercatat".to_string(),
        (Lang::Id, false) => "Risiko yang dicatat dalam periode".to_string(),
        (Lang::En, true) => "Every recorded risk".to_string(),
        (Lang::En, false) => "Risks recorded in the period".to_string(),
    };
    if let Some(n) = unmapped.filter(|n| *n > 0) {
        s.push_str(&match lang {
            Lang::Id => format!("; {n} risiko belum dinilai (tidak dipetakan)"),
            Lang::En => format!("; {n} risks not assessed yet (not on the map)"),
        });
    }
    s
}

/// The label of a coded report value in `lang` (the report's own label for a code this build
/// does not know).
fn label<C: Coded>(c: &CodeLabel, lang: Lang) -> String {
    code_label::<C>(Some(&c.code), &c.label, lang)
}

fn code_label<C: Coded>(code: Option<&str>, fallback: &str, lang: Lang) -> String {
    code.and_then(C::from_code).map_or(fallback.to_string(), |c| c.label(lang).to_string())
}

/// The warning printed instead of a flagged duration, in English (the Indonesian one comes
/// with the report's row).
fn flag_text(flag: Option<&str>) -> String {
    use crate::model::TimingFigure;
    match flag {
        Some("negative") => dates::timing_text(TimingFigure::Negative, Lang::En),
        Some("absurd") => dates::timing_text(TimingFigure::Absurd, Lang::En),
        _ => "CHECK: implausible time (PC clocks disagree)".to_string(),
    }
}

/// A mean duration in words, saying how many flagged timings it leaves out.
fn mean_text(seconds: Option<f64>, flagged: i64, lang: Lang) -> Option<String> {
    let text = seconds.map(|s| dates::format_duration(s.round() as i64, lang));
    match lang {
        Lang::Id => with_flagged(text.as_deref(), flagged),
        Lang::En => match (text, flagged) {
            (t, 0) => t,
            (t, n) => Some(format!("{} ({n} flagged)", t.as_deref().unwrap_or("—"))),
        },
    }
}

/// A mean that leaves flagged timings out, saying how many it left out.
fn with_flagged(mean: Option<&str>, flagged: i64) -> Option<String> {
    match (mean, flagged) {
        (m, 0) => m.map(str::to_string),
        (m, n) => Some(format!("{} ({n} ditandai)", m.unwrap_or("—"))),
    }
}

/// "4,63": a decimal with the Indonesian comma, halves rounded up as the IKM grade rounds them
/// (plain formatting would print 90.625 as "90,62" beside a grade computed from 90,63).
fn decimal(x: f64, digits: usize, lang: Lang) -> String {
    let scale = 10f64.powi(digits as i32);
    let text = format!("{:.digits$}", (x * scale).round() / scale);
    match lang {
        Lang::Id => text.replace('.', ","),
        Lang::En => text,
    }
}

/// "92%" from 0.92.
fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn periods_by_name_or_label() {
        let month = Period::month(2026, 11).expect("month");
        assert_eq!(
            period_json(&month, "1 November 2026 s.d. 30 November 2026", Lang::Id),
            json!({ "label": "November 2026", "from": "01-11-2026", "to": "30-11-2026" })
        );
        let year = Period::between(d(2026, 1, 1), d(2026, 12, 31)).expect("year");
        assert_eq!(period_json(&year, "x", Lang::Id)["label"], "Tahun 2026");
        let some = Period::between(d(2026, 3, 2), d(2026, 3, 6)).expect("week");
        assert_eq!(period_json(&some, "2 Maret 2026 s.d. 6 Maret 2026", Lang::Id)["from"], Value::Null);
        assert_eq!(period_json(&Period::all(), "Semua periode", Lang::Id)["label"], "Semua periode");
    }

    #[test]
    fn figures_as_printed() {
        assert_eq!(decimal(14.0 / 3.0, 2, Lang::Id), "4,67");
        assert_eq!(decimal(84.0625, 2, Lang::Id), "84,06");
        assert_eq!(decimal(90.625, 2, Lang::Id), "90,63");
        assert_eq!(decimal(90.625, 2, Lang::En), "90.63");
        assert_eq!(mean_text(Some(720.0), 1, Lang::En).as_deref(), Some("12 min (1 flagged)"));
        assert_eq!(
            period_json(&Period::month(2026, 3).expect("march"), "x", Lang::En)["label"],
            "March 2026"
        );
        assert_eq!(percent(0.916), "92%");
        assert_eq!(with_flagged(Some("12 menit"), 0).as_deref(), Some("12 menit"));
        assert_eq!(with_flagged(Some("12 menit"), 1).as_deref(), Some("12 menit (1 ditandai)"));
        assert_eq!(with_flagged(None, 2).as_deref(), Some("— (2 ditandai)"));
        assert_eq!(with_flagged(None, 0), None);
    }
}
