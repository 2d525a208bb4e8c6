//! `amer report performance|satisfaction|topics|objections|risk-register|risk-map|summary|search`:
//! a report of the library as tables for people, its JSON with `--json`, or a file: the printed
//! A4 document (`--pdf`), or its tables as CSV or XLSX.

use std::io::Write;
use std::path::{Path, PathBuf};

use amer_core::export::{export_report, ExportFormat, Tabular};
use amer_core::model::{Category, Coded, Nip};
use amer_core::print::reports::{print_report, ReportKind};
use amer_core::report::performance::PerformanceFigures;
use amer_core::report::risk::{RiskMap, RiskRating};
use amer_core::report::satisfaction::RatingSummary;
use amer_core::report::{
    self, CountRow, ObjectionReport, Period, PeriodSummary, ReportFilter, ReportHeader, RiskReport,
    SatisfactionReport, StaffPerformance, TopicsReport,
};
use amer_core::Store;
use anyhow::Context;
use serde::Serialize;

use super::Ctx;
use crate::args::{PeriodArgs, ReportArgs, ReportCommand, ReportFileArgs, SearchArgs, SessionScopeArgs};
use crate::exit::refuse;
use crate::output::{write_fields, Table};

pub fn run(ctx: &Ctx, cmd: ReportCommand) -> anyhow::Result<()> {
    match cmd {
        ReportCommand::Performance(a) => session_report(
            ctx,
            a,
            Some(ReportKind::StaffPerformance),
            report::staff_performance,
            performance_text,
        ),
        ReportCommand::Satisfaction(a) => {
            session_report(ctx, a, Some(ReportKind::Satisfaction), report::satisfaction, satisfaction_text)
        }
        ReportCommand::Summary(a) => {
            session_report(ctx, a, Some(ReportKind::ServiceSummary), report::period_summary, summary_text)
        }
        ReportCommand::Objections(a) => session_report(ctx, a, None, report::objections, objections_text),
        ReportCommand::Topics(t) => {
            let limit = t.limit;
            session_report(ctx, t.report, None, |s, p, f| report::topics(s, p, f, limit), topics_text)
        }
        ReportCommand::RiskRegister(a) => {
            risk(ctx, a.period, a.file, ReportKind::RiskRegister, register_text)
        }
        ReportCommand::RiskMap(a) => risk(ctx, a.period, a.file, ReportKind::RiskMap, map_text),
        ReportCommand::Search(a) => search(ctx, a),
    }
}

/// A report over sessions: computed for the period and filter, then shown or written.
fn session_report<R: Serialize + Tabular>(
    ctx: &Ctx,
    a: ReportArgs,
    printable: Option<ReportKind>,
    compute: impl FnOnce(&Store, &Period, &ReportFilter) -> amer_core::Result<R>,
    text: fn(&mut dyn Write, &R) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let target = Target::of(&a.file, printable)?;
    let period = period(&a.period)?;
    let filter = filter(&a.scope)?;
    let store = ctx.open()?;
    match target {
        Target::Screen => {
            let r = compute(&store, &period, &filter)?;
            ctx.out.emit(&r, |w| text(w, &r))
        }
        Target::Pdf(path, kind) => pdf(ctx, &store, kind, &period, &filter, &path, a.file.force),
        Target::Table(format, path) => {
            let r = compute(&store, &period, &filter)?;
            tables(ctx, &r, format, &path, a.file.force)
        }
    }
}

/// A risk document: the risks recorded in the period (no session filter applies).
fn risk(
    ctx: &Ctx,
    period_args: PeriodArgs,
    file: ReportFileArgs,
    kind: ReportKind,
    text: fn(&mut dyn Write, &RiskReport) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let target = Target::of(&file, Some(kind))?;
    let period = period(&period_args)?;
    let store = ctx.open()?;
    match target {
        Target::Screen => {
            let r = report::risk_report(&store, &period)?;
            ctx.out.emit(&r, |w| text(w, &r))
        }
        Target::Pdf(path, kind) => {
            pdf(ctx, &store, kind, &period, &ReportFilter::default(), &path, file.force)
        }
        Target::Table(format, path) => {
            tables(ctx, &report::risk_report(&store, &period)?, format, &path, file.force)
        }
    }
}

