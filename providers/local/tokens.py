"""Signed, expiring launch tokens for the local player (Django's signing).

A token binds one launch of one attempt to its learner; it authorises the player page, the
content and the commits of that launch, and nothing else.
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
    attempt_id: str
    learner_id: str
    launch: int
    exit_url: str
    review: bool = False


def launch_token_create(
    *, attempt_id: str, learner_id: str, launch: int, exit_url: str, review: bool
) -> str:
    payload = {"a": attempt_id, "l": learner_id, "n": launch, "x": exit_url, "r": int(review)}
    return signing.dumps(payload, salt=SALT, compress=True)


def launch_token_read(token: str) -> LaunchClaims:
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
        )
    except (KeyError, TypeError, ValueError) as err:
        raise InvalidLaunchToken("Malformed launch token.") from err
