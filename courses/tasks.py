"""Background work for packages: the import into the course's provider."""

from __future__ import annotations

from celery import shared_task

from core.background import run_later

from .models import Package
from .services import package_import_check, package_import_start

# Remote imports (SCORM Cloud jobs, AllureConnect processing) can take minutes.
POLL_FIRST_DELAY = 2.0
POLL_MAX_DELAY = 60.0


def _check_later(package_id: int, check: int) -> None:
    """On the worker, check again with backoff; without one, the package's admin pages
    advance it (``package_import_advance``) and nothing sleeps in a request."""
    delay = min(POLL_MAX_DELAY, POLL_FIRST_DELAY * 2**check)
    run_later(package_import_poll, package_id, check, countdown=delay)


@shared_task(ignore_result=True)
def package_import(package_id: int) -> None:
    package = Package.objects.select_related("course").filter(pk=package_id).first()
    if package is None:
        return
    if not package_import_start(package=package).finished:
        _check_later(package_id, 0)


@shared_task(ignore_result=True)
def package_import_poll(package_id: int, check: int = 0) -> None:
    package = Package.objects.select_related("course").filter(pk=package_id).first()
    if package is None or package.status != Package.Status.PROCESSING:
        return
    if not package_import_check(package=package).finished:
        _check_later(package_id, check + 1)
