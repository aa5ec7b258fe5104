"""Reading providers' JSON at the boundary, shared by the remote clients.

A field of the wrong type reads as missing; a document that is not what a client needs
raises :class:`MalformedResponse`, which the client turns into a provider error.
"""

from __future__ import annotations

import json
import re
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


#: JSON from outside (provider notifications, the browser's commits) nests a few levels; a
#: deeper document is refused before it is parsed (json would recurse once per level).
MAX_JSON_DEPTH = 32
# A string, its loop unrolled (a run of plain bytes, then an escape and another run): five
# times faster than an alternation per byte over a commit's 64 KB of suspend_data.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")


def json_depth(body: bytes) -> int:
    """How deep a JSON document's arrays and objects nest, counted without parsing it (two
    regular-expression passes in C: strings dropped, then everything but brackets)."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", body))
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def load_json(body: bytes | str, *, what: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse untrusted JSON, refusing with :class:`MalformedResponse` a document that is not
    JSON, nests deeper than ``max_depth`` or holds NaN or Infinity (not JSON, but Python's
    parser accepts them)."""
    raw = body.encode() if isinstance(body, str) else body
    # Each level opens a bracket: a document with few (a commit, whatever its suspend data) is
    # not counted exactly (two counts in C cost a tenth of json_depth's passes over 64 KB).
    opening = raw.count(b"[") + raw.count(b"{")
    if opening > max_depth and json_depth(raw) > max_depth:
        raise MalformedResponse(f"The {what} nests deeper than {max_depth} levels.")
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as err:  # JSONDecodeError and UnicodeDecodeError too
        raise MalformedResponse(f"The {what} is not valid JSON.") from err


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