/// Where a report goes.
enum Target {
    Screen,
    Pdf(PathBuf, ReportKind),
    Table(ExportFormat, PathBuf),
}

impl Target {
    /// Refuses `--pdf` for a report without a printed form before anything is read.
    fn of(file: &ReportFileArgs, printable: Option<ReportKind>) -> anyhow::Result<Target> {
        Ok(match (&file.pdf, &file.csv, &file.xlsx) {
            (Some(p), _, _) => match printable {
                Some(kind) => Target::Pdf(p.clone(), kind),
                None => {
                    return Err(refuse(
                        "this report has no printed form; write it with --csv FILE or --xlsx FILE, or see it with --json",
                    ))
                }
            },
            (_, Some(p), _) => Target::Table(ExportFormat::Csv, p.clone()),
            (_, _, Some(p)) => Target::Table(ExportFormat::Xlsx, p.clone()),
            _ => Target::Screen,
        })
    }
}

/// What a file option wrote.
#[derive(Debug, Serialize)]
struct Written {
    format: &'static str,
    files: Vec<String>,
    bytes: usize,
}

fn pdf(
    ctx: &Ctx,
    store: &Store,
    kind: ReportKind,
    period: &Period,
    filter: &ReportFilter,
    path: &Path,
    force: bool,
) -> anyhow::Result<()> {
    refuse_existing(path, force)?;
    let bytes = print_report(store, &ctx.printer(), kind, period, filter, ctx.out.lang)?;
    super::write_new_file(path, &bytes, force)?;
    let w = Written { format: "pdf", files: vec![path.display().to_string()], bytes: bytes.len() };
    ctx.out.emit(&w, |out| writeln!(out, "PDF written to {} ({} bytes)", w.files[0], w.bytes))
}

fn tables<R: Serialize + Tabular>(
    ctx: &Ctx,
    r: &R,
    format: ExportFormat,
    path: &Path,
    force: bool,
) -> anyhow::Result<()> {
    refuse_existing(path, force)?;
    let done = export_report(r, format, path)?;
    ctx.out.emit(&done, |w| {
        for f in &done.files {
            writeln!(w, "{} written to {}", format.extension().to_uppercase(), f.display())?;
        }
        Ok(())
    })
}

/// No silent overwrite: checked before the work, so a refusal costs nothing.
pub(super) fn refuse_existing(path: &Path, force: bool) -> anyhow::Result<()> {
    if path.exists() && !force {
        return Err(refuse(format!("{} already exists; add --force to replace it", path.display())));
    }
    Ok(())
}

pub(super) fn period(a: &PeriodArgs) -> anyhow::Result<Period> {
    let p = Period { from: a.from, to: a.to };
    p.check().context("--from and --to")?;
    Ok(p)
}

fn filter(a: &SessionScopeArgs) -> anyhow::Result<ReportFilter> {
    Ok(ReportFilter {
        category: a.category.as_deref().map(Category::parse).transpose()?,
        officer: a.officer.as_deref().map(Nip::parse).transpose().context("the NIP given with --officer")?,
    })
}

// ---------------------------------------------------------------------------------------------
// Text for people

