//! The satisfaction index and its grades: hand-computed vectors, including each grade boundary.

use amer_core::report::{satisfaction, Period, RatingSummary, ReportFilter};

use crate::*;

#[test]
fn index_and_grade_vectors() {
    // (ratings per score 1..5, mean, index, grade): computed by hand, 25 + (mean − 1) × 18.75.
    let vectors: [([i64; 5], f64, f64, &str); 9] = [
        ([0, 0, 0, 1, 1], 4.5, 90.625, "A"),
        ([1, 0, 0, 0, 0], 1.0, 25.0, "D"),
        ([0, 0, 1, 1, 0], 3.5, 71.875, "C"),
        ([0, 0, 0, 3, 1], 4.25, 85.9375, "B"),
        // A/B: 38 fives + 62 fours = 438 / 100 = 4.38 → 88.375 (A); 437 → 4.37 → 88.1875 (B).
        ([0, 0, 0, 62, 38], 4.38, 88.375, "A"),
        ([0, 0, 0, 63, 37], 4.37, 88.1875, "B"),
        // B/C: 76 fours + 24 threes = 3.76 → 76.75 (B); 75 + 25 = 3.75 → 76.5625 (C).
        ([0, 0, 24, 76, 0], 3.76, 76.75, "B"),
        ([0, 0, 25, 75, 0], 3.75, 76.5625, "C"),
        // C/D: 13 threes + 2 fours = 47 / 15 → exactly 65.00 (C); 46 / 15 → 63.75 (D).
        ([0, 0, 13, 2, 0], 47.0 / 15.0, 65.0, "C"),
    ];
    for (counts, mean, index, grade) in vectors {
        let r = RatingSummary::from_counts(counts);
        assert!(close(r.mean.expect("mean"), mean), "{counts:?}: mean {:?}", r.mean);
        assert!((r.index.expect("index") - index).abs() < 1e-9, "{counts:?}: index {:?} != {index}", r.index);
        assert_eq!(r.grade.as_ref().map(|g| g.letter.as_str()), Some(grade), "{counts:?}");
    }
    let d = RatingSummary::from_counts([0, 0, 14, 1, 0]);
    assert!(close(d.index.expect("index"), 63.75));
    let g = d.grade.expect("grade");
    assert_eq!(
        (g.letter.as_str(), g.label.as_str(), g.interval.as_str()),
        ("D", "Tidak Baik", "25,00–64,99")
    );
    let none = RatingSummary::from_counts([0; 5]);
    assert_eq!((none.count, none.mean, none.index, none.grade), (0, None, None, None));
    assert_eq!(none.index_label, "setara IKM (konversi skala 1–5)");
}

#[test]
fn report_counts_the_period_ratings_by_category() {
    let s = office();
    crate::performance::march(&s);
    let r =
        satisfaction(&s, &Period::month(2026, 3).expect("period"), &ReportFilter::default()).expect("report");
    assert_eq!(r.header.title, "Indeks Kepuasan Layanan");
    // March ratings 5, 4, 3, 5, 2 (the invalid 1 and the April 1 are left out).
    assert_eq!(r.overall.count, 5);
    let dist: Vec<(u8, &str, i64)> =
        r.overall.distribution.iter().map(|d| (d.score, d.label.as_str(), d.count)).collect();
    assert_eq!(
        dist,
        [(1, "Sangat Buruk", 0), (2, "Buruk", 1), (3, "Cukup", 1), (4, "Baik", 1), (5, "Sangat Baik", 2)]
    );
    assert_eq!(r.overall.mean, Some(3.8));
    assert!(close(r.overall.index.expect("index"), 77.5));
    assert_eq!(r.overall.grade.as_ref().map(|g| g.label.as_str()), Some("Baik"));
    let per: Vec<(&str, i64)> =
        r.by_category.iter().map(|c| (c.category.code.as_str(), c.rating.count)).collect();
    assert_eq!(per, [("konsultasi", 4), ("pengaduan", 1), ("sanggahan", 0)]);
    // Konsultasi: 5, 4, 5, 2 → 4.0 → 81.25 (B).
    assert!(close(r.by_category[0].rating.index.expect("index"), 81.25));
    let json = serde_json::to_value(&r).expect("json");
    assert_eq!(json["overall"]["grade"]["letter"], "B");
    assert_eq!(json["by_category"][1]["category"]["label"], "Pengaduan");
}
