"""System checks of the settings the attempt services rely on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def settle_window_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The score may follow a completion: the window that waits for it must outlast the
    interval between reads, or no read happens inside it and the score is lost."""
    window = settings.SCORM_COMPLETION_SETTLE_SECONDS
    interval = settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS
    errors = []
    if window <= interval:
        errors.append(
            Error(
                f"SCORM_COMPLETION_SETTLE_SECONDS ({window}) must be longer than "
                f"SCORM_REFRESH_MIN_INTERVAL_SECONDS ({interval}): a score that follows a "
                "completion would never be read.",
                hint="Use a settle window of at least twice the refresh interval.",
                id="enrollments.E001",
            )
        )
    if not 0 <= settings.SCORM_READ_NOTIFICATION_RESERVE < 1:
        errors.append(
            Error(
                "SCORM_READ_NOTIFICATION_RESERVE must be a fraction in [0, 1).",
                id="enrollments.E002",
            )
        )
    bad = {k: v for k, v in settings.SCORM_READ_BUDGETS.items() if not isinstance(v, int) or v < 0}
    if bad:
        errors.append(
            Error(
                f"SCORM_READ_BUDGETS must map provider identifiers to reads per window (>= 0): {bad}",
                id="enrollments.E003",
            )
        )
    return errors
