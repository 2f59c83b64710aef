"""Report downloads, and the report page itself, prepared by a worker: no web request builds.

A month's PDF takes up to a minute to build at a million faults, so a download request only
looks for a file already built for the same *key* and serves its bytes, or records that one
is wanted (`PreparedReport`, one row per key: two clicks make one) and asks a worker to build
it once that commits (`facilities.prepare_report`). The person waits on a page that refreshes
itself until the file is ready.

The key is the person (with their scope: a file is never shared between people), the period,
their region and contractor choices, the format, the app version, the *data version* (a cheap
value that moves whenever anything a report counts changes) and, for a period not yet over,
the hour (a "so far" report ages). Rows are deleted after `KEPT_FOR`.

The report page is a row too, of "format" `PAGE`: its figures, tables and charts
(`reports.page`, without the per-breach lines only the files list), read back by every later
view (and kept in the cache under the same key). Its first view waits on the same page.

The worker rebuilds the selection for the stored person, so their scope is checked again when
the file is made: a choice they can no longer see fails politely, and an account switched off
gets nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import BinaryField, Max, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from facilities import access
from facilities.models import (
    Breach,
    BreachDispute,
    Contractor,
    FaultEvent,
    PreparationStatus,
    PreparedReport,
    Region,
    ReportFormat,
    User,
)
from facilities.periods import Period
from facilities.reports import exports, issue, measures, page, queueing
from facilities.reports.drilldown import UNROUTED
from facilities.sla import LONDON

from . import reporting

logger = logging.getLogger(__name__)

TASK = "facilities.prepare_report"
#: Prepared files are thrown away after this (by the periodic re-dispatch, or the next ask).
KEPT_FOR = timedelta(days=1)
FORMATS = ("csv", "xlsx", "pdf")
#: The formats with a line per breach (the per-fault credits sheet); the rest are built without.
LISTED = ("csv", "xlsx")
#: The report page's figures are prepared the same way, as a row of this "format".
PAGE = ReportFormat.PAGE.value
#: The page's figures stay in the cache this long (a new key comes sooner whenever the data
#: changes, and each hour for a period not over); the row keeps them for `KEPT_FOR`.
PAGE_CACHE_SECONDS = 3600
PAGE_CACHE_PREFIX = "report-page:"
TOO_LONG = "The report took too long to prepare. Try a shorter period, or one region or contractor."
#: A stored file is served this much at a time.
SLICE_BYTES = 1 << 20


# --- Keys ------------------------------------------------------------------------------------


def data_version() -> str:
    """A cheap value that changes when anything a report counts changes: the newest timeline
    event (every change to a fault writes one, in the same transaction: a step, a hold, a
    priority change, an escalation, a dispute and its decision, so a waiver too), the newest
    breach and the newest dispute. Three primary-key lookups, well under a millisecond each
    at a million faults (the newest waiver by time would read every breach)."""
    newest = [
        model.objects.aggregate(n=Max("pk"))["n"] or 0
        for model in (FaultEvent, Breach, BreachDispute)
    ]
    return "e{}.b{}.d{}".format(*newest)


def scope_of(user: User) -> str:
    """The person's scope as the access rule states it (role, and the regions, premises or
    company it names): a change to it gives new keys."""
    return f"{access.role_of(user)}|{access.is_national_manager(user)}|{access.fault_scope(user)}"


@dataclass(frozen=True)
class Wanted:
    """One person's choice of report: what the key is made of, besides the data."""

    user: User
    period: Period
    region: str = ""
    contractor: str = ""

    def key(self, *, version: str, now: datetime, what: str) -> str:
        """SHA-256 of everything `what` (a format, or the page) depends on; for a period not
        over, the hour too."""
        so_far = self.period.end > now
        parts = {
            "user": self.user.pk,
            "scope": scope_of(self.user),
            "period": self.period.slug,
            "region": self.region,
            "contractor": self.contractor,
            "data": version,
            "app": issue.app_version(),
            "hour": now.astimezone(LONDON).strftime("%Y-%m-%dT%H") if so_far else "",
            "what": what,
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()

    def check(self, *, now: datetime) -> reporting.Selection:
        """The faults this report counts; Unavailable if the person may not have it now."""
        if self.period.start > now:
            raise reporting.Unavailable("This period has not started yet.")
        if not self.user.is_active:
            raise reporting.Unavailable("This account can no longer see reports.")
        return reporting.selection(self.user, region=self.region, contractor=self.contractor)


# --- Asking -------------------------------------------------------------------------------


def ask(wanted: Wanted, fmt: str, *, now: datetime | None = None) -> PreparedReport:
    """The prepared file for this choice as the data stands: a ready one if it was built
    already, else the row that is (or now will be) being built. Unavailable for a choice the
    person may not have. Never builds anything itself."""
    now = now or timezone.now()
    if fmt not in FORMATS:
        raise reporting.Unavailable("No such format.")
    wanted.check(now=now)
    return _ask(wanted, fmt, version=data_version(), now=now)


def _ask(wanted: Wanted, fmt: str, *, version: str, now: datetime) -> PreparedReport:
    """The row for this key, made (and its build asked for, once it commits) if there is none:
    two requests at once make one row and one task (the key is unique)."""
    key = wanted.key(version=version, now=now, what=fmt)
    found = PreparedReport.objects.defer("content").filter(key=key).first()
    if found is not None:
        return found
    forget_old(now=now, user=wanted.user)
    defaults = {
        "requested_by": wanted.user,
        "period_first": wanted.period.first,
        "period_last": wanted.period.last,
        "region": wanted.region,
        "contractor": wanted.contractor,
        "format": fmt,
        "data_version": version,
        "as_of": now,
        "created_at": now,
        "queued_at": now,
    }
    try:
        with transaction.atomic():
            row, created = PreparedReport.objects.get_or_create(key=key, defaults=defaults)
            if created:
                queueing.enqueue_on_commit(TASK, row.pk)
    except IntegrityError:  # the same click twice at once: the other request made the row
        row = PreparedReport.objects.defer("content").get(key=key)
    return row


def prepared_for(user: User) -> QuerySet[PreparedReport]:
    """The person's own prepared files (nobody else's), without their bytes."""
    return PreparedReport.objects.filter(requested_by=user).defer("content")


def nudge(row: PreparedReport, *, now: datetime | None = None) -> bool:
    """Ask a worker again for a file the broker or a worker lost (the "being prepared"
    page calls this on each refresh, besides the periodic re-dispatch)."""
    return queueing.nudge(PreparedReport, TASK, row, now=now or timezone.now())


def retry(row: PreparedReport, *, now: datetime | None = None) -> bool:
    """Try a failed file again ("try again" on the page)."""
    return queueing.retry(PreparedReport, TASK, row, now=now or timezone.now())


# --- The report page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """The report page for one choice: its figures if built, else the row being built (the
    person waits on the "being prepared" page, which shows the report once it is ready)."""

    figures: page.PageFigures | None
    row: PreparedReport | None = None


def page_for(wanted: Wanted, *, pinned: int | None = None, now: datetime | None = None) -> Page:
    """The page's figures from the cache or the stored row, or the row of their build (asked
    for now if there is none: one row and one task per key, however many ask at once).
    Never builds the report: a month's takes tens of seconds at a million faults.

    `pinned` names a ready row of the person's for the same choices (where the "being
    prepared" page sends them): shown even if the data has moved on since, or a busy estate
    would send them back to wait for ever."""
    now = now or timezone.now()
    wanted.check(now=now)
    if pinned is not None:
        row = _pinned(wanted, pinned)
        figures = _stored(row) if row is not None else None
        if figures is not None:
            return Page(figures, row)
    version = data_version()
    figures = _cache_get(PAGE_CACHE_PREFIX + wanted.key(version=version, now=now, what=PAGE))
    if figures is not None:
        return Page(figures)
    row = _ask(wanted, PAGE, version=version, now=now)
    if row.status == PreparationStatus.READY:
        figures = _stored(row)
        if figures is not None:
            return Page(figures, row)
        row.refresh_from_db(fields=["status", "error"])  # failed: "try again" rebuilds it
    return Page(None, row)


def _pinned(wanted: Wanted, pk: int) -> PreparedReport | None:
    return (
        prepared_for(wanted.user)
        .filter(
            pk=pk,
            format=PAGE,
            status=PreparationStatus.READY,
            period_first=wanted.period.first,
            period_last=wanted.period.last,
            region=wanted.region,
            contractor=wanted.contractor,
        )
        .first()
    )


def _stored(row: PreparedReport) -> page.PageFigures | None:
    """A ready row's figures: from the cache, else from the row (then kept in the cache)."""
    key = PAGE_CACHE_PREFIX + row.key
    figures = _cache_get(key)
    if figures is None:
        data = PreparedReport.objects.filter(pk=row.pk).values_list("content", flat=True).first()
        try:
            figures = page.loads(bytes(data or b""))
        except Exception:  # never a 500, nor a loop back to a page that is "ready"
            logger.warning("Prepared report page %s could not be read", row.pk, exc_info=True)
            PreparedReport.objects.filter(pk=row.pk).update(
                status=PreparationStatus.FAILED, error="The report could not be read. Try again."
            )
            return None
        _cache_set(key, figures)
    return figures


