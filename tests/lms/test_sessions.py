"""Sessions are read from the cache and written through to the database."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _session_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/learn/").status_code == 200  # signed in: not sent to sign in
    return [q["sql"] for q in queries.captured_queries if "django_session" in q["sql"]]


def test_a_signed_in_page_reads_its_session_from_the_cache(client):
    client.force_login(UserFactory())
    assert _session_queries(client) == []


def test_a_flushed_cache_signs_no_one_out(client):
    client.force_login(UserFactory())
    cache.clear()
    assert len(_session_queries(client)) == 1  # read from the database, then cached again
    assert _session_queries(client) == []
