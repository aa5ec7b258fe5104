"""core.rows.guarded_writes: writes made in one statement, outside a transaction, only if the
rows they were computed from are unchanged (PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.rows import NotWritten, after_writes, atomic_writes, guarded_writes, update_row
from enrollments.models import Attempt, Enrollment
from tests.factories import AttemptFactory

pytestmark = pytest.mark.django_db(transaction=True)

GUARD = 'SELECT FROM "enrollments_attempt" a WHERE a.id = %s AND a.xmin = %s::xid FOR UPDATE'


@pytest.fixture
def attempt() -> Attempt:
    if connection.vendor != "postgresql":
        pytest.skip("guarded writes are PostgreSQL's (row versions, one statement)")
    return AttemptFactory()


def _version(attempt: Attempt) -> str:
    with connection.cursor() as cursor:
        cursor.execute('SELECT xmin::text FROM "enrollments_attempt" WHERE id = %s', [attempt.pk])
        return cursor.fetchone()[0]


def _guard(attempt: Attempt) -> tuple[str, list]:
    return GUARD, [attempt.pk, _version(attempt)]


def _write(guard: tuple[str, list], *writes: tuple) -> None:
    """Within guarded writes: each of ``writes`` (a model, a key, values), or a callable."""
    with guarded_writes(*guard):
        for write in writes:
            if callable(write):
                write()
            else:
                update_row(*write)


def _scores(attempt: Attempt) -> tuple:
    stored = Attempt.objects.get(pk=attempt.pk)
    return stored.score_scaled, Enrollment.objects.get(pk=attempt.enrollment_id).score


def test_the_writes_go_as_one_statement_of_their_own_when_the_rows_are_as_read(attempt):
    guard = _guard(attempt)
    with CaptureQueriesContext(connection) as queries, guarded_writes(*guard):
        update_row(Attempt, attempt.pk, {"score_scaled": 0.5})
        update_row(Enrollment, attempt.enrollment_id, {"score": 0.5})
        assert len(queries) == 0  # nothing sent yet
    assert [query["sql"][:6] for query in queries] == ["WITH g"]  # no BEGIN, no COMMIT
    assert _scores(attempt) == (0.5, 0.5)


def test_nothing_is_written_when_a_row_changed_since_it_was_read(attempt):
    guard = _guard(attempt)
    Attempt.objects.filter(pk=attempt.pk).update(score_raw=3.0)  # another writer, meanwhile
    with pytest.raises(NotWritten):
        _write(
            guard,
            (Attempt, attempt.pk, {"score_scaled": 0.5}),
            (Enrollment, attempt.enrollment_id, {"score": 0.5}),
        )
    assert _scores(attempt) == (None, None)
    assert Attempt.objects.get(pk=attempt.pk).score_raw == 3.0


def test_a_statement_within_the_block_is_refused_before_it_runs(attempt):
    """What it would read is not guarded: the caller must take its locks instead."""
    guard = _guard(attempt)
    with pytest.raises(NotWritten):
        _write(
            guard,
            (Attempt, attempt.pk, {"score_scaled": 0.5}),
            lambda: Attempt.objects.filter(pk=attempt.pk).update(score_raw=7.0),  # any statement
        )
    assert Attempt.objects.values_list("score_scaled", "score_raw").get(pk=attempt.pk) == (
        None,
        None,
    )


def test_a_rows_second_write_is_refused_not_split(attempt):
    with pytest.raises(NotWritten):
        _write(
            _guard(attempt),
            (Attempt, attempt.pk, {"score_scaled": 0.5}),
            (Attempt, attempt.pk, {"score_raw": 5.0}),
        )
    assert Attempt.objects.values_list("score_scaled", "score_raw").get(pk=attempt.pk) == (
        None,
        None,
    )


def test_callbacks_run_after_the_statement_and_not_when_nothing_was_written(attempt):
    seen = []

    def callback() -> None:
        seen.append(_scores(attempt))  # what a reader finds then

    with guarded_writes(*_guard(attempt)):
        update_row(Attempt, attempt.pk, {"score_scaled": 0.5})
        after_writes(callback)
        with atomic_writes():  # a writer's own transaction: none within the block
            update_row(Enrollment, attempt.enrollment_id, {"score": 0.5})
            after_writes(callback)
        assert seen == []
    assert seen == [(0.5, 0.5), (0.5, 0.5)]
    seen.clear()
    guard = _guard(attempt)
    Attempt.objects.filter(pk=attempt.pk).update(score_raw=3.0)
    with pytest.raises(NotWritten):
        _write(guard, (Attempt, attempt.pk, {"score_scaled": 0.9}), lambda: after_writes(callback))
    assert seen == []


def test_guarded_writes_are_refused_within_a_transaction(attempt):
    with transaction.atomic(), pytest.raises(NotWritten), guarded_writes(*_guard(attempt)):
        pass
