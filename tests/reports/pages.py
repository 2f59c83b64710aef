"""The report page as a person first sees it: the "being prepared" page, then the report.

The first view of a report (for a period, a person's scope and choices, and the data as it
stands) sends them (303) to the "being prepared" page while a worker builds it. Here the test
runs the worker's task itself (`facilities.prepare_report`), as a worker would; the waiting
page then sends them to the report, pinned to the figures it waited for.
"""

import re
import threading

from django.db import connection

from facilities import tasks
from facilities.finding import preparing

WAITING = re.compile(r"/reports/prepared/(\d+)/")


def prepared_id(response) -> int:
    """The prepared row a 303 to the "being prepared" page names."""
    assert response.status_code == 303, response.status_code
    match = WAITING.fullmatch(response["Location"])
    assert match, response["Location"]
    return int(match[1])


def prepared_url(client, url: str) -> str:
    """Where the "being prepared" page sends the person once the worker has built the report
    page at `url`: its address, pinned to those figures."""
    pk = prepared_id(client.get(url))
    assert tasks.prepare_report(pk) == "ready"
    ready = client.get(f"/reports/prepared/{pk}/")
    assert ready.status_code == 303, "the waiting page of a ready report sends to the report"
    assert ready["Location"].startswith(url.split("?")[0])
    return ready["Location"]


def report_page(client, url: str):
    """The report page at `url`, going through the "being prepared" page if it is not built
    yet (a page already built, or a 404, is returned as it is)."""
    first = client.get(url)
    if first.status_code != 303:
        return first
    pk = prepared_id(first)
    assert tasks.prepare_report(pk) == "ready"
    ready = client.get(first["Location"])
    assert ready.status_code == 303, "the waiting page of a ready report sends to the report"
    assert ready["Location"].startswith(url.split("?")[0])
    return client.get(ready["Location"])


def build_report_page(user, period) -> str:
    """Ask for `user`'s report page for `period` and build it, as a first view and the worker
    would, in a thread of its own with its own database connection (the browser tests' thread
    runs Playwright's event loop, where Django refuses database calls). The address of the
    report as built (pinned: the hour of a month not over may turn before it is visited)."""
    built: list[int] = []

    def work() -> None:
        try:
            row = preparing.page_for(preparing.Wanted(user, period)).row
            assert tasks.prepare_report(row.pk) == "ready"
            built.append(row.pk)
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(120)
    assert built, "the report page was not built"
    return f"/reports/{period.slug}/?prepared={built[0]}"
