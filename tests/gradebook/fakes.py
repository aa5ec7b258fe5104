"""A remote provider whose answers a test sets, for the refresh view."""

from __future__ import annotations

from typing import ClassVar

from lms.scorm.base import ScormProvider
from lms.scorm.types import Progress


class FakeRemoteProvider(ScormProvider):
    identifier = "fake_remote"
    verbose_name = "Fake remote service"
    remote = True

    #: What fetch_progress returns, or raises when it is an exception.
    answer: ClassVar[Progress | Exception] = Progress()
    calls: ClassVar[list[str]] = []

    def fetch_progress(self, attempt) -> Progress:
        type(self).calls.append(str(attempt.pk))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer
