//! What comes up most: counts by dimension, normalised topics, repeat visitors, frequent words
//! without stop words (through the FTS vocabulary and through tokenising a part), and search.

use amer_core::model::{Category, Method, Package, PackageType, Stage};
use amer_core::report::{search, topics, Period, ReportFilter};
use amer_core::{Store, VisitorId};

use crate::*;

fn fixture(s: &Store) {
    let rina = VisitorId::random();
    let pkg = |opd: &str, kind, method| Package {
        opd: Some(opd.into()),
        kind: Some(kind),
        method: Some(method),
        ..Default::default()
    };
    let mut a = Spec::new(Category::Konsultasi, "Tata cara e-purchasing katalog", "2026-03-02 09:00")
        .notes("Dijelaskan cara belanja katalog elektronik yang benar dan sesuai");
    a.visitor = rina;
    a.stage = Some(Stage::Pemilihan);
    a.package = Some(pkg("Dinas PUPR", PackageType::Barang, Method::EPurchasing));
    a.description = Some("katalog katalog katalog katalog katalog".into());
    craft(s, &a);
    let mut b = Spec::new(Category::Sanggahan, "Sanggahan hasil tender", "2026-03-03 09:00")
        .notes("Peserta tidak puas dengan hasil evaluasi tender");
    b.visitor = rina;
    b.stage = Some(Stage::Pemilihan);
    b.package = Some(pkg("dinas  pupr", PackageType::PekerjaanKonstruksi, Method::Tender));
    craft(s, &b);
    let mut c = Spec::new(Category::Konsultasi, "Katalog elektronik lokal", "2026-03-04 09:00")
        .notes("Katalog lokal untuk penyedia daerah");
    c.visitor = rina;
    c.package = Some(pkg("Dinas Kesehatan", PackageType::Barang, Method::EPurchasing));
    craft(s, &c);
    let mut d = Spec::new(Category::Konsultasi, "tata cara  E-Purchasing katalog.", "2026-03-05 09:00");
    d.stage = Some(Stage::Perencanaan);
    craft(s, &d);
    // Another repeat visitor (2 sessions) and the invalid session full of one word.
    let budi = VisitorId::random();
    for day in ["2026-03-06 09:00", "2026-03-07 09:00"] {
        let mut e = Spec::new(Category::Pengaduan, "Pembayaran terlambat", day).notes("Pembayaran termin");
        e.visitor = budi;
        craft(s, &e);
    }
    let mut bad = Spec::new(Category::Konsultasi, "Rusak", "2026-03-08 09:00")
        .notes("rusak rusak rusak rusak rusak rusak rusak rusak katalog katalog");
    bad.visitor = budi;
    craft_invalid(s, bad);
}

fn word_counts(r: &amer_core::report::TopicsReport) -> Vec<(&str, i64, i64, i64)> {
    r.top_words.iter().map(|w| (w.word.as_str(), w.occurrences, w.in_subjects, w.in_notes)).collect()
}

