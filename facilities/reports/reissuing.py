"""Reissuing an issued report, off the web request.

A reissue makes the report and its three files again (up to a minute at a million faults),
so the contract manager's POST only records the request (`ReissueRequest`) and asks a worker
for it once that commits (`facilities.reissue_report`). The worker runs `issue.reissue`, the
same version numbers, reason and emails as before, and marks the request done in the
transaction that saves the new version, so one request makes one version even if its message
is delivered twice. If the broker is down the request waits, and the periodic re-dispatch
(or the next look at the "being prepared" page) asks again (`queueing`).
"""

from __future__ import annotations

import logging
from datetime import datetime

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from facilities import access
from facilities.models import PreparationStatus, ReissueRequest, ReportSnapshot, User

from . import issue, queueing

logger = logging.getLogger(__name__)

TASK = "facilities.reissue_report"


def ask(
    snapshot: ReportSnapshot, *, by: User, reason: str, now: datetime | None = None
) -> ReissueRequest:
    """Record that `by` wants `snapshot` reissued, and ask a worker to do it on commit."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("A reissued report needs a reason.")
    with transaction.atomic():
        request = ReissueRequest.objects.create(
            snapshot=snapshot, requested_by=by, reason=reason, created_at=now, queued_at=now
        )
        queueing.enqueue_on_commit(TASK, request.pk)
    return request


def requests_of(user: User) -> QuerySet[ReissueRequest]:
    """The person's own reissue requests (only they see their "being prepared" page)."""
    return ReissueRequest.objects.filter(requested_by=user).select_related("snapshot", "made")


def run(pk: int, *, now: datetime | None = None) -> str:
    """Make the new version for one request (the task). Safe to repeat: one worker claims it,
    and a request done already is left alone."""
    now = now or timezone.now()
    if not queueing.claim_build(ReissueRequest, pk, now=now):
        return "skipped"
    request = ReissueRequest.objects.select_related("snapshot", "requested_by").get(pk=pk)
    by = request.requested_by
    # Who may reissue is checked again now: the person may have lost the right meanwhile.
    allowed = issue.can_reissue(by) and (
        access.report_snapshots_visible_to(by).filter(pk=request.snapshot_id).exists()
    )
    if not allowed:
        return _fail(request, "You can no longer reissue this report.")

    def done(new: ReportSnapshot) -> None:
        ReissueRequest.objects.filter(pk=pk).update(
            status=PreparationStatus.READY, made=new, ready_at=timezone.now()
        )

    try:
        issue.reissue(request.snapshot, by=by, reason=request.reason, now=now, on_saved=done)
    except SoftTimeLimitExceeded:
        logger.warning("Reissuing report snapshot %s took too long", request.snapshot_id)
        return _fail(request, "The report took too long to make. Try again later.")
    except Exception:
        logger.exception("Could not reissue report snapshot %s", request.snapshot_id)
        return _fail(request, "Something went wrong while reissuing the report.")
    return "ready"


def _fail(request: ReissueRequest, error: str) -> str:
    ReissueRequest.objects.filter(pk=request.pk, status=PreparationStatus.PREPARING).update(
        status=PreparationStatus.FAILED, error=error
    )
    return "failed"


def nudge(request: ReissueRequest, *, now: datetime | None = None) -> bool:
    """Ask a worker again for a request the broker or a worker lost (the "being prepared"
    page calls this on each refresh, besides the periodic re-dispatch)."""
    return queueing.nudge(ReissueRequest, TASK, request, now=now or timezone.now())


def retry(request: ReissueRequest, *, now: datetime | None = None) -> bool:
    """Try a failed reissue again ("try again" on the page)."""
    return queueing.retry(ReissueRequest, TASK, request, now=now or timezone.now())


def redispatch(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: ask again for requests lost on the way to a worker."""
    return queueing.redispatch(ReissueRequest, TASK, now=now or timezone.now())
