"""Values kept in the cache while nothing they were computed from has changed: each is stored
with the version its data was read under, and writers replace the version when their
transaction commits, so no reader keeps a value older than a commit. A missing version (never
written, or evicted) matches nothing.

Only worth it with a cache every process shares (a version replaced in one process's private
cache would leave the others' values stale): the callers' settings are 0 (nothing kept)
without ``CACHE_URL``.

On Redis, keys are read and written through one Redis client per process
(:func:`core.shared_cache.redis_client`); a progress poll reads its fragment in its session's
round trip (:func:`versioned_read_with_session`). A
transaction's new versions go through a connection of the thread's own, their commands packed
together: through the client's pipeline they cost a result-changing run-time commit 9% of its
worker's time (issue 13), most of it the pipeline's own bookkeeping. While the thread serves a
request, Redis's replies to them are read once its response is sent (:func:`_read_replies`).
"""

from __future__ import annotations

import logging
import os
import pickle
import random
import threading
from typing import Any, NamedTuple

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from redis import exceptions as redis_errors

from core.rows import after_writes
from core.shared_cache import cache_call, cache_failed, cache_reachable, redis_client

logger = logging.getLogger(__name__)

VERSION_SECONDS = 24 * 60 * 60
_bumped = threading.local()
_own = threading.local()  # .connection and what it was made for (.made_for): see _connection
# .request: whether the thread serves a request; .replies: the versions sent whose replies are
# still to read (see _redis_set).
_serving = threading.local()


def _keys(name: str) -> tuple[str, str]:
    return f"lms:{name}:version", f"lms:{name}:value"


def _set(key: str, value: Any, seconds: int, *, only_new: bool = False) -> bool:
    client = redis_client()
    if client is None:
        if only_new:
            return cache.add(key, value, timeout=seconds)
        cache.set(key, value, timeout=seconds)
        return True
    raw = value.encode() if isinstance(value, str) else pickle.dumps(value)
    return bool(client.set(key, raw, ex=seconds, nx=only_new))


def versioned_read_with_session(name: str, session: Any) -> None:
    """Have ``name`` read with the request's session, in its round trip (on Redis, when the
    session is not read yet): the next :func:`versioned_get` of it with that session reads
    nothing more. Only :class:`core.sessions.SessionStore` can (with another store nothing is
    asked, and the read is a round trip of its own)."""
    read_along = getattr(session, "read_along", None)
    if read_along is not None:
        read_along(_keys(name))


def versioned_get(name: str, *, session: Any = None) -> tuple[str | None, Any]:
    """(the current version of ``name``, the value stored under it or None): one round trip,
    none when it was read with ``session`` (:func:`versioned_read_with_session`). (None, None)
    while the cache is down: the caller computes the value, and keeps nothing."""
    return cache_call("versioned read", lambda: _get(name, session), (None, None))


def _get(name: str, session: Any) -> tuple[str | None, Any]:
    version_key, value_key = _keys(name)
    client = redis_client()
    if client is None:
        found = cache.get_many([version_key, value_key])
        version, stored = found.get(version_key), found.get(value_key)
    else:
        read_along_values = getattr(session, "read_along_values", None)
        read = read_along_values() if read_along_values is not None else None
        if read is not None and version_key in read and value_key in read:
            raw_version, raw_value = read[version_key], read[value_key]
        else:
            raw_version, raw_value = client.mget([version_key, value_key])
        version = raw_version.decode() if raw_version else None
        # Our own values (pickled as Django's cache pickles its own).
        stored = pickle.loads(raw_value) if raw_value else None  # noqa: S301
    if version and stored and stored[0] == version:
        return version, stored[1]
    return version, None


def versioned_put(name: str, version: str | None, value: Any, *, seconds: int) -> bool:
    """Keep ``value``, computed from data read under ``version`` (what :func:`versioned_get`
    returned before the read), for at most ``seconds``. Returns whether it was kept (never
    while the cache is down)."""
    return cache_call("versioned write", lambda: _put(name, version, value, seconds), False)


def _put(name: str, version: str | None, value: Any, seconds: int) -> bool:
    version_key, value_key = _keys(name)
    if version is None:
        version = _new_version()
        if not _set(version_key, version, VERSION_SECONDS, only_new=True):
            return False  # a write came first: keep nothing, the next reader computes again
    _set(value_key, (version, value), seconds)
    return True


def _new_version() -> str:
    """A version no other has had: unique, not secret (Python reseeds ``random`` in a forked
    process; ``os.urandom`` is a system call, and 1% of a result-changing commit's time)."""
    return f"{random.getrandbits(128):032x}"  # noqa: S311


