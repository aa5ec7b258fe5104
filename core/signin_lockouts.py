"""A logged event when django-axes refuses sign-ins (the throttling itself is axes' job)."""

from __future__ import annotations

import logging
from typing import Any

from axes.signals import user_locked_out
from django.dispatch import receiver

log = logging.getLogger("lms.security")


@receiver(user_locked_out, dispatch_uid="core.signin_lockouts.log_lockout")
def log_lockout(
    sender: Any,
    request: Any = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    # The username and address only: never the password that was tried.
    log.warning(
        "Sign-in locked out for %r from %s after repeated failures",
        username,
        ip_address,
        extra={"event": "signin.locked_out", "username": username, "ip_address": ip_address},
    )
