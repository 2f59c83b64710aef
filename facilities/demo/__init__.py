"""Demo data: a realistic, deterministic estate and fault history to try the service with.

`seed_demo()` builds (or brings up to date) the demo estate -- the 12 probation regions of
England and Wales, ~60 premises of which 15 are approved premises, 4 contractors and their
contracts, and people of every role sharing one demo password -- then generates faults over
the last few months, each with the timeline, holds, breaches, disputes and escalations the
service would have recorded. The same seed and the same `now` give the same data.

The histories are not simulated by rules of their own: every step is taken by the functions
`facilities.workflow` uses (`facilities.faults.lifecycle`, `facilities.faults.rules`), and
between steps the sweep (`facilities.sweep.check_fault`) looks at the fault whenever it falls
due; routing is `facilities.routing.choose` over contracts held in memory.

- `data`, `words` — the estate's tables, and what faults and their timelines say;
- `estate` — the estate in the database, and the demo logins;
- `player` — one fault's life played forward through the life cycle and the sweep;
- `script` — a plausible life: who does what, when, and how late;
- `histories` — where and when faults are logged, and the stream of generated histories;
- `writer` — `bulk_create`, or `COPY` on PostgreSQL, batch by batch;
- `seeding` — `seed_demo` and its summary.
"""

from .data import CONTRACTORS, CONTRACTS, DEMO_PASSWORD, PREMISES, REGIONS
from .estate import ContractMap, DemoLogin, Estate, demo_logins, ensure_estate, format_logins
from .histories import GeneratedFault, Generator, period_start
from .seeding import (
    BATCH_SIZE,
    DEFAULT_FAULTS,
    DEFAULT_MONTHS,
    DEFAULT_SEED,
    SeedSummary,
    seed_demo,
    summarise,
)
from .writer import BulkCreateWriter, CopyWriter, Writer

__all__ = [
    "BATCH_SIZE",
    "CONTRACTORS",
    "CONTRACTS",
    "DEFAULT_FAULTS",
    "DEFAULT_MONTHS",
    "DEFAULT_SEED",
    "DEMO_PASSWORD",
    "PREMISES",
    "REGIONS",
    "BulkCreateWriter",
    "ContractMap",
    "CopyWriter",
    "DemoLogin",
    "Estate",
    "GeneratedFault",
    "Generator",
    "SeedSummary",
    "Writer",
    "demo_logins",
    "ensure_estate",
    "format_logins",
    "period_start",
    "seed_demo",
    "summarise",
]
