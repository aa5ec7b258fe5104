"""Celery application. With no broker configured, tasks run in-process (see settings)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")

# A task that failed on a prepared statement a migration outlived runs once more.
app = Celery("lms", task_cls="core.prepared_statements:StalePlanRetryingTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
