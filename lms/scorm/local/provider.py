"""The embedded default: the LMS unpacks, serves and tracks packages itself."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from ..base import ScormProvider
from ..types import ImportResult, ImportState, Launch, Progress
from .tokens import launch_token_create

if TYPE_CHECKING:
    from courses.models import Package
    from enrollments.models import Attempt


class LocalProvider(ScormProvider):
    identifier = "local"
    verbose_name = "Local player (embedded)"
    remote = False
    # The final commit travels by navigator.sendBeacon and may land just after the exit page.
    results_lag_seconds = 5

    def import_package(self, package: Package) -> ImportResult:
        from courses.intake import extract_package

        extract_package(package)
        return ImportResult(state=ImportState.READY)

    def launch(self, attempt: Attempt, *, exit_url: str) -> Launch:
        from enrollments.models import Attempt

        Attempt.objects.filter(pk=attempt.pk).update(launch_count=F("launch_count") + 1)
        attempt.refresh_from_db(fields=["launch_count"])
        if attempt.registered_at is None:
            attempt.registered_at = timezone.now()
            attempt.save(update_fields=["registered_at"])
        token = launch_token_create(
            attempt_id=str(attempt.pk),
            learner_id=attempt.enrollment.learner.external_id,
            launch=attempt.launch_count,
            exit_url=exit_url,
            review=not attempt.is_open,
        )
        return Launch(
            url=reverse("local:player", kwargs={"token": token}),
            expires_at=timezone.now() + timedelta(seconds=settings.SCORM_LAUNCH_TOKEN_MAX_AGE),
        )

    def fetch_progress(self, attempt: Attempt) -> Progress:
        from .runtime import runtime_progress

        return runtime_progress(attempt)

    def get_urls(self) -> list[URLPattern]:
        from . import views

        return [
            path("launch/<str:token>/", views.player, name="player"),
            path("commit/", views.commit, name="commit"),
            path("content/<uuid:attempt_id>/<path:path>", views.content, name="content"),
        ]
