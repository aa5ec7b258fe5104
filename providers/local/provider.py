"""The embedded default: the LMS unpacks, serves and tracks packages itself.

The provider only mints launch tokens; the player pages, the content and the run-time commits
are served by the ``playback`` app, which stores what the browser's run-time reports.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..base import ScormProvider
from ..types import AttemptRef, ImportResult, ImportState, Launch, LaunchContext, PackageRef
from .tokens import launch_token_create


class LocalProvider(ScormProvider):
    identifier = "local"
    verbose_name = "Local player (embedded)"
    remote = False
    hosts_content = True
    # The final commit travels by navigator.sendBeacon and may land just after the exit page.
    exit_settle_seconds = 5

    def import_package(self, package: PackageRef) -> ImportResult:
        return ImportResult(state=ImportState.READY)  # the LMS unpacked it: nothing to send

    def import_status(self, package: PackageRef) -> ImportResult:
        return ImportResult(state=ImportState.READY)

    def launch(self, attempt: AttemptRef, context: LaunchContext) -> Launch:
        token = launch_token_create(
            attempt_id=attempt.id,
            learner_id=attempt.learner.id,
            launch=attempt.launch_number,
            exit_url=context.exit_url,
            review=attempt.review,
        )
        return Launch(
            url=f"{context.player_url}{token}/",
            expires_at=timezone.now() + timedelta(seconds=settings.SCORM_LAUNCH_TOKEN_MAX_AGE),
            registered=True,
        )
