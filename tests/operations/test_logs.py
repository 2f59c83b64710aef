"""Log lines carry the request id, the user's id and the fault's reference; JSON in production."""

import json
import logging

import pytest

from facilities.operations import celery_signals, context, logs


class Lines(logging.Handler):
    """Formats every record as the console handler would, with the ids filter."""

    def __init__(self, kind: str) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logs.formatter(kind))
        self.addFilter(context.ContextFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def json_lines():
    handler = Lines("json")
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def parsed(handler: Lines) -> list[dict]:
    return [json.loads(line) for line in handler.lines]


def test_a_json_line_has_the_ids_and_the_message(json_lines):
    with context.bound(request_id="abc12345", user_id=7, fault="FLT-000042"):
        logging.getLogger("facilities.test").warning("Sweep could not check %s", "FLT-000042")
    (line,) = parsed(json_lines)
    assert line["request_id"] == "abc12345"
    assert line["user_id"] == "7"
    assert line["fault"] == "FLT-000042"
    assert line["message"] == "Sweep could not check FLT-000042"
    assert line["level"] == "WARNING"
    assert line["logger"] == "facilities.test"
    assert "time" in line


def test_a_plain_line_is_readable():
    handler = Lines("plain")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    with context.bound(request_id="r1234567"):
        handler.handle(record)
    assert handler.lines[0].endswith("INFO x [r1234567 - -] hello")


@pytest.mark.parametrize(
    ("offered", "kept"),
    [("0123456789abcdef", True), ("bad id\nwith newline", False), ("", False), (None, False)],
)
def test_an_offered_request_id_is_kept_only_if_it_looks_like_one(offered, kept):
    assert (context.new_request_id(offered) == offered) is kept


@pytest.mark.django_db
def test_a_request_logs_one_line_with_its_ids_and_no_query_string(
    client, json_lines, office_manager, premises
):
    from facilities.faults import workflow
    from tests.factories import category

    fault = workflow.fault_log(
        premises=premises,
        category=category("plumbing-water"),
        location="Kitchen",
        description="Tap dripping",
        reported_by=office_manager,
    )
    client.force_login(office_manager)
    json_lines.lines.clear()
    response = client.get(f"/faults/{fault.pk}/?q=Olivia+Smith", HTTP_X_REQUEST_ID="req-123456789")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "req-123456789"
    requests = [line for line in parsed(json_lines) if line["logger"] == "facilities.requests"]
    (line,) = requests
    assert line["request_id"] == "req-123456789"
    assert line["user_id"] == str(office_manager.pk)
    assert line["fault"] == fault.reference
    assert line["path"] == f"/faults/{fault.pk}/"
    assert line["status"] == 200
    assert "Olivia" not in json.dumps(parsed(json_lines))
    assert context.current() == {"request_id": None, "user_id": None, "fault": None}


def test_a_published_task_carries_the_ids_and_its_run_binds_them():
    headers: dict = {}
    with context.bound(request_id="web-12345678", user_id=3, fault="FLT-000009"):
        celery_signals._put_ids_on_message(headers=headers)
    assert headers[celery_signals.HEADER] == {
        "request_id": "web-12345678",
        "user_id": "3",
        "fault": "FLT-000009",
    }

    class Task:
        class request:
            id = "t-1"
            repairs_ids = headers[celery_signals.HEADER]

    celery_signals._bind_ids(task=Task)
    assert context.current()["request_id"] == "web-12345678"
    celery_signals._clear_ids()
    assert context.current()["request_id"] is None


def test_a_task_beat_started_gets_an_id_of_its_own():
    class Task:
        class request:
            id = "beat-task-1"

    celery_signals._bind_ids(task=Task)
    assert context.current() == {"request_id": "task-beat-task-1", "user_id": None, "fault": None}
    celery_signals._clear_ids()


@pytest.mark.django_db
def test_an_api_request_for_a_fault_logs_its_reference(
    client, json_lines, office_manager, premises
):
    from facilities.faults import workflow
    from tests.factories import category

    fault = workflow.fault_log(
        premises=premises,
        category=category("plumbing-water"),
        location="Kitchen",
        description="Tap dripping",
        reported_by=office_manager,
    )
    client.force_login(office_manager)
    json_lines.lines.clear()
    assert client.get(f"/api/v1/faults/{fault.pk}/events/").status_code == 200
    (line,) = [line for line in parsed(json_lines) if line["logger"] == "facilities.requests"]
    assert line["fault"] == fault.reference
    assert line["user_id"] == str(office_manager.pk)
