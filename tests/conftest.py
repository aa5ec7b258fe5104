"""Fixtures shared by the whole suite. Scenario fixtures wrap the factories in tests/factories.py."""

from __future__ import annotations

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
