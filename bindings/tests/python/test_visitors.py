"""Visitors: recognition by phone, erasure ("[dihapus]") and the visitor's own export."""

from __future__ import annotations

import pytest

import amer
from conftest import ADMIN, KASUBAG, new_session, serve, visitor


def test_erasure_shows_dihapus_everywhere(store: amer.AmerStore) -> None:
    a = store.register(new_session(visitor=visitor(nik="6407010101900001")))
    serve(store, a.ticket)
    b = store.register(new_session(subject="Kunjungan kedua"))
    assert a.visitor_id == b.visitor_id, "recognised by phone"
    other = store.register(new_session(visitor=visitor(name="Joko", phone="0813-1111-2222")))

    [found] = store.find_visitors(phone="081234567890")
    assert found.id == a.visitor_id and found.name == "Rina Wulandari" and found.sessions == 2
    # The NIK is only ever shown masked.
    s = store.session(a.ticket)
    assert s.visitor.nik_masked is not None and "*" in s.visitor.nik_masked
    assert "6407010101900001" not in s.visitor.nik_masked and s.visitor.phone is not None

    with pytest.raises(amer.ApiError.NotAllowed):
        store.erase_visitor(a.visitor_id, "Surat 12/2026", by=KASUBAG)
    assert store.erase_visitor(a.visitor_id, "Surat permohonan 12/2026", by=ADMIN) == 2

    s = store.session(a.ticket)
    assert s.visitor.state == amer.VisitorDataState.ERASED
    assert s.visitor.name == "[dihapus]" and s.visitor.phone == "[dihapus]"
    assert s.visitor.org == "CV Maju Jaya", "organisations are not personal data"
    assert s.erasure is not None and s.erasure.request == "Surat permohonan 12/2026" and s.erasure.stamp.by == ADMIN
    assert s.status == amer.SessionStatus.RATED, "the service record stays"
    names = {r.ticket: r.visitor_name for r in store.list_sessions()}
    assert names == {a.ticket: "[dihapus]", b.ticket: "[dihapus]", other.ticket: "Joko"}
    assert store.find_visitors(phone="081234567890") == []
    with pytest.raises(amer.ApiError.IllegalStep, match="already erased"):
        store.erase_visitor(a.visitor_id, "lagi", by=ADMIN)

    mine = store.export_visitor(a.visitor_id)
    assert mine.state == amer.VisitorDataState.ERASED and mine.nik is None and len(mine.sessions) == 2


def test_visitor_export_holds_their_own_data(store: amer.AmerStore) -> None:
    r = store.register(new_session(visitor=visitor(nik="6407010101900001")))
    mine = store.export_visitor(r.visitor_id)
    assert mine.state == amer.VisitorDataState.KNOWN
    assert mine.nik == "6407010101900001", "their own copy is not masked"
    assert mine.phone is not None and mine.phone.startswith("+62")
    assert [x.ticket for x in mine.sessions] == [r.ticket]
    with pytest.raises(amer.ApiError.Invalid):
        store.export_visitor("not-an-id")
    with pytest.raises(amer.ApiError.Invalid, match="phone number or a NIK"):
        store.find_visitors()
