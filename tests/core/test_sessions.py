"""Sessions on Redis (core.sessions): read and written through the process's one client, kept in
the cache minutes, not weeks, and a view's keys read in the session's own round trip. The
fallbacks while Redis is down: tests/ops/test_cache_down.py."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync

from core.sessions import CACHED_SECONDS, SessionStore
from core.shared_cache import redis_client

pytestmark = pytest.mark.django_db


def _saved(**data) -> SessionStore:
    store = SessionStore()
    store.update(data)
    store.save()
    return store


def test_on_redis_a_session_is_read_from_the_cache_alone(
    redis_cache, django_assert_num_queries, redis_round_trips
):
    key = _saved(seen=1).session_key
    redis_round_trips.clear()
    with django_assert_num_queries(0):
        assert SessionStore(key).load() == {"seen": 1}
    assert redis_round_trips == ["MGET"]


def test_on_redis_the_cache_keeps_a_session_minutes_not_weeks(redis_cache, settings):
    store = _saved(seen=1)
    client = redis_client()
    assert 0 < client.ttl(store.cache_key) <= CACHED_SECONDS < settings.SESSION_COOKIE_AGE
    client.delete(store.cache_key)  # evicted: read from the database, and kept again
    assert SessionStore(store.session_key).load() == {"seen": 1}
    assert 0 < client.ttl(store.cache_key) <= CACHED_SECONDS


def test_on_redis_a_session_signed_out_is_gone_from_the_cache(redis_cache):
    store = _saved(seen=1)
    key = store.session_key
    assert SessionStore().exists(key)
    store.flush()
    assert not redis_client().exists(store.cache_key_prefix + key)
    assert not SessionStore().exists(key)
    assert SessionStore(key).load() == {}


def test_on_redis_keys_are_read_along_with_the_session_in_its_round_trip(
    redis_cache, redis_round_trips
):
    reader = SessionStore(_saved(seen=1).session_key)
    redis_client().set("lms:test:along", b"value")
    assert reader.read_along(["lms:test:along", "lms:test:missing"])
    redis_round_trips.clear()
    assert reader["seen"] == 1
    assert reader.read_along_values() == {"lms:test:along": b"value", "lms:test:missing": None}
    assert redis_round_trips == ["MGET"]


def test_keys_are_read_along_only_before_the_session_is_read_and_only_on_redis(
    redis_cache, settings
):
    key = _saved(seen=1).session_key
    reader = SessionStore(key)
    assert reader["seen"] == 1
    assert not reader.read_along(["lms:test:along"])  # too late: read already
    assert reader.read_along_values() is None
    assert not SessionStore().read_along(["lms:test:along"])  # no session: nothing is read
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not SessionStore(key).read_along(["lms:test:along"])


def test_on_redis_the_async_methods_keep_the_same_cache(redis_cache):
    """Django's async variants would read and write the cache in its own format and keys: a
    session signed out through them would stay readable from the cache."""
    store = SessionStore()
    store["seen"] = 1
    async_to_sync(store.asave)()
    key = store.session_key
    assert redis_client().exists(store.cache_key)
    assert SessionStore(key).load() == {"seen": 1}
    assert async_to_sync(SessionStore(key).aload)() == {"seen": 1}
    assert async_to_sync(SessionStore().aexists)(key)
    async_to_sync(store.aflush)()
    assert not redis_client().exists(store.cache_key_prefix + key)
    assert SessionStore(key).load() == {}


def test_with_another_session_store_a_poll_reads_its_fragment_itself(
    client, redis_cache, settings, django_user_model
):
    """Only our store reads keys along: with Django's own a poll works, one round trip more."""
    from enrollments.panel_cache import panel_cached, panel_read_with_session

    settings.SCORM_PANEL_CACHE_SECONDS = 30
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    client.force_login(django_user_model.objects.create(username="lea"))
    session = client.session
    panel_read_with_session(attempt_id="a1", session=session)
    assert panel_cached(attempt_id="a1", session=session) == (None, None)
