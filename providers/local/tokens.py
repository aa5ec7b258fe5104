"""Signed, expiring launch tokens for the local player (Django's signing).

A token binds one launch of one attempt to its learner; it authorises that launch's session
(the run-time's configuration and each activity's data) and its commits, and nothing else. It
travels in a URL fragment and in request bodies, never in a path or query that reaches a log.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "lms.scorm.local.launch"  # kept: tokens already issued stay valid


class InvalidLaunchToken(Exception):
    """Forged, tampered with or expired."""


@dataclass(frozen=True)
class LaunchClaims:
    """An attempt's launch, or (``preview_package`` set, no attempt) a staff preview."""

    attempt_id: str
    learner_id: str
    launch: int
    exit_url: str
    review: bool = False
    preview_package: int | None = None

    @property
    def records(self) -> bool:
        """Whether this launch's commits are stored (not in review, not a preview)."""
        return not (self.review or self.preview_package)


def launch_token_create(
    *, attempt_id: str, learner_id: str, launch: int, exit_url: str, review: bool
) -> str:
    payload = {"a": attempt_id, "l": learner_id, "n": launch, "x": exit_url, "r": int(review)}
    return signing.dumps(payload, salt=SALT, compress=True)


def preview_token_create(*, package_id: int, viewer_id: str, exit_url: str) -> str:
    """A token that plays one package for staff: it names no attempt, so nothing it does is
    stored anywhere."""
    payload = {"a": "", "p": package_id, "l": viewer_id, "n": 1, "x": exit_url, "r": 0}
    return signing.dumps(payload, salt=SALT, compress=True)


#: Tokens are a few hundred characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 4096


def launch_token_read(token: str) -> LaunchClaims:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLaunchToken("Not a launch token.")
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.SCORM_LAUNCH_TOKEN_MAX_AGE)
    except signing.BadSignature as err:  # SignatureExpired is a BadSignature
        raise InvalidLaunchToken(str(err)) from err
    try:
        return LaunchClaims(
            attempt_id=str(data["a"]),
            learner_id=str(data["l"]),
            launch=int(data["n"]),
            exit_url=str(data["x"]),
            review=bool(data.get("r")),
            preview_package=int(data["p"]) if data.get("p") is not None else None,
        )
    except (KeyError, TypeError, ValueError) as err:
        raise InvalidLaunchToken("Malformed launch token.") from err
