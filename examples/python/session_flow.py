"""A walk-in service from start to finish with AMER's Python package.

Install the package once (it builds the Rust library):

    python3 -m venv .venv && .venv/bin/pip install ./bindings
    .venv/bin/python examples/python/session_flow.py

The store lives in a folder (here a temporary one): amer.db holds the records, secret.key
protects visitors' personal data. Every refusal raises amer.ApiError with a clear reason.
"""

import tempfile

import amer

ADMIN = "198503122010011003"  # NIP: 18 digits
OFFICER = "199002202015031002"

with tempfile.TemporaryDirectory() as folder:
    # 1. Open the store and create the office (once, on the founding PC).
    store = amer.AmerStore.open(folder)
    store.init_office(amer.InitOptions(office_name="Bagian Pengadaan Barang/Jasa", device_name="PC Loket 1"))

    # 2. Staff: the PC adds the first member; after that an admin acts (`by=` their NIP).
    store.add_staff(amer.NewStaff(nip=ADMIN, name="Andi Admin", role=amer.StaffRole.ADMIN))
    store.add_staff(amer.NewStaff(nip=OFFICER, name="Budi Petugas", role=amer.StaffRole.PETUGAS), by=ADMIN)

    # Hear about every change (keep the handle: dropping it stops the listener).
    class Printer(amer.ChangeListener):
        def on_change(self, event: amer.ChangeEvent) -> None:
            print(f"  changed: {event.kind.name.lower()} #{event.seq}")

    subscription = store.subscribe(Printer())

    # 3. A visitor arrives and registers.
    ticket = store.register(
        amer.NewSession(
            category=amer.Category.KONSULTASI,
            visitor=amer.VisitorInput(name="Rina Wulandari", org="CV Maju Jaya", phone="0812-3456-7890"),
            subject="Tata cara sanggah",
        )
    ).ticket
    print("registered", ticket)

    # Rating now is refused: the service has not happened yet.
    try:
        store.rate(ticket, 5)
    except amer.ApiError.IllegalStep as e:
        print("refused:", e.reason)

    # 4. Assign, serve, finish with notes, and the visitor rates (1 = sangat buruk … 5 = sangat baik).
    store.assign(ticket, OFFICER, by=ADMIN)
    store.start(ticket, by=OFFICER)
    store.finish(ticket, notes="Menjelaskan jadwal dan syarat sanggah.", by=OFFICER)
    session = store.rate(ticket, 5, comment="Sangat membantu", signed=True)
    subscription.cancel()
    print(f"{session.ticket}: {session.status_label.label_id}, {session.rating.score_label.label_id}, "
          f"lama layanan {session.duration.text_id}")

    # 5. List the konsultasi sessions, newest first (filters: status, officer, days, words...).
    for row in store.list_sessions(amer.SessionFilter(category=amer.Category.KONSULTASI)):
        print(f"{row.ticket}  {row.status_label.label_id:<10} {row.visitor_name}  {row.subject}")

    # 6. The period summary (Rekap Layanan) as an Excel file; report_json() gives the same as JSON.
    written = store.export_report(
        amer.ReportQuery(kind=amer.ReportKind.SUMMARY), amer.ExportFormat.XLSX, f"{folder}/rekap-layanan.xlsx"
    )
    print("report written to", written.files[0])
