"""The sync feed: every event in scope once, in id order, even with writes committing late."""

import random
import threading
import time

import pytest
from django.db import connection, connections, transaction

from facilities.faults.workflow import fault_comment, fault_log
from facilities.models import FaultEvent
from tests.api.conftest import T0, client_for
from tests.factories import category

pytestmark = pytest.mark.django_db


def drain(client, after="0", limit=2):
    seen = []
    while True:
        page = client.get("/api/v1/events/", {"after": after, "limit": limit}).json()
        seen += [e["id"] for e in page["events"]]
        after = page["next"]
        if not page["has_more"]:
            return seen, after


def test_feed_pages_through_the_callers_events(estate, contractor_user, other_contractor_user):
    mine = set(
        FaultEvent.objects.filter(fault__contractor=contractor_user.contractor).values_list(
            "pk", flat=True
        )
    )
    seen, cursor = drain(client_for(contractor_user))
    assert seen == sorted(mine)
    assert cursor == str(max(mine))
    fault_comment(fault=estate.heating, actor=contractor_user, text="On our way")
    more, _ = drain(client_for(contractor_user), after=cursor)
    assert len(more) == 1
    theirs, _ = drain(client_for(other_contractor_user))
    assert not set(theirs) & mine


def test_events_not_yet_settled_wait(settings, estate, contractor_user):
    settings.API_EVENTS_SETTLE_SECONDS = 3600
    page = client_for(contractor_user).get("/api/v1/events/").json()
    assert page == {"events": [], "next": "0", "has_more": False}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="requires PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_feed_under_concurrent_writes(
    settings, premises, hostel, contract, office_manager, contractor_user
):
    """Writers hold their transactions open for random times, so ids commit out of order,
    while a reader polls; with the settle delay longer than twice the longest write
    transaction the reader sees every event exactly once, in id order."""
    settings.API_EVENTS_SETTLE_SECONDS = 0.5  # > 2 × the longest transaction below (0.2 s)
    faults = [
        fault_log(
            premises=premises,
            category=category("plumbing-water"),
            location="Hall",
            description=f"Leak {i}",
            reported_by=office_manager,
            now=T0,
        )
        for i in range(4)
    ]
    errors = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for n in range(15):
                with transaction.atomic():
                    fault_comment(
                        fault=rng.choice(faults), actor=contractor_user, text=f"{seed}/{n}"
                    )
                    time.sleep(rng.uniform(0, 0.2))  # commit late, after later ids
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(3)]
    client = client_for(contractor_user)
    for thread in writers:
        thread.start()
    seen, cursor = [], "0"
    while any(t.is_alive() for t in writers):
        page, cursor = drain(client, after=cursor, limit=5)
        seen += page
        time.sleep(0.05)
    time.sleep(0.6)  # let the last ones settle
    page, cursor = drain(client, after=cursor, limit=5)
    seen += page
    assert not errors
    expected = list(
        FaultEvent.objects.filter(fault__in=faults).order_by("pk").values_list("pk", flat=True)
    )
    assert len(expected) == 4 * 2 + 45  # logged + routed per fault, and the comments
    assert seen == expected
