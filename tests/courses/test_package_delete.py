"""Deleting a package version deletes its files, unless another package still uses them; a
version that was played cannot be deleted."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from courses.demo import build_demo_zip
from courses.models import Package
from enrollments.models import Attempt
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


def _delete_course(admin_client, course):
    return admin_client.post(
        reverse("admin:courses_course_delete", args=[course.pk]), {"post": "yes"}, follow=True
    )


def test_deleting_a_course_deletes_its_packages_and_their_files(admin_client, settings):
    """The files go with the last package that uses them, whichever course it is in."""
    package = _uploaded(admin_client, CourseFactory(provider="local"))
    _uploaded(admin_client, package.course)  # a second version of the same zip
    kept = _uploaded(admin_client, CourseFactory(provider="local"))  # another course, same zip

    response = _delete_course(admin_client, package.course)

    assert response.status_code == 200
    assert not Package.objects.filter(course=package.course).exists()
    assert default_storage.exists(f"{kept.content_root}/index.html")
    response = admin_client.post(
        reverse("admin:courses_course_changelist"),
        {"action": "delete_selected", "_selected_action": [kept.course.pk], "post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert not Package.objects.exists()
    assert stored_files(settings) == []


def test_a_course_that_was_played_is_not_deleted(admin_client, settings):
    """Its learners' attempts protect the packages they were played on, as for one package."""
    package = _uploaded(admin_client, CourseFactory(provider="local"))
    AttemptFactory(enrollment=EnrollmentFactory(course=package.course), package=package)

    response = _delete_course(admin_client, package.course)

    assert "Cannot delete course" in response.content.decode()
    assert Attempt.objects.filter(package=package).exists()
    assert default_storage.exists(f"{package.content_root}/index.html")
