"""PostgreSQL prepares the queries a connection runs again and again (issue 13's hot paths),
unless ``DATABASE_PREPARED_STATEMENTS`` is off for a pooler that cannot keep them."""

from __future__ import annotations

import pytest
from django.db import connection

from courses.models import Course
from tests.lms.test_settings import PRODUCTION, _run_with

PRINT_OPTIONS = (
    "from django.db import connection; print(sorted(connection.settings_dict['OPTIONS']))"
)


@pytest.mark.django_db
def test_a_query_run_again_on_a_connection_is_prepared_by_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements: PostgreSQL's")
    for slug in ("one", "two", "three", "four", "five", "six"):  # other values, the same text
        list(Course.objects.filter(slug=slug))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('FROM "courses_course"' in statement for statement in prepared), prepared


@pytest.mark.parametrize(("setting", "expected"), [("", True), ("false", False)])
def test_prepared_statements_follow_the_setting(setting, expected):
    environment = {
        **PRODUCTION,
        "DATABASE_URL": "postgres://lms@127.0.0.1:5432/lms",
        "DATABASE_PREPARED_STATEMENTS": setting,
    }
    if not setting:
        del environment["DATABASE_PREPARED_STATEMENTS"]
    result = _run_with(environment, "shell", "-c", PRINT_OPTIONS)
    assert result.returncode == 0, result.stderr
    assert ("server_side_binding" in result.stdout) is expected
    assert ("prepare_threshold" in result.stdout) is expected
