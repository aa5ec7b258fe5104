"""The shared cache (Redis in production) only spares work, so its failure fails no request:
while it cannot be reached, what reads it reads the database instead and what writes it
writes nothing, and every page keeps working, slower.

After a failure the cache is left alone for ``RETRY_SECONDS`` in this process: a cache that
does not answer costs each call its client's timeout, which would otherwise be every
request's. The failure is logged once per such period, its type only (a cache's error may
quote its address, password included).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

#: What a failing cache raises: Django's Redis cache lets redis-py's errors out (a refused
#: connection, a timeout, an error reply are all ``RedisError``s).
CACHE_ERRORS: tuple[type[Exception], ...] = (redis_errors.RedisError,)
#: How long the cache is left alone after a failure.
RETRY_SECONDS = 5.0
#: Every call to Redis through :func:`redis_client` waits at most this long (a cache that does
#: not answer is an error); Django's own client is given the same in the settings.
TIMEOUT_SECONDS = 2
_DJANGO_REDIS = "django.core.cache.backends.redis.RedisCache"

_state = threading.Lock()
_down_until = 0.0

T = TypeVar("T")


def cache_reachable() -> bool:
    """Whether to use the cache now (no failure in the last ``RETRY_SECONDS``)."""
    return time.monotonic() >= _down_until


def cache_failed(error: Exception, what: str) -> None:
    """Record that the cache failed doing ``what``: it is left alone for a while."""
    global _down_until
    with _state:
        first = cache_reachable()
        _down_until = time.monotonic() + RETRY_SECONDS
    if first:
        logger.warning(
            "The shared cache failed (%s: %s); the database answers without it for %d s.",
            what,
            type(error).__name__,
            RETRY_SECONDS,
        )


def cache_call(what: str, call: Callable[[], T], default: T) -> T:
    """``call()``, or ``default`` when the cache is known to be down or fails now."""
    if not cache_reachable():
        return default
    try:
        return call()
    except CACHE_ERRORS as error:
        cache_failed(error, what)
        return default


def cache_reset() -> None:
    """Forget any failure (tests)."""
    global _down_until
    _down_until = 0.0


def redis_client() -> Any | None:
    """One Redis client per process for the shared cache's Redis, or None when the cache is not
    Redis (use Django's cache API then). Django's cache client builds a new one for every call
    (about 60 µs, and 100 more of key checks): the hot paths (every page's session, a progress
    poll's fragment, a commit's versions) read and write through this one."""
    config = settings.CACHES["default"]
    if config["BACKEND"] != _DJANGO_REDIS:
        return None
    location = config["LOCATION"]
    return _client(location if isinstance(location, str) else location[0])


@functools.cache
def _client(location: str) -> Any:
    import redis

    return redis.Redis.from_url(
        location, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
    )
