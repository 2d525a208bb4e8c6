//! The session lifecycle, its refusals, tickets, history and the risk register.

use amer_core::model::{Coded, SessionStatus, TimingFigure};
use amer_core::store::{Actor, NewRisk, SessionFilter};

use super::*;

#[test]
fn walk_in_flow_from_registration_to_rating() {
    let s = office();
    let r = s.register(&Actor::device(), new_session("konsultasi", "Tata cara sanggah")).expect("register");
    assert!(r.ticket.starts_with("K-") && r.ticket.ends_with("-A-001"), "{}", r.ticket);
    assert_eq!(s.session(&r.ticket).expect("get").status(), SessionStatus::Registered);

    let got = s.assign(&actor(KASUBAG), &r.ticket, OFFICER).expect("assign");
    assert_eq!(got.status(), SessionStatus::Assigned);
    assert_eq!(got.assignment.as_ref().map(|a| a.officer.as_str()), Some(OFFICER));
    assert_eq!(got.assignment.as_ref().and_then(|a| a.stamp.by.as_deref()), Some(KASUBAG));
    assert_eq!(s.start(&actor(OFFICER), &r.ticket).expect("start").status(), SessionStatus::InService);
    s.append_notes(&actor(OFFICER), &r.ticket, "Menjelaskan jadwal sanggah.").expect("notes");
    let fin = s
        .finish(
            &actor(OFFICER),
            &r.id.to_text(),
            Some("Disarankan mengajukan melalui SPSE."),
            Some("Ajukan sanggah tepat waktu"),
            None,
        )
        .expect("finish");
    assert_eq!(fin.status(), SessionStatus::Finished);
    assert!(fin.notes.contains("Menjelaskan jadwal") && fin.notes.contains("melalui SPSE"));
    let rated = s.rate(&Actor::device(), &r.ticket, 5, Some("Sangat membantu"), true).expect("rate");
    assert_eq!(rated.status(), SessionStatus::Rated);
    assert_eq!(rated.rating.as_ref().map(|x| x.score.label_id()), Some("Sangat Baik"));
    assert!(matches!(rated.timing().duration, TimingFigure::Seconds(_)));
    assert!(matches!(rated.timing().waiting, TimingFigure::Seconds(_)));

    let ops: Vec<String> = s.history(&r.ticket).expect("history").into_iter().map(|h| h.op).collect();
    assert_eq!(ops, ["register", "assign", "start", "notes_append", "notes_append", "finish", "rate"]);
    let hist = s.history(&r.ticket).expect("history");
    assert!(hist.iter().any(|h| h.op == "assign" && h.by.as_deref() == Some(KASUBAG) && h.device == "A"));

    let rows = s.list_sessions(&SessionFilter::default()).expect("list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, SessionStatus::Rated);
    assert_eq!(rows[0].visitor_name, "Rina Wulandari");
    assert_eq!(rows[0].score, Some(5));
    let found = s
        .list_sessions(&SessionFilter { text: Some("sanggah".into()), ..Default::default() })
        .expect("search");
    assert_eq!(found.len(), 1);
}

/// Every refused step leaves the store exactly as it was.
#[test]
fn illegal_steps_are_refused_and_change_nothing() {
    let s = office();
    let r = s.register(&Actor::device(), new_session("pengaduan", "Keluhan layanan")).expect("register");
    let unchanged = |s: &Store| (s.current_seq().expect("seq"), s.doc_heads(&r.id.doc()).expect("heads"));
    let before = unchanged(&s);

    let expect_err = |res: amer_core::Result<_>, contains: &str| {
        let Err(err) = res else { panic!("must be refused") };
        assert!(err.to_string().contains(contains), "{err}");
        assert!(err.is_refusal());
    };
    expect_err(s.rate(&Actor::device(), &r.ticket, 4, None, false).map(|_| ()), "not finished");
    expect_err(s.start(&Actor::device(), &r.ticket).map(|_| ()), "no officer is assigned");
    expect_err(s.rate(&Actor::device(), &r.ticket, 0, None, false).map(|_| ()), "1 to 5");
    expect_err(s.rate(&Actor::device(), &r.ticket, 6, None, false).map(|_| ()), "1 to 5");
    expect_err(s.assign(&actor(KASUBAG), &r.ticket, "198001012005011999").map(|_| ()), "not found");
    expect_err(s.assign(&actor(KASUBAG), &r.ticket, "12345").map(|_| ()), "18 digits");
    expect_err(s.assign(&actor(OFFICER), &r.ticket, OFFICER2).map(|_| ()), "needs the role");
    expect_err(s.finish(&Actor::device(), &r.ticket, None, None, None).map(|_| ()), "not started");
    expect_err(s.start(&Actor::device(), "K-000000-A-999").map(|_| ()), "not found");
    assert_eq!(unchanged(&s), before);

    s.update_staff(&actor(ADMIN), OFFICER2, None, None, None, Some(false)).expect("deactivate");
    let before = unchanged(&s);
    expect_err(s.assign(&actor(KASUBAG), &r.ticket, OFFICER2).map(|_| ()), "inactive");
    assert_eq!(unchanged(&s), before);

    s.cancel(&Actor::device(), &r.ticket, "Pengunjung pulang").expect("cancel");
    let before = unchanged(&s);
    expect_err(s.assign(&actor(KASUBAG), &r.ticket, OFFICER).map(|_| ()), "cancelled");
    expect_err(s.start(&Actor::device(), &r.ticket).map(|_| ()), "cancelled");
    assert_eq!(unchanged(&s), before);
    assert_eq!(s.session(&r.ticket).expect("get").status(), SessionStatus::Cancelled);
}

#[test]
fn editing_a_rated_session_needs_an_admin_and_is_audited() {
    let s = office();
    let r = s.register(&Actor::device(), new_session("konsultasi", "HPS")).expect("register");
    s.assign(&actor(KASUBAG), &r.ticket, OFFICER).expect("assign");
    s.start(&Actor::device(), &r.ticket).expect("start");
    s.finish(&Actor::device(), &r.ticket, Some("catatan"), None, None).expect("finish");
    s.rate(&Actor::device(), &r.ticket, 3, None, false).expect("rate");
    let err = s.append_notes(&actor(OFFICER), &r.ticket, "tambahan").expect_err("officer may not");
    assert!(err.to_string().contains("admin"), "{err}");
    s.rate(&actor(ADMIN), &r.ticket, 4, Some("dikoreksi dari formulir"), true).expect("admin may");
    let hist = s.history(&r.ticket).expect("history");
    let last = hist.last().expect("entries");
    assert_eq!((last.op.as_str(), last.by.as_deref()), ("rate", Some(ADMIN)));
}

#[test]
fn tickets_are_per_device_and_counted() {
    let s = office();
    let a = s.register(&Actor::device(), new_session("konsultasi", "a")).expect("a").ticket;
    let b = s.register(&Actor::device(), new_session("sanggahan", "b")).expect("b").ticket;
    assert!(a.ends_with("-A-001") && a.starts_with('K'));
    assert!(b.ends_with("-A-002") && b.starts_with('S'));
    assert_eq!(a.split('-').nth(1), b.split('-').nth(1), "same day in WITA");
}

#[test]
fn risk_register_flow() {
    let s = office();
    let risk = s
        .add_risk(
            &actor(KASUBAG),
            NewRisk {
                title: "Persekongkolan tender".into(),
                stage: "pemilihan".into(),
                event: "Peserta tender mengatur harga penawaran".into(),
                likelihood: Some(4),
                impact: Some(4),
                category: Some("fraud".into()),
                ..Default::default()
            },
        )
        .expect("add");
    assert!(risk.code.starts_with('R') && risk.code.ends_with("-A-001"), "{}", risk.code);
    let rows = s.list_risks().expect("list");
    assert_eq!(rows[0].inherent.map(|c| (c.2, c.3.code())), Some((19, "tinggi")));
    s.respond_risk(&actor(KASUBAG), &risk.code, "kurangi").expect("respond");
    let r = s
        .treat_risk(&actor(KASUBAG), &risk.code, "Reviu dokumen oleh APIP", "Inspektorat", None)
        .expect("treat");
    let item = r.treatments[0].id.clone();
    s.treatment_done(&actor(KASUBAG), &risk.code, &item).expect("done");
    assert!(s.treatment_done(&actor(KASUBAG), &risk.code, &item).is_err(), "done twice");
    s.assess_risk(&actor(KASUBAG), &risk.code, 2, 3, true).expect("residual");
    let sess =
        s.register(&Actor::device(), new_session("pengaduan", "Dugaan persekongkolan")).expect("session");
    s.link_risk(&actor(KASUBAG), &risk.code, &sess.ticket).expect("link");
    s.monitor_risk(&actor(KASUBAG), &risk.code, "Tidak ada indikasi baru").expect("monitor");
    let row = &s.list_risks().expect("list")[0];
    assert_eq!((row.treatments_done, row.treatments_total, row.linked_sessions), (1, 1, 1));
    assert_eq!(row.residual.map(|c| (c.2, c.3.code())), Some((11, "rendah")));
    assert_eq!(row.status.code(), "monitored");
    assert!(s.assess_risk(&actor(KASUBAG), &risk.code, 7, 1, false).is_err());
}

#[test]
fn office_changes_need_a_person_once_staff_exist() {
    let s = office();
    let other = "some-node";
    let err = s.remove_member(&Actor::device(), other).expect_err("not a member anyway");
    assert!(err.to_string().contains("not found"), "{err}");
    let err = s.update_office(&Actor::device(), Some("X"), None, None, None, None).expect_err("device alone");
    assert!(err.to_string().contains("staff member must be identified"), "{err}");
    let err = s.update_office(&actor(OFFICER), Some("X"), None, None, None, None).expect_err("not admin");
    assert!(err.to_string().contains("needs the role admin"), "{err}");
    s.update_office(&actor(ADMIN), None, Some("Sekretariat Daerah"), None, None, None).expect("admin may");
    assert_eq!(s.office().expect("office").unit.as_deref(), Some("Sekretariat Daerah"));
}
