"""Quiet hours: escalation emails raised at night or on a non-working day wait for the morning.

An escalation of a P2–P4 fault raised between `QUIET_HOURS_START` and `QUIET_HOURS_END`
(19:00 and 07:00 in `QUIET_HOURS_TIME_ZONE`, Europe/London), or on a weekend or a bank holiday
of the premises' nation, is written as one `quiet` row per recipient, due at the next
`QUIET_HOURS_END` of a working day. P1 and safety-critical escalations always go at once.

`morning.release` sends them when their morning has come, grouped per recipient.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from facilities import sla
from facilities.models import Fault, OutboxEmail, OutboxStatus


@dataclass(frozen=True)
class QuietHours:
    """When escalation emails wait: from `start` to `end` local time, and non-working days."""

    start: time = time(19, 0)
    end: time = time(7, 0)
    zone: ZoneInfo = sla.LONDON

    @classmethod
    def from_settings(cls) -> QuietHours | None:
        """The configured hours, or None when quiet hours are off."""
        if not getattr(settings, "QUIET_HOURS_ENABLED", True):
            return None
        return cls(
            start=time.fromisoformat(getattr(settings, "QUIET_HOURS_START", "19:00")),
            end=time.fromisoformat(getattr(settings, "QUIET_HOURS_END", "07:00")),
            zone=ZoneInfo(getattr(settings, "QUIET_HOURS_TIME_ZONE", "Europe/London")),
        )

    def _quiet_time(self, clock: time) -> bool:
        if self.start > self.end:  # overnight, the usual case: 19:00–07:00
            return clock >= self.start or clock < self.end
        return self.start <= clock < self.end

    def is_quiet(self, now: datetime, nation: str) -> bool:
        """Whether `now` is in quiet hours at a premises of this nation (pure)."""
        local = now.astimezone(self.zone)
        return not sla.is_working_day(local.date(), nation) or self._quiet_time(local.time())

    def release_at(self, now: datetime, nation: str) -> datetime:
        """The next `end` (07:00) on a working day after `now`: when held emails go (pure)."""
        day = now.astimezone(self.zone).date()
        for _ in range(30):  # Christmas and a weekend are at most five days in a row
            morning = datetime.combine(day, self.end, tzinfo=self.zone)
            if morning > now and sla.is_working_day(day, nation):
                return morning
            day += timedelta(days=1)
        raise ValueError(f"No working morning within 30 days of {now}")  # pragma: no cover


def goes_at_once(fault: Fault) -> bool:
    """P1 and safety-critical escalations are never held."""
    return fault.priority == sla.Priority.P1 or fault.category.safety_critical


def hold_in_quiet_hours(
    rows: list[OutboxEmail], *, fault: Fault, now: datetime
) -> list[OutboxEmail]:
    """The rows of one escalation, with the email to send now held per recipient if quiet.

    A held row is one per recipient (`<key>:quiet:<address>`), so the morning groups them by
    recipient; rows already held for a digest reader are left as they are.
    """
    hours = QuietHours.from_settings()
    if hours is None or goes_at_once(fault) or not hours.is_quiet(now, fault.premises.nation):
        return rows
    release = hours.release_at(now, fault.premises.nation)
    held: list[OutboxEmail] = []
    for row in rows:
        if row.status != OutboxStatus.PENDING:
            held.append(row)
            continue
        for address in row.to:
            held.append(
                OutboxEmail(
                    kind=row.kind,
                    dedupe_key=f"{row.dedupe_key}:quiet:{address}",
                    fault_id=row.fault_id,
                    to=[address],
                    template=row.template,
                    context=row.context,
                    status=OutboxStatus.QUIET,
                    created_at=row.created_at,
                    next_attempt_at=release,
                )
            )
    return held
