"""The SQLite writer gate across real processes: one writer at a time, and a waiter gets the lock
once the holder lets go (it is woken through the gate's FIFO, or at worst by its time-out). A
waiter on an event loop (acquire_async, storage.write_batch) leaves its loop free meanwhile."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bookable.storage.locking import WriterGate

WRITERS = 4
TURNS = 150


def _count_under_the_gate(database: str, counter: str, turns: int, on_a_loop: bool) -> None:
    gate = WriterGate(database)

    async def acquire_on_the_loop() -> None:
        await gate.acquire_async()

    for _ in range(turns):
        if on_a_loop:
            asyncio.run(acquire_on_the_loop())
        else:
            gate.acquire()
        try:
            path = Path(counter)
            value = int(path.read_text())  # a read-modify-write that loses counts if two overlap
            path.write_text(str(value + 1))
        finally:
            gate.release()


def _hold_then_release(database: str, marker: str, held: multiprocessing.synchronize.Event) -> None:
    gate = WriterGate(database)
    gate.acquire()
    held.set()
    multiprocessing.Event().wait(0.3)
    Path(marker).write_text("released")
    gate.release()


def test_writers_in_several_processes_never_overlap(tmp_path: Path) -> None:
    database, counter = str(tmp_path / "gate.db"), tmp_path / "counter"
    counter.write_text("0")
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_count_under_the_gate, args=(database, str(counter), TURNS, n % 2 == 0))
               for n in range(WRITERS)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(timeout=120)
    assert [writer.exitcode for writer in writers] == [0] * WRITERS
    assert int(counter.read_text()) == WRITERS * TURNS


@contextmanager
def _held_by_another_process(tmp_path: Path) -> Iterator[tuple[WriterGate, Path]]:
    """Another process holds the gate for 0.3 s, then writes "released" into the marker and lets
    go. Yields this process's gate of the same database, and the marker."""
    database, marker = str(tmp_path / "gate.db"), tmp_path / "marker"
    context = multiprocessing.get_context("spawn")
    held = context.Event()
    holder = context.Process(target=_hold_then_release, args=(database, str(marker), held))
    holder.start()
    assert held.wait(timeout=60)
    yield WriterGate(database), marker
    holder.join(timeout=60)
    assert holder.exitcode == 0


def test_a_waiting_writer_gets_the_lock_only_after_the_other_process_releases_it(tmp_path: Path) -> None:
    with _held_by_another_process(tmp_path) as (gate, marker):
        gate.acquire()
        try:
            assert marker.read_text() == "released"
        finally:
            gate.release()


def test_an_event_loop_waiting_for_the_lock_goes_on_with_its_other_work(tmp_path: Path) -> None:
    async def wait_while_ticking(gate: WriterGate) -> int:
        ticks = 0
        waiting = asyncio.ensure_future(gate.acquire_async())
        while not waiting.done():
            ticks += 1  # what the loop goes on doing: a worker reads its next requests here
            await asyncio.sleep(0.01)
        await waiting
        return ticks

    with _held_by_another_process(tmp_path) as (gate, marker):
        ticks = asyncio.run(wait_while_ticking(gate))
        try:
            assert marker.read_text() == "released"
        finally:
            gate.release()
    assert ticks >= 5  # the holder kept the lock 0.3 s: a blocked loop would not have ticked at all
