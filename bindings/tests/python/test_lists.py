"""Listing sessions with filters, blocking and async."""

from __future__ import annotations

import asyncio
import datetime

import pytest

import amer
from conftest import KASUBAG, OFFICER, OFFICER2, new_session, serve


@pytest.fixture
def populated(store: amer.AmerStore) -> amer.AmerStore:
    a = store.register(new_session(amer.Category.KONSULTASI, "Jadwal tender konstruksi"))
    b = store.register(new_session(amer.Category.PENGADUAN, "Keluhan pelayanan loket"))
    c = store.register(new_session(amer.Category.SANGGAHAN, "Sanggah hasil evaluasi"))
    store.register(new_session(amer.Category.KONSULTASI, "Dokumen pemilihan"))
    serve(store, a.ticket, score=5, officer=OFFICER)
    serve(store, b.ticket, score=None, officer=OFFICER2)
    store.cancel(c.ticket, "Pengunjung pulang")
    return store


def tickets(rows: list[amer.SessionRow]) -> list[str]:
    return [r.ticket for r in rows]


def test_filters_narrow_the_list(populated: amer.AmerStore) -> None:
    s = populated
    everything = s.list_sessions()
    assert len(everything) == 4
    assert everything == sorted(everything, key=lambda r: (r.arrived_at, r.ticket), reverse=True)

    assert len(s.list_sessions(amer.SessionFilter(category=amer.Category.KONSULTASI))) == 2
    rated = s.list_sessions(amer.SessionFilter(status=amer.SessionStatus.RATED))
    assert [(r.category, r.score, r.officer_nip) for r in rated] == [(amer.Category.KONSULTASI, 5, OFFICER)]
    assert [r.status for r in s.list_sessions(amer.SessionFilter(officer=OFFICER2))] == [amer.SessionStatus.FINISHED]
    assert [r.subject for r in s.list_sessions(amer.SessionFilter(text="tender"))] == ["Jadwal tender konstruksi"]
    assert [r.subject for r in s.list_sessions(amer.SessionFilter(text="lok*"))] == ["Keluhan pelayanan loket"]
    assert len(s.list_sessions(amer.SessionFilter(limit=2))) == 2

    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
    day = today.isoformat()
    assert len(s.list_sessions(amer.SessionFilter(first_day=day, last_day=day))) == 4
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    assert s.list_sessions(amer.SessionFilter(first_day=tomorrow)) == []
    with pytest.raises(amer.ApiError.Invalid) as e:
        s.list_sessions(amer.SessionFilter(first_day="1/3/2026"))
    assert e.value.field == "first day" and "YYYY-MM-DD" in e.value.reason

    row = rated[0]
    assert row.status_label.label_id == "Dinilai" and row.category_label.label_en == "Consultation"
    assert row.started_at is not None and row.finished_at is not None and row.started_at <= row.finished_at
    assert row.duration_seconds is not None and row.timing_flag is None


def test_visitor_filter_finds_a_returning_visitor(populated: amer.AmerStore) -> None:
    rows = populated.list_sessions()
    vid = rows[0].visitor_id
    # The same phone number throughout: one visitor, four sessions.
    assert len(populated.list_sessions(amer.SessionFilter(visitor_id=vid))) == 4


def test_async_list_runs_on_a_background_thread(populated: amer.AmerStore) -> None:
    async def main() -> tuple[list[amer.SessionRow], list[amer.RiskRow]]:
        rows, risks = await asyncio.gather(
            populated.list_sessions_async(amer.SessionFilter(category=amer.Category.KONSULTASI)),
            populated.list_risks_async(),
        )
        return rows, risks

    rows, risks = asyncio.run(main())
    assert len(rows) == 2 and risks == []

    async def refused() -> None:
        await populated.list_sessions_async(amer.SessionFilter(last_day="kemarin"))

    with pytest.raises(amer.ApiError.Invalid):
        asyncio.run(refused())
