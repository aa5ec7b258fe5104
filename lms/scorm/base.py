"""The provider interface (in the spirit of pretix's BasePaymentProvider and Django's
EMAIL_BACKEND): one class per provider, registered by dotted path in ``SCORM_PROVIDERS``."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from django.urls import URLPattern

from .types import ConnectionCheck, ImportResult, Launch, Progress

if TYPE_CHECKING:
    from courses.models import Package
    from enrollments.models import Attempt


class ScormProvider:
    """Plays SCORM packages for the LMS.

    Required members raise ``NotImplementedError``; optional hooks have safe defaults.
    Methods raise only :class:`~lms.scorm.exceptions.ProviderError` and its subclasses.
    """

    identifier: ClassVar[str]
    verbose_name: ClassVar[str]
    #: Seconds after an exit during which a remote result may still be stale (the settle window).
    results_lag_seconds: ClassVar[int] = 0
    #: Whether ``fetch_progress`` asks a remote service (and is therefore rate-limited).
    remote: ClassVar[bool] = True

    def import_package(self, package: Package) -> ImportResult:
        """Hand a package that passed the intake to the provider; may finish later."""
        raise NotImplementedError

    def import_status(self, package: Package) -> ImportResult:
        """Where a started import stands; called by the background import task until finished."""
        return ImportResult(
            state=package.status, remote_id=package.remote_id, message=package.error
        )

    def launch(self, attempt: Attempt, *, exit_url: str) -> Launch:
        """Mint a launch URL for the attempt, creating it at the provider on first use.

        ``exit_url`` is the absolute URL the player should go to when the learner leaves.
        """
        raise NotImplementedError

    def fetch_progress(self, attempt: Attempt) -> Progress:
        """Read the attempt's current result from the provider."""
        raise NotImplementedError

    def check_connection(self) -> ConnectionCheck:
        """A cheap authenticated call, for the admin's connection check."""
        return ConnectionCheck(ok=True, message=f"{self.verbose_name} needs no connection.")

    def get_urls(self) -> list[URLPattern]:
        """Routes the provider owns (players, postback or webhook receivers), mounted under
        ``/scorm/<identifier>/``."""
        return []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.identifier!r}>"
