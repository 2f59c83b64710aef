"""One fault's page and its photos.

Everything here starts from `fault_in_scope` (`access.faults_visible_to(user)`), so a fault
outside the user's scope is a 404 on every URL. The actions offered are exactly
`workflow.allowed_actions` (`facilities.web.fault_actions`); the breaches and their disputes
are offered by `facilities.web.disputes_views`. No rule about who may do what lives here.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from facilities import timewords
from facilities.faults import workflow
from facilities.faults.workflow import Action
from facilities.web import fault_actions
from facilities.web.action_forms import hold_decision_form
from facilities.web.disputes_views import breach_rows
from facilities.web.fault_page import (
    due_rows,
    event_details,
    fault_in_scope,
    hold_rows,
    holds_of,
    pending_request,
    timeline,
)

__all__ = ["due_rows", "event_details", "fault_detail", "fault_in_scope", "fault_photo"]


@login_required
@require_safe
def fault_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fault = fault_in_scope(request.user, pk)
    now = timezone.now()
    allowed = workflow.allowed_actions(fault, request.user)
    holds = holds_of(fault)
    comment = fault_actions.ACTIONS[Action.COMMENT]
    return render(
        request,
        "faults/detail.html",
        {
            "fault": fault,
            "due": due_rows(fault, now, holds),
            "paused": timewords.describe_lateness(fault.paused) if fault.paused else "",
            "holds": hold_rows(holds),
            "hold_request": pending_request(holds),
            "hold_form": hold_decision_form(None) if Action.DECIDE_HOLD in allowed else None,
            "breaches": breach_rows(fault, request.user),
            "timeline": timeline(fault),
            "photos": list(fault.photos.all()),
            "action_buttons": fault_actions.buttons(fault, allowed),
            "comment_form": comment.form(fault, None) if Action.COMMENT in allowed else None,
        },
    )


@login_required
@require_safe
def fault_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo, only for people who may see its fault; never a public media URL."""
    fault = fault_in_scope(request.user, pk)
    photo = get_object_or_404(fault.photos, pk=photo_pk)
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404("The photo file is missing.") from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
