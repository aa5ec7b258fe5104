"""Reading providers' JSON at the boundary, shared by the remote clients.

A field of the wrong type reads as missing; a document that is not what a client needs
raises :class:`MalformedResponse`, which the client turns into a provider error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from django.utils.dateparse import parse_datetime


class MalformedResponse(ValueError):
    """A provider's JSON document lacks what we need, or has the wrong types."""


def path_segment(value: object) -> str:
    """One URL path segment: an id is opaque and may never add a path level."""
    return quote(str(value), safe="")


def json_object(data: object, what: str, *, service: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise MalformedResponse(f"{service} sent a {what} that is not a JSON object.")
    return data


def text_field(data: Mapping[str, Any], key: str) -> str:
    """A string field (a number is read as its digits)."""
    value = data.get(key)
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else ""


def int_field(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def datetime_field(
    data: Mapping[str, Any], key: str, *, service: str, strict: bool = False
) -> datetime | None:
    """An ISO-8601 field; a naive one is read as UTC. An unreadable one is missing, or with
    ``strict`` an error."""
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, e.g. month 13
        parsed = None
    if parsed is None:
        if strict:
            raise MalformedResponse(f"{service} sent an unreadable {key!r} timestamp.")
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
