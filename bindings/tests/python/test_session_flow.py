"""The walk-in flow from Python: register → assign → start → finish → rate, and its refusals."""

from __future__ import annotations

import datetime

import pytest

import amer
from conftest import ADMIN, KASUBAG, OFFICER, OFFICER2, new_session, serve


def test_walk_in_flow_from_registration_to_rating(store: amer.AmerStore) -> None:
    r = store.register(new_session())
    assert r.ticket.startswith("K-") and r.ticket.endswith("-A-001")
    s = store.session(r.ticket)
    assert s.status == amer.SessionStatus.REGISTERED
    assert s.status_label.label_id == "Terdaftar"
    assert s.category_label == amer.Label(code="konsultasi", label_id="Konsultasi", label_en="Consultation")
    assert s.visitor.name == "Rina Wulandari" and s.visitor.state == amer.VisitorDataState.KNOWN

    s = store.assign(r.ticket, OFFICER, by=KASUBAG)
    assert s.status == amer.SessionStatus.ASSIGNED
    assert s.assignment is not None and s.assignment.officer_nip == OFFICER
    assert s.assignment.stamp.by == KASUBAG and s.assignment.stamp.device == "A"
    assert store.start(r.ticket, by=OFFICER).status == amer.SessionStatus.IN_SERVICE
    store.append_notes(r.ticket, "Menjelaskan jadwal sanggah.", by=OFFICER)
    s = store.finish(
        r.id,
        notes="Disarankan mengajukan melalui SPSE.",
        recommendation="Ajukan sanggah tepat waktu",
        follow_up=amer.FollowUp(target=amer.ReferralTarget.LKPP, tracking="LKPP-123"),
        by=OFFICER,
    )
    assert s.status == amer.SessionStatus.FINISHED
    assert "Menjelaskan jadwal" in s.notes and "melalui SPSE" in s.notes
    assert s.finish is not None and s.finish.follow_up is not None
    assert s.finish.follow_up.target == amer.ReferralTarget.LKPP
    s = store.rate(r.ticket, 5, comment="Sangat membantu", signed=True)
    assert s.status == amer.SessionStatus.RATED
    assert s.rating is not None and s.rating.score == 5 and s.rating.score_label.label_id == "Sangat Baik"
    assert s.duration.state == amer.TimingState.PLAUSIBLE and s.duration.seconds is not None
    assert s.waiting.text_id.endswith("detik") or "menit" in s.waiting.text_id

    # Instants are timezone-aware datetimes in UTC.
    assert isinstance(s.registered.at, datetime.datetime)
    assert s.registered.at.tzinfo is not None
    assert abs(datetime.datetime.now(datetime.timezone.utc) - s.registered.at) < datetime.timedelta(minutes=5)

    ops = [h.op for h in store.history(r.ticket)]
    assert ops == ["register", "assign", "start", "notes_append", "notes_append", "finish", "rate"]
    assert any(h.op == "assign" and h.by == KASUBAG for h in store.history(r.ticket))

    rows = store.list_sessions()
    assert [(x.ticket, x.status, x.score, x.visitor_name) for x in rows] == [
        (r.ticket, amer.SessionStatus.RATED, 5, "Rina Wulandari")
    ]


def snapshot(store: amer.AmerStore, ticket: str) -> tuple:
    """Everything a refused step must leave as it was."""
    return (store.session(ticket), len(store.history(ticket)), store.list_sessions(), store.counts())


