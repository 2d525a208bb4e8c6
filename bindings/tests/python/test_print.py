"""Printing to PDF: a session's intake form and service report, a visitor's data sheet."""

from __future__ import annotations

import asyncio
import pathlib
import shutil
import subprocess

import pytest

import amer
from conftest import ADMIN, new_session, serve, visitor


def pdf_text(pdf: bytes, tmp_path: pathlib.Path) -> str | None:
    """The text of a PDF when poppler's pdftotext is installed (scripts/test-all.sh installs it)."""
    if shutil.which("pdftotext") is None:
        return None
    f = tmp_path / "doc.pdf"
    f.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(f), "-"], check=True, capture_output=True, text=True).stdout


def test_intake_form_and_service_report(store: amer.AmerStore, tmp_path: pathlib.Path) -> None:
    r = store.register(new_session(visitor=visitor(nik="6407010101900001")))
    intake = store.print_session(r.ticket, amer.SessionDocument.INTAKE)
    assert isinstance(intake, bytes) and intake.startswith(b"%PDF")
    text = pdf_text(intake, tmp_path)
    if text is not None:
        assert r.ticket in text and "Rina Wulandari" in text
        assert "6407010101900001" not in text, "the NIK is masked on paper"

    with pytest.raises(amer.ApiError.IllegalStep, match="not finished"):
        store.print_session(r.ticket, amer.SessionDocument.SERVICE_REPORT)

    serve(store, r.ticket, score=5)
    out = tmp_path / "laporan.pdf"
    n = store.print_session_to_file(r.ticket, amer.SessionDocument.SERVICE_REPORT, str(out))
    assert out.read_bytes().startswith(b"%PDF") and n == out.stat().st_size
    report = asyncio.run(store.print_session_async(r.ticket, amer.SessionDocument.SERVICE_REPORT))
    assert report.startswith(b"%PDF")
    text = pdf_text(report, tmp_path)
    if text is not None:
        assert "Sangat Baik" in text


def test_visitor_data_sheet(store: amer.AmerStore, tmp_path: pathlib.Path) -> None:
    r = store.register(new_session())
    pdf = asyncio.run(store.print_visitor_data_async(r.visitor_id, by=ADMIN))
    assert pdf.startswith(b"%PDF")
    store.erase_visitor(r.visitor_id, "Surat 1/2026", by=ADMIN)
    text = pdf_text(store.print_visitor_data(r.visitor_id), tmp_path)
    if text is not None:
        assert "[dihapus]" in text and "Rina" not in text


def test_service_report_in_english_on_request(store: amer.AmerStore, tmp_path: pathlib.Path) -> None:
    r = store.register(new_session())
    serve(store, r.ticket, score=5)
    english = store.print_session(r.ticket, amer.SessionDocument.SERVICE_REPORT, language=amer.Language.ENGLISH)
    indonesian = store.print_session(r.ticket, amer.SessionDocument.SERVICE_REPORT)
    assert english.startswith(b"%PDF") and indonesian.startswith(b"%PDF")
    text = pdf_text(english, tmp_path)
    if text is not None:
        assert "SERVICE REPORT" in text and "Very good" in text and r.ticket in text
        assert "LAPORAN HASIL LAYANAN" not in text
        assert "LAPORAN HASIL LAYANAN" in pdf_text(indonesian, tmp_path)
