//! Staff performance: a hand-computed table for two officers, with a flagged negative duration,
//! a cancelled session, an invalid session and a session outside the period.

use amer_core::model::{Category, Nip};
use amer_core::report::{staff_performance, Period, ReportFilter};
use amer_core::Store;

use crate::*;

/// March 2026 at the office: Budi serves four visitors (one with the clocks of two PCs
/// disagreeing: finished before started) and loses one; Dewi serves two.
pub fn march(store: &Store) {
    let k = Category::Konsultasi;
    // Budi: waits 600, 1800, 300, 600 s; durations 1200, 900, 2400 s and one negative; ratings 5, 4, 3, 5.
    craft(
        store,
        &Spec::new(k, "Tata cara e-purchasing", "2026-03-02 09:00")
            .served(BUDI, "2026-03-02 09:10", "2026-03-02 09:30")
            .rated(5),
    );
    craft(
        store,
        &Spec::new(k, "Dokumen pemilihan", "2026-03-02 09:05")
            .served(BUDI, "2026-03-02 09:35", "2026-03-02 09:50")
            .rated(4),
    );
    craft(
        store,
        &Spec::new(Category::Pengaduan, "Keterlambatan pembayaran", "2026-03-03 10:00")
            .served(BUDI, "2026-03-03 10:05", "2026-03-03 10:45")
            .rated(3),
    );
    craft(
        store,
        &Spec::new(k, "HPS", "2026-03-04 11:00")
            .served(BUDI, "2026-03-04 11:10", "2026-03-04 11:05")
            .rated(5),
    );
    let mut left = Spec::new(k, "Konsultasi RUP", "2026-03-05 13:00");
    left.officer = Some(BUDI);
    left.cancelled = Some(wita("2026-03-05 13:20"));
    craft(store, &left);
    // Dewi: waits 120, 600 s; durations 600, 1800 s; one rating of 2.
    craft(
        store,
        &Spec::new(k, "Tender cepat", "2026-03-02 09:00")
            .served(DEWI, "2026-03-02 09:02", "2026-03-02 09:12")
            .rated(2),
    );
    craft(
        store,
        &Spec::new(k, "Penunjukan langsung", "2026-03-10 09:20").served(
            DEWI,
            "2026-03-10 09:30",
            "2026-03-10 10:00",
        ),
    );
    // Not counted: an invalid session of Budi's rated 1, an April session, an unassigned one.
    let mut bad = Spec::new(k, "Rusak", "2026-03-06 09:00");
    bad.officer = Some(BUDI);
    craft_invalid(store, bad);
    craft(
        store,
        &Spec::new(k, "April", "2026-04-01 09:00")
            .served(DEWI, "2026-04-01 09:05", "2026-04-01 09:10")
            .rated(1),
    );
    craft(store, &Spec::new(k, "Menunggu", "2026-03-11 08:00"));
}

