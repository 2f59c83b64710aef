"""Demo data: a realistic, deterministic estate and fault history to try the service with.

`seed_demo()` builds (or brings up to date) the demo estate -- the 12 probation regions of
England and Wales, ~60 premises of which 15 are approved premises, 4 contractors and their
contracts, and people of every role sharing one demo password -- then generates faults over
the last few months, each with the timeline, holds, breaches, disputes and escalations the
service would have recorded. The same seed and the same `now` give the same data.

The histories are not simulated by rules of their own: every step is taken by the functions
`facilities.faults.workflow` uses (`facilities.faults.lifecycle`, `facilities.faults.rules`),
and between steps the sweep (`facilities.escalation.sweep.check_fault`) looks at the fault
whenever it falls due; routing is `facilities.routing.choose` over contracts in memory.

- `data`, `words` — the estate's tables, and what faults and their timelines say;
- `estate` — the estate in the database, and the demo logins;
- `player` — one fault's life played forward through the life cycle and the sweep;
- `script` — a plausible life: who does what, when, and how late;
- `histories` — where and when faults are logged, and the stream of generated histories;
- `writer` — `bulk_create`, or `COPY` on PostgreSQL, batch by batch;
- `seeding` — `seed_demo` and its summary; `workers` — the same in several processes;
- `shortcuts` — what seeding can skip without changing a row (emails, clock sums twice).

Names are exported lazily (PEP 562), so a worker process can import `facilities.demo.workers`
before Django is set up.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "data": ("CONTRACTORS", "CONTRACTS", "DEMO_PASSWORD", "PREMISES", "REGIONS"),
    "estate": (
        "ContractMap",
        "DemoLogin",
        "Estate",
        "demo_logins",
        "ensure_estate",
        "format_logins",
        "load_estate",
    ),
    "histories": ("GeneratedFault", "Generator", "period_start"),
    "seeding": (
        "BATCH_SIZE",
        "DEFAULT_FAULTS",
        "DEFAULT_MONTHS",
        "DEFAULT_SEED",
        "SeedSummary",
        "seed_demo",
        "summarise",
    ),
    "writer": ("BulkCreateWriter", "CopyWriter", "Writer"),
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