fn heading(w: &mut dyn Write, h: &ReportHeader) -> std::io::Result<()> {
    let mut scope = vec![h.period_label.clone()];
    if let Some(c) = &h.category {
        scope.push(c.label.clone());
    }
    if let Some(o) = &h.officer {
        scope.push(format!("{} ({})", o.name, o.nip));
    }
    writeln!(w, "{}: {} (times in {})\n", h.title, scope.join(", "), h.timezone_abbr)
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// Halves rounded up, as the IKM grade rounds the index (plain formatting rounds them to even).
fn num(v: Option<f64>, digits: usize) -> String {
    let scale = 10f64.powi(digits as i32);
    v.map_or_else(|| "-".to_string(), |v| format!("{:.digits$}", (v * scale).round() / scale))
}

fn share(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", v * 100.0))
}

fn grade(r: &RatingSummary) -> String {
    r.grade.as_ref().map_or_else(|| "-".to_string(), |g| format!("{} ({})", g.letter, g.label))
}

fn figures(f: &PerformanceFigures) -> Vec<String> {
    let flagged = |n: i64| if n > 0 { format!(" +{n} flagged") } else { String::new() };
    vec![
        f.sessions_served.to_string(),
        format!("{}{}", opt(f.duration.mean_text.as_deref()), flagged(f.duration.flagged)),
        opt(f.duration.median_text.as_deref()),
        opt(f.waiting.mean_text.as_deref()),
        f.rating.count.to_string(),
        num(f.rating.mean, 2),
        share(f.rating.share_4_plus),
        num(f.rating.index, 2),
        grade(&f.rating),
    ]
}

fn performance_text(w: &mut dyn Write, r: &StaffPerformance) -> std::io::Result<()> {
    heading(w, &r.header)?;
    let mut t = Table::new(&[
        "NIP",
        "OFFICER",
        "SERVED",
        "MEAN DURATION",
        "MEDIAN",
        "MEAN WAIT",
        "RATINGS",
        "MEAN",
        ">=4",
        "INDEX",
        "GRADE",
    ]);
    for o in &r.officers {
        let mut row = vec![o.officer.nip.clone(), o.officer.name.clone()];
        row.extend(figures(&o.figures));
        t.row(row);
    }
    if !r.officers.is_empty() {
        let mut row = vec![String::new(), "All officers".to_string()];
        row.extend(figures(&r.total));
        t.row(row);
    }
    t.write(w)?;
    writeln!(w, "\nIndex: {} = 25 + (mean - 1) x 18.75.", r.total.rating.index_label)
}

fn satisfaction_text(w: &mut dyn Write, r: &SatisfactionReport) -> std::io::Result<()> {
    heading(w, &r.header)?;
    let o = &r.overall;
    write_fields(
        w,
        &[
            ("Ratings", Some(o.count.to_string())),
            ("Mean rating (1-5)", Some(num(o.mean, 2))),
            ("Ratings >= 4", Some(share(o.share_4_plus))),
            ("Index", Some(format!("{} ({})", num(o.index, 2), o.index_label))),
            ("Grade", Some(grade(o))),
        ],
    )?;
    writeln!(w)?;
    let mut t = Table::new(&["SCORE", "LABEL", "COUNT", "SHARE"]);
    for d in o.distribution.iter().rev() {
        t.row(vec![d.score.to_string(), d.label.clone(), d.count.to_string(), share(d.share)]);
    }
    t.write(w)?;
    writeln!(w)?;
    let mut t = Table::new(&["CATEGORY", "RATINGS", "MEAN", "INDEX", "GRADE"]);
    for c in &r.by_category {
        let r = &c.rating;
        t.row(vec![c.category.label.clone(), r.count.to_string(), num(r.mean, 2), num(r.index, 2), grade(r)]);
    }
    t.write(w)
}

fn counts(w: &mut dyn Write, title: &str, rows: &[CountRow]) -> std::io::Result<()> {
    writeln!(w, "{title}")?;
    let mut t = Table::new(&["", "COUNT", "SHARE"]);
    for r in rows {
        t.row(vec![r.label.clone(), r.count.to_string(), share(r.share)]);
    }
    t.write(w)?;
    writeln!(w)
}

fn topics_text(w: &mut dyn Write, r: &TopicsReport) -> std::io::Result<()> {
    heading(w, &r.header)?;
    writeln!(w, "Sessions: {}\n", r.sessions)?;
    counts(w, "By category", &r.by_category)?;
    counts(w, "By topic", &r.by_topic)?;
    counts(w, "By procurement stage", &r.by_stage)?;
    counts(w, "By OPD", &r.by_opd)?;
    counts(w, "By package type", &r.by_package_type)?;
    counts(w, "By procurement method", &r.by_method)?;
    let v = &r.repeat_visitors;
    writeln!(
        w,
        "Repeat visitors: {} of {} visitors came more than once ({} sessions, {})\n",
        v.repeat_visitors,
        v.visitors,
        v.repeat_sessions,
        share(v.share)
    )?;
    writeln!(w, "Most frequent words")?;
    let mut t = Table::new(&["WORD", "OCCURRENCES", "IN SUBJECTS", "IN NOTES"]);
    for word in &r.top_words {
        t.row(vec![
            word.word.clone(),
            word.occurrences.to_string(),
            word.in_subjects.to_string(),
            word.in_notes.to_string(),
        ]);
    }
    t.write(w)
}

fn objections_text(w: &mut dyn Write, r: &ObjectionReport) -> std::io::Result<()> {
    heading(w, &r.header)?;
    let late = |v: Option<bool>| match v {
        Some(true) => "LATE".to_string(),
        Some(false) => "on time".to_string(),
        None => "-".to_string(),
    };
    let mut t = Table::new(&[
        "TICKET",
        "PACKAGE",
        "ANNOUNCED",
        "FILE BY",
        "FILED",
        "",
        "ANSWER BY",
        "ANSWERED",
        "",
        "OUTCOME",
    ]);
    for o in &r.rows {
        t.row(vec![
            o.ticket.clone(),
            opt(o.package_code.as_deref().or(o.package_name.as_deref())),
            o.announced.to_string(),
            o.filing_deadline.to_string(),
            opt(o.filed_on),
            late(o.filed_late),
            o.answer_deadline.to_string(),
            opt(o.answered_on),
            if o.answer_overdue { "OVERDUE".to_string() } else { late(o.answered_late) },
            opt(o.outcome.as_ref().map(|c| c.label.as_str())),
        ]);
    }
    t.write(w)?;
    for o in r.rows.iter().filter(|o| !o.deadline_notes.is_empty()) {
        writeln!(w, "{}: {}", o.ticket, o.deadline_notes.join("; "))?;
    }
    let s = &r.summary;
    writeln!(w)?;
    write_fields(
        w,
        &[
            ("Objections", Some(s.total.to_string())),
            ("Filed", Some(format!("{} ({} late, {} not filed)", s.filed, s.filed_late, s.not_filed))),
            (
                "Answered",
                Some(format!("{} ({} late, {} overdue)", s.answered, s.answered_late, s.answer_overdue)),
            ),
            (
                "Outcome",
                Some(format!("{} upheld, {} rejected, {} unknown", s.upheld, s.rejected, s.outcome_unknown)),
            ),
        ],
    )
}

fn rating(r: Option<&RiskRating>) -> String {
    r.map_or_else(
        || "-".to_string(),
        |r| format!("{} {} ({}x{})", r.score, r.level.label, r.likelihood.value, r.impact.value),
    )
}

fn register_text(w: &mut dyn Write, r: &RiskReport) -> std::io::Result<()> {
    heading(w, &r.header)?;
    let mut t =
        Table::new(&["CODE", "TITLE", "STAGE", "INHERENT", "RESIDUAL", "TREATMENT", "LINKED", "STATUS"]);
    for x in &r.register {
        t.row(vec![
            x.code.clone(),
            x.title.clone(),
            x.stage.label.clone(),
            rating(x.inherent.as_ref()),
            rating(x.residual.as_ref()),
            if x.treatment.total > 0 {
                format!("{}/{}", x.treatment.done, x.treatment.total)
            } else {
                "-".into()
            },
            x.linked_sessions.to_string(),
            x.status.label.clone(),
        ]);
    }
    t.write(w)
}

fn map_text(w: &mut dyn Write, r: &RiskReport) -> std::io::Result<()> {
    heading(w, &r.header)?;
    for m in [&r.inherent_map, &r.residual_map] {
        grid(w, m)?;
    }
    writeln!(w, "Each cell: number of risks, then the cell's level:")?;
    let legend: Vec<String> =
        r.levels.iter().map(|l| format!("{} {}", abbr(&l.level.code), l.level.label)).collect();
    writeln!(w, "  {}", legend.join(", "))
}

/// A level code's initials: "sangat_tinggi" is "ST".
fn abbr(code: &str) -> String {
    code.split('_').filter_map(|p| p.chars().next()).collect::<String>().to_uppercase()
}

fn grid(w: &mut dyn Write, m: &RiskMap) -> std::io::Result<()> {
    writeln!(w, "{} ({} risks placed, {} not assessed)", m.title, m.assessed, m.not_assessed)?;
    let mut t = Table::new(&["LIKELIHOOD \\ IMPACT", "1", "2", "3", "4", "5"]);
    for row in &m.rows {
        let mut cells = vec![format!("{} {}", row.likelihood.value, row.likelihood.label)];
        cells.extend(row.cells.iter().map(|c| format!("{} {}", c.count, abbr(&c.level.code))));
        t.row(cells);
    }
    t.write(w)?;
    writeln!(w)
}

fn summary_text(w: &mut dyn Write, r: &PeriodSummary) -> std::io::Result<()> {
    heading(w, &r.header)?;
    let timing = |mean: Option<&str>, flagged: i64| {
        format!(
            "{}{}",
            opt(mean),
            if flagged > 0 { format!(" ({flagged} flagged, left out)") } else { String::new() }
        )
    };
    write_fields(
        w,
        &[
            ("Sessions", Some(r.sessions_total.to_string())),
            ("Mean waiting time", Some(timing(r.waiting.mean_text.as_deref(), r.waiting.flagged))),
            ("Mean duration", Some(timing(r.duration.mean_text.as_deref(), r.duration.flagged))),
            ("Ratings", Some(r.rating.count.to_string())),
            ("Mean rating (1-5)", Some(num(r.rating.mean, 2))),
            ("Index", Some(format!("{} ({})", num(r.rating.index, 2), r.rating.index_label))),
            ("Grade", Some(grade(&r.rating))),
        ],
    )?;
    writeln!(w)?;
    let mut t = Table::new(&["CATEGORY", "SESSIONS"]);
    for c in &r.by_category {
        t.row(vec![c.category.label.clone(), c.total.to_string()]);
    }
    t.write(w)?;
    writeln!(w)?;
    let mut t = Table::new(&["STATUS", "SESSIONS"]);
    for s in r.by_status.iter().filter(|s| s.count > 0) {
        t.row(vec![s.label.clone(), s.count.to_string()]);
    }
    t.write(w)?;
    writeln!(w)?;
    let mut t =
        Table::new(&["TICKET", "ARRIVED", "CATEGORY", "STATUS", "SUBJECT", "OFFICER", "DURATION", "RATING"]);
    for s in r.sessions.iter().flatten() {
        t.row(vec![
            s.ticket.clone(),
            report::summary::naive_local(&s.arrived_at)
                .map_or_else(|| s.arrived_at.clone(), |t| t.format("%Y-%m-%d %H:%M").to_string()),
            s.category.label.clone(),
            s.status.label.clone(),
            s.subject.clone(),
            opt(s.officer_name.as_deref()),
            opt(s.duration_text.as_deref()),
            opt(s.score),
        ]);
    }
    t.write(w)
}

// ---------------------------------------------------------------------------------------------
// Search

/// A session found, with the field names of `amer session list`.
#[derive(Debug, Serialize)]
struct Hit {
    id: String,
    ticket: String,
    category: &'static str,
    status: &'static str,
    status_label: &'static str,
    visitor_name: String,
    visitor_org: Option<String>,
    subject: String,
    officer_nip: Option<String>,
    arrived_at: String,
    duration_seconds: Option<i64>,
    timing_flag: Option<String>,
    score: Option<i64>,
    #[serde(skip)]
    arrived_human: String,
}

fn search(ctx: &Ctx, a: SearchArgs) -> anyhow::Result<()> {
    let period = period(&a.period)?;
    let filter = filter(&a.scope)?;
    let store = ctx.open()?;
    let clock = ctx.clock(&store)?;
    let hits: Vec<Hit> = report::search(&store, &a.query, &period, &filter, a.limit)?
        .into_iter()
        .map(|r| Hit {
            id: r.id.to_text(),
            category: r.category.code(),
            status: r.status.code(),
            status_label: ctx.out.label(r.status),
            arrived_at: clock.rfc3339(r.arrived_at),
            arrived_human: clock.human(r.arrived_at),
            ticket: r.ticket,
            visitor_name: r.visitor_name,
            visitor_org: r.visitor_org,
            subject: r.subject,
            officer_nip: r.officer_nip,
            duration_seconds: r.duration_seconds,
            timing_flag: r.timing_flag,
            score: r.score,
        })
        .collect();
    ctx.out.emit(&hits, |w| {
        let mut t = Table::new(&["TICKET", "STATUS", "VISITOR", "SUBJECT", "ARRIVED"]);
        for h in &hits {
            t.row(vec![
                h.ticket.clone(),
                h.status_label.to_string(),
                h.visitor_name.clone(),
                h.subject.clone(),
                h.arrived_human.clone(),
            ]);
        }
        t.write(w)
    })
}
