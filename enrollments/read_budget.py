"""Each remote provider's read budget, shared by every attempt and every process through the
cache (Redis in production), so the LMS never reads a provider faster than it allows
(AllureConnect documents limits as low as 20 reads a minute per tenant).

* **The budget** is ``settings.SCORM_READ_BUDGETS[identifier]`` reads (``"default"`` for a
  provider not named there; 0: no limit) in any ``SCORM_READ_BUDGET_WINDOW_SECONDS``. Reads are
  counted in 12 slots per window; a read is allowed when the current slot and the 12 before it
  (which cover any window ending now) hold no more than the budget. Counting is atomic with
  ``cache.add`` and ``cache.incr`` alone, so it holds on Redis across processes and on the
  in-process default: a read increments first and looks second, and a refused one gives its
  count back, so the k-th read allowed in a window always saw at least k counted.
* **Notifications first.** A notification (webhook, postback) or an instructor's explicit
  refresh may use the whole budget; refreshes (polls, background settling) stop short of
  ``SCORM_READ_NOTIFICATION_RESERVE`` of it, which stays for notifications.
* **Refreshes are fair.** An attempt may refresh once per turn: at least
  ``SCORM_REFRESH_MIN_INTERVAL_SECONDS``, and longer when more attempts ask than the refresh
  share can serve (the window times the attempts seen asking, divided by the share). Every
  attempt gets the same turn, so one learner's panels cannot starve the others.

No provider is named here: budgets are looked up by identifier.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.core.cache import cache

from core.shared_cache import RETRY_SECONDS, cache_call
from providers.exceptions import ProviderRateLimited

SLOTS = 12
DEFAULT_BUDGET = 60


class ReadKind(StrEnum):
    NOTIFICATION = "notification"  # a provider's hint or an explicit request: served first
    REFRESH = "refresh"  # polls and settling: what the reserve leaves, in fair turns


@dataclass(frozen=True)
class Grant:
    granted: bool
    retry_after: float = 0.0  # seconds until asking again may succeed


class ReadBudgetExhausted(ProviderRateLimited):
    """Our own budget for the provider is used up for now (nothing was asked of it)."""

    default_message = "The course player service's read budget is used up. Try again shortly."
    learner_text = ProviderRateLimited.learner_text

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"{self.default_message} (retry in {math.ceil(retry_after)} s)")


def _now() -> float:
    return time.time()


def budget_for(provider: str) -> int:
    """Reads allowed per window for ``provider`` (0: unlimited)."""
    budgets = settings.SCORM_READ_BUDGETS
    return int(budgets.get(provider, budgets.get("default", DEFAULT_BUDGET)))


def refresh_share(budget: int) -> int:
    """The part of ``budget`` refreshes may use: the rest is kept for notifications."""
    reserved = math.ceil(budget * settings.SCORM_READ_NOTIFICATION_RESERVE)
    return max(1, budget - reserved)


def _window() -> float:
    return float(settings.SCORM_READ_BUDGET_WINDOW_SECONDS)


def _key(provider: str, *parts: object) -> str:
    return ":".join(("read-budget", provider, *map(str, parts)))


def _incr(key: str, timeout: float) -> int:
    cache.add(key, 0, timeout=math.ceil(timeout))
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 0, timeout=math.ceil(timeout))
        return cache.incr(key)


def _take(provider: str, now: float, cap: int) -> Grant:
    """Count one read against the provider's window unless that would exceed ``cap``."""
    slot_seconds = _window() / SLOTS
    slot = int(now // slot_seconds)
    key = _key(provider, "slot", slot)
    count = _incr(key, _window() + 2 * slot_seconds)
    earlier = [_key(provider, "slot", slot - back) for back in range(SLOTS, 0, -1)]
    counts = cache.get_many(earlier)
    if count + sum(counts.values()) <= cap:
        return Grant(True)
    cache.decr(key)
    # Room comes back when the oldest counted slot leaves the window.
    oldest = next(
        (slot - SLOTS + index for index, name in enumerate(earlier) if counts.get(name)), slot
    )
    return Grant(False, max(slot_seconds, (oldest + SLOTS + 1) * slot_seconds - now))


def _turn(provider: str, attempt_id: str, now: float, share: int) -> Grant:
    """Whether it is this attempt's turn to refresh, and if so take it."""
    window = _window()
    turn_key = _key(provider, "turn", attempt_id)
    period = int(now // window)
    seen_key = _key(provider, "seen", period, attempt_id)
    found = cache.get_many([turn_key, seen_key])
    if seen_key not in found and cache.add(seen_key, 1, timeout=math.ceil(2 * window)):
        _incr(_key(provider, "asking", period), 2 * window)
    if turn_key in found:
        return Grant(False, max(0.0, found[turn_key] - now))
    asking = cache.get_many([_key(provider, "asking", p) for p in (period, period - 1)])
    attempts = max(asking.values(), default=1)
    interval = max(settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS, window * attempts / share)
    if not cache.add(turn_key, now + interval, timeout=math.ceil(interval)):
        return Grant(False, settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS)  # another poll took it
    return Grant(True)


def read_acquire(*, provider: str, attempt_id: str, kind: ReadKind) -> Grant:
    """Ask for one read of ``attempt_id``'s result from ``provider``; a granted read is
    counted, so make it. While the cache is down no read can be counted, so none is granted:
    the provider's limits hold, and the stored result is shown meanwhile."""
    refused = Grant(False, RETRY_SECONDS)
    return cache_call("read budget", lambda: _acquire(provider, attempt_id, kind), refused)


def _acquire(provider: str, attempt_id: str, kind: ReadKind) -> Grant:
    now = _now()
    budget = budget_for(provider)
    if kind is ReadKind.REFRESH:
        share = refresh_share(budget) if budget else 0
        turn = _turn(provider, attempt_id, now, share or 10**9)
        if not turn.granted or not budget:
            return turn
        return _take(provider, now, share)
    grant = _take(provider, now, budget) if budget else Grant(True)
    if grant.granted:
        # A fresh result is coming: this attempt's polls need not read again for a while.
        interval = settings.SCORM_REFRESH_MIN_INTERVAL_SECONDS
        cache.set(_key(provider, "turn", attempt_id), now + interval, timeout=math.ceil(interval))
    return grant
