"""Template filters over :mod:`core.formatting`, so pages print exactly what exports print."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

from core.formatting import format_percent, format_seconds, format_timestamp

register = template.Library()


@register.filter
def percent(scaled: float | None) -> str:
    """A 0..1 score as "85%"; an em dash when there is none."""
    return format_percent(scaled, sign=True) or "—"


@register.filter
def duration(seconds: float | None) -> str:
    return format_seconds(seconds)


@register.filter
def stamp(value: datetime | None) -> str:
    return format_timestamp(value)


@register.filter
def ago(value: datetime | None) -> str:
    """How long ago, to the minute ("just now", "3 minutes ago"): a cached panel fragment stays
    true for the minute it is kept."""
    if value is None:
        return "—"
    if (timezone.now() - value).total_seconds() < 60:
        return "just now"
    return f"{timesince(value)} ago"


@register.filter
def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
