"""Shared fixtures: a store in a temporary folder with an office and four staff members."""

from __future__ import annotations

import pathlib
from typing import Iterator

import pytest

import amer

ADMIN = "198503122010011003"
KASUBAG = "197901152005012001"
OFFICER = "199002202015031002"
OFFICER2 = "199105102016041001"


def visitor(name: str = "Rina Wulandari", phone: str | None = "0812-3456-7890", nik: str | None = None) -> amer.VisitorInput:
    return amer.VisitorInput(name=name, org="CV Maju Jaya", role=amer.VisitorRole.PENYEDIA, phone=phone, nik=nik)


def new_session(category: amer.Category = amer.Category.KONSULTASI, subject: str = "Tata cara sanggah", **kw) -> amer.NewSession:
    return amer.NewSession(
        category=category,
        visitor=kw.pop("visitor", None) or visitor(),
        subject=subject,
        description="Pertanyaan tentang dokumen pemilihan",
        **kw,
    )


@pytest.fixture
def home(tmp_path: pathlib.Path) -> pathlib.Path:
    return tmp_path / "node"


@pytest.fixture
def store(home: pathlib.Path) -> Iterator[amer.AmerStore]:
    s = amer.AmerStore.open(str(home))
    s.init_office(amer.InitOptions(office_name="Bagian Pengadaan Barang/Jasa", device_name="PC Loket"))
    # The first staff member is added by the PC itself; after that an admin acts.
    s.add_staff(amer.NewStaff(nip=ADMIN, name="Andi Admin", role=amer.StaffRole.ADMIN))
    for nip, name, role in [
        (KASUBAG, "Sari Kasubag", amer.StaffRole.KASUBAG),
        (OFFICER, "Budi Petugas", amer.StaffRole.PETUGAS),
        (OFFICER2, "Dewi Petugas", amer.StaffRole.PETUGAS),
    ]:
        s.add_staff(amer.NewStaff(nip=nip, name=name, role=role), by=ADMIN)
    yield s


def serve(store: amer.AmerStore, ticket: str, score: int | None = 5, officer: str = OFFICER) -> amer.Session:
    """Runs a registered session through assign, start, finish and (optionally) rate."""
    store.assign(ticket, officer, by=KASUBAG)
    store.start(ticket, by=officer)
    s = store.finish(ticket, notes="Menjelaskan jadwal sanggah.", recommendation="Ajukan melalui SPSE", by=officer)
    if score is not None:
        s = store.rate(ticket, score, comment="Sangat membantu", signed=True)
    return s
