"""The shared cache only spares work: with Redis down every page still answers, signing in and
out still work, and what the cache guards (provider reads, upload chunks) fails closed with a
clear answer (core.shared_cache)."""

from __future__ import annotations

import io
import logging

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from core import shared_cache
from core.sessions import CACHED_SECONDS, SessionStore
from courses import services as course_services
from enrollments import read_budget
from enrollments.models import Attempt
from enrollments.versioned_cache import versioned_get, versioned_put
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-password-1"  # noqa: S105


@pytest.fixture
def course(make_demo_course, settings):
    settings.SCORM_CONTENT_ORIGIN = "https://content.example.net"  # "testserver" derives none
    settings.SCORM_PANEL_CACHE_SECONDS = 60
    return make_demo_course("safe-passwords", self_enrollment=True)


def sign_in(client: Client, username: str) -> None:
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:300]


def test_a_learner_signs_in_plays_polls_and_signs_out_while_the_cache_is_down(
    client, course, cache_down, caplog
):
    UserFactory(username="lea", password=PASSWORD)
    caplog.set_level(logging.WARNING, logger="core.shared_cache")

    sign_in(client, "lea")
    assert client.get(reverse("enrollments:my_courses")).status_code == 200
    assert client.get(course.get_absolute_url()).status_code == 200
    assert client.post(reverse("enrollments:course_enrol", args=[course.slug])).status_code == 302
    play = client.post(reverse("enrollments:course_play", args=[course.slug]))
    attempt = Attempt.objects.get()
    assert play["Location"] == reverse("enrollments:attempt_player", args=[attempt.pk])
    assert client.get(play["Location"]).status_code == 200
    poll = client.get(
        reverse("enrollments:attempt_progress", args=[attempt.pk]), headers={"HX-Request": "true"}
    )
    assert poll.status_code == 200
    assert 'id="progress-panel"' in poll.content.decode()

    assert client.post(reverse("logout")).status_code == 302
    assert not Session.objects.exists()  # signed out in the database, the truth
    assert client.get(reverse("enrollments:my_courses")).status_code == 302  # to sign in
    # Once per period: not once per request.
    assert caplog.text.count("The shared cache failed") == 1


def test_an_instructor_reads_the_gradebook_while_the_cache_is_down(client, course, cache_down):
    UserFactory(username="ina", password=PASSWORD, is_staff=True, is_superuser=True)
    sign_in(client, "ina")
    for page in (
        reverse("gradebook:course_list"),
        reverse("gradebook:course", args=[course.slug]),
        reverse("gradebook:export_gradebook", args=[course.slug]),
        reverse("admin:index"),
    ):
        assert client.get(page).status_code == 200, page


def test_each_session_operation_falls_back_to_the_database(cache_down, caplog):
    """Every call reaches the closed port (the breaker reset before each): none raises, and
    the database answers."""
    caplog.set_level(logging.WARNING, logger="core.shared_cache")

    def fails(operation, *args):
        shared_cache.cache_reset()
        caplog.clear()
        result = operation(*args)
        assert "The shared cache failed" in caplog.text, operation
        return result

    store = SessionStore()
    store["seen"] = 1
    fails(store.save)  # written to the database
    key = store.session_key
    assert fails(SessionStore(key).load) == {"seen": 1}
    assert fails(store.exists, key) is True
    fails(store.cycle_key)  # a new key; the old one deleted
    assert not fails(store.exists, key)
    assert fails(SessionStore(store.session_key).load) == {"seen": 1}
    fails(store.flush)  # signing out
    assert not Session.objects.exists()


def test_the_cache_is_left_alone_for_a_while_after_a_failure(cache_down, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(shared_cache.time, "monotonic", lambda: now[0])
    calls = []

    def failing():
        calls.append(1)
        raise shared_cache.redis_errors.ConnectionError("refused")

    assert shared_cache.cache_call("a read", failing, "default") == "default"
    now[0] += shared_cache.RETRY_SECONDS - 0.1
    assert shared_cache.cache_call("a read", failing, "default") == "default"
    assert len(calls) == 1  # not tried: known down
    now[0] += 0.2
    assert shared_cache.cache_call("a read", lambda: "cached", "default") == "cached"


def test_a_versioned_value_is_computed_and_not_kept_while_the_cache_is_down(cache_down):
    assert versioned_get("panel:x") == (None, None)
    shared_cache.cache_reset()
    assert versioned_put("panel:x", None, "<p>fragment</p>", seconds=30) is False


def test_no_provider_read_is_granted_while_the_cache_is_down(cache_down):
    for kind in read_budget.ReadKind:
        shared_cache.cache_reset()
        grant = read_budget.read_acquire(provider="scorm_cloud", attempt_id="a1", kind=kind)
        assert grant == read_budget.Grant(False, shared_cache.RETRY_SECONDS)


def test_an_upload_chunk_waits_while_the_cache_is_down(settings, cache_down):
    """The chunk store's lock lives in the cache: without it no chunk is stored."""
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    upload = course_services.package_upload_begin(owner=admin, length=10)
    with pytest.raises(course_services.UploadBusy, match="paused for a moment"):
        course_services.package_upload_append(
            upload=upload, offset=0, body=io.BytesIO(b"x" * 10), size=10
        )
    assert course_services.package_upload_get(upload_id=upload.id, owner=admin).offset == 0


def test_the_cache_keeps_a_session_minutes_not_weeks(settings):
    """A session signed out while the cache was down is read back from a cache that returns
    with its old data for this long at most (through Django's cache API; on Redis:
    tests/core/test_sessions.py)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    kept = {}

    class Spy:
        def set(self, key, value, timeout):
            kept[key] = timeout

        def get(self, key):
            return None

        def __contains__(self, key):
            return False

    store = SessionStore()
    store._cache = Spy()
    store["seen"] = 1
    store.save()
    reader = SessionStore(store.session_key)
    reader._cache = Spy()
    assert reader.load() == {"seen": 1}
    assert settings.SESSION_COOKIE_AGE > CACHED_SECONDS
    assert list(kept.values()) == [CACHED_SECONDS]  # written, then read back: one key
