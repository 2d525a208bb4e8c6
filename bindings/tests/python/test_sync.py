"""Two nodes syncing over loopback (QUIC on 127.0.0.1), driven from Python."""

from __future__ import annotations

import asyncio
import pathlib
import threading
import time

import amer
from conftest import ADMIN, KASUBAG, OFFICER, new_session


class Changes(amer.ChangeListener):
    def __init__(self) -> None:
        self.events: list[amer.ChangeEvent] = []

    def on_change(self, event: amer.ChangeEvent) -> None:
        self.events.append(event)


class NodeEvents(amer.SyncListener):
    def __init__(self) -> None:
        self.events: list[amer.SyncEvent] = []
        self.lock = threading.Lock()

    def on_sync_event(self, event: amer.SyncEvent) -> None:
        with self.lock:
            self.events.append(event)

    def saw(self, *variants: type) -> bool:
        with self.lock:
            return all(any(isinstance(e, v) for e in self.events) for v in variants)


async def eventually(check, what: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def test_two_nodes_sync_over_loopback(store: amer.AmerStore, tmp_path: pathlib.Path) -> None:
    loopback = amer.SyncConfig(listen="127.0.0.1:0")
    second = amer.AmerStore.open(str(tmp_path / "pc2"))
    remote_changes = Changes()
    change_sub = second.subscribe(remote_changes)

    async def main() -> None:
        first = await store.start_sync(loopback)
        heard = NodeEvents()
        events_sub = first.subscribe(heard)
        assert len(first.node_id()) == 64 and first.local_addr().startswith("127.0.0.1:")
        code = await first.invite(ttl_seconds=600)

        node2 = await second.join_office(code, "PC Loket 2", loopback, timeout_ms=20000)
        try:
            me = second.local()
            assert me.device_code == "A1" and me.office_id == store.local().office_id
            await eventually(lambda: len(second.list_staff()) == 4, "the staff list")
            assert second.office().name == "Bagian Pengadaan Barang/Jasa"

            # A session registered and served on the first PC reaches the second, with the
            # visitor's key (so the name is readable there).
            r = store.register(new_session())
            store.assign(r.ticket, OFFICER, by=KASUBAG)
            reports = await first.sync_now(timeout_ms=10000)
            assert reports and all(len(x.node_id) == 64 for x in reports)
            await eventually(lambda: second.list_sessions() != [] and second.session(r.ticket).status == amer.SessionStatus.ASSIGNED, "the session")
            assert second.session(r.ticket).visitor.name == "Rina Wulandari"
            assert any(e.origin == amer.ChangeOrigin.REMOTE and e.id == r.id for e in remote_changes.events)

            # And back: the second PC serves it, the first sees it.
            second.start(r.ticket, by=OFFICER)
            second.finish(r.ticket, notes="Dilayani di PC 2.", by=OFFICER)
            await node2.sync_now(timeout_ms=10000)
            await eventually(lambda: store.session(r.ticket).status == amer.SessionStatus.FINISHED, "the finish")
            assert "PC 2" in store.session(r.ticket).notes
            assert second.session(r.ticket).ticket == r.ticket

            [peer] = first.status()
            assert peer.node_id == node2.node_id() and peer.connected and peer.docs_sent > 0
            await eventually(
                lambda: heard.saw(amer.SyncEvent.MEMBER_JOINED, amer.SyncEvent.CONNECTED, amer.SyncEvent.SYNCED),
                "node events",
            )
            events_sub.cancel()
        finally:
            await node2.shutdown()
            await first.shutdown()

    asyncio.run(main())
    change_sub.cancel()
    office = store.office()
    assert sorted(m.device_code for m in office.members) == ["A", "A1"]


def test_sync_refusals_are_clear(store: amer.AmerStore, tmp_path: pathlib.Path) -> None:
    fresh = amer.AmerStore.open(str(tmp_path / "fresh"))

    async def main() -> None:
        try:
            await fresh.start_sync(amer.SyncConfig(listen="127.0.0.1:0"))
        except amer.ApiError.NotInitialised:
            pass
        else:
            raise AssertionError("a store without an office cannot sync")
        try:
            await fresh.join_office("not a code!", "PC", amer.SyncConfig(listen="127.0.0.1:0"))
        except amer.ApiError.Invalid as e:
            assert e.field == "invite code"
        else:
            raise AssertionError("a bad code is refused")
        try:
            await store.start_sync(amer.SyncConfig(listen="nowhere"))
        except amer.ApiError.Invalid as e:
            assert e.field == "listen"
        else:
            raise AssertionError("a bad address is refused")

    asyncio.run(main())
