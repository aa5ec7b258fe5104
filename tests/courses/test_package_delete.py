"""Deleting a package version deletes its files, unless another package still uses them; a
version that was played cannot be deleted."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from courses.demo import build_demo_zip
from courses.models import Package
from tests.courses.test_admin_upload import stored_files, upload
from tests.factories import AttemptFactory, CourseFactory, EnrollmentFactory

pytestmark = pytest.mark.django_db(transaction=True)  # files go once the deletion commits


def _delete(admin_client, package: Package):
    return admin_client.post(
        reverse("admin:courses_package_delete", args=[package.pk]), {"post": "yes"}, follow=True
    )


def _uploaded(admin_client, course) -> Package:
    upload(admin_client, course, build_demo_zip("safe-passwords"))
    package = Package.objects.filter(course=course).latest("version")
    assert package.is_ready
    return package


def test_deleting_a_package_deletes_its_zip_and_content(admin_client, settings):
    package = _uploaded(admin_client, CourseFactory(provider="local"))
    assert default_storage.exists(package.file.name)
    assert default_storage.exists(f"{package.content_root}/index.html")

    response = _delete(admin_client, package)

    assert response.status_code == 200
    assert not Package.objects.filter(pk=package.pk).exists()
    assert stored_files(settings) == []


def test_files_another_package_uses_are_kept(admin_client, settings):
    first = _uploaded(admin_client, CourseFactory(provider="local"))
    second = _uploaded(admin_client, CourseFactory(provider="local"))  # the same zip
    assert first.sha256 == second.sha256

    _delete(admin_client, first)

    assert default_storage.exists(second.file.name)
    assert default_storage.exists(f"{second.content_root}/index.html")
    _delete(admin_client, second)
    assert stored_files(settings) == []


def test_a_package_that_was_played_is_not_deleted(admin_client, settings):
    package = _uploaded(admin_client, CourseFactory(provider="local"))
    AttemptFactory(enrollment=EnrollmentFactory(course=package.course), package=package)

    response = _delete(admin_client, package)

    assert "Cannot delete package" in response.content.decode()
    assert Package.objects.filter(pk=package.pk).exists()
    assert default_storage.exists(f"{package.content_root}/index.html")
