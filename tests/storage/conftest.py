"""Storage tests: S3 ones get a fresh bucket and the LMS's settings pointed at it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.storage import s3


@pytest.fixture
def s3_bucket(settings, monkeypatch, tmp_path):
    """The default storage is a fresh bucket on the test S3 server, configured as lms/settings.py
    configures it from the environment. Yields the bucket's name and a lister of its keys."""
    bucket = s3.new_bucket()
    environment = s3.s3_environment(bucket)
    for name, value in s3.CREDENTIALS.items():
        monkeypatch.setenv(name, value)  # boto3 reads the credentials from the environment
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3.storages_from_environment(environment)["default"],
    }
    try:
        yield SimpleNamespace(name=bucket, objects=lambda prefix="": s3.keys(bucket, prefix))
    finally:
        s3.delete_bucket(bucket)
