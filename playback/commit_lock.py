"""What a run-time commit reads under its locks, in one hand-written statement.

The commit is the run-time's hottest path (issue 13). Through the ORM this one read (the
run-time row and the enrolment's locked; the attempt, its package, its learner and the
activity's row joined; a subquery) cost about 1.5 ms of Python to compile on every commit, more
than the database takes to run it, so it is written here once (its tables and long column lists
taken from the models; the row converted by :mod:`core.rows`). The commit's writes are one-row
statements made once too (:func:`core.rows.update_row`, and the activity's in
:func:`playback.services._activity_write`), sent together.

On PostgreSQL the same read is first made without the locks (:func:`commit_read`), with the
versions of the rows they would have taken: the commit's writes are then made only if those
rows are unchanged (:func:`core.rows.guarded_writes`), two round trips instead of four.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection

from core.rows import instance, select_list
from courses.models import Course, Package
from enrollments.models import Attempt, Enrollment, Learner
from enrollments.result_lock import (
    ATTEMPT_COLUMNS,
    LOCK_FIELDS,
    LockedEnrollment,
    attempt_row,
    locked_enrollment,
)
from enrollments.services import PROGRESS_FIELDS
from providers.local.tokens import LaunchClaims

from .models import ActivityState, AttemptRuntime

#: The run-time row's columns a commit reads (its sequencing state, up to 2 MB, is written when
#: a commit carries it, never read), its key first, in the model's order.
_RUNTIME_FIELDS = (
    "attempt_id",
    "current_activity",
    "ended_launch",
    "closed_launch",
    "commit_launch",
    "commit_sequence",
)
#: The attempt's: the result writer's inputs, and whether the launch may still write.
_ATTEMPT_FIELDS = frozenset(
    {"id", "enrollment_id", "package_id", *PROGRESS_FIELDS, *ATTEMPT_COLUMNS}
)


class NoSuchAttempt(Exception):
    """The launch's attempt does not exist, or is not its learner's; nothing is stored."""


@dataclasses.dataclass(frozen=True)
class StoredSession:
    """An activity's session bookkeeping as stored (its CMI not read)."""

    state_id: int
    seconds_before: float
    seconds_session: float
    launch: int
    delivery: int
    #: The attempt's other activities' seconds (earlier sessions and their last), as stored.
    other_seconds: float


@dataclasses.dataclass(frozen=True)
class LockedAttempt:
    """What a commit reads under the attempt's run-time lock, current as of the lock."""

    runtime: AttemptRuntime
    attempt: Attempt
    #: Its row locked too, as :func:`enrollments.result_lock.enrollment_lock` reads it: the
    #: result writer's lock, taken with the run-time row's in the same round trip; with its
    #: attempts when this is its only one (see :func:`commit_lock`).
    enrollment: LockedEnrollment
    package_sha256: str
    #: The activity's, where the database merges the CMI (elsewhere the commit reads the
    #: whole row); None when it has no row yet, or elsewhere.
    session: StoredSession | None
    #: Whether this transaction created the run-time row (the attempt's first commit).
    runtime_created: bool = False

    @property
    def learner_id(self) -> int:
        return self.enrollment.enrollment.learner_id


#: The statement's columns after the run-time row's: the package's two, the activity's five
#: and its other activities' time, read_current and only_attempt.
_READ_TAIL = 10


class _Read(NamedTuple):
    locked: LockedAttempt
    current: bool  # see commit_lock
    versions: list[str]  # the run-time row's, the attempt's and the enrolment's (unlocked)


def merged_by_database() -> bool:
    """Whether the database merges a commit's changes into the stored CMI (PostgreSQL's
    ``jsonb ||``); SQLite's ``json_patch`` would drop the null values a commit may carry."""
    return connection.vendor == "postgresql"


@functools.cache
def _names() -> tuple[list[str], list[str]]:
    """The attempt's and the enrolment's attribute names, in the statement's order."""
    _, attempt = select_list(Attempt, _ATTEMPT_FIELDS, "a")
    _, enrollment = select_list(Enrollment, LOCK_FIELDS, "e")
    return attempt, enrollment


