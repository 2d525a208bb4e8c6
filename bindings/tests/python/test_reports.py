"""Reports as JSON, exports to files, backups."""

from __future__ import annotations

import asyncio
import datetime
import json
import pathlib

import pytest

import amer
from conftest import OFFICER, new_session, serve


@pytest.fixture
def served(store: amer.AmerStore) -> amer.AmerStore:
    for cat, subject, score in [
        (amer.Category.KONSULTASI, "Jadwal tender", 5),
        (amer.Category.KONSULTASI, "Jadwal tender konstruksi", 4),
        (amer.Category.PENGADUAN, "Keluhan loket", 2),
    ]:
        r = store.register(new_session(cat, subject))
        serve(store, r.ticket, score=score)
    store.add_risk(amer.NewRisk(title="Kolusi", stage=amer.Stage.PEMILIHAN, event="Pengaturan harga", likelihood=4, impact=4))
    return store


@pytest.mark.parametrize("kind", list(amer.ReportKind))
def test_every_report_is_json_with_a_header(served: amer.AmerStore, kind: amer.ReportKind) -> None:
    doc = json.loads(served.report_json(amer.ReportQuery(kind=kind)))
    assert doc["header"]["timezone"] == "Asia/Makassar"
    assert doc["header"]["title"]


def test_summary_counts_this_period(served: amer.AmerStore) -> None:
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date().isoformat()
    q = amer.ReportQuery(kind=amer.ReportKind.SUMMARY, first_day=today, last_day=today, officer=OFFICER)
    blocking = json.loads(served.report_json(q))
    background = json.loads(asyncio.run(served.report_json_async(q)))
    for doc in (blocking, background):
        doc["header"].pop("generated_at")
    assert blocking == background
    assert blocking["header"]["title"] == "Rekap Layanan"
    with pytest.raises(amer.ApiError.Invalid, match="after the last day"):
        served.report_json(amer.ReportQuery(kind=amer.ReportKind.SUMMARY, first_day="2026-03-02", last_day="2026-03-01"))


def test_exports_write_files(served: amer.AmerStore, tmp_path: pathlib.Path) -> None:
    out = served.export_sessions(amer.SessionFilter(), amer.ExportFormat.CSV, str(tmp_path / "layanan.csv"))
    assert out.rows == 3 and out.files == [str(tmp_path / "layanan.csv")]
    assert (tmp_path / "layanan.csv").read_bytes().startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    out = served.export_risks(amer.ExportFormat.XLSX, str(tmp_path / "risiko.xlsx"))
    assert out.rows == 1 and (tmp_path / "risiko.xlsx").read_bytes()[:2] == b"PK"
    q = amer.ReportQuery(kind=amer.ReportKind.PERFORMANCE)
    out = asyncio.run(served.export_report_async(q, amer.ExportFormat.JSON, str(tmp_path / "kinerja.json")))
    assert json.loads((tmp_path / "kinerja.json").read_text())["header"]["title"]
    with pytest.raises(amer.ApiError.Invalid):
        served.export_risks(amer.ExportFormat.CSV, "")


def test_backup_is_a_readable_store(served: amer.AmerStore, tmp_path: pathlib.Path) -> None:
    dest = tmp_path / "copy" / "amer.db"
    dest.parent.mkdir()
    asyncio.run(served.backup_to_async(str(dest)))
    assert dest.stat().st_size > 0
    assert served.counts() == amer.Counts(sessions=3, risks=1, staff=4)
