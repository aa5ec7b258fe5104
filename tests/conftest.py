"""Fixtures shared by the whole suite. Scenario fixtures wrap the factories in tests/factories.py."""

from __future__ import annotations

import os
import socket

import pytest

from providers.registry import reset_registry


def pytest_configure(config: pytest.Config) -> None:
    """Set once for the whole run (the live server's threads included): UserFactory hashes a
    password per user, and PBKDF2 would dominate the suite's run time."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded and extracted files go to a fresh folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_state():
    """Providers are built from settings once per process: rebuild them for each test, and start
    each test with an empty cache (rate limits live there)."""
    from django.core.cache import cache

    from core.shared_cache import cache_reset

    reset_registry()
    cache.clear()
    cache_reset()
    yield
    reset_registry()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: A Redis database the tests may flush (production's shared cache); the tests that need it skip
#: without it.
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "")


@pytest.fixture
def redis_cache(settings):
    """The shared cache is Redis, as in production (an empty database of its own)."""
    if not REDIS_URL:
        pytest.skip("set LMS_TEST_REDIS_URL to test on Redis")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def redis_round_trips(monkeypatch):
    """Each round trip to Redis (any client's) as it goes: the name of its (first) command."""
    from redis.connection import AbstractConnection

    sent: list[str] = []
    send = AbstractConnection.send_packed_command

    def counted(connection, command, check_health=True):
        first = command[0] if isinstance(command, list | tuple) else command
        sent.append(bytes(first).split(b"\r\n", 3)[2].decode())  # *<n>, $<len>, the name
        return send(connection, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counted)
    return sent


@pytest.fixture
def cache_down(settings, closed_port):
    """The shared cache is Redis, and Redis is down (nothing listens on its port)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port}/0",
        }
    }


@pytest.fixture
def make_demo_course(db):
    """Build a course from one of the project's demo packages through the real intake and
    import (``safe-passwords`` is SCORM 1.2, ``spotting-phishing`` SCORM 2004)."""
    from django.core.files.base import ContentFile

    from courses.demo import DEMO_COURSES, build_demo_zip
    from courses.models import Package
    from courses.services import package_create, package_import_start
    from tests.factories import CourseFactory

    def _make(slug: str = "safe-passwords", **course_fields):
        demo = DEMO_COURSES[slug]
        fields = {"slug": demo.slug, "title": demo.title, "self_enrollment": True, **course_fields}
        course = CourseFactory(**fields)
        package = package_create(
            course=course, upload=ContentFile(build_demo_zip(slug), name=f"{slug}.zip")
        )
        package.refresh_from_db()
        if (
            package.status == Package.Status.PENDING
        ):  # on_commit does not fire inside a test transaction
            package_import_start(package=package)
        return course

    return _make
