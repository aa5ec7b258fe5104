"""Sessions read from the shared cache and kept in the database, as Django's ``cached_db``,
that keep working while the cache is down (see :mod:`core.shared_cache`).

Django's own store lets some of the cache's errors out: a session read from the database is
written back to the cache unguarded, and so is a deleted one's removal, so with Redis down
every signed-in page, signing in and signing out answered 500. Here every cache call goes
through :func:`~core.shared_cache.cache_call`; the database, written first as in Django's,
stays the truth. A session deleted while the cache is down (signing out) may be read back
from a cache that returns with its old data, as after restoring a copy of the cache (and as
Django accepts for a session saved while its cache fails): so the cache keeps a session for
``CACHED_SECONDS`` at most, not for the session's life (two weeks), and reads it again from
the database then.

Every page reads its session, so on Redis the store talks to the process's one client
(:func:`~core.shared_cache.redis_client`) rather than through Django's cache, which builds a
client per call; and a view may have other keys read in the session's round trip
(:meth:`SessionStore.read_along`): a progress poll's fragment, which then costs the poll no
round trip of its own.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

from .shared_cache import cache_call, redis_client

#: How long the cache keeps a session read or written (at most its own expiry).
CACHED_SECONDS = 15 * 60


class SessionStore(cached_db.SessionStore):
    _along: Sequence[str] = ()
    _along_values: dict[str, bytes | None] | None = None

    def read_along(self, keys: Sequence[str]) -> bool:
        """Have the shared cache's raw ``keys`` read with the session, in its round trip: their
        values are then :meth:`read_along_values`. Only on Redis, and only before the session
        is read; returns whether they will be."""
        if redis_client() is None or self.accessed or self.session_key is None:
            return False
        self._along = tuple(keys)
        return True

    def read_along_values(self) -> dict[str, bytes | None] | None:
        """The raw values of the keys asked for by :meth:`read_along` (None for a missing
        key), or None when they were not read (the cache down, the session not read)."""
        return self._along_values

    def load(self) -> dict[str, Any]:
        key = self.cache_key
        data = self._cache_get(key)
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._cache_set(
            key, data, min(self.get_expiry_age(expiry=stored.expire_date), CACHED_SECONDS)
        )
        return data

    def exists(self, session_key: str) -> bool:
        if session_key and self._cache_has(self.cache_key_prefix + session_key):
            return True
        return DBStore.exists(self, session_key)

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)
        self._cache_set(self.cache_key, self._session, min(self.get_expiry_age(), CACHED_SECONDS))

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is not None:
            self._cache_delete(self.cache_key_prefix + session_key)

    # Django's async variants go through the cache API, in its own format: the same as above.
    async def aload(self) -> dict[str, Any]:
        return await sync_to_async(self.load)()

    async def aexists(self, session_key: str) -> bool:
        return await sync_to_async(self.exists)(session_key)

    async def asave(self, must_create: bool = False) -> None:
        await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key: str | None = None) -> None:
        await sync_to_async(self.delete)(session_key)

    # The cache: the process's Redis client on Redis (our own keys and pickles), else Django's.

    def _cache_get(self, key: str) -> dict[str, Any] | None:
        client = redis_client()
        if client is None:
            return cache_call("session read", lambda: self._cache.get(key), None)
        keys = [key, *self._along]
        values = cache_call("session read", lambda: client.mget(keys), None)
        if values is None:
            return None
        if self._along:
            self._along_values = dict(zip(keys[1:], values[1:], strict=True))
        # Our own values, pickled as Django's cache pickles its own.
        return pickle.loads(values[0]) if values[0] else None  # noqa: S301

    def _cache_set(self, key: str, data: dict[str, Any], seconds: int) -> None:
        client = redis_client()
        if client is None:
            cache_call("session write", lambda: self._cache.set(key, data, seconds), None)
        else:
            raw = pickle.dumps(data, pickle.HIGHEST_PROTOCOL)
            cache_call("session write", lambda: client.set(key, raw, ex=max(seconds, 1)), None)

    def _cache_has(self, key: str) -> bool:
        client = redis_client()
        if client is None:
            return cache_call("session read", lambda: key in self._cache, False)
        return cache_call("session read", lambda: bool(client.exists(key)), False)

    def _cache_delete(self, key: str) -> None:
        client = redis_client()
        if client is None:
            cache_call("session delete", lambda: self._cache.delete(key), None)
        else:
            cache_call("session delete", lambda: client.delete(key), None)
