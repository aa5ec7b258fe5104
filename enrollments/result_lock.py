"""What the result writer reads under the enrolment's lock, in statements written once.

Every writer of an enrolment's attempts takes its row lock first, then reads its attempts (the
enrolment's stored result is computed from committed attempts). Both run on every result
change, the local run-time's commits included (issue 13): through the ORM, compiling them cost
three times what PostgreSQL took to run them (0.9 of 1.1 ms). Their text is made here once,
from the models' tables and columns (:mod:`core.rows`).

Two statements, not one: a statement that waited for the lock would have read the attempts as
they were before the commit that held it (READ COMMITTED re-reads only the locked row).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from django.db import connection

from core.rows import converted, instance, select_list
from courses.models import Course, Package

from .grading import AttemptFacts
from .models import Attempt, Enrollment, Learner
from .results import RESULT_FIELDS

#: What the writer reads of each attempt of the enrolment (never the provider's raw result),
#: and of its package.
APPLY_FIELDS = (
    *AttemptFacts.FIELDS,
    "score_raw",
    "score_min",
    "score_max",
    "is_open",
    "remote_updated_at",
    "remote_revision",
    "commit_launch",
    "commit_sequence",
    "completion_seen_at",
    "activities_completed",
    "activities_total",
)
PACKAGE_REMOTE_ID = "package__remote_id"


#: The enrolment's columns its lock reads (with its course's grading method and its learner's
#: external id).
LOCK_FIELDS = frozenset({"id", "course_id", "learner_id", *RESULT_FIELDS})


@functools.cache
def _lock_statement(vendor: str) -> tuple[str, list[str]]:
    quote = connection.ops.quote_name
    columns, names = select_list(Enrollment, LOCK_FIELDS, "e")
    lock = " FOR UPDATE OF e" if connection.features.has_select_for_update_of else ""
    sql = (  # the models' names only: the key is a parameter
        f"SELECT {columns}, c.grading_method, l.external_id"  # noqa: S608
        f" FROM {quote(Enrollment._meta.db_table)} e"
        f" JOIN {quote(Course._meta.db_table)} c ON c.id = e.course_id"
        f" JOIN {quote(Learner._meta.db_table)} l ON l.id = e.learner_id"
        f" WHERE e.id = %s{lock}"
    )
    return sql, names


def enrollment_lock(enrollment_id: int) -> Enrollment:
    """Lock the enrolment's row and read its stored result, with its course's grading method
    and its learner's external id (``course`` and ``learner`` hold only those); call it in the
    writer's transaction. Every writer of the enrolment's attempts takes this lock first, so
    they never deadlock and the stored result is computed from committed attempts. Raises
    ``Enrollment.DoesNotExist``."""
    sql, names = _lock_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql, [enrollment_id])
        row = cursor.fetchone()
    if row is None:
        raise Enrollment.DoesNotExist(f"No enrolment {enrollment_id}.")
    *values, grading_method, external_id = row
    return locked_enrollment(names, values, grading_method, external_id)


def locked_enrollment(
    names: list[str], values: list[Any], grading_method: str, external_id: str
) -> Enrollment:
    """The enrolment as :func:`enrollment_lock` gives it, from its :data:`LOCK_FIELDS` (their
    attribute names and values), its course's grading method and its learner's external id,
    read by a statement that locked its row."""
    enrollment = instance(Enrollment, names, values)
    enrollment.course = instance(
        Course, ["id", "grading_method"], [enrollment.course_id, grading_method]
    )
    enrollment.learner = instance(
        Learner, ["id", "external_id"], [enrollment.learner_id, external_id]
    )
    return enrollment


@functools.cache
def _attempts_statement(vendor: str) -> tuple[str, list[str]]:
    quote = connection.ops.quote_name
    columns, names = select_list(Attempt, ATTEMPT_COLUMNS, "a")
    sql = (  # the models' names only: the key is a parameter
        f"SELECT {columns}, p.remote_id"  # noqa: S608
        f" FROM {quote(Attempt._meta.db_table)} a"
        f" JOIN {quote(Package._meta.db_table)} p ON p.id = a.package_id"
        " WHERE a.enrollment_id = %s"
    )
    return sql, names


#: The attempt's columns the writer reads (:data:`APPLY_FIELDS`, ``pk`` as ``id``).
ATTEMPT_COLUMNS = frozenset("id" if name == "pk" else name for name in APPLY_FIELDS)


@dataclasses.dataclass(frozen=True)
class LockedEnrollment:
    """What a caller that already holds an enrolment's lock hands the result writer: the
    enrolment as :func:`enrollment_lock` reads it, and its attempts as
    :func:`enrollment_attempts` reads them when they were read under the lock too (None: the
    writer reads them)."""

    enrollment: Enrollment
    attempts: list[dict[str, Any]] | None = None


def attempt_row(attempt: Attempt, package_remote_id: str) -> dict[str, Any]:
    """One attempt as :func:`enrollment_attempts` gives it, from an instance that holds
    :data:`ATTEMPT_COLUMNS`."""
    row = {name: getattr(attempt, name) for name in APPLY_FIELDS}
    row[PACKAGE_REMOTE_ID] = package_remote_id
    return row


def enrollment_attempts(enrollment_id: int) -> list[dict[str, Any]]:
    """Every attempt of the enrolment, as the writer reads them: :data:`APPLY_FIELDS` (``pk``
    the key) and the package's remote id (:data:`PACKAGE_REMOTE_ID`)."""
    sql, names = _attempts_statement(connection.vendor)
    keys = ["pk" if name == "id" else name for name in names]
    with connection.cursor() as cursor:
        cursor.execute(sql, [enrollment_id])
        rows = cursor.fetchall()
    found = []
    for *values, package_remote_id in rows:
        attempt = dict(zip(keys, converted(Attempt, names, values), strict=True))
        attempt[PACKAGE_REMOTE_ID] = package_remote_id
        found.append(attempt)
    return found