def versioned_bump(name: str) -> None:
    """What ``name`` was computed from changes: no value stored before is valid any more,
    once the change is committed (a reader that read the old data meanwhile stored it under
    the old version, which the commit replaces). The versions a transaction replaces are
    written together, in one round trip, when it commits (or once guarded writes are made:
    :func:`core.rows.after_writes`)."""
    _pending().add(name)
    after_writes(_write_pending)


def _pending() -> set[str]:
    """The names whose new versions this thread has still to write (its transactions are
    its own connection's)."""
    if not hasattr(_bumped, "names"):
        _bumped.names = set()
    return _bumped.names


def _write_pending() -> None:
    """Write a new version of every pending name: the first hook of a transaction writes them
    all, the others find none left. A name bumped in a transaction that was rolled back stays
    pending and is written with the next commit's: a version replaced for nothing costs its
    readers one computation, never a stale value.

    Redis failing fails nothing: the transaction is committed, and the cache only spares reads
    (a commit stored must be answered as stored). The names stay pending for the thread's next
    commit; until then a reader that still reaches Redis may get a value kept before, at most
    for that value's ``seconds``."""
    names = _pending()
    if not names:
        return
    _read_replies()  # Redis answers in order; a refused write's names are pending again
    if not cache_reachable():  # its failure is logged once per period (core.shared_cache)
        logger.debug("%d cache versions not written: the cache is down", len(names))
        return
    versions = {_keys(name)[0]: _new_version() for name in names}
    client = redis_client()
    if client is None:
        names.clear()
        cache.set_many(versions, timeout=VERSION_SECONDS)
        return
    written = set(names)
    names.clear()
    _redis_set(client, versions, written)


class _Sent(NamedTuple):
    connection: Any
    packed: Any  # the commands as sent, to send again on a new connection
    count: int
    names: set[str]  # pending again if Redis refuses them


def _redis_set(client: Any, versions: dict[str, str], names: set[str]) -> None:
    """Set every key to its version, in one round trip on the thread's own connection.

    Within a request Redis's replies are read once the response is sent (Django's
    ``request_finished``, when the server closes the response), or before this connection's
    next commands: the versions are sent before the response, so no reader it leads to can
    find an old one, and the response does not wait for Redis (the reply is there by then). A
    run-time commit spends no other time on the cache. Elsewhere (a task, a command) they are
    read now."""
    connection = _connection(client)
    commands = [("SET", key, version, "EX", VERSION_SECONDS) for key, version in versions.items()]
    sent = _Sent(connection, connection.pack_commands(commands), len(commands), names)
    if getattr(_serving, "request", False):
        try:
            connection.send_packed_command(sent.packed)
        except redis_errors.RedisError:  # closed, say: sent again below, on a new connection
            connection.disconnect()
        else:
            _serving.replies = sent
            return
    _replies_read(sent, send=True)


def _owed() -> _Sent | None:
    """The versions this thread sent during its request whose replies are still to read."""
    return getattr(_serving, "replies", None)


def _read_replies() -> None:
    """Read the replies to the versions this thread sent during its request, if any."""
    sent = _owed()
    if sent is not None:
        _serving.replies = None
        _replies_read(sent, send=False)


def _replies_read(sent: _Sent, *, send: bool) -> None:
    """Send ``sent`` (unless it was), and read Redis's replies. A failure fails nothing (see
    :func:`_write_pending`): its names are pending again."""
    connection = sent.connection
    try:
        for retry in (True, False):  # once more on a new connection: a SET may be repeated
            try:
                if send:
                    connection.send_packed_command(sent.packed)
                for _ in range(sent.count):
                    connection.read_response()  # raises Redis's error, if it answered one
                return
            except redis_errors.ConnectionError:  # closed (a restart, an idle client dropped)
                connection.disconnect()
                if not retry:
                    raise
                send = True
            except redis_errors.RedisError:
                connection.disconnect()  # the other commands' replies are left unread
                raise
    except redis_errors.RedisError as err:
        _pending().update(sent.names)
        logger.warning("%d cache versions not written: %s", sent.count, type(err).__name__)
        cache_failed(err, "versions write")


def _request_started(**_: Any) -> None:
    _serving.request = True


def _request_finished(**_: Any) -> None:
    _serving.request = False
    _read_replies()


request_started.connect(_request_started, dispatch_uid="versioned-cache-request")
request_finished.connect(_request_finished, dispatch_uid="versioned-cache-replies")


def _connection(client: Any) -> Any:
    """This thread's own connection to the client's Redis, made with the client's settings (no
    checkout from the client's pool, no reset after each use); a forked process makes its
    own."""
    made_for = (client, os.getpid())
    if getattr(_own, "made_for", None) != made_for:
        if getattr(_own, "made_for", (None, None))[1] == os.getpid():
            _own.connection.disconnect()  # another client's (settings changed: tests)
        pool = client.connection_pool
        _own.connection = pool.connection_class(**pool.connection_kwargs)
        _own.made_for = made_for
    return _own.connection
