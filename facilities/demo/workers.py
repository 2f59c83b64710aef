"""Seeding with several processes, each generating and writing one share of the premises.

Every premises draws its faults' lives from its own random stream (`histories`), so the
faults do not depend on how the premises are shared out: N workers write the same rows as
one, only with other ids. Each worker is a fresh process (spawned: no inherited connections
or threads) on the same database, writing with `COPY` from a thread of its own, and reports
its progress to the parent through a queue.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import traceback
from collections import Counter
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import connections


class WorkerFailed(RuntimeError):
    pass


def run(
    *,
    parts: int,
    seed: int,
    faults: int,
    months: int,
    now: datetime,
    batch_size: int,
    progress: Callable[[int], object] | None,
) -> tuple[Counter, int, bool]:
    """Seed in `parts` processes: what they wrote, how many faults were logged unrouted, and
    whether rows were written without their foreign keys checked (`CopyWriter`)."""
    context = multiprocessing.get_context("spawn")
    messages, turn = context.Queue(), context.Lock()
    job = {
        "settings": settings.SETTINGS_MODULE,
        "database": dict(connections["default"].settings_dict),
        "seed": seed,
        "faults": faults,
        "months": months,
        "now": now,
        "batch_size": batch_size,
        "parts": parts,
    }
    workers = [
        context.Process(target=work, args=(part, job, messages, turn), name=f"seed-demo-{part}")
        for part in range(parts)
    ]
    for worker in workers:
        worker.start()
    written, unrouted, unchecked, done = Counter(), 0, False, set()
    try:
        while len(done) < parts:
            try:
                kind, part, payload = messages.get(timeout=5)
            except queue.Empty:
                dead = [w.name for i, w in enumerate(workers) if i not in done and w.exitcode]
                if dead:
                    raise WorkerFailed(f"{', '.join(dead)} stopped without finishing") from None
                continue
            if kind == "progress":
                if progress:
                    progress(payload)
            elif kind == "done":
                done.add(part)
                written += Counter(payload["written"])
                unrouted += payload["unrouted"]
                unchecked |= payload["unchecked"]
            else:
                raise WorkerFailed(f"seed-demo-{part} failed:\n{payload}")
    finally:
        for worker in workers:
            if worker.is_alive() and len(done) < parts:
                worker.terminate()
            worker.join()
    return written, unrouted, unchecked


def work(part: int, job: dict, messages, turn) -> None:
    """One worker: generate and write the histories of one share of the premises."""
    try:
        os.environ["DJANGO_SETTINGS_MODULE"] = job["settings"]
        import django

        django.setup()
        connections["default"].settings_dict.update(job["database"])  # the parent's database

        from . import shortcuts
        from .estate import load_estate
        from .histories import Generator
        from .writer import CopyWriter, Saver

        generator = Generator(
            load_estate(),
            seed=job["seed"],
            now=job["now"],
            months=job["months"],
            part=part,
            parts=job["parts"],
        )
        writer = CopyWriter(trusted=True)  # a connection of its own
        saver = Saver(
            writer,
            lambda n: messages.put(("progress", part, n)),
            background=True,
            turn=turn,
        )
        stream = generator.faults(job["faults"])
        try:
            with shortcuts.seeding():
                while batch := list(itertools.islice(stream, job["batch_size"])):
                    saver.put(batch)
        finally:
            saver.close()
        result = {
            "written": dict(saver.written),
            "unrouted": generator.logged_unrouted,
            "unchecked": writer.unchecked,
        }
        messages.put(("done", part, result))
    except BaseException:
        messages.put(("error", part, traceback.format_exc()))
        raise
