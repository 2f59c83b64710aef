"""A small, purpose-built history around April 2026, with every figure worked out by hand.

April 2026 in London is all British Summer Time; Good Friday is 3 April and Easter Monday
6 April (bank holidays in England). `contract` (North Facilities Ltd) covers the North East
(`premises`, an office, and `hostel`, an approved premises with 20 beds) at £25 a point.
`other_premises` (Cardiff, Wales) has no contract, so its faults are unrouted.

    A  heating, office, P2     logged 24 Mar 10:00 GMT, attended 13:00, fixed 2 Apr 10:00
                               (due 27 Mar 10:00: 215 h taken — the clocks went forward —
                               more than twice the 72 h target: 4 × 2 = 8 points)
    B  AP beds, hostel, P2,    logged 30 Mar 12:00, attended 14:00, fixed 3 Apr 18:00
       3 beds out of use       (due 2 Apr 12:00: 102 h taken, late: 4 points)
    C  plumbing, office, P2    logged 1 Apr 09:00, attended 10:00, fixed 15:00; reopened
                               7 Apr 09:00, fixed again 8 Apr 09:00 (due 4 Apr 09:00:
                               168 h taken: 4 × 2 = 8 points), confirmed 8 Apr 12:00
    D  electrical, office, P3  logged Thu 2 Apr 09:00, on hold 10:00 (awaiting access) to
       (working clock)         Wed 8 Apr 10:00 — 2 working days over Easter — attended
                               Thu 9 Apr 10:00 (11 working hours), fixed Mon 20 Apr 10:00
                               (81 working hours), both on time
    E  lifts, Cardiff, P2      logged 13 Apr 09:00, never attended: unrouted, overdue
    F  personal alarm, hostel, logged 14 Apr 09:00, attended 10:30, made safe 12:00,
       P1 (safety-critical)    escalated by hand to levels 1 and 2 on 15 Apr, fixed 16 Apr
                               12:00 (due 15 Apr 09:00: 51 h, more than twice 24 h: 16 points)
    G  plumbing, hostel, P2    logged 20 Apr 09:00, attended 10:00, fixed 16:00, on time
    H  plumbing, hostel, P2    logged 27 Apr 09:00 — a repeat of G within 30 days; open
    I  other, office, P4       logged 21 Apr 09:00, cancelled 10:00
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from facilities.faults import workflow
from facilities.models import Fault
from tests.factories import category

LONDON = ZoneInfo("Europe/London")


def at(text: str) -> datetime:
    """London wall-clock time, e.g. at("2026-04-02 09:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


#: When the April report is built: after the month, before anything else happens.
AFTER_APRIL = at("2026-05-05 12:00")


@dataclass
class History:
    a: Fault
    b: Fault
    c: Fault
    d: Fault
    e: Fault
    f: Fault
    g: Fault
    h: Fault
    i: Fault

    def refresh(self) -> None:
        for fault in vars(self).values():
            fault.refresh_from_db()


@pytest.fixture
def history(
    premises, hostel, other_premises, contract, office_manager, other_office_manager,
    contractor_user,
):  # fmt: skip
    contract.pounds_per_point = Decimal("25.00")
    contract.save()
    om, cu = office_manager, contractor_user

    def log(where, slug, when, who=om, **extra):
        return workflow.fault_log(
            premises=where,
            category=category(slug),
            location="Ground floor",
            description=f"{slug} fault",
            reported_by=who,
            now=at(when),
            **extra,
        )

    def attend(fault, when):
        return workflow.fault_attend(fault=fault, actor=cu, now=at(when))

    def fix(fault, when):
        return workflow.fault_fix(fault=fault, actor=cu, note="Done", now=at(when))

    a = log(premises, "heating-hot-water", "2026-03-24 10:00")
    a = attend(a, "2026-03-24 13:00")
    b = log(hostel, "ap-beds", "2026-03-30 12:00", beds_out_of_use=3)
    b = attend(b, "2026-03-30 14:00")
    c = log(premises, "plumbing-water", "2026-04-01 09:00")
    c = attend(c, "2026-04-01 10:00")
    c = fix(c, "2026-04-01 15:00")
    d = log(premises, "electrical-lighting", "2026-04-02 09:00")
    d = workflow.fault_hold(fault=d, actor=om, reason="Awaiting access", now=at("2026-04-02 10:00"))
    a = fix(a, "2026-04-02 10:00")
    b = fix(b, "2026-04-03 18:00")
    c = workflow.fault_reopen(fault=c, actor=om, reason="Still leaking", now=at("2026-04-07 09:00"))
    d = workflow.fault_resume(fault=d, actor=om, now=at("2026-04-08 10:00"))
    c = fix(c, "2026-04-08 09:00")
    c = workflow.fault_confirm(fault=c, actor=om, now=at("2026-04-08 12:00"))
    d = attend(d, "2026-04-09 10:00")
    e = log(other_premises, "lifts", "2026-04-13 09:00", who=other_office_manager)
    f = log(hostel, "personal-alarms", "2026-04-14 09:00")
    f = attend(f, "2026-04-14 10:30")
    f = workflow.fault_make_safe(fault=f, actor=cu, note="Spare alarm", now=at("2026-04-14 12:00"))
    workflow.fault_escalate(fault=f, actor=om, reason="No fix yet", now=at("2026-04-15 10:00"))
    workflow.fault_escalate(fault=f, actor=om, reason="Still none", now=at("2026-04-15 11:00"))
    f = fix(f, "2026-04-16 12:00")
    g = log(hostel, "plumbing-water", "2026-04-20 09:00")
    g = attend(g, "2026-04-20 10:00")
    g = fix(g, "2026-04-20 16:00")
    d = fix(d, "2026-04-20 10:00")
    i = log(premises, "other", "2026-04-21 09:00")
    i = workflow.fault_cancel(fault=i, actor=om, reason="Logged twice", now=at("2026-04-21 10:00"))
    h = log(hostel, "plumbing-water", "2026-04-27 09:00")
    history = History(a, b, c, d, e, f, g, h, i)
    history.refresh()
    return history
