//! The satisfaction index: the visitors' 1–5 ratings mapped linearly onto the IKM range of
//! PermenPAN-RB 14/2017 (25 + (mean − 1) × 18.75), graded A–D with the regulation's intervals and
//! labelled as a conversion ("setara IKM (konversi skala 1–5)"), never as a formal IKM survey.

use serde::Serialize;

use super::{share, CodeLabel, Context, Period, ReportFilter, ReportHeader};
use crate::export::{Cell, Table, Tabular};
use crate::model::satisfaction::IKM_CONVERSION_LABEL;
use crate::model::{ikm_from_mean, Category, Coded, IkmGrade, OneToFive, Score};
use crate::{Result, Store};

/// An IKM grade with its labels and interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grade {
    /// "A".."D".
    pub letter: String,
    /// "Sangat Baik".
    pub label: String,
    /// "Very good".
    pub label_en: String,
    /// The index interval of the grade, as the regulation prints it ("88,31–100,00").
    pub interval: String,
}

impl Grade {
    /// The grade of an index value.
    pub fn of(index: f64) -> Grade {
        let g = IkmGrade::of(index);
        Grade {
            letter: g.letter().to_string(),
            label: g.label_id().to_string(),
            label_en: g.label_en().to_string(),
            interval: match g {
                IkmGrade::A => "88,31–100,00",
                IkmGrade::B => "76,61–88,30",
                IkmGrade::C => "65,00–76,60",
                IkmGrade::D => "25,00–64,99",
            }
            .to_string(),
        }
    }
}

/// How many ratings gave one score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreCount {
    /// 1..5.
    pub score: u8,
    /// "Sangat Baik".
    pub label: String,
    /// Ratings with this score.
    pub count: i64,
    /// Their share of all ratings (0..1), `None` without ratings.
    pub share: Option<f64>,
}

/// The ratings behind a satisfaction figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingSummary {
    /// Number of ratings.
    pub count: i64,
    /// Ratings per score, 1 to 5.
    pub distribution: Vec<ScoreCount>,
    /// Mean rating (1..5).
    pub mean: Option<f64>,
    /// Share of ratings of 4 or 5 (0..1).
    pub share_4_plus: Option<f64>,
    /// The converted index, 25..100, unrounded.
    pub index: Option<f64>,
    /// Its grade.
    pub grade: Option<Grade>,
    /// "setara IKM (konversi skala 1–5)".
    pub index_label: String,
}

impl RatingSummary {
    /// From the number of ratings per score (`counts[0]` for score 1).
    pub fn from_counts(counts: [i64; 5]) -> RatingSummary {
        let count: i64 = counts.iter().sum();
        let sum: i64 = counts.iter().enumerate().map(|(i, c)| (i as i64 + 1) * c).sum();
        let mean = super::mean(sum, count);
        let index = mean.map(ikm_from_mean);
        RatingSummary {
            count,
            distribution: Score::ALL
                .iter()
                .zip(counts)
                .map(|(s, c)| ScoreCount {
                    score: s.value(),
                    label: s.label_id().to_string(),
                    count: c,
                    share: share(c, count),
                })
                .collect(),
            mean,
            share_4_plus: share(counts[3] + counts[4], count),
            index,
            grade: index.map(Grade::of),
            index_label: IKM_CONVERSION_LABEL.to_string(),
        }
    }
    /// Adds one rating 1..5 to per-score counts (other values are ignored).
    pub(crate) fn tally(counts: &mut [i64; 5], score: i64, n: i64) {
        if (1..=5).contains(&score) {
            counts[(score - 1) as usize] += n;
        }
    }
}

/// The satisfaction index of one category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryRating {
    /// The category.
    pub category: CodeLabel,
    /// Its ratings.
    pub rating: RatingSummary,
}

/// The satisfaction index report (*Indeks Kepuasan Layanan*).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SatisfactionReport {
    /// Title, office, period, filter.
    pub header: ReportHeader,
    /// All ratings of the period.
    pub overall: RatingSummary,
    /// Per category (every category, with or without ratings).
    pub by_category: Vec<CategoryRating>,
}

/// The satisfaction index of the sessions rated in `period` (by arrival) matching `filter`.
pub fn satisfaction(store: &Store, period: &Period, filter: &ReportFilter) -> Result<SatisfactionReport> {
    let ctx = Context::new(store, "Indeks Kepuasan Layanan", period, filter)?;
    let mut overall = [0i64; 5];
    let mut per: Vec<(Category, [i64; 5])> = Category::ALL.iter().map(|c| (*c, [0; 5])).collect();
    // Summed from the day aggregates (see `days`), which count every session's rating.
    super::days::for_each(store, period, filter, |row| {
        for (i, n) in row.scores.iter().enumerate() {
            RatingSummary::tally(&mut overall, i as i64 + 1, *n);
        }
        if let Some((_, counts)) = per.iter_mut().find(|(c, _)| c.code() == row.category) {
            for (i, n) in row.scores.iter().enumerate() {
                RatingSummary::tally(counts, i as i64 + 1, *n);
            }
        }
        Ok(())
    })?;
    Ok(SatisfactionReport {
        header: ctx.header,
        overall: RatingSummary::from_counts(overall),
        by_category: per
            .into_iter()
            .filter(|(c, _)| filter.category.is_none_or(|f| f == *c))
            .map(|(c, counts)| CategoryRating {
                category: CodeLabel::of(c),
                rating: RatingSummary::from_counts(counts),
            })
            .collect(),
    })
}

pub(crate) fn index_cells(r: &RatingSummary) -> Vec<Cell> {
    vec![
        Cell::Int(r.count),
        Cell::opt_num(r.mean, 2),
        Cell::opt_percent(r.share_4_plus),
        Cell::opt_num(r.index, 2),
        Cell::opt_text(r.grade.as_ref().map(|g| g.letter.clone())),
        Cell::opt_text(r.grade.as_ref().map(|g| g.label.clone())),
    ]
}

impl Tabular for SatisfactionReport {
    fn tables(&self) -> Vec<Table> {
        let label = format!("Indeks ({IKM_CONVERSION_LABEL})");
        let mut idx = Table::new(
            "Indeks",
            "Indeks Kepuasan Layanan",
            &[
                ("Kategori", 18.0),
                ("Jumlah penilaian", 12.0),
                ("Rata-rata nilai (1–5)", 12.0),
                ("Nilai ≥ 4", 10.0),
                (&label, 16.0),
                ("Mutu", 8.0),
                ("Kinerja unit pelayanan", 18.0),
            ],
        );
        for (name, r) in std::iter::once(("Semua kategori".to_string(), &self.overall))
            .chain(self.by_category.iter().map(|c| (c.category.label.clone(), &c.rating)))
        {
            let mut row = vec![Cell::Text(name)];
            row.extend(index_cells(r));
            idx.push(row);
        }
        let mut dist = Table::new(
            "Sebaran nilai",
            "Sebaran nilai kepuasan",
            &[("Nilai", 8.0), ("Keterangan", 16.0), ("Jumlah", 10.0), ("Persentase", 12.0)],
        );
        for d in &self.overall.distribution {
            dist.push(vec![
                Cell::Int(d.score as i64),
                Cell::text(&d.label),
                Cell::Int(d.count),
                Cell::opt_percent(d.share),
            ]);
        }
        vec![idx, dist]
    }
}
