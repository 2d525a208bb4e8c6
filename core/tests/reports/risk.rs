//! Risk levels from the office's matrix, inherent and residual maps with counts per cell,
//! treatment progress and the risks linked to sessions.

use amer_core::model::{Category, RiskMatrix};
use amer_core::report::{risk_report, Period};
use amer_core::store::NewRisk;
use amer_core::Store;

use crate::*;

fn add(s: &Store, title: &str, li: Option<(i64, i64)>) -> String {
    s.add_risk(
        &actor(KASUBAG),
        NewRisk {
            title: title.into(),
            stage: "pemilihan".into(),
            event: format!("{title} terjadi"),
            likelihood: li.map(|x| x.0),
            impact: li.map(|x| x.1),
            category: Some("fraud".into()),
            opd: Some("Dinas PUPR".into()),
            ..Default::default()
        },
    )
    .expect("add risk")
    .code
}

#[test]
fn levels_maps_progress_and_links() {
    let s = office();
    let r1 = add(&s, "Persekongkolan tender", Some((4, 4)));
    let r2 = add(&s, "Mark-up HPS", Some((5, 5)));
    let r3 = add(&s, "Salah ketik dokumen", Some((1, 3)));
    add(&s, "Kontrak tidak sesuai", Some((4, 4)));
    add(&s, "Belum dinilai", None);
    let r6 = add(&s, "Bencana banjir", Some((1, 5)));
    let k = actor(KASUBAG);
    s.assess_risk(&k, &r1, 2, 3, true).expect("residual");
    s.assess_risk(&k, &r3, 1, 1, true).expect("residual");
    let a = s.treat_risk(&k, &r1, "Reviu APIP", "Inspektorat", None).expect("treat").treatments[0].id.clone();
    s.treat_risk(&k, &r1, "Pakta integritas", "Pokja", None).expect("treat");
    s.treatment_done(&k, &r1, &a).expect("done");
    let valid = craft(&s, &Spec::new(Category::Pengaduan, "Dugaan persekongkolan", "2026-03-02 09:00"));
    let invalid = craft_invalid(&s, Spec::new(Category::Pengaduan, "Rusak", "2026-03-02 10:00"));
    s.link_risk(&k, &r1, &valid.to_text()).expect("link");
    s.link_risk(&k, &r1, &invalid.to_text()).expect("link invalid");
    s.link_risk(&k, &r2, &valid.to_text()).expect("link");

    let r = risk_report(&s, &Period::all()).expect("report");
    type Scored<'a> = Option<(u8, &'a str)>;
    let reg: Vec<(&str, Scored, Scored)> = r
        .register
        .iter()
        .map(|x| {
            (
                x.title.as_str(),
                x.inherent.as_ref().map(|a| (a.score, a.level.code.as_str())),
                x.residual.as_ref().map(|a| (a.score, a.level.code.as_str())),
            )
        })
        .collect();
    assert_eq!(
        reg,
        [
            ("Persekongkolan tender", Some((19, "tinggi")), Some((11, "rendah"))),
            ("Mark-up HPS", Some((25, "sangat_tinggi")), None),
            ("Salah ketik dokumen", Some((5, "sangat_rendah")), Some((1, "sangat_rendah"))),
            ("Kontrak tidak sesuai", Some((19, "tinggi")), None),
            ("Belum dinilai", None, None),
            ("Bencana banjir", Some((20, "sangat_tinggi")), None),
        ]
    );
    let first = &r.register[0];
    assert_eq!(first.inherent.as_ref().map(|a| a.level.label.as_str()), Some("Tinggi"));
    assert_eq!(first.inherent.as_ref().map(|a| a.likelihood.label.as_str()), Some("Sering"));
    assert_eq!((first.treatment.done, first.treatment.total, first.treatment.share), (1, 2, Some(0.5)));
    assert_eq!(first.linked_sessions, 1, "the invalid session is not counted");
    assert_eq!(first.status.code, "treated");
    assert_eq!((r.treatment.done, r.treatment.total), (1, 2));

    // The inherent map: rows likelihood 5..1, columns impact 1..5.
    let m = &r.inherent_map;
    assert_eq!(m.rows.iter().map(|row| row.likelihood.value).collect::<Vec<_>>(), [5, 4, 3, 2, 1]);
    assert_eq!(m.impacts.iter().map(|i| i.value).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
    let counts: Vec<Vec<i64>> =
        m.rows.iter().map(|row| row.cells.iter().map(|c| c.count).collect()).collect();
    assert_eq!(
        counts,
        [[0, 0, 0, 0, 1], [0, 0, 0, 2, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 0, 1]],
        "L5I5: 1, L4I4: 2, L1I3: 1, L1I5: 1"
    );
    let cell = &m.rows[1].cells[3];
    assert_eq!((cell.likelihood, cell.impact, cell.score, cell.level.code.as_str()), (4, 4, 19, "tinggi"));
    assert_eq!(cell.risks.len(), 2);
    assert_eq!(m.rows[4].cells[4].score, 20, "the BPKP table: L1 I5 scores 20");
    assert_eq!((m.assessed, m.not_assessed), (5, 1));
    let res = &r.residual_map;
    assert_eq!(res.rows[3].cells[2].count, 1, "L2 I3");
    assert_eq!(res.rows[4].cells[0].count, 1, "L1 I1");
    assert_eq!((res.assessed, res.not_assessed), (2, 4));
    let levels: Vec<(&str, u8, u8, i64, i64)> = r
        .levels
        .iter()
        .map(|l| (l.level.code.as_str(), l.from_score, l.to_score, l.inherent, l.residual))
        .collect();
    assert_eq!(
        levels,
        [
            ("sangat_rendah", 1, 5, 1, 1),
            ("rendah", 6, 11, 0, 1),
            ("sedang", 12, 15, 0, 0),
            ("tinggi", 16, 19, 2, 0),
            ("sangat_tinggi", 20, 25, 2, 0),
        ]
    );
    // Risks linked to sessions: the valid session only.
    let links: Vec<(&str, usize)> = r.linked.iter().map(|l| (l.code.as_str(), l.sessions.len())).collect();
    assert_eq!(links, [(r1.as_str(), 1), (r2.as_str(), 1)]);
    assert_eq!(r.linked[0].sessions[0].subject, "Dugaan persekongkolan");
    assert_eq!(r.linked[0].sessions[0].day, "2026-03-02");

    // A configurable matrix: scores row by row 1..25 put L1 I5 at 5 (sangat rendah).
    let mut custom = RiskMatrix::default();
    for l in 0..5 {
        for i in 0..5 {
            custom.scores[l][i] = (l * 5 + i + 1) as u8;
        }
    }
    s.update_office(&actor(ADMIN), None, None, None, None, Some(&custom)).expect("matrix");
    let r = risk_report(&s, &Period::all()).expect("report");
    let flood = r.register.iter().find(|x| x.code == r6).and_then(|x| x.inherent.clone()).expect("assessed");
    assert_eq!((flood.score, flood.level.code.as_str()), (5, "sangat_rendah"));
    assert_eq!(r.inherent_map.rows[0].cells[4].score, 25);
    assert_eq!(r.inherent_map.rows[4].cells[4].level.code, "sangat_rendah");
}
