"""The Celery app: settings come from Django's, under the CELERY_ namespace.

JSON serializers, task time limits, late acknowledgement and the beat schedule are in the
Celery section of `config/settings/base.py`; tasks are in `facilities/tasks.py`. Exactly one
beat may run: its scheduler (`config/beat.py`) takes a lock and a second beat exits.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("premises_repairs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
