"""Fixtures for the course admin and services tests."""

from __future__ import annotations

from tests.fakes.scorm_cloud import fake_scorm_cloud, scorm_cloud

__all__ = ["fake_scorm_cloud", "scorm_cloud"]  # the fake SCORM Cloud, for imports into it
