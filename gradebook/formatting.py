"""Cell formatting shared by the pages and the CSV exports, so that both say the same."""

from __future__ import annotations

from datetime import datetime, tzinfo

from django.utils import timezone


def format_percent(scaled: float | None) -> str:
    """A 0..1 score as a percentage with one decimal ("85.0"); empty when there is none."""
    return "" if scaled is None else f"{scaled * 100:.1f}"


def format_seconds(seconds: float | None) -> str:
    """Seconds as h:mm:ss ("1:02:03"); hours are not wrapped into days."""
    if seconds is None:
        return ""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


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
