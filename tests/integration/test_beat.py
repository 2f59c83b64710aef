"""Beat: the schedule lives in the database, and exactly one beat may run."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django_celery_beat.models import PeriodicTask

from config import beat
from config.celery_app import app as celery_app
from tests.integration.conftest import BASE_DIR, wait_for


@pytest.fixture
def lock_place(tmp_path):
    """Without Redis the lock is a file under VAR_DIR: use a fresh one, not the app's."""
    with override_settings(VAR_DIR=tmp_path):
        yield {"VAR_DIR": str(tmp_path)}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_schedule_is_synced_into_the_database_scheduler(lock_place):
    scheduler = beat.SingleBeatScheduler(app=celery_app)
    try:
        tasks = {t.name: t for t in PeriodicTask.objects.select_related("interval", "crontab")}
        sweep = tasks["sweep-overdue-faults"]
        assert sweep.task == "facilities.sweep_overdue"
        assert timedelta(**{sweep.interval.period: sweep.interval.every}) == timedelta(
            seconds=settings.SWEEP_INTERVAL_SECONDS
        )
        assert sweep.expire_seconds == settings.SWEEP_INTERVAL_SECONDS
        assert tasks["redispatch-outbox"].task == "facilities.redispatch_outbox"
        digest = tasks["daily-digest"].crontab
        assert (digest.hour, digest.minute, str(digest.timezone)) == ("7", "0", "Europe/London")
        assert "sweep-overdue-faults" in scheduler.schedule
    finally:
        scheduler.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_scheduler_refuses_while_the_first_runs_and_may_start_after(lock_place):
    first = beat.SingleBeatScheduler(app=celery_app)
    with pytest.raises(beat.AnotherBeatIsRunning, match="another celery beat is running"):
        beat.SingleBeatScheduler(app=celery_app)
    first.close()
    beat.SingleBeatScheduler(app=celery_app).close()


def test_a_second_beat_process_refuses_to_start(lock_place):
    held = beat.beat_lock()
    assert held.acquire()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO"],
            cwd=BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **lock_place},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        held.release()
    assert result.returncode == 1
    assert "Refusing to start: another celery beat is running" in result.stderr
    assert held.token in result.stderr


@pytest.mark.skipif(not settings.REDIS_URL, reason="requires Redis (REDIS_URL)")
def test_redis_lock_is_renewed_only_by_its_holder_and_lapses_after_its_ttl():
    mine = beat.RedisBeatLock(settings.REDIS_URL, ttl=1, key=f"{settings.BEAT_LOCK_KEY}:ttl")
    theirs = beat.RedisBeatLock(settings.REDIS_URL, ttl=1, key=mine.key)
    try:
        assert mine.acquire()
        assert not theirs.acquire()
        assert mine.renew()
        assert not theirs.renew()
        mine.client.delete(mine.key)  # as if it had lapsed after a crash
        assert theirs.acquire()
        assert not mine.renew()  # the old holder finds it lost and stops
    finally:
        mine.client.delete(mine.key)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lone_beat_process_starts_and_keeps_running(services, lock_place, tmp_path):
    """The lock must not trip over beat's own banner-only (lazy) scheduler instance."""
    from django.db import connection

    db = connection.settings_dict
    env = {
        **os.environ,
        **lock_place,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
    }
    log = tmp_path / "beat.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=INFO"],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            # Until beat has taken its lock or given up (a slow start on a busy machine is
            # not a failure), then a while longer: it must still be running.
            wait_for(
                lambda: (
                    process.poll() is not None
                    or any(s in log.read_text() for s in ("Beat lock taken", "Refusing to start"))
                ),
                timeout=90,
                what="beat to take its lock",
            )
            with pytest.raises(subprocess.TimeoutExpired):
                process.wait(timeout=3)
        finally:
            process.terminate()
            process.wait(timeout=30)
    text = log.read_text()
    assert "Beat lock taken" in text
    assert "Refusing to start" not in text