def test_refusals_raise_clear_errors_and_change_nothing(store: amer.AmerStore) -> None:
    r = store.register(new_session(amer.Category.PENGADUAN, "Keluhan layanan"))
    before = snapshot(store, r.ticket)

    with pytest.raises(amer.ApiError.IllegalStep) as e:
        store.rate(r.ticket, 4)
    assert e.value.step == "rate" and "not finished" in e.value.reason
    with pytest.raises(amer.ApiError.IllegalStep, match="no officer is assigned"):
        store.start(r.ticket)
    with pytest.raises(amer.ApiError.Invalid) as e:
        store.rate(r.ticket, 6)
    assert e.value.field == "rating" and "1 to 5" in e.value.reason
    with pytest.raises(amer.ApiError.NotFound) as e:
        store.assign(r.ticket, "198001012005011999", by=KASUBAG)
    assert e.value.what == "officer"
    with pytest.raises(amer.ApiError.Invalid, match="18 digits"):
        store.assign(r.ticket, "12345", by=KASUBAG)
    with pytest.raises(amer.ApiError.NotAllowed) as e:
        store.assign(r.ticket, OFFICER2, by=OFFICER)
    assert "needs the role" in e.value.reason
    with pytest.raises(amer.ApiError.NotFound, match="K-000000-A-999"):
        store.start("K-000000-A-999")
    with pytest.raises(amer.ApiError.Invalid) as e:
        store.register(new_session(subject="   "))
    assert e.value.field == "subject"
    # Every variant is an ApiError, and messages never echo personal data.
    with pytest.raises(amer.ApiError) as e:
        store.register(new_session(visitor=amer.VisitorInput(name="Rina", phone="0812-xx")))
    assert "0812" not in str(e.value)

    assert snapshot(store, r.ticket) == before

    store.cancel(r.ticket, "Pengunjung pulang")
    before = snapshot(store, r.ticket)
    with pytest.raises(amer.ApiError.IllegalStep, match="cancelled"):
        store.assign(r.ticket, OFFICER, by=KASUBAG)
    assert snapshot(store, r.ticket) == before
    assert store.session(r.ticket).status == amer.SessionStatus.CANCELLED


def test_changing_a_rated_session_needs_an_admin(store: amer.AmerStore) -> None:
    r = store.register(new_session())
    serve(store, r.ticket, score=3)
    with pytest.raises(amer.ApiError.NotAllowed, match="admin"):
        store.append_notes(r.ticket, "tambahan", by=OFFICER)
    s = store.rate(r.ticket, 4, comment="dikoreksi dari formulir", signed=True, by=ADMIN)
    assert s.rating is not None and s.rating.score == 4
    assert store.history(r.ticket)[-1].by == ADMIN


def test_notes_can_be_edited_while_in_service(store: amer.AmerStore) -> None:
    r = store.register(new_session())
    store.assign(r.ticket, OFFICER, by=KASUBAG)
    store.start(r.ticket)
    store.append_notes(r.ticket, "Paragraf satu.")
    s = store.edit_notes(r.ticket, "Paragraf satu, diperbaiki.")
    assert s.notes == "Paragraf satu, diperbaiki."


def test_store_reopens_with_its_data(home, store: amer.AmerStore) -> None:
    r = store.register(new_session())
    again = amer.AmerStore.open(str(home))
    assert again.session(r.ticket).visitor.name == "Rina Wulandari"
    assert again.local() == store.local()
    assert again.path() is not None and again.path().endswith("amer.db")


def test_uninitialised_store_says_what_to_do(tmp_path) -> None:
    s = amer.AmerStore.open(str(tmp_path / "fresh"))
    assert not s.is_initialised()
    with pytest.raises(amer.ApiError.NotInitialised) as e:
        s.local()
    assert "init_office()" in e.value.reason
    with pytest.raises(amer.ApiError.Invalid):
        amer.AmerStore.open("")
    s.init_office(amer.InitOptions(office_name="Kantor", device_name="PC 1"))
    with pytest.raises(amer.ApiError.IllegalStep, match="already initialised"):
        s.init_office(amer.InitOptions(office_name="Kantor", device_name="PC 1"))
    office = s.office()
    assert office.timezone == "Asia/Makassar"
    assert [m.device_code for m in office.members] == ["A"]
    assert len(s.holidays()) == 25
