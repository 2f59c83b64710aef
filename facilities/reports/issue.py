"""Issuing the monthly report: immutable snapshots, emailed through the outbox, exactly once.

On the 1st of each month (`facilities.tasks`) last month's report is built for every
scope — everything (for national contract managers), each region (for its contract
managers) and each contractor (its own figures, for its account manager) — and stored as a
`ReportSnapshot` with its CSV, XLSX and PDF. Its emails are outbox rows written in the same
transaction, one per recipient, with the dedupe key `report:<snapshot>:<address>`; they carry
the headline figures and links to the files (which need signing in: the outbox sends no
attachments, and the files stay behind the scoping rule).

Running it twice makes nothing new: a scope already issued for the period is skipped, and the
database's unique (period, scope, version) constraint stops two runs at once. A contract
manager can reissue with a reason: a new version beside the old, emailed again.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse

from facilities import access, notifications
from facilities.models import Contract, Contractor, Fault, Region, Role, User
from facilities.models.reports import ReportScope, ReportSnapshot
from facilities.periods import Period
from facilities.sla import LONDON

from . import charts, exports, measures, tables

logger = logging.getLogger(__name__)

#: The outbox `kind` of a report email (OutboxKind.REPORT once the outbox names it).
REPORT_KIND = "report"
MONTHLY_REASON = "Monthly report"
#: Reissuing races another reissue at most this many times before giving up.
REISSUE_ATTEMPTS = 3


# --- Scopes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose faults an issued report covers."""

    key: str
    kind: str
    label: str
    region_id: int | None = None
    contractor_id: int | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls("all", ReportScope.ALL, "All regions and contractors")

    @classmethod
    def region(cls, region: Region) -> Scope:
        return cls(f"region:{region.pk}", ReportScope.REGION, region.name, region_id=region.pk)

    @classmethod
    def contractor(cls, contractor: Contractor) -> Scope:
        return cls(
            f"contractor:{contractor.pk}",
            ReportScope.CONTRACTOR,
            contractor.name,
            contractor_id=contractor.pk,
        )

    @classmethod
    def of(cls, snapshot: ReportSnapshot) -> Scope:
        return cls(
            snapshot.scope_key,
            snapshot.scope_kind,
            snapshot.scope_label,
            snapshot.region_id,
            snapshot.contractor_id,
        )

    def faults(self) -> QuerySet[Fault]:
        if self.kind == ReportScope.REGION:
            return Fault.objects.filter(premises__region_id=self.region_id)
        if self.kind == ReportScope.CONTRACTOR:
            return Fault.objects.filter(contractor_id=self.contractor_id)
        return Fault.objects.all()

    def recipients(self) -> list[str]:
        """Contract managers in scope; for a contractor, its account manager (or helpdesk)."""
        if self.kind == ReportScope.CONTRACTOR:
            company = Contractor.objects.get(pk=self.contractor_id)
            return [(company.account_manager_email or company.helpdesk_email).lower()]
        managers = User.objects.filter(role=Role.CONTRACT_MANAGER, is_active=True).exclude(email="")
        if self.kind == ReportScope.REGION:
            managers = managers.filter(regions=self.region_id)
        else:
            managers = managers.filter(is_national=True)
        return list(
            dict.fromkeys(
                e.lower() for e in managers.order_by("pk").values_list("email", flat=True)
            )
        )


def scopes_for(period: Period) -> list[Scope]:
    """Everything, every region, and every contractor with a contract during the period."""
    contracted = Contract.objects.filter(valid_from__lte=period.last).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=period.first)
    )
    return [
        Scope.everything(),
        *(Scope.region(r) for r in Region.objects.order_by("name")),
        *(
            Scope.contractor(c)
            for c in Contractor.objects.filter(pk__in=contracted.values("contractor_id")).order_by(
                "name"
            )
        ),
    ]


# --- Making a snapshot ------------------------------------------------------------------------


