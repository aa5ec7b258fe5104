"""The progress panel's rendered fragment in the cache, so that a poll with nothing new costs
no SQL and no rendering (see :mod:`enrollments.versioned_cache`).

Every write to the panel's inputs (a result, a launch, an exit) calls :func:`panel_changed`.
A fragment also expires when the panel would change on its own (a settle or exit window
closing) and after ``SCORM_PANEL_CACHE_SECONDS`` (it says how long ago the last change was);
that setting is 0 (nothing kept) unless the cache is shared by every process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .versioned_cache import (
    versioned_bump,
    versioned_get,
    versioned_put,
    versioned_read_with_session,
)


@dataclass(frozen=True)
class CachedPanel:
    """A rendered panel and what a poll decides from it without reading the database."""

    user_id: Any  # whose attempt it is: anyone else gets a 404
    html: str
    finished: bool
    refresh_provider: str  # the remote provider to ask for a refresh, or ""
    valid_until: float


def _name(attempt_id: Any) -> str:
    return f"panel:{attempt_id}"


def panel_read_with_session(*, attempt_id: Any, session: Any) -> None:
    """Have the panel read with the request's session, in its round trip (before anything
    reads the session: the poll's login check); :func:`panel_cached` then reads nothing."""
    if settings.SCORM_PANEL_CACHE_SECONDS:
        versioned_read_with_session(_name(attempt_id), session)


def panel_cached(*, attempt_id: Any, session: Any = None) -> tuple[str | None, CachedPanel | None]:
    """(the panel's current version, its fragment if one is valid), in one cache read, or
    none when it was read with ``session`` (:func:`panel_read_with_session`)."""
    if not settings.SCORM_PANEL_CACHE_SECONDS:
        return None, None
    version, entry = versioned_get(_name(attempt_id), session=session)
    if entry is not None and entry.valid_until > time.time():
        return version, entry
    return version, None


def panel_store(
    *,
    attempt_id: Any,
    version: str | None,
    user_id: Any,
    html: str,
    finished: bool,
    refresh_provider: str,
    valid_until: float,
) -> CachedPanel:
    """Keep a fragment rendered from data read under ``version`` (the one
    :func:`panel_cached` returned before the read)."""
    seconds = settings.SCORM_PANEL_CACHE_SECONDS
    entry = CachedPanel(
        user_id=user_id,
        html=html,
        finished=finished,
        refresh_provider=refresh_provider,
        valid_until=min(valid_until, time.time() + seconds),
    )
    if seconds:
        versioned_put(_name(attempt_id), version, entry, seconds=seconds)
    return entry


def panel_changed(*, attempt_id: Any) -> None:
    """The attempt's panel inputs change: no fragment rendered before is valid any more."""
    if settings.SCORM_PANEL_CACHE_SECONDS:
        versioned_bump(_name(attempt_id))
