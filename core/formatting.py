"""The display formats, shared by every page and every export so that both say the same.

Scores arrive 0..1 everywhere in the LMS; they are shown as percentages. Durations are
seconds. Anything stored that no format can show (an absurd duration written before the
run-time refused such values) is shown as a dash rather than crashing the page.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo

from django.utils import timezone

#: Longer than any real attempt: a value above it is shown as unknown, not computed on.
MAX_DISPLAY_SECONDS = 10 * 365 * 24 * 3600
#: Scores are 0..1 (SCORM 2004's scaled score may be -1..1): beyond this one is garbage.
MAX_SCORE_MAGNITUDE = 1e6


def format_percent(scaled: float | None, *, sign: bool = False) -> str:
    """A 0..1 score as a percentage with at most one decimal ("85", "66.7"); with ``sign`` a
    percent sign is added ("85%"). Empty when there is none."""
    if scaled is None or not math.isfinite(scaled) or abs(scaled) > MAX_SCORE_MAGNITUDE:
        return ""
    text = f"{scaled * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%" if sign else text


def format_seconds(seconds: float | None) -> str:
    """Seconds as h:mm:ss ("1:02:03"); hours are not wrapped into days."""
    if seconds is None or not math.isfinite(seconds) or abs(seconds) > MAX_DISPLAY_SECONDS:
        return ""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def format_whole_seconds(seconds: float | None) -> str:
    """Seconds as a whole number ("3661"), for data exports; empty when there is no sane value."""
    if seconds is None or not math.isfinite(seconds) or abs(seconds) > MAX_DISPLAY_SECONDS:
        return ""
    return str(max(0, round(seconds)))


# Exports pass ``tz`` once for all their rows: looking the current time zone up per cell
# costs more than the formatting.


def format_timestamp(value: datetime | None, *, tz: tzinfo | None = None) -> str:
    """A timestamp in the site's time zone, to the minute."""
    if value is None:
        return ""
    return timezone.localtime(value, tz or timezone.get_current_timezone()).strftime(
        "%Y-%m-%d %H:%M"
    )


def format_iso(value: datetime | None, *, tz: tzinfo | None = None) -> str:
    """A full ISO 8601 timestamp with its offset, for data exports."""
    if value is None:
        return ""
    return timezone.localtime(value, tz or timezone.get_current_timezone()).isoformat(
        timespec="seconds"
    )
