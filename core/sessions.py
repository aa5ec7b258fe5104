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
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

from .shared_cache import cache_call

#: How long the cache keeps a session read or written (at most its own expiry).
CACHED_SECONDS = 15 * 60


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        key = self.cache_key
        data = cache_call("session read", lambda: self._cache.get(key), None)
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        age = min(self.get_expiry_age(expiry=stored.expire_date), CACHED_SECONDS)
        cache_call("session write", lambda: self._cache.set(key, data, age), None)
        return data

    def exists(self, session_key: str) -> bool:
        key = self.cache_key_prefix + (session_key or "")
        if session_key and cache_call("session read", lambda: key in self._cache, False):
            return True
        return DBStore.exists(self, session_key)

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)
        key, data, age = self.cache_key, self._session, min(self.get_expiry_age(), CACHED_SECONDS)
        cache_call("session write", lambda: self._cache.set(key, data, age), None)

    def delete(self, session_key: str | None = None) -> None:
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is not None:
            key = self.cache_key_prefix + session_key
            cache_call("session delete", lambda: self._cache.delete(key), None)
