"""One shape for every 4xx: RFC 9457 problem details (`application/problem+json`).

    {"type": ".../problems/validation", "title": "Invalid input", "status": 400,
     "detail": "...", "errors": {"note": ["..."]}}

`errors` (validation only) maps each field at fault to its messages; `non_field_errors`
for the request as a whole. A WorkflowError (`facilities.faults.rules`) is a 409 with its
reason, or a 400 naming its field when it has one; a fault or object out of the caller's
scope is a 404, exactly as if it did not exist.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from facilities.faults.rules import WorkflowError

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://premises-repairs.service.justice.gov.uk/problems/"

TITLES = {
    400: ("validation", "Invalid input"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "The step is not allowed now"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("idempotency-key-reused", "Idempotency key reused with a different request"),
    429: ("throttled", "Too many requests"),
}


def problem(
    status_code: int,
    detail: str,
    *,
    errors: dict | None = None,
    headers: dict | None = None,
    title: str | None = None,
) -> Response:
    kind, default_title = TITLES.get(status_code, ("error", "Error"))
    body = {
        "type": TYPE_BASE + kind,
        "title": title or default_title,
        "status": status_code,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_JSON)


def _messages(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [
            str(v)
            for item in value
            for v in (_messages(item) if isinstance(item, dict | list) else [item])
        ]
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _messages(v)]
    return [str(value)]


def field_errors(detail) -> dict[str, list[str]]:
    """DRF's error detail as {field: [messages]}, nested fields joined with dots."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for name, value in detail.items():
            if isinstance(value, dict):
                for inner, messages in field_errors(value).items():
                    flat[f"{name}.{inner}"] = messages
            else:
                flat[str(name)] = _messages(value)
        return flat
    return {"non_field_errors": _messages(detail)}


def _summary(errors: dict[str, list[str]]) -> str:
    name, messages = next(iter(errors.items()))
    where = "" if name == "non_field_errors" else f"{name}: "
    more = len(errors) - 1
    return f"{where}{messages[0]}" + (f" (and {more} more)" if more else "")


def exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: every error a problem document."""
    if isinstance(exc, WorkflowError):
        if exc.field:
            return problem(400, exc.message, errors={exc.field: [exc.message]})
        return problem(409, exc.message)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a 500: Django's handler logs it
    headers = {
        k: v
        for k, v in response.headers.items()
        if k in ("Retry-After", "WWW-Authenticate", "Allow")
    }
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        return problem(
            status.HTTP_400_BAD_REQUEST, _summary(errors), errors=errors, headers=headers
        )
    detail = exc.detail if isinstance(exc.detail, str) else "; ".join(_messages(exc.detail))
    return problem(response.status_code, str(detail), headers=headers)
