//! Risk: the register (*Daftar Risiko*) with inherent and residual score and level from the
//! office's matrix, treatment progress and linked sessions; the 5×5 maps (*Peta Risiko*) with
//! counts per cell; and the risks linked to service sessions.

use std::collections::HashMap;

use serde::Serialize;

use super::{share, CodeLabel, Context, Period, ReportFilter, ReportHeader};
use crate::export::{Cell, Table, Tabular};
use crate::ids::{RiskId, SessionId};
use crate::model::{
    Category, Coded, Impact, Likelihood, OneToFive, RiskCategory, RiskLevel, RiskMatrix, RiskResponse,
    RiskStatus, SessionStatus, Stage,
};
use crate::{Result, Store};

/// A point of a 1..5 scale with its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScaleLabel {
    /// 1..5.
    pub value: u8,
    /// "Sering", "Signifikan".
    pub label: String,
}

impl ScaleLabel {
    fn of<C: OneToFive>(c: C) -> ScaleLabel {
        ScaleLabel { value: c.value(), label: c.label_id().to_string() }
    }
}

/// An assessment scored with the office's matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskRating {
    /// Likelihood.
    pub likelihood: ScaleLabel,
    /// Impact.
    pub impact: ScaleLabel,
    /// Score from the matrix (1..25).
    pub score: u8,
    /// Level band.
    pub level: CodeLabel,
}

fn rate(m: &RiskMatrix, l: Option<i64>, i: Option<i64>) -> Option<RiskRating> {
    let (l, i) = (Likelihood::from_value(l?).ok()?, Impact::from_value(i?).ok()?);
    let (score, level) = m.assess(l, i);
    Some(RiskRating {
        likelihood: ScaleLabel::of(l),
        impact: ScaleLabel::of(i),
        score,
        level: CodeLabel::of(level),
    })
}

/// Treatment items done out of all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    /// Items done.
    pub done: i64,
    /// Items in the plan.
    pub total: i64,
    /// done / total (0..1), `None` without a plan.
    pub share: Option<f64>,
}

/// One line of the risk register.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskRegisterRow {
    /// Id.
    pub id: RiskId,
    /// Code ("R26-A-001").
    pub code: String,
    /// Title.
    pub title: String,
    /// Procurement stage.
    pub stage: CodeLabel,
    /// OPD.
    pub opd: Option<String>,
    /// Package code.
    pub package_code: Option<String>,
    /// Risk category.
    pub category: Option<CodeLabel>,
    /// Risk owner.
    pub owner: Option<String>,
    /// Inherent assessment.
    pub inherent: Option<RiskRating>,
    /// Residual assessment.
    pub residual: Option<RiskRating>,
    /// Response.
    pub response: Option<CodeLabel>,
    /// Treatment progress.
    pub treatment: Progress,
    /// Valid sessions on this PC linked to the risk.
    pub linked_sessions: i64,
    /// Status.
    pub status: CodeLabel,
}

/// One cell of a risk map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskMapCell {
    /// Likelihood 1..5.
    pub likelihood: u8,
    /// Impact 1..5.
    pub impact: u8,
    /// Score of the cell.
    pub score: u8,
    /// Level of the cell (its colour on the printed map).
    pub level: CodeLabel,
    /// Risks in the cell.
    pub count: i64,
    /// Their codes.
    pub risks: Vec<String>,
}

/// One row of a risk map (one likelihood).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskMapRow {
    /// The likelihood of the row.
    pub likelihood: ScaleLabel,
    /// Cells by impact 1..5.
    pub cells: Vec<RiskMapCell>,
}

/// A 5×5 map: rows likelihood 5 down to 1, columns impact 1..5.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskMap {
    /// "inherent" / "residual" with its label.
    pub kind: CodeLabel,
    /// "Peta Risiko Inheren".
    pub title: String,
    /// The column headings, impact 1..5.
    pub impacts: Vec<ScaleLabel>,
    /// The rows, likelihood 5..1.
    pub rows: Vec<RiskMapRow>,
    /// Risks placed on the map.
    pub assessed: i64,
    /// Risks without this assessment.
    pub not_assessed: i64,
}

