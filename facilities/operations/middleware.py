"""Per request: an id (kept from X-Request-ID if sane, else new) on every log line, the user's
id and the fault's reference where the page is about one, and one log line per request
(method, path without the query string, status, time) instead of the server's access log,
whose query strings could hold what someone typed into a search box.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

from facilities.models.faults import reference_for

from . import context

logger = logging.getLogger("facilities.requests")

#: Paths that must answer without touching the session or the user (the database may be down).
NO_USER_PATHS = ("/healthz", "/static/")


def _user_id(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


class RequestContextMiddleware:
    """First in MIDDLEWARE, so its ids cover everything after it, errors included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = context.new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        started = time.monotonic()
        with context.bound(request_id=request_id, user_id=None, fault=None):
            response = self.get_response(request)
            if not request.path.startswith(NO_USER_PATHS):
                try:  # the API's token users are set on the request by the view
                    context.bind(user_id=_user_id(request))
                except DatabaseError:  # the database is down: the 503 says so
                    logger.debug("No user id for the request line", exc_info=True)
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
        response["X-Request-ID"] = request_id
        return response

    def process_view(self, request: HttpRequest, view, args, kwargs) -> None:
        match = request.resolver_match
        # A fault's pages and API addresses: faults/<pk>/…, api/v1/faults/<pk>/….
        if match is not None and "pk" in kwargs and "faults/<int:pk>/" in match.route:
            context.bind(fault=reference_for(int(kwargs["pk"])))
        if not request.path.startswith(NO_USER_PATHS):
            context.bind(user_id=_user_id(request))
