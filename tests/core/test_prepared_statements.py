"""A prepared statement that a migration has outlived fails one request, not every request its
connection serves until ``CONN_MAX_AGE``."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from django.db import NotSupportedError, connection
from django.urls import reverse

from core.prepared_statements import _task_failed, is_stale_plan
from enrollments.services import learner_get_or_create
from tests.factories import CourseFactory, EnrollmentFactory, UserFactory


def _stale() -> NotSupportedError:
    """As Django raises it: its own error, PostgreSQL's as the cause."""
    error = NotSupportedError("cached plan must not change result type")
    error.__cause__ = psycopg.errors.FeatureNotSupported("cached plan must not change result type")
    return error


def test_a_stale_plan_is_told_from_other_errors():
    assert is_stale_plan(_stale())
    wrapped = RuntimeError("task failed")
    wrapped.__cause__ = _stale()
    assert is_stale_plan(wrapped)
    assert not is_stale_plan(NotSupportedError("SELECT ... FOR UPDATE cannot be applied"))
    assert not is_stale_plan(None)


@pytest.mark.django_db(transaction=True)
def test_a_task_that_failed_on_a_stale_plan_closes_the_connection():
    connection.ensure_connection()
    _task_failed(exception=ValueError("something else"))
    assert connection.connection is not None
    _task_failed(exception=_stale())
    assert connection.connection is None


@pytest.mark.django_db(transaction=True)
def test_after_a_migration_changes_a_column_one_request_fails_and_the_next_connects_again(
    client,
):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL's")
    user = UserFactory()
    EnrollmentFactory(learner=learner_get_or_create(user=user), course=CourseFactory())
    client.force_login(user)
    client.raise_request_exception = False
    page = reverse("enrollments:my_courses")
    for _ in range(6):  # prepared from the fifth run on
        assert client.get(page).status_code == 200
    params = connection.get_connection_params()
    keys = ("dbname", "user", "password", "host", "port")
    migrate = psycopg.connect(
        **{key: params[key] for key in keys if key in params}, autocommit=True
    )
    try:  # what a migration altering Course.title's max_length does, from another process
        migrate.execute('ALTER TABLE "courses_course" ALTER COLUMN "title" TYPE varchar(201)')
        assert client.get(page).status_code == 500
        assert connection.connection is None
        assert client.get(page).status_code == 200
    finally:
        migrate.execute('ALTER TABLE "courses_course" ALTER COLUMN "title" TYPE varchar(200)')
        migrate.close()
        connection.close()  # its statements were prepared against the altered column


@pytest.mark.django_db(transaction=True)
def test_a_task_that_failed_on_a_stale_plan_runs_once_more_on_a_new_connection():
    from lms.celery import app

    runs = []

    def work(fail: int) -> str:
        runs.append(connection.connection)
        connection.ensure_connection()
        if len(runs) <= fail:
            raise _stale()
        return "done"

    task = app.task(name=f"tests.stale_plan.{uuid.uuid4().hex}")(work)
    assert task.apply(args=(1,)).get() == "done"
    assert len(runs) == 2
    assert runs[1] is None  # the first run's connection was closed before the second
    runs.clear()
    with pytest.raises(NotSupportedError):  # once only: a plan stale again is an error
        task.apply(args=(2,)).get()
    assert len(runs) == 2
    runs.clear()

    def broken() -> None:
        runs.append(connection.connection)
        raise ZeroDivisionError

    other = app.task(name=f"tests.other.{uuid.uuid4().hex}")(broken)
    with pytest.raises(ZeroDivisionError):  # any other error: once
        other.apply().get()
    assert len(runs) == 1