impl RiskMap {
    fn build(kind: &str, label: &str, m: &RiskMatrix, risks: &[(String, Option<&RiskRating>)]) -> RiskMap {
        let mut cells: HashMap<(u8, u8), Vec<String>> = HashMap::new();
        let mut not_assessed = 0;
        for (code, r) in risks {
            match r {
                Some(r) => cells.entry((r.likelihood.value, r.impact.value)).or_default().push(code.clone()),
                None => not_assessed += 1,
            }
        }
        let rows = Likelihood::ALL
            .iter()
            .rev()
            .map(|&l| RiskMapRow {
                likelihood: ScaleLabel::of(l),
                cells: Impact::ALL
                    .iter()
                    .map(|&i| {
                        let (score, level) = m.assess(l, i);
                        let codes = cells.remove(&(l.value(), i.value())).unwrap_or_default();
                        RiskMapCell {
                            likelihood: l.value(),
                            impact: i.value(),
                            score,
                            level: CodeLabel::of(level),
                            count: codes.len() as i64,
                            risks: codes,
                        }
                    })
                    .collect(),
            })
            .collect();
        RiskMap {
            kind: CodeLabel { code: kind.into(), label: label.into() },
            title: format!("Peta Risiko {label}"),
            impacts: Impact::ALL.iter().map(|&i| ScaleLabel::of(i)).collect(),
            rows,
            assessed: risks.len() as i64 - not_assessed,
            not_assessed,
        }
    }
}

/// Risks per level band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelCount {
    /// The level.
    pub level: CodeLabel,
    /// Lowest score of the band.
    pub from_score: u8,
    /// Highest score of the band.
    pub to_score: u8,
    /// Risks at this inherent level.
    pub inherent: i64,
    /// Risks at this residual level.
    pub residual: i64,
}

/// A session linked to a risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedSession {
    /// Session id.
    pub session_id: SessionId,
    /// Ticket.
    pub ticket: String,
    /// Arrival date in the office's time zone.
    pub day: String,
    /// Category.
    pub category: CodeLabel,
    /// Status.
    pub status: CodeLabel,
    /// Subject.
    pub subject: String,
}

/// A risk with the sessions that revealed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskLinks {
    /// Risk code.
    pub code: String,
    /// Risk title.
    pub title: String,
    /// Its sessions, by arrival.
    pub sessions: Vec<LinkedSession>,
}

/// The risk report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskReport {
    /// Title, office, period (of the risks' creation).
    pub header: ReportHeader,
    /// The matrix in force.
    pub matrix: RiskMatrix,
    /// The register, by code.
    pub register: Vec<RiskRegisterRow>,
    /// Inherent map.
    pub inherent_map: RiskMap,
    /// Residual map.
    pub residual_map: RiskMap,
    /// Risks per level.
    pub levels: Vec<LevelCount>,
    /// Treatment items done over all risks.
    pub treatment: Progress,
    /// Risks linked to sessions.
    pub linked: Vec<RiskLinks>,
}

