"""core.rows: one-row statements made once, equal to what the ORM does."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import rows
from core.rows import batched_writes, converted, instance, update_row
from enrollments.models import Attempt, Enrollment
from playback.models import AttemptRuntime
from tests.factories import AttemptFactory

pytestmark = pytest.mark.django_db


def test_update_row_writes_the_named_columns_of_one_row_as_the_orm_does():
    attempt, other = AttemptFactory(), AttemptFactory()
    now = timezone.now()
    values = {
        "completion": "completed",
        "score_scaled": 0.75,
        "score_raw": None,
        "completed_at": now,
        "provider_result": {"nested": [1, "two", None]},
    }
    update_row(Attempt, attempt.pk, values)

    stored = Attempt.objects.values(*values).get(pk=attempt.pk)
    assert stored == values
    untouched = Attempt.objects.values(*values).get(pk=other.pk)
    assert untouched["completion"] == other.completion
    assert untouched["completed_at"] is None


def test_update_row_takes_a_foreign_key_by_its_attribute_name():
    attempt = AttemptFactory()
    update_row(Enrollment, attempt.enrollment_id, {"graded_attempt_id": attempt.pk, "score": 0.5})
    enrollment = Enrollment.objects.get(pk=attempt.enrollment_id)
    assert enrollment.graded_attempt_id == attempt.pk
    assert enrollment.score == 0.5


def test_update_row_of_a_missing_row_updates_nothing():
    runtime = AttemptRuntime.objects.create(attempt=AttemptFactory(), commit_sequence=3)
    update_row(AttemptRuntime, uuid.uuid4(), {"commit_sequence": 1})
    assert AttemptRuntime.objects.get(pk=runtime.pk).commit_sequence == 3


def test_update_row_with_nothing_to_write_sends_nothing(django_assert_num_queries):
    attempt = AttemptFactory()
    with django_assert_num_queries(0):
        update_row(Attempt, attempt.pk, {})


def test_update_row_refuses_what_is_not_a_plain_value():
    attempt = AttemptFactory()
    with pytest.raises(TypeError, match="plain values"):
        update_row(Attempt, attempt.pk, {"launch_count": F("launch_count") + 1})


def test_an_update_rows_statement_is_made_once_per_set_of_columns():
    attempt = AttemptFactory()
    rows._update_sql.cache_clear()
    for score in (0.1, 0.2, 0.3):
        update_row(Attempt, attempt.pk, {"score_scaled": score})
    update_row(Attempt, attempt.pk, {"score_scaled": 0.4, "score_raw": 4.0})
    info = rows._update_sql.cache_info()
    assert (info.misses, info.hits) == (2, 2)


def test_rows_read_by_hand_are_converted_as_the_orm_converts_them():
    """SQLite gives text for dates and UUIDs; the fields' converters apply, as in the ORM."""
    attempt = AttemptFactory(completed_at=timezone.now() - timedelta(days=1))
    names = ["completed_at", "id", "score_scaled"]
    table = connection.ops.quote_name(Attempt._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT completed_at, id, score_scaled FROM {table} WHERE id = %s",  # noqa: S608
            [Attempt._meta.pk.get_db_prep_value(attempt.pk, connection)],
        )
        row = cursor.fetchone()
    assert converted(Attempt, names, row) == [attempt.completed_at, attempt.pk, None]

    built = instance(Attempt, names, row)  # names in any order
    assert (built.pk, built.completed_at) == (attempt.pk, attempt.completed_at)
    assert built.get_deferred_fields() >= {"completion", "provider_result"}


# --- batched_writes -------------------------------------------------------------------------


def _score(attempt: Attempt) -> float | None:
    return Attempt.objects.values_list("score_scaled", flat=True).get(pk=attempt.pk)


def test_batched_writes_wait_for_the_blocks_end_and_go_as_one_statement_on_postgresql():
    attempt = AttemptFactory()
    runtime = AttemptRuntime.objects.create(attempt=attempt)
    with transaction.atomic(), CaptureQueriesContext(connection) as queries, batched_writes():
        update_row(Attempt, attempt.pk, {"score_scaled": 0.5})
        update_row(AttemptRuntime, runtime.pk, {"commit_sequence": 7})
        update_row(Enrollment, attempt.enrollment_id, {"score": 0.5})
        assert len(queries) == 0  # nothing sent yet
    sent = [query["sql"] for query in queries if "SAVEPOINT" not in query["sql"]]
    assert len(sent) == (1 if connection.vendor == "postgresql" else 3)
    assert _score(attempt) == 0.5
    assert AttemptRuntime.objects.get(pk=runtime.pk).commit_sequence == 7
    assert Enrollment.objects.get(pk=attempt.enrollment_id).score == 0.5


def test_any_statement_within_the_block_sees_the_writes_before_it():
    attempt = AttemptFactory()
    with transaction.atomic(), batched_writes():
        update_row(Attempt, attempt.pk, {"score_scaled": 0.25})
        assert _score(attempt) == 0.25  # sent before the read


def test_a_rows_second_write_in_a_batch_is_not_lost():
    """One statement sees its rows as it began: two UPDATEs of a row in it would keep one."""
    attempt = AttemptFactory()
    with transaction.atomic(), batched_writes():
        update_row(Attempt, attempt.pk, {"score_scaled": 0.1, "score_raw": 1.0})
        update_row(Attempt, attempt.pk, {"score_scaled": 0.2})
    stored = Attempt.objects.values("score_scaled", "score_raw").get(pk=attempt.pk)
    assert stored == {"score_scaled": 0.2, "score_raw": 1.0}


def test_a_block_that_raises_drops_its_writes():
    attempt = AttemptFactory()

    def refused() -> None:
        with transaction.atomic(), batched_writes():
            update_row(Attempt, attempt.pk, {"score_scaled": 0.9})
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused()
    assert _score(attempt) is None
    with transaction.atomic(), batched_writes():  # and the next block starts empty
        pass
    assert _score(attempt) is None


def test_a_block_within_another_leaves_the_sending_to_the_outer_one():
    attempt = AttemptFactory()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries, batched_writes():
        with batched_writes():
            update_row(Attempt, attempt.pk, {"score_scaled": 0.3})
        assert len(queries) == 0
    assert _score(attempt) == 0.3


def test_outside_a_block_a_write_is_sent_at_once(django_assert_num_queries):
    attempt = AttemptFactory()
    with django_assert_num_queries(1):
        update_row(Attempt, attempt.pk, {"score_scaled": 0.4})
    assert _score(attempt) == 0.4