def _cache_get(key: str) -> page.PageFigures | None:
    """The cached figures; None if absent or the cache cannot be reached (it only saves time:
    the row has them too)."""
    try:
        return cache.get(key)
    except Exception:
        logger.warning("Report page cache unavailable", exc_info=True)
        return None


def _cache_set(key: str, figures: page.PageFigures) -> None:
    try:
        cache.set(key, figures, PAGE_CACHE_SECONDS)
    except Exception:
        logger.warning("Report page cache unavailable; not kept", exc_info=True)


# --- Building (the worker) -------------------------------------------------------------------


def file_for(report: measures.Report, fmt: str) -> bytes:
    """The report as a CSV, XLSX or PDF file, stamped as made at the report's `as_of`."""
    made = report.as_of.astimezone(LONDON).strftime("%-d %B %Y %H:%M")
    provenance = exports.Provenance(made_at=made, app_version=issue.app_version())
    if fmt == "csv":
        return exports.to_csv(report)
    if fmt == "xlsx":
        return exports.to_xlsx(report, provenance)
    return exports.to_pdf(report, provenance)


def build(pk: int, *, now: datetime | None = None) -> str:
    """Build and store one prepared file (the task `facilities.prepare_report`). Safe to run
    twice: only one worker claims a row, and a row done already is left alone."""
    now = now or timezone.now()
    if not queueing.claim_build(PreparedReport, pk, now=now):
        return "skipped"
    row = PreparedReport.objects.select_related("requested_by").defer("content").get(pk=pk)
    period = Period(row.period_first, row.period_last)
    wanted = Wanted(row.requested_by, period, row.region, row.contractor)
    try:
        chosen = wanted.check(now=row.as_of)
        is_page = row.format == PAGE
        report = reporting.report(
            wanted.user, period, chosen, now=row.as_of, with_breach_lines=row.format in LISTED
        )
        content = page.dumps(page.figures_for(report)) if is_page else file_for(report, row.format)
    except reporting.Unavailable as unavailable:
        return _fail(row, f"You can no longer see this report: {unavailable}")
    except SoftTimeLimitExceeded:
        logger.warning("Preparing report file %s took too long", pk)
        return _fail(row, TOO_LONG)
    except Exception:
        logger.exception("Could not prepare report file %s", pk)
        return _fail(row, "Something went wrong while preparing the report.")
    done = PreparedReport.objects.filter(pk=pk, status=PreparationStatus.PREPARING).update(
        status=PreparationStatus.READY,
        content=content,
        size=len(content),
        filename="" if is_page else exports.filename(report, row.format),
        data_version=data_version(),
        ready_at=timezone.now(),
    )
    return "ready" if done else "skipped"


