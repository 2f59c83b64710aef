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
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
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

__all__ = [
    "due_rows",
    "event_details",
    "fault_detail",
    "fault_in_scope",
    "fault_photo",
    "fault_photo_thumbnail",
]


@login_required
@require_safe
def fault_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fault = fault_in_scope(request.user, pk)
    now = timezone.now()
    allowed = workflow.allowed_actions(fault, request.user)
    holds = holds_of(fault)
    comment = fault_actions.ACTIONS[Action.COMMENT]
    job_number = fault_actions.ACTIONS[Action.CONTRACTOR_REFERENCE]
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
            "job_number_form": (
                job_number.form(fault, None) if Action.CONTRACTOR_REFERENCE in allowed else None
            ),
        },
    )


#: A photo opened on its own is a document of the browser's making, which styles itself inline
#: (centring it, the background): that is all it may do. No script, no plug-in, no frame.
PHOTO_CSP = {
    "default-src": [CSP.NONE],
    "img-src": [CSP.SELF],
    "style-src": [CSP.UNSAFE_INLINE],
    "frame-ancestors": [CSP.NONE],
}


@login_required
@require_safe
@csp_override(PHOTO_CSP)
def fault_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo's display copy, only for people who may see its fault; never a public URL.

    The upload itself is not kept (facilities.faults.photos): only the copies can be served."""
    return _photo_file(request, pk, photo_pk, thumbnail=False)


@login_required
@require_safe
@csp_override(PHOTO_CSP)
def fault_photo_thumbnail(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """A photo's thumbnail, shown on the fault's page; the same scope as the photo."""
    return _photo_file(request, pk, photo_pk, thumbnail=True)


def _photo_file(request: HttpRequest, pk: int, photo_pk: int, *, thumbnail: bool) -> FileResponse:
    fault = fault_in_scope(request.user, pk)
    photo = get_object_or_404(fault.photos, pk=photo_pk)
    copy = photo.thumbnail if thumbnail else photo.display
    if not copy:
        raise Http404("The photo has no copy to show.")
    try:
        handle = copy.open("rb")
    except FileNotFoundError:
        raise Http404("The photo file is missing.") from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
