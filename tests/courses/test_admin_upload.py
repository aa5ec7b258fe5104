"""Admins upload packages through the real admin form: the intake runs first."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.demo import build_demo_zip
from courses.intake import PackageRejected
from courses.models import Package
from tests.factories import CourseFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the import runs on commit, as in production


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
    # The status column of each row (the filter sidebar names every status anyway).
    statuses = re.findall(r'<td class="field-status_badge">([^<]*)</td>', listing)
    assert statuses == ["Ready", "Ready"]
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


def test_the_admin_is_told_when_the_import_fails_after_the_upload(admin_client, settings):
    course = CourseFactory(provider="local")

    def refuse(package):
        raise PackageRejected("member index.html is damaged")

    settings_patch = pytest.MonkeyPatch()
    settings_patch.setattr("courses.services.extract_package", refuse)
    try:
        response = upload(admin_client, course, build_demo_zip("spotting-phishing"))
    finally:
        settings_patch.undo()

    package = Package.objects.get(course=course)
    assert (package.status, package.error) == (
        Package.Status.FAILED,
        "member index.html is damaged",
    )
    page = response.content.decode()
    assert "member index.html is damaged" in page  # the package's page says why
    messages = [str(m) for m in response.context["messages"]]
    assert not any("successfully" in m for m in messages), messages
    # Nothing is left behind but the failed record: no zip, no content folder.
    assert stored_files(settings) == []
    assert not package.file


def test_an_upload_writes_nothing_while_the_form_validates(admin_client, monkeypatch):
    """Validation (the intake) and creation are separate: a form that fails on another
    field leaves no package behind."""
    response = admin_client.post(
        reverse("admin:courses_package_add"),
        {"file": SimpleUploadedFile("p.zip", build_demo_zip("safe-passwords"))},
    )
    assert response.status_code == 200
    assert "course" in response.context["adminform"].form.errors
    assert not Package.objects.exists()
