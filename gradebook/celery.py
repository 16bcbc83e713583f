"""Celery application.

With no broker configured (the embedded default) tasks run in-process, eagerly, through the
same code path; with CELERY_BROKER_URL set they go to a real worker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gradebook.settings")

app = Celery("gradebook")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="gradebook.ping")
def ping() -> str:
    """A trivial task used by the health check and the worker test."""
    return "pong"
