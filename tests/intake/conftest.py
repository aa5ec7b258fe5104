"""Fixtures for the intake tests: a private media folder and stored packages."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from courses.models import Course, Package

_slugs = itertools.count(1)


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """The default storage's folder, empty at the start of the test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def stored_files(media) -> Callable[[], list[str]]:
    """Every file in the default storage, as sorted storage names (folders are not files)."""

    def list_files() -> list[str]:
        return sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file())

    return list_files


@pytest.fixture
def make_package(db, media) -> Callable[..., Package]:
    """A Package row whose file is ``data`` in the default storage, as the upload form leaves it."""

    def make(data: bytes, *, sha256: str | None = None) -> Package:
        n = next(_slugs)
        course = Course.objects.create(title=f"Course {n}", slug=f"intake-course-{n}")
        package = Package(
            course=course,
            version=1,
            sha256=sha256 or hashlib.sha256(data).hexdigest(),
            size=len(data),
            standard=Package.Standard.SCORM_12,
        )
        package.file.save("package.zip", ContentFile(data), save=False)
        package.save()
        return package

    return make
