//! Sessions flagged invalid (a merged document that breaks the lifecycle) are left out of every
//! report, whichever dimension they would count in.

use amer_core::model::{Category, Objection};
use amer_core::report::{
    objections, period_summary, satisfaction, staff_performance, topics, Period, ReportFilter,
};

use crate::*;

#[test]
fn invalid_sessions_are_left_out_of_every_report() {
    let s = office();
    let objection = Objection {
        mode: None,
        announced_on: Some(date("2026-03-12")),
        filed_on: Some(date("2026-03-30")),
        via_spse: false,
        grounds: Vec::new(),
        answered_on: None,
        outcome: None,
    };
    // One valid session of each kind…
    craft(
        &s,
        &Spec::new(Category::Konsultasi, "Katalog", "2026-03-02 09:00")
            .served(BUDI, "2026-03-02 09:10", "2026-03-02 09:20")
            .rated(5),
    );
    let mut ok = Spec::new(Category::Sanggahan, "Sanggah", "2026-03-13 09:00");
    ok.objection = Some(objection.clone());
    craft(&s, &ok);
    // …and an invalid twin of each, rated 1 and assigned to Budi.
    for (cat, subject) in [(Category::Konsultasi, "Katalog rusak"), (Category::Sanggahan, "Sanggah rusak")] {
        let mut bad = Spec::new(cat, subject, "2026-03-03 09:00");
        bad.officer = Some(BUDI);
        if cat == Category::Sanggahan {
            bad.objection = Some(objection.clone());
        }
        craft_invalid(&s, bad);
    }
    let (all, f) = (Period::all(), ReportFilter::default());
    let perf = staff_performance(&s, &all, &f).expect("performance");
    assert_eq!((perf.total.sessions_assigned, perf.total.rating.count), (1, 1));
    assert_eq!(satisfaction(&s, &all, &f).expect("index").overall.mean, Some(5.0));
    let t = topics(&s, &all, &f, 10).expect("topics");
    assert_eq!(t.sessions, 2);
    assert!(t.top_words.iter().all(|w| w.word != "rusak"), "{:?}", t.top_words);
    assert_eq!(objections(&s, &all, &f).expect("objections").rows.len(), 1);
    let sum = period_summary(&s, &all, &f).expect("summary");
    assert_eq!(sum.sessions_total, 2);
    assert_eq!(sum.sessions.as_ref().map(Vec::len), Some(2));
    assert_eq!(sum.rating.count, 1);
    assert_eq!(sum.by_status.iter().find(|r| r.code.as_deref() == Some("rated")).map(|r| r.count), Some(1));
}

#[test]
fn period_summary_counts_categories_statuses_and_times() {
    let s = office();
    crate::performance::march(&s);
    let r =
        period_summary(&s, &Period::month(2026, 3).expect("p"), &ReportFilter::default()).expect("summary");
    assert_eq!(r.header.title, "Rekap Layanan");
    // March: 8 valid sessions (the officers' 7, Budi's cancelled one included, and one waiting).
    assert_eq!(r.sessions_total, 8);
    let k = &r.by_category[0];
    assert_eq!((k.category.code.as_str(), k.total), ("konsultasi", 7));
    let statuses: Vec<(&str, i64)> =
        k.by_status.iter().map(|s| (s.code.as_deref().unwrap_or(""), s.count)).collect();
    assert_eq!(
        statuses,
        [
            ("registered", 1),
            ("assigned", 0),
            ("in_service", 0),
            ("finished", 1),
            ("rated", 4),
            ("cancelled", 1)
        ]
    );
    assert_eq!(r.by_category[1].total, 1);
    // Waits 600, 1800, 300, 600, 120, 600 → 670 s; durations 1200, 900, 2400, 600, 1800 → 1380 s.
    assert_eq!((r.waiting.mean_seconds, r.waiting.counted, r.waiting.flagged), (Some(670.0), 6, 0));
    assert_eq!((r.duration.mean_seconds, r.duration.counted, r.duration.flagged), (Some(1380.0), 5, 1));
    assert_eq!(r.duration.mean_text.as_deref(), Some("23 menit"));
    assert_eq!(r.rating.count, 5);
    let list = r.sessions.as_ref().expect("list");
    assert_eq!(list.len(), 8);
    let negative = list.iter().find(|x| x.subject == "HPS").expect("HPS");
    assert_eq!(negative.timing_flag.as_deref(), Some("negative"));
    assert!(negative.duration_text.as_deref().unwrap_or("").starts_with("PERIKSA"), "{negative:?}");
    assert_eq!(negative.waiting_text.as_deref(), Some("10 menit"));
    assert_eq!(negative.officer_name.as_deref(), Some("Budi Petugas"));
    assert_eq!(negative.arrived_at, "2026-03-04T11:00:00+08:00");
    assert_eq!(negative.category.label, "Konsultasi");
    assert_eq!(negative.score_label.as_deref(), Some("Sangat Baik"));
}
