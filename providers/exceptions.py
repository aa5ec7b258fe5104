"""The one exception family that crosses the provider interface.

``message`` is for staff and logs: it may carry the provider's own words (never credentials,
tokens or launch URLs). ``learner_message`` is what a learner is shown: our own wording
wherever the cause lies with the service or its set-up, not with the learner.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base class: something a provider could not do."""

    default_message = "The course player service could not complete the request."
    #: Shown to learners instead of ``message``; None where ``message`` is our own wording.
    learner_text: str | None = None

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    @property
    def learner_message(self) -> str:
        return self.learner_text or self.message


_TELL_ADMIN = "Please try again later; if it keeps happening, tell your administrator."


class ProviderNotConfigured(ProviderError):
    default_message = "This course's player service is not configured."
    learner_text = f"This course's player service is not available right now. {_TELL_ADMIN}"


class ProviderConnectionError(ProviderError):
    """Network failure or timeout: nothing was heard back."""

    default_message = "The course player service could not be reached. Please try again shortly."


class ProviderAPIError(ProviderError):
    """The provider answered with an error status."""

    learner_text = f"The course player service refused to start this course. {_TELL_ADMIN}"

    def __init__(
        self, message: str | None = None, *, status: int | None = None, code: str = ""
    ) -> None:
        self.status = status
        self.code = code
        super().__init__(message)

    def __str__(self) -> str:
        detail = f" [{self.code}]" if self.code else ""
        return f"{self.message} (HTTP {self.status}{detail})" if self.status else self.message


class ProviderAuthError(ProviderAPIError):
    default_message = "The course player service rejected our credentials."
    learner_text = ProviderNotConfigured.learner_text


class ProviderNotFound(ProviderAPIError):
    default_message = "The course player service does not know this item."


class ProviderConflict(ProviderAPIError):
    default_message = "The course player service reported a conflicting change."


class ProviderRateLimited(ProviderAPIError):
    default_message = "The course player service is busy. Please try again shortly."
    learner_text = default_message


class ProviderServerError(ProviderAPIError):
    default_message = "The course player service had an internal error. Please try again shortly."
    learner_text = default_message


class LaunchUnavailable(ProviderError):
    """The attempt cannot be launched (package not ready, remote course missing...)."""

    default_message = "This course cannot be played right now."


class NotificationRefused(Exception):
    """A notification (postback, webhook) that is not genuine or not readable. ``status`` is the
    HTTP status to answer with; nothing is stored."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(reason)
