"""The admin's resumable package upload: the tus endpoint, the chunk store, and the add form
taking a finished upload instead of a file. The intake still runs on the whole zip."""

from __future__ import annotations

import base64
import io
import os
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.demo import build_demo_zip
from courses.models import Package
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the import runs on commit, as in production

TUS = {"Tus-Resumable": "1.0.0"}
CHUNK = 4 * 1024


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.SCORM_UPLOAD_CHUNK_BYTES = CHUNK


def begin(client: Client, length: int, filename: str = "package.zip"):
    metadata = "filename " + base64.b64encode(filename.encode()).decode()
    return client.post(
        reverse("admin:courses_package_uploads"),
        headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata},
    )


def send(client: Client, location: str, offset: int, data: bytes):
    return client.patch(
        location,
        data=data,
        content_type="application/offset+octet-stream",
        headers={**TUS, "Upload-Offset": str(offset)},
    )


def upload_all(client: Client, content: bytes, filename: str = "package.zip") -> str:
    """Send ``content`` in chunks, as tus-js-client does; returns the upload's id."""
    created = begin(client, len(content), filename)
    assert created.status_code == 201, created.content
    location = created["Location"]
    for offset in range(0, len(content), CHUNK):
        answer = send(client, location, offset, content[offset : offset + CHUNK])
        assert answer.status_code == 204, answer.content
        assert int(answer["Upload-Offset"]) == min(offset + CHUNK, len(content))
    return location.rstrip("/").rsplit("/", 1)[1]


def partial_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT / services.UPLOADS_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def submit(client: Client, course, upload_id: str, **extra):
    return client.post(
        reverse("admin:courses_package_add"),
        {"course": course.pk, "upload": upload_id, **extra},
        follow=True,
    )


def test_the_endpoint_speaks_tus(admin_client):
    options = admin_client.options(reverse("admin:courses_package_uploads"))
    assert options.status_code == 204
    assert options["Tus-Version"] == "1.0.0"
    assert options["Tus-Extension"] == "creation,termination,expiration"

    length = 2 * CHUNK + 100
    created = begin(admin_client, length)
    assert created.status_code == 201
    assert created["Tus-Resumable"] == "1.0.0"
    assert created["Location"].startswith("http://testserver/admin/courses/package/uploads/")
    assert "Upload-Expires" in created
    location = created["Location"]

    head = admin_client.head(location, headers=TUS)
    assert (head.status_code, head["Upload-Offset"], head["Upload-Length"]) == (
        200,
        "0",
        str(length),
    )
    assert "no-store" in head["Cache-Control"]

    data = os.urandom(length)
    assert send(admin_client, location, 0, data[:CHUNK]).status_code == 204
    # A chunk sent again, or from the wrong place, is refused with where the data ends.
    conflict = send(admin_client, location, 0, data[:CHUNK])
    assert (conflict.status_code, conflict["Upload-Offset"]) == (409, str(CHUNK))
    assert admin_client.head(location, headers=TUS)["Upload-Offset"] == str(CHUNK)
    assert send(admin_client, location, CHUNK, data[CHUNK : 2 * CHUNK]).status_code == 204
    done = send(admin_client, location, 2 * CHUNK, data[2 * CHUNK :])
    assert (done.status_code, done["Upload-Offset"]) == (204, str(length))


@pytest.mark.parametrize(
    ("headers", "content_type", "status"),
    [
        ({}, "application/offset+octet-stream", 412),  # no Tus-Resumable
        (TUS, "application/octet-stream", 415),
    ],
)
def test_a_malformed_chunk_is_refused(admin_client, headers, content_type, status):
    location = begin(admin_client, 10)["Location"]
    answer = admin_client.patch(
        location,
        data=b"x" * 10,
        content_type=content_type,
        headers={**headers, "Upload-Offset": "0"},
    )
    assert answer.status_code == status


def test_chunks_past_the_declared_length_or_over_the_chunk_size_are_refused(admin_client):
    location = begin(admin_client, 10)["Location"]
    assert send(admin_client, location, 0, b"x" * 11).status_code == 400
    location = begin(admin_client, CHUNK * 3)["Location"]
    assert send(admin_client, location, 0, b"x" * (CHUNK + 1)).status_code == 413
    assert admin_client.head(location, headers=TUS)["Upload-Offset"] == "0"


def test_an_upload_over_the_package_limit_is_refused_before_any_byte(admin_client, settings):
    settings.SCORM_INTAKE_MAX_UPLOAD_BYTES = 1024**2
    answer = begin(admin_client, 1024**2 + 1)
    assert answer.status_code == 413
    assert "over the 1.0 MB limit" in answer.content.decode()
    assert partial_files(settings) == []


def test_an_interrupted_chunk_keeps_nothing_and_the_upload_resumes(admin_user, settings):
    upload = services.package_upload_begin(owner=admin_user, length=1000)
    # The connection drops after 300 of the chunk's 600 bytes: the chunk is not kept.
    with pytest.raises(services.UploadInterrupted):
        services.package_upload_append(
            upload=upload, offset=0, body=io.BytesIO(b"a" * 300), size=600
        )
    upload = services.package_upload_get(upload_id=upload.id, owner=admin_user)
    assert upload.offset == 0
    assert partial_files(settings) == [f"{upload.id}/info.json"]
    upload = services.package_upload_append(
        upload=upload, offset=0, body=io.BytesIO(b"a" * 600), size=600
    )
    assert upload.offset == 600


