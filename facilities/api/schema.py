"""The OpenAPI document: token authentication, and the problem responses of every operation."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from .errors import PROBLEM_JSON

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "For invalid input: the messages for each field at fault.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail"],
}

COMMON = {
    "400": "Invalid input: `errors` names the fields",
    "401": "No valid token (missing, unknown, revoked or expired)",
    "403": "Not allowed, e.g. a read-only token",
    "404": "Not found, or outside your scope",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "429": "Too many requests: see Retry-After",
}
WRITES = {
    "409": "The step is not allowed now: `detail` says why",
    "415": "Unsupported media type",
    "422": "Idempotency-Key reused with a different request",
}


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "facilities.api.auth.TokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token (`prt_…`) from `manage.py create_api_token` or the admin.",
        }


def add_problem_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation may answer with a problem."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            codes = {**COMMON, **(WRITES if method in ("post", "put", "patch", "delete") else {})}
            for code, description in codes.items():
                responses.setdefault(
                    code, {"description": description, "content": {PROBLEM_JSON: {"schema": ref}}}
                )
    return result
