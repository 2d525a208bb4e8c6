"""Figures of the Python bindings (issue 6): the cost of a call through them, and the memory of a
Python process holding an open store.

Makes the same calls as bench.rs (register a session, list 1,000 sessions, a near-empty call)
on a store in a temporary folder, and reads the process's resident memory (VmRSS) at each
stage. Compare with `cargo run -p amer-bindings --example bench` built with the same profile
as the installed package (see README.md, "Figures"):

    python bindings/bench/bench.py            # prints a table and one JSON line
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time

REGISTER_CALLS = 300
LIST_SIZE = 1_000
LIST_CALLS = 30
SMALL_CALLS = 2_000
ADMIN = "198503122010011003"


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def median_us(samples: list[int]) -> float:
    return statistics.median(samples) / 1000


def timed(call) -> int:
    t = time.perf_counter_ns()
    call()
    return time.perf_counter_ns() - t


def main() -> None:
    memory = {"python": rss_mib()}
    import amer  # noqa: PLC0415 (measured: the library is loaded here)

    memory["imported"] = rss_mib()
    with tempfile.TemporaryDirectory() as folder:
        store = amer.AmerStore.open(folder)
        store.init_office(amer.InitOptions(office_name="Bagian Pengadaan Barang/Jasa", device_name="PC Bench"))
        store.add_staff(amer.NewStaff(nip=ADMIN, name="Andi Admin", role=amer.StaffRole.ADMIN))
        memory["store_open"] = rss_mib()

        def session(i: int) -> amer.NewSession:
            return amer.NewSession(
                category=amer.Category.KONSULTASI,
                visitor=amer.VisitorInput(name="Rina Wulandari", phone=f"0812{i:08d}"),
                subject=f"Pertanyaan nomor {i}",
                description="Pertanyaan tentang dokumen pemilihan",
            )

        register = [timed(lambda i=i: store.register(session(i))) for i in range(REGISTER_CALLS)]
        for i in range(REGISTER_CALLS, LIST_SIZE):
            store.register(session(i))
        assert len(store.list_sessions()) == LIST_SIZE
        listing = [timed(store.list_sessions) for _ in range(LIST_CALLS)]

        async def list_async() -> int:
            t = time.perf_counter_ns()
            await store.list_sessions_async()
            return time.perf_counter_ns() - t

        listing_async = [asyncio.run(list_async()) for _ in range(LIST_CALLS)]
        small = [timed(store.counts) for _ in range(SMALL_CALLS)]
        memory["store_1000_sessions_listed"] = rss_mib()

    figures = {
        "python": {
            "register_median_us": median_us(register),
            "list_1000_median_ms": median_us(listing) / 1000,
            "list_1000_async_median_ms": median_us(listing_async) / 1000,
            "counts_median_us": median_us(small),
        },
        "rss_mib": {k: round(v, 1) for k, v in memory.items()},
    }
    p = figures["python"]
    print(f"register a session      {p['register_median_us']:9.1f} µs (median of {REGISTER_CALLS})")
    print(f"list 1,000 sessions     {p['list_1000_median_ms']:9.2f} ms (median of {LIST_CALLS})")
    print(f"  the same, async       {p['list_1000_async_median_ms']:9.2f} ms (incl. asyncio.run)")
    print(f"counts() (near-empty)   {p['counts_median_us']:9.1f} µs (median of {SMALL_CALLS})")
    for stage, mib in figures["rss_mib"].items():
        print(f"RSS {stage:<26} {mib:7.1f} MiB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