@functools.cache
def _statement(vendor: str, *, locking: bool = True) -> str:
    """The statement for a database: with its lock clause, or (``locking`` False, PostgreSQL)
    with the versions of the rows it would have locked instead (see :func:`commit_read`)."""
    quote = connection.ops.quote_name
    table = {
        model: quote(model._meta.db_table)
        for model in (AttemptRuntime, Attempt, Package, Enrollment, Course, Learner, ActivityState)
    }
    attempt, _ = select_list(Attempt, _ATTEMPT_FIELDS, "a")
    runtime, _ = select_list(AttemptRuntime, _RUNTIME_FIELDS[1:], "r")  # its key: the attempt's
    enrollment, _ = select_list(Enrollment, LOCK_FIELDS, "e")
    # The run-time row first, then the enrolment's, then the attempt's (whose writers all hold
    # the enrolment's lock, or this one).
    lock = " FOR UPDATE OF r, e, a" if connection.features.has_select_for_update_of else ""
    versions = ""
    if not locking:
        lock, versions = "", ", r.xmin::text, a.xmin::text, e.xmin::text"
    # No input in the text (the models' names; values are parameters). read_current,
    # only_attempt and other_seconds: see commit_lock.
    return (
        f"SELECT {attempt}, {enrollment}, c.grading_method, l.external_id, {runtime}, p.sha256,"  # noqa: S608
        " p.remote_id,"
        " s.id, s.seconds_before, s.seconds_session, s.session_launch, s.session_delivery,"
        " (SELECT COALESCE(SUM(o.seconds_before + o.seconds_session), 0)"
        f" FROM {table[ActivityState]} o"
        " WHERE o.attempt_id = r.attempt_id AND o.activity <> s.activity) AS other_seconds,"
        f" EXISTS (SELECT 1 FROM {table[AttemptRuntime]} seen"
        " WHERE seen.attempt_id = r.attempt_id AND seen.commit_launch = r.commit_launch"
        " AND seen.commit_sequence = r.commit_sequence) AS read_current,"
        f" NOT EXISTS (SELECT 1 FROM {table[Attempt]} other"
        f" WHERE other.enrollment_id = a.enrollment_id AND other.id <> a.id) AS only_attempt{versions}"
        f" FROM {table[AttemptRuntime]} r"
        f" JOIN {table[Attempt]} a ON a.id = r.attempt_id"
        f" JOIN {table[Package]} p ON p.id = a.package_id"
        f" JOIN {table[Enrollment]} e ON e.id = a.enrollment_id"
        f" JOIN {table[Course]} c ON c.id = e.course_id"
        f" JOIN {table[Learner]} l ON l.id = e.learner_id"
        f" LEFT JOIN {table[ActivityState]} s ON s.attempt_id = r.attempt_id AND s.activity = %s"
        f" WHERE r.attempt_id = %s AND l.external_id = %s{lock}"
    )


def _read(
    attempt_id: Any, learner_id: str, activity: object, *, locking: bool = True
) -> _Read | None:
    """One statement: the run-time row locked, with the attempt (its learner checked), and
    whether what was read with the row is current; or, ``locking`` False, nothing locked and
    the rows' versions read instead."""
    params = [
        activity if isinstance(activity, str) else "",
        Attempt._meta.pk.get_db_prep_value(attempt_id, connection),
        learner_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_statement(connection.vendor, locking=locking), params)
        row = cursor.fetchone()
    if row is None:
        return None
    names, enrollment_names = _names()
    attempt = instance(Attempt, names, row[: len(names)])
    rest = row[len(names) :]
    count = len(enrollment_names)
    grading_method, external_id = rest[count : count + 2]
    enrollment = locked_enrollment(enrollment_names, rest[:count], grading_method, external_id)
    rest = rest[count + 2 :]
    runtime_values, rest = rest[: len(_RUNTIME_FIELDS) - 1], rest[len(_RUNTIME_FIELDS) - 1 :]
    runtime = AttemptRuntime.from_db(
        connection.alias, list(_RUNTIME_FIELDS), [attempt.pk, *runtime_values]
    )
    rest, versions = rest[:_READ_TAIL], rest[_READ_TAIL:]  # versions: unlocked reads only
    sha256, remote_id, state_id, *session, read_current, only_attempt = rest
    alone = only_attempt and enrollment.attempt_count == 1
    locked = LockedAttempt(
        runtime=runtime,
        attempt=attempt,
        enrollment=LockedEnrollment(
            enrollment, [attempt_row(attempt, remote_id)] if alone else None
        ),
        package_sha256=sha256,
        session=StoredSession(state_id, *session)
        if state_id is not None and merged_by_database()
        else None,
    )
    return _Read(locked, bool(read_current), list(versions))


