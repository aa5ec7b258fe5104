"""The one exception family that crosses the provider interface.

Messages are safe to show to users: they never contain credentials, tokens or launch URLs.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base class: something a provider could not do."""

    default_message = "The course player service could not complete the request."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class ProviderNotConfigured(ProviderError):
    default_message = "This course's player service is not configured."


class ProviderConnectionError(ProviderError):
    """Network failure or timeout: nothing was heard back."""

    default_message = "The course player service could not be reached. Please try again shortly."


class ProviderAPIError(ProviderError):
    """The provider answered with an error status."""

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


class ProviderNotFound(ProviderAPIError):
    default_message = "The course player service does not know this item."


class ProviderConflict(ProviderAPIError):
    default_message = "The course player service reported a conflicting change."


class ProviderRateLimited(ProviderAPIError):
    default_message = "The course player service is busy. Please try again shortly."


class ProviderServerError(ProviderAPIError):
    default_message = "The course player service had an internal error. Please try again shortly."


class LaunchUnavailable(ProviderError):
    """The attempt cannot be launched (package not ready, remote course missing...)."""

    default_message = "This course cannot be played right now."
