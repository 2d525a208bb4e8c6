"""Staff members and the risk register."""

from __future__ import annotations

import pytest

import amer
from conftest import ADMIN, KASUBAG, OFFICER, OFFICER2, new_session


def test_staff_add_update_list(store: amer.AmerStore) -> None:
    rows = store.list_staff()
    assert [r.name for r in rows] == ["Andi Admin", "Budi Petugas", "Dewi Petugas", "Sari Kasubag"]
    assert {r.nip: r.role for r in rows}[KASUBAG] == amer.StaffRole.KASUBAG
    viewer = store.add_staff(
        amer.NewStaff(nip="1990 0220 2015 03 1 099".replace(" ", ""), name="Eka Peninjau", role=amer.StaffRole.VIEWER, title="Staf"),
        by=ADMIN,
    )
    assert viewer.role_label.label_id == "Peninjau" and viewer.title == "Staf" and viewer.active
    assert viewer.created.by == ADMIN

    s = store.update_staff(OFFICER2, amer.StaffChanges(active=False, title="Analis"), by=ADMIN)
    assert not s.active and s.title == "Analis"
    s = store.update_staff(OFFICER2, amer.StaffChanges(title=""), by=ADMIN)
    assert s.title is None
    assert store.staff(OFFICER2).name == "Dewi Petugas"

    with pytest.raises(amer.ApiError.NotAllowed):
        store.add_staff(amer.NewStaff(nip="199203032018011001", name="X", role=amer.StaffRole.PETUGAS))
    with pytest.raises(amer.ApiError.NotAllowed):
        store.update_staff(OFFICER, amer.StaffChanges(role=amer.StaffRole.ADMIN), by=OFFICER)
    with pytest.raises(amer.ApiError.Invalid, match="already exists"):
        store.add_staff(amer.NewStaff(nip=OFFICER, name="Budi", role=amer.StaffRole.PETUGAS), by=ADMIN)
    with pytest.raises(amer.ApiError.NotFound):
        store.staff("198001012005011999")
    assert len(store.list_staff()) == 5


def test_risk_register_flow(store: amer.AmerStore) -> None:
    risk = store.add_risk(
        amer.NewRisk(
            title="Persekongkolan tender",
            stage=amer.Stage.PEMILIHAN,
            event="Peserta tender mengatur harga penawaran",
            likelihood=4,
            impact=4,
            category=amer.RiskCategory.FRAUD,
            package=amer.Package(code="RUP-123", kind=amer.PackageType.PEKERJAAN_KONSTRUKSI, year=2026),
        ),
        by=KASUBAG,
    )
    assert risk.code.startswith("R") and risk.code.endswith("-A-001")
    assert risk.status == amer.RiskStatus.ANALYSED
    assert risk.inherent is not None
    cell = risk.inherent.cell
    assert (cell.score, cell.level, cell.level_label.label_id) == (19, amer.RiskLevel.TINGGI, "Tinggi")
    assert cell.likelihood_label.label_id == "Sering" and cell.impact_label.label_id == "Signifikan"
    assert risk.package is not None and risk.package.kind == amer.PackageType.PEKERJAAN_KONSTRUKSI

    store.respond_risk(risk.code, amer.RiskResponse.KURANGI, by=KASUBAG)
    r = store.treat_risk(risk.code, "Reviu dokumen oleh APIP", "Inspektorat", due="2026-06-30", by=KASUBAG)
    item = r.treatments[-1]
    assert item.due == "2026-06-30" and item.done is None
    r = store.treatment_done(risk.code, item.id, by=KASUBAG)
    assert r.treatments[-1].done is not None
    with pytest.raises(amer.ApiError.IllegalStep, match="already done"):
        store.treatment_done(risk.code, item.id, by=KASUBAG)
    r = store.assess_risk(risk.code, 2, 3, residual=True, by=KASUBAG)
    assert r.residual is not None and (r.residual.cell.score, r.residual.cell.level) == (11, amer.RiskLevel.RENDAH)
    sess = store.register(new_session(amer.Category.PENGADUAN, "Dugaan persekongkolan"))
    r = store.link_risk(risk.code, sess.ticket, by=KASUBAG)
    assert r.linked_sessions == [sess.id]
    r = store.monitor_risk(risk.code, "Tidak ada indikasi baru", by=KASUBAG)
    assert r.status == amer.RiskStatus.MONITORED and r.status_label.label_id == "Dipantau"

    [row] = store.list_risks()
    assert (row.treatments_done, row.treatments_total, row.linked_sessions) == (1, 1, 1)
    assert row.residual is not None and row.residual.score == 11
    assert row.response == amer.RiskResponse.KURANGI and row.response_label is not None
    assert row.response_label.label_en == "Reduce"

    closed = store.close_risk(risk.code, by=KASUBAG)
    assert closed.status == amer.RiskStatus.CLOSED and closed.closed is not None
    with pytest.raises(amer.ApiError.IllegalStep, match="closed"):
        store.respond_risk(risk.code, amer.RiskResponse.TERIMA, by=KASUBAG)
    assert store.risk(risk.id).code == risk.code
    ops = [h.op for h in store.history(risk.code)]
    assert ops[1:] == ["respond", "treat", "treatment_done", "assess_residual", "link_session", "monitor", "close"]


def test_risk_refusals(store: amer.AmerStore) -> None:
    with pytest.raises(amer.ApiError.Invalid, match="both likelihood and impact"):
        store.add_risk(amer.NewRisk(title="T", stage=amer.Stage.PERSIAPAN, event="E", likelihood=3), by=KASUBAG)
    with pytest.raises(amer.ApiError.Invalid) as e:
        store.add_risk(amer.NewRisk(title="T", stage=amer.Stage.PERSIAPAN, event="E", likelihood=9, impact=1), by=KASUBAG)
    assert e.value.field == "likelihood"
    with pytest.raises(amer.ApiError.NotFound) as e2:
        store.risk("R26-Z-999")
    assert e2.value.what == "risk" and e2.value.key == "R26-Z-999"
    assert store.list_risks() == []


def test_code_lists_for_forms() -> None:
    cats = amer.code_list(amer.CodeList.CATEGORY)
    assert [c.code for c in cats] == ["konsultasi", "pengaduan", "sanggahan"]
    assert [c.label_id for c in amer.code_list(amer.CodeList.LIKELIHOOD)][0] == "Hampir tidak terjadi"
    assert amer.StaffRole.KASUBAG.label_en() == "Head of sub-section"
    assert amer.SessionStatus.IN_SERVICE.code() == "in_service"