def _attempt_id(claims: LaunchClaims) -> Any:
    """The launch's attempt key, None when it is not one."""
    try:
        return Attempt._meta.pk.to_python(claims.attempt_id)
    except ValidationError:
        return None


def commit_lock(claims: LaunchClaims, activity: object) -> LockedAttempt:
    """Lock the attempt's run-time row (it orders the attempt's commits) and its enrolment's
    (the result writer's lock: see :func:`enrollments.result_lock.enrollment_lock`), and read
    what the commit needs; call it in the commit's transaction. Raises :class:`NoSuchAttempt`.

    Usually one statement. Read again, holding the lock, when the statement had to wait for it:
    it read the attempt and the activity before the commit that held the lock was stored, and
    locked the row that commit left (READ COMMITTED). Every commit moves the row's order
    forward, so the row as locked then differs from the row as the statement saw it
    (``read_current``). The attempt's first commit creates the row.

    Waiting for the enrolment's lock alone (held by another writer of its results: a launch,
    a new attempt) is no such case: the enrolment and the attempt are read as locked (their
    latest rows), and the result writer reads the attempts again, under the lock, as it does
    when it locks itself, unless this attempt is the enrolment's only one. It is when the
    statement saw no other and the enrolment, as locked, counts one: an attempt made since
    the statement began was made under the enrolment's lock, which counts it (its stored
    result's ``attempt_count``); a count wrong from data written behind the application's
    back only spares the read when no other attempt was there either.

    The other activities' time (``other_seconds``) is read with it: their rows are written
    only by commits, each under this lock."""
    missing = NoSuchAttempt(f"No attempt {claims.attempt_id!r:.60} of this learner.")
    attempt_id = _attempt_id(claims)
    if attempt_id is None:
        raise missing
    read = _read(attempt_id, claims.learner_id, activity)
    created = False
    if read is None:  # no run-time row yet, or not this learner's attempt
        learners = Attempt.objects.filter(
            pk=attempt_id, enrollment__learner__external_id=claims.learner_id
        )
        if not learners.exists():
            raise missing
        _, created = AttemptRuntime.objects.select_for_update().get_or_create(attempt_id=attempt_id)
    elif read.current:
        return read.locked
    read = _read(attempt_id, claims.learner_id, activity)  # the lock held: current
    if read is None:
        raise missing
    return dataclasses.replace(read.locked, runtime_created=created) if created else read.locked


@dataclasses.dataclass(frozen=True)
class ReadAttempt:
    """What :func:`commit_read` reads: what :func:`commit_lock` would have, nothing locked, and
    the statement that guards writes computed from it (:func:`core.rows.guarded_writes`)."""

    read: LockedAttempt
    guard: tuple[str, list[Any]]


@functools.cache
def _guard_statement() -> str:
    quote = connection.ops.quote_name
    runtime, attempt, enrollment = (
        quote(model._meta.db_table) for model in (AttemptRuntime, Attempt, Enrollment)
    )
    # The rows commit_lock locks, in its order, found only as read: a row's xmin is the
    # transaction that wrote its version, and every write makes a new version.
    return (
        f"SELECT FROM {runtime} r JOIN {attempt} a ON a.id = r.attempt_id"  # noqa: S608
        f" JOIN {enrollment} e ON e.id = a.enrollment_id"
        " WHERE r.attempt_id = %s AND r.xmin = %s::xid AND a.xmin = %s::xid AND e.xmin = %s::xid"
        " FOR UPDATE OF r, e, a"
    )


def commit_read(claims: LaunchClaims, activity: object) -> ReadAttempt | None:
    """PostgreSQL: what :func:`commit_lock` reads, in one statement that locks nothing, for a
    commit whose writes are then made only if none of the rows it would have locked changed
    meanwhile (an optimistic commit: no BEGIN, no COMMIT, the locks held for one statement).
    None when the commit must take the locks: the attempt has no run-time row yet, or is not
    this learner's (:func:`commit_lock` says which)."""
    attempt_id = _attempt_id(claims)
    if attempt_id is None:
        return None
    read = _read(attempt_id, claims.learner_id, activity, locking=False)
    if read is None:
        return None
    key = Attempt._meta.pk.get_db_prep_value(attempt_id, connection)
    return ReadAttempt(read.locked, (_guard_statement(), [key, *read.versions]))
