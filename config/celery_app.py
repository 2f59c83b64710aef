"""The Celery app: settings come from Django's, under the CELERY_ namespace.

JSON serializers, task time limits, late acknowledgement and the beat schedule are in the
Celery section of `config/settings/base.py`; tasks are in `facilities/tasks.py`. Exactly one
beat may run: its scheduler (`config/beat.py`) takes a lock and a second beat exits.
A worker outlives Redis going away: `config/broker_fixes.py` works around a celery/kombu 5.7.0
bug that made it exit instead of reconnecting.
"""

import os

from celery import Celery

from config import broker_fixes
from facilities.operations import celery_signals  # noqa: F401  (ids on tasks, job records)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
broker_fixes.apply()

app = Celery("premises_repairs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
