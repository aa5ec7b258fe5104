"""Display helpers shared by the learner pages and the gradebook."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as h:mm:ss ("0:04:05"); empty for None."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


@register.filter
def percent(value: float | None) -> str:
    """A percentage already in 0..100 ("85%", "66.7%"); an em dash when unknown."""
    if value is None:
        return "—"
    return f"{value:.1f}".rstrip("0").rstrip(".") + "%"