/// The risk register, maps and links for the risks recorded in `period` (by creation date in
/// the office's time zone; [`Period::all`] for the whole register). Risks flagged invalid and
/// invalid sessions are left out.
pub fn risk_report(store: &Store, period: &Period) -> Result<RiskReport> {
    let ctx = Context::new(store, "Daftar dan Peta Risiko", period, &ReportFilter::default())?;
    let matrix = ctx.office.as_ref().map(|o| o.matrix.clone()).unwrap_or_default();
    let (from, to) = period.bounds(ctx.tz);
    type Raw = (
        (String, String, String, String, Option<String>, Option<String>, Option<String>, Option<String>),
        (Option<i64>, Option<i64>, Option<i64>, Option<i64>),
        (Option<String>, String, i64, i64, i64),
    );
    type Link = (String, String, String, String, String, String, String);
    let (raw, links): (Vec<Raw>, Vec<Link>) = store.read(|tx| {
        let mut st = tx.prepare(
            "SELECT r.id, r.code, r.title, r.stage, r.opd, r.package_code, r.category, r.owner,
                    r.inherent_l, r.inherent_i, r.residual_l, r.residual_i, r.response, r.status, r.treat_done,
                    r.treat_total,
                    (SELECT COUNT(*) FROM risk_links k JOIN sessions s ON s.id = k.session_id
                      WHERE k.risk_id = r.id AND s.invalid_reason IS NULL)
             FROM risks r
             WHERE r.invalid_reason IS NULL AND r.created_at >= ?1 AND r.created_at < ?2
             ORDER BY r.code",
        )?;
        let raw = st
            .query_map([from.unwrap_or(i64::MIN), to.unwrap_or(i64::MAX)], |r| {
                Ok((
                    (
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ),
                    (r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?),
                    (r.get(12)?, r.get(13)?, r.get(14)?, r.get(15)?, r.get(16)?),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut st = tx.prepare(
            "SELECT k.risk_id, s.id, s.ticket, s.day, s.category, s.status, s.subject
             FROM risk_links k JOIN sessions s ON s.id = k.session_id
             WHERE s.invalid_reason IS NULL ORDER BY s.arrived_at, s.ticket",
        )?;
        let links = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok((raw, links))
    })?;
    let mut register = Vec::with_capacity(raw.len());
    for ((id, code, title, stage, opd, package_code, category, owner), (il, ii, rl, ri), rest) in raw {
        let (response, status, done, total, linked) = rest;
        register.push(RiskRegisterRow {
            id: RiskId::parse(&id)?,
            code,
            title,
            stage: CodeLabel::from_code::<Stage>(&stage),
            opd,
            package_code,
            category: category.map(|c| CodeLabel::from_code::<RiskCategory>(&c)),
            owner,
            inherent: rate(&matrix, il, ii),
            residual: rate(&matrix, rl, ri),
            response: response.map(|c| CodeLabel::from_code::<RiskResponse>(&c)),
            treatment: Progress { done, total, share: share(done, total) },
            linked_sessions: linked,
            status: CodeLabel::from_code::<RiskStatus>(&status),
        });
    }
    let inherent: Vec<(String, Option<&RiskRating>)> =
        register.iter().map(|r| (r.code.clone(), r.inherent.as_ref())).collect();
    let residual: Vec<(String, Option<&RiskRating>)> =
        register.iter().map(|r| (r.code.clone(), r.residual.as_ref())).collect();
    let inherent_map = RiskMap::build("inherent", "Inheren", &matrix, &inherent);
    let residual_map = RiskMap::build("residual", "Residual", &matrix, &residual);
    let levels = RiskLevel::ALL
        .iter()
        .enumerate()
        .map(|(n, &level)| {
            let count = |pick: fn(&RiskRegisterRow) -> Option<&RiskRating>| {
                register.iter().filter(|r| pick(r).is_some_and(|x| x.level.code == level.code())).count()
                    as i64
            };
            LevelCount {
                level: CodeLabel::of(level),
                from_score: matrix.band_floors[n],
                to_score: matrix.band_floors.get(n + 1).map_or(25, |f| f - 1),
                inherent: count(|r| r.inherent.as_ref()),
                residual: count(|r| r.residual.as_ref()),
            }
        })
        .collect();
    let (done, total) =
        register.iter().fold((0, 0), |(d, t), r| (d + r.treatment.done, t + r.treatment.total));
    let mut by_risk: HashMap<String, Vec<LinkedSession>> = HashMap::new();
    for (risk_id, sid, ticket, day, category, status, subject) in links {
        by_risk.entry(risk_id).or_default().push(LinkedSession {
            session_id: SessionId::parse(&sid)?,
            ticket,
            day,
            category: CodeLabel::from_code::<Category>(&category),
            status: CodeLabel::from_code::<SessionStatus>(&status),
            subject,
        });
    }
    let linked = register
        .iter()
        .filter_map(|r| {
            let sessions = by_risk.remove(&r.id.to_text())?;
            Some(RiskLinks { code: r.code.clone(), title: r.title.clone(), sessions })
        })
        .collect();
    Ok(RiskReport {
        header: ctx.header,
        matrix,
        register,
        inherent_map,
        residual_map,
        levels,
        treatment: Progress { done, total, share: share(done, total) },
        linked,
    })
}

/// The register as a table (also the risks export).
pub(crate) fn register_table(rows: &[RiskRegisterRow]) -> Table {
    let mut t = Table::new(
        "Daftar risiko",
        "Daftar Risiko",
        &[
            ("Kode", 14.0),
            ("Risiko", 36.0),
            ("Tahapan", 16.0),
            ("OPD", 20.0),
            ("Kode paket", 14.0),
            ("Kategori", 12.0),
            ("Pemilik risiko", 18.0),
            ("Kemungkinan (inheren)", 10.0),
            ("Dampak (inheren)", 10.0),
            ("Skor inheren", 8.0),
            ("Tingkat inheren", 14.0),
            ("Respons", 10.0),
            ("Penanganan selesai", 10.0),
            ("Jumlah penanganan", 10.0),
            ("Kemungkinan (residual)", 10.0),
            ("Dampak (residual)", 10.0),
            ("Skor residual", 8.0),
            ("Tingkat residual", 14.0),
            ("Layanan terkait", 10.0),
            ("Status", 14.0),
        ],
    );
    let rating = |r: &Option<RiskRating>| -> [Cell; 4] {
        match r {
            Some(r) => [
                Cell::Int(r.likelihood.value as i64),
                Cell::Int(r.impact.value as i64),
                Cell::Int(r.score as i64),
                Cell::text(&r.level.label),
            ],
            None => [Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty],
        }
    };
    for r in rows {
        let mut row = vec![
            Cell::text(&r.code),
            Cell::text(&r.title),
            Cell::text(&r.stage.label),
            Cell::opt_text(r.opd.clone()),
            Cell::opt_text(r.package_code.clone()),
            Cell::opt_text(r.category.as_ref().map(|c| c.label.clone())),
            Cell::opt_text(r.owner.clone()),
        ];
        row.extend(rating(&r.inherent));
        row.push(Cell::opt_text(r.response.as_ref().map(|c| c.label.clone())));
        row.push(Cell::Int(r.treatment.done));
        row.push(Cell::Int(r.treatment.total));
        row.extend(rating(&r.residual));
        row.push(Cell::Int(r.linked_sessions));
        row.push(Cell::text(&r.status.label));
        t.push(row);
    }
    t
}

fn map_table(m: &RiskMap) -> Table {
    let headers: Vec<String> =
        m.impacts.iter().map(|i| format!("Dampak {} ({})", i.value, i.label)).collect();
    let mut cols: Vec<(&str, f64)> = vec![("Kemungkinan", 26.0)];
    cols.extend(headers.iter().map(|h| (h.as_str(), 16.0)));
    let mut t = Table::new(&m.title, &m.title, &cols);
    for row in &m.rows {
        let mut cells = vec![Cell::Text(format!("{} ({})", row.likelihood.value, row.likelihood.label))];
        cells.extend(
            row.cells
                .iter()
                .map(|c| Cell::Text(format!("{} · skor {} · {}", c.count, c.score, c.level.label))),
        );
        t.push(cells);
    }
    t
}

impl Tabular for RiskReport {
    fn tables(&self) -> Vec<Table> {
        let mut levels = Table::new(
            "Tingkat risiko",
            "Jumlah risiko per tingkat",
            &[("Tingkat", 16.0), ("Rentang skor", 12.0), ("Inheren", 10.0), ("Residual", 10.0)],
        );
        for l in &self.levels {
            levels.push(vec![
                Cell::text(&l.level.label),
                Cell::Text(format!("{}–{}", l.from_score, l.to_score)),
                Cell::Int(l.inherent),
                Cell::Int(l.residual),
            ]);
        }
        let mut links = Table::new(
            "Risiko dan layanan",
            "Risiko yang terkait dengan layanan",
            &[
                ("Kode risiko", 14.0),
                ("Risiko", 30.0),
                ("No. tiket", 18.0),
                ("Tanggal", 12.0),
                ("Kategori", 12.0),
                ("Perihal", 36.0),
            ],
        );
        for r in &self.linked {
            for s in &r.sessions {
                links.push(vec![
                    Cell::text(&r.code),
                    Cell::text(&r.title),
                    Cell::text(&s.ticket),
                    Cell::opt_date(chrono::NaiveDate::parse_from_str(&s.day, "%Y-%m-%d").ok()),
                    Cell::text(&s.category.label),
                    Cell::text(&s.subject),
                ]);
            }
        }
        vec![
            register_table(&self.register),
            map_table(&self.inherent_map),
            map_table(&self.residual_map),
            levels,
            links,
        ]
    }
}
