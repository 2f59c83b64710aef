"""What seeding a million histories can skip without changing a single row it writes.

- The sweep's emails: history sends none, so the sweep is given nobody to email (and its
  warnings, such as that a level was raised with nobody to email, are not logged while
  seeding: only its errors).
- Collecting garbage among the long-lived estate and rules: they are frozen out of the
  collector's way, and it runs less often (a history is freed when written, not collected).
- Working out the same clock sum twice: `facilities.sla` is pure, and the life cycle and
  the ladder ask it the same questions again and again for one fault (the due times at each
  step, the ladder's rungs at each check), so its answers are remembered while seeding.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from facilities import notifications, sla

#: Allocations between collections of the youngest generation while seeding (default 700).
GC_THRESHOLD = 20_000
#: Answers remembered per function; cleared when full (one fault's questions repeat, not
#: another's).
MEMORY = 4096


class Nobody(notifications.People):
    """Nobody to email: the sweep's emails are not made at all."""

    def __init__(self) -> None:
        super().__init__({}, {}, [])

    def resolve(self, fault, audiences, extra=()) -> list:
        return []


def _remembered(function: Callable) -> Callable:
    answers: dict = {}

    def remembered(start, end_or_minutes, clock, nation):
        key = (start, end_or_minutes, clock, nation)
        answer = answers.get(key)
        if answer is None:
            if len(answers) >= MEMORY:
                answers.clear()
            answer = answers[key] = function(start, end_or_minutes, clock, nation)
        return answer

    remembered.__wrapped__ = function  # type: ignore[attr-defined]
    return remembered


@contextmanager
def seeding() -> Iterator[None]:
    """While seeding: `sla.due_at` and `sla.elapsed` remember their answers, the sweep logs
    only errors (not that it raised a level with nobody to email), and the garbage collector
    leaves what exists already alone and runs less often."""
    originals = sla.due_at, sla.elapsed
    sweep_logger = logging.getLogger("facilities.escalation")  # the sweep and raising
    level, thresholds = sweep_logger.level, gc.get_threshold()
    sla.due_at, sla.elapsed = _remembered(sla.due_at), _remembered(sla.elapsed)
    sweep_logger.setLevel(logging.ERROR)
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        sla.due_at, sla.elapsed = originals
        sweep_logger.setLevel(level)
        gc.set_threshold(*thresholds)
        gc.unfreeze()
