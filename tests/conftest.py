"""Fixtures shared by the whole suite. Scenario fixtures wrap the factories in tests/factories.py."""

from __future__ import annotations

import pytest

from lms.scorm.registry import reset_registry


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded and extracted files go to a fresh folder per test."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_state():
    """Providers are built from settings once per process: rebuild them for each test, and start
    each test with an empty cache (rate limits live there)."""
    from django.core.cache import cache

    reset_registry()
    cache.clear()
    yield
    reset_registry()
