"""One admin screen makes a course from a package: title and description from the manifest."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.intake import PackageRejected
from courses.models import Course, Package
from courses.services import course_create_from_package
from tests.courses.package_builders import package_zip
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the import runs on commit, as in production

DESCRIPTION = "What to do when the alarm sounds: exits, assembly points & roll call."


def from_package_url() -> str:
    return reverse("admin:courses_course_from_package")


def test_the_course_takes_the_manifests_title_and_description():
    course = course_create_from_package(
        upload=ContentFile(package_zip("Fire drills", DESCRIPTION), name="fire.zip"),
        provider="local",
    )
    assert (course.title, course.slug, course.description) == (
        "Fire drills",
        "fire-drills",
        DESCRIPTION,
    )
    assert (course.provider, course.is_published) == ("local", False)
    package = course.packages.get()
    assert (package.version, package.title, package.status) == (1, "Fire drills", "ready")


def test_the_slug_is_unique_and_a_missing_description_is_empty():
    CourseFactory(slug="fire-drills")
    CourseFactory(slug="fire-drills-2")
    course = course_create_from_package(
        upload=ContentFile(package_zip("Fire drills"), name="fire.zip"), provider="local"
    )
    assert (course.slug, course.description) == ("fire-drills-3", "")


def test_a_rejected_package_creates_nothing():
    with pytest.raises(PackageRejected):
        course_create_from_package(upload=ContentFile(b"not a zip", name="x.zip"), provider="local")
    assert not Course.objects.exists()


def test_the_admin_screen_creates_the_course_and_shows_its_package(admin_client):
    form = admin_client.get(from_package_url())
    page = form.content.decode()
    assert form.status_code == 200
    assert 'name="provider"' in page
    assert "SCORM Cloud" in page
    assert "data-package-upload" in page  # the resumable upload's controls

    response = admin_client.post(
        from_package_url(),
        {
            "file": SimpleUploadedFile("fire.zip", package_zip("Fire drills", DESCRIPTION)),
            "provider": "local",
        },
        follow=True,
    )

    course = Course.objects.get()
    package = course.packages.get()
    assert (course.title, course.description, course.is_published) == (
        "Fire drills",
        DESCRIPTION,
        False,
    )
    assert response.redirect_chain[-1][0] == reverse(
        "admin:courses_package_change", args=[package.pk]
    )
    assert package.status == Package.Status.READY
    page = response.content.decode()
    assert "open the course to publish it" in page
    messages = [str(m) for m in response.context["messages"]]
    assert any("was created from the package, unpublished" in m for m in messages), messages


def test_the_admin_screen_shows_why_a_package_is_rejected(admin_client, settings):
    response = admin_client.post(
        from_package_url(),
        {"file": SimpleUploadedFile("x.zip", b"not a zip at all"), "provider": "local"},
    )
    assert response.status_code == 200
    assert "not a zip" in str(response.context["form"].errors["file"])
    assert not Course.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_the_course_list_links_to_the_screen_and_only_those_who_may_add_use_it(client):
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    assert client.get(from_package_url()).status_code == 403
    staff.user_permissions.add(
        Permission.objects.get(codename="add_course"),
        Permission.objects.get(codename="view_course"),
    )
    assert client.get(from_package_url()).status_code == 403  # may not add packages
    staff.user_permissions.add(Permission.objects.get(codename="add_package"))
    assert client.get(from_package_url()).status_code == 200
    listing = client.get(reverse("admin:courses_course_changelist")).content.decode()
    assert from_package_url() in listing
    assert "New course from a package" in listing
