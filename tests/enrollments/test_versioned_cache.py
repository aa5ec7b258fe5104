"""Cached values and their versions: a transaction's bumps are written when it commits, all
in one round trip; within a request, Redis's replies are read once the response is sent."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.core.cache import cache, caches
from django.core.signals import request_finished, request_started
from django.db import transaction
from redis import exceptions as redis_errors

from core.shared_cache import redis_client
from enrollments import versioned_cache
from enrollments.versioned_cache import versioned_bump, versioned_get, versioned_put

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept(settings):
    """Two values kept under their current versions, in a cache of this process (through the
    cache API)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    for name in ("a", "b"):
        assert versioned_put(name, None, f"value of {name}", seconds=60)
    yield {name: versioned_get(name)[0] for name in ("a", "b")}
    cache.clear()


def test_a_transactions_bumps_are_written_together_when_it_commits(
    kept, monkeypatch, django_capture_on_commit_callbacks
):
    writes = []
    local = caches["default"]  # the instance itself: the proxy would patch whichever is current
    set_many = local.set_many
    monkeypatch.setattr(local, "set_many", lambda *a, **k: writes.append(a) or set_many(*a, **k))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        versioned_bump("a")
        versioned_bump("b")
        versioned_bump("a")
        assert versioned_get("a") == (kept["a"], "value of a")  # not before the commit
    assert len(writes) == 1  # one round trip for both
    for name in ("a", "b"):
        version, value = versioned_get(name)
        assert version != kept[name]
        assert value is None


def test_a_bump_rolled_back_is_written_with_the_next_commit(
    kept, django_capture_on_commit_callbacks
):
    """Replaced for nothing, never left stale: its readers compute once more."""
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            versioned_bump("a")
            transaction.set_rollback(True)
        assert versioned_get("a") == (kept["a"], "value of a")
        with transaction.atomic():
            versioned_bump("b")
    assert versioned_get("a")[1] is None
    assert versioned_get("b")[1] is None
    assert not versioned_cache._pending()


@pytest.fixture
def on_redis(redis_cache):
    names = [f"test-{uuid.uuid4().hex}" for _ in range(2)]
    for name in names:
        assert versioned_put(name, None, name, seconds=60)
    return names


def _bump_all(names, django_capture_on_commit_callbacks):
    before = {name: versioned_get(name)[0] for name in names}
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for name in names:
            versioned_bump(name)
    for name in names:
        version, value = versioned_get(name)
        assert version != before[name]
        assert value is None


def test_on_redis_the_bumps_are_one_round_trip(
    on_redis, monkeypatch, django_capture_on_commit_callbacks
):
    connection = versioned_cache._connection(redis_client())
    connection.connect()  # its greeting is sent once, not with the bumps
    sent = []
    send = connection.send_packed_command
    monkeypatch.setattr(
        connection, "send_packed_command", lambda *a, **k: sent.append(a) or send(*a, **k)
    )
    _bump_all(on_redis, django_capture_on_commit_callbacks)
    assert len(sent) == 1
    assert versioned_cache._connection(redis_client()) is connection  # kept for the next
    assert versioned_cache._owed() is None  # outside a request: read at once


def test_on_redis_a_connection_redis_closed_is_made_again(
    on_redis, django_capture_on_commit_callbacks
):
    """Redis restarted, or dropped an idle client: the versions are written all the same."""
    client = redis_client()
    connection = versioned_cache._connection(client)
    connection.send_command("CLIENT", "ID")
    client.client_kill_filter(_id=connection.read_response(), skipme=False)
    _bump_all(on_redis, django_capture_on_commit_callbacks)


@pytest.fixture
def in_request():
    """The thread serves a request (as Django's handler says it does), until the test ends it
    with ``request_finished``."""
    request_started.send(sender=None)
    yield
    request_finished.send(sender=None)


def _versions(names):
    return {name: versioned_get(name)[0] for name in names}


def test_in_a_request_the_versions_go_before_the_response_and_their_replies_are_read_after(
    on_redis, in_request, monkeypatch, django_capture_on_commit_callbacks
):
    """The response does not wait for Redis; no reader it leads to finds an old version."""
    connection = versioned_cache._connection(redis_client())
    connection.connect()  # its greeting is read once, not with the bumps
    reads = []
    read = connection.read_response
    monkeypatch.setattr(connection, "read_response", lambda *a, **k: reads.append(1) or read())
    before = _versions(on_redis)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for name in on_redis:
            versioned_bump(name)
    after = _versions(on_redis)  # through the shared client: the versions are in Redis
    assert all(after[name] != before[name] for name in on_redis)
    assert not reads
    assert versioned_cache._owed() is not None
    request_finished.send(sender=None)  # the response is sent
    assert len(reads) == len(on_redis)
    assert versioned_cache._owed() is None
    assert not versioned_cache._pending()


def test_replies_left_unread_are_read_before_the_next_versions(
    on_redis, in_request, django_capture_on_commit_callbacks
):
    """A server that never closed the response: Redis answers in order, so the connection's
    next writer reads them first."""
    for name in on_redis:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            versioned_bump(name)
    request_finished.send(sender=None)
    assert versioned_cache._owed() is None
    assert all(value is None for _, value in map(versioned_get, on_redis))
    connection = versioned_cache._connection(redis_client())
    connection.send_command("PING")
    assert connection.read_response() in (b"PONG", "PONG")  # no reply left behind


def test_an_error_read_after_the_response_leaves_the_names_pending(
    on_redis, in_request, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """Redis refused the versions: they are written with the thread's next commit, as when it
    fails before the response (see _write_pending)."""
    connection = versioned_cache._connection(redis_client())
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        versioned_bump(on_redis[0])

    def refused(*args, **kwargs):
        raise redis_errors.ResponseError("OOM command not allowed")

    monkeypatch.setattr(connection, "read_response", refused)
    with caplog.at_level(logging.WARNING):
        request_finished.send(sender=None)
    assert versioned_cache._pending() == {on_redis[0]}
    assert "1 cache versions not written: ResponseError" in caplog.text
    versioned_cache._pending().clear()


def test_a_connection_closed_before_the_replies_are_read_sends_them_again(
    on_redis, in_request, django_capture_on_commit_callbacks
):
    client = redis_client()
    connection = versioned_cache._connection(client)
    connection.send_command("CLIENT", "ID")
    client_id = connection.read_response()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        versioned_bump(on_redis[0])
    sent = versioned_get(on_redis[0])[0]
    versioned_put(on_redis[0], sent, "computed meanwhile", seconds=60)
    client.client_kill_filter(_id=client_id, skipme=False)  # before its replies are read
    request_finished.send(sender=None)
    assert versioned_cache._owed() is None
    assert not versioned_cache._pending()
    assert versioned_get(on_redis[0]) == (sent, "computed meanwhile")  # the same versions
