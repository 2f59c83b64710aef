"""The server error page: a GOV.UK "service unavailable" page (503) when the database cannot
be reached, the usual "problem with the service" page (500) for anything else.

Django calls `server_error` from inside its exception handler, so the exception is still
in `sys.exc_info()`. A database that is restarting, or gone for a while, is an outage, not a
bug: the person is told to try again shortly, with a Retry-After, and the next request opens
a fresh connection (CONN_HEALTH_CHECKS) once the database is back, with no restart of the app.
"""

from __future__ import annotations

import sys

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

#: Seconds a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 30


def database_unavailable(error: BaseException | None) -> bool:
    """Errors of reaching the database (refused, reset, shutting down), not of a query."""
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        if isinstance(error, DatabaseError):
            return False
        error = error.__cause__ or error.__context__
    return False


def _problem(status: int, title: str) -> HttpResponse:
    """The API's errors are RFC 9457 problems (facilities.api.errors), these too."""
    body = {"type": "about:blank", "title": title, "status": status}
    return JsonResponse(body, status=status, content_type="application/problem+json")


def server_error(request: HttpRequest) -> HttpResponse:
    api = request.path.startswith("/api/")
    if database_unavailable(sys.exc_info()[1]):
        response = (
            _problem(503, "The service is unavailable; try again shortly.")
            if api
            else HttpResponse(loader.get_template("503.html").render(), status=503)
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if api:
        return _problem(500, "There is a problem with the service.")
    return HttpResponse(loader.get_template("500.html").render(), status=500)
