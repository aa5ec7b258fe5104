"""An S3 API server for the tests: the one named by ``LMS_TEST_S3_ENDPOINT_URL`` (``.ci/run``
starts moto's on loopback), a fresh bucket per test, and the storage settings the LMS reads
from the environment for it."""

from __future__ import annotations

import os
import runpy
import uuid
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENDPOINT = os.environ.get("LMS_TEST_S3_ENDPOINT_URL", "")
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "lms-test", "AWS_SECRET_ACCESS_KEY": "lms-test-secret"}

requires_s3 = pytest.mark.skipif(
    not ENDPOINT,
    reason="set LMS_TEST_S3_ENDPOINT_URL to an S3 API server to test S3 storage "
    "(.ci/run starts moto's when PostgreSQL and Redis answer)",
)


def s3_environment(bucket: str) -> dict[str, str]:
    """The variables that put the LMS's files in ``bucket`` (as the README's production
    section sets them, with the test server's endpoint)."""
    return {
        "FILE_STORAGE_BACKEND": "storages.backends.s3.S3Storage",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": ENDPOINT,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
        **CREDENTIALS,
    }


def storages_from_environment(environment: dict[str, str]) -> dict:
    """``STORAGES`` as lms/settings.py builds it from ``environment``."""
    with mock.patch.dict(os.environ, environment):
        return runpy.run_path(str(ROOT / "lms" / "settings.py"))["STORAGES"]


def client():
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def new_bucket() -> str:
    name = f"lms-test-{uuid.uuid4().hex[:16]}"
    client().create_bucket(Bucket=name)
    return name


def keys(bucket: str, prefix: str = "") -> list[str]:
    pages = client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(entry["Key"] for page in pages for entry in page.get("Contents", ()))


def delete_bucket(bucket: str) -> None:
    s3 = client()
    for key in keys(bucket):
        s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_bucket(Bucket=bucket)