#[test]
fn hand_computed_table_for_two_officers() {
    let s = office();
    march(&s);
    let march_2026 = Period::month(2026, 3).expect("period");
    let r = staff_performance(&s, &march_2026, &ReportFilter::default()).expect("report");
    assert_eq!(r.header.title, "Rekap Kinerja Petugas");
    assert_eq!(r.header.period_label, "1 Maret 2026 s.d. 31 Maret 2026");
    assert_eq!(r.header.timezone_abbr, "WITA");
    let names: Vec<&str> = r.officers.iter().map(|o| o.officer.name.as_str()).collect();
    assert_eq!(names, ["Budi Petugas", "Dewi Petugas"]);

    let budi = &r.officers[0];
    assert_eq!(budi.officer.nip_formatted, "19900220 201503 1 002");
    let f = &budi.figures;
    assert_eq!((f.sessions_assigned, f.sessions_served, f.sessions_cancelled), (5, 4, 1));
    assert_eq!(
        (f.duration.counted, f.duration.flagged),
        (3, 1),
        "the negative duration is flagged, not counted"
    );
    assert_eq!(f.duration.mean_seconds, Some(1500.0));
    assert_eq!(f.duration.median_seconds, Some(1200.0));
    assert_eq!(f.duration.mean_text.as_deref(), Some("25 menit"));
    assert_eq!((f.waiting.counted, f.waiting.flagged, f.waiting.mean_seconds), (4, 0, Some(825.0)));
    assert_eq!(f.rating.count, 4);
    assert_eq!(f.rating.mean, Some(4.25));
    assert_eq!(f.rating.share_4_plus, Some(0.75));
    assert!(close(f.rating.index.expect("index"), 85.9375), "25 + 3.25 × 18.75");
    let g = f.rating.grade.as_ref().expect("grade");
    assert_eq!((g.letter.as_str(), g.label.as_str()), ("B", "Baik"));
    assert_eq!(f.rating.index_label, "setara IKM (konversi skala 1–5)");

    let f = &r.officers[1].figures;
    assert_eq!((f.sessions_assigned, f.sessions_served, f.sessions_cancelled), (2, 2, 0));
    assert_eq!((f.duration.mean_seconds, f.duration.median_seconds), (Some(1200.0), Some(1200.0)));
    assert_eq!(f.waiting.mean_seconds, Some(360.0));
    assert_eq!((f.rating.count, f.rating.mean, f.rating.share_4_plus), (1, Some(2.0), Some(0.0)));
    assert!(close(f.rating.index.expect("index"), 43.75));
    assert_eq!(f.rating.grade.as_ref().map(|g| g.letter.as_str()), Some("D"));

    // Together: durations 1200, 900, 2400, 600, 1800 (mean 1380, median 1200); waits sum 4020 / 6.
    let t = &r.total;
    assert_eq!((t.sessions_assigned, t.sessions_served, t.sessions_cancelled), (7, 6, 1));
    assert_eq!(
        (t.duration.mean_seconds, t.duration.median_seconds, t.duration.flagged),
        (Some(1380.0), Some(1200.0), 1)
    );
    assert_eq!(t.waiting.mean_seconds, Some(670.0));
    assert_eq!((t.rating.count, t.rating.mean, t.rating.share_4_plus), (5, Some(3.8), Some(0.6)));
    assert!(close(t.rating.index.expect("index"), 77.5));
    assert_eq!(t.rating.grade.as_ref().map(|g| g.letter.as_str()), Some("B"));
    let dist: Vec<i64> = t.rating.distribution.iter().map(|d| d.count).collect();
    assert_eq!(dist, [0, 1, 1, 1, 2]);
}

#[test]
fn filters_by_officer_category_and_period() {
    let s = office();
    march(&s);
    let march_2026 = Period::month(2026, 3).expect("period");
    let dewi = ReportFilter { officer: Some(Nip::parse(DEWI).expect("nip")), ..Default::default() };
    let r = staff_performance(&s, &march_2026, &dewi).expect("report");
    assert_eq!(r.officers.len(), 1);
    assert_eq!(r.header.officer.as_ref().map(|o| o.name.as_str()), Some("Dewi Petugas"));
    assert_eq!(r.total.sessions_served, 2);

    let complaints = ReportFilter { category: Some(Category::Pengaduan), ..Default::default() };
    let r = staff_performance(&s, &march_2026, &complaints).expect("report");
    assert_eq!(r.officers.len(), 1);
    assert_eq!(r.officers[0].figures.duration.mean_seconds, Some(2400.0));
    assert_eq!(r.header.category.as_ref().map(|c| c.label.as_str()), Some("Pengaduan"));

    // One day: 2 March, both officers' first sessions (and Budi's second).
    let day = Period::between(date("2026-03-02"), date("2026-03-02")).expect("day");
    let r = staff_performance(&s, &day, &ReportFilter::default()).expect("report");
    assert_eq!(r.total.sessions_served, 3);
    // All time includes Dewi's April session.
    let r = staff_performance(&s, &Period::all(), &ReportFilter::default()).expect("report");
    assert_eq!(r.total.sessions_served, 7);
    assert!(staff_performance(
        &s,
        &Period { from: Some(date("2026-03-02")), to: Some(date("2026-03-01")) },
        &ReportFilter::default()
    )
    .is_err());
}