def _fail(row: PreparedReport, error: str) -> str:
    PreparedReport.objects.filter(pk=row.pk, status=PreparationStatus.PREPARING).update(
        status=PreparationStatus.FAILED, error=error
    )
    return "failed"


def slices(pk: int, size: int, *, length: int = SLICE_BYTES) -> Iterator[bytes]:
    """A stored file's bytes, `length` at a time, each read from the database on its own (the
    column is stored uncompressed on PostgreSQL, so a slice reads only its own pages)."""
    for start in range(0, size, length):
        part = Substr("content", start + 1, length, output_field=BinaryField())
        yield bytes(
            PreparedReport.objects.filter(pk=pk)
            .annotate(part=part)
            .values_list("part", flat=True)
            .get()
        )


# --- Tidying -------------------------------------------------------------------------------


def forget_old(*, now: datetime, user: User | None = None) -> int:
    """Delete prepared files older than `KEPT_FOR` (everyone's, or one person's)."""
    old = PreparedReport.objects.filter(created_at__lt=now - KEPT_FOR)
    if user is not None:
        old = old.filter(requested_by=user)
    return old.delete()[0]


def redispatch(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: ask again for files lost on the way to a worker, drop old ones."""
    now = now or timezone.now()
    result = queueing.redispatch(PreparedReport, TASK, now=now)
    return {**result, "deleted": forget_old(now=now)}


# --- Words -----------------------------------------------------------------------------------


def described(row: PreparedReport) -> list[dict[str, str]]:
    """What was asked for, as summary-list rows for the "being prepared" page."""
    period = Period(row.period_first, row.period_last)
    region = (
        Region.objects.filter(pk=int(row.region)).values_list("name", flat=True).first()
        if row.region.isdigit()
        else None
    )
    if row.contractor == UNROUTED:
        contractor = "Unrouted (no contractor)"
    elif row.contractor.isdigit():
        contractor = (
            Contractor.objects.filter(pk=int(row.contractor)).values_list("name", flat=True).first()
        )
    else:
        contractor = None
    made = row.as_of.astimezone(LONDON).strftime("%-d %B %Y %H:%M")
    return [
        {"key": "Report", "value": f"Contractor performance: {period.label}"},
        {"key": "Region", "value": region or "All regions"},
        {"key": "Contractor", "value": contractor or "All contractors"},
        *([] if row.format == PAGE else [{"key": "Format", "value": row.get_format_display()}]),
        {"key": "Asked for", "value": made},
    ]
