"""Background work for packages: the import into the course's provider."""

from __future__ import annotations

import time

from celery import shared_task
from django.conf import settings

from .models import Package

# Remote imports (SCORM Cloud jobs, AllureConnect processing) can take minutes.
POLL_FIRST_DELAY = 2.0
POLL_MAX_DELAY = 60.0
POLL_MAX_CHECKS = 60


def _check_later(package_id: int, check: int) -> None:
    delay = min(POLL_MAX_DELAY, POLL_FIRST_DELAY * 2**check)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # No broker (the embedded default): wait in-process rather than spin.
        time.sleep(delay)
        package_import_poll(package_id, check)
    else:
        package_import_poll.apply_async((package_id, check), countdown=delay)


@shared_task(ignore_result=True)
def package_import(package_id: int) -> None:
    from .services import package_import_start

    package = Package.objects.select_related("course").filter(pk=package_id).first()
    if package is None:
        return
    if not package_import_start(package=package).finished:
        _check_later(package_id, 0)


@shared_task(ignore_result=True)
def package_import_poll(package_id: int, check: int = 0) -> None:
    from .services import package_import_check, package_import_timed_out

    package = Package.objects.select_related("course").filter(pk=package_id).first()
    if package is None or package.status != Package.Status.PROCESSING:
        return
    if package_import_check(package=package).finished:
        return
    if check + 1 >= POLL_MAX_CHECKS:
        package_import_timed_out(package=package)
    else:
        _check_later(package_id, check + 1)
