"""The embedded default: the LMS unpacks, serves and tracks packages itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base import ScormProvider
from ..types import ImportResult, ImportState, Launch, Progress

if TYPE_CHECKING:
    from courses.models import Package
    from enrollments.models import Attempt


class LocalProvider(ScormProvider):
    identifier = "local"
    verbose_name = "Local player (embedded)"
    remote = False

    def import_package(self, package: Package) -> ImportResult:
        from courses.intake import extract_package

        extract_package(package)
        return ImportResult(state=ImportState.READY)

    def launch(self, attempt: Attempt, *, exit_url: str) -> Launch:
        raise NotImplementedError  # the local player arrives with the learner journey

    def fetch_progress(self, attempt: Attempt) -> Progress:
        raise NotImplementedError
