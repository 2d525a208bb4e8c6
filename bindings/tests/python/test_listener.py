"""Change listeners: events after each committed change, stopped by cancel() or by dropping the handle."""

from __future__ import annotations

import gc
import threading

import amer
from conftest import KASUBAG, OFFICER, new_session


class Recorder(amer.ChangeListener):
    def __init__(self) -> None:
        self.events: list[amer.ChangeEvent] = []
        self.threads: set[int] = set()

    def on_change(self, event: amer.ChangeEvent) -> None:
        self.events.append(event)
        self.threads.add(threading.get_ident())


def test_listener_hears_each_change_until_cancelled(store: amer.AmerStore) -> None:
    rec = Recorder()
    sub = store.subscribe(rec)
    assert sub.is_active()
    r = store.register(new_session())
    # A new visitor gets a key, then the session is written.
    assert [(e.kind, e.origin) for e in rec.events] == [
        (amer.ChangeKind.VISITOR_KEY, amer.ChangeOrigin.LOCAL),
        (amer.ChangeKind.SESSION, amer.ChangeOrigin.LOCAL),
    ]
    assert rec.events[1].id == r.id
    assert rec.events[0].seq < rec.events[1].seq
    # Called on the thread that made the change (here: this one).
    assert rec.threads == {threading.get_ident()}

    store.assign(r.ticket, OFFICER, by=KASUBAG)
    assert len(rec.events) == 3 and rec.events[-1].kind == amer.ChangeKind.SESSION

    sub.cancel()
    assert not sub.is_active()
    sub.cancel()  # twice is harmless
    store.start(r.ticket)
    assert len(rec.events) == 3


def test_dropping_the_handle_stops_the_listener(store: amer.AmerStore) -> None:
    rec = Recorder()
    sub = store.subscribe(rec)
    store.register(new_session())
    heard = len(rec.events)
    assert heard == 2
    del sub
    gc.collect()
    store.register(new_session(subject="Lagi"))
    assert len(rec.events) == heard


def test_a_failing_listener_does_not_undo_the_change(store: amer.AmerStore) -> None:
    class Broken(amer.ChangeListener):
        def on_change(self, event: amer.ChangeEvent) -> None:
            raise RuntimeError("listener bug")

    rec = Recorder()
    broken = store.subscribe(Broken())
    kept = store.subscribe(rec)
    r = store.register(new_session())
    assert store.session(r.ticket).status == amer.SessionStatus.REGISTERED
    assert len(rec.events) == 2, "the other listener still hears every change"
    broken.cancel()
    kept.cancel()


def test_listener_may_read_the_store(store: amer.AmerStore) -> None:
    seen: list[amer.SessionStatus] = []

    class Reader(amer.ChangeListener):
        def on_change(self, event: amer.ChangeEvent) -> None:
            if event.kind == amer.ChangeKind.SESSION:
                seen.append(store.session(event.id).status)

    sub = store.subscribe(Reader())
    r = store.register(new_session())
    store.assign(r.ticket, OFFICER, by=KASUBAG)
    assert seen == [amer.SessionStatus.REGISTERED, amer.SessionStatus.ASSIGNED]
    sub.cancel()