def test_only_its_owner_sees_an_upload_and_only_staff_who_may_add_packages_upload(
    admin_client, client, settings
):
    location = begin(admin_client, 10)["Location"]

    other_admin = UserFactory(username="other", is_staff=True, is_superuser=True)
    client.force_login(other_admin)
    assert client.head(location, headers=TUS).status_code == 404
    assert send(client, location, 0, b"x" * 10).status_code == 404

    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    assert begin(client, 10).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="add_package"))
    assert begin(client, 10).status_code == 201

    learner = UserFactory(username="learner")
    client.force_login(learner)
    assert begin(client, 10).status_code == 302  # the admin's login page
    client.logout()
    assert begin(client, 10).status_code == 302


def test_every_unsafe_request_needs_the_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert begin(client, 10).status_code == 403
    client.get(reverse("admin:courses_package_add"))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    created = client.post(
        reverse("admin:courses_package_uploads"),
        headers={**TUS, "Upload-Length": "10", "X-CSRFToken": token},
    )
    assert created.status_code == 201
    location = created["Location"]
    assert send(client, location, 0, b"x" * 10).status_code == 403
    answer = client.patch(
        location,
        data=b"x" * 10,
        content_type="application/offset+octet-stream",
        headers={**TUS, "Upload-Offset": "0", "X-CSRFToken": token},
    )
    assert answer.status_code == 204
    assert client.delete(location, headers=TUS).status_code == 403


def test_a_cancelled_upload_leaves_nothing(admin_client, settings):
    location = begin(admin_client, CHUNK * 2)["Location"]
    send(admin_client, location, 0, b"x" * CHUNK)
    assert partial_files(settings)
    assert admin_client.delete(location, headers=TUS).status_code == 204
    assert partial_files(settings) == []
    assert admin_client.head(location, headers=TUS).status_code == 404


def test_expired_uploads_are_swept_when_another_begins(admin_client, admin_user, settings):
    old = services.package_upload_begin(owner=admin_user, length=10)
    kept = services.package_upload_begin(owner=admin_user, length=10)
    # The first began a day and a minute ago: rewrite its record's start.
    began = timezone.now() - timedelta(hours=settings.SCORM_UPLOAD_EXPIRY_HOURS, minutes=1)
    info = settings.MEDIA_ROOT / services.UPLOADS_ROOT / old.id / "info.json"
    info.write_text(info.read_text().replace(old.created_at.isoformat(), began.isoformat()))
    assert services.package_upload_get(upload_id=old.id, owner=admin_user) is None
    begin(admin_client, 10)
    folders = {name.split("/")[0] for name in partial_files(settings)}
    assert old.id not in folders
    assert kept.id in folders


def test_a_finished_upload_becomes_a_package_and_its_chunks_go(admin_client, settings):
    course = CourseFactory(provider="local")
    content = build_demo_zip("spotting-phishing")
    assert len(content) > 2 * CHUNK  # several chunks
    upload_id = upload_all(admin_client, content, "phishing.zip")

    response = submit(admin_client, course, upload_id)

    assert response.status_code == 200
    package = Package.objects.get(course=course)
    assert package.status == Package.Status.READY
    assert (package.size, package.title) == (len(content), "Spotting phishing")
    with package.file.open("rb") as stored:
        assert stored.read() == content
    assert response.redirect_chain[-1][0] == reverse(
        "admin:courses_package_change", args=[package.pk]
    )
    assert partial_files(settings) == []


def test_a_rejected_upload_shows_why_and_leaves_no_chunks(admin_client, settings):
    course = CourseFactory(provider="local")
    upload_id = upload_all(admin_client, b"this is not a zip" * 10_000)

    response = submit(admin_client, course, upload_id)

    errors = response.context["adminform"].form.errors["file"]
    assert any("not a zip" in error for error in errors), errors
    assert not Package.objects.exists()
    assert partial_files(settings) == []
    assert upload_id not in response.content.decode()  # the form shown again offers no upload


def test_an_unfinished_or_foreign_upload_is_not_taken(admin_client, admin_user, settings):
    course = CourseFactory(provider="local")
    content = build_demo_zip("safe-passwords")
    location = begin(admin_client, len(content))["Location"]
    send(admin_client, location, 0, content[:CHUNK])
    upload_id = location.rstrip("/").rsplit("/", 1)[1]

    response = submit(admin_client, course, upload_id)
    errors = response.context["adminform"].form.errors["file"]
    assert any("incomplete" in error for error in errors), errors
    assert not Package.objects.exists()
    assert partial_files(settings)  # kept: the admin may resume it

    stranger = services.package_upload_begin(
        owner=UserFactory(username="stranger", is_staff=True), length=10
    )
    response = submit(admin_client, course, stranger.id)
    errors = response.context["adminform"].form.errors["file"]
    assert any("expired or was already used" in error for error in errors), errors


def test_the_form_asks_for_a_file_when_it_has_neither(admin_client):
    course = CourseFactory(provider="local")
    response = admin_client.post(reverse("admin:courses_package_add"), {"course": course.pk})
    assert "This field is required" in str(response.context["adminform"].form.errors["file"])
    assert not Package.objects.exists()
