"""The production path of background work: tasks through a real Redis broker to a worker.

Runs when ``LMS_TEST_REDIS_URL`` names a Redis (CI sets it); the README's commands need no
broker, so elsewhere it is skipped with that reason.
"""

from __future__ import annotations

import os
import time

import pytest
from django.core.files.base import ContentFile

from courses.demo import build_demo_zip
from courses.models import Package
from courses.services import package_create
from lms.celery import app
from tests.factories import CourseFactory

REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.skipif(
        not REDIS_URL, reason="set LMS_TEST_REDIS_URL to a Redis to test the Celery broker path"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def redis_worker(settings):
    from celery.contrib.testing.worker import start_worker

    def forget_connections():
        # The app caches its connection and producer pools, built from whichever broker URL
        # was configured when something first used them.
        app._pool = None
        app.amqp._producer_pool = None

    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.broker_url
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False, result_backend=None)
    forget_connections()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        app.conf.update(broker_url=previous, task_always_eager=True)
        forget_connections()


def test_an_uploaded_package_is_imported_by_a_worker_through_redis(redis_worker):
    from celery.signals import task_prerun

    ran: list[bool] = []

    def record(task=None, **kwargs):
        ran.append(bool(task.request.is_eager))

    task_prerun.connect(record, weak=False)
    course = CourseFactory(provider="local")
    package = package_create(
        course=course, upload=ContentFile(build_demo_zip("safe-passwords"), name="p.zip")
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        package.refresh_from_db()
        if package.status == Package.Status.READY:
            break
        time.sleep(0.2)
    task_prerun.disconnect(record)
    assert package.status == Package.Status.READY
    assert ran == [False]  # run once, by the worker, not in-process
