"""Test runs leave nothing behind on a shared broker: their own queue (and, with Redis, their
own database), deleted at the end of the session (`tests/conftest.py`, `tests/broker.py`)."""

import os
from urllib.parse import urlsplit

from django.conf import settings

from config.celery_app import app as celery_app
from tests import broker


def test_a_test_run_has_its_own_queue_and_redis_database():
    queue = celery_app.conf.task_default_queue
    assert queue == f"premises-repairs-test-{settings.TEST_RUN_NAME}"
    assert settings.TEST_RUN_NAME in settings.BEAT_LOCK_KEY
    # The worker and beat processes the tests start inherit the run, and so find its queue.
    assert os.environ["REPAIRS_TEST_RUN"] == settings.TEST_RUN
    if os.environ.get("REDIS_URL"):
        apps_database = urlsplit(os.environ["REDIS_URL"]).path.strip("/") or "0"
        tests_database = urlsplit(settings.CELERY_BROKER_URL).path.strip("/")
        assert tests_database not in ("", apps_database)
        assert settings.REDIS_URL == settings.CELERY_BROKER_URL


def test_dropping_the_queue_leaves_nothing_behind():
    for n in range(3):  # as a fault logged in a test queues its emails, with no worker to take them
        celery_app.send_task("facilities.deliver_email", args=[-n])
    assert broker.leftovers()  # the messages are waiting
    assert broker.drop_test_queue() >= 3
    assert broker.leftovers() == []