@functools.cache
def app_version() -> str:
    """The installed package version, with the commit if the deployment says which."""
    try:
        version = importlib.metadata.version("premises-repairs")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout, not installed
        try:
            with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as file:
                version = tomllib.load(file)["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            version = "unknown"
    commit = os.environ.get("GIT_SHA") or os.environ.get("SOURCE_COMMIT") or _checked_out()
    return f"{version}+{commit[:12]}" if commit else version


def _checked_out() -> str:
    """The commit in .git, read as files (no git command is run); empty if there is none."""
    git = Path(settings.BASE_DIR) / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            ref = head[5:]
            loose = git / ref
            if loose.exists():
                return loose.read_text().strip()
            for line in (git / "packed-refs").read_text().splitlines():
                if line.endswith(f" {ref}"):
                    return line.split()[0]
            return ""
        return head
    except OSError:
        return ""


def figures_json(report: measures.Report) -> dict:
    """Every figure as plain JSON (dates and money as strings)."""
    figures = asdict(report)
    figures.pop("breach_lines")  # kept in the issued CSV/XLSX, not repeated here
    return json.loads(json.dumps(figures, cls=DjangoJSONEncoder))


def _files(report: measures.Report, provenance: exports.Provenance) -> dict[str, bytes]:
    all_tables = tables.all_tables(report)
    return {
        "csv": exports.to_csv(report, all_tables),
        "xlsx": exports.to_xlsx(report, provenance, all_tables),
        "pdf": exports.to_pdf(report, provenance, all_tables, charts.all_charts(report)),
    }


def _make(
    period: Period, scope: Scope, *, version: int, reason: str, by: User | None, now: datetime
) -> tuple[ReportSnapshot, measures.Report]:
    """An unsaved snapshot of the report for this scope, as of now."""
    report = measures.build(scope.faults(), period, now=now, scope=scope.label)
    made = now.astimezone(LONDON).strftime("%-d %B %Y %H:%M")
    words = f"Version {version}" + (f", reissued by {by}: {reason}" if version > 1 else "")
    provenance = exports.Provenance(made, app_version(), issued=words, version=version)
    files = _files(report, provenance)
    snapshot = ReportSnapshot(
        period_first=period.first,
        period_last=period.last,
        scope_key=scope.key,
        scope_kind=scope.kind,
        scope_label=scope.label,
        region_id=scope.region_id,
        contractor_id=scope.contractor_id,
        version=version,
        reason=reason,
        figures=figures_json(report),
        checksums={name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        app_version=app_version(),
        created_at=now,
        created_by=by,
        **files,
    )
    return snapshot, report


def issue(period: Period, scope: Scope, *, now: datetime) -> ReportSnapshot | None:
    """Issue version 1 of this scope's report, with its emails; None if it was issued already."""
    existing = ReportSnapshot.objects.filter(
        period_first=period.first, period_last=period.last, scope_key=scope.key
    )
    if existing.exists():
        return None
    snapshot, report = _make(period, scope, version=1, reason=MONTHLY_REASON, by=None, now=now)
    try:
        with transaction.atomic():
            snapshot.save()
            _queue_emails(snapshot, report, now)
    except IntegrityError:
        logger.info("%s for %s was issued by another run", period.label, scope.label)
        return None
    return snapshot


def issue_month(period: Period, *, now: datetime) -> list[ReportSnapshot]:
    """Issue the period's report for every scope not yet issued (safe to run again)."""
    made = []
    for scope in scopes_for(period):
        snapshot = issue(period, scope, now=now)
        if snapshot is not None:
            made.append(snapshot)
    return made


def can_reissue(user: User) -> bool:
    return access.can_reissue_reports(user)


def reissue(
    snapshot: ReportSnapshot,
    *,
    by: User,
    reason: str,
    now: datetime,
    on_saved: Callable[[ReportSnapshot], object] | None = None,
) -> ReportSnapshot:
    """A new version of an issued report, made now, kept beside the old ones and emailed.

    `on_saved` runs in the transaction that saves it (a worker marks its request done there,
    so a request makes its version exactly once)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("A reissued report needs a reason.")
    period, scope = snapshot.period, Scope.of(snapshot)
    versions = ReportSnapshot.objects.filter(
        period_first=period.first, period_last=period.last, scope_key=scope.key
    )
    for _attempt in range(REISSUE_ATTEMPTS):
        version = (versions.aggregate(v=Max("version"))["v"] or 0) + 1
        new, report = _make(period, scope, version=version, reason=reason, by=by, now=now)
        try:
            with transaction.atomic():
                new.save()
                _queue_emails(new, report, now)
                if on_saved is not None:
                    on_saved(new)
            return new
        except IntegrityError:
            continue  # another reissue took this version number: take the next
    raise RuntimeError("Could not reissue the report: too many reissues at once.")


# --- Emails ---------------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def email_context(snapshot: ReportSnapshot, report: measures.Report) -> dict:
    total = report.total
    fix, attend = total.step("fix"), total.step("attend")

    def pct(value: float | None) -> str:
        return "none to measure" if value is None else f"{value:.1f}%"

    return {
        "service_name": settings.SERVICE_NAME,
        "period": snapshot.period_label,
        "scope": snapshot.scope_label,
        "version": snapshot.version,
        "reissued": snapshot.version > 1,
        "reason": snapshot.reason,
        "headlines": [
            ["Faults logged", f"{total.logged:,}"],
            ["Faults fixed", f"{total.fixed:,}"],
            ["Open at the end of the month", f"{total.open_at_end:,}"],
            ["Overdue at the end of the month", f"{total.overdue_at_end:,}"],
            ["Attended within the service level", pct(attend.percent_on_time)],
            ["Fixed within the service level", pct(fix.percent_on_time)],
            ["Fixed first time", pct(total.first_time_fix_percent)],
            ["Safety-critical faults open over 24 hours", f"{total.safety_open_24h:,}"],
            ["Bed-days lost at approved premises", f"{total.bed_days_lost:,.1f}"],
            ["Service credits", f"£{total.credit_pounds:,.2f} ({total.credit_points:,} points)"],
        ],
        "downloads": [
            [fmt.upper(), _absolute(reverse("report_snapshot_download", args=[snapshot.pk, fmt]))]
            for fmt in ("pdf", "xlsx", "csv")
        ],
        "report_url": _absolute(reverse("report_index")),
        "checksums": snapshot.checksums,
    }


def _queue_emails(snapshot: ReportSnapshot, report: measures.Report, now: datetime) -> list:
    """One outbox row per recipient, written in the caller's transaction."""
    context = email_context(snapshot, report)
    rows = []
    for address in Scope.of(snapshot).recipients():
        rows += notifications.outbox_rows(
            kind=REPORT_KIND,
            dedupe_key=f"report:{snapshot.pk}:{address}",
            fault=None,
            people=[notifications.Person(address)],
            template="report",
            context=context,
            now=now,
        )
    return notifications.save_and_send_on_commit(rows)
