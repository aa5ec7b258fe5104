"""A commit refused after its locks (stale, naming an activity the package lacks) has written
nothing, so its transaction ends with COMMIT rather than a rollback: on PostgreSQL a rollback
makes psycopg forget every statement its connection prepared, and the worker's next commits
would plan theirs again. The attempt's first commit, which creates the run-time row, is rolled
back when refused."""

from __future__ import annotations

import pytest
from django.db import connection

from courses.models import Package
from enrollments.models import Attempt
from playback.models import AttemptRuntime
from playback.services import StaleCommit
from providers.local.runtime import InvalidCommit
from tests.factories import AttemptFactory
from tests.playback.test_local_commit import _package, commit

pytestmark = pytest.mark.django_db(transaction=True)

RESULT = {"completion": "incomplete", "success": "unknown", "scaled": None}


@pytest.fixture
def attempt() -> Attempt:
    package = _package(Package.Standard.SCORM_2004_4, ("a",))
    return AttemptFactory(enrollment__course=package.course, package=package)


def _prepared() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


def test_a_refused_commit_keeps_the_connections_prepared_statements(attempt):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL's")
    for sequence in range(1, 8):  # prepared from the fifth run on
        commit(attempt, sequence, {"cmi.location": f"p{sequence}"}, activity="a", result=RESULT)
    prepared = _prepared()
    assert prepared >= 2  # the lock's statement and the writes, at least

    with pytest.raises(StaleCommit):
        commit(attempt, 3, {"cmi.location": "old"}, activity="a", result=RESULT)
    with pytest.raises(InvalidCommit):
        commit(attempt, 8, {"cmi.location": "elsewhere"}, activity="z", result=RESULT)

    assert _prepared() == prepared
    runtime = AttemptRuntime.objects.get(attempt_id=attempt.pk)
    assert (runtime.commit_sequence, runtime.current_activity) == (7, "a")


def test_a_refused_first_commit_leaves_no_run_time_row(attempt):
    with pytest.raises(InvalidCommit):
        commit(attempt, 1, {"cmi.location": "elsewhere"}, activity="z", result=RESULT)
    assert not AttemptRuntime.objects.filter(attempt_id=attempt.pk).exists()
    commit(attempt, 1, {"cmi.location": "p1"}, activity="a", result=RESULT)
    assert AttemptRuntime.objects.get(attempt_id=attempt.pk).commit_sequence == 1
