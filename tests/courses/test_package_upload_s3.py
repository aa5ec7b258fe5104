"""The resumable upload with packages on S3-compatible storage: chunks are objects under
``packages/partial/<id>/``, joined for the intake, and none is left once the package is stored."""

from __future__ import annotations

import pytest

from courses.models import Package
from tests.courses.package_builders import package_zip
from tests.courses.test_package_upload_tus import CHUNK, _small_chunks, submit, upload_all
from tests.factories import CourseFactory
from tests.storage.conftest import s3_bucket
from tests.storage.s3 import requires_s3

__all__ = ["_small_chunks", "s3_bucket"]  # fixtures, used by name

pytestmark = [pytest.mark.django_db(transaction=True), requires_s3]


def test_an_upload_in_chunks_becomes_a_package_on_s3(admin_client, s3_bucket):
    course = CourseFactory(provider="local")
    content = package_zip("Fire drills", asset_bytes=5 * CHUNK)
    upload_id = upload_all(admin_client, content)
    assert len(s3_bucket.objects("packages/partial/")) == 1 + -(-len(content) // CHUNK)

    submit(admin_client, course, upload_id)

    package = Package.objects.get(course=course)
    assert package.status == Package.Status.READY
    with package.file.open("rb") as stored:
        assert stored.read() == content
    assert s3_bucket.objects("packages/partial/") == []
