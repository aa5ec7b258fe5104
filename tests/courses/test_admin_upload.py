"""Admins upload packages through the real admin form: the intake runs first."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.demo import build_demo_zip
from courses.models import Package
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the import runs on commit, as in production


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def upload(admin_client, course, content: bytes, name: str = "package.zip"):
    return admin_client.post(
        reverse("admin:courses_package_add"),
        {
            "course": course.pk,
            "file": SimpleUploadedFile(name, content, content_type="application/zip"),
        },
        follow=True,
    )


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return (
        [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()] if root.exists() else []
    )


def test_an_upload_reaches_ready_with_its_scos(admin_client, settings):
    course = CourseFactory(provider="local")
    response = upload(admin_client, course, build_demo_zip("spotting-phishing"))
    assert response.status_code == 200
    package = Package.objects.get(course=course)
    assert package.status == Package.Status.READY
    assert (package.version, package.standard, package.title) == (
        1,
        "scorm2004_4",
        "Spotting phishing",
    )
    sco = package.scos.get()
    assert (sco.href, sco.mastery_score) == ("index.html", 0.8)
    assert f"{package.content_root}/index.html" in stored_files(settings)

    # A second upload is the next version; the first keeps its files for its attempts.
    upload(admin_client, course, build_demo_zip("safe-passwords"))
    assert list(course.packages.values_list("version", "standard")) == [
        (2, "scorm12"),
        (1, "scorm2004_4"),
    ]

    listing = admin_client.get(reverse("admin:courses_package_changelist")).content.decode()
    assert "Ready" in listing
    detail = admin_client.get(
        reverse("admin:courses_package_change", args=[package.pk])
    ).content.decode()
    assert "index.html" in detail
    assert "imsmanifest" in detail or "organizations" in detail


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a zip", "not a zip"),
        (_zip({"readme.txt": b"hello"}), "imsmanifest.xml"),
        (_zip({"course/imsmanifest.xml": b"<manifest/>"}), "course/"),
        (_zip({"imsmanifest.xml": b"<manifest"}), "XML"),
    ],
)
def test_a_rejected_upload_shows_why_and_stores_nothing(admin_client, settings, content, message):
    course = CourseFactory(provider="local")
    response = upload(admin_client, course, content)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["file"]
    assert any(message.lower() in error.lower() for error in errors), errors
    assert not Package.objects.exists()
    assert stored_files(settings) == []
