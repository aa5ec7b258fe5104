"""The embedded default: the LMS unpacks, serves and tracks packages itself.

The provider only mints launch tokens; the launcher page and the package's files are served on
the content origin, and the session and commits by the ``playback`` app, which stores what the
browser's run-time reports.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from ..base import ScormProvider
from ..exceptions import ProviderNotConfigured
from ..types import (
    AttemptRef,
    ImportResult,
    ImportState,
    Launch,
    LaunchContext,
    LearnerRef,
    PackageRef,
)
from .tokens import launch_token_create, preview_token_create


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
        return self._launcher(context, token)

    def preview(self, package: PackageRef, viewer: LearnerRef, context: LaunchContext) -> Launch:
        token = preview_token_create(
            package_id=package.id, viewer_id=viewer.id, exit_url=context.exit_url
        )
        return self._launcher(context, token)

    @staticmethod
    def _launcher(context: LaunchContext, token: str) -> Launch:
        """The launcher page on the content origin, with the launch token in the URL's
        fragment: browsers never send a fragment to a server, so it reaches no log."""
        if not context.player_url:
            raise ProviderNotConfigured(
                "Package content has no origin of its own: set SCORM_CONTENT_ORIGIN."
            )
        return Launch(
            url=f"{context.player_url}#{token}",
            expires_at=timezone.now() + timedelta(seconds=settings.SCORM_LAUNCH_TOKEN_MAX_AGE),
            registered=True,
        )
