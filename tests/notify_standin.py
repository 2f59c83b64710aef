"""A stand-in for GOV.UK Notify on loopback (there is no local Notify), for the tests.

It answers `POST /v2/notifications/email` and `/v2/notifications/sms` as Notify's API
documentation says, and refuses what Notify would refuse:

- authorisation: `Authorization: Bearer <JWT>`, signed HS256 with the API key's secret (its
  last 36 characters), `iss` the service id (the 36 before them), `iat` within 30 seconds;
  else 403 `AuthError`;
- a JSON body with the documented fields only (email: `email_address`, `template_id`,
  `personalisation`, `reference`, `email_reply_to_id`, `one_click_unsubscribe_url`; text:
  `phone_number`, `template_id`, `personalisation`, `reference`, `sms_sender_id`), the
  required ones present, a valid email address or UK mobile number, a known template of the
  right type and every one of its `((placeholders))` in `personalisation`; else 400
  `ValidationError` or `BadRequestError`, in Notify's error shape;
- answers 201 with the documented response (`id`, `reference`, `content`, `uri`, `template`).

`fail_next(status, count)` makes the next requests fail (429 or 500) to test retries.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

SERVICE_ID = "6f1f5f1e-2c1a-4a8e-9a53-2d0c6f3b1a01"
SECRET = "0d8c5d3e-7b4f-4f4e-8a51-5f7a9e4b2c10"
API_KEY = f"repairs_test-{SERVICE_ID}-{SECRET}"
EMAIL_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"
SMS_TEMPLATE_ID = "2d3b8c4e-6d55-4b8f-9a1c-7e5d0f9a6b33"
TEMPLATES = {
    EMAIL_TEMPLATE_ID: ("email", "((subject))", "((body))"),
    SMS_TEMPLATE_ID: ("sms", "", "((body))"),
}
FIELDS = {
    "email": (
        {"email_address", "template_id"},
        {"personalisation", "reference", "email_reply_to_id", "one_click_unsubscribe_url"},
    ),
    "sms": ({"phone_number", "template_id"}, {"personalisation", "reference", "sms_sender_id"}),
}
UK_MOBILE = re.compile(r"^(?:\+447|00447|447|07)\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Refused(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def _fill(text: str, personalisation: dict) -> str:
    return re.sub(r"\(\((\w+)\)\)", lambda m: str(personalisation[m.group(1)]), text)


@dataclass
class NotifyStandIn:
    """The server's state: what it accepted, and failures to come."""

    accepted: list[dict] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int, count: int = 1) -> None:
        with self.lock:
            self.failures += [status] * count

    def check_token(self, header: str | None) -> None:
        if not header or not header.startswith("Bearer "):
            raise Refused(
                403,
                "AuthError",
                "Error: Your system clock must be accurate to within 30 seconds"
                if header
                else "Unauthorized: authentication token must be provided",
            )
        token = header.removeprefix("Bearer ")
        if jwt.get_unverified_header(token).get("alg") != "HS256":
            raise Refused(403, "AuthError", "Invalid token: algorithm used is not HS256")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_iat": False})
        except jwt.InvalidTokenError:
            raise Refused(403, "AuthError", "Invalid token: API key not found") from None
        if claims.get("iss") != SERVICE_ID:
            raise Refused(403, "AuthError", "Invalid token: service not found")
        if abs(time.time() - float(claims.get("iat", 0))) > 30:
            raise Refused(
                403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds"
            )

    def check_body(self, kind: str, body: dict) -> tuple[str, str]:
        required, optional = FIELDS[kind]
        missing = sorted(required - body.keys())
        if missing:
            raise Refused(400, "ValidationError", f"{missing[0]} is a required property")
        extra = sorted(body.keys() - required - optional)
        if extra:
            raise Refused(
                400,
                "ValidationError",
                f"Additional properties are not allowed ({extra[0]} was unexpected)",
            )
        if kind == "email" and not EMAIL.match(body["email_address"]):
            raise Refused(400, "ValidationError", "email_address Not a valid email address")
        if kind == "sms" and not UK_MOBILE.match(re.sub(r"[\s()-]", "", body["phone_number"])):
            raise Refused(400, "ValidationError", "phone_number Not a UK mobile number")
        for name in ("reference",):
            if name in body and not isinstance(body[name], str):
                raise Refused(400, "ValidationError", f"{name} is not of type string")
        template = TEMPLATES.get(body["template_id"])
        if template is None or template[0] != kind:
            raise Refused(400, "BadRequestError", "Template not found")
        personalisation = body.get("personalisation") or {}
        if not isinstance(personalisation, dict):
            raise Refused(400, "ValidationError", "personalisation is not of type object")
        wanted = re.findall(r"\(\((\w+)\)\)", template[1] + template[2])
        absent = [name for name in wanted if name not in personalisation]
        if absent:
            raise Refused(400, "BadRequestError", f"Missing personalisation: {', '.join(absent)}")
        return _fill(template[1], personalisation), _fill(template[2], personalisation)

    def handle(self, path: str, headers, raw: bytes) -> tuple[int, dict]:
        kinds = {"/v2/notifications/email": "email", "/v2/notifications/sms": "sms"}
        try:
            if path not in kinds:
                raise Refused(404, "NotFound", "Not found")
            with self.lock:
                failure = self.failures.pop(0) if self.failures else None
            if failure == 429:
                raise Refused(
                    429,
                    "RateLimitError",
                    "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds",
                )
            if failure:
                raise Refused(failure, "Exception", "Internal server error")
            self.check_token(headers.get("Authorization"))
            if headers.get("Content-Type", "").split(";")[0] != "application/json":
                raise Refused(400, "BadRequestError", "Content-Type must be application/json")
            try:
                body = json.loads(raw)
            except ValueError:
                raise Refused(
                    400, "BadRequestError", "Invalid JSON supplied in POST data"
                ) from None
            if not isinstance(body, dict):
                raise Refused(400, "ValidationError", "body is not of type object")
            kind = kinds[path]
            subject, text = self.check_body(kind, body)
        except Refused as refused:
            with self.lock:
                self.refused.append((refused.status, refused.message))
            return refused.status, {
                "status_code": refused.status,
                "errors": [{"error": refused.error, "message": refused.message}],
            }
        notification_id = str(uuid.uuid4())
        content = (
            {
                "subject": subject,
                "body": text,
                "from_email": "repairs@notifications.service.gov.uk",
                "one_click_unsubscribe_url": None,
            }
            if kind == "email"
            else {"body": text, "from_number": "GOVUK"}
        )
        answer = {
            "id": notification_id,
            "reference": body.get("reference"),
            "content": content,
            "uri": f"https://api.notifications.service.gov.uk/v2/notifications/{notification_id}",
            "template": {
                "id": body["template_id"],
                "version": 1,
                "uri": f"https://api.notifications.service.gov.uk/v2/template/{body['template_id']}",
            },
        }
        with self.lock:
            self.accepted.append({"kind": kind, "request": body, "response": answer})
        return 201, answer


class Server:
    """The stand-in listening on a free loopback port, in a thread."""

    def __init__(self) -> None:
        self.state = NotifyStandIn()
        state = self.state

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, answer = state.handle(self.path, self.headers, self.rfile.read(length))
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