#[test]
fn counts_topics_repeat_visitors_and_words() {
    let s = office();
    fixture(&s);
    let r = topics(&s, &Period::all(), &ReportFilter::default(), 5).expect("report");
    assert_eq!(r.sessions, 6, "the invalid session is left out");
    let by = |rows: &[amer_core::report::CountRow]| -> Vec<(String, i64)> {
        rows.iter().map(|c| (c.label.clone(), c.count)).collect()
    };
    assert_eq!(
        by(&r.by_category),
        [("Konsultasi".into(), 3), ("Pengaduan".into(), 2), ("Sanggahan".into(), 1)]
    );
    let topics = by(&r.by_topic);
    assert_eq!(topics[0], ("Pembayaran terlambat".into(), 2));
    assert_eq!(topics[1].1, 2, "two spellings of one topic are one topic: {topics:?}");
    assert!(topics[1].0.to_lowercase().starts_with("tata cara e-purchasing katalog"), "{topics:?}");
    assert_eq!(r.by_stage.iter().map(|c| c.count).collect::<Vec<_>>(), [1, 0, 2, 0, 0, 3]);
    assert_eq!(r.by_stage[5].label, "(tidak diisi)");
    assert_eq!(r.by_stage[2].code.as_deref(), Some("pemilihan"));
    let opd = by(&r.by_opd);
    assert_eq!(opd[0], ("Dinas PUPR".into(), 2), "OPD spellings merge: {opd:?}");
    assert_eq!(opd[1], ("Dinas Kesehatan".into(), 1));
    assert_eq!(opd[2], ("(tidak diisi)".into(), 3));
    assert_eq!(r.by_package_type[0].count, 2);
    assert_eq!(r.by_package_type[1].count, 1);
    assert_eq!(
        r.by_method.iter().find(|m| m.code.as_deref() == Some("e_purchasing")).map(|m| m.count),
        Some(2)
    );
    let rv = &r.repeat_visitors;
    // Rina 3 sessions, Budi 2 (+ an invalid one, not counted), the other visitor 1.
    assert_eq!((rv.visitors, rv.repeat_visitors, rv.repeat_sessions), (3, 2, 5));

    // Words in subjects and notes, not descriptions; stop words and the invalid session left out.
    let words = word_counts(&r);
    assert_eq!(words[0], ("katalog", 5, 3, 2), "{words:?}");
    assert!(words.contains(&("pembayaran", 4, 2, 2)), "{words:?}");
    assert!(
        words.iter().all(|w| !["yang", "dan", "dengan", "untuk", "tidak", "rusak"].contains(&w.0)),
        "{words:?}"
    );
    assert_eq!(words.len(), 5);
}

#[test]
fn word_counts_agree_between_the_vocabulary_and_a_part() {
    let s = office();
    fixture(&s);
    // Konsultasi alone (3 of 7 indexed sessions) is tokenised directly; all sessions but one
    // day go through the vocabulary minus the rest. Both give the same counts as by hand.
    let konsultasi = ReportFilter { category: Some(Category::Konsultasi), ..Default::default() };
    let r = topics(&s, &Period::all(), &konsultasi, 3).expect("report");
    assert_eq!(r.sessions, 3);
    assert_eq!(word_counts(&r), [("katalog", 5, 3, 2), ("cara", 3, 2, 1), ("elektronik", 2, 1, 1)]);
    assert_eq!(r.by_category.len(), 1);
    let most = Period::between(date("2026-03-02"), date("2026-03-06")).expect("p");
    let r = topics(&s, &most, &ReportFilter::default(), 50).expect("report");
    let words = word_counts(&r);
    assert_eq!(words[0], ("katalog", 5, 3, 2));
    assert!(words.contains(&("pembayaran", 2, 1, 1)), "{words:?}");
    assert!(!words.iter().any(|w| w.0 == "rusak"), "{words:?}");
}

#[test]
fn search_is_safe_against_fts_syntax() {
    let s = office();
    fixture(&s);
    let all = Period::all();
    let f = ReportFilter::default();
    let hits = search(&s, "e-purchasing", &all, &f, None).expect("search");
    assert_eq!(hits.len(), 2, "e-purchasing is the words e and purchasing");
    let hits = search(&s, "katalog", &all, &f, None).expect("search");
    assert_eq!(hits.len(), 3, "the invalid session is not found");
    assert_eq!(search(&s, "katal*", &all, &f, None).expect("prefix").len(), 3);
    for nasty in ["\"katalog", "katalog OR NEAR(", "subject: katalog", "katalog AND -", "{subject}: x*y"] {
        assert!(search(&s, nasty, &all, &f, None).is_ok(), "{nasty} must not be an FTS syntax error");
    }
    assert!(search(&s, "(\")*^", &all, &f, None).is_err(), "no word: refused, not 'everything'");
    let pengaduan = ReportFilter { category: Some(Category::Pengaduan), ..Default::default() };
    assert_eq!(search(&s, "pembayaran", &all, &pengaduan, Some(1)).expect("search").len(), 1);
}
