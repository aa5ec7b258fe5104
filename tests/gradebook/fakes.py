"""A remote provider whose answers a test sets, for the refresh view."""

from __future__ import annotations

from typing import ClassVar

from providers.base import ScormProvider
from providers.types import AttemptRef, Progress


class FakeRemoteProvider(ScormProvider):
    identifier = "fake_remote"
    verbose_name = "Fake remote service"
    remote = True

    #: What fetch_progress returns, or raises when it is an exception.
    answer: ClassVar[Progress | Exception] = Progress()
    calls: ClassVar[list[str]] = []

    def fetch_progress(self, attempt: AttemptRef, *, quick: bool = False) -> Progress:
        type(self).calls.append(attempt.id)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer
