"""Template filters that format cells exactly as the CSV exports do."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django import template

from gradebook.formatting import format_percent, format_seconds, format_timestamp

register = template.Library()


@register.filter
def percent(scaled: float | None) -> str:
    return format_percent(scaled)


@register.filter
def duration(seconds: float | None) -> str:
    return format_seconds(seconds)


@register.filter
def stamp(value: datetime | None) -> str:
    return format_timestamp(value)


@register.filter
def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
